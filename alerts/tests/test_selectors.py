"""alerts.selectors: who sees which alert, rule, device and channel; the counts; the evidence
labels; the inbox."""

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django_scopes import scopes_disabled

from alerts import selectors
from alerts.choices import AlertStatus, RuleKind, Severity, SubjectType
from alerts.models import AlertRule
from alerts.services import alert_acknowledge, alert_raise, alert_resolve, inbox_mark_read
from alerts.services.config import rule_create
from alerts.tests.ui_base import AlertsUiTestCase


class SelectorTestCase(AlertsUiTestCase):
    def setUp(self) -> None:
        self.scope = scopes_disabled()
        self.scope.__enter__()
        self.addCleanup(self.scope.__exit__, None, None, None)


class AlertAccessTests(SelectorTestCase):
    def test_it_shows_company_wide_readers_every_alert_of_their_company(self) -> None:
        for user in (self.admin, self.quality, self.viewer):
            ids = set(selectors.alert_list(user=user).values_list("pk", flat=True))
            self.assertEqual(ids, {self.breach.pk, self.keyword.pk}, user)

    def test_it_shows_project_people_only_their_projects_alerts(self) -> None:
        for user in (self.manager, self.supervisor):
            self.assertEqual(list(selectors.alert_list(user=user)), [self.breach], user)

    def test_it_shows_staff_and_owners_nothing(self) -> None:
        for user in (self.staff, self.owner):
            self.assertFalse(selectors.alert_list(user=user).exists(), user)

    def test_it_hides_another_companys_alert_like_a_missing_one(self) -> None:
        self.assertEqual(list(selectors.alert_list(user=self.outsider)), [self.foreign])
        for pk in (self.breach.pk, 999_999, "x"):
            with self.assertRaises(Http404):
                selectors.get_alert_for_user(user=self.outsider, pk=pk)
        with self.assertRaises(Http404):
            selectors.get_alert_for_user(user=self.manager, pk=self.keyword.pk)

    def test_it_lets_readers_read_but_not_act(self) -> None:
        self.assertEqual(selectors.get_alert_for_user(user=self.viewer, pk=self.breach.pk), self.breach)
        with self.assertRaises(PermissionDenied):
            selectors.get_alert_for_user(user=self.viewer, pk=self.breach.pk, write=True)
        self.assertEqual(selectors.alert_actions(user=self.viewer, alert=self.breach), [])
        alert = selectors.get_alert_for_user(user=self.supervisor, pk=self.breach.pk, write=True)
        actions = selectors.alert_actions(user=self.supervisor, alert=alert)
        self.assertEqual(actions, ["acknowledge", "assign", "resolve", "note"])

    def test_it_offers_fewer_actions_as_the_alert_moves_on(self) -> None:
        alert = alert_acknowledge(alert=self.breach, actor=self.supervisor)
        self.assertEqual(selectors.alert_actions(user=self.supervisor, alert=alert), ["assign", "resolve", "note"])
        alert = alert_resolve(alert=alert, actor=self.supervisor, note="修好了")
        self.assertEqual(selectors.alert_actions(user=self.supervisor, alert=alert), ["note"])

    def test_it_filters_with_the_filterset(self) -> None:
        rows = selectors.alert_list(user=self.quality, filters={"severity": ["critical"]})
        self.assertEqual(list(rows), [self.keyword])
        mine = selectors.alert_list(user=self.supervisor, filters={"owner": "me"})
        self.assertEqual(list(mine), [self.breach])
        self.assertFalse(selectors.alert_list(user=self.quality, filters={"owner": "me", "severity": "high"}).exists())

    def test_it_offers_as_owners_only_people_who_see_the_alert(self) -> None:
        people = set(selectors.alert_assignees(alert=self.breach))
        self.assertTrue({self.admin, self.quality, self.manager, self.supervisor, self.viewer} <= people)
        self.assertFalse({self.staff, self.owner, self.outsider} & people)
        self.assertNotIn(self.manager, set(selectors.alert_assignees(alert=self.keyword)))


class AlertCountTests(SelectorTestCase):
    def test_it_counts_by_status_severity_and_kind(self) -> None:
        alert_acknowledge(alert=self.keyword, actor=self.quality)
        extra = self.raise_alert(RuleKind.SLA_BREACH, self.order, key="wo:again")
        alert_resolve(alert=extra, actor=self.quality, note="已处理")
        counts = selectors.alert_counts(user=self.quality)
        self.assertEqual(counts["by_status"], {"open": 1, "acknowledged": 1, "resolved": 1})
        self.assertEqual(counts["unresolved"], 2)
        self.assertEqual(counts["open_by_severity"], {"low": 0, "medium": 0, "high": 1, "critical": 0})
        self.assertEqual(counts["unresolved_by_kind"], {RuleKind.SLA_BREACH: 1, RuleKind.KEYWORD: 1})
        self.assertEqual(counts["resolved_today"], 1)
        self.assertEqual(counts["mine"], 1)  # the keyword alert climbed to the quality manager

    def test_it_counts_only_what_the_user_sees(self) -> None:
        counts = selectors.alert_counts(user=self.manager)
        self.assertEqual(counts["unresolved"], 1)
        self.assertEqual(selectors.alert_counts(user=self.outsider)["unresolved"], 1)
        self.assertEqual(selectors.alert_counts(user=self.staff)["unresolved"], 0)

    def test_it_counts_in_two_queries(self) -> None:
        selectors.alert_counts(user=self.quality)  # access computed once per user
        with self.assertNumQueries(2):
            selectors.alert_counts(user=self.quality)


class EvidenceTests(SelectorTestCase):
    def test_it_labels_each_reference_from_one_query_per_kind(self) -> None:
        from inspections.services import findings as finding_services

        finding = finding_services.finding_create(
            project=self.project, data={"title": "消防通道堵塞", "department": self.department}, actor=self.admin
        )
        rule = self.rule(RuleKind.OVERDUE_RECTIFICATION)
        alert = alert_raise(
            rule=rule,
            dedup_key="mixed",
            subject_type=SubjectType.FINDING,
            subject_id=finding.pk,
            project_id=self.project.pk,
            refs=[
                ("finding", finding.pk),
                ("workorder", self.order.pk),
                ("workorder", self.order2.pk),
                ("unit", self.unit.pk),
            ],
        ).alert
        with CaptureQueriesContext(connection) as queries:
            evidence = selectors.alert_evidence(alert=alert)
        self.assertEqual(len(queries), 3)  # findings, work orders, units
        by_key = {(e["type"], e["id"]): e for e in evidence}
        self.assertEqual(by_key[("finding", finding.pk)]["label"], "消防通道堵塞")
        self.assertTrue(by_key[("finding", finding.pk)]["is_subject"])
        self.assertEqual(by_key[("finding", finding.pk)]["url"], f"/inspections/findings/{finding.pk}/")
        self.assertEqual(by_key[("workorder", self.order.pk)]["label"], f"{self.order.code} 厨房漏水")
        self.assertEqual(by_key[("workorder", self.order.pk)]["url"], f"/workorders/{self.order.pk}/")
        self.assertIn("1-1-101", by_key[("unit", self.unit.pk)]["label"])

    def test_it_never_labels_another_companys_rows(self) -> None:
        alert = alert_raise(
            rule=self.rule(RuleKind.SLA_BREACH),
            dedup_key="foreign-ref",
            subject_type=SubjectType.WORKORDER,
            subject_id=self.foreign_order.pk,
            project_id=self.project.pk,
            refs=[("workorder", self.foreign_order.pk)],
        ).alert
        (ref,) = selectors.alert_evidence(alert=alert)
        self.assertFalse(ref["exists"])
        self.assertIsNone(ref["url"])
        self.assertNotIn("他山", ref["label"])

    def test_it_labels_tasks_with_their_window(self) -> None:
        from django.utils import timezone

        from plans import services as plan_services

        checkpoint = plan_services.checkpoint_create(project=self.project, data={"name": "东门岗"}, actor=self.admin)
        plan = plan_services.plan_create(
            project=self.project,
            data={"kind": "patrol", "name": "夜巡", "starts_on": timezone.localdate()},
            windows=[(dt.time(22), dt.time(23))],
            checkpoints=[checkpoint],
            actor=self.admin,
        )
        plan_services.tasks_generate(until=timezone.localdate(), plans=[plan])
        task = plan.tasks.first()
        alert = alert_raise(
            rule=self.rule(RuleKind.MISSED_PATROL),
            dedup_key="task",
            subject_type=SubjectType.TASK,
            subject_id=task.pk,
            project_id=self.project.pk,
            refs=[("task", task.pk)],
        ).alert
        (ref,) = selectors.alert_evidence(alert=alert)
        self.assertIn("22:00–23:00", ref["label"])
        self.assertEqual(ref["url"], f"/plans/tasks/{task.pk}/")


class InboxTests(SelectorTestCase):
    def test_it_lists_unread_first_then_newest(self) -> None:
        later = self.raise_alert(RuleKind.SLA_BREACH, self.order, key="later", department_id=self.department.pk)
        inbox_mark_read(user=self.supervisor, alert=later)
        items = list(selectors.inbox(user=self.supervisor))
        self.assertEqual([i.alert for i in items], [self.breach, later])
        self.assertEqual(selectors.inbox_unread_count(user=self.supervisor), 1)

    def test_it_counts_unread_in_one_query(self) -> None:
        with self.assertNumQueries(1):
            self.assertEqual(selectors.inbox_unread_count(user=self.quality), 1)

    def test_it_drops_alerts_the_user_may_no_longer_see(self) -> None:
        from core import services as core_services

        membership = self.supervisor.memberships.get()
        core_services.membership_revoke(membership=membership, actor=self.admin)
        self.supervisor = type(self.supervisor).objects.get(pk=self.supervisor.pk)
        self.assertEqual(list(selectors.inbox(user=self.supervisor)), [])


class RuleAccessTests(SelectorTestCase):
    def test_it_shows_project_people_the_company_wide_rules_and_their_projects(self) -> None:
        mine = rule_create(
            company=self.company,
            data={"kind": RuleKind.MISSED_PATROL, "name": "花园漏巡", "project": self.project, "params": {}},
            actor=self.quality,
        )
        other = rule_create(
            company=self.company,
            data={"kind": RuleKind.MISSED_PATROL, "name": "大厦漏巡", "project": self.project2, "params": {}},
            actor=self.quality,
        )
        seen = set(selectors.rule_list(user=self.manager))
        self.assertIn(mine, seen)
        self.assertNotIn(other, seen)
        self.assertIn(self.rule(RuleKind.SLA_BREACH), seen)
        self.assertEqual(set(selectors.rule_list(user=self.quality)) & {mine, other}, {mine, other})

    def test_it_lets_readers_read_rules_but_only_configurers_change_them(self) -> None:
        rule = self.rule(RuleKind.SLA_BREACH)
        self.assertEqual(selectors.get_rule_for_user(user=self.viewer, pk=rule.pk), rule)
        for user in (self.viewer, self.manager):
            with self.assertRaises(PermissionDenied):
                selectors.get_rule_for_user(user=user, pk=rule.pk, write=True)
        self.assertEqual(selectors.get_rule_for_user(user=self.quality, pk=rule.pk, write=True), rule)
        with self.assertRaises(Http404):
            selectors.get_rule_for_user(user=self.outsider, pk=rule.pk)
        self.assertFalse(selectors.rule_list(user=self.staff).exists())

    def test_it_hides_channels_and_gateways_from_readers(self) -> None:
        self.assertEqual(list(selectors.configurable_companies(user=self.quality)), [self.company])
        self.assertFalse(selectors.configurable_companies(user=self.manager).exists())
        self.assertFalse(selectors.configurable_companies(user=self.viewer).exists())
        self.assertEqual(AlertRule.objects.filter(company=self.company, kind=RuleKind.SLA_BREACH).count(), 1)


class SeverityOrderTests(SelectorTestCase):
    def test_the_counts_know_every_severity_and_status(self) -> None:
        counts = selectors.alert_counts(user=self.admin)
        self.assertEqual(set(counts["open_by_severity"]), set(Severity.values))
        self.assertEqual(set(counts["by_status"]), set(AlertStatus.values))
