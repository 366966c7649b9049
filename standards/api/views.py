"""REST API of the standards library and the service-level profiles.

Reads go through standards.selectors and writes through standards.services, as in the staff UI.
A row of another company is 404; a visible row the user may not change is 403 (``standards.manage``
is for quality managers and company admins).
"""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.permissions import SAFE_METHODS, IsAuthenticated
from rest_framework.response import Response
from rest_framework.reverse import reverse

from api.base import TenantViewSet
from core.api.views import StaffPermission
from core.choices import Perm
from standards import selectors, services
from standards.api import serializers as s
from standards.filtersets import StandardItemFilterSet
from standards.models import ProfileSetting, ServiceLevelProfile, StandardItem


class StandardsViewSet(TenantViewSet):
    permission_classes = [IsAuthenticated, StaffPermission]
    read_perm = Perm.STD_VIEW
    write_perm = Perm.STD_MANAGE


@extend_schema_view(
    list=extend_schema(
        description="The service standards library (服务标准) of your companies: items by discipline with "
        "their current revision. Filter by `discipline`, `is_active`, `photo_required`, search with `q`."
    ),
    retrieve=extend_schema(description="One standard item with its current revision."),
)
class StandardItemViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, StandardsViewSet):
    """Standard items: list, detail, create, revise, retire."""

    serializer_class = s.StandardItemSerializer
    filterset_class = StandardItemFilterSet

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no user, no company scope
            return StandardItem.objects.none()
        return selectors.standard_item_list(user=self.request.user).order_by("discipline", "sort_order", "id")

    def get_object(self):
        write = self.request.method not in SAFE_METHODS
        return selectors.get_standard_item_for_user(user=self.request.user, pk=self.kwargs["pk"], write=write)

    def _item_response(self, item: StandardItem, *, status_code=status.HTTP_200_OK, headers=None) -> Response:
        item = selectors.get_standard_item_for_user(user=self.request.user, pk=item.pk)  # read afresh
        return Response(s.StandardItemSerializer(item).data, status=status_code, headers=headers)

    @extend_schema(
        request=s.StandardItemCreateSerializer,
        responses={201: s.StandardItemSerializer},
        description="Add an item to your company's library with its first revision (quality managers "
        "and company admins). `code` is unique in the company.",
    )
    def create(self, request, format=None):
        data = s.StandardItemCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        company = selectors.managed_company_for_user(user=request.user)
        item = services.standard_item_create(company=company, data=dict(data.validated_data), actor=request.user)
        location = reverse("standard-item-detail", kwargs={"pk": item.pk}, request=request)
        return self._item_response(item, status_code=status.HTTP_201_CREATED, headers={"Location": location})

    @extend_schema(
        request=s.StandardRevisionInputSerializer,
        responses={201: s.StandardRevisionSerializer},
        description="Write the next revision of an item and make it current. Fields left out are carried "
        "over; the earlier revisions stay as they were (plans keep pointing at theirs). 400 with the "
        "code `unchanged` when the content is the same as the current revision's.",
    )
    @action(detail=True, methods=["post"])
    def revise(self, request, pk=None, format=None):
        item = self.get_object()
        data = s.StandardRevisionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        revision = services.standard_item_revise(item=item, data=dict(data.validated_data), actor=request.user)
        return Response(s.StandardRevisionSerializer(revision).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=s.StandardItemSerializer, description="Retire the item from the library.")
    @action(detail=True, methods=["post"])
    def deactivate(self, request, pk=None, format=None):
        item = services.standard_item_deactivate(item=self.get_object(), actor=request.user)
        return self._item_response(item)

    @extend_schema(request=None, responses=s.StandardItemSerializer, description="Bring a retired item back.")
    @action(detail=True, methods=["post"])
    def activate(self, request, pk=None, format=None):
        item = services.standard_item_activate(item=self.get_object(), actor=request.user)
        return self._item_response(item)

    @extend_schema(
        responses=s.StandardRevisionSerializer(many=True),
        description="Every revision of the item, newest first (not paginated: items have few).",
        filters=False,
    )
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def revisions(self, request, pk=None, format=None):
        item = self.get_object()
        revisions = selectors.standard_revision_list(item=item)
        return Response(s.StandardRevisionSerializer(revisions, many=True).data)


@extend_schema_view(
    list=extend_schema(
        description="Service-level profiles (一级/二级/三级, custom and your own) with their settings: the "
        "DOMAIN §6.1 table in machine-readable form (`rrule`, `interval_minutes`, `times_per_day`, "
        "`target_percent`, `limit_minutes`) and its basis mark."
    ),
    retrieve=extend_schema(description="One service-level profile with its settings."),
)
class ServiceLevelProfileViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, StandardsViewSet):
    """Service-level profiles and their settings."""

    serializer_class = s.ServiceLevelProfileSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ServiceLevelProfile.objects.none()
        return selectors.profile_list(user=self.request.user).order_by("company", "rank", "code")

    def get_object(self):
        return selectors.get_profile_for_user(user=self.request.user, pk=self.kwargs["pk"])


@extend_schema_view(
    retrieve=extend_schema(description="One setting of a service-level profile."),
    update=extend_schema(description="Change a setting (quality managers and company admins); `key` stays."),
    partial_update=extend_schema(description="Change some fields of a setting; `key` stays."),
)
class ProfileSettingViewSet(mixins.RetrieveModelMixin, mixins.UpdateModelMixin, StandardsViewSet):
    """Settings of service-level profiles: read and change one."""

    serializer_class = s.ProfileSettingSerializer

    def get_queryset(self):
        return ProfileSetting.objects.none()  # rows come from get_object (access helper)

    def get_object(self):
        write = self.request.method not in SAFE_METHODS
        return selectors.get_profile_setting_for_user(user=self.request.user, pk=self.kwargs["pk"], write=write)

    def update(self, request, *args, **kwargs):
        setting = self.get_object()
        data = self.get_serializer(setting, data=request.data, partial=kwargs.pop("partial", False))
        data.is_valid(raise_exception=True)
        setting = services.profile_setting_update(setting=setting, data=dict(data.validated_data), actor=request.user)
        return Response(self.get_serializer(setting).data)
