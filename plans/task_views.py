"""Plan tasks on a phone: my tasks of the day, a task's route with start, check-in, problem and
finish, the QR link printed at each checkpoint (``/c/<code>/``), and the PDF sheets of codes.

Views parse, fetch through selectors (404 for tasks that are not yours), call one service and
render; the services' ValidationErrors go back onto the form that was sent.
"""

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from core.choices import Perm
from core.decorators import staff_required
from core.selectors import default_company_for_user
from plans import pdf, selectors, services
from plans.choices import (
    OPEN_TASK_STATUSES,
    PLAN_KIND_COLORS,
    TASK_STATUS_COLORS,
    CheckInMethod,
    CheckpointOrder,
    PhotoRule,
    TaskEventKind,
    TaskStatus,
)
from plans.models import Checkpoint, Task
from plans.selectors import RouteStop
from plans.services.plans import route_rows
from plans.task_forms import HIDDEN_FIELDS, CheckInForm, FinishForm, ProblemForm
from workorders.selectors import workorder_list

MY_TASKS_LIMIT = 200
DAY_OFFSETS = ((-1, _("Yesterday")), (0, _("Today")), (1, _("Tomorrow")))
# How far the date switcher may be pushed by hand (?date=...).
DAYS_BACK_MAX = 31


#
# Helpers
#
def _zone(request: HttpRequest, task: Task | None = None):
    if task is not None:
        return task.company.zone
    company = default_company_for_user(user=request.user)
    return company.zone if company else timezone.get_current_timezone()


def _render(request: HttpRequest, template: str, context: dict, *, zone, status: int = 200) -> HttpResponse:
    # Times on these pages are the company's local times, whatever the server's zone.
    with timezone.override(zone):
        return render(request, template, context, status=status)


def _attach_errors(form, exc: ValidationError) -> None:
    """A service error on its field; errors of hidden fields (set by the page) go on top of the form."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for field, errors in exc.error_dict.items():
        visible = field in form.fields and field not in HIDDEN_FIELDS
        for error in errors:
            form.add_error(field if visible else None, error)


def _task_url(task: Task, anchor: str = "") -> str:
    return reverse("tasks:task_detail", args=[task.pk]) + (f"#{anchor}" if anchor else "")


def _is_late(task: Task, now: dt.datetime) -> bool:
    if task.late_checkins:
        return True
    if task.status == TaskStatus.COMPLETED:
        return bool(task.finished_at and task.finished_at > task.due_at)
    return task.status in OPEN_TASK_STATUSES and now > task.due_at


def _task_facts(task: Task, now: dt.datetime) -> dict[str, Any]:
    """What a card and the task page show about a task beside its fields."""
    done = task.checkins_done
    required = task.required_checkpoints
    return {
        "task": task,
        "kind_color": PLAN_KIND_COLORS.get(task.kind, "secondary"),
        "status_color": TASK_STATUS_COLORS.get(task.status, "secondary"),
        "late": _is_late(task, now),
        "done": done,
        "required": required,
        "percent": round(done * 100 / required) if required else (100 if task.status == TaskStatus.COMPLETED else 0),
        "open_now": task.status in OPEN_TASK_STATUSES and task.starts_at <= now <= task.due_at,
    }


#
# My tasks
#
def _day(value: str | None, today: dt.date) -> dt.date:
    try:
        day = dt.date.fromisoformat(value or "")
    except ValueError:
        return today
    return day if abs((day - today).days) <= DAYS_BACK_MAX else today


@staff_required(Perm.TASK_WORK)
def task_mine(request: HttpRequest) -> HttpResponse:
    zone = _zone(request)
    now = timezone.now()
    today = timezone.localdate(now, timezone=zone)
    day = _day(request.GET.get("date"), today)
    tasks = selectors.my_tasks(user=request.user, date=day)
    if day != today:  # yesterday's open tasks belong on today's list only
        tasks = tasks.filter(date=day)
    cards = [_task_facts(task, now) for task in tasks[:MY_TASKS_LIMIT]]
    days = [(today + dt.timedelta(days=offset), label) for offset, label in DAY_OFFSETS]
    context = {
        "title": _("My tasks"),
        "cards": cards,
        "day": day,
        "today": today,
        "days": days,
        "open_count": sum(1 for c in cards if c["task"].status in OPEN_TASK_STATUSES),
    }
    return _render(request, "plans/tasks/mine.html", context, zone=zone)


#
# A task
#
@staff_required()
def task_detail(request: HttpRequest, pk: int) -> HttpResponse:
    task = selectors.get_task_for_user(user=request.user, pk=pk)
    return _detail(request, task)


def _detail(request: HttpRequest, task: Task, *, bound: dict | None = None, status: int = 200) -> HttpResponse:
    """The task page; ``bound`` holds the form that failed ("problem" or "finish"), shown open."""
    bound = bound or {}
    now = timezone.now()
    stops = selectors.task_route(task=task)
    actions = selectors.task_actions(task=task, user=request.user)
    at_finish = task.photo_rule == PhotoRule.AT_FINISH
    context = {
        "title": task.title,
        **_task_facts(task, now),
        "stops": stops,
        "next_stop": next((s for s in stops if not s.done), None),
        "actions": actions,
        "in_order": task.plan.checkpoint_order == CheckpointOrder.IN_ORDER,
        "checkin_photo_required": task.photo_rule == PhotoRule.EACH_CHECKPOINT,
        "problem_form": bound.get("problem") or ProblemForm(stops=stops, initial=_problem_initial(request)),
        "finish_form": bound.get("finish") or FinishForm(photo_required=at_finish),
        "open_form": next(iter(bound), request.GET.get("open", "")),
        "missing": max(task.required_checkpoints - task.checkins_done, 0),
        "problems": _problems(request, task),
        "events": task.events.select_related("actor").order_by("created", "id"),
    }
    return _render(request, "plans/tasks/detail.html", context, zone=task.company.zone, status=status)


def _problem_initial(request: HttpRequest) -> dict[str, Any]:
    checkpoint = request.GET.get("checkpoint", "")
    return {"checkpoint": int(checkpoint)} if checkpoint.isdigit() else {}


def _problems(request: HttpRequest, task: Task) -> list[dict[str, Any]]:
    """Work orders opened from this task ("found a problem"), newest last, with a link when visible."""
    events = task.events.filter(kind=TaskEventKind.PROBLEM).order_by("created", "id")
    ids = [e.data.get("work_order") for e in events if e.data.get("work_order")]
    orders = {o.pk: o for o in workorder_list(user=request.user).filter(pk__in=ids)}
    return [{"event": e, "order": orders.get(e.data.get("work_order"))} for e in events]


def _work_task(request: HttpRequest, pk: int) -> Task:
    """The task behind an action: visible (else 404) and workable by the user (else 403)."""
    task = selectors.get_task_for_user(user=request.user, pk=pk)
    if not selectors.task_can_work(user=request.user, task=task):
        raise PermissionDenied
    return task


@require_POST
@staff_required()
def task_start(request: HttpRequest, pk: int) -> HttpResponse:
    task = _work_task(request, pk)
    try:
        services.task_start(task=task, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Task started. Check in at each checkpoint."))
    return redirect(_task_url(task))


@require_POST
@staff_required()
def task_problem(request: HttpRequest, pk: int) -> HttpResponse:
    task = _work_task(request, pk)
    form = ProblemForm(request.POST, request.FILES, stops=selectors.task_route(task=task))
    if form.is_valid():
        data = form.cleaned_data
        try:
            order = services.task_report_problem(
                task=task,
                actor=request.user,
                description=data["description"],
                checkpoint=data["checkpoint"],
                photo=data["photo"],
                latitude=data["latitude"],
                longitude=data["longitude"],
            )
        except ValidationError as exc:
            _attach_errors(form, exc)
        else:
            messages.success(request, _("Problem reported: work order {code}.").format(code=order.code))
            return redirect(_task_url(task, "problems"))
    return _detail(request, _fresh(request, task), bound={"problem": form}, status=400)


@require_POST
@staff_required()
def task_finish(request: HttpRequest, pk: int) -> HttpResponse:
    task = _work_task(request, pk)
    form = FinishForm(request.POST, request.FILES, photo_required=task.photo_rule == PhotoRule.AT_FINISH)
    if form.is_valid():
        try:
            services.task_finish(
                task=task, actor=request.user, note=form.cleaned_data["note"], photo=form.cleaned_data["photo"]
            )
        except ValidationError as exc:
            _attach_errors(form, exc)
        else:
            messages.success(request, _("Task completed."))
            return redirect(_task_url(task))
    return _detail(request, _fresh(request, task), bound={"finish": form}, status=400)


def _fresh(request: HttpRequest, task: Task) -> Task:
    # The service rolled back, but the task in memory may carry its half-made changes.
    return selectors.get_task_for_user(user=request.user, pk=task.pk)


#
# Check-in
#
@staff_required()
def task_checkin(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the check-in form for one checkpoint (``?code=`` from a QR scan, or ``?checkpoint=``);
    POST: check in, then back to the task's route."""
    task = _work_task(request, pk)
    stops = selectors.task_route(task=task)
    photo_required = task.photo_rule == PhotoRule.EACH_CHECKPOINT
    if request.method == "POST":
        form = CheckInForm(request.POST, request.FILES, stops=stops, photo_required=photo_required)
        if form.is_valid():
            try:
                checkin = _checkin(request, task, form.cleaned_data)
            except ValidationError as exc:
                _attach_errors(form, exc)
            else:
                _checked_in_message(request, task, checkin)
                return redirect(_task_url(task, f"stop-{checkin.checkpoint_id}"))
        stop = _stop_for(stops, form.data.get("code", ""), form.data.get("checkpoint", ""))
        return _checkin_page(request, _fresh(request, task), stop, form, status=400)
    stop = _stop_for(stops, request.GET.get("code", ""), request.GET.get("checkpoint", ""))
    if stop is None:
        messages.error(request, _("This checkpoint is not on the task's route."))
        return redirect(_task_url(task))
    if task.status not in OPEN_TASK_STATUSES:
        messages.info(request, _("This task is closed: no more check-ins."))
        return redirect(_task_url(task))
    form = CheckInForm(initial=_checkin_initial(request, task, stop), stops=stops, photo_required=photo_required)
    return _checkin_page(request, task, stop, form)


def _checkin(request: HttpRequest, task: Task, data: dict[str, Any]):
    return services.task_checkin(
        task=task,
        actor=request.user,
        method=data["method"],
        code=data["code"],
        checkpoint=data["checkpoint"],
        latitude=data["latitude"],
        longitude=data["longitude"],
        photo=data["photo"],
        note=data["note"],
    )


def _checked_in_message(request: HttpRequest, task: Task, checkin) -> None:
    if checkin.is_late:
        text = _("Checked in at {name}, late: the window ended at {time}.")
        due = timezone.localtime(task.due_at, task.company.zone)
        messages.warning(request, text.format(name=checkin.checkpoint.name, time=f"{due:%H:%M}"))
    else:
        messages.success(request, _("Checked in at {name}.").format(name=checkin.checkpoint.name))


def _stop_for(stops: list[RouteStop], code: str, checkpoint_id: str) -> RouteStop | None:
    for stop in stops:
        if (code and stop.checkpoint.code == code) or (checkpoint_id and str(stop.checkpoint.pk) == checkpoint_id):
            return stop
    return None


def _checkin_initial(request: HttpRequest, task: Task, stop: RouteStop) -> dict[str, Any]:
    code = request.GET.get("code", "")
    if code:  # opened from the printed QR code: that is the proof of presence
        return {"method": CheckInMethod.QR, "code": code, "checkpoint": stop.checkpoint.pk}
    # By position; the page's script switches a supervisor to manual entry when there is none.
    return {"method": CheckInMethod.GPS, "checkpoint": stop.checkpoint.pk}


def _checkin_page(request: HttpRequest, task: Task, stop, form, *, status: int = 200) -> HttpResponse:
    context = {
        "title": _("Check in"),
        **_task_facts(task, timezone.now()),
        "stop": stop,
        "form": form,
        "method": form["method"].value(),
        "can_enter": selectors.task_can_manage(user=request.user, task=task),
    }
    return _render(request, "plans/tasks/checkin.html", context, zone=task.company.zone, status=status)


#
# The QR link: /c/<code>/
#
@require_GET
@staff_required()
def checkpoint_scan(request: HttpRequest, code: str) -> HttpResponse:
    """A scanned checkpoint code: the check-in for it in the user's task now (choose when several)."""
    checkpoint = Checkpoint.objects.filter(code=code).select_related("project", "company").first()
    if checkpoint is None:  # unknown, reset, or another company's (outside the tenant scope)
        return _render(request, "plans/tasks/scan.html", {"title": _("Unknown code")}, zone=_zone(request), status=404)
    zone = checkpoint.company.zone
    now = timezone.now()
    candidates = list(_tasks_at(request, checkpoint, now))
    chosen = request.GET.get("task", "")
    ready = [t for t in candidates if _can_check_in_now(t, now) and (not chosen or str(t.pk) == chosen)]
    if len(ready) == 1:
        return redirect(reverse("tasks:task_checkin", args=[ready[0].pk]) + "?" + urlencode({"code": code}))
    context = {
        "title": checkpoint.name,
        "checkpoint": checkpoint,
        "ready": [_task_facts(t, now) for t in ready],
        "done_here": [t for t in candidates if t.checked_in_at],
        "upcoming": [t for t in candidates if t.status == TaskStatus.SCHEDULED and t.starts_at > now],
        "code": code,
    }
    return _render(request, "plans/tasks/scan.html", context, zone=zone)


def _tasks_at(request: HttpRequest, checkpoint: Checkpoint, now: dt.datetime) -> QuerySet[Task]:
    today = timezone.localdate(now, timezone=checkpoint.company.zone)
    tasks = selectors.tasks_at_checkpoint(user=request.user, checkpoint=checkpoint, date=today)
    return tasks.select_related("company")


def _can_check_in_now(task: Task, now: dt.datetime) -> bool:
    """Not checked in here yet, and in progress or inside its window (opening a little early)."""
    if task.checked_in_at or task.status not in OPEN_TASK_STATUSES:
        return False
    if task.status == TaskStatus.IN_PROGRESS:
        return True
    opens = task.starts_at - dt.timedelta(minutes=settings.PLANS_EARLY_START_MINUTES)
    return opens <= now <= task.due_at


#
# QR sheets (PDF)
#
@require_GET
@staff_required(Perm.PLAN_VIEW)
def plan_qr_sheet(request: HttpRequest, pk: int) -> HttpResponse:
    plan = selectors.get_plan_for_user(user=request.user, pk=pk)
    checkpoints = [row.checkpoint for row in route_rows(plan_id=plan.pk, version=plan.version)]
    body = pdf.checkpoint_sheet(request=request, checkpoints=checkpoints, title=plan.name, project=plan.project)
    return pdf.response(body, filename=f"qr-plan-{plan.pk}.pdf")


@require_GET
@staff_required(Perm.PLAN_VIEW)
def checkpoint_qr_sheet(request: HttpRequest, pk: int) -> HttpResponse:
    checkpoint = selectors.get_checkpoint_for_user(user=request.user, pk=pk)
    body = pdf.checkpoint_sheet(
        request=request, checkpoints=[checkpoint], title=checkpoint.name, project=checkpoint.project, large=True
    )
    return pdf.response(body, filename=f"qr-checkpoint-{checkpoint.pk}.pdf")
