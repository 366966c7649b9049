"""Inspection schedules → rounds: dates from lib.recurrence, natural keys, never in the past, skips."""

import datetime as dt
from io import StringIO

import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command

from core.models import Membership
from inspections import services, tasks
from inspections.choices import RoundKind, RoundStatus
from inspections.models import InspectionRound, InspectionSchedule
from inspections.tests.base import DAY1, InspectionTestCase, at
from lib import recurrence

NOW = at(2026, 12, 1, 7, 0)


class ScheduleTestCase(InspectionTestCase):
    def schedule(self, **data) -> InspectionSchedule:
        values = {"kind": RoundKind.WEEKLY, "rrule": "FREQ=WEEKLY;BYDAY=TU,FR", "starts_on": DAY1, "lead": self.quality}
        values.update(data)
        inspectors = values.pop("inspectors", [self.inspector])
        return services.inspection_schedule_create(
            project=self.project, template=self.template, data=values, inspectors=inspectors, actor=self.quality
        )


class InspectionScheduleCreateTests(ScheduleTestCase):
    def test_it_creates_a_schedule_with_inspectors(self) -> None:
        schedule = self.schedule(title="周检")
        self.assertEqual(set(schedule.inspectors.all()), {self.quality, self.inspector})
        self.assertEqual(str(schedule), "周检")

    def test_it_checks_the_rule(self) -> None:
        with self.assertRaises(ValidationError) as e:
            self.schedule(rrule="FREQ=SOMETIMES")
        self.assertIn("rrule", e.exception.message_dict)

    def test_it_checks_the_dates(self) -> None:
        with self.assertRaises(ValidationError) as e:
            self.schedule(ends_on=DAY1 - dt.timedelta(days=1))
        self.assertIn("ends_on", e.exception.message_dict)

    def test_it_checks_the_checklist_and_inspectors(self) -> None:
        services.checklist_template_update(template=self.template, data={"kinds": ["special"]}, actor=self.quality)
        with self.assertRaises(ValidationError) as e:
            self.schedule()
        self.assertIn("kind", e.exception.message_dict)
        with self.assertRaises(ValidationError) as e:
            self.schedule(kind="special", inspectors=[self.staff])
        self.assertIn("inspectors", e.exception.message_dict)

    def test_it_needs_manage(self) -> None:
        for person in (self.inspector, self.viewer, self.outsider):
            with self.subTest(person=person.username), self.assertRaises(PermissionDenied):
                services.inspection_schedule_create(
                    project=self.project,
                    template=self.template,
                    data={"starts_on": DAY1},
                    inspectors=[],
                    actor=person,
                )


class RoundsGenerateTests(ScheduleTestCase):
    def test_it_makes_a_round_per_date_of_the_rule(self) -> None:
        schedule = self.schedule(due_hours=30)
        created = services.rounds_generate(until=dt.date(2026, 12, 14), now=NOW)
        rounds = InspectionRound.objects.filter(schedule=schedule).order_by("scheduled_for")
        expected = recurrence.rule_dates(
            rule=schedule.rrule, starts_on=DAY1, date_from=DAY1, date_to=dt.date(2026, 12, 14)
        )
        self.assertEqual([r.scheduled_for for r in rounds], expected)
        self.assertEqual(created, 4)  # Tue 1, Fri 4, Tue 8, Fri 11
        first = rounds[0]
        self.assertEqual(first.source_key, f"schedule:{schedule.pk}:2026-12-01")
        self.assertEqual((first.status, first.kind, first.title), (RoundStatus.SCHEDULED, "weekly", "测试检查表"))
        self.assertEqual(first.due_at, at(2026, 12, 2, 6, 0))  # 30 h after the day starts
        self.assertEqual((first.version, first.lead), (self.version, self.quality))
        self.assertEqual(set(first.inspectors.all()), {self.quality, self.inspector})
        schedule.refresh_from_db()
        self.assertEqual(schedule.generated_until, dt.date(2026, 12, 14))

    def test_a_rerun_makes_nothing_twice(self) -> None:
        schedule = self.schedule()
        services.rounds_generate(until=dt.date(2026, 12, 14), now=NOW)
        self.assertEqual(services.rounds_generate(until=dt.date(2026, 12, 14), now=NOW), 0)
        InspectionSchedule.objects.filter(pk=schedule.pk).update(generated_until=None)  # set back
        self.assertEqual(services.rounds_generate(until=dt.date(2026, 12, 14), now=NOW), 0)
        self.assertEqual(InspectionRound.objects.filter(schedule=schedule).count(), 4)

    def test_it_never_makes_rounds_in_the_past(self) -> None:
        self.schedule(starts_on=dt.date(2026, 11, 1))
        services.rounds_generate(until=dt.date(2026, 12, 5), now=NOW)
        days = list(InspectionRound.objects.values_list("scheduled_for", flat=True).order_by("scheduled_for"))
        self.assertEqual(days, [DAY1, dt.date(2026, 12, 4)])

    def test_it_stops_at_the_last_day(self) -> None:
        self.schedule(ends_on=dt.date(2026, 12, 5))
        services.rounds_generate(until=dt.date(2026, 12, 31), now=NOW)
        self.assertEqual(InspectionRound.objects.count(), 2)

    def test_it_uses_the_current_version(self) -> None:
        self.schedule()
        version = services.checklist_version_create(template=self.template, items=[{"title": "新"}], actor=self.quality)
        services.rounds_generate(until=DAY1, now=NOW)
        self.assertEqual(InspectionRound.objects.get().version, version)

    def test_it_skips_switched_off_schedules_and_checklists(self) -> None:
        schedule = self.schedule()
        services.inspection_schedule_deactivate(schedule=schedule, actor=self.quality)
        self.assertEqual(services.rounds_generate(until=DAY1, now=NOW), 0)
        InspectionSchedule.objects.filter(pk=schedule.pk).update(is_active=True)
        services.checklist_template_deactivate(template=self.template, actor=self.quality)
        with self.assertLogs("inspections.services.schedules", "WARNING"):
            self.assertEqual(services.rounds_generate(until=DAY1, now=NOW), 0)
        schedule.refresh_from_db()
        self.assertIsNone(schedule.generated_until)  # catches up once fixed
        services.checklist_template_activate(template=self.template, actor=self.quality)
        self.assertEqual(services.rounds_generate(until=DAY1, now=NOW), 1)

    def test_inspectors_who_lost_their_role_are_left_out(self) -> None:
        self.schedule(inspectors=[self.inspector, self.inspector2])
        Membership.objects.filter(user=self.inspector2).update(is_active=False)
        self.inspector2.refresh_from_db()
        services.rounds_generate(until=DAY1, now=NOW)
        self.assertEqual(set(InspectionRound.objects.get().inspectors.all()), {self.quality, self.inspector})

    def test_the_job_and_the_command_generate(self) -> None:
        self.schedule(rrule="FREQ=DAILY", starts_on=dt.date(2026, 11, 1))
        created = tasks.generate(now=NOW)
        self.assertEqual(created, tasks.HORIZON_DAYS + 1)
        out = StringIO()
        with time_machine.travel(NOW, tick=False):
            call_command("generate_rounds", "--until", "2026-12-10", stdout=out)
        self.assertIn("created=2", out.getvalue())
