"""Who may see and do what: one access context per user, computed once per request.

Every list starts from ``restrict(qs, user, perm)``; every lookup by id goes through a
``get_<entity>_for_user`` selector built on ``get_object_for_user``. Objects of another
company, or of a project the user has no role in, answer 404 exactly like missing ones.
"""

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db.models import Model, Q, QuerySet
from django.http import Http404

from core.choices import ROLE_PERMS


@dataclass
class Access:
    """The grants of one user: for each permission, companies (whole) and projects (single)."""

    company_ids: set[int] = field(default_factory=set)
    resident_company_ids: set[int] = field(default_factory=set)
    company_grants: dict[str, set[int]] = field(default_factory=dict)
    project_grants: dict[str, set[int]] = field(default_factory=dict)
    roles: set[str] = field(default_factory=set)
    is_superuser: bool = False

    @property
    def is_staff_member(self) -> bool:
        return bool(self.company_ids)

    @property
    def is_resident(self) -> bool:
        return bool(self.resident_company_ids)

    def scope_company_ids(self) -> list[int]:
        return sorted(self.company_ids | self.resident_company_ids)

    def has(self, perm: str) -> bool:
        return bool(self.company_grants.get(perm) or self.project_grants.get(perm))

    def allows(self, perm: str, *, company_id: int, project_id: int | None) -> bool:
        if self.is_superuser:
            return True
        if company_id in self.company_grants.get(perm, ()):
            return True
        return project_id is not None and project_id in self.project_grants.get(perm, ())

    def q(self, perm: str, *, project_field: str = "project") -> Q:
        """A filter matching rows the user may see with ``perm``; matches nothing if none."""
        if self.is_superuser:
            return Q()
        companies = self.company_grants.get(perm, set())
        projects = self.project_grants.get(perm, set())
        project_key = "id" if project_field == "id" else f"{project_field}_id"
        return Q(company_id__in=sorted(companies)) | Q(**{f"{project_key}__in": sorted(projects)})


def access_for(user) -> Access:
    """The user's Access, cached on the user object for the rest of the request."""
    cached = getattr(user, "_pinzhi_access", None)
    if cached is not None:
        return cached
    access = _compute_access(user)
    if user is not None and getattr(user, "is_authenticated", False):
        user._pinzhi_access = access
    return access


def _compute_access(user) -> Access:
    from core.models import Membership, Resident

    access = Access()
    if user is None or not user.is_authenticated or not user.is_active:
        return access
    access.is_superuser = user.is_superuser
    rows = (
        Membership.objects.with_scopes_disabled()
        .filter(user=user, is_active=True, company__is_active=True)
        .values_list("company_id", "project_id", "role")
    )
    for company_id, project_id, role in rows:
        access.company_ids.add(company_id)
        access.roles.add(role)
        grants = access.company_grants if project_id is None else access.project_grants
        for perm in ROLE_PERMS.get(role, ()):
            grants.setdefault(perm, set()).add(company_id if project_id is None else project_id)
    access.resident_company_ids = set(
        Resident.objects.with_scopes_disabled().filter(user=user).values_list("company_id", flat=True)
    )
    return access


def forget_access(user) -> None:
    if hasattr(user, "_pinzhi_access"):
        del user._pinzhi_access


def restrict(qs: QuerySet, user, perm: str, *, project_field: str = "project") -> QuerySet:
    return qs.filter(access_for(user).q(perm, project_field=project_field))


def get_object_for_user(
    qs: QuerySet, user, pk, *, perm: str, write_perm: str | None = None, project_field: str = "project"
) -> Model:
    """Fetch one row the user may see with ``perm``; 404 if missing or not his.

    With ``write_perm`` the user must also hold that permission on the row's project;
    a visible row he may not change raises PermissionDenied (403).
    """
    try:
        obj = restrict(qs, user, perm, project_field=project_field).get(pk=pk)
    except (qs.model.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    if write_perm:
        project_id = obj.pk if project_field == "id" else _project_id_of(obj, project_field)
        if not access_for(user).allows(write_perm, company_id=obj.company_id, project_id=project_id):
            raise PermissionDenied
    return obj


def _project_id_of(obj: Model, project_field: str) -> int:
    *path, last = project_field.split("__")
    for step in path:
        obj = getattr(obj, step)
    return getattr(obj, f"{last}_id")


def require_perm(user, perm: str, *, company_id: int, project_id: int | None) -> None:
    if not access_for(user).allows(perm, company_id=company_id, project_id=project_id):
        raise PermissionDenied
