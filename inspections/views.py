"""Staff pages of inspections (/inspections/): checklists with their versions, rounds, schedules.

Findings, CAPA and the proposals from complaints are in ``views_findings``, the reports in
``views_reports``. Who sees what:
- ``inspections.view`` (quality manager, company admin, project manager, supervisor, viewer)
  reads everything of his projects; ``inspections.manage`` schedules, cancels and closes rounds
  there; checklists are company-wide and need it for the whole company;
- ``inspections.do`` without view (third-party inspectors, mystery shoppers) sees only the rounds
  he is invited to and their findings, never the library, the reports or any owner's data;
  inspectors carry a round out on the phone pages (/inspect/).

Rows of other companies and projects answer 404 like missing ones; a reader who tries a write
gets 403. Views are thin: a form, a selector, one service call.
"""

from functools import wraps

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from core.access import access_for
from core.choices import Perm
from core.decorators import staff_required
from core.models import Project
from core.views_helpers import current_project_id
from inspections import selectors, services
from inspections.filtersets import ChecklistTemplateFilterSet, InspectionRoundFilterSet, InspectionScheduleFilterSet
from inspections.forms import (
    ChecklistTemplateForm,
    FromStandardsForm,
    NoteForm,
    ProjectChoiceForm,
    ReasonForm,
    RoundForm,
    RoundInspectorsForm,
    ScheduleForm,
    VersionNoteForm,
    item_formset,
    managed_projects,
    template_companies,
)
from inspections.models import InspectionRound, RoundInspector
from inspections.tables import ChecklistTemplateTable, InspectionRoundTable, InspectionScheduleTable, kinds_text
from lib.views import list_page
from plans.forms import rrule_in_words


def staff_any(*perms: str):
    """Signed-in staff holding any of ``perms`` somewhere (owners to /m/, others 403)."""

    def decorator(view):
        @staff_required()
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            access = access_for(request.user)
            if not access.is_superuser and not any(access.has(perm) for perm in perms):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def may_manage_templates(user, company_id: int) -> bool:
    return access_for(user).allows(Perm.INSP_MANAGE, company_id=company_id, project_id=None)


def may_manage(user, obj) -> bool:
    return access_for(user).allows(Perm.INSP_MANAGE, company_id=obj.company_id, project_id=obj.project_id)


def run(request: HttpRequest, call, done) -> bool:
    """Run a one-click service call; its ValidationError becomes an error message."""
    try:
        call()
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return False
    messages.success(request, done)
    return True


def spread_errors(exc: ValidationError, form, *, extra: dict[str, list] | None = None) -> None:
    """Service errors onto the form's fields (renamed by its ``error_fields``); names in ``extra``
    (formsets) onto their lists."""
    extra = extra if extra is not None else {}
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    renamed = getattr(form, "error_fields", {})
    for field, errors in exc.error_dict.items():
        field = renamed.get(field, field)
        if field in extra:
            extra[field].extend(e.message % e.params if e.params else e.message for e in errors)
            continue
        target = field if field in form.fields else None
        for error in errors:
            form.add_error(target, error)


def project_for_new(request: HttpRequest, projects) -> Project | None:
    """The project a new row goes to: ?project=, else the switcher's, else the only one."""
    wanted = request.GET.get("project") or current_project_id(request)
    if wanted:
        return projects.filter(pk=wanted).first() if str(wanted).isdigit() else None
    only = list(projects[:2])
    return only[0] if len(only) == 1 else None


def choose_project(request: HttpRequest, title, projects) -> HttpResponse:
    form = ProjectChoiceForm(request.GET or None, projects=projects)
    return render(request, "inspections/choose_project.html", {"form": form, "title": title})


def phone_url(name: str, pk: int) -> str | None:
    """A page of the phone screens (/inspect/…) if they are installed."""
    try:
        return reverse(f"inspect:{name}", args=[pk])
    except NoReverseMatch:
        return None


@staff_any(Perm.INSP_VIEW, Perm.INSP_DO, Perm.FINDINGS_RECTIFY, Perm.CAPA_MANAGE)
def home(request: HttpRequest) -> HttpResponse:
    """/inspections/: the rounds for those who see them, else the findings (the rectifying teams)."""
    access = access_for(request.user)
    if access.is_superuser or access.has(Perm.INSP_VIEW) or access.has(Perm.INSP_DO):
        return redirect("inspections:round_list")
    if access.has(Perm.FINDINGS_RECTIFY):
        return redirect("inspections:finding_list")
    return redirect("inspections:capa_list")


#
# Checklists
#
@staff_required(Perm.INSP_VIEW)
def template_list(request: HttpRequest) -> HttpResponse:
    actions = []
    if template_companies(request.user).exists():
        actions = [
            {"label": _("New checklist"), "url": reverse("inspections:checklist_create"), "icon": "plus-lg"},
            {
                "label": _("From the standards library"),
                "url": reverse("inspections:checklist_from_standards"),
                "icon": "journal-check",
            },
            {"label": _("Learn from complaints"), "url": reverse("inspections:proposals"), "icon": "lightbulb"},
        ]
    queryset = selectors.template_list(user=request.user).annotate(item_count=Count("current_version__items"))
    return list_page(
        request,
        queryset=queryset,
        filterset_class=ChecklistTemplateFilterSet,
        table_class=ChecklistTemplateTable,
        title=_("Checklists"),
        export_name="checklists",
        project_field=None,
        actions=actions,
    )


@staff_required(Perm.INSP_VIEW)
def template_detail(request: HttpRequest, pk: int) -> HttpResponse:
    template = selectors.get_template_for_user(user=request.user, pk=pk)
    versions = list(template.versions.annotate(round_count=Count("rounds"), item_count=Count("items", distinct=True)))
    wanted = request.GET.get("version")
    shown = next((v for v in versions if str(v.number) == wanted), None) or next(
        (v for v in versions if v.pk == template.current_version_id), None
    )
    items = shown.items.select_related("standard_revision__item").order_by("sort_order", "id") if shown else []
    context = {
        "title": template.name,
        "template": template,
        "kinds": kinds_text(template.kinds),
        "versions": versions,
        "shown": shown,
        "items": items,
        "can_manage": may_manage_templates(request.user, template.company_id),
        "can_schedule": access_for(request.user).has(Perm.INSP_MANAGE),
    }
    return render(request, "inspections/template_detail.html", context)


@staff_required(Perm.INSP_MANAGE)
def template_create(request: HttpRequest) -> HttpResponse:
    if not template_companies(request.user).exists():
        raise PermissionDenied
    data = request.POST if request.method == "POST" else None
    form = ChecklistTemplateForm(data, user=request.user)
    note = VersionNoteForm(data)
    items = item_formset(data)
    errors: dict[str, list] = {"items": []}
    if data is not None and all([form.is_valid(), note.is_valid(), items.is_valid()]):
        try:
            template = services.checklist_template_create(
                company=form.cleaned_data["company"],
                data=form.template_data(),
                items=items.items(),
                note=note.cleaned_data["note"],
                actor=request.user,
            )
        except ValidationError as exc:
            spread_errors(exc, form, extra=errors)
        else:
            messages.success(request, _("Checklist created."))
            return redirect("inspections:checklist_detail", pk=template.pk)
    context = {"title": _("New checklist"), "form": form, "note": note, "items": items, "items_errors": errors["items"]}
    return render(request, "inspections/template_form.html", context)


@staff_required(Perm.INSP_MANAGE)
def template_from_standards(request: HttpRequest) -> HttpResponse:
    if not template_companies(request.user).exists():
        raise PermissionDenied
    form = FromStandardsForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            template = services.checklist_template_from_standards(
                company=data["company"],
                name=data["name"],
                code=data["code"],
                revisions=data["revisions"],
                kinds=data["kinds"],
                discipline=data["discipline"] or "",
                description=data["description"] or "",
                actor=request.user,
            )
        except ValidationError as exc:
            spread_errors(exc, form)
        else:
            messages.success(request, _("Checklist created from the standards library; adjust it in a new version."))
            return redirect("inspections:checklist_detail", pk=template.pk)
    context = {
        "title": _("Checklist from the standards library"),
        "form": form,
        "crumbs": [{"label": _("Checklists"), "url": reverse("inspections:checklist_list")}],
        "intro": _(
            "One pass/fail item per standard item picked, with its current revision, photo rule, a severity by "
            "discipline and the discipline's department as the rectifier."
        ),
    }
    return render(request, "inspections/form.html", context)


@staff_required(Perm.INSP_MANAGE)
def template_edit(request: HttpRequest, pk: int) -> HttpResponse:
    template = selectors.get_template_for_user(user=request.user, pk=pk, write=True)
    initial = {name: getattr(template, name) for name in ("name", "kinds", "discipline", "description")}
    form = ChecklistTemplateForm(request.POST or None, template=template, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.checklist_template_update(template=template, data=form.template_data(), actor=request.user)
        except ValidationError as exc:
            spread_errors(exc, form)
        else:
            messages.success(request, _("Saved."))
            return redirect("inspections:checklist_detail", pk=template.pk)
    context = {
        "title": _("Edit checklist"),
        "form": form,
        "crumbs": [
            {"label": _("Checklists"), "url": reverse("inspections:checklist_list")},
            {"label": template.name, "url": reverse("inspections:checklist_detail", args=[template.pk])},
        ],
        "back_url": reverse("inspections:checklist_detail", args=[template.pk]),
    }
    return render(request, "inspections/form.html", context)


@staff_required(Perm.INSP_MANAGE)
def version_create(request: HttpRequest, pk: int) -> HttpResponse:
    """The next version of a checklist: its current items to edit, rows to add, empty rows dropped."""
    template = selectors.get_template_for_user(user=request.user, pk=pk, write=True)
    data = request.POST if request.method == "POST" else None
    note = VersionNoteForm(data)
    items = item_formset(data, version=template.current_version)
    errors: dict[str, list] = {"items": []}
    if data is not None and note.is_valid() and items.is_valid():
        try:
            version = services.checklist_version_create(
                template=template, items=items.items(), note=note.cleaned_data["note"], actor=request.user
            )
        except ValidationError as exc:
            spread_errors(exc, note, extra=errors)
        else:
            messages.success(request, _("Version {n} saved; new rounds use it.").format(n=version.number))
            return redirect("inspections:checklist_detail", pk=template.pk)
    context = {
        "title": _("New version of {name}").format(name=template.name),
        "template": template,
        "note": note,
        "items": items,
        "items_errors": errors["items"],
    }
    return render(request, "inspections/template_form.html", context)


@require_POST
@staff_required(Perm.INSP_MANAGE)
def template_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    template = selectors.get_template_for_user(user=request.user, pk=pk, write=True)
    done = _("The checklist is switched off: no new rounds with it.")
    run(request, lambda: services.checklist_template_deactivate(template=template, actor=request.user), done)
    return redirect("inspections:checklist_detail", pk=template.pk)


@require_POST
@staff_required(Perm.INSP_MANAGE)
def template_activate(request: HttpRequest, pk: int) -> HttpResponse:
    template = selectors.get_template_for_user(user=request.user, pk=pk, write=True)
    done = _("The checklist is active again.")
    run(request, lambda: services.checklist_template_activate(template=template, actor=request.user), done)
    return redirect("inspections:checklist_detail", pk=template.pk)


#
# Rounds
#
@staff_any(Perm.INSP_VIEW, Perm.INSP_DO)
def round_list(request: HttpRequest) -> HttpResponse:
    actions = []
    if access_for(request.user).has(Perm.INSP_MANAGE):
        actions = [
            {"label": _("New round"), "url": reverse("inspections:round_create"), "icon": "plus-lg"},
            {"label": _("Schedules"), "url": reverse("inspections:inspection_schedule_list"), "icon": "calendar-week"},
        ]
    return list_page(
        request,
        queryset=selectors.round_list(user=request.user).select_related("company"),
        filterset_class=InspectionRoundFilterSet,
        table_class=InspectionRoundTable,
        title=_("Inspection rounds"),
        export_name="inspection-rounds",
        actions=actions,
    )


@staff_required(Perm.INSP_MANAGE)
def round_create(request: HttpRequest) -> HttpResponse:
    projects = managed_projects(request.user)
    project = project_for_new(request, projects)
    if project is None:
        return choose_project(request, _("New inspection round"), projects)
    initial = RoundForm.initial_for(project, request.user)
    initial["template"] = request.GET.get("template")
    form = RoundForm(request.POST or None, project=project, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        template = data["template"]
        try:
            round = services.round_create(
                project=project,
                version=template.current_version,
                kind=data["kind"],
                title=data["title"],
                scheduled_for=data["scheduled_for"],
                due_at=data["due_at"],
                lead=data["lead"],
                inspectors=list(data["inspectors"]),
                note=data["note"] or "",
                actor=request.user,
            )
        except ValidationError as exc:
            spread_errors(exc, form)
            if hasattr(exc, "error_dict") and "version" in exc.error_dict:
                for error in exc.error_dict["version"]:
                    form.add_error("template", error)
        else:
            messages.success(request, _("Round scheduled; the inspectors find it on their phones."))
            return redirect("inspections:round_detail", pk=round.pk)
    context = {
        "title": _("New inspection round"),
        "project": project,
        "form": form,
        "crumbs": [{"label": _("Inspection rounds"), "url": reverse("inspections:round_list")}],
        "back_url": reverse("inspections:round_list"),
    }
    return render(request, "inspections/form.html", context)


@staff_any(Perm.INSP_VIEW, Perm.INSP_DO)
def round_detail(request: HttpRequest, pk: int) -> HttpResponse:
    round = selectors.get_round_for_user(user=request.user, pk=pk)
    return _round_page(request, round)


def _round_page(request: HttpRequest, round: InspectionRound, **forms) -> HttpResponse:
    actions = selectors.round_actions(round=round, user=request.user)
    findings = round.findings.select_related("department", "item").order_by("id")
    inspectors = [row.user for row in RoundInspector.objects.filter(round=round).select_related("user")]
    context = {
        "title": round.title,
        "round": round,
        "zone": round.company.zone,
        "results": selectors.round_results(round).select_related("inspector"),
        "departments": selectors.round_department_scores(round),
        "findings": findings,
        "inspectors": inspectors,
        "events": round.events.select_related("actor").order_by("created", "id"),
        "actions": actions,
        "phone_url": phone_url("round_detail", round.pk) if {"start", "record", "submit"} & set(actions) else None,
        "inspector_only": selectors.is_inspector_only(user=request.user, project=round.project),
        "cancel_form": forms.get("cancel_form") or ReasonForm(),
        "close_form": forms.get("close_form") or NoteForm(),
        "inspectors_form": forms.get("inspectors_form")
        or RoundInspectorsForm(round=round, initial={"lead": round.lead_id, "inspectors": [p.pk for p in inspectors]}),
    }
    return render(request, "inspections/round_detail.html", context)


@require_POST
@staff_required(Perm.INSP_MANAGE)
def round_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    round = selectors.get_round_for_user(user=request.user, pk=pk, write=True)
    form = ReasonForm(request.POST)
    if form.is_valid():
        try:
            services.round_cancel(round=round, reason=form.cleaned_data["reason"], actor=request.user)
        except ValidationError as exc:
            spread_errors(exc, form)
        else:
            messages.success(request, _("Round cancelled."))
            return redirect("inspections:round_detail", pk=round.pk)
    return _round_page(request, selectors.get_round_for_user(user=request.user, pk=pk), cancel_form=form)


@require_POST
@staff_required(Perm.INSP_MANAGE)
def round_close(request: HttpRequest, pk: int) -> HttpResponse:
    round = selectors.get_round_for_user(user=request.user, pk=pk, write=True)
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            services.round_close(round=round, reason=form.cleaned_data["note"] or "", actor=request.user)
        except ValidationError as exc:
            spread_errors(exc, form)
        else:
            messages.success(request, _("Round closed."))
            return redirect("inspections:round_detail", pk=round.pk)
    return _round_page(request, selectors.get_round_for_user(user=request.user, pk=pk), close_form=form)


@require_POST
@staff_required(Perm.INSP_MANAGE)
def round_inspectors(request: HttpRequest, pk: int) -> HttpResponse:
    round = selectors.get_round_for_user(user=request.user, pk=pk, write=True)
    form = RoundInspectorsForm(request.POST, round=round)
    if form.is_valid():
        try:
            services.round_inspectors_set(
                round=round,
                inspectors=list(form.cleaned_data["inspectors"]),
                lead=form.cleaned_data["lead"],
                actor=request.user,
            )
        except ValidationError as exc:
            spread_errors(exc, form)
        else:
            messages.success(request, _("Inspectors saved."))
            return redirect("inspections:round_detail", pk=round.pk)
    return _round_page(request, selectors.get_round_for_user(user=request.user, pk=pk), inspectors_form=form)


#
# Schedules
#
@staff_required(Perm.INSP_VIEW)
def schedule_list(request: HttpRequest) -> HttpResponse:
    actions = []
    if access_for(request.user).has(Perm.INSP_MANAGE):
        actions = [
            {"label": _("New schedule"), "url": reverse("inspections:inspection_schedule_create"), "icon": "plus-lg"}
        ]
    return list_page(
        request,
        queryset=selectors.schedule_list(user=request.user),
        filterset_class=InspectionScheduleFilterSet,
        table_class=InspectionScheduleTable,
        title=_("Inspection schedules"),
        export_name="inspection-schedules",
        actions=actions,
    )


@staff_required(Perm.INSP_MANAGE)
def schedule_create(request: HttpRequest) -> HttpResponse:
    projects = managed_projects(request.user)
    project = project_for_new(request, projects)
    if project is None:
        return choose_project(request, _("New inspection schedule"), projects)
    return _schedule_page(request, project=project, schedule=None)


@staff_required(Perm.INSP_VIEW)
def schedule_edit(request: HttpRequest, pk: int) -> HttpResponse:
    schedule = selectors.get_schedule_for_user(user=request.user, pk=pk)
    if not may_manage(request.user, schedule):
        raise PermissionDenied
    return _schedule_page(request, project=schedule.project, schedule=schedule)


def _schedule_page(request: HttpRequest, *, project: Project, schedule) -> HttpResponse:
    initial = ScheduleForm.initial_for(schedule, project)
    form = ScheduleForm(request.POST or None, project=project, initial=initial)
    if request.method == "POST" and form.is_valid():
        data, people = form.schedule_data(), list(form.cleaned_data["inspectors"])
        template = form.cleaned_data["template"]
        try:
            if schedule is None:
                schedule = services.inspection_schedule_create(
                    project=project, template=template, data=data, inspectors=people, actor=request.user
                )
            else:
                services.inspection_schedule_update(
                    schedule=schedule, data=data, template=template, inspectors=people, actor=request.user
                )
        except ValidationError as exc:
            spread_errors(exc, form)
        else:
            messages.success(request, _("Schedule saved; its rounds are made by the hourly job."))
            return redirect("inspections:inspection_schedule_list")
    context = {
        "title": _("Edit inspection schedule") if schedule else _("New inspection schedule"),
        "project": project,
        "schedule": schedule,
        "intro": rrule_in_words(schedule.rrule) if schedule else "",
        "form": form,
        "crumbs": [{"label": _("Inspection schedules"), "url": reverse("inspections:inspection_schedule_list")}],
        "back_url": reverse("inspections:inspection_schedule_list"),
    }
    return render(request, "inspections/schedule_form.html", context)


@require_POST
@staff_required(Perm.INSP_MANAGE)
def schedule_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    schedule = selectors.get_schedule_for_user(user=request.user, pk=pk, write=True)
    done = _("The schedule is switched off; rounds already made stay.")
    run(request, lambda: services.inspection_schedule_deactivate(schedule=schedule, actor=request.user), done)
    return redirect("inspections:inspection_schedule_list")
