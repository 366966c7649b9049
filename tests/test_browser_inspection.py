"""End-to-end inspection on a phone: a quality manager's special inspection of a project, done item
by item with a photo on the failed item; submitting shows the score and the finding with its
rectification order; the engineering supervisor rectifies with an after photo; the inspector
verifies it and the finding closes with its order. Assertions are on data and structure, not wording."""

import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled
from PIL import Image
from playwright.sync_api import expect

from core import services as core_services
from core.choices import DepartmentKind, Role
from inspections import services
from inspections.choices import FindingStatus, Outcome, RoundKind, RoundStatus, Scoring, Severity
from inspections.models import Finding, InspectionRound, ItemResult
from lib.testing import PASSWORD, build_company, make_user
from workorders.choices import Status as OrderStatus

pytestmark = pytest.mark.browser

QUALITY_PHONE = "13900000021"
SUPERVISOR_PHONE = "13900000003"
SITE = {"latitude": 31.2304, "longitude": 121.4737}
ITEMS = [
    {
        "key": "fire",
        "section": "工程",
        "title": "消防通道畅通",
        "requirement": "通道无堆物，防火门闭合",
        "weight": Decimal(3),
        "photo_required": True,
        "severity_if_failed": Severity.MAJOR,
        "department_kind": DepartmentKind.ENGINEERING,
    },
    {"key": "lobby", "section": "环境", "title": "大堂地面洁净", "department_kind": DepartmentKind.CLEANING},
    {
        "key": "desk",
        "section": "客服",
        "title": "前台接待礼仪",
        "scoring": Scoring.SCALE,
        "max_score": 5,
        "weight": Decimal(2),
        "department_kind": DepartmentKind.CUSTOMER_SERVICE,
    },
]


@pytest.fixture
def inspection(live_server):
    """A special inspection of the garden for the quality manager today, due in four hours."""
    with scopes_disabled():
        operator = make_user("operator", superuser=True)
        admin = make_user("admin", name="王经理", phone="13900000001")
        a = build_company(code="acme", name="安居物业", operator=operator, admin=admin)
        quality = make_user("quality", name="品质经理", phone=QUALITY_PHONE)
        core_services.membership_grant(company=a["company"], user=quality, role=Role.QUALITY_MANAGER, actor=admin)
        supervisor = make_user("supervisor", name="赵主管", phone=SUPERVISOR_PHONE)
        core_services.membership_grant(
            company=a["company"],
            project=a["project"],
            user=supervisor,
            role=Role.SUPERVISOR,
            department=a["department"],  # 工程部
            actor=admin,
        )
        template = services.checklist_template_create(
            company=a["company"],
            data={"code": "festival", "name": "节前安全检查表", "kinds": [RoundKind.SPECIAL]},
            items=ITEMS,
            actor=quality,
        )
        now = timezone.localtime(timezone=a["company"].zone)
        round = services.round_create(
            project=a["project"],
            version=template.current_version,
            kind=RoundKind.SPECIAL,
            title="春节前安全检查",
            scheduled_for=now.date(),
            due_at=now + dt.timedelta(hours=4),
            lead=quality,
            inspectors=[],
            actor=quality,
        )
        items = {item.key: item for item in template.current_version.items.all()}
    return {"round": round, "items": items, "building": a["building"], "department": a["department"]}


def _sign_in(page, url: str, identifier: str) -> None:
    page.goto(url)
    page.locator("input[name=username]").fill(identifier)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form button[type=submit]").click()
    page.wait_for_load_state()


def _jpeg(name: str, colour: str = "darkred") -> dict:
    buf = io.BytesIO()
    Image.new("RGB", (800, 600), colour).save(buf, "JPEG")
    return {"name": name, "mimeType": "image/jpeg", "buffer": buf.getvalue()}


def _submit(page, button) -> None:
    # Generous under a loaded CI machine: the POST stores a photo, runs the services and redirects.
    with page.expect_navigation(wait_until="domcontentloaded", timeout=45_000):
        button.click()


def _no_horizontal_scroll(page) -> None:
    widths = page.evaluate("() => [document.scrollingElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"page scrolls sideways: {widths}"


def _open_collapse(page, name: str) -> None:
    page.locator(f"[data-action={name}]").click()
    expect(page.locator(f"#{name}")).to_have_class(re.compile(r"\bshow\b"))


def _answer(page, outcome: str, *, score: str = "", note: str = "", photo: dict | None = None, building=None):
    form = page.locator("#result-form")
    expect(form.locator("input[name=latitude]")).not_to_have_value("")  # the phone's position is in
    form.locator(f"label[data-choice={outcome}]").click()
    if score:
        form.locator("input[name=score]").fill(score)
    if note:
        form.locator("textarea[name=note]").fill(note)
    if photo:
        form.locator("input[name=photo]").set_input_files([photo])
    if building is not None:
        form.locator("select[name=building]").select_option(str(building.pk))
    _no_horizontal_scroll(page)
    _submit(page, form.locator("[data-action=save]"))


def _round(pk: int) -> InspectionRound:
    with scopes_disabled():
        return InspectionRound.objects.get(pk=pk)


def test_it_runs_an_inspection_through_to_verification_on_a_phone(live_server, inspection, phone_page, browser):
    page, round, items = phone_page, inspection["round"], inspection["items"]
    page.context.grant_permissions(["geolocation"], origin=live_server.url)
    page.context.set_geolocation(SITE)

    # The quality manager finds today's special inspection and starts it.
    _sign_in(page, f"{live_server.url}/accounts/login/?next=/inspect/", QUALITY_PHONE)
    expect(page).to_have_url(f"{live_server.url}/inspect/")
    card = page.locator(f"#today [data-round='{round.pk}']")
    expect(card.locator("[data-progress='0/3']")).to_be_visible()
    _no_horizontal_scroll(page)
    _submit(page, card.locator("a.stretched-link"))
    expect(page).to_have_url(f"{live_server.url}/inspect/{round.pk}/")
    _submit(page, page.locator("[data-action=start]"))
    assert _round(round.pk).status == RoundStatus.IN_PROGRESS

    # Item by item: the fire exit fails, with a photo; the lobby passes; the front desk scores 4 of 5.
    _submit(page, page.locator("[data-action=next-item]"))
    expect(page).to_have_url(f"{live_server.url}/inspect/{round.pk}/items/{items['fire'].pk}/")
    _answer(page, "fail", note="1栋消防通道堆放纸箱", photo=_jpeg("exit.jpg"), building=inspection["building"])
    expect(page).to_have_url(f"{live_server.url}/inspect/{round.pk}/items/{items['lobby'].pk}/")
    expect(page.locator("select[name=building]")).to_have_value(str(inspection["building"].pk))  # carried on
    _answer(page, "pass")
    _answer(page, "pass", score="4")
    expect(page).to_have_url(re.compile(rf"/inspect/{round.pk}/#submit$"))
    expect(page.locator("#round [data-progress='3/3']")).to_be_visible()
    expect(page.locator(f"#item-{items['fire'].pk}")).to_have_attribute("data-state", Outcome.FAIL)

    # Submit: the score, the departments' scores and the finding with its rectification order.
    _submit(page, page.locator("[data-action=submit]"))
    round = _round(round.pk)
    assert (round.status, round.findings_count) == (RoundStatus.SUBMITTED, 1)
    assert round.score == Decimal("43.3")  # (0·3 + 1·1 + 0.8·2) ÷ 6 weights
    expect(page.locator("#outcome [data-round-score]")).to_have_text("43.3")
    expect(page.locator("#department-scores [data-department]")).to_have_count(3)
    with scopes_disabled():
        finding = Finding.objects.select_related("work_order").get(round=round)
        result = ItemResult.objects.get(round=round, item=items["fire"])
    assert (finding.department, finding.item_result) == (inspection["department"], result)
    assert result.photo and result.latitude == Decimal("31.230400") and result.building == inspection["building"]
    expect(page.locator(f"#findings [data-finding='{finding.pk}'] [data-order-code]")).to_have_text(
        finding.work_order.code
    )
    _no_horizontal_scroll(page)

    # The engineering supervisor rectifies it with an after photo.
    context = browser.new_context(
        locale="zh-CN", viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True, has_touch=True
    )
    context.set_default_timeout(15_000)
    team = context.new_page()
    _sign_in(team, f"{live_server.url}/accounts/login/?next=/inspect/findings/", SUPERVISOR_PHONE)
    expect(team).to_have_url(f"{live_server.url}/inspect/findings/")
    _submit(team, team.locator(f"[data-finding='{finding.pk}'] a.stretched-link"))
    _open_collapse(team, "rectify")
    rectify = team.locator("#rectify form")
    rectify.locator("input[name=photo]").set_input_files([_jpeg("after.jpg", "seagreen")])
    rectify.locator("textarea[name=note]").fill("纸箱已清走，通道畅通")
    _no_horizontal_scroll(team)
    _submit(team, rectify.locator("button[type=submit]"))
    expect(team.locator("#finding")).to_have_attribute("data-status", FindingStatus.AWAITING_VERIFICATION)
    expect(team.locator("[data-after-photo]")).to_be_visible()
    context.close()

    # The inspector verifies on site: the finding closes, and its rectification order with it.
    page.goto(f"{live_server.url}/inspect/findings/?tab=verify")
    _submit(page, page.locator(f"[data-finding='{finding.pk}'] a.stretched-link"))
    _open_collapse(page, "verify")
    verify = page.locator("#verify form")
    verify.locator("label[data-choice=pass]").click()
    verify.locator("textarea[name=note]").fill("复查通过")
    _submit(page, verify.locator("button[type=submit]"))
    expect(page.locator("#finding")).to_have_attribute("data-status", FindingStatus.CLOSED)
    expect(page.locator("[data-closed]")).to_be_visible()
    _no_horizontal_scroll(page)

    with scopes_disabled():
        finding = Finding.objects.select_related("work_order").get(pk=finding.pk)
    assert (finding.status, finding.verified_by.username, finding.rectified_by.username) == (
        FindingStatus.CLOSED,
        "quality",
        "supervisor",
    )
    assert finding.rectify_photo and finding.work_order.status == OrderStatus.CLOSED
    # Photos under /media/ are not served by the test server (DEBUG off); anything else is a fault.
    assert [p for p in page.problems.items if "/media/" not in p and "Failed to load resource" not in p] == []
