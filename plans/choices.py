"""Kinds, rules, statuses and the transition table of plans and their tasks."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from lib import recurrence


class PlanKind(models.TextChoices):
    PATROL = "patrol", _("Patrol")
    CLEANING = "cleaning", _("Cleaning")
    GREENING = "greening", _("Greening")
    MAINTENANCE = "maintenance", _("Maintenance")
    CUSTOMER_SERVICE = "customer_service", _("Customer service")
    BRANDED_SERVICE = "branded_service", _("Branded service")


PLAN_KIND_COLORS = {
    PlanKind.PATROL: "danger",
    PlanKind.CLEANING: "info",
    PlanKind.GREENING: "success",
    PlanKind.MAINTENANCE: "warning",
    PlanKind.CUSTOMER_SERVICE: "primary",
    PlanKind.BRANDED_SERVICE: "secondary",
}


class HolidayRule(models.TextChoices):
    """What a date of the rule does on a public holiday (lib.recurrence has the arithmetic)."""

    NONE = recurrence.HOLIDAY_NONE, _("Run on holidays too")
    SKIP = recurrence.HOLIDAY_SKIP, _("Skip public holidays")
    SHIFT = recurrence.HOLIDAY_SHIFT, _("Move to the next working day")
    WORKING_DAYS = recurrence.HOLIDAY_WORKING_DAYS, _("Working days only (adjusted working days included)")


class PhotoRule(models.TextChoices):
    NONE = "none", _("No photo required")
    EACH_CHECKPOINT = "each_checkpoint", _("A photo at every checkpoint")
    AT_FINISH = "at_finish", _("A photo when finishing")
    PER_STANDARD = "per_standard", _("As the standard items require")


class CheckpointOrder(models.TextChoices):
    ANY = "any", _("Any order")
    IN_ORDER = "in_order", _("In route order")


class CheckInMethod(models.TextChoices):
    QR = "qr", _("QR code")
    GPS = "gps", _("Position")
    MANUAL = "manual", _("Entered by a supervisor")


class TaskStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    IN_PROGRESS = "in_progress", pgettext_lazy("task status", "In progress")
    COMPLETED = "completed", pgettext_lazy("task status", "Completed")
    MISSED = "missed", _("Missed")
    CANCELLED = "cancelled", _("Cancelled")


T = TaskStatus
TASK_STATUS_COLORS = {
    T.SCHEDULED: "secondary",
    T.IN_PROGRESS: "warning",
    T.COMPLETED: "success",
    T.MISSED: "danger",
    T.CANCELLED: "dark",
}
# The only legal status changes; every change goes through services.tasks._task_transition.
TRANSITIONS: dict[str, frozenset[str]] = {
    T.SCHEDULED: frozenset({T.IN_PROGRESS, T.MISSED, T.CANCELLED}),
    T.IN_PROGRESS: frozenset({T.COMPLETED, T.MISSED, T.CANCELLED}),
    T.COMPLETED: frozenset(),
    T.MISSED: frozenset(),
    T.CANCELLED: frozenset(),
}
OPEN_TASK_STATUSES = frozenset({T.SCHEDULED, T.IN_PROGRESS})
CLOSED_TASK_STATUSES = frozenset({T.COMPLETED, T.MISSED, T.CANCELLED})


class TaskEventKind(models.TextChoices):
    STATUS = "status", _("Status changed")
    ASSIGNED = "assigned", _("Assigned")
    PROBLEM = "problem", _("Problem reported")
    NOTE = "note", _("Note")
