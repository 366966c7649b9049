"""The inspection report figures in one shape for the report page, its Excel export and the API.

Every figure is a numerator, a denominator and their rate (like /plans/figures/), per group:
- ``score``: points achieved ÷ points possible of submitted rounds (from the monthly roll-ups,
  so whole months), per project, rectifying department type, month or kind of round;
- ``on_time`` 整改完成率(按期), ``rectification`` 整改率(累计), ``effectiveness`` 整改有效率 and
  ``repeat`` (repeat findings ÷ findings raised), per project, responsible department or month
  (DOMAIN.md §6.3; the definitions are ``selectors_findings``');
- ``open_age``: unresolved findings now, overdue ÷ all, with the count per age bucket.

Callers check that the user sees inspections; the selectors restrict the rows to his projects.
"""

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext_lazy as _

from core.choices import DepartmentKind
from inspections import selectors
from inspections import selectors_findings as findings_selectors
from inspections.choices import RoundKind

METRICS = {
    "score": _("Inspection score"),
    "on_time": _("Rectified on time (整改完成率)"),
    "rectification": _("Rectification rate (整改率)"),
    "effectiveness": _("Rectification effectiveness (整改有效率)"),
    "repeat": _("Repeat findings"),
    "open_age": _("Open findings by age"),
}
GROUPS = {
    "project": _("Project"),
    "department": _("Department"),
    "period": _("Month"),
    "kind": _("Kind"),
}
# group_by values each metric takes ("" = the total).
METRIC_GROUPS = {
    "score": ("", "project", "department", "period", "kind"),
    "on_time": ("", "project", "department", "period"),
    "rectification": ("", "project", "department", "period"),
    "effectiveness": ("", "project", "department", "period"),
    "repeat": ("", "project", "department", "period"),
    "open_age": ("", "project", "department"),
}
FINDING_RATES = {
    "on_time": "on_time",
    "rectification": "rectification",
    "effectiveness": "effectiveness",
    "repeat": "repeat_rate",
}
NO_DEPARTMENT = _("No department")
TOTAL = _("Total")


@dataclass
class ReportRow:
    group: dict[str, Any]
    numerator: float
    denominator: float
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def rate(self) -> float | None:
        return float(self.numerator) / float(self.denominator) if self.denominator else None

    @property
    def percent(self) -> float | None:
        rate = self.rate
        return None if rate is None else round(rate * 100, 1)

    @property
    def name(self) -> str:
        return group_name(self.group)

    @property
    def bucket_list(self) -> list[int]:
        """The open_age counts in the order of ``age_buckets()``."""
        buckets = self.details.get("buckets") or {}
        return [buckets.get(label, 0) for label in age_buckets()]


def group_name(group: dict[str, Any]) -> str:
    if "project_name" in group:
        return group["project_name"]
    if "department_label" in group:
        return group["department_label"]
    if "department" in group:
        return group.get("department_name") or str(NO_DEPARTMENT)
    if "period" in group:
        return group["period"][:7]
    if "kind" in group:
        return str(RoundKind(group["kind"]).label)
    return str(TOTAL)


def _group(raw: dict[str, Any]) -> dict[str, Any]:
    """Selector group keys → API keys: project / project_name, department(_name), department_kind
    / department_label, period (ISO date), kind."""
    group: dict[str, Any] = {}
    if "project_id" in raw:
        group.update(project=raw["project_id"], project_name=raw.get("project__name") or "")
    if "department_kind" in raw:
        kind = raw["department_kind"]
        group.update(department_kind=kind, department_label=str(DepartmentKind(kind).label) if kind else "")
    if "department_id" in raw:
        group.update(department=raw["department_id"], department_name=raw.get("department__name") or "")
    if "period" in raw:
        period = raw["period"]
        group["period"] = period.isoformat() if hasattr(period, "isoformat") else str(period)
    if "kind" in raw:
        group["kind"] = raw["kind"]
    return group


def report(
    *,
    user,
    metric: str,
    group_by: str = "",
    date_from: dt.date,
    date_to: dt.date,
    project=None,
    kind: str = "",
) -> list[ReportRow]:
    """The rows of ``metric`` grouped by ``group_by`` ("" for the total) for what ``user`` sees."""
    if group_by not in METRIC_GROUPS[metric]:
        raise ValueError(f"{metric} cannot be grouped by {group_by!r}")
    if metric == "score":
        return _scores(user, group_by, date_from, date_to, project, kind)
    findings = findings_selectors.finding_visible(user=user)
    if project is not None:
        findings = findings.filter(project=project)
    if kind:
        findings = findings.filter(round__kind=kind)
    if metric == "open_age":
        return _ages(findings, group_by)
    figures = findings_selectors.finding_figures(
        findings=findings, date_from=date_from, date_to=date_to, group_by=group_by or None
    )
    method = FINDING_RATES[metric]
    rows = []
    for figure in figures:
        rate = getattr(figure, method)()
        rows.append(ReportRow(_group(figure.group), rate.numerator, rate.denominator))
    return rows


def _scores(user, group_by, date_from, date_to, project, kind) -> list[ReportRow]:
    figures = selectors.scores(
        user=user,
        group_by=group_by or None,
        date_from=date_from,
        date_to=date_to,
        projects=[project] if project is not None else None,
        kinds=[kind] if kind else None,
    )
    return [
        ReportRow(
            _group(f.group),
            float(f.achieved),
            float(f.possible),
            {"score": None if f.score is None else float(f.score), "rounds": f.rounds, "findings": f.findings},
        )
        for f in figures
    ]


def _ages(findings, group_by) -> list[ReportRow]:
    figures = findings_selectors.open_findings_by_age(findings=findings, group_by=group_by or None)
    if not figures and not group_by:
        figures = [findings_selectors.AgeFigure()]
    return [
        ReportRow(_group(f.group), f.overdue, f.total, {"buckets": dict(f.buckets), "total": f.total}) for f in figures
    ]


def age_buckets() -> list[str]:
    return [label for label, _first, _last in findings_selectors.AGE_BUCKETS]


def trend(*, user, date_from: dt.date, date_to: dt.date, project=None, kind: str = "") -> dict[str, Any]:
    """Scores per project and month (a table: ``months`` across, one row per project, and the total)."""
    figures = selectors.scores(
        user=user,
        group_by=("project", "period"),
        date_from=date_from,
        date_to=date_to,
        projects=[project] if project is not None else None,
        kinds=[kind] if kind else None,
    )
    totals = {
        f.group["period"]: f
        for f in selectors.scores(
            user=user,
            group_by="period",
            date_from=date_from,
            date_to=date_to,
            projects=[project] if project is not None else None,
            kinds=[kind] if kind else None,
        )
    }
    months = _months(date_from, date_to)
    rows: dict[int, dict[str, Any]] = {}
    for f in figures:
        row = rows.setdefault(f.group["project_id"], {"name": f.group["project__name"], "cells": {}})
        row["cells"][f.group["period"]] = f.score
    ordered = sorted(rows.values(), key=lambda r: r["name"])
    return {
        "months": months,
        "rows": [{"name": r["name"], "scores": [r["cells"].get(m) for m in months]} for r in ordered],
        "total": [totals[m].score if m in totals else None for m in months],
    }


def _months(date_from: dt.date, date_to: dt.date) -> list[dt.date]:
    months, day = [], date_from.replace(day=1)
    while day <= date_to:
        months.append(day)
        day = (day + dt.timedelta(days=32)).replace(day=1)
    return months


def repeats(*, user, date_from: dt.date, date_to: dt.date, project=None, limit: int = 100):
    findings = findings_selectors.finding_visible(user=user)
    if project is not None:
        findings = findings.filter(project=project)
    return findings_selectors.repeat_findings(findings=findings, date_from=date_from, date_to=date_to)[:limit]
