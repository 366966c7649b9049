"""Work-order figures: the SLA sweep, the filtered list API, and creating orders over HTTP.

Each runs on PostgreSQL when ``DATABASE_URL`` names one, else on a fresh SQLite file, and says
which in its detail. The data comes from ``manage.py gen_scale --workorders`` in a company of
its own; the measuring happens in a Django subprocess (bench.probes) or, for HTTP rates,
against gunicorn with 2 workers (bench.load).
"""

from bench.context import BenchContext
from bench.load import Gunicorn, LoadResult, load
from bench.registry import Measurement, figure, format_value

# (projects, units per project, open orders); 1 % of them are due for the due sweep.
SWEEP_SIZES = {"full": (50, 1000, 100_000), "small": (10, 1000, 20_000), "tiny": (2, 200, 2_000)}
DUE_SHARE = 0.01
# (projects, units per project, orders, rounds of the filter combinations)
LIST_SIZES = {"full": (200, 2000, 1_000_000, 30), "small": (20, 2000, 100_000, 20), "tiny": (2, 500, 2_000, 3)}
# (projects, units per project, orders already there, seconds per load run)
CREATE_SIZES = {"full": (10, 1000, 20_000, 15.0), "small": (10, 1000, 20_000, 6.0), "tiny": (2, 200, 200, 1.5)}
CLIENT_THREADS = 8
DESCRIPTIONS = [
    "业主来电：厨房水龙头一直在滴水。",
    "业主来电：卫生间地漏返味，请安排维修。",
    "业主来电：门锁不好用了。",
]


def _company(ctx: BenchContext, what: str) -> str:
    return f"bench-{what}-{ctx.scale}"


#
# SLA sweep
#
@figure("sla_sweep_due_1pct_ms", unit="ms", target="<=1000")
def sla_sweep_due_1pct_ms(ctx: BenchContext) -> Measurement:
    """One `workorders.services.sla_sweep` over a backlog of open orders (100,000 at full scale) of which 1 % are due.

    The backlog is generated afresh (gen_scale --open-only) each time; the sweep runs at the
    moment the earliest 1 % have their next checkpoint, and the probe then checks that exactly
    those orders got one SLA event per target due. Next to it, the idle sweep (nothing due).
    """
    due, idle = _sweep(ctx)
    ctx.leftovers["sla_sweep_idle_ms"] = idle
    return due


@figure("sla_sweep_idle_ms", unit="ms", target="<=100")
def sla_sweep_idle_ms(ctx: BenchContext) -> Measurement:
    """`sla_sweep` over the same backlog when nothing is due (median of 5)."""
    if "sla_sweep_idle_ms" in ctx.leftovers:
        return ctx.leftovers.pop("sla_sweep_idle_ms")
    return _sweep(ctx)[1]


def _sweep(ctx: BenchContext) -> tuple[Measurement, Measurement]:
    projects, units, orders = SWEEP_SIZES[ctx.scale]
    db = ctx.database()
    r = ctx.probe(
        "sla_sweep",
        db,
        code=_company(ctx, "sweep"),
        projects=projects,
        units=units,
        orders=orders,
        due_share=DUE_SHARE,
        cleanup=db.is_postgresql,
    )
    totals = r["totals"]
    fired = f"{totals.get('warnings', 0)} warnings, {totals.get('breaches', 0)} breaches"
    fired += f", {totals.get('rectifications', 0)} rectification orders"
    due = Measurement(r["due_ms"], f"{db.label}: {r['due']} of {r['open']} open orders due: {fired}; {_gen(r['gen'])}")
    idle = Measurement(
        r["idle_ms"], f"{db.label}: {r['open']} open orders, none due; max of 5 {format_value(r['idle_max_ms'])} ms"
    )
    return due, idle


#
# The list API
#
@figure("wo_list_p95_ms", unit="ms", target="<=100")
def wo_list_p95_ms(ctx: BenchContext) -> Measurement:
    """p95 of filtered `GET /api/v1/workorders/` (1,000,000 orders at full scale), through Django's test client.

    Filters staff use: status + project, overdue, an assignee's open orders, a project
    manager's open orders, a search in a project, complaints of the last 30 days, a worker's
    own list and the unfiltered first page; each answers one page (cursor pagination). On
    PostgreSQL the generated company is kept and reused while it has the same number of orders
    (set BENCH_FRESH=1 to regenerate).
    """
    import os

    projects, units, orders, rounds = LIST_SIZES[ctx.scale]
    db = ctx.database()
    reuse = db.is_postgresql and os.environ.get("BENCH_FRESH", "") != "1"
    r = ctx.probe(
        "list_api",
        db,
        code=_company(ctx, "list"),
        projects=projects,
        units=units,
        orders=orders,
        rounds=rounds,
        reuse=reuse,
    )
    slowest = sorted(r["per_filter"].items(), key=lambda item: -item[1]["p95_ms"])[:3]
    worst = ", ".join(f"{label} {format_value(v['p95_ms'])} ms ({v['queries']} queries)" for label, v in slowest)
    detail = f"{db.label}: {r['requests']} requests over {orders} orders, p50 {format_value(r['p50_ms'])} ms; "
    detail += f"slowest p95: {worst}; {_gen(r['gen'])}"
    return Measurement(r["p95_ms"], detail)


#
# Creating orders over HTTP
#
@figure("wo_create_rps", unit="req/s", target=">=300")
def wo_create_rps(ctx: BenchContext) -> Measurement:
    """Orders created per second by `POST /api/v1/workorders/` against gunicorn (2 workers, config/gunicorn.conf.py).

    A customer-service clerk's token (WO_REPORT) enters phone-in repairs for owners' units, no
    photos, from 8 client threads in this process (which shares the 2 cores with gunicorn).
    The same server's rate for `GET /api/v1/me/` is the floor for wo_create_vs_floor_ratio; an
    owner's own reports are measured once for information. Every answer must be 201 and every
    order must exist afterwards, dispatched, with its deadlines and events.
    """
    create, ratio = _create(ctx)
    ctx.leftovers["wo_create_vs_floor_ratio"] = ratio
    return create


@figure("wo_create_vs_floor_ratio", unit="ratio", target=">=0.5")
def wo_create_vs_floor_ratio(ctx: BenchContext) -> Measurement:
    """wo_create_rps ÷ the rate of `GET /api/v1/me/` (the minimal authenticated endpoint) on the same server."""
    if "wo_create_vs_floor_ratio" in ctx.leftovers:
        return ctx.leftovers.pop("wo_create_vs_floor_ratio")
    return _create(ctx)[1]


def _create(ctx: BenchContext) -> tuple[Measurement, Measurement]:
    projects, units, orders, seconds = CREATE_SIZES[ctx.scale]
    db, code = ctx.database(), _company(ctx, "create")
    prep = ctx.probe("api_prepare", db, code=code, projects=projects, units=units, orders=orders)
    clerk, owner = _reporter(prep, prep["clerk"], staff=True), _reporter(prep, prep["owner"], staff=False)
    me = _get("/api/v1/me/", prep["clerk"])
    with Gunicorn(db.env, log=ctx.workdir / "gunicorn.log") as server:
        load(server.port, me, seconds=1.0, concurrency=2, expect=200)  # warm-up: lazy imports, caches
        warm = load(server.port, clerk, seconds=1.0, concurrency=2, expect=201)
        floor = load(server.port, me, seconds=seconds, concurrency=CLIENT_THREADS, expect=200)
        created = load(server.port, clerk, seconds=seconds, concurrency=CLIENT_THREADS, expect=201)
        owned = load(server.port, owner, seconds=max(1.0, seconds / 3), concurrency=CLIENT_THREADS, expect=201)
    _check_answers(floor, 200, "GET /api/v1/me/")
    _check_answers(created, 201, "clerk POST /api/v1/workorders/")
    _check_answers(owned, 201, "owner POST /api/v1/workorders/")
    made = warm.ok(201) + created.ok(201) + owned.ok(201)
    v = ctx.probe("api_verify", db, code=code, after=prep["last_order"] or 0, cleanup=db.is_postgresql)
    if (v["orders"], v["thin"], v["no_deadline"], v["dispatched"]) != (made, 0, 0, made):
        raise AssertionError(f"the server answered 201 for {made} orders but wrote {v}")
    where = f"{db.label}, gunicorn 2 workers, {CLIENT_THREADS} client threads"
    rate = created.rate(201)
    ratio = rate / floor.rate(200) if floor.rate(200) else 0.0
    create = Measurement(rate, f"{where}: clerk {created.summary(201)}; owner {owned.summary(201)}")
    floor_detail = f"{where}: create {format_value(rate)} req/s ÷ GET /api/v1/me/ {floor.summary(200)}"
    return create, Measurement(ratio, floor_detail)


def _reporter(prep: dict, token: str, *, staff: bool):
    units, categories = prep["units"], prep["categories"]
    headers = _headers(token)

    def make(n: int):
        body = {"project": prep["project"], "category": categories[n % len(categories)]}
        body["description"] = DESCRIPTIONS[n % len(DESCRIPTIONS)]
        if staff:
            unit, name, phone = units[n % len(units)]
            body.update(unit=unit, contact_name=name, contact_phone=phone, source="phone")
        else:
            body["unit"] = prep["owner_unit"]
        return "POST", "/api/v1/workorders/", body, headers

    return make


def _get(path: str, token: str):
    headers = _headers(token)
    return lambda n: ("GET", path, None, headers)


def _headers(token: str) -> dict[str, str]:
    return {"Authorization": f"Token {token}", "Content-Type": "application/json", "Accept": "application/json"}


def _check_answers(result: LoadResult, status: int, what: str) -> None:
    if not result.ok(status) or result.ok(status) < 0.99 * result.count or result.errors:
        raise AssertionError(f"{what}: {result.summary(status)}; sample answer: {result.sample}")


def _gen(gen: dict) -> str:
    if gen.get("reused"):
        return f"reused the {gen['orders']} generated orders"
    return f"gen_scale wrote {gen['orders']} orders with their rows at {format_value(gen['rows_per_s'])} rows/s"
