"""Alert rules, alerts and their timeline, the in-app inbox, notification channels and deliveries,
devices and their readings, and the evaluation cursors of the rules engine."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from alerts.choices import (
    AlertEventKind,
    AlertStatus,
    ChannelKind,
    DeliveryStatus,
    Level,
    Resolution,
    RuleKind,
    Severity,
    SubjectType,
)
from core.models import Area, Building, Company, Project, company_scoped

USER = settings.AUTH_USER_MODEL


class AlertRule(models.Model):
    """One early-warning rule of a company: what to watch (``kind`` and its ``params``), how severe
    an alert it raises and how fast an unacknowledged alert climbs the escalation chain. Every
    company starts with the defaults of DOMAIN §6.5 (alerts.defaults); admins tune or add rules."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+", verbose_name=_("company"))
    project = models.ForeignKey(
        Project,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("project"),
        help_text=_("Empty: every project of the company."),
    )
    kind = models.CharField(_("rule kind"), max_length=30, choices=RuleKind.choices)
    name = models.CharField(_("name"), max_length=100)
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices, default=Severity.MEDIUM)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    escalate_pm_minutes = models.PositiveIntegerField(
        _("escalate to the project manager after (minutes)"),
        null=True,
        blank=True,
        help_text=_("Unacknowledged for this long at the supervisor. Empty: no escalation."),
    )
    escalate_qm_minutes = models.PositiveIntegerField(
        _("escalate to the quality manager after (minutes)"),
        null=True,
        blank=True,
        help_text=_("Unacknowledged for this long at the project manager. Empty: no escalation."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created = models.DateTimeField(_("created"), auto_now_add=True)
    updated = models.DateTimeField(_("updated"), auto_now=True)

    objects = company_scoped()
    history = HistoricalRecords(excluded_fields=["updated"])

    class Meta:
        verbose_name = _("alert rule")
        verbose_name_plural = _("alert rules")
        ordering = ["kind", "name", "id"]
        constraints = [models.UniqueConstraint(fields=["company", "name"], name="alertrule_unique_name")]
        indexes = [models.Index(fields=["company", "kind", "is_active"], name="alertrule_company_kind")]

    def __str__(self) -> str:
        return self.name


class Alert(models.Model):
    """A condition a rule found: about one object (an order, task, finding, device, place or
    project), with the evidence behind it, a severity, an owner, and a lifecycle open →
    acknowledged → resolved (by hand, or automatically when the condition clears).

    ``dedup_key`` names the condition and its window; the unique constraint makes a rule raise
    one alert per condition and window however often, and however concurrently, it is evaluated.
    ``status`` and ``level`` change only through alerts.services; each change writes an AlertEvent.
    """

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+", verbose_name=_("company"))
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("project")
    )
    rule = models.ForeignKey(AlertRule, on_delete=models.PROTECT, related_name="alerts", verbose_name=_("rule"))
    kind = models.CharField(_("rule kind"), max_length=30, choices=RuleKind.choices)
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices)
    status = models.CharField(_("status"), max_length=15, choices=AlertStatus.choices, default=AlertStatus.OPEN)
    dedup_key = models.CharField(_("condition key"), max_length=200)
    subject_type = models.CharField(_("about"), max_length=20, choices=SubjectType.choices)
    subject_id = models.BigIntegerField(_("object id"), null=True, blank=True)
    # {"refs": [{"type": "workorder", "id": 7}, ...], "facts": {...}}: what made the rule fire.
    # refs are a set (merged by union), so evaluating the same change twice adds nothing.
    evidence = models.JSONField(pgettext_lazy("alert", "evidence"), default=dict, blank=True)
    occurrences = models.PositiveIntegerField(_("occurrences"), default=1)
    first_seen_at = models.DateTimeField(_("first seen"))
    last_seen_at = models.DateTimeField(_("last seen"))
    owner = models.ForeignKey(
        USER,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=pgettext_lazy("alert", "owner"),
    )
    level = models.PositiveSmallIntegerField(_("escalation level"), choices=Level.choices, default=Level.SUPERVISOR)
    escalate_at = models.DateTimeField(_("escalates at"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("acknowledged by")
    )
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("resolved by")
    )
    resolution = models.CharField(_("resolution"), max_length=10, choices=Resolution.choices, blank=True)
    created = models.DateTimeField(_("raised at"))

    objects = company_scoped()

    class Meta:
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        ordering = ["-created", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["company", "rule", "dedup_key"], name="alert_unique_condition"),
        ]
        indexes = [
            models.Index(fields=["company", "status", "severity"], name="alert_company_status"),
            models.Index(fields=["company", "created"], name="alert_company_created"),
            models.Index(fields=["owner", "status"], name="alert_owner_status"),
            models.Index(
                fields=["escalate_at"],
                name="alert_escalate_due",
                condition=Q(status="open", escalate_at__isnull=False),
            ),
            models.Index(
                fields=["subject_type", "subject_id"],
                name="alert_open_subject",
                condition=Q(status__in=["open", "acknowledged"]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status != AlertStatus.RESOLVED

    @property
    def refs(self) -> list[dict]:
        return list(self.evidence.get("refs", []))


class AlertEvent(models.Model):
    """One line of an alert's timeline: raised, occurred again, acknowledged, escalated, assigned,
    resolved, reopened or a note. Append-only; written by the service in its transaction."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="events", verbose_name=_("alert"))
    kind = models.CharField(_("event"), max_length=20, choices=AlertEventKind.choices)
    actor = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("by")
    )
    created = models.DateTimeField(_("time"))
    from_status = models.CharField(_("from"), max_length=15, choices=AlertStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=15, choices=AlertStatus.choices, blank=True)
    level = models.PositiveSmallIntegerField(_("escalation level"), choices=Level.choices, null=True, blank=True)
    reason = models.TextField(_("reason or note"), blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)

    objects = company_scoped()

    class Meta:
        verbose_name = _("alert event")
        verbose_name_plural = _("alert events")
        ordering = ["created", "id"]
        indexes = [models.Index(fields=["alert", "created"], name="alertevent_alert_time")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} @ {self.created:%Y-%m-%d %H:%M}"


class InboxItem(models.Model):
    """An alert in one person's in-app inbox: its owner at each level it reached, plus anyone it
    was assigned to. Unread until the person opens it."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="inbox_items", verbose_name=_("alert"))
    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="alert_inbox", verbose_name=_("person"))
    created = models.DateTimeField(_("received at"))
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    objects = company_scoped()

    class Meta:
        verbose_name = _("inbox item")
        verbose_name_plural = _("inbox items")
        ordering = ["-created", "-id"]
        constraints = [models.UniqueConstraint(fields=["alert", "user"], name="inboxitem_unique")]
        indexes = [
            models.Index(fields=["user", "created"], name="inbox_user_created"),
            models.Index(fields=["user"], name="inbox_user_unread", condition=Q(read_at__isnull=True)),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.alert_id}"


class Channel(models.Model):
    """Where alerts are sent besides the in-app inbox: e-mail to the alert's owner (and listed
    addresses), a WeCom or DingTalk group robot, or a generic JSON webhook. Filters choose which
    alerts it carries; quiet hours hold all but critical alerts until they end."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+", verbose_name=_("company"))
    project = models.ForeignKey(
        Project,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("project"),
        help_text=_("Empty: alerts of every project."),
    )
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("channel"), max_length=10, choices=ChannelKind.choices)
    url = models.URLField(_("webhook address"), max_length=500, blank=True)
    secret = models.CharField(
        _("signing secret"),
        max_length=200,
        blank=True,
        help_text=_("DingTalk: the robot's 加签 secret (SEC…). Generic webhook: HMAC-SHA256 key."),
    )
    emails = models.TextField(
        _("e-mail addresses"), blank=True, help_text=_("Besides the alert's owner; one per line or comma-separated.")
    )
    min_severity = models.CharField(
        _("lowest severity"), max_length=10, choices=Severity.choices, default=Severity.MEDIUM
    )
    rule_kinds = models.JSONField(
        _("rule kinds"), default=list, blank=True, help_text=_("Empty: alerts of every rule kind.")
    )
    on_escalation = models.BooleanField(_("also send escalations"), default=True)
    quiet_start = models.TimeField(_("quiet hours from"), null=True, blank=True)
    quiet_end = models.TimeField(_("quiet hours until"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created = models.DateTimeField(_("created"), auto_now_add=True)

    objects = company_scoped()
    history = HistoricalRecords(excluded_fields=["secret"])

    class Meta:
        verbose_name = _("notification channel")
        verbose_name_plural = _("notification channels")
        ordering = ["name", "id"]
        constraints = [models.UniqueConstraint(fields=["company", "name"], name="channel_unique_name")]

    def __str__(self) -> str:
        return self.name


class Delivery(models.Model):
    """One message of one alert event (raised, escalated to level n, reopened) on one channel, and
    how sending it went. Sent from the task queue; failures retry with backoff
    (``next_attempt_at``, swept by alerts.tasks.deliver_due); the alert is never lost."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("alert"))
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("channel"))
    event_key = models.CharField(_("message"), max_length=30)  # "raised", "escalated:1", "reopened:3"
    status = models.CharField(
        _("status"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    response_code = models.PositiveSmallIntegerField(_("response code"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    created = models.DateTimeField(_("created"))

    objects = company_scoped()

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["-created", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["alert", "channel", "event_key"], name="delivery_unique_message"),
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="delivery_due",
                condition=Q(status__in=["pending", "deferred", "retrying"]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event_key} → {self.channel_id}: {self.status}"


class Device(models.Model):
    """A piece of equipment or a sensor that reports readings (pump pressure, water-tank level,
    lift fault code, room temperature) through the readings endpoint."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+", verbose_name=_("company"))
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+", verbose_name=_("project"))
    code = models.SlugField(_("device code"), max_length=60, help_text=_("The id the device or gateway sends."))
    name = models.CharField(_("name"), max_length=100)
    device_kind = models.CharField(_("device kind"), max_length=40, blank=True, help_text=_("e.g. pump, lift, tank"))
    building = models.ForeignKey(
        Building, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("building")
    )
    area = models.ForeignKey(
        Area, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("public area")
    )
    is_active = models.BooleanField(_("active"), default=True)
    last_seen_at = models.DateTimeField(_("last reading at"), null=True, blank=True)

    objects = company_scoped()
    history = HistoricalRecords(excluded_fields=["last_seen_at"])

    class Meta:
        verbose_name = _("device")
        verbose_name_plural = _("devices")
        ordering = ["project", "code"]
        constraints = [models.UniqueConstraint(fields=["company", "code"], name="device_unique_code")]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Gateway(models.Model):
    """A device gateway or IoT platform allowed to post readings for one company (optionally one
    project) with its key. Only a SHA-256 of the key is stored; the key is shown once."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+", verbose_name=_("company"))
    project = models.ForeignKey(
        Project,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("project"),
        help_text=_("Empty: devices of every project."),
    )
    name = models.CharField(_("name"), max_length=100)
    key_prefix = models.CharField(_("key starts with"), max_length=8, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    created = models.DateTimeField(_("created"), auto_now_add=True)

    objects = company_scoped()

    class Meta:
        verbose_name = _("gateway")
        verbose_name_plural = _("gateways")
        ordering = ["name", "id"]
        constraints = [models.UniqueConstraint(fields=["company", "name"], name="gateway_unique_name")]

    def __str__(self) -> str:
        return self.name


class Reading(models.Model):
    """One value of one metric of a device at a time, as the device reported it."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    device = models.ForeignKey(Device, on_delete=models.CASCADE, related_name="readings", verbose_name=_("device"))
    metric = models.CharField(_("metric"), max_length=40)
    value = models.FloatField(_("value"))
    at = models.DateTimeField(_("measured at"))
    created = models.DateTimeField(_("received at"))

    objects = company_scoped()

    class Meta:
        verbose_name = _("reading")
        verbose_name_plural = _("readings")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["device", "metric", "at"], name="reading_device_metric_at")]

    def __str__(self) -> str:
        return f"{self.metric}={self.value} @ {self.at:%Y-%m-%d %H:%M}"


class EvaluationCursor(models.Model):
    """How far the rules engine has read an append-only source (work-order events, task events,
    finding events). Not a tenant row: one cursor per source across companies. The evaluation pass
    locks its row, so two workers never read the same changes at once."""

    source = models.CharField(max_length=40, unique=True)
    last_id = models.BigIntegerField(default=0)
    # The positions of the last few passes: each pass re-reads from the oldest of them, so a change
    # whose transaction committed after a later id was read is still seen (evaluation is idempotent).
    recent_ids = models.JSONField(default=list, blank=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("evaluation cursor")
        verbose_name_plural = _("evaluation cursors")

    def __str__(self) -> str:
        return f"{self.source}@{self.last_id}"
