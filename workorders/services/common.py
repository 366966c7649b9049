"""Shared pieces of the work-order services: permission checks, events, messages."""

import datetime as dt
from typing import Any

from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from core.access import access_for
from workorders.choices import EventKind
from workorders.models import WorkOrder, WorkOrderEvent, WorkOrderSettings

WORKORDER_CONFLICT = _("The order was changed by someone else meanwhile; reload and try again.")
WORKORDER_BAD_TRANSITION = _("A work order cannot go from “{from_status}” to “{to_status}”.")
WORKORDER_REASON_REQUIRED = _("Give a reason.")
WORKORDER_NOT_ASSIGNEE = _("Only the assignee or a supervisor may do this.")
WORKORDER_REOPEN_EXPIRED = _("The order can only be reopened within {days} days after completion.")
WORKORDER_NOT_REPORTER = _("Only the owner who reported it may do this.")


class Conflict(ValidationError):
    """The order changed between reading and writing it (another user or the SLA sweep)."""


def now() -> dt.datetime:
    return timezone.now()


def can(actor: User | None, perm: str, order: WorkOrder) -> bool:
    if actor is None:  # the system: sweeps, rules, imports
        return True
    return access_for(actor).allows(perm, company_id=order.company_id, project_id=order.project_id)


def require(actor: User | None, perm: str, order: WorkOrder) -> None:
    if not can(actor, perm, order):
        raise PermissionDenied


def is_reporter(actor: User | None, order: WorkOrder) -> bool:
    from workorders.selectors import workorder_is_reporter

    return workorder_is_reporter(user=actor, order=order)


def event_add(
    *,
    order: WorkOrder,
    kind: str,
    actor: User | None,
    at: dt.datetime | None = None,
    from_status: str = "",
    to_status: str = "",
    reason: str = "",
    data: dict[str, Any] | None = None,
    is_public: bool = True,
) -> WorkOrderEvent:
    event = event_build(
        order=order,
        kind=kind,
        actor=actor,
        at=at,
        from_status=from_status,
        to_status=to_status,
        reason=reason,
        data=data,
        is_public=is_public,
    )
    event.save(force_insert=True)
    return event


def event_build(
    *,
    order: WorkOrder,
    kind: str,
    actor: User | None,
    at: dt.datetime | None = None,
    from_status: str = "",
    to_status: str = "",
    reason: str = "",
    data: dict[str, Any] | None = None,
    is_public: bool = True,
) -> WorkOrderEvent:
    """An unsaved timeline row, for services that write several at once."""
    return WorkOrderEvent(
        company_id=order.company_id,
        order=order,
        kind=kind,
        actor=actor,
        created=at or now(),
        from_status=from_status,
        to_status=to_status,
        reason=reason,
        data=data or {},
        is_public=is_public,
    )


SETTINGS_CACHE_SECONDS = 300


def settings_key(company_id: int) -> str:
    return f"pinzhi:wo-settings:{company_id}"


def settings_for(company_id: int) -> WorkOrderSettings:
    """The company's work-order settings, from the cache (dropped on every save, see workorders/signals.py)."""
    key = settings_key(company_id)
    found = cache.get(key)
    if found is None:
        found = WorkOrderSettings.objects.filter(company_id=company_id).first()
        found = found or WorkOrderSettings.objects.create(company_id=company_id)
        cache.set(key, found, SETTINGS_CACHE_SECONDS)
    return found


STATUS_EVENT = EventKind.STATUS
