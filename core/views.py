"""Staff pages for the organisation model. Each view: parse, fetch through an access
helper, call one service, render."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from core import selectors, services
from core.access import access_for
from core.choices import Perm, UnitStatus
from core.decorators import staff_required
from core.filtersets import (
    AreaFilterSet,
    BuildingFilterSet,
    DepartmentFilterSet,
    MembershipFilterSet,
    ProjectFilterSet,
    ResidentFilterSet,
    UnitFilterSet,
)
from core.forms import (
    AreaForm,
    BuildingForm,
    CalendarDayForm,
    DepartmentForm,
    MembershipGrantForm,
    ProjectForm,
    ResidentAccountForm,
    ResidentForm,
    StaffCreateForm,
    UnitForm,
    UnitResidentForm,
    WorkingHoursForm,
)
from core.tables import (
    AreaTable,
    BuildingTable,
    DepartmentTable,
    MembershipTable,
    ProjectTable,
    ResidentTable,
    UnitTable,
)
from core.views_helpers import set_current_project
from lib.views import form_page, list_page


def _action(label, url_name: str, icon: str = "plus-lg") -> dict:
    return {"label": label, "url": reverse(url_name), "icon": icon}


def _actions_if(request, perm: str, *actions: dict) -> list[dict]:
    """The list page's buttons, shown only to users holding ``perm`` somewhere."""
    return list(actions) if access_for(request.user).has(perm) else []


def _company_or_403(request, perm: str):
    company = selectors.default_company_for_user(user=request.user)
    if company is None or not access_for(request.user).allows(perm, company_id=company.id, project_id=None):
        raise PermissionDenied
    return company


#
# Home and project switcher
#
@staff_required()
def home(request):
    projects = selectors.project_list(user=request.user).annotate(
        building_count=Count("buildings", distinct=True),
    )
    units = selectors.unit_list(user=request.user).values("project_id", "status").annotate(n=Count("id"))
    unit_counts: dict[int, dict[str, int]] = {}
    for row in units:
        unit_counts.setdefault(row["project_id"], {})[row["status"]] = row["n"]
    cards = [
        {
            "project": p,
            "units": sum(unit_counts.get(p.id, {}).values()),
            "occupied": unit_counts.get(p.id, {}).get(UnitStatus.OCCUPIED, 0),
        }
        for p in projects
    ]
    return render(request, "core/home.html", {"cards": cards})


@require_POST
@staff_required()
def switch_project(request):
    raw = request.POST.get("project_id") or ""
    project = selectors.get_project_for_user(user=request.user, pk=raw) if raw else None
    set_current_project(request, project.id if project else None)
    return redirect(request.POST.get("next") or "home")


#
# Projects
#
@staff_required(Perm.ORG_VIEW)
def project_list(request):
    actions = _actions_if(request, Perm.PROJECT_MANAGE, _action(_("New project"), "core:project_create"))
    return list_page(
        request,
        queryset=selectors.project_list(user=request.user),
        filterset_class=ProjectFilterSet,
        table_class=ProjectTable,
        title=_("Projects"),
        export_name="projects",
        project_field="id",
        actions=actions,
    )


@staff_required(Perm.ORG_VIEW)
def project_detail(request, pk):
    project = selectors.get_project_for_user(user=request.user, pk=pk)
    access = access_for(request.user)
    context = {
        "project": project,
        "buildings": project.buildings.annotate(unit_count=Count("units")),
        "areas": project.areas.select_related("building"),
        "departments": project.departments.annotate(member_count=Count("members")),
        "unit_stats": project.units.values("status").annotate(n=Count("id")).order_by("status"),
        "can_edit": access.allows(Perm.PROJECT_MANAGE, company_id=project.company_id, project_id=None),
        "can_manage_rows": access.allows(Perm.ORG_MANAGE, company_id=project.company_id, project_id=project.id),
    }
    return render(request, "core/project_detail.html", context)


@staff_required(Perm.PROJECT_MANAGE)
def project_create(request):
    company = _company_or_403(request, Perm.PROJECT_MANAGE)
    form = ProjectForm(request.POST or None)
    return form_page(
        request,
        form=form,
        title=_("New project"),
        success_message=_("Project created."),
        on_valid=lambda data: services.project_create(company=company, data=data, actor=request.user),
    )


@staff_required(Perm.PROJECT_MANAGE)
def project_edit(request, pk):
    project = selectors.get_project_for_user(user=request.user, pk=pk, write=True)
    form = ProjectForm(request.POST or None, instance=project)
    return form_page(
        request,
        form=form,
        title=_("Edit project"),
        success_message=_("Saved."),
        on_valid=lambda data: services.project_update(project=project, data=data, actor=request.user),
    )


#
# Buildings, units, areas, departments
#
def _row_create(request, *, form_class, service, title):
    form = form_class(request.POST or None, user=request.user, initial={"project": request.GET.get("project")})

    def save(data):
        project = data.pop("project")
        return service(project=project, data=data, actor=request.user)

    return form_page(request, form=form, title=title, on_valid=save, success_message=_("Created."))


def _row_edit(request, *, obj, form_class, service, title, field: str, next_url=None):
    form = form_class(request.POST or None, instance=obj, user=request.user)
    form.fields.pop("project", None)

    def save(data):
        service(**{field: obj}, data=data, actor=request.user)
        return next_url or obj.get_absolute_url()

    return form_page(request, form=form, title=title, on_valid=save, success_message=_("Saved."))


@staff_required(Perm.ORG_VIEW)
def building_list(request):
    actions = _actions_if(
        request,
        Perm.ORG_MANAGE,
        _action(_("New building"), "core:building_create"),
        _action(_("Import"), "core:import_buildings", "upload"),
    )
    return list_page(
        request,
        queryset=selectors.building_list(user=request.user),
        filterset_class=BuildingFilterSet,
        table_class=BuildingTable,
        title=_("Buildings"),
        export_name="buildings",
        actions=actions,
    )


@staff_required(Perm.ORG_VIEW)
def building_detail(request, pk):
    building = selectors.get_building_for_user(user=request.user, pk=pk)
    units = building.units.order_by("entrance", "-floor", "number")
    return render(
        request,
        "core/building_detail.html",
        {
            "building": building,
            "units": units,
            "areas": building.areas.all(),
            "can_manage_rows": access_for(request.user).allows(
                Perm.ORG_MANAGE, company_id=building.company_id, project_id=building.project_id
            ),
        },
    )


@staff_required(Perm.ORG_MANAGE)
def building_create(request):
    return _row_create(request, form_class=BuildingForm, service=services.building_create, title=_("New building"))


@staff_required(Perm.ORG_MANAGE)
def building_edit(request, pk):
    building = selectors.get_building_for_user(user=request.user, pk=pk, write=True)
    return _row_edit(
        request,
        obj=building,
        form_class=BuildingForm,
        service=services.building_update,
        title=_("Edit building"),
        field="building",
        next_url=reverse("core:building_detail", args=[pk]),
    )


@staff_required(Perm.ORG_VIEW)
def unit_list(request):
    actions = _actions_if(
        request,
        Perm.ORG_MANAGE,
        _action(_("New unit"), "core:unit_create"),
        _action(_("Import"), "core:import_units", "upload"),
    )
    return list_page(
        request,
        queryset=selectors.unit_list(user=request.user),
        filterset_class=UnitFilterSet,
        table_class=UnitTable,
        title=_("Units"),
        export_name="units",
        actions=actions,
    )


@staff_required(Perm.ORG_VIEW)
def unit_detail(request, pk):
    unit = selectors.get_unit_for_user(user=request.user, pk=pk)
    access = access_for(request.user)
    can_see_owners = access.allows(Perm.OWNERS_VIEW, company_id=unit.company_id, project_id=unit.project_id)
    links = unit.residents.select_related("resident", "verified_by") if can_see_owners else []
    return render(
        request,
        "core/unit_detail.html",
        {
            "unit": unit,
            "links": links,
            "can_see_owners": can_see_owners,
            "can_manage_rows": access.allows(Perm.ORG_MANAGE, company_id=unit.company_id, project_id=unit.project_id),
            "can_manage_owners": access.allows(
                Perm.OWNERS_MANAGE, company_id=unit.company_id, project_id=unit.project_id
            ),
        },
    )


@staff_required(Perm.ORG_MANAGE)
def unit_create(request):
    return _row_create(request, form_class=UnitForm, service=services.unit_create, title=_("New unit"))


@staff_required(Perm.ORG_MANAGE)
def unit_edit(request, pk):
    unit = selectors.get_unit_for_user(user=request.user, pk=pk, write=True)
    return _row_edit(
        request,
        obj=unit,
        form_class=UnitForm,
        service=services.unit_update,
        title=_("Edit unit"),
        field="unit",
        next_url=reverse("core:unit_detail", args=[pk]),
    )


@staff_required(Perm.ORG_VIEW)
def area_list(request):
    actions = _actions_if(request, Perm.ORG_MANAGE, _action(_("New public area"), "core:area_create"))
    return list_page(
        request,
        queryset=selectors.area_list(user=request.user),
        filterset_class=AreaFilterSet,
        table_class=AreaTable,
        title=_("Public areas"),
        export_name="areas",
        actions=actions,
    )


@staff_required(Perm.ORG_MANAGE)
def area_create(request):
    return _row_create(request, form_class=AreaForm, service=services.area_create, title=_("New public area"))


@staff_required(Perm.ORG_VIEW)
def area_edit(request, pk):
    area = selectors.get_area_for_user(user=request.user, pk=pk, write=True)
    return _row_edit(
        request,
        obj=area,
        form_class=AreaForm,
        service=services.area_update,
        title=_("Edit public area"),
        field="area",
        next_url=reverse("core:area_list"),
    )


@staff_required(Perm.ORG_VIEW)
def department_list(request):
    actions = _actions_if(request, Perm.ORG_MANAGE, _action(_("New department"), "core:department_create"))
    return list_page(
        request,
        queryset=selectors.department_list(user=request.user),
        filterset_class=DepartmentFilterSet,
        table_class=DepartmentTable,
        title=_("Departments"),
        export_name="departments",
        actions=actions,
    )


@staff_required(Perm.ORG_MANAGE)
def department_create(request):
    return _row_create(
        request, form_class=DepartmentForm, service=services.department_create, title=_("New department")
    )


@staff_required(Perm.ORG_VIEW)
def department_edit(request, pk):
    department = selectors.get_department_for_user(user=request.user, pk=pk, write=True)
    return _row_edit(
        request,
        obj=department,
        form_class=DepartmentForm,
        service=services.department_update,
        title=_("Edit department"),
        field="department",
        next_url=reverse("core:department_list"),
    )


#
# People
#
@staff_required(Perm.PEOPLE_VIEW)
def membership_list(request):
    actions = _actions_if(request, Perm.PEOPLE_MANAGE, _action(_("New staff member"), "core:staff_create"))
    return list_page(
        request,
        queryset=selectors.membership_list(user=request.user),
        filterset_class=MembershipFilterSet,
        table_class=MembershipTable,
        title=_("People and roles"),
        export_name="people",
        actions=actions,
    )


@staff_required(Perm.PEOPLE_VIEW)
def membership_detail(request, pk):
    membership = selectors.get_membership_for_user(user=request.user, pk=pk)
    roles = selectors.membership_list(user=request.user).filter(user=membership.user)
    form = MembershipGrantForm(user=request.user) if access_for(request.user).has(Perm.PEOPLE_MANAGE) else None
    return render(
        request,
        "core/membership_detail.html",
        {"membership": membership, "person": membership.user, "roles": roles, "form": form},
    )


@staff_required(Perm.PEOPLE_MANAGE)
def staff_create(request):
    company = selectors.default_company_for_user(user=request.user)
    form = StaffCreateForm(request.POST or None, user=request.user)

    def save(data):
        membership = services.staff_create(company=company, actor=request.user, **data)
        return reverse("core:membership_detail", args=[membership.pk])

    return form_page(
        request, form=form, title=_("New staff member"), on_valid=save, success_message=_("Staff member created.")
    )


@require_POST
@staff_required(Perm.PEOPLE_MANAGE)
def membership_grant(request, pk):
    membership = selectors.get_membership_for_user(user=request.user, pk=pk)
    form = MembershipGrantForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            services.membership_grant(
                company=membership.company, user=membership.user, actor=request.user, **form.cleaned_data
            )
            messages.success(request, _("Role granted."))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    else:
        messages.error(request, form.errors.as_text())
    return redirect("core:membership_detail", pk=pk)


@require_POST
@staff_required(Perm.PEOPLE_MANAGE)
def membership_revoke(request, pk):
    membership = selectors.get_membership_for_user(user=request.user, pk=pk)
    try:
        services.membership_revoke(membership=membership, actor=request.user)
        messages.success(request, _("Role revoked."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("core:membership_detail", pk=pk)


#
# Owners and residents
#
@staff_required(Perm.OWNERS_VIEW)
def resident_list(request):
    actions = _actions_if(
        request,
        Perm.OWNERS_MANAGE,
        _action(_("New owner"), "core:resident_create"),
        _action(_("Import"), "core:import_owners", "upload"),
    )
    return list_page(
        request,
        queryset=selectors.resident_list(user=request.user),
        filterset_class=ResidentFilterSet,
        table_class=ResidentTable,
        title=_("Owners and residents"),
        export_name="owners",
        project_field="units__unit__project_id",
        actions=actions,
    )


@staff_required(Perm.OWNERS_VIEW)
def resident_detail(request, pk):
    resident = selectors.get_resident_for_user(user=request.user, pk=pk)
    links = selectors.unit_resident_list(user=request.user).filter(resident=resident)
    form = UnitResidentForm(user=request.user) if access_for(request.user).has(Perm.OWNERS_MANAGE) else None
    account_form = ResidentAccountForm() if form and not resident.user_id else None
    context = {"resident": resident, "links": links, "form": form, "account_form": account_form}
    return render(request, "core/resident_detail.html", context)


@require_POST
@staff_required(Perm.OWNERS_MANAGE)
def resident_account_create(request, pk):
    resident = selectors.get_resident_for_user(user=request.user, pk=pk)
    form = ResidentAccountForm(request.POST)
    if form.is_valid():
        try:
            services.resident_account_create(
                resident=resident, password=form.cleaned_data["password"], actor=request.user
            )
            messages.success(request, _("Account created: the owner signs in at /m/ with his mobile number."))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    else:
        messages.error(request, form.errors.as_text())
    return redirect("core:resident_detail", pk=pk)


@staff_required(Perm.OWNERS_MANAGE)
def resident_create(request):
    form = ResidentForm(request.POST or None, user=request.user)

    def save(data):
        link = services.resident_register(
            unit=data["unit"],
            name=data["name"],
            phone=data["phone"],
            relation=data["relation"],
            verified=data["verified"],
            note=data["note"],
            actor=request.user,
        )
        return reverse("core:resident_detail", args=[link.resident_id])

    return form_page(request, form=form, title=_("New owner"), on_valid=save, success_message=_("Created."))


@require_POST
@staff_required(Perm.OWNERS_MANAGE)
def resident_link_unit(request, pk):
    resident = selectors.get_resident_for_user(user=request.user, pk=pk)
    form = UnitResidentForm(request.POST, user=request.user)
    if form.is_valid():
        unit = (
            selectors.unit_list(user=request.user)
            .filter(project=form.cleaned_data["project"], code=form.cleaned_data["unit_code"].strip())
            .first()
        )
        if unit is None:
            messages.error(request, _("No unit with this code in the project."))
        else:
            try:
                services.unit_resident_link(
                    unit=unit,
                    resident=resident,
                    relation=form.cleaned_data["relation"],
                    verified=form.cleaned_data["verified"],
                    actor=request.user,
                )
                messages.success(request, _("Unit linked."))
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
    else:
        messages.error(request, form.errors.as_text())
    return redirect("core:resident_detail", pk=pk)


@require_POST
@staff_required(Perm.OWNERS_MANAGE)
def unit_resident_verify(request, pk):
    link = selectors.get_unit_resident_for_user(user=request.user, pk=pk, write=True)
    try:
        services.unit_resident_verify(link=link, actor=request.user)
        messages.success(request, _("Verified."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect(request.POST.get("next") or reverse("core:resident_detail", args=[link.resident_id]))


#
# Business calendar
#
@staff_required(Perm.ORG_VIEW)
def calendar(request):
    company = selectors.default_company_for_user(user=request.user)
    can_manage = access_for(request.user).allows(Perm.CALENDAR_MANAGE, company_id=company.id, project_id=None)
    years = selectors.calendar_years(company=company)
    year = int(request.GET.get("year") or 0) or None
    days = selectors.calendar_days(company=company, year=year) if year else []
    return render(
        request,
        "core/calendar.html",
        {
            "company": company,
            "years": years,
            "year": year,
            "days": days,
            "can_manage": can_manage,
            "missing_years": selectors.calendar_missing_years(company=company),
            "library_years": services.calendar_library_years(),
            "form": CalendarDayForm() if can_manage else None,
            "hours_form": WorkingHoursForm(initial={"work_start": company.work_start, "work_end": company.work_end})
            if can_manage
            else None,
        },
    )


@require_POST
@staff_required(Perm.CALENDAR_MANAGE)
def calendar_hours(request):
    company = _company_or_403(request, Perm.CALENDAR_MANAGE)
    form = WorkingHoursForm(request.POST)
    if form.is_valid():
        services.company_working_hours_set(company=company, actor=request.user, **form.cleaned_data)
        messages.success(request, _("Saved."))
    else:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    return redirect("core:calendar")


@require_POST
@staff_required(Perm.CALENDAR_MANAGE)
def calendar_day_add(request):
    company = _company_or_403(request, Perm.CALENDAR_MANAGE)
    form = CalendarDayForm(request.POST)
    if form.is_valid():
        day = services.calendar_day_set(company=company, actor=request.user, **form.cleaned_data)
        messages.success(request, _("Saved."))
        return redirect(f"{reverse('core:calendar')}?year={day.date.year}")
    messages.error(request, form.errors.as_text())
    return redirect("core:calendar")


@require_POST
@staff_required(Perm.CALENDAR_MANAGE)
def calendar_seed(request):
    company = _company_or_403(request, Perm.CALENDAR_MANAGE)
    try:
        year = int(request.POST.get("year", ""))
        services.calendar_seed_year(company=company, year=year, actor=request.user)
        messages.success(request, _("Calendar loaded."))
    except ValueError:
        messages.error(request, _("Enter a year."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("core:calendar")
