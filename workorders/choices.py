"""Kinds, priorities, statuses and the transition table of work orders."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Kind(models.TextChoices):
    REPAIR = "repair", _("Repair")
    COMPLAINT = "complaint", _("Complaint")
    INQUIRY = "inquiry", _("Inquiry")
    SUGGESTION = "suggestion", _("Suggestion")
    PRAISE = "praise", _("Praise")
    RECTIFICATION = "rectification", _("Rectification")
    SERVICE = "service", _("Service request")


# Kinds an owner may file from /m/ (rectification orders come from inspections and the SLA rule).
OWNER_KINDS = (Kind.REPAIR, Kind.COMPLAINT, Kind.INQUIRY, Kind.SUGGESTION, Kind.PRAISE, Kind.SERVICE)


class Priority(models.TextChoices):
    P0 = "p0", _("P0 critical (life or safety)")
    P1 = "p1", _("P1 urgent")
    P2 = "p2", _("P2 normal")
    P3 = "p3", _("P3 planned")


PRIORITY_COLORS = {Priority.P0: "danger", Priority.P1: "warning", Priority.P2: "info", Priority.P3: "secondary"}
# P0 and P1 clocks run around the clock; the others on the company's business calendar.
ROUND_THE_CLOCK_PRIORITIES = frozenset({Priority.P0, Priority.P1})


class Status(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    ACCEPTED = "accepted", pgettext_lazy("work order status", "Accepted")
    DISPATCHED = "dispatched", _("Dispatched")
    IN_PROGRESS = "in_progress", _("In progress")
    ON_HOLD = "on_hold", _("On hold")
    COMPLETED = "completed", _("Completed")
    VERIFIED = "verified", _("Verified")
    CLOSED = "closed", _("Closed")
    REOPENED = "reopened", _("Reopened")
    REJECTED = "rejected", _("Rejected")
    CANCELLED = "cancelled", _("Cancelled")


S = Status
STATUS_COLORS = {
    S.SUBMITTED: "primary",
    S.ACCEPTED: "info",
    S.DISPATCHED: "info",
    S.IN_PROGRESS: "warning",
    S.ON_HOLD: "secondary",
    S.COMPLETED: "success",
    S.VERIFIED: "success",
    S.CLOSED: "dark",
    S.REOPENED: "danger",
    S.REJECTED: "secondary",
    S.CANCELLED: "secondary",
}

# The only legal status changes. Every change goes through services._transition.
TRANSITIONS: dict[str, frozenset[str]] = {
    S.SUBMITTED: frozenset({S.ACCEPTED, S.DISPATCHED, S.REJECTED, S.CANCELLED}),
    S.ACCEPTED: frozenset({S.DISPATCHED, S.ON_HOLD, S.COMPLETED, S.REJECTED, S.CANCELLED}),
    S.DISPATCHED: frozenset({S.ACCEPTED, S.IN_PROGRESS, S.ON_HOLD, S.CANCELLED}),
    S.IN_PROGRESS: frozenset({S.COMPLETED, S.ON_HOLD, S.CANCELLED}),
    S.ON_HOLD: frozenset({S.ACCEPTED, S.DISPATCHED, S.IN_PROGRESS, S.CANCELLED}),
    S.COMPLETED: frozenset({S.VERIFIED, S.IN_PROGRESS, S.CLOSED, S.REOPENED}),
    S.VERIFIED: frozenset({S.CLOSED, S.REOPENED}),
    S.CLOSED: frozenset({S.REOPENED}),
    S.REOPENED: frozenset({S.ACCEPTED, S.DISPATCHED, S.CANCELLED}),
    S.REJECTED: frozenset(),
    S.CANCELLED: frozenset(),
}

OPEN_STATUSES = frozenset({S.SUBMITTED, S.ACCEPTED, S.DISPATCHED, S.IN_PROGRESS, S.ON_HOLD, S.REOPENED})
DONE_STATUSES = frozenset({S.COMPLETED, S.VERIFIED, S.CLOSED})
FINAL_STATUSES = frozenset({S.REJECTED, S.CANCELLED})
# Owner-facing progress: the step of the progress bar each status sits on (0..4).
PROGRESS_STEPS = (
    _("Submitted"),
    pgettext_lazy("work order status", "Accepted"),
    _("Dispatched"),
    _("In progress"),
    _("Completed"),
)
PROGRESS_OF = {
    S.SUBMITTED: 0,
    S.REOPENED: 0,
    S.ACCEPTED: 1,
    S.DISPATCHED: 2,
    S.ON_HOLD: 2,
    S.IN_PROGRESS: 3,
    S.COMPLETED: 4,
    S.VERIFIED: 4,
    S.CLOSED: 4,
}


class HoldReason(models.TextChoices):
    PARTS = "parts", _("Waiting for parts")
    OWNER = "owner", _("Waiting for the owner")
    THIRD_PARTY = "third_party", _("Waiting for a contractor or utility")
    OTHER = "other", _("Other")


class Source(models.TextChoices):
    OWNER_APP = "owner_app", _("Owner app")
    PHONE = "phone", _("Phone call")
    WALK_IN = "walk_in", _("Front desk")
    STAFF = "staff", _("Found by staff")
    HOTLINE_12345 = "hotline_12345", _("12345 hotline referral")
    OPEN311 = "open311", _("Open311 client")
    INSPECTION = "inspection", _("Inspection")
    SYSTEM = "system", _("System rule")


class SlaTarget(models.TextChoices):
    ACKNOWLEDGE = "ack", _("Acknowledge")
    DISPATCH = "dispatch", _("Dispatch")
    ARRIVE = "arrive", _("Arrive on site")
    RESOLVE = "resolve", _("Resolve")


class SlaClock(models.TextChoices):
    ROUND_THE_CLOCK = "24x7", _("Around the clock (24×7)")
    BUSINESS = "business", _("Business calendar")


class SlaState(models.TextChoices):
    """The worst SLA state an open order has reached; drives list badges and filters."""

    OK = "ok", _("On time")
    WARNING = "warning", _("Warning")
    CRITICAL = "critical", _("Nearly due")
    BREACHED = "breached", _("Overdue")


SLA_STATE_COLORS = {
    SlaState.OK: "success",
    SlaState.WARNING: "warning",
    SlaState.CRITICAL: "orange",
    SlaState.BREACHED: "danger",
}
# Warning levels as percent of the limit; 100 is the breach.
SLA_LEVELS = (50, 80, 100)
SLA_STATE_OF_LEVEL = {50: SlaState.WARNING, 80: SlaState.CRITICAL, 100: SlaState.BREACHED}


class EventKind(models.TextChoices):
    CREATED = "created", _("Reported")
    STATUS = "status", _("Status changed")
    ASSIGNED = "assigned", _("Assigned")
    TAKEN = "taken", _("Taken by the assignee")
    ESCALATED = "escalated", _("Escalated")
    COMMENT = "comment", _("Note")
    PHOTO = "photo", _("Photos added")
    SLA_WARNING = "sla_warning", _("SLA warning")
    SLA_BREACH = "sla_breach", _("SLA breached")
    RATED = "rated", _("Rated")
    FOLLOW_UP = "follow_up", _("Follow-up")
    FLAGGED = "flagged", _("Flagged by keywords")
    UPDATED = "updated", _("Details changed")


class PhotoStage(models.TextChoices):
    BEFORE = "before", _("Before")
    AFTER = "after", _("After")
    STEP = "step", _("During the work")


class RatingTag(models.TextChoices):
    SPEED = "speed", _("Speed")
    ATTITUDE = "attitude", _("Attitude")
    QUALITY = "quality", _("Quality")
    CLEANUP = "cleanup", _("Clean-up")
    COMMUNICATION = "communication", _("Communication")


class FollowUpMethod(models.TextChoices):
    PHONE = "phone", _("Phone call")
    APP = "app", _("Owner app")
    VISIT = "visit", _("Home visit")


class FollowUpResolved(models.TextChoices):
    YES = "yes", _("Resolved")
    PARTLY = "partly", _("Partly resolved")
    NO = "no", _("Not resolved")


class Satisfaction(models.IntegerChoices):
    VERY_SATISFIED = 5, _("Very satisfied")
    SATISFIED = 4, _("Satisfied")
    NEUTRAL = 3, _("Neutral")
    DISSATISFIED = 2, _("Dissatisfied")
    VERY_DISSATISFIED = 1, _("Very dissatisfied")


class FollowUpStatus(models.TextChoices):
    PENDING = "pending", _("Due")
    DONE = "done", _("Done")
    UNREACHABLE = "unreachable", _("Could not reach the owner")


class AcceptTimeoutAction(models.TextChoices):
    REDISPATCH = "redispatch", _("Dispatch to the next person")
    ESCALATE = "escalate", _("Escalate to the supervisor")
