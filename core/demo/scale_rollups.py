"""The analytics roll-ups of a generated company (`manage.py gen_scale ... --rollups`).

Generation writes orders, tasks and findings without going through the services, so the
roll-up job never sees them: this rebuilds every day their counters can fall on, from the
earliest report / task date / finding to the latest deadline, completion, follow-up or rating
(deadlines may lie in the future), a month at a time with ``analytics.services.rollup_rebuild``
(what ``manage.py rollup_rebuild`` does), then points the job's cursors at the newest events,
as if the job had run all along.
"""

import datetime as dt
import time
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Max, Min
from django.utils import timezone
from tqdm import tqdm

from core.models import Company

CHUNK_DAYS = 31


@dataclass
class RollupStats:
    first: dt.date | None = None
    last: dt.date | None = None
    days: int = 0
    rows: int = 0
    seconds: float = 0.0


def history_days(company: Company) -> tuple[dt.date, dt.date] | None:
    """The first and last local day a counter of ``company`` can fall on; None without any history."""
    from inspections.models import Finding
    from plans.models import Task
    from workorders.models import FollowUp, Rating, WorkOrder

    zone = company.zone
    moments: list[dt.datetime] = []
    days: list[dt.date] = []
    bases = (
        (WorkOrder.objects.filter(company=company), ("created", "arrive_due_at", "resolve_due_at", "completed_at")),
        (WorkOrder.objects.filter(company=company), ("arrived_at",)),
        (FollowUp.objects.filter(company=company), ("due_at", "done_at")),
        (Rating.objects.filter(company=company), ("created",)),
        (Finding.objects.filter(company=company), ("created", "due_at", "closed_at")),
    )
    for qs, columns in bases:
        found = qs.aggregate(**{f"lo_{c}": Min(c) for c in columns}, **{f"hi_{c}": Max(c) for c in columns})
        moments += [v for v in found.values() if v is not None]
    found = Task.objects.filter(company=company).aggregate(lo=Min("date"), hi=Max("date"))
    days += [v for v in found.values() if v is not None]
    days += [timezone.localtime(m, zone).date() for m in moments]
    return (min(days), max(days)) if days else None


def scale_rollups(*, company: Company, progress: bool = True) -> RollupStats:
    """Rebuild every day of ``company``'s generated history; then the refresh cursors at the head."""
    from analytics.services import rollup_rebuild

    stats, started = RollupStats(), time.monotonic()
    span = history_days(company)
    if span is not None:
        stats.first, stats.last = span
        stats.days = (stats.last - stats.first).days + 1
        with tqdm(total=stats.days, unit="days", disable=not progress) as bar:
            day = stats.first
            while day <= stats.last:
                last = min(day + dt.timedelta(days=CHUNK_DAYS - 1), stats.last)
                days = [day + dt.timedelta(n) for n in range((last - day).days + 1)]
                stats.rows += rollup_rebuild(company=company, days=days)
                bar.update(len(days))
                day = last + dt.timedelta(days=1)
    cursors_at_head()
    _analyze()
    stats.seconds = time.monotonic() - started
    return stats


@transaction.atomic
def cursors_at_head() -> dict[str, int]:
    """Every roll-up cursor at the newest row of its source (the job has seen everything)."""
    from analytics.models import RollupCursor
    from analytics.services.refresh import FINDING_SOURCE, NEW_TASK_SOURCE, ORDER_SOURCE, TASK_SOURCE
    from inspections.models import FindingEvent
    from plans.models import Task, TaskEvent
    from workorders.models import WorkOrderEvent

    heads = {}
    for source, model in (
        (ORDER_SOURCE, WorkOrderEvent),
        (TASK_SOURCE, TaskEvent),
        (FINDING_SOURCE, FindingEvent),
        (NEW_TASK_SOURCE, Task),
    ):
        head = model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        RollupCursor.objects.update_or_create(source=source, defaults={"last_id": head, "recent_ids": [head]})
        heads[source] = head
    return heads


def _analyze() -> None:
    from analytics.models import FindingDaily, HotspotDaily, HourlyLoad, TaskDaily, WorkOrderDaily

    if connection.vendor != "postgresql":
        return
    tables = (WorkOrderDaily, TaskDaily, FindingDaily, HotspotDaily, HourlyLoad)
    names = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in tables)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {names}")
