"""Photos of work orders: checked, stripped of EXIF, thumbnailed, stored through Django storage."""

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from lib.images import process_photo
from workorders.choices import EventKind
from workorders.models import WorkOrder, WorkOrderEvent, WorkOrderPhoto
from workorders.services import common

PHOTOS_MAX_PER_STEP = 9
PHOTOS_TOO_MANY = _("At most {n} photos at a time.")


def photos_check(files: Iterable[UploadedFile]) -> list:
    """Process every file first, so one bad photo rejects the whole upload and nothing is stored."""
    files = list(files)
    if len(files) > PHOTOS_MAX_PER_STEP:
        raise ValidationError({"photos": str(PHOTOS_TOO_MANY).format(n=PHOTOS_MAX_PER_STEP)})
    processed = []
    for f in files:
        try:
            processed.append(process_photo(f))
        except ValidationError as e:
            raise ValidationError({"photos": e.error_list}) from e
    return processed


def photos_attach(
    *,
    order: WorkOrder,
    files: Iterable[UploadedFile],
    stage: str,
    actor: User | None,
    event: WorkOrderEvent | None = None,
) -> list[WorkOrderPhoto]:
    """Store checked photos on ``order`` (and the timeline step ``event``); writes a photo event if none given."""
    processed = photos_check(files)
    if not processed:
        return []
    at = common.now()
    if event is None:
        event = common.event_add(order=order, kind=EventKind.PHOTO, actor=actor, at=at, data={"stage": stage})
    saved = []
    for p in processed:
        photo = WorkOrderPhoto(
            company_id=order.company_id,
            order=order,
            event=event,
            stage=stage,
            uploaded_by=actor,
            created=at,
            width=p.width,
            height=p.height,
        )
        photo.image.save(f"photo.{p.extension}", ContentFile(p.content), save=False)
        photo.thumbnail.save("thumb.jpg", ContentFile(p.thumbnail), save=False)
        photo.save()
        saved.append(photo)
    return saved


def photos_add(*, order: WorkOrder, files: Iterable[UploadedFile], stage: str, actor: User) -> list[WorkOrderPhoto]:
    """Photos added on their own: by the reporter, or by staff who work on the order."""
    from core.choices import Perm

    if not common.is_reporter(actor, order):
        common.require(actor, Perm.WO_WORK if common.can(actor, Perm.WO_WORK, order) else Perm.WO_MANAGE, order)
    return photos_attach(order=order, files=files, stage=stage, actor=actor)
