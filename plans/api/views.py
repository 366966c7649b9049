"""REST API of plans: plans and checkpoints (read with ``plans.view``, write with ``plans.manage``), tasks
(managers see their projects' tasks, staff their own), the task actions and the figures.

Reads go through plans.selectors and writes through plans.services, exactly as the staff pages and
the phone pages do. A row the user may not see is 404; a visible one he may not act on is 403; a
step the task cannot take now is 400 (409 ``conflict`` when it changed meanwhile).
"""

from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, pagination, status
from rest_framework.decorators import action
from rest_framework.permissions import SAFE_METHODS, BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.reverse import reverse

from api.base import TenantApi, TenantViewSet
from core.access import access_for
from core.api.views import StaffPermission
from core.choices import Perm
from plans import selectors, services
from plans.api import serializers as s
from plans.filtersets import CheckpointFilterSet, PlanFilterSet, TaskFilterSet
from plans.forms import plan_assignee_choices
from plans.models import Checkpoint, Plan, PlanCheckpoint, Task


def plan_prefetch() -> tuple:
    """The lists a plan row shows; built per request (a scoped manager reads the company scope when called)."""
    route = PlanCheckpoint.objects.filter(removed_version__isnull=True).order_by("sort_order", "id")
    return (
        "windows",
        "assignee_rows",
        "standard_rows",
        Prefetch("route_rows", queryset=route, to_attr="current_route"),
    )


# The list joins only what its rows name; the plan comes from the same join.
TASK_JOINED = ("project", "plan", "department", "assignee")


class PlansViewSet(TenantViewSet):
    permission_classes = [IsAuthenticated, StaffPermission]
    read_perm = Perm.PLAN_VIEW
    write_perm = Perm.PLAN_MANAGE


class TaskPermission(BasePermission):
    """Tasks are for people who see plans (``plans.view``) or do tasks (``tasks.work``); owners get 403."""

    def has_permission(self, request, view) -> bool:
        access = access_for(request.user)
        return access.is_superuser or access.has(Perm.PLAN_VIEW) or access.has(Perm.TASK_WORK)


def _renamed(exc: ValidationError, names: dict[str, str]) -> ValidationError:
    """The service's error with its field names as the API calls them (``checkpoint`` → ``checkpoint_id``)."""
    if not hasattr(exc, "error_dict"):
        return exc
    return ValidationError({names.get(field, field): errors for field, errors in exc.error_dict.items()})


#
# Plans
#
@extend_schema_view(
    list=extend_schema(
        description="Plans (计划) you may see: kind, recurrence (RFC 5545 RRULE and in words), time windows, "
        "people, standard revisions and the route's checkpoints. Filters as in the staff list."
    ),
    retrieve=extend_schema(description="One plan."),
)
class PlanViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PlansViewSet):
    """Plans: list, detail, create, change, switch off and on, and the plan figures."""

    serializer_class = s.PlanSerializer
    filterset_class = PlanFilterSet

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no user, no company scope
            return Plan.objects.none()
        return selectors.plan_list(user=self.request.user).prefetch_related(*plan_prefetch()).order_by("pk")

    def get_object(self):
        write = self.request.method not in SAFE_METHODS
        return selectors.get_plan_for_user(user=self.request.user, pk=self.kwargs["pk"], write=write)

    def _plan_response(self, plan: Plan, *, status_code=status.HTTP_200_OK, headers=None) -> Response:
        plan = self.get_queryset().get(pk=plan.pk)  # read afresh, with its lists
        return Response(s.PlanSerializer(plan).data, status=status_code, headers=headers)

    @extend_schema(
        request=s.PlanInputSerializer,
        responses={201: s.PlanSerializer},
        description="Set up a plan in a project where you manage plans (quality and project managers, "
        "supervisors). `windows` default to the company's working hours; `assignees`, `standards` and "
        "`checkpoints` are ids in the plan's project (company). Errors name their field: a bad `rrule`, "
        "overlapping `windows`, a person outside the project in `assignees`.",
    )
    def create(self, request, format=None):
        data = s.PlanInputSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        project = fields.pop("project")
        related = {name: fields.pop(name) for name in ("windows", "assignees", "checkpoints") if name in fields}
        if "standards" in fields:
            related["revisions"] = fields.pop("standards")
        fields.pop("regenerate_future", None)
        plan = services.plan_create(project=project, data=fields, actor=request.user, **related)
        location = reverse("plan-detail", kwargs={"pk": plan.pk}, request=request)
        return self._plan_response(plan, status_code=status.HTTP_201_CREATED, headers={"Location": location})

    @extend_schema(
        request=s.PlanInputSerializer,
        responses=s.PlanSerializer,
        description="Change a plan (every field but `project`). Any change bumps its `version`; tasks "
        "already generated stay as they were unless `regenerate_future` is true.",
    )
    def update(self, request, pk=None, format=None, partial=False):
        plan = self.get_object()
        data = s.PlanInputSerializer(data=request.data, plan=plan, partial=partial, context={"request": request})
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        route = fields.pop("checkpoints", None)
        related = {name: fields.pop(name) for name in ("windows", "assignees") if name in fields}
        if "standards" in fields:
            related["revisions"] = fields.pop("standards")
        regenerate = fields.pop("regenerate_future", False)
        plan = services.plan_update(plan=plan, data=fields, actor=request.user, regenerate_future=regenerate, **related)
        if route is not None:
            plan = services.plan_route_set(plan=plan, checkpoints=route, actor=request.user)
        return self._plan_response(plan)

    @extend_schema(request=s.PlanInputSerializer, responses=s.PlanSerializer, description="Change some fields.")
    def partial_update(self, request, pk=None, format=None):
        return self.update(request, pk=pk, format=format, partial=True)

    @extend_schema(
        request=None,
        responses=s.PlanSerializer,
        description="Switch the plan off: no more tasks; scheduled tasks whose window has not ended are cancelled.",
    )
    @action(detail=True, methods=["post"])
    def deactivate(self, request, pk=None, format=None):
        return self._plan_response(services.plan_deactivate(plan=self.get_object(), actor=request.user))

    @extend_schema(request=None, responses=s.PlanSerializer, description="Switch the plan back on.")
    @action(detail=True, methods=["post"])
    def activate(self, request, pk=None, format=None):
        return self._plan_response(services.plan_activate(plan=self.get_object(), actor=request.user))

    @extend_schema(
        parameters=[s.FiguresQuerySerializer],
        responses=s.FiguresSerializer,
        filters=False,
        description="A plan figure (DOMAIN §6.3) of the tasks you may see dated `date_from`..`date_to`, in "
        "total or per project, department, person (`assignee`) or day (`date`): `completion` = completed "
        "÷ due (计划完成率), `on_time` = finished by the window's end ÷ due, `coverage` = check-ins in the "
        "window ÷ required (巡更到位率), `missed` = missed ÷ due. A task is due once its window is over; "
        "cancelled tasks never count.",
    )
    @action(detail=False, methods=["get"], pagination_class=None, filterset_class=None)
    def figures(self, request, format=None):
        query = s.FiguresQuerySerializer(data=request.query_params, context={"request": request})
        query.is_valid(raise_exception=True)
        params = query.validated_data
        tasks = selectors.task_visible(user=request.user)
        if params["project"] is not None:
            tasks = tasks.filter(project=params["project"])
        metric = FIGURES[params["metric"]]
        rates = metric(
            tasks=tasks, date_from=params["date_from"], date_to=params["date_to"], group_by=params["group_by"] or None
        )
        body = {
            "metric": params["metric"],
            "group_by": params["group_by"],
            "date_from": params["date_from"],
            "date_to": params["date_to"],
            "project": params["project"].pk if params["project"] else None,
            "results": [
                {"group": _group(r.group), "numerator": r.numerator, "denominator": r.denominator, "rate": r.rate}
                for r in rates
            ],
        }
        return Response(s.FiguresSerializer(body).data)


FIGURES = {
    "completion": selectors.plan_completion_rate,
    "on_time": selectors.on_time_rate,
    "coverage": selectors.patrol_coverage,
    "missed": selectors.missed_tasks,
}


def _group(group: dict) -> dict:
    """{"project_id": 1, "project__name": "…"} → {"project": 1, "project_name": "…"}."""
    renamed = {}
    for key, value in group.items():
        key = key.removesuffix("_id").replace("__", "_")
        renamed[key] = value.isoformat() if hasattr(value, "isoformat") else value
    return renamed


#
# Checkpoints
#
@extend_schema_view(
    list=extend_schema(
        description="Checkpoints (巡检点) of your projects with their position and check-in radius; `code` (the "
        "QR token) only for people who set up plans."
    ),
    retrieve=extend_schema(description="One checkpoint."),
)
class CheckpointViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PlansViewSet):
    """Checkpoints: list, detail, create, change, new QR code."""

    serializer_class = s.CheckpointSerializer
    filterset_class = CheckpointFilterSet

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Checkpoint.objects.none()
        return selectors.checkpoint_list(user=self.request.user).order_by("pk")

    def get_object(self):
        write = self.request.method not in SAFE_METHODS
        return selectors.get_checkpoint_for_user(user=self.request.user, pk=self.kwargs["pk"], write=write)

    def _response(self, checkpoint: Checkpoint, status_code=status.HTTP_200_OK) -> Response:
        body = s.CheckpointSerializer(checkpoint, context={"request": self.request}).data
        return Response(body, status=status_code)

    @extend_schema(
        request=s.CheckpointInputSerializer,
        responses={201: s.CheckpointSerializer},
        description="Add a checkpoint to a project where you manage plans; its QR `code` is made for it.",
    )
    def create(self, request, format=None):
        data = s.CheckpointInputSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        project = fields.pop("project")
        checkpoint = services.checkpoint_create(project=project, data=fields, actor=request.user)
        return self._response(checkpoint, status.HTTP_201_CREATED)

    @extend_schema(request=s.CheckpointInputSerializer, responses=s.CheckpointSerializer, description="Change it.")
    def update(self, request, pk=None, format=None, partial=False):
        checkpoint = self.get_object()
        data = s.CheckpointInputSerializer(
            data=request.data, checkpoint=checkpoint, partial=partial, context={"request": request}
        )
        data.is_valid(raise_exception=True)
        checkpoint = services.checkpoint_update(
            checkpoint=checkpoint, data=dict(data.validated_data), actor=request.user
        )
        return self._response(checkpoint)

    @extend_schema(request=s.CheckpointInputSerializer, responses=s.CheckpointSerializer, description="Change some.")
    def partial_update(self, request, pk=None, format=None):
        return self.update(request, pk=pk, format=format, partial=True)

    @extend_schema(
        request=None,
        responses=s.CheckpointSerializer,
        description="A new QR code (a sheet was lost or copied); the old code stops working at once.",
    )
    @action(detail=True, methods=["post"], url_path="new-code")
    def new_code(self, request, pk=None, format=None):
        return self._response(services.checkpoint_code_reset(checkpoint=self.get_object(), actor=request.user))


#
# Tasks
#
class TaskCursorPagination(pagination.CursorPagination):
    """Newest first by id, without a COUNT(*): the list stays fast at millions of tasks."""

    ordering = "-id"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


def task_response(request, task: Task, status_code=status.HTTP_200_OK) -> Response:
    """The task as ``GET /tasks/{id}/`` shows it, read afresh after a write."""
    task = selectors.get_task_for_user(user=request.user, pk=task.pk)
    context = {"request": request, "route": selectors.task_route(task=task)}
    return Response(s.TaskDetailSerializer(task, context=context).data, status=status_code)


@extend_schema_view(
    list=extend_schema(
        description="Plan tasks (任务) you may see, newest first: people who see plans (`plans.view`) see their "
        "projects' tasks; staff see their own and the unassigned ones of their department. Cursor-paginated "
        "(follow `next`). Filter by project, department, person, plan, kind, status (also `missed`), date "
        "range and `late`."
    ),
)
class TaskViewSet(mixins.ListModelMixin, TenantViewSet):
    """Tasks: list, and one task in full."""

    serializer_class = s.TaskSerializer
    filterset_class = TaskFilterSet
    pagination_class = TaskCursorPagination
    permission_classes = [IsAuthenticated, TaskPermission]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Task.objects.none()
        return selectors.task_list(user=self.request.user).select_related(None).select_related(*TASK_JOINED)

    @extend_schema(
        responses=s.TaskDetailSerializer,
        description="One task with its route (each checkpoint and its check-in), its timeline and "
        "`allowed_actions`: what you may do with it now (start, checkin, report_problem, finish, assign, cancel).",
    )
    def retrieve(self, request, pk=None, format=None):
        return task_response(request, selectors.get_task_for_user(user=request.user, pk=pk))


class TaskActionApi(TenantApi):
    permission_classes = [IsAuthenticated, TaskPermission]
    input_serializer: type | None = None

    def post(self, request, pk, format=None):
        task = selectors.get_task_for_user(user=request.user, pk=pk)
        data = {}
        if self.input_serializer is not None:
            serializer = self.input_serializer(data=request.data, context={"request": request})
            serializer.is_valid(raise_exception=True)
            data = dict(serializer.validated_data)
        return self.perform(request, task, **data)

    def perform(self, request, task: Task, **data) -> Response:
        """Call the action's service; every subclass overrides it (this base class is never routed)."""
        raise NotImplementedError


def _checkpoint(task: Task, pk: int | None, field: str = "checkpoint_id") -> Checkpoint | None:
    return s.resolve_id(field, Checkpoint.objects.filter(project_id=task.project_id), pk)


def _both(serializer):
    return {"application/json": serializer, "multipart/form-data": serializer}


@extend_schema(request=s.TaskNoteInputSerializer, responses=s.TaskDetailSerializer)
class TaskStartApi(TaskActionApi):
    """Start the task (from a little before its window until it ends); an unassigned task becomes yours."""

    input_serializer = s.TaskNoteInputSerializer

    def perform(self, request, task, *, note):
        services.task_start(task=task, actor=request.user, note=note)
        return task_response(request, task)


@extend_schema(request=_both(s.TaskCheckInInputSerializer), responses={201: s.CheckInSerializer})
class TaskCheckInApi(TaskActionApi):
    """Check in at a checkpoint of the task's route: `code` (the scanned QR token), or `checkpoint_id` with
    your position (`method` gps) or, for supervisors, entered by hand (`method` manual, with a `note`).
    JSON, or multipart with a `photo`. A scheduled task starts with its first check-in; one after the
    window's end is marked late. Answers the check-in (201)."""

    input_serializer = s.TaskCheckInInputSerializer

    def perform(self, request, task, *, checkpoint_id, **data):
        checkpoint = _checkpoint(task, checkpoint_id)
        try:
            checkin = services.task_checkin(task=task, actor=request.user, checkpoint=checkpoint, **data)
        except ValidationError as exc:
            raise _renamed(exc, {"checkpoint": "checkpoint_id"}) from None
        body = s.CheckInSerializer(checkin, context={"request": request}).data
        return Response(body, status=status.HTTP_201_CREATED)


@extend_schema(request=_both(s.TaskProblemInputSerializer), responses={201: s.WorkOrderRefSerializer})
class TaskProblemApi(TaskActionApi):
    """Found a problem on the round: opens a work order (repair or rectification) at the checkpoint's place,
    with the photo. Answers the new order's id, code, status and title (201)."""

    input_serializer = s.TaskProblemInputSerializer

    def perform(self, request, task, *, checkpoint_id, **data):
        checkpoint = _checkpoint(task, checkpoint_id)
        try:
            order = services.task_report_problem(task=task, actor=request.user, checkpoint=checkpoint, **data)
        except ValidationError as exc:
            raise _renamed(exc, {"checkpoint": "checkpoint_id"}) from None
        body = {"id": order.pk, "code": order.code, "status": order.status, "title": order.title}
        return Response(s.WorkOrderRefSerializer(body).data, status=status.HTTP_201_CREATED)


@extend_schema(request=_both(s.TaskFinishInputSerializer), responses=s.TaskDetailSerializer)
class TaskFinishApi(TaskActionApi):
    """Finish the task; checkpoints not visited need a `note` (they lower the coverage). A `photo` when the
    plan asks for one at the finish."""

    input_serializer = s.TaskFinishInputSerializer

    def perform(self, request, task, *, note, photo=None):
        services.task_finish(task=task, actor=request.user, note=note, photo=photo)
        return task_response(request, task)


@extend_schema(request=s.TaskReasonInputSerializer, responses=s.TaskDetailSerializer)
class TaskCancelApi(TaskActionApi):
    """Call the task off with a reason (people who manage plans); it no longer counts in the figures."""

    input_serializer = s.TaskReasonInputSerializer

    def perform(self, request, task, *, reason):
        services.task_cancel(task=task, actor=request.user, reason=reason)
        return task_response(request, task)


@extend_schema(request=s.TaskAssignInputSerializer, responses=s.TaskDetailSerializer)
class TaskAssignApi(TaskActionApi):
    """Give an open task to someone who does tasks in its project, or back to the department's pool (null)."""

    input_serializer = s.TaskAssignInputSerializer

    def perform(self, request, task, *, assignee_id):
        people = plan_assignee_choices(task.project)
        assignee = s.resolve_id("assignee_id", people, assignee_id)
        try:
            services.task_assign(task=task, assignee=assignee, actor=request.user)
        except ValidationError as exc:
            raise _renamed(exc, {"assignee": "assignee_id"}) from None
        return task_response(request, task)


TASK_ACTIONS = {
    "start": TaskStartApi,
    "checkins": TaskCheckInApi,
    "problems": TaskProblemApi,
    "finish": TaskFinishApi,
    "cancel": TaskCancelApi,
    "assign": TaskAssignApi,
}
