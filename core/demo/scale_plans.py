"""Benchmark-scale plans (`manage.py gen_scale --plans N [--tasks N]`): checkpoints, plans with their
windows, routes, assignees and standard items, and whole days of task history with the events and
check-ins the services would have written.

The plans follow a fixed mix (``MIX``, by slots of 20) so that a day has about ten tasks per plan:
round-the-clock hourly patrols (24 windows), daytime hourly patrols, night patrols whose windows
cross midnight, daily cleaning in two windows, front-desk rounds on working days, weekly
maintenance, greening every two or three days and a monthly fire-equipment check. Most plans have
one or two of their department's staff taking turns by day; a tenth are left to the department.

With ``--tasks`` the history covers as many whole days, ending on the day after ``as_of`` (the hourly
job generates ahead, so a night round after midnight is there), as it takes to reach that many
tasks. Each task is simulated from its window to ``as_of`` as the phone app and the services would
leave it: started by the first check-in (or a start without a route), the route
checked in step by step (some late), finished; some never started and swept as missed at the
window's end, some abandoned (missed after the grace), some with every checkpoint but no finish
(completed by the sweep), a few cancelled by a supervisor. Every status change has its TaskEvent,
and the check-in counters match the check-in rows. The dates and windows come from
``lib.recurrence`` exactly as ``plans.services.tasks_generate`` expands them (the same natural keys
and assignee turns), and ``generated_until`` is the last day, so the generator finds nothing to add
for those days.

Rows skip the services and the ORM (``core.demo.scale.RowWriter``: ``COPY`` on PostgreSQL) and get
no simple-history records. The same seed, company layout and ``as_of`` give the same rows.
"""

import datetime as dt
import json
import math
import random
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError, connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext
from tqdm import tqdm

from core.choices import DepartmentKind, Role
from core.demo.scale import IdAllocator, RowWriter, reset_sequences
from core.demo.scale_workorders import ProjectStaff, _analyze, scale_staff
from core.models import Company, Department, Membership, Project
from core.selectors import business_calendar_cached
from lib import recurrence
from plans.choices import (
    CheckInMethod,
    CheckpointOrder,
    HolidayRule,
    PhotoRule,
    PlanKind,
    TaskEventKind,
    TaskStatus,
)
from plans.models import (
    CheckIn,
    Checkpoint,
    Plan,
    PlanAssignee,
    PlanCheckpoint,
    PlanStandard,
    PlanWindow,
    Task,
    TaskEvent,
)
from standards.choices import Discipline
from standards.models import StandardItem

MINUTE, HOUR, DAY = 60, 3600, 86400
CHECKPOINTS_PER_PROJECT = 30
TASKS_PER_BATCH = 20_000  # rows are written every this many tasks
TASKS_PER_TRANSACTION = 200_000
STARTS_ON_SPREAD = 180  # plans start on one of this many days before the history
UNASSIGNED_SHARE = 0.1  # plans left to their department: whoever starts a task takes it
# What happens to a task (shares of all tasks)
CANCEL_SHARE, SKIP_SHARE = 0.005, 0.03
# ... and of the started ones
LATE_SHARE, ABANDON_SHARE, NO_FINISH_SHARE = 0.06, 0.02, 0.05
GPS_SHARE = 0.1  # check-ins by position instead of the QR code
AHEAD = dt.timedelta(days=1)  # the hourly job has generated ahead: tomorrow's tasks are there (scheduled)


@dataclass(frozen=True)
class Template:
    """A kind of plan in the mix: its rule(s), windows, route length and department."""

    slots: int  # of 20
    kind: str
    name: str
    department: str
    discipline: str
    rules: tuple[str, ...]  # one per plan, in turn
    windows: tuple[tuple[int, int, int, int], ...]  # (start h, start m, end h, end m)
    route: tuple[int, int]  # checkpoints on the route, fewest..most
    duration: int
    holiday_rule: str = HolidayRule.NONE
    in_order_share: float = 0.0


def _hourly(first: int, count: int) -> tuple[tuple[int, int, int, int], ...]:
    return tuple(((first + i) % 24, 0, (first + i + 1) % 24, 0) for i in range(count))


WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
MIX = (
    Template(
        6, PlanKind.PATROL, "重点区域巡逻", DepartmentKind.SECURITY, Discipline.SECURITY, ("FREQ=DAILY",),
        _hourly(0, 24), (1, 3), 20,
    ),
    Template(
        3, PlanKind.PATROL, "日间巡逻", DepartmentKind.SECURITY, Discipline.SECURITY, ("FREQ=DAILY",),
        _hourly(7, 12), (3, 5), 30, in_order_share=0.3,
    ),
    Template(
        2, PlanKind.PATROL, "夜间巡逻", DepartmentKind.SECURITY, Discipline.SECURITY, ("FREQ=DAILY",),
        _hourly(22, 8), (3, 5), 30, in_order_share=0.5,
    ),
    Template(
        3, PlanKind.CLEANING, "公共区域保洁", DepartmentKind.CLEANING, Discipline.CLEANING, ("FREQ=DAILY",),
        ((7, 0, 9, 0), (14, 0, 16, 0)), (1, 2), 60,
    ),
    Template(
        1, PlanKind.CUSTOMER_SERVICE, "大堂巡视", DepartmentKind.CUSTOMER_SERVICE, Discipline.CUSTOMER_SERVICE,
        ("FREQ=DAILY",), ((8, 30, 9, 30),), (1, 2), 30, holiday_rule=HolidayRule.WORKING_DAYS,
    ),
    Template(
        2, PlanKind.MAINTENANCE, "设备设施维保", DepartmentKind.ENGINEERING, Discipline.ENGINEERING,
        tuple(f"FREQ=WEEKLY;BYDAY={d}" for d in WEEKDAYS), ((9, 0, 17, 0),), (0, 2), 120,
        holiday_rule=HolidayRule.SKIP,
    ),
    Template(
        2, PlanKind.GREENING, "绿化养护", DepartmentKind.GREENING, Discipline.GREENING,
        ("FREQ=DAILY;INTERVAL=2", "FREQ=DAILY;INTERVAL=3"), ((8, 0, 11, 0),), (0, 1), 90,
    ),
    Template(
        1, PlanKind.MAINTENANCE, "消防设施月检", DepartmentKind.ENGINEERING, Discipline.ENGINEERING,
        tuple(f"FREQ=MONTHLY;BYMONTHDAY={n}" for n in (*range(1, 29), -1)), ((9, 0, 17, 0),), (0, 2), 240,
        holiday_rule=HolidayRule.SHIFT,
    ),
)  # fmt: skip
SEQUENCE = [t for t in MIX for _ in range(t.slots)]  # plan i follows SEQUENCE[i % 20]
SPOTS = [
    "东门岗亭",
    "西门岗亭",
    "南门",
    "北门",
    "地下车库入口",
    "地下车库A区",
    "地下车库B区",
    "消防控制室",
    "配电房",
    "水泵房",
    "电梯机房",
    "中心花园",
    "儿童乐园",
    "垃圾分类点",
    "会所",
    "大堂",
    "屋顶平台",
    "围墙东段",
    "围墙西段",
    "围墙北段",
    "非机动车棚",
    "快递柜",
    "健身区",
    "景观水池",
    "消防通道",
]
CANCEL_REASONS = ["暴雨停止室外作业", "区域封闭施工", "重复任务"]


@dataclass(frozen=True)
class PlanSpec:
    plans: int
    as_of: dt.datetime
    tasks: int = 0  # about this many tasks of history (whole days ending on as_of's date); 0: plans only
    seed: int = 1


@dataclass
class PlanStats:
    plans: int = 0
    windows: int = 0
    checkpoints: int = 0
    days: int = 0
    tasks: int = 0
    events: int = 0
    checkins: int = 0
    seconds: float = 0.0

    @property
    def rows(self) -> int:
        return self.plans + self.windows + self.checkpoints + self.tasks + self.events + self.checkins

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


@dataclass
class PlanInfo:
    """What the task simulation needs of one generated plan."""

    id: int
    project_id: int
    department_id: int
    kind: str
    title: str
    rule: str
    starts_on: dt.date
    holiday_rule: str
    windows: list[recurrence.Window]
    route: list[int]  # checkpoint ids in order
    people: list[int]  # assignees taking turns by day; empty: the department's pool
    pool: list[int]  # the department's staff (who take unassigned tasks)
    supervisors: list[int]  # who cancels


PLANS = RowWriter(
    Plan,
    [
        "id",
        "company",
        "project",
        "department",
        "kind",
        "name",
        "description",
        "rrule",
        "starts_on",
        "holiday_rule",
        "duration_minutes",
        "photo_rule",
        "checkpoint_order",
        "is_active",
        "version",
        "generated_until",
        "created",
        "updated",
    ],
)
WINDOWS = RowWriter(PlanWindow, ["company", "plan", "start", "end", "sort_order"])
ASSIGNEES = RowWriter(PlanAssignee, ["company", "plan", "user", "sort_order"])
ROUTES = RowWriter(PlanCheckpoint, ["company", "plan", "checkpoint", "sort_order", "added_version"])
STANDARDS = RowWriter(PlanStandard, ["company", "plan", "revision", "sort_order"])
CHECKPOINTS = RowWriter(
    Checkpoint,
    ["id", "company", "project", "name", "description", "code", "latitude", "longitude", "radius_m", "created"],
)
TASK_FIELDS = [
    "id",
    "company",
    "project",
    "plan",
    "department",
    "assignee",
    "kind",
    "title",
    "date",
    "window_index",
    "starts_at",
    "due_at",
    "status",
    "started_at",
    "finished_at",
    "plan_version",
    "photo_rule",
    "required_checkpoints",
    "on_time_checkins",
    "late_checkins",
    "note",
    "photo",
    "thumbnail",
    "created",
]
TASKS = RowWriter(Task, TASK_FIELDS)
EVENTS = RowWriter(
    TaskEvent, ["company", "task", "kind", "actor", "created", "from_status", "to_status", "reason", "data"]
)
CHECKINS = RowWriter(
    CheckIn,
    [
        "company",
        "task",
        "checkpoint",
        "user",
        "method",
        "at",
        "is_late",
        "latitude",
        "longitude",
        "distance_m",
        "note",
        "photo",
        "thumbnail",
    ],
)


#
# Entry point
#
def scale_plans(spec: PlanSpec, *, company: Company, progress: bool = True) -> PlanStats:
    """Checkpoints and ``spec.plans`` plans over the projects of ``company``; then ``spec.tasks`` of history."""
    for writer in (PLANS, WINDOWS, ASSIGNEES, ROUTES, STANDARDS, CHECKPOINTS, TASKS, EVENTS, CHECKINS):
        writer.prepare()
    stats = PlanStats()
    started = time.monotonic()
    projects = list(Project.objects.filter(company=company).order_by("id"))
    with transaction.atomic():
        staff = project_staff(company, projects, seed=spec.seed)
    today = timezone.localdate(spec.as_of, company.zone)
    with pg_bulk_load():
        with transaction.atomic():
            checkpoints = scale_checkpoints(spec, company=company, projects=projects, stats=stats)
            plans = scale_plan_rows(
                spec, company=company, projects=projects, staff=staff, checkpoints=checkpoints, today=today, stats=stats
            )
        reset_sequences([Checkpoint, Plan])
        if spec.tasks:
            history = TaskHistory(spec, company=company, plans=plans, checkpoints=checkpoints, today=today)
            history.write(stats, progress=progress)
            reset_sequences([Task])
    _analyze([Checkpoint, Plan, PlanWindow, PlanAssignee, PlanCheckpoint, PlanStandard, Task, TaskEvent, CheckIn])
    stats.seconds = time.monotonic() - started
    return stats


@contextmanager
def pg_bulk_load() -> Iterator[None]:
    """PostgreSQL: no foreign-key checks on this connection meanwhile (``session_replication_role =
    replica``, what pg_restore --disable-triggers does), when the role may set it (a superuser).

    The generator makes every id it refers to itself, so the checks would find nothing, but they
    are a third of a large load's time: Django's foreign keys are deferred, and at each commit
    the database looks up the parent of every row. Tests run the generator on SQLite, where the
    checks stay on. Elsewhere, or without the right, nothing changes.
    """
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SHOW session_replication_role")
        previous = cursor.fetchone()[0]
        try:
            with transaction.atomic():
                cursor.execute("SET session_replication_role = replica")
        except DatabaseError:
            previous = None
    try:
        yield
    finally:
        if previous in ("origin", "replica", "local"):
            with connection.cursor() as cursor:
                cursor.execute(f"SET session_replication_role = {previous}")


def project_staff(company: Company, projects: list[Project], *, seed: int) -> dict[int, ProjectStaff]:
    """The staff gen_scale --workorders made, or the same people made now."""
    if not Membership.objects.filter(company=company, project__isnull=False).exists():
        return scale_staff(company, projects, seed=seed)
    departments = {d.pk: d for d in Department.objects.filter(company=company)}
    staff: dict[int, ProjectStaff] = {}
    rows = (
        Membership.objects.filter(company=company, project__isnull=False, is_active=True)
        .order_by("id")
        .values_list("project_id", "user_id", "user__name", "role", "department_id")
    )
    rows = list(rows)
    for project_id, user_id, name, role, _department in rows:
        if role == Role.PROJECT_MANAGER and project_id not in staff:
            depts = {d.kind: (d.pk, d.name) for d in departments.values() if d.project_id == project_id}
            staff[project_id] = ProjectStaff(manager=(user_id, name), departments=depts)
    for project_id, user_id, name, role, department_id in rows:
        if project_id not in staff or department_id is None or role not in (Role.SUPERVISOR, Role.STAFF):
            continue
        group = staff[project_id].supervisors if role == Role.SUPERVISOR else staff[project_id].workers
        group.setdefault(departments[department_id].kind, []).append((user_id, name))
    return staff


def scale_checkpoints(
    spec: PlanSpec, *, company: Company, projects: list[Project], stats: PlanStats
) -> dict[int, list[tuple[int, str, str, str]]]:
    """CHECKPOINTS_PER_PROJECT checkpoints per project around its centre: (id, code, latitude, longitude)."""
    rng = random.Random(f"{spec.seed}:{company.code}:checkpoints")  # codes unique across companies
    ids = IdAllocator(Checkpoint)
    created = _time_adapter()(int(spec.as_of.timestamp()))
    rows, found = [], {}
    for index, project in enumerate(projects):
        lat0, lng0 = 30.20 + (index % 100) * 0.005, 120.10 + (index // 100) * 0.005
        names = SPOTS + [f"{n}号巡更点" for n in range(1, CHECKPOINTS_PER_PROJECT - len(SPOTS) + 1)]
        found[project.pk] = []
        for name in names[:CHECKPOINTS_PER_PROJECT]:
            lat = f"{lat0 + rng.uniform(-0.002, 0.002):.6f}"
            lng = f"{lng0 + rng.uniform(-0.002, 0.002):.6f}"
            code = f"{rng.getrandbits(128):032x}"
            checkpoint_id = ids.take()
            rows.append([checkpoint_id, company.pk, project.pk, name, "", code, lat, lng, 50, created])
            found[project.pk].append((checkpoint_id, code, lat, lng))
    stats.checkpoints += CHECKPOINTS.write(rows)
    return found


def scale_plan_rows(
    spec: PlanSpec,
    *,
    company: Company,
    projects: list[Project],
    staff: dict[int, ProjectStaff],
    checkpoints: dict[int, list[tuple[int, str, str, str]]],
    today: dt.date,
    stats: PlanStats,
) -> list[PlanInfo]:
    """``spec.plans`` plans in the MIX, spread evenly over the projects (in project order)."""
    rng = random.Random(f"{spec.seed}:plans")
    rules = {rule: recurrence.validate_rrule(rule) for t in MIX for rule in t.rules}
    revisions = _revisions(company)
    adapt = _time_adapter()
    first_day = today - dt.timedelta(days=_history_days_max(spec))
    ids = IdAllocator(Plan)
    plans, windows, assignees, routes, standards, infos = [], [], [], [], [], []
    numbers: dict[tuple[int, str], int] = defaultdict(int)
    for i in range(spec.plans):
        project = projects[i * len(projects) // spec.plans]
        t = SEQUENCE[i % len(SEQUENCE)]
        people = staff[project.pk]
        department_id = people.departments[t.department][0]
        plan_id = ids.take()
        numbers[(project.pk, t.name)] += 1
        name = f"{t.name}{numbers[(project.pk, t.name)]}"
        rule = rules[t.rules[numbers[(project.pk, t.name)] % len(t.rules)]]
        starts_on = first_day - dt.timedelta(days=rng.randrange(STARTS_ON_SPREAD))
        created = adapt(int(dt.datetime.combine(starts_on, dt.time(9), company.zone).timestamp()) - DAY)
        order = CheckpointOrder.IN_ORDER if rng.random() < t.in_order_share else CheckpointOrder.ANY
        plans.append(
            [
                plan_id,
                company.pk,
                project.pk,
                department_id,
                t.kind.value,
                name,
                "",
                rule,
                starts_on.isoformat(),
                t.holiday_rule.value,
                t.duration,
                PhotoRule.NONE.value,
                order.value,
                True,
                1,
                (today + AHEAD).isoformat() if spec.tasks else None,
                created,
                created,
            ]
        )
        for n, (h1, m1, h2, m2) in enumerate(t.windows):
            windows.append([company.pk, plan_id, f"{h1:02d}:{m1:02d}:00", f"{h2:02d}:{m2:02d}:00", n])
        workers = [p[0] for p in people.workers[t.department]]
        chosen = [] if rng.random() < UNASSIGNED_SHARE else rng.sample(workers, min(len(workers), rng.randint(1, 2)))
        assignees += [[company.pk, plan_id, user_id, n] for n, user_id in enumerate(chosen)]
        stops = rng.sample(checkpoints[project.pk], rng.randint(*t.route))
        routes += [[company.pk, plan_id, c[0], n, 1] for n, c in enumerate(stops)]
        if revisions.get(t.discipline):
            items = revisions[t.discipline]
            standards.append([company.pk, plan_id, items[i % len(items)], 0])
        infos.append(
            PlanInfo(
                id=plan_id,
                project_id=project.pk,
                department_id=department_id,
                kind=t.kind.value,
                title=name[:100],
                rule=rule,
                starts_on=starts_on,
                holiday_rule=t.holiday_rule.value,
                windows=[recurrence.Window(dt.time(h1, m1), dt.time(h2, m2)) for h1, m1, h2, m2 in t.windows],
                route=[c[0] for c in stops],
                people=chosen,
                pool=workers,
                supervisors=[p[0] for p in people.supervisors.get(t.department) or [people.manager]],
            )
        )
    stats.plans += PLANS.write(plans)
    stats.windows += WINDOWS.write(windows)
    ASSIGNEES.write(assignees)
    ROUTES.write(routes)
    STANDARDS.write(standards)
    return infos


def _revisions(company: Company) -> dict[str, list[int]]:
    """Current revisions of the company's standard items by discipline (the plans perform one each)."""
    found: dict[str, list[int]] = defaultdict(list)
    items = StandardItem.objects.filter(company=company, is_active=True, current_revision__isnull=False)
    for discipline, revision_id in items.order_by("sort_order", "id").values_list("discipline", "current_revision"):
        found[discipline].append(revision_id)
    return found


def _history_days_max(spec: PlanSpec) -> int:
    """An upper bound of the history's days (a day has at least one task per plan of the mix on average)."""
    return -(-spec.tasks // max(spec.plans, 1)) + 1 if spec.tasks else 0


#
# Task history
#
class TaskHistory:
    """The tasks of whole days up to ``as_of``'s date, each simulated up to ``as_of``."""

    def __init__(
        self,
        spec: PlanSpec,
        *,
        company: Company,
        plans: list[PlanInfo],
        checkpoints: dict[int, list[tuple[int, str, str, str]]],
        today: dt.date,
    ):
        self.spec, self.company, self.plans, self.today = spec, company, plans, today
        self.as_of = int(spec.as_of.timestamp())
        self.rng = random.Random(f"{spec.seed}:tasks")
        self.calendar = business_calendar_cached(company=company)
        self.zone = company.zone
        self.time = _time_adapter()
        self.positions = {c[0]: (c[2], c[3]) for stops in checkpoints.values() for c in stops}
        self.bounds: dict[tuple[dt.date, recurrence.Window], tuple[int, int, str, str]] = {}
        self.grace = settings.PLANS_FINISH_GRACE_MINUTES * MINUTE
        with translation.override(settings.LANGUAGE_CODE):  # the language the sweep writes its reasons in
            self.not_started = gettext("Not started in its window.")
            self.not_finished = gettext("Not finished in time.")
            self.auto_completed = gettext("Every checkpoint was checked in; closed by the system.")
        self._dates: dict[tuple, list[tuple[dt.date, dt.date | None]]] = {}
        self.days_text: dict[dt.date, tuple[str, str]] = {}

    def days(self) -> list[dt.date]:
        """As many days, ending tomorrow, as reach spec.tasks at this mix's average of the last week."""
        week = sum(
            len(self.dates(p, self.today - dt.timedelta(days=6), self.today)) * len(p.windows) for p in self.plans
        )
        per_day = max(week / 7, 1)
        count = min(max(1, math.ceil(self.spec.tasks / per_day)), _history_days_max(self.spec))
        last = self.today + AHEAD
        return [last - dt.timedelta(days=n) for n in range(count - 1, -1, -1)]

    def dates(self, plan: PlanInfo, date_from: dt.date, date_to: dt.date) -> list[tuple[dt.date, dt.date | None]]:
        """The plan's (date, shifted from) pairs, as tasks_generate expands them."""
        key = (plan.rule, plan.starts_on, plan.holiday_rule, date_from, date_to)
        found = self._dates.get(key)
        if found is None:
            dates = recurrence.rule_dates(
                rule=plan.rule, starts_on=plan.starts_on, date_from=date_from, date_to=date_to
            )
            found = self._dates[key] = recurrence.apply_holiday_rule(
                dates, holiday_rule=plan.holiday_rule, calendar=self.calendar
            )
        return found

    def write(self, stats: PlanStats, *, progress: bool) -> None:
        days = self.days()
        stats.days = len(days)
        by_day: dict[dt.date, list[PlanInfo]] = defaultdict(list)
        for plan in self.plans:  # in id order, as the generator inserts them
            for day, _shifted in self.dates(plan, days[0], days[-1]):
                by_day[day].append(plan)
        total = sum(len(p.windows) for plans in by_day.values() for p in plans)
        queue = [(day, plan) for day in sorted(by_day) for plan in by_day[day]]
        with tqdm(total=total, unit="tasks", unit_scale=True, disable=not progress, smoothing=0.1) as bar:
            start = 0
            while start < len(queue):
                with transaction.atomic():
                    ids = IdAllocator(Task)
                    written = 0
                    while start < len(queue) and written < TASKS_PER_TRANSACTION:
                        batch = Batch()
                        while start < len(queue) and len(batch.tasks) < TASKS_PER_BATCH:
                            day, plan = queue[start]
                            self.plan_day(batch, plan, day, ids)
                            start += 1
                        batch.write(stats)
                        written += len(batch.tasks)
                        bar.update(len(batch.tasks))

    def window(self, day: dt.date, window: recurrence.Window) -> tuple[int, int, str, str]:
        key = (day, window)
        found = self.bounds.get(key)
        if found is None:
            starts, ends = recurrence.window_bounds(day, window, self.zone)
            s, d = int(starts.timestamp()), int(ends.timestamp())
            found = self.bounds[key] = (s, d, self.time(s), self.time(d))
        return found

    def day(self, day: dt.date) -> tuple[str, str]:
        """The date's text, and when the hourly job created its tasks (the horizon ahead)."""
        found = self.days_text.get(day)
        if found is None:
            made = dt.datetime.combine(day - dt.timedelta(days=settings.PLANS_HORIZON_DAYS), dt.time(0, 5), self.zone)
            found = self.days_text[day] = (day.isoformat(), self.time(int(made.timestamp())))
        return found

    def plan_day(self, batch: "Batch", plan: PlanInfo, day: dt.date, ids: IdAllocator) -> None:
        """The tasks of one plan on one day, one per window."""
        day_text, created = self.day(day)
        assignee = plan.people[(day - plan.starts_on).days % len(plan.people)] if plan.people else None
        for index, window in enumerate(plan.windows):
            s, d, starts_text, due_text = self.window(day, window)
            row = [
                ids.take(),
                self.company.pk,
                plan.project_id,
                plan.id,
                plan.department_id,
                assignee,
                plan.kind,
                plan.title,
                day_text,
                index,
                starts_text,
                due_text,
                TaskStatus.SCHEDULED.value,
                None,
                None,
                1,
                PhotoRule.NONE.value,
                len(plan.route),
                0,
                0,
                "",
                "",
                "",
                created,
            ]
            self.simulate(batch, row, plan, s, d)
            batch.tasks.append(row)

    def simulate(self, batch: "Batch", row: list, plan: PlanInfo, s: int, d: int) -> None:
        """What became of the task by ``as_of``: status, times, counters, events and check-ins."""
        rng, as_of, t = self.rng, self.as_of, self.time
        r = rng.random()
        if r < CANCEL_SHARE:
            at = s - rng.randrange(HOUR, 12 * HOUR)
            if at <= as_of:
                who = plan.supervisors[int(rng.random() * len(plan.supervisors))]
                self.event(batch, row, at, TaskStatus.CANCELLED, who, rng.choice(CANCEL_REASONS), "{}")
            return
        if r < CANCEL_SHARE + SKIP_SHARE:
            at = -(-d // MINUTE) * MINUTE  # the first sweep after the window's end
            if at <= as_of:
                self.event(batch, row, at, TaskStatus.MISSED, None, self.not_started, '{"sweep": true}')
            return
        span, route = d - s, plan.route
        r = rng.random()
        late = r < LATE_SHARE
        abandoned = LATE_SHARE <= r < LATE_SHARE + ABANDON_SHARE
        no_finish = not abandoned and route and r >= 1 - NO_FINISH_SHARE
        if late:
            start = s + int(span * rng.uniform(0.5, 0.9))
            step = rng.randrange(2 * MINUTE, 6 * MINUTE)
        else:
            start = s - rng.randrange(10 * MINUTE) + int(span * 0.3 * rng.random())
            step = min(rng.randrange(2 * MINUTE, 6 * MINUTE), max(30, (d - MINUTE - start) // (len(route) + 1)))
        if start > as_of:
            return
        worker = row[5]
        taken = worker is None
        if taken:
            worker = row[5] = plan.pool[int(rng.random() * len(plan.pool))]
        row[13] = t(start)
        self.event(batch, row, start, TaskStatus.IN_PROGRESS, worker, "", '{"taken": true}' if taken else "{}")
        visits = rng.randrange(len(route)) if abandoned and route else len(route)
        last = start
        for k in range(visits):
            at = start + k * step + (rng.randrange(20) if k else 0)
            if at > as_of:
                return
            last = at
            self.checkin(batch, row, route[k], worker, at, at > d)
        if abandoned or no_finish:
            at = -(-(d + self.grace) // MINUTE) * MINUTE
            if at > as_of:
                return
            if abandoned:
                self.event(batch, row, at, TaskStatus.MISSED, None, self.not_finished, '{"sweep": true}')
            else:
                row[14] = t(last)
                self.event(batch, row, at, TaskStatus.COMPLETED, None, self.auto_completed, '{"sweep": true}')
            return
        finished = last + rng.randrange(MINUTE, 5 * MINUTE)
        if finished <= as_of:
            row[14] = t(finished)
            data = json.dumps({"missing_checkpoints": 0, "late": finished > d})
            self.event(batch, row, finished, TaskStatus.COMPLETED, worker, "", data)

    def event(self, batch: "Batch", row: list, at: int, to: str, actor, reason: str, data: str) -> None:
        batch.events.append(
            [self.company.pk, row[0], TaskEventKind.STATUS.value, actor, self.time(at), row[12], to, reason, data]
        )
        row[12] = to

    def checkin(self, batch: "Batch", row: list, checkpoint: int, user: int, at: int, is_late: bool) -> None:
        lat = lng = distance = None
        method = CheckInMethod.QR.value
        if self.rng.random() < GPS_SHARE:
            method, distance = CheckInMethod.GPS.value, self.rng.randrange(3, 40)
            lat, lng = self.positions[checkpoint]
        batch.checkins.append(
            [self.company.pk, row[0], checkpoint, user, method, self.time(at), is_late, lat, lng, distance, "", "", ""]
        )
        row[19 if is_late else 18] += 1


@dataclass
class Batch:
    tasks: list[list] = field(default_factory=list)
    events: list[list] = field(default_factory=list)
    checkins: list[list] = field(default_factory=list)

    def write(self, stats: PlanStats) -> None:
        stats.tasks += TASKS.write(self.tasks)
        stats.events += EVENTS.write(self.events)
        stats.checkins += CHECKINS.write(self.checkins)


def _time_adapter() -> Callable[[int | None], str | None]:
    """Epoch seconds → the text of a DateTimeField's DB value (SQLite) or its UTC ISO text (PostgreSQL's
    COPY parses it), cached by day: it runs for every timestamp of millions of rows."""
    days: dict[int, str] = {}
    suffix = "+00:00" if connection.vendor == "postgresql" else ""

    def adapt(ts: int | None) -> str | None:
        if ts is None:
            return None
        day, second = divmod(ts, DAY)
        text = days.get(day)
        if text is None:
            text = days[day] = dt.datetime.fromtimestamp(day * DAY, dt.UTC).strftime("%Y-%m-%d")
        return f"{text} {second // HOUR:02d}:{second // MINUTE % 60:02d}:{second % MINUTE:02d}{suffix}"

    sample = 1_700_000_123
    moment = dt.datetime.fromtimestamp(sample, dt.UTC)
    expected = connection.ops.adapt_datetimefield_value(moment)
    if (expected if isinstance(expected, str) else moment) != (
        adapt(sample) if isinstance(expected, str) else dt.datetime.fromisoformat(adapt(sample))
    ):
        raise ImproperlyConfigured(f"gen_scale cannot write {connection.vendor} timestamps; see _time_adapter")
    return adapt
