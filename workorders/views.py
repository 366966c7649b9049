"""Staff pages for work orders: the list with saved views, the detail with its allowed actions,
"my orders" for technicians on a phone, the customer-service entry and the follow-up queue.

Each view parses, fetches through a selector, calls one service and renders. Every action is a
POST to its own URL; a broken rule re-renders the detail with the error on the action's form.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django.views.decorators.http import require_GET, require_POST

from core.access import access_for, restrict
from core.choices import Perm
from core.decorators import staff_required
from core.models import Resident, Unit
from core.selectors import default_company_for_user
from core.views_helpers import current_project_id
from lib.excel import table_xlsx, xlsx_response
from lib.views import EXPORT_LIMIT, PAGE_SIZE, form_page
from workorders import selectors, services
from workorders.choices import DONE_STATUSES, FINAL_STATUSES, OPEN_STATUSES, PhotoStage, SlaTarget, Status
from workorders.filtersets import WorkOrderFilterSet
from workorders.forms import (
    CommentForm,
    CompleteForm,
    DispatchForm,
    FollowUpForm,
    HoldForm,
    NoteForm,
    ReasonForm,
    SavedViewForm,
    VerifyForm,
    WorkOrderCreateForm,
)
from workorders.models import WorkOrder
from workorders.services.common import is_reporter
from workorders.tables import WorkOrderTable, place_of

# Filters shown at once; the others open under "More filters".
MAIN_FILTERS = ("q", "status", "kind", "priority", "sla_state", "assignee_id", "overdue", "flagged")
# Multiple-choice filters rendered as a dropdown of checkboxes.
MULTI_FILTERS = ("status", "kind", "priority", "sla_state")
# Query parameters that are not filters (kept out of saved views).
NOT_FILTERS = ("page", "export")
RECENT_DONE_DAYS = 7


#
# List, export and saved views
#
@staff_required(Perm.WO_VIEW)
def workorder_list(request: HttpRequest) -> HttpResponse:
    queryset = selectors.workorder_list(user=request.user).select_related("category__parent")
    project_id = current_project_id(request)
    if project_id:
        queryset = queryset.filter(project_id=project_id)
    filterset = WorkOrderFilterSet(request.GET or None, queryset=queryset, request=request)
    rows = filterset.qs if filterset.is_bound else queryset
    if request.GET.get("export") == "xlsx":
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        table = WorkOrderTable(rows[:EXPORT_LIMIT])
        return xlsx_response(table_xlsx(table, sheet_title=str(_("Work orders"))), f"workorders-{stamp}.xlsx")
    _tidy_filter_form(filterset.form)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    querystring = _filters_query(request.GET)
    context = {
        "title": _("Work orders"),
        "filterset": filterset,
        "main_filters": MAIN_FILTERS,
        "multi_filters": MULTI_FILTERS,
        "more_open": any(k not in MAIN_FILTERS and v for k, v in request.GET.items() if k not in NOT_FILTERS),
        "table": WorkOrderTable(page.object_list),
        "page": page,
        "querystring": querystring,
        "saved_views": selectors.saved_views_of(user=request.user),
        "saved_view_form": SavedViewForm(initial={"query": querystring}),
        "can_report": access_for(request.user).has(Perm.WO_REPORT),
    }
    return render(request, "workorders/list.html", context)


def _tidy_filter_form(form) -> None:
    """Date pickers, and categories listed as a tree (each top level followed by its children)."""
    for name in ("created_after", "created_before"):
        form.fields[name].widget.input_type = "date"
    field = form.fields["category_id"]
    field.queryset = field.queryset.order_by(
        "kind",
        Coalesce("parent__sort_order", "sort_order"),
        Coalesce("parent_id", "id"),
        F("parent_id").asc(nulls_first=True),
        "sort_order",
        "id",
    )


def _filters_query(query: QueryDict) -> str:
    query = query.copy()
    for name in NOT_FILTERS:
        query.pop(name, None)
    return query.urlencode()


@require_POST
@staff_required(Perm.WO_VIEW)
def saved_view_create(request: HttpRequest) -> HttpResponse:
    form = SavedViewForm(request.POST)
    company = default_company_for_user(user=request.user)
    if company is None:
        raise PermissionDenied
    if not form.is_valid():
        messages.error(request, _errors_text(form))
        return redirect("workorders:workorder_list")
    query = _filters_query(QueryDict(form.cleaned_data["query"]))
    try:
        view = services.saved_view_save(
            company=company, user=request.user, name=form.cleaned_data["name"].strip(), query=query
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(reverse("workorders:workorder_list") + (f"?{query}" if query else ""))
    messages.success(request, _("View “{name}” saved.").format(name=view.name))
    return redirect(reverse("workorders:workorder_list") + (f"?{view.query}" if view.query else ""))


@require_POST
@staff_required(Perm.WO_VIEW)
def saved_view_delete(request: HttpRequest, pk: int) -> HttpResponse:
    view = selectors.get_saved_view_for_user(user=request.user, pk=pk)
    services.saved_view_delete(view=view, user=request.user)
    messages.success(request, _("View “{name}” deleted.").format(name=view.name))
    return redirect("workorders:workorder_list")


#
# Detail
#
@staff_required(Perm.WO_VIEW)
def workorder_detail(request: HttpRequest, pk: int) -> HttpResponse:
    order = selectors.get_workorder_for_user(user=request.user, pk=pk)
    return _detail(request, order)


def _detail(request: HttpRequest, order: WorkOrder, *, bound: dict | None = None) -> HttpResponse:
    """The detail page; ``bound`` holds the action form that failed, shown open with its errors."""
    user, bound = request.user, bound or {}
    access = access_for(user)
    actions = [name for name in selectors.workorder_actions(order=order, user=user) if name in ACTIONS]
    follow_up = selectors.follow_ups_pending(order=order).first() if "follow_up" in actions else None
    if follow_up is None and "follow_up" in actions:
        actions.remove("follow_up")
    wanted = request.GET.get("open")
    buttons = [_button(name, order, follow_up, bound.get(name), wanted == name) for name in actions]
    failed = next(iter(bound.values()), None)
    photos = list(order.photos.all())
    context = {
        "title": f"{order.code} {order.title}",
        "order": order,
        "buttons": buttons,
        "error_text": _errors_text(failed) if failed is not None else "",
        "place": place_of(order),
        "events": selectors.workorder_timeline(order=order),
        "photo_groups": [
            (label, group) for stage, label in PhotoStage.choices if (group := [p for p in photos if p.stage == stage])
        ],
        "ratings": order.ratings.select_related("rater"),
        "follow_ups": order.follow_ups.select_related("done_by"),
        "deadlines": deadlines_of(order),
        "can_see_phone": access.allows(Perm.OWNERS_VIEW, company_id=order.company_id, project_id=order.project_id),
    }
    return render(request, "workorders/detail.html", context)


# How each action shows: label, icon, button style, and whether it is one click (no form to fill in).
ACTION_UI = {
    "accept": (pgettext_lazy("work order action", "Accept"), "check2", "primary", True),
    "dispatch": (pgettext_lazy("work order action", "Dispatch"), "person-plus", "primary", False),
    "take": (pgettext_lazy("work order action", "Take it"), "hand-index-thumb", "primary", True),
    "start": (pgettext_lazy("work order action", "Arrived: start work"), "play-fill", "primary", True),
    "hold": (pgettext_lazy("work order action", "Put on hold"), "pause-fill", "outline-secondary", False),
    "resume": (pgettext_lazy("work order action", "Resume"), "play", "outline-primary", True),
    "complete": (pgettext_lazy("work order action", "Complete"), "check2-circle", "success", False),
    "verify": (pgettext_lazy("work order action", "Verify"), "clipboard-check", "success", False),
    "close": (pgettext_lazy("work order action", "Close"), "archive", "outline-dark", True),
    "follow_up": (pgettext_lazy("work order action", "Record follow-up"), "telephone", "primary", False),
    "reopen": (pgettext_lazy("work order action", "Reopen"), "arrow-counterclockwise", "outline-danger", False),
    "reject": (pgettext_lazy("work order action", "Reject"), "x-octagon", "outline-danger", False),
    "cancel": (pgettext_lazy("work order action", "Cancel the order"), "x-circle", "outline-danger", False),
    "comment": (pgettext_lazy("work order action", "Add a note"), "chat-left-text", "outline-secondary", False),
}


def _button(name: str, order: WorkOrder, follow_up, bound, wanted: bool) -> dict[str, Any]:
    label, icon, style, one_click = ACTION_UI[name]
    if name == "dispatch" and order.assignee_id:
        label = pgettext_lazy("work order action", "Reassign")
    if name == "follow_up":
        url = reverse("workorders:follow_up_record", args=[follow_up.pk])
    else:
        url = reverse(f"workorders:workorder_{name}", args=[order.pk])
    form = bound or ACTIONS[name].make_form(None, None, order)
    return {
        "name": name,
        "label": label,
        "icon": icon,
        "style": style,
        "one_click": one_click,
        "url": url,
        "form": form,
        "open": bound is not None or wanted,
    }


# Each SLA target, its deadline column, and the milestones that meet it (MET_BY_STATUS in services.sla).
SLA_TARGETS = (
    (SlaTarget.ACKNOWLEDGE, "ack_due_at", ("accepted_at", "dispatched_at", "arrived_at", "completed_at")),
    (SlaTarget.DISPATCH, "dispatch_due_at", ("dispatched_at", "arrived_at", "completed_at")),
    (SlaTarget.ARRIVE, "arrive_due_at", ("arrived_at", "completed_at")),
    (SlaTarget.RESOLVE, "resolve_due_at", ("completed_at",)),
)


def deadlines_of(order: WorkOrder, now: dt.datetime | None = None) -> list[dict[str, Any]]:
    """One row per SLA deadline: met (on time or late), time left, overdue, paused or stopped."""
    now = now or timezone.now()
    since = order.reopened_at or order.created
    rows = []
    for target, field, met_by in SLA_TARGETS:
        due = getattr(order, field)
        if due is None:
            continue
        met = min((t for t in (getattr(order, f) for f in met_by) if t and t >= since), default=None)
        if met:
            state = "met" if met <= due else "late"
        elif order.status in FINAL_STATUSES:
            state = "stopped"
        elif order.status == Status.ON_HOLD:
            state = "paused"
        else:
            state = "overdue" if now > due else "left"
        rows.append({"target": target.label, "due": due, "met": met, "state": state})
    return rows


#
# Actions
#
@dataclass(frozen=True)
class Action:
    make_form: Callable[[Any, Any, WorkOrder], Any]
    run: Callable[[WorkOrder, dict, Any], Any]
    done: Any  # the success message (lazy)
    needs: str  # "manage", "work" (field work or manage) or "reporter" (manage or the one who reported)


def _plain(form_class):
    return lambda data, files, order: form_class(data, files)


s = services
ACTIONS: dict[str, Action] = {
    "accept": Action(
        _plain(NoteForm),
        lambda o, d, u: s.workorder_accept(order=o, note=d["note"], actor=u),
        _("Order accepted."),
        "manage",
    ),
    "dispatch": Action(
        lambda data, files, order: DispatchForm(data, order=order),
        lambda o, d, u: s.workorder_dispatch(
            order=o, assignee=d["assignee"], department=d["department"], note=d["note"], actor=u
        ),
        _("Order dispatched."),
        "manage",
    ),
    "take": Action(_plain(NoteForm), lambda o, d, u: s.workorder_take(order=o, actor=u), _("Order taken."), "work"),
    "start": Action(
        _plain(NoteForm),
        lambda o, d, u: s.workorder_start(order=o, note=d["note"], actor=u),
        _("Arrival recorded: work in progress."),
        "work",
    ),
    "hold": Action(
        _plain(HoldForm),
        lambda o, d, u: s.workorder_hold(order=o, hold_reason=d["hold_reason"], reason=d["reason"], actor=u),
        _("Order on hold: the SLA clock is paused."),
        "work",
    ),
    "resume": Action(
        _plain(NoteForm),
        lambda o, d, u: s.workorder_resume(order=o, note=d["note"], actor=u),
        _("Order resumed."),
        "work",
    ),
    "complete": Action(
        _plain(CompleteForm),
        lambda o, d, u: s.workorder_complete(order=o, note=d["note"], photos=d["photos"], actor=u),
        _("Order completed."),
        "work",
    ),
    "verify": Action(
        _plain(VerifyForm),
        lambda o, d, u: s.workorder_verify(order=o, passed=d["result"] == VerifyForm.PASS, reason=d["reason"], actor=u),
        _("Verification recorded."),
        "manage",
    ),
    "close": Action(
        _plain(NoteForm),
        lambda o, d, u: s.workorder_close(order=o, note=d["note"], actor=u),
        _("Order closed; the follow-up is due."),
        "manage",
    ),
    "reopen": Action(
        _plain(ReasonForm),
        lambda o, d, u: s.workorder_reopen(order=o, reason=d["reason"], actor=u),
        _("Order reopened."),
        "reporter",
    ),
    "follow_up": Action(
        _plain(FollowUpForm),
        None,  # runs on the follow-up: see follow_up_record
        _("Follow-up recorded."),
        "reporter",
    ),
    "reject": Action(
        _plain(ReasonForm),
        lambda o, d, u: s.workorder_reject(order=o, reason=d["reason"], actor=u),
        _("Order rejected."),
        "manage",
    ),
    "cancel": Action(
        _plain(ReasonForm),
        lambda o, d, u: s.workorder_cancel(order=o, reason=d["reason"], actor=u),
        _("Order cancelled."),
        "reporter",
    ),
    "comment": Action(
        _plain(CommentForm),
        lambda o, d, u: s.workorder_comment(
            order=o, text=d["text"], is_public=d["is_public"], photos=d["photos"], actor=u
        ),
        _("Note added."),
        "work",
    ),
}


@require_POST
@staff_required(Perm.WO_VIEW)
def workorder_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    order = selectors.get_workorder_for_user(user=request.user, pk=pk)
    spec = ACTIONS[action]
    return _perform(request, order, action, lambda data: spec.run(order, data, request.user))


@require_POST
@staff_required(Perm.WO_VIEW)
def follow_up_record(request: HttpRequest, pk: int) -> HttpResponse:
    follow_up = selectors.get_follow_up_for_user(user=request.user, pk=pk)
    order = selectors.get_workorder_for_user(user=request.user, pk=follow_up.order_id)
    follow_up.order = order

    def run(data: dict) -> None:
        services.follow_up_record(follow_up=follow_up, actor=request.user, **data)

    return _perform(request, order, "follow_up", run)


def _perform(request: HttpRequest, order: WorkOrder, name: str, run: Callable[[dict], Any]) -> HttpResponse:
    """Check the role, validate the action's form, run the service; errors go back to the form."""
    spec = ACTIONS[name]
    if not _may_try(request.user, order, spec.needs):
        raise PermissionDenied
    form = spec.make_form(request.POST, request.FILES, order)
    if form.is_valid():
        try:
            run(form.cleaned_data)
        except ValidationError as exc:
            _attach_errors(form, exc)
        else:
            messages.success(request, spec.done)
            return redirect(_next_url(request) or order.get_absolute_url())
    next_url = _next_url(request)
    if next_url:
        messages.error(request, _errors_text(form))
        return redirect(next_url)
    # The service rolled back, but the order in memory may carry its half-made changes: read it again.
    fresh = selectors.get_workorder_for_user(user=request.user, pk=order.pk)
    return _detail(request, fresh, bound={name: form})


def _may_try(user, order: WorkOrder, needs: str) -> bool:
    """The role check before the form; the services still decide the rest (assignee, status, window)."""
    access = access_for(user)
    scope = {"company_id": order.company_id, "project_id": order.project_id}
    if access.allows(Perm.WO_MANAGE, **scope):
        return True
    if needs == "work":
        return access.allows(Perm.WO_WORK, **scope)
    return needs == "reporter" and is_reporter(user, order)


def _attach_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            for error in errors:
                form.add_error(field if field in form.fields else None, error)
    else:
        form.add_error(None, exc)


def _errors_text(form) -> str:
    """“label: message” for every error, for a message shown on another page."""
    parts = []
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        parts += [f"{label}: {e}" if label else str(e) for e in errors]
    return " ".join(parts)


def _next_url(request: HttpRequest) -> str | None:
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return None


#
# My orders (the technician's phone screen)
#
@staff_required(Perm.WO_WORK)
def workorder_mine(request: HttpRequest) -> HttpResponse:
    user = request.user
    assigned = selectors.workorder_assigned(user=user)
    open_orders = list(assigned.filter(status__in=sorted(OPEN_STATUSES))[:100])
    since = timezone.now() - dt.timedelta(days=RECENT_DONE_DAYS)
    done = assigned.filter(status__in=sorted(DONE_STATUSES), completed_at__gte=since)[:20]
    access = access_for(user)
    cards = [
        {
            "order": order,
            "actions": selectors.workorder_actions(order=order, user=user),
            "can_see_phone": access.allows(Perm.OWNERS_VIEW, company_id=order.company_id, project_id=order.project_id),
        }
        for order in open_orders
    ]
    context = {"title": _("My orders"), "cards": cards, "done": done, "now": timezone.now()}
    return render(request, "workorders/mine.html", context)


#
# Customer-service entry
#
@staff_required(Perm.WO_REPORT)
def workorder_create(request: HttpRequest) -> HttpResponse:
    project_id = current_project_id(request)
    initial = {"project": project_id} if project_id else {}
    form = WorkOrderCreateForm(request.POST or None, request.FILES or None, user=request.user, initial=initial)

    def save(data: dict) -> str:
        project, photos = data.pop("project"), data.pop("photos")
        data = {k: v for k, v in data.items() if v not in (None, "")}
        resident = _caller(project=project, data=data)
        if resident is not None:
            data["resident"] = resident
        order = services.workorder_create(project=project, data=data, actor=request.user, photos=photos)
        messages.success(request, _("Work order {code} created.").format(code=order.code))
        return order.get_absolute_url()

    return form_page(
        request, form=form, title=_("New phone-in report"), on_valid=save, template="workorders/create.html"
    )


def _caller(*, project, data: dict) -> Resident | None:
    """The owner on the roster who called: same phone, linked to the unit, so he follows it on /m/."""
    unit, phone = data.get("unit"), data.get("contact_phone")
    if unit is None or not phone:
        return None
    return Resident.objects.filter(company_id=project.company_id, phone=phone, units__unit=unit).first()


@require_GET
@staff_required(Perm.WO_REPORT)
def unit_search(request: HttpRequest) -> HttpResponse:
    """Options for the unit-code datalist of the entry form (htmx), within the chosen project."""
    term = (request.GET.get("unit") or "").strip()
    units = Unit.objects.none()
    project_id = request.GET.get("project") or ""
    if term and project_id.isdigit():
        units = (
            restrict(Unit.objects.select_related("building"), request.user, Perm.WO_REPORT)
            .filter(project_id=int(project_id))
            .filter(Q(code__icontains=term))
            .order_by("code")[:20]
        )
    return render(request, "workorders/unit_options.html", {"units": units})


#
# Follow-ups (回访)
#
@staff_required(Perm.WO_VIEW)
def followup_list(request: HttpRequest) -> HttpResponse:
    follow_ups = selectors.follow_ups_due(user=request.user)
    project_id = current_project_id(request)
    if project_id:
        follow_ups = follow_ups.filter(order__project_id=project_id)
    page = Paginator(follow_ups, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"title": _("Follow-ups due"), "page": page, "now": timezone.now(), "querystring": ""}
    return render(request, "workorders/followup_list.html", context)
