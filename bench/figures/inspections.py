"""Inspection figures: scoring and rolling up 50,000 rounds (about 2,000,000 item results).

Runs on PostgreSQL when ``DATABASE_URL`` names one, else on a fresh SQLite file, and says which
in its detail. The rounds come from ``manage.py gen_scale --inspections`` in a company of their
own; the measuring happens in a Django subprocess (bench.probe_inspections).
"""

import os

from bench.context import BenchContext
from bench.registry import Measurement, figure, format_value

# (projects, units per project, rounds)
SIZES = {"full": (200, 20, 50_000), "small": (40, 20, 5_000), "tiny": (2, 10, 60)}


@figure("inspection_rollup_s", unit="s", target="<=10")
def inspection_rollup_s(ctx: BenchContext) -> Measurement:
    """One `inspections.services.inspection_rollup_rebuild(company=…)` over 50,000 submitted rounds
    (about 2,100,000 item results) of 200 projects and 12 months (full scale); median of 3 runs.

    Each run first wipes the rounds' scores, so it scores every round from its item results (one
    pass into a temporary table of points per round and department), updates the rounds and
    rewrites the monthly roll-ups per project, kind and department. The probe checks that every
    round's score, points and finding count equal what gen_scale stored with the Python scorer
    of `round_submit`, and the roll-up rows the ones it left. On PostgreSQL the generated company
    is kept and reused while it has the same number of rounds (BENCH_FRESH=1 regenerates).
    """
    projects, units, rounds = SIZES[ctx.scale]
    db = ctx.database()
    reuse = db.is_postgresql and os.environ.get("BENCH_FRESH", "") != "1"
    r = ctx.probe(
        "inspection_rollup",
        db,
        code=f"bench-inspections-{ctx.scale}",
        projects=projects,
        units=units,
        rounds=rounds,
        reuse=reuse,
        cleanup=False,
    )
    detail = f"{db.label}: {r['scored']} scored of {r['rounds']} rounds, {r['results']} item results, "
    detail += f"{r['rollups']} roll-up rows; runs {format_value(r['min_s'])}–{format_value(r['max_s'])} s; "
    gen = r["gen"]
    if gen.get("reused"):
        detail += "reused the generated rounds"
    else:
        detail += f"gen_scale wrote {gen['results']} results and {gen['findings']} findings "
        detail += f"at {format_value(gen['rows_per_s'])} rows/s"
    return Measurement(r["seconds"], detail)
