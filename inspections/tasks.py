"""Periodic jobs of the inspections domain, run by django-q2 (schedules created by migrations 0003 and 0004)."""

import datetime as dt
import logging

from django.utils import timezone
from django_scopes import scopes_disabled

from inspections.services import rounds_generate

log = logging.getLogger(__name__)

# Rounds of schedules are made a week ahead, so inspectors see what is coming.
HORIZON_DAYS = 7


def horizon(now: dt.datetime | None = None) -> dt.date:
    return timezone.localdate(now or timezone.now()) + dt.timedelta(days=HORIZON_DAYS)


def generate(now: dt.datetime | None = None) -> int:
    """Hourly: the rounds of every active inspection schedule up to the horizon."""
    now = now or timezone.now()
    with scopes_disabled():  # a system job across all companies; each row keeps its company
        return rounds_generate(until=horizon(now), now=now)


def sweep(now: dt.datetime | None = None) -> dict[str, int]:
    """Every 5 minutes: escalate overdue rectifications once, flag CAPA effectiveness checks due."""
    from inspections.services.findings import findings_sweep

    now = now or timezone.now()
    with scopes_disabled():
        totals = findings_sweep(now=now)
    if any(totals.values()):
        log.info("inspections sweep: %s", totals)
    return totals
