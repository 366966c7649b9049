"""Django admin for platform operators (superusers); company staff use the staff UI."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from core.models import (
    Area,
    Building,
    CalendarDay,
    CalendarYear,
    Company,
    Department,
    Membership,
    Project,
    Resident,
    Unit,
    UnitResident,
)


@admin.register(Company)
class CompanyAdmin(SimpleHistoryAdmin):
    list_display = ["name", "code", "is_active", "created"]
    search_fields = ["name", "code"]


@admin.register(Project)
class ProjectAdmin(SimpleHistoryAdmin):
    list_display = ["name", "company", "kind", "service_level", "households"]
    list_filter = ["kind", "service_level"]
    search_fields = ["name", "code"]


@admin.register(Building, Area, Department)
class ProjectRowAdmin(SimpleHistoryAdmin):
    list_display = ["__str__", "project", "company"]
    list_select_related = ["project", "company"]
    raw_id_fields = ["project"]
    search_fields = ["name"]


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["code", "project", "building", "floor", "floor_area", "status"]
    list_select_related = ["project", "building"]
    raw_id_fields = ["project", "building"]
    search_fields = ["code"]


@admin.register(Membership)
class MembershipAdmin(SimpleHistoryAdmin):
    list_display = ["user", "company", "project", "role", "department", "is_active"]
    list_filter = ["role", "is_active"]
    raw_id_fields = ["user", "project", "department"]


@admin.register(Resident)
class ResidentAdmin(admin.ModelAdmin):
    list_display = ["name", "phone", "company", "user"]
    raw_id_fields = ["user"]
    search_fields = ["name", "phone"]


@admin.register(UnitResident)
class UnitResidentAdmin(admin.ModelAdmin):
    list_display = ["unit", "resident", "relation", "is_verified"]
    raw_id_fields = ["unit", "resident", "verified_by"]


class CalendarDayInline(admin.TabularInline):
    model = CalendarDay
    fields = ["date", "is_workday", "name"]
    extra = 5


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin):
    list_display = ["year", "company", "source"]
    inlines = [CalendarDayInline]

    def save_formset(self, request, form, formset, change):
        for day in formset.save(commit=False):
            day.company_id = form.instance.company_id
            day.save()
        for day in formset.deleted_objects:
            day.delete()
