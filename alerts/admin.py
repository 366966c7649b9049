"""Django admin for platform operators (superusers); company staff use the staff UI (/alerts/).

Rules, channels and devices can be looked at and corrected (their history is kept; a channel's
secret is never shown). Alerts, their events, inbox items, deliveries, readings, gateways and the
evaluation cursors are read-only here: every status change goes through alerts.services (the
transition function writes the events), and gateway keys are issued and revoked on /alerts/gateways/.
"""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from alerts.models import (
    Alert,
    AlertEvent,
    AlertRule,
    Channel,
    Delivery,
    Device,
    EvaluationCursor,
    Gateway,
    InboxItem,
    Reading,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(AlertRule)
class AlertRuleAdmin(SimpleHistoryAdmin):
    list_display = ["name", "company", "kind", "project", "severity", "is_active"]
    list_filter = ["kind", "severity", "is_active"]
    list_select_related = ["company", "project"]
    search_fields = ["name"]
    raw_id_fields = ["company", "project"]
    readonly_fields = ["kind"]


@admin.register(Channel)
class ChannelAdmin(SimpleHistoryAdmin):
    list_display = ["name", "company", "kind", "project", "min_severity", "is_active"]
    list_filter = ["kind", "is_active"]
    list_select_related = ["company", "project"]
    search_fields = ["name"]
    raw_id_fields = ["company", "project"]
    exclude = ["secret"]


@admin.register(Device)
class DeviceAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "company", "project", "device_kind", "last_seen_at", "is_active"]
    list_filter = ["is_active"]
    list_select_related = ["company", "project"]
    search_fields = ["code", "name"]
    raw_id_fields = ["company", "project", "building", "area"]


class AlertEventInline(admin.TabularInline):
    model = AlertEvent
    extra = 0
    fields = ["created", "kind", "from_status", "to_status", "level", "actor", "reason"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Alert)
class AlertAdmin(ReadOnlyAdmin):
    list_display = ["id", "company", "kind", "severity", "status", "project", "owner", "level", "created"]
    list_filter = ["status", "severity", "kind", "level"]
    list_select_related = ["company", "project", "owner"]
    search_fields = ["dedup_key"]
    date_hierarchy = "created"
    inlines = [AlertEventInline]


@admin.register(AlertEvent)
class AlertEventAdmin(ReadOnlyAdmin):
    list_display = ["alert", "kind", "from_status", "to_status", "level", "actor", "created"]
    list_filter = ["kind"]
    list_select_related = ["alert", "actor"]


@admin.register(InboxItem)
class InboxItemAdmin(ReadOnlyAdmin):
    list_display = ["alert", "user", "created", "read_at"]
    list_select_related = ["alert", "user"]


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = ["alert", "channel", "event_key", "status", "attempts", "next_attempt_at", "sent_at"]
    list_filter = ["status"]
    list_select_related = ["alert", "channel"]


@admin.register(Gateway)
class GatewayAdmin(ReadOnlyAdmin):
    list_display = ["name", "company", "project", "key_prefix", "is_active", "last_used_at"]
    list_filter = ["is_active"]
    list_select_related = ["company", "project"]
    exclude = ["key_hash"]


@admin.register(Reading)
class ReadingAdmin(ReadOnlyAdmin):
    list_display = ["device", "metric", "value", "at", "created"]
    list_select_related = ["device"]
    search_fields = ["metric", "device__code"]


@admin.register(EvaluationCursor)
class EvaluationCursorAdmin(ReadOnlyAdmin):
    list_display = ["source", "last_id", "updated"]
