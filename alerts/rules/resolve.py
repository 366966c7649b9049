"""When the condition of an alert raised over changes has cleared, and the sweep that resolves them.

- keyword: the order was cancelled or rejected, or closed after the alert was raised (a text that
  came after closing, a follow-up comment, keeps its alert until the order is reopened and closed);
- sla_warning, sla_breach: the limit was met in the alert's round of work (its milestone was set),
  or the order finished (completed, closed, cancelled, rejected) or went on to a later round;
- repeat_complaint, group_complaint: every order behind it is closed, cancelled or rejected;
- overdue_rectification: the finding was rectified, closed or cancelled, or got another deadline.

low_rating alerts resolve on a later rating or follow-up above the line (alerts.rules.changes);
missed_patrol alerts are resolved by people (a missed round cannot be made good).
"""

import datetime as dt
from collections import defaultdict

from django.utils.translation import gettext_noop

from alerts.choices import OPEN_ALERT_STATUSES, RuleKind, SubjectType
from alerts.models import Alert
from alerts.services import alerts_auto_resolve

ORDER_MILESTONES = ("accepted_at", "dispatched_at", "arrived_at", "completed_at", "closed_at")
# The milestones that meet each SLA limit: leaving "submitted" acknowledges, and so on.
MET_BY = {
    "ack": ("accepted_at", "dispatched_at", "arrived_at", "completed_at"),
    "dispatch": ("dispatched_at", "arrived_at", "completed_at"),
    "arrive": ("arrived_at", "completed_at"),
    "resolve": ("completed_at",),
}
CANCELLED = frozenset({"cancelled", "rejected"})
FINISHED = frozenset({"completed", "verified", "closed", "cancelled", "rejected"})
ENDED = frozenset({"closed", "cancelled", "rejected"})
FINDING_OVERDUE_STATUSES = frozenset({"open", "rectifying"})

REASONS = {
    RuleKind.KEYWORD: gettext_noop("The order is closed or cancelled."),
    RuleKind.SLA_WARNING: gettext_noop("The limit was met or the order is finished."),
    RuleKind.SLA_BREACH: gettext_noop("The limit was met or the order is finished."),
    RuleKind.REPEAT_COMPLAINT: gettext_noop("Every order behind it is closed or cancelled."),
    RuleKind.GROUP_COMPLAINT: gettext_noop("Every order behind it is closed or cancelled."),
    RuleKind.OVERDUE_RECTIFICATION: gettext_noop("The finding was rectified or got another deadline."),
}
SUBJECT_TYPES = (SubjectType.WORKORDER, SubjectType.UNIT, SubjectType.BUILDING, SubjectType.AREA, SubjectType.FINDING)
BATCH = 1000


#
# Conditions
#
def order_final(order: dict) -> bool:
    """Cancelled or rejected: nothing a rule should raise about any more."""
    return order["status"] in CANCELLED


def keyword_cleared(order: dict, raised_at: dt.datetime) -> bool:
    if order["status"] in CANCELLED:
        return True
    return order["status"] == "closed" and order["closed_at"] is not None and order["closed_at"] > raised_at


def sla_met(order: dict, target: str, round_: int) -> bool:
    if order["status"] in FINISHED or order["reopen_count"] > round_:
        return True
    since = order["reopened_at"] if round_ > 0 else None
    return any(order[name] is not None and (since is None or order[name] >= since) for name in MET_BY[target])


def finding_cleared(finding: dict, due: dt.datetime, now: dt.datetime) -> bool:
    return finding["status"] not in FINDING_OVERDUE_STATUSES or finding["due_at"] != due


#
# The sweep
#
def resolve_cleared(*, now: dt.datetime) -> int:
    """Resolve every open alert of a rule over changes whose condition cleared; returns how many.

    Set-based: the open alerts (partial index alert_open_subject), then the orders and findings
    behind them, a batch of BATCH alerts at a time.
    """
    resolved, last = 0, 0
    while True:
        rows = list(
            Alert.objects.filter(
                status__in=OPEN_ALERT_STATUSES, subject_type__in=SUBJECT_TYPES, kind__in=list(REASONS), pk__gt=last
            )
            .order_by("pk")
            .values("pk", "kind", "subject_type", "subject_id", "evidence", "first_seen_at")[:BATCH]
        )
        if not rows:
            return resolved
        last = rows[-1]["pk"]
        cleared = _cleared(rows, now)
        for kind, ids in cleared.items():
            resolved += alerts_auto_resolve(alert_ids=sorted(ids), at=now, reason=REASONS[kind])
        if len(rows) < BATCH:
            return resolved


def _cleared(rows: list[dict], now: dt.datetime) -> dict[str, set[int]]:
    from inspections.models import Finding
    from workorders.models import WorkOrder

    order_ids, finding_ids = set(), set()
    for row in rows:
        if row["subject_type"] == SubjectType.WORKORDER:
            order_ids.add(row["subject_id"])
        elif row["subject_type"] == SubjectType.FINDING:
            finding_ids.add(row["subject_id"])
        else:
            order_ids |= {r["id"] for r in _refs(row) if r["type"] == SubjectType.WORKORDER}
    fields = ("id", "status", "reopen_count", "reopened_at", *ORDER_MILESTONES)
    orders = (
        {o["id"]: o for o in WorkOrder.objects.filter(pk__in=order_ids).values(*fields).order_by()} if order_ids else {}
    )
    findings = {}
    if finding_ids:
        findings = {
            f["id"]: f for f in Finding.objects.filter(pk__in=finding_ids).values("id", "status", "due_at").order_by()
        }
    cleared: dict[str, set[int]] = defaultdict(set)
    for row in rows:
        if _is_cleared(row, orders, findings, now):
            cleared[row["kind"]].add(row["pk"])
    return cleared


def _refs(row: dict) -> list[dict]:
    return (row["evidence"] or {}).get("refs", [])


def _facts(row: dict) -> dict:
    return (row["evidence"] or {}).get("facts", {})


def _is_cleared(row: dict, orders: dict, findings: dict, now: dt.datetime) -> bool:
    kind, subject_id = row["kind"], row["subject_id"]
    if kind == RuleKind.OVERDUE_RECTIFICATION:
        finding, due = findings.get(subject_id), _facts(row).get("due_at")
        return finding is not None and due is not None and finding_cleared(finding, dt.datetime.fromisoformat(due), now)
    if kind in (RuleKind.REPEAT_COMPLAINT, RuleKind.GROUP_COMPLAINT):
        behind = [orders.get(r["id"]) for r in _refs(row) if r["type"] == SubjectType.WORKORDER]
        return bool(behind) and all(o is None or o["status"] in ENDED for o in behind)
    order = orders.get(subject_id)
    if order is None or row["subject_type"] != SubjectType.WORKORDER:
        return False
    if kind == RuleKind.KEYWORD:
        return keyword_cleared(order, row["first_seen_at"])
    facts = _facts(row)
    return facts.get("target") in MET_BY and sla_met(order, facts["target"], int(facts.get("round", 0)))
