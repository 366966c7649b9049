"""Serializers of the work-order API: output shapes, and one input serializer per action.

Input serializers check the request's shape and resolve ids. Every id is looked up inside the
order's (or the chosen project's) company and project, so an id of another company is a field
error (``does_not_exist``) exactly like a missing one; the business rules stay in the services.
"""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import ErrorDetail

from accounts.models import User
from core.access import access_for
from core.api.serializers import VisibleRelatedField
from core.choices import Perm
from core.models import Area, Building, Department, Membership, Project, Unit, UnitResident
from workorders.choices import (
    PROGRESS_OF,
    FollowUpMethod,
    FollowUpResolved,
    FollowUpStatus,
    HoldReason,
    Kind,
    PhotoStage,
    Priority,
    RatingTag,
    Satisfaction,
    Source,
)
from workorders.models import Category, FollowUp, Rating, SlaPolicy, WorkOrder, WorkOrderEvent, WorkOrderPhoto
from workorders.selectors import event_note_for_owner, workorder_actions, workorder_is_staff
from workorders.services.dispatch import WORKER_ROLES
from workorders.services.photos import PHOTOS_MAX_PER_STEP

DOES_NOT_EXIST = serializers.PrimaryKeyRelatedField.default_error_messages["does_not_exist"]
SOURCE_STAFF_ONLY = _("Only staff who enter orders for owners may set the source.")
DISPATCH_NOBODY = _("Choose a person or a department.")
# Sources a person may give when entering an order; the others are set by integrations and rules.
MANUAL_SOURCES = (Source.PHONE, Source.WALK_IN, Source.STAFF, Source.HOTLINE_12345)


def _error(message, code: str) -> list[ErrorDetail]:
    return [ErrorDetail(str(message), code=code)]


def _missing(pk) -> list[ErrorDetail]:
    return _error(str(DOES_NOT_EXIST).format(pk_value=pk), "does_not_exist")


def _photos_field(**kwargs) -> serializers.ListField:
    return serializers.ListField(
        child=serializers.FileField(),
        max_length=PHOTOS_MAX_PER_STEP,
        help_text=_("Photos (multipart): JPEG, PNG, WebP or HEIC."),
        **kwargs,
    )


def order_photos(*, order: WorkOrder, for_owner: bool):
    """The order's photos; an owner does not see those of internal notes."""
    photos = order.photos.all()
    return photos.filter(Q(event__isnull=True) | Q(event__is_public=True)) if for_owner else photos


def _absolute(request, url: str) -> str:
    return request.build_absolute_uri(url) if request is not None else url


#
# Output
#
class PersonSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "name"]
        read_only_fields = fields


class PhotoSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    thumbnail_url = serializers.SerializerMethodField()

    class Meta:
        model = WorkOrderPhoto
        fields = ["id", "stage", "url", "thumbnail_url", "width", "height", "event", "created"]
        read_only_fields = fields

    def get_url(self, obj) -> str:
        return _absolute(self.context.get("request"), obj.image.url)

    def get_thumbnail_url(self, obj) -> str:
        return _absolute(self.context.get("request"), obj.thumbnail.url)


class RatingSerializer(serializers.ModelSerializer):
    class Meta:
        model = Rating
        fields = ["id", "round", "stars", "tags", "comment", "created"]
        read_only_fields = fields


class FollowUpSerializer(serializers.ModelSerializer):
    class Meta:
        model = FollowUp
        fields = ["id", "status", "due_at", "method", "resolved", "satisfaction", "comment", "done_at", "created"]
        read_only_fields = fields


class EventSerializer(serializers.ModelSerializer):
    actor = PersonSerializer(read_only=True, allow_null=True)
    photos = PhotoSerializer(many=True, read_only=True)

    class Meta:
        model = WorkOrderEvent
        fields = ["id", "kind", "actor", "created", "from_status", "to_status", "reason", "data", "is_public", "photos"]
        read_only_fields = fields

    def to_representation(self, instance: WorkOrderEvent) -> dict:
        data = super().to_representation(instance)
        if self.context.get("for_owner"):
            data["reason"] = event_note_for_owner(instance)
        return data


class WorkOrderSerializer(serializers.ModelSerializer):
    """One row of the list (also the answer to a create): the order's columns and the names of
    its related rows, all from the select_related of ``workorder_list``: no query per row."""

    code = serializers.CharField(read_only=True)
    project_name = serializers.CharField(source="project.name", read_only=True)
    category_name = serializers.CharField(source="category.name", read_only=True, allow_null=True)
    unit_code = serializers.CharField(source="unit.code", read_only=True, allow_null=True)
    building_name = serializers.CharField(source="building.name", read_only=True, allow_null=True)
    area_name = serializers.CharField(source="area.name", read_only=True, allow_null=True)
    department_name = serializers.CharField(source="department.name", read_only=True, allow_null=True)
    assignee_name = serializers.CharField(source="assignee.name", read_only=True, allow_null=True)

    class Meta:
        model = WorkOrder
        fields = [
            "id",
            "code",
            "project",
            "project_name",
            "kind",
            "category",
            "category_name",
            "priority",
            "status",
            "title",
            "unit",
            "unit_code",
            "building",
            "building_name",
            "area",
            "area_name",
            "location",
            "source",
            "department",
            "department_name",
            "assignee",
            "assignee_name",
            "is_life_safety",
            "is_escalated",
            "sla_state",
            "resolve_due_at",
            "created",
            "updated",
        ]
        read_only_fields = fields
        extra_kwargs = {"is_escalated": {"help_text": _("Staff only.")}}

    # Internal flags an owner does not get, even on his own order.
    INTERNAL = ("is_escalated",)

    def for_owner(self, order: WorkOrder) -> bool:
        request = self.context.get("request")
        return request is not None and not workorder_is_staff(user=request.user, order=order)

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if self.for_owner(instance):
            for name in self.INTERNAL:
                data.pop(name, None)
        return data


class WorkOrderDetailSerializer(WorkOrderSerializer):
    """One order with its deadlines, flags, photos, ratings, follow-ups and the actions the
    requesting user may take now. Owners get neither the keyword hits nor photos of internal notes."""

    allowed_actions = serializers.SerializerMethodField()
    progress_step = serializers.SerializerMethodField()
    photos = serializers.SerializerMethodField()
    ratings = RatingSerializer(many=True, read_only=True)
    follow_ups = FollowUpSerializer(many=True, read_only=True)

    INTERNAL = ("keyword_hits", "is_escalated")

    class Meta(WorkOrderSerializer.Meta):
        fields = [
            *WorkOrderSerializer.Meta.fields,
            "description",
            "latitude",
            "longitude",
            "reporter",
            "contact_name",
            "contact_phone",
            "appointment_at",
            "is_public",
            "hold_reason",
            "reopen_count",
            "keyword_hits",
            "accepted_at",
            "dispatched_at",
            "taken_at",
            "arrived_at",
            "completed_at",
            "verified_at",
            "closed_at",
            "reopened_at",
            "ack_due_at",
            "dispatch_due_at",
            "arrive_due_at",
            "take_due_at",
            "sla_paused_minutes",
            "progress_step",
            "allowed_actions",
            "photos",
            "ratings",
            "follow_ups",
        ]
        read_only_fields = fields
        extra_kwargs = {name: {"help_text": _("Staff only.")} for name in ("is_escalated", "keyword_hits")}

    def get_allowed_actions(self, obj) -> list[str]:
        return workorder_actions(order=obj, user=self.context["request"].user)

    def get_progress_step(self, obj) -> int | None:
        return PROGRESS_OF.get(obj.status)

    @extend_schema_field(PhotoSerializer(many=True))
    def get_photos(self, obj):
        photos = order_photos(order=obj, for_owner=self.for_owner(obj))
        return PhotoSerializer(photos, many=True, context=self.context).data


class CategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = [
            "id",
            "company",
            "parent",
            "kind",
            "code",
            "name",
            "priority_hint",
            "department_kind",
            "description",
            "sort_order",
        ]
        read_only_fields = fields


class SlaPolicySerializer(serializers.ModelSerializer):
    class Meta:
        model = SlaPolicy
        fields = [
            "id",
            "company",
            "kind",
            "priority",
            "service_level",
            "clock",
            "acknowledge_minutes",
            "dispatch_minutes",
            "arrive_minutes",
            "resolve_minutes",
        ]
        read_only_fields = fields


#
# Input: reporting
#
def reportable_projects(*, user):
    """Projects the user may file an order in: by a staff grant, or as an owner linked to a unit there."""
    access = access_for(user)
    q = access.q(Perm.WO_VIEW, project_field="id")
    if access.is_resident:
        q |= Q(id__in=UnitResident.objects.filter(resident__user=user).values("unit__project_id"))
    return Project.objects.filter(q).select_related("company")


@extend_schema_field(OpenApiTypes.STR)
class CategoryRefField(serializers.CharField):
    """A category by id or by code; resolved against the project's company in validate()."""


class WorkOrderCreateInputSerializer(serializers.Serializer):
    project = VisibleRelatedField(model=Project, selector=reportable_projects)
    kind = serializers.ChoiceField(
        choices=Kind.choices, required=False, help_text=_("Defaults to the category's kind, else repair.")
    )
    category = CategoryRefField(required=False, allow_blank=True, help_text=_("Category id or code."))
    priority = serializers.ChoiceField(
        choices=Priority.choices, required=False, help_text=_("Defaults to the category's priority hint.")
    )
    title = serializers.CharField(max_length=100, required=False, allow_blank=True)
    description = serializers.CharField(max_length=2000)
    unit = serializers.IntegerField(required=False, allow_null=True)
    building = serializers.IntegerField(required=False, allow_null=True)
    area = serializers.IntegerField(required=False, allow_null=True)
    location = serializers.CharField(max_length=200, required=False, allow_blank=True)
    latitude = serializers.DecimalField(
        max_digits=9, decimal_places=6, min_value=-90, max_value=90, required=False, allow_null=True
    )
    longitude = serializers.DecimalField(
        max_digits=9, decimal_places=6, min_value=-180, max_value=180, required=False, allow_null=True
    )
    contact_name = serializers.CharField(max_length=50, required=False, allow_blank=True)
    contact_phone = serializers.CharField(max_length=20, required=False, allow_blank=True)
    appointment_at = serializers.DateTimeField(required=False, allow_null=True)
    source = serializers.ChoiceField(
        choices=[(s.value, s.label) for s in MANUAL_SOURCES],
        required=False,
        help_text=_("Staff only: how the order reached us. Defaults to a phone call."),
    )
    is_public = serializers.BooleanField(required=False, default=False)
    photos = _photos_field(required=False)

    def validate(self, attrs):
        project = attrs["project"]
        errors = {}
        places = {"unit": Unit.objects.select_related("building"), "area": Area.objects.select_related("building")}
        places["building"] = Building.objects.all()
        for name, qs in places.items():
            pk = attrs.get(name)
            if pk is not None:
                attrs[name] = qs.filter(project=project, pk=pk).first()
                if attrs[name] is None:
                    errors[name] = _missing(pk)
        if attrs.get("category"):
            attrs["category"] = self._category(project, attrs["category"], errors)
        user = self.context["request"].user
        staff = access_for(user).allows(Perm.WO_REPORT, company_id=project.company_id, project_id=project.id)
        if attrs.get("source") and not staff:
            errors["source"] = _error(SOURCE_STAFF_ONLY, "staff_only")
        if errors:
            raise serializers.ValidationError(errors)
        if not attrs.get("kind"):
            attrs["kind"] = attrs["category"].kind if attrs.get("category") else Kind.REPAIR
        # The service takes the unit's (or area's) building; handing it over here saves a query when answering.
        place = attrs.get("unit") or attrs.get("area")
        if place is not None and not attrs.get("building") and place.building_id:
            attrs["building"] = place.building
        return attrs

    def _category(self, project: Project, ref: str, errors: dict) -> Category | None:
        q = Q(code=ref) | Q(pk=int(ref)) if ref.isdigit() else Q(code=ref)
        # The parent comes along: dispatch reads its default department.
        categories = Category.objects.select_related("parent")
        found = categories.filter(q, company_id=project.company_id, is_active=True).first()
        if found is None:
            errors["category"] = _missing(ref)
        return found


#
# Input: actions
#
class NoteInputSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class ReasonInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class DispatchInputSerializer(serializers.Serializer):
    assignee_id = serializers.IntegerField(
        required=False, allow_null=True, help_text=_("A worker of the order's project.")
    )
    department_id = serializers.IntegerField(
        required=False, allow_null=True, help_text=_("A department of the order's project.")
    )
    note = serializers.CharField(
        max_length=2000, required=False, allow_blank=True, default="", help_text=_("Staff only.")
    )

    def validate(self, attrs):
        order = self.context["order"]
        assignee_id, department_id = attrs.get("assignee_id"), attrs.get("department_id")
        if assignee_id is None and department_id is None:
            raise serializers.ValidationError({"assignee_id": DISPATCH_NOBODY}, code="required")
        errors = {}
        attrs["assignee"] = attrs["department"] = None
        if assignee_id is not None:
            workers = Membership.objects.filter(
                Q(project_id=order.project_id) | Q(project__isnull=True),
                company_id=order.company_id,
                is_active=True,
                role__in=WORKER_ROLES,
            )
            membership = workers.filter(user_id=assignee_id).select_related("user").first()
            attrs["assignee"] = membership.user if membership else None
            if membership is None:
                errors["assignee_id"] = _missing(assignee_id)
        if department_id is not None:
            attrs["department"] = Department.objects.filter(project_id=order.project_id, pk=department_id).first()
            if attrs["department"] is None:
                errors["department_id"] = _missing(department_id)
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


class HoldInputSerializer(serializers.Serializer):
    hold_reason = serializers.ChoiceField(choices=HoldReason.choices)
    reason = serializers.CharField(
        max_length=2000, required=False, allow_blank=True, default="", help_text=_("Required for “other”.")
    )


class CompleteInputSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    photos = _photos_field(required=False)


class VerifyInputSerializer(serializers.Serializer):
    passed = serializers.BooleanField(help_text=_("False sends the order back for rework (reason required)."))
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class RateInputSerializer(serializers.Serializer):
    stars = serializers.IntegerField(min_value=1, max_value=5)
    tags = serializers.ListField(child=serializers.ChoiceField(choices=RatingTag.choices), required=False, default=list)
    comment = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    is_public = serializers.BooleanField(
        required=False, default=False, help_text=_("Show the rated order, masked, on the project's board.")
    )


class CommentInputSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    is_public = serializers.BooleanField(
        required=False, default=False, help_text=_("Staff notes are internal unless public; owners' always public.")
    )
    photos = _photos_field(required=False)


class FollowUpInputSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=[(s.value, s.label) for s in (FollowUpStatus.DONE, FollowUpStatus.UNREACHABLE)],
        required=False,
        default=FollowUpStatus.DONE,
    )
    method = serializers.ChoiceField(
        choices=FollowUpMethod.choices,
        required=False,
        default=FollowUpMethod.PHONE,
        help_text=_("Staff: how the owner was reached. An owner's own answer is always “app”."),
    )
    resolved = serializers.ChoiceField(choices=FollowUpResolved.choices, required=False, allow_blank=True, default="")
    satisfaction = serializers.ChoiceField(choices=Satisfaction.choices, required=False, allow_null=True, default=None)
    comment = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class PhotosInputSerializer(serializers.Serializer):
    photos = _photos_field(allow_empty=False)
    stage = serializers.ChoiceField(choices=PhotoStage.choices, required=False, default=PhotoStage.STEP)
