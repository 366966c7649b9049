"""The SLA engine: deadlines when an order starts or changes, and the periodic sweep.

The sweep is exactly-once by construction: it fires an order's due checkpoints only if a
conditional UPDATE on ``sla_version`` succeeds, so two sweeps (or a sweep racing a user's
action, which bumps the version under a row lock) never fire the same checkpoint twice.
"""

import datetime as dt
import json
import logging
from collections import defaultdict
from typing import Any

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core.models import Department
from core.selectors import business_calendar_cached
from workorders import sla
from workorders.choices import (
    FINAL_STATUSES,
    ROUND_THE_CLOCK_PRIORITIES,
    SLA_STATE_OF_LEVEL,
    EventKind,
    Kind,
    Priority,
    SlaClock,
    SlaState,
    SlaTarget,
    Source,
    Status,
)
from workorders.models import SlaBreach, SlaPolicy, WorkOrder, WorkOrderEvent
from workorders.services.common import SETTINGS_CACHE_SECONDS, event_add, settings_for

log = logging.getLogger(__name__)
STATE_RANK = {SlaState.OK: 0, SlaState.WARNING: 1, SlaState.CRITICAL: 2, SlaState.BREACHED: 3}
# Targets a status has met: leaving "submitted" acknowledges, and so on.
MET_BY_STATUS = {
    Status.ACCEPTED: {SlaTarget.ACKNOWLEDGE},
    Status.DISPATCHED: {SlaTarget.ACKNOWLEDGE, SlaTarget.DISPATCH},
    Status.IN_PROGRESS: {SlaTarget.ACKNOWLEDGE, SlaTarget.DISPATCH, SlaTarget.ARRIVE},
    Status.COMPLETED: set(SlaTarget.values),
}
DUE_FIELDS = {
    SlaTarget.ACKNOWLEDGE: "ack_due_at",
    SlaTarget.DISPATCH: "dispatch_due_at",
    SlaTarget.ARRIVE: "arrive_due_at",
    SlaTarget.RESOLVE: "resolve_due_at",
}


# DOMAIN §6.2: a red weather warning stretches field repairs, not emergencies or replies.
WEATHER_PRIORITIES = (Priority.P2, Priority.P3)


def policies_key(company_id: int) -> str:
    return f"pinzhi:wo-sla-policies:{company_id}"


def policy_for(*, company_id: int, kind: str, priority: str, service_level: str) -> SlaPolicy | None:
    """The most specific policy: this service level first, then the one for all levels."""
    rows = [
        p
        for p in _company_policies(company_id)
        if p.kind == kind and p.priority == priority and p.service_level in (service_level, "")
    ]
    return max(rows, key=lambda p: p.service_level == service_level, default=None)


def _company_policies(company_id: int) -> list[SlaPolicy]:
    """All of a company's policies (a few dozen), cached; every save or delete drops them (workorders/signals.py)."""
    key = policies_key(company_id)
    rows = cache.get(key)
    if rows is None:
        rows = list(SlaPolicy.objects.filter(company_id=company_id))
        cache.set(key, rows, SETTINGS_CACHE_SECONDS)
    return rows


def sla_plan(*, order: WorkOrder, start: dt.datetime, service_level: str) -> dict[str, Any]:
    """Field values that (re)start every SLA clock of ``order`` at ``start``."""
    policy = policy_for(
        company_id=order.company_id, kind=order.kind, priority=order.priority, service_level=service_level
    )
    clock = SlaClock.ROUND_THE_CLOCK if order.priority in ROUND_THE_CLOCK_PRIORITIES else SlaClock.BUSINESS
    if policy is not None and policy.clock == SlaClock.ROUND_THE_CLOCK:
        clock = SlaClock.ROUND_THE_CLOCK
    limits = {t: policy.minutes(t) for t in SlaTarget.values} if policy else {}
    if order.kind == Kind.REPAIR and order.priority in WEATHER_PRIORITIES:
        factor = settings_for(order.company_id).weather_factor_at(start)
        limits = {t: m if m is None else int(m * factor) for t, m in limits.items()}
    calendar = business_calendar_cached(company=order.company) if clock == SlaClock.BUSINESS else None
    points = sla.plan(limits=limits, start=start, clock=clock, calendar=calendar, appointment=order.appointment_at)
    return {
        "sla_policy": policy,
        "sla_clock": clock,
        "sla_checkpoints": points,
        "sla_next_at": sla.next_at(points),
        "sla_state": SlaState.OK,
        "sla_paused_at": None,
        **{DUE_FIELDS[t]: due for t, due in sla.due_dates(points).items()},
    }


def sla_changes_for_transition(*, order: WorkOrder, to: str, at: dt.datetime) -> dict[str, Any]:
    """How a status change moves the clocks of ``order`` (a fresh, locked row)."""
    points = order.sla_checkpoints
    changes: dict[str, Any] = {}
    if order.status == Status.ON_HOLD and order.sla_paused_at:
        calendar = _calendar_if_business(order)
        points = sla.resume(points, now=at, clock=order.sla_clock, calendar=calendar)
        held = int((at - order.sla_paused_at).total_seconds() // 60)
        changes.update(sla_paused_at=None, sla_paused_minutes=order.sla_paused_minutes + held)
        changes.update({DUE_FIELDS[t]: due for t, due in sla.due_dates(points).items() if due is not None})
    if to in FINAL_STATUSES or to == Status.CLOSED:
        points = []
    elif to == Status.ON_HOLD:
        points = sla.pause(points, now=at, clock=order.sla_clock, calendar=_calendar_if_business(order))
        changes["sla_paused_at"] = at
    else:
        points = sla.drop_targets(points, MET_BY_STATUS.get(to, ()))
    changes.update(sla_checkpoints=points, sla_next_at=sla.next_at(points), sla_version=order.sla_version + 1)
    return changes


def _calendar_if_business(order: WorkOrder):
    return business_calendar_cached(company=order.company) if order.sla_clock == SlaClock.BUSINESS else None


#
# The sweep
#
def sla_sweep(*, now: dt.datetime | None = None, batch: int = 500) -> dict[str, int]:
    """Fire every due warning and breach once; open rectification orders for projects over the limit.

    Returns counts (orders, warnings, breaches, rectifications) for logs and the benchmark.
    """
    now = now or timezone.now()
    totals = defaultdict(int)
    while True:
        rows = list(
            WorkOrder.objects.filter(sla_next_at__lte=now)
            .order_by("sla_next_at")
            .values(
                "id",
                "company_id",
                "project_id",
                "status",
                "sla_checkpoints",
                "sla_version",
                "sla_state",
                "reopen_count",
            )[:batch]
        )
        if not rows:
            break
        breached_projects = _sweep_rows(rows, now=now, totals=totals)
        for company_id, project_id in breached_projects:
            totals["rectifications"] += _breach_rectification(company_id=company_id, project_id=project_id, now=now)
        if len(rows) < batch:
            break
    return dict(totals)


@transaction.atomic
def _sweep_rows(rows: list[dict], *, now: dt.datetime, totals: dict) -> set[tuple[int, int]]:
    events, breaches, projects = [], [], set()
    changes = {}
    for row in rows:
        fired, remaining = sla.split_due(row["sla_checkpoints"], now)
        state = max([row["sla_state"], *(SLA_STATE_OF_LEVEL[p["l"]] for p in fired)], key=STATE_RANK.get)
        changes[row["id"]] = (row, fired, remaining, state)
    for order_id in _claim(changes):
        row, fired, _remaining, _state = changes[order_id]
        totals["orders"] += 1
        for point in _worst_per_target(fired):
            events.append(_sla_event(row, point, now))
            if point["l"] == 100:
                totals["breaches"] += 1
                breaches.append(_breach(row, point, now))
                projects.add((row["company_id"], row["project_id"]))
            else:
                totals["warnings"] += 1
    WorkOrderEvent.objects.bulk_create(events)
    SlaBreach.objects.bulk_create(breaches, ignore_conflicts=True)
    return projects


def _claim(changes: dict[int, tuple]) -> list[int]:
    """Write each row's new checkpoints if its ``sla_version`` is still the one read; return the winners.

    A row whose version moved (another sweep, or a user's action re-planned it) is left alone: that
    is what makes each checkpoint fire once with any number of sweepers. PostgreSQL does the whole
    batch in one ``UPDATE … FROM (VALUES …) RETURNING``; other databases go row by row.
    """
    if not changes:
        return []
    if connection.vendor == "postgresql":
        return _claim_batch(changes)
    won = []
    for order_id, (row, _fired, remaining, state) in changes.items():
        if WorkOrder.objects.filter(pk=order_id, sla_version=row["sla_version"]).update(
            sla_checkpoints=remaining,
            sla_next_at=sla.next_at(remaining),
            sla_state=state,
            sla_version=row["sla_version"] + 1,
        ):
            won.append(order_id)
    return won


def _claim_batch(changes: dict[int, tuple]) -> list[int]:
    table = WorkOrder._meta.db_table
    values, params = [], []
    for order_id, (row, _fired, remaining, state) in changes.items():
        values.append("(%s::bigint, %s::integer, %s::jsonb, %s::timestamptz, %s::varchar)")
        params += [order_id, row["sla_version"], json.dumps(remaining), sla.next_at(remaining), state]
    sql = (
        f"UPDATE {table} AS w SET sla_checkpoints = v.cp, sla_next_at = v.next_at, sla_state = v.state, "
        "sla_version = w.sla_version + 1 "
        f"FROM (VALUES {', '.join(values)}) AS v(id, ver, cp, next_at, state) "
        "WHERE w.id = v.id AND w.sla_version = v.ver RETURNING w.id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [r[0] for r in cursor.fetchall()]


def _worst_per_target(fired: list[dict]) -> list[dict]:
    """One event per target: if the sweep was late and 50 % and 80 % are both due, report 80 %."""
    worst: dict[str, dict] = {}
    for p in fired:
        if p["t"] not in worst or p["l"] > worst[p["t"]]["l"]:
            worst[p["t"]] = p
    return list(worst.values())


def _sla_event(row: dict, point: dict, now: dt.datetime) -> WorkOrderEvent:
    kind = EventKind.SLA_BREACH if point["l"] == 100 else EventKind.SLA_WARNING
    return WorkOrderEvent(
        company_id=row["company_id"],
        order_id=row["id"],
        kind=kind,
        created=now,
        from_status=row["status"],
        to_status=row["status"],
        data={"target": point["t"], "level": point["l"], "due": point["at"]},
        is_public=False,
    )


def _breach(row: dict, point: dict, now: dt.datetime) -> SlaBreach:
    return SlaBreach(
        company_id=row["company_id"],
        project_id=row["project_id"],
        order_id=row["id"],
        target=point["t"],
        round=row["reopen_count"],
        due_at=sla.at_of(point),
        breached_at=now,
    )


def _breach_rectification(*, company_id: int, project_id: int, now: dt.datetime) -> int:
    """Open the month's rectification order once a project reaches the breach threshold."""
    local = timezone.localtime(now)
    month_start = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    count = SlaBreach.objects.filter(project_id=project_id, breached_at__gte=month_start).count()
    threshold = settings_for(company_id).breach_rectification_threshold
    key = f"sla-breaches:{project_id}:{local:%Y-%m}"
    if count < threshold or WorkOrder.objects.filter(company_id=company_id, source_key=key).exists():
        return 0
    from workorders.services.orders import workorder_create_system

    quality = Department.objects.filter(project_id=project_id, kind="quality").first()
    try:
        with transaction.atomic():
            workorder_create_system(
                project_id=project_id,
                source_key=key,
                data={
                    "kind": Kind.RECTIFICATION,
                    "priority": Priority.P2,
                    "source": Source.SYSTEM,
                    "department": quality,
                    "title": _("SLA breached {n} times in {month}").format(n=count, month=f"{local:%Y-%m}"),
                    "description": _(
                        "This project missed {n} SLA limits this month (threshold {threshold}). "
                        "Find the causes, correct them and record the actions."
                    ).format(n=count, threshold=threshold),
                },
                at=now,
            )
    except (IntegrityError, ValidationError):
        # A concurrent sweep opened it: caught by the unique constraint at INSERT, or already by
        # full_clean()'s constraint check. Anything else is a real error.
        if WorkOrder.objects.filter(company_id=company_id, source_key=key).exists():
            return 0
        raise
    return 1


def take_timeouts_due(*, now: dt.datetime) -> list[int]:
    return list(
        WorkOrder.objects.filter(take_due_at__lte=now, status=Status.DISPATCHED)
        .filter(Q(taken_at__isnull=True))
        .values_list("id", flat=True)[:500]
    )


__all__ = ["event_add", "policy_for", "sla_changes_for_transition", "sla_plan", "sla_sweep"]
