"""End-to-end: real Chromium against the live server, as staff and as an owner on a phone.

Data is committed (``live_server`` implies ``transactional_db``) because the server answers
from another thread. Assertions are on data and structure, not on interface wording, so
they hold before and after the Chinese translations land; the expected error messages are
rendered by the same form classes under ``zh-hans``.
"""

import re

import pytest
from django.conf import settings
from django.utils import translation
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from accounts.forms import LoginForm
from accounts.services import login_throttled_message
from core import services
from core.choices import ResidentRelation
from lib.testing import PASSWORD, build_company, make_user

pytestmark = pytest.mark.browser

ADMIN_PHONE = "13900000001"
OWNER_PHONE = "13800000001"


@pytest.fixture
def org(live_server):
    with scopes_disabled():
        operator = make_user("operator", superuser=True)
        admin = make_user("admin", name="王经理", phone=ADMIN_PHONE)
        a = build_company(code="acme", name="安居物业", operator=operator, admin=admin)
        owner = make_user("owner", name="周业主", phone=OWNER_PHONE)
        resident = services.resident_create(company=a["company"], name="周业主", phone=OWNER_PHONE, actor=admin)
        services.unit_resident_link(
            unit=a["units"][0], resident=resident, relation=ResidentRelation.OWNER, verified=True, actor=admin
        )
        outsider = make_user("outsider", name="郑外人", phone="13700000001")
        b = build_company(code="other", name="他山物业", operator=operator, admin=outsider)
    return {**a, "admin": admin, "owner": owner, "other_project": b["project"]}


def _sign_in(page, url: str, identifier: str, password: str) -> None:
    page.goto(url)
    page.locator("input[name=username]").fill(identifier)
    page.locator("input[name=password]").fill(password)
    page.locator("form button[type=submit]").click()
    page.wait_for_load_state()


def _assert_styled(page, selector: str, prop: str, value: str) -> None:
    """Bootstrap's CSS was served from /static/ and applied (not just linked)."""
    actual = page.locator(selector).first.evaluate(f"el => getComputedStyle(el).{prop}")
    assert actual == value, f"{selector} has {prop}={actual!r}: is /static/ served?"


def _no_horizontal_scroll(page) -> None:
    widths = page.evaluate("() => [document.scrollingElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"page scrolls sideways: scrollWidth {widths[0]} > innerWidth {widths[1]}"


def test_it_signs_staff_in_and_walks_to_a_projects_buildings(live_server, org, desktop_page):
    page = desktop_page
    project, building = org["project"], org["building"]

    _sign_in(page, f"{live_server.url}/accounts/login/", ADMIN_PHONE, PASSWORD)

    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    _assert_styled(page, "nav.navbar", "display", "flex")
    cards = page.locator("main .card")
    expect(cards.filter(has_text=project.name)).to_have_count(1)
    expect(cards.filter(has_text=org["project2"].name)).to_have_count(1)
    expect(page.locator("main")).not_to_contain_text(org["other_project"].name)

    # The projects list sits in a Bootstrap dropdown: this also proves the bundle's JS runs.
    projects_href = "/projects/"
    page.locator(f"nav .dropdown:has(a[href='{projects_href}']) .dropdown-toggle").click()
    page.locator(f"a.dropdown-item[href='{projects_href}']").click()
    expect(page).to_have_url(re.compile(rf"{re.escape(live_server.url)}{projects_href}(\?.*)?$"))
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(2)

    rows.get_by_role("link", name=project.name, exact=True).click()
    expect(page).to_have_url(f"{live_server.url}/projects/{project.pk}/")
    expect(page.locator("h1")).to_contain_text(project.name)
    building_link = page.locator(f"a[href='/buildings/{building.pk}/']")
    expect(building_link).to_contain_text(building.name)
    expect(page.locator(f"a[href='/buildings/{org['building2'].pk}/']")).to_have_count(0)
    assert page.problems.items == []


def test_it_shows_an_owner_his_unit_on_a_phone(live_server, org, phone_page, results_dir):
    page = phone_page
    unit = org["units"][0]

    _sign_in(page, f"{live_server.url}/m/login/", OWNER_PHONE, PASSWORD)

    expect(page).to_have_url(f"{live_server.url}/m/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    _assert_styled(page, ".m-shell", "display", "flex")
    unit_link = page.locator(f"a[href='/m/units/{unit.pk}/']")
    expect(unit_link).to_contain_text(org["project"].name)
    expect(unit_link).to_contain_text(f"{org['building'].name}{unit.entrance}{unit.number}")
    expect(page.locator("a[href^='/m/units/']")).to_have_count(1)
    _no_horizontal_scroll(page)
    page.screenshot(path=str(results_dir / "owner-home.png"), full_page=True)

    unit_link.tap()
    expect(page).to_have_url(f"{live_server.url}/m/units/{unit.pk}/")
    expect(page.locator("main")).to_contain_text(org["project"].name)
    _no_horizontal_scroll(page)
    page.screenshot(path=str(results_dir / "owner-unit.png"), full_page=True)
    assert page.problems.items == []


def test_it_rejects_a_wrong_password_and_throttles_the_sixth_attempt(live_server, org, desktop_page):
    page = desktop_page
    login_url = f"{live_server.url}/accounts/login/"
    with translation.override("zh-hans"):
        invalid = LoginForm().get_invalid_login_error().messages[0]
        throttled = login_throttled_message()
    assert invalid != throttled

    for attempt in range(1, settings.LOGIN_FAILURE_LIMIT + 1):
        _sign_in(page, login_url, ADMIN_PHONE, f"wrong-{attempt}")
        expect(page).to_have_url(login_url)
        expect(page.locator(".alert-danger")).to_have_text(invalid)

    # The sixth attempt is refused even with the right password.
    _sign_in(page, login_url, ADMIN_PHONE, PASSWORD)
    expect(page).to_have_url(login_url)
    expect(page.locator(".alert-danger")).to_have_text(throttled)
    expect(page.locator("input[name=username]")).to_be_visible()
