"""Shared pieces of the inspection services: permission checks, photos, saving."""

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from core.access import access_for
from lib.images import ProcessedPhoto, process_photo

INSPECTION_CONFLICT = _("The round was changed by someone else meanwhile; reload and try again.")
REASON_REQUIRED = _("Give a reason.")


class Conflict(ValidationError):
    """The row changed between reading and writing it (another person or a job)."""


def now() -> dt.datetime:
    return timezone.now()


def can(actor: User | None, perm: str, *, company_id: int, project_id: int | None) -> bool:
    if actor is None:  # the system: generation, jobs, commands
        return True
    return access_for(actor).allows(perm, company_id=company_id, project_id=project_id)


def require(actor: User | None, perm: str, *, company_id: int, project_id: int | None = None) -> None:
    if not can(actor, perm, company_id=company_id, project_id=project_id):
        raise PermissionDenied


def full_save(obj, *, exclude: list[str] | None = None):
    obj.full_clean(exclude=exclude)
    obj.save()
    return obj


def need_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": REASON_REQUIRED})
    return reason


def process(photo: UploadedFile | None, *, field: str = "photo") -> ProcessedPhoto | None:
    """Check and re-encode an uploaded photo (before the transaction: it is slow); errors on ``field``."""
    if not photo:
        return None
    try:
        return process_photo(photo)
    except ValidationError as e:
        raise ValidationError({field: e.error_list}) from e


def attach(obj, processed: ProcessedPhoto | None, *, field: str = "photo", thumbnail: str = "thumbnail") -> None:
    """Store a checked photo and its thumbnail on ``obj`` (not saved)."""
    if processed is None:
        return
    getattr(obj, field).save(f"photo.{processed.extension}", ContentFile(processed.content), save=False)
    getattr(obj, thumbnail).save("thumb.jpg", ContentFile(processed.thumbnail), save=False)
