"""The plans REST API: plans, checkpoints, tasks and their actions, the figures, and who may do what.

State comes from plans.tests.base: a daily patrol (08:00–10:00 and 22:00–06:00) over three
checkpoints of ``project`` from 1 Dec 2026 for the security department (``guard``, ``guard2``).
Actions run at a frozen moment inside the morning window.
"""

import datetime as dt
from io import BytesIO

import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from PIL import Image

from core.tests.test_api import ApiTestCase
from plans import services
from plans.choices import CheckInMethod, PhotoRule, TaskStatus
from plans.models import CheckIn, Checkpoint, Plan, Task
from plans.tests.base import DAY1, PlanTestCase, at
from standards.models import StandardItem
from workorders.models import WorkOrder

MORNING = at(2026, 12, 1, 8, 30)


def jpeg(name: str = "photo.jpg") -> SimpleUploadedFile:
    buf = BytesIO()
    Image.new("RGB", (64, 48), "navy").save(buf, "JPEG")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/jpeg")


class PlanApiTestCase(PlanTestCase, ApiTestCase):
    def travel(self, when: dt.datetime = MORNING) -> None:
        traveller = time_machine.travel(when, tick=False)
        traveller.start()
        self.addCleanup(traveller.stop)

    def plan_data(self, **overrides) -> dict:
        data = {
            "project": self.project.pk,
            "kind": "cleaning",
            "name": "大堂保洁",
            "rrule": "FREQ=WEEKLY;BYDAY=MO,TH",
            "starts_on": "2026-12-01",
            "department": self.cleaning.pk,
            "windows": [{"start": "07:00", "end": "08:00"}, {"start": "23:30", "end": "00:30"}],
            "assignees": [self.cleaner.pk],
            "checkpoints": [self.garage.pk, self.gate.pk],
        }
        data.update(overrides)
        return data


#
# Plans
#
class PlanApiTests(PlanApiTestCase):
    def test_it_requires_authentication(self):
        self.assertError(self.get("plans/"), 401, "not_authenticated")

    def test_it_lists_plans_with_their_lists(self):
        self.auth(self.viewer)
        (row,) = self.get("plans/").json()["results"]
        self.assertEqual(row["id"], self.patrol.pk)
        self.assertEqual(row["rrule"], "FREQ=DAILY")
        self.assertEqual(row["windows"], [{"start": "08:00", "end": "10:00"}, {"start": "22:00", "end": "06:00"}])
        self.assertEqual(row["checkpoints"], [self.gate.pk, self.garage.pk, self.roof.pk])
        self.assertEqual(row["department"], self.security.pk)
        self.assertEqual(row["assignees"], [])

    def test_it_hides_plans_from_other_companies_staff_and_owners(self):
        self.auth(self.outsider)
        self.assertEqual(self.ids(self.get("plans/")), set())
        self.assertError(self.get(f"plans/{self.patrol.pk}/"), 404, "not_found")
        self.assertError(self.patch(f"plans/{self.patrol.pk}/", {"name": "x"}), 404, "not_found")
        for user in (self.guard, self.owner):
            self.auth(user)
            self.assertError(self.get("plans/"), 403, "permission_denied")
            self.assertError(self.get(f"plans/{self.patrol.pk}/"), 403, "permission_denied")

    def test_it_filters_plans(self):
        services.plan_create(project=self.project2, data={"kind": "cleaning", "name": "大厦保洁"}, actor=self.admin)
        self.auth(self.admin)
        self.assertEqual(self.ids(self.get("plans/", {"kind": "patrol"})), {self.patrol.pk})
        self.assertEqual(len(self.ids(self.get("plans/", {"project_id": self.project2.pk}))), 1)
        self.assertEqual(self.ids(self.get("plans/", {"is_active": "false"})), set())

    def test_it_creates_a_plan(self):
        self.auth(self.manager)
        response = self.post("plans/", self.plan_data())
        self.assertEqual(response.status_code, 201, response.content)
        body = response.json()
        plan = Plan.objects.get(pk=body["id"])
        self.assertEqual(response["Location"], f"http://testserver/api/v1/plans/{plan.pk}/")
        self.assertEqual(plan.rrule, "FREQ=WEEKLY;BYDAY=MO,TH")
        self.assertEqual(body["windows"], [{"start": "07:00", "end": "08:00"}, {"start": "23:30", "end": "00:30"}])
        self.assertEqual(body["checkpoints"], [self.garage.pk, self.gate.pk])
        self.assertEqual(body["assignees"], [self.cleaner.pk])
        self.assertEqual(body["rrule_text"], str(body["rrule_text"]))
        self.assertEqual(plan.created_by, self.manager)

    def test_it_names_a_bad_rrule_on_its_field(self):
        self.auth(self.admin)
        self.assertError(
            self.post("plans/", self.plan_data(rrule="FREQ=HOURLY")), 400, "invalid", {"rrule": "rrule_freq"}
        )
        r = self.post("plans/", self.plan_data(rrule="FREQ=DAILY;BYHOUR=8"))
        self.assertError(r, 400, "invalid", {"rrule": "rrule_part"})
        r = self.post("plans/", self.plan_data(rrule="FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30"))
        self.assertError(r, 400, "invalid", {"rrule": "rrule_no_dates"})
        self.assertFalse(Plan.objects.filter(name="大堂保洁").exists())

    def test_it_names_window_errors(self):
        self.auth(self.admin)
        overlap = [{"start": "07:00", "end": "09:00"}, {"start": "08:00", "end": "10:00"}]
        self.assertError(self.post("plans/", self.plan_data(windows=overlap)), 400, "invalid", {"windows": "invalid"})
        self.assertError(self.post("plans/", self.plan_data(windows=[])), 400, "invalid", {"windows": "invalid"})
        bad = [{"start": "25:00", "end": "08:00"}]
        error = self.assertError(self.post("plans/", self.plan_data(windows=bad)), 400, "invalid")
        self.assertIn("windows", error["fields"])

    def test_it_refuses_ids_of_other_projects_and_companies(self):
        other_cp = services.checkpoint_create(project=self.project2, data={"name": "大厦天台"}, actor=self.admin)
        self.auth(self.admin)
        cases = {
            "project": self.other_project.pk,
            "department": self.other_department.pk,
            "assignees": [self.outsider.pk],
            "checkpoints": [other_cp.pk],
            "standards": [999999],
        }
        for field, value in cases.items():
            r = self.post("plans/", self.plan_data(**{field: value}))
            self.assertError(r, 400, "invalid", {field: "does_not_exist"})

    def test_it_refuses_writes_to_readers_and_other_projects(self):
        self.auth(self.viewer)
        self.assertError(self.post("plans/", self.plan_data()), 403, "permission_denied")
        self.assertError(self.patch(f"plans/{self.patrol.pk}/", {"name": "x"}), 403, "permission_denied")
        self.auth(self.manager)
        r = self.post("plans/", self.plan_data(project=self.project2.pk))
        self.assertError(r, 400, "invalid", {"project": "does_not_exist"})

    def test_it_updates_a_plan_and_its_route(self):
        revision = StandardItem.objects.filter(company=self.company, is_active=True).first().current_revision
        self.auth(self.supervisor)
        r = self.patch(
            f"plans/{self.patrol.pk}/",
            {"rrule": "FREQ=DAILY;INTERVAL=2", "checkpoints": [self.roof.pk, self.gate.pk], "standards": [revision.pk]},
        )
        self.assertEqual(r.status_code, 200, r.content)
        body = r.json()
        self.assertEqual(body["rrule"], "FREQ=DAILY;INTERVAL=2")
        self.assertEqual(body["checkpoints"], [self.roof.pk, self.gate.pk])
        self.assertEqual(body["standards"], [revision.pk])
        self.assertGreater(body["version"], self.patrol.version)
        self.assertEqual(body["windows"][0], {"start": "08:00", "end": "10:00"})
        r = self.patch(f"plans/{self.patrol.pk}/", {"project": self.project2.pk, "name": "新名字"})
        self.assertEqual(r.json()["project"], self.project.pk)  # a plan stays in its project

    def test_it_switches_a_plan_off_and_on(self):
        self.auth(self.admin)
        self.assertFalse(self.post(f"plans/{self.patrol.pk}/deactivate/").json()["is_active"])
        self.assertError(self.post(f"plans/{self.patrol.pk}/deactivate/"), 400, "invalid")
        self.assertTrue(self.post(f"plans/{self.patrol.pk}/activate/").json()["is_active"])

    def test_it_lists_plans_in_a_constant_number_of_queries(self):
        self.auth(self.admin)
        with CaptureQueriesContext(connection) as few:
            self.get("plans/")
        for n in range(4):
            services.plan_create(
                project=self.project,
                data={"kind": "cleaning", "name": f"保洁{n}", "department": self.cleaning},
                assignees=[self.cleaner],
                checkpoints=[self.gate],
                actor=self.admin,
            )
        with self.assertNumQueries(len(few)):
            self.assertEqual(len(self.get("plans/").json()["results"]), 5)


#
# Checkpoints
#
class CheckpointApiTests(PlanApiTestCase):
    def test_it_lists_checkpoints_and_shows_codes_to_managers_only(self):
        self.auth(self.manager)
        rows = self.get("checkpoints/").json()["results"]
        self.assertEqual({r["id"] for r in rows}, {self.gate.pk, self.garage.pk, self.roof.pk})
        self.assertEqual({r["code"] for r in rows}, {self.gate.code, self.garage.code, self.roof.code})
        self.auth(self.viewer)
        self.assertEqual({r["code"] for r in self.get("checkpoints/").json()["results"]}, {None})

    def test_it_creates_and_changes_a_checkpoint(self):
        self.auth(self.manager)
        r = self.post("checkpoints/", {"project": self.project.pk, "name": "2栋大堂", "building": self.building.pk})
        self.assertEqual(r.status_code, 201, r.content)
        cp = Checkpoint.objects.get(pk=r.json()["id"])
        self.assertEqual(cp.building, self.building)
        r = self.patch(f"checkpoints/{cp.pk}/", {"radius_m": 80, "latitude": "31.2", "longitude": "121.4"})
        self.assertEqual(r.json()["radius_m"], 80)
        old = cp.code
        self.assertNotEqual(self.post(f"checkpoints/{cp.pk}/new-code/").json()["code"], old)

    def test_it_names_bad_input(self):
        self.auth(self.manager)
        r = self.post("checkpoints/", {"project": self.project.pk, "name": "东门岗"})
        self.assertError(r, 400, "invalid", {"name": "unique"})
        r = self.post("checkpoints/", {"project": self.project.pk, "name": "x", "building": self.other_building.pk})
        self.assertError(r, 400, "invalid", {"building": "does_not_exist"})
        r = self.post("checkpoints/", {"project": self.project.pk, "name": "y", "latitude": "31.2"})
        self.assertError(r, 400, "invalid", {"longitude": "invalid"})

    def test_it_lists_checkpoints_in_a_constant_number_of_queries(self):
        self.auth(self.manager)
        with CaptureQueriesContext(connection) as few:
            self.get("checkpoints/")
        for n in range(4):
            services.checkpoint_create(
                project=self.project,
                data={"name": f"{n}号楼", "building": self.building, "area": self.area},
                actor=self.admin,
            )
        with self.assertNumQueries(len(few)):
            self.assertEqual(len(self.get("checkpoints/").json()["results"]), 7)

    def test_it_refuses_other_companies_and_readers(self):
        self.auth(self.outsider)
        self.assertError(self.get(f"checkpoints/{self.gate.pk}/"), 404, "not_found")
        self.assertError(self.post(f"checkpoints/{self.gate.pk}/new-code/"), 404, "not_found")
        self.auth(self.viewer)
        self.assertError(self.patch(f"checkpoints/{self.gate.pk}/", {"name": "x"}), 403, "permission_denied")
        self.auth(self.guard)
        self.assertError(self.get("checkpoints/"), 403, "permission_denied")


#
# Tasks
#
class TaskListApiTests(PlanApiTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.generated = services.tasks_generate(until=DAY1, now=at(2026, 12, 1, 0, 0), plans=[cls.patrol])
        cls.mine = services.plan_create(
            project=cls.project,
            data={"kind": "cleaning", "name": "王保洁的大堂", "starts_on": DAY1, "department": cls.cleaning},
            assignees=[cls.cleaner],
            windows=[(dt.time(7), dt.time(8))],
            actor=cls.admin,
        )
        services.tasks_generate(until=DAY1, now=at(2026, 12, 1, 0, 0), plans=[cls.mine])

    def test_it_lists_the_projects_tasks_to_managers(self):
        self.auth(self.manager)
        self.assertEqual(self.ids(self.get("tasks/")), set(Task.objects.values_list("pk", flat=True)))

    def test_it_shows_staff_their_own_tasks_and_their_departments_pool(self):
        self.auth(self.cleaner)
        self.assertEqual(
            self.ids(self.get("tasks/")), set(Task.objects.filter(plan=self.mine).values_list("pk", flat=True))
        )
        self.auth(self.guard)
        self.assertEqual(
            self.ids(self.get("tasks/")), set(Task.objects.filter(plan=self.patrol).values_list("pk", flat=True))
        )
        self.auth(self.staff)  # engineering: neither
        self.assertEqual(self.ids(self.get("tasks/")), set())
        theirs = Task.objects.filter(plan=self.mine).first()
        self.assertError(self.get(f"tasks/{theirs.pk}/"), 404, "not_found")

    def test_it_refuses_owners_and_hides_other_companies(self):
        self.auth(self.owner)
        self.assertError(self.get("tasks/"), 403, "permission_denied")
        task = Task.objects.first()
        self.assertError(self.get(f"tasks/{task.pk}/"), 403, "permission_denied")
        self.assertError(self.post(f"tasks/{task.pk}/start/"), 403, "permission_denied")
        self.auth(self.outsider)
        self.assertEqual(self.ids(self.get("tasks/")), set())
        self.assertError(self.get(f"tasks/{task.pk}/"), 404, "not_found")
        self.assertError(self.post(f"tasks/{task.pk}/checkins/", {"code": self.gate.code}), 404, "not_found")

    def test_it_filters_with_the_task_filterset(self):
        self.auth(self.admin)
        self.assertEqual(len(self.ids(self.get("tasks/", {"plan_id": self.patrol.pk}))), 2)
        self.assertEqual(len(self.ids(self.get("tasks/", {"assignee_id": self.cleaner.pk}))), 1)
        self.assertEqual(len(self.ids(self.get("tasks/", {"kind": "cleaning"}))), 1)
        self.assertEqual(len(self.ids(self.get("tasks/", {"date_from": "2026-12-02"}))), 0)
        self.assertEqual(len(self.ids(self.get("tasks/", {"status": "missed"}))), 0)
        r = self.get("tasks/", {"project_id": self.other_project.pk})
        self.assertError(r, 400, "invalid", {"project_id": "invalid_choice"})

    def test_it_pages_by_cursor(self):
        self.auth(self.admin)
        first = self.get("tasks/", {"page_size": 2}).json()
        self.assertNotIn("count", first)
        self.assertEqual(len(first["results"]), 2)
        second = self.client.get(first["next"]).json()
        self.assertEqual(len(second["results"]), 1)

    def count_queries(self, user) -> int:
        self.auth(user)
        with CaptureQueriesContext(connection) as ctx:
            self.assertEqual(self.get("tasks/").status_code, 200)
        return len(ctx.captured_queries)

    def test_it_lists_tasks_in_a_constant_number_of_queries(self):
        before = {user: self.count_queries(user) for user in (self.admin, self.guard)}
        services.tasks_generate(until=DAY1 + dt.timedelta(days=3), now=at(2026, 12, 1, 0, 0), plans=[self.patrol])
        services.task_assign(task=Task.objects.filter(plan=self.patrol).last(), assignee=self.guard2, actor=self.admin)
        for user, n in before.items():
            self.assertEqual(self.count_queries(user), n, user)
        # token, access (memberships, residents), the staff member's departments, the page
        self.assertEqual(before[self.guard], 5)


class TaskDetailApiTests(PlanApiTestCase):
    def test_it_shows_route_events_and_allowed_actions(self):
        task = self.task()
        self.travel()
        self.auth(self.guard)
        body = self.get(f"tasks/{task.pk}/").json()
        self.assertEqual(body["allowed_actions"], ["start", "checkin", "report_problem", "finish"])
        self.assertEqual([s["checkpoint"]["id"] for s in body["route"]], [self.gate.pk, self.garage.pk, self.roof.pk])
        self.assertIsNone(body["route"][0]["checkin"])
        self.auth(self.manager)
        self.assertEqual(self.get(f"tasks/{task.pk}/").json()["allowed_actions"][-2:], ["assign", "cancel"])
        self.auth(self.viewer)
        self.assertEqual(self.get(f"tasks/{task.pk}/").json()["allowed_actions"], [])


class TaskActionApiTests(PlanApiTestCase):
    def setUp(self):
        super().setUp()
        self.travel()
        self.t = self.task()

    def url(self, action: str) -> str:
        return f"tasks/{self.t.pk}/{action}/"

    def refresh(self) -> Task:
        return Task.objects.get(pk=self.t.pk)

    def test_it_starts_a_task_and_takes_it(self):
        self.auth(self.guard)
        body = self.post(self.url("start"), {"note": "出发"}).json()
        self.assertEqual(body["status"], TaskStatus.IN_PROGRESS)
        self.assertEqual(body["assignee"], self.guard.pk)
        self.assertEqual(body["events"][-1]["to_status"], TaskStatus.IN_PROGRESS)
        self.assertError(self.post(self.url("start")), 400, "invalid")

    def test_it_checks_in_by_qr_code(self):
        self.auth(self.guard)
        r = self.post(self.url("checkins"), {"code": self.garage.code, "note": "正常"})
        self.assertEqual(r.status_code, 201, r.content)
        body = r.json()
        self.assertEqual((body["checkpoint"], body["method"], body["is_late"]), (self.garage.pk, "qr", False))
        self.assertEqual(body["user"], self.guard.pk)
        task = self.refresh()
        self.assertEqual((task.status, task.on_time_checkins), (TaskStatus.IN_PROGRESS, 1))

    def test_it_checks_in_by_position_with_a_photo(self):
        self.auth(self.guard)
        data = {"checkpoint_id": self.gate.pk, "method": "gps", "latitude": 31.23001, "longitude": 121.47001}
        r = self.client.post(f"/api/v1/{self.url('checkins')}", {**data, "photo": jpeg()})
        self.assertEqual(r.status_code, 201, r.content)
        body = r.json()
        self.assertEqual(body["method"], CheckInMethod.GPS)
        self.assertLess(body["distance_m"], 5)
        self.assertTrue(body["photo_url"].startswith("http://testserver/"))
        self.assertTrue(CheckIn.objects.get(pk=body["id"]).thumbnail)

    def test_it_names_check_in_errors_on_their_fields(self):
        self.auth(self.guard)
        self.assertError(self.post(self.url("checkins"), {"code": "nope"}), 400, "invalid", {"code": "invalid"})
        self.assertError(self.post(self.url("checkins"), {"method": "qr"}), 400, "invalid", {"code": "invalid"})
        self.assertError(
            self.post(self.url("checkins"), {"method": "teleport"}), 400, "invalid", {"method": "invalid_choice"}
        )
        far = {"checkpoint_id": self.gate.pk, "method": "gps", "latitude": 31.3, "longitude": 121.47}
        self.assertError(self.post(self.url("checkins"), far), 400, "invalid", {"latitude": "too_far"})
        self.assertError(
            self.post(self.url("checkins"), {"checkpoint_id": 999999}),
            400,
            "invalid",
            {"checkpoint_id": "does_not_exist"},
        )
        off = services.checkpoint_create(project=self.project, data={"name": "泳池"}, actor=self.admin)
        r = self.post(self.url("checkins"), {"code": off.code})
        self.assertError(r, 400, "invalid", {"checkpoint_id": "invalid"})
        r = self.post(self.url("checkins"), {"checkpoint_id": self.garage.pk, "method": "gps"})
        self.assertError(r, 400, "invalid", {"latitude": "invalid"})
        self.assertEqual(self.post(self.url("checkins"), {"code": self.gate.code}).status_code, 201)
        self.assertError(
            self.post(self.url("checkins"), {"code": self.gate.code}), 400, "invalid", {"non_field_errors": "duplicate"}
        )
        r = self.post(self.url("checkins"), {"code": self.roof.code, "latitude": 91})
        self.assertError(r, 400, "invalid", {"latitude": "max_value"})

    def test_it_refuses_check_ins_of_others_and_manual_ones_by_staff(self):
        self.auth(self.staff)  # another department: not his task
        self.assertError(self.post(self.url("checkins"), {"code": self.gate.code}), 404, "not_found")
        services.task_start(task=self.t, actor=self.guard)
        self.auth(self.guard2)  # same department, but the task is now guard's
        self.assertError(self.post(self.url("checkins"), {"code": self.gate.code}), 404, "not_found")
        self.auth(self.guard)
        r = self.post(self.url("checkins"), {"checkpoint_id": self.gate.pk, "method": "manual", "note": "扫码器坏了"})
        self.assertError(r, 403, "permission_denied")
        self.auth(self.viewer)
        self.assertError(self.post(self.url("checkins"), {"code": self.gate.code}), 403, "permission_denied")
        self.assertFalse(CheckIn.objects.exists())

    def test_it_lets_a_supervisor_enter_a_check_in_with_a_note(self):
        self.auth(self.supervisor)
        r = self.post(self.url("checkins"), {"checkpoint_id": self.gate.pk, "method": "manual"})
        self.assertError(r, 400, "invalid", {"note": "invalid"})
        r = self.post(self.url("checkins"), {"checkpoint_id": self.gate.pk, "method": "manual", "note": "二维码被撕"})
        self.assertEqual(r.status_code, 201, r.content)

    def test_it_marks_a_check_in_after_the_window_late(self):
        services.task_start(task=self.t, actor=self.guard)
        self.travel(at(2026, 12, 1, 10, 20))
        self.auth(self.guard)
        body = self.post(self.url("checkins"), {"code": self.gate.code}).json()
        self.assertTrue(body["is_late"])
        self.assertEqual(self.refresh().late_checkins, 1)

    def test_it_checks_in_with_a_handful_of_queries(self):
        self.auth(self.guard)
        self.post(self.url("checkins"), {"code": self.gate.code})  # starts the task
        with CaptureQueriesContext(connection) as ctx:
            r = self.post(self.url("checkins"), {"code": self.garage.code})
        self.assertEqual(r.status_code, 201, r.content)
        queries = [q["sql"] for q in ctx.captured_queries]
        self.assertEqual(len(queries), CHECKIN_QUERIES, "\n".join(queries))

    def test_it_reports_a_problem(self):
        self.auth(self.guard)
        data = {"description": "车库B区灯管不亮", "checkpoint_id": self.garage.pk, "photo": jpeg()}
        r = self.client.post(f"/api/v1/{self.url('problems')}", data)
        self.assertEqual(r.status_code, 201, r.content)
        order = WorkOrder.objects.get(pk=r.json()["id"])
        self.assertEqual((order.area, order.project), (self.area, self.project))
        self.assertEqual(r.json()["code"], order.code)
        self.assertError(self.post(self.url("problems"), {"description": ""}), 400, "invalid", {"description": "blank"})
        r = self.post(self.url("problems"), {"description": "x", "kind": "complaint"})
        self.assertError(r, 400, "invalid", {"kind": "invalid_choice"})

    def test_it_finishes_a_task_with_a_note_for_missing_checkpoints(self):
        self.auth(self.guard)
        self.post(self.url("checkins"), {"code": self.gate.code})
        error = self.assertError(self.post(self.url("finish")), 400, "invalid", {"note": "invalid"})
        self.assertIn("2", error["fields"]["note"][0]["message"])
        body = self.post(self.url("finish"), {"note": "车库施工封闭"}).json()
        self.assertEqual(body["status"], TaskStatus.COMPLETED)
        self.assertEqual(body["allowed_actions"], ["report_problem"])

    def test_it_asks_for_the_finishing_photo(self):
        services.plan_update(plan=self.patrol, data={"photo_rule": PhotoRule.AT_FINISH}, actor=self.admin)
        services.plan_route_set(plan=self.patrol, checkpoints=[], actor=self.admin)
        plan = Plan.objects.get(pk=self.patrol.pk)
        self.t = self.task(plan, date=dt.date(2026, 12, 2))
        self.travel(at(2026, 12, 2, 8, 30))
        self.auth(self.guard)
        self.assertError(self.post(self.url("finish")), 400, "invalid", {"photo": "invalid"})
        r = self.client.post(f"/api/v1/{self.url('finish')}", {"photo": jpeg()})
        self.assertEqual(r.json()["status"], TaskStatus.COMPLETED)
        self.assertTrue(r.json()["photo_url"])

    def test_it_cancels_and_assigns_for_managers_only(self):
        self.auth(self.guard)
        self.assertError(self.post(self.url("cancel"), {"reason": "不想去"}), 403, "permission_denied")
        self.assertError(self.post(self.url("assign"), {"assignee_id": self.guard2.pk}), 403, "permission_denied")
        self.auth(self.manager)
        r = self.post(self.url("assign"), {"assignee_id": self.outsider.pk})
        self.assertError(r, 400, "invalid", {"assignee_id": "does_not_exist"})
        self.assertEqual(
            self.post(self.url("assign"), {"assignee_id": self.guard2.pk}).json()["assignee"], self.guard2.pk
        )
        self.assertEqual(self.post(self.url("assign"), {"assignee_id": None}).json()["assignee"], None)
        self.assertError(self.post(self.url("cancel"), {"reason": ""}), 400, "invalid", {"reason": "blank"})
        self.assertEqual(self.post(self.url("cancel"), {"reason": "台风"}).json()["status"], TaskStatus.CANCELLED)
        self.assertError(self.post(self.url("cancel"), {"reason": "again"}), 400, "invalid")


# The API: token, access (memberships, residents), the staff member's departments, the task.
# The service, in a transaction (savepoint and release here): the task locked, its check-ins and
# route rows, the checkpoint by its code, the check-in (in a savepoint), the counter. All by index.
CHECKIN_QUERIES = 15


#
# Figures
#
class FiguresApiTests(PlanApiTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        services.tasks_generate(until=DAY1, now=at(2026, 12, 1, 0, 0), plans=[cls.patrol])
        task = Task.objects.get(plan=cls.patrol, date=DAY1, window_index=0)
        for i, cp in enumerate((cls.gate, cls.garage)):
            services.task_checkin(task=task, actor=cls.guard, method="qr", code=cp.code, at=at(2026, 12, 1, 8, 10 + i))
        services.task_finish(task=task, actor=cls.guard, note="天台锁门", at=at(2026, 12, 1, 8, 40))
        services.tasks_sweep_missed(now=at(2026, 12, 2, 8, 0))

    def figures(self, **params):
        return self.get("plans/figures/", {"date_from": "2026-12-01", "date_to": "2026-12-01", **params})

    def test_it_returns_numerator_denominator_and_rate(self):
        self.auth(self.manager)
        cases = {"completion": (1, 2), "on_time": (1, 2), "coverage": (2, 6), "missed": (1, 2)}
        for metric, (numerator, denominator) in cases.items():
            body = self.figures(metric=metric).json()
            self.assertEqual(body["metric"], metric)
            (row,) = body["results"]
            self.assertEqual((row["group"], row["numerator"], row["denominator"]), ({}, numerator, denominator))
            self.assertAlmostEqual(row["rate"], numerator / denominator)

    def test_it_groups_per_person_day_and_project(self):
        self.auth(self.admin)
        rows = self.figures(metric="completion", group_by="assignee").json()["results"]
        by_person = {r["group"]["assignee"]: (r["numerator"], r["denominator"]) for r in rows}
        self.assertEqual(by_person, {self.guard.pk: (1, 1), None: (0, 1)})
        self.assertEqual(rows[0]["group"].get("assignee_name") or rows[1]["group"]["assignee_name"], self.guard.name)
        (row,) = self.figures(metric="coverage", group_by="date").json()["results"]
        self.assertEqual(row["group"], {"date": "2026-12-01"})
        (row,) = self.figures(metric="missed", group_by="project", project=self.project.pk).json()["results"]
        self.assertEqual(row["group"], {"project": self.project.pk, "project_name": self.project.name})

    def test_it_names_bad_parameters(self):
        self.auth(self.admin)
        self.assertError(self.figures(metric="speed"), 400, "invalid", {"metric": "invalid_choice"})
        self.assertError(
            self.figures(metric="completion", group_by="plan"), 400, "invalid", {"group_by": "invalid_choice"}
        )
        r = self.get("plans/figures/", {"metric": "completion", "date_from": "2026-12-02", "date_to": "2026-12-01"})
        self.assertError(r, 400, "invalid", {"date_to": "invalid"})
        self.assertError(
            self.get("plans/figures/", {"metric": "completion"}),
            400,
            "invalid",
            {"date_from": "required", "date_to": "required"},
        )
        r = self.figures(metric="completion", project=self.other_project.pk)
        self.assertError(r, 400, "invalid", {"project": "does_not_exist"})

    def test_it_counts_only_visible_tasks_and_refuses_owners_and_staff(self):
        self.auth(self.outsider)
        (row,) = self.figures(metric="completion").json()["results"]
        self.assertEqual(row["denominator"], 0)
        self.assertIsNone(row["rate"])
        for user in (self.owner, self.guard):
            self.auth(user)
            self.assertError(self.figures(metric="completion"), 403, "permission_denied")


class PlanSchemaTests(PlanApiTestCase):
    def test_it_documents_the_plan_routes(self):
        paths = self.client.get("/api/schema/", {"format": "json"}).json()["paths"]
        for path in (
            "/api/v1/plans/",
            "/api/v1/plans/{id}/",
            "/api/v1/plans/figures/",
            "/api/v1/checkpoints/",
            "/api/v1/tasks/",
            "/api/v1/tasks/{id}/",
            "/api/v1/tasks/{id}/start/",
            "/api/v1/tasks/{id}/checkins/",
            "/api/v1/tasks/{id}/problems/",
            "/api/v1/tasks/{id}/finish/",
            "/api/v1/tasks/{id}/cancel/",
        ):
            self.assertIn(path, paths)
        checkin = paths["/api/v1/tasks/{id}/checkins/"]["post"]
        self.assertEqual(set(checkin["requestBody"]["content"]), {"application/json", "multipart/form-data"})
        self.assertIn("201", checkin["responses"])
        figures = {p["name"] for p in paths["/api/v1/plans/figures/"]["get"]["parameters"]}
        self.assertEqual(figures, {"metric", "group_by", "date_from", "date_to", "project"})
