"""Writes for the organisation model. Each checks the actor's permission, validates with
full_clean() and saves in one transaction; views, API, commands and tests all call these."""

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from core.access import access_for, forget_access, require_perm
from core.choices import COMPANY_WIDE_ROLES, PROJECT_GRANTABLE_ROLES, CalendarSource, Perm
from core.models import (
    Area,
    Building,
    CalendarDay,
    CalendarYear,
    Company,
    Department,
    Membership,
    Project,
    Resident,
    Unit,
    UnitResident,
)
from core.selectors import business_calendar_forget

MEMBERSHIP_ROLE_NEEDS_ADMIN = _("Only a company admin may grant this role.")
MEMBERSHIP_DUPLICATE = _("This person already has this role here.")
CALENDAR_YEAR_UNKNOWN = _("chinesecalendar has no data for {year}; enter the days by hand.")


def _save(obj, *, exclude: list[str] | None = None):
    obj.full_clean(exclude=exclude)
    obj.save()
    return obj


def _apply(obj, data: dict[str, Any]):
    for name, value in data.items():
        setattr(obj, name, value)
    return obj


#
# Company and projects
#
@transaction.atomic
def company_create(*, name: str, code: str, actor: User | None = None, **data: Any) -> Company:
    """Create a tenant. Platform operators only (Django admin, demo data, commands)."""
    if actor is not None and not actor.is_superuser:
        raise ValidationError(_("Only a platform operator may create companies."))
    company = _save(Company(name=name, code=code, **data))
    calendar_seed_known_years(company=company)
    from alerts.services import rules_defaults_seed
    from inspections.services import checklist_defaults_seed  # the domain apps sit above core
    from standards.services import standards_defaults_seed
    from workorders.services import workorder_defaults_seed

    workorder_defaults_seed(company=company)
    standards_defaults_seed(company=company)
    checklist_defaults_seed(company=company)  # built from the standards library just seeded
    rules_defaults_seed(company=company)
    return company


@transaction.atomic
def company_update(*, company: Company, data: dict[str, Any], actor: User) -> Company:
    require_perm(actor, Perm.PROJECT_MANAGE, company_id=company.id, project_id=None)
    return _save(_apply(company, data))


@transaction.atomic
def project_create(*, company: Company, data: dict[str, Any], actor: User) -> Project:
    require_perm(actor, Perm.PROJECT_MANAGE, company_id=company.id, project_id=None)
    return _save(Project(company=company, **data))


@transaction.atomic
def project_update(*, project: Project, data: dict[str, Any], actor: User) -> Project:
    require_perm(actor, Perm.PROJECT_MANAGE, company_id=project.company_id, project_id=None)
    return _save(_apply(project, data))


#
# Buildings, units, areas, departments: rows inside one project
#
def _project_row_create(model, *, project: Project, data: dict[str, Any], actor: User):
    require_perm(actor, Perm.ORG_MANAGE, company_id=project.company_id, project_id=project.id)
    with transaction.atomic():
        return _save(model(company_id=project.company_id, project=project, **data))


def _project_row_update(obj, *, data: dict[str, Any], actor: User):
    require_perm(actor, Perm.ORG_MANAGE, company_id=obj.company_id, project_id=obj.project_id)
    data = {k: v for k, v in data.items() if k not in {"company", "project", "company_id", "project_id"}}
    with transaction.atomic():
        return _save(_apply(obj, data))


def _check_same_project(*, project: Project, building: Building | None, field: str = "building") -> None:
    if building is not None and building.project_id != project.id:
        raise ValidationError({field: _("The building belongs to another project.")})


def building_create(*, project: Project, data: dict[str, Any], actor: User) -> Building:
    return _project_row_create(Building, project=project, data=data, actor=actor)


def building_update(*, building: Building, data: dict[str, Any], actor: User) -> Building:
    return _project_row_update(building, data=data, actor=actor)


def unit_create(*, project: Project, data: dict[str, Any], actor: User) -> Unit:
    _check_same_project(project=project, building=data.get("building"))
    return _project_row_create(Unit, project=project, data=data, actor=actor)


def unit_update(*, unit: Unit, data: dict[str, Any], actor: User) -> Unit:
    if "building" in data:
        _check_same_project(project=unit.project, building=data["building"])
    return _project_row_update(unit, data=data, actor=actor)


def area_create(*, project: Project, data: dict[str, Any], actor: User) -> Area:
    _check_same_project(project=project, building=data.get("building"))
    return _project_row_create(Area, project=project, data=data, actor=actor)


def area_update(*, area: Area, data: dict[str, Any], actor: User) -> Area:
    if data.get("building") is not None:
        _check_same_project(project=area.project, building=data["building"])
    return _project_row_update(area, data=data, actor=actor)


def department_create(*, project: Project, data: dict[str, Any], actor: User) -> Department:
    return _project_row_create(Department, project=project, data=data, actor=actor)


def department_update(*, department: Department, data: dict[str, Any], actor: User) -> Department:
    return _project_row_update(department, data=data, actor=actor)


#
# People and roles
#
def _check_may_grant(*, actor: User, company: Company, project: Project | None, role: str) -> None:
    """Company admins grant anything; project people-managers grant lower roles in their projects."""
    access = access_for(actor)
    if access.allows(Perm.PEOPLE_MANAGE, company_id=company.id, project_id=None):
        return
    if company.id not in access.company_ids or not access.has(Perm.PEOPLE_MANAGE):
        raise PermissionDenied
    if project is None or role not in PROJECT_GRANTABLE_ROLES:
        raise ValidationError({"role": MEMBERSHIP_ROLE_NEEDS_ADMIN})
    require_perm(actor, Perm.PEOPLE_MANAGE, company_id=company.id, project_id=project.id)


@transaction.atomic
def membership_grant(
    *,
    company: Company,
    user: User,
    role: str,
    actor: User,
    project: Project | None = None,
    department: Department | None = None,
    title: str = "",
) -> Membership:
    _check_may_grant(actor=actor, company=company, project=project, role=role)
    if role in COMPANY_WIDE_ROLES:
        project = None
    existing = Membership.objects.filter(company=company, user=user, role=role, project=project).first()
    if existing is not None:
        if existing.is_active:
            raise ValidationError({"role": MEMBERSHIP_DUPLICATE})
        membership = _apply(existing, {"is_active": True, "department": department, "title": title})
    else:
        membership = Membership(
            company=company, project=project, user=user, role=role, department=department, title=title
        )
    _save(membership)
    forget_access(user)
    return membership


@transaction.atomic
def membership_revoke(*, membership: Membership, actor: User) -> Membership:
    _check_may_grant(actor=actor, company=membership.company, project=membership.project, role=membership.role)
    membership.is_active = False
    membership.save(update_fields=["is_active"])
    forget_access(membership.user)
    return membership


@transaction.atomic
def staff_create(
    *,
    company: Company,
    username: str,
    name: str,
    phone: str | None,
    password: str | None,
    role: str,
    actor: User,
    project: Project | None = None,
    department: Department | None = None,
    title: str = "",
) -> Membership:
    """Create a staff account and its first role in one step (a failed grant leaves no user)."""
    from accounts.services import user_create

    _check_may_grant(actor=actor, company=company, project=project, role=role)
    user = user_create(username=username, name=name, phone=phone, password=password)
    return membership_grant(
        company=company, user=user, role=role, actor=actor, project=project, department=department, title=title
    )


#
# Owners and residents
#
def _check_may_manage_residents(*, actor: User, company: Company) -> None:
    """Company-wide owner managers, or owner managers of at least one project of this company."""
    access = access_for(actor)
    if access.allows(Perm.OWNERS_MANAGE, company_id=company.id, project_id=None):
        return
    projects = sorted(access.project_grants.get(Perm.OWNERS_MANAGE, set()))
    if not Project.objects.filter(company=company, id__in=projects).exists():
        raise PermissionDenied


@transaction.atomic
def resident_create(*, company: Company, name: str, phone: str, actor: User, note: str = "") -> Resident:
    _check_may_manage_residents(actor=actor, company=company)
    resident = _save(Resident(company=company, name=name, phone=phone, note=note), exclude=["user"])
    resident_link_account(resident=resident)
    return resident


RESIDENT_PHONE_TAKEN = _("This mobile number belongs to {name} on the roster.")


@transaction.atomic
def resident_register(
    *, unit: Unit, name: str, phone: str, relation: str, actor: User, verified: bool = False, note: str = ""
) -> UnitResident:
    """Register a person on a unit (登记业主): reuse the roster entry with this phone, or create one."""
    require_perm(actor, Perm.OWNERS_MANAGE, company_id=unit.company_id, project_id=unit.project_id)
    resident = Resident.objects.filter(company_id=unit.company_id, phone=phone).first() if phone else None
    if resident is not None and resident.name != name:
        raise ValidationError({"phone": str(RESIDENT_PHONE_TAKEN).format(name=resident.name)})
    if resident is None:
        resident = resident_create(company=unit.company, name=name, phone=phone, note=note, actor=actor)
    return unit_resident_link(unit=unit, resident=resident, relation=relation, verified=verified, actor=actor)


RESIDENT_HAS_ACCOUNT = _("This owner already has an account.")
RESIDENT_NEEDS_PHONE = _("An owner signs in with his mobile number; enter it first.")


@transaction.atomic
def resident_account_create(*, resident: Resident, password: str, actor: User) -> User:
    """Open the owner pages for a roster entry: an account signing in with his mobile number.

    The staff member hands the initial password over in person or by phone; the owner
    changes it after the first sign-in.
    """
    from django.contrib.auth.password_validation import validate_password

    from accounts.services import user_create

    _check_may_manage_residents(actor=actor, company=resident.company)
    if resident.user_id:
        raise ValidationError(RESIDENT_HAS_ACCOUNT)
    if not resident.phone:
        raise ValidationError({"phone": RESIDENT_NEEDS_PHONE})
    existing = User.objects.filter(phone=resident.phone).first()
    if existing is None:
        validate_password(password)
        existing = user_create(username=resident.phone, name=resident.name, phone=resident.phone, password=password)
    resident.user = existing
    resident.full_clean()
    resident.save(update_fields=["user"])
    forget_access(existing)
    return existing


def resident_link_account(*, resident: Resident) -> Resident:
    """Attach the account with the same mobile number, so the owner can sign in to /m/."""
    if resident.user_id or not resident.phone:
        return resident
    user = User.objects.filter(phone=resident.phone).first()
    if user and not Resident.objects.filter(company_id=resident.company_id, user=user).exists():
        resident.user = user
        resident.save(update_fields=["user"])
        forget_access(user)
    return resident


@transaction.atomic
def unit_resident_link(
    *, unit: Unit, resident: Resident, relation: str, actor: User, verified: bool = False
) -> UnitResident:
    require_perm(actor, Perm.OWNERS_MANAGE, company_id=unit.company_id, project_id=unit.project_id)
    if resident.company_id != unit.company_id:
        raise ValidationError({"resident": _("The resident belongs to another company.")})
    link = UnitResident(company_id=unit.company_id, unit=unit, resident=resident, relation=relation)
    if verified:
        link.is_verified, link.verified_at, link.verified_by = True, timezone.now(), actor
    return _save(link)


@transaction.atomic
def unit_resident_verify(*, link: UnitResident, actor: User) -> UnitResident:
    require_perm(actor, Perm.OWNERS_MANAGE, company_id=link.company_id, project_id=link.unit.project_id)
    updated = UnitResident.objects.filter(pk=link.pk, is_verified=False).update(
        is_verified=True, verified_at=timezone.now(), verified_by=actor
    )
    if not updated:
        raise ValidationError(_("This link is already verified."))
    link.refresh_from_db()
    return link


#
# Business calendar
#
def _library_days(year: int) -> list[tuple[dt.date, bool, str]]:
    import chinese_calendar

    from lib.holiday_names import holiday_name_zh

    days = [(d, False, holiday_name_zh(n)) for d, n in chinese_calendar.constants.holidays.items() if d.year == year]
    days += [(d, True, holiday_name_zh(n)) for d, n in chinese_calendar.constants.workdays.items() if d.year == year]
    return sorted(days)


def calendar_library_years() -> list[int]:
    import chinese_calendar

    return sorted({d.year for d in chinese_calendar.constants.holidays})


@transaction.atomic
def calendar_seed_year(*, company: Company, year: int, actor: User | None = None) -> CalendarYear:
    """Load one year from chinesecalendar, replacing what the table held for it."""
    if actor is not None:
        require_perm(actor, Perm.CALENDAR_MANAGE, company_id=company.id, project_id=None)
    if year not in calendar_library_years():
        raise ValidationError({"year": str(CALENDAR_YEAR_UNKNOWN).format(year=year)})
    cal_year, _created = CalendarYear.objects.update_or_create(
        company=company, year=year, defaults={"source": CalendarSource.LIBRARY}
    )
    CalendarDay.objects.filter(calendar_year=cal_year).delete()
    _calendar_changed(company.id)
    CalendarDay.objects.bulk_create(
        CalendarDay(company=company, calendar_year=cal_year, date=d, is_workday=w, name=n)
        for d, w, n in _library_days(year)
    )
    return cal_year


def _calendar_changed(company_id: int) -> None:
    """Drop the cached calendar now and again after commit (a reader may cache the old rows meanwhile)."""
    business_calendar_forget(company_id=company_id)
    transaction.on_commit(lambda: business_calendar_forget(company_id=company_id))


def calendar_seed_known_years(*, company: Company, since: int = 2020) -> None:
    for year in calendar_library_years():
        if year >= since and not CalendarYear.objects.filter(company=company, year=year).exists():
            calendar_seed_year(company=company, year=year)


@transaction.atomic
def company_working_hours_set(*, company: Company, work_start: dt.time, work_end: dt.time, actor: User) -> Company:
    require_perm(actor, Perm.CALENDAR_MANAGE, company_id=company.id, project_id=None)
    _calendar_changed(company.id)
    return _save(_apply(company, {"work_start": work_start, "work_end": work_end}))


@transaction.atomic
def calendar_day_set(*, company: Company, date: dt.date, is_workday: bool, name: str, actor: User) -> CalendarDay:
    """Record one holiday or adjusted working day; the year counts as known from then on."""
    require_perm(actor, Perm.CALENDAR_MANAGE, company_id=company.id, project_id=None)
    cal_year, _created = CalendarYear.objects.get_or_create(
        company=company, year=date.year, defaults={"source": CalendarSource.MANUAL}
    )
    _calendar_changed(company.id)
    day = CalendarDay.objects.filter(company=company, date=date).first() or CalendarDay(
        company=company, calendar_year=cal_year, date=date
    )
    return _save(_apply(day, {"is_workday": is_workday, "name": name}))


@transaction.atomic
def calendar_day_delete(*, day: CalendarDay, actor: User) -> None:
    require_perm(actor, Perm.CALENDAR_MANAGE, company_id=day.company_id, project_id=None)
    _calendar_changed(day.company_id)
    day.delete()
