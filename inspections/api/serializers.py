"""Serializers of the inspections API: output shapes, and the input of checklists, rounds and their
results, findings and their rectification loop, CAPA steps and the reports.

Input serializers check the request's shape and resolve ids within the row's project (or the
company for checklists), so an id of another project or company is ``does_not_exist`` exactly
like a missing one. The rules (a checklist that does not suit the kind, a failed item without its
photo, a deadline in the past, a 5-Why chain too short) are the services', reported on the same
field names. Nothing here carries an owner's name, phone or unit: third-party inspectors read
these shapes too.
"""

from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.access import access_for
from core.choices import DepartmentKind, Perm
from core.models import Area, Building, Department, Project
from inspections import selectors
from inspections import selectors_findings as finding_selectors
from inspections.choices import (
    OPEN_FINDING_STATUSES,
    CapaSource,
    CauseClass,
    EffectivenessResult,
    FindingSource,
    Outcome,
    RoundKind,
    Scoring,
    Severity,
)
from inspections.forms import inspector_choices, round_templates, template_companies
from inspections.forms_findings import capa_owner_choices, finding_projects
from inspections.models import (
    Capa,
    CapaEvent,
    ChecklistItem,
    ChecklistTemplate,
    ChecklistVersion,
    ExtensionRequest,
    Finding,
    FindingEvent,
    InspectionRound,
    ItemResult,
    RoundEvent,
)
from inspections.reports import METRIC_GROUPS, METRICS
from plans.api.serializers import resolve_id, resolve_ids
from standards.choices import Discipline
from standards.models import StandardRevision


def _absolute(request, file) -> str | None:
    if not file:
        return None
    return request.build_absolute_uri(file.url) if request is not None else file.url


@extend_schema_field({"type": "string", "format": "uri", "nullable": True})
class PhotoUrlField(serializers.Field):
    """The URL of a stored photo (absolute when the request is known), or null."""

    def __init__(self, source: str, **kwargs):
        super().__init__(source=source, read_only=True, **kwargs)

    def to_representation(self, value):
        return _absolute(self.context.get("request"), value)


@extend_schema_field(OpenApiTypes.OBJECT)
class ObjectField(serializers.DictField):
    pass


class InspectionPersonSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


def _person(user) -> dict | None:
    return {"id": user.pk, "name": user.name or user.get_username()} if user else None


#
# Checklists
#
class ChecklistItemSerializer(serializers.ModelSerializer):
    standard_item = serializers.SerializerMethodField(help_text=_("Id of the standard item, or null."))

    class Meta:
        model = ChecklistItem
        fields = [
            "id",
            "key",
            "sort_order",
            "section",
            "title",
            "requirement",
            "standard_revision",
            "standard_item",
            "scoring",
            "max_score",
            "weight",
            "photo_required",
            "severity_if_failed",
            "department_kind",
            "rectify_hours",
        ]
        read_only_fields = fields

    def get_standard_item(self, item: ChecklistItem) -> int | None:
        revision = item.standard_revision
        return revision.item_id if revision is not None else None


class ChecklistVersionSerializer(serializers.ModelSerializer):
    items = ChecklistItemSerializer(many=True, read_only=True)

    class Meta:
        model = ChecklistVersion
        fields = ["id", "number", "note", "created", "items"]
        read_only_fields = fields


class ChecklistTemplateSerializer(serializers.ModelSerializer):
    current_version_number = serializers.IntegerField(source="current_version.number", read_only=True, allow_null=True)
    item_count = serializers.IntegerField(read_only=True, help_text=_("Items of the current version."))

    class Meta:
        model = ChecklistTemplate
        fields = [
            "id",
            "company",
            "code",
            "name",
            "kinds",
            "discipline",
            "description",
            "current_version",
            "current_version_number",
            "item_count",
            "is_active",
            "created",
        ]
        read_only_fields = fields


class ItemInputSerializer(serializers.Serializer):
    key = serializers.CharField(
        max_length=40,
        required=False,
        allow_blank=True,
        help_text=_("Give the key of an earlier item to keep it the same item."),
    )
    section = serializers.CharField(max_length=50, required=False, allow_blank=True)
    title = serializers.CharField(max_length=200)
    requirement = serializers.CharField(required=False, allow_blank=True)
    standard_revision = serializers.IntegerField(required=False, allow_null=True)
    scoring = serializers.ChoiceField(choices=Scoring.choices, default=Scoring.PASS_FAIL)
    max_score = serializers.IntegerField(min_value=1, max_value=100, default=1)
    weight = serializers.DecimalField(max_digits=6, decimal_places=2, min_value=Decimal("0.01"), required=False)
    photo_required = serializers.BooleanField(default=False)
    severity_if_failed = serializers.ChoiceField(choices=Severity.choices, default=Severity.MINOR)
    department_kind = serializers.ChoiceField(choices=DepartmentKind.choices, required=False, allow_blank=True)
    rectify_hours = serializers.IntegerField(
        min_value=1, required=False, help_text=_("Default: by severity (minor 168, major 72, severe 24, critical 12).")
    )


def _company_for(request, pk: int | None):
    """The company a new checklist goes to: ``pk`` among those the user manages checklists of, or
    his only one; none at all is 403."""
    from rest_framework.exceptions import PermissionDenied

    companies = template_companies(request.user)
    if pk is not None:
        return resolve_id("company", companies, pk)
    found = list(companies[:2])
    if not found:
        raise PermissionDenied
    if len(found) > 1:
        raise serializers.ValidationError({"company": [_("Name the company.")]})
    return found[0]


class ChecklistTemplateInputSerializer(serializers.Serializer):
    company = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        help_text=_("Only when you manage checklists of several companies."),
    )
    code = serializers.SlugField(max_length=40)
    name = serializers.CharField(max_length=100)
    kinds = serializers.ListField(
        child=serializers.ChoiceField(choices=RoundKind.choices), required=False, help_text=_("Empty: any kind.")
    )
    discipline = serializers.ChoiceField(choices=Discipline.choices, required=False, allow_blank=True)
    description = serializers.CharField(required=False, allow_blank=True)
    items = ItemInputSerializer(many=True, required=False, help_text=_("The first version's items."))
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")

    def __init__(self, *args, template: ChecklistTemplate | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.template = template
        if template is not None:
            for name in ("company", "code", "items", "note"):
                self.fields.pop(name)

    def validate(self, attrs):
        if self.template is None:
            attrs["company"] = _company_for(self.context["request"], attrs.get("company"))
        return attrs


class FromStandardsInputSerializer(serializers.Serializer):
    company = serializers.IntegerField(required=False, allow_null=True, default=None)
    code = serializers.SlugField(max_length=40)
    name = serializers.CharField(max_length=100)
    kinds = serializers.ListField(child=serializers.ChoiceField(choices=RoundKind.choices), required=False)
    discipline = serializers.ChoiceField(choices=Discipline.choices, required=False, allow_blank=True, default="")
    description = serializers.CharField(required=False, allow_blank=True, default="")
    revisions = serializers.ListField(
        child=serializers.IntegerField(), max_length=500, help_text=_("Ids of standard revisions of the company.")
    )

    def validate(self, attrs):
        company = _company_for(self.context["request"], attrs.get("company"))
        attrs["company"] = company
        attrs["revisions"] = resolve_ids(
            "revisions", StandardRevision.objects.filter(company=company), attrs["revisions"]
        )
        return attrs


class VersionInputSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    items = ItemInputSerializer(many=True, help_text=_("Every item of the new version, in order."))


def item_rows(items: list[dict]) -> list[dict]:
    """Item dicts for checklist_version_create (empty optional values left to its defaults)."""
    return [{k: v for k, v in row.items() if v not in (None, "") or k == "department_kind"} for row in items]


#
# Rounds
#
class RoundSerializer(serializers.ModelSerializer):
    project_name = serializers.CharField(source="project.name", read_only=True)
    template = serializers.IntegerField(source="version.template_id", read_only=True)
    template_name = serializers.CharField(source="version.template.name", read_only=True)
    version_number = serializers.IntegerField(source="version.number", read_only=True)
    lead_name = serializers.CharField(source="lead.name", read_only=True, allow_null=True)

    class Meta:
        model = InspectionRound
        fields = [
            "id",
            "project",
            "project_name",
            "template",
            "template_name",
            "version",
            "version_number",
            "kind",
            "title",
            "status",
            "scheduled_for",
            "due_at",
            "started_at",
            "submitted_at",
            "closed_at",
            "lead",
            "lead_name",
            "score",
            "achieved",
            "possible",
            "findings_count",
            "created",
        ]
        read_only_fields = fields


class ResultSerializer(serializers.ModelSerializer):
    item_title = serializers.CharField(source="item.title", read_only=True)
    inspector_name = serializers.CharField(source="inspector.name", read_only=True, allow_null=True)
    photo_url = PhotoUrlField("photo")
    thumbnail_url = PhotoUrlField("thumbnail")

    class Meta:
        model = ItemResult
        fields = [
            "id",
            "item",
            "item_title",
            "outcome",
            "score",
            "note",
            "at",
            "latitude",
            "longitude",
            "building",
            "area",
            "inspector",
            "inspector_name",
            "photo_url",
            "thumbnail_url",
        ]
        read_only_fields = fields


class RoundEventSerializer(serializers.ModelSerializer):
    actor_name = serializers.CharField(source="actor.name", read_only=True, allow_null=True)

    class Meta:
        model = RoundEvent
        fields = ["id", "kind", "actor", "actor_name", "created", "from_status", "to_status", "reason"]
        read_only_fields = fields


class DepartmentScoreSerializer(serializers.Serializer):
    department_kind = serializers.ChoiceField(choices=DepartmentKind.choices)
    label = serializers.CharField()
    achieved = serializers.DecimalField(max_digits=14, decimal_places=4)
    possible = serializers.DecimalField(max_digits=14, decimal_places=4)
    score = serializers.DecimalField(max_digits=4, decimal_places=1, allow_null=True)
    items = serializers.IntegerField()
    failed = serializers.IntegerField()


class FindingRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Finding
        fields = ["id", "title", "severity", "status", "due_at", "department", "repeat_of", "capa"]
        read_only_fields = fields


class RoundDetailSerializer(RoundSerializer):
    """A round with its checklist items, results, department scores, findings, inspectors, timeline
    and what the requesting user may do now."""

    inspectors = serializers.SerializerMethodField()
    items = serializers.SerializerMethodField()
    results = serializers.SerializerMethodField()
    department_scores = serializers.SerializerMethodField()
    findings = serializers.SerializerMethodField()
    events = serializers.SerializerMethodField()
    allowed_actions = serializers.SerializerMethodField(
        help_text=_("What you may do now: start, record, submit, inspectors, cancel, close.")
    )

    class Meta(RoundSerializer.Meta):
        fields = [
            *RoundSerializer.Meta.fields,
            "note",
            "inspectors",
            "items",
            "results",
            "department_scores",
            "findings",
            "events",
            "allowed_actions",
        ]
        read_only_fields = fields

    @extend_schema_field(InspectionPersonSerializer(many=True))
    def get_inspectors(self, round: InspectionRound):
        return [_person(row.user) for row in round.inspector_rows.select_related("user").order_by("id")]

    @extend_schema_field(ChecklistItemSerializer(many=True))
    def get_items(self, round: InspectionRound):
        items = round.version.items.select_related("standard_revision").order_by("sort_order", "id")
        return ChecklistItemSerializer(items, many=True).data

    @extend_schema_field(ResultSerializer(many=True))
    def get_results(self, round: InspectionRound):
        results = selectors.round_results(round).select_related("inspector")
        return ResultSerializer(results, many=True, context=self.context).data

    @extend_schema_field(DepartmentScoreSerializer(many=True))
    def get_department_scores(self, round: InspectionRound):
        return DepartmentScoreSerializer(selectors.round_department_scores(round), many=True).data

    @extend_schema_field(FindingRefSerializer(many=True))
    def get_findings(self, round: InspectionRound):
        return FindingRefSerializer(round.findings.order_by("id"), many=True).data

    @extend_schema_field(RoundEventSerializer(many=True))
    def get_events(self, round: InspectionRound):
        return RoundEventSerializer(round.events.select_related("actor").order_by("created", "id"), many=True).data

    def get_allowed_actions(self, round: InspectionRound) -> list[str]:
        return selectors.round_actions(round=round, user=self.context["request"].user)


class RoundInputSerializer(serializers.Serializer):
    project = serializers.IntegerField()
    template = serializers.IntegerField(help_text=_("An active checklist; the round uses its current version."))
    kind = serializers.ChoiceField(choices=RoundKind.choices)
    title = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    scheduled_for = serializers.DateField()
    due_at = serializers.DateTimeField()
    lead = serializers.IntegerField(required=False, allow_null=True, default=None)
    inspectors = serializers.ListField(child=serializers.IntegerField(), required=False, default=list, max_length=50)
    note = serializers.CharField(required=False, allow_blank=True, default="")

    def validate_project(self, pk: int) -> Project:
        user = self.context["request"].user
        projects = Project.objects.filter(access_for(user).q(Perm.INSP_MANAGE, project_field="id"), is_active=True)
        return resolve_id(None, projects.select_related("company"), pk)

    def validate(self, attrs):
        project = attrs["project"]
        attrs["template"] = resolve_id("template", round_templates(project.company_id), attrs["template"])
        people = inspector_choices(project)
        attrs["lead"] = resolve_id("lead", people, attrs["lead"])
        attrs["inspectors"] = resolve_ids("inspectors", people, attrs["inspectors"])
        return attrs


def _position(limit: int) -> serializers.DecimalField:
    return serializers.DecimalField(
        max_digits=10,
        decimal_places=6,
        required=False,
        allow_null=True,
        min_value=-limit,
        max_value=limit,
        help_text=_("WGS-84 degrees."),
    )


class ResultInputSerializer(serializers.Serializer):
    item = serializers.IntegerField(help_text=_("An item of the round's checklist version."))
    outcome = serializers.ChoiceField(choices=Outcome.choices)
    score = serializers.DecimalField(
        max_digits=6, decimal_places=2, required=False, allow_null=True, help_text=_("For 0–N items: 0 to max_score.")
    )
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    photo = serializers.FileField(required=False, allow_null=True, help_text=_("Multipart: JPEG, PNG, WebP or HEIC."))
    latitude = _position(90)
    longitude = _position(180)
    building = serializers.IntegerField(required=False, allow_null=True, default=None)
    area = serializers.IntegerField(required=False, allow_null=True, default=None)

    def validate(self, attrs):
        round = self.context["round"]
        attrs["item"] = resolve_id("item", ChecklistItem.objects.filter(version_id=round.version_id), attrs["item"])
        attrs["building"] = resolve_id(
            "building", Building.objects.filter(project_id=round.project_id), attrs["building"]
        )
        attrs["area"] = resolve_id("area", Area.objects.filter(project_id=round.project_id), attrs["area"])
        return attrs


class InspectionReasonInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=1000)


class InspectionNoteInputSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")


class InspectorsInputSerializer(serializers.Serializer):
    lead = serializers.IntegerField(required=False, allow_null=True, default=None)
    inspectors = serializers.ListField(child=serializers.IntegerField(), max_length=50)

    def validate(self, attrs):
        people = inspector_choices(self.context["round"].project)
        attrs["lead"] = resolve_id("lead", people, attrs["lead"])
        attrs["inspectors"] = resolve_ids("inspectors", people, attrs["inspectors"])
        return attrs


#
# Findings
#
class FindingSerializer(serializers.ModelSerializer):
    project_name = serializers.CharField(source="project.name", read_only=True)
    department_name = serializers.CharField(source="department.name", read_only=True, allow_null=True)
    building_name = serializers.CharField(source="building.name", read_only=True, allow_null=True)
    area_name = serializers.CharField(source="area.name", read_only=True, allow_null=True)
    work_order_code = serializers.CharField(source="work_order.code", read_only=True, allow_null=True)
    work_order_status = serializers.CharField(source="work_order.status", read_only=True, allow_null=True)
    overdue = serializers.SerializerMethodField(help_text=_("Open or rectifying past its deadline."))
    photo_url = PhotoUrlField("photo")
    thumbnail_url = PhotoUrlField("thumbnail")
    rectify_photo_url = PhotoUrlField("rectify_photo")
    rectify_thumbnail_url = PhotoUrlField("rectify_thumbnail")

    class Meta:
        model = Finding
        fields = [
            "id",
            "project",
            "project_name",
            "round",
            "item",
            "source",
            "title",
            "description",
            "severity",
            "department",
            "department_name",
            "building",
            "building_name",
            "area",
            "area_name",
            "status",
            "due_at",
            "overdue",
            "work_order",
            "work_order_code",
            "work_order_status",
            "rectified_at",
            "rectify_note",
            "verified_at",
            "verify_rounds",
            "closed_at",
            "escalation_level",
            "repeat_of",
            "capa",
            "photo_url",
            "thumbnail_url",
            "rectify_photo_url",
            "rectify_thumbnail_url",
            "created",
        ]
        read_only_fields = fields

    def get_overdue(self, finding: Finding) -> bool:
        return finding.status in OPEN_FINDING_STATUSES and finding.due_at < timezone.now()


class FindingEventSerializer(serializers.ModelSerializer):
    actor_name = serializers.CharField(source="actor.name", read_only=True, allow_null=True)

    class Meta:
        model = FindingEvent
        fields = ["id", "kind", "actor", "actor_name", "created", "from_status", "to_status", "reason"]
        read_only_fields = fields


class ExtensionRequestSerializer(serializers.ModelSerializer):
    requested_by_name = serializers.CharField(source="requested_by.name", read_only=True, allow_null=True)
    decided_by_name = serializers.CharField(source="decided_by.name", read_only=True, allow_null=True)

    class Meta:
        model = ExtensionRequest
        fields = [
            "id",
            "finding",
            "requested_due_at",
            "previous_due_at",
            "reason",
            "status",
            "requested_by",
            "requested_by_name",
            "created",
            "decided_by",
            "decided_by_name",
            "decided_at",
            "decision_note",
        ]
        read_only_fields = fields


class FindingDetailSerializer(FindingSerializer):
    events = serializers.SerializerMethodField()
    extension_requests = serializers.SerializerMethodField()
    allowed_actions = serializers.SerializerMethodField(
        help_text=_("What you may do now: start, rectify, extension, verify, decide_extension, cancel.")
    )

    class Meta(FindingSerializer.Meta):
        fields = [*FindingSerializer.Meta.fields, "events", "extension_requests", "allowed_actions"]
        read_only_fields = fields

    @extend_schema_field(FindingEventSerializer(many=True))
    def get_events(self, finding: Finding):
        return FindingEventSerializer(finding_selectors.finding_events(finding=finding), many=True).data

    @extend_schema_field(ExtensionRequestSerializer(many=True))
    def get_extension_requests(self, finding: Finding):
        rows = finding.extensions.select_related("requested_by", "decided_by").order_by("-created", "-id")
        return ExtensionRequestSerializer(rows, many=True).data

    def get_allowed_actions(self, finding: Finding) -> list[str]:
        return finding_selectors.finding_actions(finding=finding, user=self.context["request"].user)


class FindingInputSerializer(serializers.Serializer):
    project = serializers.IntegerField()
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    severity = serializers.ChoiceField(choices=Severity.choices, default=Severity.MINOR)
    source = serializers.ChoiceField(choices=FindingSource.choices, default=FindingSource.INSPECTION)
    department = serializers.IntegerField(required=False, allow_null=True, default=None)
    building = serializers.IntegerField(required=False, allow_null=True, default=None)
    area = serializers.IntegerField(required=False, allow_null=True, default=None)
    due_at = serializers.DateTimeField(
        required=False, allow_null=True, default=None, help_text=_("Default: by severity.")
    )
    item_result = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        help_text=_("A failed result of a round: the same item seen at another place."),
    )
    photo = serializers.FileField(required=False, allow_null=True, help_text=_("Multipart: the before photo."))

    def validate_project(self, pk: int) -> Project:
        return resolve_id(None, finding_projects(self.context["request"].user), pk)

    def validate(self, attrs):
        project = attrs["project"]
        for name, model in (("department", Department), ("building", Building), ("area", Area)):
            attrs[name] = resolve_id(name, model.objects.filter(project=project), attrs[name])
        results = ItemResult.objects.filter(round__in=selectors.round_visible(user=self.context["request"].user))
        attrs["item_result"] = resolve_id(
            "item_result", results.filter(round__project=project, outcome=Outcome.FAIL), attrs["item_result"]
        )
        return attrs


class RectifyInputSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=2000)
    photo = serializers.FileField(help_text=_("Multipart: the after photo (required)."))


class FindingVerifyInputSerializer(serializers.Serializer):
    passed = serializers.BooleanField()
    note = serializers.CharField(
        max_length=1000, required=False, allow_blank=True, default="", help_text=_("Required when not passed.")
    )
    new_due_at = serializers.DateTimeField(
        required=False, allow_null=True, default=None, help_text=_("Required when not passed.")
    )


class ExtensionInputSerializer(serializers.Serializer):
    requested_due_at = serializers.DateTimeField()
    reason = serializers.CharField(max_length=1000)


class DecideInputSerializer(serializers.Serializer):
    approve = serializers.BooleanField()
    note = serializers.CharField(
        max_length=1000, required=False, allow_blank=True, default="", help_text=_("Required to reject.")
    )


#
# CAPA
#
class CapaSerializer(serializers.ModelSerializer):
    project_name = serializers.CharField(source="project.name", read_only=True)
    owner_name = serializers.CharField(source="owner.name", read_only=True, allow_null=True)

    class Meta:
        model = Capa
        fields = [
            "id",
            "project",
            "project_name",
            "source",
            "severity",
            "title",
            "status",
            "owner",
            "owner_name",
            "due_at",
            "requires_8d",
            "effectiveness_due_at",
            "effectiveness_result",
            "created",
            "closed_at",
        ]
        read_only_fields = fields


class CapaEventSerializer(serializers.ModelSerializer):
    actor_name = serializers.CharField(source="actor.name", read_only=True, allow_null=True)

    class Meta:
        model = CapaEvent
        fields = ["id", "kind", "actor", "actor_name", "created", "from_status", "to_status", "reason"]
        read_only_fields = fields


class ScopeEntrySerializer(serializers.Serializer):
    project = serializers.IntegerField(required=False)
    building = serializers.IntegerField(required=False)


class CapaDetailSerializer(CapaSerializer):
    findings = serializers.SerializerMethodField(help_text=_("Ids of the linked findings."))
    horizontal_scope = ScopeEntrySerializer(many=True, read_only=True)
    events = serializers.SerializerMethodField()
    allowed_actions = serializers.SerializerMethodField(
        help_text=_("What you may do now: accept, contain, analyse, act, effectiveness, close, back, edit.")
    )
    effectiveness_photo_url = PhotoUrlField("effectiveness_photo")
    effectiveness_thumbnail_url = PhotoUrlField("effectiveness_thumbnail")

    class Meta(CapaSerializer.Meta):
        fields = [
            *CapaSerializer.Meta.fields,
            "description",
            "containment",
            "why_chain",
            "cause_class",
            "corrective_action",
            "preventive_action",
            "horizontal_check",
            "horizontal_scope",
            "action_done_at",
            "effectiveness_note",
            "effectiveness_photo_url",
            "effectiveness_thumbnail_url",
            "closed_by",
            "work_order",
            "findings",
            "events",
            "allowed_actions",
        ]
        read_only_fields = fields

    def get_findings(self, capa: Capa) -> list[int]:
        return list(capa.findings.order_by("id").values_list("id", flat=True))

    @extend_schema_field(CapaEventSerializer(many=True))
    def get_events(self, capa: Capa):
        return CapaEventSerializer(finding_selectors.capa_events(capa=capa), many=True).data

    def get_allowed_actions(self, capa: Capa) -> list[str]:
        return finding_selectors.capa_actions(capa=capa, user=self.context["request"].user)


class CapaInputSerializer(serializers.Serializer):
    project = serializers.IntegerField()
    source = serializers.ChoiceField(choices=CapaSource.choices)
    severity = serializers.ChoiceField(choices=Severity.choices, default=Severity.MAJOR)
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(help_text=_("5W2H: what, where, when, who, why, how, how much."))
    findings = serializers.ListField(child=serializers.IntegerField(), required=False, default=list, max_length=100)
    owner = serializers.IntegerField()
    due_at = serializers.DateTimeField()

    def validate_project(self, pk: int) -> Project:
        user = self.context["request"].user
        projects = Project.objects.filter(access_for(user).q(Perm.CAPA_MANAGE, project_field="id"), is_active=True)
        return resolve_id(None, projects, pk)

    def validate(self, attrs):
        project = attrs["project"]
        user = self.context["request"].user
        visible = finding_selectors.finding_visible(user=user).filter(project=project)
        attrs["findings"] = resolve_ids("findings", visible, attrs["findings"])
        attrs["owner"] = resolve_id("owner", capa_owner_choices(project), attrs["owner"])
        return attrs


class CapaUpdateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200, required=False)
    description = serializers.CharField(required=False)
    severity = serializers.ChoiceField(choices=Severity.choices, required=False)
    owner = serializers.IntegerField(required=False)
    due_at = serializers.DateTimeField(required=False)
    containment = serializers.CharField(required=False, allow_blank=True)
    why_chain = serializers.ListField(child=serializers.CharField(max_length=500), required=False, max_length=20)
    cause_class = serializers.ChoiceField(choices=CauseClass.choices, required=False, allow_blank=True)
    corrective_action = serializers.CharField(required=False, allow_blank=True)
    preventive_action = serializers.CharField(required=False, allow_blank=True)
    horizontal_check = serializers.CharField(required=False, allow_blank=True)
    horizontal_scope = ScopeEntrySerializer(many=True, required=False)

    def validate(self, attrs):
        if "owner" in attrs:
            attrs["owner"] = resolve_id("owner", capa_owner_choices(self.context["capa"].project), attrs["owner"])
        if "horizontal_scope" in attrs:
            attrs["horizontal_scope"] = _scope(attrs["horizontal_scope"])
        return attrs


def _scope(entries: list[dict]) -> list[dict]:
    return [{k: v for k, v in entry.items() if v is not None} for entry in entries]


class CapaFindingsInputSerializer(serializers.Serializer):
    findings = serializers.ListField(child=serializers.IntegerField(), min_length=1, max_length=100)

    def validate_findings(self, ids):
        capa = self.context["capa"]
        visible = finding_selectors.finding_visible(user=self.context["request"].user).filter(
            project_id=capa.project_id
        )
        return resolve_ids(None, visible, ids)


class ContainInputSerializer(serializers.Serializer):
    containment = serializers.CharField(help_text=_("Correct on the spot, suspend, inform the customer, a concession."))


class AnalyseInputSerializer(serializers.Serializer):
    why_chain = serializers.ListField(
        child=serializers.CharField(max_length=500),
        max_length=20,
        help_text=_("The answers to “why?”, in order: at least 3 (5 for a full 8D)."),
    )
    cause_class = serializers.ChoiceField(choices=CauseClass.choices)


class ActInputSerializer(serializers.Serializer):
    corrective_action = serializers.CharField()
    preventive_action = serializers.CharField()
    horizontal_check = serializers.CharField()
    horizontal_scope = ScopeEntrySerializer(
        many=True, help_text=_('Projects and buildings checked: [{"project": 3}, {"building": 12}].')
    )

    def validate_horizontal_scope(self, value):
        return _scope(value)


class EffectivenessInputSerializer(serializers.Serializer):
    result = serializers.ChoiceField(choices=EffectivenessResult.choices)
    note = serializers.CharField(help_text=_("The evidence: what was checked, when and where."))
    photo = serializers.FileField(required=False, allow_null=True, help_text=_("Multipart: an evidence photo."))


#
# Reports
#
class ReportQuerySerializer(serializers.Serializer):
    metric = serializers.ChoiceField(choices=list(METRICS.items()))
    group_by = serializers.ChoiceField(
        choices=["project", "department", "period", "kind"], required=False, allow_blank=True, default=""
    )
    date_from = serializers.DateField()
    date_to = serializers.DateField()
    project = serializers.IntegerField(required=False, allow_null=True, default=None)
    kind = serializers.ChoiceField(choices=RoundKind.choices, required=False, allow_blank=True, default="")

    def validate_project(self, pk):
        user = self.context["request"].user
        projects = Project.objects.filter(access_for(user).q(Perm.INSP_VIEW, project_field="id"))
        return resolve_id(None, projects, pk)

    def validate(self, attrs):
        from inspections.forms_findings import REPORT_MAX_DAYS, REPORT_TOO_LONG

        if attrs["group_by"] not in METRIC_GROUPS[attrs["metric"]]:
            allowed = ", ".join(g for g in METRIC_GROUPS[attrs["metric"]] if g)
            message = str(_("{metric} is grouped by {allowed} only.")).format(metric=attrs["metric"], allowed=allowed)
            raise serializers.ValidationError({"group_by": [message]})
        if attrs["date_to"] < attrs["date_from"]:
            raise serializers.ValidationError({"date_to": _("The end cannot be before the start.")})
        if (attrs["date_to"] - attrs["date_from"]).days > REPORT_MAX_DAYS:
            raise serializers.ValidationError({"date_to": str(REPORT_TOO_LONG).format(n=REPORT_MAX_DAYS)})
        return attrs


class ReportRowSerializer(serializers.Serializer):
    group = ObjectField(
        help_text=_(
            "The group's keys: project and project_name; department and department_name (findings) or "
            "department_kind and department_label (scores); period (the first day of the month); kind. "
            "Empty for the total."
        )
    )
    numerator = serializers.FloatField(help_text=_("score: points achieved; open_age: overdue findings."))
    denominator = serializers.FloatField(help_text=_("score: points possible; open_age: unresolved findings."))
    rate = serializers.FloatField(allow_null=True, help_text=_("numerator ÷ denominator; null when it is 0."))
    details = ObjectField(
        help_text=_("score: {score (0–100), rounds, findings}; open_age: {buckets: {age: count}, total}; else empty.")
    )


class ReportSerializer(serializers.Serializer):
    metric = serializers.CharField()
    group_by = serializers.CharField(allow_blank=True)
    date_from = serializers.DateField()
    date_to = serializers.DateField()
    project = serializers.IntegerField(allow_null=True)
    kind = serializers.CharField(allow_blank=True)
    results = ReportRowSerializer(many=True)
