"""The inspection reports (/inspections/reports/): scores by project, department and month with a
monthly trend, open findings by age, the rectification rates (整改完成率(按期), 整改率(累计),
整改有效率) with numerator, denominator and rate, and the repeat findings; each table also as Excel
(``?export=<table>``). The figures come from ``inspections.reports``, shared with the API.
"""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.choices import Perm
from core.decorators import staff_required
from core.views_helpers import current_project_id
from inspections import reports
from inspections.forms import viewed_projects
from inspections.forms_findings import ReportForm
from lib.charts import line_chart
from lib.excel import workbook_bytes, xlsx_response

RATE_METRICS = ("on_time", "rectification", "effectiveness", "repeat")
# The trend chart draws each project beside the total up to this many projects; past it, the lines
# tangle and the table below says more.
TREND_CHART_PROJECTS = 6


def _params(request: HttpRequest):
    today = timezone.localdate()
    projects = viewed_projects(request.user)
    defaults = ReportForm.defaults(today)
    query = request.GET if "date_from" in request.GET else None
    form = ReportForm(query, projects=projects, initial=defaults)
    if query is not None:
        return form, (form.cleaned_data if form.is_valid() else None)
    params = {**defaults, "project": None, "kind": ""}
    if current_project_id(request):
        params["project"] = projects.filter(pk=current_project_id(request)).first()
    return form, params


def _figures(request: HttpRequest, params: dict) -> dict:
    span = {
        "user": request.user,
        "date_from": params["date_from"],
        "date_to": params["date_to"],
        "project": params.get("project"),
    }
    kind = params.get("kind") or ""
    rates = {}
    for group_by in ("", "project", "department"):
        rows = {metric: reports.report(metric=metric, group_by=group_by, **span) for metric in RATE_METRICS}
        rates[group_by] = _rate_rows(rows)
    return {
        "scores_project": reports.report(metric="score", group_by="project", kind=kind, **span),
        "scores_department": reports.report(metric="score", group_by="department", kind=kind, **span),
        "scores_total": reports.report(metric="score", kind=kind, **span)[0],
        "trend": reports.trend(kind=kind, **span),
        "ages": reports.report(metric="open_age", group_by="project", **span),
        "ages_total": reports.report(metric="open_age", **span)[0],
        "rates_project": rates["project"],
        "rates_department": rates["department"],
        "rates_total": rates[""][0] if rates[""] else None,
        "repeats": reports.repeats(**span),
    }


def _rate_rows(by_metric: dict[str, list]) -> list[dict]:
    """One row per group with the four rectification figures side by side."""
    groups: dict[str, dict] = {}
    for metric in RATE_METRICS:
        for row in by_metric[metric]:
            key = repr(sorted(row.group.items()))
            entry = groups.setdefault(key, {"name": row.name, "rates": {m: None for m in RATE_METRICS}})
            entry["rates"][metric] = row
    out = []
    for entry in sorted(groups.values(), key=lambda e: e["name"]):
        entry["cells"] = [entry["rates"][m] for m in RATE_METRICS]
        out.append(entry)
    return out


@staff_required(Perm.INSP_VIEW)
def report_page(request: HttpRequest) -> HttpResponse:
    form, params = _params(request)
    figures = _figures(request, params) if params is not None else None
    export = request.GET.get("export")
    if export and figures is not None:
        return _export(export, figures, params)
    context = {
        "title": _("Inspection reports"),
        "form": form,
        "params": params,
        "figures": figures,
        "buckets": reports.age_buckets(),
        "rate_labels": [reports.METRICS[m] for m in RATE_METRICS],
        "export_query": _export_query(request, params),
        "trend_chart": _trend_chart(figures["trend"]) if figures is not None else None,
    }
    return render(request, "inspections/reports.html", context)


def _trend_chart(trend: dict) -> dict | None:
    """The monthly score trend as a line chart: the total, and each project when there are a few.

    No target line: inspection scores have no company target yet (DOMAIN §6.3 sets none).
    """
    if not any(s is not None for s in trend["total"]):
        return None
    series = [(reports.TOTAL, trend["total"])]
    if 1 < len(trend["rows"]) <= TREND_CHART_PROJECTS:
        series += [(row["name"], row["scores"]) for row in trend["rows"]]
    return line_chart(
        categories=[f"{m:%Y-%m}" for m in trend["months"]],
        series=series,
        y_max=100,
    )


def _export_query(request: HttpRequest, params: dict | None) -> str:
    """The query of the shown figures, for their export links (the defaults spelled out)."""
    query = request.GET.copy()
    query.pop("export", None)
    if params is not None and "date_from" not in query:
        query["date_from"], query["date_to"] = params["date_from"].isoformat(), params["date_to"].isoformat()
        if params.get("project") is not None:
            query["project"] = str(params["project"].pk)
    return query.urlencode()


#
# Excel
#
def _num(value):
    return "" if value is None else value


def _score_sheet(rows, label):
    header = [label, _("rounds"), _("points achieved"), _("points possible"), _("score"), _("findings")]
    body = [
        [r.name, r.details["rounds"], r.numerator, r.denominator, _num(r.details["score"]), r.details["findings"]]
        for r in rows
    ]
    return header, body


def _rates_sheet(rows, label):
    header = [label]
    for metric in RATE_METRICS:
        name = str(reports.METRICS[metric])
        header += [f"{name} · " + str(_("numerator")), f"{name} · " + str(_("denominator")), f"{name} %"]
    body = []
    for entry in rows:
        line = [entry["name"]]
        for cell in entry["cells"]:
            line += [cell.numerator, cell.denominator, _num(cell.percent)] if cell else ["", "", ""]
        body.append(line)
    return header, body


def _sheet(name: str, figures: dict):
    if name == "scores_project":
        return _score_sheet(figures["scores_project"], _("project"))
    if name == "scores_department":
        return _score_sheet(figures["scores_department"], _("department"))
    if name == "trend":
        trend = figures["trend"]
        header = [_("project"), *[f"{m:%Y-%m}" for m in trend["months"]]]
        body = [[row["name"], *[_num(s) for s in row["scores"]]] for row in trend["rows"]]
        body.append([str(reports.TOTAL), *[_num(s) for s in trend["total"]]])
        return header, body
    if name == "ages":
        header = [_("project"), *reports.age_buckets(), _("total"), _("overdue")]
        body = [
            [r.name, *[r.details["buckets"].get(b, 0) for b in reports.age_buckets()], r.denominator, r.numerator]
            for r in figures["ages"]
        ]
        return header, body
    if name in ("rates_project", "rates_department"):
        return _rates_sheet(figures[name], _("project") if name == "rates_project" else _("department"))
    if name == "repeats":
        header = [_("project"), _("title"), _("responsible department"), _("created"), _("repeat of"), _("status")]
        body = [
            [
                f.project.name,
                f.title,
                f.department.name if f.department_id else "",
                timezone.localtime(f.created).strftime("%Y-%m-%d %H:%M"),
                f"{f.repeat_of.title} ({timezone.localtime(f.repeat_of.created):%Y-%m-%d})",
                f.get_status_display(),
            ]
            for f in figures["repeats"]
        ]
        return header, body
    raise Http404


def _export(name: str, figures: dict, params: dict) -> HttpResponse:
    header, body = _sheet(name, figures)
    span = f"{params['date_from']:%Y%m%d}-{params['date_to']:%Y%m%d}"
    notes = [
        str(_("Period: {start} – {end}")).format(start=params["date_from"], end=params["date_to"]),
        str(_("Scores count whole months (from the monthly roll-ups).")),
    ]
    content = workbook_bytes(sheet_title=name, header=header, rows=body, notes=notes)
    return xlsx_response(content, f"inspections-{name}-{span}.xlsx")
