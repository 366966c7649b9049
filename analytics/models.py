"""Daily roll-ups of the work-order, plan-task and finding figures, and the job's bookkeeping.

A roll-up row holds integer counters for one (company, project, department, person, kind, day);
every counter counts on the local day (company time zone) of its own basis, see docs/analytics.md.
Rows are derived data: ``analytics.services.rollup_rebuild`` deletes and recomputes whole days.
"""

from django.conf import settings
from django.db import models
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from core.models import Company, Department, Project, company_scoped

USER = settings.AUTH_USER_MODEL


def _counter(label: str, help_text: str = "") -> models.PositiveIntegerField:
    return models.PositiveIntegerField(label, default=0, help_text=help_text)


class DailyKey(models.Model):
    """The natural key every roll-up shares; ``person`` is the assignee (None: nobody)."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+", verbose_name=_("company"))
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="+", verbose_name=_("project"), db_index=False
    )
    department = models.ForeignKey(
        Department,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("department"),
        db_index=False,
    )
    person = models.ForeignKey(
        USER, on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("person")
    )
    day = models.DateField(_("day"))

    objects = company_scoped()

    KEY_FIELDS = ("project_id", "department_id", "person_id", "kind", "day")

    class Meta:
        abstract = True


def _key_constraints(prefix: str) -> list:
    """The natural key is unique; a NULL department or person is folded to 0 so it stays unique."""
    return [
        models.UniqueConstraint(
            "company",
            "project",
            Coalesce("department", 0),
            Coalesce("person", 0),
            "kind",
            "day",
            name=f"{prefix}_natural_key",
        )
    ]


def _key_indexes(prefix: str) -> list:
    return [
        models.Index(fields=["company", "day"], name=f"{prefix}_company_day"),
        models.Index(fields=["project", "day"], name=f"{prefix}_project_day"),
    ]


class WorkOrderDaily(DailyKey):
    """Work-order counters of one day, per order kind (repair, complaint, …): one row per key and kind.

    Cancelled and rejected orders never count (DOMAIN §6.3)."""

    kind = models.CharField(_("kind"), max_length=20)
    # on the report day
    reported = _counter(_("reported"))
    accepted = _counter(_("accepted"), _("Reported and accepted by customer service (valid)."))
    resolved = _counter(_("resolved"), _("Reported and now completed, verified or closed."))
    repeats = _counter(_("repeats"), _("Complaints about the same unit and category within 30 days."))
    # on the deadline days
    arrive_due = _counter(_("due on site"))
    arrive_on_time = _counter(_("on site on time"))
    resolve_due = _counter(_("due for completion"))
    resolve_on_time = _counter(_("completed on time"))
    # on the completion day
    completed = _counter(_("completed"))
    first_pass = _counter(_("passed first time"), _("Completed, never sent back for rework nor reopened."))
    reopened = _counter(_("reopened"), _("Completed after being reopened at least once."))
    first_visit = _counter(_("resolved on the first visit"))
    # follow-ups: due and done on the due day, rated and satisfied on the day done
    follow_ups_due = _counter(_("follow-ups due"))
    follow_ups_done = _counter(_("follow-ups done"))
    follow_ups_rated = _counter(_("follow-ups rated"))
    follow_ups_satisfied = _counter(_("follow-ups satisfied"))
    # owners' ratings on the rating day
    ratings = _counter(_("ratings"))
    stars_sum = _counter(_("stars"))
    low_ratings = _counter(_("low ratings"), _("Two stars or fewer."))
    # on the first arrival's day: orders someone reached on site, and their minutes from report to arrival
    arrived = _counter(_("arrived on site"))
    arrive_minutes = _counter(_("minutes to arrive"), _("Sum over the orders arrived of the minutes report → arrival."))
    # on the completion day: the minutes from report to completion of the orders completed
    complete_minutes = _counter(
        _("minutes to complete"), _("Sum over the orders completed of the minutes report → completion.")
    )

    class Meta:
        verbose_name = _("work-order day")
        verbose_name_plural = _("work-order days")
        constraints = _key_constraints("wodaily")
        indexes = _key_indexes("wodaily")

    def __str__(self) -> str:
        return f"{self.project_id} {self.kind} {self.day}"


class TaskDaily(DailyKey):
    """Plan-task counters of one scheduled day (the task's date), per plan kind; cancelled tasks never count."""

    kind = models.CharField(_("kind"), max_length=20)
    scheduled = _counter(_("scheduled"))
    due = _counter(_("due"), _("Completed or missed: the tasks whose outcome is known."))
    completed = _counter(_("completed"))
    completed_on_time = _counter(_("completed on time"))
    missed = _counter(_("missed"))
    required_checkins = _counter(_("check-ins required"))
    on_time_checkins = _counter(_("on-time check-ins"))
    late_checkins = _counter(_("late check-ins"))

    class Meta:
        verbose_name = _("task day")
        verbose_name_plural = _("task days")
        constraints = _key_constraints("taskdaily")
        indexes = _key_indexes("taskdaily")

    def __str__(self) -> str:
        return f"{self.project_id} {self.kind} {self.day}"


class FindingDaily(DailyKey):
    """Rectification counters of one day, per severity; cancelled findings never count; ``person`` stays empty."""

    kind = models.CharField(_("severity"), max_length=20)
    raised = _counter(_("raised"))
    repeats = _counter(_("repeats"))
    rectified = _counter(_("raised and now closed"))
    due = _counter(_("due"))
    closed_on_time = _counter(_("closed on time"))
    closed = _counter(_("closed"))

    class Meta:
        verbose_name = _("finding day")
        verbose_name_plural = _("finding days")
        constraints = _key_constraints("findingdaily")
        indexes = _key_indexes("findingdaily")

    def __str__(self) -> str:
        return f"{self.project_id} {self.kind} {self.day}"


class HotspotDaily(models.Model):
    """Where and what orders are reported: per (project, department, building, area, category, kind,
    report day). Cancelled and rejected orders never count. Feeds the dashboard's heat maps, top
    categories and repeated problems without reading the orders."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+", verbose_name=_("company"))
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="+", verbose_name=_("project"), db_index=False
    )
    department = models.ForeignKey(
        Department,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("department"),
        db_index=False,
    )
    building = models.ForeignKey(
        "core.Building",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("building"),
        db_index=False,
    )
    area = models.ForeignKey(
        "core.Area",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("public area"),
        db_index=False,
    )
    category = models.ForeignKey(
        "workorders.Category",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("category"),
        db_index=False,
    )
    kind = models.CharField(_("kind"), max_length=20)
    day = models.DateField(_("day"))
    reported = _counter(_("reported"))
    repeats = _counter(_("repeats"), _("Same kind and category at the same unit or public area within 30 days."))
    complaints = _counter(_("complaints"), _("Reported complaints (the kind is complaint)."))

    objects = company_scoped()

    KEY_FIELDS = ("project_id", "department_id", "building_id", "area_id", "category_id", "kind", "day")

    class Meta:
        verbose_name = _("hotspot day")
        verbose_name_plural = _("hotspot days")
        constraints = [
            models.UniqueConstraint(
                "company",
                "project",
                Coalesce("department", 0),
                Coalesce("building", 0),
                Coalesce("area", 0),
                Coalesce("category", 0),
                "kind",
                "day",
                name="hotspotdaily_natural_key",
            )
        ]
        indexes = _key_indexes("hotspotdaily")

    def __str__(self) -> str:
        return f"{self.project_id} {self.kind} {self.day}"


class HourlyLoad(models.Model):
    """Orders reported per (project, department, kind, local day, local hour 0–23): the weekday × hour
    heat map (the weekday comes from the day). Cancelled and rejected orders never count."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+", verbose_name=_("company"))
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="+", verbose_name=_("project"), db_index=False
    )
    department = models.ForeignKey(
        Department,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("department"),
        db_index=False,
    )
    kind = models.CharField(_("kind"), max_length=20)
    day = models.DateField(_("day"))
    hour = models.PositiveSmallIntegerField(_("hour"))
    reported = _counter(_("reported"))

    objects = company_scoped()

    KEY_FIELDS = ("project_id", "department_id", "kind", "day", "hour")

    class Meta:
        verbose_name = _("hourly load")
        verbose_name_plural = _("hourly loads")
        constraints = [
            models.UniqueConstraint(
                "company",
                "project",
                Coalesce("department", 0),
                "kind",
                "day",
                "hour",
                name="hourlyload_natural_key",
            ),
            models.CheckConstraint(condition=models.Q(hour__lte=23), name="hourlyload_hour_range"),
        ]
        indexes = _key_indexes("hourlyload")

    def __str__(self) -> str:
        return f"{self.project_id} {self.kind} {self.day} {self.hour}"


class RollupCursor(models.Model):
    """How far the roll-up job has read an append-only event table. Not a tenant row."""

    source = models.CharField(max_length=40, unique=True)
    last_id = models.BigIntegerField(default=0)
    # Positions where the last passes began: a pass re-reads from the oldest, so an event whose
    # transaction committed after a higher id was read is still seen (rebuilding a day twice is harmless).
    recent_ids = models.JSONField(default=list, blank=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("roll-up cursor")
        verbose_name_plural = _("roll-up cursors")

    def __str__(self) -> str:
        return f"{self.source}@{self.last_id}"


class RollupFootprint(models.Model):
    """The local days an order or finding counted on when the job last saw it: a change that moves a
    deadline (reopen, new priority, hold) must rebuild the old day as well as the new one."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    source = models.CharField(max_length=20)
    object_id = models.BigIntegerField()
    days = models.JSONField(default=list)

    objects = company_scoped()

    class Meta:
        verbose_name = _("roll-up footprint")
        verbose_name_plural = _("roll-up footprints")
        constraints = [models.UniqueConstraint(fields=["source", "object_id"], name="rollup_footprint_once")]

    def __str__(self) -> str:
        return f"{self.source}:{self.object_id}"


from analytics.report_models import *  # noqa: E402, F403  (the reports' models live in their own module)
