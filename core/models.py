import datetime as dt
import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager
from simple_history.models import HistoricalRecords

from accounts.models import phone_validator
from core.choices import (
    COMPANY_WIDE_ROLES,
    AreaKind,
    CalendarSource,
    DepartmentKind,
    ProjectKind,
    ResidentRelation,
    Role,
    ServiceLevel,
    UnitStatus,
)


def validate_timezone(value: str) -> None:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValidationError(_("Unknown time zone: %(value)s."), code="timezone", params={"value": value}) from None


def company_scoped(field: str = "company") -> models.Manager:
    """Default manager for tenant rows: a query outside a company scope raises ScopeError."""
    return ScopedManager(company=field)


class Company(models.Model):
    """A property-management company (物业公司): the tenant every other row belongs to."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    short_name = models.CharField(_("short name"), max_length=30, blank=True)
    code = models.SlugField(_("code"), max_length=30, unique=True)
    phone = models.CharField(_("service hotline"), max_length=30, blank=True)
    work_start = models.TimeField(_("working hours start"), default=dt.time(9, 0))
    work_end = models.TimeField(_("working hours end"), default=dt.time(18, 0))
    timezone = models.CharField(
        _("time zone"),
        max_length=64,
        default="Asia/Shanghai",
        validators=[validate_timezone],
        help_text=_("IANA name, e.g. Asia/Shanghai; plan tasks are scheduled in this zone."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created = models.DateTimeField(_("created"), auto_now_add=True)

    objects = company_scoped("pk")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("company")
        verbose_name_plural = _("companies")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(work_start__lt=models.F("work_end")), name="company_work_hours_order")
        ]

    def __str__(self) -> str:
        return self.short_name or self.name

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)


class Project(models.Model):
    """A managed property (项目): a residential community (小区), office tower or complex."""

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="projects", verbose_name=_("company"))
    name = models.CharField(_("name"), max_length=100)
    code = models.SlugField(_("code"), max_length=30)
    kind = models.CharField(_("type"), max_length=20, choices=ProjectKind.choices, default=ProjectKind.RESIDENTIAL)
    service_level = models.CharField(
        _("service level"), max_length=20, choices=ServiceLevel.choices, default=ServiceLevel.LEVEL_2
    )
    city = models.CharField(_("city"), max_length=50, blank=True)
    district = models.CharField(_("district"), max_length=50, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    floor_area = models.DecimalField(
        _("floor area (m²)"), max_digits=12, decimal_places=2, default=0, validators=[MinValueValidator(0)]
    )
    households = models.PositiveIntegerField(_("households"), default=0)
    contract_start = models.DateField(_("contract start"), null=True, blank=True)
    contract_end = models.DateField(_("contract end"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created = models.DateTimeField(_("created"), auto_now_add=True)

    objects = company_scoped()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        ordering = ["company", "name"]
        constraints = [
            models.UniqueConstraint(fields=["company", "code"], name="project_code_unique"),
            models.UniqueConstraint(fields=["company", "name"], name="project_name_unique"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("core:project_detail", args=[self.pk])

    def clean(self) -> None:
        if self.contract_start and self.contract_end and self.contract_end < self.contract_start:
            raise ValidationError({"contract_end": _("The contract cannot end before it starts.")})


class Building(models.Model):
    """A building (楼栋) in a project."""

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="+", verbose_name=_("company"))
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="buildings", verbose_name=_("project"))
    name = models.CharField(_("name"), max_length=50, help_text=_("For example 3栋 or A座."))
    floors = models.PositiveSmallIntegerField(_("floors above ground"), default=1, validators=[MinValueValidator(1)])
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)
    created = models.DateTimeField(_("created"), auto_now_add=True)

    objects = company_scoped()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("building")
        verbose_name_plural = _("buildings")
        ordering = ["project_id", "sort_order", "name"]
        constraints = [models.UniqueConstraint(fields=["project", "name"], name="building_name_unique")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("core:building_detail", args=[self.pk])


class Unit(models.Model):
    """A unit (房屋): an apartment, office suite or shop; its code is unique in the project."""

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="+", verbose_name=_("company"))
    # indexed through unit_list_order and unit_code_unique, both led by project
    project = models.ForeignKey(
        Project, on_delete=models.PROTECT, related_name="units", verbose_name=_("project"), db_index=False
    )
    building = models.ForeignKey(Building, on_delete=models.PROTECT, related_name="units", verbose_name=_("building"))
    entrance = models.CharField(_("entrance"), max_length=20, blank=True, help_text=_("单元, for example 2单元."))
    floor = models.SmallIntegerField(_("floor"))
    number = models.CharField(_("room number"), max_length=20)
    code = models.CharField(_("unit code"), max_length=60, help_text=_("Unique in the project, e.g. 3-2-1501."))
    floor_area = models.DecimalField(
        _("floor area (m²)"), max_digits=10, decimal_places=2, validators=[MinValueValidator(0)]
    )
    status = models.CharField(_("status"), max_length=20, choices=UnitStatus.choices, default=UnitStatus.OCCUPIED)
    created = models.DateTimeField(_("created"), auto_now_add=True)

    objects = company_scoped()

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        # Ordering by raw ids (not related names) keeps list pages on this index at 400k units.
        ordering = ["project_id", "building_id", "entrance", "floor", "number"]
        constraints = [models.UniqueConstraint(fields=["project", "code"], name="unit_code_unique")]
        indexes = [
            models.Index(fields=["project", "building", "entrance", "floor", "number"], name="unit_list_order"),
            models.Index(fields=["building", "floor"], name="unit_building_floor"),
        ]

    def __str__(self) -> str:
        return f"{self.building.name}{self.entrance}{self.number}" if self.building_id else self.code

    def get_absolute_url(self) -> str:
        return reverse("core:unit_detail", args=[self.pk])


class Area(models.Model):
    """A public area (公共区域) such as a lobby, garage or garden, optionally inside a building."""

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="+", verbose_name=_("company"))
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="areas", verbose_name=_("project"))
    building = models.ForeignKey(
        Building, on_delete=models.PROTECT, null=True, blank=True, related_name="areas", verbose_name=_("building")
    )
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("type"), max_length=20, choices=AreaKind.choices, default=AreaKind.OTHER)
    description = models.TextField(_("description"), blank=True)
    created = models.DateTimeField(_("created"), auto_now_add=True)

    objects = company_scoped()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("public area")
        verbose_name_plural = _("public areas")
        ordering = ["project", "name"]
        constraints = [models.UniqueConstraint(fields=["project", "name"], name="area_name_unique")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("core:area_list")

    def clean(self) -> None:
        if self.building_id and self.project_id and self.building.project_id != self.project_id:
            raise ValidationError({"building": _("The building belongs to another project.")})


class Department(models.Model):
    """A department (部门) of a project: customer service, engineering, security, ..."""

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="+", verbose_name=_("company"))
    project = models.ForeignKey(
        Project, on_delete=models.PROTECT, related_name="departments", verbose_name=_("project")
    )
    kind = models.CharField(_("type"), max_length=20, choices=DepartmentKind.choices)
    name = models.CharField(_("name"), max_length=50)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    created = models.DateTimeField(_("created"), auto_now_add=True)

    objects = company_scoped()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["project", "kind", "name"]
        constraints = [models.UniqueConstraint(fields=["project", "name"], name="department_name_unique")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("core:department_list")


class Membership(models.Model):
    """A role a user holds in a company, either company-wide (no project) or in one project."""

    company = models.ForeignKey(
        Company, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("company")
    )
    project = models.ForeignKey(
        Project,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="memberships",
        verbose_name=_("project"),
        help_text=_("Empty means the whole company."),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("user")
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    department = models.ForeignKey(
        Department,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="members",
        verbose_name=_("department"),
    )
    title = models.CharField(_("job title"), max_length=50, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    on_duty = models.BooleanField(
        _("on duty"), default=True, help_text=_("Automatic dispatch only picks people who are on duty.")
    )
    # Round-robin among equally loaded people: the one dispatched to longest ago goes first.
    last_dispatched_at = models.DateTimeField(_("last dispatched at"), null=True, blank=True, editable=False)
    created = models.DateTimeField(_("created"), auto_now_add=True)

    objects = company_scoped()
    history = HistoricalRecords(excluded_fields=["last_dispatched_at"])

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["company", "project", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "company", "role"], condition=Q(project__isnull=True), name="membership_company_unique"
            ),
            models.UniqueConstraint(
                fields=["user", "project", "role"], condition=Q(project__isnull=False), name="membership_project_unique"
            ),
        ]
        indexes = [models.Index(fields=["user", "is_active"], name="membership_user_active")]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()}"

    def clean(self) -> None:
        if self.project_id and self.company_id and self.project.company_id != self.company_id:
            raise ValidationError({"project": _("The project belongs to another company.")})
        if self.role in COMPANY_WIDE_ROLES and self.project_id:
            raise ValidationError({"project": _("This role applies to the whole company; leave the project empty.")})
        if self.department_id:
            if not self.project_id:
                raise ValidationError({"department": _("A department can only be set for a project role.")})
            if self.department.project_id != self.project_id:
                raise ValidationError({"department": _("The department belongs to another project.")})


class Resident(models.Model):
    """An owner or resident (业主/住户) on the company's roster; ``user`` is set once he has an account."""

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="+", verbose_name=_("company"))
    name = models.CharField(_("full name"), max_length=50)
    phone = models.CharField(_("mobile phone"), max_length=11, blank=True, validators=[phone_validator])
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="residents",
        verbose_name=_("account"),
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    created = models.DateTimeField(_("created"), auto_now_add=True)

    objects = company_scoped()

    class Meta:
        verbose_name = _("resident")
        verbose_name_plural = _("residents")
        ordering = ["company", "name"]
        constraints = [
            models.UniqueConstraint(fields=["company", "phone"], condition=~Q(phone=""), name="resident_phone_unique"),
            models.UniqueConstraint(
                fields=["company", "user"], condition=Q(user__isnull=False), name="resident_user_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("core:resident_detail", args=[self.pk])


class UnitResident(models.Model):
    """The link between a unit and a resident: owner, tenant or family member, verified or not."""

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="+", verbose_name=_("company"))
    # indexed through unit_resident_unique (unit, resident)
    unit = models.ForeignKey(
        Unit, on_delete=models.CASCADE, related_name="residents", verbose_name=_("unit"), db_index=False
    )
    resident = models.ForeignKey(Resident, on_delete=models.CASCADE, related_name="units", verbose_name=_("resident"))
    relation = models.CharField(_("relation"), max_length=10, choices=ResidentRelation.choices)
    is_verified = models.BooleanField(_("verified"), default=False)
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("verified by"),
    )
    created = models.DateTimeField(_("created"), auto_now_add=True)

    objects = company_scoped()

    class Meta:
        verbose_name = _("unit resident")
        verbose_name_plural = _("unit residents")
        constraints = [models.UniqueConstraint(fields=["unit", "resident"], name="unit_resident_unique")]

    def __str__(self) -> str:
        return f"{self.unit} · {self.resident} ({self.get_relation_display()})"


class CalendarYear(models.Model):
    """A year whose public holidays and adjusted working days are in the calendar.

    Years without a row fall back to Monday–Friday working days; admins add a year when
    the State Council publishes its schedule (usually in November or December).
    """

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="calendar_years")
    year = models.PositiveSmallIntegerField(_("year"))
    source = models.CharField(_("source"), max_length=10, choices=CalendarSource.choices)
    created = models.DateTimeField(_("created"), auto_now_add=True)

    objects = company_scoped()

    class Meta:
        verbose_name = _("calendar year")
        verbose_name_plural = _("calendar years")
        ordering = ["company", "year"]
        constraints = [models.UniqueConstraint(fields=["company", "year"], name="calendar_year_unique")]

    def __str__(self) -> str:
        return str(self.year)


class CalendarDay(models.Model):
    """An exception to the Monday–Friday week: a public holiday, or a weekend worked in exchange (调休)."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    calendar_year = models.ForeignKey(CalendarYear, on_delete=models.CASCADE, related_name="days")
    date = models.DateField(_("date"))
    is_workday = models.BooleanField(_("working day"), help_text=_("Ticked for a weekend worked in exchange."))
    name = models.CharField(_("name"), max_length=50, blank=True)

    objects = company_scoped()

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        ordering = ["date"]
        constraints = [models.UniqueConstraint(fields=["company", "date"], name="calendar_day_unique")]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"

    def clean(self) -> None:
        if self.calendar_year_id and self.date and self.date.year != self.calendar_year.year:
            raise ValidationError({"date": _("The date is not in the calendar year.")})
