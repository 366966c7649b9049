"""The owner board on a phone (390 px): through the public link and signed in as an owner, the page
does not scroll sideways and its trend charts paint their canvas. Assertions on data and pixels."""

import datetime as dt

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from analytics.services.rollup import rollup_rebuild
from core import services as core_services
from core.choices import DepartmentKind, ResidentRelation, Role
from lib.testing import PASSWORD, build_company, make_user
from plans import services as plan_services
from plans.models import Task
from portal import board_services
from tests.test_browser_charts import CANVAS_INK

pytestmark = pytest.mark.browser

OWNER_PHONE = "13800000031"
DAYS = 10


@pytest.fixture
def board(live_server):
    """A project whose cleaners did most of the last ten days' rounds, rolled up, with its public link on."""
    with scopes_disabled():
        operator = make_user("operator", superuser=True)
        admin = make_user("admin", name="王经理", phone="13900000001")
        a = build_company(code="acme", name="安居物业", operator=operator, admin=admin)
        project, company = a["project"], a["company"]
        cleaning = core_services.department_create(
            project=project, data={"name": "环境部", "kind": DepartmentKind.CLEANING}, actor=admin
        )
        cleaner = make_user("cleaner", name="王保洁", phone="13900000013")
        core_services.membership_grant(
            company=company, project=project, user=cleaner, role=Role.STAFF, department=cleaning, actor=admin
        )
        owner = make_user("owner", name="周业主", phone=OWNER_PHONE)
        resident = core_services.resident_create(company=company, name="周业主", phone=OWNER_PHONE, actor=admin)
        core_services.unit_resident_link(
            unit=a["units"][0], resident=resident, relation=ResidentRelation.OWNER, verified=True, actor=admin
        )
        today = timezone.localdate(timezone=company.zone)
        first = today - dt.timedelta(days=DAYS)
        start = timezone.make_aware(dt.datetime.combine(first, dt.time(0)), company.zone)
        plan = plan_services.plan_create(
            project=project,
            data={
                "kind": "cleaning",
                "name": "大堂保洁",
                "rrule": "FREQ=DAILY",
                "starts_on": first,
                "department": cleaning,
            },
            windows=[(dt.time(8), dt.time(10)), (dt.time(14), dt.time(16))],
            checkpoints=[],
            actor=admin,
        )
        plan_services.tasks_generate(until=today - dt.timedelta(days=1), now=start, plans=[plan])
        for n, task in enumerate(Task.objects.filter(plan=plan).order_by("date", "window_index")):
            if n % 3 == 2:
                continue  # every third round is missed
            plan_services.task_start(task=task, actor=cleaner, at=task.starts_at + dt.timedelta(minutes=10))
            at = task.starts_at + dt.timedelta(minutes=30 if n % 2 else 150)  # some in time, some late
            plan_services.task_finish(task=task, actor=cleaner, at=at)
        plan_services.tasks_sweep_missed(now=timezone.now())
        rollup_rebuild(company=company, days=[first + dt.timedelta(days=n) for n in range(DAYS + 1)])
        link = board_services.board_link_enable(project=project, actor=admin)
    return {"project": project, "owner": owner, "token": link.token}


def _fits_and_draws(page, chart_id: str) -> dict:
    chart = page.locator(f"#{chart_id}")
    chart.scroll_into_view_if_needed()
    expect(chart).to_have_attribute("data-echart-ready", "1")
    widths = page.evaluate("() => [document.scrollingElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"page scrolls sideways: {widths}"
    return chart.evaluate(CANVAS_INK)


def test_the_public_board_fits_a_phone_and_draws_its_trends(live_server, board, phone_page, results_dir):
    page = phone_page
    page.goto(f"{live_server.url}/m/board/{board['token']}/?period=day")
    expect(page.locator("h1")).to_have_text(board["project"].name)
    assert page.locator("[data-echart]").count() == 2  # the plan figures; no repairs, findings or follow-ups
    expect(page.locator('[data-no-chart="follow_up_satisfaction"]')).to_be_visible()
    ink = _fits_and_draws(page, "board-plan_completion")
    assert ink["width"] > 500 and ink["ink"] > 2000, f"the chart's canvas is (nearly) blank: {ink}"
    assert ink["colours"] >= 3, ink
    drawn = page.locator("#board-plan_completion").evaluate(
        "el => echarts.getInstanceByDom(el).getOption().series[0].data"
    )
    assert len(drawn) == 30 and sum(v is not None for v in drawn) >= DAYS - 1, drawn
    assert _fits_and_draws(page, "board-task_on_time")["ink"] > 1000
    page.screenshot(path=str(results_dir / "board-public-phone.png"), full_page=True)
    assert page.problems.items == []


def test_an_owner_reads_the_board_on_a_phone(live_server, board, phone_page, results_dir):
    page = phone_page
    url = f"{live_server.url}/m/projects/{board['project'].pk}/board/"
    page.goto(url)
    page.locator("input[name=username]").fill(OWNER_PHONE)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form button[type=submit]").click()
    page.wait_for_url(url)
    for period in ("week", "month", "year"):
        page.goto(f"{url}?period={period}")
        assert _fits_and_draws(page, "board-plan_completion")["ink"] > 1000, period
    expect(page.locator('[data-plan-kind="cleaning"]')).to_be_visible()
    page.screenshot(path=str(results_dir / "board-owner-phone.png"), full_page=True)
    assert page.problems.items == []
