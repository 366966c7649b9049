from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.models import Company, company_scoped
from standards.choices import Discipline, RankDirection
from standards.validators import validate_rrule

USER = settings.AUTH_USER_MODEL


class ServiceLevelProfile(models.Model):
    """A service level (服务等级) a contract promises: the built-in 一级/二级/三级 of the 2004
    standard, or a custom local standard whose rank may count the other way."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+", verbose_name=_("company"))
    name = models.CharField(_("name"), max_length=50)
    code = models.SlugField(
        _("code"),
        max_length=30,
        help_text=_("level_1, level_2, level_3 and custom match a project's service level."),
    )
    rank = models.PositiveSmallIntegerField(_("rank"), default=1)
    rank_direction = models.CharField(
        _("rank direction"), max_length=20, choices=RankDirection.choices, default=RankDirection.LOWER_IS_HIGHER
    )
    is_builtin = models.BooleanField(_("built in"), default=False)
    description = models.TextField(_("description"), blank=True)

    objects = company_scoped()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("service-level profile")
        verbose_name_plural = _("service-level profiles")
        ordering = ["rank", "code"]
        constraints = [models.UniqueConstraint(fields=["company", "code"], name="std_profile_code_unique")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("standards:profile_detail", args=[self.pk])


class ProfileSetting(models.Model):
    """One line of a profile's service table (DOMAIN §6.1), as shown and in machine-readable form
    (a recurrence, an interval, times per day or a target) so plans can be generated from it."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+", verbose_name=_("company"))
    profile = models.ForeignKey(
        ServiceLevelProfile, on_delete=models.CASCADE, related_name="settings", verbose_name=_("profile")
    )
    key = models.SlugField(_("key"), max_length=50, help_text=_("Stable identifier, e.g. key_area_patrol_interval."))
    label = models.CharField(_("label"), max_length=100)
    value = models.CharField(_("value"), max_length=100, help_text=_("As shown to people, e.g. 1 h or 每3天一次."))
    rrule = models.CharField(
        _("recurrence"),
        max_length=200,
        blank=True,
        validators=[validate_rrule],
        help_text=_("RFC 5545 RRULE without DTSTART, e.g. FREQ=DAILY;INTERVAL=3. Empty when not a recurrence."),
    )
    interval_minutes = models.PositiveIntegerField(
        _("interval (minutes)"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    times_per_day = models.PositiveSmallIntegerField(
        _("times per day"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(48)]
    )
    target_percent = models.PositiveSmallIntegerField(
        _("target (%)"), null=True, blank=True, validators=[MaxValueValidator(100)]
    )
    limit_minutes = models.PositiveIntegerField(
        _("time limit (minutes)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("For limits such as the urgent-repair on-site time."),
    )
    basis = models.CharField(
        _("basis"), max_length=100, blank=True, help_text=_("Where it comes from, e.g. [R] 2004 std.")
    )
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)

    objects = company_scoped()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("profile setting")
        verbose_name_plural = _("profile settings")
        ordering = ["profile", "sort_order", "key"]
        constraints = [models.UniqueConstraint(fields=["profile", "key"], name="std_profile_setting_key_unique")]

    def __str__(self) -> str:
        return f"{self.label}: {self.value}"

    def clean(self) -> None:
        if self.profile_id and self.company_id and self.profile.company_id != self.company_id:
            raise ValidationError({"profile": _("The profile belongs to another company.")})


class StandardItem(models.Model):
    """An entry of the company's service standards library (服务标准): what is done, how often and
    how it is judged. Its content lives in immutable revisions; plans point at a revision."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+", verbose_name=_("company"))
    discipline = models.CharField(_("discipline"), max_length=20, choices=Discipline.choices)
    code = models.SlugField(_("code"), max_length=40)
    title = models.CharField(_("title"), max_length=100)
    current_revision = models.ForeignKey(
        "StandardRevision",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("current revision"),
    )
    is_active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)

    objects = company_scoped()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("standard item")
        verbose_name_plural = _("standard items")
        ordering = ["discipline", "sort_order", "code"]
        constraints = [models.UniqueConstraint(fields=["company", "code"], name="std_item_code_unique")]
        indexes = [models.Index(fields=["company", "discipline", "sort_order"], name="std_item_list_order")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("standards:standard_item_detail", args=[self.pk])


class StandardRevision(models.Model):
    """One immutable version of a standard item's content. Editing an item adds number + 1 and moves
    the item's current revision; tasks and plans keep pointing at the revision they were made from."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+", verbose_name=_("company"))
    item = models.ForeignKey(StandardItem, on_delete=models.CASCADE, related_name="revisions", verbose_name=_("item"))
    number = models.PositiveIntegerField(_("revision"), validators=[MinValueValidator(1)])
    requirement = models.TextField(_("requirement"))
    frequency = models.CharField(_("frequency"), max_length=100, blank=True, help_text=_("As shown, e.g. 每日2次."))
    rrule = models.CharField(
        _("recurrence"),
        max_length=200,
        blank=True,
        validators=[validate_rrule],
        help_text=_("RFC 5545 RRULE without DTSTART, e.g. FREQ=WEEKLY. Empty when it has no schedule."),
    )
    time_limit_minutes = models.PositiveIntegerField(
        _("time limit (minutes)"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    judgement = models.TextField(_("how it is judged"), blank=True)
    photo_required = models.BooleanField(_("photo required"), default=False)
    note = models.CharField(_("note"), max_length=200, blank=True, help_text=_("What changed and why."))
    created_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("created by")
    )
    created = models.DateTimeField(_("created"), auto_now_add=True)

    objects = company_scoped()

    class Meta:
        verbose_name = _("standard revision")
        verbose_name_plural = _("standard revisions")
        ordering = ["item", "-number"]
        constraints = [models.UniqueConstraint(fields=["item", "number"], name="std_revision_number_unique")]

    def __str__(self) -> str:
        return f"{self.item.title} · v{self.number}"

    def save(self, *args, **kwargs) -> None:
        # Plans and tasks point at revisions: what a task was judged by must never change under it.
        if self.pk is not None:
            raise ValidationError(_("A standard revision cannot be changed; revise the item instead."))
        super().save(*args, **kwargs)
