"""The demo's plans, checkpoints and a few days of patrol history, made through the plans services.

Each project gets the default plans of its service level (DOMAIN §6.1), a route of QR
checkpoints for the key-area patrol, and, in 锦绣花园, the engineering round that the demo
`staff` account does on his phone. The last days are replayed: most rounds done on time, some
late or short of a checkpoint, a few never started (the sweep marks them missed), so the task
lists, the figures and the owner board have something true to show.
"""

import datetime as dt
import random

from django.utils import timezone

from core.choices import DepartmentKind, Role
from core.demo import places
from core.models import Area, Department, Membership, Project
from plans.choices import PlanKind, TaskStatus
from plans.models import Checkpoint, Plan, Task
from plans.selectors import task_route
from plans.services import (
    checkpoint_create,
    plan_create,
    plan_defaults_generate,
    plan_route_set,
    task_checkin,
    task_finish,
    task_start,
    tasks_generate,
    tasks_sweep_missed,
)

HISTORY_DAYS = 3
AHEAD_DAYS = 7
# Public areas on the key-area patrol route, in walking order.
PATROL_ROUTES = {
    places.RESIDENTIAL: ["南大门", "地下车库", "中心花园", "儿童游乐区", "北门", "监控室"],
    places.OFFICE: ["一层大堂", "地下车库B1", "地下车库B2", "消防通道", "前广场", "监控室"],
}
ENGINEERING_ROUTE = ["配电房", "水泵房", "监控室"]  # 锦绣花园's equipment rooms
# How a past round went: done on time, done with a late stop, done short of a stop, never started.
OUTCOMES = [("on_time", 80), ("late", 8), ("short", 6), ("missed", 6)]


def seed_plans(ctx) -> None:
    """Once per project; tasks are generated ahead on every run (tasks_generate is idempotent)."""
    now = timezone.now()
    for key, project in ctx.projects.items():
        if Plan.objects.filter(project=project).exists():
            continue
        manager = ctx.managers[key]
        start = timezone.localdate() - dt.timedelta(days=HISTORY_DAYS)
        points = {name: _checkpoint(project, name, manager) for name in _route_names(key)}
        for plan in plan_defaults_generate(project=project, actor=manager, starts_on=start):
            if plan.kind == PlanKind.PATROL:
                plan_route_set(plan=plan, checkpoints=[points[n] for n in PATROL_ROUTES[key]], actor=manager)
        if key == places.RESIDENTIAL:
            _engineering_round(project, manager, [points[n] for n in ENGINEERING_ROUTE], start)
        plans = Plan.objects.filter(project=project)
        tasks_generate(until=timezone.localdate(), now=now - dt.timedelta(days=HISTORY_DAYS), plans=plans)
        _replay(ctx, project, now)
    tasks_generate(until=timezone.localdate() + dt.timedelta(days=AHEAD_DAYS), company=ctx.company)
    tasks_sweep_missed(now=now)


def _route_names(key: str) -> list[str]:
    names = list(PATROL_ROUTES[key])
    if key == places.RESIDENTIAL:
        names += [n for n in ENGINEERING_ROUTE if n not in names]
    return names


def _checkpoint(project: Project, name: str, actor) -> Checkpoint:
    area = Area.objects.filter(project=project, name=name).first()
    data = {"name": name, "area": area, "building": area.building if area else None}
    return checkpoint_create(project=project, data=data, actor=actor)


def _engineering_round(project: Project, manager, route: list[Checkpoint], start: dt.date) -> Plan:
    staff = Membership.objects.get(project=project, user__username="staff").user
    return plan_create(
        project=project,
        data={
            "kind": PlanKind.MAINTENANCE,
            "name": "设备房巡检",
            "description": "配电房、水泵房、消防控制室：运行参数、跑冒滴漏、温湿度、消防主机状态，异常即报修。",
            "rrule": "FREQ=DAILY",
            "starts_on": start,
            "duration_minutes": 40,
            "department": Department.objects.get(project=project, kind=DepartmentKind.ENGINEERING),
        },
        windows=[(dt.time(9, 0), dt.time(10, 30)), (dt.time(15, 0), dt.time(16, 30))],
        assignees=[staff],
        checkpoints=route,
        actor=manager,
    )


#
# The replay
#
def _replay(ctx, project: Project, now: dt.datetime) -> None:
    rng = ctx.rng(f"plans:{project.code}")
    workers = _workers(project)
    past = (
        Task.objects.filter(project=project, status=TaskStatus.SCHEDULED, due_at__lte=now)
        .select_related("plan")
        .order_by("starts_at", "id")
    )
    for task in past:
        outcome = rng.choices([o for o, _w in OUTCOMES], weights=[w for _o, w in OUTCOMES])[0]
        if outcome == "missed":
            continue
        actor = task.assignee or workers.get(task.department_id) or ctx.managers[project.code]
        _do(task, actor, outcome, rng)


def _workers(project: Project) -> dict[int, object]:
    """One staff member per department, who does its unassigned rounds."""
    found: dict[int, object] = {}
    for m in Membership.objects.filter(project=project, role=Role.STAFF, department__isnull=False).order_by("id"):
        found.setdefault(m.department_id, m.user)
    return found


def _do(task: Task, actor, outcome: str, rng: random.Random) -> None:
    stops = [stop.checkpoint for stop in task_route(task=task)]
    length = task.due_at - task.starts_at
    at = task.starts_at + dt.timedelta(minutes=rng.randint(1, 8))
    task_start(task=task, actor=actor, at=at)
    skip = rng.randrange(len(stops)) if outcome == "short" and stops else None
    late = rng.randrange(len(stops)) if outcome == "late" and stops else None
    step = (length * 0.6) / max(len(stops), 1)
    for i, stop in enumerate(stops):
        at += step
        if i == skip:
            continue
        when = task.due_at + dt.timedelta(minutes=rng.randint(3, 20)) if i == late else at
        task_checkin(task=task, actor=actor, method="qr", code=stop.code, at=when)
    note = "消防控制室门禁故障，未能进入，已报修。" if skip is not None else ""
    finish = max(at, task.due_at + dt.timedelta(minutes=25)) if late is not None else at + dt.timedelta(minutes=5)
    task_finish(task=task, actor=actor, note=note, at=finish)
