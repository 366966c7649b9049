"""Serializers of the standards API: output shapes and one input serializer per write.

Input serializers check the request's shape (field types, choices, the recurrence rule); codes
already taken and unchanged revisions are the services' errors, reported on their field.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from standards.models import ProfileSetting, ServiceLevelProfile, StandardItem, StandardRevision
from standards.services import SETTING_FIELDS


class StandardRevisionSerializer(serializers.ModelSerializer):
    created_by_name = serializers.SerializerMethodField(help_text=_("Who wrote the revision; empty for seed data."))

    class Meta:
        model = StandardRevision
        fields = [
            "id",
            "item",
            "number",
            "requirement",
            "frequency",
            "rrule",
            "time_limit_minutes",
            "judgement",
            "photo_required",
            "note",
            "created_by",
            "created_by_name",
            "created",
        ]
        read_only_fields = fields

    def get_created_by_name(self, revision: StandardRevision) -> str:
        return revision.created_by.get_full_name() if revision.created_by_id else ""


class StandardItemSerializer(serializers.ModelSerializer):
    current_revision = StandardRevisionSerializer(read_only=True)

    class Meta:
        model = StandardItem
        fields = ["id", "company", "discipline", "code", "title", "is_active", "sort_order", "current_revision"]
        read_only_fields = fields


class RevisionContentSerializer(serializers.ModelSerializer):
    """The content of a revision, as sent to create an item or to revise one."""

    note = serializers.CharField(max_length=200, help_text=_("What changed and why."))

    class Meta:
        model = StandardRevision
        fields = ["requirement", "frequency", "rrule", "time_limit_minutes", "judgement", "photo_required", "note"]
        validators = []  # uniqueness is the service's (full_clean)


class StandardItemCreateSerializer(RevisionContentSerializer):
    discipline = serializers.ChoiceField(choices=StandardItem._meta.get_field("discipline").choices)
    code = serializers.SlugField(max_length=40)
    title = serializers.CharField(max_length=100)
    sort_order = serializers.IntegerField(min_value=0, required=False)
    note = serializers.CharField(max_length=200, required=False, allow_blank=True)

    class Meta(RevisionContentSerializer.Meta):
        fields = ["discipline", "code", "title", "sort_order", *RevisionContentSerializer.Meta.fields]


class StandardRevisionInputSerializer(RevisionContentSerializer):
    """Fields left out are carried over from the current revision; ``note`` is required."""

    class Meta(RevisionContentSerializer.Meta):
        extra_kwargs = {
            "requirement": {"required": False},
            "frequency": {"required": False},
            "rrule": {"required": False},
            "time_limit_minutes": {"required": False},
            "judgement": {"required": False},
            "photo_required": {"required": False},
        }


class ProfileSettingSerializer(serializers.ModelSerializer):
    class Meta:
        model = ProfileSetting
        fields = ["id", "profile", *SETTING_FIELDS]
        read_only_fields = ["id", "profile", "key"]
        validators = []


class ServiceLevelProfileSerializer(serializers.ModelSerializer):
    settings = ProfileSettingSerializer(many=True, read_only=True)

    class Meta:
        model = ServiceLevelProfile
        fields = ["id", "company", "code", "name", "rank", "rank_direction", "is_builtin", "description", "settings"]
        read_only_fields = fields
