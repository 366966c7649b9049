"""The reports API (/api/v1/reports/, reports/generate/, campaigns/): who reads and writes what,
the report as JSON, PDF and Excel, structured errors naming the field, other companies hidden."""

from analytics.report_models import Campaign, Report
from analytics.tests.test_reports import KPI, ReportFixture
from core.tests.test_api import ApiTestCase

GENERATE = "reports/generate/"
NOVEMBER = {"kind": "monthly", "month": "2026-11"}


class ReportApiTestCase(ReportFixture, ApiTestCase):
    pass


class ReportApiAccessTests(ReportApiTestCase):
    def test_it_requires_authentication(self) -> None:
        for path in ("reports/", "campaigns/", GENERATE):
            self.assertError(self.get(path, NOVEMBER), 401, "not_authenticated")

    def test_it_refuses_owners_and_staff(self) -> None:
        for user in (self.owner, self.staff):
            self.auth(user)
            for path in ("reports/", "campaigns/", GENERATE):
                self.assertError(self.get(path, NOVEMBER), 403, "permission_denied")

    def test_readers_do_not_write(self) -> None:
        campaign = self.campaign()
        self.auth(self.viewer)
        self.assertEqual(self.get("campaigns/").status_code, 200)
        self.assertError(self.post("campaigns/", {"name": "x"}), 403, "permission_denied")
        self.assertError(self.patch(f"campaigns/{campaign.pk}/", {"name": "x"}), 403, "permission_denied")
        self.assertError(self.post("reports/", {**NOVEMBER, "plan": "x"}), 403, "permission_denied")
        self.assertEqual(self.client.delete(f"/api/v1/campaigns/{campaign.pk}/").status_code, 403)

    def test_it_hides_another_companys_reports_and_campaigns(self) -> None:
        campaign = self.campaign()
        self.auth(self.quality)
        self.post("reports/", {**NOVEMBER, "project": self.project.pk, "plan": "整改"})
        self.auth(self.outsider)
        self.assertEqual(self.get("reports/").json()["results"], [])
        self.assertEqual(self.get("campaigns/").json()["results"], [])
        self.assertError(self.get(f"campaigns/{campaign.pk}/"), 404, "not_found")
        self.assertError(self.patch(f"campaigns/{campaign.pk}/", {"name": "x"}), 404, "not_found")
        self.assertError(
            self.get(GENERATE, {**NOVEMBER, "project": self.project.pk}), 400, "invalid", {"project": "does_not_exist"}
        )
        self.assertError(
            self.get(GENERATE, {"kind": "campaign", "campaign": campaign.pk}),
            400,
            "invalid",
            {"campaign": "does_not_exist"},
        )
        body = self.get(GENERATE, NOVEMBER).json()
        self.assertEqual(body["company"], self.other_company.pk)
        self.assertEqual([p["project"] for p in body["projects"]], [self.other_project.pk])

    def test_a_project_manager_reads_his_project_only(self) -> None:
        self.auth(self.manager)
        self.assertEqual(self.get(GENERATE, {**NOVEMBER, "project": self.project.pk}).status_code, 200)
        self.assertError(
            self.get(GENERATE, {**NOVEMBER, "project": self.project2.pk}), 400, "invalid", {"project": "does_not_exist"}
        )
        self.assertError(self.get(GENERATE, NOVEMBER), 403, "permission_denied")  # the company's figures


class ReportApiTests(ReportApiTestCase):
    def test_it_generates_the_report_as_json(self) -> None:
        self.auth(self.viewer)
        body = self.get(GENERATE, NOVEMBER).json()
        kpi = next(row for row in body["kpis"] if row["code"] == KPI)
        self.assertEqual((kpi["numerator"], kpi["denominator"], kpi["value"], kpi["target"]), (1, 3, 33.3, 95.0))
        self.assertEqual(
            (body["date_from"], body["date_to"], body["compare_from"]), ("2026-11-01", "2026-11-30", "2026-10-01")
        )
        self.assertEqual(len(body["projects"]), 2)

    def test_it_generates_pdf_and_excel_files(self) -> None:
        self.auth(self.viewer)
        response = self.get(GENERATE, {"kind": "half_year", "year": 2026, "half": 2, "output": "pdf"})
        self.assertEqual((response.status_code, response["Content-Type"]), (200, "application/pdf"))
        self.assertTrue(response.content.startswith(b"%PDF-"))
        response = self.get(GENERATE, {**NOVEMBER, "output": "xlsx", "project": self.project.pk})
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.content.startswith(b"PK"))

    def test_it_names_the_bad_field(self) -> None:
        self.auth(self.admin)
        cases = [
            ({"kind": "weekly"}, "kind"),
            ({"kind": "monthly"}, "month"),
            ({"kind": "monthly", "month": "2026-13"}, "month"),
            ({"kind": "half_year", "year": 2026}, "half"),
            ({"kind": "campaign"}, "campaign"),
            ({**NOVEMBER, "output": "doc"}, "output"),
        ]
        for params, field in cases:
            with self.subTest(params=params):
                error = self.assertError(self.get(GENERATE, params), 400, "invalid")
                self.assertIn(field, error["fields"])

    def test_the_quality_manager_writes_and_lists_narratives(self) -> None:
        self.auth(self.quality)
        response = self.post("reports/", {**NOVEMBER, "project": self.project.pk, "highlights": "零投诉"})
        self.assertEqual(response.status_code, 200)
        response = self.post("reports/", {**NOVEMBER, "project": self.project.pk, "plan": "整改地库渗漏"})
        report = Report.objects.get()
        self.assertEqual((report.highlights, report.plan), ("零投诉", "整改地库渗漏"))
        self.assertEqual(self.ids(self.get("reports/")), {report.pk})
        self.assertEqual(self.get(f"reports/{report.pk}/").json()["plan"], "整改地库渗漏")
        self.auth(self.manager)  # reads his project's
        self.assertEqual(self.ids(self.get("reports/")), {report.pk})
        self.assertEqual(
            self.get(GENERATE, {**NOVEMBER, "project": self.project.pk}).json()["narrative"]["plan"], "整改地库渗漏"
        )

    def test_campaigns_crud(self) -> None:
        self.auth(self.quality)
        data = {
            "name": "品质月",
            "baseline_from": "2026-10-01",
            "baseline_to": "2026-10-31",
            "date_from": "2026-11-01",
            "date_to": "2026-11-30",
            "goals": [{"kpi": "follow_up_satisfaction", "comparison": "change_points", "value": "2"}],
        }
        response = self.post("campaigns/", data)
        self.assertEqual(response.status_code, 201, response.content)
        pk = response.json()["id"]
        self.assertEqual(
            response.json()["goals"],
            [{"kpi": "follow_up_satisfaction", "comparison": "change_points", "value": "2.00"}],
        )
        body = self.get(GENERATE, {"kind": "campaign", "campaign": pk}).json()
        self.assertEqual([g["kpi"] for g in body["goals"]], ["follow_up_satisfaction"])
        response = self.patch(f"campaigns/{pk}/", {"name": "十一月品质月", "project": self.project.pk})
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual((response.json()["name"], response.json()["project"]), ("十一月品质月", self.project.pk))
        self.assertError(
            self.patch(f"campaigns/{pk}/", {"date_to": "2026-10-01"}), 400, "invalid", {"date_to": "invalid"}
        )
        self.assertError(
            self.post("campaigns/", {**data, "goals": [{"kpi": "nps", "comparison": "at_least", "value": 1}]}),
            400,
            "invalid",
        )
        self.assertError(
            self.post("campaigns/", {**data, "project": self.other_project.pk}),
            400,
            "invalid",
            {"project": "does_not_exist"},
        )
        self.assertEqual(self.client.delete(f"/api/v1/campaigns/{pk}/").status_code, 204)
        self.assertFalse(Campaign.objects.exists())
