"""Reads of the work-order domain: visible orders, one order, its timeline and allowed actions."""

from django.db.models import Q, QuerySet
from django.http import Http404

from accounts.models import User
from core.access import access_for
from core.choices import Perm
from core.models import Resident
from workorders.choices import (
    DONE_STATUSES,
    OPEN_STATUSES,
    TRANSITIONS,
    EventKind,
    FollowUpStatus,
    Kind,
    Source,
    Status,
)
from workorders.models import Category, FollowUp, Rating, WorkOrder, WorkOrderEvent

LIST_RELATED = ("project", "category", "category__parent", "unit", "building", "area", "assignee", "department")


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


# A dispatcher's note is for the worker ("带上 PPR 管件, 业主下午在家"); owners see who got the
# order, not the note. Reasons of rejections, cancellations and holds are addressed to them.
OWNER_HIDDEN_NOTES = frozenset({EventKind.ASSIGNED})


def event_note_for_owner(event: WorkOrderEvent) -> str:
    return "" if event.kind in OWNER_HIDDEN_NOTES else event.reason


def workorder_is_staff(*, user: User, order: WorkOrder) -> bool:
    return access_for(user).allows(Perm.WO_VIEW, company_id=order.company_id, project_id=order.project_id)


def workorder_is_reporter(*, user: User | None, order: WorkOrder) -> bool:
    """The owner behind the order: who filed it in the owner app, or the owner it was entered for.

    Staff who enter a phone-in report are its ``reporter`` too, but never its owner.
    """
    if user is None or not user.is_authenticated:
        return False
    if order.reporter_id == user.id and order.source == Source.OWNER_APP:
        return True
    if not order.resident_id or not access_for(user).is_resident:
        return False  # staff without an owner record: no query
    if WorkOrder.resident.is_cached(order):
        return order.resident.user_id == user.id
    return Resident.objects.filter(pk=order.resident_id, user=user).exists()


def workorder_actions(*, order: WorkOrder, user: User) -> list[str]:
    """The actions ``user`` may take on ``order`` now, in the order the UI shows them."""
    access = access_for(user)
    manage = access.allows(Perm.WO_MANAGE, company_id=order.company_id, project_id=order.project_id)
    work = manage or (
        order.assignee_id == user.id
        and access.allows(Perm.WO_WORK, company_id=order.company_id, project_id=order.project_id)
    )
    reporter = workorder_is_reporter(user=user, order=order)
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


#
# Staff pages: home summary, my orders, dispatch choices, follow-up queue, saved views
#
def workorder_summary(*, user: User, project_id: int | None = None) -> dict[str, int]:
    """Counts for the staff home card, with the list filters' own meaning of overdue and flagged."""
    from django.db.models import Count
    from django.utils import timezone

    from workorders.choices import SlaState

    qs = workorder_visible(user=user).filter(status__in=OPEN)
    if project_id:
        qs = qs.filter(project_id=project_id)
    overdue = Q(resolve_due_at__lt=timezone.now()) | Q(sla_state=SlaState.BREACHED)
    return qs.aggregate(
        open=Count("id"),
        overdue=Count("id", filter=overdue),
        flagged=Count("id", filter=Q(is_life_safety=True) | Q(is_escalated=True)),
        mine=Count("id", filter=Q(assignee=user)),
    )


def workorder_assigned(*, user: User) -> QuerySet[WorkOrder]:
    """Orders assigned to ``user``: open ones first, the nearest resolve deadline first."""
    from django.db.models import Case, F, IntegerField, Value, When

    done_last = Case(When(status__in=OPEN, then=Value(0)), default=Value(1), output_field=IntegerField())
    return (
        workorder_list(user=user)
        .filter(assignee=user)
        .select_related("category__parent", "resident")
        .order_by(done_last, F("resolve_due_at").asc(nulls_last=True), "-id")
    )


def workorder_assignee_choices(*, order: WorkOrder) -> QuerySet[User]:
    """People an order may be dispatched to (services.dispatch.assignee_is_eligible), with their open load."""
    from django.db.models import Count, OuterRef, Subquery
    from django.db.models.functions import Coalesce

    from core.models import Membership
    from workorders.services.dispatch import WORKER_ROLES

    members = Membership.objects.filter(
        Q(project_id=order.project_id) | Q(project__isnull=True),
        company_id=order.company_id,
        is_active=True,
        role__in=WORKER_ROLES,
    )
    load = (
        WorkOrder.objects.filter(assignee=OuterRef("pk"), status__in=OPEN)
        .order_by()
        .values("assignee")
        .annotate(n=Count("id"))
        .values("n")
    )
    return (
        User.objects.filter(pk__in=members.values("user_id"), is_active=True)
        .annotate(open_orders=Coalesce(Subquery(load), 0))
        .order_by("open_orders", "name", "id")
    )


def follow_ups_due(*, user: User) -> QuerySet[FollowUp]:
    """Pending follow-ups of the orders ``user`` may see, the most overdue first."""
    return (
        FollowUp.objects.filter(status=FollowUpStatus.PENDING, order__in=workorder_visible(user=user).values("pk"))
        .select_related("order__project", "order__category__parent", "order__unit", "order__area")
        .order_by("due_at", "id")
    )


def get_follow_up_for_user(*, user: User, pk) -> FollowUp:
    """A follow-up of a visible order; 404 for missing and not-yours alike."""
    try:
        return (
            FollowUp.objects.filter(order__in=workorder_visible(user=user).values("pk"))
            .select_related("order__project", "order__company", "order__resident")
            .get(pk=pk)
        )
    except (FollowUp.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def saved_views_of(*, user: User) -> QuerySet:
    from workorders.models import SavedView

    return SavedView.objects.filter(user=user).order_by("name")


def get_saved_view_for_user(*, user: User, pk):
    """One of the user's own saved views; another user's answers 404."""
    from workorders.models import SavedView

    try:
        return saved_views_of(user=user).get(pk=pk)
    except (SavedView.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
