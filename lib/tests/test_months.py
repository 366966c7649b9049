import datetime as dt

from django.test import SimpleTestCase

from lib.months import add_months, month_bounds, month_end, month_start, months_between


class MonthTests(SimpleTestCase):
    def test_it_moves_across_year_ends_both_ways(self):
        self.assertEqual(add_months(dt.date(2026, 11, 21), 2), dt.date(2027, 1, 1))
        self.assertEqual(add_months(dt.date(2026, 1, 31), -1), dt.date(2025, 12, 1))
        self.assertEqual(add_months(dt.date(2026, 3, 15), 0), dt.date(2026, 3, 1))

    def test_it_knows_the_last_day_of_february_and_december(self):
        self.assertEqual(month_end(dt.date(2028, 2, 10)), dt.date(2028, 2, 29))
        self.assertEqual(month_end(dt.date(2026, 2, 10)), dt.date(2026, 2, 28))
        self.assertEqual(month_bounds(dt.date(2026, 12, 31)), (dt.date(2026, 12, 1), dt.date(2026, 12, 31)))
        self.assertEqual(month_start(dt.date(2026, 12, 31)), dt.date(2026, 12, 1))

    def test_it_lists_the_months_of_a_range_including_partial_ends(self):
        self.assertEqual(
            months_between(dt.date(2025, 11, 30), dt.date(2026, 2, 1)),
            [dt.date(2025, 11, 1), dt.date(2025, 12, 1), dt.date(2026, 1, 1), dt.date(2026, 2, 1)],
        )
        self.assertEqual(months_between(dt.date(2026, 3, 5), dt.date(2026, 2, 1)), [])
