"""The report pages (/analytics/reports/): choose a report (a month, a half-year or a quality-month
campaign, of a project or the whole company), read it as a page with charts, download it as PDF or
Excel, write its narrative; set up campaigns and their goals.

``analytics.view`` reads (a company's report needs it company-wide); ``analytics.report`` writes the
narrative and the campaigns (quality manager, company admin). A project or campaign the user may
not see answers 404 like a missing one.
"""

from urllib.parse import quote, urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from analytics.forms_reports import (
    CampaignForm,
    GoalFormSet,
    NarrativeForm,
    ReportForm,
    can_write,
    report_campaigns,
)
from analytics.report_models import Campaign, Report
from analytics.reports import ReportData, report_build, report_pdf, report_xlsx
from analytics.reports.build import TREND_KPIS
from analytics.services.reports import campaign_create, campaign_delete, campaign_update, report_save
from core.access import access_for, get_object_for_user, restrict
from core.choices import Perm
from core.decorators import staff_required
from core.models import Company
from lib.charts import line_chart
from lib.excel import xlsx_response

# The query parameters that name a report; links to its PDF, workbook and narrative carry them.
QUERY_FIELDS = ("kind", "month", "year", "half", "campaign", "project")
# Errors on these fields mean "not yours or missing": 404, not a form error.
LOOKUP_FIELDS = ("project", "campaign")


def _report(request: HttpRequest) -> tuple[ReportForm, ReportData | None]:
    form = ReportForm(request.GET, user=request.user)
    if not form.is_valid():
        if request.GET.get("project") or request.GET.get("campaign"):
            if any(name in form.errors for name in LOOKUP_FIELDS):
                raise Http404
        return form, None
    params = form.cleaned_data
    data = report_build(
        user=request.user,
        kind=params["kind"],
        date_from=params["date_from"],
        date_to=params["date_to"],
        project=params.get("project"),
        campaign=params.get("campaign"),
    )
    return form, data


def _query(request: HttpRequest) -> str:
    return urlencode([(k, v) for k in QUERY_FIELDS for v in request.GET.getlist(k) if v])


def _filename(data: ReportData, extension: str) -> str:
    return f"{data.title}.{extension}".replace("/", "-").replace(" ", "_")


def _charts(data: ReportData) -> dict:
    categories = [f"{m:%Y-%m}" for m in data.months]
    rows = [data.kpi(code) for code in TREND_KPIS]
    trend = line_chart(
        categories=categories,
        series=[(row.label, row.trend) for row in rows if row is not None],
        percent=True,
        title=_("Trend by month"),
    )
    scores = [item["score"] for item in data.scores]
    score_chart = None
    if any(s is not None for s in scores):
        score_chart = line_chart(categories=categories, series=[(_("Inspection score"), scores)], percent=True)
    return {"trend_chart": trend, "score_chart": score_chart}


@staff_required(Perm.KPI_VIEW)
def report_index(request: HttpRequest) -> HttpResponse:
    form = ReportForm(user=request.user, initial=ReportForm.defaults(timezone.localdate()))
    narratives = restrict(Report.objects.all(), request.user, Perm.KPI_VIEW).select_related("project", "campaign")
    context = {
        "title": _("Reports"),
        "form": form,
        "campaigns": report_campaigns(request.user)[:20],
        "narratives": narratives.order_by("-updated")[:20],
        "may_write": _writes_somewhere(request.user),
    }
    return render(request, "analytics/report_index.html", context)


def _writes_somewhere(user) -> bool:
    access = access_for(user)
    return access.is_superuser or access.has(Perm.REPORT_WRITE)


@staff_required(Perm.KPI_VIEW)
def report_view(request: HttpRequest) -> HttpResponse:
    form, data = _report(request)
    if data is None:
        context = {"title": _("Reports"), "form": form, "campaigns": [], "narratives": [], "may_write": False}
        return render(request, "analytics/report_index.html", context, status=400)
    writer = can_write(request.user, company_id=data.company.pk, project_id=data.project.pk if data.project else None)
    narrative = data.narrative
    initial = {name: getattr(narrative, name) for name in ("highlights", "problems", "plan")} if narrative else {}
    context = {
        "title": data.title,
        "data": data,
        "query": _query(request),
        "narrative_form": NarrativeForm(initial=initial) if writer else None,
        "project_table": data.project_table(),
        **_charts(data),
    }
    return render(request, "analytics/report.html", context)


@staff_required(Perm.KPI_VIEW)
def report_pdf_view(request: HttpRequest) -> HttpResponse:
    _form, data = _report(request)
    if data is None:
        return HttpResponse(_("Choose a report: kind and period."), status=400, content_type="text/plain")
    response = HttpResponse(report_pdf(data), content_type="application/pdf")
    response["Content-Disposition"] = f"inline; filename*=UTF-8''{_quote(_filename(data, 'pdf'))}"
    return response


@staff_required(Perm.KPI_VIEW)
def report_xlsx_view(request: HttpRequest) -> HttpResponse:
    _form, data = _report(request)
    if data is None:
        return HttpResponse(_("Choose a report: kind and period."), status=400, content_type="text/plain")
    return xlsx_response(report_xlsx(data), _filename(data, "xlsx"))


def _quote(name: str) -> str:
    return quote(name)


@require_POST
@staff_required(Perm.KPI_VIEW)
def report_narrative(request: HttpRequest) -> HttpResponse:
    _form, data = _report(request)
    if data is None:
        return HttpResponse(_("Choose a report: kind and period."), status=400, content_type="text/plain")
    form = NarrativeForm(request.POST)
    if form.is_valid():
        report_save(
            company=data.company,
            project=data.project,
            kind=data.kind,
            date_from=data.date_from,
            date_to=data.date_to,
            campaign=data.campaign,
            data=form.cleaned_data,
            actor=request.user,
        )
        messages.success(request, _("Report saved."))
    return redirect(f"{reverse('analytics:report')}?{_query(request)}")


#
# Campaigns
#
def _goals_data(formset) -> list[dict]:
    return [
        {"kpi": f.cleaned_data["kpi"], "comparison": f.cleaned_data["comparison"], "value": f.cleaned_data["value"]}
        for f in formset.forms
        if f.cleaned_data.get("kpi") and not f.cleaned_data.get("DELETE")
    ]


def _save_campaign(request, form, formset, save) -> bool:
    if not (form.is_valid() and formset.is_valid()):
        return False
    try:
        save(form.cleaned_data, _goals_data(formset))
    except ValidationError as exc:
        for field, errors in exc.message_dict.items():
            for error in errors:
                form.add_error(field if field in form.fields else None, error)
        return False
    return True


@staff_required(Perm.REPORT_WRITE)
def campaign_create_view(request: HttpRequest) -> HttpResponse:
    form = CampaignForm(request.POST or None, user=request.user)
    formset = GoalFormSet(request.POST or None, prefix="goals", initial=[{}] * 4)
    if request.method == "POST":

        def save(data, goals):
            company = data["project"].company if data.get("project") else _write_company(request.user)
            request.campaign = campaign_create(company=company, data=data, goals=goals, actor=request.user)

        if _save_campaign(request, form, formset, save):
            messages.success(request, _("Campaign created."))
            return redirect(f"{reverse('analytics:report')}?kind=campaign&campaign={request.campaign.pk}")
    context = {"title": _("New quality-month campaign"), "form": form, "formset": formset}
    return render(request, "analytics/report_campaign_form.html", context)


def _write_company(user):
    """The company of a company-wide campaign: the one where the user writes reports company-wide."""
    ids = access_for(user).company_grants.get(Perm.REPORT_WRITE, set())
    if len(ids) != 1:
        raise ValidationError({"project": _("Choose the project.")})
    return Company.objects.get(pk=next(iter(ids)))


@staff_required(Perm.REPORT_WRITE)
def campaign_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = get_object_for_user(
        Campaign.objects.all(), request.user, pk, perm=Perm.KPI_VIEW, write_perm=Perm.REPORT_WRITE
    )
    goals = [{"kpi": g.kpi, "comparison": g.comparison, "value": g.value} for g in campaign.goals.all()]
    form = CampaignForm(request.POST or None, instance=campaign, user=request.user)
    formset = GoalFormSet(request.POST or None, prefix="goals", initial=goals + [{}] * 2)
    if request.method == "POST":

        def save(data, goal_rows):
            campaign_update(campaign=campaign, data=data, goals=goal_rows, actor=request.user)

        if _save_campaign(request, form, formset, save):
            messages.success(request, _("Campaign saved."))
            return redirect(f"{reverse('analytics:report')}?kind=campaign&campaign={campaign.pk}")
    context = {"title": _("Edit campaign"), "form": form, "formset": formset, "campaign": campaign}
    return render(request, "analytics/report_campaign_form.html", context)


@require_POST
@staff_required(Perm.REPORT_WRITE)
def campaign_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = get_object_for_user(
        Campaign.objects.all(), request.user, pk, perm=Perm.KPI_VIEW, write_perm=Perm.REPORT_WRITE
    )
    campaign_delete(campaign=campaign, actor=request.user)
    messages.success(request, _("Campaign deleted."))
    return redirect("analytics:report_index")
