"""bench/sql_dashboard.py: the hand-written SQL's figures equal the dashboard selector's."""

import datetime as dt
from io import StringIO

from django.test import TestCase

from bench.probes import ProbeError


class SqlDashboardTests(TestCase):
    """The hand-written SQL's figures equal the selector's, and a difference is caught."""

    @classmethod
    def setUpTestData(cls) -> None:
        from django.core.management import call_command

        from bench.probe_analytics import admin_of
        from core.models import Company

        args = ["--projects", "2", "--units-per-project", "40", "--workorders", "300", "--plans", "6"]
        args += ["--tasks", "300", "--inspections", "4", "--rollups", "--company-code", "sql-a", "--no-progress"]
        args += ["--as-of", "2026-03-20T10:00+08:00"]
        call_command("gen_scale", *args, stdout=StringIO(), stderr=StringIO())
        cls.company = Company.objects.get(code="sql-a")
        cls.user = admin_of(cls.company)
        cls.period = (dt.date(2026, 2, 1), dt.date(2026, 2, 28))

    def figures(self):
        from analytics.selectors_dashboard import dashboard
        from bench import sql_dashboard

        selector = dashboard(user=self.user, date_from=self.period[0], date_to=self.period[1])
        sql = sql_dashboard.figures(company=self.company, date_from=self.period[0], date_to=self.period[1])
        return selector, sql

    def test_the_sql_computes_the_selectors_figures(self) -> None:
        from bench import sql_dashboard

        selector, sql = self.figures()
        self.assertIn("tiles", sql_dashboard.compare(selector, sql))
        self.assertGreater(sum(t.rate.denominator for t in selector["tiles"]), 0)

    def test_a_different_figure_is_caught(self) -> None:
        from bench import sql_dashboard

        selector, sql = self.figures()
        (key, kind), row = next(iter(sql["by_project"]["WorkOrderDaily"].items()))
        row["arrive_due"] += 1
        sql["by_project"]["WorkOrderDaily"][(key, kind)] = row
        with self.assertRaises(ProbeError):
            sql_dashboard.compare(selector, sql)

    def test_trends_by_month_are_not_hand_written(self) -> None:
        from bench import sql_dashboard

        with self.assertRaises(ProbeError):
            sql_dashboard.figures(company=self.company, date_from=dt.date(2025, 9, 1), date_to=dt.date(2026, 2, 28))
