"""Reads of the work-order domain: visible orders, one order, its timeline and allowed actions."""

from django.db.models import Q, QuerySet
from django.http import Http404

from accounts.models import User
from core.access import access_for
from core.choices import Perm
from core.models import Resident
from workorders.choices import DONE_STATUSES, OPEN_STATUSES, TRANSITIONS, FollowUpStatus, Kind, Status
from workorders.models import Category, FollowUp, Rating, WorkOrder, WorkOrderEvent

LIST_RELATED = ("project", "category", "unit", "building", "area", "assignee", "department")


def workorder_visible(*, user: User) -> QuerySet[WorkOrder]:
    """Orders the user may see: staff by their grants, owners the orders they (or their roster entry) reported."""
    access = access_for(user)
    q = access.q(Perm.WO_VIEW)
    if access.is_resident:
        q |= Q(reporter=user) | Q(resident__in=Resident.objects.filter(user=user).values("pk"))
    return WorkOrder.objects.filter(q)


def workorder_list(*, user: User) -> QuerySet[WorkOrder]:
    return workorder_visible(user=user).select_related(*LIST_RELATED).order_by("-id")


def get_workorder_for_user(*, user: User, pk) -> WorkOrder:
    """One visible order; 404 for missing and not-yours alike. Writes check their own rules in services."""
    try:
        return workorder_visible(user=user).select_related(*LIST_RELATED, "company", "resident").get(pk=pk)
    except (WorkOrder.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def owner_workorders(*, user: User) -> QuerySet[WorkOrder]:
    """What an owner sees on /m/: the orders he or his roster entry reported, nothing else."""
    mine = Q(reporter=user) | Q(resident__in=Resident.objects.filter(user=user).values("pk"))
    return WorkOrder.objects.filter(mine).select_related("project", "category", "unit", "area").order_by("-id")


def workorder_timeline(*, order: WorkOrder, for_owner: bool = False) -> QuerySet[WorkOrderEvent]:
    events = order.events.select_related("actor").prefetch_related("photos")
    return events.filter(is_public=True) if for_owner else events


def workorder_is_staff(*, user: User, order: WorkOrder) -> bool:
    return access_for(user).allows(Perm.WO_VIEW, company_id=order.company_id, project_id=order.project_id)


def _is_reporter(user: User, order: WorkOrder) -> bool:
    if order.reporter_id == user.id:
        return True
    return bool(order.resident_id) and order.resident.user_id == user.id


def workorder_actions(*, order: WorkOrder, user: User) -> list[str]:
    """The actions ``user`` may take on ``order`` now, in the order the UI shows them."""
    access = access_for(user)
    manage = access.allows(Perm.WO_MANAGE, company_id=order.company_id, project_id=order.project_id)
    work = manage or (
        order.assignee_id == user.id
        and access.allows(Perm.WO_WORK, company_id=order.company_id, project_id=order.project_id)
    )
    reporter = _is_reporter(user, order)
    s, allowed = order.status, TRANSITIONS[order.status]
    actions = []
    rules = [
        ("accept", manage and Status.ACCEPTED in allowed and s in (Status.SUBMITTED, Status.REOPENED)),
        (
            "dispatch",
            manage and s in (Status.SUBMITTED, Status.ACCEPTED, Status.REOPENED, Status.DISPATCHED, Status.IN_PROGRESS),
        ),
        ("take", s == Status.DISPATCHED and not order.taken_at and order.assignee_id == user.id and work),
        ("start", work and s == Status.DISPATCHED),
        ("hold", work and Status.ON_HOLD in allowed),
        ("resume", work and s == Status.ON_HOLD),
        (
            "complete",
            work
            and (
                s == Status.IN_PROGRESS
                or (s == Status.ACCEPTED and order.kind not in (Kind.REPAIR, Kind.RECTIFICATION))
            ),
        ),
        ("verify", manage and s == Status.COMPLETED),
        ("close", manage and Status.CLOSED in allowed),
        ("reopen", (manage or reporter) and s in DONE_STATUSES and _reopenable(order)),
        (
            "rate",
            reporter
            and s in DONE_STATUSES
            and not Rating.objects.filter(order=order, round=order.reopen_count).exists(),
        ),
        (
            "follow_up",
            (manage or reporter) and FollowUp.objects.filter(order=order, status=FollowUpStatus.PENDING).exists(),
        ),
        ("reject", manage and Status.REJECTED in allowed),
        (
            "cancel",
            Status.CANCELLED in allowed
            and (manage or (reporter and s in (Status.SUBMITTED, Status.ACCEPTED, Status.DISPATCHED))),
        ),
        (
            "comment",
            work
            or manage
            or reporter
            or access.allows(Perm.WO_WORK, company_id=order.company_id, project_id=order.project_id),
        ),
    ]
    for name, ok in rules:
        if ok:
            actions.append(name)
    return actions


def _rated(order: WorkOrder) -> bool:
    return Rating.objects.filter(order=order, round=order.reopen_count).exists()


def _reopenable(order: WorkOrder) -> bool:
    from workorders.services import workorder_is_reopenable

    return workorder_is_reopenable(order=order)


def category_choices(*, company_id: int, kind: str | None = None) -> QuerySet[Category]:
    qs = Category.objects.filter(company_id=company_id, is_active=True).select_related("parent")
    return qs.filter(kind=kind) if kind else qs


def follow_ups_pending(*, order: WorkOrder) -> QuerySet[FollowUp]:
    return FollowUp.objects.filter(order=order, status=FollowUpStatus.PENDING)


def owner_follow_ups_pending(*, user: User) -> QuerySet[FollowUp]:
    return FollowUp.objects.filter(status=FollowUpStatus.PENDING, order__in=owner_workorders(user=user).values("pk"))


OPEN = sorted(OPEN_STATUSES)
