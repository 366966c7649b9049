"""How a round is scored. Pure functions: no database, the same arithmetic as the roll-up SQL.

Item points: a pass/fail item earns its weight when it passes and 0 when it fails; a 0–N item
earns weight × score ÷ max_score. Not-applicable items count neither way. The round score is
Σ achieved ÷ Σ possible × 100, rounded half up to 0.1; a department's score is the same over the
items that department rectifies.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from inspections.choices import Outcome, Scoring

ZERO = Decimal(0)
HUNDRED = Decimal(100)
TENTH = Decimal("0.1")
POINTS = Decimal("0.0001")


@dataclass(frozen=True)
class Row:
    """One answered item, as the scorer needs it."""

    scoring: str
    max_score: int
    weight: Decimal
    outcome: str
    score: Decimal | None = None
    department_kind: str = ""


@dataclass(frozen=True)
class Score:
    achieved: Decimal
    possible: Decimal
    score: Decimal | None  # None when no item applies
    items: int = 0  # answered items that count (not N/A)
    failed: int = 0


def item_points(row: Row) -> tuple[Decimal, Decimal]:
    """(achieved, possible) of one answered item."""
    if row.outcome == Outcome.NA:
        return ZERO, ZERO
    weight = Decimal(row.weight)
    if row.scoring == Scoring.PASS_FAIL:
        return (weight if row.outcome == Outcome.PASS else ZERO), weight
    return weight * Decimal(row.score or 0) / Decimal(row.max_score), weight


def percent(achieved: Decimal, possible: Decimal) -> Decimal | None:
    if not possible:
        return None
    return (Decimal(achieved) * HUNDRED / Decimal(possible)).quantize(TENTH, rounding=ROUND_HALF_UP)


def round_score(rows: Iterable[Row]) -> Score:
    achieved = possible = ZERO
    items = failed = 0
    for row in rows:
        a, p = item_points(row)
        achieved += a
        possible += p
        items += row.outcome != Outcome.NA
        failed += row.outcome == Outcome.FAIL
    return Score(achieved.quantize(POINTS), possible.quantize(POINTS), percent(achieved, possible), items, failed)


def department_scores(rows: Iterable[Row]) -> dict[str, Score]:
    """Scores per ``department_kind`` (items without one are left out), in first-seen order."""
    groups: dict[str, list[Row]] = {}
    for row in rows:
        if row.department_kind:
            groups.setdefault(row.department_kind, []).append(row)
    return {kind: round_score(group) for kind, group in groups.items()}
