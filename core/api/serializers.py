from rest_framework import serializers

from accounts.models import User
from core.models import Area, Building, Department, Membership, Project, Resident, Unit, UnitResident


class ProjectSerializer(serializers.ModelSerializer):
    class Meta:
        model = Project
        fields = ["id", "company", "name", "code", "kind", "service_level", "city", "district", "address",
                  "floor_area", "households", "contract_start", "contract_end", "is_active", "created"]
        read_only_fields = ["company", "created"]


class BuildingSerializer(serializers.ModelSerializer):
    class Meta:
        model = Building
        fields = ["id", "project", "name", "floors", "sort_order", "created"]
        read_only_fields = ["created"]


class UnitSerializer(serializers.ModelSerializer):
    class Meta:
        model = Unit
        fields = ["id", "project", "building", "entrance", "floor", "number", "code", "floor_area", "status",
                  "created"]
        read_only_fields = ["created"]


class AreaSerializer(serializers.ModelSerializer):
    class Meta:
        model = Area
        fields = ["id", "project", "building", "name", "kind", "description", "created"]
        read_only_fields = ["created"]


class DepartmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Department
        fields = ["id", "project", "kind", "name", "phone", "created"]
        read_only_fields = ["created"]


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

    def get_has_account(self, obj) -> bool:
        return obj.user_id is not None


class UnitResidentSerializer(serializers.ModelSerializer):
    resident_name = serializers.CharField(source="resident.name", read_only=True)
    unit_code = serializers.CharField(source="unit.code", read_only=True)

    class Meta:
        model = UnitResident
        fields = ["id", "unit", "unit_code", "resident", "resident_name", "relation", "is_verified", "verified_at",
                  "created"]
        read_only_fields = ["is_verified", "verified_at", "created"]


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
