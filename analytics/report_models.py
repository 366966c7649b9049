"""Models of the periodic reports (monthly, quality-month campaign, half-year); imported by analytics.models.

The figures of a report are never stored: they are read from the roll-ups each time
(``analytics.reports.report_build``). What is stored is what people write: a quality-month
campaign with its goals, and the narrative of a report (highlights, problems, plan).
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from core.models import Company, Project, company_scoped

__all__ = ["Campaign", "CampaignGoal", "Comparison", "Report", "ReportKind"]


class ReportKind(models.TextChoices):
    MONTHLY = "monthly", _("Monthly report")
    HALF_YEAR = "half_year", _("Half-year summary")
    CAMPAIGN = "campaign", _("Quality-month campaign")


class Comparison(models.TextChoices):
    """How a campaign goal compares the campaign's figure with the baseline's (or with a fixed value)."""

    # xgettext:no-python-format
    CHANGE_PCT = "change_pct", _("Change against the baseline, in % of the baseline")
    CHANGE_POINTS = "change_points", _("Change against the baseline, in points")
    AT_LEAST = "at_least", _("At least")
    AT_MOST = "at_most", _("At most")


class Campaign(models.Model):
    """A quality-month campaign (品质月): goals on KPIs, a baseline period and the campaign period.

    Without a project it runs company-wide."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+", verbose_name=_("company"))
    project = models.ForeignKey(
        Project,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("project"),
        help_text=_("Leave empty for a company-wide campaign."),
    )
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    baseline_from = models.DateField(_("baseline from"))
    baseline_to = models.DateField(_("baseline to"))
    date_from = models.DateField(_("campaign from"))
    date_to = models.DateField(_("campaign to"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("created by")
    )
    created = models.DateTimeField(_("created"), auto_now_add=True)
    updated = models.DateTimeField(_("updated"), auto_now=True)

    objects = company_scoped()

    class Meta:
        verbose_name = _("quality-month campaign")
        verbose_name_plural = _("quality-month campaigns")
        ordering = ["-date_from", "name"]
        constraints = [
            models.CheckConstraint(condition=models.Q(date_from__lte=models.F("date_to")), name="campaign_dates"),
            models.CheckConstraint(
                condition=models.Q(baseline_from__lte=models.F("baseline_to")), name="campaign_baseline_dates"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors = {}
        if self.date_from and self.date_to and self.date_from > self.date_to:
            errors["date_to"] = _("The campaign cannot end before it starts.")
        if self.baseline_from and self.baseline_to and self.baseline_from > self.baseline_to:
            errors["baseline_to"] = _("The baseline cannot end before it starts.")
        if self.project_id and self.company_id and self.project.company_id != self.company_id:
            errors["project"] = _("The project belongs to another company.")
        if errors:
            raise ValidationError(errors)


class CampaignGoal(models.Model):
    """One goal of a campaign: a KPI, a comparison and a value (e.g. 回访满意率 +2 points, 返修率 −10 %,
    整改率 at least 100 %)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="goals", verbose_name=_("campaign"))
    kpi = models.CharField(_("KPI"), max_length=40)
    comparison = models.CharField(_("comparison"), max_length=20, choices=Comparison.choices)
    value = models.DecimalField(
        _("value"),
        max_digits=8,
        decimal_places=2,
        # xgettext:no-python-format
        help_text=_("Negative for a decrease (e.g. −10 for a fault rate 10 % lower)."),
    )
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("campaign goal")
        verbose_name_plural = _("campaign goals")
        ordering = ["sort_order", "id"]
        constraints = [models.UniqueConstraint(fields=["campaign", "kpi"], name="campaign_goal_kpi_unique")]

    def __str__(self) -> str:
        return f"{self.kpi} {self.comparison} {self.value}"


class Report(models.Model):
    """What the quality manager writes in one report (highlights, problems, next period's plan);
    the figures beside it are computed when the report is shown. One per company or project, kind,
    period (and campaign)."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+", verbose_name=_("company"))
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("project")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=ReportKind.choices)
    date_from = models.DateField(_("from"))
    date_to = models.DateField(_("to"))
    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, null=True, blank=True, related_name="reports", verbose_name=_("campaign")
    )
    highlights = models.TextField(_("highlights"), blank=True)
    problems = models.TextField(_("problems"), blank=True)
    plan = models.TextField(_("plan"), blank=True, help_text=_("Measures and goals for the next period."))
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("written by")
    )
    created = models.DateTimeField(_("created"), auto_now_add=True)
    updated = models.DateTimeField(_("updated"), auto_now=True)

    objects = company_scoped()

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["-date_from", "kind", "id"]
        constraints = [
            models.UniqueConstraint(
                "company",
                Coalesce("project", 0),
                "kind",
                "date_from",
                "date_to",
                Coalesce("campaign", 0),
                name="report_natural_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.date_from}–{self.date_to}"
