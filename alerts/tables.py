"""Tables of the alert pages (HTML list and Excel export from one definition).

Each table declares all its columns and a short ``default_columns`` the page shows (the export
carries them all). Times are shown in the company's zone: list querysets join ``company``.
"""

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from alerts.choices import ALERT_STATUS_COLORS, DELIVERY_STATUS_COLORS, SEVERITY_COLORS
from alerts.messages import alert_summary
from lib.tables import Column, Table


def local(value: dt.datetime | None, zone) -> str:
    return f"{timezone.localtime(value, zone):%Y-%m-%d %H:%M}" if value else ""


def yes_no(value: bool):
    return _("Yes") if value else _("No")


def _active(column: str = "is_active") -> Column:
    return Column(
        column,
        _("active"),
        lambda r: yes_no(getattr(r, column)),
        badge=lambda r: "success" if getattr(r, column) else "secondary",
    )


class ColumnsTable(Table):
    """A table showing ``default_columns`` (all columns with ``all_columns=True``, as exports do)."""

    default_columns: tuple[str, ...] = ()

    def __init__(self, rows, *, all_columns: bool = False):
        super().__init__(rows)
        if self.default_columns and not all_columns:
            by_name = {c.name: c for c in type(self).columns}
            self.columns = [by_name[name] for name in self.default_columns]


def _about(alert) -> str:
    label = alert.get_subject_type_display()
    return f"{label} #{alert.subject_id}" if alert.subject_id else str(label)


class AlertTable(ColumnsTable):
    columns = [
        Column(
            "severity",
            _("severity"),
            "get_severity_display",
            badge=lambda a: SEVERITY_COLORS.get(a.severity, "secondary"),
        ),
        Column("summary", _("summary"), alert_summary, link="alerts:alert_detail"),
        Column("kind", _("rule kind"), "get_kind_display"),
        Column("rule", _("rule"), "rule.name"),
        Column("project", _("project"), lambda a: a.project.name if a.project_id else _("Whole company")),
        Column("about", _("about"), _about),
        Column("owner", pgettext_lazy("alert", "owner"), lambda a: a.owner or "—"),
        Column("level", _("escalation level"), "get_level_display"),
        Column("status", _("status"), "get_status_display", badge=lambda a: ALERT_STATUS_COLORS[a.status]),
        Column("created", _("raised at"), lambda a: local(a.created, a.company.zone)),
        Column("last_seen_at", _("last seen"), lambda a: local(a.last_seen_at, a.company.zone)),
        Column("escalate_at", _("escalates at"), lambda a: local(a.escalate_at, a.company.zone) or "—"),
        Column("occurrences", _("occurrences")),
        Column("dedup_key", _("condition key")),
    ]
    default_columns = (
        "severity",
        "summary",
        "project",
        "about",
        "owner",
        "level",
        "status",
        "created",
        "occurrences",
    )


class AlertRuleTable(ColumnsTable):
    columns = [
        Column("name", _("name"), link="alerts:rule_detail"),
        Column("kind", _("rule kind"), "get_kind_display"),
        Column("project", _("project"), lambda r: r.project.name if r.project_id else _("Every project")),
        Column(
            "severity",
            _("severity"),
            "get_severity_display",
            badge=lambda r: SEVERITY_COLORS.get(r.severity, "secondary"),
        ),
        Column("escalate_pm_minutes", _("to the project manager after (min)"), lambda r: r.escalate_pm_minutes or "—"),
        Column("escalate_qm_minutes", _("to the quality manager after (min)"), lambda r: r.escalate_qm_minutes or "—"),
        _active(),
    ]
    default_columns = ("name", "kind", "project", "severity", "is_active")


class ChannelTable(ColumnsTable):
    columns = [
        Column("name", _("name"), link="alerts:channel_detail"),
        Column("kind", _("channel"), "get_kind_display"),
        Column("project", _("project"), lambda c: c.project.name if c.project_id else _("Every project")),
        Column("min_severity", _("lowest severity"), "get_min_severity_display"),
        Column("quiet", _("quiet hours"), lambda c: quiet_hours(c)),
        _active(),
    ]
    default_columns = ("name", "kind", "project", "min_severity", "quiet", "is_active")


def quiet_hours(channel) -> str:
    if channel.quiet_start is None or channel.quiet_end is None:
        return "—"
    return f"{channel.quiet_start:%H:%M}–{channel.quiet_end:%H:%M}"


class DeviceTable(ColumnsTable):
    columns = [
        Column("name", _("name"), link="alerts:device_detail"),
        Column("code", _("device code")),
        Column("device_kind", _("device kind"), lambda d: d.device_kind or "—"),
        Column("project", _("project"), "project.name"),
        Column(
            "place",
            _("place"),
            lambda d: " · ".join(x.name for x in (d.building, d.area) if x is not None) or "—",
        ),
        Column("last_seen_at", _("last reading at"), lambda d: local(d.last_seen_at, d.company.zone) or "—"),
        _active(),
    ]
    default_columns = ("name", "code", "device_kind", "project", "last_seen_at", "is_active")


class GatewayTable(ColumnsTable):
    columns = [
        Column("name", _("name")),
        Column("project", _("project"), lambda g: g.project.name if g.project_id else _("Every project")),
        Column("key_prefix", _("key starts with"), lambda g: f"{g.key_prefix}…"),
        Column("last_used_at", _("last used"), lambda g: local(g.last_used_at, None) or "—"),
        _active(),
    ]
    default_columns = ("name", "project", "key_prefix", "last_used_at", "is_active")


class DeliveryTable(ColumnsTable):
    columns = [
        Column("channel", _("channel"), "channel.name"),
        Column("event_key", _("message")),
        Column("status", _("status"), "get_status_display", badge=lambda d: DELIVERY_STATUS_COLORS[d.status]),
        Column("attempts", _("attempts")),
        Column("last_error", _("last error")),
        Column("next_attempt_at", _("next attempt"), lambda d: local(d.next_attempt_at, None) or "—"),
        Column("sent_at", _("sent at"), lambda d: local(d.sent_at, None) or "—"),
    ]
