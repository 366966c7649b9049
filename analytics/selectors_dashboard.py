"""The quality dashboard (/analytics/): every figure of one page, company → project → department.

``dashboard(*, user, date_from, date_to, project=None, department=None)`` reads the roll-ups only
(never the orders, tasks or findings), in a fixed number of grouped queries whatever the number of
projects: one per roll-up table and grouping (the rows of the by-project / by-department /
by-person table, the trend), the hotspot tables, the inspection roll-up and the open alerts, plus
the labels. The view only renders what it returns.

Scope: the company view covers every project the user reads KPIs of (``analytics.view``); the
project view one project; the department view one department of it. Targets: a project's are its
service level's (``Kpi.targets``); the company's is the projects' own targets weighted by each
project's denominator (the figure the company reaches when every project just meets its own
target), level 2 when nothing was due. See docs/analytics.md, "Dashboard and hotspots".
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import Count, Q, QuerySet

from accounts.models import User
from analytics.kpis import HOUSEHOLDS, KPIS, Kpi
from analytics.models import FindingDaily, HotspotDaily, HourlyLoad, TaskDaily, WorkOrderDaily
from core.access import access_for, restrict
from core.choices import Perm, ServiceLevel
from core.models import Area, Building, Department, Project
from lib.figures import Rate

# The tiles, in the order shown: the main KPIs of DOMAIN §6.3 a quality manager watches daily.
TILES = (
    "repair_arrive_on_time",
    "repair_resolve_on_time",
    "repair_first_pass",
    "complaint_closure",
    "follow_up_satisfaction",
    "plan_completion",
    "patrol_coverage",
    "rectification_on_time",
)
# Smaller figures under the tiles.
SECONDARY = (
    "repair_arrive_minutes",
    "repair_complete_minutes",
    "repair_rework",
    "repair_first_visit",
    "complaint_on_time",
    "repeat_complaints",
    "valid_complaints",
    "follow_up_rate",
    "average_rating",
    "task_on_time",
    "rectification_rate",
)
# Trend lines (with their target) and the columns of the by-project table.
TRENDS = (
    "repair_arrive_on_time",
    "repair_resolve_on_time",
    "follow_up_satisfaction",
    "plan_completion",
    "patrol_coverage",
    "rectification_on_time",
)
TABLE_KPIS = (
    "repair_arrive_on_time",
    "repair_resolve_on_time",
    "complaint_closure",
    "follow_up_satisfaction",
    "plan_completion",
    "patrol_coverage",
    "rectification_on_time",
)
# Ranges up to this many days are drawn by day, longer ones by month.
DAILY_UP_TO = 62
# The longest range the page reads (three years by month).
MAX_DAYS = 3 * 366
TOP_CATEGORIES = 10
TOP_PLACES = 12
TOP_REPEATS = 10
LATEST_ALERTS = 6
# The busiest (place, category) groups read for the heat map, of which the top places and categories are drawn.
MAX_PLACE_ROWS = 2000
SLA_COLUMNS = (
    "reported",
    "arrive_due",
    "arrive_on_time",
    "resolve_due",
    "resolve_on_time",
    "arrived",
    "arrive_minutes",
)
ROW_KEY = {"company": "project_id", "project": "department_id", "department": "person_id"}
ALL = object()  # every group (a group key may itself be None: no department, nobody assigned)


@dataclass
class Figure:
    """One KPI over one scope: its Rate, the target it is held to and whether it meets it."""

    kpi: Kpi
    rate: Rate
    target: float | None = None  # a fraction for %, else in the KPI's unit

    @property
    def code(self) -> str:
        return self.kpi.code

    @property
    def value(self) -> float | None:
        """The figure as shown: percent, per 1,000 households, stars or minutes."""
        return self.kpi.display(self.rate.rate)

    @property
    def target_value(self) -> float | None:
        return self.kpi.display(self.target)

    @property
    def ok(self) -> bool | None:
        """True when the figure meets its target, False when it misses, None when either is unknown."""
        return self.kpi.meets(self.rate.rate, self.target)


@dataclass
class Scope:
    level: str  # company, project or department
    date_from: dt.date
    date_to: dt.date
    grain: str  # day or month
    project: Project | None = None
    department: Department | None = None
    projects: list[Project] = field(default_factory=list)  # visible, for the picker and the table

    def params(self) -> dict[str, Any]:
        """The query of this scope (for links): from, to, project, department."""
        params = {"from": self.date_from.isoformat(), "to": self.date_to.isoformat()}
        if self.project:
            params["project"] = self.project.pk
        if self.department:
            params["department"] = self.department.pk
        return params


def default_period(today: dt.date) -> tuple[dt.date, dt.date]:
    """This month: its first day to today."""
    return today.replace(day=1), today


#
# The selector
#
def dashboard(
    *,
    user: User,
    date_from: dt.date,
    date_to: dt.date,
    project: Project | None = None,
    department: Department | None = None,
) -> dict[str, Any]:
    """Every figure of the dashboard for ``user`` over ``date_from``..``date_to`` (local days).

    PermissionDenied without ``analytics.view`` or for a project the user may not read; ValueError
    for a reversed or too long range, or a department outside the project."""
    scope = _scope(user, date_from, date_to, project, department)
    row_key = ROW_KEY[scope.level]
    rows = _Reader(scope)
    buckets = _buckets(scope)

    orders = rows.sums(WorkOrderDaily, row_key, _columns(WorkOrderDaily, SLA_COLUMNS))
    tasks = rows.sums(TaskDaily, row_key, _columns(TaskDaily))
    findings = rows.sums(FindingDaily, row_key, _columns(FindingDaily))
    by_row = {WorkOrderDaily: orders, TaskDaily: tasks, FindingDaily: findings}
    trend_sums = {
        table: rows.sums(table, "bucket", _columns(table, ("reported",) if table is WorkOrderDaily else ()))
        for table in (WorkOrderDaily, TaskDaily, FindingDaily)
    }

    projects = {p.pk: p for p in scope.projects}
    in_scope = [scope.project] if scope.project else scope.projects
    households = {p.pk: p.households for p in in_scope} if scope.level != "department" else {}
    totals = {
        code: _figure(KPIS[code], by_row, row_key, ALL, scope, projects, households) for code in (*TILES, *SECONDARY)
    }

    top = _top_categories(rows)
    places = _places(rows)
    repeats = _repeats(rows, projects)
    _name_hotspots(top, places, repeats)
    departments = list(scope.project.departments.order_by("name")) if scope.project else []
    return {
        "scope": scope,
        "tiles": [totals[c] for c in TILES],
        "secondary": [totals[c] for c in SECONDARY],
        "trend": _trend(scope, buckets, trend_sums, totals),
        "sla": _sla(orders),
        "patrol": _patrol(tasks),
        "inspection": _inspection(user, scope),
        "top_categories": top,
        "places": places,
        "hours": _hours(rows),
        "repeats": repeats,
        "alerts": _alerts(user, scope),
        "rows": _table(scope, by_row, row_key, projects, households, departments),
        "departments": departments,
    }


def _scope(user, date_from, date_to, project, department) -> Scope:
    access = access_for(user)
    if not (access.is_superuser or access.has(Perm.KPI_VIEW)):
        raise PermissionDenied
    if date_from > date_to:
        raise ValueError("date_from is after date_to")
    if (date_to - date_from).days + 1 > MAX_DAYS:
        raise ValueError(f"at most {MAX_DAYS} days")
    if department is not None and project is None:
        project = department.project
    if department is not None and department.project_id != project.pk:
        raise ValueError("the department is not one of the project's")
    visible = list(
        restrict(Project.objects.all(), user, Perm.KPI_VIEW, project_field="id")
        .filter(is_active=True)
        .order_by("name", "pk")
    )
    if project is not None and project.pk not in {p.pk for p in visible}:
        raise PermissionDenied
    level = "department" if department else "project" if project else "company"
    grain = "day" if (date_to - date_from).days < DAILY_UP_TO else "month"
    return Scope(level, date_from, date_to, grain, project, department, visible)


class _Reader:
    """Grouped sums of the roll-up tables over the scope, in plain SQL: the filter is the visible
    projects' ids (the same rows ``restrict(..., analytics.view)`` lets through: the projects come
    from it), their companies (for the (company, day) index), the period and the department. Plain
    SQL because these are the page's widest reads and the ORM's compiling cost more than the queries."""

    def __init__(self, scope: Scope) -> None:
        projects = [scope.project] if scope.project else scope.projects
        self.project_ids = sorted(p.pk for p in projects)
        company_ids = sorted({p.company_id for p in projects})
        self.grain = scope.grain
        quote = connection.ops.quote_name
        where = [f"{quote('day')} >= %s", f"{quote('day')} <= %s"]
        self.params: list[Any] = [scope.date_from, scope.date_to]
        where.append(f"{quote('company_id')} IN ({', '.join(['%s'] * len(company_ids))})")
        self.params += company_ids
        where.append(f"{quote('project_id')} IN ({', '.join(['%s'] * len(self.project_ids))})")
        self.params += self.project_ids
        if scope.department:
            where.append(f"{quote('department_id')} = %s")
            self.params.append(scope.department.pk)
        self.where = " AND ".join(where)

    def select(self, table, keys: list[str], sums: list[str], *, extra: str = "", tail: str = "") -> list[tuple]:
        """Rows of (keys…, SUM(sums)…) grouped by ``keys``; ``extra`` adds a condition, ``tail`` an ORDER/LIMIT."""
        if not self.project_ids:
            return []
        quote = connection.ops.quote_name
        columns = ", ".join(quote(k) for k in keys)
        totals = ", ".join(f"SUM({quote(c)})" for c in sums)
        sql = (
            f"SELECT {columns}, {totals} FROM {quote(table._meta.db_table)} "
            f"WHERE {self.where}{' AND ' + extra if extra else ''} GROUP BY {columns} {tail}"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, self.params)
            return cursor.fetchall()

    def sums(self, table, key: str, columns: list[str]) -> "Sums":
        """{(group value, kind): {column: sum}}; ``key`` "bucket" groups by day (months summed here)."""
        by_day = key == "bucket"
        rows = self.select(table, ["day" if by_day else key, "kind"], columns)
        out: dict[tuple, dict] = {}
        for group, kind, *values in rows:
            if by_day:
                group = _as_date(group)
                group = group.replace(day=1) if self.grain == "month" else group
            row = out.get((group, kind))
            if row is None:
                out[(group, kind)] = {c: int(v or 0) for c, v in zip(columns, values, strict=True)}
            else:
                for c, v in zip(columns, values, strict=True):
                    row[c] += int(v or 0)
        return Sums(out)


def _columns(table, extra=()) -> list[str]:
    return sorted(
        {c for k in KPIS.values() if k.table is table for c in (*k.numerator, *k.denominator) if c != HOUSEHOLDS}
        | set(extra)
    )


class Sums(dict):
    """{(group, kind): {column: sum}} with an index by group, so a group's figure reads its own rows."""

    def __init__(self, rows: dict) -> None:
        super().__init__(rows)
        self.by_group: dict[Any, list[tuple[str, dict]]] = defaultdict(list)
        for (group, kind), row in rows.items():
            self.by_group[group].append((kind, row))

    def of(self, group):
        """(kind, row) pairs of ``group``, or of every group (ALL)."""
        if group is ALL:
            return ((kind, row) for (_g, kind), row in self.items())
        return iter(self.by_group.get(group, ()))


def _as_date(value):
    if isinstance(value, str):  # SQLite hands plain SQL dates back as text
        return dt.date.fromisoformat(value[:10])
    return value.date() if isinstance(value, dt.datetime) else value


def _buckets(scope: Scope) -> list[dt.date]:
    if scope.grain == "day":
        return [scope.date_from + dt.timedelta(days=n) for n in range((scope.date_to - scope.date_from).days + 1)]
    months, month = [], scope.date_from.replace(day=1)
    while month <= scope.date_to:
        months.append(month)
        month = (month + dt.timedelta(days=32)).replace(day=1)
    return months


#
# Figures and targets
#
def _sum(kpi: Kpi, sums: "Sums", group) -> tuple[int, int]:
    """(numerator, denominator) of ``kpi`` over the rows of ``group`` (ALL: every group)."""
    num = den = 0
    for kind, row in sums.of(group):
        if kpi.kinds and kind not in kpi.kinds:
            continue
        num += sum(row[c] for c in kpi.numerator)
        den += sum(row[c] for c in kpi.denominator if c != HOUSEHOLDS)
    return num, den


def _level_target(kpi: Kpi, project: Project | None) -> float | None:
    return kpi.target(project.service_level if project else ServiceLevel.LEVEL_2)


def _figure(kpi, by_row, row_key, group, scope, projects, households) -> Figure:
    sums = by_row[kpi.table]
    num, den = _sum(kpi, sums, group)
    if HOUSEHOLDS in kpi.denominator:
        if row_key == "project_id" and group is not ALL:
            den = households.get(group, 0)
        elif group is ALL:
            den = sum(households.values())
        else:
            den = 0  # per department or person: no households
    rate = Rate({} if group is ALL else {row_key[:-3]: group}, num, den)
    if scope.project is not None:
        target = _level_target(kpi, scope.project)
    elif group is not ALL:
        target = _level_target(kpi, projects.get(group))
    else:
        target = _weighted_target(kpi, sums, projects, households)
    return Figure(kpi, rate, target)


def _weighted_target(kpi: Kpi, sums, projects: dict[int, Project], households) -> float | None:
    """The projects' own targets weighted by their denominators; level 2 when nothing was due."""
    weight = total = 0.0
    for pk, project in projects.items():
        target = _level_target(kpi, project)
        if target is None:
            continue
        den = households.get(pk, 0) if HOUSEHOLDS in kpi.denominator else _sum(kpi, sums, pk)[1]
        weight += den
        total += den * target
    return round(total / weight, 6) if weight else _level_target(kpi, None)


#
# Sections
#
def _trend(scope: Scope, buckets, sums, totals) -> dict[str, Any]:
    series = {}
    for code in TRENDS:
        kpi = KPIS[code]
        values = []
        for bucket in buckets:
            num, den = _sum(kpi, sums[kpi.table], bucket)
            values.append(Rate({"bucket": bucket}, num, den))
        series[code] = {"kpi": kpi, "rates": values, "target": totals[code].target}
    volume: dict[str, list[int]] = defaultdict(lambda: [0] * len(buckets))
    index = {b: n for n, b in enumerate(buckets)}
    for (bucket, kind), row in sums[WorkOrderDaily].items():
        if bucket in index and row["reported"]:
            volume[kind][index[bucket]] += row["reported"]
    return {"buckets": buckets, "grain": scope.grain, "series": series, "volume": dict(sorted(volume.items()))}


def _sla(orders) -> list[dict[str, Any]]:
    """SLA compliance per order kind: on site and completed on time, average response."""
    by_kind: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(SLA_COLUMNS, 0))
    for (_key, kind), row in orders.items():
        for c in SLA_COLUMNS:
            by_kind[kind][c] += row[c]
    out = []
    for kind, row in sorted(by_kind.items(), key=lambda kv: -kv[1]["reported"]):
        if not any(row.values()):
            continue
        out.append(
            {
                "kind": kind,
                **row,
                "arrive": Rate({"kind": kind}, row["arrive_on_time"], row["arrive_due"]),
                "resolve": Rate({"kind": kind}, row["resolve_on_time"], row["resolve_due"]),
                "minutes": round(row["arrive_minutes"] / row["arrived"]) if row["arrived"] else None,
            }
        )
    return out


def _patrol(tasks) -> list[dict[str, Any]]:
    """Per plan kind: check-ins on time ÷ required (patrol coverage) and tasks completed ÷ due."""
    by_kind: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for (_key, kind), row in tasks.items():
        for c, v in row.items():
            by_kind[kind][c] += v
    return [
        {
            "kind": kind,
            "coverage": Rate({"kind": kind}, row["on_time_checkins"], row["required_checkins"]),
            "completion": Rate({"kind": kind}, row["completed"], row["due"]),
            "missed": row["missed"],
        }
        for kind, row in sorted(by_kind.items())
        if row["due"] or row["required_checkins"]
    ]


def _inspection(user, scope: Scope) -> dict[str, Any]:
    """Inspection scores of the months the period touches (inspections' own roll-up, whole months)."""
    from inspections.selectors import scores

    projects = [scope.project.pk] if scope.project else [p.pk for p in scope.projects]
    common = {"user": user, "date_from": scope.date_from, "date_to": scope.date_to, "projects": projects}
    if scope.department:
        kinds = [scope.department.kind]
        by_group = scores(group_by="department", department_kinds=kinds, **common)
        trend = scores(group_by=("department", "period"), department_kinds=kinds, **common)
    else:
        by_group = scores(group_by="project", **common)
        trend = scores(group_by="period", **common)
    rounds = sum(f.rounds for f in by_group)
    achieved = sum((f.achieved for f in by_group), Decimal(0))
    possible = sum((f.possible for f in by_group), Decimal(0))
    from inspections.scoring import percent

    return {
        "score": percent(achieved, possible),
        "rounds": rounds,
        "findings": sum(f.findings for f in by_group),
        "by_project": {f.group.get("project_id"): f for f in by_group if "project_id" in f.group},
        "trend": [(f.group["period"], f.score) for f in sorted(trend, key=lambda f: f.group["period"])],
    }


def _top_categories(rows: _Reader) -> list[dict[str, Any]]:
    found = rows.select(
        HotspotDaily,
        ["category_id"],
        ["reported", "complaints", "repeats"],
        tail=f"ORDER BY 2 DESC, 1 LIMIT {TOP_CATEGORIES}",
    )
    return [
        {"category_id": c, "reported": int(n), "complaints": int(complaints), "repeats": int(repeats)}
        for c, n, complaints, repeats in found
    ]


def _place_label(building: str | None, area: str | None) -> str | None:
    if building and area:
        return f"{building} · {area}"
    return area or building


def _places(rows: _Reader) -> dict[str, Any]:
    """Building / public area × category: the busiest places and categories (one grouped query)."""
    found = rows.select(
        HotspotDaily,
        ["building_id", "area_id", "category_id"],
        ["reported"],
        tail=f"ORDER BY 4 DESC LIMIT {MAX_PLACE_ROWS}",
    )
    rows = [{"building_id": b, "area_id": a, "category_id": c, "n": int(n)} for b, a, c, n in found]
    place_totals: dict[tuple, int] = defaultdict(int)
    category_totals: dict[int | None, int] = defaultdict(int)
    for r in rows:
        place_totals[(r["building_id"], r["area_id"])] += r["n"]
        category_totals[r["category_id"]] += r["n"]
    places = sorted(place_totals, key=lambda p: (-place_totals[p], p[0] or 0, p[1] or 0))[:TOP_PLACES]
    categories = sorted(category_totals, key=lambda c: (-category_totals[c], c or 0))[:TOP_CATEGORIES]
    cells = [
        (categories.index(r["category_id"]), places.index((r["building_id"], r["area_id"])), r["n"], r)
        for r in rows
        if r["category_id"] in categories and (r["building_id"], r["area_id"]) in places
    ]
    return {
        "places": [{"building_id": b, "area_id": a} for b, a in places],
        "categories": [{"category_id": c} for c in categories],
        "cells": cells,
    }


def _hours(rows: _Reader) -> dict[str, Any]:
    """Orders reported by ISO weekday (1 = Monday) × local hour."""
    cells: dict[tuple[int, int], int] = defaultdict(int)
    for day, hour, n in rows.select(HourlyLoad, ["day", "hour"], ["reported"]):
        if n:
            cells[(int(hour), _as_date(day).isoweekday())] += int(n)
    return {"cells": sorted((h, w, n) for (h, w), n in cells.items()), "total": sum(cells.values())}


def _repeats(rows: _Reader, projects: dict[int, Project]) -> list[dict[str, Any]]:
    """The places and categories with the most repeated problems."""
    keys = ["project_id", "building_id", "area_id", "category_id", "kind"]
    found = rows.select(
        HotspotDaily,
        keys,
        ["repeats", "reported"],
        extra="repeats > 0",
        tail=f"ORDER BY 6 DESC, 7 DESC, 1, 4 LIMIT {TOP_REPEATS}",
    )
    out = []
    for *key, repeats, reported in found:
        row = dict(zip(keys, key, strict=True))
        out.append(
            {**row, "repeats": int(repeats), "reported": int(reported), "project": projects.get(row["project_id"])}
        )
    return out


def _name_hotspots(top: list[dict], places: dict, repeats: list[dict]) -> None:
    """Names of the categories, buildings and areas shown: one query per kind for all three parts."""
    from workorders.models import Category

    rows = [*top, *places["places"], *places["categories"], *repeats]
    wanted = {
        model: sorted({r[key] for r in rows if r.get(key)})
        for model, key in ((Category, "category_id"), (Building, "building_id"), (Area, "area_id"))
    }
    names = {
        model: dict(model.objects.filter(pk__in=ids).values_list("pk", "name")) if ids else {}
        for model, ids in wanted.items()
    }
    for r in rows:
        if "category_id" in r:
            r["name"] = r["category"] = names[Category].get(r["category_id"])
        if "building_id" in r:
            r["label"] = r["place"] = _place_label(names[Building].get(r["building_id"]), names[Area].get(r["area_id"]))


def _alerts(user, scope: Scope) -> dict[str, Any]:
    """Open (unresolved) alerts of the scope: counts by severity and project, and the latest."""
    from alerts.choices import OPEN_ALERT_STATUSES
    from alerts.selectors import alert_visible

    qs = alert_visible(user=user).filter(status__in=OPEN_ALERT_STATUSES)
    if scope.project:
        qs = qs.filter(project=scope.project)
    else:
        qs = qs.filter(
            Q(project__in=[p.pk for p in scope.projects])
            | Q(project__isnull=True, company_id__in={p.company_id for p in scope.projects})
        )
    counts = list(qs.order_by().values("project_id", "severity").annotate(n=Count("id")))
    by_severity: dict[str, int] = defaultdict(int)
    by_project: dict[int | None, int] = defaultdict(int)
    for r in counts:
        by_severity[r["severity"]] += r["n"]
        by_project[r["project_id"]] += r["n"]
    latest = list(qs.select_related("project", "rule").order_by("-last_seen_at", "-id")[:LATEST_ALERTS])
    return {
        "total": sum(by_severity.values()),
        "by_severity": dict(by_severity),
        "by_project": dict(by_project),
        "latest": latest,
    }


def _table(scope: Scope, by_row, row_key, projects, households, departments) -> list[dict[str, Any]]:
    """One row per project (company view), department (project view) or person (department view)."""
    keys = set()
    for sums in by_row.values():
        keys |= {key for key, _kind in sums}
    if scope.level == "company":
        keys |= set(projects)  # every project, even a quiet one
        labels = {pk: p.name for pk, p in projects.items()}
        objects = projects
    elif scope.level == "project":
        departments = {d.pk: d for d in departments}
        keys |= set(departments)
        labels = {pk: d.name for pk, d in departments.items()}
        objects = departments
    else:
        users = {u.pk: u for u in User.objects.filter(pk__in=[k for k in keys if k])}
        labels = {pk: u.name or u.username for pk, u in users.items()}
        objects = users
    rows = []
    for key in keys:
        figures = {code: _figure(KPIS[code], by_row, row_key, key, scope, projects, households) for code in TABLE_KPIS}
        reported = sum(row["reported"] for _kind, row in by_row[WorkOrderDaily].of(key))
        rows.append(
            {"key": key, "label": labels.get(key), "object": objects.get(key), "reported": reported, "figures": figures}
        )
    return sorted(rows, key=lambda r: (r["key"] is None, r["label"] or "", r["key"] or 0))


#
# Drill-down of the hotspot figures
#
HOTSPOT_FILTERS = ("building_id", "area_id", "category_id", "kind", "hour")


def hotspot_records(
    *,
    user: User,
    counter: str,
    date_from: dt.date,
    date_to: dt.date,
    project: Project | None = None,
    department: Department | None = None,
    filters: dict | None = None,
) -> QuerySet:
    """The orders behind a hotspot figure: ``counter`` (reported, repeats or complaints) over the
    period and scope, narrowed by ``filters`` (building_id, area_id, category_id, kind, hour; 0 or
    None means "none"; ``weekday`` 1–7 keeps those days). Restricted like the dashboard."""
    from analytics.services.rollup import counter_records

    scope = _scope(user, date_from, date_to, project, department)
    filters = dict(filters or {})
    weekday = filters.pop("weekday", None)
    by_hour = filters.get("hour") is not None or weekday is not None
    model = HourlyLoad if by_hour else HotspotDaily
    if by_hour and counter != "reported":
        raise ValueError("by weekday and hour only the reported orders")
    if counter not in ("reported", "repeats", "complaints"):
        raise ValueError(f"unknown counter {counter}")
    companies = {p.company_id: p.company for p in ([scope.project] if scope.project else scope.projects)}
    if len(companies) != 1:
        raise ValueError("name the project")
    (company,) = companies.values()
    days = _buckets(Scope("project", date_from, date_to, "day"))
    if weekday is not None:
        days = [d for d in days if d.isoweekday() == weekday]
    keys = {k: (v or None) if k != "kind" else v for k, v in filters.items() if k in HOTSPOT_FILTERS and k in filters}
    if "kind" in keys and not keys["kind"]:
        del keys["kind"]
    if scope.project:
        keys["project_id"] = scope.project.pk
    if scope.department:
        keys["department_id"] = scope.department.pk
    records = counter_records(company=company, model=model, counter=counter, days=days, filters=keys)
    if not scope.project:
        records = records.filter(project__in=[p.pk for p in scope.projects])
    return restrict(records, user, Perm.KPI_VIEW)
