"""Django admin for platform operators (superusers); company staff use the staff UI (/inspections/).

Checklists and schedules can be looked at and corrected (their history is kept); versions and
items are immutable, and rounds, results, findings, extension requests, CAPA, their events and
the roll-ups are read-only here: every status change goes through inspections.services (the
transition functions write the events), and the roll-ups are rebuilt by
``manage.py rebuild_inspection_rollups``.
"""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from inspections.models import (
    Capa,
    CapaEvent,
    ChecklistItem,
    ChecklistTemplate,
    ChecklistVersion,
    ExtensionRequest,
    Finding,
    FindingEvent,
    InspectionRollup,
    InspectionRound,
    InspectionSchedule,
    ItemResult,
    RoundEvent,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ChecklistItemInline(admin.TabularInline):
    model = ChecklistItem
    extra = 0
    fields = ["sort_order", "key", "section", "title", "scoring", "max_score", "weight", "severity_if_failed"]
    readonly_fields = fields
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ChecklistTemplate)
class ChecklistTemplateAdmin(SimpleHistoryAdmin):
    list_display = ["name", "code", "company", "discipline", "current_version", "is_active"]
    list_filter = ["is_active", "discipline"]
    list_select_related = ["company", "current_version"]
    search_fields = ["name", "code"]
    raw_id_fields = ["company", "current_version", "created_by"]
    readonly_fields = ["current_version"]


@admin.register(ChecklistVersion)
class ChecklistVersionAdmin(ReadOnlyAdmin):
    list_display = ["template", "number", "note", "created"]
    list_select_related = ["template"]
    search_fields = ["template__name", "template__code"]
    inlines = [ChecklistItemInline]


@admin.register(InspectionSchedule)
class InspectionScheduleAdmin(SimpleHistoryAdmin):
    list_display = ["__str__", "project", "company", "kind", "rrule", "is_active", "generated_until"]
    list_filter = ["kind", "is_active"]
    list_select_related = ["project", "company", "template"]
    search_fields = ["title", "template__name", "project__name"]
    raw_id_fields = ["company", "project", "template", "lead", "created_by"]
    readonly_fields = ["generated_until"]


@admin.register(InspectionRound)
class InspectionRoundAdmin(ReadOnlyAdmin):
    list_display = ["title", "project", "kind", "scheduled_for", "status", "score", "findings_count"]
    list_filter = ["status", "kind"]
    list_select_related = ["project"]
    search_fields = ["title", "project__name"]
    show_full_result_count = False  # tens of thousands of rows: no COUNT(*) on every page


@admin.register(RoundEvent)
class RoundEventAdmin(ReadOnlyAdmin):
    list_display = ["round", "kind", "from_status", "to_status", "actor", "created"]
    list_filter = ["kind", "to_status"]
    list_select_related = ["round", "actor"]
    show_full_result_count = False


@admin.register(ItemResult)
class ItemResultAdmin(ReadOnlyAdmin):
    list_display = ["round", "item", "outcome", "score", "inspector", "at"]
    list_filter = ["outcome"]
    list_select_related = ["round", "item", "inspector"]
    show_full_result_count = False


@admin.register(Finding)
class FindingAdmin(ReadOnlyAdmin):
    list_display = ["title", "project", "severity", "status", "due_at", "source", "created"]
    list_filter = ["status", "severity", "source"]
    list_select_related = ["project"]
    search_fields = ["title", "project__name"]
    show_full_result_count = False


@admin.register(FindingEvent)
class FindingEventAdmin(ReadOnlyAdmin):
    list_display = ["finding", "kind", "from_status", "to_status", "actor", "created"]
    list_filter = ["kind", "to_status"]
    list_select_related = ["finding", "actor"]
    show_full_result_count = False


@admin.register(ExtensionRequest)
class ExtensionRequestAdmin(ReadOnlyAdmin):
    list_display = ["finding", "requested_due_at", "status", "requested_by", "decided_by", "created"]
    list_filter = ["status"]
    list_select_related = ["finding", "requested_by", "decided_by"]


@admin.register(Capa)
class CapaAdmin(ReadOnlyAdmin):
    list_display = ["title", "project", "source", "severity", "status", "owner", "due_at", "requires_8d"]
    list_filter = ["status", "severity", "source", "requires_8d"]
    list_select_related = ["project", "owner"]
    search_fields = ["title", "project__name"]


@admin.register(CapaEvent)
class CapaEventAdmin(ReadOnlyAdmin):
    list_display = ["capa", "kind", "from_status", "to_status", "actor", "created"]
    list_filter = ["kind", "to_status"]
    list_select_related = ["capa", "actor"]


@admin.register(InspectionRollup)
class InspectionRollupAdmin(ReadOnlyAdmin):
    list_display = ["project", "period", "kind", "department_kind", "rounds", "score", "findings", "updated"]
    list_filter = ["kind", "department_kind"]
    list_select_related = ["project"]
    show_full_result_count = False
