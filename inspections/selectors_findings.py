"""Reads of findings, extension requests and CAPA: who sees what, what one may do, and the figures.

Who sees which finding:
- people with ``inspections.view`` on the project: every finding there;
- the rectifying team (``findings.rectify`` without ``inspections.view``, i.e. staff): findings
  of their department in that project, and findings without a department;
- invited inspectors (``inspections.do`` only): findings of the rounds they are invited to.
CAPA: ``inspections.view`` or ``capa.manage`` on the project (never third-party inspectors).

Figures (DOMAIN.md §6.3) expose numerator and denominator like plans.selectors:
- 整改完成率(按期): findings closed by their deadline ÷ findings due in the period (deadline in the
  period and passed, or closed already); the deadline is the one in force when it closed
  (an approved extension or a failed verification's new deadline moves it);
- 整改率(累计): findings raised in the period that are closed ÷ findings raised in the period;
- 整改有效率: findings closed in the period with no repeat within 30 days of closing ÷ findings
  closed in the period, counting only those closed at least 30 days ago (the rest cannot be judged yet);
- repeat rate: repeats among the findings raised in the period.
Cancelled findings never count.
"""

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Count, DateField, Exists, F, OuterRef, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.http import Http404
from django.utils import timezone

from accounts.models import User
from core.access import access_for
from core.choices import Perm
from core.models import Membership
from inspections.choices import (
    OPEN_FINDING_STATUSES,
    UNRESOLVED_FINDING_STATUSES,
    CapaStatus,
    EffectivenessResult,
    ExtensionStatus,
    FindingStatus,
)
from inspections.models import Capa, CapaEvent, ExtensionRequest, Finding, FindingEvent, RoundInspector
from lib.figures import Rate

FINDING_RELATED = ("project", "department", "round", "item", "building", "area", "work_order", "capa")
# A closed finding that comes back within this many days was not rectified effectively.
EFFECTIVENESS_DAYS = 30


#
# Access
#
def _work_departments(user: User) -> dict[int, set[int]]:
    cached = getattr(user, "_pinzhi_work_departments", None)
    if cached is None:
        cached = {}
        rows = Membership.objects.filter(
            user=user, is_active=True, project__isnull=False, department__isnull=False
        ).values_list("project_id", "department_id")
        for project_id, department_id in rows:
            cached.setdefault(project_id, set()).add(department_id)
        user._pinzhi_work_departments = cached
    return cached


def _team_q(user: User) -> Q:
    access = access_for(user)
    if not access.has(Perm.FINDINGS_RECTIFY):
        return Q(pk__in=[])
    departments = _work_departments(user)
    if not departments:
        return access.q(Perm.FINDINGS_RECTIFY)
    own = Q(department__isnull=True) | Q(department_id__in=sorted({d for ids in departments.values() for d in ids}))
    return access.q(Perm.FINDINGS_RECTIFY) & (own | ~Q(project_id__in=sorted(departments)))


def _invited_q(user: User) -> Q:
    access = access_for(user)
    if not access.has(Perm.INSP_DO):
        return Q(pk__in=[])
    rounds = RoundInspector.objects.filter(user=user).values("round_id")
    return access.q(Perm.INSP_DO) & Q(round_id__in=rounds)


def finding_visible(*, user: User) -> QuerySet[Finding]:
    if user is None or not user.is_authenticated:
        return Finding.objects.none()
    return Finding.objects.filter(access_for(user).q(Perm.INSP_VIEW) | _team_q(user) | _invited_q(user))


def finding_list(*, user: User) -> QuerySet[Finding]:
    return finding_visible(user=user).select_related(*FINDING_RELATED).order_by("-created", "-id")


def get_finding_for_user(*, user: User, pk) -> Finding:
    """One visible finding; 404 for missing and not-yours alike. What he may do: ``finding_actions``."""
    try:
        return finding_visible(user=user).select_related(*FINDING_RELATED, "company").get(pk=pk)
    except (Finding.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def finding_events(*, finding: Finding) -> QuerySet[FindingEvent]:
    return finding.events.select_related("actor").order_by("created", "id")


def finding_actions(*, finding: Finding, user: User) -> list[str]:
    """What ``user`` may do with ``finding`` now, in the order pages show them."""
    from inspections.services.findings import finding_can_inspect, finding_can_manage, finding_can_rectify

    team = finding_can_rectify(user=user, finding=finding)
    inspect = finding_can_inspect(
        user=user, company_id=finding.company_id, project_id=finding.project_id, round_id=finding.round_id
    )
    manage = finding_can_manage(user=user, finding=finding)
    pending = extension_pending(finding=finding)
    s = finding.status
    rules = [
        ("start", team and s == FindingStatus.OPEN),
        ("rectify", team and s in OPEN_FINDING_STATUSES),
        ("extension", team and s in OPEN_FINDING_STATUSES and pending is None),
        ("verify", inspect and s == FindingStatus.AWAITING_VERIFICATION and finding.rectified_by_id != user.pk),
        ("decide_extension", manage and pending is not None and pending.requested_by_id != user.pk),
        ("cancel", manage and s in UNRESOLVED_FINDING_STATUSES),
    ]
    return [name for name, ok in rules if ok]


def extension_pending(*, finding: Finding) -> ExtensionRequest | None:
    return finding.extensions.filter(status=ExtensionStatus.PENDING).first()


def get_extension_request_for_user(*, user: User, pk) -> ExtensionRequest:
    """An extension request of a visible finding; 404 otherwise. Deciding is checked by the service."""
    try:
        return ExtensionRequest.objects.select_related("finding", "finding__project").get(
            pk=pk, finding__in=finding_visible(user=user)
        )
    except (ExtensionRequest.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def extension_list(*, user: User, pending: bool = False) -> QuerySet[ExtensionRequest]:
    qs = ExtensionRequest.objects.filter(finding__in=finding_visible(user=user))
    if pending:
        qs = qs.filter(status=ExtensionStatus.PENDING)
    return qs.select_related("finding", "finding__project", "requested_by").order_by("-created", "-id")


def finding_rectify_list(*, user: User) -> QuerySet[Finding]:
    """Open and rectifying findings of ``user``'s team (his department's, or his projects' when he
    belongs to no department there), the earliest deadline (most overdue) first."""
    if user is None or not user.is_authenticated:
        return Finding.objects.none()
    return (
        Finding.objects.filter(_team_q(user), status__in=sorted(OPEN_FINDING_STATUSES))
        .select_related(*FINDING_RELATED)
        .order_by("due_at", "id")
    )


def finding_verify_list(*, user: User) -> QuerySet[Finding]:
    """Rectified findings ``user`` may verify (as ``finding_can_inspect``; not his own
    rectification), the longest waiting first."""
    if user is None or not user.is_authenticated:
        return Finding.objects.none()
    access = access_for(user)
    invited = Q(round_id__in=RoundInspector.objects.filter(user=user).values("round_id")) | Q(round__lead=user)
    inspect = access.q(Perm.INSP_MANAGE) | (access.q(Perm.INSP_DO) & (access.q(Perm.INSP_VIEW) | invited))
    return (
        Finding.objects.filter(inspect, status=FindingStatus.AWAITING_VERIFICATION)
        .exclude(rectified_by=user)
        .select_related(*FINDING_RELATED)
        .order_by("rectified_at", "id")
    )


def extension_decide_list(*, user: User) -> QuerySet[ExtensionRequest]:
    """Pending extension requests ``user`` may decide (``inspections.manage`` there, not his own), oldest first."""
    access = access_for(user)
    return (
        extension_list(user=user, pending=True)
        .filter(access.q(Perm.INSP_MANAGE, project_field="finding__project"))
        .exclude(requested_by=user)
        .order_by("created", "id")
    )


#
# CAPA
#
def capa_visible(*, user: User) -> QuerySet[Capa]:
    if user is None or not user.is_authenticated:
        return Capa.objects.none()
    access = access_for(user)
    return Capa.objects.filter(access.q(Perm.INSP_VIEW) | access.q(Perm.CAPA_MANAGE))


def capa_list(*, user: User) -> QuerySet[Capa]:
    return capa_visible(user=user).select_related("project", "owner").order_by("-created", "-id")


def get_capa_for_user(*, user: User, pk, write: bool = False) -> Capa:
    """One visible CAPA (404 for missing and not-yours); ``write``: ``capa.manage`` there, else 403."""
    try:
        capa = capa_visible(user=user).select_related("project", "owner", "company").get(pk=pk)
    except (Capa.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    if write and not access_for(user).allows(Perm.CAPA_MANAGE, company_id=capa.company_id, project_id=capa.project_id):
        raise PermissionDenied
    return capa


def capa_events(*, capa: Capa) -> QuerySet[CapaEvent]:
    return capa.events.select_related("actor").order_by("created", "id")


def capa_actions(*, capa: Capa, user: User) -> list[str]:
    from inspections.services.capa import capa_can_close, capa_can_manage

    manage = capa_can_manage(user=user, capa=capa)
    s = capa.status
    rules = [
        ("accept", manage and s == CapaStatus.FILED),
        ("contain", manage and s == CapaStatus.CONTAINMENT),
        ("analyse", manage and s == CapaStatus.ANALYSIS),
        ("act", manage and s == CapaStatus.ACTION),
        ("effectiveness", manage and s == CapaStatus.VERIFYING),
        (
            "close",
            capa_can_close(user=user, capa=capa)
            and s == CapaStatus.VERIFYING
            and capa.effectiveness_result == EffectivenessResult.EFFECTIVE,
        ),
        ("back", manage and s not in (CapaStatus.FILED, CapaStatus.CLOSED)),
        ("edit", manage and s != CapaStatus.CLOSED),
    ]
    return [name for name, ok in rules if ok]


#
# Figures
#
GROUPS: dict[str | None, tuple[str, ...]] = {
    None: (),
    "project": ("project_id", "project__name"),
    "department": ("department_id", "department__name"),
    "period": ("period",),
}


@dataclass
class FindingFigures:
    """Counts behind the rectification figures of one group (empty dict = the total)."""

    group: dict[str, Any] = field(default_factory=dict)
    raised: int = 0  # raised in the period
    closed: int = 0  # of those, closed by now
    repeats: int = 0  # of those, repeats of an earlier finding
    due: int = 0  # deadline in the period and passed (or closed already)
    closed_on_time: int = 0  # of those, closed by the deadline
    closed_judged: int = 0  # closed in the period, at least 30 days ago
    effective: int = 0  # of those, no repeat within 30 days of closing

    def on_time(self) -> Rate:
        """整改完成率(按期)."""
        return Rate(self.group, self.closed_on_time, self.due)

    def rectification(self) -> Rate:
        """整改率(累计)."""
        return Rate(self.group, self.closed, self.raised)

    def effectiveness(self) -> Rate:
        """整改有效率."""
        return Rate(self.group, self.effective, self.closed_judged)

    def repeat_rate(self) -> Rate:
        return Rate(self.group, self.repeats, self.raised)


def _bounds(date_from: dt.date, date_to: dt.date) -> tuple[dt.datetime, dt.datetime]:
    zone = timezone.get_current_timezone()
    start = dt.datetime.combine(date_from, dt.time.min, tzinfo=zone)
    return start, dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time.min, tzinfo=zone)


def _grouped(qs: QuerySet, *, basis: str, group_by: str | None, aggregates: dict) -> dict[tuple, dict]:
    keys = GROUPS[group_by]
    qs = qs.order_by()
    if group_by == "period":
        qs = qs.annotate(period=TruncMonth(basis, output_field=DateField(), tzinfo=timezone.get_current_timezone()))
    if not keys:
        return {(): qs.aggregate(**aggregates)}
    return {tuple(row[k] for k in keys): row for row in qs.values(*keys).annotate(**aggregates)}


def _recurred() -> Exists:
    later = Finding.objects.filter(
        repeat_of=OuterRef("pk"),
        created__gt=OuterRef("closed_at"),
        created__lte=OuterRef("closed_at") + dt.timedelta(days=EFFECTIVENESS_DAYS),
    ).exclude(status=FindingStatus.CANCELLED)
    return Exists(later)


def finding_figures(
    *,
    findings: QuerySet[Finding],
    date_from: dt.date,
    date_to: dt.date,
    group_by: str | None = None,
    now: dt.datetime | None = None,
) -> list[FindingFigures]:
    """The rectification figures of ``findings`` (already restricted by the caller) for the days
    ``date_from``..``date_to``, grouped by ``group_by`` (None, "project", "department" or "period",
    a calendar month). Three grouped queries: by raising, by deadline and by closing."""
    if group_by not in GROUPS:
        raise ValueError(f"group_by must be one of {sorted(k for k in GROUPS if k)} or None")
    now = now or timezone.now()
    start, end = _bounds(date_from, date_to)
    live = findings.exclude(status=FindingStatus.CANCELLED)
    closed = Q(status=FindingStatus.CLOSED)
    parts = [
        _grouped(
            live.filter(created__gte=start, created__lt=end),
            basis="created",
            group_by=group_by,
            aggregates={
                "raised": Count("id"),
                "closed": Count("id", filter=closed),
                "repeats": Count("id", filter=Q(repeat_of__isnull=False)),
            },
        ),
        _grouped(
            live.filter(due_at__gte=start, due_at__lt=end).filter(Q(due_at__lte=now) | closed),
            basis="due_at",
            group_by=group_by,
            aggregates={
                "due": Count("id"),
                "closed_on_time": Count("id", filter=closed & Q(closed_at__lte=F("due_at"))),
            },
        ),
        _grouped(
            live.filter(closed, closed_at__gte=start, closed_at__lt=end).filter(
                closed_at__lte=now - dt.timedelta(days=EFFECTIVENESS_DAYS)
            ),
            basis="closed_at",
            group_by=group_by,
            aggregates={"closed_judged": Count("id"), "effective": Count("id", filter=~_recurred())},
        ),
    ]
    return _merge(parts, GROUPS[group_by])


def _merge(parts: list[dict[tuple, dict]], keys: tuple[str, ...]) -> list[FindingFigures]:
    counts = [f.name for f in FindingFigures.__dataclass_fields__.values() if f.name != "group"]
    merged: dict[tuple, FindingFigures] = {}
    for part in parts:
        for key, row in part.items():
            figure = merged.setdefault(key, FindingFigures(group=dict(zip(keys, key, strict=True))))
            for name in counts:
                if name in row:
                    setattr(figure, name, row[name] or 0)
    if not keys and not merged:
        merged[()] = FindingFigures()
    return [merged[k] for k in sorted(merged, key=lambda k: tuple((v is None, v) for v in k))]


def _rates(method: str, **kwargs) -> list[Rate]:
    return [getattr(f, method)() for f in finding_figures(**kwargs)]


def rectification_on_time_rate(**kwargs) -> list[Rate]:
    """整改完成率(按期): closed by the deadline ÷ due in the period."""
    return _rates("on_time", **kwargs)


def rectification_rate(**kwargs) -> list[Rate]:
    """整改率(累计): closed ÷ raised in the period."""
    return _rates("rectification", **kwargs)


def rectification_effectiveness_rate(**kwargs) -> list[Rate]:
    """整改有效率: closed with no repeat within 30 days ÷ closed (judged 30 days after closing)."""
    return _rates("effectiveness", **kwargs)


def repeat_finding_rate(**kwargs) -> list[Rate]:
    """Repeats ÷ findings raised in the period."""
    return _rates("repeat_rate", **kwargs)


def repeat_findings(*, findings: QuerySet[Finding], date_from: dt.date, date_to: dt.date) -> QuerySet[Finding]:
    """The repeats raised in the period, with the finding each repeats."""
    start, end = _bounds(date_from, date_to)
    return (
        findings.filter(repeat_of__isnull=False, created__gte=start, created__lt=end)
        .exclude(status=FindingStatus.CANCELLED)
        .select_related("project", "department", "repeat_of", "item", "capa")
        .order_by("-created", "-id")
    )


# Age of unresolved findings in whole days since raised: (label, first day, last day or None).
AGE_BUCKETS = (("0-3", 0, 3), ("4-7", 4, 7), ("8-14", 8, 14), ("15-30", 15, 30), (">30", 31, None))


@dataclass
class AgeFigure:
    """Unresolved findings (open, rectifying, awaiting verification) of one group by age."""

    group: dict[str, Any] = field(default_factory=dict)
    buckets: dict[str, int] = field(default_factory=dict)
    total: int = 0
    overdue: int = 0


def open_findings_by_age(
    *, findings: QuerySet[Finding], group_by: str | None = None, now: dt.datetime | None = None
) -> list[AgeFigure]:
    """Unresolved findings by age bucket (0–3, 4–7, 8–14, 15–30, >30 days), grouped by None,
    "project" or "department"; ``overdue`` counts open and rectifying ones past their deadline."""
    if group_by not in (None, "project", "department"):
        raise ValueError('group_by must be "project", "department" or None')
    now = now or timezone.now()
    aggregates = {"total": Count("id"), "overdue": Count("id", filter=_overdue(now))}
    for label, first, last in AGE_BUCKETS:
        newest = now - dt.timedelta(days=first)  # raised at most ``first`` whole days ago ...
        age = Q(created__lte=newest) if first else Q()
        if last is not None:
            age &= Q(created__gt=now - dt.timedelta(days=last + 1))  # ... and fewer than last + 1
        aggregates[f"age_{label}"] = Count("id", filter=age)
    unresolved = findings.filter(status__in=sorted(UNRESOLVED_FINDING_STATUSES))
    rows = _grouped(unresolved, basis="created", group_by=group_by, aggregates=aggregates)
    keys = GROUPS[group_by]
    out = []
    for key in sorted(rows, key=lambda k: tuple((v is None, v) for v in k)):
        row = rows[key]
        out.append(
            AgeFigure(
                group=dict(zip(keys, key, strict=True)),
                buckets={label: row[f"age_{label}"] or 0 for label, _first, _last in AGE_BUCKETS},
                total=row["total"] or 0,
                overdue=row["overdue"] or 0,
            )
        )
    return out


def _overdue(now: dt.datetime) -> Q:
    return Q(status__in=sorted(OPEN_FINDING_STATUSES), due_at__lt=now)
