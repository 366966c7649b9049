"""The work-order lifecycle: report, accept, dispatch, work, complete, verify, close, reopen, rate.

Every status change goes through ``_transition`` (the transition table in choices.TRANSITIONS,
a row lock, a conditional UPDATE and an event in the same transaction).
"""

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from core.access import access_for
from core.choices import Perm
from core.models import Project, UnitResident
from lib.keywords import classify
from workorders.choices import (
    DONE_STATUSES,
    OWNER_KINDS,
    TRANSITIONS,
    EventKind,
    HoldReason,
    Kind,
    PhotoStage,
    Priority,
    Source,
    Status,
)
from workorders.models import WorkOrder, WorkOrderEvent
from workorders.services import common
from workorders.services.common import (
    WORKORDER_BAD_TRANSITION,
    WORKORDER_CONFLICT,
    WORKORDER_NOT_ASSIGNEE,
    WORKORDER_NOT_REPORTER,
    WORKORDER_REASON_REQUIRED,
    WORKORDER_REOPEN_EXPIRED,
    Conflict,
    event_add,
    event_build,
    is_reporter,
    require,
)
from workorders.services.photos import photos_attach
from workorders.services.sla import sla_changes_for_transition, sla_plan

WORKORDER_UNIT_NOT_YOURS = _("You can only report for your own units.")
WORKORDER_PLACE_OTHER_PROJECT = _("It belongs to another project.")
WORKORDER_CATEGORY_KIND = _("The category does not match the kind.")
WORKORDER_KIND_NOT_FOR_OWNERS = _("Owners cannot file this kind of order.")
WORKORDER_COMPLETE_NEEDS_VISIT = _("A repair is completed after the visit: start it on site first.")
WORKORDER_ALREADY_RATED = _("This round of work is already rated.")
WORKORDER_RATE_NOT_DONE = _("Rate the order after it is completed.")

# Fields a caller may set when reporting; the rest are the engine's.
CREATE_FIELDS = (
    "kind",
    "category",
    "priority",
    "title",
    "description",
    "unit",
    "building",
    "area",
    "location",
    "latitude",
    "longitude",
    "contact_name",
    "contact_phone",
    "appointment_at",
    "is_public",
    "source",
    "department",
)
PRIORITY_ORDER = [Priority.P0, Priority.P1, Priority.P2, Priority.P3]


#
# Reporting
#
@transaction.atomic
def workorder_create(
    *,
    project: Project,
    data: dict[str, Any],
    actor: User,
    photos: Iterable[UploadedFile] = (),
) -> WorkOrder:
    """Report an order in ``project``: an owner for his unit or a public area, or staff for anyone.

    Runs the text through the keyword tiers (P0 and flags), starts the SLA clocks, and
    dispatches automatically when the company says so.
    """
    order = _order_from(project=project, data=data)
    if access_for(actor).allows(Perm.WO_REPORT, company_id=project.company_id, project_id=project.id):
        order.source = data.get("source") or Source.PHONE
        if data.get("resident"):
            order.resident = data["resident"]
    else:
        _owner_fill(order=order, actor=actor)
    order.reporter = actor
    return _create(order=order, actor=actor, photos=photos)


@transaction.atomic
def workorder_create_system(
    *, project_id: int, data: dict[str, Any], at: dt.datetime | None = None, source_key: str | None = None
) -> WorkOrder:
    """An order opened by a rule or an integration (SLA-breach rectification, Open311); no actor."""
    project = Project.objects.select_related("company").get(pk=project_id)
    order = _order_from(project=project, data=data)
    order.source = data.get("source") or Source.SYSTEM
    order.source_key = source_key
    return _create(order=order, actor=None, at=at)


def _order_from(*, project: Project, data: dict[str, Any]) -> WorkOrder:
    unknown = set(data) - set(CREATE_FIELDS) - {"resident"}
    if unknown:
        raise ValueError(f"unknown work-order fields: {sorted(unknown)}")
    fields = {k: v for k, v in data.items() if k in CREATE_FIELDS and v not in (None, "")}
    fields.pop("source", None)
    order = WorkOrder(company=project.company, project=project, **fields)
    _check_places(order)
    if order.category_id and order.category.kind != order.kind:
        raise ValidationError({"category": WORKORDER_CATEGORY_KIND})
    if order.unit_id and not order.building_id:
        order.building_id = order.unit.building_id
    if order.area_id and not order.building_id:
        order.building_id = order.area.building_id
    if not order.title:
        order.title = order.category.name if order.category_id else order.description[:30]
    if "priority" not in fields:
        order.priority = order.category.priority_hint if order.category_id else Priority.P2
    return order


def _check_places(order: WorkOrder) -> None:
    for name in ("unit", "building", "area", "department"):
        obj = getattr(order, name) if getattr(order, f"{name}_id") else None
        if obj is not None and obj.project_id != order.project_id:
            raise ValidationError({name: WORKORDER_PLACE_OTHER_PROJECT})
    if order.category_id and order.category.company_id != order.company_id:
        raise ValidationError({"category": WORKORDER_PLACE_OTHER_PROJECT})


def _owner_fill(*, order: WorkOrder, actor: User) -> None:
    """An owner reports for a unit he is linked to, or for a public area of a project he lives in."""
    links = UnitResident.objects.filter(resident__user=actor, unit__project=order.project).select_related("resident")
    if order.kind not in OWNER_KINDS:
        raise ValidationError({"kind": WORKORDER_KIND_NOT_FOR_OWNERS})
    if order.unit_id:
        link = next((x for x in links if x.unit_id == order.unit_id), None)
    else:
        link = next(iter(links), None)
    if link is None:
        if order.unit_id:
            raise ValidationError({"unit": WORKORDER_UNIT_NOT_YOURS})
        raise PermissionDenied
    order.resident = link.resident
    order.source = Source.OWNER_APP
    order.contact_name = order.contact_name or link.resident.name
    order.contact_phone = order.contact_phone or link.resident.phone or (actor.phone or "")


# Foreign keys _order_from has already loaded and checked (company, project, places, category),
# or that the service sets itself; full_clean() would look each of them up again.
CHECKED_RELATIONS = [f.name for f in WorkOrder._meta.concrete_fields if f.is_relation]


def _create(
    *, order: WorkOrder, actor: User | None, photos: Iterable[UploadedFile] = (), at: dt.datetime | None = None
) -> WorkOrder:
    """Insert a new order with its first events; dispatched already when auto-dispatch finds someone.

    Choosing the assignee before the INSERT saves the second write and the row lock a separate
    dispatch would cost; the timeline still reads "created" then "dispatched".
    """
    from workorders.services.dispatch import auto_dispatch_prepare

    at = at or common.now()
    order.created = at
    keyword_flags = _apply_keywords(order)
    for name, value in sla_plan(order=order, start=at, service_level=order.project.service_level).items():
        setattr(order, name, value)
    dispatch = None
    if common.settings_for(order.company_id).auto_dispatch and order.kind != Kind.PRAISE:
        dispatch = auto_dispatch_prepare(order=order, at=at)
    order.full_clean(exclude=[*CHECKED_RELATIONS, "token", "source_key"])
    order.save(force_insert=True)
    data = {"source": order.source, "priority": order.priority}
    events = [
        event_build(order=order, kind=EventKind.CREATED, actor=actor, at=at, to_status=Status.SUBMITTED, data=data)
    ]
    if keyword_flags:
        events.append(
            event_build(order=order, kind=EventKind.FLAGGED, actor=None, at=at, data=keyword_flags, is_public=False)
        )
    if dispatch is not None:
        events.append(dispatch(order))
    WorkOrderEvent.objects.bulk_create(events)
    if photos:
        photos_attach(order=order, files=photos, stage=PhotoStage.BEFORE, actor=actor)
    if order.is_escalated or order.is_life_safety:
        from workorders.notify import notify_flagged

        transaction.on_commit(lambda: notify_flagged(order_id=order.pk))
    return order


def _apply_keywords(order: WorkOrder) -> dict[str, Any]:
    """Raise the priority and set flags from the keyword tiers; return the hits worth an event."""
    result = classify(f"{order.title} {order.description} {order.location}")
    order.keyword_hits = result.to_json()
    if not result.hits:
        return {}
    order.is_life_safety = result.is_life_safety
    order.is_escalated = result.is_escalation
    wanted = result.suggested_priority
    if result.is_escalation and order.kind == Kind.COMPLAINT:
        wanted = _higher(wanted, Priority.P1)
    if result.is_emotional:
        wanted = _higher(wanted, _bump(order.priority))
    before = order.priority
    if wanted:
        order.priority = _higher(order.priority, wanted)
    return {"hits": order.keyword_hits, "priority_from": before, "priority_to": order.priority}


def _higher(a: str | None, b: str | None) -> str:
    ranked = [p for p in (a, b) if p]
    return min(ranked, key=PRIORITY_ORDER.index)


def _bump(priority: str) -> str:
    """One level more urgent, but a feeling alone never makes an order P0."""
    return PRIORITY_ORDER[max(PRIORITY_ORDER.index(priority) - 1, 1)] if priority != Priority.P0 else priority


#
# The transition function
#
def _transition(
    *,
    order: WorkOrder,
    to: str,
    actor: User | None,
    reason: str = "",
    changes: dict[str, Any] | None = None,
    data: dict[str, Any] | None = None,
    event_kind: str = EventKind.STATUS,
    at: dt.datetime | None = None,
) -> WorkOrder:
    """Move ``order`` to ``to``: check the table, lock the row, update it conditionally, write the event."""
    at = at or common.now()
    fresh = WorkOrder.objects.select_for_update(of=("self",)).select_related("company").get(pk=order.pk)
    if fresh.status != order.status:
        raise Conflict(WORKORDER_CONFLICT, code="conflict")
    if to not in TRANSITIONS[fresh.status]:
        raise ValidationError(
            str(WORKORDER_BAD_TRANSITION).format(from_status=Status(fresh.status).label, to_status=Status(to).label),
            code="bad_transition",
        )
    values = {**sla_changes_for_transition(order=fresh, to=to, at=at), **(changes or {})}
    updated = WorkOrder.objects.filter(pk=fresh.pk, status=fresh.status).update(status=to, updated=at, **values)
    if updated != 1:
        raise Conflict(WORKORDER_CONFLICT, code="conflict")
    for name, value in {**values, "status": to, "updated": at}.items():
        setattr(order, name, value)
    event_add(
        order=order,
        kind=event_kind,
        actor=actor,
        at=at,
        from_status=fresh.status,
        to_status=to,
        reason=reason,
        data=data,
    )
    return order


def _need_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": WORKORDER_REASON_REQUIRED})
    return reason


def _require_worker(order: WorkOrder, actor: User | None) -> None:
    """The assignee (with the field-work permission) or a supervisor of the project."""
    if common.can(actor, Perm.WO_MANAGE, order):
        return
    if actor is not None and order.assignee_id == actor.id and common.can(actor, Perm.WO_WORK, order):
        return
    if common.can(actor, Perm.WO_VIEW, order):
        raise PermissionDenied(WORKORDER_NOT_ASSIGNEE)
    raise PermissionDenied


#
# Verbs
#
@transaction.atomic
def workorder_accept(*, order: WorkOrder, actor: User | None, note: str = "") -> WorkOrder:
    """Customer service accepts (受理) a reported or reopened order."""
    require(actor, Perm.WO_MANAGE, order)
    return _transition(order=order, to=Status.ACCEPTED, actor=actor, reason=note, changes={"accepted_at": common.now()})


@transaction.atomic
def workorder_reject(*, order: WorkOrder, reason: str, actor: User | None) -> WorkOrder:
    """Decline an order outside the company's responsibility (e.g. a developer's warranty matter)."""
    require(actor, Perm.WO_MANAGE, order)
    return _transition(order=order, to=Status.REJECTED, actor=actor, reason=_need_reason(reason), changes=_clear_take())


@transaction.atomic
def workorder_cancel(*, order: WorkOrder, reason: str, actor: User | None) -> WorkOrder:
    """Cancel: staff with a reason, or the owner himself before anyone is on site."""
    owner_may = is_reporter(actor, order) and order.status in (Status.SUBMITTED, Status.ACCEPTED, Status.DISPATCHED)
    if not owner_may:
        require(actor, Perm.WO_MANAGE, order)
    return _transition(
        order=order, to=Status.CANCELLED, actor=actor, reason=_need_reason(reason), changes=_clear_take()
    )


@transaction.atomic
def workorder_take(*, order: WorkOrder, actor: User) -> WorkOrder:
    """The assignee takes (接单) a dispatched order; stops the re-dispatch timer."""
    _require_worker(order, actor)
    if order.status != Status.DISPATCHED:
        raise ValidationError(
            str(WORKORDER_BAD_TRANSITION).format(
                from_status=Status(order.status).label, to_status=Status.DISPATCHED.label
            ),
            code="bad_transition",
        )
    at = common.now()
    updated = WorkOrder.objects.filter(pk=order.pk, status=Status.DISPATCHED, assignee=order.assignee_id).update(
        taken_at=at, take_due_at=None, updated=at
    )
    if not updated:
        raise Conflict(WORKORDER_CONFLICT, code="conflict")
    order.taken_at, order.take_due_at = at, None
    event_add(order=order, kind=EventKind.TAKEN, actor=actor, at=at)
    return order


@transaction.atomic
def workorder_start(*, order: WorkOrder, actor: User, note: str = "") -> WorkOrder:
    """Arrival on site (到场): the work starts and the on-site clock stops."""
    _require_worker(order, actor)
    at = common.now()
    changes = {"arrived_at": order.arrived_at or at, **_clear_take()}
    if not order.taken_at:
        changes["taken_at"] = at
    return _transition(order=order, to=Status.IN_PROGRESS, actor=actor, reason=note, changes=changes, at=at)


@transaction.atomic
def workorder_hold(*, order: WorkOrder, hold_reason: str, reason: str = "", actor: User) -> WorkOrder:
    """Pause the SLA clocks while waiting for parts, the owner or a third party."""
    _require_worker(order, actor)
    if hold_reason not in HoldReason.values:
        raise ValidationError({"hold_reason": _("Pick a reason from the list.")})
    if hold_reason == HoldReason.OTHER:
        _need_reason(reason)
    changes = {"hold_reason": hold_reason, "status_before_hold": order.status, **_clear_take()}
    return _transition(
        order=order, to=Status.ON_HOLD, actor=actor, reason=reason, changes=changes, data={"hold_reason": hold_reason}
    )


@transaction.atomic
def workorder_resume(*, order: WorkOrder, actor: User, note: str = "") -> WorkOrder:
    _require_worker(order, actor)
    back = order.status_before_hold or Status.ACCEPTED
    return _transition(
        order=order, to=back, actor=actor, reason=note, changes={"hold_reason": "", "status_before_hold": ""}
    )


@transaction.atomic
def workorder_complete(
    *, order: WorkOrder, actor: User, note: str = "", photos: Iterable[UploadedFile] = ()
) -> WorkOrder:
    """Work done (完工), with after photos; repairs must have been started on site."""
    _require_worker(order, actor)
    if order.status == Status.ACCEPTED and order.kind in (Kind.REPAIR, Kind.RECTIFICATION):
        raise ValidationError(WORKORDER_COMPLETE_NEEDS_VISIT, code="needs_visit")
    order = _transition(
        order=order, to=Status.COMPLETED, actor=actor, reason=note, changes={"completed_at": common.now()}
    )
    if photos:
        event = order.events.order_by("-id").first()
        photos_attach(order=order, files=photos, stage=PhotoStage.AFTER, actor=actor, event=event)
    return order


@transaction.atomic
def workorder_verify(*, order: WorkOrder, passed: bool, reason: str = "", actor: User) -> WorkOrder:
    """A supervisor checks the work (验收): pass, or send it back for rework with a reason."""
    require(actor, Perm.WO_MANAGE, order)
    if passed:
        return _transition(
            order=order, to=Status.VERIFIED, actor=actor, reason=reason, changes={"verified_at": common.now()}
        )
    return _transition(
        order=order, to=Status.IN_PROGRESS, actor=actor, reason=_need_reason(reason), data={"rework": True}
    )


@transaction.atomic
def workorder_close(*, order: WorkOrder, actor: User | None, note: str = "") -> WorkOrder:
    """Close the order; the follow-up (回访) falls due."""
    require(actor, Perm.WO_MANAGE, order)
    order = _transition(order=order, to=Status.CLOSED, actor=actor, reason=note, changes={"closed_at": common.now()})
    from workorders.services.followups import follow_up_schedule

    follow_up_schedule(order=order)
    return order


@transaction.atomic
def workorder_reopen(*, order: WorkOrder, reason: str, actor: User | None) -> WorkOrder:
    """Send a completed order back (重开): its owner, or staff on his behalf, within the window."""
    if not is_reporter(actor, order):
        require(actor, Perm.WO_MANAGE, order)
    reason = _need_reason(reason)
    days = common.settings_for(order.company_id).reopen_days
    if actor is not None and order.completed_at and common.now() - order.completed_at > dt.timedelta(days=days):
        raise ValidationError(str(WORKORDER_REOPEN_EXPIRED).format(days=days), code="reopen_expired")
    at = common.now()
    order.reopen_count += 1
    plan = sla_plan(order=order, start=at, service_level=order.project.service_level)
    changes = {
        **plan,
        "reopen_count": order.reopen_count,
        "reopened_at": at,
        "completed_at": None,
        "verified_at": None,
        "closed_at": None,
    }
    order = _transition(
        order=order,
        to=Status.REOPENED,
        actor=actor,
        reason=reason,
        changes=changes,
        at=at,
        data={"round": order.reopen_count},
    )
    return order


def _clear_take() -> dict[str, Any]:
    return {"take_due_at": None}


#
# Owner feedback and notes
#
@transaction.atomic
def workorder_rate(
    *,
    order: WorkOrder,
    stars: int,
    tags: list[str] | None = None,
    comment: str = "",
    is_public: bool = False,
    actor: User,
):
    """The owner rates the completed work (1–5 stars); ≤ 2 stars flags the order for the supervisor."""
    from workorders.choices import RatingTag
    from workorders.models import Rating

    if not is_reporter(actor, order):
        raise PermissionDenied(WORKORDER_NOT_REPORTER)
    if order.status not in DONE_STATUSES:
        raise ValidationError(WORKORDER_RATE_NOT_DONE, code="not_done")
    if Rating.objects.filter(order=order, round=order.reopen_count).exists():
        raise ValidationError(WORKORDER_ALREADY_RATED, code="already_rated")
    tags = [t for t in (tags or []) if t in RatingTag.values]
    rating = Rating(
        company_id=order.company_id,
        order=order,
        round=order.reopen_count,
        stars=stars,
        tags=tags,
        comment=comment.strip(),
        rater=actor,
        created=common.now(),
    )
    rating.full_clean()
    rating.save()
    WorkOrder.objects.filter(pk=order.pk).update(is_public=is_public)
    order.is_public = is_public
    event_add(
        order=order, kind=EventKind.RATED, actor=actor, data={"stars": stars, "tags": tags}, reason=rating.comment
    )
    result = classify(rating.comment)
    if stars <= 2 or result.hits:
        event_add(
            order=order,
            kind=EventKind.FLAGGED,
            actor=None,
            is_public=False,
            data={"stars": stars, "hits": result.to_json(), "reason": "low_rating" if stars <= 2 else "keywords"},
        )
    return rating


@transaction.atomic
def workorder_comment(
    *, order: WorkOrder, text: str, is_public: bool = False, actor: User, photos: Iterable[UploadedFile] = ()
):
    """A note on the timeline (internal unless made public), optionally with photos of the step."""
    if not is_reporter(actor, order):
        require(actor, Perm.WO_VIEW, order)
        if not (common.can(actor, Perm.WO_WORK, order) or common.can(actor, Perm.WO_MANAGE, order)):
            raise PermissionDenied
    else:
        is_public = True
    text = (text or "").strip()
    if not text and not photos:
        raise ValidationError({"text": _("Write a note or add a photo.")})
    event = event_add(order=order, kind=EventKind.COMMENT, actor=actor, reason=text, is_public=is_public)
    if photos:
        photos_attach(order=order, files=photos, stage=PhotoStage.STEP, actor=actor, event=event)
    return event


@transaction.atomic
def workorder_update(*, order: WorkOrder, data: dict[str, Any], actor: User, reason: str = "") -> WorkOrder:
    """Staff correct kind, category, priority or place; a new priority restarts the open clocks."""
    require(actor, Perm.WO_MANAGE, order)
    locked = WorkOrder.objects.select_for_update().get(pk=order.pk)
    if locked.sla_version != order.sla_version or locked.status != order.status:
        raise Conflict(WORKORDER_CONFLICT, code="conflict")
    allowed = {
        "kind",
        "category",
        "priority",
        "title",
        "description",
        "unit",
        "building",
        "area",
        "location",
        "appointment_at",
        "contact_name",
        "contact_phone",
    }
    unknown = set(data) - allowed
    if unknown:
        raise ValueError(f"unknown fields: {sorted(unknown)}")
    before = {k: str(getattr(order, k)) for k in data}
    for k, v in data.items():
        setattr(order, k, v)
    _check_places(order)
    if order.category_id and order.category.kind != order.kind:
        raise ValidationError({"category": WORKORDER_CATEGORY_KIND})
    order.full_clean(exclude=["reporter", "resident", "sla_policy", "token"])
    fields = list(data)
    if order.is_open and {"priority", "kind", "appointment_at"} & set(data) and order.status != Status.ON_HOLD:
        plan = sla_plan(
            order=order, start=order.reopened_at or order.created, service_level=order.project.service_level
        )
        from workorders import sla as clock
        from workorders.services.sla import MET_BY_STATUS

        plan["sla_checkpoints"] = clock.drop_targets(plan["sla_checkpoints"], MET_BY_STATUS.get(order.status, ()))
        plan["sla_next_at"] = clock.next_at(plan["sla_checkpoints"])
        plan.pop("sla_state")
        for k, v in plan.items():
            setattr(order, k, v)
        order.sla_version += 1
        fields += [*plan, "sla_version"]
    order.save(update_fields=[*fields, "updated"])
    event_add(
        order=order,
        kind=EventKind.UPDATED,
        actor=actor,
        reason=reason,
        is_public=False,
        data={"before": before, "after": {k: str(getattr(order, k)) for k in data}},
    )
    return order


def workorder_is_reopenable(*, order: WorkOrder) -> bool:
    if order.status not in DONE_STATUSES or not order.completed_at:
        return False
    days = common.settings_for(order.company_id).reopen_days
    return common.now() - order.completed_at <= dt.timedelta(days=days)
