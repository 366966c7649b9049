"""Every KPI of the library against hand-computed fixtures built through the real services,
including the exclusions and empty denominators, and the drill-down records behind each figure."""

import datetime as dt

import time_machine
from django.test import SimpleTestCase, override_settings

from analytics.kpis import KPIS
from analytics.selectors import kpi_drilldown, kpi_values
from analytics.services import rollup_rebuild
from analytics.tests.base import D0, DAY, HOUR, MINUTE, SHANGHAI, T0, AnalyticsTestCase
from core.choices import ServiceLevel
from inspections.tests.findings_base import T0 as F0
from inspections.tests.findings_base import FindingTestCase
from plans import services as plan_services
from plans.tests.base import DAY1, PlanTestCase, at
from workorders import services as wo
from workorders.choices import FollowUpMethod, Kind
from workorders.models import FollowUp, WorkOrder

WEEK = (D0, D0 + 6 * DAY)


def local_day(value: dt.datetime) -> dt.date:
    return value.astimezone(SHANGHAI).date()


class OrderKpiTests(AnalyticsTestCase):
    """Repairs A (on time, rated 5, follow-up satisfied), B (late on site and late done),
    C (sent back once), D cancelled, E rejected; complaints F (accepted, closed) and G (a repeat)."""

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        t = cls()
        a = t.report(priority="p1", actor=cls.owner, unit=cls.unit, description="卫生间漏水")
        t.repair_done(a, arrive=T0 + 30 * MINUTE, done=T0 + 2 * HOUR)
        with time_machine.travel(T0 + 3 * HOUR, tick=False):
            a.refresh_from_db()
            wo.workorder_rate(order=a, stars=5, actor=cls.owner)
        t.step("close", a, when=T0 + 4 * HOUR)
        with time_machine.travel(T0 + 5 * HOUR, tick=False):
            wo.follow_up_record(
                follow_up=FollowUp.objects.get(order=a), method=FollowUpMethod.PHONE, resolved="yes",
                satisfaction=5, actor=cls.supervisor,
            )  # fmt: skip
        b = t.report(priority="p1", when=T0 + HOUR)
        t.repair_done(b, arrive=T0 + 150 * MINUTE, done=T0 + DAY + 2 * HOUR)
        c = t.report(priority="p1")
        t.repair_done(c, arrive=T0 + 20 * MINUTE, done=T0 + HOUR)
        t.step("verify", c, when=T0 + HOUR + MINUTE, passed=False, reason="仍在滴水")
        t.complete(c, when=T0 + 2 * HOUR)
        t.step("cancel", t.report(priority="p1"), when=T0 + MINUTE, reason="业主自行处理")
        t.step("reject", t.report(priority="p1"), when=T0 + MINUTE, reason="开发商保修")
        noise = t.category("c-order-noise")
        f = t.report(kind=Kind.COMPLAINT, category=noise, description="楼上装修太吵")
        t.step("accept", f, when=T0 + MINUTE)
        t.step("complete", f, when=T0 + HOUR)
        t.step("close", f, when=T0 + 2 * HOUR)
        t.report(kind=Kind.COMPLAINT, category=noise, description="又在装修", when=T0 + 2 * DAY)
        for company in (cls.company, cls.other_company):
            rollup_rebuild(company=company, days=[D0 + n * DAY for n in range(-1, 14)])
        cls.orders = {"A": a, "B": b, "C": c, "F": f}

    def figure(self, code: str, period=WEEK) -> tuple[int, int]:
        (rate,) = kpi_values(user=self.admin, kpis=[code], date_from=period[0], date_to=period[1])[code]
        return rate.numerator, rate.denominator

    def test_repair_kpis(self) -> None:
        self.assertEqual(self.figure("repair_arrive_on_time"), (2, 3))  # B on site 90 minutes after a 60-minute limit
        self.assertEqual(self.figure("repair_resolve_on_time"), (2, 3))  # B repaired a day and an hour after
        self.assertEqual(self.figure("repair_first_pass"), (2, 3))  # C was sent back
        self.assertEqual(self.figure("repair_rework"), (0, 3))
        self.assertEqual(self.figure("repair_first_visit"), (2, 3))
        self.assertEqual(self.figure("repair_arrive_minutes"), (30 + 90 + 20, 3))  # report → first arrival
        self.assertEqual(self.figure("repair_complete_minutes"), (120 + 25 * 60 + 120, 3))  # C: its last completion

    def test_complaint_kpis(self) -> None:
        self.assertEqual(self.figure("complaint_closure"), (1, 2))
        self.assertEqual(self.figure("repeat_complaints"), (1, 2))
        # valid complaints ÷ households of the company's projects (4 + 0)
        self.assertEqual(self.figure("valid_complaints"), (1, 4))
        complaints = WorkOrder.objects.filter(kind=Kind.COMPLAINT)
        due = [o for o in complaints if WEEK[0] <= local_day(o.resolve_due_at) <= WEEK[1]]
        on_time = [o for o in due if o.completed_at and o.completed_at <= o.resolve_due_at]
        self.assertEqual(self.figure("complaint_on_time"), (len(on_time), len(due)))
        self.assertIn(self.orders["F"], on_time)

    def test_owner_feedback_kpis(self) -> None:
        self.assertEqual(self.figure("follow_up_rate"), (1, 2))  # A answered, F's still due
        self.assertEqual(self.figure("follow_up_satisfaction"), (1, 1))
        self.assertEqual(self.figure("average_rating"), (5, 1))

    def test_an_empty_period_has_no_rate(self) -> None:
        period = (D0 + 100 * DAY, D0 + 130 * DAY)
        for code in KPIS:
            (rate,) = kpi_values(user=self.admin, kpis=[code], date_from=period[0], date_to=period[1])[code]
            if code != "valid_complaints":
                self.assertEqual((rate.numerator, rate.denominator, rate.rate), (0, 0, None), code)

    def test_each_figure_drills_down_to_as_many_records(self) -> None:
        for code, kpi in KPIS.items():
            if kpi.table.__name__ != "WorkOrderDaily":
                continue
            (rate,) = kpi_values(user=self.admin, kpis=[code], date_from=WEEK[0], date_to=WEEK[1])[code]
            numerator, denominator = kpi.drilldown(self.company, {}, WEEK)
            if kpi.unit not in ("stars", "minutes"):  # an average: its numerator sums a column of the records
                self.assertEqual(numerator.count(), rate.numerator, code)
            if denominator is not None:
                self.assertEqual(denominator.count(), rate.denominator, code)

    def test_the_drilldown_names_the_orders(self) -> None:
        numerator, denominator = KPIS["repair_arrive_on_time"].drilldown(self.company, {}, WEEK)
        a, b, c = (self.orders[k].pk for k in "ABC")
        self.assertEqual(set(numerator.values_list("pk", flat=True)), {a, c})
        self.assertEqual(set(denominator.values_list("pk", flat=True)), {a, b, c})

    def test_follow_ups_and_ratings_drill_down_through_their_order(self) -> None:
        filters = {"date_from": WEEK[0], "date_to": WEEK[1], "project_id": self.project.pk}
        due = kpi_drilldown(user=self.manager, kpi="follow_up_rate", part="denominator", filters=filters)
        self.assertEqual({f.order_id for f in due}, {self.orders["A"].pk, self.orders["F"].pk})
        ratings = kpi_drilldown(user=self.viewer, kpi="average_rating", part="denominator", filters=filters)
        self.assertEqual([r.stars for r in ratings], [5])
        self.assertIsNone(kpi_drilldown(user=self.admin, kpi="valid_complaints", part="denominator", filters=filters))

    def test_targets_follow_the_service_level(self) -> None:
        kpi = KPIS["repair_arrive_on_time"]
        self.assertEqual(kpi.target(ServiceLevel.LEVEL_1), 0.98)
        self.assertEqual(KPIS["plan_completion"].target(ServiceLevel.CUSTOM), 0.95)
        self.assertIsNone(KPIS["repair_rework"].target(ServiceLevel.LEVEL_1))
        self.assertFalse(KPIS["repair_rework"].higher_is_better)


class TaskKpiTests(PlanTestCase):
    """DAY1's patrol: the day window done with all three check-ins on time; the night window missed
    with one check-in; the next day's day window cancelled."""

    @override_settings(PLANS_FINISH_GRACE_MINUTES=30)
    def test_plan_kpis(self) -> None:
        day, night = self.task(), self.task(window=1)
        for i, cp in enumerate((self.gate, self.garage, self.roof)):
            plan_services.task_checkin(
                task=day, actor=self.guard, method="qr", code=cp.code, at=at(2026, 12, 1, 9, 50 + i)
            )
        plan_services.task_checkin(
            task=night, actor=self.guard, method="qr", code=self.gate.code, at=at(2026, 12, 1, 22, 5)
        )
        plan_services.tasks_sweep_missed(now=at(2026, 12, 2, 6, 30))
        cancelled = self.task(date=DAY1 + dt.timedelta(days=1))
        plan_services.task_cancel(task=cancelled, actor=self.supervisor, reason="台风停巡")
        rollup_rebuild(company=self.company, days=[DAY1, DAY1 + dt.timedelta(days=1)])
        figures = kpi_values(
            user=self.admin,
            kpis=["plan_completion", "task_on_time", "patrol_coverage"],
            date_from=DAY1,
            date_to=DAY1 + dt.timedelta(days=1),
        )
        got = {code: (r[0].numerator, r[0].denominator) for code, r in figures.items()}
        self.assertEqual(got, {"plan_completion": (1, 2), "task_on_time": (1, 2), "patrol_coverage": (4, 6)})
        filters = {"date_from": DAY1, "date_to": DAY1 + dt.timedelta(days=1)}
        due = kpi_drilldown(user=self.supervisor, kpi="plan_completion", part="denominator", filters=filters)
        self.assertEqual({t.pk for t in due}, {day.pk, night.pk})


class FindingKpiTests(FindingTestCase):
    def test_rectification_kpis(self) -> None:
        on_time = self.raise_finding()
        self.close(on_time, rectified=F0 + HOUR)
        late = self.raise_finding(title="消防通道堆物")
        self.close(late, rectified=late.due_at + HOUR)
        self.raise_finding(title="绿化枯死")  # still open
        days = [F0.date() + n * DAY for n in range(0, 30)]
        rollup_rebuild(company=self.company, days=days)
        figures = kpi_values(
            user=self.quality,
            kpis=["rectification_on_time", "rectification_rate"],
            date_from=days[0],
            date_to=days[-1],
        )
        self.assertEqual(
            {code: (r[0].numerator, r[0].denominator) for code, r in figures.items()},
            {"rectification_on_time": (1, 3), "rectification_rate": (2, 3)},
        )


class TargetTests(SimpleTestCase):
    """One rule decides a red or green mark everywhere (dashboard, board, reports)."""

    def test_it_judges_the_rate_as_computed_not_as_rounded_for_display(self):
        kpi = KPIS["repair_arrive_on_time"]
        self.assertEqual(kpi.display(0.94996), 95.0)
        self.assertIs(kpi.meets(0.94996, 0.95), False)
        self.assertIs(kpi.meets(19 / 20, 0.95), True)

    def test_it_tolerates_float_noise_at_the_target(self):
        self.assertIs(KPIS["plan_completion"].meets(0.95 - 1e-12, 0.95), True)

    def test_it_wants_at_most_the_target_when_lower_is_better(self):
        kpi = KPIS["repair_rework"]
        self.assertFalse(kpi.higher_is_better)
        self.assertIs(kpi.meets(0.02, 0.05), True)
        self.assertIs(kpi.meets(0.06, 0.05), False)

    def test_it_answers_nothing_without_a_rate_or_a_target(self):
        kpi = KPIS["plan_completion"]
        self.assertIsNone(kpi.meets(None, 0.95))
        self.assertIsNone(kpi.meets(0.9, None))

    def test_it_shows_each_unit_its_own_way(self):
        self.assertEqual(KPIS["valid_complaints"].display(0.00123), 1.23)
        self.assertEqual(KPIS["repair_arrive_minutes"].display(37.6), 38)
        self.assertEqual(KPIS["average_rating"].display(4.256), 4.26)
        self.assertIsNone(KPIS["average_rating"].display(None))
