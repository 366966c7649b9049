from django import forms
from django.utils.translation import gettext_lazy as _
from django_scopes.forms import SafeModelChoiceField

from core.choices import Perm
from core.forms import ProjectChoiceMixin
from portal.models import Notice


class NoticeForm(ProjectChoiceMixin, forms.ModelForm):
    write_perm = Perm.NOTICES_MANAGE
    publish = forms.BooleanField(label=_("Publish now"), required=False)

    class Meta:
        model = Notice
        fields = ["project", "title", "body", "is_pinned"]
        field_classes = {"project": SafeModelChoiceField}
