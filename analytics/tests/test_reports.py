"""Reports: the figures (project and company, comparison period, targets, campaign goals), who may
read and write them, and the PDF and workbook they render to (Chinese in the PDF's embedded font)."""

import datetime as dt
import io
import re
import zlib
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation
from openpyxl import load_workbook

from analytics.report_models import Campaign, Comparison, Report
from analytics.reports import report_build, report_pdf, report_xlsx
from analytics.reports.build import GoalRow, half_year, previous_period
from analytics.services import rollup_rebuild
from analytics.services.reports import campaign_create, campaign_delete, campaign_update, report_save
from analytics.tests.base import D0, DAY, HOUR, MINUTE, T0, AnalyticsTestCase
from core import services as core_services
from core.choices import Role
from lib.testing import make_user

NOVEMBER = (dt.date(2026, 11, 1), dt.date(2026, 11, 30))
KPI = "repair_arrive_on_time"


class ReportFixture(AnalyticsTestCase):
    """Two repairs in the garden in November (one on site on time, one nobody went to), one in the
    tower not dispatched, one in the other company; a company-wide quality manager."""

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        t = cls()
        on_time = t.report(priority="p1")
        t.repair_done(on_time, arrive=T0 + 30 * MINUTE, done=T0 + HOUR)
        t.report(priority="p1", when=T0 + DAY)
        t.report(priority="p1", project=cls.project2, unit=cls.unit_office, actor=cls.admin)
        t.report(priority="p1", project=cls.other_project, unit=cls.other_unit, actor=cls.outsider)
        for company in (cls.company, cls.other_company):
            rollup_rebuild(company=company, days=[D0 + n * DAY for n in range(-1, 8)])
        cls.quality = make_user("quality", name="品质经理", phone="13900000031")
        core_services.membership_grant(
            company=cls.company, user=cls.quality, role=Role.QUALITY_MANAGER, actor=cls.admin
        )

    def campaign(self, *, actor=None, **data) -> Campaign:
        data = {
            "name": "十一月品质月",
            "baseline_from": D0,
            "baseline_to": D0,
            "date_from": D0 + DAY,
            "date_to": D0 + 6 * DAY,
            **data,
        }
        goals = [
            {"kpi": KPI, "comparison": Comparison.CHANGE_POINTS, "value": "2"},
            {"kpi": "rectification_rate", "comparison": Comparison.AT_LEAST, "value": "100"},
            {"kpi": "valid_complaints", "comparison": Comparison.CHANGE_PCT, "value": "-10"},
        ]
        return campaign_create(company=self.company, data=data, goals=goals, actor=actor or self.quality)


class ReportBuildTests(ReportFixture):
    def test_it_builds_a_projects_monthly_report(self) -> None:
        data = report_build(
            user=self.manager, kind="monthly", date_from=NOVEMBER[0], date_to=NOVEMBER[1], project=self.project
        )
        row = data.kpi(KPI)
        self.assertEqual((row.numerator, row.denominator, row.value), (1, 2, 50.0))
        self.assertEqual((row.previous, row.target, row.met), (None, 95.0, False))
        self.assertEqual((data.compare_from, data.compare_to), (dt.date(2026, 10, 1), dt.date(2026, 10, 31)))
        self.assertEqual(data.months[-1], dt.date(2026, 11, 1))
        self.assertEqual(len(data.months), 6)
        self.assertEqual(row.trend, [None] * 5 + [50.0])
        self.assertEqual(data.projects, [])
        self.assertTrue(any(str(row.label) in text for text in data.problems))

    def test_it_builds_the_companys_report_with_each_project(self) -> None:
        data = report_build(user=self.admin, kind="monthly", date_from=NOVEMBER[0], date_to=NOVEMBER[1])
        self.assertEqual(data.company, self.company)
        self.assertEqual((data.kpi(KPI).numerator, data.kpi(KPI).denominator), (1, 3))
        self.assertEqual([p["name"] for p in data.projects], sorted([self.project.name, self.project2.name]))
        garden = next(p for p in data.projects if p["project_id"] == self.project.pk)
        self.assertEqual(garden["shown"][0], "50 %")

    def test_it_keeps_other_companies_out(self) -> None:
        data = report_build(user=self.outsider, kind="monthly", date_from=NOVEMBER[0], date_to=NOVEMBER[1])
        self.assertEqual(data.company, self.other_company)
        self.assertEqual((data.kpi(KPI).numerator, data.kpi(KPI).denominator), (0, 1))
        self.assertEqual([p["project_id"] for p in data.projects], [self.other_project.pk])
        with self.assertRaises(PermissionDenied):
            report_build(
                user=self.outsider, kind="monthly", date_from=NOVEMBER[0], date_to=NOVEMBER[1], company=self.company
            )
        with self.assertRaises(PermissionDenied):
            report_build(
                user=self.outsider, kind="monthly", date_from=NOVEMBER[0], date_to=NOVEMBER[1], project=self.project
            )

    def test_it_refuses_who_does_not_read_the_scopes_kpis(self) -> None:
        month = {"kind": "monthly", "date_from": NOVEMBER[0], "date_to": NOVEMBER[1]}
        for user, where in (
            (self.staff, {"project": self.project}),
            (self.owner, {"project": self.project}),
            (self.manager, {"project": self.project2}),
            (self.manager, {"company": self.company}),  # his project only, not the company's figures
            (self.supervisor, {}),
        ):
            with self.subTest(user=user.username), self.assertRaises(PermissionDenied):
                report_build(user=user, **month, **where)
        self.assertIsNotNone(report_build(user=self.viewer, **month))

    def test_it_rejects_bad_input(self) -> None:
        with self.assertRaises(ValueError):
            report_build(user=self.admin, kind="weekly", date_from=NOVEMBER[0], date_to=NOVEMBER[1])
        with self.assertRaises(ValueError):
            report_build(user=self.admin, kind="monthly", date_from=NOVEMBER[1], date_to=NOVEMBER[0])
        with self.assertRaises(ValueError):
            report_build(user=self.admin, kind="campaign", date_from=NOVEMBER[0], date_to=NOVEMBER[1])

    def test_a_half_year_compares_with_the_half_before(self) -> None:
        first, last = half_year(2026, 2)
        data = report_build(user=self.admin, kind="half_year", date_from=first, date_to=last)
        self.assertEqual((data.compare_from, data.compare_to), (dt.date(2026, 1, 1), dt.date(2026, 6, 30)))
        self.assertEqual(len(data.months), 6)
        self.assertEqual(data.kpi(KPI).trend, [None, None, None, None, 33.3, None])  # November
        self.assertEqual(data.kpi(KPI).value, 33.3)

    def test_a_campaign_reports_goals_against_the_baseline(self) -> None:
        campaign = self.campaign()
        data = report_build(user=self.quality, kind="campaign", campaign=campaign)
        self.assertEqual((data.date_from, data.date_to, data.compare_from), (D0 + DAY, D0 + 6 * DAY, D0))
        goals = {g.kpi: g for g in data.goals}
        self.assertEqual(
            (goals[KPI].baseline, goals[KPI].result, goals[KPI].change, goals[KPI].met), (50.0, 0.0, -50.0, False)
        )
        self.assertIsNone(goals["rectification_rate"].met)  # no finding raised: nothing to judge
        self.assertIsNotNone(data.kpi("valid_complaints"))  # a goal's KPI is reported even outside the usual list
        self.assertTrue(any(goals[KPI].label in text for text in data.problems))

    def test_the_narrative_comes_with_the_figures(self) -> None:
        report_save(
            company=self.company,
            project=self.project,
            kind="monthly",
            date_from=NOVEMBER[0],
            date_to=NOVEMBER[1],
            data={"highlights": "电梯困人零投诉", "plan": "下月重点整改地库渗漏"},
            actor=self.quality,
        )
        data = report_build(
            user=self.manager, kind="monthly", date_from=NOVEMBER[0], date_to=NOVEMBER[1], project=self.project
        )
        self.assertEqual((data.narrative.highlights, data.narrative.plan), ("电梯困人零投诉", "下月重点整改地库渗漏"))
        company_report = report_build(user=self.admin, kind="monthly", date_from=NOVEMBER[0], date_to=NOVEMBER[1])
        self.assertIsNone(company_report.narrative)


class PeriodTests(AnalyticsTestCase):
    def test_the_period_before_is_as_many_months_or_days(self) -> None:
        self.assertEqual(
            previous_period(dt.date(2026, 1, 1), dt.date(2026, 1, 31)), (dt.date(2025, 12, 1), dt.date(2025, 12, 31))
        )
        self.assertEqual(
            previous_period(dt.date(2026, 7, 1), dt.date(2026, 12, 31)), (dt.date(2026, 1, 1), dt.date(2026, 6, 30))
        )
        self.assertEqual(
            previous_period(dt.date(2026, 3, 10), dt.date(2026, 3, 19)), (dt.date(2026, 2, 28), dt.date(2026, 3, 9))
        )
        with self.assertRaises(ValueError):
            half_year(2026, 3)

    def test_goal_comparisons(self) -> None:
        def goal(comparison, value, baseline, result):
            return GoalRow("k", "k", "%", comparison, "", Decimal(value), baseline, result)

        self.assertTrue(goal(Comparison.CHANGE_PCT, "2", 80.0, 81.6).met)  # +2 % of 80
        self.assertFalse(goal(Comparison.CHANGE_PCT, "2", 80.0, 81.5).met)
        self.assertTrue(goal(Comparison.CHANGE_PCT, "-10", 10.0, 9.0).met)  # a fault rate 10 % lower
        self.assertFalse(goal(Comparison.CHANGE_PCT, "-10", 10.0, 9.5).met)
        self.assertIsNone(goal(Comparison.CHANGE_PCT, "-10", 0.0, 1.0).met)  # no baseline to compare with
        self.assertTrue(goal(Comparison.CHANGE_POINTS, "2", 80.0, 82.0).met)
        self.assertTrue(goal(Comparison.AT_LEAST, "100", None, 100.0).met)
        self.assertFalse(goal(Comparison.AT_MOST, "1", None, 1.5).met)
        self.assertIsNone(goal(Comparison.AT_LEAST, "100", None, None).met)


class ReportServiceTests(ReportFixture):
    def test_the_quality_manager_sets_up_a_campaign(self) -> None:
        campaign = self.campaign(project=self.project)
        self.assertEqual([g.kpi for g in campaign.goals.all()], [KPI, "rectification_rate", "valid_complaints"])
        campaign_update(
            campaign=campaign,
            data={"name": "品质月"},
            goals=[{"kpi": KPI, "comparison": "at_least", "value": 98}],
            actor=self.quality,
        )
        campaign.refresh_from_db()
        self.assertEqual((campaign.name, campaign.goals.count()), ("品质月", 1))
        campaign_delete(campaign=campaign, actor=self.admin)
        self.assertFalse(Campaign.objects.filter(pk=campaign.pk).exists())

    def test_it_validates_campaigns(self) -> None:
        base = {"name": "x", "baseline_from": D0, "baseline_to": D0, "date_from": D0, "date_to": D0}
        cases = [
            ({**base, "date_to": D0 - DAY}, [], "date_to"),
            ({**base, "baseline_to": D0 - DAY}, [], "baseline_to"),
            ({**base, "project": self.other_project}, [], "project"),
            (base, [{"kpi": "nps", "comparison": "at_least", "value": 1}], "goals"),
            (base, [{"kpi": KPI, "comparison": "about", "value": 1}], "goals"),
            (base, [{"kpi": KPI, "comparison": "at_least", "value": 1}] * 2, "goals"),
        ]
        for data, goals, field in cases:
            with self.subTest(field=field, goals=goals), self.assertRaises(ValidationError) as raised:
                campaign_create(company=self.company, data=data, goals=goals, actor=self.quality)
            self.assertIn(field, raised.exception.message_dict)
        self.assertFalse(Campaign.objects.exists())

    def test_only_writers_write(self) -> None:
        campaign = self.campaign()
        for user in (self.manager, self.viewer, self.supervisor, self.outsider):
            with self.subTest(user=user.username):
                with self.assertRaises(PermissionDenied):
                    self.campaign(actor=user)
                with self.assertRaises(PermissionDenied):
                    campaign_update(campaign=campaign, data={"name": "改"}, actor=user)
                with self.assertRaises(PermissionDenied):
                    report_save(
                        company=self.company,
                        project=self.project,
                        kind="monthly",
                        date_from=NOVEMBER[0],
                        date_to=NOVEMBER[1],
                        data={"plan": "x"},
                        actor=user,
                    )
        self.assertFalse(Report.objects.exists())

    def test_a_narrative_is_written_once_per_report(self) -> None:
        args = {
            "company": self.company,
            "project": None,
            "kind": "half_year",
            "date_from": dt.date(2026, 7, 1),
            "date_to": dt.date(2026, 12, 31),
        }
        report_save(**args, data={"highlights": "上半年回顾"}, actor=self.quality)
        report = report_save(**args, data={"plan": "下半年计划"}, actor=self.admin)
        self.assertEqual(Report.objects.count(), 1)
        self.assertEqual((report.highlights, report.plan, report.updated_by), ("上半年回顾", "下半年计划", self.admin))
        with self.assertRaises(ValidationError):
            report_save(**{**args, "kind": "campaign"}, data={}, actor=self.quality)
        with self.assertRaises(ValidationError):
            report_save(**{**args, "project": self.other_project}, data={}, actor=self.quality)


#
# Reading the PDF back (as plans/tests/test_qr.py): WeasyPrint compresses objects into streams.
#
def pdf_streams(body: bytes) -> list[bytes]:
    out = []
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", body, re.S):
        try:
            out.append(zlib.decompress(match.group(1)))
        except zlib.error:
            out.append(match.group(1))
    return out


def pdf_fonts(body: bytes) -> set[str]:
    text = body + b"".join(pdf_streams(body))
    return {m.decode() for m in re.findall(rb"/BaseFont\s*/([\w+\-]+)", text)}


def pdf_mapped_text(body: bytes) -> dict[int, str]:
    """glyph id → the characters its ToUnicode CMap gives, over every font of the PDF."""
    glyphs: dict[int, str] = {}
    for stream in pdf_streams(body):
        if b"beginbfchar" not in stream and b"beginbfrange" not in stream:
            continue
        for gid, uni in re.findall(rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>", stream):
            glyphs[int(gid, 16)] = bytes.fromhex(uni.decode()).decode("utf-16-be", errors="replace")
    return glyphs


class ReportRenderTests(ReportFixture):
    def data(self, **kwargs):
        return report_build(
            user=self.admin, kind="half_year", date_from=dt.date(2026, 7, 1), date_to=dt.date(2026, 12, 31), **kwargs
        )

    def test_the_pdf_embeds_a_cjk_font_and_its_text_is_the_chinese_written(self) -> None:
        report_save(
            company=self.company,
            project=None,
            kind="half_year",
            date_from=dt.date(2026, 7, 1),
            date_to=dt.date(2026, 12, 31),
            data={"highlights": "电梯困人零投诉"},
            actor=self.quality,
        )
        with translation.override("zh-hans"):
            body = report_pdf(self.data())
        self.assertTrue(body.startswith(b"%PDF-"))
        cjk = [name for name in pdf_fonts(body) if "CJK" in name]
        self.assertTrue(cjk, pdf_fonts(body))
        mapped = pdf_mapped_text(body)
        characters = set(mapped.values())
        # Every character written (the narrative, the company's name) has a glyph that is not .notdef (0).
        for char in "电梯困人零投诉" + self.company.name:
            with self.subTest(char=char):
                self.assertIn(char, characters)
                self.assertNotIn(0, [gid for gid, c in mapped.items() if c == char])

    def test_the_workbook_has_the_figures_and_the_narrative(self) -> None:
        report_save(
            company=self.company,
            project=self.project,
            kind="campaign",
            date_from=D0 + DAY,
            date_to=D0 + 6 * DAY,
            campaign=(campaign := self.campaign(project=self.project)),
            data={"problems": '=HYPERLINK("http://x")'},
            actor=self.quality,
        )
        data = report_build(user=self.quality, kind="campaign", campaign=campaign)
        with translation.override("zh-hans"):
            wb = load_workbook(io.BytesIO(report_xlsx(data)))
        self.assertEqual(len(wb.sheetnames), 5)  # summary, trend, goals, alerts, narrative (no projects: a project's)
        summary = wb.worksheets[0]
        self.assertEqual(summary["A1"].value, data.title)
        labels = [row[0] for row in summary.iter_rows(min_row=5, values_only=True)]
        self.assertIn(data.kpi(KPI).label, labels)
        narrative = wb.worksheets[-1]
        cells = [c for row in narrative.iter_rows() for c in row if c.value == '=HYPERLINK("http://x")']
        self.assertEqual([c.data_type for c in cells], ["s"])

    def test_a_company_workbook_lists_each_project(self) -> None:
        wb = load_workbook(io.BytesIO(report_xlsx(self.data())))
        projects = wb.worksheets[2]
        names = [row[0] for row in projects.iter_rows(min_row=2, values_only=True)]
        self.assertEqual(sorted(names), sorted([self.project.name, self.project2.name]))


class ReportQueryCountTests(ReportFixture):
    def test_a_company_report_reads_a_fixed_number_of_queries_whatever_the_projects(self) -> None:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        from core import services as core_services

        def count() -> int:
            with CaptureQueriesContext(connection) as queries:
                report_build(
                    user=self.admin, kind="half_year", date_from=dt.date(2026, 7, 1), date_to=dt.date(2026, 12, 31)
                )
            return len(queries)

        before = count()
        for n in range(3):
            core_services.project_create(
                company=self.company, data={"name": f"新项目{n}", "code": f"new-{n}"}, actor=self.admin
            )
        self.assertEqual(count(), before)
        self.assertLessEqual(before, 25)
