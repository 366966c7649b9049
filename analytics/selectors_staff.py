"""Staff performance (员工绩效): per person (the assignee of the orders and tasks) over a period, read
from the daily roll-ups ``WorkOrderDaily`` and ``TaskDaily`` grouped by ``person``; a composite score,
a ranking and monthly service stars computed from them, never stored. See docs/staff_performance.md.

Who sees whom: ``analytics.view`` on a company shows everyone's figures in that company, on a
project the figures of that project's rows (project manager: his projects; supervisor: his
project). People without ``analytics.view`` who work in a company (the staff role) see their own
figures only, over all their companies, and no ranking. Nobody else sees anything.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Exists, F, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth, TruncWeek
from django.http import Http404

from accounts.models import User
from analytics.models import TaskDaily, WorkOrderDaily
from core.access import access_for, restrict
from core.choices import Perm
from core.models import Department, Membership, Project
from lib.figures import Rate

ORDER_COLUMNS = (
    "completed",
    "first_pass",
    "reopened",
    "arrive_due",
    "arrive_on_time",
    "resolve_due",
    "resolve_on_time",
    "ratings",
    "stars_sum",
    "low_ratings",
    "follow_ups_rated",
    "follow_ups_satisfied",
    "arrived",
    "arrive_minutes",
    "complete_minutes",
)
TASK_COLUMNS = ("due", "completed", "completed_on_time", "missed")

# The composite score: weights of the components (each 0…1); a component whose denominator is 0
# is left out and the others' weights are rescaled, so nobody is punished for work he had none of.
WEIGHTS = {
    "resolve_on_time": 25,
    "arrive_on_time": 20,
    "first_pass": 15,
    "rating": 15,
    "voice": 15,
    "tasks_on_time": 10,
}
# Ranked and starred only with this much work in the period (orders completed + tasks due).
MIN_VOLUME = 5
# Score thresholds of 5, 4, 3 and 2 stars; below the last, 1 star. A complaint caps the stars at 4.
STAR_THRESHOLDS = ((95, 5), (90, 4), (80, 3), (70, 2))
COMPLAINT_STAR_CAP = 4
PERIODS = {"day": F("day"), "week": TruncWeek("day"), "month": TruncMonth("day")}

SCOPE_ALL, SCOPE_SELF, SCOPE_NONE = "all", "self", "none"


@dataclass
class StaffFigures:
    """One person's (or one period's) sums and the figures derived from them."""

    person_id: int | None
    name: str = ""
    period: dt.date | None = None
    orders: dict[str, int] = field(default_factory=lambda: dict.fromkeys(ORDER_COLUMNS, 0))
    tasks: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TASK_COLUMNS, 0))
    rank: int | None = None

    def _rate(self, numerator: int, denominator: int) -> Rate:
        return Rate({}, numerator, denominator)

    # Orders
    @property
    def orders_done(self) -> int:
        return self.orders["completed"]

    @property
    def response_minutes(self) -> float | None:
        """Average minutes from report to first arrival on site (orders reached in the period)."""
        arrived = self.orders["arrived"]
        return round(self.orders["arrive_minutes"] / arrived, 1) if arrived else None

    @property
    def completion_hours(self) -> float | None:
        """Average hours from report to completion (orders completed in the period)."""
        done = self.orders["completed"]
        return round(self.orders["complete_minutes"] / done / 60, 1) if done else None

    @property
    def arrive_on_time(self) -> Rate:
        return self._rate(self.orders["arrive_on_time"], self.orders["arrive_due"])

    @property
    def resolve_on_time(self) -> Rate:
        return self._rate(self.orders["resolve_on_time"], self.orders["resolve_due"])

    @property
    def first_pass(self) -> Rate:
        return self._rate(self.orders["first_pass"], self.orders["completed"])

    @property
    def rework(self) -> Rate:
        """返修率: orders completed after a reopen ÷ orders completed."""
        return self._rate(self.orders["reopened"], self.orders["completed"])

    @property
    def ratings(self) -> int:
        return self.orders["ratings"]

    @property
    def average_rating(self) -> float | None:
        ratings = self.orders["ratings"]
        return round(self.orders["stars_sum"] / ratings, 2) if ratings else None

    @property
    def complaints(self) -> int:
        """Owners' complaints about his work: ratings of 2 stars or fewer plus follow-ups answered
        not satisfied (below 4) on his orders. Complaint-kind orders he handles are not his complaints."""
        return self.orders["low_ratings"] + self.orders["follow_ups_rated"] - self.orders["follow_ups_satisfied"]

    @property
    def voices(self) -> int:
        """Owners' judgements of his work: ratings and follow-ups with a satisfaction answer."""
        return self.orders["ratings"] + self.orders["follow_ups_rated"]

    # Tasks
    @property
    def tasks_due(self) -> int:
        return self.tasks["due"]

    @property
    def tasks_done(self) -> int:
        return self.tasks["completed"]

    @property
    def tasks_on_time(self) -> Rate:
        return self._rate(self.tasks["completed_on_time"], self.tasks["due"])

    # Score and stars
    @property
    def volume(self) -> int:
        return self.orders["completed"] + self.tasks["due"]

    def components(self) -> dict[str, float | None]:
        voices = self.voices
        average = self.average_rating
        return {
            "resolve_on_time": self.resolve_on_time.rate,
            "arrive_on_time": self.arrive_on_time.rate,
            "first_pass": self.first_pass.rate,
            "rating": (average - 1) / 4 if average is not None else None,
            "voice": 1 - self.complaints / voices if voices else None,
            "tasks_on_time": self.tasks_on_time.rate,
        }

    @property
    def score(self) -> float | None:
        """0–100: the weighted mean of the components present (see WEIGHTS); None with none."""
        present = {k: v for k, v in self.components().items() if v is not None}
        if not present:
            return None
        weight = sum(WEIGHTS[k] for k in present)
        return round(sum(WEIGHTS[k] * v for k, v in present.items()) * 100 / weight, 1)

    @property
    def rated(self) -> bool:
        return self.score is not None and self.volume >= MIN_VOLUME

    @property
    def stars(self) -> int | None:
        """Service stars 1–5 from the score (STAR_THRESHOLDS), at most 4 with a complaint; None when
        the period holds too little work (MIN_VOLUME) to judge."""
        if not self.rated:
            return None
        stars = next((n for threshold, n in STAR_THRESHOLDS if self.score >= threshold), 1)
        return min(stars, COMPLAINT_STAR_CAP) if self.complaints else stars


#
# Who sees whom
#
def staff_scope(user: User) -> str:
    """``all`` (reads KPIs somewhere), ``self`` (a member of a company without KPIs: his own figures)
    or ``none``."""
    access = access_for(user)
    if access.is_superuser or access.has(Perm.KPI_VIEW):
        return SCOPE_ALL
    return SCOPE_SELF if access.is_staff_member else SCOPE_NONE


def _rows(table, user: User) -> QuerySet:
    scope = staff_scope(user)
    if scope == SCOPE_ALL:
        return restrict(table.objects.all(), user, Perm.KPI_VIEW)
    if scope == SCOPE_SELF:
        return table.objects.filter(company_id__in=sorted(access_for(user).company_ids), person=user)
    return table.objects.none()


def staff_projects(user: User) -> QuerySet[Project]:
    """The projects whose staff figures ``user`` may filter by (none for a staff member's own view)."""
    if staff_scope(user) != SCOPE_ALL:
        return Project.objects.none()
    return restrict(Project.objects.all(), user, Perm.KPI_VIEW, project_field="id").order_by("name")


def staff_departments(user: User) -> QuerySet[Department]:
    return (
        Department.objects.filter(project__in=staff_projects(user))
        .select_related("project")
        .order_by("project__name", "name")
    )


def get_staff_person_for_user(user: User, pk) -> User:
    """The person whose figures ``user`` may open: himself, someone with a role in a company or
    project where ``user`` reads KPIs, or someone with work in the roll-up rows ``user`` reads (a
    company-wide technician in a project manager's project). 404 otherwise (missing and not
    visible alike)."""
    scope = staff_scope(user)
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404 from None
    if scope == SCOPE_NONE or (scope == SCOPE_SELF and pk != user.pk):
        raise Http404
    people = User.objects.filter(pk=pk)
    if scope == SCOPE_ALL and pk != user.pk and not access_for(user).is_superuser:
        memberships = Membership.objects.filter(access_for(user).q(Perm.KPI_VIEW), user_id=pk)
        worked = Q(Exists(memberships))
        for table in (WorkOrderDaily, TaskDaily):
            worked |= Q(Exists(_rows(table, user).filter(person_id=pk)))
        people = people.filter(worked)
    person = people.first()
    if person is None:
        raise Http404
    return person


#
# Figures
#
def _filtered(qs, *, date_from, date_to, project, department, person):
    qs = qs.filter(day__gte=date_from, day__lte=date_to, person__isnull=False)
    if project is not None:
        qs = qs.filter(project=project)
    if department is not None:
        qs = qs.filter(department=department)
    if person is not None:
        qs = qs.filter(person=person)
    return qs.order_by()


def _sums(qs, columns, period: str | None) -> dict[tuple, dict[str, int]]:
    names = ["person_id"]
    if period is not None:
        qs = qs.annotate(period=PERIODS[period])
        names.append("period")
    rows = qs.values(*names).annotate(**{f"sum_{c}": Sum(c) for c in columns})
    return {tuple(_date(row[n]) for n in names): {c: row[f"sum_{c}"] or 0 for c in columns} for row in rows}


def _date(value):
    # TruncWeek/TruncMonth of a DateField give dates on PostgreSQL and SQLite alike; keep them dates.
    return value.date() if isinstance(value, dt.datetime) else value


def _figures(*, user, date_from, date_to, project=None, department=None, person=None, period=None) -> dict:
    span = {
        "date_from": date_from,
        "date_to": date_to,
        "project": project,
        "department": department,
        "person": person,
    }
    orders = _sums(_filtered(_rows(WorkOrderDaily, user), **span), ORDER_COLUMNS, period)
    tasks = _sums(_filtered(_rows(TaskDaily, user), **span), TASK_COLUMNS, period)
    out: dict[tuple, StaffFigures] = {}
    for key in {*orders, *tasks}:
        figures = StaffFigures(person_id=key[0], period=key[1] if period else None)
        figures.orders.update(orders.get(key, {}))
        figures.tasks.update(tasks.get(key, {}))
        out[key] = figures
    return out


def staff_performance(
    *,
    user: User,
    date_from: dt.date,
    date_to: dt.date,
    project: Project | None = None,
    department: Department | None = None,
) -> list[StaffFigures]:
    """Everyone ``user`` may see who was assigned work in ``date_from``..``date_to`` (optionally of
    one project or department), ranked: best score first among those with at least MIN_VOLUME of
    work (``rank`` 1, 2, …; equal scores share a rank), then the others (``rank`` None) by name.
    A staff member's own view is never ranked. Three queries: two aggregates and the names."""
    figures = list(
        _figures(user=user, date_from=date_from, date_to=date_to, project=project, department=department).values()
    )
    names = (
        dict(User.objects.filter(pk__in=[f.person_id for f in figures]).values_list("pk", "name")) if figures else {}
    )
    for f in figures:
        f.name = names.get(f.person_id) or str(f.person_id)
    ranked = sorted((f for f in figures if f.rated), key=lambda f: (-f.score, -f.volume, f.name))
    others = sorted((f for f in figures if not f.rated), key=lambda f: f.name)
    if staff_scope(user) == SCOPE_ALL:
        previous, rank = None, 0
        for position, f in enumerate(ranked, start=1):
            if f.score != previous:
                rank, previous = position, f.score
            f.rank = rank
    return ranked + others


def staff_trend(
    *,
    user: User,
    person: User,
    date_from: dt.date,
    date_to: dt.date,
    period: str = "month",
    project: Project | None = None,
    department: Department | None = None,
) -> list[StaffFigures]:
    """One person's figures per ``period`` (day, week or month: its first day in ``period``) over
    ``date_from``..``date_to``, every period present (empty ones with zeros), oldest first; only the
    rows ``user`` may see. Call ``get_staff_person_for_user`` first."""
    if period not in PERIODS:
        raise ValueError(f"period must be one of {list(PERIODS)}")
    found = _figures(
        user=user,
        date_from=date_from,
        date_to=date_to,
        project=project,
        department=department,
        person=person,
        period=period,
    )
    by_period = {key[1]: f for key, f in found.items()}
    out = []
    for start in period_starts(date_from, date_to, period):
        f = by_period.get(start) or StaffFigures(person_id=person.pk, period=start)
        f.name = person.name
        out.append(f)
    return out


def staff_total(*, person: User, trend: list[StaffFigures]) -> StaffFigures:
    """The sum of a person's periods (the figures of the whole range)."""
    total = StaffFigures(person_id=person.pk, name=person.name)
    for f in trend:
        for column in ORDER_COLUMNS:
            total.orders[column] += f.orders[column]
        for column in TASK_COLUMNS:
            total.tasks[column] += f.tasks[column]
    return total


def period_starts(date_from: dt.date, date_to: dt.date, period: str) -> list[dt.date]:
    if period == "day":
        return [date_from + dt.timedelta(days=n) for n in range((date_to - date_from).days + 1)]
    if period == "week":
        start = date_from - dt.timedelta(days=date_from.weekday())
        return [start + dt.timedelta(weeks=n) for n in range((date_to - start).days // 7 + 1)]
    starts, month = [], date_from.replace(day=1)
    while month <= date_to:
        starts.append(month)
        month = (month + dt.timedelta(days=32)).replace(day=1)
    return starts
