"""The periodic job: scheduled every 10 minutes, across companies, idempotent."""

import datetime as dt

from django.utils import timezone
from django_q.models import Schedule

from analytics import tasks
from analytics.models import WorkOrderDaily
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


class NightlyRebuildTests(AnalyticsTestCase):
    def test_it_is_scheduled_daily_at_three(self) -> None:
        schedule = Schedule.objects.get(name="analytics.rebuild_recent")
        self.assertEqual((schedule.func, schedule.schedule_type), ("analytics.tasks.rebuild_recent", "D"))
        self.assertEqual(timezone.localtime(schedule.next_run).time(), dt.time(3, 0))

    def test_it_repairs_a_days_rows_the_refresh_did_not_see(self) -> None:
        self.report(priority="p1")
        tasks.refresh(now=T0 + MINUTE)
        right = tables()
        WorkOrderDaily.objects.all().update(reported=99)  # what a missed change leaves behind
        self.assertNotEqual(tables(), right)
        written = tasks.rebuild_recent(now=T0 + MINUTE)
        self.assertEqual(tables(), right)
        self.assertGreater(written[self.company.code], 0)

    def test_it_leaves_days_outside_its_window_alone(self) -> None:
        self.report(priority="p1")
        tasks.refresh(now=T0 + MINUTE)
        WorkOrderDaily.objects.all().update(reported=99)
        tasks.rebuild_recent(now=T0 + dt.timedelta(days=tasks.NIGHTLY_DAYS_BACK + 2))
        self.assertEqual(set(WorkOrderDaily.objects.values_list("reported", flat=True)), {99})
