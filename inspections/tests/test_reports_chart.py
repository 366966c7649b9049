"""The monthly score trend chart of the inspection reports page (lib/charts.py options in the
context, placed by templates/includes/chart.html); tests/test_browser_charts.py draws it."""

import datetime as dt
from unittest import mock

from django.conf import settings

from inspections import services
from inspections.tests.base import DAY1, InspectionTestCase

NOVEMBER = dt.date(2026, 11, 2)
SPAN = {"date_from": "2026-11-01", "date_to": "2026-12-31"}


class ReportChartTests(InspectionTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.submitted(day=NOVEMBER, fail=("pump",))
        cls.submitted(day=DAY1, fail=("lobby",))
        cls.submitted(day=DAY1, project=cls.project2)

    @classmethod
    def submitted(cls, *, day, project=None, fail=()):
        round = cls.make_round(day=day, project=project, inspectors=[])
        cls.answer_all(round, actor=cls.quality, fail=fail)
        services.round_submit(round=round, actor=cls.quality)

    def setUp(self) -> None:
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    def get(self, user=None, **params):
        self.login(user or self.quality)
        return self.client.get("/inspections/reports/", {**SPAN, **params})

    def test_it_charts_the_total_and_each_project(self):
        response = self.get()
        chart, trend = response.context["trend_chart"], response.context["figures"]["trend"]
        self.assertEqual(chart["xAxis"]["data"], ["2026-11", "2026-12"])
        names = [s["name"] for s in chart["series"]]
        self.assertEqual(names, ["Total", *[row["name"] for row in trend["rows"]]])
        self.assertEqual(chart["series"][0]["data"], [float(s) for s in trend["total"]])
        tower = chart["series"][names.index(self.project2.name)]
        self.assertEqual(tower["data"], [None, 100.0])  # no round in November: a gap
        self.assertEqual(chart["yAxis"]["max"], 100)
        self.assertNotIn("markLine", chart["series"][0])  # inspection scores have no target

    def test_it_places_the_chart_and_loads_echarts_once(self):
        response = self.get()
        self.assertContains(response, 'data-echart="trend-chart-options"', count=1)
        self.assertContains(response, '<script id="trend-chart-options" type="application/json">', count=1)
        self.assertContains(response, "vendor/echarts/echarts.min.js", count=1)
        self.assertContains(response, "js/charts.js", count=1)
        self.assertContains(response, 'id="trend"')  # the table stays

    def test_it_charts_only_the_total_for_one_project(self):
        chart = self.get(project=self.project.pk).context["trend_chart"]
        self.assertEqual([s["name"] for s in chart["series"]], ["Total"])

    def test_it_charts_only_the_total_for_many_projects(self):
        with mock.patch("inspections.views_reports.TREND_CHART_PROJECTS", 1):
            chart = self.get().context["trend_chart"]
        self.assertEqual([s["name"] for s in chart["series"]], ["Total"])

    def test_it_draws_no_chart_without_scores(self):
        response = self.get(date_from="2026-01-01", date_to="2026-03-31")
        self.assertIsNone(response.context["trend_chart"])
        self.assertNotContains(response, "data-echart")
        self.assertNotContains(response, "echarts.min.js")

    def test_it_draws_no_chart_for_bad_dates(self):
        response = self.get(date_from="2026-12-31", date_to="2026-11-01")
        self.assertIsNone(response.context["trend_chart"])
        self.assertNotContains(response, "echarts.min.js")

    def test_it_shows_an_outsider_no_chart_of_ours(self):
        response = self.get(self.outsider)
        self.assertEqual(response.status_code, 200)
        self.assertIsNone(response.context["trend_chart"])
        self.assertNotContains(response, self.project.name)

    def test_it_keeps_out_the_anonymous_owners_and_inspectors(self):
        response = self.client.get("/inspections/reports/", SPAN)
        self.assertEqual(response.status_code, 302)
        self.assertIn("/accounts/login/", response["Location"])
        self.login(self.owner)
        self.assertTrue(self.client.get("/inspections/reports/", SPAN)["Location"].startswith("/m/"))
        self.login(self.inspector)  # third-party inspectors see their rounds, not the reports
        self.assertEqual(self.client.get("/inspections/reports/", SPAN).status_code, 403)
