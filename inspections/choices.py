"""Kinds, outcomes, severities, statuses and the transition tables of inspections, findings and CAPA."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class RoundKind(models.TextChoices):
    DAILY = "daily", _("Daily inspection")
    WEEKLY = "weekly", _("Weekly inspection")
    SPECIAL = "special", _("Special inspection")
    MYSTERY_SHOPPER = "mystery_shopper", _("Mystery shopper")
    THIRD_PARTY = "third_party", _("Third-party evaluation")
    AUDIT = "audit", _("Cross-project audit")


ROUND_KIND_COLORS = {
    RoundKind.DAILY: "secondary",
    RoundKind.WEEKLY: "info",
    RoundKind.SPECIAL: "warning",
    RoundKind.MYSTERY_SHOPPER: "purple",
    RoundKind.THIRD_PARTY: "primary",
    RoundKind.AUDIT: "dark",
}


class RoundStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    IN_PROGRESS = "in_progress", pgettext_lazy("inspection round status", "In progress")
    SUBMITTED = "submitted", pgettext_lazy("inspection round status", "Submitted")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


R = RoundStatus
ROUND_STATUS_COLORS = {
    R.SCHEDULED: "secondary",
    R.IN_PROGRESS: "warning",
    R.SUBMITTED: "primary",
    R.CLOSED: "success",
    R.CANCELLED: "dark",
}
# The only legal status changes; every change goes through services.rounds._round_transition.
ROUND_TRANSITIONS: dict[str, frozenset[str]] = {
    R.SCHEDULED: frozenset({R.IN_PROGRESS, R.CANCELLED}),
    R.IN_PROGRESS: frozenset({R.SUBMITTED, R.CANCELLED}),
    R.SUBMITTED: frozenset({R.CLOSED}),
    R.CLOSED: frozenset(),
    R.CANCELLED: frozenset(),
}
OPEN_ROUND_STATUSES = frozenset({R.SCHEDULED, R.IN_PROGRESS})
# Rounds whose score counts in figures and roll-ups.
SCORED_ROUND_STATUSES = frozenset({R.SUBMITTED, R.CLOSED})


class RoundEventKind(models.TextChoices):
    STATUS = "status", _("Status changed")
    INSPECTORS = "inspectors", _("Inspectors changed")
    NOTE = "note", _("Note")


class Outcome(models.TextChoices):
    PASS = "pass", _("Pass")
    FAIL = "fail", _("Fail")
    NA = "na", _("Not applicable")


OUTCOME_COLORS = {Outcome.PASS: "success", Outcome.FAIL: "danger", Outcome.NA: "secondary"}


class Scoring(models.TextChoices):
    PASS_FAIL = "pass_fail", _("Pass / fail")
    SCALE = "scale", _("Score 0–N")


class Severity(models.TextChoices):
    MINOR = "minor", _("Minor")
    MAJOR = "major", _("Major")
    SEVERE = "severe", _("Severe")
    CRITICAL = "critical", _("Critical")


SEVERITY_COLORS = {
    Severity.MINOR: "info",
    Severity.MAJOR: "warning",
    Severity.SEVERE: "orange",
    Severity.CRITICAL: "danger",
}
SEVERITY_RANK = {Severity.MINOR: 1, Severity.MAJOR: 2, Severity.SEVERE: 3, Severity.CRITICAL: 4}
# Default rectification deadline of a failed item (hours): minor 7 days, major 3, severe 1, critical ½.
SEVERITY_RECTIFY_HOURS = {Severity.MINOR: 7 * 24, Severity.MAJOR: 3 * 24, Severity.SEVERE: 24, Severity.CRITICAL: 12}
# Findings of these severities always require a CAPA (DOMAIN.md §6.7).
CAPA_SEVERITIES = frozenset({Severity.SEVERE, Severity.CRITICAL})


class FindingSource(models.TextChoices):
    INSPECTION = "inspection", _("Inspection")
    COMPLAINT = "complaint", _("Complaint")
    AUDIT = "audit", _("Audit")
    KPI = "kpi", _("KPI")
    HOTLINE_12345 = "hotline_12345", _("12345 hotline referral")


class FindingStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("finding status", "Open")
    RECTIFYING = "rectifying", _("Rectifying")
    AWAITING_VERIFICATION = "awaiting_verification", _("Awaiting verification")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


F = FindingStatus
FINDING_STATUS_COLORS = {
    F.OPEN: "danger",
    F.RECTIFYING: "warning",
    F.AWAITING_VERIFICATION: "primary",
    F.CLOSED: "success",
    F.CANCELLED: "dark",
}
# A failed verification sends the finding back to rectifying with a new deadline.
FINDING_TRANSITIONS: dict[str, frozenset[str]] = {
    F.OPEN: frozenset({F.RECTIFYING, F.AWAITING_VERIFICATION, F.CANCELLED}),
    F.RECTIFYING: frozenset({F.AWAITING_VERIFICATION, F.CANCELLED}),
    F.AWAITING_VERIFICATION: frozenset({F.CLOSED, F.RECTIFYING}),
    F.CLOSED: frozenset(),
    F.CANCELLED: frozenset(),
}
# Findings whose rectification deadline runs (Finding.due_at is indexed on these).
OPEN_FINDING_STATUSES = frozenset({F.OPEN, F.RECTIFYING})
# Not yet closed or cancelled: still on the quality manager's list.
UNRESOLVED_FINDING_STATUSES = frozenset({F.OPEN, F.RECTIFYING, F.AWAITING_VERIFICATION})


class FindingEventKind(models.TextChoices):
    STATUS = "status", _("Status changed")
    EXTENSION_REQUESTED = "extension_requested", _("Extension requested")
    EXTENSION_DECIDED = "extension_decided", _("Extension decided")
    ESCALATED = "escalated", _("Escalated")
    REPEAT = "repeat", _("Marked as a repeat")
    CAPA = "capa", _("Linked to a CAPA")
    NOTE = "note", _("Note")


class ExtensionStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


EXTENSION_STATUS_COLORS = {
    ExtensionStatus.PENDING: "warning",
    ExtensionStatus.APPROVED: "success",
    ExtensionStatus.REJECTED: "danger",
}


class CapaSource(models.TextChoices):
    INSPECTION = "inspection", _("Inspection")
    COMPLAINT = "complaint", _("Complaint")
    AUDIT = "audit", _("Audit")
    KPI = "kpi", _("KPI")
    HOTLINE_12345 = "hotline_12345", _("12345 hotline referral")
    INCIDENT = "incident", _("Incident")


class CapaStatus(models.TextChoices):
    FILED = "filed", _("Filed")
    CONTAINMENT = "containment", _("Containment")
    ANALYSIS = "analysis", _("Cause analysis")
    ACTION = "action", _("Corrective action")
    VERIFYING = "verifying", _("Verifying effectiveness")
    CLOSED = "closed", _("Closed")


C = CapaStatus
CAPA_STATUS_COLORS = {
    C.FILED: "danger",
    C.CONTAINMENT: "orange",
    C.ANALYSIS: "warning",
    C.ACTION: "info",
    C.VERIFYING: "primary",
    C.CLOSED: "success",
}
# Forward one step at a time; "rejected" sends it back one step with a reason.
CAPA_TRANSITIONS: dict[str, frozenset[str]] = {
    C.FILED: frozenset({C.CONTAINMENT}),
    C.CONTAINMENT: frozenset({C.ANALYSIS, C.FILED}),
    C.ANALYSIS: frozenset({C.ACTION, C.CONTAINMENT}),
    C.ACTION: frozenset({C.VERIFYING, C.ANALYSIS}),
    # An effectiveness result "not effective" sends it back to cause analysis.
    C.VERIFYING: frozenset({C.CLOSED, C.ACTION, C.ANALYSIS}),
    C.CLOSED: frozenset(),
}
CAPA_ORDER = (C.FILED, C.CONTAINMENT, C.ANALYSIS, C.ACTION, C.VERIFYING, C.CLOSED)
OPEN_CAPA_STATUSES = frozenset(set(CAPA_ORDER) - {C.CLOSED})
CAPA_MIN_WHYS = 3
# The effectiveness check falls due this many days after the corrective action is done.
CAPA_EFFECTIVENESS_DAYS = 30
# Repeats: the same item or cause within this many days.
REPEAT_WINDOW_DAYS = 90


class CapaEventKind(models.TextChoices):
    STATUS = "status", _("Status changed")
    REJECTED = "rejected", _("Sent back")
    EFFECTIVENESS = "effectiveness", _("Effectiveness checked")
    EFFECTIVENESS_DUE = "effectiveness_due", _("Effectiveness check due")
    NOTE = "note", _("Note")


class CauseClass(models.TextChoices):
    """The five cause classes of a root-cause analysis (人/机/料/法/环)."""

    MAN = "man", _("Man (people)")
    MACHINE = "machine", _("Machine (equipment)")
    MATERIAL = "material", _("Material")
    METHOD = "method", _("Method (procedure)")
    ENVIRONMENT = "environment", _("Environment")


class EffectivenessResult(models.TextChoices):
    EFFECTIVE = "effective", _("Effective")
    NOT_EFFECTIVE = "not_effective", _("Not effective")


EFFECTIVENESS_COLORS = {EffectivenessResult.EFFECTIVE: "success", EffectivenessResult.NOT_EFFECTIVE: "danger"}
