"""Alert configuration: default rules for a company (rules, channels, devices and gateways are
edited through the functions the configuration pages add here)."""

import json

from django.db import transaction
from django.utils import translation

from alerts.choices import DEFAULT_ESCALATION_MINUTES
from alerts.defaults import DEFAULT_RULES
from alerts.models import AlertRule
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
