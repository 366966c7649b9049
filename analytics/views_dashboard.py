"""The quality dashboard (/analytics/) and the records behind its figures.

- ``dashboard``: company → project → department (``?from&to&project&department``); every figure
  comes from ``analytics.selectors_dashboard.dashboard``; this module only turns them into charts
  (lib/charts.py) and links.
- ``kpi_records``: the records behind a KPI's numerator or denominator (``kpi_drilldown``), paginated.
- ``hotspot_records``: the orders behind a hotspot (place × category, weekday × hour, repeats).

``analytics.view`` is needed (others get 403; owners go to /m/); a project or department the
user may not read answers 404, like a missing one; a bad period answers 400 with the form's error.
"""

import datetime as dt
import re
from typing import Any
from urllib.parse import quote_plus

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import get_script_prefix, reverse
from django.utils import timezone
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from analytics.forms import HotspotRecordsForm, PeriodForm, RecordsForm
from analytics.kpis import KPIS
from analytics.selectors import kpi_drilldown
from analytics.selectors_dashboard import dashboard as dashboard_figures
from analytics.selectors_dashboard import hotspot_records as hotspot_records_of
from core.access import get_object_for_user
from core.choices import Perm
from core.decorators import staff_required
from core.models import Department, Project
from lib.charts import bar_chart, heatmap, line_chart
from lib.excel import workbook_bytes, xlsx_response
from lib.months import month_bounds

PAGE_SIZE = 50
WEEKDAYS = (
    _("Monday"),
    _("Tuesday"),
    _("Wednesday"),
    _("Thursday"),
    _("Friday"),
    _("Saturday"),
    _("Sunday"),
)
NO_CATEGORY = _("No category")
NO_PLACE = _("No building or area")
LEVELS = {
    "company": _("All projects"),
    "project": pgettext_lazy("dashboard level", "Project"),
    "department": pgettext_lazy("dashboard level", "Department"),
}


def _scope_objects(request: HttpRequest, data: dict) -> tuple[Project | None, Department | None]:
    """The project and department asked for, if the user reads KPIs there (404 otherwise)."""
    user = request.user
    project = department = None
    if data.get("project"):
        project = get_object_for_user(
            Project.objects.all(), user, data["project"], perm=Perm.KPI_VIEW, project_field="id"
        )
    if data.get("department"):
        department = get_object_for_user(
            Department.objects.select_related("project"), user, data["department"], perm=Perm.KPI_VIEW
        )
        if project is None:
            project = department.project
        elif department.project_id != project.pk:
            raise Http404
    return project, department


_PLAIN = re.compile(r"^[\w.:-]*$", re.ASCII)


def _url(name: str, params: dict, *args) -> str:
    """``reverse(name)`` with ``params`` as its query. A page has hundreds of links (every point,
    cell and bar): paths are reversed once per name and the plain values (dates, ids, codes) are
    not quoted."""
    key = (name, args, get_script_prefix(), get_language())
    path = _PATHS.get(key)
    if path is None:
        path = _PATHS[key] = reverse(name, args=args)
    query = "&".join(
        f"{k}={v if _PLAIN.match(v) else quote_plus(v)}"
        for k, v in ((k, str(v)) for k, v in params.items() if v is not None and v != "")
    )
    return f"{path}?{query}"


_PATHS: dict[tuple, str] = {}


def _bad_request(request: HttpRequest, form, title) -> HttpResponse:
    return render(request, "analytics/dashboard_error.html", {"form": form, "title": title}, status=400)


#
# The dashboard
#
@staff_required(Perm.KPI_VIEW)
def dashboard(request: HttpRequest) -> HttpResponse:
    form = PeriodForm(request.GET or None)
    title = _("Quality dashboard")
    if request.GET and not form.is_valid():
        return _bad_request(request, form, title)
    data = form.cleaned_data if request.GET else _defaults(PeriodForm)
    project, department = _scope_objects(request, data)
    try:
        figures = dashboard_figures(
            user=request.user,
            date_from=data["date_from"],
            date_to=data["date_to"],
            project=project,
            department=department,
        )
    except PermissionDenied:
        raise Http404 from None
    scope = figures["scope"]
    params = scope.params()
    if request.GET.get("export") == "xlsx":
        return _table_xlsx(figures)
    context = {
        "title": title,
        "d": figures,
        "scope": scope,
        "level_label": LEVELS[scope.level],
        "params": params,
        "periods": _periods(scope),
        "tiles": [_tile(f, params) for f in figures["tiles"]],
        "secondary": [_tile(f, params) for f in figures["secondary"]],
        "trend_charts": _trend_charts(figures["trend"], params),
        "volume_chart": _volume_chart(figures["trend"], params),
        "category_chart": _category_chart(figures["top_categories"], params),
        "place_chart": _place_chart(figures["places"], params),
        "hour_chart": _hour_chart(figures["hours"], params),
        "inspection_chart": _inspection_chart(figures["inspection"]),
        "sla": _sla_rows(figures["sla"], params),
        "patrol": _patrol_rows(figures["patrol"], params),
        "repeats": _repeat_rows(figures["repeats"], params),
        "rows": _table_rows(figures, params),
        "table_kpis": [KPIS[c] for c in _table_codes(figures)],
        "breadcrumbs": _breadcrumbs(scope),
        "export_query": "&".join(f"{k}={v}" for k, v in {**params, "export": "xlsx"}.items()),
    }
    return render(request, "analytics/dashboard.html", context)


def _table_xlsx(figures: dict) -> HttpResponse:
    """The page's table as a workbook: per row the orders reported, each KPI's value, target and
    numerator / denominator; the inspection score and open alerts per project."""
    scope = figures["scope"]
    codes = _table_codes(figures)
    level = {"company": _("Project"), "project": _("Department"), "department": _("Person")}[scope.level]
    header = [level, _("Reported")]
    for code in codes:
        label = KPIS[code].label
        header += [
            label,
            f"{label} · {_('Target')}",
            f"{label} · {_('Counted (numerator)')}",
            f"{label} · {_('Basis (denominator)')}",
        ]
    if scope.level == "company":
        header += [_("Inspection score"), _("Open alerts")]
    rows = []
    for row in figures["rows"]:
        line = [row["label"] or _("(none)"), row["reported"]]
        for code in codes:
            f = row["figures"][code]
            line += [f.value, f.target_value, f.rate.numerator, f.rate.denominator]
        if scope.level == "company":
            score = figures["inspection"]["by_project"].get(row["key"])
            line += [score.score if score else None, figures["alerts"]["by_project"].get(row["key"], 0)]
        rows.append(line)
    notes = [
        f"{scope.date_from:%Y-%m-%d} – {scope.date_to:%Y-%m-%d}",
        " / ".join(str(label) for label, _url in _breadcrumbs(scope)),
        _("Company target: each project's own target (its service level), weighted by what was due there."),
    ]
    content = workbook_bytes(sheet_title=str(_("Quality dashboard")), header=header, rows=rows, notes=notes)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return xlsx_response(content, f"dashboard-{scope.level}-{stamp}.xlsx")


def _periods(scope) -> list[tuple[Any, str, bool]]:
    """Quick periods: this month, last month, this year, the last 12 months."""
    today = timezone.localdate()
    first = today.replace(day=1)
    last_month = month_bounds(first - dt.timedelta(days=1))
    twelve = (first.replace(year=first.year - 1) + dt.timedelta(days=32)).replace(day=1)
    base = {k: v for k, v in scope.params().items() if k in ("project", "department")}
    periods = [
        (_("This month"), first, today),
        (_("Last month"), *last_month),
        (_("This year"), today.replace(month=1, day=1), today),
        (_("Last 12 months"), twelve, today),
    ]
    return [
        (
            label,
            _url("analytics:dashboard", {**base, "from": a.isoformat(), "to": b.isoformat()}),
            (a, b) == (scope.date_from, scope.date_to),
        )
        for label, a, b in periods
    ]


def _breadcrumbs(scope) -> list[tuple[Any, str | None]]:
    period = {"from": scope.date_from.isoformat(), "to": scope.date_to.isoformat()}
    crumbs = [(LEVELS["company"], _url("analytics:dashboard", period) if scope.project else None)]
    if scope.project:
        crumbs.append(
            (
                scope.project.name,
                _url("analytics:dashboard", {**period, "project": scope.project.pk}) if scope.department else None,
            )
        )
    if scope.department:
        crumbs.append((scope.department.name, None))
    return crumbs


def records_url(code: str, params: dict, part: str = "denominator", **extra) -> str:
    return _url("analytics:kpi_records", {**params, "part": part, **extra}, code)


def _tile(figure, params: dict) -> dict[str, Any]:
    kpi = figure.kpi
    return {
        "figure": figure,
        "kpi": kpi,
        "url": records_url(kpi.code, params),
        "missed_url": records_url(kpi.code, params, part="numerator"),
        "unit": _unit(kpi.unit),
    }


def _unit(unit: str) -> str:
    return {"%": "%", "per_1000": "‰", "stars": str(_("stars")), "minutes": str(_("min"))}.get(unit, "")


def _bucket_label(bucket: dt.date, grain: str) -> str:
    return f"{bucket:%m-%d}" if grain == "day" else f"{bucket:%Y-%m}"


def _bucket_period(bucket: dt.date, grain: str, scope_params: dict) -> dict:
    if grain == "day":
        return {"from": bucket.isoformat(), "to": bucket.isoformat()}
    first, last = month_bounds(bucket)
    return {"from": first.isoformat(), "to": last.isoformat()}


def _trend_charts(trend: dict, params: dict) -> list[dict[str, Any]]:
    labels = [_bucket_label(b, trend["grain"]) for b in trend["buckets"]]
    charts = []
    for code, series in trend["series"].items():
        kpi = series["kpi"]
        values = [r.percent for r in series["rates"]]
        links = [[records_url(code, {**params, **_bucket_period(b, trend["grain"], params)}) for b in trend["buckets"]]]
        target = round(series["target"] * 100, 1) if series["target"] is not None else None
        options = line_chart(
            categories=labels,
            series=[(kpi.label, values)],
            target=target,
            target_label=_("Target"),
            percent=True,
            links=links,
        )
        charts.append(
            {
                "id": f"trend-{code.replace('_', '-')}",
                "kpi": kpi,
                "options": options,
                "has_data": any(v is not None for v in values),
            }
        )
    return charts


def _volume_chart(trend: dict, params: dict) -> dict | None:
    from workorders.choices import Kind

    if not trend["volume"]:
        return None
    labels = [_bucket_label(b, trend["grain"]) for b in trend["buckets"]]
    series, links = [], []
    for kind, values in trend["volume"].items():
        series.append((Kind(kind).label if kind in Kind.values else kind, values))
        links.append(
            [
                _url("analytics:hotspot_records", {**params, **_bucket_period(b, trend["grain"], params), "kind": kind})
                for b in trend["buckets"]
            ]
        )
    return bar_chart(categories=labels, series=series, stacked=True, links=links)


def _category_chart(rows: list[dict], params: dict) -> dict | None:
    if not rows:
        return None
    names = [r["name"] or NO_CATEGORY for r in rows]
    links = [_url("analytics:hotspot_records", {**params, "category": r["category_id"] or 0}) for r in rows]
    repeat_links = [
        _url("analytics:hotspot_records", {**params, "category": r["category_id"] or 0, "counter": "repeats"})
        for r in rows
    ]
    return bar_chart(
        categories=names,
        series=[
            (_("Reported"), [r["reported"] for r in rows]),
            (_("Repeated problems"), [r["repeats"] for r in rows]),
        ],
        horizontal=True,
        links=[links, repeat_links],
    )


def _place_chart(places: dict, params: dict) -> dict | None:
    if not places["cells"]:
        return None
    cells = []
    for x, y, value, row in places["cells"]:
        url = _url(
            "analytics:hotspot_records",
            {
                **params,
                "building": row["building_id"] or 0,
                "area": row["area_id"] or 0,
                "category": row["category_id"] or 0,
            },
        )
        cells.append((x, y, value, url))
    return heatmap(
        x_labels=[c["name"] or NO_CATEGORY for c in places["categories"]],
        y_labels=[p["label"] or NO_PLACE for p in places["places"]],
        cells=cells,
    )


def _hour_chart(hours: dict, params: dict) -> dict | None:
    if not hours["cells"]:
        return None
    cells = [
        (hour, weekday - 1, n, _url("analytics:hotspot_records", {**params, "weekday": weekday, "hour": hour}))
        for hour, weekday, n in hours["cells"]
    ]
    return heatmap(x_labels=[f"{h:02d}" for h in range(24)], y_labels=list(WEEKDAYS), cells=cells)


def _inspection_chart(inspection: dict) -> dict | None:
    if not inspection["trend"]:
        return None
    return line_chart(
        categories=[f"{month:%Y-%m}" for month, _score in inspection["trend"]],
        series=[(_("Inspection score"), [score for _month, score in inspection["trend"]])],
        y_max=100,
    )


def _sla_rows(rows: list[dict], params: dict) -> list[dict]:
    from workorders.choices import Kind

    codes = {"repair": ("repair_arrive_on_time", "repair_resolve_on_time"), "complaint": (None, "complaint_on_time")}
    out = []
    for row in rows:
        arrive_code, resolve_code = codes.get(row["kind"], (None, None))
        out.append(
            {
                **row,
                "label": Kind(row["kind"]).label if row["kind"] in Kind.values else row["kind"],
                "reported_url": _url("analytics:hotspot_records", {**params, "kind": row["kind"]}),
                "arrive_url": records_url(arrive_code, params) if arrive_code else None,
                "resolve_url": records_url(resolve_code, params) if resolve_code else None,
            }
        )
    return out


def _patrol_rows(rows: list[dict], params: dict) -> list[dict]:
    from plans.choices import PlanKind

    return [
        {
            **row,
            "label": PlanKind(row["kind"]).label if row["kind"] in PlanKind.values else row["kind"],
            "coverage_url": records_url("patrol_coverage", params, kind=row["kind"]),
            "completion_url": records_url("plan_completion", params, kind=row["kind"]),
        }
        for row in rows
    ]


def _repeat_rows(rows: list[dict], params: dict) -> list[dict]:
    from workorders.choices import Kind

    out = []
    for row in rows:
        query = {
            **params,
            "project": row["project_id"],
            "building": row["building_id"] or 0,
            "area": row["area_id"] or 0,
            "category": row["category_id"] or 0,
            "kind": row["kind"],
        }
        out.append(
            {
                **row,
                "kind_label": Kind(row["kind"]).label if row["kind"] in Kind.values else row["kind"],
                "url": _url("analytics:hotspot_records", {**query, "counter": "repeats"}),
                "reported_url": _url("analytics:hotspot_records", query),
            }
        )
    return out


def _table_codes(figures: dict) -> list[str]:
    rows = figures["rows"]
    return list(rows[0]["figures"]) if rows else []


def _table_rows(figures: dict, params: dict) -> list[dict]:
    scope = figures["scope"]
    period = {"from": params["from"], "to": params["to"]}
    out = []
    for row in figures["rows"]:
        if scope.level == "company":
            drill = {**period, "project": row["key"]}
            records = {**period, "project": row["key"]}
        elif scope.level == "project":
            drill = {**period, "project": scope.project.pk, "department": row["key"]} if row["key"] else None
            records = {**period, "project": scope.project.pk, "department": row["key"] or ""}
        else:
            drill = None
            records = {**params, "person": row["key"] or ""}
        cells = [{"figure": f, "url": records_url(code, records)} for code, f in row["figures"].items()]
        alerts = figures["alerts"]["by_project"].get(row["key"], 0) if scope.level == "company" else None
        score = figures["inspection"]["by_project"].get(row["key"]) if scope.level == "company" else None
        out.append(
            {
                **row,
                "url": _url("analytics:dashboard", drill) if drill else None,
                "cells": cells,
                "alerts": alerts,
                "score": score.score if score else None,
                "reported_url": _url("analytics:hotspot_records", records) if scope.level != "department" else None,
            }
        )
    return out


#
# Records behind a figure
#
def _records_columns(model_name: str) -> str:
    return {
        "WorkOrder": "order",
        "FollowUp": "follow_up",
        "Rating": "rating",
        "Task": "task",
        "Finding": "finding",
    }.get(model_name, "order")


SELECT = {
    "WorkOrder": ("project", "category", "assignee"),
    "FollowUp": ("order", "order__project"),
    "Rating": ("order", "order__project"),
    "Task": ("project", "assignee", "plan"),
    "Finding": ("project",),
}
KIND_FIELD = {
    "WorkOrder": "kind",
    "Task": "kind",
    "FollowUp": "order__kind",
    "Rating": "order__kind",
    "Finding": "severity",
}


@staff_required(Perm.KPI_VIEW)
def kpi_records(request: HttpRequest, code: str) -> HttpResponse:
    kpi = KPIS.get(code)
    if kpi is None:
        raise Http404
    form = RecordsForm(request.GET or None)
    title = _("Records: %(kpi)s") % {"kpi": kpi.label}
    if request.GET and not form.is_valid():
        return _bad_request(request, form, title)
    data = form.cleaned_data if request.GET else _defaults(RecordsForm)
    project, department = _scope_objects(request, data)
    part = data.get("part") or "denominator"
    filters = {"date_from": data["date_from"], "date_to": data["date_to"]}
    if project:
        filters["project_id"] = project.pk
    if department:
        filters["department_id"] = department.pk
    if data.get("person"):
        filters["person_id"] = data["person"]
    try:
        records = kpi_drilldown(user=request.user, kpi=code, part=part, filters=filters)
    except ValueError as exc:
        form.add_error(None, str(exc))
        return _bad_request(request, form, title)
    page = None
    if records is not None:
        name = records.model.__name__
        if data.get("kind"):
            records = records.filter(**{KIND_FIELD.get(name, "kind"): data["kind"]})
        records = records.select_related(*SELECT.get(name, ())).order_by("-pk")
        page = Paginator(records, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    base = {k: v for k, v in request.GET.items() if k not in ("page", "part")}
    context = {
        "title": title,
        "kpi": kpi,
        "part": part,
        "page": page,
        "columns": _records_columns(records.model.__name__) if records is not None else None,
        "querystring": query.urlencode(),
        "project": project,
        "department": department,
        "date_from": data["date_from"],
        "date_to": data["date_to"],
        "part_urls": [
            (value, label, _url("analytics:kpi_records", {**base, "part": value}, code))
            for value, label in RecordsForm.base_fields["part"].choices
        ],
        "back_url": _url(
            "analytics:dashboard", {k: v for k, v in base.items() if k in ("from", "to", "project", "department")}
        ),
    }
    return render(request, "analytics/dashboard_records.html", context)


def _defaults(form_class) -> dict:
    form = form_class({})
    form.is_valid()
    return form.cleaned_data


@staff_required(Perm.KPI_VIEW)
def hotspot_records(request: HttpRequest) -> HttpResponse:
    form = HotspotRecordsForm(request.GET or None)
    title = _("Records: hotspots")
    if request.GET and not form.is_valid():
        return _bad_request(request, form, title)
    data = form.cleaned_data if request.GET else _defaults(HotspotRecordsForm)
    project, department = _scope_objects(request, data)
    filters = {f"{name}_id": data[name] for name in ("building", "area", "category") if data.get(name) is not None}
    for name in ("kind", "weekday", "hour"):
        if data.get(name) not in (None, ""):
            filters[name] = data[name]
    counter = data.get("counter") or "reported"
    try:
        records = hotspot_records_of(
            user=request.user,
            counter=counter,
            date_from=data["date_from"],
            date_to=data["date_to"],
            project=project,
            department=department,
            filters=filters,
        )
    except PermissionDenied:
        raise Http404 from None
    except ValueError as exc:
        form.add_error(None, str(exc))
        return _bad_request(request, form, title)
    records = records.select_related("project", "category", "assignee", "building", "area").order_by("-created", "-pk")
    page = Paginator(records, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    base = {k: v for k, v in request.GET.items() if k in ("from", "to", "project", "department")}
    context = {
        "title": title,
        "counter_label": dict(HotspotRecordsForm.base_fields["counter"].choices).get(counter),
        "page": page,
        "columns": "order",
        "querystring": query.urlencode(),
        "project": project,
        "department": department,
        "date_from": data["date_from"],
        "date_to": data["date_to"],
        "weekday": WEEKDAYS[data["weekday"] - 1] if data.get("weekday") else None,
        "hour": data.get("hour"),
        "back_url": _url("analytics:dashboard", base),
    }
    return render(request, "analytics/dashboard_records.html", context)
