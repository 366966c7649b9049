from alerts.services.config import rules_defaults_seed
from alerts.services.lifecycle import (
    Raised,
    alert_acknowledge,
    alert_assign,
    alert_note,
    alert_raise,
    alert_resolve,
    alerts_auto_resolve,
    alerts_escalate_due,
    escalation_minutes,
    inbox_mark_read,
)

__all__ = [
    "Raised",
    "alert_acknowledge",
    "alert_assign",
    "alert_note",
    "alert_raise",
    "alert_resolve",
    "alerts_auto_resolve",
    "alerts_escalate_due",
    "escalation_minutes",
    "inbox_mark_read",
    "rules_defaults_seed",
]
