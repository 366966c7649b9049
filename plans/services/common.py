"""Shared pieces of the plan services: messages, permission checks, task events."""

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from core.access import access_for
from plans.models import Task, TaskEvent

PLAN_CONFLICT = _("The task was changed by someone else meanwhile; reload and try again.")
TASK_BAD_TRANSITION = _("A task cannot go from “{from_status}” to “{to_status}”.")
TASK_NOT_YOURS = _("This task is someone else's.")
TASK_REASON_REQUIRED = _("Give a reason.")


class Conflict(ValidationError):
    """The task changed between reading and writing it (another person or the sweep)."""


def now() -> dt.datetime:
    return timezone.now()


def can(actor: User | None, perm: str, *, company_id: int, project_id: int | None) -> bool:
    if actor is None:  # the system: generation, sweeps, commands
        return True
    return access_for(actor).allows(perm, company_id=company_id, project_id=project_id)


def require(actor: User | None, perm: str, obj) -> None:
    """``perm`` on the project of ``obj`` (a row with company_id and project_id)."""
    if not can(actor, perm, company_id=obj.company_id, project_id=obj.project_id):
        raise PermissionDenied


def require_project(actor: User | None, perm: str, project) -> None:
    if not can(actor, perm, company_id=project.company_id, project_id=project.pk):
        raise PermissionDenied


def event_add(
    *,
    task: Task,
    kind: str,
    actor: User | None,
    at: dt.datetime | None = None,
    from_status: str = "",
    to_status: str = "",
    reason: str = "",
    data: dict[str, Any] | None = None,
) -> TaskEvent:
    return TaskEvent.objects.create(
        company_id=task.company_id,
        task=task,
        kind=kind,
        actor=actor,
        created=at or now(),
        from_status=from_status,
        to_status=to_status,
        reason=reason,
        data=data or {},
    )


def need_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": TASK_REASON_REQUIRED})
    return reason


def full_save(obj, *, exclude: list[str] | None = None):
    obj.full_clean(exclude=exclude)
    obj.save()
    return obj
