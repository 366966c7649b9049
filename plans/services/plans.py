"""Setting up plans: the plan itself, its windows, people, standards and route, and checkpoints.

Every edit that changes what future tasks look like bumps ``Plan.version``. Tasks already
generated keep their version (and so their route); dates not generated yet follow the edit.
"""

import datetime as dt
import secrets
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from accounts.models import User
from core.choices import Perm
from core.models import Membership, Project
from plans.choices import TaskEventKind, TaskStatus
from plans.models import Checkpoint, Plan, PlanAssignee, PlanCheckpoint, PlanStandard, PlanWindow, Task, TaskEvent
from plans.services import common
from plans.services.common import require, require_project

PLAN_FIELDS = (
    "kind",
    "name",
    "description",
    "rrule",
    "starts_on",
    "ends_on",
    "holiday_rule",
    "duration_minutes",
    "photo_rule",
    "checkpoint_order",
    "department",
)
CHECKPOINT_FIELDS = ("name", "area", "building", "description", "latitude", "longitude", "radius_m", "is_active")
PLAN_NEEDS_WINDOW = _("A plan needs at least one time window.")
PLAN_WINDOW_OVERLAP = _("The windows {a} and {b} overlap.")
PLAN_TOO_MANY_WINDOWS = _("At most {n} windows a day.")
PLAN_ASSIGNEE_NOT_MEMBER = _("{name} does not work in this project.")
PLAN_REVISION_OTHER_COMPANY = _("The standard belongs to another company.")
PLAN_CHECKPOINT_OTHER_PROJECT = _("The checkpoint {name} belongs to another project.")
PLAN_CHECKPOINT_TWICE = _("The checkpoint {name} is on the route twice.")
PLAN_CHECKPOINT_INACTIVE = _("The checkpoint {name} is switched off.")
PLAN_ALREADY_INACTIVE = _("The plan is already switched off.")
PLAN_ALREADY_ACTIVE = _("The plan is already active.")
MAX_WINDOWS = 96  # every 15 minutes
DEACTIVATED = "plan_deactivated"


def _fields(data: dict[str, Any], allowed: Sequence[str]) -> dict[str, Any]:
    unknown = set(data) - set(allowed)
    if unknown:
        raise ValueError(f"unknown fields: {sorted(unknown)}")
    return dict(data)


#
# Windows, people, standards
#
def _check_windows(windows: Sequence[tuple[dt.time, dt.time]]) -> list[tuple[dt.time, dt.time]]:
    windows = sorted((start, end) for start, end in windows)
    if not windows:
        raise ValidationError({"windows": PLAN_NEEDS_WINDOW})
    if len(windows) > MAX_WINDOWS:
        raise ValidationError({"windows": str(PLAN_TOO_MANY_WINDOWS).format(n=MAX_WINDOWS)})
    # Minutes since midnight; a window across midnight ends past 1440, and the first window
    # comes round again at +1440 to catch the last one running into it.
    spans = []
    for start, end in windows:
        a, b = start.hour * 60 + start.minute, end.hour * 60 + end.minute
        spans.append((a, b if b > a else b + 1440, start, end))
    following = [*spans[1:], (spans[0][0] + 1440, *spans[0][1:])]
    for (_a1, b1, s1, e1), (a2, _b2, s2, e2) in zip(spans, following, strict=True):
        if len(spans) > 1 and a2 < b1:
            label = "{:%H:%M}–{:%H:%M}"
            message = str(PLAN_WINDOW_OVERLAP).format(a=label.format(s1, e1), b=label.format(s2, e2))
            raise ValidationError({"windows": message})
    return windows


def _windows_set(plan: Plan, windows: Sequence[tuple[dt.time, dt.time]]) -> bool:
    windows = _check_windows(windows)
    current = [(w.start, w.end) for w in plan.windows.order_by("sort_order", "start")]
    if current == windows:
        return False
    plan.windows.all().delete()
    PlanWindow.objects.bulk_create(
        PlanWindow(company_id=plan.company_id, plan=plan, start=s, end=e, sort_order=i)
        for i, (s, e) in enumerate(windows)
    )
    return True


def _members(project: Project) -> set[int]:
    """People who may do tasks here: project roles with task work, and company-wide ones."""
    from core.choices import ROLE_PERMS

    roles = [role for role, perms in ROLE_PERMS.items() if Perm.TASK_WORK in perms or Perm.PLAN_MANAGE in perms]
    return set(
        Membership.objects.filter(company_id=project.company_id, is_active=True, role__in=roles)
        .filter(Q(project=project) | Q(project__isnull=True))
        .values_list("user_id", flat=True)
    )


def _assignees_set(plan: Plan, assignees: Sequence[User]) -> bool:
    members = _members(plan.project)
    for user in assignees:
        if user.pk not in members:
            raise ValidationError({"assignees": str(PLAN_ASSIGNEE_NOT_MEMBER).format(name=user)})
    ids = list(dict.fromkeys(u.pk for u in assignees))
    if list(plan.assignee_rows.order_by("sort_order", "id").values_list("user_id", flat=True)) == ids:
        return False
    plan.assignee_rows.all().delete()
    PlanAssignee.objects.bulk_create(
        PlanAssignee(company_id=plan.company_id, plan=plan, user_id=uid, sort_order=i) for i, uid in enumerate(ids)
    )
    return True


def _revisions_set(plan: Plan, revisions: Sequence) -> bool:
    for revision in revisions:
        if revision.company_id != plan.company_id:
            raise ValidationError({"standards": PLAN_REVISION_OTHER_COMPANY})
    ids = list(dict.fromkeys(r.pk for r in revisions))
    if list(plan.standard_rows.order_by("sort_order", "id").values_list("revision_id", flat=True)) == ids:
        return False
    plan.standard_rows.all().delete()
    PlanStandard.objects.bulk_create(
        PlanStandard(company_id=plan.company_id, plan=plan, revision_id=rid, sort_order=i) for i, rid in enumerate(ids)
    )
    return True


def _route_set(plan: Plan, checkpoints: Sequence[Checkpoint], *, bump: bool = True) -> bool:
    """Retire the current route rows at the plan's next version and add the new route (``bump``),
    or lay the first route of a new plan at its current version."""
    seen = set()
    for cp in checkpoints:
        if cp.project_id != plan.project_id:
            raise ValidationError({"checkpoints": str(PLAN_CHECKPOINT_OTHER_PROJECT).format(name=cp.name)})
        if cp.pk in seen:
            raise ValidationError({"checkpoints": str(PLAN_CHECKPOINT_TWICE).format(name=cp.name)})
        if not cp.is_active:
            raise ValidationError({"checkpoints": str(PLAN_CHECKPOINT_INACTIVE).format(name=cp.name)})
        seen.add(cp.pk)
    current = plan.route_rows.filter(removed_version__isnull=True).order_by("sort_order", "id")
    if list(current.values_list("checkpoint_id", flat=True)) == [cp.pk for cp in checkpoints]:
        return False
    if bump:
        plan.version += 1
        current.update(removed_version=plan.version)
    PlanCheckpoint.objects.bulk_create(
        PlanCheckpoint(company_id=plan.company_id, plan=plan, checkpoint=cp, sort_order=i, added_version=plan.version)
        for i, cp in enumerate(checkpoints)
    )
    return True


#
# Plans
#
@transaction.atomic
def plan_create(
    *,
    project: Project,
    data: dict[str, Any],
    actor: User | None,
    windows: Sequence[tuple[dt.time, dt.time]] | None = None,
    assignees: Sequence[User] = (),
    revisions: Sequence = (),
    checkpoints: Sequence[Checkpoint] = (),
) -> Plan:
    """A new plan in ``project``; windows default to the company's working hours."""
    require_project(actor, Perm.PLAN_MANAGE, project)
    plan = Plan(company_id=project.company_id, project=project, created_by=actor, **_fields(data, PLAN_FIELDS))
    if plan.starts_on is None:
        plan.starts_on = timezone.localdate(timezone=project.company.zone)
    if windows is None:
        windows = [(project.company.work_start, project.company.work_end)]
    _check_windows(windows)
    common.full_save(plan, exclude=["created_by", "source_profile_setting"])
    _windows_set(plan, windows)
    _assignees_set(plan, assignees)
    _revisions_set(plan, revisions)
    _route_set(plan, list(checkpoints), bump=False)
    return plan


@transaction.atomic
def plan_update(
    *,
    plan: Plan,
    data: dict[str, Any],
    actor: User | None,
    windows: Sequence[tuple[dt.time, dt.time]] | None = None,
    assignees: Sequence[User] | None = None,
    revisions: Sequence | None = None,
    regenerate_future: bool = False,
) -> Plan:
    """Edit a plan; any change bumps its version.

    Tasks already generated stay as they are. With ``regenerate_future`` the tasks that have
    not started yet and whose window lies ahead are deleted (they carry no work), so the next
    generation makes them from the edited plan.
    """
    require(actor, Perm.PLAN_MANAGE, plan)
    plan = Plan.objects.select_for_update().get(pk=plan.pk)
    fields = _fields(data, PLAN_FIELDS)
    changed = any(getattr(plan, k) != v for k, v in fields.items())
    for name, value in fields.items():
        setattr(plan, name, value)
    plan.full_clean(exclude=["created_by", "source_profile_setting"])
    if windows is not None:
        changed |= _windows_set(plan, windows)
    if assignees is not None:
        changed |= _assignees_set(plan, assignees)
    if revisions is not None:
        changed |= _revisions_set(plan, revisions)
    if not changed:
        return plan
    plan.version += 1
    plan.save()
    if regenerate_future:
        _drop_future_tasks(plan)
    return plan


def _drop_future_tasks(plan: Plan) -> int:
    at = common.now()
    future = Task.objects.filter(plan=plan, status=TaskStatus.SCHEDULED, started_at__isnull=True, starts_at__gt=at)
    first = future.order_by("date").values_list("date", flat=True).first()
    if first is None:
        return 0
    deleted, _ = future.delete()
    if plan.generated_until and plan.generated_until >= first:
        plan.generated_until = first - dt.timedelta(days=1)
        Plan.objects.filter(pk=plan.pk).update(generated_until=plan.generated_until)
    return deleted


@transaction.atomic
def plan_route_set(*, plan: Plan, checkpoints: Sequence[Checkpoint], actor: User | None) -> Plan:
    """The route (ordered checkpoints) of tasks generated from now on; bumps the version if it changed."""
    require(actor, Perm.PLAN_MANAGE, plan)
    plan = Plan.objects.select_for_update().get(pk=plan.pk)
    if _route_set(plan, list(checkpoints)):
        plan.save(update_fields=["version", "updated"])
    return plan


@transaction.atomic
def plan_deactivate(*, plan: Plan, actor: User | None, now: dt.datetime | None = None) -> Plan:
    """Switch a plan off: no more tasks, and scheduled tasks whose window has not ended are cancelled."""
    require(actor, Perm.PLAN_MANAGE, plan)
    at = now or common.now()
    plan = Plan.objects.select_for_update().get(pk=plan.pk)
    if not plan.is_active:
        raise ValidationError(PLAN_ALREADY_INACTIVE, code="inactive")
    plan.is_active = False
    plan.save(update_fields=["is_active", "updated"])
    _cancel_future(plan=plan, actor=actor, at=at)
    return plan


def _cancel_future(*, plan: Plan, actor: User | None, at: dt.datetime) -> int:
    rows = list(
        Task.objects.select_for_update()
        .filter(plan=plan, status=TaskStatus.SCHEDULED, due_at__gt=at)
        .values_list("id", flat=True)
    )
    if not rows:
        return 0
    Task.objects.filter(id__in=rows, status=TaskStatus.SCHEDULED).update(status=TaskStatus.CANCELLED)
    TaskEvent.objects.bulk_create(
        TaskEvent(
            company_id=plan.company_id,
            task_id=task_id,
            kind=TaskEventKind.STATUS,
            actor=actor,
            created=at,
            from_status=TaskStatus.SCHEDULED,
            to_status=TaskStatus.CANCELLED,
            reason=gettext_noop("The plan was switched off."),  # translated when shown
            data={"reason": DEACTIVATED},
        )
        for task_id in rows
    )
    return len(rows)


@transaction.atomic
def plan_activate(*, plan: Plan, actor: User | None, now: dt.datetime | None = None) -> Plan:
    """Switch a plan back on. Tasks cancelled when it was switched off and still ahead are removed,
    so the next generation makes them again from the current plan."""
    require(actor, Perm.PLAN_MANAGE, plan)
    at = now or common.now()
    plan = Plan.objects.select_for_update().get(pk=plan.pk)
    if plan.is_active:
        raise ValidationError(PLAN_ALREADY_ACTIVE, code="active")
    cancelled = Task.objects.filter(
        plan=plan,
        status=TaskStatus.CANCELLED,
        started_at__isnull=True,
        starts_at__gt=at,
        events__data__reason=DEACTIVATED,
    )
    first = cancelled.order_by("date").values_list("date", flat=True).first()
    Task.objects.filter(pk__in=list(cancelled.values_list("pk", flat=True))).delete()
    plan.is_active = True
    if first is not None and plan.generated_until and plan.generated_until >= first:
        plan.generated_until = first - dt.timedelta(days=1)
    plan.save(update_fields=["is_active", "generated_until", "updated"])
    return plan


#
# Checkpoints
#
def _new_code() -> str:
    return secrets.token_urlsafe(16)  # 128 random bits, 22 characters


@transaction.atomic
def checkpoint_create(*, project: Project, data: dict[str, Any], actor: User | None) -> Checkpoint:
    require_project(actor, Perm.PLAN_MANAGE, project)
    checkpoint = Checkpoint(
        company_id=project.company_id, project=project, code=_new_code(), **_fields(data, CHECKPOINT_FIELDS)
    )
    return common.full_save(checkpoint)


@transaction.atomic
def checkpoint_update(*, checkpoint: Checkpoint, data: dict[str, Any], actor: User | None) -> Checkpoint:
    require(actor, Perm.PLAN_MANAGE, checkpoint)
    for name, value in _fields(data, CHECKPOINT_FIELDS).items():
        setattr(checkpoint, name, value)
    return common.full_save(checkpoint)


@transaction.atomic
def checkpoint_code_reset(*, checkpoint: Checkpoint, actor: User | None) -> Checkpoint:
    """A new QR token (a sheet was lost or copied); the old code stops working at once."""
    require(actor, Perm.PLAN_MANAGE, checkpoint)
    checkpoint.code = _new_code()
    checkpoint.save(update_fields=["code"])
    return checkpoint


def route_rows(*, plan_id: int, version: int) -> Iterable[PlanCheckpoint]:
    """The route of ``plan_id`` as it was at ``version``, in order."""
    return (
        PlanCheckpoint.objects.filter(plan_id=plan_id, added_version__lte=version)
        .filter(Q(removed_version__isnull=True) | Q(removed_version__gt=version))
        .select_related("checkpoint")
        .order_by("sort_order", "id")
    )
