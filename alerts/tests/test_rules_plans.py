"""Missed patrols (plan tasks the sweep marked missed) and overdue rectifications (findings the
sweep escalated), reached through the plans and inspections services with frozen time."""

import datetime as dt
from unittest import mock

import time_machine

from alerts.choices import AlertStatus, RuleKind, SubjectType
from alerts.models import AlertRule
from alerts.tests.rules_fixtures import RulesTestMixin
from core import services as core_services
from core.choices import Role
from inspections.services import findings as finding_services
from inspections.tests.findings_base import T0 as FINDING_T0
from inspections.tests.findings_base import FindingTestCase
from lib.testing import make_user
from plans import services as plan_services
from plans.tests.base import DAY1, PlanTestCase, T, at

DAY = dt.timedelta(days=1)
HOUR = dt.timedelta(hours=1)
MINUTE = dt.timedelta(minutes=1)


class MissedPatrolTests(RulesTestMixin, PlanTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.security_lead = make_user("security_lead", name="钱队长", phone="13900000021")
        core_services.membership_grant(
            company=cls.company,
            project=cls.project,
            user=cls.security_lead,
            role=Role.SUPERVISOR,
            department=cls.security,
            actor=cls.admin,
        )

    def sweep(self, when: dt.datetime) -> dt.datetime:
        with time_machine.travel(when, tick=False):
            plan_services.tasks_sweep_missed(now=when)
        return when

    def missed_rule(self) -> AlertRule:
        return AlertRule.objects.get(company=self.company, kind=RuleKind.MISSED_PATROL)

    def test_it_raises_one_alert_per_plan_and_day(self) -> None:
        self.generate(until=DAY1 + DAY)
        self.evaluate(self.sweep(at(2026, 12, 1, 10, 5)) + MINUTE)
        alert = self.only_alert(RuleKind.MISSED_PATROL)
        day_task = self.task(window=0)
        self.assertEqual(alert.dedup_key, f"missed:plan:{self.patrol.pk}:2026-12-01")
        self.assertEqual((alert.subject_type, alert.subject_id), (SubjectType.PLAN, self.patrol.pk))
        self.assertEqual(self.refs(alert, "task"), {day_task.pk})
        self.assertEqual(self.refs(alert, "plan"), {self.patrol.pk})
        self.assertEqual(alert.owner, self.security_lead)
        self.assertEqual(self.summary(alert), "重点区域巡逻: 1 missed on 2026-12-01")
        # the night round of 1 Dec is missed at 06:00 on the 2nd: the same day's alert
        self.evaluate(self.sweep(at(2026, 12, 2, 6, 5)) + MINUTE)
        alert = self.only_alert(RuleKind.MISSED_PATROL)
        self.assertEqual(self.refs(alert, "task"), {day_task.pk, self.task(window=1).pk})
        self.assertEqual(alert.evidence["facts"]["missed"], 2)
        self.evaluate(self.sweep(at(2026, 12, 2, 10, 5)) + MINUTE)
        self.assertEqual(
            [a.dedup_key for a in self.alerts(RuleKind.MISSED_PATROL)],
            [f"missed:plan:{self.patrol.pk}:2026-12-01", f"missed:plan:{self.patrol.pk}:2026-12-02"],
        )

    def test_it_waits_for_min_missed(self) -> None:
        rule = self.missed_rule()
        rule.params = {"min_missed": 2}
        rule.save()
        self.generate()
        self.evaluate(self.sweep(at(2026, 12, 1, 10, 5)) + MINUTE)
        self.assertEqual(self.alerts(RuleKind.MISSED_PATROL), [])
        self.evaluate(self.sweep(at(2026, 12, 2, 6, 5)) + MINUTE)
        self.assertEqual(len(self.refs(self.only_alert(RuleKind.MISSED_PATROL), "task")), 2)

    def test_it_ignores_tasks_done_cleaning_plans_and_inactive_rules(self) -> None:
        task = self.task(window=0)
        with time_machine.travel(at(2026, 12, 1, 8, 30), tick=False):
            plan_services.task_start(task=task, actor=self.guard)
        cleaning = plan_services.plan_create(
            project=self.project,
            data={"kind": "cleaning", "name": "大堂保洁", "starts_on": DAY1, "department": self.cleaning},
            windows=[(T(7), T(9))],
            actor=self.admin,
        )
        self.generate(cleaning)
        self.evaluate(self.sweep(at(2026, 12, 1, 9, 5)) + MINUTE)
        self.assertEqual(self.alerts(RuleKind.MISSED_PATROL), [])
        rule = self.missed_rule()
        rule.is_active = False
        rule.save()
        self.evaluate(self.sweep(at(2026, 12, 2, 6, 5)) + MINUTE)
        self.assertEqual(self.alerts(RuleKind.MISSED_PATROL), [])


class OverdueRectificationTests(RulesTestMixin, FindingTestCase):
    def sweep(self, when: dt.datetime) -> dt.datetime:
        with time_machine.travel(when, tick=False), mock.patch("inspections.notify.async_task"):
            finding_services.findings_sweep(now=when)
        return when

    def test_it_raises_one_alert_per_finding_and_deadline(self) -> None:
        finding = self.raise_finding(due_at=FINDING_T0 + DAY, department=self.department)
        self.evaluate(self.sweep(FINDING_T0 + DAY - HOUR) + MINUTE)
        self.assertEqual(self.alerts(RuleKind.OVERDUE_RECTIFICATION), [])
        self.evaluate(self.sweep(FINDING_T0 + DAY + HOUR) + MINUTE)
        alert = self.only_alert(RuleKind.OVERDUE_RECTIFICATION)
        self.assertEqual(alert.dedup_key, f"overdue:finding:{finding.pk}:20261202T0200")
        self.assertEqual((alert.subject_type, alert.subject_id), (SubjectType.FINDING, finding.pk))
        self.assertEqual(self.refs(alert, "finding"), {finding.pk})
        self.assertEqual(alert.owner, self.supervisor)
        self.assertEqual(self.summary(alert), "Finding “垃圾桶满溢”: rectification overdue since 2026-12-02 10:00")
        self.evaluate(self.sweep(FINDING_T0 + DAY + 2 * HOUR) + MINUTE)
        self.assertEqual(len(self.alerts(RuleKind.OVERDUE_RECTIFICATION)), 1)

    def test_a_new_deadline_resolves_it_and_escalates_afresh(self) -> None:
        finding = self.raise_finding(due_at=FINDING_T0 + DAY, department=self.department)
        self.evaluate(self.sweep(FINDING_T0 + 2 * DAY) + MINUTE)
        with time_machine.travel(FINDING_T0 + 2 * DAY + HOUR, tick=False):
            request = finding_services.finding_extension_request(
                finding=finding, requested_due_at=FINDING_T0 + 4 * DAY, reason="等配件", actor=self.staff
            )
            finding_services.finding_extension_decide(request=request, approve=True, actor=self.quality)
        self.assertEqual(self.evaluate(FINDING_T0 + 2 * DAY + 2 * HOUR)["resolved"], 1)
        first = self.only_alert(RuleKind.OVERDUE_RECTIFICATION)
        self.assertEqual(first.status, AlertStatus.RESOLVED)
        self.evaluate(self.sweep(FINDING_T0 + 5 * DAY) + MINUTE)
        self.assertEqual(len(self.alerts(RuleKind.OVERDUE_RECTIFICATION)), 2)

    def test_rectifying_resolves_it(self) -> None:
        finding = self.raise_finding(due_at=FINDING_T0 + DAY, department=self.department)
        self.evaluate(self.sweep(FINDING_T0 + 2 * DAY) + MINUTE)
        self.rectify(finding, when=FINDING_T0 + 2 * DAY + HOUR)
        self.assertEqual(self.evaluate(FINDING_T0 + 2 * DAY + 2 * HOUR)["resolved"], 1)

    def test_a_rectification_done_before_the_rule_reads_it_raises_nothing(self) -> None:
        finding = self.raise_finding(due_at=FINDING_T0 + DAY, department=self.department)
        self.sweep(FINDING_T0 + 2 * DAY)
        self.rectify(finding, when=FINDING_T0 + 2 * DAY + MINUTE)
        self.evaluate(FINDING_T0 + 2 * DAY + 2 * MINUTE)
        self.assertEqual(self.alerts(RuleKind.OVERDUE_RECTIFICATION), [])
