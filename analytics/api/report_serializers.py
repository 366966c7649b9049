"""Serializers of the reports API: saved narratives, campaigns with goals, and the query naming a report."""

import datetime as dt

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from analytics.forms_reports import report_campaigns, report_projects, writable_projects
from analytics.kpis import KPIS
from analytics.report_models import Campaign, CampaignGoal, Comparison, Report, ReportKind
from analytics.reports.build import half_year
from lib.months import month_end

OUTPUTS = ("json", "pdf", "xlsx")


def _lookup(name: str, qs, pk):
    """The row ``pk`` of ``qs`` or a 'does not exist' error on the field (missing and not yours alike)."""
    if pk is None:
        return None
    row = qs.filter(pk=pk).first()
    if row is None:
        raise serializers.ValidationError({name: [_("Not found.")]}, code="does_not_exist")
    return row


class ReportQuerySerializer(serializers.Serializer):
    """Which report: ``kind``; ``month`` (YYYY-MM) for a monthly report, ``year`` and ``half`` for a
    half-year, ``campaign`` for a campaign's; ``project`` (empty: the company); ``output``."""

    kind = serializers.ChoiceField(choices=ReportKind.choices)
    month = serializers.RegexField(r"^\d{4}-(0[1-9]|1[0-2])$", required=False, help_text=_("YYYY-MM"))
    year = serializers.IntegerField(min_value=2000, max_value=2100, required=False)
    half = serializers.ChoiceField(choices=[1, 2], required=False)
    campaign = serializers.IntegerField(required=False)
    project = serializers.IntegerField(required=False)
    output = serializers.ChoiceField(choices=OUTPUTS, default="json")

    def validate(self, attrs):
        user = self.context["request"].user
        attrs["project"] = _lookup("project", report_projects(user), attrs.get("project"))
        attrs["campaign"] = _lookup("campaign", report_campaigns(user), attrs.get("campaign"))
        kind = attrs["kind"]
        if kind == ReportKind.MONTHLY:
            if not attrs.get("month"):
                raise serializers.ValidationError({"month": [_("Required for a monthly report.")]}, code="required")
            first = dt.datetime.strptime(attrs["month"], "%Y-%m").date()
            attrs["date_from"], attrs["date_to"] = first, month_end(first)
        elif kind == ReportKind.HALF_YEAR:
            for name in ("year", "half"):
                if not attrs.get(name):
                    raise serializers.ValidationError({name: [_("Required for a half-year summary.")]}, code="required")
            attrs["date_from"], attrs["date_to"] = half_year(attrs["year"], int(attrs["half"]))
        else:
            if attrs["campaign"] is None:
                raise serializers.ValidationError({"campaign": [_("Required for a campaign report.")]}, code="required")
            attrs["date_from"] = attrs["date_to"] = None
        return attrs


class NarrativeInputSerializer(ReportQuerySerializer):
    highlights = serializers.CharField(required=False, allow_blank=True)
    problems = serializers.CharField(required=False, allow_blank=True)
    plan = serializers.CharField(required=False, allow_blank=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.pop("output")


class WrittenReportSerializer(serializers.ModelSerializer):
    class Meta:
        model = Report
        fields = [
            "id",
            "company",
            "project",
            "kind",
            "date_from",
            "date_to",
            "campaign",
            "highlights",
            "problems",
            "plan",
            "updated_by",
            "updated",
        ]


class CampaignGoalSerializer(serializers.ModelSerializer):
    kpi = serializers.ChoiceField(choices=sorted(KPIS))
    comparison = serializers.ChoiceField(choices=Comparison.choices)

    class Meta:
        model = CampaignGoal
        fields = ["kpi", "comparison", "value"]


class CampaignSerializer(serializers.ModelSerializer):
    goals = CampaignGoalSerializer(many=True, read_only=True)

    class Meta:
        model = Campaign
        fields = [
            "id",
            "company",
            "project",
            "name",
            "description",
            "baseline_from",
            "baseline_to",
            "date_from",
            "date_to",
            "goals",
            "created_by",
            "created",
            "updated",
        ]


class CampaignInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    description = serializers.CharField(required=False, allow_blank=True)
    project = serializers.IntegerField(required=False, allow_null=True, help_text=_("Empty: company-wide."))
    baseline_from = serializers.DateField()
    baseline_to = serializers.DateField()
    date_from = serializers.DateField()
    date_to = serializers.DateField()
    goals = CampaignGoalSerializer(many=True, required=False)

    def validate(self, attrs):
        if "project" in attrs:
            attrs["project"] = _lookup("project", writable_projects(self.context["request"].user), attrs["project"])
        return attrs
