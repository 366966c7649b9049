"""Staff pages: the library, an item with its revisions, the forms, the profiles and their settings."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from standards.models import StandardItem
from standards.tests.factories import ITEM_DATA, StandardsTestCase, item, item_create, profile, setting


def url(name: str, *args) -> str:
    return reverse(f"standards:{name}", args=args)


class AccessTests(StandardsTestCase):
    def test_it_sends_anonymous_to_sign_in(self):
        response = self.client.get(url("standard_item_list"))
        self.assertRedirects(response, f"/accounts/login/?next={url('standard_item_list')}")

    def test_it_sends_an_owner_to_his_phone_pages(self):
        self.login(self.owner)
        self.assertRedirects(self.client.get(url("profile_list")), "/m/", fetch_redirect_response=False)

    def test_it_refuses_members_without_the_permission(self):
        self.login(self.committee)
        self.assertEqual(self.client.get(url("standard_item_list")).status_code, 403)
        self.assertEqual(
            self.client.get(url("standard_item_detail", item(self.company, "cln-glass").pk)).status_code, 403
        )

    def test_it_hides_another_companys_rows(self):
        self.login(self.outsider)
        self.assertEqual(
            self.client.get(url("standard_item_detail", item(self.company, "cln-glass").pk)).status_code, 404
        )
        self.assertEqual(
            self.client.get(url("standard_item_revise", item(self.company, "cln-glass").pk)).status_code, 404
        )
        self.assertEqual(self.client.get(url("profile_detail", profile(self.company, "level_1").pk)).status_code, 404)
        row = setting(self.company, "level_1", "fire_drill")
        self.assertEqual(self.client.post(url("profile_setting_edit", row.pk), {"value": "x"}).status_code, 404)

    def test_readers_get_no_write_pages(self):
        glass = item(self.company, "cln-glass")
        self.login(self.staff)
        for name, args in (
            ("standard_item_create", ()),
            ("standard_item_revise", (glass.pk,)),
            ("standard_item_edit", (glass.pk,)),
            ("profile_create", ()),
            ("profile_edit", (profile(self.company, "custom").pk,)),
            ("profile_setting_edit", (setting(self.company, "level_1", "fire_drill").pk,)),
        ):
            with self.subTest(name=name):
                self.assertEqual(self.client.get(url(name, *args)).status_code, 403)
        self.assertEqual(self.client.post(url("standard_item_deactivate", glass.pk)).status_code, 403)
        self.assertTrue(StandardItem.objects.get(pk=glass.pk).is_active)

    def test_the_nav_shows_the_section_to_readers_only(self):
        self.login(self.staff)
        self.assertContains(self.client.get("/"), url("standard_item_list"))
        self.login(self.committee)
        self.assertNotContains(self.client.get("/"), url("standard_item_list"))


class LibraryPageTests(StandardsTestCase):
    def test_it_lists_the_companys_items(self):
        self.login(self.staff)
        response = self.client.get(url("standard_item_list"))
        self.assertContains(response, "重点区域巡逻")
        self.assertContains(response, "草坪修剪")
        self.assertNotContains(response, "New standard item")

    def test_it_filters_by_discipline_and_searches(self):
        self.login(self.staff)
        response = self.client.get(url("standard_item_list"), {"discipline": "greening"})
        self.assertContains(response, "草坪修剪")
        self.assertNotContains(response, "重点区域巡逻")
        response = self.client.get(url("standard_item_list"), {"q": "配电房"})
        self.assertContains(response, "配电房巡检")
        self.assertNotContains(response, "草坪修剪")

    def test_it_rejects_an_unknown_discipline(self):
        self.login(self.staff)
        response = self.client.get(url("standard_item_list"), {"discipline": "plumbing"})
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "alert-danger")

    def test_it_lists_in_a_constant_number_of_queries(self):
        self.login(self.staff)
        self.client.get(url("standard_item_list"))
        with CaptureQueriesContext(connection) as before:
            self.client.get(url("standard_item_list"))
        for n in range(10):
            item_create(self, code=f"extra-{n}")
        with CaptureQueriesContext(connection) as after:
            response = self.client.get(url("standard_item_list"))
        self.assertContains(response, "extra-9")
        self.assertEqual(len(after), len(before))

    def test_it_offers_managers_a_new_item(self):
        self.login(self.quality)
        self.assertContains(self.client.get(url("standard_item_list")), url("standard_item_create"))

    def test_it_exports_excel(self):
        self.login(self.staff)
        response = self.client.get(url("standard_item_list"), {"export": "xlsx"})
        self.assertEqual(response.status_code, 200)
        self.assertIn("spreadsheetml", response["Content-Type"])


class ItemPagesTests(StandardsTestCase):
    def test_it_shows_every_revision_and_marks_the_changes(self):
        glass = item(self.company, "cln-glass")
        self.login(self.quality)
        response = self.client.post(
            url("standard_item_revise", glass.pk),
            {
                "requirement": glass.current_revision.requirement,
                "frequency": "每周2次",
                "rrule": "FREQ=WEEKLY;BYDAY=MO,TH",
                "judgement": glass.current_revision.judgement,
                "photo_required": "on",
                "note": "业主要求加密",
            },
        )
        self.assertRedirects(response, url("standard_item_detail", glass.pk))
        self.login(self.staff)
        response = self.client.get(url("standard_item_detail", glass.pk))
        self.assertContains(response, "v2")
        self.assertContains(response, "v1")
        self.assertContains(response, "每周2次")
        self.assertContains(response, "每周1次")
        self.assertContains(response, "业主要求加密")
        self.assertContains(response, "changed", count=2)  # frequency and recurrence
        self.assertNotContains(response, url("standard_item_revise", glass.pk))

    def test_it_refuses_a_revision_that_changes_nothing(self):
        glass = item(self.company, "cln-glass")
        current = glass.current_revision
        self.login(self.quality)
        data = {f: getattr(current, f) or "" for f in ("requirement", "frequency", "rrule", "judgement")}
        response = self.client.post(
            url("standard_item_revise", glass.pk), {**data, "photo_required": "on", "note": "x"}
        )
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Nothing changed")
        self.assertEqual(glass.revisions.count(), 1)

    def test_it_names_the_field_of_bad_input(self):
        glass = item(self.company, "cln-glass")
        self.login(self.quality)
        response = self.client.post(
            url("standard_item_revise", glass.pk), {"requirement": "", "rrule": "daily", "note": ""}
        )
        self.assertEqual(response.status_code, 200)
        form = response.context["form"]
        self.assertEqual(set(form.errors), {"requirement", "rrule", "note"})

    def test_it_creates_an_item(self):
        self.login(self.quality)
        data = {k: v for k, v in ITEM_DATA.items() if v is not None}
        response = self.client.post(url("standard_item_create"), {**data, "photo_required": "on", "sort_order": 5})
        created = StandardItem.objects.get(company=self.company, code=ITEM_DATA["code"])
        self.assertRedirects(response, url("standard_item_detail", created.pk))
        self.assertEqual(created.current_revision.number, 1)

    def test_it_puts_a_taken_code_on_the_code_field(self):
        self.login(self.quality)
        data = {k: v for k, v in ITEM_DATA.items() if v is not None}
        response = self.client.post(url("standard_item_create"), {**data, "code": "sec-patrol", "sort_order": 0})
        self.assertEqual(response.status_code, 200)
        self.assertIn("code", response.context["form"].errors)

    def test_it_retires_and_brings_back_an_item(self):
        glass = item(self.company, "cln-glass")
        self.login(self.quality)
        self.assertRedirects(
            self.client.post(url("standard_item_deactivate", glass.pk)), url("standard_item_detail", glass.pk)
        )
        self.assertFalse(StandardItem.objects.get(pk=glass.pk).is_active)
        self.assertEqual(self.client.get(url("standard_item_deactivate", glass.pk)).status_code, 405)
        self.client.post(url("standard_item_activate", glass.pk))
        self.assertTrue(StandardItem.objects.get(pk=glass.pk).is_active)

    def test_it_edits_the_title(self):
        glass = item(self.company, "cln-glass")
        self.login(self.admin)
        response = self.client.post(
            url("standard_item_edit", glass.pk), {"discipline": "cleaning", "title": "玻璃擦拭", "sort_order": 1}
        )
        self.assertRedirects(response, url("standard_item_detail", glass.pk))
        self.assertEqual(StandardItem.objects.get(pk=glass.pk).title, "玻璃擦拭")


class ProfilePagesTests(StandardsTestCase):
    def test_it_shows_the_profiles_side_by_side(self):
        self.login(self.staff)
        response = self.client.get(url("profile_list"))
        for text in ("一级", "二级", "三级", "自定义/地方标准", "重点区域巡逻间隔", "每1小时", "每3小时", "95%", "80%"):
            self.assertContains(response, text)
        self.assertNotContains(response, url("profile_create"))

    def test_it_shows_a_profiles_settings_machine_readable(self):
        self.login(self.staff)
        response = self.client.get(url("profile_detail", profile(self.company, "level_2").pk))
        self.assertContains(response, "FREQ=DAILY;INTERVAL=3")
        self.assertContains(response, "[R] 2004 std")
        self.assertNotContains(response, "/edit/")

    def test_it_edits_a_setting(self):
        row = setting(self.company, "level_1", "key_area_patrol_interval")
        self.login(self.quality)
        data = {
            "key": row.key,
            "label": row.label,
            "value": "每45分钟",
            "rrule": "FREQ=MINUTELY;INTERVAL=45",
            "interval_minutes": 45,
            "basis": "合同约定",
            "sort_order": row.sort_order,
        }
        response = self.client.post(url("profile_setting_edit", row.pk), data)
        self.assertRedirects(response, url("profile_detail", row.profile_id))
        row.refresh_from_db()
        self.assertEqual((row.value, row.interval_minutes, row.key), ("每45分钟", 45, "key_area_patrol_interval"))

    def test_it_names_the_field_of_a_bad_setting(self):
        row = setting(self.company, "level_1", "light_intact_target")
        self.login(self.quality)
        data = {"key": row.key, "label": row.label, "value": "", "target_percent": 120, "rrule": "x", "sort_order": 0}
        response = self.client.post(url("profile_setting_edit", row.pk), data)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(set(response.context["form"].errors), {"value", "target_percent", "rrule"})

    def test_it_creates_a_profile_copying_another(self):
        self.login(self.quality)
        response = self.client.post(
            url("profile_create"),
            {
                "name": "商写一级",
                "code": "office_1",
                "rank": 1,
                "rank_direction": "lower_is_higher",
                "copy_from": profile(self.company, "level_1").pk,
            },
        )
        created = self.company_profile("office_1")
        self.assertRedirects(response, url("profile_detail", created.pk))
        self.assertEqual(created.settings.count(), profile(self.company, "level_1").settings.count())

    def test_it_offers_no_other_companys_profile_to_copy(self):
        self.login(self.quality)
        response = self.client.post(
            url("profile_create"),
            {
                "name": "x",
                "code": "x",
                "rank": 1,
                "rank_direction": "lower_is_higher",
                "copy_from": profile(self.other_company, "level_1").pk,
            },
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn("copy_from", response.context["form"].errors)

    def test_it_locks_the_code_and_rank_of_a_2004_level(self):
        level_1 = profile(self.company, "level_1")
        self.login(self.quality)
        response = self.client.post(
            url("profile_edit", level_1.pk),
            {"name": "一级（高端住宅）", "code": "hacked", "rank": 9, "rank_direction": "higher_is_higher"},
        )
        self.assertRedirects(response, url("profile_detail", level_1.pk))
        level_1.refresh_from_db()
        self.assertEqual((level_1.name, level_1.code, level_1.rank), ("一级（高端住宅）", "level_1", 1))

    def company_profile(self, code: str):
        return profile(self.company, code)
