"""The quality dashboard in a real browser: every chart of the company view paints its canvas (trends
with target lines, orders reported, top categories, the two heat maps, inspection scores), a click
on a heat-map cell opens the records behind it, and the project view draws too. Assertions are on
data and pixels, not wording."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from analytics.models import FindingDaily, HotspotDaily, HourlyLoad, TaskDaily, WorkOrderDaily
from core import services as core_services
from core.choices import Role
from inspections.models import InspectionRollup
from lib.testing import build_company, make_user
from tests.test_browser_charts import CANVAS_INK, _sign_in
from workorders.models import Category

pytestmark = pytest.mark.browser

QUALITY_PHONE = "13900000031"
CHARTS = (
    "trend-repair-arrive-on-time",
    "trend-repair-resolve-on-time",
    "trend-follow-up-satisfaction",
    "trend-plan-completion",
    "trend-patrol-coverage",
    "trend-rectification-on-time",
    "volume-chart",
    "category-chart",
    "place-chart",
    "hour-chart",
    "inspection-chart",
)


@pytest.fixture
def figures(live_server):
    """Three weeks of roll-up rows for both projects of 安居物业 (the dashboard reads nothing else)."""
    with scopes_disabled():
        operator = make_user("operator", superuser=True)
        admin = make_user("admin", name="王经理", phone="13900000001")
        a = build_company(code="acme", name="安居物业", operator=operator, admin=admin)
        quality = make_user("quality", name="品质经理", phone=QUALITY_PHONE)
        core_services.membership_grant(company=a["company"], user=quality, role=Role.QUALITY_MANAGER, actor=admin)
        company, today = a["company"], timezone.localdate()
        categories = list(Category.objects.filter(company=company, kind="repair").order_by("pk")[:5])
        for back in range(21):
            day = today - dt.timedelta(days=back)
            for n, key in enumerate(("project", "project2")):
                project = a[key]
                due = 20 + (back * 7 + n * 3) % 9
                dept = a["department"] if key == "project" else None
                WorkOrderDaily.objects.create(
                    company=company, project=project, department=dept, kind="repair", day=day, reported=due + 3,
                    arrive_due=due, arrive_on_time=due - back % 3, resolve_due=due, resolve_on_time=due - back % 2,
                    completed=due, first_pass=due - 1, follow_ups_rated=5, follow_ups_satisfied=4 + back % 2,
                    arrived=due, arrive_minutes=due * 35,
                )  # fmt: skip
                WorkOrderDaily.objects.create(
                    company=company, project=project, department=dept, kind="complaint", day=day, reported=2 + back % 3,
                    resolved=2,
                )  # fmt: skip
                TaskDaily.objects.create(
                    company=company, project=project, department=dept, kind="patrol", day=day, scheduled=10, due=10,
                    completed=10 - back % 2, missed=back % 2, required_checkins=60, on_time_checkins=58 - back % 4,
                )  # fmt: skip
                FindingDaily.objects.create(
                    company=company, project=project, department=dept, kind="minor", day=day, raised=2, due=2,
                    closed_on_time=1 + back % 2,
                )  # fmt: skip
                for i, category in enumerate(categories):
                    HotspotDaily.objects.create(
                        company=company, project=project, department=dept, day=day, kind="repair",
                        building=a["building"] if key == "project" else a["building2"],
                        area=a["area"] if key == "project" and i % 2 else None, category=category,
                        reported=1 + (back + i) % 4, repeats=(back + i) % 3 == 0,
                    )  # fmt: skip
                for hour in (8, 9, 10, 14, 19, 21):
                    HourlyLoad.objects.create(
                        company=company, project=project, department=dept, kind="repair", day=day, hour=hour,
                        reported=1 + (hour + back) % 5,
                    )  # fmt: skip
        for back, (achieved, possible) in enumerate(((Decimal(88), Decimal(100)), (Decimal(91), Decimal(100)))):
            month = (today.replace(day=1) - dt.timedelta(days=back * 31)).replace(day=1)
            InspectionRollup.objects.create(
                company=company, project=a["project"], period=month, kind="weekly", rounds=2,
                achieved=achieved, possible=possible, findings=3,
            )  # fmt: skip
    return {**a, "today": today}


def _dashboard_url(live_server, figures, **extra) -> str:
    today = figures["today"]
    start = today - dt.timedelta(days=20)
    query = "&".join(f"{k}={v}" for k, v in {"from": start, "to": today, **extra}.items())
    return f"{live_server.url}/analytics/?{query}"


def test_every_chart_of_the_company_view_draws(live_server, figures, desktop_page, results_dir):
    page = desktop_page
    _sign_in(page, _dashboard_url(live_server, figures), QUALITY_PHONE)
    expect(page.locator("#dashboard-tiles [data-kpi]")).to_have_count(8)
    for chart_id in CHARTS:
        chart = page.locator(f"#{chart_id}")
        chart.scroll_into_view_if_needed()
        expect(chart).to_have_attribute("data-echart-ready", "1")
        ink = chart.evaluate(CANVAS_INK)
        assert ink["ink"] > 1500, f"{chart_id}: the canvas is (nearly) blank: {ink}"
        assert ink["colours"] >= 3, (chart_id, ink)
    # A trend carries its target line (95 % at level 2) and 21 days of values.
    option = page.locator("#trend-repair-arrive-on-time").evaluate(
        "el => echarts.getInstanceByDom(el).getOption().series[0]"
    )
    assert option["markLine"]["data"][0]["yAxis"] == 95
    assert len(option["data"]) == 21 and all(point is not None for point in option["data"])
    page.screenshot(path=str(results_dir / "dashboard-company.png"), full_page=True)
    assert page.problems.items == []

    # A click on a weekday × hour cell opens the orders behind it.
    chart = page.locator("#hour-chart")
    chart.scroll_into_view_if_needed()
    cell = chart.evaluate("el => echarts.getInstanceByDom(el).getOption().series[0].data[0].value")
    x, y = chart.evaluate(
        "(el, v) => echarts.getInstanceByDom(el).convertToPixel({seriesIndex: 0}, [v[0], v[1]])", cell
    )
    box = chart.bounding_box()
    with page.expect_navigation():
        page.mouse.click(box["x"] + x, box["y"] + y)
    assert "/analytics/hotspots/records/" in page.url and "hour=" in page.url
    expect(page.locator("table#records")).to_be_visible()


def test_the_project_view_draws_and_lists_departments(live_server, figures, desktop_page, results_dir):
    page = desktop_page
    _sign_in(page, _dashboard_url(live_server, figures, project=figures["project"].pk), QUALITY_PHONE)
    expect(page.locator("#dashboard-table")).to_contain_text(figures["department"].name)
    for chart_id in ("trend-patrol-coverage", "place-chart"):
        chart = page.locator(f"#{chart_id}")
        chart.scroll_into_view_if_needed()
        expect(chart).to_have_attribute("data-echart-ready", "1")
        assert chart.evaluate(CANVAS_INK)["ink"] > 1500
    page.screenshot(path=str(results_dir / "dashboard-project.png"), full_page=True)
    assert page.problems.items == []
