"""Serializers of the KPI, roll-up and staff-performance API: the query parameters (validated here,
errors named after the parameter) and the output shapes.

Ids in the query (project, department, person, company) resolve within what the user may read, so
an id outside that is ``does_not_exist`` exactly like a missing one.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from analytics import selectors_staff as staff
from analytics.kpis import KPIS
from analytics.selectors import GROUPS
from core.access import access_for, restrict
from core.choices import Perm
from core.models import Company, Department, Project
from plans.api.serializers import resolve_id

MAX_DAYS = 731
END_BEFORE_START = _("The end cannot be before the start.")
TOO_LONG = _("At most {n} days at a time.")
UNKNOWN_KPIS = _("Unknown KPI codes: {codes}.")
NO_KPIS = _("Name at least one KPI code.")


@extend_schema_field(OpenApiTypes.OBJECT)
class ObjectField(serializers.DictField):
    pass


def kpi_projects(user):
    return restrict(Project.objects.all(), user, Perm.KPI_VIEW, project_field="id")


#
# Query parameters
#
class SpanQuerySerializer(serializers.Serializer):
    """``from`` and ``to`` (local days, both included) and an optional project."""

    locals()["from"] = serializers.DateField(help_text=_("First day (YYYY-MM-DD), included."))
    to = serializers.DateField(help_text=_("Last day (YYYY-MM-DD), included; at most 731 days after the first."))
    project = serializers.IntegerField(
        required=False, allow_null=True, default=None, help_text=_("Only this project (an id you may read KPIs of).")
    )

    def projects(self):
        return kpi_projects(self.context["request"].user)

    def validate_project(self, pk):
        return resolve_id(None, self.projects(), pk)

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if attrs["to"] < attrs["from"]:
            raise serializers.ValidationError({"to": [END_BEFORE_START]})
        if (attrs["to"] - attrs["from"]).days > MAX_DAYS:
            raise serializers.ValidationError({"to": [str(TOO_LONG).format(n=MAX_DAYS)]})
        return attrs


class ValuesQuerySerializer(SpanQuerySerializer):
    kpis = serializers.CharField(help_text=_("KPI codes separated by commas (see /api/v1/kpis/)."))
    group_by = serializers.ChoiceField(
        choices=[g for g in GROUPS if g],
        required=False,
        allow_null=True,
        allow_blank=True,
        default=None,
        help_text=_("No group (or empty): totals."),
    )

    def validate_group_by(self, value):
        return value or None

    def validate_kpis(self, value: str) -> list[str]:
        codes = list(dict.fromkeys(c.strip() for c in value.split(",") if c.strip()))
        if not codes:
            raise serializers.ValidationError(NO_KPIS, code="required")
        unknown = [c for c in codes if c not in KPIS]
        if unknown:
            raise serializers.ValidationError(str(UNKNOWN_KPIS).format(codes=", ".join(unknown)), code="invalid_choice")
        return codes


class RecordsQuerySerializer(SpanQuerySerializer):
    part = serializers.ChoiceField(
        choices=["numerator", "denominator"],
        default="numerator",
        help_text=_("Whose records: the figure's top or bottom."),
    )
    company = serializers.IntegerField(
        required=False, allow_null=True, default=None, help_text=_("Only if you read KPIs of several companies.")
    )
    department = serializers.IntegerField(required=False, allow_null=True, default=None)
    person = serializers.IntegerField(required=False, allow_null=True, default=None, help_text=_("The assignee."))

    def validate_company(self, pk):
        user = self.context["request"].user
        access = access_for(user)
        companies = Company.objects.all()
        if not access.is_superuser:
            ids = set(access.company_grants.get(Perm.KPI_VIEW, ())) | set(
                self.projects().values_list("company_id", flat=True)
            )
            companies = companies.filter(pk__in=sorted(ids))
        return resolve_id(None, companies, pk)

    def validate_department(self, pk):
        return resolve_id(None, Department.objects.filter(project__in=self.projects()), pk)


class RollupQuerySerializer(SpanQuerySerializer):
    pass


class StaffQuerySerializer(SpanQuerySerializer):
    department = serializers.IntegerField(required=False, allow_null=True, default=None)

    def projects(self):
        return staff.staff_projects(self.context["request"].user)

    def validate_department(self, pk):
        return resolve_id(None, staff.staff_departments(self.context["request"].user), pk)


class StaffTrendQuerySerializer(StaffQuerySerializer):
    period = serializers.ChoiceField(choices=list(staff.PERIODS), default="month")

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if len(staff.period_starts(attrs["from"], attrs["to"], attrs["period"])) > 400:
            raise serializers.ValidationError(
                {"period": [_("Too many periods: choose a longer period or a shorter range.")]}
            )
        return attrs


#
# Output
#
class KpiSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField(help_text=_("In the reader's language."))
    unit = serializers.CharField(help_text=_("%, per_1000 (per 1,000 households), stars or minutes (averages)."))
    higher_is_better = serializers.BooleanField()
    table = serializers.CharField(help_text=_("The roll-up it reads: workorders, tasks or findings."))
    numerator = serializers.ListField(child=serializers.CharField(), help_text=_("Summed counters."))
    denominator = serializers.ListField(child=serializers.CharField(), help_text=_("Summed counters (or households)."))
    kinds = serializers.ListField(child=serializers.CharField(), help_text=_("Rows of these kinds only; empty: all."))
    exclusions = serializers.CharField()
    targets = serializers.DictField(
        child=serializers.FloatField(),
        help_text=_("Target rate per service level (level_1, level_2, level_3, custom)."),
    )


class KpiRateSerializer(serializers.Serializer):
    group = ObjectField(help_text=_("The group's key (project_id, day, month, …); empty for the total."))
    numerator = serializers.IntegerField()
    denominator = serializers.IntegerField()
    rate = serializers.FloatField(allow_null=True, help_text=_("numerator ÷ denominator; null when it is 0."))


class KpiValuesItemSerializer(serializers.Serializer):
    kpi = serializers.CharField()
    label = serializers.CharField()
    unit = serializers.CharField()
    target = serializers.FloatField(
        allow_null=True, help_text=_("The project's target (its service level) when a project is asked; else null.")
    )
    rows = KpiRateSerializer(many=True)


class KpiValuesResultSerializer(serializers.Serializer):
    locals()["from"] = serializers.DateField()
    to = serializers.DateField()
    group_by = serializers.CharField(allow_null=True)
    project = serializers.IntegerField(allow_null=True)
    results = KpiValuesItemSerializer(many=True)


class KpiRecordSerializer(serializers.Serializer):
    type = serializers.CharField(help_text=_("workorder, follow_up, rating, task or finding"))
    id = serializers.IntegerField()
    label = serializers.CharField(help_text=_("Order number and title, task or finding title."))
    project = serializers.IntegerField()
    status = serializers.CharField(allow_blank=True)
    at = serializers.CharField(help_text=_("The record's date or time (ISO 8601)."))
    url = serializers.CharField(help_text=_("The page of the record (of its order for follow-ups and ratings)."))


class RollupRowSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    day = serializers.DateField()
    project = serializers.IntegerField()
    key = ObjectField(
        help_text=_("The rest of the row's key: department, person, kind, building, area, category, hour.")
    )
    counters = serializers.DictField(child=serializers.IntegerField())


class StaffPersonSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class StaffFiguresSerializer(serializers.Serializer):
    person = serializers.SerializerMethodField()
    period = serializers.DateField(allow_null=True, help_text=_("The period's first day (trends); null for a total."))
    rank = serializers.IntegerField(allow_null=True)
    score = serializers.FloatField(allow_null=True, help_text=_("0–100, see docs/staff_performance.md."))
    stars = serializers.IntegerField(allow_null=True, help_text=_("1–5; null with too little work to judge."))
    volume = serializers.IntegerField(help_text=_("Orders completed + tasks due."))
    orders_done = serializers.IntegerField()
    response_minutes = serializers.FloatField(allow_null=True, help_text=_("Average minutes report → arrival."))
    completion_hours = serializers.FloatField(allow_null=True, help_text=_("Average hours report → completion."))
    arrive_on_time = KpiRateSerializer()
    resolve_on_time = KpiRateSerializer()
    first_pass = KpiRateSerializer()
    rework = KpiRateSerializer()
    ratings = serializers.IntegerField()
    average_rating = serializers.FloatField(allow_null=True)
    complaints = serializers.IntegerField(help_text=_("Ratings ≤ 2 stars + follow-ups answered not satisfied."))
    tasks_due = serializers.IntegerField()
    tasks_done = serializers.IntegerField()
    tasks_on_time = KpiRateSerializer()

    @extend_schema_field(StaffPersonSerializer)
    def get_person(self, figures) -> dict:
        return {"id": figures.person_id, "name": figures.name}


class StaffPerformanceSerializer(serializers.Serializer):
    locals()["from"] = serializers.DateField()
    to = serializers.DateField()
    project = serializers.IntegerField(allow_null=True)
    department = serializers.IntegerField(allow_null=True)
    ranked = serializers.BooleanField(help_text=_("False when you see only your own figures."))
    results = StaffFiguresSerializer(many=True)


class StaffTrendSerializer(serializers.Serializer):
    person = StaffPersonSerializer()
    locals()["from"] = serializers.DateField()
    to = serializers.DateField()
    period = serializers.CharField()
    total = StaffFiguresSerializer()
    periods = StaffFiguresSerializer(many=True)
