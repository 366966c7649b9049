"""gen_scale's plans and task history: rows that look like what the services write, and the services agree."""

import datetime as dt
from collections import Counter
from io import StringIO

from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Count, F, Q
from django.test import TestCase

from accounts.models import User
from core.choices import Role
from core.demo.scale import scale_delete_company
from core.demo.scale_plans import pg_bulk_load
from core.models import Company, Membership
from plans import services
from plans.choices import OPEN_TASK_STATUSES, PlanKind, TaskStatus
from plans.models import CheckIn, Plan, PlanAssignee, PlanCheckpoint, PlanWindow, Task, TaskEvent
from workorders.models import WorkOrder

AS_OF = dt.datetime(2026, 3, 2, 10, 30, tzinfo=dt.UTC)  # 18:30 in Shanghai, a Monday after the Spring Festival
GRACE = dt.timedelta(minutes=settings.PLANS_FINISH_GRACE_MINUTES)


def generate(code: str, *extra: str, plans: int = 40, tasks: int = 1500) -> str:
    out = StringIO()
    args = ["--projects", "2", "--units-per-project", "20", "--company-code", code, "--no-progress"]
    args += ["--plans", str(plans), "--tasks", str(tasks), "--as-of", AS_OF.isoformat(), *extra]
    call_command("gen_scale", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


class GenScalePlansTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.output = generate("pl-a")
        cls.company = Company.objects.get(code="pl-a")
        cls.tasks = Task.objects.filter(company=cls.company)
        cls.plans = Plan.objects.filter(company=cls.company)
        cls.today = dt.date(2026, 3, 2)

    def test_it_reports_what_it_wrote(self) -> None:
        self.assertRegex(
            self.output, r"Generated 40 plans with \d+ windows and 60 checkpoints, \d+ tasks over \d+ days"
        )
        self.assertEqual(self.plans.count(), 40)
        self.assertIn(f" {self.tasks.count()} tasks over ", self.output)
        self.assertIn(f" {TaskEvent.objects.filter(company=self.company).count()} events ", self.output)
        self.assertIn(f" {CheckIn.objects.filter(company=self.company).count()} check-ins ", self.output)
        self.assertGreaterEqual(self.tasks.count(), 1500 * 0.9)

    def test_it_mixes_plans_of_every_kind_with_windows_routes_and_assignees(self) -> None:
        kinds = Counter(self.plans.values_list("kind", flat=True))
        self.assertEqual(set(kinds), set(PlanKind.values) - {PlanKind.BRANDED_SERVICE})
        self.assertGreater(kinds[PlanKind.PATROL], 20)
        windows = Counter(PlanWindow.objects.filter(plan__company=self.company).values_list("plan_id", flat=True))
        self.assertEqual(max(windows.values()), 24)
        self.assertTrue(PlanWindow.objects.filter(plan__company=self.company, end__lte=F("start")).exists())
        self.assertEqual(self.plans.filter(generated_until=self.today + dt.timedelta(days=1)).count(), 40)
        self.assertGreater(PlanCheckpoint.objects.filter(plan__company=self.company).count(), 40)
        self.assertGreater(PlanAssignee.objects.filter(plan__company=self.company).count(), 30)
        rules = set(self.plans.values_list("rrule", flat=True))
        self.assertTrue({"FREQ=DAILY", "FREQ=DAILY;INTERVAL=2"} <= rules, rules)
        self.assertEqual(len(set(self.plans.values_list("project_id", flat=True))), 2)

    def test_it_makes_the_tasks_the_generator_would(self) -> None:
        before = self.tasks.count()
        tomorrow, after = self.today + dt.timedelta(days=1), self.today + dt.timedelta(days=2)
        self.assertEqual(
            self.tasks.filter(date=tomorrow, status=TaskStatus.SCHEDULED).count(),
            self.tasks.filter(date=tomorrow).count(),
        )
        self.plans.update(generated_until=None)  # yesterday, today and tomorrow again, from the plans
        self.assertEqual(services.tasks_generate(until=tomorrow, now=AS_OF, company=self.company), 0)
        self.assertEqual(self.tasks.count(), before)
        made = services.tasks_generate(until=after, now=AS_OF, company=self.company)
        self.assertEqual(made, self.tasks.filter(date=after).count())
        self.assertGreater(made, 300)

    def test_it_leaves_tasks_as_the_phone_and_the_sweep_would_by_as_of(self) -> None:
        statuses = Counter(self.tasks.values_list("status", flat=True))
        self.assertGreater(statuses[TaskStatus.COMPLETED], 0.8 * self.tasks.filter(due_at__lte=AS_OF).count())
        for status in TaskStatus.values:
            self.assertGreater(statuses[status], 0, status)
        open_tasks = self.tasks.filter(status__in=OPEN_TASK_STATUSES)
        self.assertFalse(open_tasks.filter(status=TaskStatus.SCHEDULED, due_at__lte=AS_OF).exists())
        self.assertFalse(open_tasks.filter(due_at__lte=AS_OF - GRACE).exists())
        self.assertEqual(services.tasks_sweep_missed(now=AS_OF), {"missed": 0, "completed": 0})
        self.assertTrue(open_tasks.filter(starts_at__lte=AS_OF, due_at__gt=AS_OF).exists())
        self.assertFalse(self.tasks.filter(started_at__gt=AS_OF).exists())
        self.assertFalse(self.tasks.filter(finished_at__gt=AS_OF).exists())
        worked = [TaskStatus.IN_PROGRESS, TaskStatus.COMPLETED]
        self.assertFalse(self.tasks.filter(status__in=worked, started_at__isnull=True).exists())
        self.assertFalse(self.tasks.filter(status__in=worked, assignee__isnull=True).exists())
        self.assertFalse(self.tasks.filter(status=TaskStatus.SCHEDULED, started_at__isnull=False).exists())
        self.assertFalse(self.tasks.filter(status=TaskStatus.COMPLETED, finished_at__isnull=True).exists())

    def test_it_keeps_the_counters_and_events_consistent(self) -> None:
        counted = self.tasks.annotate(
            on_time=Count("checkins", filter=Q(checkins__is_late=False)),
            late=Count("checkins", filter=Q(checkins__is_late=True)),
        )
        self.assertFalse(counted.exclude(on_time=F("on_time_checkins"), late=F("late_checkins")).exists())
        self.assertTrue(self.tasks.filter(late_checkins__gt=0).exists())
        self.assertFalse(CheckIn.objects.filter(company=self.company, at__gt=AS_OF).exists())
        self.assertFalse(self.tasks.filter(on_time_checkins__gt=F("required_checkpoints")).exists())
        last = {}
        events = TaskEvent.objects.filter(company=self.company).order_by("task_id", "created", "id")
        for task_id, from_status, to_status in events.values_list("task_id", "from_status", "to_status"):
            self.assertEqual(from_status, last.get(task_id, TaskStatus.SCHEDULED), task_id)
            last[task_id] = to_status
        for task_id, status in self.tasks.values_list("id", "status"):
            self.assertEqual(last.get(task_id, TaskStatus.SCHEDULED), status, task_id)

    def test_it_gives_tasks_the_services_can_carry_on(self) -> None:
        task = (
            self.tasks.filter(
                status=TaskStatus.SCHEDULED, starts_at__lte=AS_OF, due_at__gt=AS_OF, assignee__isnull=False
            )
            .exclude(required_checkpoints=0)
            .select_related("company", "plan")
            .first()
        )
        stop = PlanCheckpoint.objects.filter(plan_id=task.plan_id).order_by("sort_order", "id").first()
        worker = User.objects.get(pk=task.assignee_id)
        checkin = services.task_checkin(
            task=task, actor=worker, method="qr", code=stop.checkpoint.code, at=AS_OF + dt.timedelta(minutes=1)
        )
        task.refresh_from_db()
        self.assertEqual((task.status, task.on_time_checkins, checkin.is_late), (TaskStatus.IN_PROGRESS, 1, False))


class GenScalePlanOptionsTests(TestCase):
    def test_it_makes_plans_without_history(self) -> None:
        output = generate("pl-b", plans=20, tasks=0)
        self.assertIn("Generated 20 plans", output)
        self.assertFalse(Task.objects.filter(company__code="pl-b").exists())
        self.assertFalse(Plan.objects.filter(company__code="pl-b", generated_until__isnull=False).exists())

    def test_it_uses_the_staff_of_the_work_orders(self) -> None:
        generate("pl-c", "--workorders", "50", plans=20, tasks=300)
        company = Company.objects.get(code="pl-c")
        assignees = set(PlanAssignee.objects.filter(company=company).values_list("user_id", flat=True))
        members = set(Membership.objects.filter(company=company, role=Role.STAFF).values_list("user_id", flat=True))
        self.assertTrue(assignees)
        self.assertLessEqual(assignees, members)
        self.assertTrue(WorkOrder.objects.filter(company=company, assignee_id__in=assignees).exists())

    def test_it_is_reproducible_from_the_seed(self) -> None:
        generate("pl-d", plans=20, tasks=300)
        generate("pl-e", plans=20, tasks=300)
        fields = ("date", "window_index", "status", "starts_at", "started_at", "on_time_checkins", "late_checkins")

        def snapshot(code):
            return list(Task.objects.filter(company__code=code).order_by("id").values_list(*fields))

        self.assertEqual(snapshot("pl-d"), snapshot("pl-e"))

    def test_it_deletes_plans_and_tasks_with_the_company(self) -> None:
        generate("pl-f", plans=20, tasks=300)
        company = Company.objects.get(code="pl-f")
        scale_delete_company(company)
        self.assertFalse(Task.objects.filter(company_id=company.pk).exists())
        self.assertFalse(CheckIn.objects.filter(company_id=company.pk).exists())
        self.assertFalse(Plan.objects.filter(company_id=company.pk).exists())

    def test_it_refuses_tasks_without_plans(self) -> None:
        with self.assertRaisesMessage(CommandError, "--tasks needs --plans"):
            call_command("gen_scale", "--projects", "1", "--units-per-project", "1", "--tasks", "10")

    def test_it_puts_the_foreign_key_checks_back_after_a_bulk_load(self) -> None:
        def role() -> str:
            with connection.cursor() as cursor:
                cursor.execute("SHOW session_replication_role")
                return cursor.fetchone()[0]

        if connection.vendor != "postgresql":
            with pg_bulk_load():  # nothing to switch off
                self.assertEqual(connection.vendor, "sqlite")
            return
        before = role()
        with pg_bulk_load():
            self.assertIn(role(), ("replica", before))  # replica when the role may set it
        self.assertEqual(role(), before)
