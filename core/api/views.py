"""REST API for the organisation model. Lists start from the same selectors and
FilterSets as the staff UI; writes go through core.services."""

from django.contrib.auth import authenticate
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import AuthenticationFailed, PermissionDenied, Throttled
from rest_framework.permissions import SAFE_METHODS, AllowAny, BasePermission, IsAuthenticated
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


class StaffPermission(BasePermission):
    """Staff endpoints need the view's read permission somewhere (its write permission for writes).

    Owners and people without a role get 403 on every staff endpoint, exactly as the staff UI
    refuses them; which rows a member sees or changes is then decided per project by the
    selectors and access helpers (404 for rows of other projects and companies).
    """

    def has_permission(self, request, view) -> bool:
        access = access_for(request.user)
        if access.is_superuser:
            return True
        perm = view.read_perm if request.method in SAFE_METHODS else view.write_perm
        return access.has(perm)


class OrgViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    # List and retrieve through a selector and an access helper; writes come from the mixins below.
    # Each viewset's docstring is its description in the OpenAPI schema.

    permission_classes = [IsAuthenticated, StaffPermission]
    read_perm: str = Perm.ORG_VIEW
    write_perm: str = Perm.ORG_MANAGE
    list_selector = None
    getter = None

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no user, no company scope
            return self.get_serializer_class().Meta.model.objects.none()
        return type(self).list_selector(user=self.request.user).order_by("pk")

    def get_object(self):
        write = self.request.method not in SAFE_METHODS
        return type(self).getter(user=self.request.user, pk=self.kwargs["pk"], write=write)


class ServiceCreateMixin:
    # POST: validate with the serializer, then create through the service (``create_service``).

    create_service = None

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        obj = self.perform_service_create(dict(serializer.validated_data))
        return Response(self.get_serializer(obj).data, status=status.HTTP_201_CREATED)

    def perform_service_create(self, data):
        project = data.pop("project")
        return type(self).create_service(project=project, data=data, actor=self.request.user)


class ServiceUpdateMixin:
    # PUT and PATCH: fetch with write access (403 for read-only members), update through ``update_service``.

    update_service = None
    update_kwarg = ""

    def update(self, request, *args, **kwargs):
        obj = self.get_object()
        serializer = self.get_serializer(obj, data=request.data, partial=kwargs.pop("partial", False))
        serializer.is_valid(raise_exception=True)
        obj = type(self).update_service(
            **{self.update_kwarg: obj}, data=dict(serializer.validated_data), actor=request.user
        )
        return Response(self.get_serializer(obj).data)

    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, partial=True, **kwargs)


class ProjectViewSet(ServiceCreateMixin, ServiceUpdateMixin, OrgViewSet):
    """Projects (项目) you can see. Creating and editing projects needs project.manage (company admins)."""

    serializer_class = s.ProjectSerializer
    filterset_class = ProjectFilterSet
    write_perm = Perm.PROJECT_MANAGE
    list_selector = staticmethod(selectors.project_list)
    getter = staticmethod(selectors.get_project_for_user)
    update_service = staticmethod(services.project_update)
    update_kwarg = "project"

    def perform_service_create(self, data):
        company = selectors.default_company_for_user(user=self.request.user)
        if company is None:
            raise PermissionDenied
        return services.project_create(company=company, data=data, actor=self.request.user)


class BuildingViewSet(ServiceCreateMixin, ServiceUpdateMixin, OrgViewSet):
    """Buildings (楼栋) of the projects you can see; writes need org.manage in the project."""

    serializer_class = s.BuildingSerializer
    filterset_class = BuildingFilterSet
    list_selector = staticmethod(selectors.building_list)
    getter = staticmethod(selectors.get_building_for_user)
    create_service = staticmethod(services.building_create)
    update_service = staticmethod(services.building_update)
    update_kwarg = "building"


class UnitViewSet(ServiceCreateMixin, ServiceUpdateMixin, OrgViewSet):
    """Units (房屋) of the projects you can see; the code is unique in its project. Writes need org.manage."""

    serializer_class = s.UnitSerializer
    filterset_class = UnitFilterSet
    list_selector = staticmethod(selectors.unit_list)
    getter = staticmethod(selectors.get_unit_for_user)
    create_service = staticmethod(services.unit_create)
    update_service = staticmethod(services.unit_update)
    update_kwarg = "unit"


class AreaViewSet(ServiceCreateMixin, ServiceUpdateMixin, OrgViewSet):
    """Public areas (公共区域) of the projects you can see; writes need org.manage."""

    serializer_class = s.AreaSerializer
    filterset_class = AreaFilterSet
    list_selector = staticmethod(selectors.area_list)
    getter = staticmethod(selectors.get_area_for_user)
    create_service = staticmethod(services.area_create)
    update_service = staticmethod(services.area_update)
    update_kwarg = "area"


class DepartmentViewSet(ServiceCreateMixin, ServiceUpdateMixin, OrgViewSet):
    """Departments (部门) of the projects you can see; writes need org.manage."""

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
    """Staff roles (company-wide or in one project), read only: roles are granted in the staff UI."""

    serializer_class = s.MembershipSerializer
    filterset_class = MembershipFilterSet
    read_perm = Perm.PEOPLE_VIEW
    write_perm = Perm.PEOPLE_MANAGE
    list_selector = staticmethod(selectors.membership_list)
    getter = staticmethod(_membership_getter)


def _resident_getter(*, user, pk, write=False):
    return selectors.get_resident_for_user(user=user, pk=pk)


class ResidentViewSet(ServiceCreateMixin, OrgViewSet):
    """Owners and residents (业主/住户) on the roster; needs owners.view, creating needs owners.manage."""

    serializer_class = s.ResidentSerializer
    filterset_class = ResidentFilterSet
    read_perm = Perm.OWNERS_VIEW
    write_perm = Perm.OWNERS_MANAGE
    list_selector = staticmethod(selectors.resident_list)
    getter = staticmethod(_resident_getter)

    def perform_service_create(self, data):
        company = selectors.default_company_for_user(user=self.request.user)
        if company is None:
            raise PermissionDenied
        return services.resident_create(company=company, actor=self.request.user, **data)


class UnitResidentViewSet(ServiceCreateMixin, OrgViewSet):
    """Links between units and residents; creating and verifying need owners.manage in the unit's project."""

    serializer_class = s.UnitResidentSerializer
    filterset_class = UnitResidentFilterSet
    read_perm = Perm.OWNERS_VIEW
    write_perm = Perm.OWNERS_MANAGE
    list_selector = staticmethod(selectors.unit_resident_list)
    getter = staticmethod(selectors.get_unit_resident_for_user)

    def perform_service_create(self, data):
        # The serializer only offered units and residents the user may see; the service checks owners.manage.
        return services.unit_resident_link(
            unit=data["unit"], resident=data["resident"], relation=data["relation"], actor=self.request.user
        )

    @extend_schema(
        request=None,
        responses=s.UnitResidentSerializer,
        description="Mark the link as verified (once; a second call answers 400).",
    )
    @action(detail=True, methods=["post"])
    def verify(self, request, pk=None, format=None):
        link = selectors.get_unit_resident_for_user(user=request.user, pk=pk, write=True)
        link = services.unit_resident_verify(link=link, actor=request.user)
        return Response(self.get_serializer(link).data)


class ObtainTokenApi(TenantApi):
    """Exchange a mobile number (or username) and password for an API token; throttled like the sign-in page."""

    permission_classes = [AllowAny]
    authentication_classes = []

    def get_authenticate_header(self, request) -> str:
        return "Token"  # a wrong password answers 401 with WWW-Authenticate, not 403

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
        roles = (
            [
                {"company": m.company_id, "project": m.project_id, "role": m.role, "department": m.department_id}
                for m in user.memberships.with_scopes_disabled().filter(user=user, is_active=True)
            ]
            if access_for(user).is_staff_member
            else []
        )
        data = {
            "id": user.id,
            "username": user.username,
            "name": user.name,
            "phone": user.phone,
            "roles": roles,
            "units": my_unit_links(user=user),
        }
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


__all__ = ["MeApi", "ObtainTokenApi", "Perm", "register"]
