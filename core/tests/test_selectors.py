import datetime as dt

from core import selectors
from core.access import access_for
from core.choices import Perm
from lib.testing import BaseTestCase


class AccessTests(BaseTestCase):
    def test_it_gives_the_project_manager_only_his_project(self):
        self.assertEqual(list(selectors.project_list(user=self.manager)), [self.project])

    def test_it_gives_the_company_admin_every_project(self):
        self.assertEqual(set(selectors.project_list(user=self.admin)), {self.project, self.project2})

    def test_it_gives_an_owner_no_staff_rows(self):
        self.assertFalse(selectors.unit_list(user=self.owner).exists())
        self.assertFalse(access_for(self.owner).is_staff_member)
        self.assertTrue(access_for(self.owner).is_resident)

    def test_it_hides_owners_from_the_viewer(self):
        self.assertFalse(selectors.resident_list(user=self.viewer).exists())

    def test_it_shows_the_supervisor_only_his_projects_owners(self):
        self.assertEqual(set(selectors.resident_list(user=self.supervisor)), {self.resident, self.other_resident})
        self.assertFalse(
            access_for(self.supervisor).allows(
                Perm.OWNERS_VIEW, company_id=self.company.id, project_id=self.project2.id
            )
        )

    def test_it_hides_company_wide_roles_from_a_project_manager(self):
        roles = set(selectors.membership_list(user=self.manager).values_list("role", flat=True))
        self.assertNotIn("company_admin", roles)
        self.assertIn("staff", roles)

    def test_it_ignores_revoked_roles(self):
        from core import services

        services.membership_revoke(membership=self.staff.memberships.get(), actor=self.admin)
        self.staff._pinzhi_access = None
        del self.staff._pinzhi_access
        self.assertFalse(access_for(self.staff).is_staff_member)


class BusinessCalendarTests(BaseTestCase):
    def test_it_knows_holidays_and_adjusted_workdays(self):
        cal = selectors.business_calendar(company=self.company)
        self.assertFalse(cal.is_workday(dt.date(2026, 10, 1)))  # National Day, a Thursday
        self.assertTrue(cal.is_workday(dt.date(2026, 9, 20)))  # a Sunday worked in exchange
        self.assertTrue(cal.is_known(dt.date(2026, 6, 1)))
        self.assertFalse(cal.is_known(dt.date(2099, 6, 1)))

    def test_it_reports_missing_years_to_admins(self):
        missing = selectors.calendar_missing_years(company=self.company, today=dt.date(2026, 11, 21))
        self.assertEqual(missing, [2027])
        self.assertEqual(selectors.calendar_missing_years(company=self.company, today=dt.date(2026, 6, 1)), [])


class CommitteeAccessTests(BaseTestCase):
    def test_it_shows_a_committee_member_his_project_but_no_owners_or_people(self):
        from core import services
        from lib.testing import make_user

        member = make_user("committee")
        services.membership_grant(
            company=self.company, project=self.project, user=member, role="committee", actor=self.admin
        )
        self.assertEqual(list(selectors.project_list(user=member)), [self.project])
        self.assertFalse(selectors.resident_list(user=member).exists())
        self.assertFalse(selectors.membership_list(user=member).exists())
