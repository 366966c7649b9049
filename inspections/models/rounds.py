import os
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.choices import DepartmentKind
from core.models import Area, Building, Company, Department, Project, company_scoped
from inspections.choices import OPEN_ROUND_STATUSES, Outcome, RoundEventKind, RoundKind, RoundStatus
from inspections.models.checklists import ChecklistItem, ChecklistVersion

USER = settings.AUTH_USER_MODEL
INSPECTION_OTHER_PROJECT = _("It belongs to another project.")


def photo_path(instance, filename: str) -> str:
    """inspections/<company>/<yyyy>/<mm>/<random>.<ext>: names never reveal what or where."""
    ext = os.path.splitext(filename)[1].lower()
    when = getattr(instance, "photo_month", None) or timezone.now()
    return f"inspections/{instance.company_id}/{when:%Y/%m}/{uuid.uuid4().hex}{ext}"


class InspectionRound(models.Model):
    """One inspection (一次检查) of a project with a checklist version: who inspects, by when, and once
    submitted its score (achieved ÷ possible × 100 over the items that apply).

    ``status`` changes only through inspections.services.rounds; every change writes a RoundEvent.
    ``source_key`` is the natural key of generated rounds (``schedule:<id>:<date>``)."""

    # company and project lead round_project_day; the other foreign keys are rarely looked up by and
    # go without an index of their own: every index is written again when a round changes status.
    company = models.ForeignKey(
        Company, on_delete=models.PROTECT, related_name="+", verbose_name=_("company"), db_index=False
    )
    project = models.ForeignKey(
        Project, on_delete=models.PROTECT, related_name="+", verbose_name=_("project"), db_index=False
    )
    version = models.ForeignKey(
        ChecklistVersion, on_delete=models.PROTECT, related_name="rounds", verbose_name=_("checklist version")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=RoundKind.choices)
    title = models.CharField(_("title"), max_length=100)
    status = models.CharField(_("status"), max_length=20, choices=RoundStatus.choices, default=RoundStatus.SCHEDULED)
    scheduled_for = models.DateField(_("date"))
    due_at = models.DateTimeField(_("due at"))
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    lead = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("lead inspector")
    )
    inspectors = models.ManyToManyField(
        USER, through="RoundInspector", related_name="+", blank=True, verbose_name=_("inspectors")
    )
    plan_task = models.ForeignKey(
        "plans.Task",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("plan task"),
        db_index=False,
    )
    schedule = models.ForeignKey(
        "InspectionSchedule",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="rounds",
        verbose_name=_("schedule"),
        db_index=False,
    )
    source_key = models.CharField(max_length=100, null=True, blank=True, editable=False)
    score = models.DecimalField(
        _("score"),
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    achieved = models.DecimalField(_("points achieved"), max_digits=12, decimal_places=4, null=True, blank=True)
    possible = models.DecimalField(_("points possible"), max_digits=12, decimal_places=4, null=True, blank=True)
    findings_count = models.PositiveIntegerField(_("findings"), default=0)
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(
        USER,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
        db_index=False,
    )
    created = models.DateTimeField(_("created"), default=timezone.now)

    objects = company_scoped()

    class Meta:
        verbose_name = _("inspection round")
        verbose_name_plural = _("inspection rounds")
        ordering = ["-scheduled_for", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "source_key"], condition=Q(source_key__isnull=False), name="round_source_key"
            ),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__gte=0, score__lte=100), name="round_score_range"
            ),
        ]
        indexes = [
            models.Index(fields=["company", "project", "scheduled_for"], name="round_project_day"),
            models.Index(fields=["project", "status"], name="round_project_status"),
            models.Index(fields=["due_at"], condition=Q(status__in=sorted(OPEN_ROUND_STATUSES)), name="round_due_open"),
        ]

    def __str__(self) -> str:
        return f"{self.title} {self.scheduled_for}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_ROUND_STATUSES


class RoundInspector(models.Model):
    """A person invited to carry out a round. Third-party inspectors see only these rounds."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    round = models.ForeignKey(
        InspectionRound, on_delete=models.CASCADE, related_name="inspector_rows", verbose_name=_("inspection round")
    )
    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+", verbose_name=_("inspector"))

    objects = company_scoped()

    class Meta:
        verbose_name = _("round inspector")
        verbose_name_plural = _("round inspectors")
        constraints = [models.UniqueConstraint(fields=["round", "user"], name="round_inspector_unique")]
        indexes = [models.Index(fields=["user", "round"], name="round_inspector_user")]

    def __str__(self) -> str:
        return f"{self.round_id} · {self.user}"


class RoundEvent(models.Model):
    """One line of a round's timeline: a status change, inspectors changed or a note. Append-only;
    written by the service that made the change, in its transaction."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    round = models.ForeignKey(
        InspectionRound, on_delete=models.CASCADE, related_name="events", verbose_name=_("inspection round")
    )
    kind = models.CharField(_("event"), max_length=20, choices=RoundEventKind.choices, default=RoundEventKind.STATUS)
    actor = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("by")
    )
    created = models.DateTimeField(_("time"), default=timezone.now)
    from_status = models.CharField(_("from"), max_length=20, choices=RoundStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=20, choices=RoundStatus.choices, blank=True)
    reason = models.TextField(_("reason or note"), blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)

    objects = company_scoped()

    class Meta:
        verbose_name = _("round event")
        verbose_name_plural = _("round events")
        ordering = ["created", "id"]
        indexes = [models.Index(fields=["round", "created"], name="roundevent_round_time")]

    def __str__(self) -> str:
        return f"{self.round_id} {self.kind} {self.created:%Y-%m-%d %H:%M}"


class ItemResult(models.Model):
    """The answer to one checklist item in a round: pass, fail or not applicable, a score for 0–N
    items, with the photo, time and position it was recorded at. One per round and item."""

    company = models.ForeignKey(
        Company, on_delete=models.CASCADE, related_name="+", verbose_name=_("company"), db_index=False
    )
    # indexed through itemresult_once (round, item)
    round = models.ForeignKey(
        InspectionRound,
        on_delete=models.CASCADE,
        related_name="results",
        verbose_name=_("inspection round"),
        db_index=False,
    )
    item = models.ForeignKey(
        ChecklistItem,
        on_delete=models.PROTECT,
        related_name="results",
        verbose_name=_("checklist item"),
        db_index=False,
    )
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    score = models.DecimalField(
        _("score"), max_digits=6, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    note = models.TextField(_("note"), max_length=2000, blank=True)
    photo = models.ImageField(_("photo"), upload_to=photo_path, blank=True)
    thumbnail = models.ImageField(_("thumbnail"), upload_to=photo_path, blank=True)
    at = models.DateTimeField(_("time"))
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    building = models.ForeignKey(
        Building, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("building")
    )
    area = models.ForeignKey(
        Area, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("public area")
    )
    inspector = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("inspector")
    )

    objects = company_scoped()

    class Meta:
        verbose_name = _("item result")
        verbose_name_plural = _("item results")
        ordering = ["round", "item__sort_order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["round", "item"], name="itemresult_once"),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True, longitude__isnull=True)
                | Q(latitude__isnull=False, longitude__isnull=False),
                name="itemresult_position_pair",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.round_id} · {self.item_id}: {self.outcome}"

    @property
    def photo_month(self):
        return self.at

    def clean(self) -> None:
        if (self.latitude is None) != (self.longitude is None):
            raise ValidationError({"longitude": _("Enter both latitude and longitude, or neither.")})


class InspectionRollup(models.Model):
    """Scores of a project's submitted rounds per month and kind, for the whole round (empty
    department kind) and per rectifying department; rebuilt by inspections.services.rollups.

    ``score`` = achieved ÷ possible × 100, so a month's score weights each round by its size."""

    company = models.ForeignKey(
        Company, on_delete=models.CASCADE, related_name="+", verbose_name=_("company"), db_index=False
    )
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="+", verbose_name=_("project"), db_index=False
    )
    department_kind = models.CharField(
        _("department type"), max_length=20, choices=DepartmentKind.choices, blank=True, default=""
    )
    department = models.ForeignKey(
        Department,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("department"),
        help_text=_("The project's department of this type; empty for the whole round."),
    )
    period = models.DateField(_("month"), help_text=_("The first day of the month."))
    kind = models.CharField(_("kind"), max_length=20, choices=RoundKind.choices)
    rounds = models.PositiveIntegerField(_("rounds"), default=0)
    possible = models.DecimalField(_("points possible"), max_digits=14, decimal_places=4, default=0)
    achieved = models.DecimalField(_("points achieved"), max_digits=14, decimal_places=4, default=0)
    score = models.DecimalField(_("score"), max_digits=4, decimal_places=1, null=True, blank=True)
    findings = models.PositiveIntegerField(_("findings"), default=0)
    updated = models.DateTimeField(_("updated"), default=timezone.now)

    objects = company_scoped()

    class Meta:
        verbose_name = _("inspection roll-up")
        verbose_name_plural = _("inspection roll-ups")
        ordering = ["period", "project", "kind", "department_kind"]
        constraints = [
            models.UniqueConstraint(fields=["project", "department_kind", "period", "kind"], name="insprollup_unique"),
        ]
        indexes = [models.Index(fields=["company", "period"], name="insprollup_company_period")]

    def __str__(self) -> str:
        return f"{self.project_id} {self.period:%Y-%m} {self.kind} {self.department_kind or '*'}: {self.score}"
