import datetime as dt
from io import StringIO

import time_machine
from django.core.management import call_command
from django.utils import timezone
from django_q.models import Schedule

from lib.testing import BaseTestCase
from workorders.choices import EventKind
from workorders.tests.factories import category, report


class SweepCommandTests(BaseTestCase):
    def test_it_sweeps_once_and_reports_counts(self):
        order = report(self, category=category(self.company, "water-leak"))
        out = StringIO()
        with time_machine.travel(timezone.now() + dt.timedelta(days=2), tick=False):
            call_command("sweep_sla", stdout=out)
        self.assertIn("breaches=2", out.getvalue())
        self.assertEqual(order.events.filter(kind=EventKind.SLA_BREACH).count(), 2)
        out = StringIO()
        call_command("sweep_sla", stdout=out)
        self.assertIn("nothing due", out.getvalue())

    def test_it_is_scheduled_every_minute(self):
        schedule = Schedule.objects.get(name="workorders.sweep")
        self.assertEqual((schedule.func, schedule.schedule_type, schedule.minutes), ("workorders.tasks.sweep", "I", 1))
