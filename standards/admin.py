"""Django admin for platform operators (superusers); company staff use the staff UI.

Revisions are read-only here as everywhere: a change is a new revision, written by
``standards.services.standard_item_revise``.
"""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from standards.models import ProfileSetting, ServiceLevelProfile, StandardItem, StandardRevision


class ProfileSettingInline(admin.TabularInline):
    model = ProfileSetting
    extra = 0
    fields = ["key", "label", "value", "rrule", "interval_minutes", "times_per_day", "target_percent", "limit_minutes"]
    readonly_fields = ["key"]


@admin.register(ServiceLevelProfile)
class ServiceLevelProfileAdmin(SimpleHistoryAdmin):
    list_display = ["name", "code", "company", "rank", "rank_direction", "is_builtin"]
    list_filter = ["is_builtin", "rank_direction"]
    list_select_related = ["company"]
    search_fields = ["name", "code"]
    inlines = [ProfileSettingInline]


@admin.register(ProfileSetting)
class ProfileSettingAdmin(SimpleHistoryAdmin):
    list_display = ["label", "key", "value", "profile", "company"]
    list_select_related = ["profile", "company"]
    search_fields = ["key", "label"]
    raw_id_fields = ["profile"]


class StandardRevisionInline(admin.TabularInline):
    model = StandardRevision
    extra = 0
    fields = ["number", "requirement", "frequency", "rrule", "time_limit_minutes", "photo_required", "created"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(StandardItem)
class StandardItemAdmin(SimpleHistoryAdmin):
    list_display = ["code", "title", "discipline", "company", "is_active"]
    list_filter = ["discipline", "is_active"]
    list_select_related = ["company"]
    search_fields = ["code", "title"]
    readonly_fields = ["current_revision"]
    inlines = [StandardRevisionInline]


@admin.register(StandardRevision)
class StandardRevisionAdmin(admin.ModelAdmin):
    list_display = ["item", "number", "company", "created_by", "created"]
    list_select_related = ["item", "company", "created_by"]
    search_fields = ["item__code", "item__title", "requirement"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
