import os
from io import StringIO
from unittest import mock

from django.test import SimpleTestCase

from bench.registry import Figure, Measurement, Target
from bench.runner import Result, main


class TargetTests(SimpleTestCase):
    def test_it_parses_and_checks_targets(self) -> None:
        self.assertTrue(Target.parse(">=20000").met_by(20000))
        self.assertFalse(Target.parse(">=20000").met_by(19999.9))
        self.assertTrue(Target.parse("<=250").met_by(10))
        self.assertEqual(str(Target.parse(">=20000")), ">=20000")
        with self.assertRaises(ValueError):
            Target.parse("=5")


class RunnerTests(SimpleTestCase):
    def test_it_prints_one_line_per_figure(self) -> None:
        from bench.registry import REGISTRY

        fig = REGISTRY["gen_scale_units_per_s"]
        self.assertEqual(
            Result(fig, Measurement(31234.4), 1.0).line(), "BENCH gen_scale_units_per_s 31234 units/s target >=20000 ok"
        )
        self.assertTrue(Result(fig, Measurement(100), 1.0).line().endswith(" FAIL"))

    def test_it_runs_the_suite_at_tiny_scale(self) -> None:
        # On SQLite files of its own: DATABASE_URL may name the developer's (or CI's) PostgreSQL.
        env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        with mock.patch.dict(os.environ, env, clear=True), mock.patch("sys.stdout", new=StringIO()) as out:
            code = main(["--scale", "tiny"])
        self.assertEqual(code, 0, out.getvalue())
        self.assertRegex(out.getvalue(), r"BENCH gen_scale_units_per_s \d+ units/s target >=20000 (ok|FAIL)")
        for name, unit, target in [
            ("sla_sweep_due_1pct_ms", "ms", "<=1000"),
            ("sla_sweep_idle_ms", "ms", "<=100"),
            ("wo_list_p95_ms", "ms", "<=100"),
            ("wo_create_rps", "req/s", ">=300"),
            ("wo_create_vs_floor_ratio", "ratio", ">=0.5"),
        ]:
            self.assertRegex(out.getvalue(), rf"BENCH {name} [\d.]+ {unit} target {target} (ok|FAIL)")
        self.assertRegex(out.getvalue(), r"SQLite: 20 of 20\d\d open orders due")  # 1 % of 2,000, checked


class ExitCodeTests(SimpleTestCase):
    def run_main(self, *args: str, values: list[float]) -> tuple[int, str]:
        runs = iter(values)
        fake = Figure("fake", "ops/s", Target.parse(">=10"), lambda ctx: next(runs))
        with mock.patch.dict("bench.runner.REGISTRY", {"fake": fake}, clear=True):
            with mock.patch("sys.stdout", new=StringIO()) as out:
                return main(list(args)), out.getvalue()

    def test_it_fails_when_a_full_scale_figure_misses_its_target(self) -> None:
        code, out = self.run_main("--scale", "full", values=[5])
        self.assertEqual(code, 1)
        self.assertIn("BENCH fake 5 ops/s target >=10 FAIL", out)

    def test_it_only_reports_misses_at_smaller_scales(self) -> None:
        self.assertEqual(self.run_main("--scale", "tiny", values=[5])[0], 0)
        self.assertEqual(self.run_main("--scale", "full", values=[12])[0], 0)

    def test_it_keeps_the_best_of_repeated_runs(self) -> None:
        code, out = self.run_main("--scale", "full", "--repeat", "3", values=[3, 12, 7])
        self.assertEqual(code, 0)
        self.assertIn("BENCH fake 12 ops/s target >=10 ok", out)

    def test_it_fails_when_a_figure_raises(self) -> None:
        code, out = self.run_main("--scale", "tiny", values=[])
        self.assertEqual(code, 1)
        self.assertIn("BENCH fake error ops/s target >=10 FAIL", out)
