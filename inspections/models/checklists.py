import uuid
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.choices import DepartmentKind
from core.models import Company, Project, company_scoped
from inspections.choices import SEVERITY_RECTIFY_HOURS, RoundKind, Scoring, Severity
from lib import recurrence
from standards.choices import Discipline

USER = settings.AUTH_USER_MODEL
CHECKLIST_VERSION_FROZEN = _("A checklist version cannot be changed; create a new version instead.")
CHECKLIST_KINDS_UNKNOWN = _("Unknown inspection kind: %(kinds)s.")
ITEM_PASS_FAIL_MAX = _("A pass/fail item scores 1 at most.")


def _new_item_key() -> str:
    return uuid.uuid4().hex[:12]


class ChecklistTemplate(models.Model):
    """A checklist (检查表) the quality department inspects with: a named list of items, kept in
    immutable versions. Rounds use a version, so a score always means what was checked then."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+", verbose_name=_("company"))
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=100)
    kinds = models.JSONField(
        _("inspection kinds"),
        default=list,
        blank=True,
        help_text=_("The kinds of round this checklist suits; empty means any."),
    )
    discipline = models.CharField(
        _("discipline"), max_length=20, choices=Discipline.choices, blank=True, help_text=_("Empty for a mixed list.")
    )
    description = models.TextField(_("description"), blank=True)
    current_version = models.ForeignKey(
        "ChecklistVersion",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("current version"),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("created by")
    )
    created = models.DateTimeField(_("created"), auto_now_add=True)

    objects = company_scoped()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("checklist template")
        verbose_name_plural = _("checklist templates")
        ordering = ["name", "code"]
        constraints = [models.UniqueConstraint(fields=["company", "code"], name="checklist_code_unique")]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if not isinstance(self.kinds, list):
            raise ValidationError({"kinds": CHECKLIST_KINDS_UNKNOWN % {"kinds": self.kinds}})
        unknown = [k for k in self.kinds if k not in RoundKind.values]
        if unknown:
            raise ValidationError({"kinds": CHECKLIST_KINDS_UNKNOWN % {"kinds": ", ".join(map(str, unknown))}})


class ChecklistVersion(models.Model):
    """One immutable version of a checklist's items. Revising a checklist adds number + 1 and makes
    it the template's current version; rounds keep the version they were made with."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+", verbose_name=_("company"))
    template = models.ForeignKey(
        ChecklistTemplate, on_delete=models.CASCADE, related_name="versions", verbose_name=_("checklist")
    )
    number = models.PositiveIntegerField(_("version"), validators=[MinValueValidator(1)])
    note = models.CharField(_("note"), max_length=200, blank=True, help_text=_("What changed and why."))
    created_by = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("created by")
    )
    created = models.DateTimeField(_("created"), auto_now_add=True)

    objects = company_scoped()

    class Meta:
        verbose_name = _("checklist version")
        verbose_name_plural = _("checklist versions")
        ordering = ["template", "-number"]
        constraints = [models.UniqueConstraint(fields=["template", "number"], name="checklist_version_unique")]

    def __str__(self) -> str:
        return f"{self.template.name} · v{self.number}"

    def save(self, *args, **kwargs) -> None:
        # Rounds are scored against a version: what was checked must never change under a score.
        if self.pk is not None:
            raise ValidationError(CHECKLIST_VERSION_FROZEN)
        super().save(*args, **kwargs)


class ChecklistItem(models.Model):
    """One line of a checklist version: what is checked, how it is scored and weighted, whether a
    failure needs a photo, how severe a failure is, which department rectifies it and by when.

    ``key`` stays the same for "the same item" across versions of a template (repeat detection)."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+", verbose_name=_("company"))
    version = models.ForeignKey(
        ChecklistVersion, on_delete=models.CASCADE, related_name="items", verbose_name=_("checklist version")
    )
    key = models.CharField(_("key"), max_length=40, default=_new_item_key, db_index=True)
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)
    section = models.CharField(
        _("section"), max_length=50, blank=True, help_text=_("A heading, e.g. 客服, 工程, 秩序, 环境 or 绿化.")
    )
    title = models.CharField(_("title"), max_length=200)
    requirement = models.TextField(_("requirement"), blank=True)
    standard_revision = models.ForeignKey(
        "standards.StandardRevision",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("standard revision"),
    )
    scoring = models.CharField(_("scoring"), max_length=20, choices=Scoring.choices, default=Scoring.PASS_FAIL)
    max_score = models.PositiveSmallIntegerField(
        _("maximum score"), default=1, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    weight = models.DecimalField(
        _("weight"),
        max_digits=6,
        decimal_places=2,
        default=Decimal(1),
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    photo_required = models.BooleanField(
        _("photo required"), default=False, help_text=_("A photo is required when the item fails.")
    )
    severity_if_failed = models.CharField(
        _("severity if failed"), max_length=20, choices=Severity.choices, default=Severity.MINOR
    )
    department_kind = models.CharField(
        _("rectified by"), max_length=20, choices=DepartmentKind.choices, blank=True, help_text=_("Department type.")
    )
    rectify_hours = models.PositiveIntegerField(
        _("rectification time (hours)"),
        default=SEVERITY_RECTIFY_HOURS[Severity.MINOR],
        validators=[MinValueValidator(1)],
        help_text=_("Default deadline of a finding: minor 168, major 72, severe 24, critical 12."),
    )

    objects = company_scoped()

    class Meta:
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")
        ordering = ["version", "sort_order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["version", "key"], name="checklist_item_key_unique"),
            models.CheckConstraint(condition=Q(max_score__gte=1), name="checklist_item_max_score"),
            models.CheckConstraint(condition=Q(weight__gt=0), name="checklist_item_weight"),
            models.CheckConstraint(
                condition=~Q(scoring=Scoring.PASS_FAIL) | Q(max_score=1), name="checklist_item_pass_fail_max"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise ValidationError(CHECKLIST_VERSION_FROZEN)
        super().save(*args, **kwargs)

    def clean(self) -> None:
        if self.scoring == Scoring.PASS_FAIL and self.max_score != 1:
            raise ValidationError({"max_score": ITEM_PASS_FAIL_MAX})


class InspectionSchedule(models.Model):
    """A recurring inspection of a project (e.g. a weekly round with the 日常品质检查 checklist): the
    periodic job makes one round per date of ``rrule``, natural key ``schedule:<id>:<date>``."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+", verbose_name=_("company"))
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="inspection_schedules", verbose_name=_("project")
    )
    template = models.ForeignKey(
        ChecklistTemplate, on_delete=models.PROTECT, related_name="schedules", verbose_name=_("checklist")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=RoundKind.choices, default=RoundKind.WEEKLY)
    title = models.CharField(_("title"), max_length=100, blank=True, help_text=_("Empty: the checklist's name."))
    rrule = models.CharField(
        _("recurrence"),
        max_length=recurrence.RRULE_MAX_LENGTH,
        default="FREQ=WEEKLY",
        help_text=_("RFC 5545 RRULE without DTSTART, e.g. FREQ=WEEKLY;BYDAY=MO or FREQ=MONTHLY;BYMONTHDAY=1."),
    )
    starts_on = models.DateField(_("first day"))
    ends_on = models.DateField(_("last day"), null=True, blank=True)
    due_hours = models.PositiveIntegerField(
        _("due after (hours)"),
        default=24,
        validators=[MinValueValidator(1), MaxValueValidator(24 * 31)],
        help_text=_("A round is due this many hours after the start of its day."),
    )
    lead = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("lead inspector")
    )
    inspectors = models.ManyToManyField(
        USER, through="ScheduleInspector", related_name="+", blank=True, verbose_name=_("inspectors")
    )
    is_active = models.BooleanField(_("active"), default=True)
    generated_until = models.DateField(_("rounds generated until"), null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("created by")
    )
    created = models.DateTimeField(_("created"), auto_now_add=True)

    objects = company_scoped()
    history = HistoricalRecords(excluded_fields=["generated_until"])

    class Meta:
        verbose_name = _("inspection schedule")
        verbose_name_plural = _("inspection schedules")
        ordering = ["project", "template"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")), name="inspschedule_ends_after_start"
            ),
        ]
        indexes = [models.Index(fields=["company", "is_active"], name="inspschedule_active")]

    def __str__(self) -> str:
        return self.title or self.template.name

    def clean(self) -> None:
        if self.template_id and self.company_id and self.template.company_id != self.company_id:
            raise ValidationError({"template": _("The checklist belongs to another company.")})
        if self.ends_on and self.starts_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": _("The last day cannot be before the first day.")})
        if self.rrule and self.starts_on:
            self.rrule = recurrence.validate_rrule(self.rrule, starts_on=self.starts_on)


class ScheduleInspector(models.Model):
    """An inspector invited to every round a schedule makes."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    schedule = models.ForeignKey(
        InspectionSchedule, on_delete=models.CASCADE, related_name="inspector_rows", verbose_name=_("schedule")
    )
    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+", verbose_name=_("inspector"))

    objects = company_scoped()

    class Meta:
        verbose_name = _("schedule inspector")
        verbose_name_plural = _("schedule inspectors")
        constraints = [models.UniqueConstraint(fields=["schedule", "user"], name="schedule_inspector_unique")]

    def __str__(self) -> str:
        return f"{self.schedule_id} · {self.user}"
