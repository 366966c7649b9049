import datetime as dt
import os
from io import StringIO
from unittest import mock

from django.core.management import call_command
from django.test import SimpleTestCase, TestCase

from bench.probes import _checkin_queue
from bench.runner import main
from core.models import Company

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


class CheckInQueueTests(TestCase):
    def test_it_finds_check_ins_to_make_at_any_minute_of_the_hour(self) -> None:
        # The figure's history ends at the top of the hour; 23:00 in Shanghai, so the last minutes
        # need tomorrow's first windows (which open 15 minutes early).
        hour = dt.datetime(2026, 3, 2, 15, 0, tzinfo=dt.UTC)
        args = ["--projects", "2", "--units-per-project", "10", "--plans", "60", "--tasks", "2000"]
        args += ["--company-code", "q", "--as-of", hour.isoformat(), "--no-progress"]
        call_command("gen_scale", *args, stdout=StringIO(), stderr=StringIO())
        company = Company.objects.get(code="q")
        for minute in (0, 20, 40, 50, 56, 59):
            queue = _checkin_queue(company, now=hour + dt.timedelta(minutes=minute), wanted=15)
            self.assertEqual(len(queue), 15, minute)
            self.assertGreaterEqual(len({user for user, *_ in queue}), 4, minute)
            self.assertEqual(len(set(queue)), 15, minute)
