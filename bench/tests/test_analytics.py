"""The analytics figures run at tiny scale (on SQLite files of their own) and check what they measure."""

import os
from io import StringIO
from unittest import mock

from django.test import SimpleTestCase

from bench.runner import main


def run_figures(*names: str) -> tuple[int, str]:
    # DATABASE_URL may name the developer's (or CI's) PostgreSQL: these run on SQLite files.
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "BENCH_FRESH")}
    with mock.patch.dict(os.environ, env, clear=True), mock.patch("sys.stdout", new=StringIO()) as out:
        code = main(["--scale", "tiny", "--only", *names])
    return code, out.getvalue()


class AnalyticsFiguresTests(SimpleTestCase):
    def test_rollup_day_and_the_half_year_pdf_at_tiny_scale(self) -> None:
        code, text = run_figures("rollup_day_s", "report_pdf_s")
        self.assertEqual(code, 0, text)
        self.assertRegex(text, r"BENCH rollup_day_s [\d.]+ s target <=60 ok")
        # the refresh read the copied events' orders in passes and rebuilt project-days; the rebuild wrote rows
        self.assertRegex(
            text, r"SQLite: 600 orders, \d+ tasks \(generated in [\d.]+ s\); refresh of a day: [\d.]+ s for [1-9]\d* "
        )
        self.assertRegex(text, r"in [2-9] passes, [1-9]\d* project-days, [1-9]\d* rows; rebuild of \d{4}-\d\d-\d\d: ")
        self.assertRegex(text, r"BENCH report_pdf_s [\d.]+ s target <=10 (ok|FAIL)")
        self.assertRegex(text, r"\d{4}-\d\d-01\.\.\d{4}-\d\d-\d\d: build [\d.]+ s, PDF [\d.]+ s, [1-9]\d+ bytes")

    def test_the_dashboard_figures_at_tiny_scale(self) -> None:
        code, text = run_figures("dashboard_p50_ms", "dashboard_vs_sql_ratio")
        self.assertEqual(code, 0, text)  # at tiny scale only an error fails the run, not a target
        self.assertRegex(text, r"BENCH dashboard_p50_ms [\d.]+ ms target <=300 (ok|FAIL)")
        self.assertRegex(text, r"month \d{4}-\d\d: p50 of 3 GETs, max [\d.]+ ms, [1-9]\d* charts, \d+ bytes")
        self.assertRegex(text, r"BENCH dashboard_vs_sql_ratio [\d.]+ x target <=1.5 (ok|FAIL)")
        self.assertRegex(text, r"selector [\d.]+ ms, SQL [\d.]+ ms; equal: tiles, trends, project rows, SLA, ")
