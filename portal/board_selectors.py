"""Reads of the owner board (业主决策平台, seed 003): what a project publishes to its owners.

Who reads it: people living in the project, its owners' committee, its staff (``board_project_for_user``)
and, while the project has switched its public link on, anyone holding the link
(``board_project_for_token``). Everyone else gets 404, the same answer as for a missing project.

What it shows is figures and places, never people: no names, phones or units; owners' free text
and finding titles only through ``BoardMasker``; photos only of orders whose owner agreed
(``is_public``) and of steps staff marked public. See docs/portal_board.md.
"""

import datetime as dt
import re
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Prefetch, Q, Sum
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_scopes import scopes_disabled

from accounts.models import User
from analytics.kpis import KPIS
from analytics.models import TaskDaily
from analytics.selectors import project_kpi_values
from core.access import access_for
from core.choices import Perm, Role
from core.models import Membership, Project, Resident, Unit
from inspections.choices import FindingStatus, Severity
from inspections.models import Finding
from lib.figures import Rate
from lib.masking import mask_name, mask_text
from lib.months import add_months
from plans.choices import PlanKind
from plans.models import Plan
from portal import selectors as portal_selectors
from portal.models import BoardLink
from workorders.choices import DONE_STATUSES, FINAL_STATUSES, Kind, PhotoStage, RatingTag, Status
from workorders.models import Rating, WorkOrder, WorkOrderPhoto

# The five figures of seed 003 / issue 7 §3 → the KPI library (docs/portal_board.md explains the choice).
BOARD_KPIS = (
    ("plan_completion", pgettext_lazy("owner board", "Plan completion rate")),  # 计划完成率: tasks completed ÷ due
    ("task_on_time", pgettext_lazy("owner board", "Actual completion rate")),  # 实际完成率: in the time window ÷ due
    ("repair_arrive_on_time", pgettext_lazy("owner board", "Service timeliness rate")),  # 服务及时率: on site in time
    ("rectification_rate", pgettext_lazy("owner board", "Rectification rate")),  # 问题整改率: rectified ÷ raised
    ("follow_up_satisfaction", pgettext_lazy("owner board", "Satisfaction rate")),  # 满意率: 满意/非常满意 ÷ answered
)
BOARD_CODES = [code for code, _label in BOARD_KPIS]
PERIODS = ("day", "week", "month", "year")
PERIOD_LABELS = {
    "day": _("Last 30 days"),
    "week": _("Last 12 weeks"),
    "month": _("Last 12 months"),
    "year": _("Last 5 years"),
}
RECENT_WORK = 30
RECTIFICATIONS = 30
RECTIFICATION_DAYS = 90  # closed items stay on the notice board this long


#
# Access
#
def board_project_for_user(*, user, pk) -> Project:
    """The project if ``user`` lives there, sits on its committee or works there; else 404."""
    project = Project.objects.filter(pk=pk, is_active=True, company__is_active=True).select_related("company").first()
    if project is None:
        raise Http404
    if portal_selectors.my_unit_links(user=user).filter(unit__project_id=project.pk).exists():
        return project
    if access_for(user).allows(Perm.WO_VIEW, company_id=project.company_id, project_id=project.pk):
        return project
    committee = Membership.objects.filter(user=user, project=project, role=Role.COMMITTEE, is_active=True)
    if committee.exists():
        return project
    raise Http404


def committee_projects(*, user) -> list[Project]:
    """The active projects whose owners' committee ``user`` sits on (their boards, for the /m/ home)."""
    ids = Membership.objects.filter(user=user, role=Role.COMMITTEE, is_active=True).values("project_id")
    return list(Project.objects.filter(pk__in=ids, is_active=True).order_by("name"))


def board_project_for_token(*, token: str) -> Project:
    """The project whose public link is ``token`` right now; 404 for unknown, rotated or switched-off links."""
    if not token:
        raise Http404
    with scopes_disabled():
        link = (
            BoardLink.objects.filter(token=token, project__is_active=True, project__company__is_active=True)
            .select_related("project__company")
            .first()
        )
    if link is None:
        raise Http404
    return link.project


#
# Figures
#
@dataclass
class Figure:
    code: str
    label: object
    rate: Rate
    target: float | None  # a fraction, for the project's service level
    previous: Rate | None = None  # the whole of last month

    @property
    def target_percent(self) -> float | None:
        return None if self.target is None else round(self.target * 100, 1)

    @property
    def met(self) -> bool | None:
        """True/False against the target; None without a target or without anything due."""
        return KPIS[self.code].meets(self.rate.rate, self.target)


def board_today(project: Project) -> dt.date:
    return timezone.localdate(timezone=project.company.zone)


def board_figures(*, project: Project, today: dt.date) -> list[Figure]:
    """This month's five figures (1st to today) with the target of the project's service level, and
    last month's for comparison."""
    first = today.replace(day=1)
    values = project_kpi_values(project=project, kpis=BOARD_CODES, date_from=first, date_to=today)
    last_month = first - dt.timedelta(days=1)
    before = project_kpi_values(
        project=project, kpis=BOARD_CODES, date_from=last_month.replace(day=1), date_to=last_month
    )
    return [
        Figure(code, label, values[code][0], KPIS[code].target(project.service_level), before[code][0])
        for code, label in BOARD_KPIS
    ]


def _period_starts(period: str, today: dt.date) -> list[dt.date]:
    if period == "day":
        return [today - dt.timedelta(days=n) for n in range(29, -1, -1)]
    if period == "week":
        monday = today - dt.timedelta(days=today.weekday())
        return [monday - dt.timedelta(weeks=n) for n in range(11, -1, -1)]
    if period == "month":
        return [add_months(today, -n) for n in range(11, -1, -1)]
    return [dt.date(today.year - n, 1, 1) for n in range(4, -1, -1)]


def _period_label(period: str, start: dt.date) -> str:
    return {"day": f"{start:%m-%d}", "week": f"{start:%m-%d}", "month": f"{start:%Y-%m}"}.get(period, f"{start:%Y}")


def board_history(*, project: Project, period: str, today: dt.date) -> dict:
    """Per KPI the percent of each day/week/month/year up to today (None where nothing was due)."""
    if period not in PERIODS:
        raise ValueError(f"period must be one of {PERIODS}")
    starts = _period_starts(period, today)
    values = project_kpi_values(project=project, kpis=BOARD_CODES, date_from=starts[0], date_to=today, group_by=period)
    series = []
    for code, label in BOARD_KPIS:
        by_start = {rate.group[period]: rate for rate in values[code]}
        rates = [by_start.get(start) for start in starts]
        series.append(
            {
                "code": code,
                "label": label,
                "target": KPIS[code].target(project.service_level),
                "percents": [rate.percent if rate else None for rate in rates],
            }
        )
    labels = [_period_label(period, s) for s in starts]
    rows = [(label, [s["percents"][i] for s in series]) for i, label in enumerate(labels)]
    return {"period": period, "labels": labels, "series": series, "rows": rows[::-1]}


#
# Masking of free text
#
# Room numbers, house numbers, dates, ID and phone fragments: any run of 3+ digits (full-width too).
_DIGITS = re.compile(r"\d{3,}")


class BoardMasker:
    """Masks the free text a board shows: every known person of the project (its residents, its
    staff and the company's people) becomes 王**, every unit code and room number of the project
    (two characters or more: 12 as well as 1502) disappears, phone numbers and any run of three or
    more digits are starred.

    Known names are found by looking up each substring of a name's length in a set, so thousands of
    residents cost one query and a few thousand set lookups per text, not one regex per name.
    """

    def __init__(self, *, project: Project):
        people = set(
            Resident.objects.filter(company_id=project.company_id, units__unit__project=project).values_list(
                "name", flat=True
            )
        )
        staff = User.objects.filter(memberships__company_id=project.company_id)
        people |= {n for pair in staff.values_list("name", "username") for n in pair}
        self.names = {n.strip() for n in people if n and len(n.strip()) >= 2}
        units = Unit.objects.filter(project=project).values_list("code", "number")
        self.words = {w.strip() for pair in units for w in pair if w and len(w.strip()) >= 2}

    def mask(self, text: str | None, *, names=(), words=()) -> str:
        text = mask_text(text, names=names, words=words)
        text = self._replace(text, self.words, lambda w: "***")
        text = self._replace(text, self.names, mask_name)
        return _DIGITS.sub(lambda m: "*" * len(m.group()), text)

    @staticmethod
    def _replace(text: str, known: set[str], masked) -> str:
        if not known or not text:
            return text
        lengths = sorted({len(k) for k in known}, reverse=True)
        out, i = [], 0
        while i < len(text):
            for n in lengths:
                if text[i : i + n] in known:
                    out.append(masked(text[i : i + n]))
                    i += n
                    break
            else:
                out.append(text[i])
                i += 1
        return "".join(out)


#
# Recent work, rectification, plans
#
def _stars_text(stars: int) -> str:
    return "★" * stars + "☆" * (5 - stars)


def board_recent_work(*, project: Project, masker: BoardMasker) -> list[dict]:
    """Recently completed, rated orders whose owner agreed to show them, with their before/after photos."""
    photos = WorkOrderPhoto.objects.filter(
        stage__in=[PhotoStage.BEFORE, PhotoStage.AFTER], event__is_public=True
    ).order_by("created", "id")
    orders = (
        WorkOrder.objects.filter(project=project, is_public=True, status__in=sorted(DONE_STATUSES))
        .filter(Exists(Rating.objects.filter(order=OuterRef("pk"))))
        .select_related("category", "building", "area", "unit", "resident", "assignee")
        .prefetch_related(
            Prefetch("photos", queryset=photos), Prefetch("ratings", queryset=Rating.objects.order_by("-round"))
        )
        .order_by("-completed_at", "-id")[:RECENT_WORK]
    )
    return [_work_row(order, masker) for order in orders]


def _work_row(order: WorkOrder, masker: BoardMasker) -> dict:
    rating = order.ratings.all()[0]
    names = [order.contact_name, order.resident.name if order.resident else ""]
    if order.assignee:
        names += [order.assignee.name, order.assignee.username]
    words = [order.unit.code, order.unit.number] if order.unit else []
    photos = list(order.photos.all())
    return {
        "category": order.category.name if order.category else Kind(order.kind).label,
        "kind": Kind(order.kind).label,
        "place": order.area.name if order.area else (order.building.name if order.building else ""),
        "completed_at": order.completed_at or order.closed_at,
        "stars": rating.stars,
        "stars_text": _stars_text(rating.stars),
        "tags": [RatingTag(t).label for t in rating.tags if t in RatingTag.values],
        "comment": masker.mask(rating.comment, names=names, words=words),
        "description": masker.mask(order.description, names=names, words=words)[:80],
        "before": [p for p in photos if p.stage == PhotoStage.BEFORE][:3],
        "after": [p for p in photos if p.stage == PhotoStage.AFTER][:3],
    }


def board_rectification(*, project: Project, masker: BoardMasker, now: dt.datetime) -> dict:
    """The rectification notice (整改公示): the project's findings and rectification orders that are
    open or closed in the last 90 days, newest first, with status and dates; no person."""
    since = now - dt.timedelta(days=RECTIFICATION_DAYS)
    live = ~Q(status=FindingStatus.CANCELLED) & (~Q(status=FindingStatus.CLOSED) | Q(closed_at__gte=since))
    findings = list(
        Finding.objects.filter(Q(project=project) & live)
        .select_related("building", "area")
        .order_by("-created", "-id")[:RECTIFICATIONS]
    )
    linked = Finding.objects.filter(work_order=OuterRef("pk"))
    orders = list(
        WorkOrder.objects.filter(project=project, kind=Kind.RECTIFICATION)
        .exclude(status__in=[Status.CANCELLED, Status.REJECTED])
        .filter(Q(closed_at__isnull=True) | Q(closed_at__gte=since))
        .exclude(Exists(linked))
        .select_related("category", "building", "area")
        .order_by("-created", "-id")[:RECTIFICATIONS]
    )
    rows = [_finding_row(f, masker, now) for f in findings] + [_order_row(o, masker, now) for o in orders]
    rows.sort(key=lambda r: r["raised"], reverse=True)
    rows = rows[:RECTIFICATIONS]
    return {
        "rows": rows,
        "open": sum(1 for r in rows if not r["done"]),
        "overdue": sum(1 for r in rows if r["overdue"]),
        "done": sum(1 for r in rows if r["done"]),
    }


def _place(obj) -> str:
    return obj.area.name if obj.area else (obj.building.name if obj.building else "")


def _finding_row(finding: Finding, masker: BoardMasker, now: dt.datetime) -> dict:
    done = finding.status == FindingStatus.CLOSED
    return {
        "what": masker.mask(finding.title)[:60],
        "source": _("Inspection finding"),
        "severity": Severity(finding.severity).label,
        "place": _place(finding),
        "status": FindingStatus(finding.status).label,
        "done": done,
        "overdue": not done and finding.due_at < now,
        "raised": finding.created,
        "due": finding.due_at,
        "closed": finding.closed_at,
    }


def _order_row(order: WorkOrder, masker: BoardMasker, now: dt.datetime) -> dict:
    done = order.status in DONE_STATUSES or order.status in FINAL_STATUSES
    return {
        "what": order.category.name if order.category else masker.mask(order.title)[:60],
        "source": _("Rectification order"),
        "severity": "",
        "place": _place(order),
        "status": Status(order.status).label,
        "done": done,
        "overdue": not done and order.resolve_due_at is not None and order.resolve_due_at < now,
        "raised": order.created,
        "due": order.resolve_due_at,
        "closed": order.completed_at or order.closed_at,
    }


def board_plans(*, project: Project, today: dt.date) -> list[dict]:
    """What the plans promise this month, per plan kind: active plans, tasks scheduled this month,
    tasks done so far, the completion rate of the tasks due and the checkpoints visited in their time
    window (patrols). Numbers only: no plan names, no checkpoints, no people."""
    first = today.replace(day=1)
    plans = Plan.objects.filter(project=project, is_active=True, starts_on__lte=today).filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=first)
    )
    plan_counts: dict[str, int] = {}
    for kind in plans.values_list("kind", flat=True):
        plan_counts[kind] = plan_counts.get(kind, 0) + 1
    last = (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    tasks = (
        TaskDaily.objects.filter(company_id=project.company_id, project=project, day__gte=first, day__lte=last)
        .order_by()
        .values("kind")
        .annotate(
            scheduled=Sum("scheduled"),
            due=Sum("due"),
            completed=Sum("completed"),
            required=Sum("required_checkins"),
            on_time=Sum("on_time_checkins"),
        )
    )
    by_kind = {row["kind"]: row for row in tasks}
    rows = []
    for kind in PlanKind:
        row = by_kind.get(kind.value, {})
        if not plan_counts.get(kind.value) and not row.get("scheduled"):
            continue
        rows.append(
            {
                "kind": kind.value,
                "label": kind.label,
                "plans": plan_counts.get(kind.value, 0),
                "scheduled": row.get("scheduled") or 0,
                "completed": row.get("completed") or 0,
                "rate": Rate({}, row.get("completed") or 0, row.get("due") or 0),
                "coverage": Rate({}, row.get("on_time") or 0, row.get("required") or 0),
            }
        )
    return rows


def board_context(*, project: Project, period: str) -> dict:
    """Everything the board page shows (one fixed set of queries, whatever the project's size)."""
    today = board_today(project)
    masker = BoardMasker(project=project)
    return {
        "project": project,
        "today": today,
        "service_level": project.get_service_level_display(),
        "figures": board_figures(project=project, today=today),
        "history": board_history(project=project, period=period, today=today),
        "periods": [(p, PERIOD_LABELS[p]) for p in PERIODS],
        "plans": board_plans(project=project, today=today),
        "rectification": board_rectification(project=project, masker=masker, now=timezone.now()),
        "recent_work": board_recent_work(project=project, masker=masker),
    }
