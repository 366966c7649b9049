"""`python -m bench [--scale full|small|tiny] [--only NAME ...] [--repeat N]`: run the figures, print the results.

Prints one ``BENCH <name> <value> <unit> target <op><value> ok|FAIL`` line per figure as it
finishes, then a table of all of them. Exits 1 if a figure raised, or if one missed its target
at full scale (smaller scales only prove the machinery works; their figures are not comparable).
"""

import argparse
import os
import tempfile
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

from bench import figures  # noqa: F401 - registers the figures
from bench.context import BenchContext
from bench.registry import REGISTRY, SCALES, Figure, Measurement, format_value
from core.demo.logins import format_table


@dataclass
class Result:
    figure: Figure
    measurement: Measurement | None
    seconds: float
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.measurement is not None and self.figure.target.met_by(self.measurement.value)

    @property
    def value_text(self) -> str:
        return format_value(self.measurement.value) if self.measurement else "error"

    def line(self) -> str:
        f = self.figure
        return f"BENCH {f.name} {self.value_text} {f.unit} target {f.target} {'ok' if self.ok else 'FAIL'}"


def run_figure(fig: Figure, ctx: BenchContext, *, repeat: int = 1) -> Result:
    """Run a figure ``repeat`` times and keep the best value (noise from other processes only slows runs)."""
    started, runs = time.monotonic(), []
    for _run in range(repeat):
        try:
            value = fig.func(ctx)
        except Exception:
            return Result(fig, None, time.monotonic() - started, traceback.format_exc())
        runs.append(value if isinstance(value, Measurement) else Measurement(float(value)))
    best = max(runs, key=lambda m: m.value) if fig.target.op == ">=" else min(runs, key=lambda m: m.value)
    if repeat > 1:
        values = ", ".join(format_value(m.value) for m in runs)
        best = Measurement(best.value, f"{best.detail}; best of {values}".lstrip("; "))
    return Result(fig, best, time.monotonic() - started)


def results_table(results: list[Result], scale: str) -> str:
    rows = [["figure", "value", "unit", "target", "result", "scale", "detail"]]
    rows += [
        [
            r.figure.name,
            r.value_text,
            r.figure.unit,
            str(r.figure.target),
            "ok" if r.ok else "FAIL",
            scale,
            r.measurement.detail if r.measurement else r.error.strip().splitlines()[-1],
        ]
        for r in results
    ]
    return format_table(rows)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--scale",
        choices=SCALES,
        default=os.environ.get("BENCH_SCALE", "full"),
        help="full (the targets apply), small, or tiny (seconds, for CI); env BENCH_SCALE",
    )
    parser.add_argument("--only", nargs="+", choices=sorted(REGISTRY), help="run only these figures")
    parser.add_argument(
        "--repeat",
        type=int,
        default=int(os.environ.get("BENCH_REPEAT", "1")),
        help="run each figure N times and report the best (env BENCH_REPEAT)",
    )
    parser.add_argument("--list", action="store_true", help="list the figures and exit")
    args = parser.parse_args(argv)
    if args.scale not in SCALES:
        parser.error(f"BENCH_SCALE must be one of {', '.join(SCALES)}")
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.list:
        print(
            format_table(
                [["figure", "unit", "target", "description"]]
                + [
                    [f.name, f.unit, str(f.target), f.description.splitlines()[0] if f.description else ""]
                    for f in REGISTRY.values()
                ]
            )
        )
        return 0
    selected = [REGISTRY[name] for name in (args.only or REGISTRY)]
    results = []
    with tempfile.TemporaryDirectory(prefix="pinzhi-bench-") as tmp:
        ctx = BenchContext(scale=args.scale, workdir=Path(tmp))
        for fig in selected:
            result = run_figure(fig, ctx, repeat=args.repeat)
            if result.error:
                print(result.error, end="")
            print(result.line(), flush=True)
            results.append(result)
    print("\n" + results_table(results, args.scale))
    failed = [r for r in results if r.error or (args.scale == "full" and not r.ok)]
    return 1 if failed else 0
