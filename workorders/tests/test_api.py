"""The work-order REST API: list, detail, report, sub-resources, every action, config reads, schema."""

import datetime as dt
import json

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import User
from api.exceptions import exception_handler
from core.tests.test_api import ApiTestCase
from workorders import services
from workorders.choices import EventKind, FollowUpStatus, HoldReason, PhotoStage, SlaState, Status
from workorders.models import FollowUp, WorkOrder
from workorders.selectors import LIST_RELATED
from workorders.services.common import Conflict
from workorders.tests.factories import category, jpeg, report

MEDIA = override_settings(MEDIA_ROOT="/tmp/pinzhi-test-media-api")


class WorkOrderApiTestCase(ApiTestCase):
    def post_multipart(self, path: str, data: dict):
        return self.client.post(f"/api/v1/{path}", data)

    def order_url(self, order, action: str = "") -> str:
        return f"workorders/{order.pk}/{action + '/' if action else ''}"

    def dispatched(self, **data) -> WorkOrder:
        order = report(self, **data)
        return services.workorder_dispatch(order=order, assignee=self.staff, actor=self.admin)

    def in_progress(self, **data) -> WorkOrder:
        return services.workorder_start(order=self.dispatched(**data), actor=self.staff)

    def completed(self, **data) -> WorkOrder:
        return services.workorder_complete(order=self.in_progress(**data), actor=self.staff)

    def closed(self, **data) -> WorkOrder:
        return services.workorder_close(order=self.completed(**data), actor=self.admin)

    def status_of(self, order) -> str:
        return WorkOrder.objects.get(pk=order.pk).status


#
# List
#
class WorkOrderListApiTests(WorkOrderApiTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.mine = report(cls, description="厨房水龙头滴水")
        cls.theirs = report(cls, actor=cls.other_owner, unit=cls.unit2, description="卫生间漏水")
        cls.outside = report(cls, actor=cls.outsider, project=cls.other_project, description="他山大堂灯坏")

    def test_it_requires_authentication(self):
        self.assertError(self.get("workorders/"), 401, "not_authenticated")

    def test_it_lists_the_company_orders_for_staff(self):
        self.auth(self.admin)
        self.assertEqual(self.ids(self.get("workorders/")), {self.mine.pk, self.theirs.pk})
        self.auth(self.viewer)
        self.assertEqual(self.ids(self.get("workorders/")), {self.mine.pk, self.theirs.pk})

    def test_it_hides_other_companies_orders(self):
        self.auth(self.outsider)
        self.assertEqual(self.ids(self.get("workorders/")), {self.outside.pk})

    def test_it_shows_an_owner_only_his_orders(self):
        self.auth(self.owner)
        self.assertEqual(self.ids(self.get("workorders/")), {self.mine.pk})
        self.auth(self.other_owner)
        self.assertEqual(self.ids(self.get("workorders/")), {self.theirs.pk})

    def test_it_lists_rows_with_names_and_no_actions(self):
        self.auth(self.admin)
        row = next(r for r in self.get("workorders/").json()["results"] if r["id"] == self.mine.pk)
        self.assertEqual(row["unit_code"], self.unit.code)
        self.assertEqual(row["building_name"], self.building.name)
        self.assertEqual(row["code"], self.mine.code)
        self.assertEqual(row["status"], Status.SUBMITTED)
        self.assertNotIn("allowed_actions", row)

    def test_it_keeps_the_escalation_flag_from_owners(self):
        self.auth(self.owner)
        (row,) = self.get("workorders/").json()["results"]
        self.assertNotIn("is_escalated", row)
        self.assertIn("is_life_safety", row)
        self.auth(self.admin)
        self.assertIn("is_escalated", self.get("workorders/").json()["results"][0])

    def test_it_filters_by_status(self):
        services.workorder_accept(order=self.theirs, actor=self.admin)
        self.auth(self.admin)
        self.assertEqual(self.ids(self.get("workorders/", {"status": "accepted"})), {self.theirs.pk})
        both = self.get("workorders/?status=accepted&status=submitted")
        self.assertEqual(self.ids(both), {self.mine.pk, self.theirs.pk})

    def test_it_rejects_an_unknown_status(self):
        self.auth(self.admin)
        self.assertError(
            self.get("workorders/", {"status": "lost"}), 400, "invalid", fields={"status": "invalid_choice"}
        )

    def test_it_filters_overdue_orders(self):
        past = timezone.now() - dt.timedelta(hours=1)
        WorkOrder.objects.filter(pk=self.theirs.pk).update(resolve_due_at=past)
        self.auth(self.admin)
        self.assertEqual(self.ids(self.get("workorders/", {"overdue": "true"})), {self.theirs.pk})
        self.assertEqual(self.ids(self.get("workorders/", {"overdue": "false"})), {self.mine.pk})

    def test_it_filters_flagged_orders(self):
        flagged = report(self, description="楼道有燃气泄漏的味道")
        self.assertTrue(flagged.is_life_safety)
        self.auth(self.admin)
        self.assertEqual(self.ids(self.get("workorders/", {"flagged": "true"})), {flagged.pk})

    def test_it_filters_by_sla_state(self):
        WorkOrder.objects.filter(pk=self.mine.pk).update(sla_state=SlaState.BREACHED)
        self.auth(self.admin)
        self.assertEqual(self.ids(self.get("workorders/", {"sla_state": "breached"})), {self.mine.pk})

    def test_it_rejects_another_companys_project_filter(self):
        self.auth(self.admin)
        r = self.get("workorders/", {"project_id": self.other_project.pk})
        self.assertError(r, 400, "invalid", fields={"project_id": "invalid_choice"})

    def test_it_pages_by_cursor_without_counting(self):
        self.auth(self.admin)
        first = self.get("workorders/", {"page_size": 1}).json()
        self.assertNotIn("count", first)
        self.assertEqual([r["id"] for r in first["results"]], [self.theirs.pk])
        second = self.client.get(first["next"]).json()
        self.assertEqual([r["id"] for r in second["results"]], [self.mine.pk])
        self.assertIsNone(second["next"])

    def count_queries(self) -> int:
        with CaptureQueriesContext(connection) as ctx:
            r = self.get("workorders/")
        self.assertEqual(r.status_code, 200)
        return len(ctx.captured_queries)

    def test_it_does_not_query_per_row(self):
        WorkOrder.objects.exclude(pk=self.outside.pk).delete()
        # Every relation of the list row is set on the first order, so none is skipped for lack of ids.
        order = self.dispatched(category=category(self.company), unit=self.unit, area=self.area)
        self.assertTrue(all(getattr(order, f"{name}_id") for name in LIST_RELATED if "__" not in name))
        self.assertTrue(order.category.parent_id)
        self.auth(self.admin)
        one = self.count_queries()
        # token, access (memberships, residents), the page with project/category/unit joined,
        # then building, area, department, assignee
        self.assertEqual(one, 8)
        for i in range(9):
            self.dispatched(description=f"第{i}号报修", category=category(self.company, "power-outage"), area=self.area)
            services.workorder_accept(order=report(self, description=f"另一单{i}"), actor=self.admin)
        self.assertEqual(len(self.get("workorders/").json()["results"]), 19)
        self.assertEqual(self.count_queries(), one)


#
# Detail
#
@MEDIA
class WorkOrderDetailApiTests(WorkOrderApiTestCase):
    def test_it_shows_one_order_in_full(self):
        order = self.completed(category=category(self.company), photos=[jpeg()])
        services.workorder_rate(order=order, stars=5, tags=["speed"], actor=self.owner)
        services.workorder_close(order=order, actor=self.admin)
        self.auth(self.admin)
        r = self.get(self.order_url(order))
        self.assertEqual(r.status_code, 200, r.content)
        body = r.json()
        self.assertEqual(body["status"], Status.CLOSED)
        self.assertEqual(body["assignee_name"], self.staff.name)
        for deadline in ("ack_due_at", "dispatch_due_at", "arrive_due_at", "resolve_due_at"):
            self.assertIn(deadline, body)
        self.assertEqual(body["sla_state"], SlaState.OK)
        self.assertEqual(body["keyword_hits"], [])
        self.assertIn("reopen", body["allowed_actions"])
        self.assertIn("follow_up", body["allowed_actions"])
        (photo,) = body["photos"]
        self.assertEqual(photo["stage"], PhotoStage.BEFORE)
        self.assertTrue(photo["url"].startswith("http://testserver/media/workorders/"))
        self.assertTrue(photo["thumbnail_url"].startswith("http://testserver/media/workorders/"))
        self.assertEqual([(x["stars"], x["tags"]) for x in body["ratings"]], [(5, ["speed"])])
        self.assertEqual([f["status"] for f in body["follow_ups"]], [FollowUpStatus.PENDING])
        self.assertEqual(body["progress_step"], 4)

    def test_it_lists_only_what_the_user_may_do(self):
        order = report(self)
        self.auth(self.admin)
        self.assertEqual(
            self.get(self.order_url(order)).json()["allowed_actions"],
            ["accept", "dispatch", "reject", "cancel", "comment"],
        )
        self.auth(self.viewer)
        self.assertEqual(self.get(self.order_url(order)).json()["allowed_actions"], [])
        self.auth(self.owner)
        self.assertEqual(self.get(self.order_url(order)).json()["allowed_actions"], ["cancel", "comment"])

    def test_it_hides_internal_flags_from_the_owner(self):
        order = report(self, description="家里燃气泄漏了")
        self.auth(self.owner)
        body = self.get(self.order_url(order)).json()
        self.assertNotIn("keyword_hits", body)
        self.assertNotIn("is_escalated", body)
        self.auth(self.admin)
        self.assertTrue(self.get(self.order_url(order)).json()["keyword_hits"])

    def test_it_answers_404_for_other_companies_and_other_owners(self):
        order = report(self)
        self.auth(self.outsider)
        self.assertError(self.get(self.order_url(order)), 404, "not_found")
        self.auth(self.other_owner)
        self.assertError(self.get(self.order_url(order)), 404, "not_found")
        self.assertError(self.get("workorders/999999/"), 404, "not_found")
        self.assertError(self.get("workorders/abc/"), 404, "not_found")

    def test_it_requires_authentication(self):
        self.assertError(self.get(self.order_url(report(self))), 401, "not_authenticated")


#
# Create
#
@MEDIA
class WorkOrderCreateApiTests(WorkOrderApiTestCase):
    def create(self, **data):
        return self.post("workorders/", {"project": self.project.pk, "description": "阳台地漏堵了", **data})

    def test_it_lets_an_owner_report_for_his_unit(self):
        self.auth(self.owner)
        r = self.create(unit=self.unit.pk, category="water-blocked", contact_phone="13800000009")
        self.assertEqual(r.status_code, 201, r.content)
        body = r.json()
        order = WorkOrder.objects.get(pk=body["id"])
        self.assertEqual(r["Location"], f"http://testserver/api/v1/workorders/{order.pk}/")
        self.assertEqual((order.reporter, order.resident, order.source), (self.owner, self.resident, "owner_app"))
        self.assertEqual((order.kind, order.category.code), ("repair", "water-blocked"))
        self.assertEqual(order.building, self.building)
        self.assertEqual(body["unit_code"], self.unit.code)
        self.assertEqual(body["building_name"], self.building.name)
        self.assertEqual(body["status"], order.status)
        self.assertEqual(self.get(f"workorders/{order.pk}/").status_code, 200)

    def test_it_refuses_an_owner_someone_elses_unit(self):
        self.auth(self.owner)
        self.assertError(self.create(unit=self.unit2.pk), 400, "invalid", fields={"unit": "invalid"})
        self.assertFalse(WorkOrder.objects.exists())

    def test_it_lets_an_owner_report_for_a_public_area(self):
        self.auth(self.owner)
        r = self.create(area=self.area.pk, kind="complaint", description="大堂很脏")
        self.assertEqual(r.status_code, 201, r.content)
        self.assertEqual(WorkOrder.objects.get().area, self.area)

    def test_it_refuses_the_source_from_an_owner(self):
        self.auth(self.owner)
        r = self.create(unit=self.unit.pk, source="phone")
        self.assertError(r, 400, "invalid", fields={"source": "staff_only"})

    def test_it_lets_staff_enter_a_phone_report_with_a_category_id(self):
        self.auth(self.admin)
        cat = category(self.company, "electric-socket")
        r = self.create(
            unit=self.unit2.pk,
            category=str(cat.pk),
            source="hotline_12345",
            contact_name="吴业主",
            latitude="31.230416",
            longitude="121.473701",
        )
        self.assertEqual(r.status_code, 201, r.content)
        order = WorkOrder.objects.get()
        self.assertEqual((order.source, order.category, order.priority), ("hotline_12345", cat, cat.priority_hint))
        self.assertEqual(order.reporter, self.admin)

    def test_it_names_missing_and_bad_fields(self):
        self.auth(self.admin)
        r = self.post("workorders/", {"kind": "joke", "latitude": "123", "appointment_at": "tomorrow"})
        self.assertError(
            r,
            400,
            "invalid",
            fields={
                "project": "required",
                "description": "required",
                "kind": "invalid_choice",
                "latitude": "max_value",
                "appointment_at": "invalid",
            },
        )

    def test_it_refuses_ids_of_another_company(self):
        self.auth(self.admin)
        r = self.create(unit=self.other_unit.pk, area=self.other_area.pk, building=self.other_building.pk)
        self.assertError(
            r,
            400,
            "invalid",
            fields={"unit": "does_not_exist", "area": "does_not_exist", "building": "does_not_exist"},
        )
        r = self.create(project=self.other_project.pk)
        self.assertError(r, 400, "invalid", fields={"project": "does_not_exist"})
        other_category = category(self.other_company, "water-leak")
        r = self.create(category=str(other_category.pk))
        self.assertError(r, 400, "invalid", fields={"category": "does_not_exist"})
        self.assertFalse(WorkOrder.objects.exists())

    def test_it_refuses_a_unit_of_another_project(self):
        self.auth(self.admin)
        r = self.create(unit=self.unit_office.pk)
        self.assertError(r, 400, "invalid", fields={"unit": "does_not_exist"})

    def test_it_refuses_a_category_of_another_kind(self):
        self.auth(self.admin)
        r = self.create(kind="complaint", category="water-leak")
        self.assertError(r, 400, "invalid", fields={"category": "invalid"})

    def test_it_refuses_read_only_members(self):
        self.auth(self.viewer)
        self.assertError(self.create(), 403, "permission_denied")

    def test_it_requires_authentication(self):
        self.assertError(self.create(), 401, "not_authenticated")

    def test_it_flags_life_safety_text(self):
        self.auth(self.owner)
        r = self.create(unit=self.unit.pk, description="厨房燃气泄漏，味道很重")
        self.assertEqual(r.status_code, 201, r.content)
        self.assertEqual((r.json()["priority"], r.json()["is_life_safety"]), ("p0", True))

    def test_it_takes_photos_as_multipart(self):
        self.auth(self.owner)
        data = {"project": self.project.pk, "unit": self.unit.pk, "description": "墙面开裂", "photos": [jpeg(), jpeg()]}
        r = self.post_multipart("workorders/", data)
        self.assertEqual(r.status_code, 201, r.content)
        order = WorkOrder.objects.get()
        self.assertEqual([p.stage for p in order.photos.all()], [PhotoStage.BEFORE, PhotoStage.BEFORE])

    def test_it_rejects_a_file_that_is_not_a_photo(self):
        self.auth(self.owner)
        bad = SimpleUploadedFile("x.jpg", b"not an image", content_type="image/jpeg")
        data = {"project": self.project.pk, "unit": self.unit.pk, "description": "墙面开裂", "photos": [bad]}
        r = self.post_multipart("workorders/", data)
        self.assertError(r, 400, "invalid", fields={"photos": "photo_not_image"})
        self.assertFalse(WorkOrder.objects.exists())

    def test_it_adds_only_its_input_lookups_to_the_service(self):
        owner = User.objects.get(pk=self.owner.pk)
        data = {"unit": self.unit, "building": self.building, "description": "阳台地漏堵了"}
        data["category"] = category(self.company, "water-blocked")
        services.workorder_create(project=self.project, data=data, actor=owner)  # warms the calendar cache
        owner = User.objects.get(pk=self.owner.pk)  # without its cached access, as the API's request
        with CaptureQueriesContext(connection) as service:
            services.workorder_create(project=self.project, data=data, actor=owner)
        self.auth(self.owner)
        with CaptureQueriesContext(connection) as api:
            r = self.create(unit=self.unit.pk, category="water-blocked")
        self.assertEqual(r.status_code, 201)
        # The token, the project, the unit and the category; the answer reads no row.
        self.assertEqual(len(api.captured_queries) - len(service.captured_queries), 4)
        # Access, the owner's links, the dispatch rule, department and candidate, the candidate's
        # round-robin stamp, one INSERT of the order (already dispatched), one of its events.
        writes = [q["sql"] for q in service.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]
        self.assertEqual(len(writes), 9, "\n".join(writes))


#
# Sub-resources
#
@MEDIA
class WorkOrderEventsApiTests(WorkOrderApiTestCase):
    def test_it_shows_staff_the_whole_timeline(self):
        order = report(self, description="家里燃气泄漏了")
        services.workorder_comment(order=order, text="内部备注：先联系燃气公司", actor=self.admin)
        self.auth(self.admin)
        r = self.get(self.order_url(order, "events"))
        self.assertEqual(r.status_code, 200, r.content)
        kinds = [e["kind"] for e in r.json()]
        self.assertEqual(kinds[0], EventKind.CREATED)
        self.assertIn(EventKind.FLAGGED, kinds)
        self.assertIn(EventKind.COMMENT, kinds)

    def test_it_hides_internal_events_from_the_owner(self):
        order = report(self, description="家里燃气泄漏了")
        services.workorder_comment(order=order, text="内部备注", actor=self.admin, photos=[jpeg()])
        services.workorder_comment(order=order, text="师傅马上到", is_public=True, actor=self.admin)
        self.auth(self.owner)
        events = self.get(self.order_url(order, "events")).json()
        self.assertTrue(all(e["is_public"] for e in events))
        self.assertNotIn(EventKind.FLAGGED, [e["kind"] for e in events])
        self.assertEqual([e["reason"] for e in events if e["kind"] == EventKind.COMMENT], ["师傅马上到"])
        self.assertEqual(self.get(self.order_url(order, "photos")).json(), [])
        self.assertEqual(self.get(self.order_url(order)).json()["photos"], [])

    def test_it_shows_the_owner_who_got_the_order_but_not_the_dispatch_note(self):
        order = report(self)
        services.workorder_dispatch(order=order, assignee=self.staff, note="带上管钳，业主下午在家", actor=self.admin)
        self.auth(self.owner)
        assigned = [e for e in self.get(self.order_url(order, "events")).json() if e["kind"] == EventKind.ASSIGNED]
        self.assertEqual([(e["data"]["assignee_name"], e["reason"]) for e in assigned][-1], ("钱师傅", ""))
        self.auth(self.admin)
        staff_view = [e for e in self.get(self.order_url(order, "events")).json() if e["kind"] == EventKind.ASSIGNED]
        self.assertEqual(staff_view[-1]["reason"], "带上管钳，业主下午在家")

    def test_it_answers_404_for_another_owner(self):
        order = report(self)
        self.auth(self.other_owner)
        for sub in ("events", "photos", "ratings"):
            self.assertError(self.get(self.order_url(order, sub)), 404, "not_found")
        self.auth(self.outsider)
        self.assertError(self.get(self.order_url(order, "events")), 404, "not_found")


@MEDIA
class WorkOrderPhotosApiTests(WorkOrderApiTestCase):
    def test_it_adds_photos_for_staff(self):
        order = self.in_progress()
        self.auth(self.staff)
        r = self.post_multipart(self.order_url(order, "photos"), {"photos": [jpeg(), jpeg()], "stage": "step"})
        self.assertEqual(r.status_code, 201, r.content)
        self.assertEqual([p["stage"] for p in r.json()], ["step", "step"])
        listed = self.get(self.order_url(order, "photos")).json()
        self.assertEqual(len(listed), 2)
        self.assertTrue(listed[0]["thumbnail_url"].startswith("http://testserver/media/"))

    def test_it_adds_photos_for_the_owner(self):
        order = report(self)
        self.auth(self.owner)
        r = self.post_multipart(self.order_url(order, "photos"), {"photos": [jpeg()], "stage": "before"})
        self.assertEqual(r.status_code, 201, r.content)

    def test_it_rejects_a_bad_photo_and_stores_nothing(self):
        order = report(self)
        self.auth(self.owner)
        bad = SimpleUploadedFile("x.png", b"GIF89a....", content_type="image/png")
        r = self.post_multipart(self.order_url(order, "photos"), {"photos": [jpeg(), bad]})
        self.assertError(r, 400, "invalid", fields={"photos": "photo_not_image"})
        self.assertFalse(order.photos.exists())

    def test_it_needs_at_least_one_photo_and_a_known_stage(self):
        order = report(self)
        self.auth(self.owner)
        r = self.post_multipart(self.order_url(order, "photos"), {"stage": "later"})
        self.assertError(r, 400, "invalid", fields={"photos": "required", "stage": "invalid_choice"})

    def test_it_refuses_read_only_members_and_outsiders(self):
        order = report(self)
        self.auth(self.viewer)
        self.assertError(
            self.post_multipart(self.order_url(order, "photos"), {"photos": [jpeg()]}), 403, "permission_denied"
        )
        self.auth(self.outsider)
        self.assertError(self.post_multipart(self.order_url(order, "photos"), {"photos": [jpeg()]}), 404, "not_found")


class WorkOrderRatingsApiTests(WorkOrderApiTestCase):
    def test_it_lists_the_ratings(self):
        order = self.completed()
        services.workorder_rate(order=order, stars=4, tags=["quality"], comment="不错", actor=self.owner)
        self.auth(self.manager)
        r = self.get(self.order_url(order, "ratings"))
        self.assertEqual(r.status_code, 200, r.content)
        self.assertEqual([(x["stars"], x["comment"], x["round"]) for x in r.json()], [(4, "不错", 0)])


#
# Actions
#
ACTIONS = [
    "accept",
    "dispatch",
    "take",
    "start",
    "hold",
    "resume",
    "complete",
    "verify",
    "close",
    "cancel",
    "reject",
    "reopen",
    "rate",
    "comment",
    "follow-up",
]


class WorkOrderActionAccessTests(WorkOrderApiTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.order = report(cls)

    def test_it_requires_authentication_everywhere(self):
        for action in ACTIONS:
            self.assertError(self.post(self.order_url(self.order, action)), 401, "not_authenticated")

    def test_it_answers_404_to_another_company(self):
        self.auth(self.outsider)
        for action in ACTIONS:
            self.assertError(self.post(self.order_url(self.order, action), {"reason": "x"}), 404, "not_found")

    def test_it_answers_404_to_another_owner(self):
        self.auth(self.other_owner)
        for action in ACTIONS:
            self.assertError(self.post(self.order_url(self.order, action), {"reason": "x"}), 404, "not_found")

    def test_it_answers_403_to_read_only_members(self):
        self.auth(self.viewer)
        for action in ACTIONS:
            self.assertError(self.post(self.order_url(self.order, action), {"reason": "x"}), 403, "permission_denied")
        self.assertEqual(self.status_of(self.order), Status.SUBMITTED)

    def test_it_allows_only_post(self):
        self.auth(self.admin)
        self.assertError(self.get(self.order_url(self.order, "accept")), 405, "method_not_allowed")


class AcceptApiTests(WorkOrderApiTestCase):
    def test_it_accepts_and_answers_the_detail(self):
        order = report(self)
        self.auth(self.manager)
        r = self.post(self.order_url(order, "accept"), {"note": "已受理"})
        self.assertEqual(r.status_code, 200, r.content)
        self.assertEqual((r.json()["id"], r.json()["status"]), (order.pk, Status.ACCEPTED))
        self.assertIn("dispatch", r.json()["allowed_actions"])

    def test_it_refuses_an_illegal_transition(self):
        order = self.in_progress()
        self.auth(self.manager)
        r = self.post(self.order_url(order, "accept"))
        self.assertError(r, 400, "invalid", fields={"non_field_errors": "bad_transition"})
        self.assertEqual(self.status_of(order), Status.IN_PROGRESS)

    def test_it_refuses_a_technician(self):
        self.auth(self.staff)
        self.assertError(self.post(self.order_url(report(self), "accept")), 403, "permission_denied")

    def test_it_refuses_the_owner(self):
        self.auth(self.owner)
        self.assertError(self.post(self.order_url(report(self), "accept")), 403, "permission_denied")


class DispatchApiTests(WorkOrderApiTestCase):
    def test_it_dispatches_to_a_person(self):
        order = report(self)
        self.auth(self.manager)
        r = self.post(self.order_url(order, "dispatch"), {"assignee_id": self.staff.pk, "note": "尽快"})
        self.assertEqual(r.status_code, 200, r.content)
        body = r.json()
        self.assertEqual(
            (body["status"], body["assignee"], body["department"]), ("dispatched", self.staff.pk, self.department.pk)
        )

    def test_it_dispatches_to_a_department(self):
        order = report(self)
        self.auth(self.manager)
        r = self.post(self.order_url(order, "dispatch"), {"department_id": self.department.pk})
        self.assertEqual(r.status_code, 200, r.content)
        self.assertEqual((r.json()["department"], r.json()["assignee"]), (self.department.pk, None))

    def test_it_needs_a_person_or_a_department(self):
        self.auth(self.manager)
        r = self.post(self.order_url(report(self), "dispatch"), {"note": "x"})
        self.assertError(r, 400, "invalid", fields={"assignee_id": "required"})

    def test_it_refuses_people_and_departments_of_another_company(self):
        order = report(self)
        self.auth(self.manager)
        r = self.post(
            self.order_url(order, "dispatch"),
            {"assignee_id": self.outsider.pk, "department_id": self.other_department.pk},
        )
        self.assertError(r, 400, "invalid", fields={"assignee_id": "does_not_exist", "department_id": "does_not_exist"})
        self.assertEqual(self.status_of(order), Status.SUBMITTED)

    def test_it_refuses_someone_who_does_not_work_on_orders(self):
        self.auth(self.manager)
        for pk in (self.viewer.pk, self.owner.pk, 999999):
            r = self.post(self.order_url(report(self), "dispatch"), {"assignee_id": pk})
            self.assertError(r, 400, "invalid", fields={"assignee_id": "does_not_exist"})

    def test_it_refuses_a_bad_id(self):
        self.auth(self.manager)
        r = self.post(self.order_url(report(self), "dispatch"), {"assignee_id": "abc"})
        self.assertError(r, 400, "invalid", fields={"assignee_id": "invalid"})

    def test_it_refuses_a_closed_order(self):
        order = self.closed()
        self.auth(self.manager)
        r = self.post(self.order_url(order, "dispatch"), {"assignee_id": self.staff.pk})
        self.assertError(r, 400, "invalid", fields={"non_field_errors": "bad_transition"})


class TakeStartApiTests(WorkOrderApiTestCase):
    def test_the_assignee_takes_then_starts(self):
        order = self.dispatched()
        self.auth(self.staff)
        r = self.post(self.order_url(order, "take"))
        self.assertEqual(r.status_code, 200, r.content)
        self.assertIsNotNone(r.json()["taken_at"])
        r = self.post(self.order_url(order, "start"), {"note": "已到场"})
        self.assertEqual((r.status_code, r.json()["status"]), (200, Status.IN_PROGRESS))

    def test_it_refuses_take_by_someone_else(self):
        order = self.dispatched()
        other = self.supervisor  # a supervisor may act on any order; the owner may not
        self.auth(self.owner)
        self.assertError(self.post(self.order_url(order, "take")), 403, "permission_denied")
        self.auth(other)
        self.assertEqual(self.post(self.order_url(order, "take")).status_code, 200)

    def test_it_refuses_to_take_an_order_no_longer_dispatched(self):
        order = self.in_progress()
        self.auth(self.staff)
        r = self.post(self.order_url(order, "take"))
        self.assertError(r, 400, "invalid", fields={"non_field_errors": "bad_transition"})

    def test_it_refuses_start_on_a_submitted_order(self):
        self.auth(self.manager)
        r = self.post(self.order_url(report(self), "start"))
        self.assertError(r, 400, "invalid", fields={"non_field_errors": "bad_transition"})


class HoldResumeApiTests(WorkOrderApiTestCase):
    def test_it_holds_and_resumes(self):
        order = self.in_progress()
        self.auth(self.staff)
        r = self.post(self.order_url(order, "hold"), {"hold_reason": HoldReason.PARTS})
        self.assertEqual((r.status_code, r.json()["status"], r.json()["hold_reason"]), (200, "on_hold", "parts"))
        r = self.post(self.order_url(order, "resume"))
        self.assertEqual((r.status_code, r.json()["status"]), (200, Status.IN_PROGRESS))

    def test_it_names_a_bad_hold_reason(self):
        self.auth(self.staff)
        r = self.post(self.order_url(self.in_progress(), "hold"), {"hold_reason": "lunch"})
        self.assertError(r, 400, "invalid", fields={"hold_reason": "invalid_choice"})

    def test_it_needs_a_reason_for_other(self):
        self.auth(self.staff)
        r = self.post(self.order_url(self.in_progress(), "hold"), {"hold_reason": HoldReason.OTHER})
        self.assertError(r, 400, "invalid", fields={"reason": "invalid"})

    def test_it_refuses_resume_of_an_order_not_on_hold(self):
        self.auth(self.staff)
        r = self.post(self.order_url(self.in_progress(), "resume"))
        self.assertEqual(r.status_code, 400, r.content)


@MEDIA
class CompleteApiTests(WorkOrderApiTestCase):
    def test_it_completes_with_after_photos(self):
        order = self.in_progress()
        self.auth(self.staff)
        r = self.post_multipart(self.order_url(order, "complete"), {"note": "已更换阀门", "photos": [jpeg()]})
        self.assertEqual(r.status_code, 200, r.content)
        body = r.json()
        self.assertEqual(body["status"], Status.COMPLETED)
        self.assertEqual([p["stage"] for p in body["photos"]], [PhotoStage.AFTER])

    def test_it_completes_with_json(self):
        self.auth(self.staff)
        r = self.post(self.order_url(self.in_progress(), "complete"), {"note": "好了"})
        self.assertEqual((r.status_code, r.json()["status"]), (200, Status.COMPLETED))

    def test_it_rejects_a_bad_photo_and_stays_in_progress(self):
        order = self.in_progress()
        self.auth(self.staff)
        bad = SimpleUploadedFile("x.jpg", b"", content_type="image/jpeg")
        r = self.post_multipart(self.order_url(order, "complete"), {"photos": [bad]})
        self.assertEqual(r.status_code, 400, r.content)
        self.assertIn("photos", r.json()["error"]["fields"])
        self.assertEqual(self.status_of(order), Status.IN_PROGRESS)

    def test_it_refuses_a_repair_not_started_on_site(self):
        order = services.workorder_accept(order=report(self), actor=self.admin)
        self.auth(self.manager)
        r = self.post(self.order_url(order, "complete"))
        self.assertError(r, 400, "invalid", fields={"non_field_errors": "needs_visit"})

    def test_it_refuses_a_technician_who_is_not_the_assignee(self):
        order = report(self)
        self.auth(self.staff)
        self.assertError(self.post(self.order_url(order, "complete")), 403, "permission_denied")


class VerifyCloseApiTests(WorkOrderApiTestCase):
    def test_it_verifies_and_closes(self):
        order = self.completed()
        self.auth(self.manager)
        r = self.post(self.order_url(order, "verify"), {"passed": True})
        self.assertEqual((r.status_code, r.json()["status"]), (200, Status.VERIFIED))
        r = self.post(self.order_url(order, "close"), {"note": "完结"})
        self.assertEqual((r.status_code, r.json()["status"]), (200, Status.CLOSED))
        self.assertTrue(FollowUp.objects.filter(order=order, status=FollowUpStatus.PENDING).exists())

    def test_it_sends_back_for_rework_with_a_reason(self):
        order = self.completed()
        self.auth(self.manager)
        self.assertError(
            self.post(self.order_url(order, "verify"), {"passed": False}), 400, "invalid", fields={"reason": "invalid"}
        )
        r = self.post(self.order_url(order, "verify"), {"passed": False, "reason": "还在漏"})
        self.assertEqual((r.status_code, r.json()["status"]), (200, Status.IN_PROGRESS))

    def test_it_needs_passed(self):
        self.auth(self.manager)
        r = self.post(self.order_url(self.completed(), "verify"), {"passed": "maybe"})
        self.assertError(r, 400, "invalid", fields={"passed": "invalid"})

    def test_it_refuses_the_technician(self):
        self.auth(self.staff)
        self.assertError(
            self.post(self.order_url(self.completed(), "verify"), {"passed": True}), 403, "permission_denied"
        )

    def test_it_refuses_to_close_a_submitted_order(self):
        self.auth(self.manager)
        r = self.post(self.order_url(report(self), "close"))
        self.assertError(r, 400, "invalid", fields={"non_field_errors": "bad_transition"})


class CancelRejectApiTests(WorkOrderApiTestCase):
    def test_the_owner_cancels_his_order(self):
        order = report(self)
        self.auth(self.owner)
        r = self.post(self.order_url(order, "cancel"), {"reason": "自己修好了"})
        self.assertEqual((r.status_code, r.json()["status"]), (200, Status.CANCELLED))

    def test_it_needs_a_reason(self):
        self.auth(self.owner)
        r = self.post(self.order_url(report(self), "cancel"), {"reason": ""})
        self.assertError(r, 400, "invalid", fields={"reason": "blank"})
        r = self.post(self.order_url(report(self), "cancel"))
        self.assertError(r, 400, "invalid", fields={"reason": "required"})

    def test_the_owner_cannot_cancel_once_work_started(self):
        order = self.in_progress()
        self.auth(self.owner)
        self.assertError(self.post(self.order_url(order, "cancel"), {"reason": "不用了"}), 403, "permission_denied")

    def test_it_refuses_cancel_by_a_technician(self):
        self.auth(self.staff)
        r = self.post(self.order_url(report(self), "cancel"), {"reason": "x"})
        self.assertError(r, 403, "permission_denied")

    def test_a_manager_rejects_with_a_reason(self):
        order = report(self)
        self.auth(self.manager)
        r = self.post(self.order_url(order, "reject"), {"reason": "属于开发商保修范围"})
        self.assertEqual((r.status_code, r.json()["status"]), (200, Status.REJECTED))
        r = self.post(self.order_url(order, "reject"), {"reason": "再次"})
        self.assertError(r, 400, "invalid", fields={"non_field_errors": "bad_transition"})

    def test_the_owner_cannot_reject(self):
        self.auth(self.owner)
        self.assertError(self.post(self.order_url(report(self), "reject"), {"reason": "x"}), 403, "permission_denied")


class ReopenApiTests(WorkOrderApiTestCase):
    def test_the_owner_reopens_a_completed_order(self):
        order = self.completed()
        self.auth(self.owner)
        r = self.post(self.order_url(order, "reopen"), {"reason": "又漏了"})
        self.assertEqual(r.status_code, 200, r.content)
        self.assertEqual((r.json()["status"], r.json()["reopen_count"]), (Status.REOPENED, 1))

    def test_it_refuses_after_the_window(self):
        order = self.completed()
        WorkOrder.objects.filter(pk=order.pk).update(completed_at=timezone.now() - dt.timedelta(days=30))
        self.auth(self.owner)
        r = self.post(self.order_url(order, "reopen"), {"reason": "又漏了"})
        self.assertError(r, 400, "invalid", fields={"non_field_errors": "reopen_expired"})

    def test_it_refuses_an_open_order(self):
        self.auth(self.owner)
        r = self.post(self.order_url(report(self), "reopen"), {"reason": "x"})
        self.assertError(r, 400, "invalid", fields={"non_field_errors": "bad_transition"})

    def test_it_refuses_a_technician(self):
        self.auth(self.staff)
        r = self.post(self.order_url(self.completed(), "reopen"), {"reason": "x"})
        self.assertError(r, 403, "permission_denied")


class RateApiTests(WorkOrderApiTestCase):
    def test_the_owner_rates_once(self):
        order = self.completed()
        self.auth(self.owner)
        data = {"stars": 5, "tags": ["speed", "attitude"], "comment": "师傅很专业", "is_public": True}
        r = self.post(self.order_url(order, "rate"), data)
        self.assertEqual(r.status_code, 200, r.content)
        self.assertEqual([x["stars"] for x in r.json()["ratings"]], [5])
        self.assertTrue(r.json()["is_public"])
        self.assertNotIn("rate", r.json()["allowed_actions"])
        r = self.post(self.order_url(order, "rate"), data)
        self.assertError(r, 400, "invalid", fields={"non_field_errors": "already_rated"})

    def test_it_names_bad_stars_and_tags(self):
        self.auth(self.owner)
        r = self.post(self.order_url(self.completed(), "rate"), {"stars": 6, "tags": ["speed", "price"]})
        fields = self.assertError(r, 400, "invalid")["fields"]
        self.assertEqual([e["code"] for e in fields["stars"]], ["max_value"])
        self.assertEqual([e["code"] for e in fields["tags"]["1"]], ["invalid_choice"])

    def test_it_refuses_before_completion(self):
        self.auth(self.owner)
        r = self.post(self.order_url(report(self), "rate"), {"stars": 3})
        self.assertError(r, 400, "invalid", fields={"non_field_errors": "not_done"})

    def test_it_refuses_staff(self):
        self.auth(self.manager)
        self.assertError(self.post(self.order_url(self.completed(), "rate"), {"stars": 5}), 403, "permission_denied")


@MEDIA
class CommentApiTests(WorkOrderApiTestCase):
    def test_staff_notes_are_internal_unless_public(self):
        order = self.dispatched()
        self.auth(self.staff)
        self.assertEqual(self.post(self.order_url(order, "comment"), {"text": "需要买配件"}).status_code, 200)
        self.assertEqual(
            self.post(self.order_url(order, "comment"), {"text": "明早上门", "is_public": True}).status_code, 200
        )
        self.auth(self.owner)
        notes = [e["reason"] for e in self.get(self.order_url(order, "events")).json() if e["kind"] == "comment"]
        self.assertEqual(notes, ["明早上门"])

    def test_the_owners_note_is_public_with_photos(self):
        order = report(self)
        self.auth(self.owner)
        r = self.post_multipart(self.order_url(order, "comment"), {"text": "补充照片", "photos": [jpeg()]})
        self.assertEqual(r.status_code, 200, r.content)
        self.assertEqual([p["stage"] for p in r.json()["photos"]], [PhotoStage.STEP])
        self.auth(self.admin)
        (event,) = [e for e in self.get(self.order_url(order, "events")).json() if e["kind"] == "comment"]
        self.assertTrue(event["is_public"])
        self.assertEqual(len(event["photos"]), 1)

    def test_it_needs_text_or_a_photo(self):
        self.auth(self.owner)
        r = self.post(self.order_url(report(self), "comment"), {"text": "  "})
        self.assertError(r, 400, "invalid", fields={"text": "invalid"})


class FollowUpApiTests(WorkOrderApiTestCase):
    def test_staff_record_the_follow_up(self):
        order = self.closed()
        self.auth(self.manager)
        data = {"method": "phone", "resolved": "yes", "satisfaction": 5, "comment": "业主满意"}
        r = self.post(self.order_url(order, "follow-up"), data)
        self.assertEqual(r.status_code, 200, r.content)
        (follow_up,) = r.json()["follow_ups"]
        self.assertEqual((follow_up["status"], follow_up["satisfaction"]), (FollowUpStatus.DONE, 5))
        self.assertNotIn("follow_up", r.json()["allowed_actions"])
        r = self.post(self.order_url(order, "follow-up"), data)
        self.assertError(r, 400, "invalid", fields={"non_field_errors": "no_follow_up"})

    def test_the_owner_answers_and_not_resolved_reopens(self):
        order = self.closed()
        self.auth(self.owner)
        r = self.post(self.order_url(order, "follow-up"), {"resolved": "no", "satisfaction": 2, "comment": "还漏"})
        self.assertEqual(r.status_code, 200, r.content)
        self.assertEqual(r.json()["status"], Status.REOPENED)
        self.assertEqual(r.json()["follow_ups"][0]["method"], "app")

    def test_it_names_missing_results(self):
        self.auth(self.manager)
        r = self.post(self.order_url(self.closed(), "follow-up"), {"method": "phone"})
        self.assertError(r, 400, "invalid", fields={"resolved": "invalid"})
        r = self.post(self.order_url(self.closed(), "follow-up"), {"satisfaction": 9, "method": "fax"})
        self.assertError(r, 400, "invalid", fields={"satisfaction": "invalid_choice", "method": "invalid_choice"})

    def test_staff_may_record_an_unreachable_owner(self):
        self.auth(self.manager)
        r = self.post(self.order_url(self.closed(), "follow-up"), {"status": "unreachable"})
        self.assertEqual((r.status_code, r.json()["follow_ups"][0]["status"]), (200, FollowUpStatus.UNREACHABLE))

    def test_it_refuses_a_technician(self):
        self.auth(self.staff)
        r = self.post(self.order_url(self.closed(), "follow-up"), {"resolved": "yes", "satisfaction": 5})
        self.assertError(r, 403, "permission_denied")


class ConflictErrorTests(WorkOrderApiTestCase):
    def test_a_service_conflict_is_a_409(self):
        response = exception_handler(Conflict("Changed meanwhile.", code="conflict"), {"view": None})
        self.assertEqual(response.status_code, 409)
        self.assertEqual(
            response.data,
            {"error": {"status": 409, "code": "conflict", "message": "Changed meanwhile.", "fields": {}}},
        )


#
# Configuration
#
class CategoryApiTests(WorkOrderApiTestCase):
    def codes(self, response) -> set[str]:
        self.assertEqual(response.status_code, 200, response.content)
        return {row["code"] for row in response.json()["results"]}

    def test_it_lists_the_companys_categories(self):
        self.auth(self.admin)
        r = self.get("workorder-categories/", {"page_size": 500})
        rows = r.json()["results"]
        self.assertIn("water-leak", self.codes(r))
        self.assertEqual({row["company"] for row in rows}, {self.company.pk})
        leak = next(row for row in rows if row["code"] == "water-leak")
        self.assertEqual((leak["kind"], leak["priority_hint"]), ("repair", "p1"))
        self.assertEqual(leak["parent"], category(self.company, "water").pk)

    def test_it_filters_by_kind(self):
        self.auth(self.owner)
        r = self.get("workorder-categories/", {"kind": "complaint", "page_size": 500})
        self.assertEqual({row["kind"] for row in r.json()["results"]}, {"complaint"})

    def test_it_hides_other_companies_categories(self):
        self.auth(self.outsider)
        r = self.get("workorder-categories/", {"page_size": 500})
        self.assertEqual({row["company"] for row in r.json()["results"]}, {self.other_company.pk})

    def test_it_requires_authentication(self):
        self.assertError(self.get("workorder-categories/"), 401, "not_authenticated")


class SlaPolicyApiTests(WorkOrderApiTestCase):
    def test_it_lists_policies_for_staff(self):
        self.auth(self.manager)
        r = self.get("sla-policies/", {"kind": "repair", "priority": "p0"})
        self.assertEqual(r.status_code, 200, r.content)
        rows = r.json()["results"]
        self.assertTrue(rows)
        self.assertEqual({(x["company"], x["kind"], x["priority"]) for x in rows}, {(self.company.pk, "repair", "p0")})

    def test_it_hides_other_companies_policies(self):
        self.auth(self.outsider)
        companies = {x["company"] for x in self.get("sla-policies/", {"page_size": 500}).json()["results"]}
        self.assertEqual(companies, {self.other_company.pk})

    def test_it_refuses_owners_and_anonymous(self):
        self.assertError(self.get("sla-policies/"), 401, "not_authenticated")
        self.auth(self.owner)
        self.assertError(self.get("sla-policies/"), 403, "permission_denied")


#
# Schema
#
class WorkOrderSchemaTests(WorkOrderApiTestCase):
    def test_it_documents_every_endpoint_with_bodies(self):
        schema = json.loads(self.client.get("/api/schema/", {"format": "json"}).content)
        paths = schema["paths"]
        self.assertEqual(set(paths["/api/v1/workorders/"]), {"get", "post"})
        self.assertEqual(set(paths["/api/v1/workorders/{id}/"]), {"get"})
        self.assertIn("requestBody", paths["/api/v1/workorders/"]["post"])
        for action in ACTIONS:
            operation = paths[f"/api/v1/workorders/{{id}}/{action}/"]["post"]
            self.assertIn("200", operation["responses"], action)
            if action != "take":
                self.assertIn("requestBody", operation, action)
        for sub in ("events", "photos", "ratings"):
            self.assertIn("get", paths[f"/api/v1/workorders/{{id}}/{sub}/"])
        self.assertIn("multipart/form-data", paths["/api/v1/workorders/{id}/photos/"]["post"]["requestBody"]["content"])
        for path in ("/api/v1/workorder-categories/", "/api/v1/sla-policies/"):
            self.assertIn(path, paths)
        filters = {p["name"] for p in paths["/api/v1/workorders/"]["get"]["parameters"]}
        self.assertTrue({"status", "overdue", "flagged", "sla_state", "cursor", "page_size"} <= filters)
        detail = schema["components"]["schemas"]["WorkOrderDetail"]["properties"]
        self.assertTrue({"allowed_actions", "photos", "ratings", "follow_ups", "resolve_due_at"} <= set(detail))
