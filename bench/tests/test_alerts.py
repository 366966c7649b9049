import os
from io import StringIO
from unittest import mock

from django.test import SimpleTestCase

from bench.runner import main


class AlertFiguresTests(SimpleTestCase):
    def test_it_runs_the_alert_evaluation_figure_at_tiny_scale(self) -> None:
        # On SQLite files of their own: DATABASE_URL may name the developer's (or CI's) PostgreSQL.
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "BENCH_FRESH")}
        with mock.patch.dict(os.environ, env, clear=True), mock.patch("sys.stdout", new=StringIO()) as out:
            code = main(["--scale", "tiny", "--only", "alert_eval_incremental_s"])
        text = out.getvalue()
        self.assertEqual(code, 0, text)
        self.assertRegex(text, r"BENCH alert_eval_incremental_s [\d.]+ s target <=5 ok")
        # the probe made the changes through the services and checked the alerts they call for
        self.assertRegex(text, r"SQLite: \d+ orders; 60 changes \(30 orders, 6 with keywords, [1-9]\d* repeats, 5 in a")
        self.assertRegex(text, r"→ [1-9]\d* alerts; second pass")
