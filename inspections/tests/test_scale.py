"""gen_scale --inspections: rows that look like what the services write; the rebuild agrees with them."""

import datetime as dt
from io import StringIO

from django.core.management import call_command
from django.db import connection
from django.db.models import Count, Q, Sum
from django.test import TestCase

from core.models import Company
from inspections import scoring
from inspections.choices import FindingStatus, RoundStatus
from inspections.models import ChecklistItem, Finding, InspectionRollup, InspectionRound, ItemResult, RoundEvent
from inspections.services import inspection_rollup_rebuild

AS_OF = dt.datetime(2026, 3, 2, 10, 30, tzinfo=dt.UTC)


def generate(code: str, rounds: int = 400, seed: int = 1) -> str:
    out = StringIO()
    args = ["--projects", "3", "--units-per-project", "10", "--company-code", code, "--no-progress"]
    args += ["--inspections", str(rounds), "--as-of", AS_OF.isoformat(), "--seed", str(seed)]
    call_command("gen_scale", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def snapshot(company) -> list:
    fields = ["project_id", "department_kind", "period", "kind", "department_id", "rounds", "possible", "achieved"]
    rows = InspectionRollup.objects.filter(company=company).order_by(*fields[:4])
    return list(rows.values_list(*fields, "score", "findings"))


class GenScaleInspectionsTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.output = generate("insp-a")
        cls.company = Company.objects.get(code="insp-a")
        cls.rounds = InspectionRound.objects.filter(company=cls.company)
        cls.scored = cls.rounds.filter(status__in=[RoundStatus.SUBMITTED, RoundStatus.CLOSED])

    def test_it_reports_what_it_wrote(self) -> None:
        results = ItemResult.objects.filter(company=self.company).count()
        self.assertIn(
            f"Generated 400 inspection rounds on 3 checklists with 120 items, {results} item results", self.output
        )
        self.assertEqual(self.rounds.count(), 400)
        self.assertGreater(results / 400, 35)  # about 42 items a round, most answered

    def test_rounds_span_a_year_before_as_of(self) -> None:
        days = self.rounds.values_list("scheduled_for", flat=True)
        self.assertLessEqual(max(days), AS_OF.date())
        self.assertGreaterEqual(min(days), AS_OF.date() - dt.timedelta(days=366))
        statuses = set(self.rounds.values_list("status", flat=True))
        self.assertLessEqual({RoundStatus.SUBMITTED, RoundStatus.CLOSED, RoundStatus.CANCELLED}, statuses)

    def test_scored_rounds_have_every_item_and_the_python_score(self) -> None:
        items = dict(ChecklistItem.objects.values_list("version_id").annotate(n=Count("id")).order_by())
        for round in self.scored.prefetch_related("results__item"):
            results = list(round.results.all())
            self.assertEqual(len(results), items[round.version_id])
            rows = [scoring.Row(r.item.scoring, r.item.max_score, r.item.weight, r.outcome, r.score) for r in results]
            expected = scoring.round_score(rows)
            self.assertEqual(
                (round.score, round.achieved, round.possible), (expected.score, expected.achieved, expected.possible)
            )
            self.assertEqual(round.findings_count, expected.failed)
            self.assertIsNotNone(round.submitted_at)

    def test_every_failure_of_a_scored_round_is_a_finding(self) -> None:
        failures = ItemResult.objects.filter(round__in=self.scored, outcome="fail").count()
        findings = Finding.objects.filter(company=self.company)
        self.assertEqual(findings.count(), failures)
        self.assertFalse(findings.exclude(item_result__outcome="fail").exists())
        self.assertFalse(findings.filter(status=FindingStatus.CLOSED, closed_at__isnull=True).exists())
        self.assertTrue(findings.filter(status=FindingStatus.CLOSED).exists())

    def test_open_and_cancelled_rounds_are_unscored(self) -> None:
        others = self.rounds.exclude(pk__in=self.scored)
        self.assertFalse(others.filter(Q(score__isnull=False) | Q(findings_count__gt=0)).exists())
        self.assertFalse(ItemResult.objects.filter(round__status=RoundStatus.CANCELLED).exists())
        self.assertFalse(ItemResult.objects.filter(round__status=RoundStatus.SCHEDULED).exists())

    def test_every_status_change_has_its_event(self) -> None:
        events = RoundEvent.objects.filter(company=self.company)
        self.assertEqual(events.filter(to_status=RoundStatus.SCHEDULED).count(), 400)
        self.assertEqual(events.filter(to_status=RoundStatus.SUBMITTED).count(), self.scored.count())
        closed = self.rounds.filter(status=RoundStatus.CLOSED).count()
        self.assertEqual(events.filter(to_status=RoundStatus.CLOSED).count(), closed)

    def test_the_rollups_are_what_the_rebuild_makes(self) -> None:
        before = snapshot(self.company)
        whole = InspectionRollup.objects.filter(company=self.company, department_kind="")
        self.assertEqual(whole.aggregate(n=Sum("rounds"))["n"], self.scored.count())
        self.assertEqual(whole.aggregate(n=Sum("findings"))["n"], Finding.objects.filter(company=self.company).count())
        self.scored.update(score=None, achieved=None, possible=None, findings_count=0)
        InspectionRollup.objects.filter(company=self.company).update(rounds=0)
        self.assertEqual(inspection_rollup_rebuild(company=self.company), len(before))
        self.assertEqual(snapshot(self.company), before)
        self.assertFalse(self.scored.filter(score__isnull=True, possible__gt=0).exists())

    def test_the_rows_keep_their_foreign_keys(self) -> None:
        connection.check_constraints()

    def test_the_same_seed_gives_the_same_rounds(self) -> None:
        generate("insp-b", rounds=50, seed=3)
        generate("insp-c", rounds=50, seed=3)
        b, c = (Company.objects.get(code=code) for code in ("insp-b", "insp-c"))

        def shape(company):
            rounds = InspectionRound.objects.filter(company=company).order_by("id")
            return list(rounds.values_list("kind", "status", "scheduled_for", "score", "findings_count"))

        self.assertEqual(shape(b), shape(c))
