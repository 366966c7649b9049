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


PROBES = {"sla_sweep": sla_sweep, "list_api": list_api, "api_prepare": api_prepare, "api_verify": api_verify}


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
