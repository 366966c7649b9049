"""Reads: who sees which company's standards, one row by id, the profile of a project."""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from core import services as core_services
from core.choices import ServiceLevel
from standards import selectors, services
from standards.models import ServiceLevelProfile, StandardItem
from standards.tests.factories import StandardsTestCase, item, profile


class VisibilityTests(StandardsTestCase):
    def companies_seen(self, user) -> set[int]:
        return set(selectors.standard_item_list(user=user).values_list("company_id", flat=True))

    def test_project_members_read_their_companys_whole_library(self):
        for user in (self.staff, self.supervisor, self.manager, self.viewer, self.quality, self.admin):
            with self.subTest(user=user.username):
                self.assertEqual(self.companies_seen(user), {self.company.id})

    def test_owners_the_committee_and_strangers_read_nothing(self):
        for user in (self.owner, self.committee):
            with self.subTest(user=user.username):
                self.assertEqual(self.companies_seen(user), set())

    def test_the_outsider_reads_only_his_company(self):
        self.assertEqual(self.companies_seen(self.outsider), {self.other_company.id})

    def test_it_answers_404_for_another_companys_item(self):
        with self.assertRaises(Http404):
            selectors.get_standard_item_for_user(user=self.outsider, pk=item(self.company, "cln-glass").pk)
        with self.assertRaises(Http404):
            selectors.get_standard_item_for_user(user=self.staff, pk=999999)
        with self.assertRaises(Http404):
            selectors.get_standard_item_for_user(user=self.staff, pk="x")

    def test_it_answers_403_for_a_reader_who_writes(self):
        glass = item(self.company, "cln-glass")
        self.assertEqual(selectors.get_standard_item_for_user(user=self.staff, pk=glass.pk), glass)
        with self.assertRaises(PermissionDenied):
            selectors.get_standard_item_for_user(user=self.staff, pk=glass.pk, write=True)
        self.assertEqual(selectors.get_standard_item_for_user(user=self.quality, pk=glass.pk, write=True), glass)

    def test_profiles_follow_the_same_rules(self):
        level_1 = profile(self.company, "level_1")
        self.assertEqual(selectors.get_profile_for_user(user=self.staff, pk=level_1.pk), level_1)
        with self.assertRaises(Http404):
            selectors.get_profile_for_user(user=self.outsider, pk=level_1.pk)
        with self.assertRaises(PermissionDenied):
            selectors.get_profile_for_user(user=self.staff, pk=level_1.pk, write=True)
        row = level_1.settings.first()
        with self.assertRaises(Http404):
            selectors.get_profile_setting_for_user(user=self.outsider, pk=row.pk)
        with self.assertRaises(PermissionDenied):
            selectors.get_profile_setting_for_user(user=self.viewer, pk=row.pk, write=True)

    def test_the_managed_company_is_the_writers_own(self):
        self.assertEqual(selectors.managed_company_for_user(user=self.quality), self.company)
        self.assertEqual(selectors.managed_company_for_user(user=self.outsider), self.other_company)
        with self.assertRaises(PermissionDenied):
            selectors.managed_company_for_user(user=self.staff)


class ProfileForProjectTests(StandardsTestCase):
    def test_it_returns_the_profile_of_the_projects_service_level(self):
        self.assertEqual(self.project.service_level, ServiceLevel.LEVEL_2)
        self.assertEqual(selectors.profile_for_project(self.project), profile(self.company, "level_2"))

    def test_it_follows_a_change_of_service_level(self):
        core_services.project_update(
            project=self.project, data={"service_level": ServiceLevel.LEVEL_1}, actor=self.admin
        )
        found = selectors.profile_for_project(self.project)
        self.assertEqual(found.code, "level_1")
        patrol = selectors.profile_settings_by_key(found)["key_area_patrol_interval"]
        self.assertEqual((patrol.rrule, patrol.interval_minutes), ("FREQ=HOURLY;INTERVAL=1", 60))

    def test_it_prefetches_the_settings_in_table_order(self):
        with self.assertNumQueries(2):
            found = selectors.profile_for_project(self.project)
            keys = [s.key for s in found.settings.all()]
        self.assertEqual(keys[:3], ["urgent_repair_onsite", "key_area_patrol_interval", "common_parts_inspection"])

    def test_it_uses_the_projects_company(self):
        found = selectors.profile_for_project(self.other_project)
        self.assertEqual(found.company, self.other_company)

    def test_it_answers_none_without_a_matching_profile(self):
        ServiceLevelProfile.objects.filter(company=self.company, code="level_2").delete()
        self.assertIsNone(selectors.profile_for_project(self.project))


class RevisionListTests(StandardsTestCase):
    def test_it_lists_newest_first(self):
        glass = item(self.company, "cln-glass")
        services.standard_item_revise(item=glass, data={"frequency": "每周2次", "note": "加密"}, actor=self.quality)
        numbers = [r.number for r in selectors.standard_revision_list(item=glass)]
        self.assertEqual(numbers, [2, 1])
        self.assertEqual(StandardItem.objects.get(pk=glass.pk).current_revision.number, 2)
