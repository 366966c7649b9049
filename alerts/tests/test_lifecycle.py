import datetime as dt

import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django_scopes import scopes_disabled

from alerts.choices import AlertEventKind, AlertStatus, Level, Resolution, RuleKind, SubjectType
from alerts.models import Alert, AlertEvent, InboxItem
from alerts.services import (
    alert_acknowledge,
    alert_assign,
    alert_raise,
    alert_resolve,
    alerts_auto_resolve,
    alerts_escalate_due,
    rules_defaults_seed,
)
from alerts.tests.base import AlertsTestCase

T0 = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)


class LifecycleTestCase(AlertsTestCase):
    def setUp(self) -> None:
        self.scope = scopes_disabled()
        self.scope.__enter__()
        self.addCleanup(self.scope.__exit__, None, None, None)
        self.breach = self.rule(RuleKind.SLA_BREACH)

    def raise_(self, *refs, key="wo:1", at=T0, **kw):
        kw.setdefault("department_id", self.department.pk)
        kw.setdefault("project_id", self.project.pk)
        return alert_raise(
            rule=self.breach,
            dedup_key=key,
            subject_type=SubjectType.WORKORDER,
            subject_id=1,
            refs=refs or [("workorder", 1)],
            summary=("Order {code} is overdue", {"code": "WO-1"}),
            at=at,
            **kw,
        )


class AlertRaiseTests(LifecycleTestCase):
    def test_it_seeds_the_default_rules_once(self) -> None:
        self.assertEqual(rules_defaults_seed(company=self.company), 0)
        self.assertGreaterEqual(self.breach.escalate_pm_minutes, 1)

    def test_it_gives_the_alert_to_the_departments_supervisor(self) -> None:
        raised = self.raise_()
        self.assertTrue(raised.created)
        alert = raised.alert
        self.assertEqual(alert.owner, self.supervisor)
        self.assertEqual(alert.level, Level.SUPERVISOR)
        self.assertEqual(alert.escalate_at, T0 + dt.timedelta(minutes=self.breach.escalate_pm_minutes))
        self.assertTrue(InboxItem.objects.filter(alert=alert, user=self.supervisor, read_at=None).exists())
        self.assertEqual(list(alert.events.values_list("kind", flat=True)), [AlertEventKind.RAISED])

    def test_it_raises_one_alert_per_condition(self) -> None:
        first = self.raise_().alert
        again = self.raise_()
        self.assertFalse(again.created)
        self.assertEqual(again.added, 0)
        self.assertEqual(Alert.objects.count(), 1)
        self.assertEqual(AlertEvent.objects.filter(alert=first).count(), 1)

    def test_it_merges_new_evidence_into_the_open_alert(self) -> None:
        self.raise_(("workorder", 1))
        more = self.raise_(("workorder", 1), ("workorder", 2), at=T0 + dt.timedelta(minutes=5))
        self.assertEqual(more.added, 1)
        alert = Alert.objects.get()
        self.assertEqual(alert.occurrences, 2)
        self.assertEqual(alert.last_seen_at, T0 + dt.timedelta(minutes=5))
        self.assertEqual(alert.events.last().kind, AlertEventKind.OCCURRED)

    def test_it_reopens_an_auto_resolved_alert_when_the_condition_comes_back(self) -> None:
        alert = self.raise_().alert
        self.assertEqual(alerts_auto_resolve(alert_ids=[alert.pk], at=T0 + dt.timedelta(hours=1)), 1)
        self.assertEqual(alerts_auto_resolve(alert_ids=[alert.pk]), 0)
        alert.refresh_from_db()
        self.assertEqual((alert.status, alert.resolution), (AlertStatus.RESOLVED, Resolution.AUTO))
        self.assertIsNone(alert.escalate_at)
        self.raise_(("workorder", 1))  # the same change seen again: nothing
        alert.refresh_from_db()
        self.assertEqual(alert.status, AlertStatus.RESOLVED)
        reopened = self.raise_(("workorder", 3), at=T0 + dt.timedelta(hours=2))
        self.assertTrue(reopened.reopened)
        alert.refresh_from_db()
        self.assertEqual(alert.status, AlertStatus.OPEN)
        self.assertEqual(alert.resolution, "")
        self.assertIsNotNone(alert.escalate_at)

    def test_it_starts_company_wide_alerts_at_the_quality_manager(self) -> None:
        alert = self.raise_(project_id=None, department_id=None).alert
        self.assertEqual((alert.level, alert.owner), (Level.QUALITY_MANAGER, self.quality))
        self.assertIsNone(alert.escalate_at)


class AlertEscalationTests(LifecycleTestCase):
    def test_it_climbs_to_the_project_manager_then_the_quality_manager_on_time(self) -> None:
        alert = self.raise_().alert
        to_pm, to_qm = self.breach.escalate_pm_minutes, self.breach.escalate_qm_minutes
        self.assertEqual(alerts_escalate_due(now_at=T0 + dt.timedelta(minutes=to_pm - 1)), 0)
        with time_machine.travel(T0 + dt.timedelta(minutes=to_pm), tick=False):
            self.assertEqual(alerts_escalate_due(), 1)
            self.assertEqual(alerts_escalate_due(), 0)
        alert.refresh_from_db()
        self.assertEqual((alert.level, alert.owner), (Level.PROJECT_MANAGER, self.manager))
        self.assertEqual(alert.escalate_at, T0 + dt.timedelta(minutes=to_pm + to_qm))
        self.assertTrue(InboxItem.objects.filter(alert=alert, user=self.manager).exists())
        self.assertEqual(alerts_escalate_due(now_at=T0 + dt.timedelta(minutes=to_pm + to_qm)), 1)
        alert.refresh_from_db()
        self.assertEqual((alert.level, alert.owner, alert.escalate_at), (Level.QUALITY_MANAGER, self.quality, None))
        kinds = list(alert.events.values_list("kind", "level"))
        self.assertEqual(
            kinds,
            [
                (AlertEventKind.RAISED, Level.SUPERVISOR),
                (AlertEventKind.ESCALATED, Level.PROJECT_MANAGER),
                (AlertEventKind.ESCALATED, Level.QUALITY_MANAGER),
            ],
        )

    def test_acknowledging_stops_the_clock(self) -> None:
        alert = self.raise_().alert
        alert_acknowledge(alert=alert, actor=self.supervisor)
        self.assertEqual(alerts_escalate_due(now_at=T0 + dt.timedelta(days=1)), 0)
        alert.refresh_from_db()
        self.assertEqual((alert.status, alert.level, alert.escalate_at), (AlertStatus.ACKNOWLEDGED, 0, None))


class AlertHandlingTests(LifecycleTestCase):
    def test_it_resolves_with_a_note(self) -> None:
        alert = self.raise_().alert
        with self.assertRaises(ValidationError) as e:
            alert_resolve(alert=alert, actor=self.manager, note=" ")
        self.assertIn("note", e.exception.message_dict)
        alert_resolve(alert=alert, actor=self.manager, note="已联系业主并处理")
        alert.refresh_from_db()
        self.assertEqual((alert.status, alert.resolution, alert.resolved_by), ("resolved", "manual", self.manager))
        with self.assertRaises(ValidationError):
            alert_acknowledge(alert=alert, actor=self.manager)

    def test_it_refuses_people_without_the_right(self) -> None:
        alert = self.raise_().alert
        for user in (self.staff, self.viewer, self.outsider):
            with self.subTest(user=user.username), self.assertRaises(PermissionDenied):
                alert_acknowledge(alert=alert, actor=user)

    def test_it_assigns_only_to_people_who_can_see_it(self) -> None:
        alert = self.raise_().alert
        with self.assertRaises(ValidationError) as e:
            alert_assign(alert=alert, owner=self.outsider, actor=self.manager)
        self.assertIn("owner", e.exception.message_dict)
        alert_assign(alert=alert, owner=self.quality, actor=self.manager, note="请品质部跟进")
        alert.refresh_from_db()
        self.assertEqual(alert.owner, self.quality)
        self.assertTrue(InboxItem.objects.filter(alert=alert, user=self.quality).exists())
        self.assertLess(timezone.now() - alert.events.last().created, dt.timedelta(minutes=1))
