from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.utils import translation

from core.choices import Role
from core.services import membership_grant
from lib.testing import make_user
from plans import services
from plans.choices import CheckpointOrder, PhotoRule, TaskEventKind, TaskStatus
from plans.models import CheckIn, Plan, Task, TaskEvent
from plans.selectors import task_route
from plans.tests.base import DAY1, D, PlanTestCase, T, at
from workorders.choices import Kind, Source
from workorders.tests.factories import jpeg


def photo():
    return jpeg()


class CompanyTimezoneTests(PlanTestCase):
    def test_it_defaults_to_shanghai_and_rejects_unknown_zones(self):
        self.assertEqual(self.company.timezone, "Asia/Shanghai")
        self.company.timezone = "Mars/Olympus"
        with self.assertRaises(ValidationError) as caught:
            self.company.clean_fields()
        self.assertIn("timezone", caught.exception.message_dict)


#
# Plans
#
class PlanCreateTests(PlanTestCase):
    def create(self, actor=None, **data):
        fields = {"kind": "cleaning", "name": "大堂保洁", "rrule": "FREQ=DAILY", "starts_on": DAY1, **data}
        windows = fields.pop("windows", None)
        return services.plan_create(project=self.project, data=fields, windows=windows, actor=actor or self.admin)

    def test_it_creates_a_plan_with_windows_route_and_version_1(self):
        self.assertEqual(self.patrol.version, 1)
        self.assertEqual([(w.start, w.end) for w in self.patrol.windows.all()], [(T(8), T(10)), (T(22), T(6))])
        self.assertEqual([s.checkpoint for s in self.patrol.route_rows.all()], [self.gate, self.garage, self.roof])
        self.assertTrue(all(r.added_version == 1 for r in self.patrol.route_rows.all()))

    def test_it_defaults_the_window_to_working_hours(self):
        plan = self.create()
        self.assertEqual([(w.start, w.end) for w in plan.windows.all()], [(T(9), T(18))])

    def test_it_normalises_the_rule(self):
        self.assertEqual(self.create(rrule="rrule:freq=weekly;byday=mo").rrule, "FREQ=WEEKLY;BYDAY=MO")

    def test_it_rejects_a_bad_rule_on_its_field(self):
        with self.assertRaises(ValidationError) as caught:
            self.create(rrule="FREQ=HOURLY")
        self.assertIn("rrule", caught.exception.message_dict)
        self.assertFalse(Plan.objects.filter(name="大堂保洁").exists())

    def test_it_rejects_overlapping_windows(self):
        for windows in ([(T(8), T(10)), (T(9), T(11))], [(T(22), T(6)), (T(5), T(7))], [(T(7), T(7)), (T(12), T(13))]):
            with self.assertRaises(ValidationError) as caught:
                self.create(windows=windows)
            self.assertIn("windows", caught.exception.message_dict)
        with self.assertRaises(ValidationError):
            self.create(windows=[])

    def test_it_accepts_back_to_back_windows_round_the_clock(self):
        plan = self.create(windows=[(T(h), T((h + 1) % 24)) for h in range(24)])
        self.assertEqual(plan.windows.count(), 24)

    def test_it_rejects_an_end_before_the_start(self):
        with self.assertRaises(ValidationError) as caught:
            self.create(ends_on=D(2026, 11, 1))
        self.assertIn("ends_on", caught.exception.message_dict)

    def test_it_rejects_a_department_of_another_project(self):
        other = self.other_department
        with self.assertRaises(ValidationError) as caught:
            self.create(department=other)
        self.assertIn("department", caught.exception.message_dict)

    def test_it_rejects_assignees_and_checkpoints_from_elsewhere(self):
        with self.assertRaises(ValidationError) as caught:
            services.plan_create(
                project=self.project,
                data={"kind": "patrol", "name": "x", "starts_on": DAY1},
                assignees=[self.outsider],
                actor=self.admin,
            )
        self.assertIn("assignees", caught.exception.message_dict)
        foreign = services.checkpoint_create(project=self.project2, data={"name": "大厦门口"}, actor=self.admin)
        with self.assertRaises(ValidationError) as caught:
            services.plan_create(
                project=self.project,
                data={"kind": "patrol", "name": "y", "starts_on": DAY1},
                checkpoints=[self.gate, foreign],
                actor=self.admin,
            )
        self.assertIn("checkpoints", caught.exception.message_dict)
        with self.assertRaises(ValidationError):
            services.plan_create(
                project=self.project,
                data={"kind": "patrol", "name": "z", "starts_on": DAY1},
                checkpoints=[self.gate, self.gate],
                actor=self.admin,
            )

    def test_it_needs_plan_management(self):
        for actor in (self.staff, self.guard, self.viewer, self.outsider, self.owner):
            with self.assertRaises(PermissionDenied):
                self.create(actor=actor)
        self.assertEqual(self.create(actor=self.manager).project, self.project)

    def test_it_rejects_unknown_fields(self):
        with self.assertRaises(ValueError):
            self.create(company=self.other_company)


class PlanUpdateTests(PlanTestCase):
    def test_it_bumps_the_version_only_when_something_changes(self):
        plan = services.plan_update(plan=self.patrol, data={"name": "重点区域巡逻"}, actor=self.admin)
        self.assertEqual(plan.version, 1)
        plan = services.plan_update(plan=plan, data={"name": "夜巡"}, actor=self.admin)
        self.assertEqual(plan.version, 2)
        plan = services.plan_update(plan=plan, data={}, windows=[(T(8), T(10)), (T(22), T(6))], actor=self.admin)
        self.assertEqual(plan.version, 2)
        plan = services.plan_update(plan=plan, data={}, windows=[(T(9), T(10))], actor=self.admin)
        self.assertEqual(plan.version, 3)
        self.assertEqual(plan.history.count(), 3)  # created, renamed, new windows

    def test_it_leaves_generated_tasks_and_follows_the_edit_after(self):
        self.generate(until=D(2026, 12, 2))
        services.plan_update(
            plan=self.patrol, data={"name": "夜巡"}, windows=[(T(20), T(21)), (T(22), T(6))], actor=self.admin
        )
        self.generate(until=D(2026, 12, 3))
        old = Task.objects.get(plan=self.patrol, date=D(2026, 12, 2), window_index=0)
        new = Task.objects.get(plan=self.patrol, date=D(2026, 12, 3), window_index=0)
        self.assertEqual((old.title, old.plan_version, old.starts_at), ("重点区域巡逻", 1, at(2026, 12, 2, 8, 0)))
        self.assertEqual((new.title, new.plan_version, new.starts_at), ("夜巡", 2, at(2026, 12, 3, 20, 0)))

    def test_it_regenerates_future_tasks_when_asked(self):
        self.generate(until=D(2026, 12, 3))
        with self.settings(PLANS_EARLY_START_MINUTES=15):
            services.task_start(task=self.task(), actor=self.guard, at=at(2026, 12, 1, 8, 0))
        from unittest import mock

        with mock.patch("plans.services.common.now", return_value=at(2026, 12, 1, 9, 0)):
            services.plan_update(
                plan=self.patrol,
                data={},
                windows=[(T(7), T(8))],
                regenerate_future=True,
                actor=self.admin,
            )
        self.generate(until=D(2026, 12, 3), now=at(2026, 12, 1, 9, 0))
        started = Task.objects.get(plan=self.patrol, date=DAY1, window_index=0)
        self.assertEqual(started.status, TaskStatus.IN_PROGRESS)  # work in hand is never dropped
        tomorrow = Task.objects.filter(plan=self.patrol, date=D(2026, 12, 2))
        self.assertEqual([(t.window_index, t.plan_version) for t in tomorrow], [(0, 2)])
        self.assertEqual(tomorrow.get().starts_at, at(2026, 12, 2, 7, 0))

    def test_it_needs_plan_management(self):
        with self.assertRaises(PermissionDenied):
            services.plan_update(plan=self.patrol, data={"name": "x"}, actor=self.guard)
        with self.assertRaises(PermissionDenied):
            services.plan_update(plan=self.patrol, data={"name": "x"}, actor=self.outsider)


class PlanRouteTests(PlanTestCase):
    def test_it_keeps_each_tasks_route_at_its_version(self):
        self.generate()
        before = self.task()
        plan = services.plan_route_set(plan=self.patrol, checkpoints=[self.roof, self.gate], actor=self.manager)
        self.assertEqual(plan.version, 2)
        self.generate(until=D(2026, 12, 2), now=at(2026, 12, 2, 0, 0))
        after = self.task(date=D(2026, 12, 2))
        self.assertEqual([s.checkpoint for s in task_route(task=before)], [self.gate, self.garage, self.roof])
        self.assertEqual([s.checkpoint for s in task_route(task=after)], [self.roof, self.gate])
        self.assertEqual((before.required_checkpoints, after.required_checkpoints), (3, 2))

    def test_it_does_not_bump_for_the_same_route(self):
        plan = services.plan_route_set(
            plan=self.patrol, checkpoints=[self.gate, self.garage, self.roof], actor=self.admin
        )
        self.assertEqual(plan.version, 1)

    def test_it_refuses_switched_off_checkpoints(self):
        services.checkpoint_update(checkpoint=self.roof, data={"is_active": False}, actor=self.admin)
        self.roof.refresh_from_db()
        with self.assertRaises(ValidationError):
            services.plan_route_set(plan=self.patrol, checkpoints=[self.roof], actor=self.admin)


class PlanDeactivateTests(PlanTestCase):
    def test_it_cancels_scheduled_tasks_ahead_and_stops_generating(self):
        self.generate(until=D(2026, 12, 3))
        started = self.task()
        services.task_start(task=started, actor=self.guard, at=at(2026, 12, 1, 8, 0))
        services.plan_deactivate(plan=self.patrol, actor=self.admin, now=at(2026, 12, 1, 9, 0))
        statuses = dict(Task.objects.filter(plan=self.patrol).values_list("id", "status"))
        self.assertEqual(statuses.pop(started.pk), TaskStatus.IN_PROGRESS)
        self.assertEqual(set(statuses.values()), {TaskStatus.CANCELLED})
        self.assertEqual(TaskEvent.objects.filter(to_status=TaskStatus.CANCELLED).count(), 5)
        self.assertEqual(services.tasks_generate(until=D(2026, 12, 9), now=at(2026, 12, 1, 9, 0)), 0)
        with self.assertRaises(ValidationError):
            services.plan_deactivate(plan=self.patrol, actor=self.admin)

    def test_it_brings_the_cancelled_tasks_back_when_switched_on(self):
        self.generate(until=D(2026, 12, 3))
        services.plan_deactivate(plan=self.patrol, actor=self.admin, now=at(2026, 12, 1, 9, 0))
        services.plan_activate(plan=self.patrol, actor=self.admin, now=at(2026, 12, 1, 9, 0))
        created = services.tasks_generate(until=D(2026, 12, 3), now=at(2026, 12, 1, 9, 0))
        self.assertEqual(created, 5)
        self.assertEqual(Task.objects.filter(plan=self.patrol, status=TaskStatus.SCHEDULED).count(), 5)
        # the window under way when it was switched off stays cancelled
        self.assertEqual(Task.objects.filter(plan=self.patrol, status=TaskStatus.CANCELLED).get(), self.task())

    def test_it_needs_plan_management(self):
        with self.assertRaises(PermissionDenied):
            services.plan_deactivate(plan=self.patrol, actor=self.staff)


class CheckpointTests(PlanTestCase):
    def test_it_gives_each_checkpoint_an_unguessable_code(self):
        codes = {self.gate.code, self.garage.code, self.roof.code}
        self.assertEqual(len(codes), 3)
        self.assertTrue(all(len(c) == 22 for c in codes))
        old = self.gate.code
        services.checkpoint_code_reset(checkpoint=self.gate, actor=self.admin)
        self.assertNotEqual(self.gate.code, old)

    def test_it_checks_position_and_places(self):
        with self.assertRaises(ValidationError) as caught:
            services.checkpoint_create(
                project=self.project, data={"name": "半个坐标", "latitude": 31}, actor=self.admin
            )
        self.assertIn("longitude", caught.exception.message_dict)
        with self.assertRaises(ValidationError) as caught:
            services.checkpoint_create(
                project=self.project, data={"name": "别家", "area": self.other_area}, actor=self.admin
            )
        self.assertIn("area", caught.exception.message_dict)
        with self.assertRaises(ValidationError):
            services.checkpoint_create(project=self.project, data={"name": "东门岗"}, actor=self.admin)

    def test_it_needs_plan_management(self):
        for actor in (self.guard, self.viewer, self.outsider):
            with self.assertRaises(PermissionDenied):
                services.checkpoint_create(project=self.project, data={"name": "新点"}, actor=actor)


class DefaultPlansTests(PlanTestCase):
    def test_it_builds_a_level_1_plan_set_once(self):
        from core.services import project_update

        project_update(project=self.project, data={"service_level": "level_1"}, actor=self.admin)
        plans = services.plan_defaults_generate(project=self.project, actor=self.admin, starts_on=DAY1)
        by_name = {p.name: p for p in plans}
        patrol = by_name["重点区域巡逻"]
        self.assertEqual((patrol.kind, patrol.rrule, patrol.department), ("patrol", "FREQ=DAILY", self.security))
        windows = [(w.start, w.end) for w in patrol.windows.all()]
        self.assertEqual(len(windows), 24)
        self.assertEqual(windows[-1], (T(23), T(0)))
        waste = by_name["垃圾清运"]
        self.assertEqual((waste.kind, waste.windows.count(), waste.department), ("cleaning", 2, self.cleaning))
        self.assertEqual(by_name["公共区域玻璃擦拭"].rrule, "FREQ=WEEKLY")
        self.assertEqual(by_name["公共区域玻璃擦拭"].holiday_rule, "shift")
        self.assertEqual(by_name["房屋共用部位巡查"].kind, "maintenance")
        self.assertEqual(list(patrol.standards.values_list("item__code", flat=True)), ["sec-patrol"])
        self.assertTrue(all(p.source_profile_setting_id for p in plans))
        self.assertEqual(services.plan_defaults_generate(project=self.project, actor=self.admin), [])

    def test_it_follows_the_project_level(self):
        from core.services import project_update

        project_update(project=self.project, data={"service_level": "level_3"}, actor=self.admin)
        plans = {p.name: p for p in services.plan_defaults_generate(project=self.project, actor=self.admin)}
        self.assertEqual(plans["重点区域巡逻"].windows.count(), 8)  # every 3 hours
        self.assertNotIn("电梯厅及楼道拖洗", plans)  # 三级: not required
        self.assertEqual(plans["公共灯具清洁"].rrule, "FREQ=MONTHLY;INTERVAL=6")

    def test_it_keeps_short_months_for_a_plan_set_up_on_the_31st(self):
        plans = services.plan_defaults_generate(project=self.project, actor=self.admin, starts_on=D(2026, 12, 31))
        self.assertEqual({p.name: p for p in plans}["公共区域玻璃擦拭"].rrule, "FREQ=MONTHLY;BYMONTHDAY=28")

    def test_it_needs_plan_management(self):
        with self.assertRaises(PermissionDenied):
            services.plan_defaults_generate(project=self.project, actor=self.guard)
        with self.assertRaises(PermissionDenied):
            services.plan_defaults_generate(project=self.project, actor=self.outsider)


#
# Tasks
#
class TaskStartTests(PlanTestCase):
    def test_it_starts_an_unassigned_task_and_gives_it_to_the_starter(self):
        task = services.task_start(task=self.task(), actor=self.guard, at=at(2026, 12, 1, 7, 50))
        task.refresh_from_db()
        self.assertEqual(
            (task.status, task.assignee_id, task.started_at), ("in_progress", self.guard.pk, at(2026, 12, 1, 7, 50))
        )
        event = task.events.get()
        self.assertEqual(
            (event.from_status, event.to_status, event.actor, event.data),
            ("scheduled", "in_progress", self.guard, {"taken": True}),
        )

    def test_it_is_not_open_too_early_or_after_the_window(self):
        task = self.task()
        with self.assertRaises(ValidationError) as caught:
            services.task_start(task=task, actor=self.guard, at=at(2026, 12, 1, 7, 44))
        self.assertEqual(caught.exception.code, "not_open")
        self.assertIn("07:45", caught.exception.messages[0])
        with self.assertRaises(ValidationError) as caught:
            services.task_start(task=task, actor=self.guard, at=at(2026, 12, 1, 10, 1))
        self.assertEqual(caught.exception.code, "window_over")

    @translation.override("en")  # asserts on the English message
    def test_it_keeps_staff_to_their_own_tasks(self):
        task = self.task()
        with self.assertRaises(PermissionDenied):
            services.task_start(task=task, actor=self.cleaner, at=at(2026, 12, 1, 8, 0))  # another department
        for actor in (self.outsider, self.owner, self.viewer):
            with self.assertRaises(PermissionDenied):
                services.task_start(task=task, actor=actor, at=at(2026, 12, 1, 8, 0))
        services.task_assign(task=task, assignee=self.guard2, actor=self.supervisor)
        with self.assertRaises(PermissionDenied) as caught:
            services.task_start(task=task, actor=self.guard, at=at(2026, 12, 1, 8, 0))
        self.assertIn("someone else", str(caught.exception))
        services.task_start(task=task, actor=self.guard2, at=at(2026, 12, 1, 8, 0))

    def test_it_reports_a_conflict_when_someone_else_started_it(self):
        task = self.task()
        stale = Task.objects.get(pk=task.pk)
        services.task_start(task=task, actor=self.guard, at=at(2026, 12, 1, 8, 0))
        with self.assertRaises(services.Conflict):
            services.task_start(task=stale, actor=self.guard2, at=at(2026, 12, 1, 8, 1))

    def test_it_refuses_closed_tasks(self):
        task = self.task()
        services.task_cancel(task=task, actor=self.supervisor, reason="台风停巡")
        with self.assertRaises(ValidationError) as caught:
            services.task_start(task=task, actor=self.guard, at=at(2026, 12, 1, 8, 0))
        self.assertEqual(caught.exception.code, "closed")


class TaskCheckinTests(PlanTestCase):
    def checkin(self, task=None, *, actor=None, minute=5, hour=8, **kw):
        kw.setdefault("method", "qr")
        if kw["method"] == "qr":
            kw.setdefault("code", self.gate.code)
        return services.task_checkin(
            task=task or self.task(), actor=actor or self.guard, at=at(2026, 12, 1, hour, minute), **kw
        )

    def test_it_checks_in_by_qr_and_starts_the_task(self):
        task = self.task()
        checkin = self.checkin(task)
        task.refresh_from_db()
        self.assertEqual(
            (checkin.checkpoint, checkin.method, checkin.is_late, checkin.user), (self.gate, "qr", False, self.guard)
        )
        self.assertEqual((task.status, task.on_time_checkins, task.late_checkins), ("in_progress", 1, 0))

    def test_it_marks_a_check_in_after_the_window_late(self):
        task = self.task()
        self.checkin(task)
        late = self.checkin(task, code=self.roof.code, hour=10, minute=20)
        task.refresh_from_db()
        self.assertTrue(late.is_late)
        self.assertEqual((task.on_time_checkins, task.late_checkins), (1, 1))

    def test_it_refuses_a_second_check_in_at_the_same_checkpoint(self):
        task = self.task()
        self.checkin(task)
        with self.assertRaises(ValidationError) as caught:
            self.checkin(task, minute=6)
        self.assertEqual(caught.exception.code, "duplicate")
        self.assertIn("东门岗", caught.exception.messages[0])
        self.assertEqual(CheckIn.objects.count(), 1)

    def test_it_refuses_codes_off_the_route_or_unknown(self):
        other = services.checkpoint_create(project=self.project, data={"name": "垃圾站"}, actor=self.admin)
        with self.assertRaises(ValidationError) as caught:
            self.checkin(code=other.code)
        self.assertIn("checkpoint", caught.exception.message_dict)
        with self.assertRaises(ValidationError) as caught:
            self.checkin(code="not-a-code")
        self.assertIn("code", caught.exception.message_dict)
        foreign = services.checkpoint_create(project=self.other_project, data={"name": "他家门口"}, actor=self.outsider)
        with self.assertRaises(ValidationError) as caught:
            self.checkin(code=foreign.code)
        self.assertIn("code", caught.exception.message_dict)
        with self.assertRaises(ValidationError) as caught:
            self.checkin(code=self.gate.code, checkpoint=self.roof)
        self.assertIn("code", caught.exception.message_dict)
        with self.assertRaises(ValidationError):
            self.checkin(code="")
        self.assertFalse(CheckIn.objects.exists())

    @translation.override("en")  # asserts on the English message
    def test_it_checks_in_by_position_within_the_radius(self):
        task = self.task()
        near = self.checkin(task, method="gps", checkpoint=self.gate, latitude=31.2302, longitude=121.47)
        self.assertEqual((near.distance_m, near.latitude), (22, Decimal("31.230200")))
        with self.assertRaises(ValidationError) as caught:
            self.checkin(task, method="gps", checkpoint=self.roof, latitude=31.2302, longitude=121.47)
        self.assertEqual(caught.exception.error_dict["latitude"][0].code, "too_far")
        self.assertIn("89 m", caught.exception.messages[0])
        with self.assertRaises(ValidationError):
            self.checkin(task, method="gps", checkpoint=self.roof)

    def test_it_finds_the_nearest_checkpoint_from_the_position(self):
        checkin = self.checkin(method="gps", latitude=31.2309, longitude=121.47)
        self.assertEqual(checkin.checkpoint, self.roof)
        with self.assertRaises(ValidationError) as caught:
            self.checkin(method="gps", latitude=31.2400, longitude=121.47)
        self.assertIn("checkpoint", caught.exception.message_dict)

    def test_it_keeps_the_route_order_when_asked(self):
        Plan.objects.filter(pk=self.patrol.pk).update(checkpoint_order=CheckpointOrder.IN_ORDER)
        task = self.task()
        with self.assertRaises(ValidationError) as caught:
            self.checkin(task, code=self.roof.code)
        self.assertIn("东门岗", caught.exception.messages[0])
        self.checkin(task)
        self.checkin(task, code=self.garage.code)
        self.checkin(task, code=self.roof.code)

    def test_it_wants_a_photo_when_the_plan_says_so(self):
        Plan.objects.filter(pk=self.patrol.pk).update(photo_rule=PhotoRule.EACH_CHECKPOINT)
        task = self.task()
        self.assertEqual(task.photo_rule, PhotoRule.EACH_CHECKPOINT)
        with self.assertRaises(ValidationError) as caught:
            self.checkin(task)
        self.assertIn("photo", caught.exception.message_dict)
        checkin = self.checkin(task, photo=photo())
        self.assertTrue(checkin.photo.name.startswith(f"plans/{self.company.pk}/2026/12/"))
        self.assertTrue(checkin.thumbnail.name)
        with self.assertRaises(ValidationError) as caught:
            self.checkin(task, code=self.roof.code, photo=SimpleUploadedFile("x.jpg", b"not an image"))
        self.assertIn("photo", caught.exception.message_dict)

    def test_it_lets_only_supervisors_enter_check_ins_by_hand_with_a_reason(self):
        task = self.task()
        with self.assertRaises(PermissionDenied):
            self.checkin(task, method="manual", checkpoint=self.gate, note="二维码坏了")
        with self.assertRaises(ValidationError) as caught:
            self.checkin(task, actor=self.supervisor, method="manual", checkpoint=self.gate)
        self.assertIn("note", caught.exception.message_dict)
        checkin = self.checkin(task, actor=self.supervisor, method="manual", checkpoint=self.gate, note="二维码坏了")
        self.assertEqual(checkin.method, "manual")
        with self.assertRaises(ValidationError):
            self.checkin(task, method="nfc")

    def test_it_keeps_staff_to_their_own_tasks(self):
        task = self.task()
        for actor in (self.cleaner, self.outsider, self.staff):
            with self.assertRaises(PermissionDenied):
                self.checkin(task, actor=actor)

    def test_it_refuses_closed_tasks(self):
        task = self.task()
        services.task_cancel(task=task, actor=self.manager, reason="停巡")
        with self.assertRaises(ValidationError):
            self.checkin(task)


class TaskProblemTests(PlanTestCase):
    def test_it_opens_a_work_order_at_the_checkpoint_with_the_photo(self):
        task = self.task()
        checkin = services.task_checkin(
            task=task, actor=self.guard, method="qr", code=self.garage.code, at=at(2026, 12, 1, 8, 5)
        )
        order = services.task_report_problem(
            task=task, actor=self.guard, checkpoint=self.garage, description="车库照明灯不亮", photo=photo()
        )
        self.assertEqual(
            (order.kind, order.source, order.area, order.building),
            (Kind.REPAIR, Source.STAFF, self.area, self.building),
        )
        self.assertEqual((order.location, order.reporter, order.project), ("地下车库", self.guard, self.project))
        self.assertEqual(order.photos.count(), 1)
        checkin.refresh_from_db()
        self.assertEqual(checkin.work_order, order)
        event = task.events.get(kind=TaskEventKind.PROBLEM)
        self.assertEqual(event.data, {"work_order": order.pk, "checkpoint": self.garage.pk})

    def test_it_carries_the_checkpoints_position(self):
        order = services.task_report_problem(
            task=self.task(), actor=self.guard, checkpoint=self.gate, description="岗亭门锁坏"
        )
        self.assertEqual((order.latitude, order.longitude), (Decimal("31.230000"), Decimal("121.470000")))

    def test_it_checks_kind_text_place_and_person(self):
        task = self.task()
        with self.assertRaises(ValidationError) as caught:
            services.task_report_problem(task=task, actor=self.guard, description="x", kind=Kind.COMPLAINT)
        self.assertIn("kind", caught.exception.message_dict)
        with self.assertRaises(ValidationError) as caught:
            services.task_report_problem(task=task, actor=self.guard, description="  ")
        self.assertIn("description", caught.exception.message_dict)
        other = services.checkpoint_create(project=self.project, data={"name": "垃圾站"}, actor=self.admin)
        with self.assertRaises(ValidationError):
            services.task_report_problem(task=task, actor=self.guard, description="x", checkpoint=other)
        with self.assertRaises(PermissionDenied):
            services.task_report_problem(task=task, actor=self.cleaner, description="x")


class TaskFinishTests(PlanTestCase):
    def round(self, task, *checkpoints, minute=5):
        for i, cp in enumerate(checkpoints):
            services.task_checkin(
                task=task, actor=self.guard, method="qr", code=cp.code, at=at(2026, 12, 1, 8, minute + i)
            )

    def test_it_completes_a_full_round(self):
        task = self.task()
        self.round(task, self.gate, self.garage, self.roof)
        task = services.task_finish(task=task, actor=self.guard, at=at(2026, 12, 1, 9, 0))
        self.assertEqual((task.status, task.finished_at), (TaskStatus.COMPLETED, at(2026, 12, 1, 9, 0)))
        event = task.events.order_by("-id").first()
        self.assertEqual(event.data, {"missing_checkpoints": 0, "late": False})

    @translation.override("en")  # asserts on the English message
    def test_it_wants_a_note_for_missing_checkpoints(self):
        task = self.task()
        self.round(task, self.gate)
        with self.assertRaises(ValidationError) as caught:
            services.task_finish(task=task, actor=self.guard, at=at(2026, 12, 1, 9, 0))
        self.assertIn("2 of 3", caught.exception.message_dict["note"][0])
        services.task_finish(task=task, actor=self.guard, note="车库施工封闭", at=at(2026, 12, 1, 9, 0))

    def test_it_wants_a_photo_at_the_finish_when_the_plan_says_so(self):
        plan = services.plan_create(
            project=self.project,
            data={"kind": "cleaning", "name": "大堂保洁", "starts_on": DAY1, "photo_rule": PhotoRule.AT_FINISH},
            windows=[(T(8), T(9))],
            actor=self.admin,
        )
        Task.objects.filter(plan=plan).delete()
        task = self.task(plan)
        with self.assertRaises(ValidationError) as caught:
            services.task_finish(task=task, actor=self.guard, at=at(2026, 12, 1, 8, 30))
        self.assertIn("photo", caught.exception.message_dict)
        task = services.task_finish(task=task, actor=self.cleaner, photo=photo(), at=at(2026, 12, 1, 8, 30))
        task.refresh_from_db()
        self.assertEqual(task.status, TaskStatus.COMPLETED)
        self.assertTrue(task.photo.name and task.thumbnail.name)
        self.assertEqual(list(task.events.values_list("to_status", flat=True)), ["in_progress", "completed"])

    def test_it_resolves_per_standard_photos_from_the_standards(self):
        from standards.models import StandardItem

        front_desk = StandardItem.objects.get(company=self.company, code="cs-front-desk")  # photo required
        hotline = StandardItem.objects.get(company=self.company, code="cs-hotline")  # no photo
        data = {"kind": "customer_service", "starts_on": DAY1, "photo_rule": PhotoRule.PER_STANDARD}
        with_photo = services.plan_create(
            project=self.project,
            data={**data, "name": "前台"},
            revisions=[front_desk.current_revision],
            actor=self.admin,
        )
        without = services.plan_create(
            project=self.project, data={**data, "name": "热线"}, revisions=[hotline.current_revision], actor=self.admin
        )
        self.assertEqual(self.task(with_photo).photo_rule, PhotoRule.AT_FINISH)
        self.assertEqual(self.task(without).photo_rule, PhotoRule.NONE)

    def test_it_counts_a_finish_after_the_window_as_late(self):
        task = self.task()
        self.round(task, self.gate, self.garage, self.roof)
        task = services.task_finish(task=task, actor=self.guard, at=at(2026, 12, 1, 10, 30))
        self.assertEqual(task.events.order_by("-id").first().data["late"], True)

    def test_it_keeps_staff_to_their_own_tasks(self):
        task = self.task()
        self.round(task, self.gate)
        with self.assertRaises(PermissionDenied):
            services.task_finish(task=task, actor=self.guard2, note="x", at=at(2026, 12, 1, 9, 0))


class TaskCancelAssignTests(PlanTestCase):
    def test_it_cancels_with_a_reason_by_a_supervisor(self):
        task = self.task()
        with self.assertRaises(ValidationError) as caught:
            services.task_cancel(task=task, actor=self.supervisor, reason=" ")
        self.assertIn("reason", caught.exception.message_dict)
        for actor in (self.guard, self.viewer, self.outsider):
            with self.assertRaises(PermissionDenied):
                services.task_cancel(task=task, actor=actor, reason="x")
        services.task_cancel(task=task, actor=self.supervisor, reason="暴雨")
        self.assertEqual(task.events.get().reason, "暴雨")
        with self.assertRaises(ValidationError) as caught:
            services.task_cancel(task=task, actor=self.supervisor, reason="again")
        self.assertEqual(caught.exception.code, "bad_transition")

    def test_it_assigns_only_people_of_the_project(self):
        task = self.task()
        services.task_assign(task=task, assignee=self.guard2, actor=self.manager)
        self.assertEqual(task.events.get().data, {"from": None, "to": self.guard2.pk})
        with self.assertRaises(ValidationError):
            services.task_assign(task=task, assignee=self.outsider, actor=self.manager)
        stranger = make_user("tower_guard", phone="13900000099")
        membership_grant(company=self.company, project=self.project2, user=stranger, role=Role.STAFF, actor=self.admin)
        with self.assertRaises(ValidationError):
            services.task_assign(task=task, assignee=stranger, actor=self.manager)
        with self.assertRaises(PermissionDenied):
            services.task_assign(task=task, assignee=self.guard, actor=self.guard)
        services.task_assign(task=task, assignee=None, actor=self.manager)
        task.refresh_from_db()
        self.assertIsNone(task.assignee_id)


class SweepTests(PlanTestCase):
    def test_it_marks_unstarted_tasks_missed_at_the_window_end(self):
        self.generate(until=D(2026, 12, 2))
        self.assertEqual(services.tasks_sweep_missed(now=at(2026, 12, 1, 9, 59)), {"missed": 0, "completed": 0})
        self.assertEqual(services.tasks_sweep_missed(now=at(2026, 12, 1, 10, 0)), {"missed": 1, "completed": 0})
        task = self.task()
        self.assertEqual(task.status, TaskStatus.MISSED)
        event = task.events.get()
        self.assertEqual(
            (event.from_status, event.to_status, event.actor, event.data),
            ("scheduled", "missed", None, {"sweep": True}),
        )
        self.assertEqual(services.tasks_sweep_missed(now=at(2026, 12, 1, 10, 5)), {"missed": 0, "completed": 0})

    @override_settings(PLANS_FINISH_GRACE_MINUTES=30)
    @translation.override("en")  # asserts on the English message
    def test_it_gives_started_tasks_a_grace_then_completes_or_misses_them(self):
        full, partial = self.task(), self.task(window=1)
        for i, cp in enumerate((self.gate, self.garage, self.roof)):
            services.task_checkin(task=full, actor=self.guard, method="qr", code=cp.code, at=at(2026, 12, 1, 9, 50 + i))
        services.task_checkin(
            task=partial, actor=self.guard, method="qr", code=self.gate.code, at=at(2026, 12, 1, 22, 5)
        )
        self.assertEqual(services.tasks_sweep_missed(now=at(2026, 12, 1, 10, 29)), {"missed": 0, "completed": 0})
        self.assertEqual(services.tasks_sweep_missed(now=at(2026, 12, 2, 6, 30)), {"missed": 1, "completed": 1})
        full.refresh_from_db()
        partial.refresh_from_db()
        self.assertEqual((full.status, full.finished_at), (TaskStatus.COMPLETED, at(2026, 12, 1, 9, 52)))
        self.assertEqual((partial.status, partial.on_time_checkins), (TaskStatus.MISSED, 1))
        self.assertEqual(partial.events.last().reason, "Not finished in time.")

    def test_it_stores_system_reasons_in_the_source_language_and_shows_them_in_the_readers(self):
        task = self.task()
        with translation.override("zh-hans"):  # the worker's language
            services.tasks_sweep_missed(now=at(2026, 12, 2, 6, 30))
        event = task.events.last()
        self.assertEqual(event.reason, "Not started in its window.")
        with translation.override("zh-hans"):
            self.assertNotEqual(event.reason_display, event.reason)
        with translation.override("en"):
            self.assertEqual(event.reason_display, "Not started in its window.")

    def test_it_leaves_a_started_task_open_when_a_finish_photo_is_missing(self):
        Plan.objects.filter(pk=self.patrol.pk).update(photo_rule=PhotoRule.AT_FINISH)
        task = self.task()
        for cp in (self.gate, self.garage, self.roof):
            services.task_checkin(task=task, actor=self.guard, method="qr", code=cp.code, at=at(2026, 12, 1, 8, 30))
        self.assertEqual(services.tasks_sweep_missed(now=at(2026, 12, 1, 12, 0)), {"missed": 1, "completed": 0})

    def test_it_takes_check_ins_late_until_the_sweep_closes_the_task(self):
        task = self.task()
        services.task_checkin(task=task, actor=self.guard, method="qr", code=self.gate.code, at=at(2026, 12, 1, 9, 59))
        late = services.task_checkin(
            task=task, actor=self.guard, method="qr", code=self.roof.code, at=at(2026, 12, 1, 10, 30)
        )
        self.assertTrue(late.is_late)
        services.tasks_sweep_missed(now=at(2026, 12, 1, 11, 0))
        with self.assertRaises(ValidationError):
            services.task_checkin(
                task=task, actor=self.guard, method="qr", code=self.garage.code, at=at(2026, 12, 1, 11, 1)
            )


class TransitionTests(PlanTestCase):
    def test_it_only_allows_the_table(self):
        from plans.choices import TRANSITIONS

        self.assertEqual(TRANSITIONS[TaskStatus.COMPLETED], frozenset())
        task = self.task()
        services.task_cancel(task=task, actor=self.admin, reason="x")
        with self.assertRaises(ValidationError) as caught:
            services.task_finish(task=task, actor=self.admin, note="x", at=at(2026, 12, 1, 9, 0))
        self.assertEqual(caught.exception.code, "closed")

    def test_it_writes_one_event_per_change(self):
        task = self.task()
        services.task_start(task=task, actor=self.guard, at=at(2026, 12, 1, 8, 0))
        services.task_finish(task=task, actor=self.guard, note="全部未到", at=at(2026, 12, 1, 8, 30))
        self.assertEqual(
            list(task.events.values_list("from_status", "to_status")),
            [("scheduled", "in_progress"), ("in_progress", "completed")],
        )
