"""Analytics figures (issue 7): the roll-up job for a day, the company dashboard and the half-year PDF,
in a company of 200 projects, 2,000,000 work orders and 5,000,000 plan tasks (full scale).

Runs on PostgreSQL when ``DATABASE_URL`` names one, else on a fresh SQLite file, and says which in
its detail. The company comes from ``manage.py gen_scale ... --rollups`` (orders with their events,
follow-ups and ratings; plans with tasks, events and check-ins; inspection rounds with findings;
then the roll-ups of every day of that history); on PostgreSQL it is kept and reused while it has
as many orders and about as many tasks (BENCH_FRESH=1 regenerates: about an hour at full scale).
The measuring happens in a Django subprocess (bench.probe_analytics). See docs/bench_analytics.md.
"""

import os

from bench.context import BenchContext
from bench.registry import Measurement, figure, format_value

# projects, units per project, orders, plans, tasks (about), inspection rounds
SIZES = {
    "full": (200, 1000, 2_000_000, 1400, 5_000_000, 2400),
    "small": (20, 500, 200_000, 140, 500_000, 240),
    "tiny": (2, 60, 600, 10, 400, 6),
}
# GETs of the dashboard page (after warm-up), rounds of selector vs SQL
REQUESTS = {"full": 20, "small": 20, "tiny": 3}
ROUNDS = {"full": 7, "small": 7, "tiny": 2}
# The period of events the refresh catches up (tiny scale has too few events in a day).
HOURS = {"full": 24, "small": 24, "tiny": 24 * 7}


def _args(ctx: BenchContext, db) -> dict:
    projects, units, orders, plans, tasks, inspections = SIZES[ctx.scale]
    return {
        "code": f"bench-analytics-{ctx.scale}",
        "projects": projects,
        "units": units,
        "orders": orders,
        "plans": plans,
        "tasks": tasks,
        "inspections": inspections,
        "reuse": db.is_postgresql and os.environ.get("BENCH_FRESH", "") != "1",
    }


def _data(db, r: dict) -> str:
    gen = r["gen"]
    made = "reused" if gen.get("reused") else f"generated in {format_value(gen.get('seconds', 0))} s"
    return f"{db.label}: {r['orders']} orders, {r['tasks']} tasks ({made})"


@figure("rollup_day_s", unit="s", target="<=60")
def rollup_day_s(ctx: BenchContext) -> Measurement:
    """One day of the whole company's roll-ups: the slower of (a) `rollup_refresh` catching up a day of
    events and (b) `rollup_rebuild` of yesterday (every table, every project).

    (a) Every order, task and finding event of the history's last 24 hours arrives again (copied with new ids
    after the job's cursors: about 40,000 order and 25,000 task events at full scale; the roll-ups
    count rows, not events, so the copies change no figure), then refresh passes run until one reads
    nothing (a pass reads up to 20,000 events per source and re-reads the previous pass's). The probe
    checks the passes read every copied event's order and task and left every roll-up total as it
    was; the copies are deleted afterwards. (b) must also leave the totals as they were. The detail
    also gives one ordinary 10-minute pass of the job (the events of the history's last 10 minutes again).
    """
    db = ctx.database()
    r = ctx.probe("rollup_day", db, hours=HOURS[ctx.scale], **_args(ctx, db))
    day = r["refresh"]
    detail = f"{_data(db, r)}; refresh of a day: {format_value(day['seconds'])} s for {day['events']} events "
    detail += f"({day['distinct_orders']} orders) in {day['passes']} passes, {day['days']} project-days, "
    detail += f"{day['rows']} rows; rebuild of {r['rebuild_day']}: {format_value(r['rebuild_s'])} s, "
    detail += f"{r['rebuild_rows']} rows"
    if r["pass_10min"]:
        p = r["pass_10min"]
        detail += f"; a 10-minute pass: {format_value(p['seconds'])} s for {p['events']} events"
    return Measurement(r["seconds"], detail)


@figure("dashboard_p50_ms", unit="ms", target="<=300")
def dashboard_p50_ms(ctx: BenchContext) -> Measurement:
    """`GET /analytics/?from=…&to=…` (the company dashboard for the last whole month) as the company
    admin through Django's test client: the median of 20 requests after 2 of warm-up; every answer
    must be 200 with its charts."""
    db = ctx.database()
    r = ctx.probe("dashboard_http", db, requests=REQUESTS[ctx.scale], warmup=2, **_args(ctx, db))
    detail = f"{_data(db, r)}; month {r['month']}: p50 of {r['requests']} GETs, max {format_value(r['max_ms'])} ms, "
    detail += f"{r['charts']} charts, {r['bytes']} bytes"
    return Measurement(r["p50_ms"], detail)


@figure("dashboard_vs_sql_ratio", unit="x", target="<=1.5")
def dashboard_vs_sql_ratio(ctx: BenchContext) -> Measurement:
    """The time of `analytics.selectors_dashboard.dashboard(...)` for the company and the last whole
    month ÷ the time of hand-written SQL over the roll-up tables computing the same figures
    (bench/sql_dashboard.py: one statement per table and figure group), medians of 7 rounds after a
    warm-up; the probe checks that the SQL's figures equal the selector's."""
    db = ctx.database()
    r = ctx.probe("dashboard_sql", db, rounds=ROUNDS[ctx.scale], **_args(ctx, db))
    detail = f"{_data(db, r)}; month {r['month']}: selector {format_value(r['selector_ms'])} ms, "
    detail += f"SQL {format_value(r['sql_ms'])} ms; equal: {', '.join(r['compared'])}"
    return Measurement(r["ratio"], detail)


@figure("report_pdf_s", unit="s", target="<=10")
def report_pdf_s(ctx: BenchContext) -> Measurement:
    """The company's half-year report (the six whole months before this one, compared with the six
    before): `analytics.reports.report_build(kind="half_year")` then `report_pdf(data)` (WeasyPrint),
    as the company admin; the answer must be a PDF."""
    db = ctx.database()
    r = ctx.probe("report_pdf", db, **_args(ctx, db))
    detail = f"{_data(db, r)}; {r['period']}: build {format_value(r['build_s'])} s, "
    detail += f"PDF {format_value(r['pdf_s'])} s, {r['bytes']} bytes"
    return Measurement(r["seconds"], detail)
