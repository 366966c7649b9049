"""Task generation: plans → tasks up to a date, idempotent and safe to run twice at once.

1. Pick active plans not yet generated up to ``until`` (``generated_until < until``).
2. For a chunk of plans, load their windows, route sizes, assignees and photo needs in a
   handful of queries; expand each plan's rule with ``lib.recurrence`` (dates memoised per
   rule, first day, range, holiday rule and company).
3. Insert the rows with ``INSERT … ON CONFLICT DO NOTHING`` on the natural key
   (plan, date, window_index): what ``bulk_create(ignore_conflicts=True)`` sends, written out so
   the database's row count tells how many were new. A rerun, or a second generator racing
   this one, inserts nothing twice.
4. Move each plan's ``generated_until`` to ``until``.

Generation starts at the day after ``generated_until``, never before yesterday (in the
company's zone), and skips windows that have already ended: a plan created today, or a job
that did not run for a while, never produces tasks that are missed on arrival.
"""

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Iterable
from types import SimpleNamespace

from django.db import connection, transaction
from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from core.models import Company
from core.selectors import business_calendar_cached
from lib import recurrence
from lib.bizcal import BusinessCalendar
from plans.choices import PhotoRule, TaskStatus
from plans.models import Plan, PlanAssignee, PlanCheckpoint, PlanStandard, PlanWindow, Task

log = logging.getLogger(__name__)
PLAN_CHUNK = 2000
COLUMNS = (
    "company_id",
    "project_id",
    "plan_id",
    "department_id",
    "assignee_id",
    "kind",
    "title",
    "date",
    "window_index",
    "starts_at",
    "due_at",
    "status",
    "plan_version",
    "photo_rule",
    "required_checkpoints",
    "on_time_checkins",
    "late_checkins",
    "note",
    "photo",
    "thumbnail",
    "created",
)


def tasks_generate(
    *,
    until: dt.date,
    now: dt.datetime | None = None,
    company: Company | None = None,
    plans: Iterable[Plan] | QuerySet[Plan] | None = None,
    batch_size: int = 5000,
) -> int:
    """Create the tasks of active plans up to ``until`` (inclusive); returns how many were new."""
    now = now or timezone.now()
    qs = _due_plans(until=until, company=company, plans=plans)
    ids = list(qs.order_by("id").values_list("id", flat=True))
    created = 0
    expander = _Expander(now=now, until=until)
    for i in range(0, len(ids), PLAN_CHUNK):
        chunk = [
            SimpleNamespace(**values)
            for values in Plan.objects.filter(id__in=ids[i : i + PLAN_CHUNK]).order_by("id").values(*PLAN_VALUES)
        ]
        rows = expander.rows(chunk)
        created += _insert(rows, batch_size=batch_size)
        Plan.objects.filter(id__in=[p.id for p in chunk]).filter(
            Q(generated_until__isnull=True) | Q(generated_until__lt=until)
        ).update(generated_until=until)
    if created:
        log.info("plans: %s tasks generated up to %s", created, until)
    return created


def _due_plans(*, until: dt.date, company: Company | None, plans) -> QuerySet[Plan]:
    qs = Plan.objects.filter(is_active=True, starts_on__lte=until).filter(
        Q(generated_until__isnull=True) | Q(generated_until__lt=until)
    )
    qs = qs.filter(Q(ends_on__isnull=True) | Q(generated_until__isnull=True) | Q(ends_on__gt=F("generated_until")))
    if company is not None:
        qs = qs.filter(company=company)
    if plans is not None:
        qs = qs.filter(pk__in=[p if isinstance(p, int) else p.pk for p in plans])
    return qs


# What generation reads of a plan: plain values, no model instances (20,000 plans at a time).
PLAN_VALUES = (
    "id",
    "company_id",
    "project_id",
    "department_id",
    "kind",
    "name",
    "rrule",
    "starts_on",
    "ends_on",
    "holiday_rule",
    "photo_rule",
    "version",
    "generated_until",
)


class _Expander:
    """Turns plans into task rows, memoising what many plans share (dates, window bounds, calendars)."""

    def __init__(self, *, now: dt.datetime, until: dt.date) -> None:
        self.now = now
        self.until = until
        self.calendars: dict[int, BusinessCalendar] = {}
        self.companies: dict[int, Company] = {}
        self.today: dict[str, dt.date] = {}
        self.dates: dict[tuple, list[tuple[dt.date, dt.date | None]]] = {}
        self.bounds: dict[tuple, tuple[dt.datetime, dt.datetime]] = {}

    def rows(self, plans: list[Plan]) -> list[tuple]:
        ids = [p.id for p in plans]
        windows = defaultdict(list)
        for plan_id, start, end in (
            PlanWindow.objects.filter(plan_id__in=ids)
            .order_by("plan_id", "sort_order", "start", "id")
            .values_list("plan_id", "start", "end")
        ):
            windows[plan_id].append(recurrence.Window(start, end))
        for company_id in {p.company_id for p in plans} - set(self.companies):
            self.companies[company_id] = Company.objects.get(pk=company_id)
        route = dict(
            PlanCheckpoint.objects.filter(plan_id__in=ids, removed_version__isnull=True)
            .order_by()
            .values("plan_id")
            .annotate(n=Count("id"))
            .values_list("plan_id", "n")
        )
        people = defaultdict(list)
        for plan_id, user_id in (
            PlanAssignee.objects.filter(plan_id__in=ids)
            .order_by("plan_id", "sort_order", "id")
            .values_list("plan_id", "user_id")
        ):
            people[plan_id].append(user_id)
        photo_plans = set(
            PlanStandard.objects.filter(
                plan_id__in=[p.id for p in plans if p.photo_rule == PhotoRule.PER_STANDARD],
                revision__photo_required=True,
            ).values_list("plan_id", flat=True)
        )
        result: list[tuple] = []
        for plan in plans:
            stops = route.get(plan.id, 0)
            photo_rule = _effective_photo_rule(plan, stops=stops, standard_wants_photo=plan.id in photo_plans)
            self._plan_rows(plan, windows[plan.id], stops, people[plan.id], photo_rule, result)
        return result

    def _plan_rows(self, plan, windows, stops, people, photo_rule, out) -> None:
        company = self.companies[plan.company_id]
        zone = company.zone
        today = self.today.get(company.timezone) or self.today.setdefault(
            company.timezone, timezone.localdate(self.now, timezone=zone)
        )
        date_from = max(plan.starts_on, today - dt.timedelta(days=1))
        if plan.generated_until:
            date_from = max(date_from, plan.generated_until + dt.timedelta(days=1))
        date_to = min(self.until, plan.ends_on) if plan.ends_on else self.until
        if date_to < date_from or not windows:
            return
        days = self._dates(plan, date_from, date_to)
        common = (plan.company_id, plan.project_id, plan.id, plan.department_id)
        for day, _shifted in days:
            assignee = people[(day - plan.starts_on).days % len(people)] if people else None
            for index, window in enumerate(windows):
                key = (company.timezone, day, window)
                bounds = self.bounds.get(key)
                if bounds is None:
                    bounds = self.bounds[key] = recurrence.window_bounds(day, window, zone)
                if bounds[1] <= self.now:
                    continue
                out.append(
                    (
                        *common,
                        assignee,
                        plan.kind,
                        plan.name[:100],
                        day,
                        index,
                        bounds[0],
                        bounds[1],
                        TaskStatus.SCHEDULED.value,
                        plan.version,
                        photo_rule,
                        stops,
                        0,
                        0,
                        "",
                        "",
                        "",
                        self.now,
                    )
                )

    def _dates(self, plan, date_from: dt.date, date_to: dt.date):
        key = (plan.rrule, plan.starts_on, date_from, date_to, plan.holiday_rule, plan.company_id)
        found = self.dates.get(key)
        if found is None:
            dates = recurrence.rule_dates(
                rule=plan.rrule, starts_on=plan.starts_on, date_from=date_from, date_to=date_to
            )
            calendar = None
            if plan.holiday_rule != recurrence.HOLIDAY_NONE:
                calendar = self.calendars.get(plan.company_id) or self.calendars.setdefault(
                    plan.company_id, business_calendar_cached(company=self.companies[plan.company_id])
                )
            found = self.dates[key] = recurrence.apply_holiday_rule(
                dates, holiday_rule=plan.holiday_rule, calendar=calendar or BusinessCalendar()
            )
        return found


def _effective_photo_rule(plan, *, stops: int, standard_wants_photo: bool) -> str:
    """``per_standard`` becomes a photo per checkpoint (with a route) or at the finish, when a standard wants one."""
    if plan.photo_rule != PhotoRule.PER_STANDARD:
        return plan.photo_rule
    if not standard_wants_photo:
        return PhotoRule.NONE
    return PhotoRule.EACH_CHECKPOINT if stops else PhotoRule.AT_FINISH


def _insert(rows: list[tuple], *, batch_size: int) -> int:
    if not rows:
        return 0
    if connection.vendor == "postgresql":
        return _insert_copy(rows)
    return _insert_values(rows, batch_size=batch_size)


def _insert_copy(rows: list[tuple]) -> int:
    """PostgreSQL: COPY into a temporary table, then one INSERT … SELECT … ON CONFLICT DO NOTHING.

    A multi-row VALUES statement with 200,000 × 21 parameters spends most of its time in the
    driver splitting the query; COPY streams rows in the binary-friendly text protocol. Rows go
    in natural-key order, so two generators inserting overlapping sets wait for each other
    instead of deadlocking.
    """
    columns = ", ".join(COLUMNS)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS pg_temp.plans_task_new")
        cursor.execute(
            f"CREATE TEMP TABLE plans_task_new ON COMMIT DROP AS SELECT {columns} FROM plans_task WITH NO DATA"
        )
        with cursor.cursor.copy(f"COPY plans_task_new ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        cursor.execute(
            f"INSERT INTO plans_task ({columns}) SELECT {columns} FROM plans_task_new"
            " ORDER BY plan_id, date, window_index ON CONFLICT DO NOTHING"
        )
        return cursor.rowcount


def _insert_values(rows: list[tuple], *, batch_size: int) -> int:
    """Other databases (SQLite): multi-row INSERT … ON CONFLICT DO NOTHING, as bulk_create(ignore_conflicts=True)."""
    ops = connection.ops
    rows = [
        (
            *r[:7],
            ops.adapt_datefield_value(r[7]),
            r[8],
            ops.adapt_datetimefield_value(r[9]),
            ops.adapt_datetimefield_value(r[10]),
            *r[11:20],
            ops.adapt_datetimefield_value(r[20]),
        )
        for r in rows
    ]
    size = max(1, min(batch_size, ops.bulk_batch_size(COLUMNS, rows)))
    table = ops.quote_name(Task._meta.db_table)
    columns = ", ".join(ops.quote_name(c) for c in COLUMNS)
    one = "(" + ", ".join(["%s"] * len(COLUMNS)) + ")"
    created = 0
    with connection.cursor() as cursor:
        for i in range(0, len(rows), size):
            batch = rows[i : i + size]
            sql = f"INSERT INTO {table} ({columns}) VALUES {', '.join([one] * len(batch))} ON CONFLICT DO NOTHING"
            cursor.execute(sql, [value for row in batch for value in row])
            created += cursor.rowcount
    return created
