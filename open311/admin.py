"""Django admin for platform operators: Open311 clients and their keys."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from open311.models import Open311Client


@admin.register(Open311Client)
class Open311ClientAdmin(SimpleHistoryAdmin):
    list_display = ["name", "company", "default_project", "is_active", "created"]
    list_filter = ["is_active"]
    list_select_related = ["company", "default_project"]
    raw_id_fields = ["company", "default_project"]
    readonly_fields = ["api_key", "created"]
    search_fields = ["name", "company__name", "company__code"]
