"""Business calendar arithmetic: working days, working hours and SLA clocks.

Pure functions over a ``BusinessCalendar`` value; core.selectors builds one per company
from its CalendarYear/CalendarDay rows.
"""

import datetime as dt
from dataclasses import dataclass, field


@dataclass(frozen=True)
class BusinessCalendar:
    work_start: dt.time = dt.time(9, 0)
    work_end: dt.time = dt.time(18, 0)
    holidays: frozenset[dt.date] = field(default_factory=frozenset)
    workdays: frozenset[dt.date] = field(default_factory=frozenset)  # weekends worked in exchange (调休)
    known_years: frozenset[int] = field(default_factory=frozenset)

    def is_known(self, day: dt.date) -> bool:
        """False when the day's year has no holiday data: the answer then is weekends only."""
        return day.year in self.known_years

    def is_workday(self, day: dt.date) -> bool:
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        return day.weekday() < 5

    def next_workday(self, day: dt.date) -> dt.date:
        while not self.is_workday(day):
            day += dt.timedelta(days=1)
        return day

    def add_workdays(self, day: dt.date, days: int) -> dt.date:
        while days > 0:
            day += dt.timedelta(days=1)
            if self.is_workday(day):
                days -= 1
        return day

    def add_working_minutes(self, start: dt.datetime, minutes: int) -> dt.datetime:
        """The moment ``minutes`` of working time after ``start`` (an aware datetime).

        Time outside working hours and on non-working days does not count. The result is
        in start's time zone.
        """
        tz = start.tzinfo
        current = start
        remaining = dt.timedelta(minutes=minutes)
        for _ in range(3700):  # ten years of days: a guard, never reached for sane inputs
            day = current.date()
            opens = dt.datetime.combine(day, self.work_start, tz)
            closes = dt.datetime.combine(day, self.work_end, tz)
            if not self.is_workday(day) or current >= closes:
                current = dt.datetime.combine(day + dt.timedelta(days=1), self.work_start, tz)
                continue
            current = max(current, opens)
            available = closes - current
            if remaining <= available:
                return current + remaining
            remaining -= available
            current = dt.datetime.combine(day + dt.timedelta(days=1), self.work_start, tz)
        raise ValueError("working time does not fit in ten years")

    def working_minutes_between(self, start: dt.datetime, end: dt.datetime) -> int:
        if end <= start:
            return 0
        total = dt.timedelta()
        day = start.date()
        tz = start.tzinfo
        while day <= end.date():
            if self.is_workday(day):
                opens = max(start, dt.datetime.combine(day, self.work_start, tz))
                closes = min(end, dt.datetime.combine(day, self.work_end, tz))
                if closes > opens:
                    total += closes - opens
            day += dt.timedelta(days=1)
        return int(total.total_seconds() // 60)
