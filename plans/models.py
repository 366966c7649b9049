import os
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.models import Area, Building, Company, Department, Project, company_scoped
from lib import recurrence
from plans.choices import (
    OPEN_TASK_STATUSES,
    CheckInMethod,
    CheckpointOrder,
    HolidayRule,
    PhotoRule,
    PlanKind,
    TaskEventKind,
    TaskStatus,
)

USER = settings.AUTH_USER_MODEL
PLAN_OTHER_PROJECT = _("It belongs to another project.")


class Plan(models.Model):
    """A service or patrol plan (计划): what is done in a project, when (a recurrence and time windows),
    where (a route of checkpoints), by whom, and to which standard. The generator turns it into tasks.

    ``version`` goes up with every edit; tasks remember the version (and so the route) they were made
    from. ``generated_until`` is the last date the generator has produced tasks for.
    """

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="+", verbose_name=_("company"))
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="plans", verbose_name=_("project"))
    department = models.ForeignKey(
        Department,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="plans",
        verbose_name=_("department"),
        help_text=_("Unassigned tasks are open to the staff of this department."),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=PlanKind.choices)
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    rrule = models.CharField(
        _("recurrence"),
        max_length=recurrence.RRULE_MAX_LENGTH,
        default="FREQ=DAILY",
        help_text=_(
            "RFC 5545 RRULE without DTSTART, e.g. FREQ=DAILY, FREQ=WEEKLY;BYDAY=MO or FREQ=MONTHLY;BYMONTHDAY=-1."
        ),
    )
    starts_on = models.DateField(_("first day"), help_text=_("The recurrence counts from this day."))
    ends_on = models.DateField(_("last day"), null=True, blank=True)
    holiday_rule = models.CharField(
        _("on public holidays"), max_length=20, choices=HolidayRule.choices, default=HolidayRule.NONE
    )
    duration_minutes = models.PositiveIntegerField(
        _("planned duration (minutes)"), default=30, validators=[MinValueValidator(1), MaxValueValidator(24 * 60)]
    )
    photo_rule = models.CharField(_("photos"), max_length=20, choices=PhotoRule.choices, default=PhotoRule.NONE)
    checkpoint_order = models.CharField(
        _("checkpoint order"), max_length=10, choices=CheckpointOrder.choices, default=CheckpointOrder.ANY
    )
    assignees = models.ManyToManyField(
        USER,
        through="PlanAssignee",
        related_name="+",
        blank=True,
        verbose_name=_("assignees"),
        help_text=_("One person does every task; several take turns day by day; none leaves tasks to the department."),
    )
    standards = models.ManyToManyField(
        "standards.StandardRevision",
        through="PlanStandard",
        related_name="+",
        blank=True,
        verbose_name=_("standard items"),
    )
    is_active = models.BooleanField(_("active"), default=True)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    generated_until = models.DateField(_("tasks generated until"), null=True, blank=True, editable=False)
    source_profile_setting = models.ForeignKey(
        "standards.ProfileSetting",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("generated from"),
    )
    created_by = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("created by")
    )
    created = models.DateTimeField(_("created"), auto_now_add=True)
    updated = models.DateTimeField(_("updated"), auto_now=True)

    objects = company_scoped()
    history = HistoricalRecords(excluded_fields=["generated_until", "updated"])

    class Meta:
        verbose_name = _("plan")
        verbose_name_plural = _("plans")
        ordering = ["project", "kind", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "source_profile_setting"],
                condition=Q(source_profile_setting__isnull=False),
                name="plan_from_profile_setting_once",
            ),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")), name="plan_ends_after_start"
            ),
        ]
        indexes = [models.Index(fields=["company", "is_active"], name="plan_company_active")]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.department_id and self.project_id and self.department.project_id != self.project_id:
            raise ValidationError({"department": PLAN_OTHER_PROJECT})
        if self.ends_on and self.starts_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": _("The last day cannot be before the first day.")})
        if self.rrule and self.starts_on:
            self.rrule = recurrence.validate_rrule(self.rrule, starts_on=self.starts_on)


class PlanWindow(models.Model):
    """A time window of a plan's day (e.g. 08:00–09:00); an end not after the start means the next day."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="windows", verbose_name=_("plan"))
    start = models.TimeField(pgettext_lazy("time window", "from"))
    end = models.TimeField(
        pgettext_lazy("time window", "until"), help_text=_("Not after the start: the window ends the next day.")
    )
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)

    objects = company_scoped()

    class Meta:
        verbose_name = _("time window")
        verbose_name_plural = _("time windows")
        ordering = ["plan", "sort_order", "start"]

    def __str__(self) -> str:
        return f"{self.start:%H:%M}–{self.end:%H:%M}"

    def as_window(self) -> recurrence.Window:
        return recurrence.Window(self.start, self.end)


class PlanAssignee(models.Model):
    """A person who does a plan's tasks; several take turns by day in ``sort_order``."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="assignee_rows", verbose_name=_("plan"))
    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+", verbose_name=_("person"))
    sort_order = models.PositiveSmallIntegerField(_("turn"), default=0)

    objects = company_scoped()

    class Meta:
        verbose_name = _("plan assignee")
        verbose_name_plural = _("plan assignees")
        ordering = ["plan", "sort_order", "id"]
        constraints = [models.UniqueConstraint(fields=["plan", "user"], name="plan_assignee_unique")]

    def __str__(self) -> str:
        return f"{self.plan_id} · {self.user}"


class PlanStandard(models.Model):
    """A standard item a plan's tasks perform, pinned to the revision the plan was set up with."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="standard_rows", verbose_name=_("plan"))
    revision = models.ForeignKey(
        "standards.StandardRevision", on_delete=models.PROTECT, related_name="+", verbose_name=_("standard revision")
    )
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)

    objects = company_scoped()

    class Meta:
        verbose_name = _("plan standard")
        verbose_name_plural = _("plan standards")
        ordering = ["plan", "sort_order", "id"]
        constraints = [models.UniqueConstraint(fields=["plan", "revision"], name="plan_standard_unique")]

    def __str__(self) -> str:
        return f"{self.plan_id} · {self.revision_id}"


class Checkpoint(models.Model):
    """A place on a route (巡检点) with a QR code; staff check in by scanning it or by position."""

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="+", verbose_name=_("company"))
    project = models.ForeignKey(
        Project, on_delete=models.PROTECT, related_name="checkpoints", verbose_name=_("project")
    )
    name = models.CharField(_("name"), max_length=100)
    area = models.ForeignKey(
        Area, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("public area")
    )
    building = models.ForeignKey(
        Building, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("building")
    )
    description = models.CharField(_("description"), max_length=200, blank=True)
    # The QR code carries this token only: unguessable, so a code cannot be made up without the sheet.
    code = models.CharField(_("code"), max_length=32, unique=True, editable=False)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    radius_m = models.PositiveIntegerField(
        _("check-in radius (m)"),
        default=50,
        validators=[MinValueValidator(5), MaxValueValidator(5000)],
        help_text=_("A check-in by position must be this close."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created = models.DateTimeField(_("created"), auto_now_add=True)

    objects = company_scoped()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("checkpoint")
        verbose_name_plural = _("checkpoints")
        ordering = ["project", "name"]
        constraints = [
            models.UniqueConstraint(fields=["project", "name"], name="checkpoint_name_unique"),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True, longitude__isnull=True)
                | Q(latitude__isnull=False, longitude__isnull=False),
                name="checkpoint_position_pair",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        for name in ("area", "building"):
            obj = getattr(self, name) if getattr(self, f"{name}_id") else None
            if obj is not None and obj.project_id != self.project_id:
                raise ValidationError({name: PLAN_OTHER_PROJECT})
        if (self.latitude is None) != (self.longitude is None):
            raise ValidationError({"longitude": _("Enter both latitude and longitude, or neither.")})
        if self.latitude is not None and not (-90 <= self.latitude <= 90 and -180 <= self.longitude <= 180):
            raise ValidationError({"latitude": _("This is not a position on Earth.")})


class PlanCheckpoint(models.Model):
    """A checkpoint on a plan's route. Rows are never deleted: a route change retires them at a plan
    version, so each task's route is the rows valid at its ``plan_version``."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    # indexed through plancheckpoint_route (plan, added_version)
    plan = models.ForeignKey(
        Plan, on_delete=models.CASCADE, related_name="route_rows", verbose_name=_("plan"), db_index=False
    )
    checkpoint = models.ForeignKey(
        Checkpoint, on_delete=models.PROTECT, related_name="route_rows", verbose_name=_("checkpoint")
    )
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)
    added_version = models.PositiveIntegerField(default=1)
    removed_version = models.PositiveIntegerField(null=True, blank=True)

    objects = company_scoped()

    class Meta:
        verbose_name = _("route checkpoint")
        verbose_name_plural = _("route checkpoints")
        ordering = ["plan", "sort_order", "id"]
        indexes = [models.Index(fields=["plan", "added_version"], name="plancheckpoint_route")]

    def __str__(self) -> str:
        return f"{self.plan_id} · {self.checkpoint_id}"


def _photo_path(instance, filename: str) -> str:
    ext = os.path.splitext(filename)[1].lower()
    return f"plans/{instance.company_id}/{instance.photo_month:%Y/%m}/{uuid.uuid4().hex}{ext}"


class Task(models.Model):
    """One occurrence of a plan (任务): a date and window, a status, who does it and the evidence counters.

    The natural key (plan, date, window_index) lets the generator insert blindly and twice.
    ``status`` changes only through plans.services; every change writes a TaskEvent.
    ``required_checkpoints`` is the size of the plan's route at ``plan_version``; the counters
    are kept by check-ins (F() updates) so the figures never count check-in rows.
    """

    # Plain FK columns without their own index: every query leads with one of the composite indexes
    # below, and a smaller index set keeps generation (200,000 rows at a time) fast.
    company = models.ForeignKey(
        Company, on_delete=models.PROTECT, related_name="+", verbose_name=_("company"), db_index=False
    )
    project = models.ForeignKey(
        Project, on_delete=models.PROTECT, related_name="+", verbose_name=_("project"), db_index=False
    )
    plan = models.ForeignKey(
        Plan, on_delete=models.PROTECT, related_name="tasks", verbose_name=_("plan"), db_index=False
    )
    department = models.ForeignKey(
        Department,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("department"),
        db_index=False,
    )
    assignee = models.ForeignKey(
        USER,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assignee"),
        db_index=False,
    )
    kind = models.CharField(_("kind"), max_length=20, choices=PlanKind.choices)
    title = models.CharField(_("title"), max_length=100)
    date = models.DateField(_("date"), help_text=_("The local date the window starts on."))
    window_index = models.PositiveSmallIntegerField(_("window"))
    starts_at = models.DateTimeField(_("starts at"))
    due_at = models.DateTimeField(_("due at"))
    status = models.CharField(_("status"), max_length=20, choices=TaskStatus.choices, default=TaskStatus.SCHEDULED)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    plan_version = models.PositiveIntegerField(_("plan version"))
    photo_rule = models.CharField(_("photos"), max_length=20, choices=PhotoRule.choices, default=PhotoRule.NONE)
    required_checkpoints = models.PositiveSmallIntegerField(_("checkpoints required"), default=0)
    on_time_checkins = models.PositiveSmallIntegerField(_("on-time check-ins"), default=0)
    late_checkins = models.PositiveSmallIntegerField(_("late check-ins"), default=0)
    note = models.TextField(_("note"), max_length=1000, blank=True)
    photo = models.ImageField(_("photo"), upload_to=_photo_path, blank=True)
    thumbnail = models.ImageField(_("thumbnail"), upload_to=_photo_path, blank=True)
    created = models.DateTimeField(_("created"))

    objects = company_scoped()

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        ordering = ["starts_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "date", "window_index"], name="task_natural_key"),
            models.CheckConstraint(condition=Q(due_at__gt=F("starts_at")), name="task_due_after_start"),
        ]
        indexes = [
            models.Index(fields=["due_at"], condition=Q(status__in=sorted(OPEN_TASK_STATUSES)), name="task_due_open"),
            models.Index(fields=["company", "assignee", "date"], name="task_assignee_day"),
            models.Index(fields=["company", "project", "date"], name="task_project_day"),
        ]

    def __str__(self) -> str:
        return f"{self.title} {self.date} #{self.window_index}"

    @property
    def photo_month(self):
        return self.finished_at or self.created

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_TASK_STATUSES

    @property
    def checkins_done(self) -> int:
        return self.on_time_checkins + self.late_checkins


class TaskEvent(models.Model):
    """One line of a task's timeline: a status change (also the sweep's "missed"), an assignment or a
    problem reported. Append-only; written by the service that made the change, in its transaction."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="events", verbose_name=_("task"))
    kind = models.CharField(_("event"), max_length=20, choices=TaskEventKind.choices, default=TaskEventKind.STATUS)
    actor = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("by")
    )
    created = models.DateTimeField(_("time"))
    from_status = models.CharField(_("from"), max_length=20, choices=TaskStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=20, choices=TaskStatus.choices, blank=True)
    reason = models.TextField(_("reason or note"), blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)

    objects = company_scoped()

    class Meta:
        verbose_name = _("task event")
        verbose_name_plural = _("task events")
        ordering = ["created", "id"]
        indexes = [
            models.Index(fields=["task", "created"], name="taskevent_task_time"),
            models.Index(fields=["company", "to_status", "created"], name="taskevent_status_time"),
        ]

    def __str__(self) -> str:
        return f"{self.task_id} {self.kind} {self.created:%Y-%m-%d %H:%M}"

    @property
    def reason_display(self) -> str:
        """The reason in the reader's language: system reasons are stored as their source text."""
        return gettext(self.reason) if self.reason else ""


class CheckIn(models.Model):
    """A check-in (签到/打卡) at a checkpoint of a task's route: how (QR, position, entered), when, late
    or not, with an optional photo and note. One per task and checkpoint."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    # indexed through checkin_once (task, checkpoint)
    task = models.ForeignKey(
        Task, on_delete=models.CASCADE, related_name="checkins", verbose_name=_("task"), db_index=False
    )
    checkpoint = models.ForeignKey(
        Checkpoint, on_delete=models.PROTECT, related_name="checkins", verbose_name=_("checkpoint"), db_index=False
    )
    user = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("by")
    )
    method = models.CharField(_("method"), max_length=10, choices=CheckInMethod.choices)
    at = models.DateTimeField(_("time"))
    is_late = models.BooleanField(_("late"), default=False)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    distance_m = models.PositiveIntegerField(_("distance (m)"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    photo = models.ImageField(_("photo"), upload_to=_photo_path, blank=True)
    thumbnail = models.ImageField(_("thumbnail"), upload_to=_photo_path, blank=True)
    work_order = models.ForeignKey(
        "workorders.WorkOrder",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("problem reported"),
    )

    objects = company_scoped()

    class Meta:
        verbose_name = _("check-in")
        verbose_name_plural = _("check-ins")
        ordering = ["at", "id"]
        constraints = [models.UniqueConstraint(fields=["task", "checkpoint"], name="checkin_once")]
        indexes = [models.Index(fields=["checkpoint", "at"], name="checkin_checkpoint_time")]

    def __str__(self) -> str:
        return f"{self.task_id} @ {self.checkpoint_id}"

    @property
    def photo_month(self):
        return self.at
