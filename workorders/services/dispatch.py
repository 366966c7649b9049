"""Dispatch: manual assign and reassign, the automatic rules, and the take-timeout.

Automatic dispatch: the most specific active rule of the project (category, building or
area → department), else the category's default department kind; then the on-duty staff of
that department with the fewest open orders, ties going to whoever was dispatched to longest ago.
"""

import datetime as dt
from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from core.choices import Perm, Role
from core.models import Department, Membership
from workorders.choices import OPEN_STATUSES, AcceptTimeoutAction, EventKind, Status
from workorders.models import DispatchRule, WorkOrder, WorkOrderEvent
from workorders.services import common
from workorders.services.orders import _transition
from workorders.services.sla import sla_changes_for_transition

DISPATCH_ASSIGNEE_NOT_IN_PROJECT = _("This person does not work on orders in this project.")
DISPATCH_DEPARTMENT_OTHER_PROJECT = _("The department belongs to another project.")
DISPATCH_NOBODY = _("Choose a person or a department.")
WORKER_ROLES = (Role.STAFF, Role.SUPERVISOR, Role.PROJECT_MANAGER)
REDISPATCHABLE = (Status.SUBMITTED, Status.ACCEPTED, Status.REOPENED, Status.ON_HOLD)


def assignee_is_eligible(*, order: WorkOrder, user: User) -> bool:
    return Membership.objects.filter(
        Q(project_id=order.project_id) | Q(project__isnull=True),
        company_id=order.company_id,
        user=user,
        is_active=True,
        role__in=WORKER_ROLES,
    ).exists()


@transaction.atomic
def workorder_dispatch(
    *,
    order: WorkOrder,
    assignee: User | None = None,
    department: Department | None = None,
    note: str = "",
    actor: User | None,
) -> WorkOrder:
    """Assign (派单) to a person, or to a department's queue; reassigns an order already out."""
    common.require(actor, Perm.WO_MANAGE, order)
    if assignee is None and department is None:
        raise ValidationError({"assignee": DISPATCH_NOBODY})
    if department is not None and department.project_id != order.project_id:
        raise ValidationError({"department": DISPATCH_DEPARTMENT_OTHER_PROJECT})
    if assignee is not None and not assignee_is_eligible(order=order, user=assignee):
        raise ValidationError({"assignee": DISPATCH_ASSIGNEE_NOT_IN_PROJECT})
    if department is None and assignee is not None:
        department = _department_of(order=order, user=assignee) or order.department
    return _assign(order=order, assignee=assignee, department=department, actor=actor, note=note)


def _assign(
    *,
    order: WorkOrder,
    assignee: User | None,
    department: Department | None,
    actor: User | None,
    note: str = "",
    data: dict | None = None,
) -> WorkOrder:
    at = common.now()
    data = _dispatch_data(assignee=assignee, department=department, extra=data)
    if assignee is None:
        WorkOrder.objects.filter(pk=order.pk).update(department=department, updated=at)
        order.department = department
        common.event_add(order=order, kind=EventKind.ASSIGNED, actor=actor, at=at, reason=note, data=data)
        return order
    timeout = common.settings_for(order.company_id).accept_timeout_minutes
    changes = {
        "assignee": assignee,
        "department": department,
        "dispatched_at": at,
        "taken_at": None,
        "take_due_at": at + dt.timedelta(minutes=timeout),
    }
    Membership.objects.filter(company_id=order.company_id, user=assignee).update(last_dispatched_at=at)
    if order.status in (Status.DISPATCHED, Status.IN_PROGRESS):
        if order.status == Status.IN_PROGRESS:
            changes.pop("take_due_at")
            changes["taken_at"] = order.taken_at
        WorkOrder.objects.filter(pk=order.pk, status=order.status).update(updated=at, **changes)
        for k, v in changes.items():
            setattr(order, k, v)
        common.event_add(order=order, kind=EventKind.ASSIGNED, actor=actor, at=at, reason=note, data=data)
        return order
    return _transition(
        order=order,
        to=Status.DISPATCHED,
        actor=actor,
        reason=note,
        changes=changes,
        data=data,
        event_kind=EventKind.ASSIGNED,
        at=at,
    )


def _department_of(*, order: WorkOrder, user: User) -> Department | None:
    m = Membership.objects.filter(project_id=order.project_id, user=user, department__isnull=False).first()
    return m.department if m else None


#
# Automatic dispatch
#
def dispatch_department(*, order: WorkOrder) -> Department | None:
    rules = [r for r in DispatchRule.objects.filter(project_id=order.project_id, is_active=True) if _matches(r, order)]
    if rules:
        best = max(rules, key=lambda r: (r.specificity, -r.sort_order, -r.pk))
        return best.department
    kind = order.category.department_kind if order.category_id else ""
    if not kind and order.category_id and order.category.parent_id:
        kind = order.category.parent.department_kind
    if kind:
        return Department.objects.filter(project_id=order.project_id, kind=kind).order_by("id").first()
    return None


def _matches(rule: DispatchRule, order: WorkOrder) -> bool:
    if rule.category_id and rule.category_id not in (order.category_id, _parent_id(order)):
        return False
    if rule.building_id and rule.building_id != order.building_id:
        return False
    return not (rule.area_id and rule.area_id != order.area_id)


def _parent_id(order: WorkOrder) -> int | None:
    return order.category.parent_id if order.category_id else None


def dispatch_candidate(*, order: WorkOrder, department: Department, exclude: set[int] = frozenset()) -> User | None:
    """The on-duty member of ``department`` with the fewest open orders; round-robin on ties (one query)."""
    open_orders = (
        WorkOrder.objects.filter(assignee_id=OuterRef("user_id"), status__in=sorted(OPEN_STATUSES))
        .order_by()
        .values("assignee_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    best = (
        Membership.objects.filter(
            department=department, project_id=order.project_id, is_active=True, on_duty=True, role=Role.STAFF
        )
        .exclude(user_id__in=exclude)
        .exclude(user__is_active=False)
        .annotate(load=Coalesce(Subquery(open_orders), 0))
        .select_related("user")
        .order_by("load", F("last_dispatched_at").asc(nulls_first=True), "pk")
        .first()
    )
    return best.user if best else None


def auto_dispatch_prepare(*, order: WorkOrder, at: dt.datetime) -> Callable[[WorkOrder], WorkOrderEvent] | None:
    """Auto-dispatch a new, unsaved order: set its department, or its assignee and status, in memory.

    Returns a function that builds the dispatch event once the order has its id, or None when no
    rule or department applies. The order then goes in with one INSERT, already dispatched.
    """
    department = dispatch_department(order=order)
    if department is None:
        return None
    person = dispatch_candidate(order=order, department=department)
    order.department = department
    data = _dispatch_data(assignee=person, department=department, extra={"auto": True})
    if person is None:
        return lambda saved: common.event_build(order=saved, kind=EventKind.ASSIGNED, actor=None, at=at, data=data)
    changes = sla_changes_for_transition(order=order, to=Status.DISPATCHED, at=at)
    timeout = common.settings_for(order.company_id).accept_timeout_minutes
    changes.update(assignee=person, dispatched_at=at, take_due_at=at + dt.timedelta(minutes=timeout))
    for name, value in {**changes, "status": Status.DISPATCHED, "updated": at}.items():
        setattr(order, name, value)
    Membership.objects.filter(company_id=order.company_id, user=person).update(last_dispatched_at=at)
    return lambda saved: common.event_build(
        order=saved,
        kind=EventKind.ASSIGNED,
        actor=None,
        at=at,
        from_status=Status.SUBMITTED,
        to_status=Status.DISPATCHED,
        data=data,
    )


def _dispatch_data(*, assignee: User | None, department: Department | None, extra: dict | None) -> dict:
    return {
        "assignee": assignee.pk if assignee else None,
        "assignee_name": assignee.name if assignee else "",
        "department": department.pk if department else None,
        "department_name": department.name if department else "",
        **(extra or {}),
    }


@transaction.atomic
def workorder_auto_dispatch(*, order: WorkOrder, actor: User | None = None, exclude: set[int] = frozenset()) -> bool:
    """Dispatch by the rules. True if a person got it; False if it only reached a department or nobody."""
    department = dispatch_department(order=order)
    if department is None:
        return False
    person = dispatch_candidate(order=order, department=department, exclude=exclude)
    if person is None and order.department_id == department.pk:
        return False
    _assign(order=order, assignee=person, department=department, actor=actor, data={"auto": True})
    return person is not None


#
# Nobody took it in time
#
def take_timeout_handle(*, order_id: int, now: dt.datetime) -> str | None:
    """Re-dispatch to the next person, or escalate to the supervisor; once per dispatch."""
    with transaction.atomic():
        order = WorkOrder.objects.select_for_update(of=("self",)).select_related("company", "category").get(pk=order_id)
        if order.status != Status.DISPATCHED or order.taken_at or not order.take_due_at or order.take_due_at > now:
            return None
        tried = set(
            order.events.filter(kind=EventKind.ASSIGNED)
            .exclude(data__assignee=None)
            .values_list("data__assignee", flat=True)
        )
        settings = common.settings_for(order.company_id)
        department = order.department or dispatch_department(order=order)
        person = None
        if settings.accept_timeout_action == AcceptTimeoutAction.REDISPATCH and department is not None:
            person = dispatch_candidate(order=order, department=department, exclude={int(x) for x in tried if x})
        if person is not None:
            _assign(
                order=order,
                assignee=person,
                department=department,
                actor=None,
                data={"auto": True, "reason": "take_timeout"},
            )
            return "redispatched"
        WorkOrder.objects.filter(pk=order.pk).update(take_due_at=None, is_escalated=True, updated=now)
        supervisors = list(
            Membership.objects.filter(project_id=order.project_id, role=Role.SUPERVISOR, is_active=True)
            .filter(Q(department=department) if department else Q())
            .values_list("user_id", flat=True)
        )
        common.event_add(
            order=order,
            kind=EventKind.ESCALATED,
            actor=None,
            at=now,
            is_public=False,
            data={"reason": "take_timeout", "to": supervisors, "assignee": order.assignee_id},
        )
    from workorders.notify import notify_flagged

    transaction.on_commit(lambda: notify_flagged(order_id=order_id))
    return "escalated"
