"""Serializers of the plans API: output shapes, and the input of plans, checkpoints and task actions.

Input serializers check the request's shape and resolve ids inside the project (a plan's or a
checkpoint's, or the task's), so an id of another project or company is ``does_not_exist`` exactly
like a missing one. The business rules (overlapping windows, people outside the project, a route
done in order, a check-in too far away) are the services', reported on the same field names.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import ErrorDetail

from core.access import access_for
from core.choices import Perm
from core.models import Area, Building, Department, Project
from lib import recurrence
from plans.choices import CheckInMethod, CheckpointOrder, HolidayRule, PhotoRule, PlanKind
from plans.forms import plan_assignee_choices, revision_choices, rrule_in_words
from plans.models import CheckIn, Checkpoint, Plan, Task, TaskEvent
from plans.selectors import RouteStop, task_actions
from workorders.choices import Kind

# What a problem found on a round becomes (named ProblemKindEnum in the schema).
PROBLEM_KINDS = [(Kind.REPAIR, Kind.REPAIR.label), (Kind.RECTIFICATION, Kind.RECTIFICATION.label)]
DOES_NOT_EXIST = serializers.PrimaryKeyRelatedField.default_error_messages["does_not_exist"]


def _missing(field: str | None, pk) -> serializers.ValidationError:
    """``does_not_exist`` on ``field`` (None inside a field's own ``validate_<field>``)."""
    detail = [ErrorDetail(str(DOES_NOT_EXIST).format(pk_value=pk), code="does_not_exist")]
    return serializers.ValidationError({field: detail} if field else detail)


def _absolute(request, file) -> str | None:
    if not file:
        return None
    return request.build_absolute_uri(file.url) if request is not None else file.url


def resolve_ids(field: str, queryset, ids: list[int]) -> list:
    """The rows of ``ids`` in the order given; an id outside ``queryset`` is a ``does_not_exist`` error."""
    found = {obj.pk: obj for obj in queryset.filter(pk__in=ids)}
    for pk in ids:
        if pk not in found:
            raise _missing(field, pk)
    return [found[pk] for pk in dict.fromkeys(ids)]


def resolve_id(field: str | None, queryset, pk: int | None):
    if pk is None:
        return None
    obj = queryset.filter(pk=pk).first()
    if obj is None:
        raise _missing(field, pk)
    return obj


#
# Plans
#
class WindowSerializer(serializers.Serializer):
    start = serializers.TimeField(format="%H:%M")
    end = serializers.TimeField(
        format="%H:%M", help_text=_("Not after the start: the window ends the next day (22:00–06:00).")
    )


class PlanSerializer(serializers.ModelSerializer):
    """A plan with its windows, people, standards and current route; every list from the prefetch of the view."""

    project_name = serializers.CharField(source="project.name", read_only=True)
    department_name = serializers.CharField(source="department.name", read_only=True, allow_null=True)
    rrule_text = serializers.SerializerMethodField(help_text=_("The recurrence in words."))
    windows = serializers.SerializerMethodField()
    assignees = serializers.SerializerMethodField(help_text=_("Ids of the people, in their turn."))
    standards = serializers.SerializerMethodField(help_text=_("Ids of the standard revisions the tasks perform."))
    checkpoints = serializers.SerializerMethodField(help_text=_("Ids of the route's checkpoints, in order."))

    class Meta:
        model = Plan
        fields = [
            "id",
            "project",
            "project_name",
            "department",
            "department_name",
            "kind",
            "name",
            "description",
            "rrule",
            "rrule_text",
            "starts_on",
            "ends_on",
            "holiday_rule",
            "duration_minutes",
            "photo_rule",
            "checkpoint_order",
            "windows",
            "assignees",
            "standards",
            "checkpoints",
            "is_active",
            "version",
            "generated_until",
            "created",
            "updated",
        ]
        read_only_fields = fields

    def get_rrule_text(self, plan: Plan) -> str:
        return rrule_in_words(plan.rrule)

    @extend_schema_field(WindowSerializer(many=True))
    def get_windows(self, plan: Plan):
        return WindowSerializer(plan.windows.all(), many=True).data

    def get_assignees(self, plan: Plan) -> list[int]:
        return [row.user_id for row in plan.assignee_rows.all()]

    def get_standards(self, plan: Plan) -> list[int]:
        return [row.revision_id for row in plan.standard_rows.all()]

    def get_checkpoints(self, plan: Plan) -> list[int]:
        return [row.checkpoint_id for row in plan.current_route]


class PlanInputSerializer(serializers.Serializer):
    """A new plan (``project`` required) or changes to one (every field optional with PATCH)."""

    project = serializers.IntegerField(help_text=_("Only when creating; a plan stays in its project."))
    kind = serializers.ChoiceField(choices=PlanKind.choices)
    name = serializers.CharField(max_length=100)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    rrule = serializers.CharField(
        max_length=recurrence.RRULE_MAX_LENGTH,
        default="FREQ=DAILY",
        help_text=_(
            "RFC 5545 RRULE without DTSTART: FREQ=DAILY, FREQ=WEEKLY;BYDAY=MO,TH, FREQ=MONTHLY;BYMONTHDAY=-1 …"
        ),
    )
    starts_on = serializers.DateField(required=False)
    ends_on = serializers.DateField(required=False, allow_null=True, default=None)
    holiday_rule = serializers.ChoiceField(choices=HolidayRule.choices, default=HolidayRule.NONE)
    duration_minutes = serializers.IntegerField(min_value=1, max_value=24 * 60, default=30)
    photo_rule = serializers.ChoiceField(choices=PhotoRule.choices, default=PhotoRule.NONE)
    checkpoint_order = serializers.ChoiceField(choices=CheckpointOrder.choices, default=CheckpointOrder.ANY)
    department = serializers.IntegerField(required=False, allow_null=True, default=None)
    windows = WindowSerializer(many=True, required=False, help_text=_("Default: the company's working hours."))
    assignees = serializers.ListField(child=serializers.IntegerField(), required=False, max_length=100)
    standards = serializers.ListField(child=serializers.IntegerField(), required=False, max_length=100)
    checkpoints = serializers.ListField(child=serializers.IntegerField(), required=False, max_length=200)
    regenerate_future = serializers.BooleanField(
        required=False,
        default=False,
        help_text=_("On change: also replace generated tasks that have not started (default: they stay)."),
    )

    def __init__(self, *args, plan: Plan | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.plan = plan
        if plan is not None:
            self.fields.pop("project")

    def validate_project(self, pk: int) -> Project:
        user = self.context["request"].user
        projects = Project.objects.filter(access_for(user).q(Perm.PLAN_MANAGE, project_field="id"), is_active=True)
        return resolve_id(None, projects.select_related("company"), pk)

    def validate(self, attrs):
        project = self.plan.project if self.plan else attrs["project"]
        starts_on = attrs.get("starts_on") or (self.plan.starts_on if self.plan else None)
        if "rrule" in attrs:
            try:
                attrs["rrule"] = recurrence.validate_rrule(attrs["rrule"], starts_on=starts_on)
            except DjangoValidationError as exc:  # keyed "rrule"
                raise serializers.ValidationError(serializers.as_serializer_error(exc)) from None
        if "department" in attrs:
            departments = Department.objects.filter(project=project)
            attrs["department"] = resolve_id("department", departments, attrs["department"])
        if "assignees" in attrs:
            attrs["assignees"] = resolve_ids("assignees", plan_assignee_choices(project), attrs["assignees"])
        if "standards" in attrs:
            attrs["standards"] = resolve_ids("standards", revision_choices(project, self.plan), attrs["standards"])
        if "checkpoints" in attrs:
            route = Checkpoint.objects.filter(project=project)
            attrs["checkpoints"] = resolve_ids("checkpoints", route, attrs["checkpoints"])
        if "windows" in attrs:
            attrs["windows"] = [(w["start"], w["end"]) for w in attrs["windows"]]
        return attrs


#
# Checkpoints
#
class CheckpointSerializer(serializers.ModelSerializer):
    project_name = serializers.CharField(source="project.name", read_only=True)
    code = serializers.SerializerMethodField(
        help_text=_("The token in the QR code; only people who set up plans see it (null for others).")
    )

    class Meta:
        model = Checkpoint
        fields = [
            "id",
            "project",
            "project_name",
            "name",
            "building",
            "area",
            "description",
            "latitude",
            "longitude",
            "radius_m",
            "is_active",
            "code",
            "created",
        ]
        read_only_fields = fields

    def get_code(self, checkpoint: Checkpoint) -> str | None:
        request = self.context.get("request")
        if request is None:
            return None
        access = access_for(request.user)
        if access.allows(Perm.PLAN_MANAGE, company_id=checkpoint.company_id, project_id=checkpoint.project_id):
            return checkpoint.code
        return None


class CheckpointInputSerializer(serializers.Serializer):
    project = serializers.IntegerField(help_text=_("Only when creating."))
    name = serializers.CharField(max_length=100)
    building = serializers.IntegerField(required=False, allow_null=True)
    area = serializers.IntegerField(required=False, allow_null=True)
    description = serializers.CharField(max_length=200, required=False, allow_blank=True)
    latitude = serializers.DecimalField(max_digits=9, decimal_places=6, required=False, allow_null=True)
    longitude = serializers.DecimalField(max_digits=9, decimal_places=6, required=False, allow_null=True)
    radius_m = serializers.IntegerField(min_value=5, max_value=5000, required=False)
    is_active = serializers.BooleanField(required=False)

    def __init__(self, *args, checkpoint: Checkpoint | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.checkpoint = checkpoint
        if checkpoint is not None:
            self.fields.pop("project")

    def validate_project(self, pk: int) -> Project:
        user = self.context["request"].user
        projects = Project.objects.filter(access_for(user).q(Perm.PLAN_MANAGE, project_field="id"), is_active=True)
        return resolve_id(None, projects, pk)

    def validate(self, attrs):
        project_id = self.checkpoint.project_id if self.checkpoint else attrs["project"].pk
        for name, model in (("building", Building), ("area", Area)):
            if name in attrs:
                attrs[name] = resolve_id(name, model.objects.filter(project_id=project_id), attrs[name])
        return attrs


#
# Tasks
#
class TaskSerializer(serializers.ModelSerializer):
    """One row of the task list: its columns and the names of its project, plan, department and assignee."""

    project_name = serializers.CharField(source="project.name", read_only=True)
    plan_name = serializers.CharField(source="plan.name", read_only=True)
    department_name = serializers.CharField(source="department.name", read_only=True, allow_null=True)
    assignee_name = serializers.CharField(source="assignee.name", read_only=True, allow_null=True)

    class Meta:
        model = Task
        fields = [
            "id",
            "project",
            "project_name",
            "plan",
            "plan_name",
            "plan_version",
            "department",
            "department_name",
            "assignee",
            "assignee_name",
            "kind",
            "title",
            "date",
            "window_index",
            "starts_at",
            "due_at",
            "status",
            "started_at",
            "finished_at",
            "photo_rule",
            "required_checkpoints",
            "on_time_checkins",
            "late_checkins",
        ]
        read_only_fields = fields


class CheckInSerializer(serializers.ModelSerializer):
    checkpoint_name = serializers.CharField(source="checkpoint.name", read_only=True)
    user_name = serializers.CharField(source="user.name", read_only=True, allow_null=True)
    photo_url = serializers.SerializerMethodField()
    thumbnail_url = serializers.SerializerMethodField()

    class Meta:
        model = CheckIn
        fields = [
            "id",
            "task",
            "checkpoint",
            "checkpoint_name",
            "user",
            "user_name",
            "method",
            "at",
            "is_late",
            "latitude",
            "longitude",
            "distance_m",
            "note",
            "photo_url",
            "thumbnail_url",
            "work_order",
        ]
        read_only_fields = fields

    def get_photo_url(self, checkin: CheckIn) -> str | None:
        return _absolute(self.context.get("request"), checkin.photo)

    def get_thumbnail_url(self, checkin: CheckIn) -> str | None:
        return _absolute(self.context.get("request"), checkin.thumbnail)


class RouteStopSerializer(serializers.Serializer):
    order = serializers.IntegerField(help_text=_("Position on the route, from 0."))
    checkpoint = serializers.SerializerMethodField()
    checkin = serializers.SerializerMethodField()

    @extend_schema_field(
        {
            "type": "object",
            "properties": {
                "id": {"type": "integer"},
                "name": {"type": "string"},
                "latitude": {"type": "string", "nullable": True},
                "longitude": {"type": "string", "nullable": True},
                "radius_m": {"type": "integer"},
            },
        }
    )
    def get_checkpoint(self, stop: RouteStop) -> dict:
        cp = stop.checkpoint
        position = (str(cp.latitude), str(cp.longitude)) if cp.latitude is not None else (None, None)
        return {
            "id": cp.pk,
            "name": cp.name,
            "latitude": position[0],
            "longitude": position[1],
            "radius_m": cp.radius_m,
        }

    @extend_schema_field(CheckInSerializer(allow_null=True))
    def get_checkin(self, stop: RouteStop):
        return CheckInSerializer(stop.checkin, context=self.context).data if stop.checkin else None


class TaskEventSerializer(serializers.ModelSerializer):
    actor_name = serializers.CharField(source="actor.name", read_only=True, allow_null=True)

    class Meta:
        model = TaskEvent
        fields = ["id", "kind", "actor", "actor_name", "created", "from_status", "to_status", "reason", "data"]
        read_only_fields = fields


class TaskDetailSerializer(TaskSerializer):
    """One task with its route and check-ins, its timeline and the actions the requesting user may take now."""

    allowed_actions = serializers.SerializerMethodField()
    route = serializers.SerializerMethodField()
    events = serializers.SerializerMethodField()
    photo_url = serializers.SerializerMethodField()

    class Meta(TaskSerializer.Meta):
        fields = [*TaskSerializer.Meta.fields, "note", "photo_url", "allowed_actions", "route", "events"]
        read_only_fields = fields

    def get_allowed_actions(self, task: Task) -> list[str]:
        return task_actions(task=task, user=self.context["request"].user)

    @extend_schema_field(RouteStopSerializer(many=True))
    def get_route(self, task: Task):
        return RouteStopSerializer(self.context["route"], many=True, context=self.context).data

    @extend_schema_field(TaskEventSerializer(many=True))
    def get_events(self, task: Task):
        events = task.events.select_related("actor").order_by("created", "id")
        return TaskEventSerializer(events, many=True).data

    def get_photo_url(self, task: Task) -> str | None:
        return _absolute(self.context.get("request"), task.photo)


#
# Task actions
#
def _position_field(name: str, limit: int) -> serializers.FloatField:
    return serializers.FloatField(
        required=False, allow_null=True, min_value=-limit, max_value=limit, help_text=_("WGS-84 degrees.")
    )


class TaskNoteInputSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")


class TaskCheckInInputSerializer(serializers.Serializer):
    code = serializers.CharField(
        max_length=64, required=False, allow_blank=True, default="", help_text=_("The token read from the QR code.")
    )
    checkpoint_id = serializers.IntegerField(
        required=False, allow_null=True, default=None, help_text=_("For a check-in by position or entered by hand.")
    )
    method = serializers.ChoiceField(
        choices=CheckInMethod.choices,
        required=False,
        help_text=_("Default: qr with a code, else gps. manual is for supervisors, with a note."),
    )
    latitude = _position_field("latitude", 90)
    longitude = _position_field("longitude", 180)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    photo = serializers.FileField(required=False, allow_null=True, help_text=_("Multipart: JPEG, PNG, WebP or HEIC."))

    def validate(self, attrs):
        if not attrs.get("method"):
            attrs["method"] = CheckInMethod.QR if attrs.get("code") else CheckInMethod.GPS
        return attrs


class TaskProblemInputSerializer(serializers.Serializer):
    description = serializers.CharField(max_length=2000)
    title = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    kind = serializers.ChoiceField(choices=PROBLEM_KINDS, default=Kind.REPAIR)
    checkpoint_id = serializers.IntegerField(required=False, allow_null=True, default=None)
    latitude = _position_field("latitude", 90)
    longitude = _position_field("longitude", 180)
    photo = serializers.FileField(required=False, allow_null=True)


class TaskFinishInputSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")
    photo = serializers.FileField(required=False, allow_null=True)


class TaskReasonInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=1000)


class TaskAssignInputSerializer(serializers.Serializer):
    assignee_id = serializers.IntegerField(allow_null=True, help_text=_("null: back to the department's pool."))


class WorkOrderRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    status = serializers.CharField()
    title = serializers.CharField()


#
# Figures
#
class FiguresQuerySerializer(serializers.Serializer):
    metric = serializers.ChoiceField(
        choices=[
            ("completion", _("Plan completion rate")),
            ("on_time", _("On-time rate")),
            ("coverage", _("Patrol coverage")),
            ("missed", _("Missed tasks")),
        ]
    )
    group_by = serializers.ChoiceField(
        choices=["project", "department", "assignee", "date"], required=False, allow_blank=True, default=""
    )
    date_from = serializers.DateField()
    date_to = serializers.DateField()
    project = serializers.IntegerField(required=False, allow_null=True, default=None)

    def validate_project(self, pk):
        user = self.context["request"].user
        projects = Project.objects.filter(access_for(user).q(Perm.PLAN_VIEW, project_field="id"))
        return resolve_id(None, projects, pk)

    def validate(self, attrs):
        from plans.forms import FIGURES_TOO_LONG, MAX_FIGURE_DAYS

        if attrs["date_to"] < attrs["date_from"]:
            raise serializers.ValidationError({"date_to": _("The end cannot be before the start.")})
        if (attrs["date_to"] - attrs["date_from"]).days >= MAX_FIGURE_DAYS:
            raise serializers.ValidationError({"date_to": str(FIGURES_TOO_LONG).format(n=MAX_FIGURE_DAYS)})
        return attrs


@extend_schema_field(OpenApiTypes.OBJECT)
class GroupField(serializers.DictField):
    pass


class RateSerializer(serializers.Serializer):
    group = GroupField(
        help_text=_(
            "The group's keys: project and project_name, department and department_name, "
            "assignee and assignee_name, or date; empty for the total."
        )
    )
    numerator = serializers.IntegerField()
    denominator = serializers.IntegerField()
    rate = serializers.FloatField(allow_null=True, help_text=_("numerator ÷ denominator; null when nothing was due."))


class FiguresSerializer(serializers.Serializer):
    metric = serializers.CharField()
    group_by = serializers.CharField(allow_blank=True)
    date_from = serializers.DateField()
    date_to = serializers.DateField()
    project = serializers.IntegerField(allow_null=True)
    results = RateSerializer(many=True)
