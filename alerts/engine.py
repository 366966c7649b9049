"""The rules engine: every minute one incremental pass over the changes since the last one
(evaluate_changes), every hour the rules over figures (evaluate_periodic), and keyword tiers over
any other text on demand (text_scan).

A pass reads each append-only source (work-order, task and finding events) from its
EvaluationCursor, under the cursor's row lock (SELECT … FOR UPDATE SKIP LOCKED): a second worker
running at the same moment skips a source the first one holds instead of reading it twice. Raising
is idempotent anyway (alert_raise: one alert per rule and dedup key, evidence merged as a set), so
each pass also re-reads the changes of the last few passes: a change whose transaction committed
after a later one was read is still seen.
"""

import datetime as dt
import importlib
import logging
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Max
from django_scopes import scopes_disabled

from alerts.choices import RuleKind
from alerts.models import EvaluationCursor
from alerts.rules import changes, resolve
from alerts.rules.base import Outcome, Ref, RuleBook, raise_all, raise_candidate
from alerts.rules.keywords import TEXT_SUMMARY, Text, keyword_candidates
from alerts.services import Raised, alerts_auto_resolve
from alerts.services.memo import pass_cache

log = logging.getLogger("alerts.engine")

# New events read per source and pass; a backlog is worked off over the following passes.
BATCH = 20_000
# Passes whose start positions a cursor keeps: each pass re-reads the changes of the last ones.
REREAD_PASSES = 5
CHANGE_RULE_KINDS = (
    RuleKind.KEYWORD,
    RuleKind.LOW_RATING,
    RuleKind.SLA_WARNING,
    RuleKind.SLA_BREACH,
    RuleKind.REPEAT_COMPLAINT,
    RuleKind.GROUP_COMPLAINT,
    RuleKind.MISSED_PATROL,
    RuleKind.OVERDUE_RECTIFICATION,
)


@dataclass(frozen=True)
class Source:
    name: str  # EvaluationCursor.source
    model: str  # app_label.Model
    fields: tuple[str, ...]
    evaluate: Callable[[list[dict], RuleBook, dt.datetime], Outcome]
    filters: dict = field(default_factory=dict)


SOURCES = (
    Source(
        name="workorders.WorkOrderEvent",
        model="workorders.WorkOrderEvent",
        fields=("id", "company_id", "order_id", "kind", "created", "reason", "data"),
        filters={"kind__in": changes.WORKORDER_EVENT_KINDS},
        evaluate=changes.evaluate_workorder_events,
    ),
    Source(
        name="plans.TaskEvent",
        model="plans.TaskEvent",
        fields=("id", "company_id", "task_id", "created"),
        filters={"to_status": "missed"},
        evaluate=changes.evaluate_task_events,
    ),
    Source(
        name="inspections.FindingEvent",
        model="inspections.FindingEvent",
        fields=("id", "company_id", "finding_id", "created", "data"),
        filters={"kind": "escalated"},
        evaluate=changes.evaluate_finding_events,
    ),
)


def evaluate_changes(*, now: dt.datetime) -> dict[str, int]:
    """One incremental pass: every source's new changes through the rules, then the open alerts
    whose condition cleared resolved. Returns counts (events, raised, reopened, added, resolved,
    skipped sources, errors) for the job's log and the benchmark."""
    totals: Counter = Counter()
    # scopes: a system job across companies, every row keeps its company; pass_cache: owners and
    # channels are read once per pass, not once per alert
    with scopes_disabled(), pass_cache():
        book = RuleBook.load(kinds=CHANGE_RULE_KINDS)
        for source in SOURCES:
            totals.update(_pass(source, book, now))
        totals["resolved"] += resolve.resolve_cleared(now=now)
    return {name: totals[name] for name in ("events", "raised", "reopened", "added", "resolved", "skipped", "errors")}


def _pass(source: Source, book: RuleBook, now: dt.datetime) -> Counter:
    EvaluationCursor.objects.get_or_create(source=source.name)
    with transaction.atomic():
        cursor = EvaluationCursor.objects.select_for_update(skip_locked=True).filter(source=source.name).first()
        if cursor is None:
            return Counter(skipped=1)  # another worker is reading this source right now
        events, last_id = _read(source, cursor)
        counts: Counter = Counter(events=len(events))
        if events:
            outcome = source.evaluate(events, book, now)
            counts.update(raise_all(outcome.candidates, at=now))
            for reason, ids in outcome.resolve.items():
                counts["resolved"] += alerts_auto_resolve(alert_ids=sorted(ids), at=now, reason=reason)
            counts["errors"] += outcome.errors
        cursor.recent_ids = [*cursor.recent_ids, cursor.last_id][-REREAD_PASSES:]  # where this pass began
        cursor.last_id = last_id
        cursor.save(update_fields=["last_id", "recent_ids", "updated"])
    return counts


def _read(source: Source, cursor: EvaluationCursor) -> tuple[list[dict], int]:
    """The source's events after the cursor (at most BATCH) and those of its last passes again;
    returns them in id order with the cursor's new position.

    The position moves to the newest id that existed when reading began (not only to the newest
    matching event), so a source whose recent events are all of kinds no rule reads is not scanned
    again and again.
    """
    from django.apps import apps

    model = apps.get_model(source.model)
    head = model.objects.aggregate(head=Max("id"))["head"] or 0
    rows = model.objects.filter(**source.filters).order_by("id").values(*source.fields)
    new = list(rows.filter(id__gt=cursor.last_id, id__lte=head)[:BATCH])
    floor = min([*cursor.recent_ids, cursor.last_id])
    again = []
    if floor < cursor.last_id:  # the newest first: a late commit lands near the end of a pass
        again = list(rows.filter(id__gt=floor, id__lte=cursor.last_id).order_by("-id")[:BATCH])
    last_id = new[-1]["id"] if len(new) == BATCH else max(head, cursor.last_id)
    return sorted(again, key=lambda e: e["id"]) + new, last_id


def evaluate_periodic(*, now: dt.datetime) -> dict[str, int]:
    """The rules over figures (alerts.rules.periodic): hotspots and KPIs below target."""
    periodic = importlib.import_module("alerts.rules.periodic")
    with scopes_disabled(), pass_cache():
        return {"hotspots": periodic.evaluate_hotspots(now=now), "kpis": periodic.evaluate_kpis(now=now)}


def text_scan(
    *,
    company_id: int,
    project_id: int | None,
    text: str,
    subject_type: str,
    subject_id: int | None,
    refs: Iterable[Ref | dict],
    department_id: int | None = None,
    at: dt.datetime | None = None,
    label: str = "",
) -> list[Raised]:
    """Run the company's keyword rules over ``text`` (a survey answer, any free text) and raise an
    alert per tier found, about the subject, with ``refs`` as evidence: one alert per tier and
    subject (``kw:<tier>:<subject_type>:<subject_id>``), so scanning the same text twice raises
    nothing new. ``label`` names the subject in the summary ("Survey 2026 Q4, answer 12")."""
    with scopes_disabled():
        book = RuleBook.load(kinds=[RuleKind.KEYWORD], company_id=company_id)
        scanned = Text(
            company_id=company_id,
            project_id=project_id,
            subject_type=subject_type,
            subject_id=subject_id,
            text=text or "",
            refs={(r["type"], int(r["id"])) if isinstance(r, dict) else (r[0], int(r[1])) for r in refs},
            department_id=department_id,
            source=subject_type,
            label=label or f"{subject_type} #{subject_id}",
            message=TEXT_SUMMARY,
        )
        return [raise_candidate(c, at=at) for c in keyword_candidates([scanned], book)]
