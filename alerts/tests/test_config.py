"""alerts.services.config: rule_create and rule_update (alerts.configure; parameters through
alerts.rules.params.validate_params; names unique per company; projects of the rule's company)."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation
from django_scopes import scopes_disabled

from alerts.choices import DEFAULT_ESCALATION_MINUTES, RuleKind, Severity
from alerts.services.config import RULE_NAME_TAKEN, RULE_PROJECT_NOT_IN_COMPANY, rule_create, rule_update
from alerts.tests.base import AlertsTestCase

EQUIPMENT = {"metric": "pressure", "op": "<", "value": 0.2}


class ConfigTestCase(AlertsTestCase):
    def setUp(self) -> None:
        self.scope = scopes_disabled()
        self.scope.__enter__()
        self.addCleanup(self.scope.__exit__, None, None, None)

    def create(self, actor=None, **data):
        data.setdefault("kind", RuleKind.EQUIPMENT)
        data.setdefault("name", "水泵房压力低")
        data.setdefault("params", dict(EQUIPMENT))
        return rule_create(company=self.company, data=data, actor=actor or self.quality)


class RuleCreateTests(ConfigTestCase):
    def test_it_creates_a_rule_with_the_params_cleaned(self) -> None:
        rule = self.create(project=self.project, severity=Severity.HIGH)
        self.assertEqual(rule.company, self.company)
        self.assertEqual(rule.project, self.project)
        self.assertEqual(rule.params["priority"], "P1")  # defaults filled in
        self.assertIs(rule.params["open_work_order"], False)
        self.assertEqual(rule.params["value"], 0.2)
        self.assertEqual(
            (rule.escalate_pm_minutes, rule.escalate_qm_minutes), DEFAULT_ESCALATION_MINUTES[Severity.HIGH]
        )
        self.assertTrue(rule.is_active)

    def test_it_keeps_escalation_minutes_given(self) -> None:
        rule = self.create(escalate_pm_minutes=5, escalate_qm_minutes=None)
        self.assertEqual((rule.escalate_pm_minutes, rule.escalate_qm_minutes), (5, None))

    def test_it_adds_extra_keyword_rules(self) -> None:
        rule = self.create(
            kind=RuleKind.KEYWORD, name="物业费争议", params={"tier": "l3", "extra_words": "物业费\n乱收费"}
        )
        self.assertEqual(rule.params, {"tier": "L3", "extra_words": ["物业费", "乱收费"], "ignore_words": []})

    def test_it_names_bad_params(self) -> None:
        with translation.override("en"), self.assertRaises(ValidationError) as caught:
            self.create(params={"metric": "pressure", "op": "≈", "value": "low"})
        messages = caught.exception.message_dict["params"]
        self.assertEqual(len(messages), 2)
        self.assertTrue(any("comparison" in m for m in messages), messages)
        self.assertTrue(any("threshold" in m for m in messages), messages)

    def test_it_refuses_an_unknown_kind(self) -> None:
        with self.assertRaises(ValidationError) as caught:
            self.create(kind="telepathy")
        self.assertIn("kind", caught.exception.message_dict)

    def test_it_refuses_a_taken_name(self) -> None:
        self.create()
        with self.assertRaises(ValidationError) as caught:
            self.create()
        self.assertEqual(caught.exception.message_dict["name"], [str(RULE_NAME_TAKEN)])

    def test_it_allows_the_same_name_in_another_company(self) -> None:
        self.create()
        other = rule_create(
            company=self.other_company,
            data={"kind": RuleKind.EQUIPMENT, "name": "水泵房压力低", "params": dict(EQUIPMENT)},
            actor=self.outsider,
        )
        self.assertEqual(other.company, self.other_company)

    def test_it_refuses_a_project_of_another_company(self) -> None:
        with self.assertRaises(ValidationError) as caught:
            self.create(project=self.other_project)
        self.assertEqual(caught.exception.message_dict["project"], [str(RULE_PROJECT_NOT_IN_COMPANY)])

    def test_it_refuses_people_who_do_not_configure_alerts(self) -> None:
        for user in (self.manager, self.supervisor, self.viewer, self.staff, self.outsider):
            with self.assertRaises(PermissionDenied):
                self.create(actor=user, name=f"{user.username} rule")

    def test_it_validates_the_fields(self) -> None:
        with self.assertRaises(ValidationError) as caught:
            self.create(name="", severity="apocalyptic")
        self.assertEqual(set(caught.exception.message_dict), {"name", "severity"})


class RuleUpdateTests(ConfigTestCase):
    def test_it_changes_fields_and_params_but_never_the_kind(self) -> None:
        rule = self.create()
        params = {**EQUIPMENT, "value": 0.15, "open_work_order": True, "priority": "p0"}
        rule = rule_update(
            rule=rule,
            data={"name": "压力过低", "severity": Severity.CRITICAL, "params": params, "kind": RuleKind.KEYWORD},
            actor=self.admin,
        )
        rule.refresh_from_db()
        self.assertEqual((rule.name, rule.severity, rule.kind), ("压力过低", Severity.CRITICAL, RuleKind.EQUIPMENT))
        self.assertEqual((rule.params["value"], rule.params["priority"]), (0.15, "P0"))

    def test_it_switches_a_default_rule_off_and_on(self) -> None:
        rule = self.rule(RuleKind.SLA_WARNING)
        self.assertFalse(rule_update(rule=rule, data={"is_active": False}, actor=self.quality).is_active)
        rule.refresh_from_db()
        self.assertFalse(rule.is_active)
        self.assertEqual(rule.params, {"level": 80})
        self.assertTrue(rule_update(rule=rule, data={"is_active": True}, actor=self.quality).is_active)

    def test_it_keeps_history(self) -> None:
        rule = self.create()
        rule_update(rule=rule, data={"severity": Severity.LOW}, actor=self.quality)
        self.assertEqual(rule.history.count(), 2)

    def test_it_refuses_bad_params_and_keeps_the_old_ones(self) -> None:
        rule = self.rule(RuleKind.GROUP_COMPLAINT)
        with self.assertRaises(ValidationError) as caught:
            rule_update(rule=rule, data={"params": {"households": 1, "hours": 24}}, actor=self.quality)
        self.assertIn("params", caught.exception.message_dict)
        rule.refresh_from_db()
        self.assertEqual(rule.params["households"], 3)

    def test_it_refuses_a_name_taken_by_another_rule(self) -> None:
        rule = self.rule(RuleKind.SLA_WARNING)
        taken = self.rule(RuleKind.SLA_BREACH).name
        with self.assertRaises(ValidationError) as caught:
            rule_update(rule=rule, data={"name": taken}, actor=self.quality)
        self.assertIn("name", caught.exception.message_dict)

    def test_it_refuses_readers(self) -> None:
        rule = self.rule(RuleKind.SLA_WARNING)
        for user in (self.manager, self.viewer, self.outsider):
            with self.assertRaises(PermissionDenied):
                rule_update(rule=rule, data={"is_active": False}, actor=user)
