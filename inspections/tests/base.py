"""Shared state for the inspections tests, built through the services.

On top of lib.testing's personas: a quality manager (company-wide), a third-party inspector
invited to rounds of ``project``, a second inspector of the same project who is not invited, a
cleaning department, and a small checklist (3 pass/fail items of different departments and
weights, one needing a photo, one 0–5 item). Times are Asia/Shanghai.
"""

import datetime as dt
import io
import zoneinfo
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from core import services as core_services
from core.choices import DepartmentKind, Role
from inspections import services
from inspections.choices import RoundKind, Scoring, Severity
from inspections.models import InspectionRound
from lib.testing import BaseTestCase, make_user

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
DAY1 = dt.date(2026, 12, 1)
LEAD = object()  # make_round's default lead: the quality manager


def at(*args) -> dt.datetime:
    """An aware moment in Shanghai: at(2026, 12, 1, 8, 30)."""
    return dt.datetime(*args, tzinfo=SHANGHAI)


def jpeg(name: str = "photo.jpg") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(buffer, "JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


ITEMS = [
    {
        "key": "lobby",
        "section": "环境",
        "title": "大堂地面洁净",
        "weight": Decimal(1),
        "department_kind": DepartmentKind.CLEANING,
    },
    {
        "key": "fire",
        "section": "工程",
        "title": "消防通道畅通",
        "weight": Decimal(3),
        "photo_required": True,
        "severity_if_failed": Severity.SEVERE,
        "department_kind": DepartmentKind.ENGINEERING,
    },
    {
        "key": "pump",
        "section": "工程",
        "title": "水泵房无渗漏",
        "weight": Decimal(2),
        "department_kind": DepartmentKind.ENGINEERING,
    },
    {
        "key": "desk",
        "section": "客服",
        "title": "前台接待礼仪",
        "scoring": Scoring.SCALE,
        "max_score": 5,
        "weight": Decimal(2),
        "department_kind": DepartmentKind.CUSTOMER_SERVICE,
    },
]


class InspectionTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.quality = make_user("quality", name="品质经理", phone="13900000021")
        core_services.membership_grant(
            company=cls.company, user=cls.quality, role=Role.QUALITY_MANAGER, actor=cls.admin
        )
        cls.inspector = make_user("inspector", name="第三方甲", phone="13900000022")
        cls.inspector2 = make_user("inspector2", name="第三方乙", phone="13900000023")
        for person in (cls.inspector, cls.inspector2):
            core_services.membership_grant(
                company=cls.company, project=cls.project, user=person, role=Role.INSPECTOR, actor=cls.admin
            )
        cls.cleaning = core_services.department_create(
            project=cls.project, data={"name": "环境部", "kind": DepartmentKind.CLEANING}, actor=cls.admin
        )
        cls.template = services.checklist_template_create(
            company=cls.company,
            data={"code": "test-list", "name": "测试检查表", "kinds": []},
            items=ITEMS,
            actor=cls.quality,
        )
        cls.version = cls.template.current_version
        cls.items = {item.key: item for item in cls.version.items.all()}

    @classmethod
    def make_round(cls, *, project=None, kind=RoundKind.DAILY, day=DAY1, inspectors=None, lead=LEAD, **extra):
        return services.round_create(
            project=project or cls.project,
            version=extra.pop("version", cls.version),
            kind=kind,
            title=extra.pop("title", "十二月日检"),
            scheduled_for=day,
            due_at=dt.datetime.combine(day, dt.time(18), tzinfo=SHANGHAI),
            lead=cls.quality if lead is LEAD else lead,
            inspectors=[cls.inspector] if inspectors is None else inspectors,
            actor=extra.pop("actor", cls.quality),
            **extra,
        )

    @classmethod
    def answer_all(cls, round: InspectionRound, *, actor=None, fail=(), desk_score=5, na=()) -> None:
        """Record every item: pass, except keys in ``fail`` (with a photo) and ``na``."""
        actor = actor or cls.inspector
        for key, item in cls.items.items():
            outcome = "na" if key in na else ("fail" if key in fail else "pass")
            score = None
            if item.scoring == Scoring.SCALE and outcome != "na":
                score = desk_score if outcome == "pass" else min(desk_score, item.max_score - 1)
            photo = jpeg() if outcome == "fail" and item.photo_required else None
            services.round_result_record(
                round=round, item=item, outcome=outcome, score=score, photo=photo, actor=actor, note=""
            )
