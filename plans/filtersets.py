"""The plan, checkpoint and task FilterSets: one set of filters each for the staff lists, the API and the exports."""

import django_filters as filters
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import User
from core.access import access_for
from core.choices import Perm
from core.filtersets import SearchFilterSet, building_filter, project_filter
from core.models import Department, Membership
from plans.choices import PlanKind, TaskStatus
from plans.models import Checkpoint, Plan, Task


def _task_scope(request):
    """Rows of projects where the user sees tasks: all of them (plans.view) or his own (tasks.work)."""
    access = access_for(request.user)
    return access.q(Perm.PLAN_VIEW) | access.q(Perm.TASK_WORK)


def _visible_departments(request):
    if request is None:  # schema generation
        return Department.objects.none()
    return Department.objects.filter(_task_scope(request)).select_related("project")


def _visible_people(request):
    if request is None:
        return User.objects.none()
    memberships = Membership.objects.filter(_task_scope(request))
    return User.objects.filter(pk__in=memberships.values("user_id")).order_by("name")


def _visible_plans(request):
    if request is None:
        return Plan.objects.none()
    return Plan.objects.filter(_task_scope(request))


def _department_filter() -> filters.ModelChoiceFilter:
    return filters.ModelChoiceFilter(field_name="department", queryset=_visible_departments, label=_("department"))


class PlanFilterSet(SearchFilterSet):
    search_fields = ("name", "description")
    project_id = project_filter()
    department_id = _department_filter()
    kind = filters.ChoiceFilter(choices=PlanKind.choices, label=_("kind"))
    is_active = filters.BooleanFilter(label=_("active"))

    class Meta:
        model = Plan
        fields = ["q", "project_id", "department_id", "kind", "is_active"]


class CheckpointFilterSet(SearchFilterSet):
    search_fields = ("name", "description", "area__name", "building__name")
    project_id = project_filter()
    building_id = building_filter()
    is_active = filters.BooleanFilter(label=_("active"))

    class Meta:
        model = Checkpoint
        fields = ["q", "project_id", "building_id", "is_active"]


class TaskFilterSet(SearchFilterSet):
    search_fields = ("title",)
    project_id = project_filter()
    department_id = _department_filter()
    assignee_id = filters.ModelChoiceFilter(field_name="assignee", queryset=_visible_people, label=_("person"))
    plan_id = filters.ModelChoiceFilter(field_name="plan", queryset=_visible_plans, label=_("plan"))
    kind = filters.MultipleChoiceFilter(choices=PlanKind.choices, label=_("kind"), distinct=False)
    status = filters.MultipleChoiceFilter(choices=TaskStatus.choices, label=_("status"), distinct=False)
    date_from = filters.DateFilter(field_name="date", lookup_expr="gte", label=pgettext_lazy("date range", "from"))
    date_to = filters.DateFilter(field_name="date", lookup_expr="lte", label=pgettext_lazy("date range", "until"))
    late = filters.BooleanFilter(method="filter_late", label=_("late"))

    class Meta:
        model = Task
        fields = [
            "q",
            "project_id",
            "department_id",
            "assignee_id",
            "plan_id",
            "kind",
            "status",
            "date_from",
            "date_to",
            "late",
        ]

    def filter_late(self, queryset, name, value):
        """Tasks finished after their window's end, or with a check-in after it."""
        if value is None:
            return queryset
        q = Q(status=TaskStatus.COMPLETED, finished_at__gt=F("due_at")) | Q(late_checkins__gt=0)
        return queryset.filter(q) if value else queryset.exclude(q)
