"""Plan figures: generating a day of tasks for 20,000 plans, and checking in at a checkpoint through the API.

Both run on PostgreSQL when ``DATABASE_URL`` names one, else on a fresh SQLite file, and say
which in their detail. The plans come from ``manage.py gen_scale --plans`` (with ``--tasks`` for
the task history) in a company of their own; the measuring happens in a Django subprocess
(bench.probes).
"""

import os

from bench.context import BenchContext
from bench.registry import Measurement, figure, format_value

# (projects, units per project, plans): a day of the mix is about ten tasks per plan
GENERATE_SIZES = {"full": (400, 20, 20_000), "small": (40, 20, 2_000), "tiny": (2, 10, 60)}
# (projects, units per project, plans, tasks of history, timed requests, warm-up requests)
CHECKIN_SIZES = {
    "full": (400, 20, 20_000, 5_000_000, 400, 10),
    "small": (40, 20, 2_000, 500_000, 200, 10),
    "tiny": (2, 10, 60, 2_000, 12, 3),
}


def _company(ctx: BenchContext, what: str) -> str:
    return f"bench-{what}-{ctx.scale}"


#
# Generating tasks
#
@figure("plan_generate_s", unit="s", target="<=30")
def plan_generate_s(ctx: BenchContext) -> Measurement:
    """One `plans.services.tasks_generate` making a day of tasks for 20,000 active plans (full scale).

    A fresh company with the plan mix of core/demo/scale_plans.py (hourly patrols round the clock,
    in the daytime and at night across midnight, cleaning in two windows, front-desk rounds on
    working days, weekly maintenance, greening every two or three days, a monthly check), all
    generated until today; the call makes tomorrow's tasks (about 200,000). The probe checks
    that the count it returns is the company's tasks in the database and the plans' windows on
    that day. Then the reruns of plan_generate_rerun_created.
    """
    generated, rerun = _generate(ctx)
    ctx.leftovers["plan_generate_rerun_created"] = rerun
    return generated


@figure("plan_generate_rerun_created", unit="tasks", target="<=0")
def plan_generate_rerun_created(ctx: BenchContext) -> Measurement:
    """Tasks a second `tasks_generate` over the same day creates: as it is, plus with the plans set back a day
    (every row then meets the natural key: INSERT … ON CONFLICT DO NOTHING)."""
    if "plan_generate_rerun_created" in ctx.leftovers:
        return ctx.leftovers.pop("plan_generate_rerun_created")
    return _generate(ctx)[1]


def _generate(ctx: BenchContext) -> tuple[Measurement, Measurement]:
    projects, units, plans = GENERATE_SIZES[ctx.scale]
    db = ctx.database()
    r = ctx.probe(
        "plan_generate",
        db,
        code=_company(ctx, "plans"),
        projects=projects,
        units=units,
        plans=plans,
        cleanup=db.is_postgresql,
    )
    kinds = ", ".join(f"{kind} {n}" for kind, n in sorted(r["by_kind"].items(), key=lambda kv: -kv[1]))
    detail = f"{db.label}: {r['created']} tasks on {r['day']} from {r['plans']} plans with {r['windows']} windows "
    detail += f"in {projects} projects ({kinds}); {format_value(r['created'] / r['seconds'])} tasks/s"
    rerun = Measurement(
        r["rerun"] + r["forced"],
        f"{db.label}: rerun {r['rerun']} in {format_value(r['rerun_s'] * 1000)} ms; with the plans set back a day "
        f"{r['forced']} of {r['created']} in {format_value(r['forced_s'])} s",
    )
    return Measurement(r["seconds"], detail), rerun


#
# The check-in API
#
@figure("checkin_p95_ms", unit="ms", target="<=100")
def checkin_p95_ms(ctx: BenchContext) -> Measurement:
    """p95 of `POST /api/v1/tasks/{id}/checkins/` (QR code) with 5,000,000 tasks in the database (full scale).

    Through Django's test client, with staff tokens: several staff members check in, taking
    turns, at the checkpoints of their tasks open now, in route order (a task's first check-in
    starts it). The history (gen_scale --plans 20000 --tasks 5000000: about 25 days of the plan
    mix with their events and check-ins, up to the top of the hour) is kept and reused on
    PostgreSQL while it has the same plans and size and tasks open now (set BENCH_FRESH=1 to
    regenerate); the missed sweep runs before the check-ins. Every answer must be 201 and every
    check-in must be in the database afterwards.
    """
    projects, units, plans, tasks, requests, warmup = CHECKIN_SIZES[ctx.scale]
    db = ctx.database()
    reuse = db.is_postgresql and os.environ.get("BENCH_FRESH", "") != "1"
    r = ctx.probe(
        "checkin_api",
        db,
        code=_company(ctx, "checkin"),
        projects=projects,
        units=units,
        plans=plans,
        tasks=tasks,
        requests=requests,
        warmup=warmup,
        reuse=reuse,
    )
    detail = f"{db.label}: {r['requests']} check-ins by {r['staff']} staff at {r['tasks_checked']} tasks, "
    detail += f"p50 {format_value(r['p50_ms'])} ms, max {format_value(r['max_ms'])} ms; {r['tasks_in_db']} tasks "
    detail += f"and {r['checkins_in_db']} check-ins in the database; {_gen(r['gen'], r['company_tasks'])}"
    swept = r["swept"]
    if any(swept.values()):
        detail += f"; the sweep first closed {swept['missed']} missed and {swept['completed']} completed tasks"
    return Measurement(r["p95_ms"], detail)


def _gen(gen: dict, tasks: int) -> str:
    if gen.get("reused"):
        return f"reused the {tasks} generated tasks"
    return (
        f"gen_scale wrote {gen['tasks']} tasks over {gen['days']} days with {gen['events']} events and "
        f"{gen['checkins']} check-ins at {format_value(gen['rows_per_s'])} rows/s"
    )
