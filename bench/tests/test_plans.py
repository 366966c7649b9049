import os
from io import StringIO
from unittest import mock

from django.test import SimpleTestCase

from bench.runner import main

FIGURES = ["plan_generate_s", "plan_generate_rerun_created", "checkin_p95_ms"]


class PlanFiguresTests(SimpleTestCase):
    def test_it_runs_the_plan_figures_at_tiny_scale(self) -> None:
        # On SQLite files of their own: DATABASE_URL may name the developer's (or CI's) PostgreSQL.
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "BENCH_FRESH")}
        with mock.patch.dict(os.environ, env, clear=True), mock.patch("sys.stdout", new=StringIO()) as out:
            code = main(["--scale", "tiny", "--only", *FIGURES])
        text = out.getvalue()
        self.assertEqual(code, 0, text)
        self.assertRegex(text, r"BENCH plan_generate_s [\d.]+ s target <=30 ok")
        self.assertRegex(text, r"BENCH plan_generate_rerun_created 0 tasks target <=0 ok")
        self.assertRegex(text, r"BENCH checkin_p95_ms [\d.]+ ms target <=100 (ok|FAIL)")
        # the probes checked the counts; the details say what was measured
        self.assertRegex(
            text, r"SQLite: [1-9]\d+ tasks on \d{4}-\d\d-\d\d from 60 plans with \d+ windows in 2 projects"
        )
        self.assertRegex(text, r"rerun 0 in [\d.]+ ms; with the plans set back a day 0 of [1-9]\d+ in")
        self.assertRegex(text, r"SQLite: 12 check-ins by [4-9] staff at \d+ tasks, p50 [\d.]+ ms")
        self.assertRegex(text, r"gen_scale wrote [1-9]\d+ tasks over \d+ days with \d+ events and [1-9]\d+ check-ins")
