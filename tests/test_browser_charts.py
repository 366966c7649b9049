"""Charts draw in a real browser: the inspection reports page's monthly score trend (lib/charts.py →
templates/includes/chart.html → static/js/charts.js → the vendored ECharts) paints its canvas,
follows the window's size, and pages without charts do not load ECharts. Assertions are on data
and pixels, not wording."""

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from core import services as core_services
from core.choices import DepartmentKind, Role
from inspections import services
from inspections.choices import RoundKind
from lib.charts import bar_chart, heatmap, line_chart, pie_chart
from lib.testing import PASSWORD, build_company, make_user

pytestmark = pytest.mark.browser

QUALITY_PHONE = "13900000021"
ITEMS = [
    {"key": "lobby", "section": "环境", "title": "大堂地面洁净", "department_kind": DepartmentKind.CLEANING},
    {"key": "pump", "section": "工程", "title": "水泵房无渗漏", "weight": Decimal(2)},
    {"key": "desk", "section": "客服", "title": "前台接待礼仪", "weight": Decimal(3)},
]
# Failed items per month (oldest first) and project: the scores move, so the lines do too.
FAILED = {"project": [("pump",), (), ("lobby",)], "project2": [("desk",), ("lobby", "pump"), ()]}

# Pixels of the chart's canvas that are drawn on, and how many colours they use.
CANVAS_INK = """el => {
  const canvas = el.querySelector("canvas");
  const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
  let ink = 0;
  const colours = new Set();
  for (let i = 0; i < data.length; i += 4) {
    if (data[i + 3] > 0) {
      ink += 1;
      colours.add((data[i] >> 4) + "," + (data[i + 1] >> 4) + "," + (data[i + 2] >> 4));
    }
  }
  return {ink: ink, colours: colours.size, width: canvas.width, height: canvas.height};
}"""


# A chart placed after the page loaded, as an htmx swap would: the markup of includes/chart.html.
ADD_CHART = """([id, options]) => {
  const box = document.createElement("div");
  box.innerHTML = '<div id="' + id + '" data-echart="' + id + '-options" data-echart-height="240px"></div>';
  const script = document.createElement("script");
  script.type = "application/json";
  script.id = id + "-options";
  script.textContent = options;
  box.appendChild(script);
  document.querySelector("main").appendChild(box);
  document.body.dispatchEvent(new CustomEvent("htmx:afterSwap", {detail: {elt: box}}));
}"""
HOURS = [str(h) for h in range(24)]
WEEKDAYS = ["一", "二", "三", "四", "五", "六", "日"]
BUILDER_CHARTS = {
    "line-target": line_chart(
        categories=["1月", "2月", "3月", "4月"],
        series=[("及时率", [97.5, None, 99, 96]), ("完成率", [92, 95, None, 98])],
        target=98,
        target_label="目标",
        percent=True,
        title="报修响应及时率",
    ),
    "bar-top": bar_chart(
        categories=["水电", "门窗", "电梯", "绿化"],
        series=[("报修", [40, 22, 9, 3]), ("投诉", [5, 8, None, 1])],
        stacked=True,
        horizontal=True,
        links=[["/inspections/findings/?q=" + q for q in ("水电", "门窗", "电梯", "绿化")]],
    ),
    "heatmap-hours": heatmap(
        x_labels=HOURS,
        y_labels=WEEKDAYS,
        cells=[(h, d, (h * 7 + d * 3) % 11 or None) for h in range(24) for d in range(7)],
        title="报修热力图",
    ),
    "pie-kinds": pie_chart(items=[("报修", 60), ("投诉", 12), ("咨询", 28)]),
}


def _months_back(today: dt.date, n: int) -> dt.date:
    day = today.replace(day=1)
    for _ in range(n):
        day = (day - dt.timedelta(days=1)).replace(day=1)
    return day


@pytest.fixture
def trend(live_server):
    """Rounds of both projects of 安居物业 in each of the three months the reports page shows by default."""
    with scopes_disabled():
        operator = make_user("operator", superuser=True)
        admin = make_user("admin", name="王经理", phone="13900000001")
        a = build_company(code="acme", name="安居物业", operator=operator, admin=admin)
        quality = make_user("quality", name="品质经理", phone=QUALITY_PHONE)
        core_services.membership_grant(company=a["company"], user=quality, role=Role.QUALITY_MANAGER, actor=admin)
        template = services.checklist_template_create(
            company=a["company"],
            data={"code": "monthly", "name": "月度检查表", "kinds": []},
            items=ITEMS,
            actor=quality,
        )
        items = list(template.current_version.items.all())
        today = timezone.localdate()
        for back in (2, 1, 0):
            day = _months_back(today, back)
            for key in ("project", "project2"):
                _submitted_round(a[key], template.current_version, items, day, FAILED[key][2 - back], quality)
    return a


def _submitted_round(project, version, items, day, failed, quality):
    when = timezone.make_aware(dt.datetime.combine(day, dt.time(10)), project.company.zone)
    round = services.round_create(
        project=project,
        version=version,
        kind=RoundKind.WEEKLY,
        title="月度检查",
        scheduled_for=day,
        due_at=when + dt.timedelta(hours=8),
        lead=quality,
        inspectors=[],
        actor=quality,
    )
    for item in items:
        outcome = "fail" if item.key in failed else "pass"
        services.round_result_record(round=round, item=item, outcome=outcome, actor=quality, at=when)
    services.round_submit(round=round, actor=quality, at=when + dt.timedelta(hours=1))


def _sign_in(page, url: str, identifier: str) -> None:
    page.goto(url)
    page.locator("input[name=username]").fill(identifier)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form button[type=submit]").click()
    page.wait_for_load_state()


def test_it_draws_the_monthly_score_trend(live_server, trend, desktop_page, results_dir):
    page = desktop_page
    _sign_in(page, f"{live_server.url}/inspections/reports/", QUALITY_PHONE)

    chart = page.locator("#trend-chart")
    expect(chart).to_have_attribute("data-echart-ready", "1")
    expect(page.locator("table#trend")).to_be_visible()  # the table stays under the chart

    # The total and both projects over the three months, as the server sent them.
    drawn = chart.evaluate("el => echarts.getInstanceByDom(el).getOption().series.map(s => [s.name, s.data])")
    assert len(drawn) == 3, drawn
    assert {name for name, _data in drawn[1:]} == {trend["project"].name, trend["project2"].name}
    assert all(len(data) == 3 and None not in data for _name, data in drawn), drawn

    ink = chart.evaluate(CANVAS_INK)
    assert ink["width"] > 600 and ink["height"] >= 300, ink
    assert ink["ink"] > 2000, f"the chart's canvas is (nearly) blank: {ink}"
    assert ink["colours"] >= 4, f"axes and lines should bring several colours: {ink}"
    chart.screenshot(path=str(results_dir / "chart-inspection-trend.png"))

    # Narrower window, narrower chart.
    page.set_viewport_size({"width": 700, "height": 800})
    page.wait_for_function(
        "w => document.querySelector('#trend-chart canvas').width < w", arg=ink["width"], timeout=5_000
    )
    assert chart.evaluate(CANVAS_INK)["ink"] > 1000
    assert page.problems.items == []


def test_every_builder_draws_and_charts_added_later_draw_too(live_server, trend, desktop_page, results_dir):
    page = desktop_page
    _sign_in(page, f"{live_server.url}/inspections/reports/", QUALITY_PHONE)
    expect(page.locator("#trend-chart")).to_have_attribute("data-echart-ready", "1")
    for chart_id, options in BUILDER_CHARTS.items():
        page.evaluate(ADD_CHART, [chart_id, json.dumps(options)])
        chart = page.locator(f"#{chart_id}")
        expect(chart).to_have_attribute("data-echart-ready", "1")
        ink = chart.evaluate(CANVAS_INK)
        assert ink["height"] >= 240 and ink["ink"] > 1000, (chart_id, ink)
        chart.screenshot(path=str(results_dir / f"chart-{chart_id}.png"))
    # A string valueFormatter ("{value} %") became a function the tooltip can call.
    formatter = page.locator("#line-target").evaluate(
        "el => echarts.getInstanceByDom(el).getOption().tooltip[0].valueFormatter(97.5)"
    )
    assert formatter == "97.5 %"
    assert page.locator("[data-echart-ready]").count() == 1 + len(BUILDER_CHARTS)  # each drawn once
    assert page.problems.items == []

    # Drill-down: a click on the 水电 bar opens the records behind it.
    bar = page.locator("#bar-top")
    bar.scroll_into_view_if_needed()
    x, y = bar.evaluate("el => echarts.getInstanceByDom(el).convertToPixel({seriesIndex: 0}, [20, 0])")
    box = bar.bounding_box()
    with page.expect_navigation():
        page.mouse.click(box["x"] + x, box["y"] + y)
    assert page.url.startswith(f"{live_server.url}/inspections/findings/?q="), page.url


def test_pages_without_charts_do_not_load_echarts(live_server, trend, desktop_page):
    page = desktop_page
    _sign_in(page, f"{live_server.url}/inspections/rounds/", QUALITY_PHONE)
    expect(page.locator("h1")).to_be_visible()
    assert page.locator("script[src*=echarts]").count() == 0
    assert page.evaluate("() => typeof window.echarts") == "undefined"
    assert page.problems.items == []


def test_the_trend_fits_a_phone(live_server, trend, phone_page, results_dir):
    page = phone_page
    _sign_in(page, f"{live_server.url}/inspections/reports/", QUALITY_PHONE)
    chart = page.locator("#trend-chart")
    expect(chart).to_have_attribute("data-echart-ready", "1")
    ink = chart.evaluate(CANVAS_INK)
    assert ink["ink"] > 2000, ink
    widths = page.evaluate("() => [document.scrollingElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"page scrolls sideways: {widths}"
    chart.screenshot(path=str(results_dir / "chart-inspection-trend-phone.png"))
    assert page.problems.items == []
