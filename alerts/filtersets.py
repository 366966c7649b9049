"""The alerts FilterSets: one set of filters each for the staff lists, the API and the exports.

Dropdowns offer only what the user may see (projects, rules of his companies); an id outside
that is a validation error, exactly like a missing one.
"""

import django_filters as filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from alerts.choices import AlertStatus, ChannelKind, Level, RuleKind, Severity, SubjectType
from alerts.models import Alert, AlertRule, Channel, Device, Gateway
from core.access import access_for
from core.choices import Perm
from core.filtersets import SearchFilterSet
from core.models import Project

OWNER_CHOICES = [("me", _("Mine")), ("any", _("Anyone")), ("none", _("Nobody"))]


def _alert_projects(request):
    if request is None:  # schema generation
        return Project.objects.none()
    return Project.objects.filter(access_for(request.user).q(Perm.ALERT_VIEW, project_field="id")).order_by("name")


def _rules(request):
    if request is None:
        return AlertRule.objects.none()
    from alerts.selectors import rule_list

    return rule_list(user=request.user)


def project_filter() -> filters.ModelChoiceFilter:
    return filters.ModelChoiceFilter(field_name="project", queryset=_alert_projects, label=_("project"))


class AlertFilterSet(SearchFilterSet):
    search_fields = ("dedup_key", "rule__name")
    status = filters.MultipleChoiceFilter(choices=AlertStatus.choices, label=_("status"), distinct=False)
    is_open = filters.BooleanFilter(method="filter_open", label=_("open"))
    severity = filters.MultipleChoiceFilter(choices=Severity.choices, label=_("severity"), distinct=False)
    kind = filters.MultipleChoiceFilter(choices=RuleKind.choices, label=_("rule kind"), distinct=False)
    rule_id = filters.ModelChoiceFilter(field_name="rule", queryset=_rules, label=_("rule"))
    project_id = project_filter()
    subject_type = filters.ChoiceFilter(choices=SubjectType.choices, label=_("about"))
    owner = filters.ChoiceFilter(choices=OWNER_CHOICES, method="filter_owner", label=pgettext_lazy("alert", "owner"))
    level = filters.TypedChoiceFilter(choices=Level.choices, coerce=int, label=_("escalation level"))
    created_after = filters.DateFilter(
        field_name="created__date", lookup_expr="gte", label=pgettext_lazy("date range", "from")
    )
    created_before = filters.DateFilter(
        field_name="created__date", lookup_expr="lte", label=pgettext_lazy("date range", "until")
    )

    class Meta:
        model = Alert
        fields = [
            "q",
            "status",
            "is_open",
            "severity",
            "kind",
            "rule_id",
            "project_id",
            "subject_type",
            "owner",
            "level",
            "created_after",
            "created_before",
        ]

    def filter_open(self, queryset, name, value):
        if value is None:
            return queryset
        resolved = Q(status=AlertStatus.RESOLVED)
        return queryset.exclude(resolved) if value else queryset.filter(resolved)

    def filter_owner(self, queryset, name, value):
        if value == "me":
            user = getattr(self.request, "user", None)
            return queryset.filter(owner=user) if user is not None and user.is_authenticated else queryset.none()
        if value == "none":
            return queryset.filter(owner__isnull=True)
        return queryset

    def search(self, queryset, name, value):
        """Words of the rule's name, the condition key or the summary's facts (an order code)."""
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(rule__name__icontains=value) | Q(dedup_key__icontains=value) | Q(evidence__summary__icontains=value)
        )


class AlertRuleFilterSet(SearchFilterSet):
    search_fields = ("name",)
    kind = filters.ChoiceFilter(choices=RuleKind.choices, label=_("rule kind"))
    severity = filters.ChoiceFilter(choices=Severity.choices, label=_("severity"))
    project_id = project_filter()
    is_active = filters.BooleanFilter(label=_("active"))

    class Meta:
        model = AlertRule
        fields = ["q", "kind", "severity", "project_id", "is_active"]


class ChannelFilterSet(SearchFilterSet):
    search_fields = ("name",)
    kind = filters.ChoiceFilter(choices=ChannelKind.choices, label=_("channel"))
    is_active = filters.BooleanFilter(label=_("active"))

    class Meta:
        model = Channel
        fields = ["q", "kind", "is_active"]


class DeviceFilterSet(SearchFilterSet):
    search_fields = ("name", "code", "device_kind")
    project_id = project_filter()
    device_kind = filters.CharFilter(lookup_expr="iexact", label=_("device kind"))
    is_active = filters.BooleanFilter(label=_("active"))

    class Meta:
        model = Device
        fields = ["q", "project_id", "device_kind", "is_active"]


class GatewayFilterSet(SearchFilterSet):
    search_fields = ("name", "key_prefix")
    is_active = filters.BooleanFilter(label=_("active"))

    class Meta:
        model = Gateway
        fields = ["q", "is_active"]
