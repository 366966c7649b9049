import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError

from core import services
from core.choices import Role
from core.models import Building, CalendarDay, CalendarYear, Membership, Unit
from lib.testing import BaseTestCase, make_user


class ProjectCreateTests(BaseTestCase):
    def test_it_creates_a_project_for_a_company_admin(self):
        project = services.project_create(
            company=self.company, data={"name": "新城", "code": "xincheng"}, actor=self.admin
        )
        self.assertEqual(project.company, self.company)

    def test_it_rejects_a_project_manager(self):
        with self.assertRaises(PermissionDenied):
            services.project_create(company=self.company, data={"name": "新城", "code": "x"}, actor=self.manager)

    def test_it_rejects_the_outsider(self):
        with self.assertRaises(PermissionDenied):
            services.project_create(company=self.company, data={"name": "新城", "code": "x"}, actor=self.outsider)

    def test_it_rejects_a_duplicate_code_naming_the_rule(self):
        with self.assertRaises(ValidationError) as ctx:
            services.project_create(
                company=self.company, data={"name": "另一个", "code": self.project.code}, actor=self.admin
            )
        self.assertIn("__all__", ctx.exception.message_dict)

    def test_it_rejects_a_contract_that_ends_before_it_starts(self):
        data = {"name": "新城", "code": "x", "contract_start": dt.date(2026, 5, 1), "contract_end": dt.date(2026, 1, 1)}
        with self.assertRaises(ValidationError) as ctx:
            services.project_create(company=self.company, data=data, actor=self.admin)
        self.assertIn("contract_end", ctx.exception.message_dict)


class UnitCreateTests(BaseTestCase):
    def data(self, **extra):
        return {
            "building": self.building,
            "floor": 9,
            "number": "901",
            "code": "1-1-901",
            "floor_area": Decimal("88.00"),
            **extra,
        }

    def test_it_lets_the_project_manager_add_units_in_his_project(self):
        unit = services.unit_create(project=self.project, data=self.data(), actor=self.manager)
        self.assertEqual(unit.company_id, self.company.id)

    def test_it_stops_the_project_manager_in_another_project(self):
        with self.assertRaises(PermissionDenied):
            services.unit_create(project=self.project2, data=self.data(building=self.building2), actor=self.manager)

    def test_it_rejects_a_building_of_another_project(self):
        with self.assertRaises(ValidationError) as ctx:
            services.unit_create(project=self.project, data=self.data(building=self.building2), actor=self.admin)
        self.assertIn("building", ctx.exception.message_dict)

    def test_it_rejects_staff(self):
        with self.assertRaises(PermissionDenied):
            services.unit_create(project=self.project, data=self.data(), actor=self.staff)

    def test_it_rejects_a_negative_floor_area(self):
        with self.assertRaises(ValidationError) as ctx:
            services.unit_create(project=self.project, data=self.data(floor_area=Decimal("-1")), actor=self.admin)
        self.assertIn("floor_area", ctx.exception.message_dict)

    def test_it_keeps_company_and_project_on_update(self):
        services.unit_update(unit=self.unit, data={"project": self.project2, "number": "102"}, actor=self.admin)
        self.unit.refresh_from_db()
        self.assertEqual((self.unit.project_id, self.unit.number), (self.project.id, "102"))


class AreaTests(BaseTestCase):
    def test_it_rejects_a_building_from_another_project(self):
        with self.assertRaises(ValidationError):
            services.area_create(
                project=self.project, data={"name": "A座大堂", "building": self.building2}, actor=self.admin
            )


class MembershipGrantTests(BaseTestCase):
    def test_it_lets_a_project_manager_grant_staff_in_his_project(self):
        user = make_user("newbie")
        membership = services.membership_grant(
            company=self.company, project=self.project, user=user, role=Role.STAFF, actor=self.manager
        )
        self.assertTrue(membership.is_active)

    def test_it_stops_a_project_manager_granting_company_admin(self):
        with self.assertRaises(ValidationError) as ctx:
            services.membership_grant(
                company=self.company, user=make_user("x"), role=Role.COMPANY_ADMIN, actor=self.manager
            )
        self.assertIn("role", ctx.exception.message_dict)

    def test_it_stops_a_project_manager_granting_in_another_project(self):
        with self.assertRaises(PermissionDenied):
            services.membership_grant(
                company=self.company, project=self.project2, user=make_user("x"), role=Role.STAFF, actor=self.manager
            )

    def test_it_makes_company_wide_roles_company_wide(self):
        membership = services.membership_grant(
            company=self.company, project=self.project, user=make_user("q"), role=Role.QUALITY_MANAGER, actor=self.admin
        )
        self.assertIsNone(membership.project_id)

    def test_it_rejects_a_duplicate_role(self):
        with self.assertRaises(ValidationError):
            services.membership_grant(
                company=self.company, project=self.project, user=self.staff, role=Role.STAFF, actor=self.admin
            )

    def test_it_rejects_a_department_of_another_project(self):
        with self.assertRaises(ValidationError) as ctx:
            services.membership_grant(
                company=self.company,
                project=self.project2,
                user=make_user("d"),
                role=Role.STAFF,
                department=self.department,
                actor=self.admin,
            )
        self.assertIn("department", ctx.exception.message_dict)

    def test_it_revokes_and_regrants(self):
        membership = Membership.objects.get(user=self.staff)
        services.membership_revoke(membership=membership, actor=self.manager)
        membership.refresh_from_db()
        self.assertFalse(membership.is_active)
        again = services.membership_grant(
            company=self.company, project=self.project, user=self.staff, role=Role.STAFF, actor=self.manager
        )
        self.assertEqual(again.pk, membership.pk)
        self.assertTrue(again.is_active)

    def test_it_creates_staff_and_role_together_or_not_at_all(self):
        with self.assertRaises(ValidationError):
            services.staff_create(
                company=self.company,
                username="ghost",
                name="幽灵",
                phone="12345",
                password=None,
                role=Role.STAFF,
                project=self.project,
                actor=self.admin,
            )
        from accounts.models import User

        self.assertFalse(User.objects.filter(username="ghost").exists())


class ResidentTests(BaseTestCase):
    def test_it_links_an_existing_account_by_phone(self):
        user = make_user("zhang", phone="13811112222")
        resident = services.resident_create(company=self.company, name="张三", phone="13811112222", actor=self.admin)
        self.assertEqual(resident.user, user)

    def test_it_rejects_a_bad_phone(self):
        with self.assertRaises(ValidationError) as ctx:
            services.resident_create(company=self.company, name="张三", phone="0101234", actor=self.admin)
        self.assertIn("phone", ctx.exception.message_dict)

    def test_it_rejects_staff_without_owner_rights(self):
        with self.assertRaises(PermissionDenied):
            services.resident_create(company=self.company, name="张三", phone="13811112222", actor=self.viewer)

    def test_it_stops_a_project_owner_manager_creating_residents_in_another_company(self):
        with self.assertRaises(PermissionDenied):
            services.resident_create(
                company=self.other_company, name="张三", phone="13811112222", actor=self.supervisor
            )

    def test_it_lets_a_project_owner_manager_create_residents_in_his_company(self):
        resident = services.resident_create(
            company=self.company, name="张三", phone="13811112222", actor=self.supervisor
        )
        self.assertEqual(resident.company, self.company)

    def test_it_verifies_a_link_once(self):
        link = self.other_owner_link
        services.unit_resident_verify(link=link, actor=self.supervisor)
        link.refresh_from_db()
        self.assertTrue(link.is_verified)
        self.assertEqual(link.verified_by, self.supervisor)
        with self.assertRaises(ValidationError):
            services.unit_resident_verify(link=link, actor=self.supervisor)

    def test_it_refuses_a_resident_of_another_company(self):
        from core.models import Resident

        stranger = Resident.objects.create(company=self.other_company, name="外人", phone="13766665555")
        with self.assertRaises((ValidationError, PermissionDenied)):
            services.unit_resident_link(unit=self.unit, resident=stranger, relation="owner", actor=self.admin)


class CalendarTests(BaseTestCase):
    def test_it_seeds_known_years_when_a_company_is_created(self):
        years = set(CalendarYear.objects.filter(company=self.company).values_list("year", flat=True))
        self.assertIn(2026, years)
        national_day = CalendarDay.objects.get(company=self.company, date=dt.date(2026, 10, 1))
        self.assertFalse(national_day.is_workday)
        self.assertEqual(national_day.name, "国庆节")

    def test_it_refuses_a_year_the_library_does_not_know(self):
        with self.assertRaises(ValidationError) as ctx:
            services.calendar_seed_year(company=self.company, year=2099, actor=self.admin)
        self.assertIn("year", ctx.exception.message_dict)

    def test_it_lets_an_admin_enter_next_years_days(self):
        day = services.calendar_day_set(
            company=self.company, date=dt.date(2099, 1, 1), is_workday=False, name="元旦", actor=self.admin
        )
        self.assertEqual(day.calendar_year.year, 2099)
        self.assertEqual(day.calendar_year.source, "manual")

    def test_it_rejects_calendar_changes_by_a_project_manager(self):
        with self.assertRaises(PermissionDenied):
            services.calendar_day_set(
                company=self.company, date=dt.date(2099, 1, 1), is_workday=False, name="元旦", actor=self.manager
            )


class BuildingCountTests(BaseTestCase):
    def test_it_counts_only_company_rows(self):
        self.assertEqual(Building.objects.filter(company=self.company).count(), 2)
        self.assertEqual(Unit.objects.filter(company=self.company).count(), 4)
