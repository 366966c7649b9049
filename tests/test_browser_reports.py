"""Reports in a real browser: the monthly report page shows its Chinese text and draws its trend chart,
and the PDF fetched in the signed-in browser context is a PDF whose text sits in an embedded CJK font
(headless Chromium's PDF viewer is not scriptable, so the file is checked, not the viewer)."""

import datetime as dt

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from analytics.services import rollup_rebuild
from analytics.services.reports import report_save
from analytics.tests.test_reports import pdf_fonts, pdf_mapped_text
from core import services as core_services
from core.choices import Role
from lib.testing import PASSWORD, build_company, make_user
from tests.test_browser_charts import CANVAS_INK
from workorders import services as wo

pytestmark = pytest.mark.browser

QUALITY_PHONE = "13900000031"
HIGHLIGHT = "电梯困人零投诉，地库渗漏已整改"


@pytest.fixture
def month(live_server):
    """A repair of this month in 安居物业花园, done on site, rolled up; the month's written highlights."""
    with scopes_disabled():
        operator = make_user("operator", superuser=True)
        admin = make_user("admin", name="王经理", phone="13900000001")
        a = build_company(code="acme", name="安居物业", operator=operator, admin=admin)
        quality = make_user("quality", name="品质经理", phone=QUALITY_PHONE)
        core_services.membership_grant(company=a["company"], user=quality, role=Role.QUALITY_MANAGER, actor=admin)
        tech = make_user("tech", name="钱师傅", phone="13900000004")
        core_services.membership_grant(
            company=a["company"],
            project=a["project"],
            user=tech,
            role=Role.STAFF,
            department=a["department"],
            actor=admin,
        )
        order = wo.workorder_create(
            project=a["project"],
            data={"kind": "repair", "description": "厨房水龙头滴水", "priority": "p2", "unit": a["units"][0]},
            actor=admin,
        )
        wo.workorder_dispatch(order=order, assignee=tech, actor=admin)
        wo.workorder_start(order=order, actor=tech)
        first = timezone.localdate().replace(day=1)
        last = (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
        rollup_rebuild(company=a["company"], days=[first + dt.timedelta(days=n) for n in range(last.day)])
        report_save(
            company=a["company"],
            project=None,
            kind="monthly",
            date_from=first,
            date_to=last,
            data={"highlights": HIGHLIGHT},
            actor=quality,
        )
    return {"company": a["company"], "month": f"{first:%Y-%m}"}


def _sign_in(page, url: str) -> None:
    page.goto(url)
    page.locator("input[name=username]").fill(QUALITY_PHONE)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form button[type=submit]").click()
    page.wait_for_load_state()


def test_the_report_page_shows_chinese_and_draws_and_its_pdf_carries_a_cjk_font(
    live_server, month, desktop_page, results_dir
):
    page = desktop_page
    query = f"kind=monthly&month={month['month']}"
    _sign_in(page, f"{live_server.url}/analytics/reports/view/?{query}")

    expect(page.locator("#report-title")).to_contain_text("安居物业")
    expect(page.locator("main")).to_contain_text(HIGHLIGHT)
    expect(page.locator("#report-kpis")).to_be_visible()
    chart = page.locator("#report-trend")
    expect(chart).to_have_attribute("data-echart-ready", "1")
    ink = chart.evaluate(CANVAS_INK)
    assert ink["ink"] > 1000, f"the trend chart's canvas is (nearly) blank: {ink}"
    page.screenshot(path=str(results_dir / "report-monthly.png"), full_page=True)

    # The PDF link, fetched with the browser's session.
    href = page.locator("#report-pdf").get_attribute("href")
    response = page.request.get(f"{live_server.url}{href}")
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    body = response.body()
    assert body.startswith(b"%PDF-")
    assert any("CJK" in name for name in pdf_fonts(body)), pdf_fonts(body)
    characters = set(pdf_mapped_text(body).values())
    assert set("电梯困人零投诉安居物业") <= characters
    assert page.problems.items == []
