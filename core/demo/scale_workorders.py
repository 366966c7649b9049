"""Benchmark-scale work orders (`manage.py gen_scale --workorders N`): the staff who handle them, then
orders with their timelines, follow-ups and SLA breaches.

The rows skip the services (a million orders through them would take hours) but hold what the
services would have written. Each order's life is simulated from its report to ``as_of``:

1. reported: keyword tiers through ``workorders.services.orders._apply_keywords``, the SLA policy
   chosen as ``policy_for`` does, checkpoints as ``workorders.sla.plan`` makes them (business
   clocks through ``WorkingTime``, which gives lib.bizcal's answers);
2. dispatched at once by the automatic rules to a worker of the category's department (praise is
   accepted and dispatched by customer service instead), taken within the take window, started
   on site, completed, sometimes verified, mostly closed, with the follow-up (回访) the close
   schedules and its record; a few are cancelled, and some still being worked are on hold (their
   checkpoints paused);
3. a once-a-minute sweep fires every checkpoint that fell due before its target was met: one event
   per target and sweep, the worst ``sla_state``, an SlaBreach per breach, and the month's
   rectification order of a project when its breaches reach the company's threshold (that order
   then lives like the others). With ``as_of`` on a whole minute the last sweep ran then, so a
   sweep at ``as_of`` finds nothing due.

So ``status`` matches the milestone timestamps, each status change has its event and bumps
``sla_version``, ``sla_next_at`` is set only for open orders with pending checkpoints, and
``take_due_at`` only for orders dispatched minutes ago and not yet taken. gen_scale's owners have
no accounts, so their orders carry the roster entry (``resident``) but no ``reporter``; some of
those owners rate the completed work (a Rating with no ``rater``, its RATED event, and the FLAGGED
event of a low rating, as ``workorder_rate`` writes them; drawn from a random stream of their own,
so the other rows are those of a generator without ratings).
Orders are generated in the order of their report time, so ids rise with ``created`` as in
production. The same seed, ``as_of`` and company layout give the same rows.
"""

import bisect
import datetime as dt
import heapq
import itertools
import json
import math
import random
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext
from tqdm import tqdm

from accounts.models import User
from core.choices import DepartmentKind, Role, ServiceLevel
from core.demo import names
from core.demo.scale import IdAllocator, RowWriter, reset_sequences
from core.models import Building, Company, Department, Membership, Project, Unit, UnitResident
from core.selectors import business_calendar
from lib.bizcal import BusinessCalendar
from workorders.choices import (
    DONE_STATUSES,
    ROUND_THE_CLOCK_PRIORITIES,
    SLA_LEVELS,
    SLA_STATE_OF_LEVEL,
    EventKind,
    FollowUpMethod,
    FollowUpResolved,
    FollowUpStatus,
    HoldReason,
    Kind,
    Priority,
    SlaClock,
    SlaState,
    SlaTarget,
    Source,
    Status,
)
from workorders.models import Category, FollowUp, Rating, SlaBreach, SlaPolicy, WorkOrder, WorkOrderEvent
from workorders.services.common import settings_for
from workorders.services.sla import MET_BY_STATUS

MINUTE, HOUR, DAY = 60, 3600, 86400
ORDERS_PER_BATCH = 5_000  # rows are written every this many orders
ORDERS_PER_TRANSACTION = 50_000
HISTORY_DAYS = 365  # reports spread over the last twelve months
OPEN_ONLY_DAYS = 3  # --open-only: a backlog reported over the last few days
TAKE_WINDOW = 15 * MINUTE  # WorkOrderSettings.accept_timeout_minutes default
ENDING_STATUSES = (Status.CLOSED, Status.CANCELLED, Status.REJECTED)  # clear every SLA clock
TARGETS = tuple(SlaTarget.values)  # in plan order: acknowledge, dispatch, arrive, resolve


class Weighted:
    """A fixed population drawn by weight, faster than random.choices for millions of draws."""

    def __init__(self, weights: dict):
        self.population = list(weights)
        self.cumulative = list(itertools.accumulate(weights.values()))

    def pick(self, rng: random.Random):
        return self.population[bisect.bisect_right(self.cumulative, rng.random() * self.cumulative[-1])]


# (department kind, name, supervisors, staff) in every project, plus one project manager.
STAFF_PLAN = [
    (DepartmentKind.CUSTOMER_SERVICE, "客服中心", 1, 2),
    (DepartmentKind.ENGINEERING, "工程部", 1, 4),
    (DepartmentKind.SECURITY, "秩序部", 1, 2),
    (DepartmentKind.CLEANING, "环境部", 1, 2),
    (DepartmentKind.GREENING, "绿化部", 0, 1),
    (DepartmentKind.QUALITY, "品质部", 0, 1),
]
KINDS = Weighted(
    {
        Kind.REPAIR: 62,
        Kind.COMPLAINT: 12,
        Kind.INQUIRY: 9,
        Kind.SERVICE: 9,
        Kind.SUGGESTION: 4,
        Kind.PRAISE: 2,
        Kind.RECTIFICATION: 2,
    }
)
_OWNER_SOURCES = {Source.OWNER_APP: 55, Source.PHONE: 28, Source.WALK_IN: 6, Source.STAFF: 8, Source.HOTLINE_12345: 3}
SOURCES = {
    Kind.COMPLAINT: Weighted({Source.OWNER_APP: 45, Source.PHONE: 35, Source.WALK_IN: 5, Source.HOTLINE_12345: 15}),
    Kind.RECTIFICATION: Weighted({Source.INSPECTION: 70, Source.STAFF: 30}),
    **{kind: Weighted(_OWNER_SOURCES) for kind in (Kind.REPAIR, Kind.INQUIRY, Kind.SERVICE, Kind.SUGGESTION)},
    Kind.PRAISE: Weighted({Source.OWNER_APP: 70, Source.PHONE: 30}),
}
# Share of each kind's orders about a unit (the rest are about a building or a spot in it).
UNIT_SHARE = {
    Kind.REPAIR: 0.75,
    Kind.COMPLAINT: 0.35,
    Kind.INQUIRY: 0.5,
    Kind.SERVICE: 0.6,
    Kind.SUGGESTION: 0.2,
    Kind.PRAISE: 0.5,
    Kind.RECTIFICATION: 0.0,
}
# Categories drawn by their priority hint: P0 emergencies are rare.
CATEGORY_WEIGHT = {Priority.P0: 0.15, Priority.P1: 1.0, Priority.P2: 3.0, Priority.P3: 2.0}
HOURS = Weighted(dict(enumerate([1, 0.5, 0.3, 0.3, 0.3, 0.5, 1, 3, 6, 8, 8, 7, 5, 6, 7, 7, 6, 6, 6, 7, 6, 4, 3, 2])))
SPOTS = ["电梯厅", "楼道", "地下车库", "屋顶", "单元门口", "消防通道", "配电间", "楼前绿地"]
# Per kind, what reporters write; a few texts carry keywords of the escalation tiers, as real reports do.
DESCRIPTIONS = {
    Kind.REPAIR: Weighted(
        {
            "麻烦尽快安排师傅上门看一下。": 30,
            "已经好几天了，请尽快处理。": 20,
            "今天早上发现的，请派人维修。": 20,
            "白天家里没人，请下午六点后上门。": 15,
            "师傅来之前请先电话联系。": 10,
            "又坏了，上次修完没几天。": 3,
            "漏水严重，楼下也受影响了。": 2,
        }
    ),
    Kind.COMPLAINT: Weighted(
        {
            "希望物业加强管理，尽快解决。": 40,
            "晚上十一点还有人装修，影响休息。": 20,
            "垃圾几天没清运，味道很大。": 20,
            "物业人员态度差，希望给个说法。": 10,
            "反映多次一直没修，再不处理就打12345。": 6,
            "小区里车乱停，消防通道堵了。": 4,
        }
    ),
    Kind.INQUIRY: Weighted(
        {
            "请问物业费怎么交？": 30,
            "请问装修需要办理什么手续？": 30,
            "小区停车位还有出租的吗？": 20,
            "快递柜什么时候能修好？": 20,
        }
    ),
    Kind.SUGGESTION: Weighted(
        {"建议在小区里多装几个路灯。": 40, "建议增加儿童游乐设施。": 30, "建议垃圾分类点加个洗手池。": 30}
    ),
    Kind.PRAISE: Weighted(
        {"维修师傅很专业，服务态度好，表扬一下。": 40, "保安帮忙搬东西，非常感谢！": 30, "客服很耐心，点赞。": 30}
    ),
    Kind.SERVICE: Weighted(
        {"需要上门保洁服务，请联系我。": 40, "请帮忙修剪门前的树枝。": 30, "家里有大件垃圾需要清运。": 30}
    ),
    Kind.RECTIFICATION: Weighted({"巡检发现问题，请按期整改并上传整改照片。": 60, "品质检查不合格项，限期整改。": 40}),
}
CANCEL_REASONS = ["业主自行处理了", "重复报修", "业主取消预约"]
HOLD_REASONS = Weighted({HoldReason.PARTS: 50, HoldReason.OWNER: 30, HoldReason.THIRD_PARTY: 15, HoldReason.OTHER: 5})
SATISFACTION = Weighted({5: 55, 4: 30, 3: 10, 2: 4, 1: 1})
# How much of each SLA limit an order takes: lognormal with a median of 22 %; about 14 % of the
# orders pass the 50 % warning of a target, 4 % the 80 % one and 2 % breach.
PACE_MU, PACE_SIGMA = math.log(0.22), 0.75
CANCEL_SHARE, HOLD_SHARE, VERIFY_SHARE, CLOSE_SHARE = 0.03, 0.2, 0.25, 0.9
# Orders that drag on after the visit (parts, contractors, disputes): done weeks later, breaching.
STALL_SHARE, STALL_MEAN_DAYS = 0.03, 30
FOLLOW_UP_DONE_SHARE, FOLLOW_UP_UNREACHABLE_SHARE = 0.8, 0.08
# Owners (on the roster) who rate the completed work in the app, and their stars.
RATING_SHARE = 0.3
STARS = Weighted({5: 60, 4: 22, 3: 9, 2: 5, 1: 4})
# Limits used only for timing where a policy has none (minutes of the order's clock).
FALLBACK_MINUTES = {SlaTarget.ACKNOWLEDGE: 60, SlaTarget.DISPATCH: 60, SlaTarget.RESOLVE: 540}


@dataclass(frozen=True)
class OrderSpec:
    count: int
    as_of: dt.datetime
    seed: int = 1
    open_only: bool = False  # every order still open: a backlog for the SLA sweep benchmark


@dataclass
class OrderStats:
    staff: int = 0
    orders: int = 0  # reported orders (what --workorders asks for)
    rectifications: int = 0  # orders the SLA-breach rule opened on top
    events: int = 0
    follow_ups: int = 0
    breaches: int = 0
    ratings: int = 0
    seconds: float = 0.0

    @property
    def rows(self) -> int:
        return self.orders + self.rectifications + self.events + self.follow_ups + self.breaches + self.ratings

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


#
# Working time
#
class WorkingTime:
    """lib.bizcal's arithmetic over epoch seconds in O(log days).

    Each working day is an interval; a moment's *position* is the working seconds before it since
    ``first``. Gives the answers of ``BusinessCalendar.add_working_minutes`` and
    ``working_minutes_between`` (a test compares them) for moments between ``first`` and ``last``.
    """

    def __init__(self, calendar: BusinessCalendar, *, first: dt.date, last: dt.date):
        tz = timezone.get_current_timezone()
        self.opens, self.closes, self.before, self.ends = [], [], [], []
        total, day = 0, first
        while day <= last:
            if calendar.is_workday(day):
                opens = int(dt.datetime.combine(day, calendar.work_start, tz).timestamp())
                closes = int(dt.datetime.combine(day, calendar.work_end, tz).timestamp())
                self.opens.append(opens)
                self.closes.append(closes)
                self.before.append(total)
                total += closes - opens
                self.ends.append(total)
            day += dt.timedelta(days=1)

    def position(self, ts: int) -> int:
        i = bisect.bisect_right(self.closes, ts)  # the first working day not over at ts
        return self.before[i] + max(0, ts - self.opens[i])

    def moment(self, position: int) -> int:
        i = bisect.bisect_left(self.ends, position)
        return self.opens[i] + position - self.before[i]

    def add(self, ts: int, seconds: int) -> int:
        return self.moment(self.position(ts) + seconds)

    def minutes_between(self, start: int, end: int) -> int:
        return max(0, self.position(end) - self.position(start)) // MINUTE


#
# Staff
#
Person = tuple[int, str]  # (user id, name)


@dataclass
class ProjectStaff:
    manager: Person
    departments: dict[str, Person] = field(default_factory=dict)  # department kind → (id, name)
    supervisors: dict[str, list[Person]] = field(default_factory=dict)
    workers: dict[str, list[Person]] = field(default_factory=dict)

    def supervisor(self, kind: str, rng: random.Random) -> Person:
        people = self.supervisors.get(kind) or [self.manager]
        return people[int(rng.random() * len(people))]

    def worker(self, kind: str, rng: random.Random) -> Person:
        people = self.workers[kind]
        return people[int(rng.random() * len(people))]


def staff_username(company_code: str, suffix: str) -> str:
    """Usernames of generated staff: ``gen-<company code>-admin``, ``gen-<company code>-<project code>-NN``."""
    return f"gen-{company_code}-{suffix}"


def scale_staff(company: Company, projects: list[Project], *, seed: int) -> dict[int, ProjectStaff]:
    """A company admin, and in every project a manager and the departments of STAFF_PLAN with their people.

    No phones and no usable passwords; the benchmarks give some of them API tokens.
    """
    rng = random.Random(f"{seed}:staff")
    departments = Department.objects.bulk_create(
        [
            Department(company=company, project=p, kind=kind, name=name)
            for p in projects
            for kind, name, *_ in STAFF_PLAN
        ],
        batch_size=1000,
    )
    by_project: dict[int, dict[str, Department]] = defaultdict(dict)
    for d in departments:
        by_project[d.project_id][d.kind] = d
    password = make_password(None)
    admin = User(username=staff_username(company.code, "admin"), name="规模管理员", password=password)
    planned: list[tuple[User, Project | None, str, Department | None]] = [(admin, None, Role.COMPANY_ADMIN, None)]
    for p in projects:
        people: list[tuple[str | None, str]] = [(None, Role.PROJECT_MANAGER)]
        for kind, _name, supervisors, staff in STAFF_PLAN:
            people += [(kind, Role.SUPERVISOR)] * supervisors + [(kind, Role.STAFF)] * staff
        for n, (kind, role) in enumerate(people, 1):
            username = staff_username(company.code, f"{p.code}-{n:02d}")
            user = User(username=username, name=names.person_name(rng), password=password)
            planned.append((user, p, role, by_project[p.pk].get(kind) if kind else None))
    User.objects.bulk_create([u for u, *_ in planned], batch_size=1000)
    Membership.objects.bulk_create(
        [Membership(company=company, project=p, user=u, role=role, department=d) for u, p, role, d in planned],
        batch_size=1000,
    )
    staff: dict[int, ProjectStaff] = {}
    for user, project, role, department in planned[1:]:
        person = (user.pk, user.name)
        if role == Role.PROJECT_MANAGER:
            depts = {k: (d.pk, d.name) for k, d in by_project[project.pk].items()}
            staff[project.pk] = ProjectStaff(manager=person, departments=depts)
        else:
            group = staff[project.pk].supervisors if role == Role.SUPERVISOR else staff[project.pk].workers
            group.setdefault(department.kind, []).append(person)
    return staff


#
# Rows
#
ORDER_FIELDS = [
    "id",
    "company",
    "project",
    "kind",
    "category",
    "priority",
    "status",
    "title",
    "description",
    "unit",
    "building",
    "location",
    "source",
    "reporter",
    "resident",
    "contact_name",
    "contact_phone",
    "department",
    "assignee",
    "is_life_safety",
    "is_escalated",
    "keyword_hits",
    "hold_reason",
    "status_before_hold",
    "token",
    "created",
    "updated",
    "accepted_at",
    "dispatched_at",
    "taken_at",
    "arrived_at",
    "completed_at",
    "verified_at",
    "closed_at",
    "sla_policy",
    "sla_clock",
    "ack_due_at",
    "dispatch_due_at",
    "arrive_due_at",
    "resolve_due_at",
    "take_due_at",
    "sla_state",
    "sla_next_at",
    "sla_checkpoints",
    "sla_version",
    "sla_paused_at",
    "source_key",
]
SOURCE_KEY = ORDER_FIELDS.index("source_key")  # set only on the rule's rectification orders
ORDER_TIMES = {
    "created",
    "updated",
    "accepted_at",
    "dispatched_at",
    "taken_at",
    "arrived_at",
    "completed_at",
    "verified_at",
    "closed_at",
    "ack_due_at",
    "dispatch_due_at",
    "arrive_due_at",
    "resolve_due_at",
    "take_due_at",
    "sla_next_at",
    "sla_paused_at",
}
ORDERS = RowWriter(WorkOrder, ORDER_FIELDS)
EVENTS = RowWriter(
    WorkOrderEvent,
    ["company", "order", "kind", "actor", "created", "from_status", "to_status", "reason", "data", "is_public"],
)
FOLLOW_UPS = RowWriter(
    FollowUp,
    [
        "company",
        "order",
        "status",
        "due_at",
        "method",
        "resolved",
        "satisfaction",
        "comment",
        "done_by",
        "done_at",
        "created",
    ],
)
BREACHES = RowWriter(SlaBreach, ["company", "project", "order", "target", "round", "due_at", "breached_at"])
RATINGS = RowWriter(Rating, ["company", "order", "round", "stars", "tags", "comment", "rater", "created"])
DUE_FIELDS = {
    SlaTarget.ACKNOWLEDGE: "ack_due_at",
    SlaTarget.DISPATCH: "dispatch_due_at",
    SlaTarget.ARRIVE: "arrive_due_at",
    SlaTarget.RESOLVE: "resolve_due_at",
}


@dataclass
class Batch:
    orders: list[list] = field(default_factory=list)
    events: list[list] = field(default_factory=list)
    follow_ups: list[list] = field(default_factory=list)
    breaches: list[list] = field(default_factory=list)
    ratings: list[list] = field(default_factory=list)

    def write(self, stats: OrderStats) -> None:
        rectifications = sum(1 for row in self.orders if row[SOURCE_KEY] is not None)
        stats.rectifications += rectifications
        stats.orders += ORDERS.write(self.orders) - rectifications
        stats.events += EVENTS.write(self.events)
        stats.follow_ups += FOLLOW_UPS.write(self.follow_ups)
        stats.breaches += BREACHES.write(self.breaches)
        stats.ratings += RATINGS.write(self.ratings)


#
# Entry point
#
def scale_workorders(spec: OrderSpec, *, company: Company, progress: bool = True) -> OrderStats:
    """Staff for every project of ``company``, then ``spec.count`` orders spread over its projects."""
    for writer in (ORDERS, EVENTS, FOLLOW_UPS, BREACHES, RATINGS):
        writer.prepare()
    stats = OrderStats()
    started = time.monotonic()
    projects = list(Project.objects.filter(company=company).order_by("id"))
    with transaction.atomic():
        staff = scale_staff(company, projects, seed=spec.seed)
    stats.staff = Membership.objects.filter(company=company).count()
    simulator = OrderSimulator(spec, company=company, projects=projects, staff=staff)
    created = _report_times(spec)
    with tqdm(total=len(created), unit="orders", unit_scale=True, disable=not progress, smoothing=0.1) as bar:
        for start in range(0, len(created), ORDERS_PER_TRANSACTION):
            with transaction.atomic():
                ids = IdAllocator(WorkOrder)
                chunk = created[start : start + ORDERS_PER_TRANSACTION]
                for offset in range(0, len(chunk), ORDERS_PER_BATCH):
                    batch = Batch()
                    for ts in chunk[offset : offset + ORDERS_PER_BATCH]:
                        simulator.rectify(batch, until=ts, ids=ids)
                        simulator.order(batch, order_id=ids.take(), created=ts)
                    batch.write(stats)
                    bar.update(len(batch.orders))
    with transaction.atomic():
        batch = Batch()
        simulator.rectify(batch, until=simulator.as_of, ids=IdAllocator(WorkOrder))
        batch.write(stats)
        simulator.record_last_dispatch()
    reset_sequences([WorkOrder])
    _analyze([WorkOrder, WorkOrderEvent, FollowUp, SlaBreach, Rating, Unit, UnitResident, Building, Membership])
    stats.seconds = time.monotonic() - started
    return stats


def _analyze(tables: list) -> None:
    """Leave the tables a bulk load filled as a settled database has them.

    PostgreSQL: VACUUM (ANALYZE), what autovacuum does soon after; until then the planner has no
    statistics and every first read of a fresh row writes its hint bits (the list API measured
    right after a load was 40 % slower). SQLite gathers no statistics by itself: without them it
    scans a company's orders newest first for any filter (0.4–0.6 s at a million orders instead of
    20–40 ms), so gen_scale samples them once.
    """
    names = [connection.ops.quote_name(model._meta.db_table) for model in tables]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # VACUUM cannot run in a transaction (tests run gen_scale in one): statistics only, then.
            verb = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
            cursor.execute(f"{verb} " + ", ".join(names))
        elif connection.vendor == "sqlite":
            cursor.execute("PRAGMA analysis_limit=10000")  # a sample per index: 0.1 s at a million orders
            for name in names:
                cursor.execute(f"ANALYZE {name}")


def _report_times(spec: OrderSpec) -> list[int]:
    """When each order is reported: any day of the window, mostly in the daytime, before ``as_of``; sorted."""
    rng = random.Random(f"{spec.seed}:created")
    end = int(spec.as_of.timestamp())
    days = OPEN_ONLY_DAYS if spec.open_only else HISTORY_DAYS
    tz = timezone.get_current_timezone()
    first = dt.datetime.combine(timezone.localdate(spec.as_of, tz) - dt.timedelta(days=days), dt.time(), tz)
    first_ts = int(first.timestamp())
    times: list[int] = []
    while len(times) < spec.count:
        ts = first_ts + rng.randrange(days + 1) * DAY + HOURS.pick(rng) * HOUR + rng.randrange(HOUR)
        if ts < end:
            times.append(ts)
    return sorted(times)


#
# One order
#
@dataclass
class Step:
    """One event of the simulated timeline, and the order fields the service call sets with it."""

    at: int
    kind: str
    from_status: str = ""
    to_status: str = ""
    actor: int | None = None
    reason: str = ""
    data: dict[str, Any] | None = None
    is_public: bool = True
    fields: dict[str, Any] = field(default_factory=dict)

    @property
    def changes_status(self) -> bool:
        return bool(self.from_status) and self.from_status != self.to_status


@dataclass
class Order:
    """One order while it is simulated: its row (by field name), timeline and SLA clock."""

    row: dict[str, Any]
    project: Project
    staff: ProjectStaff
    clock: str
    limits: dict[str, int | None]
    pace: float
    department_kind: str = ""  # where it is dispatched
    points: list[tuple[str, int, int]] = field(default_factory=list)  # (target, level, epoch seconds)
    steps: list[Step] = field(default_factory=list)
    follow_up: dict[str, Any] | None = None
    rating: tuple[int, int] | None = None  # (rated at, stars)

    @property
    def created(self) -> int:
        return self.row["created"]

    @property
    def status(self) -> str:
        return self.row["status"]

    @property
    def last_status(self) -> str:
        return next((s.to_status for s in reversed(self.steps) if s.to_status), Status.SUBMITTED)


class OrderSimulator:
    def __init__(self, spec: OrderSpec, *, company: Company, projects: list[Project], staff: dict[int, ProjectStaff]):
        self.spec, self.company, self.projects, self.staff = spec, company, projects, staff
        self.as_of = int(spec.as_of.timestamp())
        self.rng = random.Random(f"{spec.seed}:workorders")
        self.rating_rng = random.Random(f"{spec.seed}:ratings")
        self.tokens = random.Random(f"{spec.seed}:{company.code}:tokens")  # unique across companies
        today = timezone.localdate(spec.as_of)
        self.working = WorkingTime(
            business_calendar(company=company),
            first=today - dt.timedelta(days=HISTORY_DAYS + 7),
            last=today + dt.timedelta(days=400),
        )
        self.places = _places(company)
        self.categories = _categories(company)
        self.policies = _policies(company)
        self.time = _time_adapter()
        self.token_field = WorkOrder._meta.get_field("token")
        self.last_dispatch: dict[int, int] = {}
        self.projects_by_id = {p.pk: p for p in projects}
        self.breach_threshold = settings_for(company.pk).breach_rectification_threshold
        self.breach_queue: list[tuple[int, int]] = []  # (breached at, project id), soonest first
        self.breach_counts: Counter = Counter()  # (project id, local month) → breaches so far
        self.rectified: set[tuple[int, str]] = set()  # (project id, local month) with its order opened

    def order(self, batch: Batch, *, order_id: int, created: int) -> None:
        order = self.report(order_id=order_id, created=created)
        self.live(order)
        self.cut(order)
        self.emit(batch, order, *self.sweep(order))

    #
    # The life of an order
    #
    def report(self, *, order_id: int, created: int) -> Order:
        rng = self.rng
        project = self.projects[int(rng.random() * len(self.projects))]
        staff = self.staff[project.pk]
        kind = KINDS.pick(rng)
        category = self.categories[kind].pick(rng)
        source = SOURCES[kind].pick(rng)
        text = DESCRIPTIONS[kind].pick(rng)
        row = {"id": order_id, "kind": kind, "category": category.pk, "source": source, "created": created}
        row["source_key"] = None
        row.update(self._place(rng, project, kind, source))
        row.update(reporter=self._reporter(rng, staff, source, category), title=category.name, description=text)
        flags = _keywords(kind, category.priority_hint, category.name, text, row["location"])
        row.update(flags["fields"], department=None)
        return self._start(row, project, flags["event"], self.categories.department_kind[category.pk])

    def rectification(self, *, order_id: int, created: int, project: Project, breaches: int, month: str) -> Order:
        """The month's rectification order the sweep opens (workorder_create_system, no category)."""
        with translation.override(settings.LANGUAGE_CODE):  # the job runner's language
            title = gettext("SLA breached {n} times in {month}").format(n=breaches, month=month)
            description = gettext(
                "This project missed {n} SLA limits this month (threshold {threshold}). "
                "Find the causes, correct them and record the actions."
            ).format(n=breaches, threshold=self.breach_threshold)
        staff = self.staff[project.pk]
        row = {"id": order_id, "kind": Kind.RECTIFICATION, "category": None, "source": Source.SYSTEM}
        row.update(created=created, title=title, description=description, reporter=None, resident=None)
        row.update(unit=None, building=None, location="", contact_name="", contact_phone="")
        row.update(source_key=f"sla-breaches:{project.pk}:{month}")
        flags = _keywords(Kind.RECTIFICATION, Priority.P2, title, description, "")
        row.update(flags["fields"], department=staff.departments[DepartmentKind.QUALITY][0])
        return self._start(row, project, flags["event"], DepartmentKind.QUALITY)

    def _start(self, row: dict, project: Project, flagged: dict, department_kind: str) -> Order:
        """The SLA clock and the first events of a reported order (``_create`` in the services)."""
        staff, created, source = self.staff[project.pk], row["created"], row["source"]
        policy_id, clock, limits = self.policies[(row["kind"], row["priority"], project.service_level)]
        row.update(sla_policy=policy_id, sla_clock=clock, status=Status.SUBMITTED, assignee=None)
        pace = self.rng.lognormvariate(PACE_MU, PACE_SIGMA)
        order = Order(row, project, staff, clock, limits, pace=pace, department_kind=department_kind)
        order.points = self.plan(order)
        for target, level, at in order.points:
            if level == 100:
                row[DUE_FIELDS[target]] = at
        data = {"source": source, "priority": row["priority"]}
        order.steps.append(Step(created, EventKind.CREATED, "", Status.SUBMITTED, row["reporter"], data=data))
        if flagged:
            order.steps.append(Step(created, EventKind.FLAGGED, data=flagged, is_public=False))
        return order

    def rectify(self, batch: Batch, *, until: int, ids: IdAllocator) -> None:
        """Open the rectification orders of breaches recorded by ``until`` (all of them are known by then:
        an order breaches only after it is reported, and orders are simulated in report order)."""
        while self.breach_queue and self.breach_queue[0][0] <= until:
            swept = self.breach_queue[0][0]
            projects = []
            while self.breach_queue and self.breach_queue[0][0] == swept:  # one sweep records them together
                projects.append(heapq.heappop(self.breach_queue)[1])
            month = f"{timezone.localtime(dt.datetime.fromtimestamp(swept, dt.UTC)):%Y-%m}"
            for project_id in projects:
                self.breach_counts[(project_id, month)] += 1
            for project_id in dict.fromkeys(projects):
                count = self.breach_counts[(project_id, month)]
                if count < self.breach_threshold or (project_id, month) in self.rectified:
                    continue
                self.rectified.add((project_id, month))
                project = self.projects_by_id[project_id]
                order = self.rectification(
                    order_id=ids.take(), created=swept, project=project, breaches=count, month=month
                )
                self.live(order)
                self.cut(order)
                self.emit(batch, order, *self.sweep(order))

    def live(self, order: Order) -> None:
        """Every step the order would go through if nothing stopped it; cut() then applies ``as_of``."""
        rng, staff = self.rng, order.staff
        department, dispatched = order.department_kind, order.created
        # Praise is not dispatched automatically, and the rule's rectification orders have no category
        # to dispatch by: customer service (the quality lead) accepts and dispatches them.
        manual = order.row["kind"] == Kind.PRAISE or order.row["source"] == Source.SYSTEM
        if manual:
            accepted = self.after(order, SlaTarget.ACKNOWLEDGE)
            lead = DepartmentKind.CUSTOMER_SERVICE if order.row["kind"] == Kind.PRAISE else department
            manager = staff.supervisor(lead, rng)[0]
            self.step(order, accepted, Status.ACCEPTED, actor=manager, accepted_at=accepted)
            dispatched = max(accepted + MINUTE, self.after(order, SlaTarget.DISPATCH))
        assignee = self.dispatch(order, dispatched, department, auto=not manual)
        taken = dispatched + rng.randrange(MINUTE, TAKE_WINDOW - MINUTE)
        on_site = (SlaTarget.ARRIVE, 1.0) if order.limits.get(SlaTarget.ARRIVE) else (SlaTarget.RESOLVE, 0.4)
        arrived = max(dispatched + MINUTE, self.after(order, on_site[0], share=on_site[1]))
        cancels = not self.spec.open_only and order.row["kind"] != Kind.RECTIFICATION
        if rng.random() < CANCEL_SHARE and cancels:
            cancelled = dispatched + rng.randrange(10 * MINUTE, 12 * HOUR)
            if cancelled < arrived:
                self.take(order, taken, assignee, dispatched=dispatched, before=cancelled)
                manager = staff.supervisor(DepartmentKind.CUSTOMER_SERVICE, rng)[0]
                reason = rng.choice(CANCEL_REASONS)
                self.step(order, cancelled, Status.CANCELLED, actor=manager, reason=reason, take_due_at=None)
                return
        started = {"arrived_at": arrived, "take_due_at": None}
        if not self.take(order, taken, assignee, dispatched=dispatched, before=arrived):
            started["taken_at"] = arrived  # workorder_start takes it on the way
        self.step(order, arrived, Status.IN_PROGRESS, actor=assignee, **started)
        if not self.spec.open_only:
            self.finish(order, arrived, department, assignee)

    def finish(self, order: Order, arrived: int, department: str, assignee: int) -> None:
        rng, staff = self.rng, order.staff
        completed = max(arrived + rng.randrange(10, 90) * MINUTE, self.after(order, SlaTarget.RESOLVE))
        if rng.random() < STALL_SHARE:
            completed += int(rng.expovariate(1 / STALL_MEAN_DAYS) * DAY)
        self.step(order, completed, Status.COMPLETED, actor=assignee, completed_at=completed)
        self.rate(order, completed)
        done = completed
        if order.row["kind"] in (Kind.REPAIR, Kind.RECTIFICATION) and rng.random() < VERIFY_SHARE:
            done = completed + rng.randrange(30 * MINUTE, DAY)
            self.step(order, done, Status.VERIFIED, actor=staff.supervisor(department, rng)[0], verified_at=done)
        if rng.random() >= CLOSE_SHARE:
            return  # left completed: nobody closed it
        closed = done + rng.randrange(HOUR, 3 * DAY)
        manager = staff.supervisor(DepartmentKind.CUSTOMER_SERVICE, rng)[0]
        self.step(order, closed, Status.CLOSED, actor=manager, closed_at=closed)
        self.follow_up(order, closed)

    def rate(self, order: Order, completed: int) -> None:
        """Some owners on the roster rate the work in the app after its completion (workorder_rate)."""
        rng = self.rating_rng
        if order.row.get("resident") is None or rng.random() >= RATING_SHARE:
            return
        rated, stars = completed + rng.randrange(10 * MINUTE, 2 * DAY), STARS.pick(rng)
        order.rating = (rated, stars)
        order.steps.append(Step(rated, EventKind.RATED, data={"stars": stars, "tags": []}))
        if stars <= 2:
            flag = {"stars": stars, "hits": [], "reason": "low_rating"}
            order.steps.append(Step(rated, EventKind.FLAGGED, data=flag, is_public=False))

    def dispatch(self, order: Order, at: int, department_kind: str, *, auto: bool) -> int:
        """workorder_auto_dispatch right at the report, or customer service's dispatch (praise)."""
        rng, staff = self.rng, order.staff
        assignee, department = staff.worker(department_kind, rng), staff.departments[department_kind]
        data = {
            "assignee": assignee[0],
            "assignee_name": assignee[1],
            "department": department[0],
            "department_name": department[1],
            **({"auto": True} if auto else {}),
        }
        actor = None if auto else staff.supervisor(DepartmentKind.CUSTOMER_SERVICE, rng)[0]
        fields = {"assignee": assignee[0], "department": department[0], "dispatched_at": at, "taken_at": None}
        fields["take_due_at"] = at + TAKE_WINDOW
        self.step(order, at, Status.DISPATCHED, actor=actor, kind=EventKind.ASSIGNED, data=data, **fields)
        if at <= self.as_of:
            self.last_dispatch[assignee[0]] = max(self.last_dispatch.get(assignee[0], 0), at)
        return assignee[0]

    def take(self, order: Order, taken: int, assignee: int, *, dispatched: int, before: int) -> bool:
        """The assignee takes it in the app (接单) unless the next step comes within the take window."""
        if before <= dispatched + TAKE_WINDOW:
            return False
        order.steps.append(
            Step(taken, EventKind.TAKEN, actor=assignee, fields={"taken_at": taken, "take_due_at": None})
        )
        return True

    def follow_up(self, order: Order, closed: int) -> None:
        """The follow-up the close schedules, and (mostly) customer service's call recorded on it."""
        rng = self.rng
        fu = {"status": FollowUpStatus.PENDING, "due_at": closed + 48 * HOUR, "created": closed}
        fu.update(method="", resolved="", satisfaction=None, done_by=None, done_at=None)
        order.follow_up = fu
        roll = rng.random()
        if roll >= FOLLOW_UP_DONE_SHARE + FOLLOW_UP_UNREACHABLE_SHARE:
            return
        done = closed + rng.randrange(HOUR, 47 * HOUR)
        if done > self.as_of:
            return
        caller = order.staff.worker(DepartmentKind.CUSTOMER_SERVICE, rng)[0]
        fu.update(method=FollowUpMethod.PHONE, done_by=caller, done_at=done, status=FollowUpStatus.UNREACHABLE)
        if roll < FOLLOW_UP_DONE_SHARE:
            resolved = FollowUpResolved.YES if rng.random() < 0.92 else FollowUpResolved.PARTLY
            fu.update(status=FollowUpStatus.DONE, resolved=resolved, satisfaction=SATISFACTION.pick(rng))
        data = {k: fu[k] for k in ("status", "resolved", "satisfaction", "method")}
        order.steps.append(Step(done, EventKind.FOLLOW_UP, actor=caller, data=data))
        if fu["satisfaction"] is not None and fu["satisfaction"] <= 2:
            flag = {"reason": "low_follow_up", "satisfaction": fu["satisfaction"]}
            order.steps.append(Step(done, EventKind.FLAGGED, data=flag, is_public=False))

    def step(self, order: Order, at: int, to: str, *, actor: int | None, kind: str = EventKind.STATUS, **extra) -> None:
        reason, data = extra.pop("reason", ""), extra.pop("data", None)
        order.steps.append(Step(at, kind, order.last_status, to, actor, reason, data, fields=extra))

    def after(self, order: Order, target: str, *, share: float = 1.0) -> int:
        """When the work that meets ``target`` is done: the order's pace of the limit, on its clock."""
        minutes = order.limits.get(target) or FALLBACK_MINUTES.get(target) or FALLBACK_MINUTES[SlaTarget.RESOLVE]
        seconds = int(minutes * MINUTE * order.pace * share * self.rng.uniform(0.7, 1.3))
        return self.clock_add(order.clock, order.created, max(seconds, MINUTE))

    def clock_add(self, clock: str, ts: int, seconds: int) -> int:
        return ts + seconds if clock == SlaClock.ROUND_THE_CLOCK else self.working.add(ts, seconds)

    def cut(self, order: Order) -> None:
        """Keep what happened by ``as_of``; put some orders that are being worked on hold."""
        order.steps = sorted((s for s in order.steps if s.at <= self.as_of), key=lambda s: s.at)
        for s in order.steps:
            order.row.update(s.fields)
            if s.to_status:
                order.row["status"] = s.to_status
        if order.status in (Status.DISPATCHED, Status.IN_PROGRESS) and self.rng.random() < HOLD_SHARE:
            held = self.rng.randrange(order.steps[-1].at, self.as_of + 1)
            hold_reason = HOLD_REASONS.pick(self.rng)
            reason = "等待业主确认维修方案" if hold_reason == HoldReason.OTHER else ""
            before = order.status
            data = {"hold_reason": hold_reason}
            self.step(order, held, Status.ON_HOLD, actor=order.row["assignee"], reason=reason, data=data)
            order.row.update(status=Status.ON_HOLD, hold_reason=hold_reason, status_before_hold=before)
            order.row.update(take_due_at=None, sla_paused_at=held)

    #
    # SLA: plan, sweep and pause, as workorders.sla and workorders.services.sla do them
    #
    def plan(self, order: Order) -> list[tuple[str, int, int]]:
        points = []
        for target in TARGETS:
            minutes = order.limits.get(target)
            if minutes is None:
                continue
            for level in SLA_LEVELS:
                at = self.clock_add(order.clock, order.created, minutes * level * MINUTE // 100)
                points.append((target, level, at))
        return sorted(points, key=lambda p: p[2])

    def sweep(self, order: Order) -> tuple[list[Step], list[list]]:
        """Fire the checkpoints a once-a-minute sweep reached before their target was met or paused."""
        row, paused_at = order.row, order.row.get("sla_paused_at")
        met = _met_times(order.steps)
        fired: dict[int, list[tuple[str, int, int]]] = defaultdict(list)
        pending, paused = [], []
        for point in order.points:
            target, _level, at = point
            swept = -(-at // MINUTE) * MINUTE  # the first sweep at or after the checkpoint
            if swept <= self.as_of and swept < min(met.get(target, math.inf), paused_at or math.inf):
                fired[swept].append(point)
            elif target in met:
                continue  # met, or the order ended, before it fell due
            else:
                (paused if paused_at else pending).append(point)
        steps, breaches, worst = [], [], 0
        for swept in sorted(fired):
            status = _status_at(order.steps, swept)
            for target, level, at in _worst_per_target(fired[swept]):
                worst = max(worst, level)
                kind = EventKind.SLA_BREACH if level == 100 else EventKind.SLA_WARNING
                data = {"target": target, "level": level, "due": _iso(at)}
                steps.append(Step(swept, kind, status, status, data=data, is_public=False))
                if level == 100:
                    breaches.append([order.project.company_id, order.project.pk, row["id"], target, 0, at, swept])
                    heapq.heappush(self.breach_queue, (swept, order.project.pk))
        row["sla_state"] = SLA_STATE_OF_LEVEL[worst] if worst else SlaState.OK
        row["sla_version"] = sum(s.changes_status for s in order.steps) + len(fired)
        row["sla_checkpoints"] = [{"t": t, "l": lvl, "at": _iso(at)} for t, lvl, at in pending] + [
            {"t": t, "l": lvl, "rem": self._remaining(order, paused_at, at)} for t, lvl, at in paused
        ]
        row["sla_next_at"] = min((at for _t, _l, at in pending), default=None)
        return steps, breaches

    def _remaining(self, order: Order, paused_at: int, at: int) -> float:
        if order.clock == SlaClock.ROUND_THE_CLOCK:
            return max(0, at - paused_at) / MINUTE
        return float(self.working.minutes_between(paused_at, at))

    #
    # Rows
    #
    def emit(self, batch: Batch, order: Order, sla_steps: list[Step], breaches: list[list]) -> None:
        row, company_id, t = order.row, self.company.pk, self.time
        side = (EventKind.FOLLOW_UP, EventKind.RATED, EventKind.FLAGGED)  # no status change: no updated
        row["updated"] = max(s.at for s in order.steps if s.kind not in side)
        for s in sorted(order.steps + sla_steps, key=lambda s: s.at) if sla_steps else order.steps:
            data = json.dumps(s.data) if s.data else "{}"
            event = [company_id, row["id"], s.kind, s.actor, t(s.at), s.from_status, s.to_status, s.reason, data]
            batch.events.append([*event, s.is_public])
        batch.breaches.extend([*b[:5], t(b[5]), t(b[6])] for b in breaches)
        if order.rating is not None and order.rating[0] <= self.as_of and order.status in DONE_STATUSES:
            batch.ratings.append([company_id, row["id"], 0, order.rating[1], "[]", "", None, t(order.rating[0])])
        fu = order.follow_up
        if fu is not None and order.status == Status.CLOSED:
            batch.follow_ups.append(
                [
                    company_id,
                    row["id"],
                    fu["status"],
                    t(fu["due_at"]),
                    fu["method"],
                    fu["resolved"],
                    fu["satisfaction"],
                    "",
                    fu["done_by"],
                    t(fu["done_at"]),
                    t(fu["created"]),
                ]
            )
        row.update(company=company_id, project=order.project.pk)
        row["token"] = self.token_field.get_db_prep_save(
            uuid.UUID(int=self.tokens.getrandbits(128), version=4), connection
        )
        row["sla_checkpoints"] = json.dumps(row["sla_checkpoints"])
        batch.orders.append([t(row.get(f)) if f in ORDER_TIMES else row.get(f, "") for f in ORDER_FIELDS])

    def record_last_dispatch(self) -> None:
        """Membership.last_dispatched_at, which the dispatch round-robin reads."""
        for user_id, ts in self.last_dispatch.items():
            Membership.objects.filter(company=self.company, user_id=user_id, role=Role.STAFF).update(
                last_dispatched_at=dt.datetime.fromtimestamp(ts, dt.UTC)
            )

    #
    # Where and who
    #
    def _place(self, rng: random.Random, project: Project, kind: str, source: str) -> dict[str, Any]:
        units, buildings = self.places[project.pk]
        place = {"unit": None, "building": None, "location": "", "resident": None, "contact_name": ""}
        place["contact_phone"] = ""
        if units and rng.random() < UNIT_SHARE[kind]:
            unit_id, building_id, resident = units[int(rng.random() * len(units))]
            place.update(unit=unit_id, building=building_id)
            if resident is not None and source not in (Source.STAFF, Source.INSPECTION):
                place.update(resident=resident[0], contact_name=resident[1], contact_phone=resident[2])
        elif buildings:
            place.update(building=buildings[int(rng.random() * len(buildings))], location=rng.choice(SPOTS))
        return place

    def _reporter(self, rng: random.Random, staff: ProjectStaff, source: str, category: Category) -> int | None:
        if source == Source.OWNER_APP:
            return None  # the owner's account: gen_scale's owners have none
        if source == Source.INSPECTION:
            return staff.worker(DepartmentKind.QUALITY, rng)[0]
        if source == Source.STAFF:
            return staff.worker(self.categories.department_kind[category.pk], rng)[0]
        return staff.worker(DepartmentKind.CUSTOMER_SERVICE, rng)[0]


#
# Lookups, made once
#
def _places(company: Company) -> dict[int, tuple[list, list]]:
    """Per project: units as (id, building id, (resident id, name, phone) or None), and building ids."""
    links = UnitResident.objects.filter(company=company).order_by("id")
    residents = {
        unit_id: (resident_id, name, phone)
        for unit_id, resident_id, name, phone in links.values_list(
            "unit_id", "resident_id", "resident__name", "resident__phone"
        )
    }
    places: dict[int, tuple[list, list]] = defaultdict(lambda: ([], []))
    units = Unit.objects.filter(company=company).order_by("id").values_list("id", "project_id", "building_id")
    for unit_id, project_id, building_id in units:
        places[project_id][0].append((unit_id, building_id, residents.get(unit_id)))
    buildings = Building.objects.filter(company=company).order_by("id").values_list("id", "project_id")
    for building_id, project_id in buildings:
        places[project_id][1].append(building_id)
    return places


class CategoryChoices(dict):
    """Per kind, the categories an order can get (leaves) by weight; ``department_kind`` by category id."""

    department_kind: dict[int, str]


def _categories(company: Company) -> CategoryChoices:
    rows = list(Category.objects.filter(company=company, is_active=True).select_related("parent").order_by("id"))
    parents = {c.parent_id for c in rows if c.parent_id}
    weights: dict[str, dict[Category, float]] = defaultdict(dict)
    choices = CategoryChoices()
    choices.department_kind = {}
    for c in rows:
        # as dispatch_department does: the category's department kind, else its parent's
        choices.department_kind[c.pk] = c.department_kind or (c.parent.department_kind if c.parent_id else "")
        if c.pk not in parents:
            weights[c.kind][c] = CATEGORY_WEIGHT[c.priority_hint]
    choices.update({kind: Weighted(w) for kind, w in weights.items()})
    return choices


def _policies(company: Company) -> dict[tuple[str, str, str], tuple[int | None, str, dict]]:
    """(kind, priority, service level) → (policy id, clock, limits), as services.sla.sla_plan picks them."""
    policies = list(SlaPolicy.objects.filter(company=company))
    found = {}
    for kind, priority, level in itertools.product(Kind.values, Priority.values, ServiceLevel.values):
        rows = [p for p in policies if (p.kind, p.priority) == (kind, priority) and p.service_level in (level, "")]
        policy = max(rows, key=lambda p: p.service_level == level, default=None)
        clock = SlaClock.ROUND_THE_CLOCK if priority in ROUND_THE_CLOCK_PRIORITIES else SlaClock.BUSINESS
        if policy is not None and policy.clock == SlaClock.ROUND_THE_CLOCK:
            clock = SlaClock.ROUND_THE_CLOCK
        limits = {t: policy.minutes(t) for t in TARGETS} if policy else {}
        found[(kind, priority, level)] = (policy.pk if policy else None, clock, limits)
    return found


@lru_cache(maxsize=4096)
def _keywords(kind: str, priority: str, title: str, description: str, location: str) -> dict[str, Any]:
    """What workorder_create's keyword step makes of this text (few distinct texts, so cached)."""
    from workorders.services.orders import _apply_keywords

    draft = WorkOrder(kind=kind, priority=priority, title=title, description=description, location=location)
    event = _apply_keywords(draft)
    fields = {
        "priority": draft.priority,
        "is_life_safety": draft.is_life_safety,
        "is_escalated": draft.is_escalated,
        "keyword_hits": json.dumps(draft.keyword_hits),
    }
    return {"fields": fields, "event": event}


#
# Small helpers
#
def _met_times(steps: list[Step]) -> dict[str, int]:
    """When each target stopped counting: met by a status, or all of them when the order ended."""
    met: dict[str, int] = {}
    for s in steps:
        if s.changes_status:
            targets = TARGETS if s.to_status in ENDING_STATUSES else MET_BY_STATUS.get(s.to_status, ())
            for target in targets:
                met.setdefault(target, s.at)
    return met


def _status_at(steps: list[Step], at: int) -> str:
    status = Status.SUBMITTED
    for s in steps:
        if s.at > at:
            break
        status = s.to_status or status
    return status


def _worst_per_target(points: list[tuple[str, int, int]]) -> list[tuple[str, int, int]]:
    worst: dict[str, tuple[str, int, int]] = {}
    for p in points:
        if p[0] not in worst or p[1] > worst[p[0]][1]:
            worst[p[0]] = p
    return list(worst.values())


def _time_adapter() -> Callable[[int | None], Any]:
    """Epoch seconds → the DB value of a DateTimeField, as ``adapt_datetimefield_value`` gives it, but
    about ten times faster (it runs for every timestamp of every generated row)."""
    if connection.vendor == "sqlite":
        days: dict[int, str] = {}

        def adapt(ts: int | None) -> str | None:
            if ts is None:
                return None
            day, second = divmod(ts, DAY)
            if day not in days:
                days[day] = dt.datetime.fromtimestamp(day * DAY, dt.UTC).strftime("%Y-%m-%d")
            return f"{days[day]} {second // HOUR:02d}:{second // MINUTE % 60:02d}:{second % MINUTE:02d}"
    else:

        def adapt(ts: int | None) -> dt.datetime | None:
            return None if ts is None else dt.datetime.fromtimestamp(ts, dt.UTC)

    sample = 1_700_000_000
    if adapt(sample) != connection.ops.adapt_datetimefield_value(dt.datetime.fromtimestamp(sample, dt.UTC)):
        raise ImproperlyConfigured(f"gen_scale cannot write {connection.vendor} timestamps; see _time_adapter")
    return adapt


def _iso(ts: int) -> str:
    return dt.datetime.fromtimestamp(ts, dt.UTC).isoformat()
