"""REST API for work orders: one read viewset (list, detail, create) and one class per action.

Reads go through workorders.selectors and writes through workorders.services, exactly as the
staff UI and /m/ do. An order the user may not see is 404 (another company's, another owner's);
a visible order the user may not act on is 403; a step the order cannot take now is 400 with the
code ``bad_transition`` (409 ``conflict`` when it changed meanwhile).
"""

import django_filters as filters
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, pagination, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.reverse import reverse

from api.base import TenantApi, TenantViewSet
from core.access import access_for
from core.api.views import StaffPermission
from core.choices import Perm, ServiceLevel
from core.models import Project
from workorders import services
from workorders.api import serializers as s
from workorders.choices import Kind, Priority
from workorders.filtersets import WorkOrderFilterSet
from workorders.models import Category, SlaPolicy, WorkOrder
from workorders.selectors import (
    LIST_RELATED,
    follow_ups_pending,
    get_workorder_for_user,
    workorder_is_staff,
    workorder_list,
    workorder_timeline,
)
from workorders.services.common import is_reporter

FOLLOW_UP_NONE_DUE = _("No follow-up is due for this order.")


# PostgreSQL's planning time grows steeply with joins: workorder_list's eight-table join took
# ~150 ms to plan against ~3 ms to run a page of a million orders; four tables plan in ~1 ms.
# The other names come in one small query per relation: still a constant number per page.
LIST_JOINED = ("project", "category", "unit")
LIST_PREFETCHED = tuple(name for name in LIST_RELATED if name not in LIST_JOINED and name != "category__parent")


class WorkOrderCursorPagination(pagination.CursorPagination):
    """Newest first by id, without a COUNT(*): the list stays fast at millions of orders."""

    ordering = "-id"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


def _for_owner(user, order: WorkOrder) -> bool:
    return not workorder_is_staff(user=user, order=order)


def detail_response(request, pk) -> Response:
    """The order as ``GET /workorders/{id}/`` shows it, read afresh after a write."""
    order = get_workorder_for_user(user=request.user, pk=pk)
    return Response(s.WorkOrderDetailSerializer(order, context={"request": request}).data)


def _require_reporting(user, project=None) -> None:
    """Staff who enter orders (in ``project``) or an owner (the service checks his unit); else 403."""
    access = access_for(user)
    if access.is_resident or access.is_superuser:
        return
    if project is None:
        allowed = access.has(Perm.WO_REPORT)
    else:
        allowed = access.allows(Perm.WO_REPORT, company_id=project.company_id, project_id=project.id)
    if not allowed:
        raise PermissionDenied


def _require_actor(user, order: WorkOrder) -> None:
    """Read-only members (viewers) get 403 on every action before their input is read."""
    access = access_for(user)
    for perm in (Perm.WO_WORK, Perm.WO_MANAGE):
        if access.allows(perm, company_id=order.company_id, project_id=order.project_id):
            return
    if not is_reporter(user, order):
        raise PermissionDenied


#
# Orders
#
@extend_schema_view(
    list=extend_schema(
        description="Work orders (工单) you may see, newest first: staff by their roles, owners the orders "
        "they reported. Cursor-paginated (follow `next`); filters as in the staff list."
    ),
)
class WorkOrderViewSet(mixins.ListModelMixin, TenantViewSet):
    """Work orders (工单): list, report, and one order in full."""

    serializer_class = s.WorkOrderSerializer
    filterset_class = WorkOrderFilterSet
    pagination_class = WorkOrderCursorPagination

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no user, no company scope
            return WorkOrder.objects.none()
        qs = workorder_list(user=self.request.user).select_related(None).select_related(*LIST_JOINED)
        return qs.prefetch_related(*LIST_PREFETCHED)

    @extend_schema(
        responses=s.WorkOrderDetailSerializer,
        description="One order with its deadlines, flags, photos, ratings, follow-ups and `allowed_actions`: "
        "the actions you may take on it now.",
    )
    def retrieve(self, request, pk=None, format=None):
        return detail_response(request, pk)

    @extend_schema(
        request=s.WorkOrderCreateInputSerializer,
        responses={201: s.WorkOrderSerializer},
        description="Report an order (JSON, or multipart with `photos`). Staff who enter orders may report "
        "for anyone and set `source`; an owner reports for one of his units or a public area of his "
        "project. Answers the new order as a list row; `Location` points to its detail.",
    )
    def create(self, request, format=None):
        _require_reporting(request.user)
        data = s.WorkOrderCreateInputSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        project, photos = fields.pop("project"), fields.pop("photos", ())
        _require_reporting(request.user, project)
        order = services.workorder_create(project=project, data=fields, actor=request.user, photos=photos)
        location = reverse("workorder-detail", kwargs={"pk": order.pk}, request=request)
        body = s.WorkOrderSerializer(order, context={"request": request}).data
        return Response(body, status=status.HTTP_201_CREATED, headers={"Location": location})


class WorkOrderEventListApi(TenantApi):
    """The order's timeline, oldest first; owners see only the events shown to them."""

    @extend_schema(responses=s.EventSerializer(many=True))
    def get(self, request, pk, format=None):
        order = get_workorder_for_user(user=request.user, pk=pk)
        for_owner = _for_owner(request.user, order)
        events = workorder_timeline(order=order, for_owner=for_owner)
        context = {"request": request, "for_owner": for_owner}
        return Response(s.EventSerializer(events, many=True, context=context).data)


class WorkOrderPhotoListApi(TenantApi):
    """Photos of the order (before, during, after the work), with thumbnails."""

    @extend_schema(responses=s.PhotoSerializer(many=True))
    def get(self, request, pk, format=None):
        order = get_workorder_for_user(user=request.user, pk=pk)
        photos = s.order_photos(order=order, for_owner=_for_owner(request.user, order))
        return Response(s.PhotoSerializer(photos, many=True, context={"request": request}).data)

    @extend_schema(
        request={"multipart/form-data": s.PhotosInputSerializer},
        responses={201: s.PhotoSerializer(many=True)},
        description="Add photos (multipart `photos`, at most 9, and `stage`): the reporter, or staff "
        "who work on the order. One bad photo rejects the whole upload.",
    )
    def post(self, request, pk, format=None):
        order = get_workorder_for_user(user=request.user, pk=pk)
        _require_actor(request.user, order)
        data = s.PhotosInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        photos = services.photos_add(
            order=order, files=data.validated_data["photos"], stage=data.validated_data["stage"], actor=request.user
        )
        body = s.PhotoSerializer(photos, many=True, context={"request": request}).data
        return Response(body, status=status.HTTP_201_CREATED)


class WorkOrderRatingListApi(TenantApi):
    """The owner's ratings of the order, one per round of work, newest first."""

    @extend_schema(responses=s.RatingSerializer(many=True))
    def get(self, request, pk, format=None):
        order = get_workorder_for_user(user=request.user, pk=pk)
        return Response(s.RatingSerializer(order.ratings.all(), many=True).data)


#
# Actions: POST /workorders/{id}/<action>/, each answering the order's detail
#
class WorkOrderActionApi(TenantApi):
    input_serializer: type | None = None

    def post(self, request, pk, format=None):
        order = get_workorder_for_user(user=request.user, pk=pk)
        _require_actor(request.user, order)
        data = {}
        if self.input_serializer is not None:
            serializer = self.input_serializer(data=request.data, context={"request": request, "order": order})
            serializer.is_valid(raise_exception=True)
            data = dict(serializer.validated_data)
        self.perform(order=order, actor=request.user, **data)
        return detail_response(request, order.pk)

    def perform(self, *, order: WorkOrder, actor, **data) -> None:
        """Call the action's service; every subclass overrides it (this base class is never routed)."""
        raise NotImplementedError


def _action_schema(input_serializer=None, multipart: bool = False):
    request = input_serializer
    if multipart:
        request = {"application/json": input_serializer, "multipart/form-data": input_serializer}
    return extend_schema(request=request, responses=s.WorkOrderDetailSerializer)


@_action_schema(s.NoteInputSerializer)
class WorkOrderAcceptApi(WorkOrderActionApi):
    """Accept (受理) a submitted or reopened order. Needs workorders.manage."""

    input_serializer = s.NoteInputSerializer

    def perform(self, *, order, actor, note):
        services.workorder_accept(order=order, actor=actor, note=note)


@_action_schema(s.DispatchInputSerializer)
class WorkOrderDispatchApi(WorkOrderActionApi):
    """Dispatch (派单) to a person and/or a department of the order's project; reassigns an order already out."""

    input_serializer = s.DispatchInputSerializer

    def perform(self, *, order, actor, assignee, department, note, **ids):
        services.workorder_dispatch(order=order, assignee=assignee, department=department, note=note, actor=actor)


@_action_schema()
class WorkOrderTakeApi(WorkOrderActionApi):
    """The assignee takes (接单) a dispatched order."""

    def perform(self, *, order, actor):
        services.workorder_take(order=order, actor=actor)


@_action_schema(s.NoteInputSerializer)
class WorkOrderStartApi(WorkOrderActionApi):
    """Arrival on site (到场): the work starts."""

    input_serializer = s.NoteInputSerializer

    def perform(self, *, order, actor, note):
        services.workorder_start(order=order, actor=actor, note=note)


@_action_schema(s.HoldInputSerializer)
class WorkOrderHoldApi(WorkOrderActionApi):
    """Put the order on hold (waiting for parts, the owner or a third party): the SLA clocks pause."""

    input_serializer = s.HoldInputSerializer

    def perform(self, *, order, actor, hold_reason, reason):
        services.workorder_hold(order=order, hold_reason=hold_reason, reason=reason, actor=actor)


@_action_schema(s.NoteInputSerializer)
class WorkOrderResumeApi(WorkOrderActionApi):
    """Resume an order on hold: it goes back to where it was and the clocks run again."""

    input_serializer = s.NoteInputSerializer

    def perform(self, *, order, actor, note):
        services.workorder_resume(order=order, actor=actor, note=note)


@_action_schema(s.CompleteInputSerializer, multipart=True)
class WorkOrderCompleteApi(WorkOrderActionApi):
    """Work done (完工), with a note and after photos (multipart `photos`)."""

    input_serializer = s.CompleteInputSerializer

    def perform(self, *, order, actor, note, photos=()):
        services.workorder_complete(order=order, actor=actor, note=note, photos=photos)


@_action_schema(s.VerifyInputSerializer)
class WorkOrderVerifyApi(WorkOrderActionApi):
    """A supervisor checks the work (验收): passed, or back to rework with a reason."""

    input_serializer = s.VerifyInputSerializer

    def perform(self, *, order, actor, passed, reason):
        services.workorder_verify(order=order, passed=passed, reason=reason, actor=actor)


@_action_schema(s.NoteInputSerializer)
class WorkOrderCloseApi(WorkOrderActionApi):
    """Close the order; its follow-up (回访) falls due."""

    input_serializer = s.NoteInputSerializer

    def perform(self, *, order, actor, note):
        services.workorder_close(order=order, actor=actor, note=note)


@_action_schema(s.ReasonInputSerializer)
class WorkOrderCancelApi(WorkOrderActionApi):
    """Cancel with a reason: staff, or the owner before anyone is on site."""

    input_serializer = s.ReasonInputSerializer

    def perform(self, *, order, actor, reason):
        services.workorder_cancel(order=order, reason=reason, actor=actor)


@_action_schema(s.ReasonInputSerializer)
class WorkOrderRejectApi(WorkOrderActionApi):
    """Decline an order outside the company's responsibility, with a reason."""

    input_serializer = s.ReasonInputSerializer

    def perform(self, *, order, actor, reason):
        services.workorder_reject(order=order, reason=reason, actor=actor)


@_action_schema(s.ReasonInputSerializer)
class WorkOrderReopenApi(WorkOrderActionApi):
    """Send a completed order back (重开) with a reason, within the company's reopen window."""

    input_serializer = s.ReasonInputSerializer

    def perform(self, *, order, actor, reason):
        services.workorder_reopen(order=order, reason=reason, actor=actor)


@_action_schema(s.RateInputSerializer)
class WorkOrderRateApi(WorkOrderActionApi):
    """The owner rates the completed work (1–5 stars, tags, comment), once per round."""

    input_serializer = s.RateInputSerializer

    def perform(self, *, order, actor, stars, tags, comment, is_public):
        services.workorder_rate(order=order, stars=stars, tags=tags, comment=comment, is_public=is_public, actor=actor)


@_action_schema(s.CommentInputSerializer, multipart=True)
class WorkOrderCommentApi(WorkOrderActionApi):
    """A note on the timeline (internal unless public), optionally with photos."""

    input_serializer = s.CommentInputSerializer

    def perform(self, *, order, actor, text, is_public, photos=()):
        services.workorder_comment(order=order, text=text, is_public=is_public, actor=actor, photos=photos)


@_action_schema(s.FollowUpInputSerializer)
class WorkOrderFollowUpApi(WorkOrderActionApi):
    """Record the due follow-up (回访): staff after a call or visit, or the owner's own answer.

    "Not resolved" reopens the order.
    """

    input_serializer = s.FollowUpInputSerializer

    def perform(self, *, order, actor, **data):
        follow_up = follow_ups_pending(order=order).first()
        if follow_up is None:
            raise ValidationError(FOLLOW_UP_NONE_DUE, code="no_follow_up")
        services.follow_up_record(follow_up=follow_up, actor=actor, **data)


ACTIONS = {
    "accept": WorkOrderAcceptApi,
    "dispatch": WorkOrderDispatchApi,
    "take": WorkOrderTakeApi,
    "start": WorkOrderStartApi,
    "hold": WorkOrderHoldApi,
    "resume": WorkOrderResumeApi,
    "complete": WorkOrderCompleteApi,
    "verify": WorkOrderVerifyApi,
    "close": WorkOrderCloseApi,
    "cancel": WorkOrderCancelApi,
    "reject": WorkOrderRejectApi,
    "reopen": WorkOrderReopenApi,
    "rate": WorkOrderRateApi,
    "comment": WorkOrderCommentApi,
    "follow-up": WorkOrderFollowUpApi,
}


#
# Configuration, read only
#
class CategoryFilterSet(filters.FilterSet):
    kind = filters.ChoiceFilter(choices=Kind.choices, label=_("kind"))
    parent_id = filters.NumberFilter(field_name="parent", label=_("parent"))

    class Meta:
        model = Category
        fields = ["kind", "parent_id"]


class SlaPolicyFilterSet(filters.FilterSet):
    kind = filters.ChoiceFilter(choices=Kind.choices, label=_("kind"))
    priority = filters.ChoiceFilter(choices=Priority.choices, label=_("priority"))
    service_level = filters.ChoiceFilter(choices=ServiceLevel.choices, label=_("service level"))

    class Meta:
        model = SlaPolicy
        fields = ["kind", "priority", "service_level"]


class CategoryViewSet(mixins.ListModelMixin, TenantViewSet):
    """Active work-order categories (with Open311 code, kind, parent and priority hint) of your companies."""

    serializer_class = s.CategorySerializer
    filterset_class = CategoryFilterSet

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Category.objects.none()
        access = access_for(self.request.user)
        qs = Category.objects.filter(is_active=True)
        return qs if access.is_superuser else qs.filter(company_id__in=access.scope_company_ids())


class SlaPolicyViewSet(mixins.ListModelMixin, TenantViewSet):
    """SLA policies (minutes to acknowledge, dispatch, arrive, resolve) of companies whose orders you see."""

    serializer_class = s.SlaPolicySerializer
    permission_classes = [IsAuthenticated, StaffPermission]
    read_perm = Perm.WO_VIEW
    write_perm = Perm.WO_CONFIGURE
    filterset_class = SlaPolicyFilterSet

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return SlaPolicy.objects.none()
        access = access_for(self.request.user)
        if access.is_superuser:
            return SlaPolicy.objects.all()
        return SlaPolicy.objects.filter(company_id__in=_companies_with(access, Perm.WO_VIEW))


def _companies_with(access, perm: str) -> list[int]:
    """Companies where the user holds ``perm`` company-wide or in at least one project."""
    projects = Project.objects.filter(id__in=sorted(access.project_grants.get(perm, set())))
    return sorted(access.company_grants.get(perm, set()) | set(projects.values_list("company_id", flat=True)))
