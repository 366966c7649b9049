import datetime as dt
from io import StringIO

from django.core.management import call_command
from django.db.models import Sum
from django.test import TestCase
from django.utils import timezone
from django_scopes import scopes_disabled

from accounts.models import User
from analytics.models import TaskDaily, WorkOrderDaily
from analytics.selectors import kpi_values
from core.models import Company
from plans.choices import TaskStatus
from plans.models import Task
from workorders.choices import Status as WorkOrderStatus
from workorders.models import WorkOrder


def demo_data() -> None:
    call_command("demo_data", stdout=StringIO(), stderr=StringIO())


class DemoAnalyticsTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        demo_data()
        cls.company = Company.objects.get(code="anju")

    def setUp(self) -> None:
        self.scope = scopes_disabled()
        self.scope.__enter__()
        self.addCleanup(self.scope.__exit__, None, None, None)

    def test_every_order_and_task_of_the_history_is_rolled_up(self):
        live = WorkOrder.objects.filter(company=self.company).exclude(
            status__in=[WorkOrderStatus.CANCELLED, WorkOrderStatus.REJECTED]
        )
        reported = WorkOrderDaily.objects.filter(company=self.company).aggregate(n=Sum("reported"))["n"]
        self.assertGreater(live.count(), 0)
        self.assertEqual(reported, live.count())
        tasks = Task.objects.filter(company=self.company).exclude(status=TaskStatus.CANCELLED)
        scheduled = TaskDaily.objects.filter(company=self.company).aggregate(n=Sum("scheduled"))["n"]
        self.assertEqual(scheduled, tasks.count())

    def test_the_quality_manager_sees_this_months_figures(self):
        today = timezone.localdate(timezone=self.company.zone)
        values = kpi_values(
            user=User.objects.get(username="quality"),
            kpis=["plan_completion", "average_rating"],
            date_from=today - dt.timedelta(days=30),
            date_to=today,
        )
        self.assertGreater(values["plan_completion"][0].denominator, 0)
        self.assertGreater(values["average_rating"][0].denominator, 0)

    def test_seeding_again_changes_no_figure(self):
        def rows():
            order = ("project", "department", "person", "kind", "day")
            return [
                {k: v for k, v in r.items() if k != "id"}
                for r in WorkOrderDaily.objects.filter(company=self.company).order_by(*order).values()
            ]

        before = rows()
        demo_data()
        self.assertEqual(rows(), before)

    def test_a_quality_month_campaign_has_goals_and_the_quality_managers_narrative(self):
        from analytics.report_models import Campaign, Report

        campaign = Campaign.objects.get(company=self.company)
        self.assertEqual(campaign.goals.count(), 4)
        self.assertLess(campaign.baseline_to, campaign.date_from)
        report = Report.objects.get(campaign=campaign)
        self.assertTrue(report.highlights and report.problems and report.plan)

    def test_the_residential_board_is_published_by_a_public_link(self):
        from portal.models import BoardLink

        link = BoardLink.objects.get(project__company=self.company)
        self.assertEqual(link.project.name, "锦绣花园")
        response = self.client.get(f"/m/board/{link.token}/")
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "锦绣花园")
