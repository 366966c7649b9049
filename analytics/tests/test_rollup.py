"""rollup_rebuild: every counter on the local day of its own basis, the exclusions, the key
(project, department, assignee, kind), the company's zone and idempotency."""

import time_machine

from analytics.models import WorkOrderDaily
from analytics.services import rollup_rebuild
from analytics.tests.base import D0, DAY, HOUR, MINUTE, T0, AnalyticsTestCase, at, table
from workorders import services as wo
from workorders.choices import FollowUpMethod, Kind
from workorders.models import FollowUp

P1 = "p1"  # repair P1 at level 2: on site within 60 minutes, repaired within 24 hours, 24×7


class RollupRebuildTests(AnalyticsTestCase):
    def rebuild(self, days=range(-3, 10), company=None) -> int:
        return rollup_rebuild(company=company or self.company, days=[D0 + n * DAY for n in days])

    def row(self, day, kind=Kind.REPAIR, person="staff", department="department") -> dict[str, int]:
        person = getattr(self, person).pk if person else None
        department = getattr(self, department).pk if department else None
        key = (self.project.pk, department, person, kind, day)
        return table(WorkOrderDaily, company=self.company).get(key, {})

    def test_it_counts_a_repair_on_the_days_of_its_bases(self) -> None:
        on_time = self.report(priority=P1)
        self.repair_done(on_time, arrive=T0 + 30 * MINUTE, done=T0 + 2 * HOUR)
        late = self.report(priority=P1, when=T0 + HOUR)
        self.repair_done(late, arrive=T0 + 3 * HOUR, done=T0 + 2 * DAY)  # on site late, repaired late
        self.rebuild()
        self.assertEqual(
            self.row(D0),
            {
                "reported": 2,
                "resolved": 2,
                "arrive_due": 2,
                "arrive_on_time": 1,
                "completed": 1,
                "first_pass": 1,
                "first_visit": 1,
                "arrived": 2,  # on the arrival's day: 30 + 120 minutes after the reports
                "arrive_minutes": 150,
                "complete_minutes": 120,  # the first, completed two hours after its report
            },
        )
        self.assertEqual(self.row(D0 + DAY), {"resolve_due": 2, "resolve_on_time": 1})
        self.assertEqual(
            self.row(D0 + 2 * DAY),
            {"completed": 1, "first_pass": 1, "first_visit": 1, "complete_minutes": 2 * 24 * 60 - 60},
        )

    def test_cancelled_and_rejected_orders_never_count(self) -> None:
        cancelled = self.report(priority=P1)
        self.step("cancel", cancelled, when=T0 + MINUTE, reason="业主自行处理")
        rejected = self.report(priority=P1)
        self.step("reject", rejected, when=T0 + MINUTE, reason="开发商保修")
        self.assertEqual(self.rebuild(), 0)
        self.assertFalse(WorkOrderDaily.objects.exists())

    def test_rework_and_reopen_spoil_the_first_pass(self) -> None:
        reworked = self.report(priority=P1)
        self.repair_done(reworked, arrive=T0 + 10 * MINUTE, done=T0 + HOUR)
        self.step("verify", reworked, when=T0 + 2 * HOUR, passed=False, reason="仍在滴水")
        self.complete(reworked, when=T0 + 3 * HOUR)
        reopened = self.report(priority=P1)
        self.repair_done(reopened, arrive=T0 + 10 * MINUTE, done=T0 + HOUR)
        self.step("reopen", reopened, when=T0 + 2 * HOUR, reason="又漏了")
        self.step("accept", reopened, when=T0 + 2 * HOUR + MINUTE)
        self.repair_done(reopened, arrive=T0 + 4 * HOUR, done=T0 + 5 * HOUR)
        self.rebuild()
        row = self.row(D0)
        self.assertEqual((row["completed"], row.get("first_pass", 0), row.get("reopened")), (2, 0, 1))
        self.assertEqual(row.get("first_visit", 0), 0)

    def test_follow_ups_and_ratings_count_for_the_assignee(self) -> None:
        order = self.report(priority=P1, actor=self.owner, description="卫生间漏水")
        self.repair_done(order, arrive=T0 + 10 * MINUTE, done=T0 + HOUR)
        with time_machine.travel(T0 + 2 * HOUR, tick=False):
            order.refresh_from_db()
            wo.workorder_rate(order=order, stars=2, comment="太慢", actor=self.owner)
        self.step("close", order, when=T0 + 3 * HOUR)
        follow_up = FollowUp.objects.get(order=order)
        with time_machine.travel(T0 + 4 * HOUR, tick=False):
            wo.follow_up_record(
                follow_up=follow_up, method=FollowUpMethod.PHONE, resolved="yes", satisfaction=4, actor=self.supervisor
            )
        self.rebuild()
        due_day = follow_up.due_at.astimezone(T0.tzinfo).date()
        self.assertEqual(self.row(due_day).get("follow_ups_due"), 1)
        self.assertEqual(self.row(due_day).get("follow_ups_done"), 1)
        today = self.row(D0)
        self.assertEqual((today["follow_ups_rated"], today["follow_ups_satisfied"]), (1, 1))
        self.assertEqual((today["ratings"], today["stars_sum"], today["low_ratings"]), (1, 2, 1))

    def test_it_counts_repeat_complaints_of_a_unit_and_category(self) -> None:
        noise = self.category("c-order-noise")
        first = self.report(kind=Kind.COMPLAINT, category=noise, description="楼上装修太吵")
        self.report(kind=Kind.COMPLAINT, category=noise, description="又在装修", when=T0 + 3 * DAY)
        self.report(kind=Kind.COMPLAINT, category=noise, description="还是吵", when=T0 + 40 * DAY)
        self.step("accept", first, when=T0 + MINUTE)
        rollup_rebuild(company=self.company, days=[D0, D0 + 3 * DAY, D0 + 40 * DAY])
        rows = table(WorkOrderDaily, company=self.company, kind=Kind.COMPLAINT)
        names = ("reported", "accepted", "repeats")
        by_day = {key[-1]: {k: v for k, v in c.items() if k in names} for key, c in rows.items()}
        self.assertEqual(by_day[D0], {"reported": 1, "accepted": 1})
        self.assertEqual(by_day[D0 + 3 * DAY], {"reported": 1, "repeats": 1})
        self.assertEqual(by_day[D0 + 40 * DAY], {"reported": 1})

    def test_days_are_local_to_the_company(self) -> None:
        self.report(when=at(2026, 11, 3, 0, 30))  # 16:30 UTC on the 2nd
        rollup_rebuild(company=self.company, days=[D0, D0 + DAY])
        days = set(WorkOrderDaily.objects.values_list("day", flat=True))
        self.assertEqual(days, {D0 + DAY})

    def test_it_is_idempotent_and_limited_to_the_days_and_company_asked(self) -> None:
        self.report(priority=P1)
        self.report(priority=P1, project=self.other_project, actor=self.outsider, unit=self.other_unit)
        first = self.rebuild()
        before = table(WorkOrderDaily)
        self.assertEqual(self.rebuild(), first)
        self.assertEqual(table(WorkOrderDaily), before)
        self.assertEqual(set(WorkOrderDaily.objects.values_list("company_id", flat=True)), {self.company.pk})
        rollup_rebuild(company=self.company, days=[D0 + 5 * DAY])
        self.assertEqual(table(WorkOrderDaily), before)
