from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.models import Area, Building, Company, Department, Project, company_scoped
from inspections.choices import (
    OPEN_CAPA_STATUSES,
    OPEN_FINDING_STATUSES,
    CapaEventKind,
    CapaSource,
    CapaStatus,
    CauseClass,
    EffectivenessResult,
    ExtensionStatus,
    FindingEventKind,
    FindingSource,
    FindingStatus,
    Severity,
)
from inspections.models.checklists import ChecklistItem
from inspections.models.rounds import InspectionRound, ItemResult, photo_path

USER = settings.AUTH_USER_MODEL


class Finding(models.Model):
    """A nonconformity (不合格项) found in a round, or raised from a complaint, audit, KPI or a 12345
    referral: what is wrong, how severe, who rectifies it by when. It opens a rectification work
    order; the team rectifies with an after photo and the inspector verifies (pass closes it, fail
    sends it back with a new deadline).

    ``status`` changes only through inspections.services.findings; every change writes a FindingEvent.
    """

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="+", verbose_name=_("company"))
    project = models.ForeignKey(
        Project, on_delete=models.PROTECT, related_name="+", verbose_name=_("project"), db_index=False
    )
    round = models.ForeignKey(
        InspectionRound,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="findings",
        verbose_name=_("inspection round"),
    )
    item_result = models.ForeignKey(
        ItemResult, on_delete=models.SET_NULL, null=True, blank=True, related_name="findings", verbose_name=_("result")
    )
    item = models.ForeignKey(
        ChecklistItem,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="findings",
        verbose_name=_("checklist item"),
    )
    source = models.CharField(
        _("source"), max_length=20, choices=FindingSource.choices, default=FindingSource.INSPECTION
    )
    source_key = models.CharField(max_length=100, null=True, blank=True, editable=False)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    severity = models.CharField(_("severity"), max_length=20, choices=Severity.choices, default=Severity.MINOR)
    department = models.ForeignKey(
        Department,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("responsible department"),
    )
    building = models.ForeignKey(
        Building, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("building")
    )
    area = models.ForeignKey(
        Area, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("public area")
    )
    status = models.CharField(_("status"), max_length=30, choices=FindingStatus.choices, default=FindingStatus.OPEN)
    due_at = models.DateTimeField(_("rectify by"))
    work_order = models.ForeignKey(
        "workorders.WorkOrder",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("rectification order"),
    )
    rectified_at = models.DateTimeField(_("rectified at"), null=True, blank=True)
    rectified_by = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("rectified by")
    )
    rectify_note = models.TextField(_("rectification note"), blank=True)
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    verified_by = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("verified by")
    )
    verify_rounds = models.PositiveSmallIntegerField(
        _("verifications"), default=0, help_text=_("How many times the rectification was verified.")
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    escalation_level = models.PositiveSmallIntegerField(_("escalation level"), default=0)
    repeat_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="repeats", verbose_name=_("repeat of")
    )
    capa = models.ForeignKey(
        "Capa", on_delete=models.SET_NULL, null=True, blank=True, related_name="findings", verbose_name=_("CAPA")
    )
    photo = models.ImageField(_("photo (before)"), upload_to=photo_path, blank=True)
    thumbnail = models.ImageField(_("thumbnail"), upload_to=photo_path, blank=True)
    rectify_photo = models.ImageField(_("photo (after)"), upload_to=photo_path, blank=True)
    rectify_thumbnail = models.ImageField(_("thumbnail (after)"), upload_to=photo_path, blank=True)
    created_by = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("found by")
    )
    created = models.DateTimeField(_("created"), default=timezone.now)

    objects = company_scoped()

    class Meta:
        verbose_name = _("finding")
        verbose_name_plural = _("findings")
        ordering = ["-created", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "source_key"], condition=Q(source_key__isnull=False), name="finding_source_key"
            ),
        ]
        indexes = [
            models.Index(
                fields=["due_at"], condition=Q(status__in=sorted(OPEN_FINDING_STATUSES)), name="finding_due_open"
            ),
            models.Index(fields=["company", "project", "created"], name="finding_project_time"),
            models.Index(fields=["project", "status"], name="finding_project_status"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def photo_month(self):
        return self.created


class FindingEvent(models.Model):
    """One line of a finding's timeline: a status change, an extension asked or decided, an
    escalation, repeat or CAPA link, or a note. Append-only."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, related_name="events", verbose_name=_("finding"))
    kind = models.CharField(
        _("event"), max_length=30, choices=FindingEventKind.choices, default=FindingEventKind.STATUS
    )
    actor = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("by")
    )
    created = models.DateTimeField(_("time"), default=timezone.now)
    from_status = models.CharField(_("from"), max_length=30, choices=FindingStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=30, choices=FindingStatus.choices, blank=True)
    reason = models.TextField(_("reason or note"), blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)

    objects = company_scoped()

    class Meta:
        verbose_name = _("finding event")
        verbose_name_plural = _("finding events")
        ordering = ["created", "id"]
        indexes = [models.Index(fields=["finding", "created"], name="findingevent_time")]

    def __str__(self) -> str:
        return f"{self.finding_id} {self.kind} {self.created:%Y-%m-%d %H:%M}"


class ExtensionRequest(models.Model):
    """A request by the rectifying team to move a finding's deadline; a manager approves or rejects it."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, related_name="extensions", verbose_name=_("finding"))
    requested_due_at = models.DateTimeField(_("new deadline asked for"))
    previous_due_at = models.DateTimeField(_("deadline before"), null=True, blank=True)
    reason = models.TextField(_("reason"))
    status = models.CharField(
        _("status"), max_length=20, choices=ExtensionStatus.choices, default=ExtensionStatus.PENDING
    )
    requested_by = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("requested by")
    )
    created = models.DateTimeField(_("requested at"), default=timezone.now)
    decided_by = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("decided by")
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)

    objects = company_scoped()

    class Meta:
        verbose_name = _("extension request")
        verbose_name_plural = _("extension requests")
        ordering = ["-created", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["finding"], condition=Q(status=ExtensionStatus.PENDING), name="extension_one_pending"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.finding_id} → {self.requested_due_at:%Y-%m-%d %H:%M} ({self.status})"


class Capa(models.Model):
    """A corrective and preventive action (纠正预防措施, 8D-lite, DOMAIN.md §6.7): containment, a 5-Why
    chain and cause class, corrective and preventive actions, a horizontal check of other buildings
    and projects, and an effectiveness check 30 days after the action, closed by the closing authority.

    Required for severe findings, repeats and P0 incidents. ``status`` changes only through
    inspections.services.capa; every change writes a CapaEvent."""

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="+", verbose_name=_("company"))
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="+", verbose_name=_("project"))
    source = models.CharField(_("source"), max_length=20, choices=CapaSource.choices)
    source_key = models.CharField(max_length=100, null=True, blank=True, editable=False)
    severity = models.CharField(_("severity"), max_length=20, choices=Severity.choices, default=Severity.MAJOR)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description (5W2H)"), blank=True)
    containment = models.TextField(_("containment action"), blank=True)
    why_chain = models.JSONField(_("5-Why chain"), default=list, blank=True)
    cause_class = models.CharField(_("cause class"), max_length=20, choices=CauseClass.choices, blank=True)
    standard_item = models.ForeignKey(
        "standards.StandardItem",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("standard item"),
    )
    corrective_action = models.TextField(_("corrective action"), blank=True)
    preventive_action = models.TextField(_("preventive action"), blank=True)
    horizontal_check = models.TextField(_("horizontal check"), blank=True)
    horizontal_scope = models.JSONField(
        _("horizontal check scope"),
        default=list,
        blank=True,
        help_text=_('Projects and buildings checked, e.g. [{"project": 3}, {"building": 12}].'),
    )
    owner = models.ForeignKey(
        USER,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=pgettext_lazy("CAPA", "owner"),
    )
    due_at = models.DateTimeField(_("due at"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=CapaStatus.choices, default=CapaStatus.FILED)
    action_done_at = models.DateTimeField(_("action done at"), null=True, blank=True)
    effectiveness_due_at = models.DateTimeField(_("effectiveness check due"), null=True, blank=True)
    effectiveness_flagged_at = models.DateTimeField(
        _("effectiveness check flagged at"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("When the sweep reported the check as due (once per check)."),
    )
    effectiveness_result = models.CharField(
        _("effectiveness"), max_length=20, choices=EffectivenessResult.choices, blank=True
    )
    effectiveness_note = models.TextField(_("effectiveness evidence"), blank=True)
    effectiveness_photo = models.ImageField(_("evidence photo"), upload_to=photo_path, blank=True)
    effectiveness_thumbnail = models.ImageField(_("thumbnail"), upload_to=photo_path, blank=True)
    requires_8d = models.BooleanField(_("full 8D required"), default=False)
    work_order = models.ForeignKey(
        "workorders.WorkOrder",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("incident work order"),
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("closed by")
    )
    created_by = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("filed by")
    )
    created = models.DateTimeField(_("created"), default=timezone.now)

    objects = company_scoped()

    class Meta:
        verbose_name = _("CAPA")
        verbose_name_plural = _("CAPAs")
        ordering = ["-created", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "source_key"], condition=Q(source_key__isnull=False), name="capa_source_key"
            ),
        ]
        indexes = [
            models.Index(fields=["due_at"], condition=Q(status__in=sorted(OPEN_CAPA_STATUSES)), name="capa_due_open"),
            models.Index(
                fields=["effectiveness_due_at"],
                condition=Q(status=CapaStatus.VERIFYING, effectiveness_result=""),
                name="capa_effectiveness_due",
            ),
            models.Index(fields=["company", "project", "created"], name="capa_project_time"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def photo_month(self):
        return self.created


class CapaEvent(models.Model):
    """One line of a CAPA's timeline: a step forward, a send-back with its reason, the effectiveness
    check, or a note. Append-only."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    capa = models.ForeignKey(Capa, on_delete=models.CASCADE, related_name="events", verbose_name=_("CAPA"))
    kind = models.CharField(_("event"), max_length=20, choices=CapaEventKind.choices, default=CapaEventKind.STATUS)
    actor = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("by")
    )
    created = models.DateTimeField(_("time"), default=timezone.now)
    from_status = models.CharField(_("from"), max_length=20, choices=CapaStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=20, choices=CapaStatus.choices, blank=True)
    reason = models.TextField(_("reason or note"), blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)

    objects = company_scoped()

    class Meta:
        verbose_name = _("CAPA event")
        verbose_name_plural = _("CAPA events")
        ordering = ["created", "id"]
        indexes = [models.Index(fields=["capa", "created"], name="capaevent_time")]

    def __str__(self) -> str:
        return f"{self.capa_id} {self.kind} {self.created:%Y-%m-%d %H:%M}"
