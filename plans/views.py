"""Staff pages of plans (/plans/): plans with their recurrence, windows and route; the default plan set of a
project; checkpoints; the task list and a task in full for managers; the figures.

Everyone with ``plans.view`` reads; ``plans.manage`` (quality and project managers, supervisors)
writes, through plans.services. Staff who only do tasks (``tasks.work``) use the phone pages
(/tasks/), not these. Rows of other companies and projects answer 404 like missing ones; a reader
who tries a write gets 403.
"""

import datetime as dt
from contextlib import contextmanager

from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from core.access import access_for
from core.choices import Perm
from core.decorators import staff_required
from core.models import Project
from core.views_helpers import current_project_id
from lib.views import form_page, list_page
from plans import selectors, services
from plans.filtersets import CheckpointFilterSet, PlanFilterSet, TaskFilterSet
from plans.forms import (
    CheckpointForm,
    DefaultsForm,
    FiguresForm,
    PlanForm,
    ProjectChoiceForm,
    Repeat,
    TaskAssignForm,
    TaskCancelForm,
    managed_projects,
    route_formset,
    rrule_in_words,
    viewed_projects,
    window_formset,
)
from plans.models import Checkpoint, Plan, PlanCheckpoint, PlanStandard, Task
from plans.tables import CheckpointTable, PlanTable, TaskTable, percent_text, plan_rates, task_window, window_text

RECENT_TASKS = 20
CHECKPOINT_FIELDS = ("name", "building", "area", "description", "latitude", "longitude", "radius_m", "is_active")


def _may_manage(request: HttpRequest, obj) -> bool:
    return access_for(request.user).allows(Perm.PLAN_MANAGE, company_id=obj.company_id, project_id=obj.project_id)


def qr_sheet_url(plan: Plan) -> str:
    """The printable QR sheet of a plan's route (a PDF served by the phone pages)."""
    return reverse("tasks:plan_qr_sheet", args=[plan.pk])


def _current_route(plan: Plan) -> list[Checkpoint]:
    rows = (
        plan.route_rows.filter(removed_version__isnull=True).select_related("checkpoint").order_by("sort_order", "id")
    )
    return [row.checkpoint for row in rows]


def _project_for_new(request: HttpRequest) -> Project | None:
    """The project a new plan or checkpoint goes to: ?project=, else the switcher's, else the only one."""
    projects = managed_projects(request.user)
    wanted = request.GET.get("project") or current_project_id(request)
    if wanted:
        return projects.filter(pk=wanted).first() if str(wanted).isdigit() else None
    only = list(projects[:2])
    return only[0] if len(only) == 1 else None


def _choose_project(request: HttpRequest, title) -> HttpResponse:
    form = ProjectChoiceForm(request.GET or None, user=request.user)
    return render(request, "plans/choose_project.html", {"form": form, "title": title})


def _spread_errors(exc: ValidationError, form, *, extra: dict[str, list]) -> None:
    """Service errors onto the form's fields; ``windows``/``checkpoints`` onto their formsets' lists."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for field, errors in exc.error_dict.items():
        if field in extra:
            extra[field].extend(e.message % e.params if e.params else e.message for e in errors)
            continue
        if field == "rrule" and form.cleaned_data.get("repeat") != Repeat.ADVANCED:
            field = "repeat"
        target = field if field in form.fields else None
        for error in errors:
            form.add_error(target, error)


#
# Plans
#
@staff_required(Perm.PLAN_VIEW)
def plan_list(request: HttpRequest) -> HttpResponse:
    actions = []
    if access_for(request.user).has(Perm.PLAN_MANAGE):
        actions = [
            {"label": _("New plan"), "url": reverse("plans:plan_create"), "icon": "plus-lg"},
            {"label": _("Defaults from the service level"), "url": reverse("plans:plan_defaults"), "icon": "magic"},
        ]
    queryset = selectors.plan_list(user=request.user).prefetch_related("windows", "assignee_rows__user")
    return list_page(
        request,
        queryset=queryset,
        filterset_class=PlanFilterSet,
        table_class=PlanTable,
        title=_("Plans"),
        export_name="plans",
        actions=actions,
    )


@staff_required(Perm.PLAN_VIEW)
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    plan = selectors.get_plan_for_user(user=request.user, pk=pk)
    standards = PlanStandard.objects.filter(plan=plan).select_related("revision__item").order_by("sort_order", "id")
    route = plan.route_rows.filter(removed_version__isnull=True).select_related(
        "checkpoint__area", "checkpoint__building"
    )
    recent = (
        selectors.task_list(user=request.user)
        .select_related("company")
        .filter(plan=plan)
        .order_by("-starts_at", "-id")[:RECENT_TASKS]
    )
    context = {
        "title": plan.name,
        "plan": plan,
        "recurrence": rrule_in_words(plan.rrule),
        "windows": [window_text(w.start, w.end) for w in plan.windows.all()],
        "assignees": [row.user for row in plan.assignee_rows.select_related("user")],
        "standards": [row.revision for row in standards],
        "route": route.order_by("sort_order", "id"),
        "tasks": TaskTable(recent),
        "completion": percent_text(plan_rates([plan.pk]).get(plan.pk)),
        "can_manage": _may_manage(request, plan),
        "qr_url": qr_sheet_url(plan),
    }
    return render(request, "plans/plan_detail.html", context)


@staff_required(Perm.PLAN_MANAGE)
def plan_create(request: HttpRequest) -> HttpResponse:
    project = _project_for_new(request)
    if project is None:
        return _choose_project(request, _("New plan"))
    return _plan_form_page(request, project=project, plan=None)


@staff_required(Perm.PLAN_MANAGE)
def plan_edit(request: HttpRequest, pk: int) -> HttpResponse:
    plan = selectors.get_plan_for_user(user=request.user, pk=pk, write=True)
    return _plan_form_page(request, project=plan.project, plan=plan)


def _plan_form_page(request: HttpRequest, *, project, plan: Plan | None) -> HttpResponse:
    data = request.POST if request.method == "POST" else None
    form = PlanForm(data, project=project, plan=plan, initial=PlanForm.initial_for(plan, project))
    windows = window_formset(data, plan=plan, project=project)
    route = route_formset(data, plan=plan, project=project, route=_current_route(plan) if plan else [])
    errors: dict[str, list] = {"windows": [], "checkpoints": []}
    if data is not None and all([form.is_valid(), windows.is_valid(), route.is_valid()]):
        try:
            plan = _plan_save(request, project=project, plan=plan, form=form, windows=windows, route=route)
        except ValidationError as exc:
            _spread_errors(exc, form, extra=errors)
        else:
            messages.success(request, _("Plan saved."))
            return redirect("plans:plan_detail", pk=plan.pk)
    title = _("Edit plan") if plan else _("New plan")
    context = {
        "title": title,
        "project": project,
        "plan": plan,
        "form": form,
        "windows": windows,
        "route": route,
        "windows_errors": errors["windows"],
        "route_errors": errors["checkpoints"],
    }
    return render(request, "plans/plan_form.html", context)


def _plan_save(request, *, project, plan, form, windows, route) -> Plan:
    data = form.plan_data()
    people = {
        "windows": windows.windows(),
        "assignees": list(form.cleaned_data["assignees"]),
        "revisions": list(form.cleaned_data["standards"]),
    }
    if plan is None:
        return services.plan_create(
            project=project, data=data, actor=request.user, checkpoints=route.checkpoints(), **people
        )
    regenerate = form.cleaned_data.get("regenerate_future", False)
    with transaction.atomic():  # the plan and its route change together or not at all
        plan = services.plan_update(plan=plan, data=data, actor=request.user, regenerate_future=regenerate, **people)
        return services.plan_route_set(plan=plan, checkpoints=route.checkpoints(), actor=request.user)


@require_POST
@staff_required(Perm.PLAN_MANAGE)
def plan_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    plan = selectors.get_plan_for_user(user=request.user, pk=pk, write=True)
    _run(request, lambda: services.plan_deactivate(plan=plan, actor=request.user), _("The plan is switched off."))
    return redirect("plans:plan_detail", pk=plan.pk)


@require_POST
@staff_required(Perm.PLAN_MANAGE)
def plan_activate(request: HttpRequest, pk: int) -> HttpResponse:
    plan = selectors.get_plan_for_user(user=request.user, pk=pk, write=True)
    _run(request, lambda: services.plan_activate(plan=plan, actor=request.user), _("The plan is active again."))
    return redirect("plans:plan_detail", pk=plan.pk)


def _run(request: HttpRequest, call, done) -> bool:
    """Run a one-click service call; its ValidationError becomes an error message."""
    try:
        call()
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return False
    messages.success(request, done)
    return True


@staff_required(Perm.PLAN_MANAGE)
def plan_defaults(request: HttpRequest) -> HttpResponse:
    """Generate a project's default plan set from its service level, and show what was created."""
    initial = {"project": current_project_id(request)}
    form = DefaultsForm(request.POST or None, user=request.user, initial=initial)
    created = None
    if request.method == "POST" and form.is_valid():
        project = form.cleaned_data["project"]
        created = services.plan_defaults_generate(
            project=project, actor=request.user, starts_on=form.cleaned_data["starts_on"]
        )
        if not created:
            messages.info(request, _("Every default plan of this service level exists already; nothing was added."))
    context = {
        "title": _("Default plans from the service level"),
        "form": form,
        "created": [(plan, rrule_in_words(plan.rrule), plan.windows.count()) for plan in created or []],
        "done": created is not None,
    }
    return render(request, "plans/defaults.html", context)


#
# Checkpoints
#
@staff_required(Perm.PLAN_VIEW)
def checkpoint_list(request: HttpRequest) -> HttpResponse:
    actions = []
    if access_for(request.user).has(Perm.PLAN_MANAGE):
        actions.append({"label": _("New checkpoint"), "url": reverse("plans:checkpoint_create"), "icon": "plus-lg"})
    plans = selectors.plan_list(user=request.user).filter(is_active=True, route_rows__removed_version__isnull=True)
    project_id = current_project_id(request)
    if project_id:
        plans = plans.filter(project_id=project_id)
    sheets = [(plan, qr_sheet_url(plan)) for plan in plans.distinct().order_by("project", "name")[:50]]
    return list_page(
        request,
        queryset=selectors.checkpoint_list(user=request.user),
        filterset_class=CheckpointFilterSet,
        table_class=CheckpointTable,
        title=_("Checkpoints"),
        export_name="checkpoints",
        actions=actions,
        template="plans/checkpoint_list.html",
        extra={"qr_sheets": sheets},
    )


@staff_required(Perm.PLAN_MANAGE)
def checkpoint_create(request: HttpRequest) -> HttpResponse:
    project = _project_for_new(request)
    if project is None:
        return _choose_project(request, _("New checkpoint"))
    form = CheckpointForm(request.POST or None, project=project)

    def save(data):
        with _unique_name():
            services.checkpoint_create(project=project, data=data, actor=request.user)
        return reverse("plans:checkpoint_list")

    title = _("New checkpoint in {project}").format(project=project.name)
    return form_page(request, form=form, title=title, on_valid=save, success_message=_("Checkpoint created."))


@staff_required(Perm.PLAN_VIEW)
def checkpoint_edit(request: HttpRequest, pk: int) -> HttpResponse:
    checkpoint = selectors.get_checkpoint_for_user(user=request.user, pk=pk)
    if not _may_manage(request, checkpoint):
        raise PermissionDenied
    initial = {name: getattr(checkpoint, name) for name in CHECKPOINT_FIELDS}
    form = CheckpointForm(request.POST or None, project=checkpoint.project, initial=initial)

    def save(data):
        with _unique_name():
            services.checkpoint_update(checkpoint=checkpoint, data=data, actor=request.user)
        return reverse("plans:checkpoint_list")

    extra = {"checkpoint": checkpoint, "plans": _plans_through(checkpoint)}
    return form_page(
        request,
        form=form,
        title=_("Edit checkpoint"),
        on_valid=save,
        template="plans/checkpoint_form.html",
        success_message=_("Saved."),
        extra=extra,
    )


@contextmanager
def _unique_name():
    """A name already taken in the project (a unique constraint, found by full_clean) belongs on ``name``."""
    try:
        yield
    except ValidationError as exc:
        errors = getattr(exc, "error_dict", {}).get(NON_FIELD_ERRORS, [])
        if errors and all(e.code in ("unique", "unique_together") for e in errors):
            raise ValidationError({"name": errors}) from None
        raise


def _plans_through(checkpoint: Checkpoint) -> list[tuple[Plan, str]]:
    rows = PlanCheckpoint.objects.filter(checkpoint=checkpoint, removed_version__isnull=True).select_related("plan")
    return [(row.plan, qr_sheet_url(row.plan)) for row in rows.order_by("plan__name")]


@require_POST
@staff_required(Perm.PLAN_MANAGE)
def checkpoint_code_reset(request: HttpRequest, pk: int) -> HttpResponse:
    checkpoint = selectors.get_checkpoint_for_user(user=request.user, pk=pk, write=True)
    services.checkpoint_code_reset(checkpoint=checkpoint, actor=request.user)
    messages.success(request, _("New QR code made; print the route's sheet again. The old code no longer works."))
    return redirect("plans:checkpoint_edit", pk=checkpoint.pk)


#
# Tasks
#
@staff_required(Perm.PLAN_VIEW)
def task_list(request: HttpRequest) -> HttpResponse:
    return list_page(
        request,
        queryset=selectors.task_list(user=request.user).select_related("company"),
        filterset_class=TaskFilterSet,
        table_class=TaskTable,
        title=_("Tasks"),
        export_name="tasks",
    )


@staff_required(Perm.PLAN_VIEW)
def task_detail(request: HttpRequest, pk: int) -> HttpResponse:
    task = selectors.get_task_for_user(user=request.user, pk=pk)
    return _task_page(request, task)


def _task_page(request: HttpRequest, task: Task, *, cancel_form=None, assign_form=None) -> HttpResponse:
    actions = selectors.task_actions(task=task, user=request.user)
    zone = task.company.zone
    route = selectors.task_route(task=task)
    events = task.events.select_related("actor").order_by("created", "id")
    context = {
        "title": task.title,
        "task": task,
        "zone": zone,
        "window": task_window(task),
        "route": route,
        "events": events,
        "photos": [stop.checkin for stop in route if stop.checkin and stop.checkin.photo],
        "can_cancel": "cancel" in actions,
        "can_assign": "assign" in actions,
        "cancel_form": cancel_form or TaskCancelForm(),
        "assign_form": assign_form or TaskAssignForm(project=task.project, initial={"assignee": task.assignee_id}),
    }
    return render(request, "plans/task_detail.html", context)


@require_POST
@staff_required(Perm.PLAN_MANAGE)
def task_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    task = selectors.get_task_for_user(user=request.user, pk=pk)
    form = TaskCancelForm(request.POST)
    if form.is_valid():
        try:
            services.task_cancel(task=task, actor=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            form.add_error(None, " ".join(exc.messages))
        else:
            messages.success(request, _("Task cancelled."))
            return redirect("plans:task_detail", pk=task.pk)
    task = selectors.get_task_for_user(user=request.user, pk=pk)
    return _task_page(request, task, cancel_form=form)


@require_POST
@staff_required(Perm.PLAN_MANAGE)
def task_assign(request: HttpRequest, pk: int) -> HttpResponse:
    task = selectors.get_task_for_user(user=request.user, pk=pk)
    form = TaskAssignForm(request.POST, project=task.project)
    if form.is_valid():
        try:
            services.task_assign(task=task, assignee=form.cleaned_data["assignee"], actor=request.user)
        except ValidationError as exc:
            form.add_error("assignee" if hasattr(exc, "error_dict") else None, " ".join(exc.messages))
        else:
            messages.success(request, _("Task assigned."))
            return redirect("plans:task_detail", pk=task.pk)
    task = selectors.get_task_for_user(user=request.user, pk=pk)
    return _task_page(request, task, assign_form=form)


#
# Figures
#
@staff_required(Perm.PLAN_VIEW)
def figures(request: HttpRequest) -> HttpResponse:
    """Completion, on-time rate, coverage and missed tasks over a date range, per project, department, person or day."""
    today = timezone.localdate()
    query = request.GET if "date_from" in request.GET else None
    form = FiguresForm(query, user=request.user, initial=FiguresForm.defaults(today))
    params = form.cleaned_data if query is not None and form.is_valid() else None
    if query is None:
        params = {**FiguresForm.defaults(today), "project": None}
        if current_project_id(request):
            params["project"] = viewed_projects(request.user).filter(pk=current_project_id(request)).first()
    rows, total = [], None
    if params is not None:
        tasks = selectors.task_visible(user=request.user)
        if params.get("project"):
            tasks = tasks.filter(project=params["project"])
        span = {"tasks": tasks, "date_from": params["date_from"], "date_to": params["date_to"]}
        group_by = params.get("group_by") or None
        (total,) = selectors.task_figures(**span)
        rows = selectors.task_figures(**span, group_by=group_by) if group_by else []
    context = {
        "title": _("Plan figures"),
        "form": form,
        "params": params,
        "total": total and _figure_row(total, None),
        "rows": [_figure_row(f, params.get("group_by")) for f in rows],
        "group_label": dict(FiguresForm.base_fields["group_by"].choices).get(params.get("group_by") if params else ""),
    }
    return render(request, "plans/figures.html", context)


NO_DEPARTMENT = _("No department")
NOBODY = _("Unassigned")


def _group_name(group: dict, group_by: str | None) -> str:
    if group_by == "project":
        return group["project__name"]
    if group_by == "department":
        return group["department__name"] or str(NO_DEPARTMENT)
    if group_by == "assignee":
        return group["assignee__name"] or str(NOBODY)
    if group_by == "date":
        return group["date"].isoformat() if isinstance(group["date"], dt.date) else str(group["date"])
    return str(_("Total"))


def _figure_row(figures, group_by: str | None) -> dict:
    return {
        "name": _group_name(figures.group, group_by),
        "rates": [
            figures.completion(),
            figures.on_time(),
            figures.coverage(),
            figures.missed_rate(),
        ],
    }
