"""End-to-end patrol on a phone: a guard opens today's round, starts it, checks in at two
checkpoints by opening their QR links (/c/<code>/) with a photo and at the third by position,
reports a problem with a photo, and finishes. Assertions are on data and structure, not wording."""

import datetime as dt
import io
import re

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled
from PIL import Image
from playwright.sync_api import expect

from core import services as core_services
from core.choices import Role
from lib.testing import PASSWORD, build_company, make_user
from plans import services
from plans.choices import CheckInMethod, PhotoRule, TaskStatus
from plans.models import CheckIn, Task
from workorders.models import WorkOrder

pytestmark = pytest.mark.browser

GUARD_PHONE = "13900000004"
GATE = {"latitude": 31.2304, "longitude": 121.4737}


@pytest.fixture
def patrol(live_server):
    """A round of three checkpoints for the guard, its window open now (whatever the clock says)."""
    with scopes_disabled():
        operator = make_user("operator", superuser=True)
        admin = make_user("admin", name="王经理", phone="13900000001")
        a = build_company(code="acme", name="安居物业", operator=operator, admin=admin)
        guard = make_user("guard", name="钱保安", phone=GUARD_PHONE)
        core_services.membership_grant(
            company=a["company"],
            project=a["project"],
            user=guard,
            role=Role.STAFF,
            department=a["department"],
            actor=admin,
        )
        checkpoints = [
            services.checkpoint_create(project=a["project"], data={"name": name, **place}, actor=admin)
            for name, place in (
                ("1栋大堂", {"building": a["building"]}),
                ("地下车库B1", {}),
                ("东门岗亭", {k: str(v) for k, v in GATE.items()}),
            )
        ]
        now = timezone.localtime(timezone=a["company"].zone)
        # A window from an hour ago to three hours ahead; across midnight it belongs to yesterday.
        start, end = (now - dt.timedelta(hours=1)).time(), (now + dt.timedelta(hours=3)).time()
        window = (start.replace(second=0, microsecond=0), end.replace(second=0, microsecond=0))
        plan = services.plan_create(
            project=a["project"],
            data={
                "kind": "patrol",
                "name": "安居夜巡",
                "rrule": "FREQ=DAILY",
                "starts_on": now.date() - dt.timedelta(days=2),
                "photo_rule": PhotoRule.EACH_CHECKPOINT,
            },
            windows=[window],
            assignees=[guard],
            checkpoints=checkpoints,
            actor=admin,
        )
        services.tasks_generate(until=now.date() + dt.timedelta(days=1), plans=[plan])
        task = Task.objects.get(plan=plan, starts_at__lte=timezone.now(), due_at__gt=timezone.now())
    return {"task": task, "checkpoints": checkpoints, "guard": guard}


def _sign_in(page, url: str, identifier: str) -> None:
    page.goto(url)
    page.locator("input[name=username]").fill(identifier)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form button[type=submit]").click()
    page.wait_for_load_state()


def _jpeg(name: str) -> dict:
    buf = io.BytesIO()
    Image.new("RGB", (800, 600), "darkslategray").save(buf, "JPEG")
    return {"name": name, "mimeType": "image/jpeg", "buffer": buf.getvalue()}


def _submit(page, button) -> None:
    # Generous under a loaded CI machine: the POST stores a photo, runs the services and redirects.
    with page.expect_navigation(wait_until="domcontentloaded", timeout=45_000):
        button.click()


def _no_horizontal_scroll(page) -> None:
    widths = page.evaluate("() => [document.scrollingElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"page scrolls sideways: {widths}"


def _task(pk: int) -> Task:
    with scopes_disabled():
        return Task.objects.get(pk=pk)


def _open_collapse(page, name: str) -> None:
    page.locator(f"[data-action={name}]").click()
    expect(page.locator(f"#{name}")).to_have_class(re.compile(r"\bshow\b"))


def test_it_runs_a_patrol_on_a_phone(live_server, patrol, phone_page):
    page, task, checkpoints = phone_page, patrol["task"], patrol["checkpoints"]
    page.context.grant_permissions(["geolocation"], origin=live_server.url)
    page.context.set_geolocation(GATE)

    # Today's round is on the list; open it and start.
    _sign_in(page, f"{live_server.url}/accounts/login/?next=/tasks/", GUARD_PHONE)
    expect(page).to_have_url(f"{live_server.url}/tasks/")
    card = page.locator(f"[data-task='{task.pk}']")
    expect(card.locator("[data-progress='0/3']")).to_be_visible()
    _no_horizontal_scroll(page)
    with page.expect_navigation(wait_until="domcontentloaded", timeout=45_000):
        card.locator("a.stretched-link").click()
    expect(page).to_have_url(f"{live_server.url}/tasks/{task.pk}/")
    _submit(page, page.locator("[data-action=start]"))
    assert _task(task.pk).status == TaskStatus.IN_PROGRESS

    # Two checkpoints by their QR links, each with a photo from the camera.
    for n, checkpoint in enumerate(checkpoints[:2]):
        page.goto(f"{live_server.url}/c/{checkpoint.code}/")
        expect(page).to_have_url(f"{live_server.url}/tasks/{task.pk}/checkin/?code={checkpoint.code}")
        form = page.locator("#checkin-form")
        expect(form.locator("input[name=method]")).to_have_value(CheckInMethod.QR)
        form.locator("input[name=photo]").set_input_files([_jpeg(f"cp{n}.jpg")])
        if n == 0:
            form.locator("textarea[name=note]").fill("大堂门禁正常")
        _no_horizontal_scroll(page)
        _submit(page, form.locator("[data-action=checkin-submit]"))
        expect(page.locator(f"#stop-{checkpoint.pk}")).to_have_attribute("data-state", "done")

    # The third by position: the phone's location is at the gate.
    gate = checkpoints[2]
    with page.expect_navigation(wait_until="domcontentloaded", timeout=45_000):
        page.locator(f"#stop-{gate.pk} [data-action=checkin]").click()
    form = page.locator("#checkin-form")
    submit = form.locator("[data-action=checkin-submit]")
    expect(submit).to_be_enabled()  # enabled once the position is in
    expect(form.locator("input[name=method]")).to_have_value(CheckInMethod.GPS)
    form.locator("input[name=photo]").set_input_files([_jpeg("gate.jpg")])
    _submit(page, submit)
    expect(page.locator(f"#stop-{gate.pk}")).to_have_attribute("data-state", "done")
    expect(page.locator("[data-progress='3/3']")).to_be_visible()

    # Found a problem at the car park: a work order with the photo.
    _open_collapse(page, "problem")
    problem = page.locator("#problem form")
    problem.locator("textarea[name=description]").fill("车库B1排水沟堵塞，有积水")
    problem.locator("select[name=checkpoint]").select_option(str(checkpoints[1].pk))
    problem.locator("input[name=photo]").set_input_files([_jpeg("drain.jpg")])
    _submit(page, problem.locator("button[type=submit]"))
    with scopes_disabled():
        order = WorkOrder.objects.get()
        assert (order.location, order.photos.count()) == (checkpoints[1].name, 1)
    expect(page.locator("#problems [data-problem]")).to_have_count(1)
    expect(page.locator(f"#problems a[href='/workorders/{order.pk}/']")).to_have_text(order.code)

    # Finish: the page shows the round completed.
    _open_collapse(page, "finish")
    _submit(page, page.locator("#finish form button[type=submit]"))
    expect(page.locator("[data-completed]")).to_be_visible()
    expect(page.locator("[data-action=finish]")).to_have_count(0)
    _no_horizontal_scroll(page)

    task = _task(task.pk)
    assert (task.status, task.on_time_checkins, task.late_checkins) == (TaskStatus.COMPLETED, 3, 0)
    with scopes_disabled():
        checkins = {c.checkpoint_id: c for c in CheckIn.objects.filter(task=task)}
    assert {pk: c.method for pk, c in checkins.items()} == {
        checkpoints[0].pk: CheckInMethod.QR,
        checkpoints[1].pk: CheckInMethod.QR,
        gate.pk: CheckInMethod.GPS,
    }
    assert all(c.photo and c.user_id == patrol["guard"].pk for c in checkins.values())
    assert checkins[checkpoints[0].pk].note == "大堂门禁正常"
    assert checkins[gate.pk].distance_m == 0
    # Photos under /media/ are not served by the test server (DEBUG off); anything else is a fault.
    assert [p for p in page.problems.items if "/media/" not in p and "Failed to load resource" not in p] == []
