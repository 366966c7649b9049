"""The demo's KPI roll-ups: every day of the demo's history rebuilt once, so the dashboards, the
owner board and the reports have figures the moment `make run` serves them (the refresh job only
follows changes made after it starts). Safe to run again: a rebuild replaces the days' rows."""

import datetime as dt

from django.db.models import Min
from django.utils import timezone

from analytics.services.rollup import rollup_rebuild
from inspections.models import Finding
from plans.models import Task
from workorders.models import WorkOrder

AHEAD_DAYS = 14  # deadlines and scheduled tasks in the coming days count on their own day


def seed_analytics(ctx) -> int:
    company = ctx.company
    today = timezone.localdate(timezone=company.zone)
    starts = [
        WorkOrder.objects.filter(company=company).aggregate(first=Min("created"))["first"],
        Finding.objects.filter(company=company).aggregate(first=Min("created"))["first"],
    ]
    first_day = min(
        [timezone.localdate(s, timezone=company.zone) for s in starts if s is not None]
        + [d for d in [Task.objects.filter(company=company).aggregate(first=Min("date"))["first"]] if d]
        + [today]
    )
    days = [first_day + dt.timedelta(days=n) for n in range((today - first_day).days + AHEAD_DAYS + 1)]
    return rollup_rebuild(company=company, days=days)
