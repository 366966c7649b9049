"""REST API for the organisation model. Lists start from the same selectors and
FilterSets as the staff UI; writes go through core.services."""

from django.contrib.auth import authenticate
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import AuthenticationFailed, Throttled
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from accounts.forms import client_ip
from accounts.services import login_failure_record, login_is_throttled, login_success_clear, login_throttled_message
from api.base import TenantApi, TenantViewSet
from core import selectors, services
from core.access import access_for
from core.api import serializers as s
from core.choices import Perm
from core.filtersets import (
    AreaFilterSet,
    BuildingFilterSet,
    DepartmentFilterSet,
    MembershipFilterSet,
    ProjectFilterSet,
    ResidentFilterSet,
    UnitFilterSet,
    UnitResidentFilterSet,
)
from portal.selectors import my_unit_links


class OrgViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    """List and retrieve through a selector and an access helper; create and update through services."""

    list_selector = None
    getter = None
    create_service = None
    update_service = None
    update_kwarg = ""

    def get_queryset(self):
        return type(self).list_selector(user=self.request.user).order_by("pk")

    def get_object(self):
        write = self.request.method not in ("GET", "HEAD", "OPTIONS")
        return type(self).getter(user=self.request.user, pk=self.kwargs["pk"], write=write)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        obj = self.perform_service_create(data)
        return Response(self.get_serializer(obj).data, status=status.HTTP_201_CREATED)

    def perform_service_create(self, data):
        project = data.pop("project")
        return type(self).create_service(project=project, data=data, actor=self.request.user)

    def update(self, request, *args, **kwargs):
        obj = self.get_object()
        serializer = self.get_serializer(obj, data=request.data, partial=kwargs.pop("partial", False))
        serializer.is_valid(raise_exception=True)
        obj = type(self).update_service(**{self.update_kwarg: obj}, data=dict(serializer.validated_data),
                                        actor=request.user)
        return Response(self.get_serializer(obj).data)

    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, partial=True, **kwargs)


class ProjectViewSet(OrgViewSet, mixins.CreateModelMixin, mixins.UpdateModelMixin):
    serializer_class = s.ProjectSerializer
    filterset_class = ProjectFilterSet
    list_selector = staticmethod(selectors.project_list)
    getter = staticmethod(selectors.get_project_for_user)
    update_service = staticmethod(services.project_update)
    update_kwarg = "project"

    def perform_service_create(self, data):
        company = selectors.default_company_for_user(user=self.request.user)
        if company is None:
            raise serializers.ValidationError({"company": "not a member of any company"})
        return services.project_create(company=company, data=data, actor=self.request.user)


class BuildingViewSet(OrgViewSet, mixins.CreateModelMixin, mixins.UpdateModelMixin):
    serializer_class = s.BuildingSerializer
    filterset_class = BuildingFilterSet
    list_selector = staticmethod(selectors.building_list)
    getter = staticmethod(selectors.get_building_for_user)
    create_service = staticmethod(services.building_create)
    update_service = staticmethod(services.building_update)
    update_kwarg = "building"


class UnitViewSet(OrgViewSet, mixins.CreateModelMixin, mixins.UpdateModelMixin):
    serializer_class = s.UnitSerializer
    filterset_class = UnitFilterSet
    list_selector = staticmethod(selectors.unit_list)
    getter = staticmethod(selectors.get_unit_for_user)
    create_service = staticmethod(services.unit_create)
    update_service = staticmethod(services.unit_update)
    update_kwarg = "unit"


class AreaViewSet(OrgViewSet, mixins.CreateModelMixin, mixins.UpdateModelMixin):
    serializer_class = s.AreaSerializer
    filterset_class = AreaFilterSet
    list_selector = staticmethod(selectors.area_list)
    getter = staticmethod(selectors.get_area_for_user)
    create_service = staticmethod(services.area_create)
    update_service = staticmethod(services.area_update)
    update_kwarg = "area"


class DepartmentViewSet(OrgViewSet, mixins.CreateModelMixin, mixins.UpdateModelMixin):
    serializer_class = s.DepartmentSerializer
    filterset_class = DepartmentFilterSet
    list_selector = staticmethod(selectors.department_list)
    getter = staticmethod(selectors.get_department_for_user)
    create_service = staticmethod(services.department_create)
    update_service = staticmethod(services.department_update)
    update_kwarg = "department"


def _membership_getter(*, user, pk, write=False):
    return selectors.get_membership_for_user(user=user, pk=pk)


class MembershipViewSet(OrgViewSet):
    serializer_class = s.MembershipSerializer
    filterset_class = MembershipFilterSet
    list_selector = staticmethod(selectors.membership_list)
    getter = staticmethod(_membership_getter)


def _resident_getter(*, user, pk, write=False):
    return selectors.get_resident_for_user(user=user, pk=pk)


class ResidentViewSet(OrgViewSet, mixins.CreateModelMixin):
    serializer_class = s.ResidentSerializer
    filterset_class = ResidentFilterSet
    list_selector = staticmethod(selectors.resident_list)
    getter = staticmethod(_resident_getter)

    def perform_service_create(self, data):
        company = selectors.default_company_for_user(user=self.request.user)
        return services.resident_create(company=company, actor=self.request.user, **data)


class UnitResidentViewSet(OrgViewSet, mixins.CreateModelMixin):
    serializer_class = s.UnitResidentSerializer
    filterset_class = UnitResidentFilterSet
    list_selector = staticmethod(selectors.unit_resident_list)
    getter = staticmethod(selectors.get_unit_resident_for_user)

    def perform_service_create(self, data):
        unit = selectors.get_unit_for_user(user=self.request.user, pk=data["unit"].pk)
        resident = selectors.get_resident_for_user(user=self.request.user, pk=data["resident"].pk)
        return services.unit_resident_link(unit=unit, resident=resident, relation=data["relation"],
                                           actor=self.request.user)

    @extend_schema(request=None, responses=s.UnitResidentSerializer)
    @action(detail=True, methods=["post"])
    def verify(self, request, pk=None, format=None):
        link = selectors.get_unit_resident_for_user(user=request.user, pk=pk, write=True)
        link = services.unit_resident_verify(link=link, actor=request.user)
        return Response(self.get_serializer(link).data)


class ObtainTokenApi(TenantApi):
    """Exchange a mobile number (or username) and password for an API token; throttled like the sign-in page."""

    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(request=s.TokenInputSerializer, responses=s.TokenOutputSerializer)
    def post(self, request):
        from rest_framework.authtoken.models import Token

        data = s.TokenInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        identifier, ip = data.validated_data["username"], client_ip(request)
        if login_is_throttled(identifier=identifier, ip=ip):
            raise Throttled(detail=login_throttled_message())
        user = authenticate(request, username=identifier, password=data.validated_data["password"])
        if user is None:
            login_failure_record(identifier=identifier, ip=ip)
            raise AuthenticationFailed("用户名或密码错误 / Wrong username or password.")
        login_success_clear(identifier=identifier, ip=ip)
        token, _created = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})


class MeApi(TenantApi):
    """Who am I: roles (company and project) and the units I am linked to."""

    @extend_schema(responses=s.MeSerializer)
    def get(self, request):
        user = request.user
        roles = [
            {"company": m.company_id, "project": m.project_id, "role": m.role, "department": m.department_id}
            for m in user.memberships.with_scopes_disabled().filter(user=user, is_active=True)
        ] if access_for(user).is_staff_member else []
        data = {"id": user.id, "username": user.username, "name": user.name, "phone": user.phone, "roles": roles,
                "units": my_unit_links(user=user)}
        return Response(s.MeSerializer(data).data)


def register(router) -> None:
    router.register("projects", ProjectViewSet, basename="project")
    router.register("buildings", BuildingViewSet, basename="building")
    router.register("units", UnitViewSet, basename="unit")
    router.register("areas", AreaViewSet, basename="area")
    router.register("departments", DepartmentViewSet, basename="department")
    router.register("memberships", MembershipViewSet, basename="membership")
    router.register("residents", ResidentViewSet, basename="resident")
    router.register("unit-residents", UnitResidentViewSet, basename="unitresident")


__all__ = ["register", "ObtainTokenApi", "MeApi", "Perm"]
