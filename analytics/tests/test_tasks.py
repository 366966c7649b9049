"""The periodic job: scheduled every 10 minutes, across companies, idempotent."""

from django_q.models import Schedule

from analytics import tasks
from analytics.tests.base import MINUTE, T0, AnalyticsTestCase, tables


class RefreshJobTests(AnalyticsTestCase):
    def test_it_is_scheduled_every_ten_minutes(self) -> None:
        schedule = Schedule.objects.get(name="analytics.refresh")
        self.assertEqual(
            (schedule.func, schedule.schedule_type, schedule.minutes), ("analytics.tasks.refresh", "I", 10)
        )

    def test_it_rolls_up_every_company_and_a_second_run_changes_nothing(self) -> None:
        self.report(priority="p1")
        self.report(priority="p1", project=self.other_project, unit=self.other_unit, actor=self.outsider)
        first = tasks.refresh(now=T0 + MINUTE)
        self.assertEqual(first["orders"], 2)
        rows = tables()
        projects = {key[0] for key in rows["WorkOrderDaily"]}
        self.assertEqual(projects, {self.project.pk, self.other_project.pk})
        tasks.refresh(now=T0 + 2 * MINUTE)
        self.assertEqual(tables(), rows)
