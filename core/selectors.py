"""Reads for the organisation model: restricted lists and access helpers."""

import datetime as dt

from django.core.cache import cache
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from core.access import access_for, get_object_for_user, restrict
from core.choices import Perm
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
from lib.bizcal import BusinessCalendar


#
# Lists
#
def project_list(*, user, perm: str = Perm.ORG_VIEW) -> QuerySet[Project]:
    return restrict(Project.objects.all(), user, perm, project_field="id").select_related("company")


def building_list(*, user) -> QuerySet[Building]:
    return (
        restrict(Building.objects.all(), user, Perm.ORG_VIEW)
        .select_related("project")
        .annotate(unit_count=Count("units"))
        .order_by("project__name", "sort_order", "name")
    )


def unit_list(*, user) -> QuerySet[Unit]:
    return restrict(Unit.objects.all(), user, Perm.ORG_VIEW).select_related("project", "building")


def area_list(*, user) -> QuerySet[Area]:
    return restrict(Area.objects.all(), user, Perm.ORG_VIEW).select_related("project", "building")


def department_list(*, user) -> QuerySet[Department]:
    return restrict(Department.objects.all(), user, Perm.ORG_VIEW).select_related("project")


def membership_list(*, user) -> QuerySet[Membership]:
    """Roles the user may see: company-wide roles only for company-wide viewers."""
    access = access_for(user)
    companies = sorted(access.company_grants.get(Perm.PEOPLE_VIEW, set()))
    projects = sorted(access.project_grants.get(Perm.PEOPLE_VIEW, set()))
    return Membership.objects.filter(Q(company_id__in=companies) | Q(project_id__in=projects)).select_related(
        "user", "project", "department", "company"
    )


def resident_list(*, user) -> QuerySet[Resident]:
    """Residents linked to a unit the user may see owners of (or, company-wide, all of them)."""
    access = access_for(user)
    companies = sorted(access.company_grants.get(Perm.OWNERS_VIEW, set()))
    projects = sorted(access.project_grants.get(Perm.OWNERS_VIEW, set()))
    visible = Q(company_id__in=companies) | Q(units__unit__project_id__in=projects)
    return (
        Resident.objects.filter(visible)
        .distinct()
        .annotate(unit_count=Count("units", distinct=True))
        .order_by("name", "id")
    )


def unit_resident_list(*, user) -> QuerySet[UnitResident]:
    return restrict(UnitResident.objects.all(), user, Perm.OWNERS_VIEW, project_field="unit__project").select_related(
        "unit", "unit__building", "unit__project", "resident"
    )


def company_list(*, user) -> QuerySet[Company]:
    return Company.objects.filter(id__in=sorted(access_for(user).company_ids))


#
# Access helpers: one row by id, 404 if missing or not the user's
#
def get_project_for_user(*, user, pk, write: bool = False) -> Project:
    write_perm = Perm.PROJECT_MANAGE if write else None
    return get_object_for_user(
        Project.objects.all(), user, pk, perm=Perm.ORG_VIEW, write_perm=write_perm, project_field="id"
    )


def get_project_for_write(*, user, pk, perm: str) -> Project:
    """A project the user may add rows to (``perm`` on that project), 404/403 otherwise."""
    return get_object_for_user(Project.objects.all(), user, pk, perm=Perm.ORG_VIEW, write_perm=perm, project_field="id")


def _getter(model, perm_read: str, perm_write: str, project_field: str = "project"):
    def get(*, user, pk, write: bool = False):
        return get_object_for_user(
            model.objects.all(),
            user,
            pk,
            perm=perm_read,
            write_perm=perm_write if write else None,
            project_field=project_field,
        )

    return get


get_building_for_user = _getter(Building, Perm.ORG_VIEW, Perm.ORG_MANAGE)
get_unit_for_user = _getter(Unit, Perm.ORG_VIEW, Perm.ORG_MANAGE)
get_area_for_user = _getter(Area, Perm.ORG_VIEW, Perm.ORG_MANAGE)
get_department_for_user = _getter(Department, Perm.ORG_VIEW, Perm.ORG_MANAGE)
get_unit_resident_for_user = _getter(UnitResident, Perm.OWNERS_VIEW, Perm.OWNERS_MANAGE, "unit__project")


def get_membership_for_user(*, user, pk) -> Membership:
    from django.http import Http404

    membership = membership_list(user=user).filter(pk=pk).first()
    if membership is None:
        raise Http404
    return membership


def get_resident_for_user(*, user, pk) -> Resident:
    from django.http import Http404

    resident = resident_list(user=user).filter(pk=pk).first()
    if resident is None:
        raise Http404
    return resident


def get_company_for_user(*, user, pk) -> Company:
    from django.http import Http404

    company = company_list(user=user).filter(pk=pk).first()
    if company is None:
        raise Http404
    return company


def default_company_for_user(*, user) -> Company | None:
    return company_list(user=user).order_by("id").first()


#
# Business calendar
#
def business_calendar(*, company: Company) -> BusinessCalendar:
    days = CalendarDay.objects.filter(company=company).values_list("date", "is_workday")
    return BusinessCalendar(
        work_start=company.work_start,
        work_end=company.work_end,
        holidays=frozenset(d for d, w in days if not w),
        workdays=frozenset(d for d, w in days if w),
        known_years=frozenset(CalendarYear.objects.filter(company=company).values_list("year", flat=True)),
    )


def _calendar_key(company_id: int) -> str:
    return f"pinzhi:bizcal:{company_id}"


def business_calendar_cached(*, company: Company) -> BusinessCalendar:
    """The company's calendar from the cache (an hour at most); SLA clocks call this on every order."""
    key = _calendar_key(company.id)
    calendar = cache.get(key)
    if calendar is None:
        calendar = business_calendar(company=company)
        cache.set(key, calendar, 3600)
    return calendar


def business_calendar_forget(*, company_id: int) -> None:
    cache.delete(_calendar_key(company_id))


def calendar_missing_years(*, company: Company, today: dt.date | None = None) -> list[int]:
    """Years an admin should load now: this year, and next year from November on."""
    today = today or timezone.localdate()
    wanted = [today.year] + ([today.year + 1] if today.month >= 11 else [])
    known = set(CalendarYear.objects.filter(company=company, year__in=wanted).values_list("year", flat=True))
    return [y for y in wanted if y not in known]


def calendar_years(*, company: Company) -> QuerySet[CalendarYear]:
    return CalendarYear.objects.filter(company=company).annotate(n=Count("days")).order_by("-year")


def calendar_days(*, company: Company, year: int) -> QuerySet[CalendarDay]:
    return CalendarDay.objects.filter(company=company, date__year=year)
