"""Serializers of the alerts API: output shapes of alerts (with evidence, timeline and deliveries),
rules, channels and devices, and the input of the actions and of the set-up.

Input serializers check the request's shape and resolve ids within what the user may use (owners
who see the alert, projects and places of the company), so an id outside that is
``does_not_exist`` exactly like a missing one. The rules (parameters in range, a taken name, a
webhook without its address) are the services', reported on the same field names. Secrets of
channels are write-only; webhook addresses come back with their query values masked.
"""

import urllib.parse

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from alerts import selectors
from alerts.choices import ChannelKind, RuleKind, Severity
from alerts.messages import alert_summary
from alerts.models import Alert, AlertEvent, AlertRule, Channel, Delivery, Device, Reading
from core.models import Area, Building, Company, Project
from plans.api.serializers import resolve_id

COMPANY_REQUIRED = _("You configure alerts of several companies: say which.")


@extend_schema_field(OpenApiTypes.OBJECT)
class ObjectField(serializers.DictField):
    pass


class AlertPersonSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


def _person(user) -> dict | None:
    return {"id": user.pk, "name": user.name or user.get_username()} if user else None


#
# Alerts
#
class AlertSerializer(serializers.ModelSerializer):
    summary = serializers.SerializerMethodField(help_text=_("One line in the reader's language."))
    rule_name = serializers.CharField(source="rule.name", read_only=True)
    project_name = serializers.CharField(source="project.name", read_only=True, allow_null=True, default=None)
    owner = serializers.SerializerMethodField()

    class Meta:
        model = Alert
        fields = [
            "id",
            "kind",
            "severity",
            "status",
            "summary",
            "rule",
            "rule_name",
            "project",
            "project_name",
            "subject_type",
            "subject_id",
            "owner",
            "level",
            "escalate_at",
            "occurrences",
            "first_seen_at",
            "last_seen_at",
            "created",
            "acknowledged_at",
            "resolved_at",
            "resolution",
        ]
        read_only_fields = fields

    def get_summary(self, alert: Alert) -> str:
        return alert_summary(alert)

    @extend_schema_field(AlertPersonSerializer(allow_null=True))
    def get_owner(self, alert: Alert):
        return _person(alert.owner)


class EvidenceSerializer(serializers.Serializer):
    type = serializers.CharField(help_text=_("workorder, task, plan, finding, device, unit, building, area, project"))
    type_label = serializers.CharField()
    id = serializers.IntegerField()
    label = serializers.CharField(help_text=_("Order code and title, task and window, finding title, device name."))
    url = serializers.SerializerMethodField(help_text=_("The object's page, if it has one and still exists."))
    exists = serializers.BooleanField()
    is_subject = serializers.BooleanField(help_text=_("The object the alert is about."))

    @extend_schema_field({"type": "string", "format": "uri", "nullable": True})
    def get_url(self, ref: dict) -> str | None:
        request = self.context.get("request")
        url = ref["url"]
        return request.build_absolute_uri(url) if url and request is not None else url


class AlertEventSerializer(serializers.ModelSerializer):
    actor = serializers.SerializerMethodField()
    data = ObjectField(read_only=True)

    class Meta:
        model = AlertEvent
        fields = ["id", "kind", "from_status", "to_status", "level", "actor", "reason", "data", "created"]
        read_only_fields = fields

    @extend_schema_field(AlertPersonSerializer(allow_null=True))
    def get_actor(self, event: AlertEvent):
        return _person(event.actor)


class DeliverySerializer(serializers.ModelSerializer):
    channel_name = serializers.CharField(source="channel.name", read_only=True)

    class Meta:
        model = Delivery
        fields = [
            "id",
            "channel",
            "channel_name",
            "event_key",
            "status",
            "attempts",
            "next_attempt_at",
            "last_error",
            "response_code",
            "sent_at",
            "created",
        ]
        read_only_fields = fields


class AlertDetailSerializer(AlertSerializer):
    acknowledged_by = serializers.SerializerMethodField()
    resolved_by = serializers.SerializerMethodField()
    facts = serializers.SerializerMethodField(help_text=_("What the rule saw (numbers, words, thresholds)."))
    evidence = serializers.SerializerMethodField()
    events = serializers.SerializerMethodField()
    deliveries = serializers.SerializerMethodField()
    allowed_actions = serializers.SerializerMethodField(
        help_text=_("What you may do now: acknowledge, assign, resolve, note.")
    )

    class Meta(AlertSerializer.Meta):
        fields = [
            *AlertSerializer.Meta.fields,
            "dedup_key",
            "acknowledged_by",
            "resolved_by",
            "facts",
            "evidence",
            "events",
            "deliveries",
            "allowed_actions",
        ]
        read_only_fields = fields

    @extend_schema_field(AlertPersonSerializer(allow_null=True))
    def get_acknowledged_by(self, alert: Alert):
        return _person(alert.acknowledged_by)

    @extend_schema_field(AlertPersonSerializer(allow_null=True))
    def get_resolved_by(self, alert: Alert):
        return _person(alert.resolved_by)

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_facts(self, alert: Alert) -> dict:
        return (alert.evidence or {}).get("facts", {})

    @extend_schema_field(EvidenceSerializer(many=True))
    def get_evidence(self, alert: Alert):
        return EvidenceSerializer(selectors.alert_evidence(alert=alert), many=True, context=self.context).data

    @extend_schema_field(AlertEventSerializer(many=True))
    def get_events(self, alert: Alert):
        return AlertEventSerializer(selectors.alert_events(alert=alert), many=True).data

    @extend_schema_field(DeliverySerializer(many=True))
    def get_deliveries(self, alert: Alert):
        return DeliverySerializer(selectors.alert_deliveries(alert=alert), many=True).data

    def get_allowed_actions(self, alert: Alert) -> list[str]:
        return selectors.alert_actions(user=self.context["request"].user, alert=alert)


class AlertCountsSerializer(serializers.Serializer):
    by_status = serializers.DictField(child=serializers.IntegerField(), help_text=_("open, acknowledged, resolved"))
    unresolved = serializers.IntegerField(help_text=_("Open or acknowledged."))
    open_by_severity = serializers.DictField(
        child=serializers.IntegerField(), help_text=_("Alerts nobody has taken on yet, by severity.")
    )
    resolved_today = serializers.IntegerField()
    mine = serializers.IntegerField(help_text=_("Unresolved alerts you own."))
    unresolved_by_kind = serializers.DictField(child=serializers.IntegerField())


class InboxItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    created = serializers.DateTimeField()
    read_at = serializers.DateTimeField(allow_null=True)
    alert = AlertSerializer()


class AlertNoteInputSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=2000, allow_blank=True, default="")


class AlertRequiredNoteInputSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=2000, help_text=_("Required."))


class AssignInputSerializer(serializers.Serializer):
    owner_id = serializers.IntegerField(help_text=_("A member who sees alerts of the alert's project."))
    note = serializers.CharField(max_length=2000, allow_blank=True, default="")

    def validate(self, attrs):
        people = selectors.alert_assignees(alert=self.context["alert"])
        attrs["owner"] = resolve_id("owner_id", people, attrs.pop("owner_id"))
        return attrs


#
# Set-up: the company a new row goes to
#
class CompanyInputMixin(serializers.Serializer):
    company = serializers.IntegerField(
        required=False, help_text=_("Only if you configure alerts of several companies.")
    )

    def _companies(self):
        return selectors.configurable_companies(user=self.context["request"].user)

    def resolve_company(self, attrs, project: Project | None) -> Company:
        companies = self._companies()
        company_id = attrs.pop("company", None)
        if company_id is not None:
            return resolve_id("company", companies, company_id)
        if project is not None:
            return resolve_id("project", companies, project.company_id)
        only = list(companies[:2])
        if len(only) != 1:
            raise serializers.ValidationError({"company": [COMPANY_REQUIRED]})
        return only[0]


def _projects_of(user):
    from core.access import access_for
    from core.choices import Perm

    return Project.objects.filter(access_for(user).q(Perm.ALERT_CONFIGURE, project_field="id"))


#
# Rules
#
class AlertRuleSerializer(serializers.ModelSerializer):
    project_name = serializers.CharField(source="project.name", read_only=True, allow_null=True, default=None)
    params = ObjectField(read_only=True)

    class Meta:
        model = AlertRule
        fields = [
            "id",
            "kind",
            "name",
            "project",
            "project_name",
            "severity",
            "params",
            "escalate_pm_minutes",
            "escalate_qm_minutes",
            "is_active",
            "created",
            "updated",
        ]
        read_only_fields = fields


class AlertRuleInputSerializer(CompanyInputMixin):
    kind = serializers.ChoiceField(choices=RuleKind.choices, help_text=_("Only when creating; it never changes."))
    name = serializers.CharField(max_length=100)
    project = serializers.IntegerField(allow_null=True, required=False, help_text=_("Empty: every project."))
    severity = serializers.ChoiceField(choices=Severity.choices, required=False)
    params = ObjectField(required=False, help_text=_("The parameters of the rule's kind; see the docs."))
    escalate_pm_minutes = serializers.IntegerField(min_value=1, allow_null=True, required=False)
    escalate_qm_minutes = serializers.IntegerField(min_value=1, allow_null=True, required=False)
    is_active = serializers.BooleanField(required=False)

    def __init__(self, *args, rule: AlertRule | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.rule = rule
        if rule is not None:
            self.fields.pop("kind")
            self.fields.pop("company")

    def validate(self, attrs):
        if "project" in attrs:
            pk = attrs["project"]
            attrs["project"] = resolve_id("project", _projects_of(self.context["request"].user), pk)
        if self.rule is None:
            attrs["company"] = self.resolve_company(attrs, attrs.get("project"))
        return attrs


#
# Channels
#
def masked_url(url: str) -> str:
    """The address with its query values (robot keys, access tokens) replaced by ***."""
    if not url:
        return ""
    parts = urllib.parse.urlsplit(url)
    query = urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
    masked = "&".join(f"{k}=***" for k, _v in query)
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, parts.path, masked, ""))


class ChannelSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(help_text=_("The webhook address with its query values masked."))
    has_secret = serializers.SerializerMethodField()
    rule_kinds = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = Channel
        fields = [
            "id",
            "name",
            "kind",
            "project",
            "url",
            "has_secret",
            "emails",
            "min_severity",
            "rule_kinds",
            "on_escalation",
            "quiet_start",
            "quiet_end",
            "is_active",
            "created",
        ]
        read_only_fields = fields

    def get_url(self, channel: Channel) -> str:
        return masked_url(channel.url)

    def get_has_secret(self, channel: Channel) -> bool:
        return bool(channel.secret)


class ChannelTestSerializer(serializers.Serializer):
    ok = serializers.BooleanField()
    error = serializers.CharField(allow_blank=True, help_text=_("What went wrong, if it did."))


class ChannelInputSerializer(CompanyInputMixin):
    name = serializers.CharField(max_length=100)
    kind = serializers.ChoiceField(choices=ChannelKind.choices)
    project = serializers.IntegerField(allow_null=True, required=False)
    url = serializers.CharField(max_length=500, allow_blank=True, required=False)
    secret = serializers.CharField(
        max_length=200, allow_blank=True, required=False, write_only=True, help_text=_("Write-only; never returned.")
    )
    emails = serializers.CharField(allow_blank=True, required=False)
    min_severity = serializers.ChoiceField(choices=Severity.choices, required=False)
    rule_kinds = serializers.ListField(child=serializers.ChoiceField(choices=RuleKind.choices), required=False)
    on_escalation = serializers.BooleanField(required=False)
    quiet_start = serializers.TimeField(allow_null=True, required=False)
    quiet_end = serializers.TimeField(allow_null=True, required=False)
    is_active = serializers.BooleanField(required=False)

    def __init__(self, *args, channel: Channel | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.channel = channel
        if channel is not None:
            self.fields.pop("company")

    def validate(self, attrs):
        if "project" in attrs:
            attrs["project"] = resolve_id("project", _projects_of(self.context["request"].user), attrs["project"])
        if self.channel is None:
            attrs["company"] = self.resolve_company(attrs, attrs.get("project"))
        return attrs


#
# Devices
#
class DeviceSerializer(serializers.ModelSerializer):
    project_name = serializers.CharField(source="project.name", read_only=True)

    class Meta:
        model = Device
        fields = [
            "id",
            "code",
            "name",
            "device_kind",
            "project",
            "project_name",
            "building",
            "area",
            "is_active",
            "last_seen_at",
        ]
        read_only_fields = fields


class ReadingSerializer(serializers.ModelSerializer):
    class Meta:
        model = Reading
        fields = ["id", "metric", "value", "at", "created"]
        read_only_fields = fields


class DeviceDetailSerializer(DeviceSerializer):
    readings = serializers.SerializerMethodField(help_text=_("The latest 50 readings, newest first."))

    class Meta(DeviceSerializer.Meta):
        fields = [*DeviceSerializer.Meta.fields, "readings"]
        read_only_fields = fields

    @extend_schema_field(ReadingSerializer(many=True))
    def get_readings(self, device: Device):
        return ReadingSerializer(selectors.device_readings(device=device), many=True).data


class DeviceInputSerializer(serializers.Serializer):
    project = serializers.IntegerField()
    code = serializers.SlugField(max_length=60)
    name = serializers.CharField(max_length=100)
    device_kind = serializers.CharField(max_length=40, allow_blank=True, required=False)
    building = serializers.IntegerField(allow_null=True, required=False)
    area = serializers.IntegerField(allow_null=True, required=False)
    is_active = serializers.BooleanField(required=False)

    def validate(self, attrs):
        user = self.context["request"].user
        if "project" in attrs:
            attrs["project"] = resolve_id("project", _projects_of(user), attrs["project"])
        company_ids = selectors.configurable_companies(user=user).values("pk")
        if attrs.get("building") is not None:
            attrs["building"] = resolve_id(
                "building", Building.objects.filter(company__in=company_ids), attrs["building"]
            )
        if attrs.get("area") is not None:
            attrs["area"] = resolve_id("area", Area.objects.filter(company__in=company_ids), attrs["area"])
        return attrs
