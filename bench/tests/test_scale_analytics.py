"""gen_scale for the analytics benchmarks: owners' ratings in the order history, and --rollups."""

import datetime as dt
from io import StringIO

from django.core.management import call_command
from django.db.models import Sum
from django.test import TestCase

from analytics.models import FindingDaily, RollupCursor, TaskDaily, WorkOrderDaily
from analytics.services import rollup_rebuild
from core.demo.scale_rollups import history_days
from core.models import Company
from plans.models import Task, TaskEvent
from workorders.choices import DONE_STATUSES, FINAL_STATUSES, EventKind
from workorders.models import Rating, WorkOrder, WorkOrderEvent

AS_OF = dt.datetime(2026, 3, 2, 10, 30, tzinfo=dt.UTC)
COUNTERS = ("reported", "completed", "ratings", "stars_sum", "low_ratings", "follow_ups_done", "arrive_due")


def generate(code: str, *extra: str) -> str:
    out = StringIO()
    args = ["--projects", "2", "--units-per-project", "60", "--company-code", code, "--no-progress"]
    args += ["--workorders", "500", "--plans", "10", "--tasks", "400", "--as-of", AS_OF.isoformat(), *extra]
    call_command("gen_scale", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def totals(company: Company) -> dict:
    return WorkOrderDaily.objects.filter(company=company).aggregate(**{c: Sum(c) for c in COUNTERS})


class GenScaleRatingsAndRollupsTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.output = generate("an-a", "--rollups")
        cls.company = Company.objects.get(code="an-a")

    def test_owners_on_the_roster_rate_done_orders_as_workorder_rate_writes_it(self) -> None:
        ratings = Rating.objects.filter(company=self.company).select_related("order")
        self.assertGreater(ratings.count(), 20)
        self.assertIn(f" {ratings.count()} ratings ", self.output)
        for rating in ratings:
            order = rating.order
            self.assertIn(order.status, DONE_STATUSES)
            self.assertIsNotNone(order.resident_id)
            self.assertIsNone(rating.rater_id)
            self.assertEqual(rating.round, 0)
            self.assertTrue(1 <= rating.stars <= 5)
            self.assertGreaterEqual(rating.created, order.completed_at)
            self.assertLessEqual(rating.created, AS_OF)
            rated = WorkOrderEvent.objects.filter(order=order, kind=EventKind.RATED)
            self.assertEqual([e.data["stars"] for e in rated], [rating.stars])
            low = WorkOrderEvent.objects.filter(order=order, kind=EventKind.FLAGGED, data__reason="low_rating")
            self.assertEqual(low.count(), int(rating.stars <= 2))
        self.assertTrue(ratings.filter(stars__lte=2).exists())
        # a rating is no status change: the order's updated time is its last status change or earlier
        for order in WorkOrder.objects.filter(pk__in=ratings.values("order_id")):
            self.assertLessEqual(order.updated, AS_OF)

    def test_rollups_cover_the_whole_history_and_equal_a_rebuild(self) -> None:
        self.assertRegex(
            self.output, r"Rebuilt the roll-ups of \d+ days \(\d{4}-\d\d-\d\d to \d{4}-\d\d-\d\d\): \d+ rows"
        )
        first, last = history_days(self.company)
        self.assertLessEqual(first, dt.date(2025, 3, 3))
        self.assertGreaterEqual(last, dt.date(2026, 3, 3))  # tomorrow's tasks are generated
        before = totals(self.company)
        live = WorkOrder.objects.filter(company=self.company).exclude(status__in=sorted(FINAL_STATUSES))
        self.assertEqual(before["reported"], live.count())
        self.assertEqual(before["ratings"], Rating.objects.filter(company=self.company).count())  # all done orders
        self.assertGreater(TaskDaily.objects.filter(company=self.company).count(), 0)
        self.assertEqual(
            TaskDaily.objects.filter(company=self.company).aggregate(n=Sum("scheduled"))["n"],
            Task.objects.filter(company=self.company).exclude(status="cancelled").count(),
        )
        self.assertFalse(FindingDaily.objects.filter(company=self.company).exists())  # no --inspections
        rollup_rebuild(company=self.company, days=[first + dt.timedelta(n) for n in range((last - first).days + 1)])
        self.assertEqual(totals(self.company), before)

    def test_the_refresh_cursors_stand_at_the_newest_events(self) -> None:
        cursors = dict(RollupCursor.objects.values_list("source", "last_id"))
        self.assertEqual(cursors["workorders.WorkOrderEvent"], WorkOrderEvent.objects.order_by("-pk")[0].pk)
        self.assertEqual(cursors["plans.TaskEvent"], TaskEvent.objects.order_by("-pk")[0].pk)
        self.assertEqual(cursors["plans.Task"], Task.objects.order_by("-pk")[0].pk)

    def test_without_rollups_nothing_is_rolled_up(self) -> None:
        out = generate("an-b")
        self.assertNotIn("Rebuilt the roll-ups", out)
        self.assertFalse(WorkOrderDaily.objects.filter(company__code="an-b").exists())
        self.assertIsNone(history_days(Company.objects.create(name="空", code="an-empty")))
