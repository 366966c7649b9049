"""Alert figures: one incremental evaluation pass of the rules engine with 1,000,000 orders.

Runs on PostgreSQL when ``DATABASE_URL`` names one, else on a fresh SQLite file, and says which
in its detail. The orders come from ``manage.py gen_scale --workorders`` in a company of their
own; the last minute's changes are made through the services and the measuring happens in a
Django subprocess (bench.probe_alerts).
"""

import os

from bench.context import BenchContext
from bench.registry import Measurement, figure, format_value

# (projects, units per project, orders in the database, changes in the last minute)
SIZES = {"full": (200, 2000, 1_000_000, 1_000), "small": (20, 2000, 100_000, 500), "tiny": (2, 200, 2_000, 60)}


@figure("alert_eval_incremental_s", unit="s", target="<=5")
def alert_eval_incremental_s(ctx: BenchContext) -> Measurement:
    """One `alerts.engine.evaluate_changes` pass (every rule over the changes since the last pass,
    plus resolving the alerts whose condition cleared) after a minute with 1,000 changes (full
    scale) in a company of 1,000,000 orders: 500 new orders (one in five with §6.5 keywords, one
    in ten a repeat of its unit and category, a group of five households in one building), 300
    staff notes and 200 owner ratings (a third ≤ 2 stars), all made through the services.

    The probe checks that every keyword order and low rating raised its alert and the group its
    group complaint, and that a second pass raises nothing. On PostgreSQL the generated company
    is kept and reused while it has the same number of orders (BENCH_FRESH=1 regenerates).
    """
    projects, units, orders, changes = SIZES[ctx.scale]
    db = ctx.database()
    reuse = db.is_postgresql and os.environ.get("BENCH_FRESH", "") != "1"
    r = ctx.probe(
        "alert_eval",
        db,
        code=f"bench-alerts-{ctx.scale}",
        projects=projects,
        units=units,
        orders=orders,
        changes=changes,
        reuse=reuse,
    )
    made = r["made"]
    detail = f"{db.label}: {r['orders']} orders; {r['changes']} changes ({made['orders']} orders, "
    detail += f"{made['keyword_orders']} with keywords, {made['repeats']} repeats, {made['group']} in a group; "
    detail += f"{made['notes']} notes; {made['ratings']} ratings, {made['low_ratings']} low) → {r['raised']} alerts; "
    detail += f"second pass {format_value(r['idle_seconds'] * 1000)} ms; "
    gen = r["gen"]
    detail += "reused the generated orders" if gen.get("reused") else f"gen_scale wrote {gen['orders']} orders"
    return Measurement(r["seconds"], detail)
