"""Recompute whole days of the roll-up tables from the source rows (orders, tasks, findings).

Set-based: per counter group one grouped aggregate query over the days asked for (the day is the
local date of the group's basis column in the company's zone), merged in memory per natural key,
then the days' old rows deleted and the new ones bulk-inserted in one transaction.
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count, DurationField, Exists, ExpressionWrapper, F, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import ExtractHour, TruncDate

from analytics.models import FindingDaily, HotspotDaily, HourlyLoad, TaskDaily, WorkOrderDaily
from core.models import Company

# A complaint about the same unit and category within this many days of an earlier one is a repeat.
REPEAT_DAYS = 30
# Follow-up answers at or above this level count as satisfied (满意 or 非常满意).
SATISFIED_AT = 4
# Ratings at or below this many stars are low.
LOW_STARS = 2

ORDER_KEY = {"project_id": "project_id", "department_id": "department_id", "person_id": "assignee_id", "kind": "kind"}


@dataclass
class Part:
    """One grouped query: rows of ``qs`` whose ``basis`` falls on the days, counted by ``aggregates``."""

    qs: QuerySet
    basis: str
    key: dict[str, str]  # roll-up key field → path in ``qs``
    # counter → the condition a row must meet to count (a Q), or (column, Q) to sum a column (a
    # column or an expression; a duration sums to whole minutes)
    aggregates: dict[str, Q | tuple[str, Q]] = field(default_factory=dict)
    is_date: bool = False  # ``basis`` is a DateField (no zone conversion)


def day_runs(days: Iterable[dt.date]) -> list[tuple[dt.date, dt.date]]:
    """Sorted days merged into runs of consecutive days: [(first, last), ...]."""
    runs: list[tuple[dt.date, dt.date]] = []
    for day in sorted(set(days)):
        if runs and runs[-1][1] + dt.timedelta(days=1) == day:
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs


def local_bounds(first: dt.date, last: dt.date, zone) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(first, dt.time.min, tzinfo=zone)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    return start, end


def _on_days(basis: str, runs, zone, *, is_date: bool) -> Q:
    q = Q(pk__in=[])
    for first, last in runs:
        if is_date:
            q |= Q(**{f"{basis}__gte": first, f"{basis}__lte": last})
        else:
            start, end = local_bounds(first, last, zone)
            q |= Q(**{f"{basis}__gte": start, f"{basis}__lt": end})
    return q


def _run(part: Part, runs, zone, rows: dict[tuple, dict]) -> None:
    qs = part.qs.filter(_on_days(part.basis, runs, zone, is_date=part.is_date)).order_by()
    day = F(part.basis) if part.is_date else TruncDate(part.basis, tzinfo=zone)
    paths = list(part.key.values())
    aggregates = {
        name: Sum(cond[0], filter=cond[1]) if isinstance(cond, tuple) else Count("id", filter=cond)
        for name, cond in part.aggregates.items()
    }
    grouped = qs.annotate(rollup_day=day).values(*paths, "rollup_day").annotate(**aggregates)
    for row in grouped:
        key = (*(row[p] for p in paths), row["rollup_day"])
        counters = rows.setdefault(key, {})
        for name in part.aggregates:
            counters[name] = counters.get(name, 0) + _count(row[name])


def _count(value) -> int:
    """A counter's value: a summed duration is whole minutes (never negative)."""
    if isinstance(value, dt.timedelta):
        return max(0, int(value.total_seconds() // 60))
    return value or 0


def _minutes(start: str, end: str) -> ExpressionWrapper:
    return ExpressionWrapper(F(end) - F(start), output_field=DurationField())


#
# Work orders
#
def _order_parts(company: Company, projects) -> list[Part]:
    from workorders.choices import DONE_STATUSES, FINAL_STATUSES, Kind, Status
    from workorders.models import FollowUp, Rating, WorkOrder, WorkOrderEvent

    orders = WorkOrder.objects.filter(company=company).exclude(status__in=sorted(FINAL_STATUSES))
    if projects is not None:
        orders = orders.filter(project_id__in=projects)
    events = WorkOrderEvent.objects.filter(order=OuterRef("pk"), to_status=Status.IN_PROGRESS)
    rework = Exists(events.filter(from_status=Status.COMPLETED))
    interrupted = Exists(events.filter(from_status__in=[Status.COMPLETED, Status.ON_HOLD]))
    earlier = WorkOrder.objects.filter(
        kind=Kind.COMPLAINT,
        unit_id=OuterRef("unit_id"),
        category_id=OuterRef("category_id"),
        created__lt=OuterRef("created"),
        created__gte=OuterRef("created") - dt.timedelta(days=REPEAT_DAYS),
    ).exclude(status__in=sorted(FINAL_STATUSES))
    repeat = Q(kind=Kind.COMPLAINT, unit__isnull=False, category__isnull=False) & Q(Exists(earlier))
    done = sorted(DONE_STATUSES)
    order_key = {k: f"order__{v}" for k, v in ORDER_KEY.items()}
    live_order = {"order__company": company, **({"order__project_id__in": projects} if projects is not None else {})}
    follow_ups = FollowUp.objects.filter(**live_order).exclude(order__status__in=sorted(FINAL_STATUSES))
    ratings = Rating.objects.filter(**live_order).exclude(order__status__in=sorted(FINAL_STATUSES))
    return [
        Part(
            orders,
            "created",
            ORDER_KEY,
            {
                "reported": Q(),
                "accepted": (Q(accepted_at__isnull=False)),
                "resolved": (Q(status__in=done)),
                "repeats": (repeat),
            },
        ),
        Part(
            orders,
            "arrive_due_at",
            ORDER_KEY,
            {
                "arrive_due": Q(),
                "arrive_on_time": (Q(arrived_at__lte=F("arrive_due_at"))),
            },
        ),
        Part(
            orders,
            "arrived_at",
            ORDER_KEY,
            {"arrived": Q(), "arrive_minutes": (_minutes("created", "arrived_at"), Q())},
        ),
        Part(
            orders,
            "resolve_due_at",
            ORDER_KEY,
            {
                "resolve_due": Q(),
                "resolve_on_time": (Q(completed_at__lte=F("resolve_due_at"))),
            },
        ),
        Part(
            orders,
            "completed_at",
            ORDER_KEY,
            {
                "completed": Q(),
                "first_pass": (Q(reopen_count=0) & ~Q(rework)),
                "reopened": (Q(reopen_count__gt=0)),
                "first_visit": (Q(reopen_count=0) & ~Q(interrupted)),
                "complete_minutes": (_minutes("created", "completed_at"), Q()),
            },
        ),
        Part(
            follow_ups,
            "due_at",
            order_key,
            {"follow_ups_due": Q(), "follow_ups_done": (Q(status="done"))},
        ),
        Part(
            follow_ups.filter(status="done"),
            "done_at",
            order_key,
            {
                "follow_ups_rated": (Q(satisfaction__isnull=False)),
                "follow_ups_satisfied": (Q(satisfaction__gte=SATISFIED_AT)),
            },
        ),
        Part(
            ratings,
            "created",
            order_key,
            {
                "ratings": Q(),
                "stars_sum": ("stars", Q()),
                "low_ratings": (Q(stars__lte=LOW_STARS)),
            },
        ),
    ]


#
# Plan tasks and findings
#
def _task_parts(company: Company, projects) -> list[Part]:
    from plans.choices import TaskStatus
    from plans.models import Task

    tasks = Task.objects.filter(company=company).exclude(status=TaskStatus.CANCELLED)
    if projects is not None:
        tasks = tasks.filter(project_id__in=projects)
    due = Q(status__in=[TaskStatus.COMPLETED, TaskStatus.MISSED])
    completed = Q(status=TaskStatus.COMPLETED)
    key = {"project_id": "project_id", "department_id": "department_id", "person_id": "assignee_id", "kind": "kind"}
    aggregates = {
        "scheduled": Q(),
        "due": (due),
        "completed": (completed),
        "completed_on_time": (completed & Q(finished_at__lte=F("due_at"))),
        "missed": (Q(status=TaskStatus.MISSED)),
        "required_checkins": ("required_checkpoints", due),
        "on_time_checkins": ("on_time_checkins", due),
        "late_checkins": ("late_checkins", due),
    }
    return [Part(tasks, "date", key, aggregates, is_date=True)]


def _finding_parts(company: Company, projects) -> list[Part]:
    from inspections.choices import FindingStatus
    from inspections.models import Finding

    findings = Finding.objects.filter(company=company).exclude(status=FindingStatus.CANCELLED)
    if projects is not None:
        findings = findings.filter(project_id__in=projects)
    closed = Q(status=FindingStatus.CLOSED)
    key = {"project_id": "project_id", "department_id": "department_id", "kind": "severity"}
    return [
        Part(
            findings,
            "created",
            key,
            {
                "raised": Q(),
                "repeats": (Q(repeat_of__isnull=False)),
                "rectified": (closed),
            },
        ),
        Part(
            findings,
            "due_at",
            key,
            {"due": Q(), "closed_on_time": (closed & Q(closed_at__lte=F("due_at")))},
        ),
        Part(findings.filter(closed), "closed_at", key, {"closed": Q()}),
    ]


#
# Hotspots: where, what and when orders are reported (report day)
#
HOTSPOT_KEY = {
    "project_id": "project_id",
    "department_id": "department_id",
    "building_id": "building_id",
    "area_id": "area_id",
    "category_id": "category_id",
    "kind": "kind",
}


def repeat_condition() -> Q:
    """An order is a repeated problem when an earlier live order of the same kind and category was
    reported at the same unit (or, without a unit, the same public area) in the REPEAT_DAYS before it."""
    from workorders.choices import FINAL_STATUSES
    from workorders.models import WorkOrder

    earlier = WorkOrder.objects.filter(
        kind=OuterRef("kind"),
        category_id=OuterRef("category_id"),
        created__lt=OuterRef("created"),
        created__gte=OuterRef("created") - dt.timedelta(days=REPEAT_DAYS),
    ).exclude(status__in=sorted(FINAL_STATUSES))
    same_unit = Q(unit__isnull=False) & Q(Exists(earlier.filter(unit_id=OuterRef("unit_id"))))
    same_area = Q(unit__isnull=True, area__isnull=False) & Q(
        Exists(earlier.filter(unit__isnull=True, area_id=OuterRef("area_id")))
    )
    return Q(category__isnull=False) & (same_unit | same_area)


def _live_orders(company: Company, projects) -> QuerySet:
    from workorders.choices import FINAL_STATUSES
    from workorders.models import WorkOrder

    orders = WorkOrder.objects.filter(company=company).exclude(status__in=sorted(FINAL_STATUSES))
    if projects is not None:
        orders = orders.filter(project_id__in=projects)
    return orders


def _hotspot_parts(company: Company, projects) -> list[Part]:
    from workorders.choices import Kind

    aggregates = {"reported": Q(), "repeats": repeat_condition(), "complaints": Q(kind=Kind.COMPLAINT)}
    return [Part(_live_orders(company, projects), "created", HOTSPOT_KEY, aggregates)]


def _hour_parts(company: Company, projects) -> list[Part]:
    orders = _live_orders(company, projects).annotate(rollup_hour=ExtractHour("created", tzinfo=company.zone))
    key = {"project_id": "project_id", "department_id": "department_id", "kind": "kind", "hour": "rollup_hour"}
    return [Part(orders, "created", key, {"reported": Q()})]


TABLES = (
    (WorkOrderDaily, _order_parts),
    (TaskDaily, _task_parts),
    (FindingDaily, _finding_parts),
    (HotspotDaily, _hotspot_parts),
    (HourlyLoad, _hour_parts),
)
PARTS_OF = dict(TABLES)


def counter_records(
    *, company: Company, model, counter: str, days: Iterable[dt.date], filters: dict | None = None
) -> QuerySet:
    """The source rows behind ``counter`` of roll-up ``model`` on ``days``: what a figure drills down to.

    ``filters`` use the roll-up's key names (project_id, department_id, person_id, kind; a list
    value means any of). For a summed counter (stars, check-ins) these are the rows summed."""
    for part in PARTS_OF[model](company, None):
        if counter in part.aggregates:
            break
    else:
        raise ValueError(f"unknown counter {model.__name__}.{counter}")
    cond = part.aggregates[counter]
    cond = cond[1] if isinstance(cond, tuple) else cond
    qs = part.qs.filter(_on_days(part.basis, day_runs(days), company.zone, is_date=part.is_date)).filter(cond)
    for name, value in (filters or {}).items():
        if name not in part.key:
            continue
        path = part.key[name]
        if isinstance(value, (list, tuple, set, frozenset)):
            qs = qs.filter(**{f"{path}__in": sorted(value)})
        else:
            qs = qs.filter(**{path: value})
    return qs


#
# The service
#
@transaction.atomic
def rollup_rebuild(*, company: Company, days: Iterable[dt.date], projects: Iterable[int] | None = None) -> int:
    """Recompute ``days`` (local dates of ``company``) of every roll-up table, optionally only for
    ``projects`` (ids). Idempotent: the days' rows are replaced. Returns the number of rows written."""
    runs = day_runs(days)
    if not runs:
        return 0
    projects = sorted(set(projects)) if projects is not None else None
    zone = company.zone
    written = 0
    for model, parts_of in TABLES:
        rows: dict[tuple, dict] = {}
        parts = parts_of(company, projects)
        for part in parts:
            _run(part, runs, zone, rows)
        stale = model.objects.filter(company=company).filter(_on_days("day", runs, zone, is_date=True))
        if projects is not None:
            stale = stale.filter(project_id__in=projects)
        stale.delete()
        fields = list(parts[0].key)
        objs = [
            model(company=company, **dict(zip(fields, key[:-1], strict=True)), day=key[-1], **counters)
            for key, counters in rows.items()
            if any(counters.values())
        ]
        model.objects.bulk_create(objs, batch_size=1000)
        written += len(objs)
    return written
