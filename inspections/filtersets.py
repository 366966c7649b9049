"""The inspections FilterSets: one set of filters each for the staff lists, the API and the exports.

Dropdowns offer only what the user may see: departments and people of projects where he sees
inspections (or rectifies findings), checklists of his companies. An id outside that is a
validation error, exactly like a missing one.
"""

import django_filters as filters
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import User
from core.access import access_for
from core.choices import Perm
from core.filtersets import SearchFilterSet, project_filter
from core.models import Department, Membership
from inspections import selectors
from inspections.choices import (
    OPEN_CAPA_STATUSES,
    OPEN_FINDING_STATUSES,
    OPEN_ROUND_STATUSES,
    CapaSource,
    CapaStatus,
    CauseClass,
    FindingSource,
    FindingStatus,
    RoundKind,
    RoundStatus,
    Severity,
)
from inspections.models import (
    Capa,
    ChecklistTemplate,
    Finding,
    InspectionRound,
    InspectionSchedule,
    RoundInspector,
)
from standards.choices import Discipline


def _scope(request):
    access = access_for(request.user)
    return access.q(Perm.INSP_VIEW) | access.q(Perm.FINDINGS_RECTIFY) | access.q(Perm.CAPA_MANAGE)


def _visible_departments(request):
    if request is None:  # schema generation
        return Department.objects.none()
    return Department.objects.filter(_scope(request)).select_related("project").order_by("project__name", "name")


def _visible_people(request):
    """Members of projects where the user sees inspections (never owners: they hold no membership)."""
    if request is None:
        return User.objects.none()
    memberships = Membership.objects.filter(access_for(request.user).q(Perm.INSP_VIEW), is_active=True)
    return User.objects.filter(pk__in=memberships.values("user_id")).order_by("name", "id")


def _visible_templates(request):
    if request is None:
        return ChecklistTemplate.objects.none()
    return selectors.template_list(user=request.user)


def department_filter() -> filters.ModelChoiceFilter:
    return filters.ModelChoiceFilter(field_name="department", queryset=_visible_departments, label=_("department"))


def _date_from(field: str) -> filters.DateFilter:
    return filters.DateFilter(field_name=field, lookup_expr="gte", label=pgettext_lazy("date range", "from"))


def _date_to(field: str) -> filters.DateFilter:
    return filters.DateFilter(field_name=field, lookup_expr="lte", label=pgettext_lazy("date range", "until"))


def _overdue(queryset, value, statuses, field: str = "due_at"):
    if value is None:
        return queryset
    late = Q(status__in=sorted(statuses), **{f"{field}__lt": timezone.now()})
    return queryset.filter(late) if value else queryset.exclude(late)


#
# Checklists
#
class ChecklistTemplateFilterSet(SearchFilterSet):
    search_fields = ("name", "code", "description")
    kind = filters.ChoiceFilter(choices=RoundKind.choices, method="filter_kind", label=_("suits"))
    discipline = filters.ChoiceFilter(choices=Discipline.choices, label=_("discipline"))
    is_active = filters.BooleanFilter(label=_("active"))

    class Meta:
        model = ChecklistTemplate
        fields = ["q", "kind", "discipline", "is_active"]

    def filter_kind(self, queryset, name, value):
        """Checklists for this kind of round: those naming it, and those that suit any (no kinds)."""
        if not value:
            return queryset
        return queryset.filter(Q(kinds__icontains=f'"{value}"') | Q(kinds=[]))


#
# Rounds and schedules
#
class InspectionRoundFilterSet(SearchFilterSet):
    search_fields = ("title",)
    project_id = project_filter()
    template_id = filters.ModelChoiceFilter(
        field_name="version__template", queryset=_visible_templates, label=_("checklist")
    )
    kind = filters.MultipleChoiceFilter(choices=RoundKind.choices, label=_("kind"), distinct=False)
    status = filters.MultipleChoiceFilter(choices=RoundStatus.choices, label=_("status"), distinct=False)
    date_from = _date_from("scheduled_for")
    date_to = _date_to("scheduled_for")
    inspector_id = filters.ModelChoiceFilter(
        field_name="lead", queryset=_visible_people, method="filter_inspector", label=_("inspector")
    )
    overdue = filters.BooleanFilter(method="filter_overdue", label=_("overdue"))

    class Meta:
        model = InspectionRound
        fields = ["q", "project_id", "template_id", "kind", "status", "date_from", "date_to", "inspector_id", "overdue"]

    def filter_inspector(self, queryset, name, value):
        if not value:
            return queryset
        invited = RoundInspector.objects.filter(round_id=OuterRef("pk"), user=value)
        return queryset.filter(Q(lead=value) | Q(Exists(invited)))

    def filter_overdue(self, queryset, name, value):
        """Rounds still scheduled or in progress after they were due."""
        return _overdue(queryset, value, OPEN_ROUND_STATUSES)


class InspectionScheduleFilterSet(SearchFilterSet):
    search_fields = ("title", "template__name")
    project_id = project_filter()
    template_id = filters.ModelChoiceFilter(field_name="template", queryset=_visible_templates, label=_("checklist"))
    kind = filters.ChoiceFilter(choices=RoundKind.choices, label=_("kind"))
    is_active = filters.BooleanFilter(label=_("active"))

    class Meta:
        model = InspectionSchedule
        fields = ["q", "project_id", "template_id", "kind", "is_active"]


#
# Findings and CAPA
#
class FindingFilterSet(SearchFilterSet):
    search_fields = ("title", "description")
    project_id = project_filter()
    department_id = department_filter()
    severity = filters.MultipleChoiceFilter(choices=Severity.choices, label=_("severity"), distinct=False)
    status = filters.MultipleChoiceFilter(choices=FindingStatus.choices, label=_("status"), distinct=False)
    source = filters.ChoiceFilter(choices=FindingSource.choices, label=_("source"))
    overdue = filters.BooleanFilter(method="filter_overdue", label=_("overdue"))
    repeat = filters.BooleanFilter(
        field_name="repeat_of", lookup_expr="isnull", exclude=True, label=_("repeat finding")
    )
    round_id = filters.NumberFilter(field_name="round", label=_("inspection round"))
    date_from = _date_from("created__date")
    date_to = _date_to("created__date")

    class Meta:
        model = Finding
        fields = [
            "q",
            "project_id",
            "department_id",
            "severity",
            "status",
            "source",
            "overdue",
            "repeat",
            "round_id",
            "date_from",
            "date_to",
        ]

    def filter_overdue(self, queryset, name, value):
        """Open or rectifying findings past their deadline."""
        return _overdue(queryset, value, OPEN_FINDING_STATUSES)


class CapaFilterSet(SearchFilterSet):
    search_fields = ("title", "description")
    project_id = project_filter()
    status = filters.MultipleChoiceFilter(choices=CapaStatus.choices, label=_("status"), distinct=False)
    severity = filters.MultipleChoiceFilter(choices=Severity.choices, label=_("severity"), distinct=False)
    source = filters.ChoiceFilter(choices=CapaSource.choices, label=_("source"))
    cause_class = filters.ChoiceFilter(choices=CauseClass.choices, label=_("cause class"))
    owner_id = filters.ModelChoiceFilter(
        field_name="owner", queryset=_visible_people, label=pgettext_lazy("CAPA", "owner")
    )
    requires_8d = filters.BooleanFilter(label=_("full 8D required"))
    overdue = filters.BooleanFilter(method="filter_overdue", label=_("overdue"))

    class Meta:
        model = Capa
        fields = [
            "q",
            "project_id",
            "status",
            "severity",
            "source",
            "cause_class",
            "owner_id",
            "requires_8d",
            "overdue",
        ]

    def filter_overdue(self, queryset, name, value):
        """CAPAs not closed after their deadline."""
        return _overdue(queryset, value, OPEN_CAPA_STATUSES)
