"""Shared pieces of the alert services: time, permission checks, conflicts."""

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts.models import User
from core.access import access_for


class Conflict(ValidationError):
    """The row changed between reading and writing it (another person or a job)."""


def now() -> dt.datetime:
    return timezone.now()


def can(actor: User | None, perm: str, *, company_id: int, project_id: int | None) -> bool:
    if actor is None:  # the system: the rules engine, sweeps, commands
        return True
    return access_for(actor).allows(perm, company_id=company_id, project_id=project_id)


def require(actor: User | None, perm: str, *, company_id: int, project_id: int | None = None) -> None:
    if not can(actor, perm, company_id=company_id, project_id=project_id):
        raise PermissionDenied


def full_save(obj, *, exclude: list[str] | None = None):
    obj.full_clean(exclude=exclude)
    obj.save()
    return obj
