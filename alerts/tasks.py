"""Periodic jobs of the alerts domain, run by django-q2 (schedules created by migration 0002)."""

import datetime as dt
import logging

from django.utils import timezone
from django_scopes import scopes_disabled

log = logging.getLogger(__name__)


def evaluate(now: dt.datetime | None = None) -> dict[str, int]:
    """Every minute: the rules over the changes since the last pass, auto-resolution, escalation."""
    from alerts.engine import evaluate_changes
    from alerts.services import alerts_escalate_due

    now = now or timezone.now()
    with scopes_disabled():  # a system job across all companies; each row keeps its company
        totals = evaluate_changes(now=now)
        totals["escalated"] = alerts_escalate_due(now_at=now)
    if any(totals.values()):
        log.info("alerts evaluate: %s", totals)
    return totals


def evaluate_periodic(now: dt.datetime | None = None) -> dict[str, int]:
    """Hourly: the rules over figures rather than changes (KPIs against targets, hotspot baselines)."""
    from alerts.engine import evaluate_periodic as run

    now = now or timezone.now()
    with scopes_disabled():
        totals = run(now=now)
    if any(totals.values()):
        log.info("alerts evaluate_periodic: %s", totals)
    return totals


def deliver_due(now: dt.datetime | None = None) -> int:
    """Every minute: send deliveries that are due (retries after backoff, the end of quiet hours)."""
    from alerts.services.delivery import deliveries_send_due

    now = now or timezone.now()
    with scopes_disabled():
        return deliveries_send_due(now=now)
