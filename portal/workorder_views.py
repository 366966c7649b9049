"""Owner pages for work orders (/m/workorders/): report, follow, rate, reopen, answer the follow-up.

Thin views over workorders.services and workorders.selectors. An owner reaches only the orders
in ``owner_workorders`` (anything else answers 404), and only the public part of their timeline.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.views import owner_required
from portal.workorder_forms import CommentForm, FollowUpAnswerForm, RateForm, ReasonForm, WorkOrderReportForm
from workorders import services
from workorders.choices import (
    DONE_STATUSES,
    FINAL_STATUSES,
    OWNER_KINDS,
    PROGRESS_OF,
    PROGRESS_STEPS,
    STATUS_COLORS,
    EventKind,
    FollowUpMethod,
    FollowUpResolved,
    HoldReason,
    Kind,
    PhotoStage,
    RatingTag,
    Status,
)
from workorders.models import FollowUp, Rating, WorkOrder, WorkOrderEvent
from workorders.selectors import (
    event_note_for_owner,
    follow_ups_pending,
    owner_follow_ups_pending,
    owner_workorders,
    workorder_actions,
    workorder_timeline,
)

OWNER_ACTIONS = ("rate", "reopen", "cancel", "comment", "follow_up")
ACTION_GONE = gettext_lazy("This is no longer possible for this order.")
LIST_PAGE_SIZE = 20


def _my_order(user, pk) -> WorkOrder:
    """One of the owner's own orders, or 404 (another owner's order answers exactly like a missing one)."""
    order = owner_workorders(user=user).select_related("building", "department", "assignee").filter(pk=pk).first()
    if order is None:
        raise Http404
    return order


def _attach_errors(form, exc: ValidationError, aliases: dict[str, str] | None = None) -> None:
    """Put a service's ValidationError on the form field it names (``aliases`` maps service names to fields)."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for name, errors in exc.error_dict.items():
        field = (aliases or {}).get(name, name)
        for error in errors:
            form.add_error(field if field in form.fields else None, error)


#
# Report
#
@owner_required
def workorder_create(request):
    kind = request.POST.get("kind") or request.GET.get("kind") or Kind.REPAIR
    if kind not in OWNER_KINDS:
        kind = Kind.REPAIR
    form = WorkOrderReportForm(request.POST or None, request.FILES or None, user=request.user, kind=kind)
    if request.method == "POST" and form.has_units and form.is_valid():
        try:
            order = services.workorder_create(
                project=form.project, data=form.service_data(), actor=request.user, photos=form.cleaned_data["photos"]
            )
        except ValidationError as exc:
            _attach_errors(form, exc, {"unit": "place", "area": "place", "building": "place"})
        else:
            messages.success(request, _("Thank you, we have your report (number %(code)s).") % {"code": order.code})
            return redirect("portal:workorder_detail", order.pk)
    kinds = [(k.value, k.label) for k in OWNER_KINDS]
    return render(request, "portal/workorders/create.html", {"form": form, "kind": kind, "kinds": kinds})


#
# My orders
#
@owner_required
def workorder_list(request):
    page = Paginator(owner_workorders(user=request.user), LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    orders = list(page.object_list)
    follow_up_ids = set(owner_follow_ups_pending(user=request.user).values_list("order_id", flat=True))
    rated = set(Rating.objects.filter(order__in=orders).values_list("order_id", "round"))
    cards = [
        {
            "order": o,
            "color": STATUS_COLORS[o.status],
            "progress": progress(o),
            "deadline": next_deadline(o),
            "follow_up": o.pk in follow_up_ids,
            "to_rate": o.status in DONE_STATUSES and (o.pk, o.reopen_count) not in rated,
        }
        for o in orders
    ]
    return render(request, "portal/workorders/list.html", {"cards": cards, "page": page})


def progress(order: WorkOrder) -> dict:
    """The owner's progress bar: five steps; on hold, rejected and cancelled say so instead of moving."""
    step = PROGRESS_OF.get(order.status, 0)
    stopped = order.status in FINAL_STATUSES
    steps = [
        {"label": label, "done": not stopped and i <= step, "current": not stopped and i == step}
        for i, label in enumerate(PROGRESS_STEPS)
    ]
    return {
        "steps": steps,
        "percent": 0 if stopped else step * 100 // (len(PROGRESS_STEPS) - 1),
        "on_hold": order.status == Status.ON_HOLD,
        "stopped": stopped,
        "hold_reason": HoldReason(order.hold_reason).label if order.hold_reason else "",
    }


def next_deadline(order: WorkOrder) -> dict | None:
    """The next date the owner can hold us to: the agreed visit, the on-site limit, or the resolution limit."""
    if not order.is_open or order.status == Status.ON_HOLD:
        return None
    if order.appointment_at and not order.arrived_at and order.appointment_at >= timezone.now():
        return {"label": _("Appointment"), "at": order.appointment_at}
    if order.arrive_due_at and not order.arrived_at:
        return {"label": _("On site by"), "at": order.arrive_due_at}
    if order.resolve_due_at:
        return {"label": _("Resolved by"), "at": order.resolve_due_at}
    return None


#
# One order
#
@owner_required
def workorder_detail(request, pk):
    return _render_detail(request, _my_order(request.user, pk))


def _render_detail(request, order: WorkOrder, bound: dict | None = None):
    actions = [a for a in workorder_actions(order=order, user=request.user) if a in OWNER_ACTIONS]
    forms = {
        "rate": RateForm(initial={"is_public": order.is_public}, auto_id="rate_%s"),
        "reopen": ReasonForm(auto_id="reopen_%s"),
        "cancel": ReasonForm(auto_id="cancel_%s"),
        "comment": CommentForm(auto_id="comment_%s"),
        "follow_up": FollowUpAnswerForm(auto_id="fu_%s"),
        **(bound or {}),
    }
    context = {
        "order": order,
        "color": STATUS_COLORS[order.status],
        "progress": progress(order),
        "deadline": next_deadline(order),
        "timeline": [_event_row(e, request.user) for e in workorder_timeline(order=order, for_owner=True)][::-1],
        "ratings": [_rating_row(r) for r in order.ratings.all()],
        "follow_up": follow_ups_pending(order=order).first() if "follow_up" in actions else None,
        "actions": actions,
        "forms": forms,
        "stopped_reason": _stopped_reason(order),
    }
    return render(request, "portal/workorders/detail.html", context)


def _rating_row(rating: Rating) -> dict:
    return {
        "stars": rating.stars,
        "stars_text": stars_text(rating.stars),
        "tags": [RatingTag(t).label for t in rating.tags if t in RatingTag.values],
        "comment": rating.comment,
        "created": rating.created,
    }


def _stopped_reason(order: WorkOrder) -> str:
    if order.status not in FINAL_STATUSES:
        return ""
    event = order.events.filter(to_status=order.status, is_public=True).order_by("-created", "-id").first()
    return event.reason if event else ""


def _event_row(event: WorkOrderEvent, user) -> dict:
    if event.actor_id is None:
        who = _("System")
    elif event.actor_id == user.pk:
        who = _("You")
    else:
        who = event.actor.get_full_name()
    photos = list(event.photos.all())
    groups = [(stage.label, [p for p in photos if p.stage == stage]) for stage in PhotoStage]
    return {
        "at": event.created,
        "who": who,
        "what": _event_text(event),
        "note": event_note_for_owner(event),
        "photo_groups": [(label, group) for label, group in groups if group],
    }


def _event_text(event: WorkOrderEvent) -> str:
    data, kind = event.data or {}, event.kind
    if kind == EventKind.ASSIGNED and (data.get("assignee_name") or data.get("department_name")):
        name = data.get("assignee_name") or data.get("department_name")
        return _("Assigned to %(name)s") % {"name": name}
    if kind == EventKind.RATED and data.get("stars"):
        return _("Rated %(stars)s") % {"stars": stars_text(data["stars"])}
    if kind == EventKind.FOLLOW_UP and data.get("resolved"):
        return _("Follow-up: %(result)s") % {"result": FollowUpResolved(data["resolved"]).label}
    if kind == EventKind.STATUS and event.to_status == Status.ON_HOLD and data.get("hold_reason"):
        return _("On hold: %(reason)s") % {"reason": HoldReason(data["hold_reason"]).label}
    if kind == EventKind.STATUS and event.to_status:
        return Status(event.to_status).label
    return EventKind(kind).label


def stars_text(stars: int) -> str:
    return "★" * stars + "☆" * (5 - stars)


#
# Owner actions
#
def _act(request, pk, *, action: str, form_class, run, done_message):
    """POST an owner action: 404 for others' orders; a form error re-renders the order with the error."""
    order = _my_order(request.user, pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if action not in workorder_actions(order=order, user=request.user):
        messages.error(request, ACTION_GONE)
        return redirect("portal:workorder_detail", order.pk)
    form = form_class(request.POST, request.FILES or None, auto_id=f"{action}_%s")
    if form.is_valid():
        try:
            run(order, form.cleaned_data)
        except ValidationError as exc:
            _attach_errors(form, exc)
        else:
            messages.success(request, done_message)
            return redirect("portal:workorder_detail", order.pk)
    return _render_detail(request, order, {action: form})


@owner_required
def workorder_rate(request, pk):
    def run(order, d):
        services.workorder_rate(
            order=order,
            stars=d["stars"],
            tags=d["tags"],
            comment=d["comment"],
            is_public=d["is_public"],
            actor=request.user,
        )

    return _act(request, pk, action="rate", form_class=RateForm, run=run, done_message=_("Thank you for your rating."))


@owner_required
def workorder_reopen(request, pk):
    def run(order, d):
        services.workorder_reopen(order=order, reason=d["reason"], actor=request.user)

    message = _("The order is open again; we will be in touch.")
    return _act(request, pk, action="reopen", form_class=ReasonForm, run=run, done_message=message)


@owner_required
def workorder_cancel(request, pk):
    def run(order, d):
        services.workorder_cancel(order=order, reason=d["reason"], actor=request.user)

    return _act(request, pk, action="cancel", form_class=ReasonForm, run=run, done_message=_("The order is cancelled."))


@owner_required
def workorder_comment(request, pk):
    def run(order, d):
        services.workorder_comment(order=order, text=d["text"], actor=request.user, photos=d["photos"])

    return _act(request, pk, action="comment", form_class=CommentForm, run=run, done_message=_("Added."))


@owner_required
def follow_up_answer(request, pk):
    """The owner answers the follow-up (回访) of one of his orders; "not resolved" reopens the order."""
    mine = owner_workorders(user=request.user).values("pk")
    follow_up = FollowUp.objects.filter(pk=pk, order__in=mine).select_related("order").first()
    if follow_up is None:
        raise Http404

    def run(order, d):
        follow_up.order = order
        services.follow_up_record(
            follow_up=follow_up,
            method=FollowUpMethod.APP,
            resolved=d["resolved"],
            satisfaction=d["satisfaction"],
            comment=d["comment"],
            actor=request.user,
        )

    resolved = request.POST.get("resolved")
    message = _("Thank you. The order is open again.") if resolved == FollowUpResolved.NO else _("Thank you.")
    return _act(
        request, follow_up.order_id, action="follow_up", form_class=FollowUpAnswerForm, run=run, done_message=message
    )
