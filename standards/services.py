"""Writes of the standards domain: service-level profiles and their settings, the standards library.

Every write needs ``standards.manage`` in the row's company (quality managers and company
admins). A standard item's content lives in immutable revisions: ``standard_item_revise`` adds
the next one and moves ``current_revision``; plans keep the revision they were made from.
"""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from core.access import require_perm
from core.choices import Perm
from core.models import Company
from standards import defaults
from standards.models import ProfileSetting, ServiceLevelProfile, StandardItem, StandardRevision

PROFILE_CODE_TAKEN = _("Another profile already has this code.")
PROFILE_CODE_LOCKED = _("A built-in profile keeps its code: projects find their profile by it.")
PROFILE_RANK_LOCKED = _("The 2004 levels keep their rank and direction; describe a local standard in a custom profile.")
PROFILE_COPY_OTHER_COMPANY = _("The profile to copy belongs to another company.")
SETTING_KEY_TAKEN = _("This profile already has a setting with this key.")
SETTING_KEY_LOCKED = _("A setting keeps its key: plans generated from it find it by it.")
ITEM_CODE_TAKEN = _("Another standard item already has this code.")
REVISION_UNCHANGED = _(
    "Nothing changed: a new revision needs another requirement, frequency, recurrence, time limit, "
    "judgement or photo rule."
)

BUILTIN_LEVELS = ("level_1", "level_2", "level_3")  # the 2004 standard's levels: rank fixed
PROFILE_FIELDS = ("name", "code", "rank", "rank_direction", "description")
SETTING_FIELDS = (
    "key",
    "label",
    "value",
    "rrule",
    "interval_minutes",
    "times_per_day",
    "target_percent",
    "limit_minutes",
    "basis",
    "sort_order",
)
ITEM_FIELDS = ("discipline", "code", "title", "sort_order")
# What a revision holds; two revisions with equal values here say the same thing.
REVISION_CONTENT = ("requirement", "frequency", "rrule", "time_limit_minutes", "judgement", "photo_required")
REVISION_FIELDS = (*REVISION_CONTENT, "note")


def _save(obj):
    obj.full_clean()
    obj.save()
    return obj


def _manage(actor: User, company_id: int) -> None:
    require_perm(actor, Perm.STD_MANAGE, company_id=company_id, project_id=None)


def _pick(data: dict[str, Any], fields: tuple[str, ...]) -> dict[str, Any]:
    unknown = set(data) - set(fields)
    if unknown:
        raise ValueError(f"unexpected fields: {sorted(unknown)}")  # a programming error, not user input
    return data


#
# Seed
#
@transaction.atomic
def standards_defaults_seed(*, company: Company) -> None:
    """Give a company the §6.1 profiles and the starter library; adds only what is missing."""
    defaults.seed_company(
        company.id, Profile=ServiceLevelProfile, Setting=ProfileSetting, Item=StandardItem, Revision=StandardRevision
    )


#
# Service-level profiles
#
def _check_profile_code(profile: ServiceLevelProfile) -> None:
    taken = ServiceLevelProfile.objects.filter(company_id=profile.company_id, code=profile.code)
    if taken.exclude(pk=profile.pk).exists():
        raise ValidationError({"code": ValidationError(PROFILE_CODE_TAKEN, code="unique")})


@transaction.atomic
def profile_create(
    *, company: Company, data: dict[str, Any], actor: User, copy_from: ServiceLevelProfile | None = None
) -> ServiceLevelProfile:
    """A company's own profile (never built in), optionally starting with a copy of another's settings."""
    _manage(actor, company.id)
    if copy_from is not None and copy_from.company_id != company.id:
        raise ValidationError({"copy_from": PROFILE_COPY_OTHER_COMPANY})
    profile = ServiceLevelProfile(company=company, is_builtin=False, **_pick(data, PROFILE_FIELDS))
    _check_profile_code(profile)
    _save(profile)
    if copy_from is not None:
        ProfileSetting.objects.bulk_create(
            ProfileSetting(company=company, profile=profile, **{f: getattr(s, f) for f in SETTING_FIELDS})
            for s in copy_from.settings.all()
        )
    return profile


@transaction.atomic
def profile_update(*, profile: ServiceLevelProfile, data: dict[str, Any], actor: User) -> ServiceLevelProfile:
    _manage(actor, profile.company_id)
    _pick(data, PROFILE_FIELDS)
    if profile.is_builtin and data.get("code", profile.code) != profile.code:
        raise ValidationError({"code": PROFILE_CODE_LOCKED})
    if profile.is_builtin and profile.code in BUILTIN_LEVELS:
        for field in ("rank", "rank_direction"):
            if field in data and data[field] != getattr(profile, field):
                raise ValidationError({field: PROFILE_RANK_LOCKED})
    for k, v in data.items():
        setattr(profile, k, v)
    _check_profile_code(profile)
    return _save(profile)


#
# Profile settings
#
def _check_setting_key(setting: ProfileSetting) -> None:
    taken = ProfileSetting.objects.filter(profile_id=setting.profile_id, key=setting.key)
    if taken.exclude(pk=setting.pk).exists():
        raise ValidationError({"key": ValidationError(SETTING_KEY_TAKEN, code="unique")})


@transaction.atomic
def profile_setting_create(*, profile: ServiceLevelProfile, data: dict[str, Any], actor: User) -> ProfileSetting:
    _manage(actor, profile.company_id)
    setting = ProfileSetting(company_id=profile.company_id, profile=profile, **_pick(data, SETTING_FIELDS))
    _check_setting_key(setting)
    return _save(setting)


@transaction.atomic
def profile_setting_update(*, setting: ProfileSetting, data: dict[str, Any], actor: User) -> ProfileSetting:
    """Change what a profile promises; plans already generated from it keep their own copy."""
    _manage(actor, setting.company_id)
    _pick(data, SETTING_FIELDS)
    if data.get("key", setting.key) != setting.key:
        raise ValidationError({"key": SETTING_KEY_LOCKED})
    for k, v in data.items():
        setattr(setting, k, v)
    return _save(setting)


#
# Standard items and their revisions
#
@transaction.atomic
def standard_item_create(*, company: Company, data: dict[str, Any], actor: User) -> StandardItem:
    """A new library entry with its first revision; ``data`` holds item and revision fields."""
    _manage(actor, company.id)
    _pick(data, ITEM_FIELDS + REVISION_FIELDS)
    item = StandardItem(company=company, **{f: data[f] for f in ITEM_FIELDS if f in data})
    if StandardItem.objects.filter(company=company, code=item.code).exists():
        raise ValidationError({"code": ValidationError(ITEM_CODE_TAKEN, code="unique")})
    revision = StandardRevision(
        company=company, number=1, created_by=actor, **{f: data[f] for f in REVISION_FIELDS if f in data}
    )
    # Validate both before writing either, so a bad requirement leaves no item without content.
    item.full_clean(exclude=["current_revision"])
    revision.full_clean(exclude=["item"])
    item.save()
    revision.item = item
    revision.save()
    item.current_revision = revision
    item.save(update_fields=["current_revision"])
    return item


@transaction.atomic
def standard_item_update(*, item: StandardItem, data: dict[str, Any], actor: User) -> StandardItem:
    """Title, discipline and sort order: how the library files the item, not what it requires."""
    _manage(actor, item.company_id)
    for k, v in _pick(data, ("discipline", "title", "sort_order")).items():
        setattr(item, k, v)
    return _save(item)


@transaction.atomic
def standard_item_revise(*, item: StandardItem, data: dict[str, Any], actor: User) -> StandardRevision:
    """Add revision number + 1 with ``data`` (fields not given are carried over) and make it current.

    Raises ValidationError (code ``unchanged``) when the content equals the current revision's.
    The item row is locked so two editors get consecutive numbers, each compared with the other's.
    """
    _manage(actor, item.company_id)
    _pick(data, REVISION_FIELDS)
    locked = StandardItem.objects.select_for_update().get(pk=item.pk)
    current = locked.current_revision
    base = current or StandardRevision()  # an item always has one; model defaults just in case
    content = {f: data.get(f, getattr(base, f)) for f in REVISION_CONTENT}
    if current is not None and all(content[f] == getattr(current, f) for f in REVISION_CONTENT):
        raise ValidationError(REVISION_UNCHANGED, code="unchanged")
    last = locked.revisions.aggregate(n=Max("number"))["n"] or 0
    revision = _save(
        StandardRevision(
            company_id=locked.company_id,
            item=locked,
            number=last + 1,
            note=data.get("note", ""),
            created_by=actor,
            **content,
        )
    )
    locked.current_revision = revision
    locked.save(update_fields=["current_revision"])
    item.current_revision = revision
    return revision


@transaction.atomic
def standard_item_deactivate(*, item: StandardItem, actor: User) -> StandardItem:
    """Retire an item from the library; plans that point at its revisions keep them."""
    _manage(actor, item.company_id)
    item.is_active = False
    item.save(update_fields=["is_active"])
    return item


@transaction.atomic
def standard_item_activate(*, item: StandardItem, actor: User) -> StandardItem:
    _manage(actor, item.company_id)
    item.is_active = True
    item.save(update_fields=["is_active"])
    return item
