"""Forms and filters of the work-order configuration pages (categories, SLA, settings, dispatch, duty)."""

import django_filters as filters
from django import forms
from django.utils.translation import gettext_lazy as _
from django_scopes.forms import SafeModelChoiceField

from core.access import access_for, restrict
from core.choices import DepartmentKind, Perm, ServiceLevel
from core.filtersets import SearchFilterSet, project_filter
from core.models import Area, Building, Company, Department, Membership, Project
from workorders.choices import Kind, Priority, SlaClock
from workorders.models import Category, DispatchRule, SlaPolicy, WorkOrderSettings

CATEGORY_CODE_TAKEN = _("Another category already has this code.")
CATEGORY_HAS_CHILDREN = _("This category has sub-categories, so it stays top-level.")
CATEGORY_KIND_LOCKED = _("This category has sub-categories: its kind cannot change.")
SLA_POLICY_EXISTS = _("A policy for this kind, priority and service level already exists; edit that one.")
MINUTES_HELP = _("Minutes of the policy's clock (working minutes for the business calendar).")
CATEGORY_NAME_TAKEN = _("This name is already used at this level of the tree.")
ALL_LEVELS = "all"  # the filter value for policies without a service level


#
# Categories
#
class CategoryForm(forms.ModelForm):
    class Meta:
        model = Category
        fields = [
            "name",
            "code",
            "parent",
            "kind",
            "priority_hint",
            "department_kind",
            "description",
            "sort_order",
            "is_active",
        ]
        field_classes = {"parent": SafeModelChoiceField}

    def __init__(self, *args, company: Company, **kwargs):
        super().__init__(*args, **kwargs)
        self.company = company
        self.instance.company = company  # Category.clean compares the parent's company with it
        parents = Category.objects.filter(company=company, parent__isnull=True).order_by("kind", "sort_order", "id")
        if self.instance.pk:
            parents = parents.exclude(pk=self.instance.pk)
        self.fields["parent"].queryset = parents
        self.fields["parent"].label_from_instance = lambda c: f"{c.get_kind_display()} · {c.name}"
        self.fields["parent"].help_text = _("Empty for a top-level category. Categories have two levels.")

    def clean_code(self):
        code = self.cleaned_data["code"]
        taken = Category.objects.filter(company=self.company, code=code).exclude(pk=self.instance.pk)
        if taken.exists():
            raise forms.ValidationError(CATEGORY_CODE_TAKEN)
        return code

    def clean(self):
        data = super().clean()
        if self.instance.pk and self.instance.children.exists():
            # self.instance still holds the saved values: the form copies its data over them after clean().
            if data.get("parent"):
                self.add_error("parent", CATEGORY_HAS_CHILDREN)
            if data.get("kind") and data["kind"] != self.instance.kind:
                self.add_error("kind", CATEGORY_KIND_LOCKED)
        if data.get("name"):
            twins = Category.objects.filter(company=self.company, parent=data.get("parent"), name=data["name"])
            if twins.exclude(pk=self.instance.pk).exists():
                self.add_error("name", CATEGORY_NAME_TAKEN)
        return data


class CategoryFilterSet(SearchFilterSet):
    search_fields = ("name", "code", "description", "parent__name")
    kind = filters.ChoiceFilter(choices=Kind.choices, label=_("kind"))
    priority_hint = filters.ChoiceFilter(choices=Priority.choices, label=_("priority hint"))
    department_kind = filters.ChoiceFilter(choices=DepartmentKind.choices, label=_("default department"))
    is_active = filters.BooleanFilter(label=_("active"))

    class Meta:
        model = Category
        fields = ["q", "kind", "priority_hint", "department_kind", "is_active"]


#
# SLA policies
#
class SlaPolicyForm(forms.ModelForm):
    class Meta:
        model = SlaPolicy
        fields = [
            "kind",
            "priority",
            "service_level",
            "clock",
            "acknowledge_minutes",
            "dispatch_minutes",
            "arrive_minutes",
            "resolve_minutes",
        ]

    def __init__(self, *args, company: Company, **kwargs):
        super().__init__(*args, **kwargs)
        self.company = company
        self.instance.company = company
        self.fields["service_level"].choices = [("", _("all levels")), *ServiceLevel.choices]
        self.fields["clock"].help_text = _("P0 and P1 orders always run around the clock.")
        for name in ("acknowledge_minutes", "dispatch_minutes", "arrive_minutes", "resolve_minutes"):
            field = self.fields[name]
            field.help_text = f"{field.help_text} {MINUTES_HELP}".strip() if field.help_text else MINUTES_HELP

    def clean(self):
        data = super().clean()
        key = {k: data.get(k) for k in ("kind", "priority", "service_level")}
        if key["kind"] and key["priority"]:
            twin = SlaPolicy.objects.filter(company=self.company, **key).exclude(pk=self.instance.pk)
            if twin.exists():
                self.add_error("service_level", SLA_POLICY_EXISTS)
        return data


class SlaPolicyFilterSet(filters.FilterSet):
    kind = filters.ChoiceFilter(choices=Kind.choices, label=_("kind"))
    priority = filters.ChoiceFilter(choices=Priority.choices, label=_("priority"))
    service_level = filters.ChoiceFilter(
        choices=[(ALL_LEVELS, _("all levels")), *ServiceLevel.choices],
        label=_("service level"),
        method="filter_level",
    )
    clock = filters.ChoiceFilter(choices=SlaClock.choices, label=_("clock"))

    class Meta:
        model = SlaPolicy
        fields = ["kind", "priority", "service_level", "clock"]

    def filter_level(self, queryset, name, value):
        return queryset.filter(service_level="" if value == ALL_LEVELS else value)


#
# Company settings
#
class WorkOrderSettingsForm(forms.ModelForm):
    class Meta:
        model = WorkOrderSettings
        fields = [
            "reopen_days",
            "auto_dispatch",
            "accept_timeout_minutes",
            "accept_timeout_action",
            "follow_up_hours",
            "breach_rectification_threshold",
            "weather_warning_until",
            "weather_factor",
        ]
        widgets = {
            "weather_warning_until": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
        }


#
# Dispatch rules
#
def _label_in_project(obj) -> str:
    return f"{obj.project.name} · {obj.name}"


class DispatchRuleForm(forms.ModelForm):
    """Project, places and department limited to the projects the user leads (WO_MANAGE)."""

    class Meta:
        model = DispatchRule
        fields = ["project", "category", "building", "area", "department", "sort_order", "is_active"]
        field_classes = {
            "project": SafeModelChoiceField,
            "category": SafeModelChoiceField,
            "building": SafeModelChoiceField,
            "area": SafeModelChoiceField,
            "department": SafeModelChoiceField,
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            del self.fields["project"]
            projects = Project.objects.filter(pk=self.instance.project_id)
        else:
            projects = restrict(Project.objects.all(), user, Perm.WO_MANAGE, project_field="id")
            self.fields["project"].queryset = projects
        self.fields["category"].queryset = Category.objects.filter(
            company_id__in=projects.values("company_id"), is_active=True
        ).select_related("parent")
        self.fields["category"].label_from_instance = lambda c: f"{c.get_kind_display()} · {c}"
        for name, model in (("building", Building), ("area", Area), ("department", Department)):
            self.fields[name].queryset = model.objects.filter(project__in=projects).select_related("project")
            self.fields[name].label_from_instance = _label_in_project

    def clean(self):
        data = super().clean()
        project = data.get("project") or (self.instance.project if self.instance.project_id else None)
        if project is not None:
            # DispatchRule.clean compares the category's company with the rule's.
            self.instance.company_id = project.company_id
        return data


class DispatchRuleFilterSet(filters.FilterSet):
    project_id = project_filter()
    department_id = filters.ModelChoiceFilter(
        field_name="department", queryset=lambda r: _managed(r, Department), label=_("department")
    )
    is_active = filters.BooleanFilter(label=_("active"))

    class Meta:
        model = DispatchRule
        fields = ["project_id", "department_id", "is_active"]


def _managed(request, model):
    if request is None:
        return model.objects.none()
    return restrict(model.objects.select_related("project"), request.user, Perm.WO_MANAGE)


#
# On duty
#
class DutyFilterSet(SearchFilterSet):
    search_fields = ("user__name", "user__username", "user__phone", "title")
    project_id = project_filter()
    department_id = filters.ModelChoiceFilter(
        field_name="department", queryset=lambda r: _managed(r, Department), label=_("department")
    )
    on_duty = filters.BooleanFilter(label=_("on duty"))

    class Meta:
        model = Membership
        fields = ["q", "project_id", "department_id", "on_duty"]


def can_see_duty(user) -> bool:
    """Leads see their projects' field staff; field staff see themselves."""
    access = access_for(user)
    return access.has(Perm.WO_MANAGE) or access.has(Perm.WO_WORK)
