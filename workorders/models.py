import datetime as dt
import os
import uuid
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from core.choices import DepartmentKind, ServiceLevel
from core.models import Area, Building, Company, Department, Project, Resident, Unit, company_scoped
from workorders.choices import (
    OPEN_STATUSES,
    AcceptTimeoutAction,
    EventKind,
    FollowUpMethod,
    FollowUpResolved,
    FollowUpStatus,
    HoldReason,
    Kind,
    PhotoStage,
    Priority,
    Satisfaction,
    SlaClock,
    SlaState,
    SlaTarget,
    Source,
    Status,
)

USER = settings.AUTH_USER_MODEL


class WorkOrderSettings(models.Model):
    """A company's work-order rules: reopen window, dispatch behaviour, follow-up timing."""

    company = models.OneToOneField(
        Company, on_delete=models.CASCADE, related_name="workorder_settings", verbose_name=_("company")
    )
    reopen_days = models.PositiveSmallIntegerField(
        _("reopen window (days)"),
        default=7,
        validators=[MaxValueValidator(90)],
        help_text=_("Owners may send a completed order back within this many days."),
    )
    auto_dispatch = models.BooleanField(
        _("dispatch automatically"), default=True, help_text=_("New orders go to the on-duty person by the rules.")
    )
    accept_timeout_minutes = models.PositiveSmallIntegerField(
        _("time to take a dispatched order (minutes)"), default=15, validators=[MinValueValidator(1)]
    )
    accept_timeout_action = models.CharField(
        _("when nobody takes it"),
        max_length=20,
        choices=AcceptTimeoutAction.choices,
        default=AcceptTimeoutAction.REDISPATCH,
    )
    follow_up_hours = models.PositiveSmallIntegerField(
        _("follow-up due after closing (hours)"), default=48, validators=[MinValueValidator(1)]
    )
    breach_rectification_threshold = models.PositiveSmallIntegerField(
        _("SLA breaches per project and month that open a rectification order"),
        default=3,
        validators=[MinValueValidator(1)],
    )
    weather_warning_until = models.DateTimeField(
        _("red weather warning until"),
        null=True,
        blank=True,
        help_text=_("While a red weather warning is in force, new P2 and P3 repairs get their limits multiplied."),
    )
    weather_factor = models.DecimalField(
        _("weather factor"),
        max_digits=3,
        decimal_places=2,
        default=Decimal("1.50"),
        validators=[MinValueValidator(Decimal("1.00")), MaxValueValidator(Decimal("5.00"))],
    )

    objects = company_scoped()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("work-order settings")
        verbose_name_plural = _("work-order settings")

    def __str__(self) -> str:
        return str(self.company)

    def weather_factor_at(self, at: dt.datetime) -> Decimal:
        """The factor for limits starting at ``at``: the configured one during a red warning, else 1."""
        if self.weather_warning_until and at < self.weather_warning_until:
            return self.weather_factor
        return Decimal(1)


class Category(models.Model):
    """A node of the company's category tree (给排水 › 漏水/渗水), with a priority hint and a default department."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+", verbose_name=_("company"))
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children", verbose_name=_("parent")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.REPAIR)
    name = models.CharField(_("name"), max_length=50)
    code = models.SlugField(_("code"), max_length=40, help_text=_("Stable code, also the Open311 service code."))
    priority_hint = models.CharField(_("priority hint"), max_length=2, choices=Priority.choices, default=Priority.P2)
    department_kind = models.CharField(
        _("default department"), max_length=20, choices=DepartmentKind.choices, blank=True
    )
    description = models.CharField(_("description"), max_length=200, blank=True)
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    objects = company_scoped()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["kind", "sort_order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["company", "code"], name="category_code_unique"),
            models.UniqueConstraint(fields=["company", "parent", "name"], name="category_name_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.parent.name} › {self.name}" if self.parent_id else self.name

    def clean(self) -> None:
        if self.parent_id:
            if self.parent.company_id != self.company_id:
                raise ValidationError({"parent": _("The parent belongs to another company.")})
            if self.parent.parent_id:
                raise ValidationError({"parent": _("Categories have two levels; pick a top-level parent.")})
            if self.parent.kind != self.kind:
                raise ValidationError({"kind": _("A sub-category has the kind of its parent.")})


class SlaPolicy(models.Model):
    """Time limits for one kind × priority (× service level) in minutes of its clock."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+", verbose_name=_("company"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    priority = models.CharField(_("priority"), max_length=2, choices=Priority.choices)
    service_level = models.CharField(
        _("service level"),
        max_length=20,
        choices=ServiceLevel.choices,
        blank=True,
        help_text=_("Empty applies to every level without its own policy."),
    )
    clock = models.CharField(_("clock"), max_length=10, choices=SlaClock.choices, default=SlaClock.BUSINESS)
    acknowledge_minutes = models.PositiveIntegerField(_("acknowledge within (minutes)"), null=True, blank=True)
    dispatch_minutes = models.PositiveIntegerField(_("dispatch within (minutes)"), null=True, blank=True)
    arrive_minutes = models.PositiveIntegerField(
        _("on site within (minutes)"),
        null=True,
        blank=True,
        help_text=_("Empty: on site at the time agreed with the owner."),
    )
    resolve_minutes = models.PositiveIntegerField(_("resolve within (minutes)"), null=True, blank=True)

    objects = company_scoped()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        ordering = ["kind", "priority", "service_level"]
        constraints = [
            models.UniqueConstraint(fields=["company", "kind", "priority", "service_level"], name="sla_policy_unique")
        ]

    def __str__(self) -> str:
        level = self.get_service_level_display() if self.service_level else _("all levels")
        return f"{self.get_kind_display()} · {self.get_priority_display()} · {level}"

    def minutes(self, target: str) -> int | None:
        return {
            SlaTarget.ACKNOWLEDGE: self.acknowledge_minutes,
            SlaTarget.DISPATCH: self.dispatch_minutes,
            SlaTarget.ARRIVE: self.arrive_minutes,
            SlaTarget.RESOLVE: self.resolve_minutes,
        }[target]


class DispatchRule(models.Model):
    """Where new orders of a project go: category, building or area → department. Most specific wins."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+", verbose_name=_("company"))
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="dispatch_rules", verbose_name=_("project")
    )
    category = models.ForeignKey(
        Category,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("category"),
        help_text=_("A top-level category also matches its sub-categories. Empty matches any."),
    )
    building = models.ForeignKey(
        Building, on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("building")
    )
    area = models.ForeignKey(
        Area, on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("public area")
    )
    department = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="+", verbose_name=_("department"))
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    objects = company_scoped()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("dispatch rule")
        verbose_name_plural = _("dispatch rules")
        ordering = ["project", "sort_order", "id"]

    def __str__(self) -> str:
        parts = [str(x) for x in (self.category, self.building, self.area) if x] or [str(_("anything"))]
        return f"{' · '.join(parts)} → {self.department}"

    def clean(self) -> None:
        for name in ("building", "area", "department"):
            obj = getattr(self, name, None) if getattr(self, f"{name}_id") else None
            if obj is not None and obj.project_id != self.project_id:
                raise ValidationError({name: _("It belongs to another project.")})
        if self.category_id and self.category.company_id != self.company_id:
            raise ValidationError({"category": _("The category belongs to another company.")})

    @property
    def specificity(self) -> int:
        return bool(self.category_id) + bool(self.building_id) * 2 + bool(self.area_id) * 2


class WorkOrder(models.Model):
    """A work order (工单): a repair, complaint, inquiry, suggestion, praise, rectification or service request.

    ``status`` changes only through ``workorders.services``; every change writes a WorkOrderEvent.
    The ``*_due_at`` columns are the SLA deadlines; ``sla_next_at`` is when the sweep must look next.
    """

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="+", verbose_name=_("company"))
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="workorders", verbose_name=_("project"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.REPAIR)
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("category")
    )
    priority = models.CharField(_("priority"), max_length=2, choices=Priority.choices, default=Priority.P2)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.SUBMITTED)
    title = models.CharField(_("title"), max_length=100)
    description = models.TextField(_("description"), max_length=2000)
    # Where: a unit (private), a public area, or only a building; ``location`` is free text.
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="workorders", verbose_name=_("unit")
    )
    building = models.ForeignKey(
        Building, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("building")
    )
    area = models.ForeignKey(
        Area, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("public area")
    )
    location = models.CharField(_("location details"), max_length=200, blank=True)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    # Who: the account that filed it, the roster entry, and the contact to call back.
    source = models.CharField(_("source"), max_length=20, choices=Source.choices, default=Source.OWNER_APP)
    reporter = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("reported by")
    )
    resident = models.ForeignKey(
        Resident, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("owner")
    )
    contact_name = models.CharField(_("contact name"), max_length=50, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True)
    appointment_at = models.DateTimeField(_("appointment"), null=True, blank=True)
    # Who does it.
    department = models.ForeignKey(
        Department, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("department")
    )
    assignee = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("assignee")
    )
    # Flags from the keyword tiers and rules.
    is_life_safety = models.BooleanField(_("life safety"), default=False)
    is_escalated = models.BooleanField(_("escalated"), default=False)
    keyword_hits = models.JSONField(_("keyword hits"), default=list, blank=True)
    is_public = models.BooleanField(
        _("show on the project board"), default=False, help_text=_("The owner agreed to show it, masked.")
    )
    hold_reason = models.CharField(_("hold reason"), max_length=20, choices=HoldReason.choices, blank=True)
    status_before_hold = models.CharField(max_length=20, choices=Status.choices, blank=True, editable=False)
    # Generated orders (e.g. the monthly SLA-breach rectification) carry a natural key.
    source_key = models.CharField(max_length=100, null=True, blank=True, editable=False)
    token = models.UUIDField(default=uuid.uuid4, editable=False, unique=True)
    reopen_count = models.PositiveSmallIntegerField(_("times reopened"), default=0)
    # Milestones.
    created = models.DateTimeField(_("reported at"), db_index=True)
    updated = models.DateTimeField(_("updated"), auto_now=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    dispatched_at = models.DateTimeField(_("dispatched at"), null=True, blank=True)
    taken_at = models.DateTimeField(_("taken at"), null=True, blank=True)
    arrived_at = models.DateTimeField(_("arrived at"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    verified_at = models.DateTimeField(pgettext_lazy("work order", "verified at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    reopened_at = models.DateTimeField(_("reopened at"), null=True, blank=True)
    # SLA.
    sla_policy = models.ForeignKey(
        SlaPolicy, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("SLA policy")
    )
    sla_clock = models.CharField(_("clock"), max_length=10, choices=SlaClock.choices, default=SlaClock.BUSINESS)
    ack_due_at = models.DateTimeField(_("acknowledge by"), null=True, blank=True)
    dispatch_due_at = models.DateTimeField(_("dispatch by"), null=True, blank=True)
    arrive_due_at = models.DateTimeField(_("on site by"), null=True, blank=True)
    resolve_due_at = models.DateTimeField(_("resolve by"), null=True, blank=True)
    take_due_at = models.DateTimeField(_("take by"), null=True, blank=True)
    sla_state = models.CharField(_("SLA state"), max_length=10, choices=SlaState.choices, default=SlaState.OK)
    sla_next_at = models.DateTimeField(null=True, blank=True, editable=False)
    sla_checkpoints = models.JSONField(default=list, blank=True, editable=False)
    sla_version = models.PositiveIntegerField(default=0, editable=False)
    sla_paused_at = models.DateTimeField(null=True, blank=True, editable=False)
    sla_paused_minutes = models.PositiveIntegerField(_("minutes on hold"), default=0)

    objects = company_scoped()

    class Meta:
        verbose_name = _("work order")
        verbose_name_plural = _("work orders")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "source_key"], condition=Q(source_key__isnull=False), name="workorder_source_key"
            ),
        ]
        indexes = [
            models.Index(fields=["project", "status", "-id"], name="wo_project_status"),
            models.Index(fields=["company", "-id"], name="wo_company_recent"),
            models.Index(fields=["assignee", "status"], name="wo_assignee_status"),
            models.Index(fields=["reporter", "-id"], name="wo_reporter_recent"),
            models.Index(fields=["unit", "-id"], name="wo_unit_recent"),
            models.Index(fields=["sla_next_at"], condition=Q(sla_next_at__isnull=False), name="wo_sla_next"),
            models.Index(fields=["take_due_at"], condition=Q(take_due_at__isnull=False), name="wo_take_due"),
            models.Index(
                fields=["resolve_due_at"],
                condition=Q(status__in=sorted(OPEN_STATUSES)),
                name="wo_resolve_due_open",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("workorders:workorder_detail", args=[self.pk])

    @property
    def code(self) -> str:
        """The number owners and staff quote: date of report and id, e.g. 20261121-1234."""
        return f"{timezone.localtime(self.created):%Y%m%d}-{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class WorkOrderEvent(models.Model):
    """One line of an order's timeline: a status change, assignment, note, photo, SLA warning or rating.

    Append-only; written by the service that made the change, in the same transaction.
    """

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="events", verbose_name=_("work order"))
    kind = models.CharField(_("event"), max_length=20, choices=EventKind.choices)
    actor = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("by")
    )
    created = models.DateTimeField(_("time"))
    from_status = models.CharField(_("from"), max_length=20, choices=Status.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=20, choices=Status.choices, blank=True)
    reason = models.TextField(_("reason or note"), blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)
    is_public = models.BooleanField(_("visible to the owner"), default=True)

    objects = company_scoped()

    class Meta:
        verbose_name = _("work-order event")
        verbose_name_plural = _("work-order events")
        ordering = ["created", "id"]
        indexes = [models.Index(fields=["order", "created"], name="woevent_order_time")]

    def __str__(self) -> str:
        return f"{self.order_id} {self.kind} {self.created:%Y-%m-%d %H:%M}"


def _photo_path(instance: "WorkOrderPhoto", filename: str) -> str:
    ext = os.path.splitext(filename)[1].lower()
    return f"workorders/{instance.company_id}/{instance.created:%Y/%m}/{uuid.uuid4().hex}{ext}"


class WorkOrderPhoto(models.Model):
    """A photo of an order: before, during or after the work; EXIF stripped, with a thumbnail."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="photos", verbose_name=_("work order"))
    event = models.ForeignKey(
        WorkOrderEvent, on_delete=models.SET_NULL, null=True, blank=True, related_name="photos", verbose_name=_("step")
    )
    stage = models.CharField(_("stage"), max_length=10, choices=PhotoStage.choices, default=PhotoStage.BEFORE)
    image = models.ImageField(_("photo"), upload_to=_photo_path)
    thumbnail = models.ImageField(_("thumbnail"), upload_to=_photo_path)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    uploaded_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, related_name="+")
    created = models.DateTimeField(_("uploaded at"))

    objects = company_scoped()

    class Meta:
        verbose_name = _("work-order photo")
        verbose_name_plural = _("work-order photos")
        ordering = ["created", "id"]

    def __str__(self) -> str:
        return f"{self.order_id} {self.stage}"


class Rating(models.Model):
    """The owner's rating of a completed order (1–5 stars, tags, comment); one per round of work."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="ratings", verbose_name=_("work order"))
    round = models.PositiveSmallIntegerField(_("round"), default=0, help_text=_("0 for the first completion."))
    stars = models.PositiveSmallIntegerField(_("stars"), validators=[MinValueValidator(1), MaxValueValidator(5)])
    tags = models.JSONField(_("tags"), default=list, blank=True)
    comment = models.TextField(_("comment"), max_length=500, blank=True)
    rater = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("rated by"))
    created = models.DateTimeField(_("rated at"))

    objects = company_scoped()

    class Meta:
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")
        ordering = ["-created"]
        constraints = [models.UniqueConstraint(fields=["order", "round"], name="rating_once_per_round")]

    def __str__(self) -> str:
        return f"{self.order_id} ★{self.stars}"


class FollowUp(models.Model):
    """A follow-up (回访) after an order is closed: a call by customer service, or the owner's own answer."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    order = models.ForeignKey(
        WorkOrder, on_delete=models.CASCADE, related_name="follow_ups", verbose_name=_("work order")
    )
    status = models.CharField(
        _("status"), max_length=20, choices=FollowUpStatus.choices, default=FollowUpStatus.PENDING
    )
    due_at = models.DateTimeField(_("due by"))
    method = models.CharField(_("method"), max_length=10, choices=FollowUpMethod.choices, blank=True)
    resolved = models.CharField(_("problem solved?"), max_length=10, choices=FollowUpResolved.choices, blank=True)
    satisfaction = models.PositiveSmallIntegerField(
        _("satisfaction"), choices=Satisfaction.choices, null=True, blank=True
    )
    comment = models.TextField(_("comment"), max_length=500, blank=True)
    done_by = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("recorded by")
    )
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    created = models.DateTimeField(_("created"))

    objects = company_scoped()

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        ordering = ["-created"]
        indexes = [
            models.Index(fields=["due_at"], condition=Q(status=FollowUpStatus.PENDING), name="followup_pending_due")
        ]

    def __str__(self) -> str:
        return f"{self.order_id} {self.get_status_display()}"


class SlaBreach(models.Model):
    """A missed SLA limit of one order; the monthly count per project drives the rectification rule."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+", verbose_name=_("project"))
    order = models.ForeignKey(
        WorkOrder, on_delete=models.CASCADE, related_name="sla_breaches", verbose_name=_("work order")
    )
    target = models.CharField(_("limit"), max_length=10, choices=SlaTarget.choices)
    round = models.PositiveSmallIntegerField(_("round"), default=0)
    due_at = models.DateTimeField(_("due at"))
    breached_at = models.DateTimeField(_("recorded at"))

    objects = company_scoped()

    class Meta:
        verbose_name = _("SLA breach")
        verbose_name_plural = _("SLA breaches")
        ordering = ["-breached_at"]
        constraints = [models.UniqueConstraint(fields=["order", "target", "round"], name="sla_breach_once")]
        indexes = [models.Index(fields=["project", "due_at"], name="slabreach_project_due")]

    def __str__(self) -> str:
        return f"{self.order_id} {self.target}"


class SavedView(models.Model):
    """A named set of list filters a staff member saved for himself."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=50)
    query = models.CharField(_("filters"), max_length=1000)
    created = models.DateTimeField(_("created"), auto_now_add=True)

    objects = company_scoped()

    class Meta:
        verbose_name = _("saved view")
        verbose_name_plural = _("saved views")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["user", "company", "name"], name="savedview_name_unique")]

    def __str__(self) -> str:
        return self.name
