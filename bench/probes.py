"""Measurements that need Django, run by the figures as ``python -m bench.probes NAME '<json args>'``.

The runner never imports Django settings: each figure picks its database (a SQLite file or
PostgreSQL) through the environment of this subprocess. A probe prints one JSON object on
the last line of stdout. Each probe checks its own result (counts of events, HTTP statuses),
so a figure that measured the wrong thing fails instead of printing a number.
"""

import datetime as dt
import json
import os
import re
import statistics
import sys
import time
from collections import Counter
from io import StringIO

GEN_ORDERS = re.compile(r"Generated (?P<orders>\d+) work orders .* in (?P<seconds>[\d.]+) s: (?P<rate>[\d.]+) rows/s")


class ProbeError(AssertionError):
    """The measured system did something else than the figure assumes."""


def check(condition: bool, message: str) -> None:
    if not condition:
        raise ProbeError(message)


#
# Data
#
def generate(*, code: str, projects: int, units: int, orders: int, seed: int = 1, as_of=None, open_only=False) -> dict:
    """``manage.py gen_scale`` (in this process), replacing a company of the same code; its work-order summary."""
    from django.core.management import call_command

    args = ["--projects", str(projects), "--units-per-project", str(units), "--workorders", str(orders)]
    args += ["--company-code", code, "--seed", str(seed), "--replace", "--no-progress"]
    if as_of is not None:
        args += ["--as-of", as_of.isoformat()]
    if open_only:
        args.append("--open-only")
    out = StringIO()
    call_command("gen_scale", *args, stdout=out)
    match = GEN_ORDERS.search(out.getvalue())
    check(match is not None, f"unexpected gen_scale output: {out.getvalue()!r}")
    return {"orders": int(match["orders"]), "seconds": float(match["seconds"]), "rows_per_s": float(match["rate"])}


def token_for(user) -> str:
    from rest_framework.authtoken.models import Token

    return Token.objects.get_or_create(user=user)[0].key


def delete_company(code: str) -> None:
    from core.demo.scale import scale_delete_company
    from core.models import Company

    company = Company.objects.filter(code=code).first()
    if company is not None:
        scale_delete_company(company)


#
# SLA sweep
#
def sla_sweep(*, code: str, projects: int, units: int, orders: int, due_share: float, cleanup: bool) -> dict:
    """A fresh backlog of open orders; one idle sweep (nothing due) and one with ``due_share`` of them due.

    The backlog's history ends (``as_of``) before any other order in the database falls due, so
    the sweeps see only this company's orders; the due sweep runs at the moment the earliest
    ``due_share`` of the backlog have their next checkpoint.
    """
    from workorders.models import WorkOrder
    from workorders.services import sla_sweep as sweep

    as_of = _quiet_moment(code)
    gen = generate(code=code, projects=projects, units=units, orders=orders, as_of=as_of, open_only=True)
    backlog = WorkOrder.objects.filter(company__code=code)
    check(backlog.exclude(status__in=_open_statuses()).count() == 0, "the backlog has orders that are not open")
    due_at, due = _due_moment(backlog, round(orders * due_share))
    check(not WorkOrder.objects.filter(sla_next_at__lte=due_at).exclude(company__code=code).exists(), "foreign due")
    expected = _expected_firings(backlog.filter(sla_next_at__lte=due_at), due_at)
    idle = []
    for _ in range(5):
        started = time.perf_counter()
        totals = sweep(now=as_of)
        idle.append((time.perf_counter() - started) * 1000)
        check(totals == {}, f"the idle sweep fired something: {totals}")
    from workorders.models import WorkOrderEvent

    last_event = WorkOrderEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    started = time.perf_counter()
    totals = sweep(now=due_at)
    due_ms = (time.perf_counter() - started) * 1000
    _check_fired(totals, expected, due=due, last_event=last_event, due_at=due_at, backlog=backlog)
    backlog_size = backlog.count()
    if cleanup:
        delete_company(code)
    return {
        "due_ms": due_ms,
        "idle_ms": statistics.median(idle),
        "idle_max_ms": max(idle),
        "open": backlog_size,
        "due": len(due),
        "totals": totals,
        "gen": gen,
    }


def _open_statuses() -> list[str]:
    from workorders.choices import OPEN_STATUSES

    return sorted(OPEN_STATUSES)


def _quiet_moment(code: str) -> dt.datetime:
    """Now, or a day before the first checkpoint of any other company's order if that comes sooner."""
    from django.db.models import Min
    from django.utils import timezone

    from workorders.models import WorkOrder

    now = timezone.now().replace(second=0, microsecond=0)
    first = WorkOrder.objects.exclude(company__code=code).aggregate(m=Min("sla_next_at"))["m"]
    return min(now, (first - dt.timedelta(days=1)).replace(second=0, microsecond=0)) if first else now


def _due_moment(backlog, wanted: int) -> tuple[dt.datetime, set[int]]:
    """The moment the ``wanted``-th earliest order of the backlog is due, and the orders due then."""
    pending = backlog.filter(sla_next_at__isnull=False).order_by("sla_next_at")
    check(pending.count() >= wanted, f"only {pending.count()} orders have a pending checkpoint")
    due_at = pending.values_list("sla_next_at", flat=True)[max(wanted, 1) - 1]
    return due_at, set(backlog.filter(sla_next_at__lte=due_at).values_list("id", flat=True))


def _expected_firings(due_orders, now: dt.datetime) -> int:
    """One event per order and target with checkpoints due at ``now`` (the sweep reports the worst level)."""
    from workorders import sla

    events = 0
    for checkpoints in due_orders.values_list("sla_checkpoints", flat=True):
        fired, _remaining = sla.split_due(checkpoints, now)
        events += len({p["t"] for p in fired})
    return events


def _check_fired(totals: dict, expected: int, *, due: set[int], last_event: int, due_at, backlog) -> None:
    from workorders.choices import EventKind
    from workorders.models import WorkOrderEvent

    events = WorkOrderEvent.objects.filter(id__gt=last_event, kind__in=[EventKind.SLA_WARNING, EventKind.SLA_BREACH])
    got = Counter(events.values_list("order_id", flat=True))
    check(totals.get("orders") == len(due), f"the sweep handled {totals.get('orders')} orders, {len(due)} were due")
    check(set(got) == due, f"SLA events on {len(got)} orders, {len(due)} were due")
    check(sum(got.values()) == expected, f"{sum(got.values())} SLA events, expected {expected}")
    check(not backlog.filter(sla_next_at__lte=due_at).exists(), "orders still due after the sweep")


#
# The list API
#
def list_api(*, code: str, projects: int, units: int, orders: int, rounds: int, reuse: bool) -> dict:
    """Filtered ``GET /api/v1/workorders/`` as staff would send them, through Django's test client."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from workorders.models import WorkOrder

    existing = WorkOrder.objects.filter(company__code=code, source_key__isnull=True).count()
    gen = {"reused": True, "orders": existing}
    if not (reuse and existing == orders):
        gen = generate(code=code, projects=projects, units=units, orders=orders)
    combos = _list_combos(code)
    clients = {who: Client(HTTP_AUTHORIZATION=f"Token {key}") for who, key in combos["tokens"].items()}
    results, queries = {}, {}
    for label, who, query in combos["requests"]:  # warm-up, and what each answers
        with CaptureQueriesContext(connection) as captured:
            response = clients[who].get(f"/api/v1/workorders/?{query}")
        check(response.status_code == 200, f"{label}: HTTP {response.status_code} {response.content[:300]!r}")
        results[label] = len(response.json()["results"])
        queries[label] = len(captured)
    timings: dict[str, list[float]] = {label: [] for label, _who, _q in combos["requests"]}
    for _ in range(rounds):
        for label, who, query in combos["requests"]:
            started = time.perf_counter()
            response = clients[who].get(f"/api/v1/workorders/?{query}")
            timings[label].append((time.perf_counter() - started) * 1000)
            check(response.status_code == 200, f"{label}: HTTP {response.status_code}")
    check(all(results.values()), f"some filters found nothing: {results}")
    every = [t for ts in timings.values() for t in ts]
    return {
        "p95_ms": _p95(every),
        "p50_ms": statistics.median(every),
        "requests": len(every),
        "per_filter": {
            label: {"p95_ms": _p95(ts), "rows": results[label], "queries": queries[label]}
            for label, ts in timings.items()
        },
        "gen": gen,
    }


def _list_combos(code: str) -> dict:
    """Who asks what: the company admin across the company, a project manager, a worker's own list."""
    from django.db.models import Count
    from django.utils import timezone

    from accounts.models import User
    from core.choices import Role
    from core.models import Membership
    from workorders.models import WorkOrder

    admin = User.objects.get(username=f"gen-{code}-admin")
    project_id = WorkOrder.objects.filter(company__code=code).order_by("-id").values_list("project_id", flat=True)[0]
    manager = Membership.objects.get(project_id=project_id, role=Role.PROJECT_MANAGER).user
    open_orders = WorkOrder.objects.filter(company__code=code, status__in=_open_statuses(), assignee__isnull=False)
    busiest = open_orders.values("assignee_id").annotate(n=Count("id")).order_by("-n").first()
    worker = User.objects.get(pk=busiest["assignee_id"])
    since = (timezone.localdate() - dt.timedelta(days=30)).isoformat()
    requests = [
        ("status+project", "admin", f"status=dispatched&status=in_progress&status=on_hold&project_id={project_id}"),
        ("overdue", "admin", "overdue=true"),
        ("assignee open", "admin", f"assignee_id={worker.pk}&is_open=true"),
        ("project manager open", "manager", "is_open=true"),
        ("search in project", "admin", f"project_id={project_id}&q=漏水"),
        ("complaints 30 days", "admin", f"kind=complaint&created_after={since}"),
        ("my orders", "worker", f"assignee_id={worker.pk}"),
        ("first page", "admin", ""),
    ]
    tokens = {"admin": token_for(admin), "manager": token_for(manager), "worker": token_for(worker)}
    return {"tokens": tokens, "requests": requests}


def _p95(values: list[float]) -> float:
    if len(values) < 2:
        return values[0] if values else 0.0
    return statistics.quantiles(values, n=100, method="inclusive")[94]


#
# Creating orders over HTTP
#
def api_prepare(*, code: str, projects: int, units: int, orders: int) -> dict:
    """A company with some history; tokens of a customer-service clerk and of an owner; what to report."""
    from accounts.models import User
    from core.choices import DepartmentKind, Role
    from core.models import Membership, UnitResident
    from workorders.models import Category, WorkOrder

    gen = generate(code=code, projects=projects, units=units, orders=orders)
    clerk = Membership.objects.filter(
        company__code=code, role=Role.STAFF, department__kind=DepartmentKind.CUSTOMER_SERVICE
    ).first()
    project_id = clerk.project_id
    links = list(
        UnitResident.objects.filter(unit__project_id=project_id).select_related("resident").order_by("id")[:200]
    )
    owner_link = links[0]
    name = owner_link.resident.name
    owner, _created = User.objects.get_or_create(username=f"gen-{code}-owner", defaults={"name": name})
    owner_link.resident.user = owner
    owner_link.resident.save(update_fields=["user"])
    codes = list(
        Category.objects.filter(company__code=code, kind="repair", parent__isnull=False, priority_hint__in=["p2", "p3"])
        .order_by("id")
        .values_list("code", flat=True)
    )
    return {
        "gen": gen,
        "project": project_id,
        "clerk": token_for(clerk.user),
        "owner": token_for(owner),
        "owner_unit": owner_link.unit_id,
        "units": [[link.unit_id, link.resident.name, link.resident.phone] for link in links],
        "categories": codes,
        "last_order": WorkOrder.objects.order_by("-id").values_list("id", flat=True).first(),
    }


def api_verify(*, code: str, after: int, cleanup: bool) -> dict:
    """What the create figure wrote: orders after ``after``, by source, each with its events and deadlines."""
    from django.db.models import Count

    from accounts.models import User
    from workorders.models import WorkOrder

    made = WorkOrder.objects.filter(company__code=code, id__gt=after)
    by_source = dict(Counter(made.values_list("source", flat=True)))
    thin = made.annotate(n=Count("events")).filter(n__lt=2).count()
    without_deadline = made.filter(resolve_due_at__isnull=True).count()
    dispatched = made.filter(assignee__isnull=False).count()
    total = made.count()
    if cleanup:
        delete_company(code)
        User.objects.filter(username=f"gen-{code}-owner").delete()
    return {
        "orders": total,
        "by_source": by_source,
        "thin": thin,
        "no_deadline": without_deadline,
        "dispatched": dispatched,
    }


#
# Plans: generating a day of tasks
#
GEN_PLANS = re.compile(
    r"Generated (?P<plans>\d+) plans with (?P<windows>\d+) windows and (?P<checkpoints>\d+) checkpoints, "
    r"(?P<tasks>\d+) tasks over (?P<days>\d+) days with (?P<events>\d+) events and (?P<checkins>\d+) check-ins "
    r".* in (?P<seconds>[\d.]+) s: (?P<rate>[\d.]+) rows/s"
)


def generate_plans(
    *, code: str, projects: int, units: int, plans: int, tasks: int = 0, seed: int = 1, as_of=None
) -> dict:
    """``manage.py gen_scale --plans`` (in this process), replacing a company of the same code; its plan summary."""
    from django.core.management import call_command

    from core.demo.scale_plans import pg_bulk_load

    args = ["--projects", str(projects), "--units-per-project", str(units), "--plans", str(plans)]
    args += ["--tasks", str(tasks), "--company-code", code, "--seed", str(seed), "--replace", "--no-progress"]
    if as_of is not None:
        args += ["--as-of", as_of.isoformat()]
    out = StringIO()
    with pg_bulk_load():  # also the --replace of a large company
        call_command("gen_scale", *args, stdout=out)
    match = GEN_PLANS.search(out.getvalue())
    check(match is not None, f"unexpected gen_scale output: {out.getvalue()!r}")
    found = {k: int(v) for k, v in match.groupdict().items() if k not in ("seconds", "rate")}
    return {**found, "seconds": float(match["seconds"]), "rows_per_s": float(match["rate"])}


def plan_generate(*, code: str, projects: int, units: int, plans: int, cleanup: bool) -> dict:
    """``plans.services.tasks_generate`` for the day after today over ``plans`` fresh plans; then twice again.

    The plans are generated until today, so the call makes exactly one day of tasks. The count it
    returns must be the company's tasks in the database and what lib.recurrence says the plans
    have that day. The reruns: as it is (nothing to do), and with the plans set back to today so
    every row meets the natural key (INSERT … ON CONFLICT DO NOTHING); both must create none.
    """
    from django.utils import timezone

    from core.models import Company
    from plans.models import Plan, Task
    from plans.services import tasks_generate

    gen = generate_plans(code=code, projects=projects, units=units, plans=plans)
    company = Company.objects.get(code=code)
    tasks, company_plans = Task.objects.filter(company=company), Plan.objects.filter(company=company)
    check(not tasks.exists(), "gen_scale --plans without --tasks wrote tasks")
    now = timezone.now()
    today = timezone.localdate(now, company.zone)
    day = today + dt.timedelta(days=1)
    company_plans.update(generated_until=today)
    expected = _expected_tasks(company, day)
    started = time.perf_counter()
    created = tasks_generate(until=day, now=now, company=company)
    seconds = time.perf_counter() - started
    in_db = tasks.count()
    check(created == in_db, f"tasks_generate said {created} tasks, the database has {in_db}")
    check(created == expected, f"tasks_generate made {created} tasks, the plans have {expected} on {day}")
    check(not tasks.filter(date__lt=day).exists(), f"tasks before {day}")
    behind = company_plans.exclude(generated_until=day).count()
    check(behind == 0, f"{behind} plans not generated until {day}")
    started = time.perf_counter()
    again = tasks_generate(until=day, now=now, company=company)
    again_s = time.perf_counter() - started
    company_plans.update(generated_until=today)
    started = time.perf_counter()
    forced = tasks_generate(until=day, now=now, company=company)
    forced_s = time.perf_counter() - started
    check(tasks.count() == in_db, f"the reruns changed the tasks: {in_db} → {tasks.count()}")
    by_kind = dict(Counter(tasks.values_list("kind", flat=True)))
    if cleanup:
        from core.demo.scale_plans import pg_bulk_load

        with pg_bulk_load():
            delete_company(code)
    return {
        "seconds": seconds,
        "created": created,
        "plans": gen["plans"],
        "windows": gen["windows"],
        "by_kind": by_kind,
        "day": day.isoformat(),
        "rerun": again,
        "rerun_s": again_s,
        "forced": forced,
        "forced_s": forced_s,
        "gen": gen,
    }


def _expected_tasks(company, day: dt.date) -> int:
    """Tasks the company's active plans have on ``day`` (their windows × their dates then), by lib.recurrence."""
    from django.db.models import Count

    from core.selectors import business_calendar
    from lib import recurrence
    from plans.models import Plan

    calendar = business_calendar(company=company)
    plans = Plan.objects.filter(company=company, is_active=True, starts_on__lte=day).annotate(n=Count("windows"))
    total = 0
    for rule, starts_on, holiday_rule, windows in plans.values_list("rrule", "starts_on", "holiday_rule", "n"):
        dates = recurrence.rule_dates(rule=rule, starts_on=starts_on, date_from=day, date_to=day)
        total += windows * len(recurrence.apply_holiday_rule(dates, holiday_rule=holiday_rule, calendar=calendar))
    return total


#
# Plans: the check-in API
#
CHECKIN_URL = "/api/v1/tasks/{id}/checkins/"
OPEN_AHEAD = dt.timedelta(minutes=14)  # a task opens PLANS_EARLY_START_MINUTES (15) before its window
CLOSE_MARGIN = dt.timedelta(minutes=5)  # ... and must still be open when the last request is sent


def checkin_api(
    *, code: str, projects: int, units: int, plans: int, tasks: int, requests: int, warmup: int, reuse: bool
) -> dict:
    """``POST /api/v1/tasks/{id}/checkins/`` by QR code, as staff on a round send it, through Django's test client.

    The company has ``tasks`` tasks of history (gen_scale --plans --tasks) up to the top of the
    hour, as if nobody had been on a round since: the tasks of this hour's windows are still to be
    done (later in the hour the generated rounds would be over, and the next ones not yet open).
    On PostgreSQL it is reused while it has as many plans, about as many tasks and tasks open now.
    The missed sweep runs first (windows that ended meanwhile). Then several staff members check in at the
    checkpoints of their open tasks, in route order, taking turns; every answer must be 201 and
    every check-in must be in the database afterwards, by that person.
    """
    from django.test import Client
    from django.utils import timezone

    from accounts.models import User
    from core.models import Company
    from plans.models import CheckIn, Task
    from plans.services import tasks_sweep_missed

    _require_checkin_api()
    company = Company.objects.filter(code=code).first()
    gen: dict = {"reused": True}
    if not (reuse and company is not None and _checkin_reusable(company, plans=plans, tasks=tasks)):
        hour = timezone.now().replace(minute=0, second=0, microsecond=0)
        gen = generate_plans(code=code, projects=projects, units=units, plans=plans, tasks=tasks, as_of=hour)
        company = Company.objects.get(code=code)
    now = timezone.now()
    swept = tasks_sweep_missed(now=now)
    queue = _checkin_queue(company, now=now, wanted=requests + warmup)
    people = {u.pk: u for u in User.objects.filter(pk__in={q[0] for q in queue})}
    clients = {pk: Client(HTTP_AUTHORIZATION=f"Token {token_for(user)}") for pk, user in people.items()}
    timings = []
    for n, (user_id, task_id, _checkpoint, checkpoint_code, lat, lng) in enumerate(queue):
        body = {"code": checkpoint_code, "method": "qr"}
        if lat is not None:
            body.update(latitude=lat, longitude=lng)  # the phone sends where it is
        started = time.perf_counter()
        response = clients[user_id].post(CHECKIN_URL.format(id=task_id), data=body, content_type="application/json")
        elapsed = (time.perf_counter() - started) * 1000
        check(response.status_code == 201, f"check-in {n}: HTTP {response.status_code} {response.content[:400]!r}")
        if n >= warmup:
            timings.append(elapsed)
    made = set(
        CheckIn.objects.filter(task_id__in={q[1] for q in queue}).values_list("task_id", "checkpoint_id", "user_id")
    )
    missing = [q for q in queue if (q[1], q[2], q[0]) not in made]
    check(not missing, f"{len(missing)} check-ins answered 201 are not in the database, e.g. {missing[:3]}")
    return {
        "p95_ms": _p95(timings),
        "p50_ms": statistics.median(timings),
        "max_ms": max(timings),
        "requests": len(timings),
        "staff": len(people),
        "tasks_checked": len({q[1] for q in queue}),
        "company_tasks": Task.objects.filter(company=company).count(),
        "tasks_in_db": Task.objects.count(),
        "checkins_in_db": CheckIn.objects.count(),
        "swept": swept,
        "gen": gen,
    }


def _require_checkin_api() -> None:
    from django.urls import Resolver404, resolve

    try:
        resolve(CHECKIN_URL.format(id=1))
    except Resolver404:
        raise ProbeError(f"the check-in API POST {CHECKIN_URL} does not exist (yet): nothing to measure") from None


def _checkin_reusable(company, *, plans: int, tasks: int) -> bool:
    from django.utils import timezone

    from plans.choices import OPEN_TASK_STATUSES
    from plans.models import Plan, Task

    if Plan.objects.filter(company=company).count() != plans:
        return False
    now = timezone.now()
    open_now = Task.objects.filter(
        company=company,
        status__in=sorted(OPEN_TASK_STATUSES),
        due_at__gte=now + CLOSE_MARGIN,
        starts_at__lte=now + OPEN_AHEAD,
    )
    return open_now.exists() and abs(Task.objects.filter(company=company).count() - tasks) <= tasks * 0.1


def _checkin_queue(company, *, now: dt.datetime, wanted: int) -> list[tuple]:
    """(user, task, checkpoint, code, latitude, longitude) of check-ins staff can make now, taking turns.

    Tasks open now (for the whole run) and assigned; each task's checkpoints not yet checked in,
    in route order; the staff members with the most of them, at least four when there are.
    """
    from plans.choices import OPEN_TASK_STATUSES
    from plans.models import CheckIn, PlanCheckpoint, Task

    rows = list(
        Task.objects.filter(
            company=company,
            status__in=sorted(OPEN_TASK_STATUSES),
            due_at__gte=now + CLOSE_MARGIN,
            starts_at__lte=now + OPEN_AHEAD,
            assignee__isnull=False,
            required_checkpoints__gt=0,
        )
        .order_by("id")
        .values_list("id", "plan_id", "assignee_id")
    )
    routes: dict[int, list[tuple]] = {}
    stops = PlanCheckpoint.objects.filter(plan_id__in={r[1] for r in rows}, removed_version__isnull=True)
    for plan_id, *stop in stops.order_by("plan_id", "sort_order", "id").values_list(
        "plan_id", "checkpoint_id", "checkpoint__code", "checkpoint__latitude", "checkpoint__longitude"
    ):
        routes.setdefault(plan_id, []).append(tuple(stop))
    done = set(CheckIn.objects.filter(task_id__in=[r[0] for r in rows]).values_list("task_id", "checkpoint_id"))
    pending: dict[int, list[tuple]] = {}
    for task_id, plan_id, user_id in rows:
        for checkpoint_id, checkpoint_code, lat, lng in routes.get(plan_id, []):
            if (task_id, checkpoint_id) not in done:
                position = (str(lat), str(lng)) if lat is not None else (None, None)
                item = (user_id, task_id, checkpoint_id, checkpoint_code, *position)
                pending.setdefault(user_id, []).append(item)
    people, total = [], 0
    for user_id in sorted(pending, key=lambda u: (-len(pending[u]), u)):
        if total >= wanted and len(people) >= 4:
            break
        people.append(user_id)
        total += len(pending[user_id])
    check(total >= wanted, f"only {total} check-ins can be made now (tasks open now: {len(rows)}), {wanted} wanted")
    queue = []
    for turn in range(max((len(pending[u]) for u in people), default=0)):
        queue += [pending[u][turn] for u in people if turn < len(pending[u])]
    return queue[:wanted]


def inspection_rollup(**args) -> dict:
    from bench.probe_inspections import inspection_rollup as probe

    return probe(**args)


def alert_eval(**args) -> dict:
    from bench.probe_alerts import alert_eval as probe

    return probe(**args)


def _analytics(name: str):
    def probe(**args) -> dict:
        from bench import probe_analytics

        return getattr(probe_analytics, name)(**args)

    return probe


PROBES = {
    "rollup_day": _analytics("rollup_day"),
    "dashboard_http": _analytics("dashboard_http"),
    "dashboard_sql": _analytics("dashboard_sql"),
    "report_pdf": _analytics("report_pdf"),
    "alert_eval": alert_eval,
    "inspection_rollup": inspection_rollup,
    "sla_sweep": sla_sweep,
    "list_api": list_api,
    "api_prepare": api_prepare,
    "api_verify": api_verify,
    "plan_generate": plan_generate,
    "checkin_api": checkin_api,
}


def main(argv: list[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django_scopes import scopes_disabled

    name, args = argv[1], json.loads(argv[2]) if len(argv) > 2 else {}
    with scopes_disabled():
        result = PROBES[name](**args)
    print(json.dumps(result, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
