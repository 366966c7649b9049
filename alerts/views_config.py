"""Staff pages of the alert set-up (/alerts/rules/, /alerts/channels/, /alerts/devices/,
/alerts/gateways/).

``alerts.view`` reads the rules and the devices (a device is evidence of equipment alerts);
``alerts.configure`` (company admin, quality manager) changes them and alone sees channels and
gateways, whose addresses and keys are secrets. Writes go through alerts.services: rules through
``services.config``, channels through ``services.channels``, devices and gateways through
``services.devices``.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from alerts import selectors
from alerts.choices import DELIVERY_STATUS_COLORS, SEVERITY_COLORS, DeliveryStatus, RuleKind
from alerts.filtersets import AlertRuleFilterSet, ChannelFilterSet, DeviceFilterSet, GatewayFilterSet
from alerts.forms import ChannelForm, CompanyChoiceForm, DeviceForm, GatewayForm, RuleForm
from alerts.messages import alert_summary
from alerts.services import config as config_services
from alerts.tables import AlertRuleTable, ChannelTable, DeviceTable, GatewayTable
from alerts.views import attempt, table_for
from core.access import access_for
from core.choices import Perm
from core.decorators import staff_required
from core.models import Company, Project
from core.views_helpers import current_project_id
from lib.views import list_page

# What each kind of rule watches, shown where a new rule's kind is chosen.
RULE_KIND_HELP = {
    RuleKind.KEYWORD: _("Words of a keyword tier (or your own) in orders, comments, follow-ups and survey answers."),
    RuleKind.LOW_RATING: _("A low rating or an unsatisfied follow-up."),
    RuleKind.SLA_WARNING: _("A work order at a share of its time limit."),
    RuleKind.SLA_BREACH: _("A work order past its time limit."),
    RuleKind.REPEAT_COMPLAINT: _("The same unit and category again within some days."),
    RuleKind.GROUP_COMPLAINT: _("Several households with the same problem at the same place within hours."),
    RuleKind.HOTSPOT: _("A place and category well above its own baseline."),
    RuleKind.KPI: _("A project's KPI below target this month."),
    RuleKind.MISSED_PATROL: _("Patrol or plan tasks that were missed."),
    RuleKind.OVERDUE_RECTIFICATION: _("Findings past their rectification deadline."),
    RuleKind.EQUIPMENT: _("A device reading beyond a threshold; it can open a work order."),
}


def _company_for_new(request: HttpRequest) -> Company | None:
    """The company a new rule, channel, device or gateway goes to: ?company=, else the switcher
    project's, else the only one he configures; None when he must choose."""
    companies = selectors.configurable_companies(user=request.user)
    if not companies.exists():
        raise PermissionDenied
    wanted = request.GET.get("company")
    if wanted:
        return companies.filter(pk=wanted).first() if str(wanted).isdigit() else None
    project_id = current_project_id(request)
    if project_id:
        project = Project.objects.filter(pk=project_id).first()
        if project is not None and companies.filter(pk=project.company_id).exists():
            return project.company
    only = list(companies[:2])
    return only[0] if len(only) == 1 else None


def _choose_company(request: HttpRequest, title) -> HttpResponse:
    form = CompanyChoiceForm(request.GET or None, companies=selectors.configurable_companies(user=request.user))
    return render(request, "alerts/choose.html", {"title": title, "form": form})


def _form_page(request: HttpRequest, *, title, form, crumbs, back_url, intro=None, template="alerts/form.html"):
    context = {"title": title, "form": form, "crumbs": crumbs, "back_url": back_url, "intro": intro}
    return render(request, template, context)


def _configures_somewhere(user) -> bool:
    access = access_for(user)
    return access.is_superuser or bool(access.company_grants.get(Perm.ALERT_CONFIGURE))


def _configurable_ids(user) -> set[int]:
    access = access_for(user)
    if access.is_superuser:
        return set(selectors.configurable_companies(user=user).values_list("pk", flat=True))
    return set(access.company_grants.get(Perm.ALERT_CONFIGURE, set()))


#
# Rules
#
@staff_required(Perm.ALERT_VIEW)
def rule_list(request: HttpRequest) -> HttpResponse:
    actions = []
    if _configures_somewhere(request.user):
        actions = [{"label": _("New rule"), "url": reverse("alerts:rule_create"), "icon": "plus-lg"}]
    return list_page(
        request,
        queryset=selectors.rule_list(user=request.user),
        filterset_class=AlertRuleFilterSet,
        table_class=table_for(AlertRuleTable, request),
        title=_("Alert rules"),
        export_name="alert-rules",
        project_field=None,
        actions=actions,
        extra={"configurable_ids": _configurable_ids(request.user)},
        template="alerts/rule_list.html",
    )


@staff_required(Perm.ALERT_CONFIGURE)
def rule_create(request: HttpRequest) -> HttpResponse:
    company = _company_for_new(request)
    if company is None:
        return _choose_company(request, _("New rule"))
    kind = request.GET.get("kind")
    if kind not in RuleKind.values:
        kinds = [(k, RuleKind(k).label, RULE_KIND_HELP.get(k, "")) for k in RuleKind.values]
        return render(request, "alerts/rule_kind.html", {"title": _("New rule"), "kinds": kinds, "company": company})
    form = RuleForm(request.POST or None, kind=kind, company=company)
    created = []
    if request.method == "POST" and attempt(
        form,
        lambda data: created.append(
            config_services.rule_create(company=company, data={"kind": kind, **form.rule_data()}, actor=request.user)
        ),
    ):
        messages.success(request, _("Rule created."))
        return redirect("alerts:rule_detail", pk=created[0].pk)
    return render(
        request,
        "alerts/rule_form.html",
        {
            "title": _("New rule: {kind}").format(kind=RuleKind(kind).label),
            "form": form,
            "kind_help": RULE_KIND_HELP.get(kind),
        },
    )


@staff_required(Perm.ALERT_VIEW)
def rule_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The rule with its parameters; people who configure alerts edit it here."""
    rule = selectors.get_rule_for_user(user=request.user, pk=pk, write=request.method == "POST")
    can_edit = selectors.can_configure(user=request.user, company_id=rule.company_id, project_id=rule.project_id)
    form = RuleForm(request.POST or None, kind=rule.kind, company=rule.company, rule=rule)
    if request.method == "POST" and attempt(
        form, lambda data: config_services.rule_update(rule=rule, data=form.rule_data(), actor=request.user)
    ):
        messages.success(request, _("Rule saved."))
        return redirect("alerts:rule_detail", pk=rule.pk)
    recent = [(a, alert_summary(a)) for a in selectors.rule_recent_alerts(rule=rule)]
    context = {
        "title": rule.name,
        "rule": rule,
        "form": form,
        "can_edit": can_edit,
        "kind_help": RULE_KIND_HELP.get(rule.kind),
        "recent": recent,
        "severity_colors": SEVERITY_COLORS,
    }
    return render(request, "alerts/rule_detail.html", context)


@require_POST
@staff_required(Perm.ALERT_CONFIGURE)
def rule_toggle(request: HttpRequest, pk: int) -> HttpResponse:
    """Switch a rule on or off (HTMX swaps the button; without it the list reloads)."""
    rule = selectors.get_rule_for_user(user=request.user, pk=pk, write=True)
    rule = config_services.rule_update(rule=rule, data={"is_active": not rule.is_active}, actor=request.user)
    if getattr(request, "htmx", False):
        return render(request, "alerts/_rule_toggle.html", {"row": rule, "configurable_ids": {rule.company_id}})
    messages.success(request, _("Rule switched on.") if rule.is_active else _("Rule switched off."))
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = reverse("alerts:rule_list")
    return redirect(back)


#
# Channels
#
def _channel_services():
    from alerts.services import channels

    return channels


@staff_required(Perm.ALERT_CONFIGURE)
def channel_list(request: HttpRequest) -> HttpResponse:
    channels = selectors.channel_list(user=request.user)
    extra = {
        "delivery_counts": selectors.channel_delivery_counts(channels=channels),
        "delivery_statuses": [(s, DeliveryStatus(s).label, DELIVERY_STATUS_COLORS[s]) for s in DeliveryStatus.values],
    }
    return list_page(
        request,
        queryset=channels,
        filterset_class=ChannelFilterSet,
        table_class=table_for(ChannelTable, request),
        title=_("Notification channels"),
        export_name="alert-channels",
        project_field=None,
        actions=[{"label": _("New channel"), "url": reverse("alerts:channel_create"), "icon": "plus-lg"}],
        extra=extra,
        template="alerts/channel_list.html",
    )


@staff_required(Perm.ALERT_CONFIGURE)
def channel_create(request: HttpRequest) -> HttpResponse:
    company = _company_for_new(request)
    if company is None:
        return _choose_company(request, _("New channel"))
    form = ChannelForm(request.POST or None, company=company)
    created = []
    if request.method == "POST" and attempt(
        form,
        lambda data: created.append(
            _channel_services().channel_create(company=company, data=form.channel_data(), actor=request.user)
        ),
    ):
        messages.success(request, _("Channel created. Send a test message to check it."))
        return redirect("alerts:channel_detail", pk=created[0].pk)
    crumbs = [{"label": _("Notification channels"), "url": reverse("alerts:channel_list")}]
    return _form_page(
        request, title=_("New channel"), form=form, crumbs=crumbs, back_url=reverse("alerts:channel_list")
    )


@staff_required(Perm.ALERT_CONFIGURE)
def channel_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The channel's settings (edited here) and its recent deliveries with their states."""
    channel = selectors.get_channel_for_user(user=request.user, pk=pk)
    form = ChannelForm(request.POST or None, channel=channel, company=channel.company)
    if request.method == "POST" and attempt(
        form,
        lambda data: _channel_services().channel_update(channel=channel, data=form.channel_data(), actor=request.user),
    ):
        messages.success(request, _("Channel saved."))
        return redirect("alerts:channel_detail", pk=channel.pk)
    deliveries = [(d, alert_summary(d.alert)) for d in selectors.channel_deliveries(channel=channel)]
    context = {
        "title": channel.name,
        "channel": channel,
        "form": form,
        "deliveries": deliveries,
        "zone": channel.company.zone,
        "delivery_colors": DELIVERY_STATUS_COLORS,
    }
    return render(request, "alerts/channel_detail.html", context)


@require_POST
@staff_required(Perm.ALERT_CONFIGURE)
def channel_test(request: HttpRequest, pk: int) -> HttpResponse:
    channel = selectors.get_channel_for_user(user=request.user, pk=pk)
    ok, detail = _channel_services().channel_test(channel=channel, actor=request.user)
    if ok:
        messages.success(request, _("Test message sent: {detail}").format(detail=detail or "OK"))
    else:
        messages.error(request, _("The test message failed: {detail}").format(detail=detail))
    return redirect("alerts:channel_detail", pk=channel.pk)


#
# Devices
#
def _device_services():
    from alerts.services import devices

    return devices


@staff_required(Perm.ALERT_VIEW)
def device_list(request: HttpRequest) -> HttpResponse:
    actions = []
    if _configures_somewhere(request.user):
        actions = [
            {"label": _("New device"), "url": reverse("alerts:device_create"), "icon": "plus-lg"},
            {"label": _("Gateways"), "url": reverse("alerts:gateway_list"), "icon": "hdd-network"},
        ]
    return list_page(
        request,
        queryset=selectors.device_list(user=request.user),
        filterset_class=DeviceFilterSet,
        table_class=table_for(DeviceTable, request),
        title=_("Devices"),
        export_name="devices",
        actions=actions,
    )


@staff_required(Perm.ALERT_CONFIGURE)
def device_create(request: HttpRequest) -> HttpResponse:
    company = _company_for_new(request)
    if company is None:
        return _choose_company(request, _("New device"))
    form = DeviceForm(request.POST or None, company=company)
    created = []
    if request.method == "POST" and attempt(
        form,
        lambda data: created.append(
            _device_services().device_create(company=company, data=form.device_data(), actor=request.user)
        ),
    ):
        messages.success(request, _("Device added."))
        return redirect("alerts:device_detail", pk=created[0].pk)
    crumbs = [{"label": _("Devices"), "url": reverse("alerts:device_list")}]
    return _form_page(request, title=_("New device"), form=form, crumbs=crumbs, back_url=reverse("alerts:device_list"))


@staff_required(Perm.ALERT_VIEW)
def device_detail(request: HttpRequest, pk: int) -> HttpResponse:
    device = selectors.get_device_for_user(user=request.user, pk=pk)
    alerts = [(a, alert_summary(a)) for a in selectors.device_alerts(device=device, user=request.user)]
    context = {
        "title": device.name,
        "device": device,
        "zone": device.company.zone,
        "readings": selectors.device_readings(device=device),
        "alerts": alerts,
        "can_edit": selectors.can_configure(
            user=request.user, company_id=device.company_id, project_id=device.project_id
        ),
        "severity_colors": SEVERITY_COLORS,
    }
    return render(request, "alerts/device_detail.html", context)


@staff_required(Perm.ALERT_CONFIGURE)
def device_edit(request: HttpRequest, pk: int) -> HttpResponse:
    device = selectors.get_device_for_user(user=request.user, pk=pk, write=True)
    form = DeviceForm(request.POST or None, device=device, company=device.company)
    if request.method == "POST" and attempt(
        form,
        lambda data: _device_services().device_update(device=device, data=form.device_data(), actor=request.user),
    ):
        messages.success(request, _("Device saved."))
        return redirect("alerts:device_detail", pk=device.pk)
    crumbs = [
        {"label": _("Devices"), "url": reverse("alerts:device_list")},
        {"label": device.name, "url": reverse("alerts:device_detail", args=[device.pk])},
    ]
    back = reverse("alerts:device_detail", args=[device.pk])
    return _form_page(request, title=_("Edit device"), form=form, crumbs=crumbs, back_url=back)


#
# Gateways
#
@staff_required(Perm.ALERT_CONFIGURE)
def gateway_list(request: HttpRequest) -> HttpResponse:
    return list_page(
        request,
        queryset=selectors.gateway_list(user=request.user),
        filterset_class=GatewayFilterSet,
        table_class=table_for(GatewayTable, request),
        title=_("Gateways"),
        export_name="gateways",
        project_field=None,
        actions=[{"label": _("New gateway"), "url": reverse("alerts:gateway_create"), "icon": "plus-lg"}],
        extra={"row_template": "alerts/_gateway_row.html"},
    )


@staff_required(Perm.ALERT_CONFIGURE)
def gateway_create(request: HttpRequest) -> HttpResponse:
    """A new gateway; its key is shown on the answer to this POST and never again."""
    company = _company_for_new(request)
    if company is None:
        return _choose_company(request, _("New gateway"))
    form = GatewayForm(request.POST or None, company=company)
    created = []
    if request.method == "POST" and attempt(
        form,
        lambda data: created.append(
            _device_services().gateway_create(company=company, data=dict(data), actor=request.user)
        ),
    ):
        gateway, key = created[0]
        return render(request, "alerts/gateway_key.html", {"title": gateway.name, "gateway": gateway, "key": key})
    crumbs = [{"label": _("Gateways"), "url": reverse("alerts:gateway_list")}]
    intro = _("A gateway posts the readings of your devices to /api/v1/readings/ with its key.")
    return _form_page(
        request, title=_("New gateway"), form=form, crumbs=crumbs, back_url=reverse("alerts:gateway_list"), intro=intro
    )


@require_POST
@staff_required(Perm.ALERT_CONFIGURE)
def gateway_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    gateway = selectors.get_gateway_for_user(user=request.user, pk=pk)
    _device_services().gateway_revoke(gateway=gateway, actor=request.user)
    messages.success(request, _("Gateway {name} revoked: its key no longer works.").format(name=gateway.name))
    return redirect("alerts:gateway_list")
