"""REST API of alerts under /api/v1/: alerts (list, detail with evidence, timeline and deliveries,
counts, my inbox) and one class per action on an alert; rules, channels and devices through the
same services as the staff pages.

``alerts.view`` reads alerts, rules and devices; ``alerts.handle`` acts on alerts;
``alerts.configure`` changes rules, channels and devices and alone reads channels (their
secrets are write-only). An alert the user may not see is 404; a visible one he may not act on is
403; a step the alert cannot take now is 400 (409 ``conflict`` when it changed meanwhile).
"""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.permissions import SAFE_METHODS, BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.reverse import reverse

from alerts import selectors
from alerts.api import serializers as s
from alerts.filtersets import AlertFilterSet, AlertRuleFilterSet, ChannelFilterSet, DeviceFilterSet
from alerts.models import Alert, AlertRule, Channel, Device
from alerts.services import alert_acknowledge, alert_assign, alert_note, alert_resolve
from alerts.services import channels as channel_services
from alerts.services import config as config_services
from alerts.services import devices as device_services
from api.base import TenantApi, TenantViewSet
from core.access import access_for
from core.choices import Perm

ALERT_JOINED = ("company", "project", "rule", "owner")


class AlertsPermission(BasePermission):
    """The view's ``read_perm`` somewhere (``write_perm`` for writes); owners and people without a
    role get 403. Per row: selectors (404) and services (403)."""

    def has_permission(self, request, view) -> bool:
        access = access_for(request.user)
        if access.is_superuser:
            return True
        perm = view.read_perm if request.method in SAFE_METHODS else view.write_perm
        return access.has(perm)


class AlertsViewSet(TenantViewSet):
    permission_classes = [IsAuthenticated, AlertsPermission]
    read_perm: str = Perm.ALERT_VIEW
    write_perm: str = Perm.ALERT_CONFIGURE

    def _read(self, serializer_class, data, **kwargs):
        serializer = serializer_class(data=data, context={"request": self.request}, **kwargs)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)


#
# Alerts
#
def alert_response(request, alert: Alert) -> Response:
    """The alert as ``GET /alerts/{id}/`` shows it, read afresh after a write."""
    alert = selectors.get_alert_for_user(user=request.user, pk=alert.pk)
    return Response(s.AlertDetailSerializer(alert, context={"request": request}).data)


@extend_schema_view(
    list=extend_schema(
        description="Alerts (预警) you may see, newest first: every alert of your projects with `alerts.view` "
        "(company-wide roles also see company-wide alerts). Filter by `status`, `is_open`, `severity`, `kind`, "
        "`rule_id`, `project_id`, `subject_type`, `owner` (me, any, none), `level`, `created_after`, "
        "`created_before`, `q`."
    ),
)
class AlertViewSet(mixins.ListModelMixin, AlertsViewSet):
    """Alerts: list, detail, counts and your inbox. Actions: POST alerts/{id}/acknowledge|assign|resolve|note/."""

    serializer_class = s.AlertSerializer
    filterset_class = AlertFilterSet
    write_perm = Perm.ALERT_HANDLE

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Alert.objects.none()
        return selectors.alert_list(user=self.request.user)

    @extend_schema(
        responses=s.AlertDetailSerializer,
        description="One alert: why it fired (rule, facts), the evidence with links to the orders, tasks, "
        "findings or devices behind it, the timeline, the deliveries on channels with their state, and "
        "`allowed_actions`.",
    )
    def retrieve(self, request, pk=None, format=None):
        return alert_response(request, selectors.get_alert_for_user(user=request.user, pk=pk))

    @extend_schema(
        responses=s.AlertCountsSerializer,
        description="The alert centre's counts over the alerts you see (filters as in the list apply): by "
        "status; alerts nobody has taken on yet by severity; resolved today; unresolved in total, yours and "
        "by rule kind.",
    )
    @action(detail=False, methods=["get"], pagination_class=None)
    def counts(self, request, format=None):
        qs = self.filter_queryset(self.get_queryset())
        return Response(s.AlertCountsSerializer(selectors.alert_counts(user=request.user, qs=qs)).data)

    @extend_schema(
        responses=s.InboxItemSerializer(many=True),
        description="Your in-app inbox: alerts you own or were handed, unread first. Reading an alert's "
        "detail page marks it read.",
    )
    @action(detail=False, methods=["get"], filterset_class=None)
    def inbox(self, request, format=None):
        items = selectors.inbox(user=request.user)
        page = self.paginate_queryset(items)
        return self.get_paginated_response(s.InboxItemSerializer(page, many=True).data)


class AlertActionApi(TenantApi):
    """Base of the actions: the alert (404 if not yours, 403 for readers), the input, one service."""

    permission_classes = [IsAuthenticated]
    input_serializer: type = s.AlertNoteInputSerializer

    def post(self, request, pk, format=None):
        alert = selectors.get_alert_for_user(user=request.user, pk=pk, write=True)
        serializer = self.input_serializer(data=request.data, context={"request": request, "alert": alert})
        serializer.is_valid(raise_exception=True)
        self.perform(alert=alert, actor=request.user, **serializer.validated_data)
        return alert_response(request, alert)

    def perform(self, *, alert: Alert, actor, **data) -> None:
        raise NotImplementedError


def _action_schema(input_serializer, description: str):
    return extend_schema(request=input_serializer, responses=s.AlertDetailSerializer, description=description)


@_action_schema(s.AlertNoteInputSerializer, "Take the alert on (确认): its escalation stops. `alerts.handle`.")
class AlertAcknowledgeApi(AlertActionApi):
    input_serializer = s.AlertNoteInputSerializer

    def perform(self, *, alert, actor, note):
        alert_acknowledge(alert=alert, actor=actor, note=note)


@_action_schema(
    s.AssignInputSerializer, "Hand the alert over to a member who sees alerts of its project; it lands in his inbox."
)
class AlertAssignApi(AlertActionApi):
    input_serializer = s.AssignInputSerializer

    def perform(self, *, alert, actor, owner, note):
        alert_assign(alert=alert, owner=owner, actor=actor, note=note)


@_action_schema(s.AlertRequiredNoteInputSerializer, "Close the alert by hand, saying what was done (`note` required).")
class AlertResolveApi(AlertActionApi):
    input_serializer = s.AlertRequiredNoteInputSerializer

    def perform(self, *, alert, actor, note):
        alert_resolve(alert=alert, actor=actor, note=note)


@_action_schema(s.AlertRequiredNoteInputSerializer, "Add a note to the alert's timeline.")
class AlertNoteApi(AlertActionApi):
    input_serializer = s.AlertRequiredNoteInputSerializer

    def perform(self, *, alert, actor, note):
        alert_note(alert=alert, actor=actor, note=note)


ACTIONS = {
    "acknowledge": AlertAcknowledgeApi,
    "assign": AlertAssignApi,
    "resolve": AlertResolveApi,
    "note": AlertNoteApi,
}


#
# Rules
#
@extend_schema_view(
    list=extend_schema(
        description="Alert rules of your companies (the company-wide ones and those of your projects). "
        "Filter by `kind`, `severity`, `project_id`, `is_active`, `q`."
    ),
    retrieve=extend_schema(description="One rule with its parameters."),
)
class AlertRuleViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, AlertsViewSet):
    """Alert rules: list, detail, create and change (`alerts.configure`)."""

    serializer_class = s.AlertRuleSerializer
    filterset_class = AlertRuleFilterSet

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return AlertRule.objects.none()
        return selectors.rule_list(user=self.request.user)

    def get_object(self):
        write = self.request.method not in SAFE_METHODS
        return selectors.get_rule_for_user(user=self.request.user, pk=self.kwargs["pk"], write=write)

    @extend_schema(
        request=s.AlertRuleInputSerializer,
        responses={201: s.AlertRuleSerializer},
        description="A new rule: `kind`, `name`, `project` (empty: every project), `severity`, `params` of "
        "the kind (defaults filled in; every bad value named under `params`), escalation minutes "
        "(default by severity), `is_active`.",
    )
    def create(self, request, format=None):
        data = self._read(s.AlertRuleInputSerializer, request.data)
        company = data.pop("company")
        rule = config_services.rule_create(company=company, data=data, actor=request.user)
        location = reverse("alert-rule-detail", kwargs={"pk": rule.pk}, request=request)
        return Response(
            s.AlertRuleSerializer(rule).data, status=status.HTTP_201_CREATED, headers={"Location": location}
        )

    @extend_schema(
        request=s.AlertRuleInputSerializer,
        responses=s.AlertRuleSerializer,
        description="Change a rule's fields; `params` replaces the parameters (defaults filled in). The kind "
        "never changes.",
    )
    def partial_update(self, request, pk=None, format=None):
        rule = self.get_object()
        data = self._read(s.AlertRuleInputSerializer, request.data, rule=rule, partial=True)
        rule = config_services.rule_update(rule=rule, data=data, actor=request.user)
        return Response(s.AlertRuleSerializer(selectors.get_rule_for_user(user=request.user, pk=rule.pk)).data)


#
# Channels
#
@extend_schema_view(
    list=extend_schema(
        description="Notification channels of companies whose alerts you configure: e-mail, WeCom and "
        "DingTalk robots, generic JSON webhooks. Secrets are never returned; addresses come masked."
    ),
    retrieve=extend_schema(description="One channel."),
)
class ChannelViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, AlertsViewSet):
    """Notification channels: list, detail, create, change, test (`alerts.configure`)."""

    serializer_class = s.ChannelSerializer
    filterset_class = ChannelFilterSet
    read_perm = Perm.ALERT_CONFIGURE

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Channel.objects.none()
        return selectors.channel_list(user=self.request.user)

    def get_object(self):
        return selectors.get_channel_for_user(user=self.request.user, pk=self.kwargs["pk"])

    @extend_schema(
        request=s.ChannelInputSerializer,
        responses={201: s.ChannelSerializer},
        description="A new channel. Webhook kinds need `url`; DingTalk's 加签 secret or the generic webhook's "
        "HMAC key goes in `secret` (write-only). Quiet hours hold all but critical alerts.",
    )
    def create(self, request, format=None):
        data = self._read(s.ChannelInputSerializer, request.data)
        company = data.pop("company")
        channel = channel_services.channel_create(company=company, data=data, actor=request.user)
        location = reverse("alert-channel-detail", kwargs={"pk": channel.pk}, request=request)
        body = s.ChannelSerializer(channel).data
        return Response(body, status=status.HTTP_201_CREATED, headers={"Location": location})

    @extend_schema(
        request=s.ChannelInputSerializer,
        responses=s.ChannelSerializer,
        description="Change a channel; a `secret` left out is kept.",
    )
    def partial_update(self, request, pk=None, format=None):
        channel = self.get_object()
        data = self._read(s.ChannelInputSerializer, request.data, channel=channel, partial=True)
        channel = channel_services.channel_update(channel=channel, data=data, actor=request.user)
        return Response(s.ChannelSerializer(channel).data)

    @extend_schema(
        request=None,
        responses=s.ChannelTestSerializer,
        description="Send a test message on the channel now and say how it went.",
    )
    @action(detail=True, methods=["post"])
    def test(self, request, pk=None, format=None):
        ok, error = channel_services.channel_test(channel=self.get_object(), actor=request.user)
        return Response(s.ChannelTestSerializer({"ok": ok, "error": error}).data)


#
# Devices
#
@extend_schema_view(
    list=extend_schema(
        description="Devices (pumps, tanks, lifts, sensors) of your projects that post readings through a "
        "gateway. Filter by `project_id`, `device_kind`, `is_active`, `q`."
    ),
)
class DeviceViewSet(mixins.ListModelMixin, AlertsViewSet):
    """Devices: list, detail with the latest readings, create and change (`alerts.configure`)."""

    serializer_class = s.DeviceSerializer
    filterset_class = DeviceFilterSet

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Device.objects.none()
        return selectors.device_list(user=self.request.user)

    @extend_schema(responses=s.DeviceDetailSerializer, description="One device with its latest 50 readings.")
    def retrieve(self, request, pk=None, format=None):
        device = selectors.get_device_for_user(user=request.user, pk=pk)
        return Response(s.DeviceDetailSerializer(device).data)

    @extend_schema(
        request=s.DeviceInputSerializer,
        responses={201: s.DeviceSerializer},
        description="A new device of a project: its `code` is what the gateway sends as `device`.",
    )
    def create(self, request, format=None):
        data = self._read(s.DeviceInputSerializer, request.data)
        device = device_services.device_create(company=data["project"].company, data=data, actor=request.user)
        location = reverse("device-detail", kwargs={"pk": device.pk}, request=request)
        body = s.DeviceSerializer(device).data
        return Response(body, status=status.HTTP_201_CREATED, headers={"Location": location})

    @extend_schema(request=s.DeviceInputSerializer, responses=s.DeviceSerializer, description="Change a device.")
    def partial_update(self, request, pk=None, format=None):
        device = selectors.get_device_for_user(user=request.user, pk=pk, write=True)
        data = self._read(s.DeviceInputSerializer, request.data, partial=True)
        device = device_services.device_update(device=device, data=data, actor=request.user)
        return Response(s.DeviceSerializer(device).data)
