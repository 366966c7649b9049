from django.test import override_settings
from django.urls import reverse

from core.models import Building, CalendarDay, Membership, Project, UnitResident
from lib.testing import BaseTestCase


class HomeTests(BaseTestCase):
    def test_it_shows_the_admin_both_projects(self):
        self.login(self.admin)
        response = self.client.get("/")
        self.assertContains(response, self.project.name)
        self.assertContains(response, self.project2.name)

    def test_it_sends_an_owner_to_his_phone_pages(self):
        self.login(self.owner)
        self.assertRedirects(self.client.get("/"), "/m/")

    def test_it_sends_anonymous_to_sign_in(self):
        self.assertRedirects(self.client.get("/projects/"), "/accounts/login/?next=/projects/")

    def test_it_speaks_chinese_by_default(self):
        self.login(self.admin)
        response = self.client.get("/projects/")
        self.assertContains(response, '<html lang="zh-hans">')

    def test_it_stays_chinese_for_an_english_browser(self):
        self.login(self.admin)
        response = self.client.get("/projects/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
        self.assertContains(response, '<html lang="zh-hans">')
        self.assertContains(response, "项目")

    def test_it_switches_to_english(self):
        self.login(self.admin)
        self.client.post("/i18n/setlang/", {"language": "en", "next": "/"})
        self.assertContains(self.client.get("/projects/"), '<html lang="en">')


class ProjectSwitcherTests(BaseTestCase):
    def test_it_filters_lists_by_the_chosen_project(self):
        self.login(self.admin)
        self.client.post(reverse("core:switch_project"), {"project_id": self.project2.pk, "next": "/units/"})
        response = self.client.get("/units/")
        self.assertContains(response, self.unit_office.code)
        self.assertNotContains(response, self.unit.code)

    def test_it_refuses_a_project_of_another_company(self):
        self.login(self.admin)
        response = self.client.post(reverse("core:switch_project"), {"project_id": self.other_project.pk})
        self.assertEqual(response.status_code, 404)

    def test_it_clears_the_choice(self):
        self.login(self.admin)
        self.client.post(reverse("core:switch_project"), {"project_id": self.project2.pk})
        self.client.post(reverse("core:switch_project"), {"project_id": ""})
        self.assertContains(self.client.get("/units/"), self.unit.code)


class ListTests(BaseTestCase):
    def test_it_searches_and_filters_units(self):
        self.login(self.admin)
        response = self.client.get("/units/", {"q": "1-1-201"})
        self.assertContains(response, "1-1-201")
        self.assertNotContains(response, "1-1-301")
        response = self.client.get("/units/", {"project_id": self.project2.pk})
        self.assertContains(response, self.unit_office.code)
        self.assertNotContains(response, "1-1-201")

    def test_it_exports_the_filtered_list_to_excel(self):
        import io

        from openpyxl import load_workbook

        self.login(self.admin)
        response = self.client.get("/units/", {"project_id": self.project.pk, "export": "xlsx"})
        self.assertEqual(
            response["Content-Type"].split(";")[0], "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        sheet = load_workbook(io.BytesIO(response.content)).active
        codes = {row[5] for row in sheet.iter_rows(min_row=2, values_only=True)}
        self.assertEqual(codes, {"1-1-101", "1-1-201", "1-1-301"})

    def test_it_limits_the_project_manager_to_his_project(self):
        self.login(self.manager)
        response = self.client.get("/buildings/")
        self.assertContains(response, self.building.name)
        self.assertNotContains(response, self.building2.name)

    def test_it_keeps_list_queries_flat(self):
        self.login(self.admin)
        self.client.get("/units/")  # warm the session and caches
        for url in ["/units/", "/buildings/", "/people/", "/owners/", "/projects/", "/areas/"]:
            with self.assertNumQueriesLessThan(16):
                self.assertEqual(self.client.get(url).status_code, 200)

    def assertNumQueriesLessThan(self, limit):
        from contextlib import contextmanager

        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        @contextmanager
        def check():
            with CaptureQueriesContext(connection) as ctx:
                yield
            self.assertLess(len(ctx.captured_queries), limit, [q["sql"] for q in ctx.captured_queries])

        return check()


class RoleTests(BaseTestCase):
    def test_it_forbids_staff_to_create_buildings(self):
        self.login(self.staff)
        self.assertEqual(self.client.get("/buildings/new/").status_code, 403)
        response = self.client.post("/buildings/new/", {"project": self.project.pk, "name": "9栋", "floors": 6})
        self.assertEqual(response.status_code, 403)
        self.assertFalse(Building.objects.filter(name="9栋").exists())

    def test_it_forbids_the_viewer_to_edit_a_unit(self):
        self.login(self.viewer)
        self.assertEqual(self.client.get(f"/units/{self.unit.pk}/").status_code, 200)
        self.assertEqual(self.client.get(f"/units/{self.unit.pk}/edit/").status_code, 403)

    def test_it_forbids_a_project_manager_to_edit_the_project(self):
        self.login(self.manager)
        self.assertEqual(self.client.get(f"/projects/{self.project.pk}/edit/").status_code, 403)

    def test_it_hides_owner_contacts_from_the_viewer(self):
        self.login(self.viewer)
        response = self.client.get(f"/units/{self.unit.pk}/")
        self.assertNotContains(response, "13800000001")
        self.assertEqual(self.client.get("/owners/").status_code, 403)


class FormTests(BaseTestCase):
    def test_it_creates_a_building_and_lands_on_the_project(self):
        self.login(self.manager)
        response = self.client.post(
            "/buildings/new/", {"project": self.project.pk, "name": "9栋", "floors": 6, "sort_order": 9}
        )
        building = Building.objects.get(project=self.project, name="9栋")
        self.assertRedirects(response, f"/buildings/{building.pk}/")

    def test_it_refuses_a_project_the_user_cannot_write(self):
        self.login(self.manager)
        response = self.client.post(
            "/buildings/new/", {"project": self.project2.pk, "name": "9栋", "floors": 6, "sort_order": 0}
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn("project", response.context["form"].errors)
        self.assertFalse(Building.objects.filter(name="9栋").exists())

    def test_it_shows_the_duplicate_rule_on_the_form(self):
        self.login(self.admin)
        response = self.client.post(
            "/buildings/new/", {"project": self.project.pk, "name": self.building.name, "floors": 6, "sort_order": 0}
        )
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.context["form"].errors)
        self.assertContains(response, "alert-danger")
        self.assertEqual(Building.objects.filter(project=self.project, name=self.building.name).count(), 1)

    def test_it_edits_a_project(self):
        self.login(self.admin)
        data = {
            "name": "安居物业花园二期",
            "code": self.project.code,
            "kind": "residential",
            "service_level": "level_1",
            "floor_area": "1000",
            "households": "4",
            "is_active": "on",
        }
        response = self.client.post(f"/projects/{self.project.pk}/edit/", data)
        self.assertEqual(response.status_code, 302)
        self.assertEqual(Project.objects.get(pk=self.project.pk).service_level, "level_1")

    def test_it_creates_staff_with_a_role(self):
        self.login(self.manager)
        response = self.client.post(
            "/people/new/",
            {
                "name": "陈保洁",
                "username": "chen",
                "phone": "13612345678",
                "password": "Clean-2026-x",
                "role": "staff",
                "project": self.project.pk,
            },
        )
        self.assertEqual(response.status_code, 302)
        self.assertTrue(Membership.objects.filter(user__username="chen", project=self.project, role="staff").exists())

    def test_it_explains_why_a_project_manager_cannot_create_a_company_admin(self):
        self.login(self.manager)
        response = self.client.post("/people/new/", {"name": "X", "username": "x", "role": "company_admin"})
        self.assertEqual(response.status_code, 200)
        self.assertIn("role", response.context["form"].errors)


class OwnerTests(BaseTestCase):
    def test_it_links_and_verifies_an_owner(self):
        self.login(self.supervisor)
        url = reverse("core:resident_link_unit", args=[self.resident.pk])
        self.client.post(url, {"unit_code": self.unit3.code, "project": self.project.pk, "relation": "tenant"})
        link = UnitResident.objects.get(unit=self.unit3, resident=self.resident)
        self.client.post(reverse("core:unit_resident_verify", args=[link.pk]))
        link.refresh_from_db()
        self.assertTrue(link.is_verified)

    def test_it_does_not_link_a_unit_of_another_company(self):
        self.login(self.admin)
        url = reverse("core:resident_link_unit", args=[self.resident.pk])
        self.client.post(
            url, {"unit_code": self.other_unit.code, "project": self.other_project.pk, "relation": "owner"}
        )
        self.assertFalse(UnitResident.objects.filter(unit=self.other_unit, resident=self.resident).exists())


class CalendarViewTests(BaseTestCase):
    def test_it_warns_admins_about_a_missing_year(self):
        import datetime as dt
        from unittest import mock

        self.login(self.admin)
        with mock.patch("django.utils.timezone.localdate", return_value=dt.date(2026, 11, 21)):
            response = self.client.get("/projects/")
        self.assertContains(response, "2027")
        self.login(self.staff)
        with mock.patch("django.utils.timezone.localdate", return_value=dt.date(2026, 11, 21)):
            self.assertNotContains(self.client.get("/projects/"), "alert-warning")

    def test_it_adds_a_holiday(self):
        self.login(self.admin)
        self.client.post("/calendar/days/", {"date": "2027-01-01", "name": "元旦"})
        self.assertTrue(CalendarDay.objects.filter(company=self.company, date="2027-01-01", is_workday=False).exists())

    def test_it_sets_working_hours(self):
        self.login(self.admin)
        self.client.post("/calendar/hours/", {"work_start": "08:30", "work_end": "17:30"})
        self.company.refresh_from_db()
        self.assertEqual(str(self.company.work_start), "08:30:00")

    def test_it_refuses_hours_that_end_before_they_start(self):
        self.login(self.admin)
        self.client.post("/calendar/hours/", {"work_start": "18:00", "work_end": "09:00"})
        self.company.refresh_from_db()
        self.assertEqual(str(self.company.work_start), "09:00:00")

    def test_it_forbids_a_project_manager_to_set_hours(self):
        self.login(self.manager)
        self.assertEqual(
            self.client.post("/calendar/hours/", {"work_start": "08:00", "work_end": "17:00"}).status_code, 403
        )

    def test_it_forbids_staff_to_change_the_calendar(self):
        self.login(self.staff)
        self.assertEqual(self.client.post("/calendar/days/", {"date": "2027-01-01", "name": "元旦"}).status_code, 403)


@override_settings(LANGUAGE_CODE="zh-hans")
class ErrorPageTests(BaseTestCase):
    def test_it_answers_404_for_missing_objects(self):
        self.login(self.admin)
        self.assertEqual(self.client.get("/units/999999/").status_code, 404)


class ResidentRegisterTests(BaseTestCase):
    def post(self, **extra):
        data = {
            "project": self.project.pk,
            "unit_code": self.unit3.code,
            "name": "冯业主",
            "phone": "13855556666",
            "relation": "owner",
            **extra,
        }
        return self.client.post("/owners/new/", data)

    def test_it_registers_a_new_owner_on_a_unit_and_shows_him(self):
        self.login(self.supervisor)
        response = self.post()
        link = UnitResident.objects.get(unit=self.unit3, resident__phone="13855556666")
        self.assertRedirects(response, f"/owners/{link.resident_id}/")

    def test_it_reuses_the_roster_entry_with_the_same_phone(self):
        self.login(self.supervisor)
        self.post(name="周业主", phone="13800000001")
        self.assertEqual(UnitResident.objects.filter(resident=self.resident).count(), 2)

    def test_it_refuses_a_phone_registered_under_another_name(self):
        self.login(self.supervisor)
        response = self.post(phone="13800000001")
        self.assertIn("phone", response.context["form"].errors)
        self.assertEqual(UnitResident.objects.filter(resident=self.resident).count(), 1)

    def test_it_names_an_unknown_unit_code(self):
        self.login(self.supervisor)
        response = self.post(unit_code="9-9-999")
        self.assertIn("unit_code", response.context["form"].errors)

    def test_it_refuses_a_project_without_owner_rights(self):
        self.login(self.supervisor)
        response = self.post(project=self.project2.pk, unit_code=self.unit_office.code)
        self.assertIn("project", response.context["form"].errors)
        self.assertFalse(UnitResident.objects.filter(unit=self.unit_office).exists())


class ResidentAccountTests(BaseTestCase):
    def setUp(self):
        from core import services

        self.link = services.resident_register(
            unit=self.unit3, name="冯业主", phone="13855556666", relation="owner", actor=self.admin
        )
        self.url = reverse("core:resident_account_create", args=[self.link.resident_id])

    def test_it_opens_the_owner_pages_for_a_registered_owner(self):
        self.login(self.supervisor)
        self.client.post(self.url, {"password": "Feng-2026-home"})
        self.client.logout()
        response = self.client.post("/m/login/", {"username": "13855556666", "password": "Feng-2026-home"})
        self.assertRedirects(response, "/m/")
        self.assertContains(self.client.get("/m/"), self.unit3.number)

    def test_it_refuses_a_weak_password(self):
        self.login(self.supervisor)
        self.client.post(self.url, {"password": "123"})
        self.link.resident.refresh_from_db()
        self.assertIsNone(self.link.resident.user_id)

    def test_it_refuses_a_second_account(self):
        self.login(self.supervisor)
        self.client.post(self.url, {"password": "Feng-2026-home"})
        response = self.client.post(self.url, {"password": "Other-2026-pass"}, follow=True)
        self.assertContains(response, "alert-danger")

    def test_it_forbids_staff_and_hides_it_from_the_outsider(self):
        self.login(self.staff)
        self.assertEqual(self.client.post(self.url, {"password": "Feng-2026-home"}).status_code, 403)
        self.login(self.outsider)
        self.assertIn(self.client.post(self.url, {"password": "Feng-2026-home"}).status_code, {403, 404})
        self.link.resident.refresh_from_db()
        self.assertIsNone(self.link.resident.user_id)
