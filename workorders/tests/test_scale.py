"""gen_scale's work orders: rows that look like what the services write, and the sweep agrees."""

import datetime as dt
import random
from collections import Counter
from io import StringIO

from django.core.management import call_command
from django.db.models import Count
from django.test import TestCase
from django.utils import timezone

from accounts.models import User
from core.demo.scale import scale_delete_company
from core.demo.scale_workorders import WorkingTime
from core.models import Company, Membership
from core.selectors import business_calendar
from workorders import services, sla
from workorders.choices import DONE_STATUSES, OPEN_STATUSES, EventKind, SlaClock, Status
from workorders.models import FollowUp, SlaBreach, WorkOrder, WorkOrderEvent

AS_OF = dt.datetime(2026, 3, 2, 10, 30, tzinfo=dt.UTC)  # a Monday after the Spring Festival holidays


def generate(code: str, *extra: str, orders: int = 600) -> str:
    out = StringIO()
    args = ["--projects", "2", "--units-per-project", "200", "--company-code", code, "--no-progress"]
    args += ["--workorders", str(orders), "--as-of", AS_OF.isoformat(), *extra]
    call_command("gen_scale", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


class WorkingTimeTests(TestCase):
    def test_it_agrees_with_the_business_calendar(self) -> None:
        company = Company.objects.create(name="日历", code="cal")
        from core.services import calendar_seed_known_years

        calendar_seed_known_years(company=company)
        calendar = business_calendar(company=company)
        working = WorkingTime(calendar, first=dt.date(2025, 1, 1), last=dt.date(2026, 12, 31))
        tz = timezone.get_current_timezone()
        rng = random.Random(5)
        for _ in range(400):
            start = dt.datetime(2025, 1, 2, tzinfo=tz) + dt.timedelta(seconds=rng.randrange(600 * 86400))
            minutes = rng.choice([1, 7.5, 30, 48, 540, 1080, 3780])
            expected = calendar.add_working_minutes(start, minutes)
            self.assertEqual(working.add(int(start.timestamp()), int(minutes * 60)), int(expected.timestamp()))
            end = start + dt.timedelta(seconds=rng.randrange(20 * 86400))
            between = calendar.working_minutes_between(start, end)
            self.assertEqual(working.minutes_between(int(start.timestamp()), int(end.timestamp())), between)


class GenScaleWorkOrdersTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.output = generate("wo-a")
        cls.company = Company.objects.get(code="wo-a")
        cls.orders = WorkOrder.objects.filter(company=cls.company)
        cls.reported = cls.orders.filter(source_key__isnull=True)
        generate("wo-open", "--open-only", orders=300)
        cls.backlog = WorkOrder.objects.filter(company__code="wo-open")

    def test_it_reports_the_counts_and_rate(self) -> None:
        self.assertRegex(self.output, r"Generated 600 work orders \(and \d+ rectification orders")
        self.assertIn("rows/s", self.output)
        self.assertEqual(self.reported.count(), 600)
        self.assertEqual(len({o.project_id for o in self.orders}), 2)

    def test_it_mixes_kinds_statuses_and_dates_over_a_year(self) -> None:
        kinds = Counter(self.reported.values_list("kind", flat=True))
        self.assertGreater(kinds["repair"], 300)
        self.assertGreaterEqual(len(kinds), 5)
        statuses = Counter(self.reported.values_list("status", flat=True))
        self.assertGreater(statuses[Status.CLOSED], 400)
        self.assertGreater(statuses[Status.CANCELLED], 0)
        first = self.orders.order_by("created").first().created
        self.assertLess(first, AS_OF - dt.timedelta(days=330))
        self.assertLessEqual(self.orders.order_by("-created").first().created, AS_OF)
        ids = list(self.orders.order_by("created", "id").values_list("id", flat=True))
        self.assertEqual(ids, sorted(ids), "ids rise with the report time")

    def test_it_keeps_status_and_milestones_consistent(self) -> None:
        for o in [*self.orders, *self.backlog]:
            self.assertEqual(o.completed_at is not None, o.status in DONE_STATUSES, o.pk)
            self.assertEqual(o.closed_at is not None, o.status == Status.CLOSED, o.pk)
            if o.status != Status.SUBMITTED and o.status != Status.ACCEPTED:
                self.assertIsNotNone(o.dispatched_at)
                self.assertIsNotNone(o.assignee_id)
            self.assertEqual(o.sla_paused_at is not None, o.status == Status.ON_HOLD, o.pk)
            if o.take_due_at is not None:
                self.assertEqual((o.status, o.taken_at), (Status.DISPATCHED, None))
                self.assertGreater(o.take_due_at, AS_OF)
            for name in ("accepted_at", "dispatched_at", "taken_at", "arrived_at", "completed_at", "closed_at"):
                value = getattr(o, name)
                self.assertTrue(value is None or o.created <= value <= AS_OF, (o.pk, name))

    def test_it_sets_the_sla_clock_only_for_open_orders_with_pending_checkpoints(self) -> None:
        for o in [*self.orders, *self.backlog]:
            if o.status not in OPEN_STATUSES or o.status == Status.ON_HOLD:
                self.assertIsNone(o.sla_next_at, o.pk)
            if o.status not in OPEN_STATUSES:
                self.assertEqual(o.sla_checkpoints, [], o.pk)
            self.assertEqual(o.sla_next_at, sla.next_at(o.sla_checkpoints), o.pk)
            self.assertTrue(o.sla_next_at is None or o.sla_next_at > AS_OF, o.pk)
        self.assertGreater(self.backlog.filter(sla_next_at__isnull=False).count(), 100)
        self.assertTrue(self.backlog.filter(status=Status.ON_HOLD).exists())

    def test_it_plans_deadlines_as_the_sla_engine_does(self) -> None:
        calendar = business_calendar(company=self.company)
        for o in self.orders.select_related("sla_policy").order_by("id")[:150]:
            limits = {t: o.sla_policy.minutes(t) for t in ("ack", "dispatch", "arrive", "resolve")}
            points = sla.plan(limits=limits, start=o.created, clock=o.sla_clock, calendar=calendar)
            dues = sla.due_dates(points)
            self.assertEqual(
                (o.ack_due_at, o.dispatch_due_at, o.arrive_due_at, o.resolve_due_at),
                (dues["ack"], dues["dispatch"], dues["arrive"], dues["resolve"]),
                o.pk,
            )
            pending = [p for p in points if "at" in p and p in o.sla_checkpoints]
            self.assertEqual(pending, [p for p in o.sla_checkpoints if "at" in p], o.pk)
        self.assertTrue(self.orders.filter(sla_clock=SlaClock.BUSINESS).exists())

    def test_it_writes_an_event_for_every_status_change(self) -> None:
        events = WorkOrderEvent.objects.filter(company=self.company)
        per_order = Counter(events.values_list("order_id", flat=True))
        self.assertEqual(len(per_order), self.orders.count())
        self.assertGreaterEqual(min(per_order.values()), 2)
        mean = sum(per_order.values()) / len(per_order)
        self.assertTrue(3 <= mean <= 8, mean)
        changes = events.exclude(from_status="").exclude(to_status="").order_by("order_id", "created", "id")
        last = {}
        for order_id, to_status in changes.values_list("order_id", "to_status"):
            last[order_id] = to_status
        for o in self.orders:
            self.assertEqual(last.get(o.pk, Status.SUBMITTED), o.status, o.pk)
        self.assertEqual(events.filter(kind=EventKind.CREATED).count(), self.orders.count())

    def test_it_records_breaches_and_follow_ups(self) -> None:
        closed = set(self.orders.filter(status=Status.CLOSED).values_list("id", flat=True))
        self.assertEqual(set(FollowUp.objects.filter(company=self.company).values_list("order_id", flat=True)), closed)
        breaches = SlaBreach.objects.filter(company=self.company)
        breach_events = WorkOrderEvent.objects.filter(company=self.company, kind=EventKind.SLA_BREACH)
        self.assertEqual(breaches.count(), breach_events.count())
        self.assertTrue(breaches.exists())

    def test_it_opens_the_monthly_rectification_orders_of_the_breach_rule(self) -> None:
        for orders in (self.orders, self.backlog):
            company_id = orders.first().company_id
            breaches = SlaBreach.objects.filter(company_id=company_id)
            per_month = Counter((b.project_id, f"{timezone.localtime(b.breached_at):%Y-%m}") for b in breaches)
            opened = set(orders.filter(source_key__isnull=False).values_list("source_key", flat=True))
            wanted = {f"sla-breaches:{p}:{m}" for (p, m), n in per_month.items() if n >= 3}
            self.assertEqual(opened, wanted)
        rectification = self.orders.filter(source_key__isnull=False).first()
        self.assertEqual((rectification.kind, rectification.source), ("rectification", "system"))
        self.assertIn(rectification.source_key.rsplit(":", 1)[1], rectification.title)

    def test_it_leaves_nothing_for_the_sweep_at_as_of(self) -> None:
        self.assertEqual(services.sla_sweep(now=AS_OF), {})
        due = self.backlog.filter(sla_next_at__lte=AS_OF + dt.timedelta(hours=2)).count()
        totals = services.sla_sweep(now=AS_OF + dt.timedelta(hours=2))
        self.assertEqual(totals["orders"], due)

    def test_it_gives_orders_the_services_can_carry_on(self) -> None:
        order = self.backlog.filter(status=Status.IN_PROGRESS).select_related("company", "project").first()
        assignee = User.objects.get(pk=order.assignee_id)
        services.workorder_complete(order=order, actor=assignee, note="好了")
        order.refresh_from_db()
        self.assertEqual((order.status, order.sla_next_at), (Status.COMPLETED, None))

    def test_it_makes_an_open_backlog(self) -> None:
        self.assertEqual(self.backlog.filter(source_key__isnull=True).count(), 300)
        self.assertFalse(self.backlog.exclude(status__in=OPEN_STATUSES).exists())
        self.assertGreater(self.backlog.first().created, AS_OF - dt.timedelta(days=4))

    def test_it_creates_staff_in_departments(self) -> None:
        roles = Counter(Membership.objects.filter(company=self.company).values_list("role", flat=True))
        self.assertEqual(roles["company_admin"], 1)
        self.assertEqual(roles["project_manager"], 2)
        self.assertGreater(roles["staff"], 20)
        load = self.orders.values("assignee_id").annotate(n=Count("id"))
        self.assertGreater(len(load), 5)


class GenScaleWorkOrderOptionsTests(TestCase):
    def test_it_is_reproducible_from_the_seed(self) -> None:
        generate("wo-b", "--seed", "4", orders=200)
        generate("wo-c", "--seed", "4", orders=200)
        fields = ("status", "kind", "priority", "created", "sla_next_at", "resolve_due_at", "title")

        def snapshot(code):
            return list(WorkOrder.objects.filter(company__code=code).order_by("id").values_list(*fields))

        self.assertEqual(snapshot("wo-b")[:50], snapshot("wo-c")[:50])

    def test_it_deletes_orders_and_staff_with_the_company(self) -> None:
        generate("wo-d", orders=100)
        company = Company.objects.get(code="wo-d")
        scale_delete_company(company)
        self.assertFalse(WorkOrder.objects.filter(company_id=company.pk).exists())
        self.assertFalse(User.objects.filter(username__startswith="gen-wo-d-").exists())

    def test_it_refuses_a_naive_as_of(self) -> None:
        from django.core.management.base import CommandError

        with self.assertRaisesMessage(CommandError, "time zone"):
            call_command(
                "gen_scale", "--projects", "1", "--units-per-project", "10", "--workorders", "5",
                "--as-of", "2026-03-01T09:00", "--no-progress", stdout=StringIO(),
            )  # fmt: skip
