"""Query forms of the dashboard pages: the period and the scope (ids; the views resolve them with
the user's access, so another company's project answers 404)."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from analytics.selectors_dashboard import MAX_DAYS, default_period

PERIOD_TOO_LONG = _("The period is too long: at most %(days)s days.")
PERIOD_REVERSED = _("The start comes after the end.")


class PeriodForm(forms.Form):
    """``from`` and ``to`` (local dates, default this month), ``project`` and ``department`` ids."""

    to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    project = forms.IntegerField(label=_("Project"), required=False, min_value=1, widget=forms.HiddenInput)
    department = forms.IntegerField(label=_("Department"), required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # "from" is a Python keyword: the field is added here, first
        fields = {
            "from": forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
        }
        fields.update(self.fields)
        self.fields = fields

    def clean(self) -> dict:
        data = super().clean()
        first, last = default_period(timezone.localdate())
        date_from = data.get("from") or (first if not data.get("to") else data["to"].replace(day=1))
        date_to = data.get("to") or (last if not data.get("from") else max(date_from, last))
        if "from" in self.errors or "to" in self.errors:
            return data
        if date_from > date_to:
            raise forms.ValidationError(PERIOD_REVERSED, code="reversed")
        if (date_to - date_from).days + 1 > MAX_DAYS:
            raise forms.ValidationError(PERIOD_TOO_LONG, code="too_long", params={"days": MAX_DAYS})
        data["date_from"], data["date_to"] = date_from, date_to
        return data


PARTS = (("numerator", _("Counted (numerator)")), ("denominator", _("Basis (denominator)")))


class RecordsForm(PeriodForm):
    """The records behind a figure: the period, the scope, which part and optional narrowing."""

    part = forms.ChoiceField(label=_("Part"), choices=PARTS, required=False)
    person = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    kind = forms.SlugField(required=False, max_length=20, widget=forms.HiddenInput)


HOTSPOT_COUNTERS = (("reported", _("Reported")), ("repeats", _("Repeated problems")), ("complaints", _("Complaints")))


class HotspotRecordsForm(PeriodForm):
    """The orders behind a hotspot figure: a place, a category, a kind, a weekday and hour."""

    counter = forms.ChoiceField(choices=HOTSPOT_COUNTERS, required=False)
    building = forms.IntegerField(required=False, min_value=0)
    area = forms.IntegerField(required=False, min_value=0)
    category = forms.IntegerField(required=False, min_value=0)
    kind = forms.SlugField(required=False, max_length=20)
    weekday = forms.IntegerField(required=False, min_value=1, max_value=7)
    hour = forms.IntegerField(required=False, min_value=0, max_value=23)
