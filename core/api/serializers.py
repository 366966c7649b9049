"""Serializers check the request's shape; uniqueness and cross-field rules are the model's
(``full_clean()`` in the services), so ``Meta.validators`` is empty and api.exceptions reports
those errors on their field."""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from accounts.models import User
from core.access import access_for, restrict
from core.choices import Perm
from core.models import Area, Building, Department, Membership, Project, Resident, Unit, UnitResident

PROJECT_IMMUTABLE = _("A row cannot be moved to another project.")


class VisibleRelatedField(serializers.PrimaryKeyRelatedField):
    """A related row chosen by id among those the requesting user may see: any other id,
    of another project or company, is ``does_not_exist`` exactly like a missing one."""

    def __init__(self, *, model, selector, **kwargs):
        self.selector = selector
        super().__init__(queryset=model.objects.none(), **kwargs)

    def get_queryset(self):
        request = self.context.get("request")
        if request is None:
            return super().get_queryset()
        return self.selector(user=request.user)


def _visible_projects(*, user):
    return restrict(Project.objects.all(), user, Perm.ORG_VIEW, project_field="id")


def _visible_buildings(*, user):
    return restrict(Building.objects.all(), user, Perm.ORG_VIEW)


def _owner_units(*, user):
    return restrict(Unit.objects.all(), user, Perm.OWNERS_VIEW)


def _linkable_residents(*, user):
    """The rosters of companies where the user manages owners, company-wide or in one project.

    Wider than ``resident_list``, which shows a project member only residents already linked
    to his project: a resident he has just created must be linkable by id.
    """
    access = access_for(user)
    if access.is_superuser:
        return Resident.objects.all()
    companies = sorted(access.company_grants.get(Perm.OWNERS_MANAGE, set()))
    projects = sorted(access.project_grants.get(Perm.OWNERS_MANAGE, set()))
    project_companies = Project.objects.filter(id__in=projects).values("company_id")
    return Resident.objects.filter(Q(company_id__in=companies) | Q(company_id__in=project_companies))


class ProjectRowSerializer(serializers.ModelSerializer):
    """A row inside one project: the project is chosen on create and never changes."""

    project = VisibleRelatedField(model=Project, selector=_visible_projects)

    def validate_project(self, project: Project) -> Project:
        if self.instance is not None and project.pk != self.instance.project_id:
            raise serializers.ValidationError(PROJECT_IMMUTABLE, code="immutable")
        return project


class ProjectSerializer(serializers.ModelSerializer):
    class Meta:
        model = Project
        fields = [
            "id",
            "company",
            "name",
            "code",
            "kind",
            "service_level",
            "city",
            "district",
            "address",
            "floor_area",
            "households",
            "contract_start",
            "contract_end",
            "is_active",
            "created",
        ]
        read_only_fields = ["company", "created"]
        validators = []


class BuildingSerializer(ProjectRowSerializer):
    class Meta:
        model = Building
        fields = ["id", "project", "name", "floors", "sort_order", "created"]
        read_only_fields = ["created"]
        validators = []


class UnitSerializer(ProjectRowSerializer):
    building = VisibleRelatedField(model=Building, selector=_visible_buildings)

    class Meta:
        model = Unit
        fields = ["id", "project", "building", "entrance", "floor", "number", "code", "floor_area", "status", "created"]
        read_only_fields = ["created"]
        validators = []


class AreaSerializer(ProjectRowSerializer):
    building = VisibleRelatedField(model=Building, selector=_visible_buildings, required=False, allow_null=True)

    class Meta:
        model = Area
        fields = ["id", "project", "building", "name", "kind", "description", "created"]
        read_only_fields = ["created"]
        validators = []


class DepartmentSerializer(ProjectRowSerializer):
    class Meta:
        model = Department
        fields = ["id", "project", "kind", "name", "phone", "created"]
        read_only_fields = ["created"]
        validators = []


class UserBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "username", "name", "phone"]


class MembershipSerializer(serializers.ModelSerializer):
    user = UserBriefSerializer(read_only=True)

    class Meta:
        model = Membership
        fields = ["id", "company", "project", "user", "role", "department", "title", "is_active", "created"]
        read_only_fields = fields


class UnitResidentBriefSerializer(serializers.ModelSerializer):
    unit_code = serializers.CharField(source="unit.code", read_only=True)
    project = serializers.IntegerField(source="unit.project_id", read_only=True)

    class Meta:
        model = UnitResident
        fields = ["id", "unit", "unit_code", "project", "relation", "is_verified", "verified_at"]
        read_only_fields = fields


class ResidentSerializer(serializers.ModelSerializer):
    has_account = serializers.SerializerMethodField()

    class Meta:
        model = Resident
        fields = ["id", "name", "phone", "note", "has_account", "created"]
        read_only_fields = ["created"]
        extra_kwargs = {"phone": {"allow_blank": False, "required": True}}
        validators = []

    def get_has_account(self, obj) -> bool:
        return obj.user_id is not None


class UnitResidentSerializer(serializers.ModelSerializer):
    unit = VisibleRelatedField(model=Unit, selector=_owner_units)
    resident = VisibleRelatedField(model=Resident, selector=_linkable_residents)
    resident_name = serializers.CharField(source="resident.name", read_only=True)
    unit_code = serializers.CharField(source="unit.code", read_only=True)

    class Meta:
        model = UnitResident
        fields = [
            "id",
            "unit",
            "unit_code",
            "resident",
            "resident_name",
            "relation",
            "is_verified",
            "verified_at",
            "created",
        ]
        read_only_fields = ["is_verified", "verified_at", "created"]
        validators = []


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    name = serializers.CharField()
    phone = serializers.CharField(allow_null=True)
    roles = serializers.ListField(child=serializers.DictField())
    units = UnitResidentBriefSerializer(many=True)


class TokenInputSerializer(serializers.Serializer):
    username = serializers.CharField(help_text="Mobile number or username")
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)


class TokenOutputSerializer(serializers.Serializer):
    token = serializers.CharField()
