import datetime as dt
from io import StringIO

import time_machine
from django.core.management import CommandError, call_command
from django_q.models import Schedule

from plans import tasks as jobs
from plans.models import Task
from plans.tests.base import DAY1, PlanTestCase, at


class CommandTests(PlanTestCase):
    def test_it_generates_up_to_the_horizon_once(self):
        out = StringIO()
        with time_machine.travel(at(2026, 12, 1, 0, 30), tick=False), self.settings(PLANS_HORIZON_DAYS=2):
            call_command("generate_tasks", stdout=out)
            self.assertIn("created=6 until=2026-12-03", out.getvalue())
            out = StringIO()
            call_command("generate_tasks", stdout=out)
        self.assertIn("created=0", out.getvalue())

    def test_it_takes_a_date_days_or_a_company(self):
        out = StringIO()
        with time_machine.travel(at(2026, 12, 1, 0, 30), tick=False):
            call_command("generate_tasks", "--until", "2026-12-01", "--company", "other", stdout=out)
            self.assertIn("created=0", out.getvalue())
            call_command("generate_tasks", "--days", "0", "--company", "acme", stdout=out)
        self.assertIn("created=2 until=2026-12-01", out.getvalue())
        with self.assertRaises(CommandError):
            call_command("generate_tasks", "--days", "1", "--until", "2026-12-01")
        with self.assertRaises(CommandError):
            call_command("generate_tasks", "--company", "nobody")

    def test_it_sweeps_and_reports(self):
        self.generate()
        out = StringIO()
        with time_machine.travel(at(2026, 12, 1, 10, 1), tick=False):
            call_command("sweep_tasks", stdout=out)
            self.assertEqual(out.getvalue().strip(), "missed=1")
            out = StringIO()
            call_command("sweep_tasks", stdout=out)
        self.assertIn("nothing due", out.getvalue())
        self.assertEqual(Task.objects.get(plan=self.patrol, date=DAY1, window_index=0).status, "missed")

    def test_it_is_scheduled_hourly_and_every_minute(self):
        generate = Schedule.objects.get(name="plans.generate")
        sweep = Schedule.objects.get(name="plans.sweep")
        self.assertEqual((generate.func, generate.schedule_type), ("plans.tasks.generate", "H"))
        self.assertEqual((sweep.func, sweep.schedule_type, sweep.minutes), ("plans.tasks.sweep", "I", 1))

    def test_the_jobs_run_outside_a_company_scope(self):
        from django_scopes import scope

        with scope(company=[]), self.settings(PLANS_HORIZON_DAYS=0):
            created = jobs.generate(now=at(2026, 12, 1, 0, 30))
            totals = jobs.sweep(now=at(2026, 12, 1, 10, 1))
        self.assertEqual((created, totals), (2, {"missed": 1, "completed": 0}))
        self.assertEqual(jobs.horizon(at(2026, 12, 1, 0, 30)), dt.date(2026, 12, 8))
