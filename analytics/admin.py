"""Django admin for platform operators: the roll-ups and the job's bookkeeping, read-only (rows are
derived data: ``manage.py rollup_rebuild`` recomputes them)."""

from django.contrib import admin

from analytics.models import FindingDaily, RollupCursor, RollupFootprint, TaskDaily, WorkOrderDaily


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class DailyAdmin(ReadOnlyAdmin):
    list_display = ["day", "company", "project", "department", "person", "kind"]
    list_filter = ["kind"]
    date_hierarchy = "day"
    list_select_related = ["company", "project", "department", "person"]


admin.site.register(WorkOrderDaily, DailyAdmin)
admin.site.register(TaskDaily, DailyAdmin)
admin.site.register(FindingDaily, DailyAdmin)


@admin.register(RollupCursor)
class RollupCursorAdmin(ReadOnlyAdmin):
    list_display = ["source", "last_id", "updated"]


@admin.register(RollupFootprint)
class RollupFootprintAdmin(ReadOnlyAdmin):
    list_display = ["source", "object_id", "company"]
    list_filter = ["source"]
