"""The staff performance pages in a real browser: a person's trend chart paints its canvas (desktop
and phone, no sideways scroll on the phone), and the ranking links to the person. Assertions on data
and pixels, not wording."""

import datetime as dt

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from analytics.models import TaskDaily, WorkOrderDaily
from core import services as core_services
from core.choices import Role
from lib.testing import PASSWORD, build_company, make_user
from tests.test_browser_charts import CANVAS_INK

pytestmark = pytest.mark.browser

MANAGER_PHONE = "13900000031"


def _months_back(today: dt.date, n: int) -> dt.date:
    day = today.replace(day=1)
    for _ in range(n):
        day = (day - dt.timedelta(days=1)).replace(day=1)
    return day


@pytest.fixture
def people(live_server):
    """A technician with work in each of the last four months, in a project of 安居物业."""
    with scopes_disabled():
        operator = make_user("operator", superuser=True)
        admin = make_user("admin", name="王经理", phone="13900000001")
        a = build_company(code="acme", name="安居物业", operator=operator, admin=admin)
        manager = make_user("manager", name="李项目", phone=MANAGER_PHONE)
        core_services.membership_grant(
            company=a["company"], project=a["project"], user=manager, role=Role.PROJECT_MANAGER, actor=admin
        )
        tech = make_user("tech", name="钱师傅")
        core_services.membership_grant(
            company=a["company"], project=a["project"], user=tech, role=Role.STAFF, actor=admin
        )
        today = timezone.localdate()
        for back, late in ((3, 2), (2, 1), (1, 0), (0, 1)):
            key = {"company": a["company"], "project": a["project"], "person": tech}
            day = _months_back(today, back)
            WorkOrderDaily.objects.create(
                **key,
                kind="repair",
                day=day,
                completed=6,
                first_pass=6 - late,
                reopened=late,
                arrive_due=6,
                arrive_on_time=6 - late,
                resolve_due=6,
                resolve_on_time=6 - late,
                ratings=3,
                stars_sum=13,
                arrived=6,
                arrive_minutes=6 * (20 + 10 * late),
            )
            TaskDaily.objects.create(**key, kind="patrol", day=day, due=4, completed=4, completed_on_time=4 - late)
    return {**a, "tech": tech}


def _sign_in(page, url: str) -> None:
    page.goto(url)
    page.locator("input[name=username]").fill(MANAGER_PHONE)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form button[type=submit]").click()
    page.wait_for_load_state()


def test_the_ranking_links_to_a_person_whose_trend_draws(live_server, people, desktop_page):
    page = desktop_page
    _sign_in(page, f"{live_server.url}/analytics/staff/")
    expect(page.locator("table#staff-ranking")).to_be_visible()
    scores = page.locator("#staff-score-chart")
    expect(scores).to_have_attribute("data-echart-ready", "1")
    assert scores.evaluate(CANVAS_INK)["ink"] > 500
    with page.expect_navigation():
        page.locator("table#staff-ranking tbody a").first.click()
    chart = page.locator("#staff-trend-chart")
    expect(chart).to_have_attribute("data-echart-ready", "1")
    drawn = chart.evaluate("el => echarts.getInstanceByDom(el).getOption().series.map(s => s.data.length)")
    assert drawn == [12, 12, 12, 12], drawn
    ink = chart.evaluate(CANVAS_INK)
    assert ink["ink"] > 2000, f"the chart's canvas is (nearly) blank: {ink}"
    assert ink["colours"] >= 4, ink
    assert page.problems.items == []


def test_the_trend_fits_a_phone(live_server, people, phone_page):
    page = phone_page
    _sign_in(page, f"{live_server.url}/analytics/staff/{people['tech'].pk}/")
    chart = page.locator("#staff-trend-chart")
    expect(chart).to_have_attribute("data-echart-ready", "1")
    assert chart.evaluate(CANVAS_INK)["ink"] > 1000
    widths = page.evaluate("() => [document.scrollingElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"the page scrolls sideways: {widths}"
    assert page.problems.items == []
