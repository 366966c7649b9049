"""Reads of the standards domain: the library and profiles a user may see, one row by id, and the
profile that applies to a project.

Standards belong to the company, not to a project, so a member who reads them in one project
(``standards.view``) reads the whole company's library. Rows of other companies answer 404
exactly like missing ones.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, QuerySet
from django.http import Http404

from accounts.models import User
from core.access import access_for
from core.choices import Perm
from core.models import Company, Project
from standards.models import ProfileSetting, ServiceLevelProfile, StandardItem, StandardRevision


def standards_company_ids(*, user: User, perm: str = Perm.STD_VIEW) -> list[int] | None:
    """Companies where the user holds ``perm`` company-wide or in one of their projects; None = all (superuser)."""
    access = access_for(user)
    if access.is_superuser:
        return None
    companies = set(access.company_grants.get(perm, ()))
    projects = access.project_grants.get(perm, ())
    if projects:
        companies |= set(Project.objects.filter(id__in=sorted(projects)).values_list("company_id", flat=True))
    return sorted(companies)


def _visible(qs: QuerySet, user: User, perm: str = Perm.STD_VIEW) -> QuerySet:
    company_ids = standards_company_ids(user=user, perm=perm)
    return qs if company_ids is None else qs.filter(company_id__in=company_ids)


def _get(qs: QuerySet, pk):
    try:
        return qs.get(pk=pk)
    except (qs.model.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def can_manage_standards(*, user: User, company_id: int) -> bool:
    return access_for(user).allows(Perm.STD_MANAGE, company_id=company_id, project_id=None)


def managed_company_for_user(*, user: User) -> Company:
    """The company whose standards the user writes (his first, if several); PermissionDenied if none."""
    access = access_for(user)
    ids = sorted(access.company_grants.get(Perm.STD_MANAGE, ()))
    if access.is_superuser and not ids:
        ids = sorted(access.company_ids)
    company = Company.objects.filter(id__in=ids[:1]).first()
    if company is None:
        raise PermissionDenied
    return company


def _checked(obj, user: User, write: bool):
    """``obj`` back, or 403 for a write by someone who reads but does not manage its company's standards."""
    if write and not can_manage_standards(user=user, company_id=obj.company_id):
        raise PermissionDenied
    return obj


#
# The library
#
def standard_item_list(*, user: User) -> QuerySet[StandardItem]:
    return _visible(StandardItem.objects.all(), user).select_related("current_revision")


def get_standard_item_for_user(*, user: User, pk, write: bool = False) -> StandardItem:
    """One visible item; 404 if missing or not the user's. ``write``: 403 unless he manages standards."""
    item = _get(standard_item_list(user=user), pk)
    return _checked(item, user, write)


def standard_revision_list(*, item: StandardItem) -> QuerySet[StandardRevision]:
    """The item's revisions, newest first, with who wrote them."""
    return item.revisions.select_related("created_by").order_by("-number")


def get_standard_revision_for_user(*, user: User, pk) -> StandardRevision:
    return _get(_visible(StandardRevision.objects.select_related("item"), user), pk)


#
# Service-level profiles
#
def profile_list(*, user: User) -> QuerySet[ServiceLevelProfile]:
    settings = Prefetch("settings", queryset=ProfileSetting.objects.order_by("sort_order", "key"))
    return _visible(ServiceLevelProfile.objects.all(), user).prefetch_related(settings)


def get_profile_for_user(*, user: User, pk, write: bool = False) -> ServiceLevelProfile:
    profile = _get(profile_list(user=user), pk)
    return _checked(profile, user, write)


def get_profile_setting_for_user(*, user: User, pk, write: bool = False) -> ProfileSetting:
    setting = _get(_visible(ProfileSetting.objects.select_related("profile"), user), pk)
    return _checked(setting, user, write)


def profile_for_project(project: Project) -> ServiceLevelProfile | None:
    """The profile whose code is the project's service level, its settings prefetched in table order.

    No access check: callers (plan generation, dashboards) already hold the project. None when the
    company has no such profile (seeding adds all four, so only if someone removed one).
    """
    settings = Prefetch("settings", queryset=ProfileSetting.objects.order_by("sort_order", "key"))
    qs = ServiceLevelProfile.objects.filter(company_id=project.company_id, code=project.service_level)
    return qs.prefetch_related(settings).first()


def profile_settings_by_key(profile: ServiceLevelProfile) -> dict[str, ProfileSetting]:
    """``{key: setting}`` of a profile (uses the prefetched settings)."""
    return {s.key: s for s in profile.settings.all()}
