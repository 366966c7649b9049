import re

from bench.context import BenchContext
from bench.registry import Measurement, figure

# (projects, units per project)
SIZES = {"full": (200, 2000), "small": (20, 2000), "tiny": (2, 500)}
_SUMMARY = re.compile(r"Generated (?P<units>\d+) units .* in (?P<seconds>[\d.]+) s: (?P<rate>[\d.]+) units/s")


@figure("gen_scale_units_per_s", unit="units/s", target=">=20000")
def gen_scale_units_per_s(ctx: BenchContext) -> Measurement:
    """Units (with their buildings and owners) `manage.py gen_scale` writes per second on SQLite.

    Runs on a fresh migrated SQLite file with the settings' pragmas (WAL, synchronous=NORMAL,
    foreign keys on); the time is gen_scale's own, from before the company is created until the
    last row is committed, so process start-up and migrations are not counted.
    """
    projects, units = SIZES[ctx.scale]
    env = ctx.fresh_database()
    out = ctx.manage(
        "gen_scale",
        "--projects",
        str(projects),
        "--units-per-project",
        str(units),
        "--seed",
        "1",
        "--company-code",
        "bench",
        "--no-progress",
        env=env,
    )
    match = _SUMMARY.search(out)
    if match is None:
        raise RuntimeError(f"unexpected gen_scale output: {out!r}")
    detail = f"{match['units']} units + buildings + owners in {match['seconds']} s"
    return Measurement(float(match["rate"]), detail)
