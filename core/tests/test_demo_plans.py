import datetime as dt
from io import StringIO

from django.core.management import call_command
from django.test import TestCase
from django.utils import timezone
from django_scopes import scopes_disabled

from accounts.models import User
from core.models import Company
from plans.choices import PlanKind, TaskStatus
from plans.models import CheckIn, Plan, Task
from plans.selectors import my_tasks, patrol_coverage, plan_completion_rate


def demo_data() -> None:
    call_command("demo_data", stdout=StringIO(), stderr=StringIO())


class DemoPlansTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        demo_data()
        cls.company = Company.objects.get(code="anju")

    def setUp(self) -> None:
        self.scope = scopes_disabled()
        self.scope.__enter__()
        self.addCleanup(self.scope.__exit__, None, None, None)
        self.tasks = Task.objects.filter(company=self.company)

    def test_it_gives_each_project_the_plans_of_its_service_level(self):
        for code in ("jinxiu", "huanqiu"):
            plans = Plan.objects.filter(project__code=code)
            self.assertTrue(plans.filter(kind=PlanKind.PATROL, source_profile_setting__isnull=False).exists(), code)
            self.assertTrue(plans.filter(kind=PlanKind.CLEANING).exists(), code)
            patrol = plans.get(kind=PlanKind.PATROL)
            self.assertEqual(patrol.route_rows.count(), 6)

    def test_it_gives_the_demo_staff_rounds_today(self):
        staff = User.objects.get(username="staff")
        today = list(my_tasks(user=staff, date=timezone.localdate()))
        names = [t.plan.name for t in today]
        self.assertEqual(names.count("设备房巡检"), 2)  # his own round, twice a day
        self.assertIn("房屋共用部位巡查", names)  # his department's daily inspection, for whoever takes it

    def test_it_replays_past_rounds_with_late_and_missed_ones(self):
        past = self.tasks.filter(due_at__lte=timezone.now())
        statuses = set(past.values_list("status", flat=True))
        self.assertLessEqual({TaskStatus.COMPLETED, TaskStatus.MISSED}, statuses)
        self.assertTrue(CheckIn.objects.filter(company=self.company, is_late=True).exists())
        start, end = timezone.localdate() - dt.timedelta(days=3), timezone.localdate()
        completion = plan_completion_rate(tasks=self.tasks, date_from=start, date_to=end)[0]
        coverage = patrol_coverage(tasks=self.tasks, date_from=start, date_to=end)[0]
        self.assertTrue(0.75 < completion.rate < 1, completion)
        self.assertTrue(0.7 < coverage.rate < 1, coverage)

    def test_it_is_idempotent(self):
        counts = (Plan.objects.count(), self.tasks.count(), CheckIn.objects.count())
        demo_data()
        self.assertEqual((Plan.objects.count(), self.tasks.count(), CheckIn.objects.count()), counts)
