"""SLA clock arithmetic for work orders: deadlines, warning checkpoints, pause and resume.

Pure functions over plain values. A *checkpoint* is ``{"t": target, "l": level, "at": iso}``:
the moment the order reaches ``level`` percent (50, 80, 100 = breach) of one target's limit.
The order stores its pending checkpoints; the sweep fires and removes those that are due.
While the clock is paused a checkpoint keeps ``"rem"`` (minutes of its clock left) instead of ``"at"``.
"""

import datetime as dt
from collections.abc import Iterable

from django.utils import timezone

from lib.bizcal import BusinessCalendar
from workorders.choices import SLA_LEVELS, SlaClock, SlaTarget

Checkpoint = dict


def clock_add(*, start: dt.datetime, minutes: float, clock: str, calendar: BusinessCalendar) -> dt.datetime:
    if clock == SlaClock.ROUND_THE_CLOCK:
        return start + dt.timedelta(minutes=minutes)
    return calendar.add_working_minutes(timezone.localtime(start), minutes)


def clock_between(*, start: dt.datetime, end: dt.datetime, clock: str, calendar: BusinessCalendar) -> float:
    if end <= start:
        return 0.0
    if clock == SlaClock.ROUND_THE_CLOCK:
        return (end - start).total_seconds() / 60
    return float(calendar.working_minutes_between(timezone.localtime(start), timezone.localtime(end)))


def plan(
    *,
    limits: dict[str, int | None],
    start: dt.datetime,
    clock: str,
    calendar: BusinessCalendar,
    appointment: dt.datetime | None = None,
) -> list[Checkpoint]:
    """Checkpoints for every target with a limit, measured from ``start``.

    An appointment replaces the on-site limit: the breach is the agreed time, and the
    warnings fall at 50 % and 80 % of the wall-clock time until then.
    """
    points: list[Checkpoint] = []
    for target in SlaTarget.values:
        if target == SlaTarget.ARRIVE and appointment is not None:
            span = max((appointment - start).total_seconds() / 60, 0)
            points += [_point(target, lvl, start + dt.timedelta(minutes=span * lvl / 100)) for lvl in SLA_LEVELS]
            continue
        minutes = limits.get(target)
        if minutes is None:
            continue
        for level in SLA_LEVELS:
            at = clock_add(start=start, minutes=minutes * level / 100, clock=clock, calendar=calendar)
            points.append(_point(target, level, at))
    return sorted(points, key=lambda p: p["at"])


def _point(target: str, level: int, at: dt.datetime) -> Checkpoint:
    return {"t": target, "l": level, "at": at.astimezone(dt.UTC).isoformat()}


def at_of(point: Checkpoint) -> dt.datetime:
    return dt.datetime.fromisoformat(point["at"])


def next_at(points: Iterable[Checkpoint]) -> dt.datetime | None:
    times = [at_of(p) for p in points if "at" in p]
    return min(times) if times else None


def due_dates(points: Iterable[Checkpoint]) -> dict[str, dt.datetime | None]:
    """The breach moment (level 100) of each target still pending."""
    dues: dict[str, dt.datetime | None] = dict.fromkeys(SlaTarget.values)
    for p in points:
        if p["l"] == 100 and "at" in p:
            dues[p["t"]] = at_of(p)
    return dues


def drop_targets(points: Iterable[Checkpoint], targets: Iterable[str]) -> list[Checkpoint]:
    gone = set(targets)
    return [p for p in points if p["t"] not in gone]


def split_due(points: Iterable[Checkpoint], now: dt.datetime) -> tuple[list[Checkpoint], list[Checkpoint]]:
    """(fired, remaining): checkpoints at or before ``now``, and the rest."""
    fired, remaining = [], []
    for p in points:
        (fired if "at" in p and at_of(p) <= now else remaining).append(p)
    return fired, remaining


def pause(
    points: Iterable[Checkpoint], *, now: dt.datetime, clock: str, calendar: BusinessCalendar
) -> list[Checkpoint]:
    """Freeze the checkpoints: each keeps the minutes of its clock left from ``now``."""
    return [
        {"t": p["t"], "l": p["l"], "rem": clock_between(start=now, end=at_of(p), clock=clock, calendar=calendar)}
        for p in points
    ]


def resume(
    points: Iterable[Checkpoint], *, now: dt.datetime, clock: str, calendar: BusinessCalendar
) -> list[Checkpoint]:
    resumed = [
        _point(p["t"], p["l"], clock_add(start=now, minutes=p["rem"], clock=clock, calendar=calendar))
        if "rem" in p
        else p
        for p in points
    ]
    return sorted(resumed, key=lambda p: p["at"])
