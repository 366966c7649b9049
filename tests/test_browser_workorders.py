"""End-to-end work order: an owner on a phone reports with a photo, staff dispatch and complete
on a desktop, the owner rates and then reopens. Assertions are on data and structure, not wording."""

import io
import re

import pytest
from django_scopes import scopes_disabled
from PIL import Image
from playwright.sync_api import expect

from core import services
from core.choices import ResidentRelation, Role
from core.models import Membership
from lib.testing import PASSWORD, build_company, make_user
from workorders.choices import Status
from workorders.models import Category, Rating, WorkOrder

pytestmark = pytest.mark.browser

ADMIN_PHONE = "13900000001"
OWNER_PHONE = "13800000001"


@pytest.fixture
def org(live_server):
    with scopes_disabled():
        operator = make_user("operator", superuser=True)
        admin = make_user("admin", name="王经理", phone=ADMIN_PHONE)
        a = build_company(code="acme", name="安居物业", operator=operator, admin=admin)
        technician = make_user("tech", name="钱师傅", phone="13900000004")
        services.membership_grant(
            company=a["company"],
            project=a["project"],
            user=technician,
            role=Role.STAFF,
            department=a["department"],
            actor=admin,
        )
        # Off duty, so automatic dispatch leaves the order to the supervisor's hand.
        Membership.objects.filter(user=technician).update(on_duty=False)
        owner = make_user("owner", name="周业主", phone=OWNER_PHONE)
        resident = services.resident_create(company=a["company"], name="周业主", phone=OWNER_PHONE, actor=admin)
        services.unit_resident_link(
            unit=a["units"][0], resident=resident, relation=ResidentRelation.OWNER, verified=True, actor=admin
        )
        category = Category.objects.get(company=a["company"], code="water-blocked")
    return {**a, "admin": admin, "owner": owner, "technician": technician, "category": category}


def _sign_in(page, url: str, identifier: str) -> None:
    page.goto(url)
    page.locator("input[name=username]").fill(identifier)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form button[type=submit]").click()
    page.wait_for_load_state()


def _jpeg() -> dict:
    buf = io.BytesIO()
    Image.new("RGB", (800, 600), "steelblue").save(buf, "JPEG")
    return {"name": "leak.jpg", "mimeType": "image/jpeg", "buffer": buf.getvalue()}


def _order():
    with scopes_disabled():
        return WorkOrder.objects.get()


def _no_horizontal_scroll(page) -> None:
    widths = page.evaluate("() => [document.scrollingElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"page scrolls sideways: {widths}"


def _submit(page, button) -> None:
    # Generous under a loaded CI machine: the POST runs the services and re-renders the page.
    with page.expect_navigation(wait_until="domcontentloaded", timeout=45_000):
        button.click()


def _staff_action(page, name: str, fill=None) -> None:
    if fill is None:
        _submit(page, page.locator(f"#actions [data-action={name}]"))
        return
    page.locator(f"#actions [data-action={name}]").click()
    form = page.locator(f"#act-{name} form")
    expect(page.locator(f"#act-{name}")).to_have_class(re.compile(r"\bshow\b"))  # the collapse has opened
    fill(form)
    _submit(page, form.locator("button[type=submit]"))


def test_it_runs_an_order_from_an_owners_phone_to_rating_and_reopen(live_server, org, phone_page, desktop_page):
    owner_page, staff_page = phone_page, desktop_page

    # The owner reports a blocked drain with a photo from his phone.
    _sign_in(owner_page, f"{live_server.url}/m/login/", OWNER_PHONE)
    owner_page.goto(f"{live_server.url}/m/workorders/new/?kind=repair")
    owner_page.locator("select[name=category]").select_option(str(org["category"].pk))
    owner_page.locator("textarea[name=description]").fill("厨房地漏堵塞，水排不下去")
    owner_page.locator("input[name=photos]").set_input_files([_jpeg()])
    _no_horizontal_scroll(owner_page)
    _submit(owner_page, owner_page.locator("main form[enctype='multipart/form-data'] button[type=submit]"))
    order = _order()
    assert (order.status, order.unit_id, order.category_id) == (
        Status.SUBMITTED,
        org["units"][0].pk,
        org["category"].pk,
    )
    with scopes_disabled():
        assert order.photos.filter(stage="before").count() == 1
    expect(owner_page).to_have_url(f"{live_server.url}/m/workorders/{order.pk}/")
    expect(owner_page.locator("img[src*='/media/']")).to_have_count(1)

    # Staff dispatch to the technician, record the arrival and complete with an after photo.
    _sign_in(staff_page, f"{live_server.url}/accounts/login/", ADMIN_PHONE)
    staff_page.goto(f"{live_server.url}/workorders/{order.pk}/")
    _staff_action(
        staff_page, "dispatch", lambda f: f.locator("select[name=assignee]").select_option(str(org["technician"].pk))
    )
    assert _order().status == Status.DISPATCHED and _order().assignee_id == org["technician"].pk
    _staff_action(staff_page, "start")
    assert _order().status == Status.IN_PROGRESS
    _staff_action(
        staff_page,
        "complete",
        lambda f: (
            f.locator("textarea[name=note]").fill("已疏通"),
            f.locator("input[name=photos]").set_input_files([_jpeg()]),
        ),
    )
    order = _order()
    assert order.status == Status.COMPLETED
    with scopes_disabled():
        assert order.photos.filter(stage="after").count() == 1
    expect(staff_page.locator("#actions [data-action=start]")).to_have_count(0)

    # The owner sees the progress, rates four stars, then sends it back.
    owner_page.goto(f"{live_server.url}/m/workorders/{order.pk}/")
    expect(owner_page.locator("img[src*='/media/']")).to_have_count(2)
    rate = owner_page.locator(f"form[action='/m/workorders/{order.pk}/rate/']")
    rate.locator("input[name=stars][value='4'] + label").click()
    rate.locator("input[name=tags][value=speed] + label").click()
    rate.locator("textarea[name=comment]").fill("师傅很快")
    _submit(owner_page, rate.locator("button[type=submit]"))
    with scopes_disabled():
        rating = Rating.objects.get(order=order)
    assert (rating.stars, rating.tags) == (4, ["speed"])
    reopen = owner_page.locator(f"form[action='/m/workorders/{order.pk}/reopen/']")
    owner_page.locator("details:has(form[action$='/reopen/']) > summary").click()
    reopen.locator("textarea[name=reason]").fill("第二天又堵了")
    _submit(owner_page, reopen.locator("button[type=submit]"))
    order = _order()
    assert (order.status, order.reopen_count) == (Status.REOPENED, 1)
    _no_horizontal_scroll(owner_page)
