"""Staff performance pages (/analytics/staff/): the ranking of a month (or any range) with Excel
export, and one person's page with his figures per month (or week, day) and a trend chart.

Figures come from ``analytics.selectors_staff``; the rules (score, stars, complaints) are in
docs/staff_performance.md. A staff member without ``analytics.view`` is sent to his own page.
"""

import datetime as dt

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from analytics import selectors_staff as staff
from analytics.kpis import KPIS
from core.decorators import staff_required
from lib.charts import bar_chart, line_chart
from lib.excel import workbook_bytes, xlsx_response
from lib.months import add_months, month_start

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MAX_DAYS = 731
TOO_LONG = _("At most {n} days at a time.")
END_BEFORE_START = _("The end cannot be before the start.")
PERIOD_CHOICES = [("month", _("by month")), ("week", _("by week")), ("day", _("by day"))]
# The ranking's chart shows the best this many people (the table has everyone).
SCORE_CHART_PEOPLE = 20
# The most periods a person's trend shows (a day-by-day trend of two years would be unreadable).
MAX_PERIODS = 400


class StaffFilterForm(forms.Form):
    date_from = forms.DateField(label=pgettext_lazy("date range", "from"), widget=DATE)
    date_to = forms.DateField(label=pgettext_lazy("date range", "until"), widget=DATE)
    project = forms.ModelChoiceField(
        label=_("project"), queryset=staff.Project.objects.none(), required=False, empty_label=_("All projects")
    )
    department = forms.ModelChoiceField(
        label=_("department"),
        queryset=staff.Department.objects.none(),
        required=False,
        empty_label=_("All departments"),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = staff.staff_projects(user)
        self.fields["department"].queryset = staff.staff_departments(user)
        self.fields["department"].label_from_instance = lambda d: f"{d.project.name} · {d.name}"

    def clean(self):
        data = super().clean()
        date_from, date_to = data.get("date_from"), data.get("date_to")
        if date_from and date_to:
            if date_to < date_from:
                self.add_error("date_to", END_BEFORE_START)
            elif (date_to - date_from).days > MAX_DAYS:
                self.add_error("date_to", str(TOO_LONG).format(n=MAX_DAYS))
        return data


class PersonFilterForm(StaffFilterForm):
    period = forms.ChoiceField(label=_("period"), choices=PERIOD_CHOICES, required=False)

    def clean(self):
        data = super().clean()
        period = data.get("period") or "month"
        data["period"] = period
        if self.errors:
            return data
        if len(staff.period_starts(data["date_from"], data["date_to"], period)) > MAX_PERIODS:
            self.add_error("period", _("Too many periods: choose a longer period or a shorter range."))
        return data


def _twelve_months_to(day: dt.date) -> dt.date:
    """The first day of the twelve months ending with ``day``'s month."""
    return add_months(day, -11)


def _person_query(params: dict | None) -> str:
    """A person's page from the ranking: his twelve months up to the ranking's end, same project and
    department (a trend of the ranking's single month would be one point)."""
    if params is None:
        return ""
    query = {
        "date_from": _twelve_months_to(params["date_to"]).isoformat(),
        "date_to": params["date_to"].isoformat(),
        "period": "month",
        "project": params["project"].pk if params.get("project") else None,
        "department": params["department"].pk if params.get("department") else None,
    }
    return urlencode({k: v for k, v in query.items() if v is not None})


def _read(form_class, request: HttpRequest, defaults: dict):
    """(form, cleaned params or None); without a date in the query, the defaults."""
    query = request.GET if "date_from" in request.GET else None
    form = form_class(query, user=request.user, initial=defaults)
    if query is None:
        return form, {"project": None, "department": None, **defaults}
    return form, (form.cleaned_data if form.is_valid() else None)


def _records_url(code: str, params: dict, person) -> str | None:
    """The records behind a figure of ``person``: the dashboard's drill-down page
    (``analytics:kpi_records``: from, to, project, department, person, part), when it exists."""
    try:
        url = reverse("analytics:kpi_records", args=[code])
    except NoReverseMatch:
        return None
    query = {
        "from": params["date_from"].isoformat(),
        "to": params["date_to"].isoformat(),
        "project": params["project"].pk if params.get("project") else None,
        "department": params["department"].pk if params.get("department") else None,
        "person": person.pk,
        "part": "denominator",
    }
    return f"{url}?{urlencode({k: v for k, v in query.items() if v is not None})}"


# The person's figures that link to their records, by the KPI whose records they are.
RECORD_LINKS = (
    "repair_arrive_minutes",
    "repair_arrive_on_time",
    "repair_resolve_on_time",
    "repair_rework",
    "average_rating",
    "task_on_time",
)


@staff_required()
def staff_list(request: HttpRequest) -> HttpResponse:
    if staff.staff_scope(request.user) != staff.SCOPE_ALL:
        return redirect("analytics:staff_person", person=request.user.pk)
    today = timezone.localdate()
    form, params = _read(StaffFilterForm, request, {"date_from": month_start(today), "date_to": today})
    rows = None
    if params is not None:
        rows = staff.staff_performance(
            user=request.user,
            date_from=params["date_from"],
            date_to=params["date_to"],
            project=params["project"],
            department=params["department"],
        )
        if request.GET.get("export") == "xlsx":
            return _export_list(rows, params)
    query = request.GET.copy()
    query.pop("export", None)
    if params is not None and "date_from" not in query:
        query.update({"date_from": params["date_from"].isoformat(), "date_to": params["date_to"].isoformat()})
    context = {
        "title": _("Staff performance"),
        "form": form,
        "params": params,
        "rows": rows,
        "export_query": query.urlencode(),
        "person_query": _person_query(params),
        "score_chart": _score_chart(rows, _person_query(params)) if rows else None,
        "score_chart_height": f"{80 + 26 * min(len(rows or ()), SCORE_CHART_PEOPLE)}px",
        "weights": staff.WEIGHTS,
        "min_volume": staff.MIN_VOLUME,
    }
    return render(request, "analytics/staff_list.html", context)


@staff_required()
def staff_person(request: HttpRequest, person: int) -> HttpResponse:
    person = staff.get_staff_person_for_user(request.user, person)
    today = timezone.localdate()
    defaults = {"date_from": _twelve_months_to(today), "date_to": today, "period": "month"}
    form, params = _read(PersonFilterForm, request, defaults)
    trend = total = None
    if params is not None:
        trend = staff.staff_trend(
            user=request.user,
            person=person,
            date_from=params["date_from"],
            date_to=params["date_to"],
            period=params["period"],
            project=params["project"],
            department=params["department"],
        )
        total = staff.staff_total(person=person, trend=trend)
        if request.GET.get("export") == "xlsx":
            return _export_person(person, trend, total)
    query = request.GET.copy()
    query.pop("export", None)
    links = {}
    if params is not None and staff.staff_scope(request.user) == staff.SCOPE_ALL:  # the records need analytics.view
        links = {code: _records_url(code, params, person) for code in RECORD_LINKS if code in KPIS}
    context = {
        "title": _("Staff performance: {name}").format(name=person.name or person.get_username()),
        "person": person,
        "form": form,
        "params": params,
        "trend": trend,
        "total": total,
        "links": links,
        "trend_chart": _trend_chart(trend, params["period"]) if trend else None,
        "export_query": query.urlencode(),
        "can_rank": staff.staff_scope(request.user) == staff.SCOPE_ALL,
    }
    return render(request, "analytics/staff_person.html", context)


def _score_chart(rows: list, person_query: str) -> dict | None:
    """The ranked people's scores as horizontal bars, best on top; a bar opens the person's page."""
    ranked = [f for f in rows if f.rank is not None][:SCORE_CHART_PEOPLE]
    if not ranked:
        return None
    urls = [f"{reverse('analytics:staff_person', args=[f.person_id])}?{person_query}" for f in ranked]
    return bar_chart(
        categories=[f.name for f in ranked],
        series=[(_("Score"), [f.score for f in ranked])],
        horizontal=True,
        links=[urls],
    )


def _label(start: dt.date, period: str) -> str:
    return f"{start:%Y-%m}" if period == "month" else start.isoformat()


def _trend_chart(trend: list, period: str) -> dict | None:
    if not any(f.volume or f.orders["arrived"] or f.ratings for f in trend):
        return None
    return line_chart(
        categories=[_label(f.period, period) for f in trend],
        series=[
            (_("Score"), [f.score for f in trend]),
            (_("On-time completion %"), [f.resolve_on_time.percent for f in trend]),
            (_("On site on time %"), [f.arrive_on_time.percent for f in trend]),
            (_("Tasks on time %"), [f.tasks_on_time.percent for f in trend]),
        ],
        y_min=0,
        y_max=100,
    )


#
# Excel
#
def _blank(value):
    return "" if value is None else value


def _columns() -> list:
    return [
        _("orders done"),
        _("average minutes to arrive"),
        _("average hours to complete"),
        _("on site on time %"),
        _("completed on time %"),
        _("rework %"),
        _("ratings"),
        _("average rating"),
        _("complaints"),
        _("tasks due"),
        _("tasks done"),
        _("tasks on time %"),
        _("score"),
        _("stars"),
    ]


def _values(f) -> list:
    return [
        f.orders_done,
        _blank(f.response_minutes),
        _blank(f.completion_hours),
        _blank(f.arrive_on_time.percent),
        _blank(f.resolve_on_time.percent),
        _blank(f.rework.percent),
        f.ratings,
        _blank(f.average_rating),
        f.complaints,
        f.tasks_due,
        f.tasks_done,
        _blank(f.tasks_on_time.percent),
        _blank(f.score),
        _blank(f.stars),
    ]


def _notes() -> list:
    return [
        _(
            "Score 0–100: weighted mean of on-time completion, on site on time, first-pass, rating, "
            "complaints and tasks on time."
        ),
        _("Complaints: ratings of 2 stars or fewer and follow-ups answered not satisfied."),
        _("See docs/staff_performance.md for the rules."),
    ]


def _export_list(rows: list, params: dict) -> HttpResponse:
    content = workbook_bytes(
        sheet_title=str(_("Staff performance")),
        header=[_("rank"), _("person"), *_columns()],
        rows=([_blank(f.rank), f.name, *_values(f)] for f in rows),
        notes=_notes(),
    )
    name = f"staff-{params['date_from']:%Y%m%d}-{params['date_to']:%Y%m%d}.xlsx"
    return xlsx_response(content, name)


def _export_person(person, trend: list, total) -> HttpResponse:
    body = [[f.period, *_values(f)] for f in trend]
    body.append([str(_("Total")), *_values(total)])
    content = workbook_bytes(
        sheet_title=str(_("Staff performance")),  # a name may hold characters a sheet title may not
        header=[_("period"), *_columns()],
        rows=body,
        notes=[f"{_('person')}: {person.name or person.get_username()}", *_notes()],
    )
    return xlsx_response(content, f"staff-{person.pk}.xlsx")
