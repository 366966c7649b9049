"""Rectification figures (DOMAIN.md §6.3) with numerator and denominator: on time, cumulative,
effectiveness, repeats; open findings by age; per project, department and month."""

import datetime as dt

import time_machine

from inspections.models import Finding
from inspections.selectors_findings import (
    AGE_BUCKETS,
    finding_figures,
    finding_visible,
    open_findings_by_age,
    rectification_effectiveness_rate,
    rectification_on_time_rate,
    rectification_rate,
    repeat_finding_rate,
    repeat_findings,
)
from inspections.services import findings as svc
from inspections.tests.base import at
from inspections.tests.findings_base import T0, FindingTestCase

DAY = dt.timedelta(days=1)
HOUR = dt.timedelta(hours=1)
DEC = {"date_from": dt.date(2026, 12, 1), "date_to": dt.date(2026, 12, 31)}
NOW = at(2027, 2, 15, 9)


class RectificationFigureTests(FindingTestCase):
    """December 2026 in 安居物业花园 (and one finding in the tower):

    A 垃圾桶满溢 (环境部) raised 1 Dec, due 3 Dec, closed 2 Dec; back on 20 Dec as G (a repeat)
    B 楼道有杂物 (环境部) raised 1 Dec, due 3 Dec, closed 5 Dec (late)
    C 水泵漏水 (工程部) raised 2 Dec, due 10 Dec, still open
    D 路灯不亮 (工程部) raised 5 Dec, due 5 Jan, closed 20 Dec
    E 草坪枯黄 (环境部) raised 20 Nov, due 4 Dec, closed 3 Dec
    F raised 10 Dec and cancelled: never counts
    H 外墙脱落 (tower) raised 1 Dec, due 2 Dec, open
    """

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        tc = cls()
        cls.a = tc.raise_finding(title="垃圾桶满溢", due_at=at(2026, 12, 3, 18))
        cls.b = tc.raise_finding(title="楼道有杂物", due_at=at(2026, 12, 3, 18))
        cls.c = tc.raise_finding(
            title="水泵漏水", department=cls.department, when=at(2026, 12, 2, 9), due_at=at(2026, 12, 10, 18)
        )
        cls.d = tc.raise_finding(
            title="路灯不亮", department=cls.department, when=at(2026, 12, 5, 9), due_at=at(2027, 1, 5, 18)
        )
        cls.e = tc.raise_finding(title="草坪枯黄", when=at(2026, 11, 20, 9), due_at=at(2026, 12, 4, 18))
        f = tc.raise_finding(title="误报", when=at(2026, 12, 10, 9))
        with time_machine.travel(at(2026, 12, 10, 10), tick=False):
            svc.finding_cancel(finding=f, reason="误报", actor=cls.quality)
        cls.h = tc.raise_finding(title="外墙脱落", project=cls.project2, department=None, due_at=at(2026, 12, 2, 18))
        tc.close(cls.a, rectified=at(2026, 12, 2, 9))
        tc.close(cls.b, rectified=at(2026, 12, 5, 9))
        tc.close(cls.d, rectified=at(2026, 12, 20, 9))
        tc.close(cls.e, rectified=at(2026, 12, 3, 9))
        cls.g = tc.raise_finding(title="垃圾桶满溢", when=at(2026, 12, 20, 9))

    def figures(self, **kwargs):
        args = {"findings": Finding.objects.all(), "now": NOW, **DEC, **kwargs}
        return finding_figures(**args)

    def test_the_setup_is_what_the_docstring_says(self) -> None:
        self.assertEqual(self.g.repeat_of, self.a)
        self.assertEqual(Finding.objects.filter(status="closed").count(), 4)
        self.assertEqual(Finding.objects.get(pk=self.b.pk).closed_at, at(2026, 12, 5, 10))

    def test_the_rates_of_the_month(self) -> None:
        (total,) = self.figures()
        self.assertEqual(total.group, {})
        self.assertEqual((total.on_time().numerator, total.on_time().denominator), (2, 6))  # A, E of A B C E G H
        self.assertEqual((total.rectification().numerator, total.rectification().denominator), (3, 6))  # A B D
        self.assertEqual((total.effectiveness().numerator, total.effectiveness().denominator), (3, 4))  # A came back
        self.assertEqual((total.repeat_rate().numerator, total.repeat_rate().denominator), (1, 6))
        self.assertEqual(total.on_time().percent, 33.3)

    def test_the_rate_helpers_return_numerator_and_denominator(self) -> None:
        args = {"findings": Finding.objects.all(), "now": NOW, **DEC}
        for helper, expected in (
            (rectification_on_time_rate, (2, 6)),
            (rectification_rate, (3, 6)),
            (rectification_effectiveness_rate, (3, 4)),
            (repeat_finding_rate, (1, 6)),
        ):
            with self.subTest(helper=helper.__name__):
                (rate,) = helper(**args)
                self.assertEqual((rate.numerator, rate.denominator), expected)

    def test_per_project(self) -> None:
        garden, tower = self.figures(group_by="project")
        self.assertEqual(garden.group, {"project_id": self.project.pk, "project__name": self.project.name})
        self.assertEqual((garden.raised, garden.closed, garden.due, garden.closed_on_time), (5, 3, 5, 2))
        self.assertEqual((tower.raised, tower.closed, tower.due, tower.closed_on_time), (1, 0, 1, 0))
        self.assertEqual((tower.closed_judged, tower.effectiveness().rate), (0, None))

    def test_per_department(self) -> None:
        rows = {f.group["department__name"]: f for f in self.figures(group_by="department")}
        self.assertEqual(set(rows), {"环境部", "工程部", None})
        cleaning, engineering = rows["环境部"], rows["工程部"]
        self.assertEqual((cleaning.raised, cleaning.closed, cleaning.repeats), (3, 2, 1))  # A B G
        self.assertEqual((cleaning.due, cleaning.closed_on_time), (4, 2))  # A B E G
        self.assertEqual((cleaning.closed_judged, cleaning.effective), (3, 2))  # A B E; A came back
        self.assertEqual((engineering.raised, engineering.closed, engineering.due), (2, 1, 1))  # C D; C due

    def test_per_month(self) -> None:
        november, december = self.figures(group_by="period", date_from=dt.date(2026, 11, 1))
        self.assertEqual(november.group, {"period": dt.date(2026, 11, 1)})
        self.assertEqual((november.raised, november.closed, november.due, november.closed_judged), (1, 1, 0, 0))
        self.assertEqual((december.raised, december.due, december.closed_judged), (6, 6, 4))

    def test_closings_of_the_last_30_days_are_not_judged_yet(self) -> None:
        (total,) = self.figures(now=at(2027, 1, 10, 9))  # D closed 20 Dec: not 30 days yet
        self.assertEqual((total.effective, total.closed_judged), (2, 3))
        (total,) = self.figures(now=at(2026, 12, 8, 9))  # deadlines of C (10 Dec) and G not reached yet
        self.assertEqual((total.closed_on_time, total.due), (2, 4))  # A B E closed, H overdue

    def test_a_repeat_after_30_days_leaves_the_closing_effective(self) -> None:
        Finding.objects.filter(pk=self.g.pk).update(created=at(2027, 1, 5, 9))
        (total,) = self.figures()
        self.assertEqual((total.effective, total.closed_judged), (4, 4))

    def test_repeat_findings_list(self) -> None:
        self.assertEqual(list(repeat_findings(findings=Finding.objects.all(), **DEC)), [self.g])
        self.assertEqual(list(repeat_findings(findings=Finding.objects.filter(project=self.project2), **DEC)), [])

    def test_figures_follow_what_the_reader_sees(self) -> None:
        (staff,) = self.figures(findings=finding_visible(user=self.staff))  # 工程部 and no department
        self.assertEqual((staff.raised, staff.closed), (2, 1))
        (outsider,) = self.figures(findings=finding_visible(user=self.outsider))
        self.assertEqual((outsider.raised, outsider.due, outsider.on_time().rate), (0, 0, None))

    def test_it_refuses_unknown_groupings(self) -> None:
        with self.assertRaises(ValueError):
            self.figures(group_by="weather")


class AgeTests(FindingTestCase):
    def test_open_findings_by_age_bucket(self) -> None:
        now = at(2026, 12, 31, 12)
        ages = [0, 3.9, 4, 7, 8, 14, 15, 30, 31, 60]
        findings = {}
        for n, days in enumerate(ages):
            findings[days] = self.raise_finding(title=f"问题{n}", when=now - dt.timedelta(days=days))
        self.rectify(findings[60], when=now - 59 * DAY)  # awaiting verification: still unresolved
        self.close(self.raise_finding(title="已关闭", when=now - 40 * DAY), rectified=now - 39 * DAY)
        (total,) = open_findings_by_age(findings=Finding.objects.all(), now=now)
        self.assertEqual(total.buckets, {label: 2 for label, _a, _b in AGE_BUCKETS})
        self.assertEqual(list(total.buckets), ["0-3", "4-7", "8-14", "15-30", ">30"])
        self.assertEqual(total.total, 10)
        self.assertEqual(total.overdue, 5)  # 8, 14, 15, 30, 31 days; 7 days is due this very moment

    def test_per_project_and_department(self) -> None:
        now = at(2026, 12, 31, 12)
        self.raise_finding(title="一", when=now - DAY)
        self.raise_finding(title="二", when=now - 10 * DAY, department=self.department)
        self.raise_finding(title="三", when=now - 40 * DAY, project=self.project2, department=None)
        garden, tower = open_findings_by_age(findings=Finding.objects.all(), now=now, group_by="project")
        self.assertEqual((garden.group["project_id"], garden.total, garden.buckets["0-3"]), (self.project.pk, 2, 1))
        self.assertEqual((tower.total, tower.buckets[">30"], tower.overdue), (1, 1, 1))
        rows = {
            f.group["department__name"]: f.total
            for f in open_findings_by_age(findings=Finding.objects.all(), now=now, group_by="department")
        }
        self.assertEqual(rows, {"环境部": 1, "工程部": 1, None: 1})
        (empty,) = open_findings_by_age(findings=Finding.objects.none(), now=now)
        self.assertEqual((empty.total, sum(empty.buckets.values())), (0, 0))
        with self.assertRaises(ValueError):
            open_findings_by_age(findings=Finding.objects.all(), group_by="period")

    def test_the_figures_answer_in_a_fixed_number_of_queries(self) -> None:
        self.raise_finding(title="一")
        with self.assertNumQueries(3):
            finding_figures(findings=Finding.objects.all(), group_by="department", now=NOW, **DEC)
        with self.assertNumQueries(1):
            open_findings_by_age(findings=Finding.objects.all(), group_by="project", now=NOW)
        self.assertEqual(T0 + HOUR, at(2026, 12, 1, 11))
