"""The figures of a report (monthly, half-year, quality-month campaign), read from the roll-ups.

``report_build`` checks access once, then reads with no further user check: the KPI library
(``analytics.selectors``), the inspection score roll-up and the alerts, a small fixed number of
grouped queries whatever the number of projects. What people wrote (``Report``) is attached.
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _
from django_scopes import scope

from accounts.models import User
from alerts.models import Alert
from analytics import selectors
from analytics.kpis import KPIS, Kpi
from analytics.report_models import Campaign, Comparison, Report, ReportKind
from core.access import access_for
from core.choices import Perm, ServiceLevel
from core.models import Company, Project
from inspections.selectors import scores
from lib.figures import Rate
from lib.months import add_months, month_end, month_start, months_between

# The KPIs a report shows, in this order (DOMAIN §6.3; the survey's 满意率 is not computable yet).
REPORT_KPIS = (
    "repair_arrive_on_time",
    "repair_resolve_on_time",
    "repair_first_pass",
    "repair_rework",
    "complaint_closure",
    "complaint_on_time",
    "repeat_complaints",
    "follow_up_rate",
    "follow_up_satisfaction",
    "average_rating",
    "plan_completion",
    "patrol_coverage",
    "rectification_on_time",
    "rectification_rate",
)
# The PDF's by-project table keeps to these (a company of 200 projects: 1,600 cells, not 3,000);
# the page and the workbook show every KPI.
PDF_PROJECT_KPIS = (
    "repair_arrive_on_time",
    "repair_resolve_on_time",
    "repair_first_pass",
    "complaint_closure",
    "follow_up_satisfaction",
    "plan_completion",
    "rectification_rate",
)
# The lines of the trend chart.
TREND_KPIS = ("repair_arrive_on_time", "follow_up_satisfaction", "plan_completion", "rectification_rate")
# A change smaller than this (in the KPI's unit) is neither a highlight nor a problem.
NOTABLE_CHANGE = 1.0


@dataclass
class KpiRow:
    """One KPI in a report: the period's value, the comparison period's, the target and the monthly trend."""

    code: str
    label: str
    unit: str
    higher_is_better: bool
    value: float | None
    numerator: int
    denominator: int
    previous: float | None
    target: float | None
    met: bool | None = None  # the rate against the target as computed (Kpi.meets), not as rounded for display
    trend: list[float | None] = field(default_factory=list)

    @property
    def change(self) -> float | None:
        if self.value is None or self.previous is None:
            return None
        return round(self.value - self.previous, 2)

    @property
    def shown(self) -> str:
        return fmt(self.value, self.unit)

    @property
    def previous_shown(self) -> str:
        return fmt(self.previous, self.unit)

    @property
    def target_shown(self) -> str:
        return fmt(self.target, self.unit)

    @property
    def change_shown(self) -> str:
        return signed(self.change)

    @property
    def improved(self) -> bool | None:
        if self.change is None or abs(self.change) < NOTABLE_CHANGE:
            return None
        return (self.change > 0) == self.higher_is_better


@dataclass
class GoalRow:
    """A campaign goal against its result: baseline and campaign values, the change, met or not."""

    kpi: str
    label: str
    unit: str
    comparison: str
    comparison_label: str
    goal: Decimal
    baseline: float | None
    result: float | None

    @property
    def change(self) -> float | None:
        if self.baseline is None or self.result is None:
            return None
        if self.comparison == Comparison.CHANGE_PCT:
            return round((self.result - self.baseline) * 100 / self.baseline, 2) if self.baseline else None
        if self.comparison == Comparison.CHANGE_POINTS:
            return round(self.result - self.baseline, 2)
        return None

    @property
    def goal_shown(self) -> str:
        if self.comparison == Comparison.CHANGE_PCT:
            return f"{signed(float(self.goal))} %"
        if self.comparison == Comparison.CHANGE_POINTS:
            return signed(float(self.goal))
        return fmt(float(self.goal), self.unit)

    @property
    def change_shown(self) -> str:
        change = signed(self.change)
        return f"{change} %" if self.comparison == Comparison.CHANGE_PCT and self.change is not None else change

    @property
    def met(self) -> bool | None:
        goal = float(self.goal)
        if self.comparison == Comparison.AT_LEAST:
            return None if self.result is None else self.result >= goal
        if self.comparison == Comparison.AT_MOST:
            return None if self.result is None else self.result <= goal
        change = self.change
        if change is None:
            return None
        return change >= goal if goal >= 0 else change <= goal


@dataclass
class ReportData:
    """Everything a report shows; the HTML page, the PDF and the workbook render the same object."""

    kind: str
    title: str
    company: Company
    project: Project | None
    campaign: Campaign | None
    date_from: dt.date
    date_to: dt.date
    compare_from: dt.date
    compare_to: dt.date
    compare_label: str
    service_level: str
    months: list[dt.date]
    kpis: list[KpiRow]
    goals: list[GoalRow]
    projects: list[dict[str, Any]]
    scores: list[dict[str, Any]]
    score: Decimal | None
    previous_score: Decimal | None
    alerts: list[dict[str, Any]]
    alerts_total: int
    highlights: list[str]
    problems: list[str]
    narrative: Report | None
    generated: dt.datetime

    @property
    def kind_label(self) -> str:
        return str(ReportKind(self.kind).label)

    @property
    def service_level_label(self) -> str:
        return str(ServiceLevel(self.service_level).label)

    @property
    def scope_name(self) -> str:
        return self.project.name if self.project else self.company.name

    def project_table(self, codes: tuple[str, ...] = REPORT_KPIS) -> dict[str, list]:
        """The by-project table over ``codes``: column labels, and (project id, name, shown values) rows."""
        index = [REPORT_KPIS.index(code) for code in codes]
        return {
            "columns": [str(KPIS[code].label) for code in codes],
            "rows": [(p["project_id"], p["name"], [p["shown"][i] for i in index]) for p in self.projects],
        }

    def kpi(self, code: str) -> KpiRow | None:
        return next((row for row in self.kpis if row.code == code), None)


def fmt(value: float | Decimal | None, unit: str) -> str:
    """A figure as shown: "—" for none, "97.5 %" for a percentage."""
    if value is None:
        return "—"
    return f"{float(value):g} %" if unit == "%" else f"{float(value):g}"


def signed(value: float | None) -> str:
    return "—" if value is None else f"{value:+g}"


#
# Periods
#
def previous_period(date_from: dt.date, date_to: dt.date) -> tuple[dt.date, dt.date]:
    """The period just before: as many whole months when the period is whole months, else as many days."""
    if date_from.day == 1 and date_to == month_end(date_to):
        n = len(months_between(date_from, date_to))
        return add_months(date_from, -n), date_from - dt.timedelta(days=1)
    days = (date_to - date_from).days + 1
    return date_from - dt.timedelta(days=days), date_from - dt.timedelta(days=1)


def half_year(year: int, half: int) -> tuple[dt.date, dt.date]:
    if half not in (1, 2):
        raise ValueError("half is 1 or 2")
    return (dt.date(year, 1, 1), dt.date(year, 6, 30)) if half == 1 else (dt.date(year, 7, 1), dt.date(year, 12, 31))


#
# Access
#
def _company_of(user: User, company: Company | None) -> Company:
    if company is not None:
        return company
    ids = access_for(user).company_grants.get(Perm.KPI_VIEW, set())
    if len(ids) != 1:
        raise PermissionDenied
    return Company.objects.with_scopes_disabled().get(pk=next(iter(ids)))


def report_check_access(*, user: User, company: Company, project: Project | None) -> None:
    """A project's report needs ``analytics.view`` on the project (or its company); a company's
    report needs it company-wide: a project manager does not read the other projects' figures."""
    access = access_for(user)
    if project is not None:
        allowed = access.allows(Perm.KPI_VIEW, company_id=project.company_id, project_id=project.pk)
    else:
        allowed = access.allows(Perm.KPI_VIEW, company_id=company.pk, project_id=None)
    if not allowed:
        raise PermissionDenied


#
# Figures
#
def display_value(kpi: Kpi, rate: Rate) -> float | None:
    """The rate in the KPI's unit (see ``Kpi.display``)."""
    return kpi.display(rate.rate)


def display_target(kpi: Kpi, service_level: str) -> float | None:
    return kpi.display(kpi.target(service_level))


class _Figures:
    """KPI values of the report's scope (a project, or a whole company) with no user check."""

    def __init__(self, company: Company, project: Project | None):
        self.company, self.project = company, project

    def values(self, kpis, date_from, date_to, group_by=None) -> dict[str, list[Rate]]:
        if self.project is not None:
            return selectors.project_kpi_values(
                project=self.project, kpis=list(kpis), date_from=date_from, date_to=date_to, group_by=group_by
            )
        # A company's figures: every project of the company (access checked by report_build).
        return selectors.company_kpi_values(
            company=self.company, kpis=list(kpis), date_from=date_from, date_to=date_to, group_by=group_by
        )


def _kpi_rows(figures: _Figures, *, codes, period, compare, months, service_level) -> list[KpiRow]:
    current = figures.values(codes, *period)
    before = figures.values(codes, *compare)
    by_month = figures.values(TREND_KPIS, months[0], month_end(months[-1]), group_by="month")
    rows = []
    for code in codes:
        kpi = KPIS[code]
        [rate], [previous] = current[code], before[code]
        monthly = {r.group["month"]: display_value(kpi, r) for r in by_month.get(code, [])}
        rows.append(
            KpiRow(
                code=code,
                label=str(kpi.label),
                unit=kpi.unit,
                higher_is_better=kpi.higher_is_better,
                value=display_value(kpi, rate),
                numerator=rate.numerator,
                denominator=rate.denominator,
                previous=display_value(kpi, previous),
                target=display_target(kpi, service_level),
                met=kpi.meets(rate.rate, kpi.target(service_level)),
                trend=[monthly.get(m) for m in months] if code in TREND_KPIS else [],
            )
        )
    return rows


def _project_rows(figures: _Figures, *, period, service_level) -> list[dict[str, Any]]:
    """A company report's table: each project's main figures (one grouped query per roll-up table)."""
    if figures.project is not None:
        return []
    grouped = figures.values(REPORT_KPIS, *period, group_by="project")
    names = dict(Project.objects.filter(company_id=figures.company.pk).values_list("pk", "name"))
    values: dict[int, dict[str, float | None]] = {}
    for code, rates in grouped.items():
        for rate in rates:
            values.setdefault(rate.group["project_id"], {})[code] = display_value(KPIS[code], rate)
    rows = [
        {
            "project_id": pk,
            "name": names.get(pk, str(pk)),
            "values": [v.get(code) for code in REPORT_KPIS],
            "shown": [fmt(v.get(code), KPIS[code].unit) for code in REPORT_KPIS],
        }
        for pk, v in values.items()
    ]
    return sorted(rows, key=lambda row: row["name"])


def _scores(company: Company, project: Project | None, *, months, period, compare) -> tuple[list, Any, Any]:
    projects = [project] if project is not None else None
    monthly = scores(company=company, group_by="period", date_from=months[0], date_to=months[-1], projects=projects)
    found = {f.group["period"]: f for f in monthly}
    trend = [{"month": m, "score": found[m].score if m in found else None} for m in months]
    [now] = scores(company=company, group_by=None, date_from=period[0], date_to=period[1], projects=projects)
    [before] = scores(company=company, group_by=None, date_from=compare[0], date_to=compare[1], projects=projects)
    return trend, now.score, before.score


def _alerts(company: Company, project: Project | None, *, period) -> list[dict[str, Any]]:
    zone = company.zone
    start = dt.datetime.combine(period[0], dt.time.min, tzinfo=zone)
    end = dt.datetime.combine(period[1] + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    qs = Alert.objects.filter(company=company, first_seen_at__gte=start, first_seen_at__lt=end)
    if project is not None:
        qs = qs.filter(project=project)
    rows = qs.order_by().values("kind", "severity").annotate(n=Count("id"))
    by_kind: dict[str, dict[str, Any]] = {}
    for row in rows:
        item = by_kind.setdefault(row["kind"], {"kind": row["kind"], "label": "", "total": 0, "severities": {}})
        item["total"] += row["n"]
        item["severities"][row["severity"]] = row["n"]
    from alerts.choices import RuleKind

    for item in by_kind.values():
        item["label"] = str(RuleKind(item["kind"]).label) if item["kind"] in RuleKind.values else item["kind"]
    return sorted(by_kind.values(), key=lambda item: -item["total"])


def _goals(campaign: Campaign | None, kpis: list[KpiRow]) -> list[GoalRow]:
    if campaign is None:
        return []
    rows = {row.code: row for row in kpis}
    goals = []
    for goal in campaign.goals.all():
        kpi = KPIS.get(goal.kpi)
        row = rows.get(goal.kpi)
        goals.append(
            GoalRow(
                kpi=goal.kpi,
                label=str(kpi.label) if kpi else goal.kpi,
                unit=kpi.unit if kpi else "",
                comparison=goal.comparison,
                comparison_label=str(Comparison(goal.comparison).label),
                goal=goal.value,
                baseline=row.previous if row else None,
                result=row.value if row else None,
            )
        )
    return goals


def _auto_points(kpis: list[KpiRow], goals: list[GoalRow]) -> tuple[list[str], list[str]]:
    """Highlights and problems read off the figures: goals met or missed, targets, notable changes."""
    highlights, problems = [], []
    for goal in goals:
        text = _("Goal {label}: {result} (baseline {baseline})").format(
            label=goal.label, result=fmt(goal.result, goal.unit), baseline=fmt(goal.baseline, goal.unit)
        )
        if goal.met is True:
            highlights.append(text)
        elif goal.met is False:
            problems.append(text)
    for row in kpis:
        value = fmt(row.value, row.unit)
        if row.met is False:
            problems.append(
                _("{label} {value}: below the target of {target}").format(
                    label=row.label, value=value, target=fmt(row.target, row.unit)
                )
            )
        elif row.met is True and row.improved is not False:
            highlights.append(
                _("{label} {value}: target {target} met").format(
                    label=row.label, value=value, target=fmt(row.target, row.unit)
                )
            )
        elif row.improved is True:
            highlights.append(
                _("{label} improved to {value} (before: {previous})").format(
                    label=row.label, value=value, previous=fmt(row.previous, row.unit)
                )
            )
        elif row.improved is False:
            problems.append(
                _("{label} fell to {value} (before: {previous})").format(
                    label=row.label, value=value, previous=fmt(row.previous, row.unit)
                )
            )
    return highlights, problems


def _title(kind: str, scope_name: str, date_from: dt.date, date_to: dt.date, campaign: Campaign | None) -> str:
    if kind == ReportKind.CAMPAIGN and campaign is not None:
        return _("{scope} {campaign}: campaign summary").format(scope=scope_name, campaign=campaign.name)
    if kind == ReportKind.HALF_YEAR:
        half = _("first half") if date_from.month <= 6 else _("second half")
        return _("{scope} {year} {half}: quality summary").format(scope=scope_name, year=date_from.year, half=half)
    return _("{scope} {year}-{month:02d}: monthly quality report").format(
        scope=scope_name, year=date_from.year, month=date_from.month
    )


def narrative_for(
    *, company: Company, project: Project | None, kind: str, date_from, date_to, campaign: Campaign | None
) -> Report | None:
    return Report.objects.filter(
        company=company, project=project, kind=kind, date_from=date_from, date_to=date_to, campaign=campaign
    ).first()


#
# The report
#
def report_build(
    *,
    user: User,
    kind: str,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    project: Project | None = None,
    company: Company | None = None,
    campaign: Campaign | None = None,
) -> ReportData:
    """The figures of a report of ``project`` (or of ``company``, by default the user's one company
    with company-wide ``analytics.view``) over ``date_from``..``date_to``, compared with the period
    before (a campaign: its baseline; its own dates and scope replace the arguments).

    PermissionDenied unless the user reads the scope's KPIs (``report_check_access``); ValueError
    for an unknown kind or a campaign report without a campaign."""
    if kind not in ReportKind.values:
        raise ValueError(f"kind must be one of {ReportKind.values}")
    if kind == ReportKind.CAMPAIGN:
        if campaign is None:
            raise ValueError("a campaign report needs its campaign")
        company, project = campaign.company, campaign.project
        date_from, date_to = campaign.date_from, campaign.date_to
        compare = (campaign.baseline_from, campaign.baseline_to)
    else:
        if date_from is None or date_to is None or date_from > date_to:
            raise ValueError("date_from and date_to are required, date_from first")
        campaign = None
        company = project.company if project is not None else _company_of(user, company)
        compare = previous_period(date_from, date_to)
    report_check_access(user=user, company=company, project=project)
    with scope(company=company.pk):
        return _build(
            kind=kind, company=company, project=project, campaign=campaign, period=(date_from, date_to), compare=compare
        )


def _trend_months(kind: str, period, compare) -> list[dt.date]:
    if kind == ReportKind.MONTHLY:
        last = month_start(period[1])
        return [add_months(last, -n) for n in range(5, -1, -1)]
    if kind == ReportKind.CAMPAIGN:
        return months_between(min(period[0], compare[0]), max(period[1], compare[1]))
    return months_between(*period)


def _build(*, kind, company, project, campaign, period, compare) -> ReportData:
    service_level = project.service_level if project is not None else ServiceLevel.LEVEL_2
    months = _trend_months(kind, period, compare)
    figures = _Figures(company, project)
    goal_kpis = [g.kpi for g in campaign.goals.all() if g.kpi in KPIS] if campaign is not None else []
    codes = [*REPORT_KPIS, *(code for code in dict.fromkeys(goal_kpis) if code not in REPORT_KPIS)]
    kpis = _kpi_rows(figures, codes=codes, period=period, compare=compare, months=months, service_level=service_level)
    goals = _goals(campaign, kpis)
    score_trend, score, previous_score = _scores(company, project, months=months, period=period, compare=compare)
    alerts = _alerts(company, project, period=period)
    highlights, problems = _auto_points(kpis, goals)
    compare_label = _("baseline") if kind == ReportKind.CAMPAIGN else _("previous period")
    return ReportData(
        kind=kind,
        title=_title(kind, project.name if project else company.name, period[0], period[1], campaign),
        company=company,
        project=project,
        campaign=campaign,
        date_from=period[0],
        date_to=period[1],
        compare_from=compare[0],
        compare_to=compare[1],
        compare_label=compare_label,
        service_level=service_level,
        months=months,
        kpis=kpis,
        goals=goals,
        projects=_project_rows(figures, period=period, service_level=service_level),
        scores=score_trend,
        score=score,
        previous_score=previous_score,
        alerts=alerts,
        alerts_total=sum(a["total"] for a in alerts),
        highlights=highlights,
        problems=problems,
        narrative=narrative_for(
            company=company, project=project, kind=kind, date_from=period[0], date_to=period[1], campaign=campaign
        ),
        generated=timezone.localtime(timezone=company.zone),
    )
