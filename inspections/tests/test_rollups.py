"""Roll-ups: the set-based rebuild and the per-month refresh agree with the Python scorer; the
score selectors read them (grouped, filtered, restricted to what the reader sees)."""

import datetime as dt
import random
from decimal import Decimal

from django.db.models import Sum

from inspections import scoring, services
from inspections.choices import FindingStatus, RoundKind
from inspections.models import Finding, InspectionRollup, InspectionRound
from inspections.selectors import score_trend, scores
from inspections.tests.base import DAY1, InspectionTestCase, jpeg

NOV = dt.date(2026, 11, 20)
OCT = dt.date(2026, 10, 5)


def snapshot(**filters) -> list[tuple]:
    rows = InspectionRollup.objects.filter(**filters).order_by("project_id", "period", "kind", "department_kind")
    return list(
        rows.values_list(
            "company_id",
            "project_id",
            "department_kind",
            "department_id",
            "period",
            "kind",
            "rounds",
            "possible",
            "achieved",
            "score",
            "findings",
        )
    )


class RollupTestCase(InspectionTestCase):
    @classmethod
    def submitted(cls, *, day=DAY1, kind=RoundKind.DAILY, project=None, fail=(), na=(), desk_score=5):
        round = cls.make_round(day=day, kind=kind, project=project, inspectors=[] if project else None)
        cls.answer_all(round, actor=cls.quality, fail=fail, na=na, desk_score=desk_score)
        services.round_submit(round=round, actor=cls.quality)
        round.refresh_from_db()
        return round


class RollupRefreshTests(RollupTestCase):
    def test_a_month_adds_up_its_rounds_by_points(self) -> None:
        self.submitted(fail=("fire",))  # 5/8
        self.submitted(na=("fire", "pump", "desk"))  # 1/1
        whole = InspectionRollup.objects.get(project=self.project, department_kind="", kind=RoundKind.DAILY)
        self.assertEqual((whole.rounds, whole.possible, whole.achieved), (2, Decimal(9), Decimal(6)))
        self.assertEqual(whole.score, Decimal("66.7"))  # not the mean of 62.5 and 100

    def test_kinds_and_months_get_their_own_rows(self) -> None:
        self.submitted()
        self.submitted(kind=RoundKind.WEEKLY)
        self.submitted(day=NOV)
        whole = InspectionRollup.objects.filter(project=self.project, department_kind="")
        self.assertEqual(
            sorted(whole.values_list("period", "kind")),
            [(dt.date(2026, 11, 1), "daily"), (dt.date(2026, 12, 1), "daily"), (dt.date(2026, 12, 1), "weekly")],
        )

    def test_open_and_cancelled_rounds_do_not_count(self) -> None:
        self.submitted()
        self.make_round()
        cancelled = self.make_round()
        services.round_cancel(round=cancelled, reason="x", actor=self.quality)
        self.assertEqual(InspectionRollup.objects.get(project=self.project, department_kind="").rounds, 1)

    def test_it_counts_the_findings_of_the_rounds(self) -> None:
        round = self.submitted(fail=("fire", "lobby"))
        findings = Finding.objects.filter(round=round).exclude(status=FindingStatus.CANCELLED)
        whole = InspectionRollup.objects.get(project=self.project, department_kind="")
        self.assertEqual(whole.findings, findings.count())
        by_department = InspectionRollup.objects.exclude(department_kind="").aggregate(n=Sum("findings"))["n"]
        self.assertEqual(by_department, findings.filter(item__isnull=False).count())


class RollupRebuildTests(RollupTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        rng = random.Random(7)
        for n in range(12):
            day = rng.choice([OCT, NOV, DAY1])
            kind = rng.choice([RoundKind.DAILY, RoundKind.SPECIAL])
            round = services.round_create(
                project=rng.choice([cls.project, cls.project2]),
                version=cls.version,
                kind=kind,
                title=f"r{n}",
                scheduled_for=day,
                due_at=dt.datetime.combine(day, dt.time(20), tzinfo=dt.UTC),
                lead=cls.quality,
                inspectors=[],
                actor=cls.quality,
            )
            for item in cls.items.values():
                outcome = rng.choice(["pass", "pass", "fail", "na"])
                score = None
                if item.scoring == "scale" and outcome != "na":
                    score = rng.choice([0, 1, 2.5, 3, 4]) if outcome == "fail" else rng.choice([3, 4.5, 5])
                photo = None
                if outcome == "fail" and item.photo_required:
                    photo = jpeg()
                services.round_result_record(
                    round=round, item=item, outcome=outcome, score=score, photo=photo, actor=cls.quality
                )
            services.round_submit(round=round, actor=cls.quality)
        cls.other = services.checklist_template_create(
            company=cls.other_company, data={"code": "o", "name": "o"}, items=[{"title": "x"}], actor=cls.outsider
        )
        other_round = services.round_create(
            project=cls.other_project,
            version=cls.other.current_version,
            kind=RoundKind.DAILY,
            title="他山",
            scheduled_for=DAY1,
            due_at=dt.datetime(2026, 12, 2, tzinfo=dt.UTC),
            lead=cls.outsider,
            inspectors=[],
            actor=cls.outsider,
        )
        services.round_result_record(
            round=other_round, item=cls.other.current_version.items.get(), outcome="pass", actor=cls.outsider
        )
        services.round_submit(round=other_round, actor=cls.outsider)

    def test_the_rebuild_agrees_with_the_refreshes(self) -> None:
        before = snapshot()
        self.assertTrue(before)
        written = services.inspection_rollup_rebuild()
        self.assertEqual(written, len(before))
        self.assertEqual(snapshot(), before)

    def test_it_rescores_the_rounds_as_the_python_scorer_does(self) -> None:
        expected = {
            r.pk: (r.score, r.achieved, r.possible) for r in InspectionRound.objects.filter(company=self.company)
        }
        InspectionRound.objects.update(score=None, achieved=None, possible=None)
        services.inspection_rollup_rebuild()
        for round in InspectionRound.objects.filter(company=self.company).prefetch_related("results__item"):
            rows = [
                scoring.Row(r.item.scoring, r.item.max_score, r.item.weight, r.outcome, r.score)
                for r in round.results.all()
            ]
            self.assertEqual(scoring.round_score(rows).score, round.score)
            self.assertEqual((round.score, round.achieved, round.possible), expected[round.pk])

    def test_it_is_idempotent(self) -> None:
        services.inspection_rollup_rebuild()
        first = snapshot()
        services.inspection_rollup_rebuild()
        self.assertEqual(snapshot(), first)

    def test_since_rewrites_only_later_months(self) -> None:
        InspectionRollup.objects.update(rounds=999)
        services.inspection_rollup_rebuild(since=dt.date(2026, 11, 15))
        periods = dict(InspectionRollup.objects.values_list("period").annotate(n=Sum("rounds")).order_by())
        self.assertEqual(periods[dt.date(2026, 10, 1)] % 999, 0)  # untouched
        self.assertLess(periods[dt.date(2026, 11, 1)], 999)

    def test_a_company_rebuild_leaves_other_companies_alone(self) -> None:
        InspectionRollup.objects.update(rounds=999)
        services.inspection_rollup_rebuild(company=self.company)
        self.assertFalse(InspectionRollup.objects.filter(company=self.company, rounds=999).exists())
        self.assertEqual(
            set(InspectionRollup.objects.filter(company=self.other_company).values_list("rounds", flat=True)), {999}
        )

    def test_a_month_with_no_rounds_left_loses_its_rows(self) -> None:
        InspectionRound.objects.filter(company=self.company, scheduled_for=OCT).update(status="cancelled")
        services.inspection_rollup_rebuild(company=self.company)
        self.assertFalse(InspectionRollup.objects.filter(company=self.company, period=dt.date(2026, 10, 1)).exists())


class ScoresSelectorTests(RollupTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.submitted(fail=("fire",))  # Dec, daily: 5/8
        cls.submitted(day=NOV, kind=RoundKind.SPECIAL, fail=("lobby",))  # Nov, special: 7/8
        cls.submitted(project=cls.project2)  # 8/8

    def test_it_groups_by_project(self) -> None:
        figures = {f.group["project__name"]: f for f in scores(company=self.company, group_by="project")}
        garden = figures[self.project.name]
        self.assertEqual((garden.rounds, garden.achieved, garden.possible), (2, Decimal(12), Decimal(16)))
        self.assertEqual((garden.score, garden.numerator, garden.denominator), (Decimal(75), Decimal(12), Decimal(16)))
        self.assertEqual(figures[self.project2.name].score, Decimal(100))

    def test_it_groups_by_period_and_kind(self) -> None:
        by_period = {f.group["period"]: f.score for f in scores(company=self.company, group_by="period")}
        self.assertEqual(by_period, {dt.date(2026, 11, 1): Decimal("87.5"), dt.date(2026, 12, 1): Decimal("81.3")})
        by_kind = {f.group["kind"]: f.rounds for f in scores(company=self.company, group_by="kind")}
        self.assertEqual(by_kind, {"daily": 2, "special": 1})
        both = scores(company=self.company, group_by=("project", "period"))
        self.assertEqual(len(both), 3)

    def test_it_groups_by_department(self) -> None:
        figures = {
            f.group["department_kind"]: f.score
            for f in scores(company=self.company, group_by="department", projects=[self.project])
        }
        # engineering: Dec fire fails (2/5), Nov passes (5/5) → 7/10
        self.assertEqual(figures["engineering"], Decimal(70))
        self.assertEqual(figures["cleaning"], Decimal(50))
        self.assertEqual(figures["customer_service"], Decimal(100))

    def test_it_filters_by_dates_and_kinds(self) -> None:
        december = scores(company=self.company, group_by=None, date_from=dt.date(2026, 12, 10))
        self.assertEqual(december[0].rounds, 2)
        special = scores(company=self.company, group_by=None, kinds=[RoundKind.SPECIAL])
        self.assertEqual((special[0].rounds, special[0].score), (1, Decimal("87.5")))
        nothing = scores(company=self.company, group_by=None, date_to=dt.date(2026, 10, 31))
        self.assertEqual((nothing[0].rounds, nothing[0].score), (0, None))

    def test_it_shows_a_reader_only_his_projects(self) -> None:
        self.assertEqual({f.group["project_id"] for f in scores(user=self.manager)}, {self.project.pk})
        self.assertEqual({f.group["project_id"] for f in scores(user=self.viewer)}, {self.project.pk, self.project2.pk})
        for person in (self.outsider, self.inspector, self.staff, self.owner):
            with self.subTest(person=person.username):
                self.assertEqual(scores(user=person), [])

    def test_it_refuses_unknown_groups(self) -> None:
        with self.assertRaises(ValueError):
            scores(company=self.company, group_by="building")

    def test_the_trend_has_every_month(self) -> None:
        trend = score_trend(project=self.project, months=3, until=dt.date(2026, 12, 31))
        self.assertEqual([f.group["period"] for f in trend], [dt.date(2026, 10, 1), dt.date(2026, 11, 1), DAY1])
        self.assertEqual([f.score for f in trend], [None, Decimal("87.5"), Decimal("62.5")])
        self.assertEqual(
            [f.score for f in score_trend(project=self.project, months=2, until=DAY1, kind="daily")],
            [None, Decimal("62.5")],
        )
