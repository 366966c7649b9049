"""Who owns an alert at each escalation level: supervisor → project manager → quality manager."""

from django.db.models import Q

from accounts.models import User
from alerts.choices import Level
from alerts.services.memo import memoized
from core.choices import Role
from core.models import Membership

_ROLE_BY_LEVEL = {
    Level.SUPERVISOR: Role.SUPERVISOR,
    Level.PROJECT_MANAGER: Role.PROJECT_MANAGER,
    Level.QUALITY_MANAGER: Role.QUALITY_MANAGER,
}


def owner_for(
    *, company_id: int, project_id: int | None, level: int, department_id: int | None = None
) -> tuple[int, User | None]:
    """The level actually reached and its owner, climbing when a level has nobody.

    Level 0 prefers the supervisor of the subject's department, then any supervisor of the
    project; each level prefers people on duty, then the longest-standing membership. A
    company-wide alert (no project) starts at the quality manager; with no quality manager the
    company admin owns it. Memoised for the length of an evaluation pass (alerts.services.memo).
    """
    key = ("owner", company_id, project_id, level, department_id)
    return memoized(key, lambda: _owner_for(company_id, project_id, level, department_id))


def _owner_for(
    company_id: int, project_id: int | None, level: int, department_id: int | None
) -> tuple[int, User | None]:
    if project_id is None:
        level = max(level, Level.QUALITY_MANAGER)
    for current in range(level, Level.QUALITY_MANAGER + 1):
        user = _candidate(company_id, project_id, current, department_id)
        if user is not None:
            return current, user
    admin = _members(company_id).filter(role=Role.COMPANY_ADMIN, project__isnull=True).first()
    return Level.QUALITY_MANAGER, admin.user if admin else None


def _members(company_id: int):
    return (
        Membership.objects.filter(company_id=company_id, is_active=True, user__is_active=True)
        .select_related("user")
        .order_by("-on_duty", "created", "id")
    )


def _candidate(company_id: int, project_id: int | None, level: int, department_id: int | None) -> User | None:
    members = _members(company_id).filter(role=_ROLE_BY_LEVEL[level])
    if level == Level.QUALITY_MANAGER:
        member = members.filter(project__isnull=True).first()
        return member.user if member else None
    members = members.filter(Q(project_id=project_id) | Q(project__isnull=True))
    if level == Level.SUPERVISOR and department_id is not None:
        member = members.filter(department_id=department_id).first()
        if member is not None:
            return member.user
    member = members.first()
    return member.user if member else None
