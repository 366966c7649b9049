"""Periodic jobs of the inspections domain, run by django-q2 (schedule created by migration 0003)."""

import datetime as dt

from django.utils import timezone
from django_scopes import scopes_disabled

from inspections.services import rounds_generate

# Rounds of schedules are made a week ahead, so inspectors see what is coming.
HORIZON_DAYS = 7


def horizon(now: dt.datetime | None = None) -> dt.date:
    return timezone.localdate(now or timezone.now()) + dt.timedelta(days=HORIZON_DAYS)


def generate(now: dt.datetime | None = None) -> int:
    """Hourly: the rounds of every active inspection schedule up to the horizon."""
    now = now or timezone.now()
    with scopes_disabled():  # a system job across all companies; each row keeps its company
        return rounds_generate(until=horizon(now), now=now)
