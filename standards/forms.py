"""Forms of the standards pages. Plain forms built from the models' fields (labels, help texts and
validators come from there); the services do the writing and the cross-row checks."""

from django import forms
from django.forms.models import fields_for_model
from django.utils.translation import gettext_lazy as _

from standards.models import ProfileSetting, ServiceLevelProfile, StandardItem, StandardRevision
from standards.services import BUILTIN_LEVELS, REVISION_FIELDS, SETTING_FIELDS


class _ModelFieldsForm(forms.Form):
    """A form with ``fields`` of ``model`` (several models in order), without a model instance.

    The models' own validators (recurrence rule, ranges) run in the form too, so every bad field
    is named at once instead of after the form's own checks pass.
    """

    parts: list[tuple[type, tuple[str, ...]]] = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for model, names in self.parts:
            for name, field in fields_for_model(model, fields=names).items():
                extra = [v for v in model._meta.get_field(name).validators if v not in field.validators]
                field.validators = [*field.validators, *extra]
                self.fields[name] = field


class StandardItemCreateForm(_ModelFieldsForm):
    parts = [
        (StandardItem, ("discipline", "code", "title", "sort_order")),
        (StandardRevision, REVISION_FIELDS),
    ]


class StandardItemEditForm(_ModelFieldsForm):
    parts = [(StandardItem, ("discipline", "title", "sort_order"))]


class StandardRevisionForm(_ModelFieldsForm):
    parts = [(StandardRevision, REVISION_FIELDS)]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["note"].required = True  # a revision says why it was made


class ProfileForm(_ModelFieldsForm):
    parts = [(ServiceLevelProfile, ("name", "code", "rank", "rank_direction", "description"))]

    def __init__(self, *args, profile: ServiceLevelProfile | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if profile is not None and profile.is_builtin:
            self.fields["code"].disabled = True
            if profile.code in BUILTIN_LEVELS:
                self.fields["rank"].disabled = True
                self.fields["rank_direction"].disabled = True


class ProfileCreateForm(ProfileForm):
    copy_from = forms.ModelChoiceField(
        queryset=ServiceLevelProfile.objects.none(),
        required=False,
        label=_("copy settings from"),
        help_text=_("Start with the settings of this profile; empty starts with none."),
    )

    def __init__(self, *args, company_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["copy_from"].queryset = ServiceLevelProfile.objects.filter(company_id=company_id)


class ProfileSettingForm(_ModelFieldsForm):
    parts = [(ProfileSetting, SETTING_FIELDS)]

    def __init__(self, *args, setting: ProfileSetting | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if setting is not None:
            self.fields["key"].disabled = True
