"""Alerts: raising (deduplicated), acknowledging, assigning, resolving by hand or automatically,
reopening, and the escalation sweep.

Every status change goes through ``_alert_transition`` (the table in choices.ALERT_TRANSITIONS, a
row lock, a conditional UPDATE and an AlertEvent in the same transaction). Messages on channels
are Delivery rows created in the same transaction and sent after commit (alerts.services.delivery).
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from alerts.choices import (
    ALERT_TRANSITIONS,
    OPEN_ALERT_STATUSES,
    AlertEventKind,
    AlertStatus,
    Level,
    Resolution,
)
from alerts.models import Alert, AlertEvent, AlertRule, InboxItem
from alerts.services.common import Conflict, now, require
from alerts.services.delivery import deliveries_create
from alerts.services.owners import owner_for
from core.access import access_for
from core.choices import Perm

ALERT_CONFLICT = _("The alert was changed by someone else meanwhile; reload and try again.")
ALERT_BAD_TRANSITION = _("An alert that is {from_status} cannot become {to_status}.")
ALERT_OWNER_NOT_MEMBER = _("The new owner cannot see alerts of this project.")
NOTE_REQUIRED = _("Write a note.")

Ref = tuple[str, int]


@dataclass(frozen=True)
class Raised:
    alert: Alert
    created: bool  # a new alert
    reopened: bool  # a resolved alert whose condition came back
    added: int  # evidence references that were new


def _refs(refs: Iterable[Ref | dict]) -> list[dict]:
    out = {(r["type"], int(r["id"])) if isinstance(r, dict) else (r[0], int(r[1])) for r in refs}
    return [{"type": t, "id": i} for t, i in sorted(out)]


def escalation_minutes(rule: AlertRule, level: int) -> int | None:
    """Minutes an unacknowledged alert of ``rule`` waits at ``level`` before it climbs."""
    if level == Level.SUPERVISOR:
        return rule.escalate_pm_minutes
    if level == Level.PROJECT_MANAGER:
        return rule.escalate_qm_minutes
    return None


def _escalate_at(rule: AlertRule, level: int, at: dt.datetime) -> dt.datetime | None:
    minutes = escalation_minutes(rule, level)
    return None if minutes is None else at + dt.timedelta(minutes=minutes)


def _event(alert: Alert, kind: str, actor: User | None, at: dt.datetime, **fields: Any) -> AlertEvent:
    return AlertEvent(company_id=alert.company_id, alert=alert, kind=kind, actor=actor, created=at, **fields)


def _inbox(alert: Alert, user: User | None, at: dt.datetime, *, new: bool = False) -> None:
    if user is None:
        return
    if new:  # a new alert has nobody's inbox yet
        InboxItem.objects.create(company_id=alert.company_id, alert=alert, user=user, created=at)
        return
    item, created = InboxItem.objects.get_or_create(
        alert=alert, user=user, defaults={"company_id": alert.company_id, "created": at}
    )
    if not created and item.read_at is not None:  # it came back: unread again
        InboxItem.objects.filter(pk=item.pk).update(read_at=None, created=at)


#
# Raising
#
@transaction.atomic
def alert_raise(
    *,
    rule: AlertRule,
    dedup_key: str,
    subject_type: str,
    subject_id: int | None,
    project_id: int | None,
    refs: Iterable[Ref | dict] = (),
    facts: dict[str, Any] | None = None,
    summary: tuple[str, dict[str, Any]] | None = None,
    department_id: int | None = None,
    severity: str | None = None,
    at: dt.datetime | None = None,
) -> Raised:
    """Raise the alert of ``rule`` for the condition ``dedup_key``, or add to the one it raised.

    Idempotent and safe under concurrency: the unique (company, rule, dedup_key) constraint lets
    one insert win; the others merge their evidence into it under a row lock. References are a
    set, so evaluating the same change twice adds nothing and reopens nothing. A resolved alert
    whose condition comes back with new evidence (inside the window its key names) is reopened.

    ``summary`` is (source message, params): the message is an English source string marked with
    gettext_noop, translated when shown (alerts.messages.alert_summary).
    """
    at = at or now()
    new_refs = _refs(refs)
    evidence: dict[str, Any] = {"refs": new_refs, "facts": facts or {}}
    if summary is not None:
        evidence["summary"] = {"msg": summary[0], "params": summary[1]}
    level, owner = owner_for(
        company_id=rule.company_id, project_id=project_id, level=Level.SUPERVISOR, department_id=department_id
    )
    alert = Alert(
        company_id=rule.company_id,
        project_id=project_id,
        rule=rule,
        kind=rule.kind,
        severity=severity or rule.severity,
        dedup_key=dedup_key[:200],
        subject_type=subject_type,
        subject_id=subject_id,
        evidence=evidence,
        occurrences=max(1, len(new_refs)),
        first_seen_at=at,
        last_seen_at=at,
        owner=owner,
        level=level,
        escalate_at=_escalate_at(rule, level, at),
        created=at,
    )
    try:
        with transaction.atomic():
            alert.save(force_insert=True)
    except IntegrityError:
        return _merge(alert, at=at)
    _event(alert, AlertEventKind.RAISED, None, at, to_status=AlertStatus.OPEN, level=level).save(force_insert=True)
    _inbox(alert, owner, at, new=True)
    deliveries_create(alert=alert, event_key="raised", at=at)
    return Raised(alert=alert, created=True, reopened=False, added=len(new_refs))


def _merge(candidate: Alert, *, at: dt.datetime) -> Raised:
    alert = Alert.objects.select_for_update().get(
        company_id=candidate.company_id, rule_id=candidate.rule_id, dedup_key=candidate.dedup_key
    )
    known = {(r["type"], r["id"]) for r in alert.refs}
    fresh = [r for r in candidate.refs if (r["type"], r["id"]) not in known]
    if not fresh:
        return Raised(alert=alert, created=False, reopened=False, added=0)
    evidence = {**alert.evidence, "refs": _refs([*alert.refs, *fresh])}
    evidence["facts"] = {**alert.evidence.get("facts", {}), **candidate.evidence.get("facts", {})}
    if "summary" in candidate.evidence:
        evidence["summary"] = candidate.evidence["summary"]
    changes = {"evidence": evidence, "occurrences": len(evidence["refs"]), "last_seen_at": at}
    Alert.objects.filter(pk=alert.pk).update(**changes)
    for name, value in changes.items():
        setattr(alert, name, value)
    if alert.status == AlertStatus.RESOLVED:
        _reopen(alert, candidate, at=at)
        return Raised(alert=alert, created=False, reopened=True, added=len(fresh))
    _event(alert, AlertEventKind.OCCURRED, None, at, data={"refs": fresh}).save(force_insert=True)
    return Raised(alert=alert, created=False, reopened=False, added=len(fresh))


def _reopen(alert: Alert, candidate: Alert, *, at: dt.datetime) -> None:
    changes = {
        "owner": candidate.owner,
        "level": candidate.level,
        "escalate_at": candidate.escalate_at,
        "resolved_at": None,
        "resolved_by": None,
        "resolution": "",
        "acknowledged_at": None,
        "acknowledged_by": None,
    }
    _alert_transition(
        alert=alert, to=AlertStatus.OPEN, actor=None, at=at, kind=AlertEventKind.REOPENED, changes=changes
    )
    _inbox(alert, alert.owner, at)
    reopened = AlertEvent.objects.filter(alert=alert, kind=AlertEventKind.REOPENED).count()
    deliveries_create(alert=alert, event_key=f"reopened:{reopened}", at=at)


#
# Transitions
#
def _alert_transition(
    *,
    alert: Alert,
    to: str,
    actor: User | None,
    at: dt.datetime,
    kind: str,
    reason: str = "",
    changes: dict[str, Any] | None = None,
    data: dict[str, Any] | None = None,
) -> Alert:
    """Move ``alert`` to ``to``: check the table, lock the row, update it conditionally, write the event."""
    fresh = Alert.objects.select_for_update().get(pk=alert.pk)
    if fresh.status != alert.status:
        raise Conflict(ALERT_CONFLICT, code="conflict")
    if to not in ALERT_TRANSITIONS[fresh.status]:
        message = str(ALERT_BAD_TRANSITION).format(
            from_status=AlertStatus(fresh.status).label, to_status=AlertStatus(to).label
        )
        raise ValidationError(message, code="bad_transition")
    changes = changes or {}
    if Alert.objects.filter(pk=fresh.pk, status=fresh.status).update(status=to, **changes) != 1:
        raise Conflict(ALERT_CONFLICT, code="conflict")
    for name, value in {**changes, "status": to}.items():
        setattr(alert, name, value)
    _event(
        alert,
        kind,
        actor,
        at,
        from_status=fresh.status,
        to_status=to,
        level=alert.level,
        reason=reason,
        data=data or {},
    ).save(force_insert=True)
    return alert


def _require_handle(actor: User, alert: Alert) -> None:
    require(actor, Perm.ALERT_HANDLE, company_id=alert.company_id, project_id=alert.project_id)


@transaction.atomic
def alert_acknowledge(*, alert: Alert, actor: User, note: str = "") -> Alert:
    """Take the alert on: its escalation clock stops."""
    _require_handle(actor, alert)
    at = now()
    changes = {"acknowledged_at": at, "acknowledged_by": actor, "escalate_at": None}
    return _alert_transition(
        alert=alert,
        to=AlertStatus.ACKNOWLEDGED,
        actor=actor,
        at=at,
        kind=AlertEventKind.ACKNOWLEDGED,
        reason=note.strip(),
        changes=changes,
    )


@transaction.atomic
def alert_resolve(*, alert: Alert, actor: User, note: str) -> Alert:
    """Close the alert by hand, saying what was done."""
    _require_handle(actor, alert)
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": NOTE_REQUIRED})
    at = now()
    changes = {"resolved_at": at, "resolved_by": actor, "resolution": Resolution.MANUAL, "escalate_at": None}
    return _alert_transition(
        alert=alert,
        to=AlertStatus.RESOLVED,
        actor=actor,
        at=at,
        kind=AlertEventKind.RESOLVED,
        reason=note,
        changes=changes,
    )


@transaction.atomic
def alert_assign(*, alert: Alert, owner: User, actor: User, note: str = "") -> Alert:
    """Hand the alert to another person who may see it; it lands in his inbox."""
    _require_handle(actor, alert)
    if not access_for(owner).allows(Perm.ALERT_VIEW, company_id=alert.company_id, project_id=alert.project_id):
        raise ValidationError({"owner": ALERT_OWNER_NOT_MEMBER})
    at = now()
    fresh = Alert.objects.select_for_update().get(pk=alert.pk)
    if fresh.status == AlertStatus.RESOLVED:
        raise ValidationError(
            str(ALERT_BAD_TRANSITION).format(from_status=AlertStatus.RESOLVED.label, to_status=AlertStatus.OPEN.label),
            code="bad_transition",
        )
    Alert.objects.filter(pk=alert.pk).update(owner=owner)
    alert.owner = owner
    data = {"from": fresh.owner_id, "to": owner.pk}
    _event(alert, AlertEventKind.ASSIGNED, actor, at, level=fresh.level, reason=note.strip(), data=data).save(
        force_insert=True
    )
    _inbox(alert, owner, at)
    return alert


@transaction.atomic
def alert_note(*, alert: Alert, actor: User, note: str) -> AlertEvent:
    _require_handle(actor, alert)
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": NOTE_REQUIRED})
    event = _event(alert, AlertEventKind.NOTE, actor, now(), reason=note)
    event.save(force_insert=True)
    return event


@transaction.atomic
def alerts_auto_resolve(*, alert_ids: Iterable[int], at: dt.datetime | None = None, reason: str = "") -> int:
    """Resolve the open alerts among ``alert_ids`` whose condition cleared; returns how many.

    Rows another worker holds are skipped (the next pass sees them); rows already resolved are
    left alone, so two passes never write two events.
    """
    at = at or now()
    ids = list(alert_ids)
    if not ids:
        return 0
    rows = list(
        Alert.objects.select_for_update(skip_locked=True)
        .filter(pk__in=ids, status__in=OPEN_ALERT_STATUSES)
        .values_list("pk", "company_id", "status", "level")
    )
    if not rows:
        return 0
    Alert.objects.filter(pk__in=[r[0] for r in rows], status__in=OPEN_ALERT_STATUSES).update(
        status=AlertStatus.RESOLVED, resolved_at=at, resolution=Resolution.AUTO, escalate_at=None
    )
    AlertEvent.objects.bulk_create(
        AlertEvent(
            company_id=company_id,
            alert_id=pk,
            kind=AlertEventKind.RESOLVED,
            created=at,
            from_status=status,
            to_status=AlertStatus.RESOLVED,
            level=level,
            reason=reason,
            data={"auto": True},
        )
        for pk, company_id, status, level in rows
    )
    return len(rows)


#
# Escalation
#
def alerts_escalate_due(*, now_at: dt.datetime | None = None, batch: int = 200) -> int:
    """Climb every open, unacknowledged alert whose ``escalate_at`` has passed one level up.

    Each alert moves with a conditional UPDATE on (status, level, escalate_at), so two workers
    never escalate it twice; its new owner gets it in the inbox and the channels get a message.
    """
    at = now_at or now()
    count = 0
    due = list(
        Alert.objects.filter(status=AlertStatus.OPEN, escalate_at__lte=at)
        .select_related("rule")
        .order_by("escalate_at")[:batch]
    )
    for alert in due:
        count += _escalate(alert, at)
    return count


@transaction.atomic
def _escalate(alert: Alert, at: dt.datetime) -> int:
    target = min(alert.level + 1, Level.QUALITY_MANAGER)
    level, owner = owner_for(company_id=alert.company_id, project_id=alert.project_id, level=target)
    # The next deadline counts from the time it was due, not from when the sweep ran.
    next_at = _escalate_at(alert.rule, level, alert.escalate_at) if level > alert.level else None
    updated = Alert.objects.filter(
        pk=alert.pk, status=AlertStatus.OPEN, level=alert.level, escalate_at=alert.escalate_at
    ).update(level=level, owner=owner, escalate_at=next_at)
    if updated != 1:
        return 0
    data = {"from_level": alert.level, "from_owner": alert.owner_id, "to_owner": owner.pk if owner else None}
    alert.level, alert.owner, alert.escalate_at = level, owner, next_at
    if level == data["from_level"]:
        return 0  # nobody higher: the clock stops, the alert stays
    _event(alert, AlertEventKind.ESCALATED, None, at, level=level, data=data).save(force_insert=True)
    _inbox(alert, owner, at)
    deliveries_create(alert=alert, event_key=f"escalated:{level}", at=at)
    return 1


#
# Inbox
#
def inbox_mark_read(*, user: User, alert: Alert) -> int:
    return InboxItem.objects.filter(alert=alert, user=user, read_at__isnull=True).update(read_at=now())
