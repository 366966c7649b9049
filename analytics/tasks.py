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


# The nightly safety net covers the last week (late edits the refresh cannot trace back, such as an
# order moved to another unit: the later orders at its old place keep their repeat flag) and the
# coming two weeks (deadlines and scheduled tasks count on their own, future, days).
NIGHTLY_DAYS_BACK = 7
NIGHTLY_DAYS_AHEAD = 14


def rebuild_recent(now: dt.datetime | None = None) -> dict[str, int]:
    """Every night: rebuild every company's roll-ups from a week ago to two weeks ahead, so what the
    incremental refresh could miss is right by the next morning. Returns rows written per company code."""
    from analytics.services.rollup import rollup_rebuild
    from core.models import Company

    now = now or timezone.now()
    written = {}
    with scopes_disabled():
        for company in Company.objects.filter(is_active=True).order_by("pk"):
            today = timezone.localdate(now, timezone=company.zone)
            days = [today + dt.timedelta(days=n) for n in range(-NIGHTLY_DAYS_BACK, NIGHTLY_DAYS_AHEAD + 1)]
            written[company.code] = rollup_rebuild(company=company, days=days)
    log.info("analytics nightly rebuild: %s", written)
    return written
