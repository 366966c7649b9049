"""kpi_values and kpi_drilldown: grouping, company isolation and who may read KPIs."""

from django.core.exceptions import PermissionDenied

from analytics.selectors import kpi_drilldown, kpi_values
from analytics.services import rollup_rebuild
from analytics.tests.base import D0, DAY, HOUR, MINUTE, T0, AnalyticsTestCase
from core.access import access_for

WEEK = (D0, D0 + 6 * DAY)
KPI = "repair_arrive_on_time"


class KpiFixture(AnalyticsTestCase):
    """Two repairs in the garden (one on site on time, one nobody went to), one in the tower
    not dispatched, one in the other company."""

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        t = cls()
        on_time = t.report(priority="p1")
        t.repair_done(on_time, arrive=T0 + 30 * MINUTE, done=T0 + HOUR)
        t.report(priority="p1", when=T0 + DAY)  # nobody went: late on the second day
        tower = t.report(priority="p1", project=cls.project2, unit=cls.unit_office, actor=cls.admin)
        other = t.report(priority="p1", project=cls.other_project, unit=cls.other_unit, actor=cls.outsider)
        cls.orders = {"on_time": on_time, "tower": tower, "other": other}
        for company in (cls.company, cls.other_company):
            rollup_rebuild(company=company, days=[D0 + n * DAY for n in range(-1, 8)])


class KpiSelectorTests(KpiFixture):
    def values(self, user, group_by=None, project=None):
        return kpi_values(
            user=user, kpis=[KPI], date_from=WEEK[0], date_to=WEEK[1], group_by=group_by, project=project
        )[KPI]

    def pairs(self, rates) -> list[tuple]:
        return [(r.group, r.numerator, r.denominator) for r in rates]

    def test_it_totals_the_visible_company(self) -> None:
        self.assertEqual(self.pairs(self.values(self.admin)), [({}, 1, 3)])
        self.assertEqual(self.pairs(self.values(self.viewer)), [({}, 1, 3)])

    def test_it_groups_by_project_day_week_and_month(self) -> None:
        p1, p2 = self.project.pk, self.project2.pk
        self.assertEqual(
            self.pairs(self.values(self.admin, "project")), [({"project_id": p1}, 1, 2), ({"project_id": p2}, 0, 1)]
        )
        self.assertEqual(self.pairs(self.values(self.admin, "day")), [({"day": D0}, 1, 2), ({"day": D0 + DAY}, 0, 1)])
        self.assertEqual(self.pairs(self.values(self.admin, "week")), [({"week": D0}, 1, 3)])  # D0 is a Monday
        self.assertEqual(self.pairs(self.values(self.admin, "month")), [({"month": D0.replace(day=1)}, 1, 3)])

    def test_it_groups_by_department_and_person(self) -> None:
        by_person = {r.group["person_id"]: (r.numerator, r.denominator) for r in self.values(self.admin, "person")}
        self.assertEqual(by_person, {self.staff.pk: (1, 1), None: (0, 2)})
        by_department = {r.group["department_id"]: r.denominator for r in self.values(self.admin, "department")}
        self.assertEqual(by_department, {self.department.pk: 2, None: 1})

    def test_it_keeps_companies_apart(self) -> None:
        self.assertEqual(self.pairs(self.values(self.outsider)), [({}, 0, 1)])
        self.assertEqual(self.pairs(self.values(self.outsider, project=self.project)), [({}, 0, 0)])

    def test_a_project_manager_sees_his_project_only(self) -> None:
        self.assertEqual(self.pairs(self.values(self.manager)), [({}, 1, 2)])
        self.assertEqual(self.pairs(self.values(self.manager, project=self.project2)), [({}, 0, 0)])

    def test_staff_and_owners_read_no_kpis(self) -> None:
        for user in (self.staff, self.owner):
            self.assertEqual(self.pairs(self.values(user)), [({}, 0, 0)])

    def test_it_rejects_unknown_kpis_and_groups(self) -> None:
        with self.assertRaises(ValueError):
            kpi_values(user=self.admin, kpis=["nps"], date_from=WEEK[0], date_to=WEEK[1])
        with self.assertRaises(ValueError):
            self.values(self.admin, group_by="building")

    def test_it_reads_only_the_rollups(self) -> None:
        access_for(self.viewer)  # the user's grants, read once per request
        with self.assertNumQueries(1):
            kpi_values(
                user=self.viewer,
                kpis=["repair_arrive_on_time", "repair_first_pass", "complaint_closure"],
                date_from=WEEK[0],
                date_to=WEEK[1],
                group_by="project",
            )


class KpiDrilldownTests(KpiFixture):
    def drill(self, user, part="numerator", **filters):
        filters = {"date_from": WEEK[0], "date_to": WEEK[1], **filters}
        return set(kpi_drilldown(user=user, kpi=KPI, part=part, filters=filters).values_list("pk", flat=True))

    def test_it_returns_the_records_of_each_part(self) -> None:
        self.assertEqual(self.drill(self.admin), {self.orders["on_time"].pk})
        self.assertEqual(len(self.drill(self.admin, "denominator")), 3)
        self.assertEqual(len(self.drill(self.admin, "denominator", project_id=self.project2.pk)), 1)

    def test_it_restricts_the_records_like_the_figures(self) -> None:
        self.assertEqual(len(self.drill(self.manager, "denominator")), 2)
        self.assertEqual(self.drill(self.outsider, "denominator", project_id=self.project.pk), set())
        self.assertEqual(self.drill(self.outsider, "denominator"), {self.orders["other"].pk})

    def test_readers_without_the_permission_are_refused(self) -> None:
        for user in (self.staff, self.owner):
            with self.assertRaises(PermissionDenied):
                self.drill(user)

    def test_it_rejects_a_bad_part(self) -> None:
        with self.assertRaises(ValueError):
            self.drill(self.admin, part="both")
