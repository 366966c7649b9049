"""The analytics probes (run through bench.probes): roll-up refresh and rebuild of a day, the company
dashboard (HTTP and selector against hand-written SQL) and the half-year PDF, in a company of
2,000,000 orders and 5,000,000 tasks (full scale).

The company comes from ``manage.py gen_scale --workorders --plans --tasks --inspections --rollups``;
on PostgreSQL it is reused while it has as many orders and about as many tasks (BENCH_FRESH=1
regenerates). Every probe checks what it measured: the refresh leaves the roll-ups as a rebuild
has them, the pages answer 200 with their charts, the SQL's figures equal the selector's, the PDF
is a PDF.
"""

import datetime as dt
import statistics
import time
from io import StringIO

from bench.probes import check


#
# Data
#
def prepare(
    *, code: str, projects: int, units: int, orders: int, plans: int, tasks: int, inspections: int, reuse: bool
) -> tuple:
    """The company (generated, or reused as it is) with its roll-ups; (company, what was done)."""
    from django.core.management import call_command

    from analytics.models import WorkOrderDaily
    from core.demo.scale_plans import pg_bulk_load
    from core.demo.scale_rollups import scale_rollups
    from core.models import Company
    from plans.models import Task
    from workorders.models import WorkOrder

    company = Company.objects.filter(code=code).first()
    if reuse and company is not None:
        have = WorkOrder.objects.filter(company=company, source_key__isnull=True).count()
        have_tasks = Task.objects.filter(company=company).count()
        if have == orders and abs(have_tasks - tasks) <= tasks * 0.1:
            gen = {"reused": True, "orders": have, "tasks": have_tasks}
            if not WorkOrderDaily.objects.filter(company=company).exists():
                stats = scale_rollups(company=company, progress=False)
                gen["rollup_days"], gen["rollup_s"] = stats.days, round(stats.seconds, 1)
            return company, gen
    args = ["--projects", str(projects), "--units-per-project", str(units), "--workorders", str(orders)]
    args += ["--plans", str(plans), "--tasks", str(tasks), "--inspections", str(inspections), "--rollups"]
    args += ["--company-code", code, "--seed", "1", "--replace", "--no-progress"]
    out = StringIO()
    started = time.perf_counter()
    with pg_bulk_load():  # also the --replace of a large company
        call_command("gen_scale", *args, stdout=out)
    company = Company.objects.get(code=code)
    gen = {
        "reused": False,
        "orders": WorkOrder.objects.filter(company=company, source_key__isnull=True).count(),
        "tasks": Task.objects.filter(company=company).count(),
        "seconds": round(time.perf_counter() - started, 1),
    }
    return company, gen


def admin_of(company):
    from core.choices import Role
    from core.models import Membership

    membership = (
        Membership.objects.filter(company=company, role=Role.COMPANY_ADMIN, project__isnull=True)
        .select_related("user")
        .order_by("id")
        .first()
    )
    check(membership is not None, f"company {company.code} has no company admin")
    return membership.user


def last_whole_month(company) -> tuple[dt.date, dt.date]:
    from django.utils import timezone

    first_of_this = timezone.localdate(timezone.now(), company.zone).replace(day=1)
    last = first_of_this - dt.timedelta(days=1)
    return last.replace(day=1), last


def _months_back(day: dt.date, months: int) -> dt.date:
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    return dt.date(year, month + 1, 1)


def rollup_totals(company) -> dict[str, dict[str, int]]:
    """Per roll-up table, every counter summed over the company (a refresh must leave them as they are)."""
    from django.db import models
    from django.db.models import Count, Sum

    from analytics.models import FindingDaily, HotspotDaily, HourlyLoad, TaskDaily, WorkOrderDaily

    totals = {}
    for model in (WorkOrderDaily, TaskDaily, FindingDaily, HotspotDaily, HourlyLoad):
        counters = [
            f.name
            for f in model._meta.concrete_fields
            if isinstance(f, models.IntegerField) and not f.is_relation and f.name not in ("id", "hour")
        ]
        aggregates = {c: Sum(c) for c in counters}
        totals[model.__name__] = model.objects.filter(company=company).aggregate(rows=Count("id"), **aggregates)
    return totals


#
# rollup_day_s
#
def _copy_events(company, since: dt.datetime) -> dict[str, int]:
    """A new copy of every event of ``company`` written since ``since`` (orders, tasks, findings): the
    events of that period arriving again, with new ids, after the refresh cursors. The roll-ups do not
    count events (only the rows' state), so the copies change no figure; the job re-reads their
    objects as it would a real period's."""
    from django.db import connection

    from inspections.models import FindingEvent
    from plans.models import TaskEvent
    from workorders.models import WorkOrderEvent

    copied = {}
    with connection.cursor() as cursor:
        for model in (WorkOrderEvent, TaskEvent, FindingEvent):
            quote = connection.ops.quote_name
            columns = ", ".join(quote(f.column) for f in model._meta.concrete_fields if not f.primary_key)
            table = quote(model._meta.db_table)
            cursor.execute(
                f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {table} "
                f"WHERE company_id = %s AND created >= %s ORDER BY id",
                [company.pk, since],
            )
            copied[model.__name__] = cursor.rowcount
    return copied


def _catch_up(now: dt.datetime) -> dict:
    """``rollup_refresh`` passes until one reads nothing (each pass re-reads the previous one's events)."""
    from analytics.services import rollup_refresh

    done = {"passes": 0, "orders": 0, "tasks": 0, "findings": 0, "days": 0, "rows": 0}
    started = time.perf_counter()
    while True:
        result = rollup_refresh(now=now)
        done["passes"] += 1
        for key in ("orders", "tasks", "findings", "days", "rows"):
            done[key] += result[key]
        if not (result["orders"] or result["tasks"] or result["findings"]):
            break
        check(done["passes"] < 100, f"the refresh does not catch up: {done}")
    done["seconds"] = time.perf_counter() - started
    return done


def _refresh_after(company, *, period: dt.timedelta, now: dt.datetime) -> dict:
    """The events of the last ``period`` again, then the refresh passes that catch up; copies removed after."""
    from django.db import connection

    from core.demo.scale_rollups import cursors_at_head
    from inspections.models import FindingEvent
    from plans.models import TaskEvent
    from workorders.models import WorkOrderEvent

    heads = cursors_at_head()
    copied = _copy_events(company, now - period)  # now: when the history ends
    check(copied["WorkOrderEvent"] > 0, f"no order events in the last {period}: nothing to refresh")
    order_ids = set(
        WorkOrderEvent.objects.filter(pk__gt=heads["workorders.WorkOrderEvent"]).values_list("order_id", flat=True)
    )
    task_ids = set(TaskEvent.objects.filter(pk__gt=heads["plans.TaskEvent"]).values_list("task_id", flat=True))
    try:
        done = _catch_up(now)
    finally:
        with connection.cursor() as cursor:
            for model in (WorkOrderEvent, TaskEvent, FindingEvent):
                table, source = model._meta.db_table, f"{model._meta.app_label}.{model.__name__}"
                cursor.execute(f"DELETE FROM {connection.ops.quote_name(table)} WHERE id > %s", [heads[source]])
        cursors_at_head()
    # the passes read every copied event's object (a first read and the re-read of the last pass)
    check(done["orders"] >= len(order_ids), f"the refresh read {done['orders']} orders of {len(order_ids)}")
    check(done["tasks"] >= len(task_ids), f"the refresh read {done['tasks']} tasks of {len(task_ids)}")
    check(done["days"] > 0 and done["rows"] > 0, f"the refresh rebuilt nothing: {done}")
    return {**done, "events": sum(copied.values()), "copied": copied, "distinct_orders": len(order_ids)}


def rollup_day(*, code: str, hours: int, **sizes) -> dict:
    """The events of the last ``hours`` (24: a day) caught up by ``rollup_refresh``; one ``rollup_rebuild``
    of yesterday; and (from 100,000 orders) one 10-minute pass of the job."""
    from django.db.models import Max
    from django.utils import timezone

    from analytics.services import rollup_rebuild
    from workorders.models import WorkOrderEvent

    company, gen = prepare(code=code, **sizes)
    # the events "of the last day" are those of the day before the newest one (the end of the history)
    now = WorkOrderEvent.objects.filter(company=company).aggregate(end=Max("created"))["end"]
    before = rollup_totals(company)
    yesterday = timezone.localdate(now, company.zone) - dt.timedelta(days=1)
    started = time.perf_counter()
    rows = rollup_rebuild(company=company, days=[yesterday])
    rebuild_s = time.perf_counter() - started
    check(rows > 0, f"no roll-up rows for {yesterday}")
    check(rollup_totals(company) == before, "a rebuild of yesterday changed its roll-ups")
    pass_10 = None
    if sizes["orders"] >= 100_000:
        pass_10 = _refresh_after(company, period=dt.timedelta(minutes=10), now=now)
    day = _refresh_after(company, period=dt.timedelta(hours=hours), now=now)
    check(rollup_totals(company) == before, "the refresh changed the roll-ups of unchanged rows")
    return {
        "seconds": max(day["seconds"], rebuild_s),
        "refresh": day,
        "pass_10min": pass_10,
        "rebuild_s": rebuild_s,
        "rebuild_rows": rows,
        "rebuild_day": yesterday.isoformat(),
        "orders": gen["orders"],
        "tasks": gen["tasks"],
        "gen": gen,
    }


#
# dashboard_p50_ms
#
def dashboard_http(*, code: str, requests: int, warmup: int, **sizes) -> dict:
    """``GET /analytics/?from=…&to=…`` (the company dashboard for the last whole month) as the company admin."""
    from django.test import Client
    from django.urls import reverse

    company, gen = prepare(code=code, **sizes)
    user = admin_of(company)
    date_from, date_to = last_whole_month(company)
    client = Client()
    client.force_login(user)
    url = f"{reverse('analytics:dashboard')}?from={date_from.isoformat()}&to={date_to.isoformat()}"
    timings = []
    for n in range(warmup + requests):
        started = time.perf_counter()
        response = client.get(url)
        elapsed = (time.perf_counter() - started) * 1000
        check(response.status_code == 200, f"GET {url}: HTTP {response.status_code} {response.content[:300]!r}")
        if n >= warmup:
            timings.append(elapsed)
    body = response.content.decode()
    charts = body.count("data-echart")
    check(charts > 0, "the dashboard page has no chart")
    return {
        "p50_ms": statistics.median(timings),
        "max_ms": max(timings),
        "requests": len(timings),
        "charts": charts,
        "bytes": len(response.content),
        "month": date_from.isoformat()[:7],
        "orders": gen["orders"],
        "tasks": gen["tasks"],
        "gen": gen,
    }


#
# dashboard_vs_sql_ratio
#
def dashboard_sql(*, code: str, rounds: int, **sizes) -> dict:
    """``analytics.selectors_dashboard.dashboard(...)`` for the company and the last whole month against
    hand-written SQL over the roll-ups computing the same figures (bench.sql_dashboard); both timed
    ``rounds`` times (median), and the figures compared."""
    from analytics.selectors_dashboard import dashboard
    from bench import sql_dashboard

    company, gen = prepare(code=code, **sizes)
    user = admin_of(company)
    date_from, date_to = last_whole_month(company)
    selector_times, sql_times = [], []
    figures = sql_figures = None
    for _ in range(rounds + 1):  # the first round warms up
        started = time.perf_counter()
        figures = dashboard(user=user, date_from=date_from, date_to=date_to)
        selector_times.append(time.perf_counter() - started)
        started = time.perf_counter()
        sql_figures = sql_dashboard.figures(company=company, date_from=date_from, date_to=date_to)
        sql_times.append(time.perf_counter() - started)
    compared = sql_dashboard.compare(figures, sql_figures)
    selector_s, sql_s = statistics.median(selector_times[1:]), statistics.median(sql_times[1:])
    return {
        "ratio": selector_s / sql_s,
        "selector_ms": selector_s * 1000,
        "sql_ms": sql_s * 1000,
        "compared": compared,
        "month": date_from.isoformat()[:7],
        "orders": gen["orders"],
        "tasks": gen["tasks"],
        "gen": gen,
    }


#
# report_pdf_s
#
def report_pdf(*, code: str, **sizes) -> dict:
    """The company's half-year report (the six whole months before this one) built and rendered as a PDF."""
    from analytics.reports import report_build
    from analytics.reports import report_pdf as render

    company, gen = prepare(code=code, **sizes)
    user = admin_of(company)
    _first, last = last_whole_month(company)
    first = _months_back(last.replace(day=1), 5)
    started = time.perf_counter()
    data = report_build(user=user, kind="half_year", date_from=first, date_to=last, company=company)
    built = time.perf_counter()
    pdf = render(data)
    done = time.perf_counter()
    check(pdf.startswith(b"%PDF-") and len(pdf) > 10_000, f"not a PDF: {pdf[:20]!r}, {len(pdf)} bytes")
    return {
        "seconds": done - started,
        "build_s": built - started,
        "pdf_s": done - built,
        "bytes": len(pdf),
        "period": f"{first.isoformat()}..{last.isoformat()}",
        "orders": gen["orders"],
        "tasks": gen["tasks"],
        "gen": gen,
    }
