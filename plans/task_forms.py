"""Forms of the phone pages for plan tasks: check in, report a problem, finish.

They only parse the request; every rule (route, order, window, photo, distance) is the
services' (plans.services.tasks), whose ValidationErrors land back on these fields.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from plans.choices import CheckInMethod
from plans.selectors import RouteStop

PHOTO_HELP = _("JPEG, PNG, WebP or HEIC.")
CHECKPOINT_UNKNOWN = _("This checkpoint is not on the task's route.")
# Set by the page's script (static/plans/tasks.js): never typed in.
HIDDEN_FIELDS = ("method", "code", "checkpoint", "latitude", "longitude")


def _photo_field(label, *, required: bool = False) -> forms.FileField:
    # Checked by lib.images.process_photo in the service; `capture` opens the back camera on phones.
    attrs = {"accept": "image/*", "capture": "environment"}
    field = forms.FileField(label=label, required=False, help_text=PHOTO_HELP, widget=forms.FileInput(attrs=attrs))
    field.photo_required = required  # shown as required; the service enforces it with its message
    return field


def _position_field() -> forms.FloatField:
    return forms.FloatField(required=False, min_value=-180, max_value=180, widget=forms.HiddenInput)


class _RouteForm(forms.Form):
    """A form that names a checkpoint of the task's route by id."""

    def __init__(self, *args, stops: list[RouteStop], **kwargs):
        super().__init__(*args, **kwargs)
        self.stops = stops

    def clean_checkpoint(self):
        value = self.cleaned_data.get("checkpoint")
        if value in (None, ""):
            return None
        for stop in self.stops:
            if stop.checkpoint.pk == int(value):
                return stop.checkpoint
        raise forms.ValidationError(CHECKPOINT_UNKNOWN, code="not_on_route")


class CheckInForm(_RouteForm):
    """One check-in: by QR (``code``), by position (``latitude``/``longitude``) or entered by a supervisor."""

    method = forms.ChoiceField(choices=CheckInMethod.choices, widget=forms.HiddenInput)
    code = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)
    checkpoint = forms.IntegerField(required=False, widget=forms.HiddenInput)
    latitude = _position_field()
    longitude = _position_field()
    note = forms.CharField(
        label=_("note"), required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2, "maxlength": 500})
    )

    def __init__(self, *args, photo_required: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["photo"] = _photo_field(_("photo"), required=photo_required)
        self.order_fields(["method", "code", "checkpoint", "latitude", "longitude", "photo", "note"])


class ProblemForm(_RouteForm):
    """Found a problem on the round: it becomes a work order at the checkpoint's place."""

    description = forms.CharField(
        label=_("what is wrong"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3, "maxlength": 1000})
    )
    checkpoint = forms.TypedChoiceField(label=_("where"), required=False, coerce=int, empty_value=None)
    latitude = _position_field()
    longitude = _position_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", _("Elsewhere on the round"))]
        choices += [(stop.checkpoint.pk, stop.checkpoint.name) for stop in self.stops]
        self.fields["checkpoint"].choices = choices
        self.fields["photo"] = _photo_field(_("photo"))


class FinishForm(forms.Form):
    note = forms.CharField(
        label=_("note"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": 1000}),
        help_text=_("Required when checkpoints were not visited: say why."),
    )

    def __init__(self, *args, photo_required: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["photo"] = _photo_field(_("photo"), required=photo_required)
