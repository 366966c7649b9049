"""Follow-ups (回访) after closing: scheduled by the close, answered by the owner or recorded by staff."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from core.choices import Perm
from workorders.choices import EventKind, FollowUpMethod, FollowUpResolved, FollowUpStatus
from workorders.models import FollowUp, WorkOrder
from workorders.services import common

FOLLOW_UP_DONE = _("This follow-up is already recorded.")


def follow_up_schedule(*, order: WorkOrder) -> FollowUp:
    hours = common.settings_for(order.company_id).follow_up_hours
    at = common.now()
    return FollowUp.objects.create(
        company_id=order.company_id, order=order, due_at=at + dt.timedelta(hours=hours), created=at
    )


@transaction.atomic
def follow_up_record(
    *,
    follow_up: FollowUp,
    status: str = FollowUpStatus.DONE,
    method: str,
    resolved: str = "",
    satisfaction: int | None = None,
    comment: str = "",
    actor: User,
) -> FollowUp:
    """Record the result of a follow-up: staff after a call or visit, or the owner answering in the app.

    "Not resolved" reopens the order; a rating of 2 or less flags it for the supervisor.
    """
    order = follow_up.order
    owner = common.is_reporter(actor, order)
    if owner:
        method, status = FollowUpMethod.APP, FollowUpStatus.DONE
    else:
        common.require(actor, Perm.WO_MANAGE, order)
    locked = FollowUp.objects.select_for_update().get(pk=follow_up.pk)
    if locked.status != FollowUpStatus.PENDING:
        raise ValidationError(FOLLOW_UP_DONE, code="follow_up_done")
    if status == FollowUpStatus.DONE and (not resolved or satisfaction is None):
        raise ValidationError({"resolved": _("Record whether the problem is solved and how satisfied the owner is.")})
    for name, value in {
        "status": status,
        "method": method,
        "resolved": resolved,
        "satisfaction": satisfaction,
        "comment": (comment or "").strip(),
        "done_by": actor,
        "done_at": common.now(),
    }.items():
        setattr(follow_up, name, value)
    follow_up.full_clean()
    follow_up.save()
    common.event_add(
        order=order,
        kind=EventKind.FOLLOW_UP,
        actor=actor,
        reason=follow_up.comment,
        data={"status": status, "resolved": resolved, "satisfaction": satisfaction, "method": method},
        is_public=True,
    )
    _follow_up_consequences(follow_up=follow_up, actor=actor)
    return follow_up


def _follow_up_consequences(*, follow_up: FollowUp, actor: User) -> None:
    from workorders.services.orders import workorder_reopen

    order = follow_up.order
    if follow_up.resolved == FollowUpResolved.NO and order.status in ("completed", "verified", "closed"):
        workorder_reopen(order=order, reason=str(_("Follow-up: not resolved.")) + " " + follow_up.comment, actor=None)
    elif follow_up.satisfaction is not None and follow_up.satisfaction <= 2:
        common.event_add(
            order=order,
            kind=EventKind.FLAGGED,
            actor=None,
            is_public=False,
            data={"reason": "low_follow_up", "satisfaction": follow_up.satisfaction},
        )
