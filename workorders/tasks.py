"""Periodic jobs of the work-order domain, run by django-q2 (schedule created by a migration)."""

import logging

from django.utils import timezone
from django_scopes import scopes_disabled

from workorders.services import sla_sweep, take_timeout_handle
from workorders.services.sla import take_timeouts_due

log = logging.getLogger(__name__)


def sweep(now=None) -> dict[str, int]:
    """Every minute: SLA warnings and breaches, then dispatched orders nobody took in time."""
    now = now or timezone.now()
    with scopes_disabled():  # a system job across all companies; each row keeps its company
        totals = sla_sweep(now=now)
        for order_id in take_timeouts_due(now=now):
            outcome = take_timeout_handle(order_id=order_id, now=now)
            if outcome:
                totals[outcome] = totals.get(outcome, 0) + 1
    if totals:
        log.info("work-order sweep: %s", totals)
    return totals
