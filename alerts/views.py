"""Staff pages of alerts (/alerts/): the alert centre with its counts, one alert with its evidence,
timeline, deliveries and actions, and the personal inbox.

Who sees what is ``alerts.selectors``' rule: ``alerts.view`` (company admin, quality manager,
project manager, supervisor, viewer) reads the alerts of his projects; ``alerts.handle`` acts on
them (viewers get 403). Staff without ``alerts.view`` get 403; owners go to /m/. Rules, channels,
devices and gateways are in ``views_config``.
"""

from functools import partial

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from alerts import selectors
from alerts.choices import SEVERITY_COLORS, Severity
from alerts.filtersets import AlertFilterSet
from alerts.forms import AcknowledgeForm, AlertNoteForm, AssignForm, ResolveForm
from alerts.messages import alert_summary, fact_rows
from alerts.models import Alert
from alerts.services import alert_acknowledge, alert_assign, alert_note, alert_resolve, inbox_mark_read
from alerts.tables import AlertTable
from core.choices import Perm
from core.decorators import staff_required
from core.views_helpers import current_project_id
from lib.views import list_page

MAIN_FILTERS = ("q", "status", "severity", "kind", "project_id", "owner")
DONE = {
    "acknowledge": _("Alert acknowledged: its escalation stops."),
    "assign": _("Alert handed over."),
    "resolve": _("Alert resolved."),
    "note": _("Note added."),
}


def attempt(form, call) -> bool:
    """Run a service call for a valid form; its ValidationError lands on the form's fields."""
    if not form.is_valid():
        return False
    try:
        call(form.cleaned_data)
    except ValidationError as exc:
        if not hasattr(exc, "error_dict"):
            form.add_error(None, exc)
            return False
        for field, errors in exc.error_dict.items():
            for error in errors:
                form.add_error(field if field in form.fields else None, error)
        return False
    return True


def table_for(table_class, request: HttpRequest):
    """The page shows the table's default columns; the Excel export all of them."""
    return partial(table_class, all_columns=request.GET.get("export") == "xlsx")


#
# The alert centre
#
@staff_required(Perm.ALERT_VIEW)
def alert_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    qs = selectors.alert_list(user=user)
    project_id = current_project_id(request)
    counted = qs.filter(project_id=project_id) if project_id else qs
    extra = {
        "counts": selectors.alert_counts(user=user, qs=counted),
        "severities": [(s, Severity(s).label, SEVERITY_COLORS[s]) for s in reversed(Severity.values)],
        "mine": request.GET.get("owner") == "me",
        "main_filters": MAIN_FILTERS,
    }
    return list_page(
        request,
        queryset=qs,
        filterset_class=AlertFilterSet,
        table_class=table_for(AlertTable, request),
        title=_("Alert centre"),
        export_name="alerts",
        extra=extra,
        template="alerts/alert_list.html",
    )


#
# One alert
#
@staff_required(Perm.ALERT_VIEW)
def alert_detail(request: HttpRequest, pk: int) -> HttpResponse:
    alert = selectors.get_alert_for_user(user=request.user, pk=pk)
    inbox_mark_read(user=request.user, alert=alert)
    return _alert_page(request, alert)


def _alert_page(request: HttpRequest, alert: Alert, *, failed: str | None = None, form=None) -> HttpResponse:
    people = selectors.alert_assignees(alert=alert)
    forms = {
        "acknowledge": AcknowledgeForm(),
        "assign": AssignForm(people=people, initial={"owner": alert.owner_id}),
        "resolve": ResolveForm(),
        "note": AlertNoteForm(),
    }
    actions = selectors.alert_actions(user=request.user, alert=alert)
    if failed is not None:
        forms[failed] = form
        if failed not in actions:  # the alert moved on meanwhile: the form is not shown
            for error in form.non_field_errors():
                messages.error(request, error)
    events = list(selectors.alert_events(alert=alert))
    people = selectors.alert_event_people(events=events)
    context = {
        "title": alert_summary(alert),
        "alert": alert,
        "zone": alert.company.zone,
        "summary": alert_summary(alert),
        "evidence": selectors.alert_evidence(alert=alert),
        "facts": fact_rows(alert, zone=alert.company.zone),
        "events": [(e, people.get(e.data.get("to") or e.data.get("to_owner"))) for e in events],
        "deliveries": selectors.alert_deliveries(alert=alert),
        "actions": actions,
        "forms": forms,
        "failed": failed,
        "severity_color": SEVERITY_COLORS.get(alert.severity, "secondary"),
    }
    return render(request, "alerts/alert_detail.html", context)


def _alert_action(request: HttpRequest, pk: int, name: str, form, call) -> HttpResponse:
    alert = selectors.get_alert_for_user(user=request.user, pk=pk, write=True)
    if attempt(form, lambda data: call(alert, data)):
        messages.success(request, DONE[name])
        return redirect("alerts:alert_detail", pk=alert.pk)
    alert = selectors.get_alert_for_user(user=request.user, pk=pk)
    return _alert_page(request, alert, failed=name, form=form)


@require_POST
@staff_required(Perm.ALERT_VIEW)
def alert_acknowledge_view(request: HttpRequest, pk: int) -> HttpResponse:
    def call(alert, data):
        alert_acknowledge(alert=alert, actor=request.user, note=data["note"])

    return _alert_action(request, pk, "acknowledge", AcknowledgeForm(request.POST), call)


@require_POST
@staff_required(Perm.ALERT_VIEW)
def alert_assign_view(request: HttpRequest, pk: int) -> HttpResponse:
    alert = selectors.get_alert_for_user(user=request.user, pk=pk, write=True)
    form = AssignForm(request.POST, people=selectors.alert_assignees(alert=alert))

    def call(alert, data):
        alert_assign(alert=alert, owner=data["owner"], actor=request.user, note=data["note"])

    return _alert_action(request, pk, "assign", form, call)


@require_POST
@staff_required(Perm.ALERT_VIEW)
def alert_resolve_view(request: HttpRequest, pk: int) -> HttpResponse:
    def call(alert, data):
        alert_resolve(alert=alert, actor=request.user, note=data["note"])

    return _alert_action(request, pk, "resolve", ResolveForm(request.POST), call)


@require_POST
@staff_required(Perm.ALERT_VIEW)
def alert_note_view(request: HttpRequest, pk: int) -> HttpResponse:
    def call(alert, data):
        alert_note(alert=alert, actor=request.user, note=data["note"])

    return _alert_action(request, pk, "note", AlertNoteForm(request.POST), call)


#
# Inbox
#
@staff_required(Perm.ALERT_VIEW)
def inbox(request: HttpRequest) -> HttpResponse:
    from django.core.paginator import Paginator

    items = selectors.inbox(user=request.user)
    page = Paginator(items, 50).get_page(request.GET.get("page"))
    context = {
        "title": _("My alert inbox"),
        "page": page,
        "items": [(item, alert_summary(item.alert)) for item in page.object_list],
        "unread": selectors.inbox_unread_count(user=request.user),
        "querystring": "",
    }
    return render(request, "alerts/inbox.html", context)


@require_POST
@staff_required(Perm.ALERT_VIEW)
def inbox_read_all(request: HttpRequest) -> HttpResponse:
    for item in selectors.inbox(user=request.user).filter(read_at__isnull=True):
        inbox_mark_read(user=request.user, alert=item.alert)
    messages.success(request, _("Every alert in your inbox is marked as read."))
    return redirect("alerts:inbox")
