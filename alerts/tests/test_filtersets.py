"""alerts.filtersets: the alert centre's filters, shared by the page, the API and the export."""

import datetime as dt
from types import SimpleNamespace
from urllib.parse import urlencode

from django.http import QueryDict
from django.utils import timezone
from django_scopes import scopes_disabled

from alerts import selectors
from alerts.choices import Level, RuleKind
from alerts.filtersets import AlertFilterSet, AlertRuleFilterSet
from alerts.services import alert_acknowledge
from alerts.tests.ui_base import AlertsUiTestCase


class AlertFilterSetTests(AlertsUiTestCase):
    def setUp(self) -> None:
        self.scope = scopes_disabled()
        self.scope.__enter__()
        self.addCleanup(self.scope.__exit__, None, None, None)

    def ids(self, user=None, **data) -> set[int]:
        user = user or self.quality
        query = QueryDict(urlencode(data), mutable=False)
        fs = AlertFilterSet(query, queryset=selectors.alert_list(user=user), request=SimpleNamespace(user=user))
        self.assertTrue(fs.is_valid(), fs.errors)
        return set(fs.qs.values_list("pk", flat=True))

    def test_it_filters_by_status_and_open(self) -> None:
        alert_acknowledge(alert=self.keyword, actor=self.quality)
        self.assertEqual(self.ids(status="acknowledged"), {self.keyword.pk})
        self.assertEqual(self.ids(is_open="true"), {self.breach.pk, self.keyword.pk})
        self.assertEqual(self.ids(is_open="false"), set())

    def test_it_filters_by_severity_kind_and_rule(self) -> None:
        self.assertEqual(self.ids(severity="critical"), {self.keyword.pk})
        self.assertEqual(self.ids(kind=RuleKind.SLA_BREACH), {self.breach.pk})
        self.assertEqual(self.ids(rule_id=self.breach.rule_id), {self.breach.pk})

    def test_it_filters_by_project_level_and_owner(self) -> None:
        self.assertEqual(self.ids(project_id=self.project2.pk), {self.keyword.pk})
        self.assertEqual(self.ids(level=Level.QUALITY_MANAGER), {self.keyword.pk})
        self.assertEqual(self.ids(owner="me"), {self.keyword.pk})
        self.assertEqual(self.ids(self.supervisor, owner="me"), {self.breach.pk})
        self.assertEqual(self.ids(owner="any"), {self.breach.pk, self.keyword.pk})
        self.assertEqual(self.ids(owner="none"), set())

    def test_it_filters_by_date_and_words(self) -> None:
        today = timezone.localdate()
        self.assertEqual(self.ids(created_after=today), {self.breach.pk, self.keyword.pk})
        self.assertEqual(self.ids(created_before=today - dt.timedelta(days=1)), set())
        self.assertEqual(self.ids(q=self.order2.code), {self.keyword.pk})
        self.assertEqual(self.ids(q="wo:"), {self.breach.pk, self.keyword.pk})

    def test_it_refuses_a_project_the_user_does_not_see(self) -> None:
        for user, project in ((self.manager, self.project2), (self.quality, self.other_project)):
            fs = AlertFilterSet(
                {"project_id": project.pk},
                queryset=selectors.alert_list(user=user),
                request=SimpleNamespace(user=user),
            )
            self.assertFalse(fs.is_valid())
            self.assertIn("project_id", fs.errors)

    def test_it_refuses_unknown_choices(self) -> None:
        fs = AlertFilterSet(
            {"severity": "apocalyptic", "owner": "them"},
            queryset=selectors.alert_list(user=self.quality),
            request=SimpleNamespace(user=self.quality),
        )
        self.assertFalse(fs.is_valid())
        self.assertEqual(set(fs.errors), {"severity", "owner"})


class AlertRuleFilterSetTests(AlertsUiTestCase):
    def test_it_filters_rules_by_kind_and_activity(self) -> None:
        with scopes_disabled():
            qs = selectors.rule_list(user=self.quality)
            request = SimpleNamespace(user=self.quality)
            keyword = AlertRuleFilterSet({"kind": RuleKind.KEYWORD}, queryset=qs, request=request).qs
            self.assertEqual({r.kind for r in keyword}, {RuleKind.KEYWORD})
            self.assertEqual(keyword.count(), 4)
            inactive = AlertRuleFilterSet({"is_active": "false"}, queryset=qs, request=request).qs
            self.assertFalse(inactive.exists())
