"""rollup_refresh: the days touched by new events are rebuilt (including days an order no longer
counts on), incremental refreshes equal a rebuild from scratch (a property test over random order
histories), the job is idempotent and the command rebuilds a range."""

import datetime as dt
from io import StringIO

import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.test import override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from analytics.models import RollupCursor, TaskDaily, WorkOrderDaily
from analytics.services import rollup_rebuild, rollup_refresh
from analytics.tests.base import D0, DAY, HOUR, MINUTE, T0, AnalyticsTestCase, table, tables
from inspections.tests.findings_base import T0 as F0
from inspections.tests.findings_base import FindingTestCase
from plans import services as plan_services
from plans.tests.base import PlanTestCase
from plans.tests.base import at as plan_at
from workorders import services as wo
from workorders.choices import Kind
from workorders.models import FollowUp
from workorders.services import Conflict

SPAN = [D0 + n * DAY for n in range(-2, 45)]


def rebuilt_from_scratch(test) -> dict:
    """All roll-up rows recomputed over the whole span, then restored to what the job had made."""
    from analytics.tests.base import COUNTERS

    incremental = tables()
    for model in COUNTERS:
        model.objects.all().delete()
    for company in (test.company, test.other_company):
        rollup_rebuild(company=company, days=SPAN)
    scratch = tables()
    return incremental, scratch


class RollupRefreshTests(AnalyticsTestCase):
    def refresh(self, when: dt.datetime) -> dict[str, int]:
        return rollup_refresh(now=when)

    def test_it_rebuilds_the_days_new_events_touch(self) -> None:
        order = self.report(priority="p1")
        totals = self.refresh(T0 + MINUTE)
        self.assertEqual((totals["orders"], totals["days"]), (1, 2))  # reported and due on site today, due tomorrow
        self.repair_done(order, arrive=T0 + 30 * MINUTE, done=T0 + HOUR)
        self.refresh(T0 + 2 * HOUR)
        incremental, scratch = rebuilt_from_scratch(self)
        self.assertEqual(incremental, scratch)
        self.assertEqual(sum(c.get("completed", 0) for c in scratch["WorkOrderDaily"].values()), 1)

    def test_a_moved_deadline_clears_its_old_day(self) -> None:
        order = self.report(priority="p3")  # repaired within 7 working days
        self.refresh(T0 + MINUTE)
        old_days = set(WorkOrderDaily.objects.filter(resolve_due=1).values_list("day", flat=True))
        self.step("update", order, when=T0 + HOUR, data={"priority": "p1"})
        self.refresh(T0 + 2 * HOUR)
        new_days = set(WorkOrderDaily.objects.filter(resolve_due=1).values_list("day", flat=True))
        self.assertNotEqual(old_days, new_days)
        self.assertEqual(new_days, {D0 + DAY})
        incremental, scratch = rebuilt_from_scratch(self)
        self.assertEqual(incremental, scratch)

    def test_running_twice_changes_nothing_and_cursors_move(self) -> None:
        self.report(priority="p1")
        self.refresh(T0 + MINUTE)
        before = tables()
        again = self.refresh(T0 + 2 * MINUTE)  # re-reads the last passes' events: same rows
        self.assertEqual(tables(), before)
        self.assertGreaterEqual(again["orders"], 0)
        cursor = RollupCursor.objects.get(source="workorders.WorkOrderEvent")
        self.assertGreater(cursor.last_id, 0)

    def test_the_command_rebuilds_a_range_of_one_company(self) -> None:
        self.report(priority="p1")
        out = StringIO()
        call_command(
            "rollup_rebuild", "--company", self.company.code, "--from", str(D0), "--to", str(D0 + DAY), stdout=out
        )
        self.assertIn("2", out.getvalue())
        self.assertEqual(len(table(WorkOrderDaily)), 2)

    def test_the_command_rejects_an_unknown_company(self) -> None:
        from django.core.management import CommandError

        with self.assertRaises(CommandError):
            call_command("rollup_rebuild", "--company", "nope", "--from", str(D0), "--to", str(D0))


ACTIONS = (
    "report",
    "dispatch",
    "start",
    "complete",
    "verify_fail",
    "close",
    "reopen",
    "cancel",
    "priority",
    "hold",
    "rate",
    "follow_up",
)


# Later actions first take the usual way there, a minute a step (each step may be refused), so
# random histories reach ratings, follow-ups and reopens often enough.
WAY = {
    "start": ("dispatch", "start"),
    "complete": ("dispatch", "start", "complete"),
    "rate": ("dispatch", "start", "complete", "rate"),
    "close": ("dispatch", "start", "complete", "close"),
    "follow_up": ("dispatch", "start", "complete", "close", "follow_up"),
}


class RefreshEqualsRebuildProperty(HypothesisTestCase, AnalyticsTestCase):
    """Random order histories: after every action the job refreshes; the rows equal a rebuild."""

    def act(self, action: str, orders: list, index: int, when: dt.datetime, choice: int) -> None:
        if action == "report" or not orders:
            kind = (Kind.REPAIR, Kind.COMPLAINT)[choice % 2]
            # categories make repeated problems (hotspots): complaints about noise, leaks at the
            # owner's unit, a broken light in the lobby (a public area, no unit)
            codes = {1: "c-order-noise", 3: "c-order-noise", 5: "c-order-noise", 0: "water-leak", 2: "water-leak"}
            category = self.category(codes.get(choice, "electric-public-light"))
            unit = (self.unit, self.unit2)[choice % 2]
            data = {"kind": kind, "priority": ("p1", "p2", "p3")[choice % 3], "unit": unit, "category": category}
            if choice == 4:
                data.pop("unit")
                data["area"] = self.area
            if choice in (0, 2):  # the owner's own report of his unit: he may rate it
                data.update(unit=self.unit, description="卫生间漏水")
                orders.append(self.report(when=when, actor=self.owner, **data))
            else:
                orders.append(self.report(when=when, **data))
            return
        order = orders[index % len(orders)]
        for n, name in enumerate(WAY.get(action, (action,))):
            try:
                self.do(name, order, when + n * MINUTE, choice)
            except (ValidationError, PermissionDenied, Conflict):
                pass  # not allowed in this state: the history goes on without it

    def do(self, name: str, order, when: dt.datetime, choice: int) -> None:
        if name == "dispatch":
            self.dispatch(order, when=when)
        elif name == "start":
            self.start(order, when=when)
        elif name == "complete":
            self.complete(order, when=when)
        elif name == "verify_fail":
            self.step("verify", order, when=when, passed=False, reason="返工")
        elif name in ("close", "reopen", "cancel"):
            reasons = {"reopen": {"reason": "又坏了"}, "cancel": {"reason": "不需要了"}}
            self.step(name, order, when=when, **reasons.get(name, {}))
        elif name == "priority":
            self.step("update", order, when=when, data={"priority": ("p1", "p3")[choice % 2]})
        elif name == "hold":
            self.step("hold", order, when=when, hold_reason="parts", actor=self.staff)
        elif name == "rate":
            self.step("rate", order, when=when, stars=choice % 5 + 1, actor=self.owner)
        elif name == "follow_up":
            self.follow_up(order, when=when, choice=choice)

    def follow_up(self, order, *, when: dt.datetime, choice: int) -> None:
        pending = FollowUp.objects.filter(order=order, status="pending").first()
        if pending is None:
            return
        with time_machine.travel(when, tick=False):
            wo.follow_up_record(
                follow_up=pending,
                method="phone",
                resolved="no" if choice == 0 else "yes",  # not resolved reopens the order
                satisfaction=choice % 5 + 1,
                actor=self.supervisor,
            )

    @settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
    @given(
        st.lists(
            st.tuples(
                st.sampled_from(ACTIONS),
                st.integers(0, 5),
                st.integers(10, 36 * 60),  # minutes until the action (its way there takes up to 5)
                st.integers(0, 5),
            ),
            min_size=1,
            max_size=12,
        )
    )
    def test_incremental_refresh_equals_a_rebuild(self, script) -> None:
        orders: list = []
        when = T0
        for action, index, minutes, choice in script:
            when += dt.timedelta(minutes=minutes)
            self.act(action, orders, index, when, choice)
            rollup_refresh(now=when + MINUTE)
        incremental, scratch = rebuilt_from_scratch(self)
        self.assertEqual(incremental, scratch)


class TaskRefreshTests(PlanTestCase):
    @override_settings(PLANS_FINISH_GRACE_MINUTES=30)
    def test_generated_tasks_and_their_outcomes_roll_up(self) -> None:
        self.generate()  # the day and the night window of DAY1: no events yet
        rollup_refresh(now=plan_at(2026, 12, 1, 0, 1))
        self.assertEqual(sum(c.get("scheduled", 0) for c in table(TaskDaily).values()), 2)
        day = self.task()
        for i, cp in enumerate((self.gate, self.garage, self.roof)):
            plan_services.task_checkin(
                task=day, actor=self.guard, method="qr", code=cp.code, at=plan_at(2026, 12, 1, 9, 50 + i)
            )
        plan_services.tasks_sweep_missed(now=plan_at(2026, 12, 2, 6, 30))
        rollup_refresh(now=plan_at(2026, 12, 2, 6, 31))
        incremental, scratch = rebuilt_from_scratch(self)
        self.assertEqual(incremental, scratch)
        self.assertEqual(sum(c.get("missed", 0) for c in scratch["TaskDaily"].values()), 1)


class FindingRefreshTests(FindingTestCase):
    def test_a_new_deadline_moves_the_finding_to_another_day(self) -> None:
        finding = self.raise_finding()
        rollup_refresh(now=F0 + MINUTE)
        self.rectify(finding, when=F0 + HOUR)
        self.verify(finding, when=F0 + 2 * HOUR, passed=False, new_due_at=finding.due_at + 5 * DAY)
        rollup_refresh(now=F0 + 3 * HOUR)
        incremental, scratch = rebuilt_from_scratch(self)
        self.assertEqual(incremental, scratch)
        self.assertEqual(sum(c.get("due", 0) for c in scratch["FindingDaily"].values()), 1)


def test_the_refresh_rebuilds_exactly_the_touched_pairs_in_few_calls() -> None:
    from analytics.services.refresh import _rebuild_groups

    d1, d2, d3 = D0, D0 + DAY, D0 + 2 * DAY
    touched = {(1, 10): {d1, d2, d3}, (1, 11): {d1, d3}, (1, 12): {d1}, (2, 20): {d1}}
    assert _rebuild_groups(touched) == [
        (1, [10], [d2]),
        (1, [10, 11], [d3]),
        (1, [10, 11, 12], [d1]),
        (2, [20], [d1]),
    ]
