"""analytics.selectors_dashboard.dashboard: the figures of the company, project and department views,
their targets and marks, trends, hotspots, inspection scores, open alerts and the table; who may
read what (never another company's rows); bad input; a fixed number of queries."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from alerts.models import Alert, AlertRule
from analytics.models import FindingDaily, HotspotDaily, HourlyLoad, TaskDaily, WorkOrderDaily
from analytics.selectors_dashboard import dashboard
from analytics.services import rollup_rebuild
from analytics.tests.base import D0, DAY, HOUR, MINUTE, T0, AnalyticsTestCase
from core import services as core_services
from core.choices import Role, ServiceLevel
from core.models import Project
from inspections.models import InspectionRollup
from lib.testing import make_user
from workorders.choices import Kind
from workorders.models import Category

MONTH = (D0.replace(day=1), D0.replace(day=30))  # November 2026; D0 is Monday 2 November


def figure(data: dict, code: str):
    return next(f for f in [*data["tiles"], *data["secondary"]] if f.code == code)


class DashboardData(AnalyticsTestCase):
    """Roll-up rows written directly: the selector reads nothing else."""

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        Project.objects.filter(pk=cls.project2.pk).update(service_level=ServiceLevel.LEVEL_1)
        cls.project2.refresh_from_db()
        cls.security = core_services.department_create(
            project=cls.project, data={"name": "秩序部", "kind": "security"}, actor=cls.admin
        )
        cls.quality = make_user("quality", name="品质经理", phone="13900000009")
        core_services.membership_grant(
            company=cls.company, user=cls.quality, role=Role.QUALITY_MANAGER, actor=cls.admin
        )
        cls.leak = Category.objects.get(company=cls.company, code="water-leak")
        cls.light = Category.objects.get(company=cls.company, code="electric-public-light")
        other_leak = Category.objects.get(company=cls.other_company, code="water-leak")
        common = {"company": cls.company, "project": cls.project, "department": cls.department}
        WorkOrderDaily.objects.create(
            **common, person=cls.staff, kind=Kind.REPAIR, day=D0, reported=12, arrive_due=10, arrive_on_time=9,
            resolve_due=10, resolve_on_time=10, completed=10, first_pass=10, arrived=10, arrive_minutes=400,
        )  # fmt: skip
        WorkOrderDaily.objects.create(
            **common, kind=Kind.COMPLAINT, day=D0 + DAY, reported=2, resolved=1, accepted=2,
        )  # fmt: skip
        WorkOrderDaily.objects.create(
            company=cls.company, project=cls.project2, kind=Kind.REPAIR, day=D0 + 2 * DAY, reported=5,
            arrive_due=10, arrive_on_time=10,
        )  # fmt: skip
        WorkOrderDaily.objects.create(
            company=cls.company,
            project=cls.project,
            kind=Kind.REPAIR,
            day=D0 - 20 * DAY,
            reported=7,
            arrive_due=7,
            arrive_on_time=0,
        )  # fmt: skip  (October: outside the month)
        WorkOrderDaily.objects.create(
            company=cls.other_company, project=cls.other_project, kind=Kind.REPAIR, day=D0, reported=100,
            arrive_due=100, arrive_on_time=0,
        )  # fmt: skip
        TaskDaily.objects.create(
            **common, person=cls.staff, kind="patrol", day=D0, scheduled=4, due=4, completed=3, missed=1,
            required_checkins=20, on_time_checkins=19,
        )  # fmt: skip
        FindingDaily.objects.create(**common, kind="major", day=D0, raised=2, due=2, closed_on_time=1)
        place = {"company": cls.company, "project": cls.project, "department": cls.department, "day": D0}
        HotspotDaily.objects.create(
            **place, building=cls.building, category=cls.leak, kind=Kind.REPAIR, reported=6, repeats=2
        )
        HotspotDaily.objects.create(
            **place, building=cls.building, area=cls.area, category=cls.light, kind=Kind.REPAIR, reported=3
        )
        HotspotDaily.objects.create(
            company=cls.other_company, project=cls.other_project, day=D0, building=cls.other_building,
            category=other_leak, kind=Kind.REPAIR, reported=50, repeats=40,
        )  # fmt: skip
        HourlyLoad.objects.create(**place, kind=Kind.REPAIR, hour=10, reported=8)
        HourlyLoad.objects.create(**{**place, "day": D0 + DAY}, kind=Kind.REPAIR, hour=21, reported=1)
        HourlyLoad.objects.create(
            company=cls.other_company, project=cls.other_project, day=D0, kind=Kind.REPAIR, hour=3, reported=99
        )
        InspectionRollup.objects.create(
            company=cls.company, project=cls.project, period=MONTH[0], kind="daily", rounds=2,
            possible=Decimal(200), achieved=Decimal(180), findings=3,
        )  # fmt: skip
        InspectionRollup.objects.create(
            company=cls.company, project=cls.project, department_kind="engineering", period=MONTH[0],
            kind="daily", rounds=2, possible=Decimal(100), achieved=Decimal(70), findings=2,
        )  # fmt: skip
        rule = AlertRule.objects.filter(company=cls.company).order_by("pk").first()
        other_rule = AlertRule.objects.filter(company=cls.other_company).order_by("pk").first()
        for n, (company, project, r, status) in enumerate(
            [
                (cls.company, cls.project, rule, "open"),
                (cls.company, cls.project2, rule, "acknowledged"),
                (cls.company, cls.project, rule, "resolved"),
                (cls.other_company, cls.other_project, other_rule, "open"),
            ]
        ):
            Alert.objects.create(
                company=company, project=project, rule=r, kind=r.kind, severity="high", status=status,
                dedup_key=f"k{n}", subject_type="workorder", first_seen_at=T0, last_seen_at=T0 + n * HOUR,
                created=T0,
            )  # fmt: skip

    def data(self, user=None, period=MONTH, **scope) -> dict:
        return dashboard(user=user or self.quality, date_from=period[0], date_to=period[1], **scope)


class CompanyViewTests(DashboardData):
    def test_figures_sum_the_companys_projects_and_never_another_company(self) -> None:
        data = self.data()
        arrive = figure(data, "repair_arrive_on_time")
        self.assertEqual((arrive.rate.numerator, arrive.rate.denominator), (19, 20))
        self.assertEqual(arrive.value, 95.0)
        minutes = figure(data, "repair_arrive_minutes")
        self.assertEqual((minutes.value, minutes.ok), (40, None))  # no target for an average
        self.assertEqual(data["scope"].level, "company")
        self.assertEqual([p.pk for p in data["scope"].projects], [self.project2.pk, self.project.pk])

    def test_the_companys_target_weighs_the_projects_own_targets(self) -> None:
        arrive = figure(self.data(), "repair_arrive_on_time")
        # 10 due at level 2 (95 %) and 10 at level 1 (98 %)
        self.assertAlmostEqual(arrive.target, 0.965)
        self.assertEqual(arrive.target_value, 96.5)
        self.assertIs(arrive.ok, False)
        plan = figure(self.data(), "plan_completion")  # only the garden (level 2) had tasks due
        self.assertAlmostEqual(plan.target, 0.95)

    def test_nothing_due_has_no_mark_and_the_level_2_target(self) -> None:
        data = self.data(period=(D0 + 20 * DAY, D0 + 21 * DAY))
        arrive = figure(data, "repair_arrive_on_time")
        self.assertEqual((arrive.value, arrive.ok, arrive.target), (None, None, 0.95))

    def test_the_table_has_a_row_per_project_with_its_own_target(self) -> None:
        rows = {r["key"]: r for r in self.data()["rows"]}
        self.assertEqual(set(rows), {self.project.pk, self.project2.pk})
        garden, tower = rows[self.project.pk], rows[self.project2.pk]
        self.assertEqual(garden["reported"], 14)
        self.assertEqual(garden["figures"]["repair_arrive_on_time"].target, 0.95)
        self.assertIs(garden["figures"]["repair_arrive_on_time"].ok, False)  # 90 %
        self.assertEqual(tower["figures"]["repair_arrive_on_time"].target, 0.98)
        self.assertIs(tower["figures"]["repair_arrive_on_time"].ok, True)  # 100 %

    def test_trend_by_day_for_a_month_and_by_month_for_a_year(self) -> None:
        trend = self.data()["trend"]
        self.assertEqual((trend["grain"], len(trend["buckets"])), ("day", 30))
        arrive = trend["series"]["repair_arrive_on_time"]
        self.assertEqual(arrive["rates"][1].percent, 90.0)  # 2 November
        self.assertIsNone(arrive["rates"][0].rate)
        self.assertAlmostEqual(arrive["target"], 0.965)
        self.assertEqual(trend["volume"]["repair"][1], 12)
        self.assertEqual(trend["volume"]["complaint"][2], 2)
        year = self.data(period=(dt.date(2026, 1, 1), dt.date(2026, 12, 31)))["trend"]
        self.assertEqual((year["grain"], len(year["buckets"])), ("month", 12))
        october, november = year["series"]["repair_arrive_on_time"]["rates"][9:11]
        self.assertEqual((october.numerator, october.denominator), (0, 7))
        self.assertEqual((november.numerator, november.denominator), (19, 20))

    def test_sla_patrol_and_inspection(self) -> None:
        data = self.data()
        repair = next(s for s in data["sla"] if s["kind"] == "repair")
        self.assertEqual((repair["arrive"].percent, repair["resolve"].percent, repair["minutes"]), (95.0, 100.0, 40))
        (patrol,) = data["patrol"]
        self.assertEqual(
            (patrol["kind"], patrol["coverage"].percent, patrol["completion"].percent), ("patrol", 95.0, 75.0)
        )
        self.assertEqual(data["inspection"]["score"], Decimal("90.0"))
        self.assertEqual(data["inspection"]["rounds"], 2)
        self.assertEqual(data["inspection"]["trend"], [(MONTH[0], Decimal("90.0"))])

    def test_hotspots_of_the_company_only(self) -> None:
        data = self.data()
        self.assertEqual(
            [(c["name"], c["reported"], c["repeats"]) for c in data["top_categories"]],
            [(self.leak.name, 6, 2), (self.light.name, 3, 0)],
        )
        places = data["places"]
        self.assertEqual([p["label"] for p in places["places"]], ["1栋", "1栋 · 1栋大堂"])
        self.assertEqual(sorted(c[:3] for c in places["cells"]), [(0, 0, 6), (1, 1, 3)])
        self.assertEqual(data["hours"]["cells"], [(10, 1, 8), (21, 2, 1)])  # Monday 10:00, Tuesday 21:00
        (repeat,) = data["repeats"]
        self.assertEqual((repeat["place"], repeat["category"], repeat["repeats"]), ("1栋", self.leak.name, 2))

    def test_open_alerts_of_the_company(self) -> None:
        alerts = self.data()["alerts"]
        self.assertEqual(alerts["total"], 2)
        self.assertEqual(alerts["by_project"], {self.project.pk: 1, self.project2.pk: 1})
        self.assertEqual(len(alerts["latest"]), 2)


class ProjectAndDepartmentViewTests(DashboardData):
    def test_a_project_is_held_to_its_service_level(self) -> None:
        data = self.data(project=self.project2)
        arrive = figure(data, "repair_arrive_on_time")
        self.assertEqual((arrive.value, arrive.target, arrive.ok), (100.0, 0.98, True))
        self.assertEqual(data["alerts"]["total"], 1)
        self.assertEqual(data["top_categories"], [])

    def test_the_project_table_lists_its_departments(self) -> None:
        data = self.data(project=self.project)
        rows = {r["key"]: r for r in data["rows"]}
        self.assertEqual(set(rows), {self.department.pk, self.security.pk})  # the quiet one too
        self.assertEqual(rows[self.department.pk]["reported"], 14)
        self.assertEqual(rows[self.department.pk]["figures"]["patrol_coverage"].value, 95.0)
        by_name = sorted([self.department, self.security], key=lambda d: d.name)
        self.assertEqual(data["departments"], by_name)

    def test_a_department_view_lists_its_people_and_its_inspection_score(self) -> None:
        data = self.data(project=self.project, department=self.department)
        self.assertEqual(data["scope"].level, "department")
        self.assertEqual([r["label"] for r in data["rows"]], ["钱师傅", None])
        nobody = data["rows"][1]  # the complaints nobody was assigned: their own figures, not the totals
        self.assertEqual(nobody["reported"], 2)
        self.assertEqual(nobody["figures"]["repair_arrive_on_time"].rate.denominator, 0)
        self.assertEqual(nobody["figures"]["complaint_closure"].value, 50.0)
        self.assertEqual(data["inspection"]["score"], Decimal("70.0"))  # the engineering rows
        complaints = figure(data, "valid_complaints")
        self.assertIsNone(complaints.value)  # no households per department
        self.assertEqual(figure(data, "repair_arrive_on_time").rate.denominator, 10)

    def test_a_department_alone_names_its_project(self) -> None:
        data = self.data(department=self.department)
        self.assertEqual(data["scope"].project, self.project)


class AccessTests(DashboardData):
    def test_a_project_manager_sees_his_project_only(self) -> None:
        data = self.data(user=self.manager)
        self.assertEqual([p.pk for p in data["scope"].projects], [self.project.pk])
        arrive = figure(data, "repair_arrive_on_time")
        self.assertEqual((arrive.rate.numerator, arrive.rate.denominator), (9, 10))
        self.assertEqual([r["key"] for r in data["rows"]], [self.project.pk])
        with self.assertRaises(PermissionDenied):
            self.data(user=self.manager, project=self.project2)

    def test_people_without_analytics_view_are_refused(self) -> None:
        for user in (self.staff, self.owner):
            with self.subTest(user=user.username), self.assertRaises(PermissionDenied):
                self.data(user=user)

    def test_another_companys_project_is_refused(self) -> None:
        with self.assertRaises(PermissionDenied):
            self.data(project=self.other_project)
        with self.assertRaises(PermissionDenied):
            self.data(user=self.outsider, project=self.project)
        mine = self.data(user=self.outsider)
        self.assertEqual(figure(mine, "repair_arrive_on_time").rate.denominator, 100)
        self.assertEqual(mine["top_categories"][0]["reported"], 50)

    def test_a_viewer_reads_the_company_and_a_supervisor_his_project(self) -> None:
        viewer = self.data(user=self.viewer)
        self.assertEqual(figure(viewer, "repair_arrive_on_time").rate.denominator, 20)
        supervisor = self.data(user=self.supervisor)
        self.assertEqual([p.pk for p in supervisor["scope"].projects], [self.project.pk])
        self.assertEqual(supervisor["alerts"]["total"], 1)

    def test_the_records_behind_hotspots_are_restricted_too(self) -> None:
        from analytics.selectors_dashboard import hotspot_records

        period = {"date_from": MONTH[0], "date_to": MONTH[1]}
        with self.assertRaises(PermissionDenied):
            hotspot_records(user=self.staff, counter="reported", **period)
        with self.assertRaises(PermissionDenied):
            hotspot_records(user=self.manager, counter="reported", project=self.project2, **period)
        with self.assertRaises(ValueError):
            hotspot_records(user=self.quality, counter="stars", **period)
        with self.assertRaises(ValueError):
            hotspot_records(user=self.quality, counter="repeats", filters={"hour": 10}, **period)
        self.assertEqual(hotspot_records(user=self.quality, counter="reported", **period).count(), 0)

    def test_bad_input(self) -> None:
        with self.assertRaises(ValueError):
            self.data(period=(MONTH[1], MONTH[0]))
        with self.assertRaises(ValueError):
            self.data(period=(dt.date(2020, 1, 1), dt.date(2026, 1, 1)))
        with self.assertRaises(ValueError):
            self.data(project=self.project2, department=self.department)


class EndToEndTests(AnalyticsTestCase):
    """Orders through the services, the roll-ups rebuilt: the dashboard shows them."""

    def test_orders_appear_in_the_figures_and_hotspots(self) -> None:
        leak = self.category("water-leak")
        first = self.report(priority="p1", category=leak)
        self.repair_done(first, arrive=T0 + 30 * MINUTE, done=T0 + 2 * HOUR)
        self.report(priority="p1", category=leak, when=T0 + HOUR)
        rollup_rebuild(company=self.company, days=[D0 + n * DAY for n in range(-1, 3)])
        data = dashboard(user=self.admin, date_from=D0, date_to=D0 + DAY)
        self.assertEqual(data["top_categories"][0]["reported"], 2)
        self.assertEqual(data["repeats"][0]["repeats"], 1)
        self.assertEqual(figure(data, "repair_arrive_minutes").value, 30)
        self.assertEqual(sum(c[2] for c in data["hours"]["cells"]), 2)


@pytest.mark.django_db
def test_the_number_of_queries_does_not_grow_with_the_projects(django_assert_max_num_queries) -> None:
    from accounts.models import User
    from lib.testing import build_company

    operator = make_user("op", superuser=True)
    boss = make_user("boss")
    built = build_company(code="big", name="大物业", operator=operator, admin=boss)
    company, leak = built["company"], Category.objects.get(company=built["company"], code="water-leak")
    projects = [built["project"]]
    for n in range(8):
        projects.append(
            core_services.project_create(
                company=company, data={"name": f"项目{n}", "code": f"p{n}", "households": 10}, actor=boss
            )
        )
    for n, project in enumerate(projects):
        department = built["department"] if project == built["project"] else None
        key = {"company": company, "project": project, "department": department, "day": D0}
        WorkOrderDaily.objects.create(**key, person=boss, kind="repair", reported=n + 1, arrive_due=2, arrive_on_time=1)
        TaskDaily.objects.create(**key, kind="patrol", due=1, completed=1)
        FindingDaily.objects.create(**key, kind="minor", due=1, closed_on_time=1)
        HotspotDaily.objects.create(
            **key, kind="repair", building=built["building"], area=built["area"], category=leak, reported=2, repeats=1
        )
        HourlyLoad.objects.create(**key, kind="repair", hour=9, reported=2)
    for scope in ({}, {"project": built["project"]}, {"department": built["department"]}):
        admin = User.objects.get(pk=boss.pk)  # a fresh request: access read again
        with django_assert_max_num_queries(22):
            data = dashboard(user=admin, date_from=MONTH[0], date_to=MONTH[1], **scope)
        assert data["top_categories"][0]["name"] == leak.name
        assert data["repeats"][0]["place"] == "1栋 · 1栋大堂"
    assert len(dashboard(user=admin, date_from=MONTH[0], date_to=MONTH[1])["rows"]) == 10
