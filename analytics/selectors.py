"""Reads of the analytics domain: KPI figures from the daily roll-ups (never the raw history) and
the records behind a figure.

Who sees what: ``analytics.view`` (Perm.KPI_VIEW) on a company shows all its projects, on a project
that project only; rows of other companies never match (core.access.restrict).
"""

import datetime as dt
from collections import defaultdict

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet, Sum
from django.db.models.functions import TruncMonth, TruncWeek, TruncYear

from accounts.models import User
from analytics.kpis import HOUSEHOLDS, KPIS, Kpi
from core.access import access_for, restrict
from core.choices import Perm
from core.models import Company, Project
from lib.figures import Rate

GROUPS = {
    None: {},
    "project": {"project_id": "project_id"},
    "department": {"department_id": "department_id"},
    "person": {"person_id": "person_id"},
    "day": {"day": "day"},
    "week": {"week": TruncWeek("day")},
    "month": {"month": TruncMonth("day")},
    "year": {"year": TruncYear("day")},
}


def _group_value(value):
    # TruncWeek/TruncMonth of a DateField give dates on PostgreSQL and SQLite alike; keep them dates.
    return value.date() if isinstance(value, dt.datetime) else value


def kpi_values(
    *,
    user: User,
    kpis: list[str],
    date_from: dt.date,
    date_to: dt.date,
    group_by: str | None = None,
    project: Project | None = None,
) -> dict[str, list[Rate]]:
    """code → one Rate per group (sorted by group) for the days ``date_from``..``date_to``.

    One aggregate query per roll-up table involved. With no group a KPI always has one Rate (rate
    None when nothing was due); with a group, only groups where something counted. A per-1,000-households
    KPI's Rate is valid complaints ÷ households (multiply by 1,000 to show it); its households are
    those of the visible projects (per project when grouped by project, none per department or person).
    """
    return _kpi_values(
        kpis=kpis,
        date_from=date_from,
        date_to=date_to,
        group_by=group_by,
        rows=lambda table: restrict(table.objects.all(), user, Perm.KPI_VIEW),
        projects=restrict(Project.objects.all(), user, Perm.KPI_VIEW, project_field="id"),
        project=project,
    )


def project_kpi_values(
    *, project: Project, kpis: list[str], date_from: dt.date, date_to: dt.date, group_by: str | None = None
) -> dict[str, list[Rate]]:
    """``kpi_values`` of one project with no user check: for what the project publishes (the owner
    board) and for callers that have checked access themselves (reports). Same figures, same shape."""
    return _kpi_values(
        kpis=kpis,
        date_from=date_from,
        date_to=date_to,
        group_by=group_by,
        rows=lambda table: table.objects.filter(company_id=project.company_id),
        projects=Project.objects.filter(pk=project.pk),
        project=project,
    )


def company_kpi_values(
    *, company: Company, kpis: list[str], date_from: dt.date, date_to: dt.date, group_by: str | None = None
) -> dict[str, list[Rate]]:
    """``kpi_values`` of every project of ``company`` with no user check: for callers that checked
    company-wide access themselves (company reports). Same figures, same shape."""
    return _kpi_values(
        kpis=kpis,
        date_from=date_from,
        date_to=date_to,
        group_by=group_by,
        rows=lambda table: table.objects.filter(company_id=company.pk),
        projects=Project.objects.filter(company_id=company.pk),
        project=None,
    )


def _kpi_values(*, kpis, date_from, date_to, group_by, rows, projects, project) -> dict[str, list[Rate]]:
    if group_by not in GROUPS:
        raise ValueError(f"group_by must be one of {sorted(k for k in GROUPS if k)} or None")
    unknown = set(kpis) - set(KPIS)
    if unknown:
        raise ValueError(f"unknown KPIs: {sorted(unknown)}")
    wanted = [KPIS[code] for code in kpis]
    by_table: dict[type, list[Kpi]] = defaultdict(list)
    for kpi in wanted:
        by_table[kpi.table].append(kpi)
    sums: dict[type, dict[tuple, dict]] = {}
    for table, table_kpis in by_table.items():
        qs = rows(table).filter(day__gte=date_from, day__lte=date_to)
        if project is not None:
            qs = qs.filter(project=project)
        sums[table] = _sums(qs, table_kpis, group_by)
    households = _households(projects, group_by, project) if any(HOUSEHOLDS in k.denominator for k in wanted) else {}
    return {kpi.code: _rates(kpi, sums[kpi.table], group_by, households) for kpi in wanted}


def _sums(qs: QuerySet, kpis, group_by) -> dict[tuple, dict]:
    """(group key…, kind) → column sums."""
    columns = sorted({c for k in kpis for c in (*k.numerator, *k.denominator) if c != HOUSEHOLDS})
    group = GROUPS[group_by]
    qs = qs.order_by()
    if group:
        qs = qs.annotate(**{name: expr for name, expr in group.items() if not isinstance(expr, str)})
    names = list(group)
    rows = qs.values(*names, "kind").annotate(**{f"sum_{c}": Sum(c) for c in columns})
    return {
        (*(_group_value(row[n]) for n in names), row["kind"]): {c: row[f"sum_{c}"] or 0 for c in columns}
        for row in rows
    }


def _households(projects: QuerySet, group_by: str | None, project: Project | None) -> dict:
    if project is not None:
        projects = projects.filter(pk=project.pk)
    if group_by == "project":
        return {(pk,): n for pk, n in projects.values_list("pk", "households")}
    if group_by in ("department", "person"):
        return {}
    return {"all": sum(projects.values_list("households", flat=True))}


def _rates(kpi: Kpi, sums: dict[tuple, dict], group_by: str | None, households: dict) -> list[Rate]:
    names = list(GROUPS[group_by])
    totals: dict[tuple, list[int]] = {}
    for (*key, kind), row in sums.items():
        if kpi.kinds and kind not in kpi.kinds:
            continue
        total = totals.setdefault(tuple(key), [0, 0])
        total[0] += sum(row[c] for c in kpi.numerator)
        total[1] += sum(row[c] for c in kpi.denominator if c != HOUSEHOLDS)
    if HOUSEHOLDS in kpi.denominator:
        for key, total in totals.items():
            total[1] = households.get(key, 0) if group_by == "project" else households.get("all", 0)
    if not names:
        total = totals.get((), [0, households.get("all", 0) if HOUSEHOLDS in kpi.denominator else 0])
        return [Rate({}, total[0], total[1])]
    ordered = sorted((k for k, t in totals.items() if any(t)), key=lambda k: tuple((v is None, v) for v in k))
    return [Rate(dict(zip(names, key, strict=True)), *totals[key]) for key in ordered]


#
# Drill-down
#
PARTS = ("numerator", "denominator")
# Where a source row's project is, for the access filter.
PROJECT_FIELD = {"FollowUp": "order__project", "Rating": "order__project"}


def kpi_drilldown(*, user: User, kpi: str, part: str = "numerator", filters: dict) -> QuerySet | None:
    """The records behind the numerator or the denominator of ``kpi`` (what the figure counts).

    ``filters``: date_from and date_to (required), and optionally company_id, project_id,
    department_id, person_id. The company defaults to the project's, or the only company where the
    user reads KPIs. Records are restricted like the figures; None for a denominator that is not
    made of records (households). PermissionDenied for users without ``analytics.view``."""
    if kpi not in KPIS or part not in PARTS:
        raise ValueError(f"unknown KPI or part: {kpi} {part}")
    access = access_for(user)
    if not (access.is_superuser or access.has(Perm.KPI_VIEW)):
        raise PermissionDenied
    company = _company_for(user, filters)
    keys = {k: filters[k] for k in ("project_id", "department_id", "person_id") if filters.get(k) is not None}
    numerator, denominator = KPIS[kpi].drilldown(company, keys, (filters["date_from"], filters["date_to"]))
    records = numerator if part == "numerator" else denominator
    if records is None:
        return None
    field = PROJECT_FIELD.get(records.model.__name__, "project")
    return restrict(records, user, Perm.KPI_VIEW, project_field=field)


def _company_for(user: User, filters: dict) -> Company:
    if filters.get("company_id"):
        company_id = filters["company_id"]
    elif filters.get("project_id"):
        company_id = Project.objects.filter(pk=filters["project_id"]).values_list("company_id", flat=True).first()
    else:
        access = access_for(user)
        ids = set(access.company_grants.get(Perm.KPI_VIEW, ()))
        ids |= set(
            Project.objects.filter(pk__in=access.project_grants.get(Perm.KPI_VIEW, ())).values_list(
                "company_id", flat=True
            )
        )
        company_id = ids.pop() if len(ids) == 1 else None
    company = Company.objects.filter(pk=company_id).first() if company_id else None
    if company is None:
        raise ValueError("name the company (company_id) or the project (project_id)")
    return company
