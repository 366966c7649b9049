"""Forms of the phone pages of inspections: answer an item, rectify, verify, ask for and decide extensions.

They parse the request and check its shape (a score inside the item's range, a date); every
rule of the loop (photo when failing, who may, deadlines in the future) is the services', whose
ValidationErrors land back on these fields.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from inspections.choices import Outcome, Scoring
from inspections.models import ChecklistItem

PHOTO_HELP = _("JPEG, PNG, WebP or HEIC.")
SCORE_RANGE = _("The score must be from 0 to {max}.")
VERIFY_CHOICES = (("pass", _("Rectified: close the finding")), ("fail", _("Not rectified: send it back")))
DECIDE_CHOICES = (("approve", _("Approve")), ("reject", _("Reject")))
# Set by the page's script (static/inspections/phone.js): never typed in.
HIDDEN_FIELDS = ("latitude", "longitude")
DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


def _photo_field(label, *, required: bool = False, help_text=PHOTO_HELP) -> forms.FileField:
    # Checked by lib.images.process_photo in the service; `capture` opens the back camera on phones.
    attrs = {"accept": "image/*", "capture": "environment"}
    field = forms.FileField(label=label, required=False, help_text=help_text, widget=forms.FileInput(attrs=attrs))
    field.photo_required = required  # shown as required; the service enforces it with its message
    return field


def _position_field(limit: int) -> forms.DecimalField:
    return forms.DecimalField(
        required=False, min_value=-limit, max_value=limit, decimal_places=8, widget=forms.HiddenInput
    )


def _note_field(label, *, required: bool = False, rows: int = 2, help_text: str = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=2000,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows, "maxlength": 2000}),
    )


def _moment_field(label, *, help_text: str = "") -> forms.DateTimeField:
    """A date and time in the company's zone (the view parses it under that zone)."""
    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_FORMAT)
    return forms.DateTimeField(label=label, required=False, widget=widget, help_text=help_text)


class ResultForm(forms.Form):
    """The answer to one checklist item: outcome, a score for 0–N items, note, photo, place and position."""

    outcome = forms.ChoiceField(label=_("result"), choices=Outcome.choices, widget=forms.RadioSelect)
    note = _note_field(_("note"), help_text=_("What you saw; required in practice when it fails."))
    building = forms.ModelChoiceField(label=_("building"), queryset=None, required=False)
    area = forms.ModelChoiceField(label=_("public area"), queryset=None, required=False)
    latitude = _position_field(90)
    longitude = _position_field(180)

    def __init__(self, *args, item: ChecklistItem, buildings, areas, **kwargs):
        super().__init__(*args, **kwargs)
        self.item = item
        if item.scoring == Scoring.SCALE:
            self.fields["score"] = forms.DecimalField(
                label=_("score"),
                required=False,
                decimal_places=2,
                help_text=_("From 0 to {max}.").format(max=item.max_score),
                widget=forms.NumberInput(
                    attrs={"min": 0, "max": item.max_score, "step": "any", "inputmode": "decimal"}
                ),
            )
        photo_help = _("Required when the item fails.") if item.photo_required else PHOTO_HELP
        self.fields["photo"] = _photo_field(_("photo"), required=item.photo_required, help_text=photo_help)
        self.fields["building"].queryset = buildings
        self.fields["area"].queryset = areas
        self.fields["building"].empty_label = _("Not at a building")
        self.fields["area"].empty_label = _("Not in a public area")
        order = ["outcome", "score", "note", "photo", "building", "area", "latitude", "longitude"]
        self.order_fields([name for name in order if name in self.fields])

    def clean_score(self):
        value = self.cleaned_data.get("score")
        if value is not None and not 0 <= value <= self.item.max_score:
            raise forms.ValidationError(str(SCORE_RANGE).format(max=self.item.max_score), code="range")
        return value


class QuickPassForm(forms.Form):
    """One tap on the round's page: a pass/fail item passes, with the position when the phone gives it."""

    latitude = _position_field(90)
    longitude = _position_field(180)


class RectifyForm(forms.Form):
    note = _note_field(_("what was done"), required=False, rows=3)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["photo"] = _photo_field(_("photo after rectification"), required=True)
        self.order_fields(["photo", "note"])


class VerifyForm(forms.Form):
    result = forms.ChoiceField(label=_("verification"), choices=VERIFY_CHOICES, widget=forms.RadioSelect)
    note = _note_field(_("note"), help_text=_("Required when it is sent back: say what is still wrong."))
    new_due_at = _moment_field(_("new deadline"), help_text=_("Required when it is sent back."))


class ExtensionForm(forms.Form):
    requested_due_at = _moment_field(_("new deadline asked for"))
    reason = _note_field(_("reason"), required=False)


class DecideForm(forms.Form):
    decision = forms.ChoiceField(label=_("decision"), choices=DECIDE_CHOICES, widget=forms.RadioSelect)
    note = _note_field(_("note"), help_text=_("Required when it is rejected."))
