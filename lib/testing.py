"""Personas shared by every app's tests, built through the real services.

Company A (``self.company``) runs a residential project (``self.project``) and an office
tower (``self.project2``); company B (``self.other_company``) is another tenant whose
admin is ``self.outsider``. Personas in company A:

- ``admin``: company admin (everything in the company)
- ``manager``: project manager of ``project`` only
- ``supervisor``: engineering supervisor in ``project``
- ``staff``: a technician in ``project``
- ``viewer``: read-only, company-wide
- ``owner``: verified owner of ``unit`` (``project``), signs in to /m/
- ``other_owner``: owner of ``unit2`` in the same project
"""

from decimal import Decimal

from django.test import TestCase

from accounts.models import User
from accounts.services import user_create
from core import services
from core.choices import AreaKind, DepartmentKind, ResidentRelation, Role

PASSWORD = "Pinzhi-test-2026"


def make_user(username: str, *, name: str = "", phone: str | None = None, superuser: bool = False) -> User:
    user = user_create(username=username, name=name or username, phone=phone, password=PASSWORD)
    if superuser:
        User.objects.filter(pk=user.pk).update(is_superuser=True, is_staff=True)
        user.refresh_from_db()
    return user


def build_company(*, code: str, name: str, operator: User, admin: User) -> dict:
    """A company with one residential project, two buildings, units, areas and departments."""
    company = services.company_create(name=name, code=code, actor=operator)
    services.membership_grant(company=company, user=admin, role=Role.COMPANY_ADMIN, actor=operator)
    project = services.project_create(
        company=company, data={"name": f"{name}花园", "code": f"{code}-garden", "households": 4}, actor=admin
    )
    project2 = services.project_create(
        company=company, data={"name": f"{name}大厦", "code": f"{code}-tower", "kind": "office"}, actor=admin
    )
    building = services.building_create(project=project, data={"name": "1栋", "floors": 18}, actor=admin)
    building2 = services.building_create(project=project2, data={"name": "A座", "floors": 30}, actor=admin)
    units = [
        services.unit_create(
            project=project,
            data={
                "building": building,
                "entrance": "1单元",
                "floor": f,
                "number": f"{f}01",
                "code": f"1-1-{f}01",
                "floor_area": Decimal("98.50"),
            },
            actor=admin,
        )
        for f in (1, 2, 3)
    ]
    unit_office = services.unit_create(
        project=project2,
        data={"building": building2, "floor": 10, "number": "1001", "code": "A-1001", "floor_area": Decimal("300")},
        actor=admin,
    )
    area = services.area_create(
        project=project, data={"name": "1栋大堂", "kind": AreaKind.LOBBY, "building": building}, actor=admin
    )
    dept = services.department_create(
        project=project, data={"name": "工程部", "kind": DepartmentKind.ENGINEERING}, actor=admin
    )
    return {
        "company": company,
        "project": project,
        "project2": project2,
        "building": building,
        "building2": building2,
        "units": units,
        "unit_office": unit_office,
        "area": area,
        "department": dept,
    }


class BaseTestCase(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.operator = make_user("operator", superuser=True)
        cls.admin = make_user("admin", name="王经理", phone="13900000001")
        a = build_company(code="acme", name="安居物业", operator=cls.operator, admin=cls.admin)
        cls.company, cls.project, cls.project2 = a["company"], a["project"], a["project2"]
        cls.building, cls.building2, cls.area, cls.department = (
            a["building"],
            a["building2"],
            a["area"],
            a["department"],
        )
        cls.unit, cls.unit2, cls.unit3 = a["units"]
        cls.unit_office = a["unit_office"]

        cls.manager = make_user("manager", name="李项目", phone="13900000002")
        services.membership_grant(
            company=cls.company, project=cls.project, user=cls.manager, role=Role.PROJECT_MANAGER, actor=cls.admin
        )
        cls.supervisor = make_user("supervisor", name="赵主管", phone="13900000003")
        services.membership_grant(
            company=cls.company,
            project=cls.project,
            user=cls.supervisor,
            role=Role.SUPERVISOR,
            department=cls.department,
            actor=cls.admin,
        )
        cls.staff = make_user("staff", name="钱师傅", phone="13900000004")
        services.membership_grant(
            company=cls.company,
            project=cls.project,
            user=cls.staff,
            role=Role.STAFF,
            department=cls.department,
            actor=cls.admin,
        )
        cls.viewer = make_user("viewer", name="孙观察", phone="13900000005")
        services.membership_grant(company=cls.company, user=cls.viewer, role=Role.VIEWER, actor=cls.admin)

        cls.owner = make_user("owner", name="周业主", phone="13800000001")
        cls.resident = services.resident_create(
            company=cls.company, name="周业主", phone="13800000001", actor=cls.admin
        )
        cls.owner_link = services.unit_resident_link(
            unit=cls.unit, resident=cls.resident, relation=ResidentRelation.OWNER, verified=True, actor=cls.admin
        )
        cls.other_owner = make_user("other_owner", name="吴业主", phone="13800000002")
        cls.other_resident = services.resident_create(
            company=cls.company, name="吴业主", phone="13800000002", actor=cls.admin
        )
        cls.other_owner_link = services.unit_resident_link(
            unit=cls.unit2, resident=cls.other_resident, relation=ResidentRelation.OWNER, actor=cls.admin
        )

        cls.outsider = make_user("outsider", name="郑外人", phone="13700000001")
        b = build_company(code="other", name="他山物业", operator=cls.operator, admin=cls.outsider)
        cls.other_company, cls.other_project = b["company"], b["project"]
        cls.other_building, cls.other_unit, cls.other_area = b["building"], b["units"][0], b["area"]
        cls.other_department = b["department"]

    def login(self, user: User) -> None:
        self.client.force_login(user)
