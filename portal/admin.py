from django.contrib import admin

from portal.models import BoardLink, Notice


@admin.register(Notice)
class NoticeAdmin(admin.ModelAdmin):
    list_display = ["title", "project", "published_at", "is_pinned"]
    raw_id_fields = ["project", "created_by"]


@admin.register(BoardLink)
class BoardLinkAdmin(admin.ModelAdmin):
    """Read-only: the link is switched on, rotated and off on the staff page (portal.board_services)."""

    list_display = ["project", "enabled_at", "updated", "updated_by"]
    readonly_fields = ["company", "project", "enabled_at", "updated", "updated_by"]
    exclude = ["token"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
