"""Alert configuration: default rules for a company (rules, channels, devices and gateways are
edited through the functions the configuration pages add here)."""

import importlib.util
import json
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from alerts.choices import DEFAULT_ESCALATION_MINUTES, RuleKind
from alerts.defaults import DEFAULT_RULES
from alerts.models import AlertRule
from alerts.services.common import full_save, require
from core.choices import Perm
from core.models import Company


@transaction.atomic
def rules_defaults_seed(*, company: Company, language: str = "zh-hans") -> int:
    """Give ``company`` the default rules it does not have yet (by name); returns how many were added."""
    have = {
        (kind, _freeze(params))
        for kind, params in AlertRule.objects.filter(company=company).values_list("kind", "params")
    }
    added = 0
    with translation.override(language):
        for spec in DEFAULT_RULES:
            if (spec["kind"], _freeze(spec["params"])) in have:
                continue
            to_pm, to_qm = DEFAULT_ESCALATION_MINUTES[spec["severity"]]
            AlertRule.objects.get_or_create(
                company=company,
                name=str(spec["name"]),
                defaults={
                    "kind": spec["kind"],
                    "severity": spec["severity"],
                    "params": spec["params"],
                    "escalate_pm_minutes": to_pm,
                    "escalate_qm_minutes": to_qm,
                },
            )
            added += 1
    return added


def _freeze(params: dict) -> str:
    return json.dumps(params, sort_keys=True)


#
# Rules: created and changed by admins and quality managers (alerts.configure)
#
RULE_FIELDS = ("name", "project", "severity", "params", "escalate_pm_minutes", "escalate_qm_minutes", "is_active")
RULE_NAME_TAKEN = _("The company has a rule of this name already.")
RULE_PROJECT_NOT_IN_COMPANY = _("Choose a project of the rule's company.")
RULE_KIND_UNKNOWN = _("Choose a rule kind.")
RULE_PARAMS_NOT_AN_OBJECT = _("The parameters must be an object of names and values.")


def _validate_params(kind: str, params) -> dict:
    """The rule's parameters cleaned by alerts.rules.params (defaults filled, ranges checked)."""
    if not isinstance(params, dict):
        raise ValidationError({"params": RULE_PARAMS_NOT_AN_OBJECT})
    if importlib.util.find_spec("alerts.rules.params") is None:  # no rules engine yet: keep what was given
        return params
    from alerts.rules.params import validate_params

    return validate_params(kind, params)


def _rule_save(rule: AlertRule, data: dict[str, Any]) -> AlertRule:
    for name in RULE_FIELDS:
        if name in data:
            setattr(rule, name, data[name])
    if rule.project_id is not None and rule.project.company_id != rule.company_id:
        raise ValidationError({"project": RULE_PROJECT_NOT_IN_COMPANY})
    taken = AlertRule.objects.filter(company_id=rule.company_id, name=rule.name).exclude(pk=rule.pk)
    if rule.name and taken.exists():
        raise ValidationError({"name": RULE_NAME_TAKEN})
    rule.params = _validate_params(rule.kind, rule.params)
    return full_save(rule)


@transaction.atomic
def rule_create(*, company: Company, data: dict[str, Any], actor: User | None) -> AlertRule:
    """A new rule of ``company``: ``data`` holds ``kind`` and the fields of RULE_FIELDS."""
    require(actor, Perm.ALERT_CONFIGURE, company_id=company.pk)
    kind = data.get("kind")
    if kind not in RuleKind.values:
        raise ValidationError({"kind": RULE_KIND_UNKNOWN})
    rule = AlertRule(company=company, kind=kind)
    if "escalate_pm_minutes" not in data and "escalate_qm_minutes" not in data:
        severity = data.get("severity") or rule.severity
        rule.escalate_pm_minutes, rule.escalate_qm_minutes = DEFAULT_ESCALATION_MINUTES.get(severity, (None, None))
    return _rule_save(rule, {"params": {}, **data})


@transaction.atomic
def rule_update(*, rule: AlertRule, data: dict[str, Any], actor: User | None) -> AlertRule:
    """Change the fields of RULE_FIELDS in ``data`` (the kind never changes); alerts already raised
    keep their severity and owner, new ones follow the rule."""
    require(actor, Perm.ALERT_CONFIGURE, company_id=rule.company_id)
    rule = AlertRule.objects.select_for_update().get(pk=rule.pk)
    return _rule_save(rule, data)
