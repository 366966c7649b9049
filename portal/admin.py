from django.contrib import admin

from portal.models import Notice


@admin.register(Notice)
class NoticeAdmin(admin.ModelAdmin):
    list_display = ["title", "project", "published_at", "is_pinned"]
    raw_id_fields = ["project", "created_by"]
