"""The work-order FilterSet: one set of filters for the staff list, the API, exports and saved views."""

import django_filters as filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from core.access import access_for, restrict
from core.choices import Perm
from core.filtersets import SearchFilterSet, building_filter, project_filter
from core.models import Department, Membership
from workorders.choices import OPEN_STATUSES, Kind, Priority, SlaState, Source, Status
from workorders.models import Category, WorkOrder


def _visible_categories(request):
    if request is None:
        return Category.objects.none()
    ids = sorted(access_for(request.user).company_ids)
    return Category.objects.filter(company_id__in=ids).select_related("parent")


def _visible_departments(request):
    if request is None:
        return Department.objects.none()
    return restrict(Department.objects.select_related("project"), request.user, Perm.WO_VIEW)


def _visible_people(request):
    if request is None:
        return User.objects.none()
    memberships = restrict(Membership.objects.all(), request.user, Perm.WO_VIEW)
    return User.objects.filter(pk__in=memberships.values("user_id")).order_by("name")


class WorkOrderFilterSet(SearchFilterSet):
    search_fields = ("title", "description", "contact_name", "contact_phone", "location", "unit__code")
    project_id = project_filter()
    building_id = building_filter()
    # distinct=False: these are plain columns, and a SELECT DISTINCT over a million orders sorts them all.
    kind = filters.MultipleChoiceFilter(choices=Kind.choices, label=_("kind"), distinct=False)
    status = filters.MultipleChoiceFilter(choices=Status.choices, label=_("status"), distinct=False)
    priority = filters.MultipleChoiceFilter(choices=Priority.choices, label=_("priority"), distinct=False)
    category_id = filters.ModelChoiceFilter(
        field_name="category", queryset=_visible_categories, label=_("category"), method="filter_category"
    )
    department_id = filters.ModelChoiceFilter(
        field_name="department", queryset=_visible_departments, label=_("department")
    )
    assignee_id = filters.ModelChoiceFilter(field_name="assignee", queryset=_visible_people, label=_("assignee"))
    source = filters.ChoiceFilter(choices=Source.choices, label=_("source"))
    sla_state = filters.MultipleChoiceFilter(choices=SlaState.choices, label=_("SLA state"), distinct=False)
    is_open = filters.BooleanFilter(method="filter_open", label=_("open"))
    overdue = filters.BooleanFilter(method="filter_overdue", label=_("overdue"))
    flagged = filters.BooleanFilter(method="filter_flagged", label=_("flagged"))
    created_after = filters.DateFilter(field_name="created", lookup_expr="date__gte", label=_("reported from"))
    created_before = filters.DateFilter(field_name="created", lookup_expr="date__lte", label=_("reported until"))

    class Meta:
        model = WorkOrder
        fields = [
            "q",
            "project_id",
            "building_id",
            "kind",
            "status",
            "priority",
            "category_id",
            "department_id",
            "assignee_id",
            "source",
            "sla_state",
            "is_open",
            "overdue",
            "flagged",
            "created_after",
            "created_before",
        ]

    def filter_category(self, queryset, name, value):
        return queryset.filter(Q(category=value) | Q(category__parent=value)) if value else queryset

    def filter_open(self, queryset, name, value):
        if value is None:
            return queryset
        q = Q(status__in=sorted(OPEN_STATUSES))
        return queryset.filter(q) if value else queryset.exclude(q)

    def filter_overdue(self, queryset, name, value):
        """Open orders whose resolve deadline has passed, or that the sweep has marked breached."""
        if value is None:
            return queryset
        q = Q(status__in=sorted(OPEN_STATUSES)) & (
            Q(resolve_due_at__lt=timezone.now()) | Q(sla_state=SlaState.BREACHED)
        )
        return queryset.filter(q) if value else queryset.exclude(q)

    def filter_flagged(self, queryset, name, value):
        if value is None:
            return queryset
        q = Q(is_life_safety=True) | Q(is_escalated=True)
        return queryset.filter(q) if value else queryset.exclude(q)
