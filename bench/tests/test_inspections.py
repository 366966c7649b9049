import os
from io import StringIO
from unittest import mock

from django.test import SimpleTestCase

from bench.runner import main


class InspectionFiguresTests(SimpleTestCase):
    def test_it_runs_the_inspection_figure_at_tiny_scale(self) -> None:
        # On SQLite files of their own: DATABASE_URL may name the developer's (or CI's) PostgreSQL.
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "BENCH_FRESH")}
        with mock.patch.dict(os.environ, env, clear=True), mock.patch("sys.stdout", new=StringIO()) as out:
            code = main(["--scale", "tiny", "--only", "inspection_rollup_s"])
        text = out.getvalue()
        self.assertEqual(code, 0, text)
        self.assertRegex(text, r"BENCH inspection_rollup_s [\d.]+ s target <=10 ok")
        # the probe checked the scores and roll-ups; the detail says what was measured
        self.assertRegex(text, r"SQLite: [1-9]\d scored of 60 rounds, [1-9]\d+ item results, [1-9]\d+ roll-up rows")
        self.assertRegex(text, r"gen_scale wrote [1-9]\d+ results and \d+ findings")
