"""The dashboard pages over HTTP: who gets in, company → project → department, the charts' options
and links, the records behind a KPI and behind a hotspot; bad input (400) and other companies' or
projects' ids (404)."""

from django.urls import reverse
from django.utils import timezone

from analytics.services import rollup_rebuild
from analytics.tests.base import D0, DAY, HOUR, MINUTE, T0, AnalyticsTestCase
from core import services as core_services
from core.choices import Role
from lib.testing import make_user
from workorders.choices import Kind

PERIOD = {"from": "2026-11-01", "to": "2026-11-30"}
URL = reverse("analytics:dashboard")


def records(code: str) -> str:
    return reverse("analytics:kpi_records", args=[code])


HOTSPOTS = reverse("analytics:hotspot_records")


class DashboardViewTests(AnalyticsTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        t = cls()
        cls.quality = make_user("quality", name="品质经理", phone="13900000009")
        core_services.membership_grant(
            company=cls.company, user=cls.quality, role=Role.QUALITY_MANAGER, actor=cls.admin
        )
        cls.leak = t.category("water-leak")
        cls.light = t.category("electric-public-light")
        cls.late = t.report(priority="p1", category=cls.leak)  # on site 90 minutes after a 60-minute limit
        t.repair_done(cls.late, arrive=T0 + 90 * MINUTE, done=T0 + 3 * HOUR)
        cls.quick = t.report(priority="p1", category=cls.leak, when=T0 + HOUR)  # a repeat at the same unit
        t.repair_done(cls.quick, arrive=T0 + HOUR + 20 * MINUTE, done=T0 + 2 * HOUR)
        cls.lobby = t.report(priority="p2", category=cls.light, area=cls.area, when=T0 + DAY)
        t.report(kind=Kind.COMPLAINT, category=t.category("c-order-noise"), when=T0 + DAY + HOUR)
        cls.theirs = t.report(
            project=cls.other_project, unit=cls.other_unit, category=None, actor=cls.outsider, priority="p1"
        )
        for company in (cls.company, cls.other_company):
            rollup_rebuild(company=company, days=[D0 + n * DAY for n in range(-1, 5)])

    def get(self, url, user=None, **params):
        self.login(user or self.quality)
        return self.client.get(url, params)


class AccessTests(DashboardViewTests):
    def test_anonymous_visitors_are_sent_to_log_in(self) -> None:
        for url in (URL, records("plan_completion"), HOTSPOTS):
            with self.subTest(url=url):
                response = self.client.get(url)
                self.assertEqual(response.status_code, 302)
                self.assertIn(reverse("accounts:login"), response["Location"])

    def test_people_without_analytics_view_are_refused(self) -> None:
        for url in (URL, records("plan_completion"), HOTSPOTS):
            with self.subTest(url=url):
                self.assertEqual(self.get(url, self.staff, **PERIOD).status_code, 403)
                self.assertRedirects(
                    self.get(url, self.owner, **PERIOD), reverse("portal:home"), fetch_redirect_response=False
                )

    def test_another_companys_or_projects_ids_answer_404(self) -> None:
        self.assertEqual(self.get(URL, project=self.other_project.pk, **PERIOD).status_code, 404)
        self.assertEqual(self.get(URL, department=self.other_department.pk, **PERIOD).status_code, 404)
        self.assertEqual(self.get(URL, self.manager, project=self.project2.pk, **PERIOD).status_code, 404)
        self.assertEqual(
            self.get(URL, project=self.project2.pk, department=self.department.pk, **PERIOD).status_code, 404
        )
        self.assertEqual(self.get(records("plan_completion"), project=self.other_project.pk, **PERIOD).status_code, 404)
        self.assertEqual(self.get(HOTSPOTS, project=self.other_project.pk, **PERIOD).status_code, 404)
        self.assertEqual(self.get(URL, project=999999, **PERIOD).status_code, 404)

    def test_bad_input_answers_400_with_the_reason(self) -> None:
        for params in (
            {"from": "2026-11-30", "to": "2026-11-01"},
            {"from": "yesterday"},
            {"from": "2020-01-01", "to": "2026-11-30"},
            {"project": "abc"},
        ):
            with self.subTest(params=params):
                response = self.get(URL, **params)
                self.assertEqual(response.status_code, 400)
                self.assertContains(response, 'id="dashboard-errors"', status_code=400)
        self.assertEqual(self.get(records("plan_completion"), part="everything", **PERIOD).status_code, 400)
        self.assertEqual(self.get(HOTSPOTS, hour=25, **PERIOD).status_code, 400)
        self.assertEqual(self.get(HOTSPOTS, hour=10, counter="repeats", **PERIOD).status_code, 400)
        self.assertEqual(self.get(records("no_such_kpi"), **PERIOD).status_code, 404)


class DashboardPageTests(DashboardViewTests):
    def test_the_company_view(self) -> None:
        response = self.get(URL, **PERIOD)
        self.assertEqual(response.status_code, 200)
        tiles = {t["kpi"].code: t for t in response.context["tiles"]}
        arrive = tiles["repair_arrive_on_time"]["figure"]
        self.assertEqual((arrive.rate.numerator, arrive.rate.denominator, arrive.ok), (1, 2, False))
        self.assertIn(f"{records('repair_arrive_on_time')}?", tiles["repair_arrive_on_time"]["url"])
        self.assertContains(response, 'data-kpi="repair_arrive_on_time" data-ok="no"')
        rows = {r["key"]: r for r in response.context["rows"]}
        self.assertEqual(set(rows), {self.project.pk, self.project2.pk})
        self.assertIn(f"project={self.project.pk}", rows[self.project.pk]["url"])
        self.assertNotContains(response, self.other_project.name)
        self.assertEqual(response.context["scope"].level, "company")

    def test_the_charts_options_and_their_links(self) -> None:
        context = self.get(URL, **PERIOD).context
        charts = {c["kpi"].code: c for c in context["trend_charts"]}
        arrive = charts["repair_arrive_on_time"]["options"]
        self.assertEqual(arrive["series"][0]["data"][1], {"value": 50.0, "url": arrive["series"][0]["data"][1]["url"]})
        self.assertIn("from=2026-11-02&to=2026-11-02", arrive["series"][0]["data"][1]["url"])
        self.assertEqual(arrive["series"][0]["markLine"]["data"][0]["yAxis"], 95.0)
        categories = context["category_chart"]
        self.assertEqual(categories["yAxis"]["data"][0], self.leak.name)
        place = context["place_chart"]
        self.assertIn("1栋 · 1栋大堂", place["yAxis"]["data"])
        hours = context["hour_chart"]
        self.assertEqual(len(hours["xAxis"]["data"]), 24)
        cell = hours["series"][0]["data"][0]
        self.assertIn("weekday=", cell["url"])
        self.assertIsNotNone(context["volume_chart"])
        self.assertEqual(context["repeats"][0]["repeats"], 1)

    def test_drill_down_to_a_project_and_a_department(self) -> None:
        response = self.get(URL, project=self.project.pk, **PERIOD)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.context["scope"].level, "project")
        (row,) = [r for r in response.context["rows"] if r["key"] == self.department.pk]
        self.assertIn(f"department={self.department.pk}", row["url"])
        self.assertContains(response, self.department.name)
        response = self.get(row["url"])
        self.assertEqual(response.context["scope"].level, "department")
        self.assertEqual([r["label"] for r in response.context["rows"]][:1], ["钱师傅"])

    def test_a_project_manager_sees_his_project_only(self) -> None:
        response = self.get(URL, self.manager, **PERIOD)
        self.assertEqual([r["key"] for r in response.context["rows"]], [self.project.pk])
        self.assertNotContains(response, self.project2.name)

    def test_the_default_period_is_this_month(self) -> None:
        response = self.get(URL)
        self.assertEqual(response.status_code, 200)
        scope = response.context["scope"]
        today = timezone.localdate()
        self.assertEqual((scope.date_from, scope.date_to), (today.replace(day=1), today))


class RecordsPageTests(DashboardViewTests):
    def test_the_records_behind_a_kpi(self) -> None:
        response = self.get(records("repair_arrive_on_time"), part="denominator", **PERIOD)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(set(response.context["page"].object_list), {self.late, self.quick})
        self.assertContains(response, reverse("workorders:workorder_detail", args=[self.late.pk]))
        numerator = self.get(records("repair_arrive_on_time"), part="numerator", **PERIOD)
        self.assertEqual(list(numerator.context["page"].object_list), [self.quick])

    def test_records_never_show_another_company(self) -> None:
        response = self.get(records("repair_arrive_on_time"), self.outsider, **PERIOD)
        self.assertEqual(list(response.context["page"].object_list), [self.theirs])
        self.assertNotContains(response, reverse("workorders:workorder_detail", args=[self.late.pk]))

    def test_records_per_project_department_and_kind(self) -> None:
        response = self.get(records("plan_completion"), project=self.project.pk, kind="patrol", **PERIOD)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.context["columns"], "task")
        households = self.get(records("valid_complaints"), part="denominator", **PERIOD)
        self.assertIsNone(households.context["page"])
        self.assertContains(households, "alert-info")

    def test_the_orders_behind_a_hotspot(self) -> None:
        response = self.get(HOTSPOTS, category=self.leak.pk, **PERIOD)
        self.assertEqual(set(response.context["page"].object_list), {self.late, self.quick})
        repeats = self.get(HOTSPOTS, category=self.leak.pk, counter="repeats", **PERIOD)
        self.assertEqual(list(repeats.context["page"].object_list), [self.quick])
        lobby = self.get(HOTSPOTS, area=self.area.pk, category=self.light.pk, **PERIOD)
        self.assertEqual(list(lobby.context["page"].object_list), [self.lobby])
        monday_ten = self.get(HOTSPOTS, weekday=1, hour=10, **PERIOD)
        self.assertEqual(list(monday_ten.context["page"].object_list), [self.late])
        tuesday = self.get(HOTSPOTS, weekday=2, **PERIOD)
        self.assertEqual(len(tuesday.context["page"].object_list), 2)

    def test_hotspots_of_another_company_stay_hidden(self) -> None:
        response = self.get(HOTSPOTS, **PERIOD)
        self.assertNotIn(self.theirs, list(response.context["page"].object_list))
        self.assertEqual(response.context["page"].paginator.count, 4)


class ExportTests(DashboardViewTests):
    def test_the_table_downloads_as_a_workbook(self) -> None:
        import io

        from openpyxl import load_workbook

        response = self.get(URL, export="xlsx", **PERIOD)
        self.assertEqual(response.status_code, 200)
        self.assertIn("attachment", response["Content-Disposition"])
        sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
        rows = list(sheet.iter_rows(values_only=True))
        self.assertEqual(len(rows), 3)  # header, the two projects
        by_name = {r[0]: r for r in rows[1:]}
        garden = by_name[self.project.name]
        self.assertEqual(garden[1], 4)  # orders reported
        self.assertEqual(garden[2:6], (50.0, 95.0, 1, 2))  # on-site timeliness: value, target, n, d
        self.assertNotIn(self.other_project.name, by_name)

    def test_the_export_follows_the_scope_and_access(self) -> None:
        self.assertEqual(self.get(URL, export="xlsx", project=self.other_project.pk, **PERIOD).status_code, 404)
        self.assertEqual(self.get(URL, self.staff, export="xlsx", **PERIOD).status_code, 403)
        response = self.get(URL, export="xlsx", project=self.project.pk, **PERIOD)
        self.assertIn("dashboard-project", response["Content-Disposition"])
