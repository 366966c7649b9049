import datetime as dt
import zoneinfo

from dateutil import rrule as du
from django.core.exceptions import ValidationError
from django.test import SimpleTestCase
from hypothesis import given, settings
from hypothesis import strategies as st

from lib import recurrence as r
from lib.bizcal import BusinessCalendar

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
D = dt.date
T = dt.time
DAY = r.Window(T(8), T(9))

# 2026 as chinesecalendar has it: 元旦 1–3 Jan with Sunday 4 Jan worked; 国庆 1–7 Oct with
# Saturday 10 Oct worked (and Sunday 20 Sep).
HOLIDAYS_2026 = frozenset({D(2026, 1, 1), D(2026, 1, 2), D(2026, 1, 3)} | {D(2026, 10, d) for d in range(1, 8)})
WORKDAYS_2026 = frozenset({D(2026, 1, 4), D(2026, 9, 20), D(2026, 10, 10)})
CAL = BusinessCalendar(holidays=HOLIDAYS_2026, workdays=WORKDAYS_2026, known_years=frozenset({2026}))


def dates(rule, starts_on, date_from, date_to):
    return r.rule_dates(rule=rule, starts_on=starts_on, date_from=date_from, date_to=date_to)


def occ(rule="FREQ=DAILY", *, starts_on=D(2026, 1, 1), windows=(DAY,), date_from=None, date_to=None, **kw):
    return r.occurrences(
        rule=rule,
        starts_on=starts_on,
        windows=list(windows),
        date_from=date_from or starts_on,
        date_to=date_to or starts_on,
        **kw,
    )


class ValidateRruleTests(SimpleTestCase):
    def assert_rrule_error(self, text, code, **kw):
        with self.assertRaises(ValidationError) as caught:
            r.validate_rrule(text, **kw)
        self.assertEqual(list(caught.exception.message_dict), ["rrule"])
        self.assertEqual(caught.exception.error_dict["rrule"][0].code, code)
        return caught.exception.message_dict["rrule"][0]

    def test_it_normalises_case_and_prefix(self):
        self.assertEqual(r.validate_rrule(" rrule:freq=weekly;byday=mo,fr "), "FREQ=WEEKLY;BYDAY=MO,FR")

    def test_it_rejects_an_empty_rule(self):
        self.assert_rrule_error("  ", "rrule_empty")

    def test_it_rejects_sub_daily_frequencies(self):
        for freq in ("HOURLY", "MINUTELY", "SECONDLY", "FORTNIGHTLY"):
            self.assert_rrule_error(f"FREQ={freq}", "rrule_freq")
        self.assert_rrule_error("INTERVAL=2", "rrule_freq")

    def test_it_rejects_times_of_day_and_dtstart_by_name(self):
        message = self.assert_rrule_error("FREQ=DAILY;BYHOUR=8", "rrule_part")
        self.assertIn("BYHOUR", message)
        self.assert_rrule_error("FREQ=DAILY;DTSTART=20260101T000000", "rrule_part")
        self.assert_rrule_error("FREQ=DAILY;BYSETPOS=1", "rrule_part")

    def test_it_rejects_unknown_parts_and_bad_values(self):
        self.assertIn("FOO", self.assert_rrule_error("FREQ=DAILY;FOO=1", "rrule_invalid"))
        self.assert_rrule_error("FREQ=WEEKLY;BYDAY=XX", "rrule_invalid")
        self.assert_rrule_error("FREQ=DAILY;FREQ=WEEKLY", "rrule_invalid")
        self.assert_rrule_error("FREQ=DAILY;UNTIL=2026", "rrule_invalid")
        self.assert_rrule_error("FREQ=DAILY;INTERVAL", "rrule_invalid")
        self.assert_rrule_error("FREQ=DAILY;" + "BYMONTH=1;" * 60, "rrule_too_long")

    def test_it_wants_positive_interval_and_count(self):
        for text in ("FREQ=DAILY;INTERVAL=0", "FREQ=DAILY;INTERVAL=-1", "FREQ=DAILY;COUNT=0", "FREQ=DAILY;COUNT=x"):
            self.assert_rrule_error(text, "rrule_positive")

    def test_it_rejects_rules_without_any_date(self):
        self.assert_rrule_error("FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30", "rrule_no_dates", starts_on=D(2026, 1, 1))
        self.assert_rrule_error("FREQ=MONTHLY;BYMONTH=4;BYMONTHDAY=31", "rrule_no_dates", starts_on=D(2026, 1, 1))
        self.assert_rrule_error("FREQ=DAILY;UNTIL=20251231", "rrule_no_dates", starts_on=D(2026, 1, 1))
        # every 7th day from a Tuesday is never a Monday
        self.assert_rrule_error("FREQ=DAILY;INTERVAL=7;BYDAY=MO", "rrule_no_dates", starts_on=D(2026, 1, 6))

    def test_it_accepts_leap_days_and_utc_until(self):
        self.assertEqual(
            r.validate_rrule("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29", starts_on=D(2026, 1, 1)),
            "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29",
        )
        self.assertEqual(r.validate_rrule("FREQ=DAILY;UNTIL=20261231T000000Z"), "FREQ=DAILY;UNTIL=20261231T000000")


class RuleDatesTests(SimpleTestCase):
    def test_it_takes_the_31st_only_in_long_months(self):
        found = dates("FREQ=MONTHLY;BYMONTHDAY=31", D(2026, 1, 1), D(2026, 1, 1), D(2026, 12, 31))
        self.assertEqual([d.month for d in found], [1, 3, 5, 7, 8, 10, 12])

    def test_it_takes_the_last_day_of_every_month(self):
        found = dates("FREQ=MONTHLY;BYMONTHDAY=-1", D(2026, 1, 1), D(2026, 1, 1), D(2028, 12, 31))
        self.assertEqual(len(found), 36)
        self.assertIn(D(2026, 2, 28), found)
        self.assertIn(D(2028, 2, 29), found)
        self.assertTrue(all((d + dt.timedelta(days=1)).day == 1 for d in found))

    def test_it_keeps_a_monthly_rule_on_its_first_days_date(self):
        # a plan starting on the 31st skips short months instead of drifting to the 28th/30th
        found = dates("FREQ=MONTHLY", D(2026, 1, 31), D(2026, 5, 1), D(2026, 12, 31))
        self.assertEqual(found, [D(2026, m, 31) for m in (5, 7, 8, 10, 12)])

    def test_it_counts_every_other_day_from_the_first_day_across_months(self):
        found = dates("FREQ=DAILY;INTERVAL=2", D(2026, 1, 30), D(2026, 2, 25), D(2026, 3, 5))
        self.assertEqual(found, [D(2026, 2, 25), D(2026, 2, 27), D(2026, 3, 1), D(2026, 3, 3), D(2026, 3, 5)])
        shifted = dates("FREQ=DAILY;INTERVAL=2", D(2026, 1, 31), D(2026, 2, 25), D(2026, 3, 5))
        self.assertEqual(shifted, [D(2026, 2, 26), D(2026, 2, 28), D(2026, 3, 2), D(2026, 3, 4)])

    def test_it_counts_every_other_week_from_the_first_week(self):
        found = dates("FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH", D(2026, 1, 1), D(2026, 3, 1), D(2026, 3, 31))
        self.assertEqual(found, [D(2026, 3, 9), D(2026, 3, 12), D(2026, 3, 23), D(2026, 3, 26)])

    def test_it_respects_count_from_the_first_day(self):
        self.assertEqual(
            dates("FREQ=DAILY;COUNT=3", D(2026, 1, 1), D(2026, 1, 2), D(2026, 12, 31)), [D(2026, 1, 2), D(2026, 1, 3)]
        )

    def test_it_respects_until(self):
        found = dates("FREQ=DAILY;UNTIL=20260105", D(2026, 1, 1), D(2026, 1, 3), D(2026, 12, 31))
        self.assertEqual(found, [D(2026, 1, 3), D(2026, 1, 4), D(2026, 1, 5)])

    def test_it_returns_nothing_before_the_first_day_or_for_an_empty_range(self):
        self.assertEqual(dates("FREQ=DAILY", D(2026, 5, 1), D(2026, 1, 1), D(2026, 4, 30)), [])
        self.assertEqual(dates("FREQ=DAILY", D(2026, 1, 1), D(2026, 3, 2), D(2026, 3, 1)), [])

    def test_it_finds_a_far_first_match_quickly(self):
        found = dates("FREQ=DAILY;BYMONTH=12", D(2020, 1, 1), D(2026, 1, 2), D(2026, 1, 3))
        self.assertEqual(found, [])


def naive_dates(rule, starts_on, date_from, date_to):
    """dateutil without the fast-forward: the reference."""
    compiled = du.rrulestr(rule, dtstart=dt.datetime.combine(starts_on, T()))
    found = compiled.between(dt.datetime.combine(date_from, T()), dt.datetime.combine(date_to, T()), inc=True)
    return [d.date() for d in found]


RULES = st.sampled_from(
    [
        "FREQ=DAILY",
        "FREQ=DAILY;INTERVAL={n}",
        "FREQ=DAILY;INTERVAL={n};BYDAY=MO,WE,FR",
        "FREQ=WEEKLY",
        "FREQ=WEEKLY;INTERVAL={n}",
        "FREQ=WEEKLY;INTERVAL={n};BYDAY=TU,SA",
        "FREQ=WEEKLY;INTERVAL={n};WKST=SU;BYDAY=SU,MO",
        "FREQ=MONTHLY",
        "FREQ=MONTHLY;INTERVAL={n}",
        "FREQ=MONTHLY;BYMONTHDAY=31",
        "FREQ=MONTHLY;INTERVAL={n};BYMONTHDAY=-1",
        "FREQ=MONTHLY;BYMONTHDAY=1,16",
        "FREQ=MONTHLY;INTERVAL={n};BYDAY=-1FR",
        "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1",
        "FREQ=YEARLY",
        "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29",
        "FREQ=DAILY;COUNT={n}",
        "FREQ=MONTHLY;COUNT={n};BYMONTHDAY=31",
    ]
)
DATES = st.dates(min_value=D(2019, 1, 1), max_value=D(2030, 12, 31))


class RuleDatesPropertyTests(SimpleTestCase):
    @settings(max_examples=300, deadline=None)
    @given(template=RULES, n=st.integers(1, 9), starts_on=DATES, offset=st.integers(0, 2000), span=st.integers(0, 60))
    def test_it_matches_dateutil_from_the_first_day(self, template, n, starts_on, offset, span):
        rule = template.format(n=n)
        date_from = starts_on + dt.timedelta(days=offset)
        date_to = date_from + dt.timedelta(days=span)
        self.assertEqual(dates(rule, starts_on, date_from, date_to), naive_dates(rule, starts_on, date_from, date_to))

    @settings(max_examples=100, deadline=None)
    @given(template=RULES, n=st.integers(1, 9), starts_on=DATES, offset=st.integers(0, 400), cut=st.integers(0, 90))
    def test_it_splits_a_range_without_gaps_or_overlaps(self, template, n, starts_on, offset, cut):
        rule = template.format(n=n)
        date_from = starts_on + dt.timedelta(days=offset)
        middle, date_to = date_from + dt.timedelta(days=cut), date_from + dt.timedelta(days=90)
        whole = dates(rule, starts_on, date_from, date_to)
        parts = dates(rule, starts_on, date_from, middle) + dates(
            rule, starts_on, middle + dt.timedelta(days=1), date_to
        )
        self.assertEqual(whole, parts)


class HolidayRuleTests(SimpleTestCase):
    def dates_with(self, rule, holiday_rule, date_from, date_to, starts_on=D(2025, 12, 1)):
        found = occ(
            rule,
            starts_on=starts_on,
            date_from=date_from,
            date_to=date_to,
            holiday_rule=holiday_rule,
            calendar=CAL,
        )
        return [(o.date, o.shifted_from) for o in found]

    def test_it_runs_on_holidays_with_no_rule(self):
        found = self.dates_with("FREQ=DAILY", r.HOLIDAY_NONE, D(2026, 1, 1), D(2026, 1, 4))
        self.assertEqual([d for d, _ in found], [D(2026, 1, d) for d in (1, 2, 3, 4)])

    def test_it_skips_public_holidays_but_not_weekends(self):
        found = self.dates_with("FREQ=DAILY", r.HOLIDAY_SKIP, D(2025, 12, 31), D(2026, 1, 11))
        days = [d for d, _ in found]
        self.assertNotIn(D(2026, 1, 2), days)
        self.assertIn(D(2026, 1, 10), days)  # an ordinary Saturday
        self.assertEqual(days[:2], [D(2025, 12, 31), D(2026, 1, 4)])

    def test_it_shifts_to_the_adjusted_working_day(self):
        # Thursday plan on 元旦 (Thursday 1 Jan): 2 and 3 Jan are holidays, Sunday 4 Jan is worked
        found = self.dates_with("FREQ=WEEKLY;BYDAY=TH", r.HOLIDAY_SHIFT, D(2026, 1, 1), D(2026, 1, 8))
        self.assertEqual(found, [(D(2026, 1, 4), D(2026, 1, 1)), (D(2026, 1, 8), None)])

    def test_it_shifts_past_the_weekend_after_a_holiday(self):
        # Wednesday 7 Oct is the last day of 国庆; Thursday 8 Oct is a working day
        found = self.dates_with("FREQ=WEEKLY;BYDAY=MO,WE", r.HOLIDAY_SHIFT, D(2026, 10, 1), D(2026, 10, 7))
        self.assertEqual(found, [(D(2026, 10, 8), D(2026, 10, 5))])

    def test_it_merges_shifted_dates_into_a_day_with_its_own_date(self):
        found = self.dates_with("FREQ=DAILY", r.HOLIDAY_SHIFT, D(2026, 10, 1), D(2026, 10, 8))
        self.assertEqual(found, [(D(2026, 10, 8), None)])

    def test_it_may_shift_past_the_end_of_the_range(self):
        found = self.dates_with("FREQ=MONTHLY;BYMONTHDAY=1", r.HOLIDAY_SHIFT, D(2026, 10, 1), D(2026, 10, 1))
        self.assertEqual(found, [(D(2026, 10, 8), D(2026, 10, 1))])

    def test_it_runs_on_working_days_including_adjusted_ones(self):
        found = self.dates_with("FREQ=DAILY", r.HOLIDAY_WORKING_DAYS, D(2026, 10, 1), D(2026, 10, 12))
        self.assertEqual([d for d, _ in found], [D(2026, 10, 8), D(2026, 10, 9), D(2026, 10, 10), D(2026, 10, 12)])

    def test_it_treats_an_unknown_year_as_plain_weekdays(self):
        found = self.dates_with("FREQ=DAILY", r.HOLIDAY_WORKING_DAYS, D(2031, 1, 1), D(2031, 1, 7), D(2031, 1, 1))
        self.assertEqual([d.weekday() for d, _ in found], [2, 3, 4, 0, 1])

    @settings(max_examples=200, deadline=None)
    @given(
        rule=st.sampled_from(
            ["FREQ=DAILY", "FREQ=WEEKLY;BYDAY=TH", "FREQ=DAILY;INTERVAL=3", "FREQ=MONTHLY;BYMONTHDAY=1,2,3"]
        ),
        holiday_rule=st.sampled_from(r.HOLIDAY_RULES),
        start=st.dates(min_value=D(2025, 12, 1), max_value=D(2026, 12, 31)),
        span=st.integers(0, 40),
    )
    def test_it_never_lands_on_a_holiday_unless_told_to(self, rule, holiday_rule, start, span):
        found = self.dates_with(rule, holiday_rule, start, start + dt.timedelta(days=span))
        days = [d for d, _ in found]
        self.assertEqual(days, sorted(set(days)))
        if holiday_rule != r.HOLIDAY_NONE:
            self.assertFalse(set(days) & HOLIDAYS_2026)
        for day, shifted_from in found:
            if shifted_from is not None:
                self.assertTrue(CAL.is_workday(day))
                self.assertLess(shifted_from, day)
        if holiday_rule == r.HOLIDAY_WORKING_DAYS:
            self.assertTrue(all(CAL.is_workday(d) for d in days))


class WindowTests(SimpleTestCase):
    def test_it_makes_aware_bounds_in_the_zone(self):
        [o] = occ(starts_on=D(2026, 3, 2), windows=[r.Window(T(8), T(9, 30))], zone="Asia/Shanghai")
        self.assertEqual(o.starts_at, dt.datetime(2026, 3, 2, 0, 0, tzinfo=dt.UTC))
        self.assertEqual(o.ends_at - o.starts_at, dt.timedelta(minutes=90))
        self.assertEqual((o.date, o.window_index), (D(2026, 3, 2), 0))

    def test_it_ends_a_window_across_midnight_the_next_day(self):
        found = occ(starts_on=D(2026, 1, 31), windows=[DAY, r.Window(T(22), T(6))], zone=SHANGHAI)
        night = found[1]
        self.assertEqual((night.date, night.window_index), (D(2026, 1, 31), 1))
        self.assertEqual(night.ends_at, dt.datetime(2026, 2, 1, 6, tzinfo=SHANGHAI))
        self.assertEqual(night.ends_at.tzinfo, dt.UTC)
        self.assertEqual(night.ends_at - night.starts_at, dt.timedelta(hours=8))

    def test_it_reads_an_end_equal_to_the_start_as_a_whole_day(self):
        [o] = occ(windows=[r.Window(T(7), T(7))], zone=SHANGHAI)
        self.assertEqual(o.ends_at - o.starts_at, dt.timedelta(hours=24))

    def test_it_keeps_wall_times_across_a_dst_change(self):
        # Europe/Berlin springs forward on 29 Mar 2026 and falls back on 25 Oct 2026
        windows = [r.Window(T(8), T(9)), r.Window(T(22), T(6))]
        spring = occ(starts_on=D(2026, 3, 28), date_to=D(2026, 3, 29), windows=windows, zone=BERLIN)
        self.assertEqual([o.starts_at.astimezone(BERLIN).hour for o in spring], [8, 22, 8, 22])
        self.assertEqual(spring[1].ends_at - spring[1].starts_at, dt.timedelta(hours=7))  # the short night
        autumn = occ(starts_on=D(2026, 10, 24), windows=windows, zone=BERLIN)
        self.assertEqual(autumn[1].ends_at - autumn[1].starts_at, dt.timedelta(hours=9))
        self.assertEqual([o.starts_at.hour for o in spring], [7, 21, 6, 20])  # UTC

    def test_it_moves_a_window_starting_in_the_dst_gap_after_the_gap(self):
        [o] = occ(starts_on=D(2026, 3, 29), windows=[r.Window(T(2, 30), T(3, 15))], zone=BERLIN)
        self.assertEqual(o.starts_at.astimezone(BERLIN).time(), T(3, 30))
        self.assertEqual(o.ends_at - o.starts_at, dt.timedelta(minutes=45))

    def test_it_stops_at_the_last_day(self):
        found = occ(starts_on=D(2026, 1, 1), date_to=D(2026, 1, 31), ends_on=D(2026, 1, 3))
        self.assertEqual([o.date for o in found], [D(2026, 1, 1), D(2026, 1, 2), D(2026, 1, 3)])

    @settings(max_examples=200, deadline=None)
    @given(
        zone=st.sampled_from(["Asia/Shanghai", "Europe/Berlin", "America/New_York"]),
        day=st.dates(min_value=D(2024, 1, 1), max_value=D(2028, 12, 31)),
        start=st.times(),
        end=st.times(),
    )
    def test_it_always_ends_after_it_starts_and_starts_on_its_date(self, zone, day, start, end):
        start, end = start.replace(second=0, microsecond=0), end.replace(second=0, microsecond=0)
        [o] = occ(starts_on=day, windows=[r.Window(start, end)], zone=zone)
        self.assertGreater(o.ends_at, o.starts_at)
        self.assertEqual(o.starts_at.astimezone(zoneinfo.ZoneInfo(zone)).date(), day)
        wall = dt.datetime.combine(day + dt.timedelta(days=end <= start), end) - dt.datetime.combine(day, start)
        self.assertLessEqual(abs((o.ends_at - o.starts_at) - wall), dt.timedelta(hours=1))
