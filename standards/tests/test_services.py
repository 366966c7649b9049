"""Services of the standards domain: items and immutable revisions, profiles and settings, permissions."""

from django.core.exceptions import PermissionDenied, ValidationError

from standards import services
from standards.choices import RankDirection
from standards.models import ProfileSetting, ServiceLevelProfile, StandardItem, StandardRevision
from standards.tests.factories import ITEM_DATA, StandardsTestCase, item, item_create, profile, setting


class StandardItemCreateTests(StandardsTestCase):
    def test_it_creates_the_item_with_its_first_revision_as_current(self):
        created = item_create(self)
        self.assertEqual(created.company, self.company)
        revision = created.current_revision
        self.assertEqual((revision.number, revision.item, revision.created_by), (1, created, self.quality))
        self.assertEqual(revision.requirement, ITEM_DATA["requirement"])
        self.assertTrue(revision.photo_required)
        self.assertEqual(StandardItem.objects.get(pk=created.pk).current_revision_id, revision.pk)

    def test_it_lets_a_company_admin_create(self):
        self.assertEqual(item_create(self, actor=self.admin).current_revision.created_by, self.admin)

    def test_it_rejects_a_code_the_company_already_uses(self):
        with self.assertRaises(ValidationError) as cm:
            item_create(self, code="sec-patrol")
        self.assertIn("code", cm.exception.message_dict)

    def test_it_allows_the_code_of_another_company(self):
        self.assertEqual(item_create(self, company=self.other_company, actor=self.outsider).code, ITEM_DATA["code"])

    def test_it_rejects_a_bad_recurrence_and_writes_nothing(self):
        with self.assertRaises(ValidationError) as cm:
            item_create(self, rrule="every day")
        self.assertIn("rrule", cm.exception.message_dict)
        self.assertFalse(StandardItem.objects.filter(code=ITEM_DATA["code"]).exists())

    def test_it_requires_a_requirement(self):
        with self.assertRaises(ValidationError) as cm:
            item_create(self, requirement="")
        self.assertIn("requirement", cm.exception.message_dict)
        self.assertFalse(StandardItem.objects.filter(code=ITEM_DATA["code"]).exists())

    def test_it_refuses_readers_and_other_companies(self):
        for actor in (self.staff, self.supervisor, self.manager, self.viewer, self.outsider, self.owner):
            with self.subTest(actor=actor.username), self.assertRaises(PermissionDenied):
                item_create(self, actor=actor)
        self.assertFalse(StandardItem.objects.filter(code=ITEM_DATA["code"]).exists())


class StandardItemReviseTests(StandardsTestCase):
    def setUp(self) -> None:
        self.item = item(self.company, "cln-glass")
        self.first = self.item.current_revision

    def revise(self, actor=None, **data):
        data.setdefault("note", "改为每周2次")
        return services.standard_item_revise(item=self.item, data=data, actor=actor or self.quality)

    def test_it_adds_the_next_revision_and_makes_it_current(self):
        revision = self.revise(frequency="每周2次", rrule="FREQ=WEEKLY;BYDAY=MO,TH")
        self.assertEqual(revision.number, 2)
        self.assertEqual(revision.created_by, self.quality)
        self.assertEqual(StandardItem.objects.get(pk=self.item.pk).current_revision, revision)
        self.assertEqual(self.item.current_revision, revision)

    def test_it_keeps_the_earlier_revision_as_it_was(self):
        before = {f: getattr(self.first, f) for f in services.REVISION_FIELDS}
        self.revise(requirement="玻璃每周擦拭2次。", judgement="白手套检查")
        first = StandardRevision.objects.get(pk=self.first.pk)
        self.assertEqual({f: getattr(first, f) for f in services.REVISION_FIELDS}, before)
        self.assertEqual(list(self.item.revisions.order_by("number").values_list("number", flat=True)), [1, 2])

    def test_it_carries_over_the_fields_not_given(self):
        revision = self.revise(time_limit_minutes=90)
        for field in ("requirement", "frequency", "rrule", "judgement", "photo_required"):
            self.assertEqual(getattr(revision, field), getattr(self.first, field), field)
        self.assertEqual(revision.time_limit_minutes, 90)

    def test_it_refuses_a_revision_that_changes_nothing(self):
        for data in ({}, {"requirement": self.first.requirement}, {"note": "只改了说明"}):
            with self.subTest(data=data), self.assertRaises(ValidationError) as cm:
                services.standard_item_revise(item=self.item, data=data, actor=self.quality)
            self.assertEqual(cm.exception.code, "unchanged")
        self.assertEqual(self.item.revisions.count(), 1)

    def test_it_numbers_on_from_a_stale_copy(self):
        stale = StandardItem.objects.get(pk=self.item.pk)
        self.revise(frequency="每周2次")
        revision = services.standard_item_revise(item=stale, data={"frequency": "每周3次"}, actor=self.quality)
        self.assertEqual(revision.number, 3)
        self.assertEqual(StandardItem.objects.get(pk=self.item.pk).current_revision, revision)

    def test_it_compares_with_the_current_revision_not_a_stale_copy(self):
        stale = StandardItem.objects.get(pk=self.item.pk)
        self.revise(frequency="每周2次")
        # The stale copy still says 每周1次; the database says 每周2次: same content, nothing to do.
        with self.assertRaises(ValidationError) as cm:
            services.standard_item_revise(item=stale, data={"frequency": "每周2次"}, actor=self.quality)
        self.assertEqual(cm.exception.code, "unchanged")

    def test_it_rejects_bad_input_on_its_field(self):
        with self.assertRaises(ValidationError) as cm:
            self.revise(rrule="FREQ=FORTNIGHTLY")
        self.assertIn("rrule", cm.exception.message_dict)
        self.assertEqual(self.item.revisions.count(), 1)

    def test_it_refuses_readers_and_other_companies(self):
        for actor in (self.staff, self.manager, self.viewer, self.outsider):
            with self.subTest(actor=actor.username), self.assertRaises(PermissionDenied):
                self.revise(actor=actor, frequency="每日")
        self.assertEqual(self.item.revisions.count(), 1)


class StandardRevisionImmutabilityTests(StandardsTestCase):
    def test_a_saved_revision_cannot_be_saved_again(self):
        revision = item(self.company, "cln-glass").current_revision
        revision.requirement = "偷偷改掉"
        with self.assertRaises(ValidationError):
            revision.save()
        self.assertNotEqual(StandardRevision.objects.get(pk=revision.pk).requirement, "偷偷改掉")


class StandardItemUpdateTests(StandardsTestCase):
    def test_it_changes_title_and_filing_but_not_the_content(self):
        glass = item(self.company, "cln-glass")
        services.standard_item_update(item=glass, data={"title": "玻璃及镜面擦拭", "sort_order": 5}, actor=self.quality)
        glass.refresh_from_db()
        self.assertEqual((glass.title, glass.sort_order, glass.current_revision.number), ("玻璃及镜面擦拭", 5, 1))

    def test_it_refuses_readers(self):
        with self.assertRaises(PermissionDenied):
            services.standard_item_update(item=item(self.company, "cln-glass"), data={"title": "x"}, actor=self.staff)


class StandardItemDeactivateTests(StandardsTestCase):
    def test_it_retires_and_brings_back_an_item_keeping_its_revisions(self):
        glass = item(self.company, "cln-glass")
        services.standard_item_deactivate(item=glass, actor=self.quality)
        glass.refresh_from_db()
        self.assertFalse(glass.is_active)
        self.assertEqual(glass.revisions.count(), 1)
        services.standard_item_activate(item=glass, actor=self.admin)
        glass.refresh_from_db()
        self.assertTrue(glass.is_active)

    def test_it_refuses_readers_and_other_companies(self):
        glass = item(self.company, "cln-glass")
        for actor in (self.staff, self.viewer, self.outsider):
            with self.subTest(actor=actor.username), self.assertRaises(PermissionDenied):
                services.standard_item_deactivate(item=glass, actor=actor)
        self.assertTrue(StandardItem.objects.get(pk=glass.pk).is_active)


class ProfileTests(StandardsTestCase):
    def create(self, actor=None, **overrides):
        data = {"name": "深圳市四星", "code": "sz-4star", "rank": 4, "rank_direction": RankDirection.HIGHER_IS_HIGHER}
        return services.profile_create(company=self.company, data={**data, **overrides}, actor=actor or self.quality)

    def test_it_creates_an_own_profile_without_settings(self):
        created = self.create()
        self.assertFalse(created.is_builtin)
        self.assertEqual(created.rank_direction, RankDirection.HIGHER_IS_HIGHER)
        self.assertFalse(created.settings.exists())

    def test_it_copies_the_settings_of_another_profile(self):
        level_1 = profile(self.company, "level_1")
        created = services.profile_create(
            company=self.company,
            data={"name": "一级+", "code": "level_1_plus", "rank": 1},
            actor=self.quality,
            copy_from=level_1,
        )
        self.assertEqual(created.settings.count(), level_1.settings.count())
        patrol = created.settings.get(key="key_area_patrol_interval")
        self.assertEqual((patrol.rrule, patrol.interval_minutes), ("FREQ=HOURLY;INTERVAL=1", 60))
        self.assertEqual(patrol.company, self.company)

    def test_it_refuses_to_copy_another_companys_profile(self):
        with self.assertRaises(ValidationError) as cm:
            services.profile_create(
                company=self.company,
                data={"name": "x", "code": "x", "rank": 1},
                actor=self.quality,
                copy_from=profile(self.other_company, "level_1"),
            )
        self.assertIn("copy_from", cm.exception.message_dict)

    def test_it_rejects_a_taken_code_on_its_field(self):
        with self.assertRaises(ValidationError) as cm:
            self.create(code="level_1")
        self.assertIn("code", cm.exception.message_dict)

    def test_it_keeps_the_code_of_a_builtin_profile(self):
        with self.assertRaises(ValidationError) as cm:
            services.profile_update(profile=profile(self.company, "custom"), data={"code": "local"}, actor=self.quality)
        self.assertIn("code", cm.exception.message_dict)

    def test_it_keeps_the_rank_of_the_2004_levels(self):
        with self.assertRaises(ValidationError) as cm:
            services.profile_update(
                profile=profile(self.company, "level_1"),
                data={"rank_direction": RankDirection.HIGHER_IS_HIGHER},
                actor=self.quality,
            )
        self.assertIn("rank_direction", cm.exception.message_dict)

    def test_it_lets_the_custom_profile_record_its_rank_direction(self):
        custom = services.profile_update(
            profile=profile(self.company, "custom"),
            data={"name": "上海市住宅物业服务标准", "rank": 5, "rank_direction": RankDirection.HIGHER_IS_HIGHER},
            actor=self.quality,
        )
        custom.refresh_from_db()
        self.assertEqual((custom.rank, custom.rank_direction), (5, RankDirection.HIGHER_IS_HIGHER))
        self.assertEqual(custom.history.count(), 1)  # seeded in bulk (no record), then this change

    def test_it_renames_a_builtin_level(self):
        level_1 = services.profile_update(
            profile=profile(self.company, "level_1"), data={"name": "一级（住宅）"}, actor=self.admin
        )
        self.assertEqual(level_1.name, "一级（住宅）")

    def test_it_refuses_readers_and_other_companies(self):
        for actor in (self.staff, self.manager, self.viewer, self.outsider):
            with self.subTest(actor=actor.username):
                with self.assertRaises(PermissionDenied):
                    self.create(actor=actor)
                with self.assertRaises(PermissionDenied):
                    services.profile_update(profile=profile(self.company, "custom"), data={"name": "x"}, actor=actor)
        self.assertFalse(ServiceLevelProfile.objects.filter(code="sz-4star").exists())


class ProfileSettingTests(StandardsTestCase):
    def setUp(self) -> None:
        self.patrol = setting(self.company, "level_2", "key_area_patrol_interval")

    def update(self, actor=None, **data):
        return services.profile_setting_update(setting=self.patrol, data=data, actor=actor or self.quality)

    def test_it_changes_the_value_and_its_machine_readable_form(self):
        self.update(value="每90分钟", rrule="FREQ=MINUTELY;INTERVAL=90", interval_minutes=90)
        self.patrol.refresh_from_db()
        self.assertEqual(
            (self.patrol.value, self.patrol.rrule, self.patrol.interval_minutes),
            ("每90分钟", "FREQ=MINUTELY;INTERVAL=90", 90),
        )
        self.assertEqual(self.patrol.history.count(), 1)  # seeded in bulk (no record), then this change

    def test_it_keeps_the_key(self):
        with self.assertRaises(ValidationError) as cm:
            self.update(key="patrol")
        self.assertIn("key", cm.exception.message_dict)

    def test_it_rejects_bad_values_on_their_field(self):
        for field, value in (("rrule", "hourly"), ("target_percent", 101), ("times_per_day", 0), ("value", "")):
            with self.subTest(field=field), self.assertRaises(ValidationError) as cm:
                self.update(**{field: value})
            self.assertIn(field, cm.exception.message_dict)
        self.patrol.refresh_from_db()
        self.assertEqual(self.patrol.rrule, "FREQ=HOURLY;INTERVAL=2")

    def test_it_adds_a_setting_to_a_profile(self):
        custom = profile(self.company, "custom")
        added = services.profile_setting_create(
            profile=custom,
            data={
                "key": "garage_patrol",
                "label": "地下车库巡查",
                "value": "每日4次",
                "rrule": "FREQ=DAILY",
                "times_per_day": 4,
            },
            actor=self.quality,
        )
        self.assertEqual((added.company, added.profile), (self.company, custom))

    def test_it_rejects_a_key_the_profile_has(self):
        with self.assertRaises(ValidationError) as cm:
            services.profile_setting_create(
                profile=profile(self.company, "custom"),
                data={"key": "fire_drill", "label": "消防演练", "value": "每年3次"},
                actor=self.quality,
            )
        self.assertIn("key", cm.exception.message_dict)

    def test_it_refuses_readers_and_other_companies(self):
        for actor in (self.staff, self.supervisor, self.viewer, self.outsider):
            with self.subTest(actor=actor.username), self.assertRaises(PermissionDenied):
                self.update(actor=actor, value="每30分钟")
        self.assertEqual(ProfileSetting.objects.get(pk=self.patrol.pk).value, "每2小时")
