"""Doing a task: start, check in at checkpoints, report a problem, finish; cancel and assign; the missed sweep.

Every status change goes through ``_task_transition`` (the table in choices.TRANSITIONS, a row
lock, a conditional UPDATE and a TaskEvent in the same transaction).
"""

import datetime as dt
import math
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F, Max, OuterRef, Subquery
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from accounts.models import User
from core.choices import Perm
from lib.images import process_photo
from plans.choices import (
    OPEN_TASK_STATUSES,
    TRANSITIONS,
    CheckInMethod,
    CheckpointOrder,
    PhotoRule,
    TaskEventKind,
    TaskStatus,
)
from plans.models import CheckIn, Checkpoint, Task, TaskEvent
from plans.selectors import task_can_manage, task_can_work, task_route
from plans.services import common
from plans.services.common import TASK_BAD_TRANSITION, TASK_NOT_YOURS, Conflict, event_add, need_reason

TASK_NOT_OPEN_YET = _("This task opens at {time}.")
TASK_WINDOW_OVER = _("The window of this task is over.")
TASK_CLOSED = _("This task is already {status}.")
TASK_CODE_UNKNOWN = _("This QR code is not a checkpoint of this company.")
TASK_CODE_MISMATCH = _("The code does not belong to this checkpoint.")
TASK_CHECKPOINT_NOT_ON_ROUTE = _("{name} is not on this task's route.")
TASK_ALREADY_CHECKED_IN = _("You have already checked in at {name} for this task.")
TASK_OUT_OF_ORDER = _("Check in at {name} first: this route is done in order.")
TASK_POSITION_REQUIRED = _("Your position is needed to check in this way.")
TASK_TOO_FAR = _("You are {distance} m from {name}; come within {radius} m.")
TASK_NOTHING_NEAR = _("No checkpoint of this route is within reach of your position.")
TASK_PHOTO_REQUIRED = _("A photo is required.")
TASK_MANUAL_NEEDS_MANAGER = _("Only a supervisor may enter a check-in by hand.")
TASK_MANUAL_NEEDS_NOTE = _("Say why the check-in is entered by hand.")
TASK_METHOD_UNKNOWN = _("Pick QR code, position or manual entry.")
TASK_CHECKPOINT_REQUIRED = _("Scan the checkpoint's QR code or pick the checkpoint.")
TASK_MISSING_NEEDS_NOTE = _("{missing} of {required} checkpoints were not visited: say why in a note.")
TASK_PROBLEM_KIND = _("A problem found on a round is a repair or a rectification.")
TASK_PROBLEM_NEEDS_TEXT = _("Describe the problem.")
TASK_ASSIGNEE_NOT_MEMBER = _("{name} does not do tasks in this project.")


#
# The transition function
#
def _task_transition(
    *,
    task: Task,
    to: str,
    actor: User | None,
    at: dt.datetime | None = None,
    reason: str = "",
    changes: dict[str, Any] | None = None,
    data: dict[str, Any] | None = None,
) -> Task:
    """Move ``task`` to ``to``: check the table, lock the row, update it conditionally, write the event."""
    at = at or common.now()
    fresh = Task.objects.select_for_update().get(pk=task.pk)
    if fresh.status != task.status:
        raise Conflict(common.PLAN_CONFLICT, code="conflict")
    if to not in TRANSITIONS[fresh.status]:
        message = str(TASK_BAD_TRANSITION).format(
            from_status=TaskStatus(fresh.status).label, to_status=TaskStatus(to).label
        )
        raise ValidationError(message, code="bad_transition")
    changes = changes or {}
    if Task.objects.filter(pk=fresh.pk, status=fresh.status).update(status=to, **changes) != 1:
        raise Conflict(common.PLAN_CONFLICT, code="conflict")
    for name in ("assignee_id", "on_time_checkins", "late_checkins", "started_at", "finished_at"):
        setattr(task, name, getattr(fresh, name))
    for name, value in {**changes, "status": to}.items():
        setattr(task, name, value)
    event_add(
        task=task,
        kind=TaskEventKind.STATUS,
        actor=actor,
        at=at,
        from_status=fresh.status,
        to_status=to,
        reason=reason,
        data=data,
    )
    return task


def _require_worker(task: Task, actor: User | None) -> None:
    if task_can_work(user=actor, task=task):
        return
    from core.access import access_for

    if access_for(actor).allows(Perm.TASK_WORK, company_id=task.company_id, project_id=task.project_id):
        raise PermissionDenied(TASK_NOT_YOURS)
    raise PermissionDenied


def _require_open(task: Task) -> None:
    if task.status not in OPEN_TASK_STATUSES:
        raise ValidationError(str(TASK_CLOSED).format(status=TaskStatus(task.status).label.lower()), code="closed")


def _local_time(value: dt.datetime, task: Task) -> str:
    return formats.time_format(timezone.localtime(value, task.company.zone), "H:i")


def _check_window_open(task: Task, at: dt.datetime) -> None:
    opens = task.starts_at - dt.timedelta(minutes=settings.PLANS_EARLY_START_MINUTES)
    if at < opens:
        raise ValidationError(str(TASK_NOT_OPEN_YET).format(time=_local_time(opens, task)), code="not_open")
    if task.status == TaskStatus.SCHEDULED and at > task.due_at:
        raise ValidationError(TASK_WINDOW_OVER, code="window_over")


def _start(task: Task, actor: User | None, at: dt.datetime, note: str = "", *, take: bool = True) -> Task:
    _check_window_open(task, at)
    changes: dict[str, Any] = {"started_at": at}
    data = {}
    if take and task.assignee_id is None and actor is not None:
        changes["assignee"] = actor  # whoever starts an unassigned task takes it
        data["taken"] = True
    task = _task_transition(
        task=task, to=TaskStatus.IN_PROGRESS, actor=actor, at=at, reason=note, changes=changes, data=data
    )
    if "assignee" in changes:
        task.assignee_id = actor.pk
    return task


#
# Verbs
#
@transaction.atomic
def task_start(*, task: Task, actor: User | None, at: dt.datetime | None = None, note: str = "") -> Task:
    """Start a task (from a little before its window until it ends); an unassigned task becomes the starter's."""
    _require_worker(task, actor)
    _require_open(task)
    return _start(task, actor, at or common.now(), note)


@transaction.atomic
def task_checkin(
    *,
    task: Task,
    actor: User | None,
    method: str,
    code: str = "",
    checkpoint: Checkpoint | None = None,
    latitude: Decimal | float | None = None,
    longitude: Decimal | float | None = None,
    photo: UploadedFile | None = None,
    note: str = "",
    at: dt.datetime | None = None,
) -> CheckIn:
    """Check in at a checkpoint of the task's route: by its QR code, by position, or entered by a supervisor.

    A scheduled task starts with its first check-in. After the window's end a check-in is
    still taken while the task is in progress, marked late (it does not count for coverage).
    """
    at = at or common.now()
    _require_worker(task, actor)
    _lock_fresh(task)
    _require_open(task)
    note = (note or "").strip()
    if method not in CheckInMethod.values:
        raise ValidationError({"method": TASK_METHOD_UNKNOWN})
    if method == CheckInMethod.MANUAL:
        if not task_can_manage(user=actor, task=task):
            raise PermissionDenied(TASK_MANUAL_NEEDS_MANAGER)
        if not note:
            raise ValidationError({"note": TASK_MANUAL_NEEDS_NOTE})
    stops = task_route(task=task)
    position = _position(latitude, longitude)
    checkpoint = _resolve_checkpoint(
        task=task, method=method, code=code, checkpoint=checkpoint, stops=stops, position=position
    )
    stop = _stop_for(stops, checkpoint)
    distance = _distance_m(position, checkpoint)
    if method == CheckInMethod.GPS:
        _check_reach(checkpoint, position, distance)
    if task.plan.checkpoint_order == CheckpointOrder.IN_ORDER:
        expected = next((s for s in stops if not s.done), None)
        if expected is not None and expected.checkpoint.pk != checkpoint.pk:
            raise ValidationError({"checkpoint": str(TASK_OUT_OF_ORDER).format(name=expected.checkpoint.name)})
    if stop.done:
        raise ValidationError(str(TASK_ALREADY_CHECKED_IN).format(name=checkpoint.name), code="duplicate")
    if task.photo_rule == PhotoRule.EACH_CHECKPOINT and not photo:
        raise ValidationError({"photo": TASK_PHOTO_REQUIRED})
    processed = _process(photo)
    if task.status == TaskStatus.SCHEDULED:
        # a supervisor entering a check-in by hand acts for someone else: he does not take the task
        task = _start(task, actor, at, take=method != CheckInMethod.MANUAL)
    else:
        _check_window_open(task, at)
    is_late = at > task.due_at
    checkin = CheckIn(
        company_id=task.company_id,
        task=task,
        checkpoint=checkpoint,
        user=actor,
        method=method,
        at=at,
        is_late=is_late,
        latitude=position[0] if position else None,
        longitude=position[1] if position else None,
        distance_m=distance,
        note=note[:500],
    )
    _attach(checkin, processed)
    try:
        with transaction.atomic():
            checkin.save(force_insert=True)
    except IntegrityError:  # a second phone of the same round got there first
        raise ValidationError(str(TASK_ALREADY_CHECKED_IN).format(name=checkpoint.name), code="duplicate") from None
    counter = "late_checkins" if is_late else "on_time_checkins"
    Task.objects.filter(pk=task.pk).update(**{counter: F(counter) + 1})
    setattr(task, counter, getattr(task, counter) + 1)
    return checkin


def _lock_fresh(task: Task) -> None:
    """Lock the row and take its current status and counters (the sweep or a second phone may have moved it)."""
    fresh = Task.objects.select_for_update().get(pk=task.pk)
    for name in ("status", "assignee_id", "started_at", "on_time_checkins", "late_checkins"):
        setattr(task, name, getattr(fresh, name))


def _position(latitude, longitude) -> tuple[Decimal, Decimal] | None:
    if latitude is None or longitude is None:
        return None
    try:
        lat = Decimal(str(latitude)).quantize(Decimal("0.000001"))
        lng = Decimal(str(longitude)).quantize(Decimal("0.000001"))
    except ArithmeticError:
        raise ValidationError({"latitude": TASK_POSITION_REQUIRED}) from None
    if not (-90 <= lat <= 90 and -180 <= lng <= 180):
        raise ValidationError({"latitude": TASK_POSITION_REQUIRED})
    return lat, lng


def _resolve_checkpoint(*, task, method, code, checkpoint, stops, position) -> Checkpoint:
    code = (code or "").strip()
    if code:
        found = Checkpoint.objects.filter(code=code, company_id=task.company_id).first()
        if found is None:
            raise ValidationError({"code": TASK_CODE_UNKNOWN})
        if checkpoint is not None and checkpoint.pk != found.pk:
            raise ValidationError({"code": TASK_CODE_MISMATCH})
        return found
    if method == CheckInMethod.QR:
        raise ValidationError({"code": TASK_CHECKPOINT_REQUIRED})
    if checkpoint is not None:
        return checkpoint
    if method == CheckInMethod.GPS and position is not None:
        return _nearest(stops, position)
    raise ValidationError({"checkpoint": TASK_CHECKPOINT_REQUIRED})


def _nearest(stops, position) -> Checkpoint:
    """The closest checkpoint of the route not yet visited, if within its radius."""
    reachable = []
    for stop in stops:
        distance = _distance_m(position, stop.checkpoint)
        if not stop.done and distance is not None and distance <= stop.checkpoint.radius_m:
            reachable.append((distance, stop.order, stop.checkpoint))
    if not reachable:
        raise ValidationError({"checkpoint": TASK_NOTHING_NEAR})
    return min(reachable, key=lambda r: r[:2])[2]


def _stop_for(stops, checkpoint: Checkpoint):
    for stop in stops:
        if stop.checkpoint.pk == checkpoint.pk:
            return stop
    raise ValidationError({"checkpoint": str(TASK_CHECKPOINT_NOT_ON_ROUTE).format(name=checkpoint.name)})


def _distance_m(position, checkpoint: Checkpoint) -> int | None:
    """Great-circle distance in metres (haversine), or None without both positions."""
    if position is None or checkpoint.latitude is None:
        return None
    lat1, lng1 = map(math.radians, map(float, position))
    lat2, lng2 = math.radians(float(checkpoint.latitude)), math.radians(float(checkpoint.longitude))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lng2 - lng1) / 2) ** 2
    return round(2 * 6_371_000 * math.asin(math.sqrt(h)))


def _check_reach(checkpoint: Checkpoint, position, distance: int | None) -> None:
    if position is None:
        raise ValidationError({"latitude": TASK_POSITION_REQUIRED})
    if distance is not None and distance > checkpoint.radius_m:
        message = str(TASK_TOO_FAR).format(distance=distance, name=checkpoint.name, radius=checkpoint.radius_m)
        raise ValidationError({"latitude": ValidationError(message, code="too_far")})


def _process(photo: UploadedFile | None):
    if not photo:
        return None
    try:
        return process_photo(photo)
    except ValidationError as e:
        raise ValidationError({"photo": e.error_list}) from e


def _attach(obj, processed) -> None:
    """Store a checked photo and its thumbnail on ``obj`` (not saved)."""
    if processed is None:
        return
    obj.photo.save(f"photo.{processed.extension}", ContentFile(processed.content), save=False)
    obj.thumbnail.save("thumb.jpg", ContentFile(processed.thumbnail), save=False)


@transaction.atomic
def task_report_problem(
    *,
    task: Task,
    actor: User,
    description: str,
    title: str = "",
    checkpoint: Checkpoint | None = None,
    photo: UploadedFile | None = None,
    kind: str = "repair",
    latitude: Decimal | float | None = None,
    longitude: Decimal | float | None = None,
):
    """Found a problem on a round: a work order (repair or rectification) at the checkpoint's place, with the photo."""
    from workorders.choices import Kind, Source
    from workorders.services import workorder_create

    _require_worker(task, actor)
    if task.status == TaskStatus.CANCELLED:
        _require_open(task)
    if kind not in (Kind.REPAIR, Kind.RECTIFICATION):
        raise ValidationError({"kind": TASK_PROBLEM_KIND})
    description = (description or "").strip()
    if not description:
        raise ValidationError({"description": TASK_PROBLEM_NEEDS_TEXT})
    if checkpoint is not None:
        _stop_for(task_route(task=task), checkpoint)
    position = _position(latitude, longitude)
    if position is None and checkpoint is not None and checkpoint.latitude is not None:
        position = (checkpoint.latitude, checkpoint.longitude)
    data = {
        "kind": kind,
        "title": (title or "").strip()[:100],
        "description": description,
        "area": checkpoint.area if checkpoint else None,
        "building": checkpoint.building if checkpoint else None,
        "location": checkpoint.name if checkpoint else task.title,
        "latitude": position[0] if position else None,
        "longitude": position[1] if position else None,
        "source": Source.STAFF,
    }
    if photo:
        photo.seek(0)
    order = workorder_create(project=task.project, data=data, actor=actor, photos=[photo] if photo else [])
    event_add(
        task=task,
        kind=TaskEventKind.PROBLEM,
        actor=actor,
        reason=description,
        data={"work_order": order.pk, "checkpoint": checkpoint.pk if checkpoint else None},
    )
    if checkpoint is not None:
        CheckIn.objects.filter(task=task, checkpoint=checkpoint, work_order__isnull=True).update(work_order=order)
    return order


@transaction.atomic
def task_finish(
    *, task: Task, actor: User | None, note: str = "", photo: UploadedFile | None = None, at: dt.datetime | None = None
) -> Task:
    """Finish a task (完成). Missing checkpoints are allowed with a note; they lower the coverage.

    Finishing after the window's end (within the grace the sweep leaves) counts as completed,
    not on time.
    """
    at = at or common.now()
    _require_worker(task, actor)
    _require_open(task)
    note = (note or "").strip()
    if task.photo_rule == PhotoRule.AT_FINISH and not photo:
        raise ValidationError({"photo": TASK_PHOTO_REQUIRED})
    fresh = Task.objects.get(pk=task.pk)
    missing = fresh.required_checkpoints - fresh.on_time_checkins - fresh.late_checkins
    if missing > 0 and not note:
        message = str(TASK_MISSING_NEEDS_NOTE).format(missing=missing, required=fresh.required_checkpoints)
        raise ValidationError({"note": message}, code="missing_checkpoints")
    processed = _process(photo)
    if task.status == TaskStatus.SCHEDULED:
        task = _start(task, actor, at)
    changes: dict[str, Any] = {"finished_at": at, "note": note[:1000]}
    if processed is not None:
        task.created = task.created or at
        _attach(task, processed)
        changes.update(photo=task.photo.name, thumbnail=task.thumbnail.name)
    data = {"missing_checkpoints": max(missing, 0), "late": at > task.due_at}
    return _task_transition(
        task=task, to=TaskStatus.COMPLETED, actor=actor, at=at, reason=note, changes=changes, data=data
    )


@transaction.atomic
def task_cancel(*, task: Task, actor: User | None, reason: str) -> Task:
    """Call a task off (weather, the area closed, a duplicate); it no longer counts in the figures."""
    if not task_can_manage(user=actor, task=task):
        raise PermissionDenied
    return _task_transition(task=task, to=TaskStatus.CANCELLED, actor=actor, reason=need_reason(reason))


@transaction.atomic
def task_assign(*, task: Task, assignee: User | None, actor: User | None) -> Task:
    """Give an open task to someone who does tasks in its project, or back to the department pool (None)."""
    from plans.services.plans import _members

    if not task_can_manage(user=actor, task=task):
        raise PermissionDenied
    _require_open(task)
    if assignee is not None and assignee.pk not in _members(task.project):
        raise ValidationError({"assignee": str(TASK_ASSIGNEE_NOT_MEMBER).format(name=assignee)})
    before = task.assignee_id
    updated = Task.objects.filter(pk=task.pk, status=task.status, assignee_id=before).update(assignee=assignee)
    if updated != 1:
        raise Conflict(common.PLAN_CONFLICT, code="conflict")
    task.assignee = assignee
    event_add(
        task=task,
        kind=TaskEventKind.ASSIGNED,
        actor=actor,
        data={"from": before, "to": assignee.pk if assignee else None},
    )
    return task


#
# The missed sweep
#
def tasks_sweep_missed(*, now: dt.datetime | None = None, batch: int = 1000) -> dict[str, int]:
    """Close tasks whose time is up; returns {"missed": n, "completed": m}.

    1. A scheduled task (never started) is missed at the end of its window.
    2. A task in progress gets PLANS_FINISH_GRACE_MINUTES more to be finished. Then it is
       completed if every checkpoint of its route has a check-in and no finishing photo is
       required (the evidence is there; only the tap on "finish" is missing), else missed.
       Its check-ins stay and count for coverage either way.

    Each batch claims rows with SELECT … FOR UPDATE SKIP LOCKED and updates them under the
    lock, so two sweeps never close the same task twice; every closed task gets a TaskEvent
    (a "missed" event is what alerts read).
    """
    now = now or timezone.now()
    grace = dt.timedelta(minutes=settings.PLANS_FINISH_GRACE_MINUTES)
    totals = {"missed": 0, "completed": 0}
    while _sweep_batch(status=TaskStatus.SCHEDULED, due_before=now, now=now, batch=batch, totals=totals):
        pass
    while _sweep_batch(status=TaskStatus.IN_PROGRESS, due_before=now - grace, now=now, batch=batch, totals=totals):
        pass
    return totals


@transaction.atomic
def _sweep_batch(*, status: str, due_before: dt.datetime, now: dt.datetime, batch: int, totals: dict) -> int:
    rows = list(
        Task.objects.select_for_update(skip_locked=True)
        .filter(status=status, due_at__lte=due_before)
        .order_by("due_at", "id")
        .values_list("id", "company_id", "required_checkpoints", "on_time_checkins", "late_checkins", "photo_rule")[
            :batch
        ]
    )
    if not rows:
        return 0
    if status == TaskStatus.SCHEDULED:
        missed, completed = rows, []
    else:
        complete = [r for r in rows if r[2] > 0 and r[3] + r[4] >= r[2] and r[5] != PhotoRule.AT_FINISH]
        done = {r[0] for r in complete}
        missed, completed = [r for r in rows if r[0] not in done], complete
    if missed:
        Task.objects.filter(id__in=[r[0] for r in missed], status=status).update(status=TaskStatus.MISSED)
    if completed:
        last_checkin = CheckIn.objects.filter(task=OuterRef("pk")).values("task").annotate(m=Max("at")).values("m")
        Task.objects.filter(id__in=[r[0] for r in completed], status=status).update(
            status=TaskStatus.COMPLETED, finished_at=Subquery(last_checkin)
        )
    # Stored in the source language and translated when shown (TaskEvent.reason_display): the
    # sweep runs in whatever language the worker has.
    reason = {
        TaskStatus.MISSED: gettext_noop("Not started in its window.")
        if status == TaskStatus.SCHEDULED
        else gettext_noop("Not finished in time."),
        TaskStatus.COMPLETED: gettext_noop("Every checkpoint was checked in; closed by the system."),
    }
    TaskEvent.objects.bulk_create(
        TaskEvent(
            company_id=r[1],
            task_id=r[0],
            kind=TaskEventKind.STATUS,
            actor=None,
            created=now,
            from_status=status,
            to_status=to,
            reason=reason[to],
            data={"sweep": True},
        )
        for to, group in ((TaskStatus.MISSED, missed), (TaskStatus.COMPLETED, completed))
        for r in group
    )
    totals["missed"] += len(missed)
    totals["completed"] += len(completed)
    return len(rows)
