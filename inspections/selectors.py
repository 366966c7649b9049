"""Reads of the inspections domain: visible rounds and checklists, who may do a round, and the scores.

Who sees which round:
- people with ``inspections.view`` on the project (quality manager, company admin, project
  manager, supervisor, viewer): every round there;
- people with ``inspections.do`` only (third-party inspectors, mystery shoppers): the rounds they
  are invited to (RoundInspector) in projects where they hold the role, nothing else.
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q, QuerySet, Sum
from django.http import Http404

from accounts.models import User
from core.access import access_for, get_object_for_user, restrict
from core.choices import DepartmentKind, Perm
from core.models import Project
from inspections import scoring
from inspections.models import (
    ChecklistTemplate,
    InspectionRollup,
    InspectionRound,
    InspectionSchedule,
    ItemResult,
    RoundInspector,
)
from lib.months import add_months

ROUND_RELATED = ("project", "version", "version__template", "lead")


#
# Access
#
def _invited_q(user: User) -> Q:
    access = access_for(user)
    if not access.has(Perm.INSP_DO) or user is None or not user.is_authenticated:
        return Q(pk__in=[])
    invited = RoundInspector.objects.filter(round_id=OuterRef("pk"), user=user)
    return access.q(Perm.INSP_DO) & Q(Exists(invited))


def round_visible(*, user: User) -> QuerySet[InspectionRound]:
    return InspectionRound.objects.filter(access_for(user).q(Perm.INSP_VIEW) | _invited_q(user))


def round_list(*, user: User) -> QuerySet[InspectionRound]:
    return round_visible(user=user).select_related(*ROUND_RELATED).order_by("-scheduled_for", "-id")


def get_round_for_user(*, user: User, pk, write: bool = False) -> InspectionRound:
    """One visible round; 404 for missing and not-yours alike. ``write``: ``inspections.manage``
    on its project, else PermissionDenied. Doing the round is checked by ``can_do_round``."""
    try:
        round = round_visible(user=user).select_related(*ROUND_RELATED, "company").get(pk=pk)
    except (InspectionRound.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    if write and not access_for(user).allows(
        Perm.INSP_MANAGE, company_id=round.company_id, project_id=round.project_id
    ):
        raise PermissionDenied
    return round


def is_invited(*, user: User, round: InspectionRound) -> bool:
    return RoundInspector.objects.filter(round=round, user=user).exists()


def can_do_round(*, user: User | None, round: InspectionRound) -> bool:
    """May ``user`` start, record and submit ``round``? ``inspections.do`` on its project and either
    invited to it or also ``inspections.manage`` there (the quality manager). None = the system."""
    if user is None:
        return True
    access = access_for(user)
    if not access.allows(Perm.INSP_DO, company_id=round.company_id, project_id=round.project_id):
        return False
    if access.allows(Perm.INSP_MANAGE, company_id=round.company_id, project_id=round.project_id):
        return True
    return is_invited(user=user, round=round)


def is_inspector_only(*, user: User, project: Project | None = None) -> bool:
    """True for someone who inspects without ``inspections.view`` (a third party or mystery
    shopper, in ``project`` or anywhere): pages and API must show him no owners' data."""
    access = access_for(user)
    if project is None:
        return access.has(Perm.INSP_DO) and not access.has(Perm.INSP_VIEW)
    args = {"company_id": project.company_id, "project_id": project.pk}
    return access.allows(Perm.INSP_DO, **args) and not access.allows(Perm.INSP_VIEW, **args)


def round_actions(*, round: InspectionRound, user: User) -> list[str]:
    """What ``user`` may do with ``round`` now, in the order pages show them."""
    from inspections.choices import OPEN_ROUND_STATUSES, RoundStatus

    do = can_do_round(user=user, round=round)
    manage = access_for(user).allows(Perm.INSP_MANAGE, company_id=round.company_id, project_id=round.project_id)
    s = round.status
    rules = [
        ("start", do and s == RoundStatus.SCHEDULED),
        ("record", do and s in OPEN_ROUND_STATUSES),
        ("submit", do and s == RoundStatus.IN_PROGRESS),
        ("inspectors", manage and s in OPEN_ROUND_STATUSES),
        ("cancel", manage and s in OPEN_ROUND_STATUSES),
        ("close", manage and s == RoundStatus.SUBMITTED),
    ]
    return [name for name, ok in rules if ok]


#
# Checklists
#
def _company_ids(user: User, *perms: str) -> set[int] | None:
    """Companies where ``user`` holds any of ``perms`` (company-wide or in a project); None = all."""
    access = access_for(user)
    if access.is_superuser:
        return None
    ids: set[int] = set()
    projects: set[int] = set()
    for perm in perms:
        ids |= access.company_grants.get(perm, set())
        projects |= access.project_grants.get(perm, set())
    if projects:
        ids |= set(Project.objects.filter(pk__in=sorted(projects)).values_list("company_id", flat=True))
    return ids


def template_list(*, user: User) -> QuerySet[ChecklistTemplate]:
    """Checklists of the companies where ``user`` sees inspections (third parties see a round's
    checklist through the round, not the library)."""
    ids = _company_ids(user, Perm.INSP_VIEW)
    qs = ChecklistTemplate.objects.all() if ids is None else ChecklistTemplate.objects.filter(company_id__in=ids)
    return qs.select_related("current_version").order_by("name", "code")


def get_template_for_user(*, user: User, pk, write: bool = False) -> ChecklistTemplate:
    """One visible checklist; 404 for missing and not-yours. ``write`` needs company-wide ``inspections.manage``."""
    try:
        template = template_list(user=user).get(pk=pk)
    except (ChecklistTemplate.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    if write and not access_for(user).allows(Perm.INSP_MANAGE, company_id=template.company_id, project_id=None):
        raise PermissionDenied
    return template


#
# Schedules
#
def schedule_list(*, user: User) -> QuerySet[InspectionSchedule]:
    return (
        restrict(InspectionSchedule.objects.all(), user, Perm.INSP_VIEW)
        .select_related("project", "template", "lead")
        .order_by("project__name", "title", "id")
    )


def get_schedule_for_user(*, user: User, pk, write: bool = False) -> InspectionSchedule:
    """One schedule of a project where ``user`` sees inspections (404 otherwise); ``write``:
    ``inspections.manage`` there, else PermissionDenied."""
    qs = InspectionSchedule.objects.select_related("project", "project__company", "template", "lead", "company")
    write_perm = Perm.INSP_MANAGE if write else None
    return get_object_for_user(qs, user, pk, perm=Perm.INSP_VIEW, write_perm=write_perm)


#
# Scores
#
@dataclass
class ScoreFigure:
    """Inspection score of one group: achieved ÷ possible points × 100 (numerator, denominator)."""

    group: dict[str, Any] = field(default_factory=dict)
    rounds: int = 0
    achieved: Decimal = Decimal(0)
    possible: Decimal = Decimal(0)
    findings: int = 0

    @property
    def numerator(self) -> Decimal:
        return self.achieved

    @property
    def denominator(self) -> Decimal:
        return self.possible

    @property
    def score(self) -> Decimal | None:
        return scoring.percent(self.achieved, self.possible)


SCORE_GROUPS = {
    "project": ("project_id", "project__name"),
    "department": ("department_kind",),
    "period": ("period",),
    "kind": ("kind",),
}


def _month(day: dt.date) -> dt.date:
    return day.replace(day=1)


def scores(
    *,
    user: User | None = None,
    company=None,
    group_by: str | tuple[str, ...] | None = "project",
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    projects=None,
    kinds=None,
    department_kinds=None,
) -> list[ScoreFigure]:
    """Scores from the roll-up table (never the raw results), grouped by any of "project",
    "department" (the rectifying department's type), "period" (month) and "kind".

    Restricted to what ``user`` sees (``inspections.view``) and/or to ``company``. Dates select
    whole months. Without "department" in ``group_by`` the whole-round rows are used; with it,
    the per-department rows.
    """
    keys_of = (group_by,) if isinstance(group_by, str) else tuple(group_by or ())
    unknown = set(keys_of) - set(SCORE_GROUPS)
    if unknown:
        raise ValueError(f"group_by takes {sorted(SCORE_GROUPS)}, not {sorted(unknown)}")
    qs = InspectionRollup.objects.all()
    if user is not None:
        qs = restrict(qs, user, Perm.INSP_VIEW)
    if company is not None:
        qs = qs.filter(company=company)
    if date_from:
        qs = qs.filter(period__gte=_month(date_from))
    if date_to:
        qs = qs.filter(period__lte=_month(date_to))
    if projects is not None:
        qs = qs.filter(project__in=projects)
    if kinds:
        qs = qs.filter(kind__in=list(kinds))
    if "department" in keys_of:
        qs = qs.exclude(department_kind="")
        if department_kinds:
            qs = qs.filter(department_kind__in=list(department_kinds))
    else:
        qs = qs.filter(department_kind="")
    keys = tuple(k for name in keys_of for k in SCORE_GROUPS[name])
    sums = {
        "rounds": Sum("rounds"),
        "achieved": Sum("achieved"),
        "possible": Sum("possible"),
        "findings": Sum("findings"),
    }
    rows = qs.order_by().values(*keys).annotate(**sums).order_by(*keys) if keys else [qs.aggregate(**sums)]
    return [
        ScoreFigure(
            group={k: row[k] for k in keys},
            rounds=row["rounds"] or 0,
            achieved=Decimal(row["achieved"] or 0),
            possible=Decimal(row["possible"] or 0),
            findings=row["findings"] or 0,
        )
        for row in rows
    ]


def round_department_scores(round: InspectionRound) -> list[dict[str, Any]]:
    """The score of each rectifying department in ``round`` (from its results), in DepartmentKind order."""
    rows = [
        scoring.Row(
            scoring=r.item.scoring,
            max_score=r.item.max_score,
            weight=r.item.weight,
            outcome=r.outcome,
            score=r.score,
            department_kind=r.item.department_kind,
        )
        for r in ItemResult.objects.filter(round=round).select_related("item")
    ]
    by_kind = scoring.department_scores(rows)
    return [
        {
            "department_kind": kind,
            "label": DepartmentKind(kind).label,
            "achieved": s.achieved,
            "possible": s.possible,
            "score": s.score,
            "items": s.items,
            "failed": s.failed,
        }
        for kind in DepartmentKind.values
        if (s := by_kind.get(kind)) is not None
    ]


def score_trend(
    *, project: Project, months: int = 12, kind: str | None = None, until: dt.date | None = None
) -> list[ScoreFigure]:
    """Monthly scores of ``project`` for the last ``months`` months up to ``until`` (default this
    month), one entry per month, months without rounds included with no score."""
    last = _month(until or dt.date.today())
    first = add_months(last, -(months - 1))
    figures = scores(
        group_by="period",
        date_from=first,
        date_to=last,
        projects=[project],
        kinds=[kind] if kind else None,
    )
    found = {f.group["period"]: f for f in figures}
    out = []
    for n in range(months):
        period = add_months(first, n)
        out.append(found.get(period) or ScoreFigure(group={"period": period}))
    return out


def round_results(round: InspectionRound) -> QuerySet[ItemResult]:
    return (
        ItemResult.objects.filter(round=round)
        .select_related("item", "building", "area")
        .order_by("item__sort_order", "item_id")
    )
