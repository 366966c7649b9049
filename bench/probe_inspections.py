"""The inspections probe (run through bench.probes): scoring and rolling up a company's rounds."""

import re
import statistics
import time
from io import StringIO

from bench.probes import check, delete_company

GEN_INSPECTIONS = re.compile(
    r"Generated (?P<rounds>\d+) inspection rounds on (?P<checklists>\d+) checklists with (?P<items>\d+) items, "
    r"(?P<results>\d+) item results, (?P<findings>\d+) findings, (?P<events>\d+) events and (?P<rollups>\d+) "
    r"roll-up rows .* in (?P<seconds>[\d.]+) s: (?P<rate>[\d.]+) rows/s"
)
RUNS = 3


def generate_inspections(*, code: str, projects: int, units: int, rounds: int, seed: int = 1) -> dict:
    """``manage.py gen_scale --inspections`` (in this process), replacing a company of the same code."""
    from django.core.management import call_command

    from core.demo.scale_plans import pg_bulk_load

    args = ["--projects", str(projects), "--units-per-project", str(units), "--inspections", str(rounds)]
    args += ["--company-code", code, "--seed", str(seed), "--replace", "--no-progress"]
    out = StringIO()
    with pg_bulk_load():  # also the --replace of a large company
        call_command("gen_scale", *args, stdout=out)
    match = GEN_INSPECTIONS.search(out.getvalue())
    check(match is not None, f"unexpected gen_scale output: {out.getvalue()!r}")
    found = {k: int(v) for k, v in match.groupdict().items() if k not in ("seconds", "rate")}
    return {**found, "seconds": float(match["seconds"]), "rows_per_s": float(match["rate"])}


def _reusable(code: str, rounds: int) -> bool:
    from inspections.models import InspectionRound

    return InspectionRound.objects.filter(company__code=code).count() == rounds


def _round_scores(company) -> dict:
    from inspections.models import InspectionRound

    rows = InspectionRound.objects.filter(company=company, status__in=["submitted", "closed"]).values_list(
        "id", "score", "achieved", "possible", "findings_count"
    )
    return {pk: rest for pk, *rest in rows}


def _rollups(company) -> list:
    from inspections.models import InspectionRollup

    fields = ("project_id", "department_kind", "department_id", "period", "kind", "rounds", "possible", "achieved")
    rows = InspectionRollup.objects.filter(company=company).order_by(*fields[:5])
    return list(rows.values_list(*fields, "score", "findings"))


def inspection_rollup(*, code: str, projects: int, units: int, rounds: int, reuse: bool, cleanup: bool) -> dict:
    """``inspection_rollup_rebuild(company=…)`` over ``rounds`` generated rounds, ``RUNS`` times.

    Before each run the rounds' scores, points and finding counts are wiped, so every run scores
    them again from the item results; afterwards they must equal what gen_scale stored (the
    Python scorer of round_submit), and the roll-up rows must equal the ones gen_scale left.
    """
    from core.models import Company
    from inspections.models import InspectionRound, ItemResult
    from inspections.services import inspection_rollup_rebuild

    gen = {"reused": True}
    if not (reuse and _reusable(code, rounds)):
        gen = generate_inspections(code=code, projects=projects, units=units, rounds=rounds)
    company = Company.objects.get(code=code)
    expected_scores, expected_rollups = _round_scores(company), _rollups(company)
    scored = InspectionRound.objects.filter(company=company, status__in=["submitted", "closed"])
    results = ItemResult.objects.filter(company=company).count()
    times = []
    for _ in range(RUNS):
        scored.update(score=None, achieved=None, possible=None, findings_count=0)
        started = time.perf_counter()
        rows = inspection_rollup_rebuild(company=company)
        times.append(time.perf_counter() - started)
        check(rows == len(expected_rollups), f"the rebuild wrote {rows} roll-up rows, expected {len(expected_rollups)}")
        wrong = sum(1 for pk, values in _round_scores(company).items() if expected_scores.get(pk) != values)
        check(wrong == 0, f"{wrong} of {len(expected_scores)} rounds scored differently than the Python scorer")
        check(_rollups(company) == expected_rollups, "the roll-up rows differ from the ones the submits left")
    total_rounds = InspectionRound.objects.filter(company=company).count()
    if cleanup:
        from core.demo.scale_plans import pg_bulk_load

        with pg_bulk_load():
            delete_company(code)
    return {
        "seconds": statistics.median(times),
        "min_s": min(times),
        "max_s": max(times),
        "rounds": total_rounds,
        "scored": len(expected_scores),
        "results": results,
        "rollups": len(expected_rollups),
        "gen": gen,
    }
