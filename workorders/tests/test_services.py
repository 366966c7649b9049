import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from core import services as core_services
from core.choices import DepartmentKind, Role
from lib.testing import BaseTestCase, make_user
from workorders import services
from workorders.choices import TRANSITIONS, EventKind, Kind, Priority, SlaState, Source, Status
from workorders.models import Rating, WorkOrder
from workorders.services.orders import _transition
from workorders.tests.factories import category, jpeg, report


class TransitionTableTests(BaseTestCase):
    def test_it_allows_exactly_the_transitions_in_the_table(self):
        for source in Status.values:
            for target in Status.values:
                with self.subTest(source=source, target=target):
                    order = report(self)
                    WorkOrder.objects.filter(pk=order.pk).update(status=source)
                    order.refresh_from_db()
                    if target in TRANSITIONS[source]:
                        _transition(order=order, to=target, actor=None)
                        order.refresh_from_db()
                        self.assertEqual(order.status, target)
                        event = order.events.latest("id")
                        self.assertEqual((event.from_status, event.to_status), (source, target))
                    else:
                        with self.assertRaises(ValidationError) as cm:
                            _transition(order=order, to=target, actor=None)
                        self.assertEqual(cm.exception.code, "bad_transition")
                        order.refresh_from_db()
                        self.assertEqual(order.status, source)

    def test_it_rejects_a_stale_copy_as_a_conflict(self):
        order = report(self)
        stale = WorkOrder.objects.get(pk=order.pk)
        services.workorder_accept(order=order, actor=self.supervisor)
        with self.assertRaises(services.Conflict):
            services.workorder_accept(order=stale, actor=self.supervisor)
        self.assertEqual(order.events.filter(to_status=Status.ACCEPTED).count(), 1)


class WorkorderCreateTests(BaseTestCase):
    def test_it_records_an_owners_report_with_sla_and_event(self):
        order = report(self, category=category(self.company, "door-entry"))
        self.assertEqual(order.source, Source.OWNER_APP)
        self.assertEqual(order.resident, self.resident)
        self.assertEqual(order.building, self.building)
        self.assertEqual(order.priority, Priority.P2)
        self.assertEqual(order.contact_phone, "13800000001")
        self.assertIsNotNone(order.ack_due_at)
        self.assertIsNotNone(order.resolve_due_at)
        self.assertEqual(order.events.first().kind, EventKind.CREATED)

    def test_it_rejects_an_owner_reporting_for_someone_elses_unit(self):
        with self.assertRaises(ValidationError) as cm:
            report(self, unit=self.unit2)
        self.assertIn("unit", cm.exception.message_dict)
        self.assertFalse(WorkOrder.objects.exists())

    def test_it_lets_an_owner_report_a_public_area_of_his_project(self):
        order = report(self, area=self.area, description="大堂灯不亮")
        self.assertEqual(order.area, self.area)
        self.assertIsNone(order.unit)

    def test_it_refuses_people_without_a_role_or_home_in_the_project(self):
        with self.assertRaises(PermissionDenied):
            report(self, actor=self.outsider, area=self.area)
        with self.assertRaises(PermissionDenied):
            report(self, actor=self.viewer, area=self.area)

    def test_it_rejects_a_category_of_another_kind_or_company(self):
        with self.assertRaises(ValidationError):
            report(self, kind=Kind.COMPLAINT, category=category(self.company, "water-leak"))
        with self.assertRaises(ValidationError):
            report(self, category=category(self.other_company, "water-leak"))

    def test_it_makes_life_safety_text_p0_and_flags_it(self):
        order = report(self, description="電梯困人了，快來救人")
        self.assertEqual(order.priority, Priority.P0)
        self.assertTrue(order.is_life_safety)
        self.assertEqual(order.sla_clock, "24x7")
        flagged = order.events.get(kind=EventKind.FLAGGED)
        self.assertFalse(flagged.is_public)
        self.assertEqual(flagged.data["priority_to"], Priority.P0)

    def test_it_flags_outside_escalation_for_managers(self):
        order = report(self, kind=Kind.COMPLAINT, description="再不处理我就打12345投诉，还要找媒体曝光")
        self.assertTrue(order.is_escalated)
        self.assertEqual(order.priority, Priority.P1)
        self.assertFalse(order.is_life_safety)

    def test_it_never_treats_the_clerk_of_a_phone_report_as_its_owner(self):
        order = services.workorder_create(
            project=self.project,
            data={"kind": Kind.REPAIR, "description": "门锁坏了", "unit": self.unit, "resident": self.resident},
            actor=self.staff,
        )
        services.workorder_dispatch(order=order, assignee=self.staff, actor=self.supervisor)
        services.workorder_start(order=order, actor=self.staff)
        services.workorder_complete(order=order, actor=self.staff)
        with self.assertRaises(PermissionDenied):
            services.workorder_rate(order=order, stars=5, actor=self.staff)
        with self.assertRaises(PermissionDenied):
            services.workorder_reopen(order=order, reason="x", actor=self.staff)
        services.workorder_rate(order=order, stars=5, actor=self.owner)  # the owner it was entered for

    def test_it_lets_customer_service_enter_a_phone_report(self):
        order = services.workorder_create(
            project=self.project,
            data={
                "kind": Kind.REPAIR,
                "description": "2楼走廊灯不亮",
                "area": self.area,
                "contact_phone": "13912345678",
            },
            actor=self.supervisor,
        )
        self.assertEqual(order.source, Source.PHONE)
        self.assertEqual(order.reporter, self.supervisor)

    def test_it_stores_checked_photos_and_rejects_bad_ones_whole(self):
        order = report(self, photos=[jpeg(), jpeg(color="blue")])
        self.assertEqual(order.photos.count(), 2)
        self.assertTrue(all(p.thumbnail.name for p in order.photos.all()))
        text = SimpleUploadedFile("x.jpg", b"not an image", content_type="image/jpeg")
        with self.assertRaises(ValidationError) as cm:
            report(self, photos=[jpeg(), text])
        self.assertIn("photos", cm.exception.message_dict)
        self.assertEqual(WorkOrder.objects.count(), 1)


class LifecycleTests(BaseTestCase):
    def dispatched(self, **data):
        order = report(self, **data)
        return services.workorder_dispatch(order=order, assignee=self.staff, actor=self.supervisor)

    def test_it_walks_the_whole_lifecycle_and_keeps_the_timeline(self):
        order = self.dispatched()
        services.workorder_take(order=order, actor=self.staff)
        services.workorder_start(order=order, actor=self.staff)
        services.workorder_hold(order=order, hold_reason="parts", actor=self.staff)
        services.workorder_resume(order=order, actor=self.staff)
        services.workorder_complete(order=order, actor=self.staff, photos=[jpeg()])
        services.workorder_verify(order=order, passed=True, actor=self.supervisor)
        services.workorder_close(order=order, actor=self.supervisor)
        statuses = list(order.events.exclude(to_status="").values_list("to_status", flat=True))
        self.assertEqual(
            statuses,
            ["submitted", "dispatched", "in_progress", "on_hold", "in_progress", "completed", "verified", "closed"],
        )
        order.refresh_from_db()
        self.assertIsNone(order.sla_next_at)
        self.assertEqual(order.photos.get().stage, "after")
        self.assertEqual(order.follow_ups.count(), 1)

    def test_it_lets_only_the_assignee_or_a_supervisor_work_it(self):
        colleague = make_user("colleague", name="孙师傅", phone="13900000099")
        core_services.membership_grant(
            company=self.company,
            project=self.project,
            user=colleague,
            role=Role.STAFF,
            department=self.department,
            actor=self.admin,
        )
        order = self.dispatched()
        for actor in (colleague, self.viewer, self.owner, self.outsider):
            with self.subTest(actor=actor.username), self.assertRaises(PermissionDenied):
                services.workorder_start(order=order, actor=actor)
        services.workorder_start(order=order, actor=self.supervisor)
        self.assertEqual(order.status, Status.IN_PROGRESS)

    def test_it_requires_a_reason_to_reject_cancel_or_reopen(self):
        order = report(self)
        for verb in (services.workorder_reject, services.workorder_cancel):
            with self.assertRaises(ValidationError) as cm:
                verb(order=order, reason="  ", actor=self.supervisor)
            self.assertIn("reason", cm.exception.message_dict)

    def test_it_lets_the_owner_cancel_early_but_not_once_work_started(self):
        order = self.dispatched()
        services.workorder_cancel(order=order, reason="自己修好了", actor=self.owner)
        self.assertEqual(order.status, Status.CANCELLED)
        started = self.dispatched()
        services.workorder_start(order=started, actor=self.staff)
        with self.assertRaises(PermissionDenied):
            services.workorder_cancel(order=started, reason="算了", actor=self.owner)

    def test_it_does_not_let_repairs_skip_the_visit(self):
        order = report(self, area=self.area)  # no category: nobody to dispatch to, stays submitted
        services.workorder_accept(order=order, actor=self.supervisor)
        with self.assertRaises(ValidationError) as cm:
            services.workorder_complete(order=order, actor=self.supervisor)
        self.assertEqual(cm.exception.code, "needs_visit")

    def test_it_lets_an_inquiry_be_answered_without_a_visit(self):
        order = report(self, kind=Kind.INQUIRY, description="物业费怎么交？")
        services.workorder_accept(order=order, actor=self.supervisor)
        services.workorder_complete(order=order, note="可在前台或线上缴纳", actor=self.supervisor)
        self.assertEqual(order.status, Status.COMPLETED)

    def test_it_sends_failed_verification_back_to_work(self):
        order = self.dispatched()
        services.workorder_start(order=order, actor=self.staff)
        services.workorder_complete(order=order, actor=self.staff)
        services.workorder_verify(order=order, passed=False, reason="还在漏", actor=self.supervisor)
        self.assertEqual(order.status, Status.IN_PROGRESS)
        self.assertTrue(order.events.latest("id").data["rework"])


class RateAndReopenTests(BaseTestCase):
    def completed(self):
        order = report(self)
        services.workorder_dispatch(order=order, assignee=self.staff, actor=self.supervisor)
        services.workorder_start(order=order, actor=self.staff)
        return services.workorder_complete(order=order, actor=self.staff)

    def test_it_records_one_rating_per_round(self):
        order = self.completed()
        services.workorder_rate(order=order, stars=5, tags=["speed", "bogus"], comment="很快", actor=self.owner)
        rating = Rating.objects.get(order=order)
        self.assertEqual(rating.tags, ["speed"])
        with self.assertRaises(ValidationError):
            services.workorder_rate(order=order, stars=4, actor=self.owner)

    def test_it_rejects_ratings_from_others_and_out_of_range(self):
        order = self.completed()
        with self.assertRaises(PermissionDenied):
            services.workorder_rate(order=order, stars=5, actor=self.other_owner)
        with self.assertRaises(PermissionDenied):
            services.workorder_rate(order=order, stars=5, actor=self.supervisor)
        for stars in (0, 6):
            with self.assertRaises(ValidationError):
                services.workorder_rate(order=order, stars=stars, actor=self.owner)

    def test_it_flags_a_low_rating(self):
        order = self.completed()
        services.workorder_rate(order=order, stars=2, comment="态度差", actor=self.owner)
        self.assertTrue(order.events.filter(kind=EventKind.FLAGGED, data__reason="low_rating").exists())

    def test_it_reopens_within_the_window_and_restarts_the_clocks(self):
        order = self.completed()
        services.workorder_reopen(order=order, reason="又漏了", actor=self.owner)
        order.refresh_from_db()
        self.assertEqual((order.status, order.reopen_count), (Status.REOPENED, 1))
        self.assertIsNone(order.completed_at)
        self.assertEqual(order.sla_state, SlaState.OK)
        self.assertGreater(order.resolve_due_at, timezone.now())
        self.assertIsNotNone(order.sla_next_at)

    def test_it_refuses_to_reopen_after_the_window(self):
        order = self.completed()
        WorkOrder.objects.filter(pk=order.pk).update(completed_at=timezone.now() - dt.timedelta(days=8))
        order.refresh_from_db()
        with self.assertRaises(ValidationError) as cm:
            services.workorder_reopen(order=order, reason="又漏了", actor=self.owner)
        self.assertEqual(cm.exception.code, "reopen_expired")

    def test_it_refuses_reopen_by_another_owner(self):
        order = self.completed()
        with self.assertRaises(PermissionDenied):
            services.workorder_reopen(order=order, reason="x", actor=self.other_owner)


class FollowUpTests(BaseTestCase):
    def closed(self):
        order = report(self)
        services.workorder_dispatch(order=order, assignee=self.staff, actor=self.supervisor)
        services.workorder_start(order=order, actor=self.staff)
        services.workorder_complete(order=order, actor=self.staff)
        return services.workorder_close(order=order, actor=self.supervisor)

    def test_it_schedules_a_follow_up_on_close(self):
        order = self.closed()
        follow_up = order.follow_ups.get()
        self.assertAlmostEqual((follow_up.due_at - timezone.now()).total_seconds(), 48 * 3600, delta=60)

    def test_it_reopens_when_the_owner_says_not_resolved(self):
        order = self.closed()
        services.follow_up_record(
            follow_up=order.follow_ups.get(),
            method="app",
            resolved="no",
            satisfaction=2,
            comment="没修好",
            actor=self.owner,
        )
        order.refresh_from_db()
        self.assertEqual(order.status, Status.REOPENED)

    def test_it_records_a_call_and_refuses_a_second_record(self):
        order = self.closed()
        follow_up = order.follow_ups.get()
        services.follow_up_record(
            follow_up=follow_up, method="phone", resolved="yes", satisfaction=5, actor=self.supervisor
        )
        with self.assertRaises(ValidationError):
            services.follow_up_record(
                follow_up=follow_up, method="phone", resolved="yes", satisfaction=5, actor=self.supervisor
            )

    def test_it_refuses_staff_without_manage_and_strangers(self):
        order = self.closed()
        for actor in (self.staff, self.other_owner, self.outsider):
            with self.assertRaises(PermissionDenied):
                services.follow_up_record(
                    follow_up=order.follow_ups.get(), method="phone", resolved="yes", satisfaction=5, actor=actor
                )


class UpdateTests(BaseTestCase):
    def test_it_restarts_pending_clocks_on_a_new_priority(self):
        order = report(self)
        before = order.resolve_due_at
        services.workorder_update(order=order, data={"priority": Priority.P1}, actor=self.supervisor, reason="升级")
        order.refresh_from_db()
        self.assertEqual(order.sla_clock, "24x7")
        self.assertNotEqual(order.resolve_due_at, before)
        self.assertEqual(order.events.latest("id").kind, EventKind.UPDATED)

    def test_it_refuses_staff_without_manage(self):
        order = report(self)
        with self.assertRaises(PermissionDenied):
            services.workorder_update(order=order, data={"priority": Priority.P1}, actor=self.staff)


class RoleTableTests(BaseTestCase):
    def test_it_gives_inspectors_and_committees_no_work_orders(self):
        from core.choices import ROLE_PERMS, Perm

        for role in (Role.INSPECTOR, Role.COMMITTEE):
            self.assertFalse({Perm.WO_VIEW, Perm.WO_MANAGE} & ROLE_PERMS[role])
        self.assertIn(Perm.WO_WORK, ROLE_PERMS[Role.STAFF])
        self.assertNotIn(Perm.WO_MANAGE, ROLE_PERMS[Role.STAFF])
        self.assertEqual(DepartmentKind.ENGINEERING, self.department.kind)
