"""Periodic jobs of the plans domain, run by django-q2 (schedules created by migration 0002)."""

import datetime as dt
import logging

from django.conf import settings
from django.utils import timezone
from django_scopes import scopes_disabled

from plans.services import tasks_generate, tasks_sweep_missed

log = logging.getLogger(__name__)


def horizon(now: dt.datetime | None = None) -> dt.date:
    """The last date to generate: PLANS_HORIZON_DAYS after today (in the server's zone)."""
    return timezone.localdate(now or timezone.now()) + dt.timedelta(days=settings.PLANS_HORIZON_DAYS)


def generate(now: dt.datetime | None = None) -> int:
    """Hourly: tasks of every active plan up to the horizon."""
    now = now or timezone.now()
    with scopes_disabled():  # a system job across all companies; each row keeps its company
        created = tasks_generate(until=horizon(now), now=now)
    return created


def sweep(now: dt.datetime | None = None) -> dict[str, int]:
    """Every minute: tasks whose window (and grace) is over become missed, or completed when all checked in."""
    with scopes_disabled():
        totals = tasks_sweep_missed(now=now or timezone.now())
    if any(totals.values()):
        log.info("plans sweep: %s", totals)
    return totals
