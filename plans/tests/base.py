"""Shared state for the plans tests: a security department with two guards, a cleaner, three
checkpoints and a patrol plan with a day and a night window (built through the services).

Times are Asia/Shanghai; the patrol runs from 1 Dec 2026.
"""

import datetime as dt
import zoneinfo
from decimal import Decimal

from core import services as core_services
from core.choices import DepartmentKind, Role
from lib.testing import BaseTestCase, make_user
from plans import services
from plans.models import Task

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
D = dt.date
T = dt.time
DAY1 = D(2026, 12, 1)


def at(*args) -> dt.datetime:
    """An aware moment in Shanghai: at(2026, 12, 1, 8, 30)."""
    return dt.datetime(*args, tzinfo=SHANGHAI)


class PlanTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.security = core_services.department_create(
            project=cls.project, data={"name": "秩序部", "kind": DepartmentKind.SECURITY}, actor=cls.admin
        )
        cls.cleaning = core_services.department_create(
            project=cls.project, data={"name": "环境部", "kind": DepartmentKind.CLEANING}, actor=cls.admin
        )
        cls.guard = cls._member("guard", "孙保安", "13900000011", cls.security)
        cls.guard2 = cls._member("guard2", "李保安", "13900000012", cls.security)
        cls.cleaner = cls._member("cleaner", "王保洁", "13900000013", cls.cleaning)
        cls.gate = services.checkpoint_create(
            project=cls.project,
            data={"name": "东门岗", "latitude": Decimal("31.230000"), "longitude": Decimal("121.470000")},
            actor=cls.admin,
        )
        cls.garage = services.checkpoint_create(
            project=cls.project, data={"name": "地下车库", "area": cls.area, "building": cls.building}, actor=cls.admin
        )
        cls.roof = services.checkpoint_create(
            project=cls.project,
            data={"name": "1栋天台", "latitude": Decimal("31.231000"), "longitude": Decimal("121.470000")},
            actor=cls.admin,
        )
        cls.patrol = services.plan_create(
            project=cls.project,
            data={
                "kind": "patrol",
                "name": "重点区域巡逻",
                "rrule": "FREQ=DAILY",
                "starts_on": DAY1,
                "department": cls.security,
            },
            windows=[(T(8), T(10)), (T(22), T(6))],
            checkpoints=[cls.gate, cls.garage, cls.roof],
            actor=cls.admin,
        )

    @classmethod
    def _member(cls, username, name, phone, department):
        user = make_user(username, name=name, phone=phone)
        core_services.membership_grant(
            company=cls.company, project=cls.project, user=user, role=Role.STAFF, department=department, actor=cls.admin
        )
        return user

    def generate(self, plan=None, *, until=DAY1, now=None) -> int:
        plan = plan or self.patrol
        return services.tasks_generate(until=until, now=now or at(2026, 12, 1, 0, 0), plans=[plan])

    def task(self, plan=None, *, date=DAY1, window=0) -> Task:
        plan = plan or self.patrol
        if not Task.objects.filter(plan=plan, date=date, window_index=window).exists():
            self.generate(plan, until=date, now=at(date.year, date.month, date.day, 0, 0))
        return Task.objects.select_related("company", "project", "plan").get(plan=plan, date=date, window_index=window)
