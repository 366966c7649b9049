"""Django admin for platform operators (superusers); company staff use the staff UI (/plans/).

Tasks, their events and check-ins are read-only here: status changes go through plans.services
(``_task_transition`` writes the event), and the counters of a task follow its check-ins.
"""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from plans.models import CheckIn, Checkpoint, Plan, PlanWindow, Task, TaskEvent


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class PlanWindowInline(admin.TabularInline):
    model = PlanWindow
    extra = 0
    fields = ["start", "end", "sort_order"]


@admin.register(Plan)
class PlanAdmin(SimpleHistoryAdmin):
    list_display = ["name", "kind", "project", "company", "rrule", "is_active", "version", "generated_until"]
    list_filter = ["kind", "is_active", "holiday_rule"]
    list_select_related = ["project", "company"]
    search_fields = ["name", "project__name"]
    raw_id_fields = ["company", "project", "department", "created_by"]
    readonly_fields = ["version", "generated_until", "source_profile_setting"]
    inlines = [PlanWindowInline]


@admin.register(Checkpoint)
class CheckpointAdmin(SimpleHistoryAdmin):
    list_display = ["name", "project", "company", "radius_m", "is_active"]
    list_filter = ["is_active"]
    list_select_related = ["project", "company"]
    search_fields = ["name", "project__name"]
    raw_id_fields = ["company", "project", "area", "building"]
    readonly_fields = ["code"]


@admin.register(Task)
class TaskAdmin(ReadOnlyAdmin):
    list_display = ["title", "date", "window_index", "status", "assignee", "project", "company"]
    list_filter = ["status", "kind"]
    list_select_related = ["assignee", "project", "company"]
    search_fields = ["title"]
    show_full_result_count = False  # millions of rows: no COUNT(*) on every page


@admin.register(TaskEvent)
class TaskEventAdmin(ReadOnlyAdmin):
    list_display = ["task", "kind", "from_status", "to_status", "actor", "created"]
    list_filter = ["kind", "to_status"]
    list_select_related = ["task", "actor"]
    show_full_result_count = False


@admin.register(CheckIn)
class CheckInAdmin(ReadOnlyAdmin):
    list_display = ["task", "checkpoint", "method", "user", "at", "is_late"]
    list_filter = ["method", "is_late"]
    list_select_related = ["task", "checkpoint", "user"]
    show_full_result_count = False
