"""The report pages over HTTP: who reads which report, the PDF and workbook downloads, writing the
narrative, and setting up campaigns; other companies' projects and campaigns are 404."""

from analytics.report_models import Campaign, Report
from analytics.tests.test_reports import KPI, NOVEMBER, ReportFixture

MONTH = "/analytics/reports/view/?kind=monthly&month=2026-11"
INDEX = "/analytics/reports/"


class ReportPageTests(ReportFixture):
    def test_anonymous_users_sign_in_first(self) -> None:
        for url in (INDEX, MONTH, "/analytics/reports/pdf/?kind=monthly&month=2026-11"):
            with self.subTest(url=url):
                response = self.client.get(url)
                self.assertEqual(response.status_code, 302)
                self.assertIn("/login", response["Location"])

    def test_people_without_kpis_get_403(self) -> None:
        self.login(self.staff)
        self.assertEqual(self.client.get(INDEX).status_code, 403)
        self.assertEqual(self.client.get(f"{MONTH}&project={self.project.pk}").status_code, 403)

    def test_the_index_offers_the_form_and_campaigns(self) -> None:
        campaign = self.campaign()
        self.login(self.quality)
        response = self.client.get(INDEX)
        self.assertContains(response, 'id="report-form"')
        self.assertContains(response, campaign.name)
        self.assertContains(response, "/analytics/reports/campaigns/new/")

    def test_the_company_report_shows_figures_charts_and_projects(self) -> None:
        self.login(self.admin)
        response = self.client.get(MONTH)
        self.assertEqual(response.status_code, 200)
        data = response.context["data"]
        self.assertEqual((data.kpi(KPI).numerator, data.kpi(KPI).denominator), (1, 3))
        self.assertContains(response, self.project2.name)
        self.assertNotContains(response, self.other_project.name)
        chart = response.context["trend_chart"]
        self.assertEqual(len(chart["xAxis"]["data"]), 6)
        self.assertContains(response, "report-trend-options")
        self.assertContains(response, f"/analytics/kpis/{KPI}/records/?from=2026-11-01&to=2026-11-30")
        self.assertContains(response, 'id="narrative-form"')

    def test_a_project_manager_reads_his_projects_report_only(self) -> None:
        self.login(self.manager)
        response = self.client.get(f"{MONTH}&project={self.project.pk}")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.context["data"].project, self.project)
        self.assertIsNone(response.context["narrative_form"])  # reads, does not write
        self.assertContains(
            response, f"/analytics/kpis/{KPI}/records/?from=2026-11-01&to=2026-11-30&project={self.project.pk}"
        )
        self.assertEqual(self.client.get(f"{MONTH}&project={self.project2.pk}").status_code, 404)
        self.assertEqual(self.client.get(MONTH).status_code, 400)  # the company's: he must name his project
        campaign = self.campaign(project=self.project)
        response = self.client.get(f"/analytics/reports/view/?kind=campaign&campaign={campaign.pk}")
        self.assertEqual((response.status_code, response.context["data"].project), (200, self.project))
        company_wide = self.campaign(name="全公司品质月")
        response = self.client.get(f"/analytics/reports/view/?kind=campaign&campaign={company_wide.pk}")
        self.assertEqual(response.status_code, 404)

    def test_other_companies_projects_and_campaigns_are_404(self) -> None:
        campaign = self.campaign()
        self.login(self.outsider)
        self.assertEqual(self.client.get(f"{MONTH}&project={self.project.pk}").status_code, 404)
        response = self.client.get(f"/analytics/reports/view/?kind=campaign&campaign={campaign.pk}")
        self.assertEqual(response.status_code, 404)
        response = self.client.get(MONTH)
        self.assertEqual(response.context["data"].company, self.other_company)
        self.assertNotContains(response, self.project.name)

    def test_bad_input_is_400(self) -> None:
        self.login(self.admin)
        for query in ("kind=monthly&month=2026-13", "kind=weekly", "kind=half_year&year=2026", "kind=campaign"):
            with self.subTest(query=query):
                self.assertEqual(self.client.get(f"/analytics/reports/view/?{query}").status_code, 400)
                self.assertEqual(self.client.get(f"/analytics/reports/pdf/?{query}").status_code, 400)

    def test_the_pdf_and_the_workbook_download(self) -> None:
        self.login(self.viewer)
        response = self.client.get("/analytics/reports/pdf/?kind=half_year&year=2026&half=2")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "application/pdf")
        self.assertTrue(response.content.startswith(b"%PDF-"))
        response = self.client.get(f"/analytics/reports/xlsx/?kind=monthly&month=2026-11&project={self.project.pk}")
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response["Content-Type"].startswith("application/vnd.openxmlformats"))
        self.assertIn("attachment", response["Content-Disposition"])


class ReportWriteTests(ReportFixture):
    def test_the_quality_manager_writes_the_narrative(self) -> None:
        self.login(self.quality)
        url = f"/analytics/reports/narrative/?kind=monthly&month=2026-11&project={self.project.pk}"
        response = self.client.post(url, {"highlights": "电梯困人零投诉", "problems": "", "plan": "整改地库渗漏"})
        self.assertRedirects(response, f"/analytics/reports/view/?kind=monthly&month=2026-11&project={self.project.pk}")
        report = Report.objects.get()
        self.assertEqual((report.project, report.date_from, report.date_to), (self.project, *NOVEMBER))
        self.assertEqual(
            (report.highlights, report.plan, report.updated_by), ("电梯困人零投诉", "整改地库渗漏", self.quality)
        )
        self.assertContains(self.client.get(response["Location"]), "电梯困人零投诉")

    def test_readers_cannot_write(self) -> None:
        url = f"/analytics/reports/narrative/?kind=monthly&month=2026-11&project={self.project.pk}"
        for user in (self.manager, self.viewer):
            with self.subTest(user=user.username):
                self.login(user)
                self.assertEqual(self.client.post(url, {"plan": "x"}).status_code, 403)
        self.login(self.outsider)
        self.assertEqual(self.client.post(url, {"plan": "x"}).status_code, 404)
        self.assertEqual(self.client.get(url).status_code, 405)
        self.assertFalse(Report.objects.exists())

    def goal_post(self, **fields) -> dict:
        data = {
            "name": "品质月",
            "description": "",
            "project": "",
            "baseline_from": "2026-10-01",
            "baseline_to": "2026-10-31",
            "date_from": "2026-11-01",
            "date_to": "2026-11-30",
            "goals-TOTAL_FORMS": "2",
            "goals-INITIAL_FORMS": "0",
            "goals-0-kpi": "follow_up_satisfaction",
            "goals-0-comparison": "change_points",
            "goals-0-value": "2",
            "goals-1-kpi": "",
            "goals-1-comparison": "",
            "goals-1-value": "",
        }
        return {**data, **fields}

    def test_the_quality_manager_sets_up_a_campaign(self) -> None:
        self.login(self.quality)
        self.assertEqual(self.client.get("/analytics/reports/campaigns/new/").status_code, 200)
        response = self.client.post("/analytics/reports/campaigns/new/", self.goal_post())
        campaign = Campaign.objects.get()
        self.assertRedirects(response, f"/analytics/reports/view/?kind=campaign&campaign={campaign.pk}")
        self.assertEqual((campaign.company, campaign.project, campaign.created_by), (self.company, None, self.quality))
        self.assertEqual(
            [(g.kpi, g.comparison) for g in campaign.goals.all()], [("follow_up_satisfaction", "change_points")]
        )
        page = self.client.get(response["Location"])
        self.assertEqual(page.status_code, 200)
        self.assertEqual([g.kpi for g in page.context["data"].goals], ["follow_up_satisfaction"])

        edit = f"/analytics/reports/campaigns/{campaign.pk}/edit/"
        self.assertEqual(self.client.get(edit).status_code, 200)
        response = self.client.post(
            edit,
            self.goal_post(
                name="十一月品质月",
                **{"goals-0-kpi": "repair_rework", "goals-0-comparison": "change_pct", "goals-0-value": "-10"},
            ),
        )
        self.assertEqual(response.status_code, 302)
        campaign.refresh_from_db()
        self.assertEqual(campaign.name, "十一月品质月")
        self.assertEqual([(g.kpi, g.value) for g in campaign.goals.all()], [("repair_rework", -10)])
        self.assertEqual(self.client.post(f"/analytics/reports/campaigns/{campaign.pk}/delete/").status_code, 302)
        self.assertFalse(Campaign.objects.exists())

    def test_campaign_forms_show_errors(self) -> None:
        self.login(self.quality)
        for fields in ({"date_to": "2026-10-01"}, {"goals-0-value": ""}, {"project": str(self.other_project.pk)}):
            with self.subTest(fields=fields):
                response = self.client.post("/analytics/reports/campaigns/new/", self.goal_post(**fields))
                self.assertEqual(response.status_code, 200)
        self.assertFalse(Campaign.objects.exists())

    def test_only_writers_set_up_campaigns(self) -> None:
        campaign = self.campaign()
        for user in (self.manager, self.viewer, self.supervisor):
            with self.subTest(user=user.username):
                self.login(user)
                self.assertEqual(self.client.get("/analytics/reports/campaigns/new/").status_code, 403)
                self.assertEqual(
                    self.client.post("/analytics/reports/campaigns/new/", self.goal_post()).status_code, 403
                )
                self.assertEqual(
                    self.client.post(f"/analytics/reports/campaigns/{campaign.pk}/delete/").status_code, 403
                )
        self.login(self.outsider)
        self.assertEqual(self.client.get(f"/analytics/reports/campaigns/{campaign.pk}/edit/").status_code, 404)
        self.assertEqual(self.client.post(f"/analytics/reports/campaigns/{campaign.pk}/delete/").status_code, 404)
        self.assertTrue(Campaign.objects.filter(pk=campaign.pk).exists())
        self.assertEqual(Campaign.objects.count(), 1)
