"""Starter checklists every company gets, built from its standards library (standards.defaults):
日常品质检查, 节前安全专项检查, 雨季防汛专项检查 and 神秘访客(客服). Seeding adds only templates
whose code the company lacks, so edits and deletions of items survive a re-run.

Plain data and functions taking the model classes, so the data migration can seed existing
companies with the historical models (like standards.defaults.seed_company).
"""

from dataclasses import dataclass, field
from decimal import Decimal

from core.choices import DepartmentKind
from inspections.choices import SEVERITY_RANK, SEVERITY_RECTIFY_HOURS, RoundKind, Scoring, Severity
from standards.choices import Discipline as D

# A checklist section per discipline, as the quality department heads its sheets.
SECTION_OF_DISCIPLINE = {
    D.CUSTOMER_SERVICE: "客服",
    D.ENGINEERING: "工程",
    D.SECURITY: "秩序",
    D.CLEANING: "环境",
    D.GREENING: "绿化",
}
# Who rectifies a failed item of a discipline (the values happen to match; kept explicit).
DEPARTMENT_OF_DISCIPLINE = {
    D.CUSTOMER_SERVICE: DepartmentKind.CUSTOMER_SERVICE,
    D.ENGINEERING: DepartmentKind.ENGINEERING,
    D.SECURITY: DepartmentKind.SECURITY,
    D.CLEANING: DepartmentKind.CLEANING,
    D.GREENING: DepartmentKind.GREENING,
}
# Equipment and security failures put people or property at risk sooner than a dirty corridor.
SEVERITY_OF_DISCIPLINE = {
    D.CUSTOMER_SERVICE: Severity.MINOR,
    D.ENGINEERING: Severity.MAJOR,
    D.SECURITY: Severity.MAJOR,
    D.CLEANING: Severity.MINOR,
    D.GREENING: Severity.MINOR,
}
URGENT_LIMIT_MINUTES = 30  # an item whose standard gives ≤ 30 minutes is one step more severe
_BY_RANK = {rank: severity for severity, rank in SEVERITY_RANK.items()}


def item_defaults(*, discipline: str, time_limit_minutes: int | None, photo_required: bool) -> dict:
    """Checklist-item settings for a standard item: pass/fail, weight 1, the standard's photo rule,
    severity by discipline (one step up for urgent time limits), the discipline's department."""
    severity = SEVERITY_OF_DISCIPLINE.get(discipline, Severity.MINOR)
    if time_limit_minutes is not None and time_limit_minutes <= URGENT_LIMIT_MINUTES:
        severity = _BY_RANK[min(SEVERITY_RANK[severity] + 1, max(_BY_RANK))]
    return {
        "section": SECTION_OF_DISCIPLINE.get(discipline, ""),
        "scoring": Scoring.PASS_FAIL,
        "max_score": 1,
        "weight": Decimal(1),
        "photo_required": photo_required,
        "severity_if_failed": severity,
        "department_kind": DEPARTMENT_OF_DISCIPLINE.get(discipline, ""),
        "rectify_hours": SEVERITY_RECTIFY_HOURS[severity],
    }


@dataclass(frozen=True)
class Extra:
    """An item that is not in the standards library (e.g. flood-season checks)."""

    section: str
    title: str
    requirement: str
    department_kind: str
    severity: str = Severity.MAJOR
    photo_required: bool = True


@dataclass(frozen=True)
class TemplateSpec:
    code: str
    name: str
    kinds: tuple[str, ...]
    description: str
    standards: tuple[str, ...]  # standard item codes, in order
    discipline: str = ""
    overrides: dict[str, dict] = field(default_factory=dict)  # standard code → item settings
    extras: tuple[Extra, ...] = ()


SEVERE = {"severity_if_failed": Severity.SEVERE, "rectify_hours": SEVERITY_RECTIFY_HOURS[Severity.SEVERE]}
MAJOR = {"severity_if_failed": Severity.MAJOR, "rectify_hours": SEVERITY_RECTIFY_HOURS[Severity.MAJOR]}
SCALE_5 = {"scoring": Scoring.SCALE, "max_score": 5}

TEMPLATES = [
    TemplateSpec(
        code="daily-quality",
        name="日常品质检查",
        kinds=(RoundKind.DAILY, RoundKind.WEEKLY),
        description="品质部日常/每周巡查：客服、工程、秩序、环境、绿化各专业按服务标准逐项检查。",
        standards=(
            "cs-front-desk",
            "cs-notice",
            "eng-power-room",
            "eng-pump-room",
            "eng-elevator",
            "eng-public-lights",
            "sec-gate",
            "sec-cctv",
            "sec-parking",
            "cln-waste",
            "cln-corridor",
            "cln-road",
            "cln-elevator-car",
            "grn-mowing",
            "grn-watering",
        ),
    ),
    TemplateSpec(
        code="holiday-safety",
        name="节前安全专项检查",
        kinds=(RoundKind.SPECIAL, RoundKind.AUDIT),
        description="春节、国庆等节假日前的安全专项检查：消防、配电、水泵、电梯、门岗与巡逻、消防通道。",
        standards=(
            "eng-fire-facilities",
            "eng-power-room",
            "eng-pump-room",
            "eng-elevator",
            "sec-gate",
            "sec-patrol",
            "sec-cctv",
            "sec-parking",
            "sec-fire-drill",
        ),
        overrides={
            "eng-fire-facilities": {**SEVERE, "weight": Decimal(2)},
            "eng-power-room": SEVERE,
            "eng-elevator": SEVERE,
            "sec-parking": {**MAJOR, "title": "消防通道及车辆停放"},
        },
    ),
    TemplateSpec(
        code="flood-season",
        name="雨季防汛专项检查",
        kinds=(RoundKind.SPECIAL,),
        description="雨季及台风前的防汛专项检查：排水、水泵、配电防水、地下车库挡水、树木加固与防汛物资。",
        standards=("eng-pump-room", "eng-power-room", "eng-public-lights", "sec-parking", "grn-pruning"),
        overrides={"eng-pump-room": {**SEVERE, "weight": Decimal(2)}, "eng-power-room": SEVERE},
        extras=(
            Extra(
                "工程",
                "排水沟及雨水井疏通",
                "雨水井、排水沟、屋面落水口无堵塞、无垃圾淤积，排水通畅。",
                DepartmentKind.ENGINEERING,
            ),
            Extra(
                "工程",
                "地下车库挡水设施",
                "地下车库出入口挡水板、沙袋到位，集水井水泵自动启停正常。",
                DepartmentKind.ENGINEERING,
                Severity.SEVERE,
            ),
            Extra(
                "秩序",
                "防汛物资储备",
                "沙袋、挡水板、抽水泵、雨衣雨靴、应急照明等防汛物资齐全并有台账。",
                DepartmentKind.SECURITY,
            ),
        ),
    ),
    TemplateSpec(
        code="mystery-shopper-cs",
        name="神秘访客(客服)",
        kinds=(RoundKind.MYSTERY_SHOPPER, RoundKind.THIRD_PARTY),
        description="以业主身份暗访客服：热线接听、前台接待、报修受理、投诉处理、回访与公告，0–5分评分。",
        discipline=D.CUSTOMER_SERVICE,
        standards=("cs-hotline", "cs-front-desk", "cs-repair-intake", "cs-complaint", "cs-follow-up", "cs-notice"),
        overrides={
            "cs-hotline": {**SCALE_5, "weight": Decimal(2)},
            "cs-front-desk": {**SCALE_5, "weight": Decimal(2), "photo_required": False},
            "cs-repair-intake": SCALE_5,
            "cs-complaint": SCALE_5,
            "cs-follow-up": SCALE_5,
            "cs-notice": SCALE_5,
        },
    ),
]


def template_items(spec: TemplateSpec, standards: dict) -> list[dict]:
    """Item dicts for a spec; ``standards`` maps a standard code to (item, current revision).
    Standard items the company has removed are skipped."""
    items = []
    for code in spec.standards:
        if code not in standards:
            continue
        item, revision = standards[code]
        row = item_defaults(
            discipline=item.discipline,
            time_limit_minutes=revision.time_limit_minutes,
            photo_required=revision.photo_required,
        )
        row.update(
            key=code,
            title=item.title,
            requirement=revision.judgement or revision.requirement,
            standard_revision=revision,
        )
        row.update(spec.overrides.get(code, {}))
        items.append(row)
    for n, extra in enumerate(spec.extras, start=1):
        items.append(
            {
                "key": f"{spec.code}-{n}",
                "section": extra.section,
                "title": extra.title,
                "requirement": extra.requirement,
                "standard_revision": None,
                "scoring": Scoring.PASS_FAIL,
                "max_score": 1,
                "weight": Decimal(1),
                "photo_required": extra.photo_required,
                "severity_if_failed": extra.severity,
                "department_kind": extra.department_kind,
                "rectify_hours": SEVERITY_RECTIFY_HOURS[extra.severity],
            }
        )
    return items


def seed_company(company_id: int, *, Template, Version, Item, StandardItem) -> int:
    """Add the starter checklists a company lacks (by code); returns how many were added.

    Takes the model classes so the data migration can pass its historical models.
    """
    existing = set(Template.objects.filter(company_id=company_id).values_list("code", flat=True))
    specs = [spec for spec in TEMPLATES if spec.code not in existing]
    if not specs:
        return 0
    standards = {
        s.code: (s, s.current_revision)
        for s in StandardItem.objects.filter(company_id=company_id, is_active=True, current_revision__isnull=False)
        .select_related("current_revision")
        .order_by("id")
    }
    for spec in specs:
        template = Template.objects.create(
            company_id=company_id,
            code=spec.code,
            name=spec.name,
            kinds=list(spec.kinds),
            discipline=spec.discipline,
            description=spec.description,
        )
        version = Version.objects.create(
            company_id=company_id, template=template, number=1, note="初始版本（系统预置）"
        )
        Item.objects.bulk_create(
            Item(company_id=company_id, version=version, sort_order=order * 10, **row)
            for order, row in enumerate(template_items(spec, standards), start=1)
        )
        Template.objects.filter(pk=template.pk).update(current_version=version)
    return len(specs)
