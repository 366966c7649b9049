from io import StringIO
from unittest import mock

from django.test import SimpleTestCase

from bench.registry import Measurement, Target
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
        with mock.patch("sys.stdout", new=StringIO()) as out:
            code = main(["--scale", "tiny"])
        self.assertEqual(code, 0, out.getvalue())
        self.assertRegex(out.getvalue(), r"BENCH gen_scale_units_per_s \d+ units/s target >=20000 (ok|FAIL)")
