"""Rule kinds, severities, alert and delivery statuses, and the alert transition table."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class RuleKind(models.TextChoices):
    KEYWORD = "keyword", _("Keyword tier")
    LOW_RATING = "low_rating", _("Rating red line")
    SLA_WARNING = "sla_warning", _("SLA warning")
    SLA_BREACH = "sla_breach", pgettext_lazy("alert rule kind", "SLA breach")
    REPEAT_COMPLAINT = "repeat_complaint", _("Repeat complaint")
    GROUP_COMPLAINT = "group_complaint", _("Group complaint")
    HOTSPOT = "hotspot", _("Hotspot spike")
    KPI = "kpi", _("KPI below target")
    MISSED_PATROL = "missed_patrol", _("Missed patrols")
    OVERDUE_RECTIFICATION = "overdue_rectification", _("Overdue rectification")
    EQUIPMENT = "equipment", _("Equipment signal")


class Severity(models.TextChoices):
    LOW = "low", pgettext_lazy("alert severity", "Low")
    MEDIUM = "medium", pgettext_lazy("alert severity", "Medium")
    HIGH = "high", pgettext_lazy("alert severity", "High")
    CRITICAL = "critical", pgettext_lazy("alert severity", "Critical")


SEVERITY_RANK = {Severity.LOW: 0, Severity.MEDIUM: 1, Severity.HIGH: 2, Severity.CRITICAL: 3}
SEVERITY_COLORS = {
    Severity.LOW: "secondary",
    Severity.MEDIUM: "info",
    Severity.HIGH: "warning",
    Severity.CRITICAL: "danger",
}

# Minutes an unacknowledged alert waits at each level before it climbs to the next one:
# level 0 (supervisor / owner of the department) → 1 (project manager) → 2 (quality manager).
# A rule may override them; None means the alert stays where it is.
DEFAULT_ESCALATION_MINUTES: dict[str, tuple[int | None, int | None]] = {
    Severity.CRITICAL: (15, 30),
    Severity.HIGH: (30, 60),
    Severity.MEDIUM: (120, 240),
    Severity.LOW: (None, None),
}


class Level(models.IntegerChoices):
    SUPERVISOR = 0, _("Supervisor")
    PROJECT_MANAGER = 1, _("Project manager")
    QUALITY_MANAGER = 2, _("Quality manager")


class AlertStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("alert status", "Open")
    ACKNOWLEDGED = "acknowledged", pgettext_lazy("alert status", "Acknowledged")
    RESOLVED = "resolved", pgettext_lazy("alert status", "Resolved")


OPEN_ALERT_STATUSES = (AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED)
ALERT_STATUS_COLORS = {
    AlertStatus.OPEN: "danger",
    AlertStatus.ACKNOWLEDGED: "warning",
    AlertStatus.RESOLVED: "success",
}

A = AlertStatus
ALERT_TRANSITIONS: dict[str, set[str]] = {
    A.OPEN: {A.ACKNOWLEDGED, A.RESOLVED},
    A.ACKNOWLEDGED: {A.RESOLVED},
    A.RESOLVED: {A.OPEN},  # reopened: the condition came back inside the alert's window
}


class Resolution(models.TextChoices):
    MANUAL = "manual", _("Resolved by hand")
    AUTO = "auto", _("Condition cleared")


class AlertEventKind(models.TextChoices):
    RAISED = "raised", _("Raised")
    OCCURRED = "occurred", _("Occurred again")
    ACKNOWLEDGED = "acknowledged", pgettext_lazy("alert event", "Acknowledged")
    ESCALATED = "escalated", pgettext_lazy("alert event", "Escalated")
    ASSIGNED = "assigned", pgettext_lazy("alert event", "Assigned")
    RESOLVED = "resolved", pgettext_lazy("alert event", "Resolved")
    REOPENED = "reopened", pgettext_lazy("alert event", "Reopened")
    NOTE = "note", pgettext_lazy("alert event", "Note")


class SubjectType(models.TextChoices):
    """What an alert is about; ``Alert.subject_id`` points at a row of that kind."""

    WORKORDER = "workorder", _("Work order")
    TASK = "task", _("Task")
    PLAN = "plan", _("Plan")
    FINDING = "finding", _("Finding")
    DEVICE = "device", _("Device")
    UNIT = "unit", _("Unit")
    BUILDING = "building", _("Building")
    AREA = "area", _("Public area")
    PROJECT = "project", _("Project")


class ChannelKind(models.TextChoices):
    EMAIL = "email", _("E-mail")
    WECOM = "wecom", _("WeCom group robot")
    DINGTALK = "dingtalk", _("DingTalk robot")
    WEBHOOK = "webhook", _("Generic JSON webhook")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("delivery status", "Pending")
    DEFERRED = "deferred", pgettext_lazy("delivery status", "Held for quiet hours")
    RETRYING = "retrying", pgettext_lazy("delivery status", "Retrying")
    SENT = "sent", pgettext_lazy("delivery status", "Sent")
    FAILED = "failed", pgettext_lazy("delivery status", "Failed")


OPEN_DELIVERY_STATUSES = (DeliveryStatus.PENDING, DeliveryStatus.DEFERRED, DeliveryStatus.RETRYING)
DELIVERY_STATUS_COLORS = {
    DeliveryStatus.PENDING: "secondary",
    DeliveryStatus.DEFERRED: "info",
    DeliveryStatus.RETRYING: "warning",
    DeliveryStatus.SENT: "success",
    DeliveryStatus.FAILED: "danger",
}

# Seconds to wait after the n-th failed attempt; after the last one the delivery is failed.
RETRY_BACKOFF_SECONDS = (60, 300, 1800, 7200, 21600)


class Comparison(models.TextChoices):
    GT = ">", _("greater than")
    GE = ">=", _("at least")
    LT = "<", _("less than")
    LE = "<=", _("at most")
