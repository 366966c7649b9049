"""Periodic jobs of the analytics domain, run by django-q2 (schedule created by migration 0002)."""

import datetime as dt
import logging

from django.utils import timezone
from django_scopes import scopes_disabled

log = logging.getLogger(__name__)


def refresh(now: dt.datetime | None = None) -> dict[str, int]:
    """Every 10 minutes: rebuild the roll-up days touched by the changes since the last pass."""
    from analytics.services import rollup_refresh

    now = now or timezone.now()
    with scopes_disabled():  # a system job across all companies; each row keeps its company
        totals = rollup_refresh(now=now)
    if totals["days"]:
        log.info("analytics refresh: %s", totals)
    return totals
