from decimal import Decimal
from io import StringIO

from django.contrib.auth import authenticate
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count, Max, Min
from django.test import TestCase

from accounts.models import User
from core.choices import AreaKind, DepartmentKind, ResidentRelation, Role, UnitStatus
from core.demo.logins import DEMO_LOGINS, DEMO_PASSWORD, OWNER_PHONE
from core.demo.seed import OWNER_UNIT
from core.management.commands.demo_data import demo_counts
from core.models import Area, Building, Company, Department, Membership, Project, Resident, Unit, UnitResident
from portal.models import Notice


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


class DemoDataTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.output = run("demo_data")
        cls.company = Company.objects.get(code="anju")
        cls.residential = Project.objects.get(company=cls.company, code="jinxiu")
        cls.office = Project.objects.get(company=cls.company, code="huanqiu")

    def test_it_is_idempotent(self) -> None:
        before, users = demo_counts(self.company), User.objects.count()
        run("demo_data")
        self.assertEqual(demo_counts(self.company), before)
        self.assertEqual(User.objects.count(), users)
        self.assertEqual(Company.objects.count(), 1)

    def test_it_builds_a_residential_community(self) -> None:
        units = Unit.objects.filter(project=self.residential)
        self.assertEqual(Building.objects.filter(project=self.residential).count(), 10)
        self.assertTrue(1100 <= units.count() <= 1300, units.count())
        areas = units.aggregate(lo=Min("floor_area"), hi=Max("floor_area"))
        self.assertGreaterEqual(areas["lo"], Decimal(60))
        self.assertLessEqual(areas["hi"], Decimal(180))
        occupied = units.filter(status=UnitStatus.OCCUPIED).count() / units.count()
        self.assertAlmostEqual(occupied, 0.88, delta=0.03)
        self.assertTrue(units.filter(code="3-2-1501", entrance="2单元", floor=15, number="1501").exists())
        self.assertEqual(self.residential.households, units.count())

    def test_it_builds_an_office_tower(self) -> None:
        (tower,) = Building.objects.filter(project=self.office)
        self.assertEqual(tower.floors, 30)
        self.assertEqual(Unit.objects.filter(project=self.office).aggregate(m=Max("floor"))["m"], 30)
        self.assertGreater(Unit.objects.filter(project=self.office).count(), 150)

    def test_it_gives_each_project_areas_and_departments(self) -> None:
        for project in (self.residential, self.office):
            kinds = set(Area.objects.filter(project=project).values_list("kind", flat=True))
            self.assertTrue(
                {
                    AreaKind.LOBBY,
                    AreaKind.GARAGE,
                    AreaKind.ELEVATOR_HALL,
                    AreaKind.GARDEN,
                    AreaKind.ROAD,
                    AreaKind.EQUIPMENT_ROOM,
                }
                <= kinds,
                project,
            )
        departments = set(Department.objects.filter(project=self.residential).values_list("kind", flat=True))
        self.assertEqual(departments, set(DepartmentKind.values))

    def test_it_gives_every_role_a_member(self) -> None:
        roles = Membership.objects.filter(company=self.company, is_active=True).values_list("role", flat=True)
        self.assertEqual(set(roles), set(Role.values))
        staff = Membership.objects.filter(company=self.company).values("user").distinct().count()
        self.assertTrue(35 <= staff <= 50, staff)

    def test_it_lets_the_demo_logins_sign_in(self) -> None:
        for login in DEMO_LOGINS:
            with self.subTest(login.username):
                self.assertEqual(authenticate(username=login.username, password=DEMO_PASSWORD).username, login.username)
        self.assertEqual(authenticate(username=OWNER_PHONE, password=DEMO_PASSWORD).username, "owner")
        self.assertIsNone(authenticate(username="admin", password="wrong-password"))

    def test_it_grants_the_demo_logins_their_roles(self) -> None:
        for login in DEMO_LOGINS:
            if login.role in Role.values:
                with self.subTest(login.username):
                    self.assertTrue(Membership.objects.filter(user__username=login.username, role=login.role).exists())
        pm = Membership.objects.get(user__username="pm")
        self.assertEqual(pm.project, self.residential)
        self.assertTrue(User.objects.get(username="operator").is_superuser)

    def test_it_makes_the_owner_a_verified_owner_who_sees_the_portal(self) -> None:
        owner = User.objects.get(username="owner")
        link = UnitResident.objects.get(resident__user=owner)
        self.assertEqual((link.unit.code, link.relation, link.is_verified), (OWNER_UNIT, ResidentRelation.OWNER, True))
        self.client.force_login(owner)
        self.assertEqual(self.client.get("/m/").status_code, 200)

    def test_it_adds_owners_tenants_and_family(self) -> None:
        links = UnitResident.objects.filter(company=self.company)
        relations = dict(links.values_list("relation").annotate(n=Count("id")))
        self.assertEqual(set(relations), set(ResidentRelation.values))
        self.assertTrue(250 <= Resident.objects.filter(company=self.company).count() <= 350)
        self.assertGreater(links.filter(is_verified=True).count() / links.count(), 0.8)
        self.assertFalse(links.exclude(unit__status=UnitStatus.OCCUPIED).exists())

    def test_it_publishes_notices_in_each_project(self) -> None:
        for project in (self.residential, self.office):
            self.assertGreaterEqual(Notice.objects.filter(project=project, published_at__isnull=False).count(), 3)

    def test_it_prints_the_logins_table(self) -> None:
        for login in DEMO_LOGINS:
            self.assertIn(login.username, self.output)
        self.assertIn(DEMO_PASSWORD, self.output)


class GenScaleTests(TestCase):
    def generate(self, code: str, *extra: str, projects: int = 2, units: int = 250) -> str:
        return run(
            "gen_scale",
            "--projects",
            str(projects),
            "--units-per-project",
            str(units),
            "--company-code",
            code,
            "--no-progress",
            *extra,
        )

    def snapshot(self, code: str) -> tuple[list, list]:
        company = Company.objects.get(code=code)
        units = list(
            Unit.objects.filter(company=company)
            .order_by("id")
            .values_list(
                "project__name",
                "building__name",
                "building__floors",
                "entrance",
                "floor",
                "number",
                "code",
                "floor_area",
                "status",
            )
        )
        residents = list(
            UnitResident.objects.filter(company=company)
            .order_by("id")
            .values_list("unit__code", "resident__name", "resident__phone", "relation", "is_verified")
        )
        return units, residents

    def test_it_creates_the_requested_counts(self) -> None:
        out = self.generate("scale-a")
        company = Company.objects.get(code="scale-a")
        self.assertEqual(Project.objects.filter(company=company).count(), 2)
        self.assertEqual(Unit.objects.filter(company=company).count(), 500)
        for project in Project.objects.filter(company=company):
            self.assertEqual(Unit.objects.filter(project=project).count(), 250)
            sizes = [b.n for b in Building.objects.filter(project=project).annotate(n=Count("units")).order_by("id")]
            self.assertTrue(all(100 <= n <= 200 for n in sizes[:-1]) and sizes[-1] <= 200, sizes)
        residents = Resident.objects.filter(company=company)
        self.assertEqual(UnitResident.objects.filter(company=company).count(), residents.count())
        self.assertAlmostEqual(residents.count() / 500, 0.85, delta=0.07)
        self.assertFalse(residents.filter(user__isnull=False).exists())
        self.assertIn("Generated 500 units", out)
        self.assertIn("units/s", out)

    def test_it_is_reproducible_from_the_seed(self) -> None:
        self.generate("scale-a", "--seed", "7")
        self.generate("scale-b", "--seed", "7")
        self.generate("scale-c", "--seed", "8")
        self.assertEqual(self.snapshot("scale-a"), self.snapshot("scale-b"))
        self.assertNotEqual(self.snapshot("scale-a"), self.snapshot("scale-c"))

    def test_it_refuses_an_existing_company_code(self) -> None:
        self.generate("scale-a")
        with self.assertRaisesMessage(CommandError, "already exists"):
            self.generate("scale-a", units=10)
        self.assertEqual(Unit.objects.filter(company__code="scale-a").count(), 500)

    def test_it_regenerates_with_replace(self) -> None:
        self.generate("scale-a", "--seed", "3")
        before = self.snapshot("scale-a")
        self.generate("scale-a", "--seed", "3", "--replace")
        self.assertEqual(self.snapshot("scale-a"), before)
        self.assertEqual(Company.objects.filter(code="scale-a").count(), 1)

    def test_it_keeps_ids_usable_for_the_orm(self) -> None:
        self.generate("scale-a")
        unit = Unit.objects.filter(company__code="scale-a").last()
        created = Unit.objects.create(
            company=unit.company,
            project=unit.project,
            building=unit.building,
            floor=1,
            number="9999",
            code="extra-9999",
            floor_area=Decimal("80.00"),
        )
        self.assertGreater(created.pk, unit.pk)
