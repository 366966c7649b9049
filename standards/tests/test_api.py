"""The standards REST API: library list and detail, create, revise, revisions, profiles and settings."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.tests.test_api import ApiTestCase
from standards import services
from standards.models import StandardItem
from standards.tests.factories import ITEM_DATA, StandardsTestCase, item, profile, setting


class StandardsApiTestCase(StandardsTestCase, ApiTestCase):
    def item_url(self, obj, action: str = "") -> str:
        return f"standards/items/{obj.pk}/{action + '/' if action else ''}"

    def all_rows(self, path: str, params: dict | None = None) -> list[dict]:
        response = self.get(path, {"page_size": 500, **(params or {})})
        self.assertEqual(response.status_code, 200, response.content)
        return response.json()["results"]


class AccessApiTests(StandardsApiTestCase):
    def test_it_requires_authentication(self):
        for path in ("standards/items/", "standards/profiles/", self.item_url(item(self.company, "cln-glass"))):
            with self.subTest(path=path):
                self.assertIn(self.get(path).status_code, (401, 403))

    def test_it_refuses_owners_and_the_committee(self):
        for user in (self.owner, self.committee):
            with self.subTest(user=user.username):
                self.auth(user)
                self.assertError(self.get("standards/items/"), 403, "permission_denied")
                self.assertError(self.get("standards/profiles/"), 403, "permission_denied")

    def test_it_answers_404_for_another_companys_rows(self):
        self.auth(self.outsider)
        glass = item(self.company, "cln-glass")
        self.assertError(self.get(self.item_url(glass)), 404, "not_found")
        self.assertError(self.get(self.item_url(glass, "revisions")), 404, "not_found")
        self.assertError(self.post(self.item_url(glass, "revise"), {"frequency": "x", "note": "x"}), 404, "not_found")
        self.assertError(self.get(f"standards/profiles/{profile(self.company, 'level_1').pk}/"), 404, "not_found")
        row = setting(self.company, "level_1", "fire_drill")
        self.assertError(self.patch(f"standards/profile-settings/{row.pk}/", {"value": "x"}), 404, "not_found")


class ItemListApiTests(StandardsApiTestCase):
    def test_it_lists_the_companys_library_with_current_revisions(self):
        self.auth(self.staff)
        rows = self.all_rows("standards/items/")
        self.assertEqual({r["company"] for r in rows}, {self.company.pk})
        patrol = next(r for r in rows if r["code"] == "sec-patrol")
        self.assertEqual(patrol["discipline"], "security")
        self.assertEqual(patrol["current_revision"]["number"], 1)
        self.assertEqual(patrol["current_revision"]["rrule"], "FREQ=HOURLY;INTERVAL=1")
        self.assertTrue(patrol["current_revision"]["photo_required"])

    def test_it_filters_by_discipline_activity_and_search(self):
        services.standard_item_deactivate(item=item(self.company, "grn-pest"), actor=self.quality)
        self.auth(self.staff)
        codes = {r["code"] for r in self.all_rows("standards/items/", {"discipline": "greening", "is_active": "true"})}
        self.assertIn("grn-mowing", codes)
        self.assertNotIn("grn-pest", codes)
        self.assertTrue(all(c.startswith("grn-") for c in codes))
        codes = {r["code"] for r in self.all_rows("standards/items/", {"q": "配电房"})}
        self.assertIn("eng-power-room", codes)
        self.assertNotIn("grn-mowing", codes)

    def test_it_names_a_bad_filter(self):
        self.auth(self.staff)
        self.assertError(
            self.get("standards/items/", {"discipline": "plumbing"}), 400, "invalid", {"discipline": "invalid_choice"}
        )

    def test_it_lists_in_a_constant_number_of_queries(self):
        self.auth(self.staff)
        self.get("standards/items/")  # warm the token and session
        with CaptureQueriesContext(connection) as few:
            self.get("standards/items/", {"page_size": 2})
        with CaptureQueriesContext(connection) as many:
            self.get("standards/items/", {"page_size": 500})
        self.assertEqual(len(few), len(many))

    def test_it_shows_one_item(self):
        self.auth(self.viewer)
        glass = item(self.company, "cln-glass")
        response = self.get(self.item_url(glass))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json()["title"], glass.title)


class ItemCreateApiTests(StandardsApiTestCase):
    def test_it_creates_an_item_with_its_first_revision(self):
        self.auth(self.quality)
        response = self.post("standards/items/", {**ITEM_DATA, "note": "新增"})
        self.assertEqual(response.status_code, 201, response.content)
        body = response.json()
        self.assertTrue(response["Location"].endswith(f"/api/v1/standards/items/{body['id']}/"))
        self.assertEqual(body["current_revision"]["number"], 1)
        self.assertEqual(body["current_revision"]["created_by"], self.quality.pk)
        self.assertEqual(StandardItem.objects.get(pk=body["id"]).company, self.company)

    def test_it_refuses_readers(self):
        for user in (self.staff, self.manager, self.viewer):
            with self.subTest(user=user.username):
                self.auth(user)
                self.assertError(self.post("standards/items/", ITEM_DATA), 403, "permission_denied")
        self.assertFalse(StandardItem.objects.filter(code=ITEM_DATA["code"]).exists())

    def test_it_names_the_fields_of_bad_input(self):
        self.auth(self.quality)
        bad = {**ITEM_DATA, "discipline": "plumbing", "code": "has spaces", "requirement": "", "rrule": "daily"}
        self.assertError(
            self.post("standards/items/", bad),
            400,
            "invalid",
            {"discipline": "invalid_choice", "code": "invalid", "requirement": "blank", "rrule": "rrule"},
        )

    def test_it_puts_a_taken_code_on_the_code_field(self):
        self.auth(self.quality)
        self.assertError(
            self.post("standards/items/", {**ITEM_DATA, "code": "sec-patrol"}), 400, "invalid", {"code": "unique"}
        )


class ItemReviseApiTests(StandardsApiTestCase):
    def test_it_writes_the_next_revision(self):
        glass = item(self.company, "cln-glass")
        self.auth(self.quality)
        response = self.post(self.item_url(glass, "revise"), {"frequency": "每周2次", "note": "业主要求"})
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual(response.json()["number"], 2)
        self.assertEqual(response.json()["requirement"], glass.current_revision.requirement)
        detail = self.get(self.item_url(glass)).json()
        self.assertEqual(detail["current_revision"]["number"], 2)
        revisions = self.get(self.item_url(glass, "revisions")).json()
        self.assertEqual([r["number"] for r in revisions], [2, 1])
        self.assertEqual(revisions[1]["frequency"], "一级每周1次")

    def test_it_answers_unchanged_when_nothing_changed(self):
        glass = item(self.company, "cln-glass")
        self.auth(self.quality)
        response = self.post(
            self.item_url(glass, "revise"), {"frequency": glass.current_revision.frequency, "note": "x"}
        )
        self.assertError(response, 400, "invalid", {"non_field_errors": "unchanged"})
        self.assertEqual(glass.revisions.count(), 1)

    def test_it_needs_a_note_and_valid_fields(self):
        glass = item(self.company, "cln-glass")
        self.auth(self.quality)
        response = self.post(self.item_url(glass, "revise"), {"time_limit_minutes": -5, "rrule": "x"})
        self.assertError(
            response, 400, "invalid", {"note": "required", "time_limit_minutes": "min_value", "rrule": "rrule"}
        )

    def test_it_refuses_readers(self):
        glass = item(self.company, "cln-glass")
        self.auth(self.supervisor)
        self.assertError(
            self.post(self.item_url(glass, "revise"), {"frequency": "x", "note": "x"}), 403, "permission_denied"
        )
        self.assertError(self.post(self.item_url(glass, "deactivate")), 403, "permission_denied")

    def test_it_retires_and_brings_back(self):
        glass = item(self.company, "cln-glass")
        self.auth(self.admin)
        self.assertFalse(self.post(self.item_url(glass, "deactivate")).json()["is_active"])
        self.assertTrue(self.post(self.item_url(glass, "activate")).json()["is_active"])


class ProfileApiTests(StandardsApiTestCase):
    def test_it_lists_profiles_with_machine_readable_settings(self):
        self.auth(self.staff)
        rows = self.all_rows("standards/profiles/")
        self.assertEqual({r["code"] for r in rows}, {"level_1", "level_2", "level_3", "custom"})
        level_1 = next(r for r in rows if r["code"] == "level_1")
        patrol = next(s for s in level_1["settings"] if s["key"] == "key_area_patrol_interval")
        self.assertEqual((patrol["rrule"], patrol["interval_minutes"]), ("FREQ=HOURLY;INTERVAL=1", 60))
        self.assertEqual(patrol["basis"], "[R] 2004 std")
        waste = next(s for s in level_1["settings"] if s["key"] == "waste_clearance")
        self.assertEqual(waste["times_per_day"], 2)

    def test_it_changes_a_setting(self):
        row = setting(self.company, "level_3", "glass_cleaning")
        self.auth(self.quality)
        response = self.patch(
            f"standards/profile-settings/{row.pk}/", {"value": "每两月1次", "rrule": "FREQ=MONTHLY;INTERVAL=2"}
        )
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(response.json()["rrule"], "FREQ=MONTHLY;INTERVAL=2")
        row.refresh_from_db()
        self.assertEqual(row.value, "每两月1次")

    def test_it_keeps_the_key_and_names_bad_fields(self):
        row = setting(self.company, "level_3", "light_intact_target")
        self.auth(self.quality)
        response = self.patch(
            f"standards/profile-settings/{row.pk}/", {"key": "other", "target_percent": 101, "rrule": "x"}
        )
        self.assertError(response, 400, "invalid", {"target_percent": "max_value", "rrule": "rrule"})
        row.refresh_from_db()
        self.assertEqual((row.key, row.target_percent), ("light_intact_target", 80))

    def test_it_refuses_readers_a_change(self):
        row = setting(self.company, "level_3", "glass_cleaning")
        self.auth(self.staff)
        self.assertEqual(self.get(f"standards/profile-settings/{row.pk}/").status_code, 200)
        self.assertError(self.patch(f"standards/profile-settings/{row.pk}/", {"value": "x"}), 403, "permission_denied")


class SchemaTests(StandardsApiTestCase):
    def test_it_documents_the_standards_routes(self):
        paths = self.client.get("/api/schema/", {"format": "json"}).json()["paths"]
        for path in (
            "/api/v1/standards/items/",
            "/api/v1/standards/items/{id}/",
            "/api/v1/standards/items/{id}/revise/",
            "/api/v1/standards/items/{id}/revisions/",
            "/api/v1/standards/profiles/",
            "/api/v1/standards/profiles/{id}/",
            "/api/v1/standards/profile-settings/{id}/",
        ):
            self.assertIn(path, paths)
        self.assertEqual(set(paths["/api/v1/standards/items/"]), {"get", "post"})
        self.assertEqual(set(paths["/api/v1/standards/profiles/{id}/"]), {"get"})
