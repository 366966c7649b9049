"""Recurrence of plan tasks: an RFC 5545 RRULE, time windows and a holiday rule → occurrences.

Pure functions, no models. A plan recurs on *dates* (``FREQ=DAILY;INTERVAL=2``,
``FREQ=MONTHLY;BYMONTHDAY=-1`` ...) anchored at its first day; each date carries one or more
time *windows* in the company's time zone. A window whose end is not after its start ends the
next day (22:00–06:00), and one whose end equals its start lasts 24 hours.

Holiday rules use ``lib.bizcal.BusinessCalendar``:

- ``none``: run on every date of the rule;
- ``skip``: drop dates that are public holidays;
- ``shift``: move a date that is a public holiday to the next working day (weekends and
  holidays are not working days, adjusted working days 调休 are); a shifted date that already
  has an occurrence of its own merges with it;
- ``working_days``: keep only working days of the calendar (adjusted working days included).
"""

import datetime as dt
import itertools
import re
import zoneinfo
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from dateutil import rrule as du
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from lib.bizcal import BusinessCalendar

UTC = dt.UTC
RRULE_MAX_LENGTH = 500

HOLIDAY_NONE = "none"
HOLIDAY_SKIP = "skip"
HOLIDAY_SHIFT = "shift"
HOLIDAY_WORKING_DAYS = "working_days"
HOLIDAY_RULES = (HOLIDAY_NONE, HOLIDAY_SKIP, HOLIDAY_SHIFT, HOLIDAY_WORKING_DAYS)

RRULE_EMPTY = _("Enter a recurrence rule, for example FREQ=DAILY.")
RRULE_TOO_LONG = _("The recurrence rule is too long.")
RRULE_INVALID = _("This is not a valid recurrence rule (RFC 5545 RRULE): %(error)s")
RRULE_FREQ = _("The rule repeats by day, week, month or year (FREQ=DAILY, WEEKLY, MONTHLY or YEARLY).")
RRULE_PART_NOT_ALLOWED = _("%(part)s is not allowed here: %(reason)s")
RRULE_NO_DATES = _("The rule never produces a date.")
RRULE_POSITIVE = _("%(part)s must be a whole number from 1 to 10000.")

_ALLOWED_FREQ = {"DAILY": du.DAILY, "WEEKLY": du.WEEKLY, "MONTHLY": du.MONTHLY, "YEARLY": du.YEARLY}
_KNOWN_PARTS = {
    "FREQ",
    "INTERVAL",
    "COUNT",
    "UNTIL",
    "WKST",
    "BYDAY",
    "BYMONTHDAY",
    "BYYEARDAY",
    "BYWEEKNO",
    "BYMONTH",
    "BYSETPOS",
    "BYHOUR",
    "BYMINUTE",
    "BYSECOND",
    "DTSTART",
}
_REFUSED_PARTS = {
    "BYHOUR": _("times of day come from the plan's windows"),
    "BYMINUTE": _("times of day come from the plan's windows"),
    "BYSECOND": _("times of day come from the plan's windows"),
    "DTSTART": _("the rule starts on the plan's first day"),
}
# Parts that stop dateutil from filling BYDAY/BYMONTHDAY defaults from the first day.
_DAY_PARTS = {"BYDAY", "BYMONTHDAY", "BYYEARDAY", "BYWEEKNO"}


@dataclass(frozen=True)
class Window:
    """A time window of a day; ``end <= start`` ends the next day."""

    start: dt.time
    end: dt.time

    @property
    def crosses_midnight(self) -> bool:
        return self.end <= self.start


@dataclass(frozen=True)
class Occurrence:
    """One task-to-be: the local date of the window start, the window's index, its bounds in UTC."""

    date: dt.date
    window_index: int
    starts_at: dt.datetime
    ends_at: dt.datetime
    shifted_from: dt.date | None = None


#
# Rules
#
def _error(message, code: str, **params) -> ValidationError:
    return ValidationError({"rrule": ValidationError(message, code=code, params=params or None)})


def _split(text: str) -> dict[str, str]:
    parts: dict[str, str] = {}
    for chunk in text.split(";"):
        if not chunk.strip():
            continue
        name, sep, value = chunk.partition("=")
        name, value = name.strip().upper(), value.strip().upper()
        if not sep or not value:
            raise _error(RRULE_INVALID, "rrule_invalid", error=chunk)
        if name not in _KNOWN_PARTS:
            raise _error(RRULE_INVALID, "rrule_invalid", error=name)
        if name in parts:
            raise _error(RRULE_INVALID, "rrule_invalid", error=name)
        parts[name] = value
    return parts


def normalize_rrule(text: str) -> str:
    """The rule in canonical text (upper case, no ``RRULE:`` prefix); ValidationError on ``rrule`` if bad."""
    text = (text or "").strip()
    if text.upper().startswith("RRULE:"):
        text = text[6:]
    if not text:
        raise _error(RRULE_EMPTY, "rrule_empty")
    if len(text) > RRULE_MAX_LENGTH:
        raise _error(RRULE_TOO_LONG, "rrule_too_long")
    parts = _split(text)
    for name, reason in _REFUSED_PARTS.items():
        if name in parts:
            raise _error(RRULE_PART_NOT_ALLOWED, "rrule_part", part=name, reason=reason)
    if parts.get("FREQ") not in _ALLOWED_FREQ:
        raise _error(RRULE_FREQ, "rrule_freq")
    for name in ("INTERVAL", "COUNT"):
        if name in parts and not (parts[name].isdigit() and 1 <= int(parts[name]) <= 10000):
            raise _error(RRULE_POSITIVE, "rrule_positive", part=name)
    if "BYSETPOS" in parts and parts["FREQ"] not in ("MONTHLY", "YEARLY"):
        raise _error(
            RRULE_PART_NOT_ALLOWED, "rrule_part", part="BYSETPOS", reason=_("only with FREQ=MONTHLY or YEARLY")
        )
    if "UNTIL" in parts:
        if not re.fullmatch(r"\d{8}(T\d{6}Z?)?", parts["UNTIL"]):
            raise _error(RRULE_INVALID, "rrule_invalid", error="UNTIL")
        parts["UNTIL"] = parts["UNTIL"].rstrip("Z")  # a date in the company's zone, like the windows
    canonical = ";".join(f"{k}={v}" for k, v in parts.items())
    _compile(canonical, dt.date(2000, 1, 1))
    return canonical


@lru_cache(maxsize=4096)
def _compile(rule: str, starts_on: dt.date) -> du.rrule:
    try:
        compiled = du.rrulestr(rule, dtstart=dt.datetime.combine(starts_on, dt.time()), cache=False)
    except (ValueError, TypeError, KeyError, IndexError) as e:
        raise _error(RRULE_INVALID, "rrule_invalid", error=str(e)) from None
    if not isinstance(compiled, du.rrule):
        raise _error(RRULE_INVALID, "rrule_invalid", error="RRULE")
    return compiled


def validate_rrule(text: str, *, starts_on: dt.date | None = None) -> str:
    """Normalise ``text`` and check it yields at least one date from ``starts_on`` (if given)."""
    rule = normalize_rrule(text)
    if starts_on is not None:
        first = dt.datetime.combine(starts_on, dt.time())
        if _never_matches(rule) or _compile(rule, starts_on).after(first, inc=True) is None:
            raise _error(RRULE_NO_DATES, "rrule_no_dates")
    return rule


def _never_matches(rule: str) -> bool:
    """True if no day of any year passes the rule's filters (e.g. BYMONTH=2;BYMONTHDAY=30).

    dateutil stops a rule without matches only at year 9999; day by day that takes seconds,
    year by year a fraction of one, so a daily rule's filters are first tried as a yearly rule.
    """
    parts = _split(rule)
    if parts["FREQ"] != "DAILY" or not (set(parts) - {"FREQ", "INTERVAL", "COUNT", "UNTIL", "WKST"}):
        return False
    probe = {k: v for k, v in parts.items() if k not in {"INTERVAL", "COUNT", "UNTIL"}} | {"FREQ": "YEARLY"}
    text = ";".join(f"{k}={v}" for k, v in probe.items())
    return du.rrulestr(text, dtstart=dt.datetime(2000, 1, 1)).after(dt.datetime(2000, 1, 1), inc=True) is None


def _months_between(a: dt.date, b: dt.date) -> int:
    return (b.year - a.year) * 12 + b.month - a.month


def _fast_forward(rule: str, starts_on: dt.date, date_from: dt.date) -> du.rrule:
    """The rule with its first day moved close to ``date_from`` without changing any date on or after it.

    dateutil iterates from the first day, so a daily plan running for years would walk
    every day since; generation asks for a few days at a time. The first day moves by
    whole periods (INTERVAL days, weeks or months), and defaults dateutil takes from the
    first day (the weekday of a weekly rule, the day of a monthly one) are made explicit.
    COUNT counts from the first day, so those rules (and yearly ones, which are cheap) stay.
    """
    compiled = _compile(rule, starts_on)
    parts = _split(rule)
    if date_from <= starts_on or "COUNT" in parts:
        return compiled
    interval = int(parts.get("INTERVAL", "1"))
    freq = parts["FREQ"]
    has_days = bool(_DAY_PARTS & set(parts))
    if freq == "DAILY":
        k = (date_from - starts_on).days // interval
        return compiled.replace(dtstart=dt.datetime.combine(starts_on + dt.timedelta(days=k * interval), dt.time()))
    if freq == "WEEKLY":
        k = (date_from - starts_on).days // (7 * interval)
        extra = {} if has_days else {"byweekday": (starts_on.weekday(),)}
        new_start = starts_on + dt.timedelta(days=7 * k * interval)
        return compiled.replace(dtstart=dt.datetime.combine(new_start, dt.time()), **extra)
    if freq == "MONTHLY":
        k = _months_between(starts_on, date_from) // interval
        if k == 0:
            return compiled
        month_index = starts_on.year * 12 + starts_on.month - 1 + k * interval
        new_start = dt.date(month_index // 12, month_index % 12 + 1, 1)
        extra = {} if has_days else {"bymonthday": (starts_on.day,)}
        return compiled.replace(dtstart=dt.datetime.combine(new_start, dt.time()), **extra)
    return compiled


def rule_dates(*, rule: str, starts_on: dt.date, date_from: dt.date, date_to: dt.date) -> list[dt.date]:
    """The dates of ``rule`` (anchored at ``starts_on``) between ``date_from`` and ``date_to`` inclusive."""
    date_from = max(date_from, starts_on)
    if date_to < date_from:
        return []
    limit = dt.datetime.combine(date_to, dt.time())
    # COUNT counts from the first day, so those rules walk from there (at most COUNT dates).
    compiled = _compile(rule, starts_on) if "COUNT" in _split(rule) else _fast_forward(rule, starts_on, date_from)
    found = itertools.takewhile(lambda d: d <= limit, compiled)
    return [d.date() for d in found if d.date() >= date_from]


#
# Holidays
#
def apply_holiday_rule(
    dates: Iterable[dt.date], *, holiday_rule: str, calendar: BusinessCalendar
) -> list[tuple[dt.date, dt.date | None]]:
    """(date, shifted_from) pairs after the holiday rule, sorted, one per date."""
    result: dict[dt.date, dt.date | None] = {}
    for day in dates:
        if holiday_rule == HOLIDAY_NONE:
            result.setdefault(day, None)
        elif holiday_rule == HOLIDAY_WORKING_DAYS:
            if calendar.is_workday(day):
                result.setdefault(day, None)
        elif day in calendar.holidays:
            if holiday_rule == HOLIDAY_SHIFT:
                result.setdefault(calendar.next_workday(day), day)
        else:
            result[day] = None  # its own date wins over one shifted onto it
    return sorted(result.items())


#
# Windows
#
def _aware(day: dt.date, time: dt.time, zone: dt.tzinfo) -> dt.datetime:
    # In UTC, because Python compares and subtracts datetimes of one tzinfo by wall time; a wall
    # time in a DST gap becomes the instant just after the gap.
    return dt.datetime.combine(day, time, zone).astimezone(UTC)


def window_bounds(day: dt.date, window: Window, zone: dt.tzinfo) -> tuple[dt.datetime, dt.datetime]:
    """Start and end (aware, UTC) of ``window`` on ``day`` in ``zone``; the end is always after the start."""
    end_day = day + dt.timedelta(days=1) if window.crosses_midnight else day
    start = _aware(day, window.start, zone)
    end = _aware(end_day, window.end, zone)
    if end <= start:  # only in a DST gap or fold: keep the window's wall-clock length
        wall = dt.datetime.combine(end_day, window.end) - dt.datetime.combine(day, window.start)
        end = start + wall
    return start, end


def occurrences(
    *,
    rule: str,
    starts_on: dt.date,
    windows: Sequence[Window],
    date_from: dt.date,
    date_to: dt.date,
    zone: dt.tzinfo | str = "Asia/Shanghai",
    ends_on: dt.date | None = None,
    holiday_rule: str = HOLIDAY_NONE,
    calendar: BusinessCalendar | None = None,
) -> list[Occurrence]:
    """Every (date, window) of a plan whose rule date falls in ``date_from``..``date_to`` (and ≤ ``ends_on``).

    A holiday shift may move a date past ``date_to``; the occurrence belongs to the range of
    its rule date, so consecutive ranges never produce it twice.
    """
    if isinstance(zone, str):
        zone = zoneinfo.ZoneInfo(zone)
    if ends_on is not None:
        date_to = min(date_to, ends_on)
    dates = rule_dates(rule=rule, starts_on=starts_on, date_from=date_from, date_to=date_to)
    days = apply_holiday_rule(dates, holiday_rule=holiday_rule, calendar=calendar or BusinessCalendar())
    result = []
    for day, shifted_from in days:
        for index, window in enumerate(windows):
            start, end = window_bounds(day, window, zone)
            result.append(Occurrence(day, index, start, end, shifted_from))
    return result
