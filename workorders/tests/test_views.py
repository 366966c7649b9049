"""The staff work-order pages through HTTP, with the personas of lib.testing."""

import datetime as dt
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from lib.testing import BaseTestCase
from workorders import selectors, services
from workorders.choices import EventKind, FollowUpStatus, Kind, PhotoStage, Status
from workorders.models import FollowUp, SavedView, WorkOrder, WorkOrderEvent, WorkOrderPhoto
from workorders.tests.factories import category, jpeg, report

LIST = "/workorders/"
ACTION_NAMES = (
    "accept",
    "dispatch",
    "take",
    "start",
    "hold",
    "resume",
    "complete",
    "verify",
    "close",
    "reopen",
    "reject",
    "cancel",
    "comment",
)


def not_a_photo() -> SimpleUploadedFile:
    return SimpleUploadedFile("x.jpg", b"this is plain text, not a photo", content_type="image/jpeg")


def action_url(name: str, order: WorkOrder) -> str:
    return reverse(f"workorders:workorder_{name}", args=[order.pk])


class WorkOrderViewTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        # Orders stay where the test puts them: no automatic dispatch.
        for company, admin in ((cls.company, cls.admin), (cls.other_company, cls.outsider)):
            services.workorder_settings_update(company=company, data={"auto_dispatch": False}, actor=admin)
        cls.leak = report(cls, description="厨房水龙头一直在滴水")
        cls.fire = report(cls, description="楼道里冒烟了，好像着火", unit=cls.unit)
        cls.other = report(cls, actor=cls.outsider, project=cls.other_project, description="他山的单子")

    def dispatched_to_staff(self, **data) -> WorkOrder:
        order = report(self, **data)
        return services.workorder_dispatch(order=order, assignee=self.staff, actor=self.manager)

    def kinds(self, order: WorkOrder) -> list[str]:
        return list(WorkOrderEvent.objects.filter(order=order).order_by("id").values_list("kind", flat=True))


#
# List, export, saved views
#
class WorkOrderListTests(WorkOrderViewTestCase):
    def test_it_lists_the_companys_orders(self):
        self.login(self.manager)
        response = self.client.get(LIST)
        self.assertContains(response, self.leak.code)
        self.assertContains(response, self.fire.code)
        self.assertNotContains(response, self.other.code)

    def test_it_filters_by_status(self):
        services.workorder_accept(order=self.leak, actor=self.manager)
        self.login(self.manager)
        response = self.client.get(LIST, {"status": Status.ACCEPTED})
        self.assertContains(response, self.leak.code)
        self.assertNotContains(response, self.fire.code)

    def test_it_filters_overdue_orders(self):
        WorkOrder.objects.filter(pk=self.leak.pk).update(resolve_due_at=timezone.now() - dt.timedelta(hours=1))
        WorkOrder.objects.filter(pk=self.fire.pk).update(resolve_due_at=timezone.now() + dt.timedelta(hours=1))
        self.login(self.manager)
        response = self.client.get(LIST, {"overdue": "true"})
        self.assertContains(response, self.leak.code)
        self.assertNotContains(response, self.fire.code)

    def test_it_filters_flagged_orders(self):
        self.assertTrue(self.fire.is_life_safety)
        self.login(self.manager)
        response = self.client.get(LIST, {"flagged": "true"})
        self.assertContains(response, self.fire.code)
        self.assertNotContains(response, self.leak.code)

    def test_it_keeps_the_query_count_flat_as_rows_grow(self):
        self.login(self.admin)
        with CaptureQueriesContext(connection) as few:
            self.assertEqual(self.client.get(LIST).status_code, 200)
        for n in range(6):
            order = report(self, description=f"第{n}个问题", category=category(self.company))
            services.workorder_dispatch(order=order, assignee=self.staff, department=self.department, actor=self.admin)
        report(self, area=self.area, description="大堂灯不亮")
        with self.assertNumQueries(len(few)):
            self.client.get(LIST)

    def test_it_exports_the_filtered_list_to_excel(self):
        self.login(self.manager)
        response = self.client.get(LIST, {"flagged": "true", "export": "xlsx"})
        self.assertEqual(
            response["Content-Type"].split(";")[0],
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(min_row=2, values_only=True))
        self.assertEqual([row[0] for row in rows], [self.fire.code])

    def test_it_sends_anonymous_to_sign_in(self):
        self.assertRedirects(self.client.get(LIST), f"/accounts/login/?next={LIST}")

    def test_it_sends_an_owner_to_his_phone_pages(self):
        self.login(self.owner)
        for url in (LIST, "/workorders/mine/", "/workorders/new/", "/workorders/follow-ups/"):
            self.assertRedirects(self.client.get(url), "/m/", fetch_redirect_response=False)
        self.assertRedirects(self.client.get(self.leak.get_absolute_url()), "/m/", fetch_redirect_response=False)

    def test_it_shows_the_outsider_only_his_own_orders(self):
        self.login(self.outsider)
        response = self.client.get(LIST)
        self.assertContains(response, self.other.code)
        self.assertNotContains(response, self.leak.code)


class SavedViewTests(WorkOrderViewTestCase):
    def test_it_saves_a_view_and_lists_it(self):
        self.login(self.manager)
        response = self.client.post(
            reverse("workorders:saved_view_create"), {"name": "超时未处理", "query": "overdue=true&page=3"}
        )
        view = SavedView.objects.get(user=self.manager)
        self.assertEqual(view.query, "overdue=true")
        self.assertRedirects(response, f"{LIST}?overdue=true")
        self.assertContains(self.client.get(LIST), 'href="?overdue=true"')

    def test_it_rejects_a_view_without_a_name(self):
        self.login(self.manager)
        self.client.post(reverse("workorders:saved_view_create"), {"name": "", "query": "overdue=true"})
        self.assertFalse(SavedView.objects.exists())

    def test_it_deletes_my_view(self):
        view = services.saved_view_save(company=self.company, user=self.manager, name="我的", query="flagged=true")
        self.login(self.manager)
        response = self.client.post(reverse("workorders:saved_view_delete", args=[view.pk]))
        self.assertRedirects(response, LIST)
        self.assertFalse(SavedView.objects.filter(pk=view.pk).exists())

    def test_it_does_not_delete_another_users_view(self):
        view = services.saved_view_save(company=self.company, user=self.admin, name="王的", query="flagged=true")
        self.login(self.manager)
        response = self.client.post(reverse("workorders:saved_view_delete", args=[view.pk]))
        self.assertEqual(response.status_code, 404)
        self.assertTrue(SavedView.objects.filter(pk=view.pk).exists())
        self.assertNotContains(self.client.get(LIST), "王的")


#
# Detail and actions
#
class WorkOrderDetailTests(WorkOrderViewTestCase):
    def test_it_shows_the_order_with_its_timeline_and_deadlines(self):
        self.login(self.manager)
        response = self.client.get(self.fire.get_absolute_url())
        self.assertContains(response, self.fire.code)
        self.assertContains(response, "着火")  # keyword hit
        self.assertContains(response, str(EventKind.CREATED.label))
        self.assertContains(response, 'data-action="dispatch"')
        self.assertContains(response, "13800000001")  # the contact phone, to a manager

    def test_it_masks_the_contact_phone_for_people_without_owner_access(self):
        self.login(self.viewer)
        response = self.client.get(self.fire.get_absolute_url())
        self.assertContains(response, "138****0001")
        self.assertNotContains(response, "13800000001")

    def test_it_answers_404_for_another_companys_order(self):
        self.login(self.manager)
        self.assertEqual(self.client.get(self.other.get_absolute_url()).status_code, 404)
        for name in ACTION_NAMES:
            response = self.client.post(action_url(name, self.other), {"reason": "x", "assignee": self.staff.pk})
            self.assertEqual(response.status_code, 404, name)
        self.assertEqual(self.kinds(self.other), [EventKind.CREATED])

    def test_it_answers_404_for_another_companys_follow_up(self):
        order = report(self, actor=self.outsider, project=self.other_project, kind=Kind.INQUIRY, description="他山回访")
        for verb in (services.workorder_accept, services.workorder_complete, services.workorder_close):
            verb(order=order, actor=self.outsider)
        self.login(self.manager)
        response = self.client.post(
            reverse("workorders:follow_up_record", args=[order.follow_ups.get().pk]),
            {"status": "done", "method": "phone", "resolved": "yes", "satisfaction": 5},
        )
        self.assertEqual(response.status_code, 404)

    def test_it_lets_the_viewer_look_but_not_act(self):
        self.login(self.viewer)
        response = self.client.get(self.leak.get_absolute_url())
        self.assertContains(response, self.leak.code)
        self.assertNotContains(response, "data-action=")
        for name in ACTION_NAMES:
            response = self.client.post(action_url(name, self.leak), {"reason": "x", "text": "x"})
            self.assertEqual(response.status_code, 403, name)
        self.assertEqual(self.kinds(self.leak), [EventKind.CREATED])

    def test_it_shows_staff_only_the_actions_they_may_take(self):
        order = self.dispatched_to_staff()
        self.login(self.staff)
        response = self.client.get(order.get_absolute_url())
        for name in ("take", "start", "hold", "comment"):
            self.assertContains(response, f'data-action="{name}"')
        for name in ("dispatch", "accept", "verify", "close", "reject", "cancel"):
            self.assertNotContains(response, f'data-action="{name}"')
        self.assertEqual(self.client.post(action_url("dispatch", order), {"assignee": self.staff.pk}).status_code, 403)

    def test_it_refuses_staff_work_on_someone_elses_order(self):
        order = report(self, description="别人的单")
        services.workorder_dispatch(order=order, assignee=self.supervisor, actor=self.manager)
        self.login(self.staff)
        self.assertEqual(self.client.post(action_url("start", order)).status_code, 403)
        self.assertEqual(WorkOrder.objects.get(pk=order.pk).status, Status.DISPATCHED)

    def test_it_shows_a_broken_rule_on_the_detail_page(self):
        self.login(self.manager)
        response = self.client.post(action_url("close", self.leak))
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "alert-danger")
        self.assertIn(str(Status.CLOSED.label), response.context["error_text"])
        self.assertEqual(WorkOrder.objects.get(pk=self.leak.pk).status, Status.SUBMITTED)

    def test_it_names_the_missing_field(self):
        self.login(self.manager)
        response = self.client.post(action_url("reject", self.leak), {"reason": ""})
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, 'id="act-reject"')
        self.assertContains(response, "is-invalid")
        self.assertIn("reason", self.form_of(response, "reject").errors)
        self.assertEqual(WorkOrder.objects.get(pk=self.leak.pk).status, Status.SUBMITTED)

    def test_it_refuses_an_assignee_outside_the_project(self):
        self.login(self.manager)
        response = self.client.post(action_url("dispatch", self.leak), {"assignee": self.outsider.pk})
        self.assertEqual(response.status_code, 200)
        self.assertIn("assignee", self.form_of(response, "dispatch").errors)
        self.assertIsNone(WorkOrder.objects.get(pk=self.leak.pk).assignee_id)

    def test_it_rejects_a_bad_photo_on_completion_and_changes_nothing(self):
        order = self.dispatched_to_staff()
        services.workorder_start(order=order, actor=self.staff)
        self.login(self.staff)
        response = self.client.post(action_url("complete", order), {"note": "换了阀门", "photos": [not_a_photo()]})
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "alert-danger")
        self.assertIn("photos", self.complete_errors(response))
        self.assertEqual(WorkOrder.objects.get(pk=order.pk).status, Status.IN_PROGRESS)
        self.assertFalse(WorkOrderPhoto.objects.filter(order=order).exists())
        self.assertNotIn(
            Status.COMPLETED, WorkOrderEvent.objects.filter(order=order).values_list("to_status", flat=True)
        )

    def form_of(self, response, name: str):
        return next(b["form"] for b in response.context["buttons"] if b["name"] == name)

    def complete_errors(self, response) -> dict:
        return self.form_of(response, "complete").errors

    def test_it_returns_to_my_orders_with_the_error(self):
        order = self.dispatched_to_staff()
        services.workorder_start(order=order, actor=self.staff)
        self.login(self.staff)
        response = self.client.post(
            action_url("complete", order), {"photos": [not_a_photo()], "next": "/workorders/mine/"}, follow=True
        )
        self.assertRedirects(response, "/workorders/mine/")
        messages = [str(m) for m in response.context["messages"]]
        self.assertTrue(any("photo" in m.lower() or "照片" in m for m in messages), messages)
        self.assertEqual(WorkOrder.objects.get(pk=order.pk).status, Status.IN_PROGRESS)

    def test_it_ignores_a_next_url_on_another_host(self):
        order = self.dispatched_to_staff()
        self.login(self.staff)
        response = self.client.post(action_url("take", order), {"next": "https://evil.example/"})
        self.assertRedirects(response, order.get_absolute_url())


class HappyPathTests(WorkOrderViewTestCase):
    def test_it_runs_an_order_from_the_phone_call_to_the_follow_up(self):
        # Customer service enters the owner's call, with a photo he sent on WeChat.
        self.login(self.admin)
        leak = category(self.company)
        response = self.client.post(
            "/workorders/new/",
            {
                "project": self.project.pk,
                "kind": Kind.REPAIR,
                "category": leak.pk,
                "unit": self.unit.code,
                "description": "卫生间天花板渗水",
                "contact_name": "周业主",
                "contact_phone": "13800000001",
                "source": "phone",
                "photos": [jpeg()],
            },
        )
        order = WorkOrder.objects.latest("id")
        self.assertRedirects(response, order.get_absolute_url())
        self.assertEqual((order.unit, order.category, order.resident), (self.unit, leak, self.resident))
        self.assertEqual(order.priority, leak.priority_hint)
        self.assertEqual(order.photos.get().stage, PhotoStage.BEFORE)

        self.login(self.manager)
        self.assert_redirects_to(order, "dispatch", {"assignee": self.staff.pk, "note": "尽快"})
        self.login(self.staff)
        self.assertContains(self.client.get("/workorders/mine/"), order.code)
        self.assert_redirects_to(order, "take", {"next": "/workorders/mine/"}, target="/workorders/mine/")
        self.assert_redirects_to(order, "start")
        self.assert_redirects_to(order, "hold", {"hold_reason": "parts", "reason": "等配件"})
        self.assert_redirects_to(order, "resume")
        self.assert_redirects_to(order, "complete", {"note": "更换了防水层", "photos": [jpeg("after.jpg")]})
        self.login(self.supervisor)
        self.assert_redirects_to(order, "verify", {"result": "pass"})
        self.login(self.manager)
        self.assert_redirects_to(order, "close")

        self.assertContains(self.client.get("/workorders/follow-ups/"), order.code)
        follow_up = order.follow_ups.get()
        response = self.client.post(
            reverse("workorders:follow_up_record", args=[follow_up.pk]),
            {"status": "done", "method": "phone", "resolved": "yes", "satisfaction": "5", "comment": "很满意"},
        )
        self.assertRedirects(response, order.get_absolute_url())
        follow_up.refresh_from_db()
        self.assertEqual((follow_up.status, follow_up.method, follow_up.satisfaction), ("done", "phone", 5))
        self.assertNotContains(self.client.get("/workorders/follow-ups/"), order.code)

        order.refresh_from_db()
        self.assertEqual(order.status, Status.CLOSED)
        self.assertEqual(order.photos.filter(stage=PhotoStage.AFTER).count(), 1)
        statuses = list(order.events.exclude(to_status="").order_by("id").values_list("to_status", flat=True))
        self.assertEqual(
            statuses,
            ["submitted", "dispatched", "in_progress", "on_hold", "in_progress", "completed", "verified", "closed"],
        )
        kinds = self.kinds(order)
        for kind in (EventKind.TAKEN, EventKind.FOLLOW_UP, EventKind.PHOTO):
            self.assertIn(kind, kinds)
        hold = order.events.get(to_status=Status.ON_HOLD)
        self.assertEqual((hold.actor, hold.data, hold.reason), (self.staff, {"hold_reason": "parts"}, "等配件"))
        self.assertContains(self.client.get(order.get_absolute_url()), "钱师傅")  # the assignee, on the timeline

    def assert_redirects_to(self, order, name: str, data: dict | None = None, target: str | None = None) -> None:
        response = self.client.post(action_url(name, order), data or {})
        self.assertRedirects(response, target or order.get_absolute_url(), fetch_redirect_response=False)


#
# Customer-service entry
#
class WorkOrderCreateTests(WorkOrderViewTestCase):
    def post(self, **data):
        payload = {
            "project": self.project.pk,
            "kind": Kind.COMPLAINT,
            "description": "楼上装修太吵",
            "source": "phone",
            **data,
        }
        return self.client.post("/workorders/new/", payload)

    def test_it_rejects_a_text_file_named_like_a_photo_and_creates_nothing(self):
        self.login(self.manager)
        before = WorkOrder.objects.count()
        response = self.post(photos=[not_a_photo()])
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.context["form"].errors["photos"])
        self.assertContains(response, "is-invalid")
        self.assertEqual(WorkOrder.objects.count(), before)
        self.assertFalse(WorkOrderPhoto.objects.exists())

    def test_it_names_an_unknown_unit(self):
        self.login(self.manager)
        response = self.post(unit="9-9-999")
        self.assertIn("unit", response.context["form"].errors)

    def test_it_maps_a_category_of_another_kind_onto_the_field(self):
        self.login(self.manager)
        response = self.post(category=category(self.company).pk)  # a repair category on a complaint
        self.assertIn("category", response.context["form"].errors)

    def test_it_offers_only_projects_where_the_user_takes_reports(self):
        self.login(self.staff)
        form = self.client.get("/workorders/new/").context["form"]
        self.assertEqual(list(form.fields["project"].queryset), [self.project])
        response = self.post(project=self.project2.pk)
        self.assertIn("project", response.context["form"].errors)

    def test_it_refuses_the_viewer(self):
        self.login(self.viewer)
        self.assertEqual(self.client.get("/workorders/new/").status_code, 403)

    def test_it_creates_a_complaint_without_a_place(self):
        self.login(self.manager)
        response = self.post(source="hotline_12345", contact_phone="010-12345678")
        order = WorkOrder.objects.latest("id")
        self.assertRedirects(response, order.get_absolute_url())
        self.assertEqual((order.kind, order.source, order.reporter), (Kind.COMPLAINT, "hotline_12345", self.manager))

    def test_it_finds_units_by_code_in_the_chosen_project(self):
        self.login(self.manager)
        response = self.client.get("/workorders/new/units/", {"project": self.project.pk, "unit": "1-1-2"})
        self.assertContains(response, self.unit2.code)
        self.assertNotContains(response, self.unit.code + '"')
        self.login(self.outsider)
        response = self.client.get("/workorders/new/units/", {"project": self.project.pk, "unit": "1-1"})
        self.assertNotContains(response, "<option")


#
# My orders, follow-ups, home
#
class WorkOrderMineTests(WorkOrderViewTestCase):
    def test_it_shows_my_open_orders_with_the_next_action(self):
        order = self.dispatched_to_staff()
        self.login(self.staff)
        response = self.client.get("/workorders/mine/")
        self.assertContains(response, order.code)
        self.assertContains(response, 'data-action="take"')
        self.assertNotContains(response, self.fire.code)

    def test_it_keeps_the_query_count_flat_as_cards_grow(self):
        self.dispatched_to_staff()
        self.login(self.staff)
        with CaptureQueriesContext(connection) as few:
            self.client.get("/workorders/mine/")
        for _n in range(4):
            self.dispatched_to_staff()
        with self.assertNumQueries(len(few)):
            self.client.get("/workorders/mine/")

    def test_it_orders_open_orders_by_deadline(self):
        later, sooner = self.dispatched_to_staff(), self.dispatched_to_staff()
        now = timezone.now()
        WorkOrder.objects.filter(pk=later.pk).update(resolve_due_at=now + dt.timedelta(days=2))
        WorkOrder.objects.filter(pk=sooner.pk).update(resolve_due_at=now + dt.timedelta(hours=2))
        self.login(self.staff)
        cards = self.client.get("/workorders/mine/").context["cards"]
        self.assertEqual([c["order"].pk for c in cards], [sooner.pk, later.pk])

    def test_it_offers_completion_with_photos_from_the_camera(self):
        order = self.dispatched_to_staff()
        services.workorder_start(order=order, actor=self.staff)
        self.login(self.staff)
        response = self.client.get("/workorders/mine/")
        self.assertContains(response, 'accept="image/*" capture="environment"')
        response = self.client.post(action_url("complete", order), {"photos": [jpeg()], "next": "/workorders/mine/"})
        self.assertRedirects(response, "/workorders/mine/", fetch_redirect_response=False)
        self.assertEqual(WorkOrder.objects.get(pk=order.pk).status, Status.COMPLETED)

    def test_it_refuses_the_viewer(self):
        self.login(self.viewer)
        self.assertEqual(self.client.get("/workorders/mine/").status_code, 403)


class FollowUpQueueTests(WorkOrderViewTestCase):
    def closed(self) -> WorkOrder:
        order = report(self, kind=Kind.INQUIRY, description="物业费怎么交")
        for verb in (services.workorder_accept, services.workorder_complete, services.workorder_close):
            verb(order=order, actor=self.manager)
        return order

    def test_it_lists_due_follow_ups_overdue_first(self):
        first, second = self.closed(), self.closed()
        FollowUp.objects.filter(order=second).update(due_at=timezone.now() - dt.timedelta(hours=1))
        self.login(self.manager)
        response = self.client.get("/workorders/follow-ups/")
        self.assertEqual([f.order_id for f in response.context["page"].object_list], [second.pk, first.pk])
        self.assertContains(response, "?open=follow_up")

    def test_it_records_an_unreachable_owner(self):
        order = self.closed()
        self.login(self.manager)
        response = self.client.post(
            reverse("workorders:follow_up_record", args=[order.follow_ups.get().pk]),
            {"status": "unreachable", "method": "phone"},
        )
        self.assertRedirects(response, order.get_absolute_url())
        self.assertEqual(order.follow_ups.get().status, FollowUpStatus.UNREACHABLE)

    def test_it_asks_for_the_result_of_a_reached_owner(self):
        order = self.closed()
        self.login(self.manager)
        response = self.client.post(
            reverse("workorders:follow_up_record", args=[order.follow_ups.get().pk]),
            {"status": "done", "method": "phone"},
        )
        self.assertEqual(response.status_code, 200)
        form = next(b["form"] for b in response.context["buttons"] if b["name"] == "follow_up")
        self.assertIn("resolved", form.errors)
        self.assertIn("satisfaction", form.errors)
        self.assertEqual(order.follow_ups.get().status, FollowUpStatus.PENDING)

    def test_it_refuses_the_viewer(self):
        order = self.closed()
        self.login(self.viewer)
        response = self.client.post(
            reverse("workorders:follow_up_record", args=[order.follow_ups.get().pk]),
            {"status": "unreachable", "method": "phone"},
        )
        self.assertEqual(response.status_code, 403)


class HomeSummaryTests(WorkOrderViewTestCase):
    def test_it_counts_open_overdue_flagged_and_mine(self):
        self.dispatched_to_staff()
        WorkOrder.objects.filter(pk=self.leak.pk).update(resolve_due_at=timezone.now() - dt.timedelta(minutes=1))
        summary = selectors.workorder_summary(user=self.staff)
        self.assertEqual(summary, {"open": 3, "overdue": 1, "flagged": 1, "mine": 1})
        self.assertEqual(selectors.workorder_summary(user=self.outsider)["open"], 1)
        self.login(self.staff)
        response = self.client.get("/")
        self.assertContains(response, "/workorders/?overdue=true")
        self.assertContains(response, '<div class="stat">3</div>', html=False)

    def test_it_hides_the_card_from_people_without_work_orders(self):
        from core import services as core_services
        from core.choices import Role
        from lib.testing import make_user

        inspector = make_user("inspector")
        core_services.membership_grant(company=self.company, user=inspector, role=Role.INSPECTOR, actor=self.admin)
        self.login(inspector)
        response = self.client.get("/")
        self.assertEqual(response.status_code, 200)
        self.assertNotContains(response, "/workorders/?overdue=true")
