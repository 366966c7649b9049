import datetime as dt
from zoneinfo import ZoneInfo

from django.test import SimpleTestCase
from hypothesis import given
from hypothesis import strategies as st

from lib.bizcal import BusinessCalendar

TZ = ZoneInfo("Asia/Shanghai")
CAL = BusinessCalendar(
    holidays=frozenset({dt.date(2026, 10, 1), dt.date(2026, 10, 2)}),
    workdays=frozenset({dt.date(2026, 9, 27)}),
    known_years=frozenset({2026}),
)


def at(day: int, hour: int, minute: int = 0, month: int = 9) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=TZ)


class BusinessCalendarTests(SimpleTestCase):
    def test_it_adds_minutes_inside_one_day(self):
        self.assertEqual(CAL.add_working_minutes(at(28, 10), 60), at(28, 11))

    def test_it_carries_over_the_night(self):
        self.assertEqual(CAL.add_working_minutes(at(28, 17, 30), 60), at(29, 9, 30))

    def test_it_starts_the_clock_at_opening_time(self):
        self.assertEqual(CAL.add_working_minutes(at(28, 7), 30), at(28, 9, 30))

    def test_it_skips_holidays_and_weekends(self):
        # Wed 30 Sep 17:00 + 2h: Thu/Fri holidays, Sat/Sun weekend -> Mon 5 Oct 10:00
        self.assertEqual(CAL.add_working_minutes(at(30, 17), 120), at(5, 10, month=10))

    def test_it_counts_an_adjusted_sunday(self):
        self.assertEqual(CAL.add_working_minutes(at(25, 17), 120), at(27, 10))  # Fri 17:00 -> adjusted Sun

    def test_it_adds_working_days(self):
        self.assertEqual(CAL.add_workdays(dt.date(2026, 9, 30), 1), dt.date(2026, 10, 5))

    @given(
        start=st.datetimes(min_value=dt.datetime(2026, 1, 1), max_value=dt.datetime(2026, 12, 20)),
        minutes=st.integers(min_value=0, max_value=5000),
    )
    def test_it_is_the_inverse_of_counting(self, start, minutes):
        start = start.replace(tzinfo=TZ, microsecond=0, second=0)
        end = CAL.add_working_minutes(start, minutes)
        self.assertEqual(CAL.working_minutes_between(start, end), minutes)
