"""Reads of the plans domain: visible plans, checkpoints and tasks, my tasks, a task's route, and the figures.

Who sees which task:
- people with ``plans.view`` on the project (managers, supervisors, viewers): every task there;
- people with ``tasks.work`` (staff): tasks assigned to them, and unassigned tasks of their
  department in that project (or without a department); nothing else.
"""

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery, Sum
from django.http import Http404
from django.utils import timezone

from accounts.models import User
from core.access import access_for, get_object_for_user, restrict
from core.choices import Perm
from core.models import Membership
from lib.figures import Rate
from plans.choices import OPEN_TASK_STATUSES, TRANSITIONS, CheckInMethod, TaskStatus
from plans.models import CheckIn, Checkpoint, Plan, PlanCheckpoint, Task


#
# Access
#
def _work_departments(user: User) -> dict[int, set[int]]:
    """project id → ids of the user's departments there (cached on the user for the request)."""
    cached = getattr(user, "_pinzhi_work_departments", None)
    if cached is None:
        cached = {}
        rows = Membership.objects.filter(
            user=user, is_active=True, project__isnull=False, department__isnull=False
        ).values_list("project_id", "department_id")
        for project_id, department_id in rows:
            cached.setdefault(project_id, set()).add(department_id)
        user._pinzhi_work_departments = cached
    return cached


def _own_tasks_q(user: User) -> Q:
    """Tasks ``user`` may do with ``tasks.work``: his, or unassigned ones of his department (or of none)."""
    access = access_for(user)
    if not access.has(Perm.TASK_WORK):
        return Q(pk__in=[])
    scope = access.q(Perm.TASK_WORK)
    departments = sorted({d for ids in _work_departments(user).values() for d in ids})
    pool = Q(assignee__isnull=True) & (Q(department__isnull=True) | Q(department_id__in=departments))
    return scope & (Q(assignee=user) | pool)


def task_can_work(*, user: User | None, task: Task) -> bool:
    """May ``user`` start, check in, report on and finish ``task``? Managers always; staff their own."""
    if user is None:
        return True
    access = access_for(user)
    if access.allows(Perm.PLAN_MANAGE, company_id=task.company_id, project_id=task.project_id):
        return True
    if not access.allows(Perm.TASK_WORK, company_id=task.company_id, project_id=task.project_id):
        return False
    if task.assignee_id is not None:
        return task.assignee_id == user.id
    return task.department_id is None or task.department_id in _work_departments(user).get(task.project_id, ())


def task_can_manage(*, user: User | None, task: Task) -> bool:
    if user is None:
        return True
    return access_for(user).allows(Perm.PLAN_MANAGE, company_id=task.company_id, project_id=task.project_id)


#
# Lists and lookups
#
def plan_list(*, user: User) -> QuerySet[Plan]:
    return restrict(Plan.objects.all(), user, Perm.PLAN_VIEW).select_related("project", "department")


def get_plan_for_user(*, user: User, pk, write: bool = False) -> Plan:
    return get_object_for_user(
        Plan.objects.select_related("company", "project", "department"),
        user,
        pk,
        perm=Perm.PLAN_VIEW,
        write_perm=Perm.PLAN_MANAGE if write else None,
    )


def checkpoint_list(*, user: User) -> QuerySet[Checkpoint]:
    return restrict(Checkpoint.objects.all(), user, Perm.PLAN_VIEW).select_related("project", "area", "building")


def get_checkpoint_for_user(*, user: User, pk, write: bool = False) -> Checkpoint:
    return get_object_for_user(
        Checkpoint.objects.select_related("project", "area", "building"),
        user,
        pk,
        perm=Perm.PLAN_VIEW,
        write_perm=Perm.PLAN_MANAGE if write else None,
    )


TASK_RELATED = ("project", "plan", "department", "assignee")


def task_visible(*, user: User) -> QuerySet[Task]:
    return Task.objects.filter(access_for(user).q(Perm.PLAN_VIEW) | _own_tasks_q(user))


def task_list(*, user: User) -> QuerySet[Task]:
    return task_visible(user=user).select_related(*TASK_RELATED).order_by("starts_at", "id")


def get_task_for_user(*, user: User, pk) -> Task:
    """One visible task; 404 for missing and not-yours alike. Services check what he may do with it."""
    try:
        return task_visible(user=user).select_related(*TASK_RELATED, "company").get(pk=pk)
    except (Task.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def my_tasks(*, user: User, date: dt.date | None = None) -> QuerySet[Task]:
    """The phone's list: tasks ``user`` can do on ``date`` (default today), his own and his department's pool.

    Also yesterday's open tasks whose window runs into ``date`` (a night round ending this morning)."""
    date = date or timezone.localdate()
    midnight = timezone.make_aware(dt.datetime.combine(date, dt.time()))
    overnight = Q(date=date - dt.timedelta(days=1), status__in=sorted(OPEN_TASK_STATUSES), due_at__gt=midnight)
    q = Q(date=date) | overnight
    return (
        Task.objects.filter(_own_tasks_q(user))
        .filter(q)
        .exclude(status=TaskStatus.CANCELLED)
        .select_related(*TASK_RELATED)
        .order_by("starts_at", "id")
    )


def tasks_at_checkpoint(*, user: User, checkpoint: Checkpoint, date: dt.date) -> QuerySet[Task]:
    """``my_tasks`` of ``date`` whose route (at the task's plan version) has ``checkpoint``, each with
    ``checked_in_at`` (the check-in there, or None): what a scanned QR code can lead to."""
    version = OuterRef("plan_version")
    on_route = PlanCheckpoint.objects.filter(
        plan_id=OuterRef("plan_id"), checkpoint=checkpoint, added_version__lte=version
    ).filter(Q(removed_version__isnull=True) | Q(removed_version__gt=version))
    here = CheckIn.objects.filter(task=OuterRef("pk"), checkpoint=checkpoint).values("at")[:1]
    return (
        my_tasks(user=user, date=date)
        .filter(project_id=checkpoint.project_id)
        .filter(Exists(on_route))
        .annotate(checked_in_at=Subquery(here))
    )


@dataclass
class RouteStop:
    checkpoint: Checkpoint
    order: int
    checkin: CheckIn | None = None

    @property
    def done(self) -> bool:
        return self.checkin is not None


def task_route(*, task: Task) -> list[RouteStop]:
    """The checkpoints ``task`` must visit (its plan's route at the task's version) and the check-ins made."""
    rows = (
        PlanCheckpoint.objects.filter(plan_id=task.plan_id, added_version__lte=task.plan_version)
        .filter(Q(removed_version__isnull=True) | Q(removed_version__gt=task.plan_version))
        .select_related("checkpoint", "checkpoint__area", "checkpoint__building")
        .order_by("sort_order", "id")
    )
    checkins = {c.checkpoint_id: c for c in CheckIn.objects.filter(task=task).select_related("user", "work_order")}
    return [RouteStop(r.checkpoint, i, checkins.get(r.checkpoint_id)) for i, r in enumerate(rows)]


def task_actions(*, task: Task, user: User) -> list[str]:
    """What ``user`` may do with ``task`` now, in the order the phone shows them."""
    work = task_can_work(user=user, task=task)
    manage = task_can_manage(user=user, task=task)
    s = task.status
    allowed = TRANSITIONS[s]
    rules = [
        ("start", work and s == TaskStatus.SCHEDULED),
        ("checkin", work and task.required_checkpoints > 0 and s in OPEN_TASK_STATUSES),
        ("report_problem", work and s in (*OPEN_TASK_STATUSES, TaskStatus.COMPLETED)),
        ("finish", work and s in OPEN_TASK_STATUSES),
        ("assign", manage and s in OPEN_TASK_STATUSES),
        ("cancel", manage and TaskStatus.CANCELLED in allowed),
    ]
    return [name for name, ok in rules if ok]


CHECKIN_METHODS_FOR_STAFF = (CheckInMethod.QR, CheckInMethod.GPS)


#
# Figures (DOMAIN §6.3)
#
GROUPS = {
    None: (),
    "project": ("project_id", "project__name"),
    "department": ("department_id", "department__name"),
    "assignee": ("assignee_id", "assignee__name"),
    "date": ("date",),
    "plan": ("plan_id", "plan__name"),
}


@dataclass
class TaskFigures:
    """Counts behind the plan figures for one group of tasks due in a period."""

    group: dict[str, Any] = field(default_factory=dict)
    due: int = 0  # tasks not cancelled whose window has ended or that are done
    completed: int = 0
    completed_on_time: int = 0
    missed: int = 0
    required_checkins: int = 0
    on_time_checkins: int = 0
    late_checkins: int = 0

    def completion(self) -> Rate:
        return Rate(self.group, self.completed, self.due)

    def on_time(self) -> Rate:
        return Rate(self.group, self.completed_on_time, self.due)

    def coverage(self) -> Rate:
        return Rate(self.group, self.on_time_checkins, self.required_checkins)

    def missed_rate(self) -> Rate:
        return Rate(self.group, self.missed, self.due)


def task_figures(
    *,
    tasks: QuerySet[Task],
    date_from: dt.date,
    date_to: dt.date,
    group_by: str | None = None,
    now: dt.datetime | None = None,
) -> list[TaskFigures]:
    """The plan figures of ``tasks`` (already restricted by the caller) dated ``date_from``..``date_to``.

    A task counts once it is *due*: completed or missed, or still open with its window over.
    Cancelled tasks and tasks still ahead never count. One query, grouped by ``group_by``
    (None, "project", "department", "assignee", "date" or "plan").
    """
    if group_by not in GROUPS:
        raise ValueError(f"group_by must be one of {sorted(k for k in GROUPS if k)} or None")
    now = now or timezone.now()
    done = Q(status__in=[TaskStatus.COMPLETED, TaskStatus.MISSED])
    due = done | (Q(status__in=sorted(OPEN_TASK_STATUSES)) & Q(due_at__lte=now))
    qs = tasks.filter(date__gte=date_from, date__lte=date_to).filter(due).order_by()
    completed = Q(status=TaskStatus.COMPLETED)
    aggregates = {
        "due": Count("id"),
        "completed": Count("id", filter=completed),
        "completed_on_time": Count("id", filter=completed & Q(finished_at__lte=F("due_at"))),
        "missed": Count("id", filter=Q(status=TaskStatus.MISSED)),
        "required_checkins": Sum("required_checkpoints"),
        "on_time_checkins": Sum("on_time_checkins"),
        "late_checkins": Sum("late_checkins"),
    }
    keys = GROUPS[group_by]
    if not keys:
        row = qs.aggregate(**aggregates)
        return [TaskFigures(group={}, **{k: v or 0 for k, v in row.items()})]
    rows = qs.values(*keys).annotate(**aggregates).order_by(*keys)
    return [TaskFigures(group={k: row[k] for k in keys}, **{k: row[k] or 0 for k in aggregates}) for row in rows]


def _rates(method: str, **kwargs) -> list[Rate]:
    return [getattr(f, method)() for f in task_figures(**kwargs)]


def plan_completion_rate(**kwargs) -> list[Rate]:
    """计划完成率: completed tasks ÷ tasks due (cancelled excluded)."""
    return _rates("completion", **kwargs)


def on_time_rate(**kwargs) -> list[Rate]:
    """Tasks finished by the end of their window ÷ tasks due."""
    return _rates("on_time", **kwargs)


def patrol_coverage(**kwargs) -> list[Rate]:
    """巡更到位率: check-ins within the window ÷ check-ins required (route size of every due task)."""
    return _rates("coverage", **kwargs)


def missed_tasks(**kwargs) -> list[Rate]:
    """Missed tasks (numerator) of the tasks due (denominator)."""
    return _rates("missed_rate", **kwargs)
