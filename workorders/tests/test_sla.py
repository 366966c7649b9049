"""SLA clocks across nights, weekends, holidays, adjusted working days and pauses, with frozen time."""

import datetime as dt
import threading
from zoneinfo import ZoneInfo

import time_machine
from django.db import close_old_connections, connection
from django.test import TransactionTestCase
from django_scopes import scopes_disabled

from core import services as core_services
from lib.testing import BaseTestCase, build_company, make_user
from workorders import services
from workorders.choices import EventKind, Kind, Priority, SlaState, Status
from workorders.models import SlaBreach, WorkOrder, WorkOrderEvent
from workorders.services.sla import _sweep_rows
from workorders.tests.factories import category, report

SH = ZoneInfo("Asia/Shanghai")


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SH)


class BusinessClockTests(BaseTestCase):
    """P2/P3 clocks follow the company's calendar: 09:00–18:00 on working days (2026 from chinesecalendar)."""

    def phone_in(self, **data):
        data.setdefault("kind", Kind.REPAIR)
        data.setdefault("description", "门锁坏了")
        data.setdefault("area", self.area)
        return services.workorder_create(project=self.project, data=data, actor=self.supervisor)

    def test_it_carries_a_limit_over_the_night(self):
        with time_machine.travel(at(2026, 11, 19, 17, 45), tick=False):  # Thursday
            order = self.phone_in(priority=Priority.P2)  # acknowledge in 30 working minutes
        self.assertEqual(order.sla_clock, "business")
        self.assertEqual(order.ack_due_at, at(2026, 11, 20, 9, 15))

    def test_it_skips_the_weekend(self):
        with time_machine.travel(at(2026, 11, 20, 17, 45), tick=False):  # Friday
            order = self.phone_in(priority=Priority.P2)
        self.assertEqual(order.ack_due_at, at(2026, 11, 23, 9, 15))

    def test_it_skips_national_day_and_counts_the_adjusted_saturday(self):
        with time_machine.travel(at(2026, 9, 30, 17, 0), tick=False):  # the day before the holiday
            order = self.phone_in(priority=Priority.P2)  # resolve: 2 working days = 1080 working minutes
        # 60 min on 30 Sep, 1–7 Oct off, 540 on 8 Oct, 480 more on 9 Oct.
        self.assertEqual(order.resolve_due_at, at(2026, 10, 9, 17, 0))
        with time_machine.travel(at(2026, 10, 9, 17, 30), tick=False):
            p3 = self.phone_in(priority=Priority.P3)  # acknowledge in 60: 10 Oct is a Saturday worked in exchange
        self.assertEqual(p3.ack_due_at, at(2026, 10, 10, 9, 30))

    def test_it_follows_days_an_admin_enters(self):
        core_services.calendar_day_set(
            company=self.company, date=dt.date(2026, 11, 20), is_workday=False, name="公司活动日", actor=self.admin
        )
        with time_machine.travel(at(2026, 11, 19, 17, 45), tick=False):
            order = self.phone_in(priority=Priority.P2)
        self.assertEqual(order.ack_due_at, at(2026, 11, 23, 9, 15))

    def test_it_runs_p0_and_p1_around_the_clock(self):
        with time_machine.travel(at(2026, 11, 21, 23, 30), tick=False):  # Saturday night
            order = self.phone_in(priority=Priority.P1)
        self.assertEqual(order.sla_clock, "24x7")
        self.assertEqual(order.ack_due_at, at(2026, 11, 21, 23, 35))
        self.assertEqual(order.resolve_due_at, at(2026, 11, 22, 23, 30))

    def test_it_uses_the_service_level_of_the_project(self):
        core_services.project_update(project=self.project, data={"service_level": "level_3"}, actor=self.admin)
        with time_machine.travel(at(2026, 11, 21, 10, 0), tick=False):
            order = self.phone_in(priority=Priority.P1)
        self.assertEqual(order.arrive_due_at, at(2026, 11, 21, 12, 0))  # 三级: 120 minutes

    def test_it_measures_the_arrival_against_an_appointment(self):
        with time_machine.travel(at(2026, 11, 19, 10, 0), tick=False):
            order = self.phone_in(priority=Priority.P2, appointment_at=at(2026, 11, 20, 15, 0))
        self.assertEqual(order.arrive_due_at, at(2026, 11, 20, 15, 0))


class WeatherWarningTests(BaseTestCase):
    """DOMAIN §6.2: during a red weather warning, P2/P3 repair limits are multiplied (1.5 by default)."""

    def phone_in(self, **data):
        data.setdefault("kind", Kind.REPAIR)
        data.setdefault("description", "门锁坏了")
        data.setdefault("area", self.area)
        return services.workorder_create(project=self.project, data=data, actor=self.supervisor)

    def warn(self, until: dt.datetime) -> None:
        services.workorder_settings_update(
            company=self.company, data={"weather_warning_until": until}, actor=self.admin
        )

    def test_it_stretches_p2_repairs_while_the_warning_lasts(self):
        self.warn(at(2026, 11, 19, 20, 0))
        with time_machine.travel(at(2026, 11, 19, 10, 0), tick=False):  # Thursday
            order = self.phone_in(priority=Priority.P2)  # acknowledge in 30 working minutes × 1.5
        self.assertEqual(order.ack_due_at, at(2026, 11, 19, 10, 45))

    def test_it_leaves_urgent_repairs_and_complaints_alone(self):
        self.warn(at(2026, 11, 19, 20, 0))
        with time_machine.travel(at(2026, 11, 19, 10, 0), tick=False):
            p1 = self.phone_in(priority=Priority.P1)
            complaint = self.phone_in(kind=Kind.COMPLAINT, priority=Priority.P2, description="保洁不到位")
        self.assertEqual(p1.ack_due_at, at(2026, 11, 19, 10, 5))
        with time_machine.travel(at(2026, 11, 20, 10, 0), tick=False):  # the warning is over
            normal = self.phone_in(kind=Kind.COMPLAINT, priority=Priority.P2, description="保洁不到位")
        self.assertEqual(complaint.ack_due_at - at(2026, 11, 19, 10, 0), normal.ack_due_at - at(2026, 11, 20, 10, 0))

    def test_it_ends_with_the_warning(self):
        self.warn(at(2026, 11, 19, 9, 0))
        with time_machine.travel(at(2026, 11, 19, 10, 0), tick=False):
            order = self.phone_in(priority=Priority.P2)
        self.assertEqual(order.ack_due_at, at(2026, 11, 19, 10, 30))


class PauseTests(BaseTestCase):
    def test_it_stops_the_clock_on_hold_and_shifts_deadlines_on_resume(self):
        with time_machine.travel(at(2026, 11, 21, 10, 0), tick=False):
            order = report(self, category=category(self.company, "water-leak"))  # P1, 24×7, resolve 24 h
            self.assertEqual(order.assignee, self.staff)
            services.workorder_start(order=order, actor=self.staff)
        with time_machine.travel(at(2026, 11, 21, 11, 0), tick=False):
            services.workorder_hold(order=order, hold_reason="parts", actor=self.staff)
        order.refresh_from_db()
        self.assertIsNone(order.sla_next_at)
        with time_machine.travel(at(2026, 11, 21, 14, 0), tick=False):
            services.workorder_resume(order=order, actor=self.staff)
        order.refresh_from_db()
        self.assertEqual(order.resolve_due_at, at(2026, 11, 22, 13, 0))
        self.assertEqual(order.sla_paused_minutes, 180)
        self.assertEqual(order.status, Status.IN_PROGRESS)

    def test_it_pauses_business_time_only_within_working_hours(self):
        with time_machine.travel(at(2026, 11, 19, 17, 0), tick=False):  # Thursday
            order = services.workorder_create(
                project=self.project,
                data={"kind": Kind.REPAIR, "priority": Priority.P3, "description": "外墙渗水", "area": self.area},
                actor=self.supervisor,
            )
            due = order.resolve_due_at
            services.workorder_accept(order=order, actor=self.supervisor)
            services.workorder_hold(order=order, hold_reason="owner", actor=self.supervisor)
        with time_machine.travel(at(2026, 11, 20, 10, 0), tick=False):  # two working hours later
            services.workorder_resume(order=order, actor=self.supervisor)
        order.refresh_from_db()
        # 7 working days from Thursday 17:00 end Monday 30 Nov 17:00; two held working hours move it to Tuesday 10:00.
        self.assertEqual(due, at(2026, 11, 30, 17, 0))
        self.assertEqual(order.resolve_due_at, at(2026, 12, 1, 10, 0))


class SweepTests(BaseTestCase):
    def p1(self):
        with time_machine.travel(at(2026, 11, 21, 10, 0), tick=False):
            return report(self, category=category(self.company, "water-leak"))  # dispatched at once: ack met

    def sla_events(self, order):
        return list(
            order.events.filter(kind__in=[EventKind.SLA_WARNING, EventKind.SLA_BREACH]).values_list(
                "kind", "data__target", "data__level"
            )
        )

    def test_it_fires_50_80_and_the_breach_once_each(self):
        order = self.p1()  # arrive 60 min (二级 default), resolve 24 h
        services.sla_sweep(now=at(2026, 11, 21, 10, 29))
        self.assertEqual(self.sla_events(order), [])
        services.sla_sweep(now=at(2026, 11, 21, 10, 31))
        services.sla_sweep(now=at(2026, 11, 21, 10, 31))
        self.assertEqual(self.sla_events(order), [("sla_warning", "arrive", 50)])
        services.sla_sweep(now=at(2026, 11, 21, 10, 49))
        services.sla_sweep(now=at(2026, 11, 21, 11, 1))
        self.assertEqual(
            self.sla_events(order),
            [("sla_warning", "arrive", 50), ("sla_warning", "arrive", 80), ("sla_breach", "arrive", 100)],
        )
        order.refresh_from_db()
        self.assertEqual(order.sla_state, SlaState.BREACHED)
        breach = SlaBreach.objects.get(order=order)
        self.assertEqual((breach.target, breach.due_at), ("arrive", at(2026, 11, 21, 11, 0)))

    def test_it_reports_only_the_worst_level_when_late(self):
        order = self.p1()
        services.sla_sweep(now=at(2026, 11, 21, 11, 5))
        self.assertEqual(self.sla_events(order), [("sla_breach", "arrive", 100)])

    def test_it_ignores_met_and_paused_targets(self):
        order = self.p1()
        with time_machine.travel(at(2026, 11, 21, 10, 20), tick=False):
            services.workorder_start(order=order, actor=self.staff)
            services.workorder_hold(order=order, hold_reason="parts", actor=self.staff)
        services.sla_sweep(now=at(2026, 11, 23, 10, 0))
        self.assertEqual(self.sla_events(order), [])

    def test_it_does_not_fire_twice_from_a_stale_read(self):
        order = self.p1()
        now = at(2026, 11, 21, 11, 5)
        stale = list(
            WorkOrder.objects.filter(pk=order.pk).values(
                "id",
                "company_id",
                "project_id",
                "status",
                "sla_checkpoints",
                "sla_version",
                "sla_state",
                "reopen_count",
            )
        )
        services.sla_sweep(now=now)
        _sweep_rows(stale, now=now, totals={"orders": 0, "breaches": 0, "warnings": 0})
        self.assertEqual(len(self.sla_events(order)), 1)

    def test_it_opens_one_rectification_order_at_three_breaches_in_a_month(self):
        orders = [self.p1() for _ in range(4)]
        services.sla_sweep(now=at(2026, 11, 21, 11, 5))
        rect = WorkOrder.objects.get(kind=Kind.RECTIFICATION)
        self.assertEqual(rect.source_key, f"sla-breaches:{self.project.pk}:2026-11")
        self.assertEqual(rect.project, self.project)
        services.sla_sweep(now=at(2026, 11, 22, 11, 5))  # resolve breaches too: still one order
        self.assertEqual(WorkOrder.objects.filter(kind=Kind.RECTIFICATION).count(), 1)
        self.assertEqual(SlaBreach.objects.filter(order__in=orders).count(), 8)

    def test_it_redispatches_an_order_nobody_takes(self):
        colleague = make_user("colleague", name="孙师傅", phone="13900000099")
        core_services.membership_grant(
            company=self.company,
            project=self.project,
            user=colleague,
            role="staff",
            department=self.department,
            actor=self.admin,
        )
        from workorders.tasks import sweep

        order = self.p1()
        first = order.assignee
        with time_machine.travel(at(2026, 11, 21, 10, 16), tick=False):
            sweep()
        order.refresh_from_db()
        self.assertNotEqual(order.assignee, first)
        self.assertEqual(order.status, Status.DISPATCHED)
        with time_machine.travel(at(2026, 11, 21, 10, 32), tick=False):
            sweep()  # nobody else left: escalate to the supervisor
        order.refresh_from_db()
        self.assertTrue(order.is_escalated)
        escalated = order.events.get(kind=EventKind.ESCALATED)
        self.assertIn(self.supervisor.pk, escalated.data["to"])
        with time_machine.travel(at(2026, 11, 21, 10, 50), tick=False):
            sweep()
        self.assertEqual(order.events.filter(kind=EventKind.ESCALATED).count(), 1)


class ConcurrentSweepTests(TransactionTestCase):
    """Two sweeps at the same moment fire each checkpoint once.

    On PostgreSQL the sweeps run in two threads and really race on the row locks; SQLite
    serialises writers (IMMEDIATE transactions), so there the same test runs them in turn.
    """

    def test_it_fires_each_warning_once_with_two_sweeps(self):
        operator = make_user("op", superuser=True)
        admin = make_user("boss", phone="13911111111")
        built = build_company(code="race", name="竞速物业", operator=operator, admin=admin)
        with time_machine.travel(at(2026, 11, 21, 10, 0), tick=False):
            for i in range(60):
                services.workorder_create(
                    project=built["project"],
                    data={
                        "kind": Kind.REPAIR,
                        "priority": Priority.P1,
                        "description": f"跳闸{i}",
                        "area": built["area"],
                    },
                    actor=admin,
                )
        now = at(2026, 11, 22, 12, 0)  # every ack, dispatch, arrive and resolve limit is due
        barrier = threading.Barrier(2)
        results = []

        def run():
            try:
                barrier.wait(timeout=10)
                with scopes_disabled():  # scopes are per thread; the periodic job disables them too
                    results.append(services.sla_sweep(now=now, batch=7))
            finally:
                close_old_connections()

        if connection.vendor == "postgresql":
            threads = [threading.Thread(target=run) for _ in range(2)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
        else:
            barrier = threading.Barrier(1)
            run()
            run()
        self.assertEqual(WorkOrderEvent.objects.filter(kind=EventKind.SLA_BREACH).count(), 60 * 4)
        self.assertEqual(SlaBreach.objects.count(), 60 * 4)
        self.assertEqual(sum(r.get("breaches", 0) for r in results), 60 * 4)
        self.assertEqual(WorkOrder.objects.filter(kind=Kind.RECTIFICATION).count(), 1)
