"""Model rules the database keeps: unique keys, checks, partial indexes; the seed migration."""

import datetime as dt
import importlib
from decimal import Decimal

from django.apps import apps
from django.db import IntegrityError, connection, transaction

from core.models import Company
from inspections.choices import (
    CAPA_TRANSITIONS,
    FINDING_TRANSITIONS,
    ROUND_TRANSITIONS,
    CapaStatus,
    FindingStatus,
    RoundStatus,
)
from inspections.models import (
    ChecklistItem,
    ChecklistTemplate,
    ExtensionRequest,
    Finding,
    InspectionRollup,
    InspectionRound,
    ItemResult,
    RoundInspector,
)
from inspections.tests.base import DAY1, InspectionTestCase, at
from standards.services import standards_defaults_seed


class ConstraintTests(InspectionTestCase):
    def assert_refused(self, make) -> None:
        with self.assertRaises(IntegrityError), transaction.atomic():
            make()

    def test_template_codes_are_unique_per_company(self) -> None:
        self.assert_refused(lambda: ChecklistTemplate.objects.create(company=self.company, code="test-list", name="x"))

    def test_items_keep_their_scoring_rules(self) -> None:
        base = {"company": self.company, "version": self.version, "title": "x"}
        self.assert_refused(lambda: ChecklistItem.objects.create(**base, key="a", max_score=5))  # pass/fail > 1
        self.assert_refused(lambda: ChecklistItem.objects.create(**base, key="b", weight=Decimal(0)))
        self.assert_refused(lambda: ChecklistItem.objects.create(**base, key="lobby"))  # key taken in version

    def test_a_round_has_one_result_per_item_and_a_score_in_range(self) -> None:
        round = self.make_round()
        item = self.items["lobby"]
        ItemResult.objects.create(company=self.company, round=round, item=item, outcome="pass", at=at(2026, 12, 1, 9))
        self.assert_refused(
            lambda: ItemResult.objects.create(
                company=self.company, round=round, item=item, outcome="fail", at=at(2026, 12, 1, 9)
            )
        )
        self.assert_refused(lambda: InspectionRound.objects.filter(pk=round.pk).update(score=Decimal("100.1")))
        self.assert_refused(
            lambda: ItemResult.objects.create(
                company=self.company,
                round=round,
                item=self.items["fire"],
                outcome="pass",
                at=at(2026, 12, 1, 9),
                latitude=Decimal(31),
            )
        )

    def test_round_keys_and_inspectors_are_unique(self) -> None:
        round = self.make_round(source_key="k:1")
        self.assert_refused(lambda: InspectionRound.objects.filter(pk=self.make_round().pk).update(source_key="k:1"))
        self.assert_refused(
            lambda: RoundInspector.objects.create(company=self.company, round=round, user=self.inspector)
        )

    def test_a_rollup_row_is_unique_per_project_department_month_and_kind(self) -> None:
        row = {"company": self.company, "project": self.project, "period": DAY1, "kind": "daily"}
        InspectionRollup.objects.create(**row)
        InspectionRollup.objects.create(**row, department_kind="cleaning")
        self.assert_refused(lambda: InspectionRollup.objects.create(**row))

    def test_a_finding_has_one_pending_extension(self) -> None:
        finding = Finding.objects.create(
            company=self.company, project=self.project, title="x", due_at=at(2026, 12, 5, 0)
        )
        ask = {"company": self.company, "finding": finding, "requested_due_at": at(2026, 12, 9, 0), "reason": "r"}
        ExtensionRequest.objects.create(**ask)
        self.assert_refused(lambda: ExtensionRequest.objects.create(**ask))
        ExtensionRequest.objects.create(**ask, status="rejected")


class IndexTests(InspectionTestCase):
    def test_the_deadline_and_list_indexes_exist(self) -> None:
        with connection.cursor() as cursor:
            names = set()
            for model in (InspectionRound, Finding, apps.get_model("inspections", "Capa"), InspectionRollup):
                constraints = connection.introspection.get_constraints(cursor, model._meta.db_table)
                names |= set(constraints)
        for name in (
            "round_project_day",
            "round_project_status",
            "round_due_open",
            "finding_due_open",
            "capa_due_open",
            "capa_effectiveness_due",
            "insprollup_unique",
        ):
            self.assertIn(name, names)


class TransitionTableTests(InspectionTestCase):
    def test_every_status_has_a_row(self) -> None:
        self.assertEqual(set(ROUND_TRANSITIONS), set(RoundStatus.values))
        self.assertEqual(set(FINDING_TRANSITIONS), set(FindingStatus.values))
        self.assertEqual(set(CAPA_TRANSITIONS), set(CapaStatus.values))
        for table in (ROUND_TRANSITIONS, FINDING_TRANSITIONS, CAPA_TRANSITIONS):
            for targets in table.values():
                self.assertLessEqual(set(targets), set(table))

    def test_final_statuses_go_nowhere(self) -> None:
        self.assertEqual(ROUND_TRANSITIONS[RoundStatus.CLOSED], frozenset())
        self.assertEqual(ROUND_TRANSITIONS[RoundStatus.CANCELLED], frozenset())
        self.assertEqual(FINDING_TRANSITIONS[FindingStatus.CLOSED], frozenset())
        self.assertEqual(CAPA_TRANSITIONS[CapaStatus.CLOSED], frozenset())


class SeedMigrationTests(InspectionTestCase):
    def test_it_gives_existing_companies_the_starter_checklists_once(self) -> None:
        company = Company.objects.create(name="老公司", code="old")  # made before the migration
        standards_defaults_seed(company=company)
        migration = importlib.import_module("inspections.migrations.0002_seed_existing_companies")
        migration.forwards(apps, None)
        migration.forwards(apps, None)
        codes = list(ChecklistTemplate.objects.filter(company=company).values_list("code", flat=True))
        self.assertEqual(sorted(codes), ["daily-quality", "flood-season", "holiday-safety", "mystery-shopper-cs"])
        self.assertTrue(all(t.current_version_id for t in ChecklistTemplate.objects.filter(company=company)))

    def test_strings_name_what_they_are(self) -> None:
        round = self.make_round(title="周检")
        self.assertEqual(str(round), f"周检 {DAY1}")
        self.assertEqual(str(self.version), "测试检查表 · v1")
        self.assertEqual(str(self.items["lobby"]), "大堂地面洁净")
        self.assertIsInstance(round.due_at, dt.datetime)
