"""The seed: DOMAIN.md §6.1 as machine-readable profile settings, the starter library, idempotence."""

import importlib

from django.apps import apps
from django.db.models import Count

from standards import defaults, services
from standards.choices import Discipline, RankDirection
from standards.models import ProfileSetting, ServiceLevelProfile, StandardItem, StandardRevision
from standards.tests.factories import StandardsTestCase, profile, setting
from standards.validators import validate_rrule

LEVELS = ("level_1", "level_2", "level_3")


class ProfileSeedTests(StandardsTestCase):
    def values(self, key: str, field: str) -> list:
        return [getattr(setting(self.company, code, key), field) for code in LEVELS]

    def test_it_seeds_the_three_levels_and_a_custom_profile(self):
        profiles = ServiceLevelProfile.objects.filter(company=self.company).order_by("code")
        self.assertEqual([p.code for p in profiles], ["custom", "level_1", "level_2", "level_3"])
        self.assertTrue(all(p.is_builtin for p in profiles))
        self.assertEqual([profile(self.company, c).rank for c in LEVELS], [1, 2, 3])
        self.assertEqual(profile(self.company, "level_1").name, "一级")
        self.assertEqual(profile(self.company, "custom").rank_direction, RankDirection.LOWER_IS_HIGHER)

    def test_it_gives_every_profile_the_whole_table(self):
        keys = {key for key, _label, _levels in defaults.SETTINGS}
        for code in (*LEVELS, "custom"):
            with self.subTest(code=code):
                seeded = ProfileSetting.objects.filter(profile=profile(self.company, code))
                self.assertEqual(set(seeded.values_list("key", flat=True)), keys)

    def test_it_has_the_recurrences_of_section_6_1(self):
        self.assertEqual(
            self.values("key_area_patrol_interval", "rrule"),
            ["FREQ=HOURLY;INTERVAL=1", "FREQ=HOURLY;INTERVAL=2", "FREQ=HOURLY;INTERVAL=3"],
        )
        self.assertEqual(self.values("key_area_patrol_interval", "interval_minutes"), [60, 120, 180])
        self.assertEqual(
            self.values("common_parts_inspection", "rrule"), ["FREQ=DAILY", "FREQ=DAILY;INTERVAL=3", "FREQ=WEEKLY"]
        )
        self.assertEqual(
            self.values("glass_cleaning", "rrule"), ["FREQ=WEEKLY", "FREQ=MONTHLY", "FREQ=MONTHLY;INTERVAL=3"]
        )
        self.assertEqual(
            self.values("light_cleaning", "rrule"),
            ["FREQ=MONTHLY", "FREQ=MONTHLY;INTERVAL=3", "FREQ=MONTHLY;INTERVAL=6"],
        )
        self.assertEqual(self.values("fire_drill", "rrule"), ["FREQ=MONTHLY;INTERVAL=6", "FREQ=YEARLY", "FREQ=YEARLY"])
        self.assertEqual(self.values("satisfaction_survey", "rrule"), ["FREQ=YEARLY"] * 3)

    def test_it_has_the_counts_targets_and_limits_of_section_6_1(self):
        self.assertEqual(self.values("waste_clearance", "times_per_day"), [2, 1, 1])
        self.assertEqual(self.values("waste_clearance", "rrule"), ["FREQ=DAILY"] * 3)
        self.assertEqual(self.values("road_sweeping", "times_per_day"), [2, 1, 1])
        self.assertEqual(self.values("corridor_sweeping", "times_per_day"), [2, 1, 1])
        self.assertEqual(self.values("light_intact_target", "target_percent"), [95, 90, 80])
        self.assertEqual(self.values("satisfaction_target", "target_percent"), [80, 75, 70])
        self.assertEqual(self.values("urgent_repair_onsite", "limit_minutes"), [30, 60, 120])
        self.assertEqual(self.values("urgent_repair_onsite", "rrule"), ["", "", ""])

    def test_it_marks_the_basis_of_each_value(self):
        self.assertEqual(self.values("satisfaction_target", "basis"), ["[V] 2004 std", "[R] 2004 std", "[R] 2004 std"])
        self.assertEqual(self.values("fire_drill", "basis"), ["[S] local std"] * 3)
        self.assertEqual(setting(self.company, "level_1", "key_area_patrol_interval").basis, "[R] 2004 std")

    def test_it_starts_the_custom_profile_as_a_copy_of_level_2(self):
        for key, _label, _levels in defaults.SETTINGS:
            with self.subTest(key=key):
                custom, level_2 = setting(self.company, "custom", key), setting(self.company, "level_2", key)
                for field in ("value", "rrule", "interval_minutes", "times_per_day", "target_percent", "limit_minutes"):
                    self.assertEqual(getattr(custom, field), getattr(level_2, field))
                self.assertIn("复制自二级", custom.basis)

    def test_every_seeded_setting_is_valid(self):
        for row in ProfileSetting.objects.filter(company=self.company):
            with self.subTest(key=row.key, profile=row.profile.code):
                row.full_clean()


class LibrarySeedTests(StandardsTestCase):
    def test_it_seeds_four_to_six_items_per_discipline(self):
        counts = dict(
            StandardItem.objects.filter(company=self.company)
            .values_list("discipline")
            .annotate(n=Count("id"))
            .values_list("discipline", "n")
        )
        self.assertEqual(set(counts), set(Discipline.values))
        self.assertTrue(all(4 <= n <= 6 for n in counts.values()), counts)

    def test_every_item_has_a_valid_first_revision_as_current(self):
        for row in StandardItem.objects.filter(company=self.company).select_related("current_revision"):
            with self.subTest(code=row.code):
                self.assertEqual(row.current_revision.number, 1)
                self.assertEqual(row.current_revision.item_id, row.pk)
                self.assertTrue(row.current_revision.requirement)
                self.assertTrue(row.current_revision.judgement)
                row.current_revision.full_clean()
                validate_rrule(row.current_revision.rrule)

    def test_it_seeds_realistic_items(self):
        patrol = StandardItem.objects.get(company=self.company, code="sec-patrol").current_revision
        self.assertEqual(patrol.rrule, "FREQ=HOURLY;INTERVAL=1")
        self.assertTrue(patrol.photo_required)
        self.assertIn("巡逻", patrol.requirement)
        repair = StandardItem.objects.get(company=self.company, code="eng-urgent-repair").current_revision
        self.assertEqual(repair.time_limit_minutes, 30)


class SeedIdempotenceTests(StandardsTestCase):
    def counts(self) -> tuple[int, ...]:
        models = (ServiceLevelProfile, ProfileSetting, StandardItem, StandardRevision)
        return tuple(m.objects.filter(company=self.company).count() for m in models)

    def test_it_adds_nothing_on_a_second_run(self):
        before = self.counts()
        services.standards_defaults_seed(company=self.company)
        self.assertEqual(self.counts(), before)

    def test_it_keeps_a_companys_edits(self):
        row = setting(self.company, "level_1", "key_area_patrol_interval")
        services.profile_setting_update(
            setting=row, data={"value": "每45分钟", "interval_minutes": 45}, actor=self.quality
        )
        services.standard_item_revise(
            item=StandardItem.objects.get(company=self.company, code="sec-gate"),
            data={"requirement": "出入口24小时双人值守。", "note": "合同约定双岗"},
            actor=self.quality,
        )
        services.standards_defaults_seed(company=self.company)
        row.refresh_from_db()
        self.assertEqual((row.value, row.interval_minutes), ("每45分钟", 45))
        gate = StandardItem.objects.get(company=self.company, code="sec-gate")
        self.assertEqual(gate.current_revision.number, 2)

    def test_it_fills_in_what_is_missing(self):
        setting(self.company, "level_3", "fire_drill").delete()
        before = self.counts()
        services.standards_defaults_seed(company=self.company)
        self.assertEqual(self.counts()[1], before[1] + 1)
        self.assertEqual(setting(self.company, "level_3", "fire_drill").rrule, "FREQ=YEARLY")

    def test_it_leaves_other_companies_alone(self):
        other = ProfileSetting.objects.filter(company=self.other_company).count()
        services.standards_defaults_seed(company=self.company)
        self.assertEqual(ProfileSetting.objects.filter(company=self.other_company).count(), other)

    def test_the_data_migration_seeds_existing_companies(self):
        from inspections.models import ChecklistItem, ChecklistTemplate, ChecklistVersion

        # The starter checklists are built on the library; a company from before had neither.
        ChecklistTemplate.objects.filter(company=self.other_company).update(current_version=None)
        ChecklistItem.objects.filter(company=self.other_company).delete()
        ChecklistVersion.objects.filter(company=self.other_company).delete()
        ChecklistTemplate.objects.filter(company=self.other_company).delete()
        StandardItem.objects.filter(company=self.other_company).update(current_revision=None)
        StandardRevision.objects.filter(company=self.other_company).delete()
        StandardItem.objects.filter(company=self.other_company).delete()
        ServiceLevelProfile.objects.filter(company=self.other_company).delete()
        before = self.counts()
        migration = importlib.import_module("standards.migrations.0003_seed_existing_companies")
        migration.forwards(apps, None)
        self.assertEqual(self.counts(), before)  # company A had everything already
        self.assertEqual(ServiceLevelProfile.objects.filter(company=self.other_company).count(), 4)
        self.assertEqual(
            StandardItem.objects.filter(company=self.other_company, current_revision__isnull=False).count(),
            sum(len(v) for v in defaults.ITEMS.values()),
        )
