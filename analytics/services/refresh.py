"""The incremental roll-up job: the (company, project, day) triples touched by the events since the
last pass, rebuilt with ``rollup_rebuild``.

An event touches every day its object counts on now (report day, deadline days, completion day,
follow-ups and ratings) and every day it counted on when the job last saw it (the footprint: a
reopen, a new priority or a hold moves deadlines); an order also touches the report days of the
orders of its kind at the same unit (or public area) in the 30 days after it (their repeat flags
depend on it).
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from analytics.models import RollupCursor, RollupFootprint
from analytics.services.rollup import REPEAT_DAYS, rollup_rebuild
from core.models import Company

# Events read per source and pass; the next pass continues from there.
BATCH = 20_000
# Passes whose start positions are kept: a pass re-reads the events of the previous one (a
# transaction that committed late, after a higher id was read, is seen ten minutes later).
REREAD_PASSES = 1
ORDER_SOURCE, TASK_SOURCE, FINDING_SOURCE = "workorders.WorkOrderEvent", "plans.TaskEvent", "inspections.FindingEvent"
# Generated plan tasks write no event: new tasks are read from the task table itself.
NEW_TASK_SOURCE = "plans.Task"

Touched = dict[tuple[int, int], set[dt.date]]  # (company id, project id) → local days


def _local(value: dt.datetime | None, zone) -> dt.date | None:
    return timezone.localtime(value, zone).date() if value else None


def _zones() -> dict[int, object]:
    return {c.pk: c.zone for c in Company.objects.all()}


#
# Days an object counts on
#
def _order_days(ids: Iterable[int], zones) -> dict[int, tuple[int, int, set[dt.date]]]:
    """order id → (company id, project id, the local days it counts on now)."""
    from workorders.models import FollowUp, Rating, WorkOrder

    ids = sorted(set(ids))
    found: dict[int, tuple[int, int, set[dt.date]]] = {}
    columns = ("created", "arrive_due_at", "resolve_due_at", "completed_at", "arrived_at")
    placed = []
    rows = WorkOrder.objects.filter(pk__in=ids).values(
        "pk", "company_id", "project_id", "kind", "unit_id", "area_id", *columns
    )
    for row in rows:
        zone = zones[row["company_id"]]
        days = {_local(row[c], zone) for c in columns} - {None}
        found[row["pk"]] = (row["company_id"], row["project_id"], days)
        if row["unit_id"] or row["area_id"]:
            placed.append(row)
    for model, columns in ((FollowUp, ("due_at", "done_at")), (Rating, ("created",))):
        for row in model.objects.filter(order_id__in=ids).values("order_id", *columns):
            company_id, _project, days = found[row["order_id"]]
            days |= {_local(row[c], zones[company_id]) for c in columns} - {None}
    for row, later in _later_at_same_place(placed):
        found[row["pk"]][2].update(_local(c, zones[row["company_id"]]) for c in later)
    return found


def _place(row: dict) -> tuple:
    return ("unit", row["unit_id"]) if row["unit_id"] else ("area", row["area_id"])


def _later_at_same_place(rows: list[dict]):
    """(order row, report times of the orders of its kind at its unit or public area in the
    REPEAT_DAYS after it): their repeat flags (complaints' and hotspots') depend on it. One query."""
    from workorders.models import WorkOrder

    if not rows:
        return
    units = sorted({r["unit_id"] for r in rows if r["unit_id"]})
    areas = sorted({r["area_id"] for r in rows if not r["unit_id"]})
    first = min(r["created"] for r in rows)
    last = max(r["created"] for r in rows) + dt.timedelta(days=REPEAT_DAYS)
    candidates = WorkOrder.objects.filter(
        Q(unit_id__in=units) | Q(unit__isnull=True, area_id__in=areas), created__gt=first, created__lte=last
    ).values("kind", "unit_id", "area_id", "created")
    by_place: dict[tuple, list[dt.datetime]] = defaultdict(list)
    for c in candidates:
        by_place[(c["kind"], *_place(c))].append(c["created"])
    for row in rows:
        start, end = row["created"], row["created"] + dt.timedelta(days=REPEAT_DAYS)
        yield row, [c for c in by_place.get((row["kind"], *_place(row)), ()) if start < c <= end]


def _finding_days(ids: Iterable[int], zones) -> dict[int, tuple[int, int, set[dt.date]]]:
    from inspections.models import Finding

    columns = ("created", "due_at", "closed_at")
    rows = Finding.objects.filter(pk__in=sorted(set(ids))).values("pk", "company_id", "project_id", *columns)
    return {
        r["pk"]: (r["company_id"], r["project_id"], {_local(r[c], zones[r["company_id"]]) for c in columns} - {None})
        for r in rows
    }


def _task_days(ids: Iterable[int]) -> dict[int, tuple[int, int, set[dt.date]]]:
    from plans.models import Task

    rows = Task.objects.filter(pk__in=sorted(set(ids))).values_list("pk", "company_id", "project_id", "date")
    return {pk: (company_id, project_id, {date}) for pk, company_id, project_id, date in rows}


def _with_footprints(source: str, now_days: dict[int, tuple[int, int, set[dt.date]]], touched: Touched) -> None:
    """Add the days each object counts on now and counted on last time; remember today's days."""
    old = {
        f.object_id: f
        for f in RollupFootprint.objects.filter(source=source, object_id__in=sorted(now_days)).only(
            "object_id", "days", "company_id"
        )
    }
    for object_id, (company_id, project_id, days) in now_days.items():
        before = {dt.date.fromisoformat(d) for d in old[object_id].days} if object_id in old else set()
        touched[(company_id, project_id)].update(days | before)
    RollupFootprint.objects.bulk_create(
        [
            RollupFootprint(company_id=c, source=source, object_id=pk, days=sorted(d.isoformat() for d in days))
            for pk, (c, _p, days) in now_days.items()
        ],
        update_conflicts=True,
        unique_fields=["source", "object_id"],
        update_fields=["days"],
    )


#
# Cursors
#
def _read(source: str, model, object_field: str) -> tuple[set[int], RollupCursor, int]:
    """Object ids of the events after the cursor (re-reading the last passes); the new head."""
    cursor, _ = RollupCursor.objects.get_or_create(source=source)
    cursor = RollupCursor.objects.select_for_update().get(pk=cursor.pk)
    start = min([cursor.last_id, *cursor.recent_ids])
    rows = list(model.objects.filter(pk__gt=start).order_by("pk").values_list("pk", object_field)[: BATCH + 1])
    if len(rows) > BATCH:
        rows = rows[:BATCH]
    head = rows[-1][0] if rows else cursor.last_id
    return {object_id for _pk, object_id in rows}, cursor, max(head, cursor.last_id)


def _advance(cursor: RollupCursor, head: int) -> None:
    cursor.recent_ids = [*cursor.recent_ids, cursor.last_id][-REREAD_PASSES:]
    cursor.last_id = head
    cursor.save(update_fields=["last_id", "recent_ids", "updated"])


#
# The job
#
@transaction.atomic
def rollup_refresh(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Rebuild the days touched by the events since the last pass (every 10 minutes).

    The cursors' rows are locked for the pass, so two workers never run it at once; re-reading
    events is harmless (a day is rebuilt from the source rows, not incremented). Returns counts."""
    from inspections.models import FindingEvent
    from plans.models import Task, TaskEvent
    from workorders.models import WorkOrderEvent

    zones = _zones()
    touched: Touched = defaultdict(set)
    orders, order_cursor, order_head = _read(ORDER_SOURCE, WorkOrderEvent, "order_id")
    tasks, task_cursor, task_head = _read(TASK_SOURCE, TaskEvent, "task_id")
    findings, finding_cursor, finding_head = _read(FINDING_SOURCE, FindingEvent, "finding_id")
    new_tasks, new_task_cursor, new_task_head = _read(NEW_TASK_SOURCE, Task, "id")
    tasks |= new_tasks
    if orders:
        _with_footprints("workorder", _order_days(orders, zones), touched)
    if findings:
        _with_footprints("finding", _finding_days(findings, zones), touched)
    for company_id, project_id, days in _task_days(tasks).values():
        touched[(company_id, project_id)].update(days)
    companies = {c.pk: c for c in Company.objects.filter(pk__in={c for c, _p in touched})}
    rows = 0
    for company_id, projects, days in _rebuild_groups(touched):
        rows += rollup_rebuild(company=companies[company_id], days=days, projects=projects)
    _advance(order_cursor, order_head)
    _advance(task_cursor, task_head)
    _advance(finding_cursor, finding_head)
    _advance(new_task_cursor, new_task_head)
    return {
        "orders": len(orders),
        "tasks": len(tasks),
        "findings": len(findings),
        "days": sum(len(d) for d in touched.values()),
        "rows": rows,
    }


def _rebuild_groups(touched: Touched) -> list[tuple[int, list[int], list[dt.date]]]:
    """(company id, projects, days) to rebuild, exactly the touched (project, day) pairs, in few
    calls: the days touched by the same set of projects go together (a busy pass touches today and
    a few deadline days in most projects: a handful of company-wide calls, not one per project)."""
    by_day: dict[int, dict[dt.date, set[int]]] = defaultdict(lambda: defaultdict(set))
    for (company_id, project_id), days in touched.items():
        for day in days:
            by_day[company_id][day].add(project_id)
    groups = []
    for company_id, days in sorted(by_day.items()):
        same: dict[frozenset, list[dt.date]] = defaultdict(list)
        for day, projects in days.items():
            same[frozenset(projects)].append(day)
        groups += [(company_id, sorted(projects), sorted(ds)) for projects, ds in same.items()]
    return sorted(groups)


def rollup_rebuild_range(*, company: Company, date_from: dt.date, date_to: dt.date) -> int:
    """Every day from ``date_from`` to ``date_to`` of ``company`` (the operators' command), a month at a time."""
    written, day = 0, date_from
    while day <= date_to:
        last = min(day + dt.timedelta(days=30), date_to)
        written += rollup_rebuild(company=company, days=[day + dt.timedelta(n) for n in range((last - day).days + 1)])
        day = last + dt.timedelta(days=1)
    return written
