from io import StringIO
from unittest import mock

from django.test import SimpleTestCase

from bench.runner import main


class KeywordFigureTests(SimpleTestCase):
    def test_it_runs_the_keyword_figure_at_tiny_scale(self) -> None:
        with mock.patch("sys.stdout", new=StringIO()) as out:
            code = main(["--scale", "tiny", "--only", "keyword_scan_texts_per_s"])
        text = out.getvalue()
        self.assertEqual(code, 0, text)
        self.assertRegex(text, r"BENCH keyword_scan_texts_per_s \d+ texts/s target >=50000 (ok|FAIL)")
        self.assertRegex(text, r"2000 texts \([\d.]+ characters on average, 20 % traditional\), [1-9]\d+ with keywords")
