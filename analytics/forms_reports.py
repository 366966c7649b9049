"""Forms of the report pages: which report (kind, period, scope), its narrative, and a campaign with goals."""

import datetime as dt

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from analytics.kpis import KPIS
from analytics.report_models import Campaign, Comparison, ReportKind
from analytics.reports.build import half_year
from core.access import access_for, restrict
from core.choices import Perm
from core.models import Project
from lib.months import add_months, month_end, month_start


def report_projects(user) -> QuerySet[Project]:
    return restrict(Project.objects.all(), user, Perm.KPI_VIEW, project_field="id").order_by("name")


def report_campaigns(user) -> QuerySet[Campaign]:
    """Campaigns whose report the user reads: a project's with analytics.view there, a company-wide
    one with analytics.view company-wide."""
    return restrict(Campaign.objects.all(), user, Perm.KPI_VIEW).select_related("project").order_by("-date_from")


def writable_projects(user) -> QuerySet[Project]:
    return restrict(Project.objects.all(), user, Perm.REPORT_WRITE, project_field="id").order_by("name")


def can_write(user, *, company_id: int, project_id: int | None) -> bool:
    return access_for(user).allows(Perm.REPORT_WRITE, company_id=company_id, project_id=project_id)


class ReportForm(forms.Form):
    """Which report: a month, a half-year or a campaign, of one project or (empty) the company."""

    kind = forms.ChoiceField(label=_("Report"), choices=ReportKind.choices)
    month = forms.CharField(
        label=_("Month"),
        required=False,
        widget=forms.DateInput(attrs={"type": "month"}),
        help_text=_("For a monthly report, YYYY-MM."),
    )
    year = forms.IntegerField(label=_("Year"), required=False, min_value=2000, max_value=2100)
    half = forms.TypedChoiceField(
        label=_("Half"), required=False, coerce=int, choices=[(1, _("First half")), (2, _("Second half"))]
    )
    campaign = forms.ModelChoiceField(label=_("Campaign"), required=False, queryset=Campaign.objects.none())
    project = forms.ModelChoiceField(
        label=_("Project"), required=False, queryset=Project.objects.none(), empty_label=_("Whole company")
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = report_projects(user)
        self.fields["campaign"].queryset = report_campaigns(user)
        # Project roles read their projects' reports only, never the company's.
        self.project_only = not access_for(user).company_grants.get(Perm.KPI_VIEW)
        if self.project_only:
            self.fields["project"].empty_label = None

    @staticmethod
    def defaults(today: dt.date) -> dict:
        last_month = add_months(month_start(today), -1)
        return {"kind": ReportKind.MONTHLY, "month": f"{last_month:%Y-%m}", "year": today.year, "half": 1}

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if kind == ReportKind.MONTHLY:
            try:
                first = dt.datetime.strptime(data.get("month") or "", "%Y-%m").date()
            except ValueError:
                self.add_error("month", _("Enter a month as YYYY-MM."))
                return data
            data["date_from"], data["date_to"] = first, month_end(first)
        elif kind == ReportKind.HALF_YEAR:
            if not data.get("year") or not data.get("half"):
                self.add_error("year" if not data.get("year") else "half", _("Choose the year and the half."))
                return data
            data["date_from"], data["date_to"] = half_year(data["year"], data["half"])
        elif kind == ReportKind.CAMPAIGN:
            campaign = data.get("campaign")
            if campaign is None:
                self.add_error("campaign", _("Choose the campaign."))
                return data
            data["date_from"], data["date_to"], data["project"] = campaign.date_from, campaign.date_to, campaign.project
        if kind in (ReportKind.MONTHLY, ReportKind.HALF_YEAR) and self.project_only and data.get("project") is None:
            self.add_error("project", _("Choose the project."))
        return data


class NarrativeForm(forms.Form):
    highlights = forms.CharField(label=_("Highlights"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    problems = forms.CharField(label=_("Problems"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    plan = forms.CharField(
        label=_("Plan"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Measures and goals for the next period."),
    )


class CampaignForm(forms.ModelForm):
    # Declared here: a model-generated field would query all projects at import, outside any company scope.
    project = forms.ModelChoiceField(
        label=_("Project"),
        required=False,
        queryset=Project.objects.none(),
        empty_label=_("Whole company"),
        help_text=_("Leave empty for a company-wide campaign."),
    )

    class Meta:
        model = Campaign
        fields = ["name", "description", "project", "baseline_from", "baseline_to", "date_from", "date_to"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            **{
                name: forms.DateInput(attrs={"type": "date"})
                for name in ("baseline_from", "baseline_to", "date_from", "date_to")
            },
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = writable_projects(user)
        if not self.instance.pk:
            today = timezone.localdate()
            first = month_start(today)
            self.initial.setdefault("date_from", first)
            self.initial.setdefault("date_to", month_end(first))
            self.initial.setdefault("baseline_from", add_months(first, -1))
            self.initial.setdefault("baseline_to", first - dt.timedelta(days=1))


def kpi_choices() -> list[tuple[str, str]]:
    return [("", "---------"), *((code, kpi.label) for code, kpi in KPIS.items())]


class GoalForm(forms.Form):
    kpi = forms.ChoiceField(label=_("KPI"), choices=kpi_choices, required=False)
    comparison = forms.ChoiceField(label=_("Comparison"), choices=Comparison.choices, required=False)
    value = forms.DecimalField(label=_("Value"), max_digits=8, decimal_places=2, required=False)

    def clean(self):
        data = super().clean()
        if data.get("kpi") and (not data.get("comparison") or data.get("value") is None):
            raise forms.ValidationError(_("A goal needs a comparison and a value."))
        return data


GoalFormSet = forms.formset_factory(GoalForm, extra=0, max_num=len(KPIS))
