"""One FilterSet per list: used by the staff UI lists, the API and the Excel exports."""

import django_filters as filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.access import restrict
from core.choices import AreaKind, DepartmentKind, Perm, ProjectKind, ResidentRelation, Role, ServiceLevel, UnitStatus
from core.models import Area, Building, Department, Membership, Project, Resident, Unit, UnitResident


def _visible_projects(request):
    if request is None:  # schema generation
        return Project.objects.none()
    return restrict(Project.objects.all(), request.user, Perm.ORG_VIEW, project_field="id")


def _visible_buildings(request):
    if request is None:
        return Building.objects.none()
    return restrict(Building.objects.select_related("project"), request.user, Perm.ORG_VIEW)


def _visible_departments(request):
    if request is None:
        return Department.objects.none()
    return restrict(Department.objects.select_related("project"), request.user, Perm.ORG_VIEW)


def project_filter(field_name: str = "project", **kwargs) -> filters.ModelChoiceFilter:
    """A dropdown of the projects the user may see; another company's id is a validation error."""
    return filters.ModelChoiceFilter(field_name=field_name, queryset=_visible_projects, label=_("project"), **kwargs)


def building_filter() -> filters.ModelChoiceFilter:
    return filters.ModelChoiceFilter(field_name="building", queryset=_visible_buildings, label=_("building"))


class SearchFilterSet(filters.FilterSet):
    q = filters.CharFilter(method="search", label=_("Search"))
    search_fields: tuple[str, ...] = ()

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        query = Q()
        for field in self.search_fields:
            query |= Q(**{f"{field}__icontains": value})
        return queryset.filter(query)


class ProjectFilterSet(SearchFilterSet):
    search_fields = ("name", "code", "address", "city", "district")
    kind = filters.ChoiceFilter(choices=ProjectKind.choices, label=_("type"))
    service_level = filters.ChoiceFilter(choices=ServiceLevel.choices, label=_("service level"))
    is_active = filters.BooleanFilter(label=_("active"))

    class Meta:
        model = Project
        fields = ["q", "kind", "service_level", "is_active"]


class BuildingFilterSet(SearchFilterSet):
    search_fields = ("name",)
    project_id = project_filter()

    class Meta:
        model = Building
        fields = ["q", "project_id"]


class UnitFilterSet(SearchFilterSet):
    search_fields = ("code", "number", "building__name")
    project_id = project_filter()
    building_id = building_filter()
    status = filters.ChoiceFilter(choices=UnitStatus.choices, label=_("status"))
    floor = filters.NumberFilter(label=_("floor"))

    class Meta:
        model = Unit
        fields = ["q", "project_id", "building_id", "status", "floor"]


class AreaFilterSet(SearchFilterSet):
    search_fields = ("name", "description")
    project_id = project_filter()
    building_id = building_filter()
    kind = filters.ChoiceFilter(choices=AreaKind.choices, label=_("type"))

    class Meta:
        model = Area
        fields = ["q", "project_id", "building_id", "kind"]


class DepartmentFilterSet(SearchFilterSet):
    search_fields = ("name",)
    project_id = project_filter()
    kind = filters.ChoiceFilter(choices=DepartmentKind.choices, label=_("type"))

    class Meta:
        model = Department
        fields = ["q", "project_id", "kind"]


class MembershipFilterSet(SearchFilterSet):
    search_fields = ("user__name", "user__username", "user__phone", "title")
    project_id = project_filter()
    role = filters.ChoiceFilter(choices=Role.choices, label=_("role"))
    department_id = filters.ModelChoiceFilter(
        field_name="department", queryset=_visible_departments, label=_("department")
    )
    is_active = filters.BooleanFilter(label=_("active"))

    class Meta:
        model = Membership
        fields = ["q", "project_id", "role", "department_id", "is_active"]


class ResidentFilterSet(SearchFilterSet):
    search_fields = ("name", "phone", "units__unit__code")
    project_id = project_filter("units__unit__project", distinct=True)
    has_account = filters.BooleanFilter(field_name="user", lookup_expr="isnull", exclude=True, label=_("has account"))

    class Meta:
        model = Resident
        fields = ["q", "project_id", "has_account"]


class UnitResidentFilterSet(SearchFilterSet):
    search_fields = ("resident__name", "resident__phone", "unit__code")
    project_id = project_filter("unit__project")
    unit_id = filters.NumberFilter(label=_("unit"))
    relation = filters.ChoiceFilter(choices=ResidentRelation.choices, label=_("relation"))
    is_verified = filters.BooleanFilter(label=_("verified"))

    class Meta:
        model = UnitResident
        fields = ["q", "project_id", "unit_id", "relation", "is_verified"]
