"""Owner forms for work orders on /m/: plain HTML inputs that work in a WeChat webview without JavaScript."""

import datetime as dt

from django import forms
from django.core.validators import RegexValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import Area, Project, Unit
from portal.selectors import my_unit_links
from workorders.choices import OWNER_KINDS, FollowUpResolved, Kind, RatingTag, Satisfaction
from workorders.models import Category
from workorders.selectors import category_choices

PHOTOS_HELP = _("Up to 9 photos (JPEG, PNG, WebP or HEIC, 10 MB each).")
PLACE_INVALID = _("Pick one of your units or a public area of your community.")
CATEGORY_OTHER_COMPANY = _("This category is not used by the property company of the chosen place.")
APPOINTMENT_PAST = _("Pick a time in the future.")
APPOINTMENT_TOO_FAR = _("Pick a time within the next 30 days.")
COMMENT_EMPTY = _("Write a note or add a photo.")
contact_phone_validator = RegexValidator(r"^\+?[0-9][0-9 \-]{4,19}$", _("Enter a phone number (digits only)."))


#
# Photo uploads
#
class MultiplePhotoInput(forms.FileInput):
    allow_multiple_selected = True

    def __init__(self, attrs=None):
        super().__init__({"accept": "image/*", "multiple": True, **(attrs or {})})


class MultiplePhotoField(forms.FileField):
    """Zero or more uploaded files; their content is checked by the service (lib.images.process_photo)."""

    widget = MultiplePhotoInput

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("help_text", PHOTOS_HELP)
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data] if data else []
        return [super(MultiplePhotoField, self).clean(f, initial) for f in files if f]


#
# Reporting
#
class WorkOrderReportForm(forms.Form):
    """An owner's report of ``kind`` (the page's tab): category, one of his units or a public area, text, photos.

    ``place`` is ``unit:<id>`` or ``area:<id>``; the project (and so the company) follows it.
    """

    category = forms.TypedChoiceField(label=_("Category"), coerce=int)
    place = forms.ChoiceField(label=_("Where"), error_messages={"invalid_choice": PLACE_INVALID})
    location = forms.CharField(
        label=_("Where exactly"),
        max_length=200,
        required=False,
        help_text=_("For example: kitchen, balcony, the lift of building 2."),
    )
    description = forms.CharField(label=_("What happened"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4}))
    appointment_at = forms.DateTimeField(
        label=_("Preferred visit time"),
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("Leave empty and we will call you to agree on a time."),
    )
    contact_phone = forms.CharField(label=_("Contact phone"), max_length=20, validators=[contact_phone_validator])
    photos = MultiplePhotoField(label=_("Photos"))
    is_public = forms.BooleanField(
        label=_("After I rate it, the order may be shown on the community board (my name and phone masked)."),
        required=False,
    )

    def __init__(self, *args, user, kind: str, **kwargs):
        super().__init__(*args, **kwargs)
        if kind not in OWNER_KINDS:
            raise ValueError(f"not an owner kind: {kind}")
        self.kind = kind
        if kind != Kind.REPAIR:
            del self.fields["appointment_at"]
        links = list(my_unit_links(user=user))
        self.has_units = bool(links)
        self.projects = {link.unit.project_id: link.unit.project for link in links}
        self.units = {link.unit_id: link.unit for link in links}
        self.areas = {
            a.pk: a
            for a in Area.objects.filter(project_id__in=sorted(self.projects)).select_related("project", "building")
        }
        self.fields["place"].choices = self._place_choices()
        self.categories = self._categories()
        self.fields["category"].choices = self._category_choices()
        # Staff categorise later when the company offers no category for this kind.
        self.fields["category"].required = bool(self.categories)
        if links:
            self.fields["place"].initial = f"unit:{links[0].unit_id}"
            self.fields["contact_phone"].initial = links[0].resident.phone or user.phone or ""
        if len(self.categories) == 1:
            self.fields["category"].initial = next(iter(self.categories))

    def _place_choices(self) -> list:
        several = len(self.projects) > 1
        units = [(f"unit:{u.pk}", _unit_label(u, with_project=several)) for u in self.units.values()]
        choices = [(_("My units"), units)]
        for project in sorted(self.projects.values(), key=lambda p: p.name):
            areas = sorted((a for a in self.areas.values() if a.project_id == project.pk), key=lambda a: a.name)
            if areas:
                label = _("Public areas · %(project)s") % {"project": project.name}
                choices.append((label, [(f"area:{a.pk}", a.name) for a in areas]))
        return choices

    def _categories(self) -> dict[int, Category]:
        company_ids = sorted({p.company_id for p in self.projects.values()})
        found: dict[int, Category] = {}
        for company_id in company_ids:
            found.update((c.pk, c) for c in category_choices(company_id=company_id, kind=self.kind))
        return found

    def _category_choices(self) -> list:
        """Top-level categories as option groups of their children; a parent is also pickable ("other")."""
        # An owner living in projects of two companies sees each company's tree under a project name.
        company_label = {}
        for project in sorted(self.projects.values(), key=lambda p: p.name):
            company_label.setdefault(project.company_id, project.name)
        several = len(company_label) > 1
        tops = [c for c in self.categories.values() if not c.parent_id]
        choices: list = [("", _("Choose a category"))]
        for top in tops:
            children = [c for c in self.categories.values() if c.parent_id == top.pk]
            prefix = f"{company_label[top.company_id]} · " if several else ""
            if not children:
                choices.append((top.pk, prefix + top.name))
                continue
            other = _("Other %(category)s problems") % {"category": top.name}
            choices.append((prefix + top.name, [*((c.pk, c.name) for c in children), (top.pk, other)]))
        return choices

    def clean_category(self) -> Category | None:
        if self.cleaned_data["category"] in (None, ""):
            return None
        category = self.categories.get(self.cleaned_data["category"])
        if category is None:
            raise forms.ValidationError(self.fields["category"].error_messages["invalid_choice"], code="invalid")
        return category

    def clean_place(self) -> Unit | Area:
        kind, _sep, pk = self.cleaned_data["place"].partition(":")
        found = {"unit": self.units, "area": self.areas}.get(kind, {}).get(int(pk) if pk.isdigit() else 0)
        if found is None:
            raise forms.ValidationError(PLACE_INVALID, code="invalid_choice")
        return found

    def clean_appointment_at(self) -> dt.datetime | None:
        at = self.cleaned_data.get("appointment_at")
        now = timezone.now()
        if at and at < now - dt.timedelta(minutes=5):
            raise forms.ValidationError(APPOINTMENT_PAST, code="past")
        if at and at > now + dt.timedelta(days=30):
            raise forms.ValidationError(APPOINTMENT_TOO_FAR, code="too_far")
        return at

    def clean(self):
        data = super().clean()
        place, category = data.get("place"), data.get("category")
        if place and category and category.company_id != place.project.company_id:
            self.add_error("category", CATEGORY_OTHER_COMPANY)
        return data

    @property
    def project(self) -> Project:
        return self.cleaned_data["place"].project

    def service_data(self) -> dict:
        """The ``data`` of workorder_create."""
        d = self.cleaned_data
        place = d["place"]
        return {
            "kind": self.kind,
            "category": d["category"],
            "unit": place if isinstance(place, Unit) else None,
            "area": place if isinstance(place, Area) else None,
            "location": d["location"],
            "description": d["description"],
            "appointment_at": d.get("appointment_at"),
            "contact_phone": d["contact_phone"],
            "is_public": d["is_public"],
        }


def _unit_label(unit: Unit, *, with_project: bool) -> str:
    label = f"{unit.building.name}{unit.entrance}{unit.number}"
    return f"{unit.project.name} {label}" if with_project else label


#
# Owner actions on an order
#
class RateForm(forms.Form):
    stars = forms.TypedChoiceField(
        label=_("Stars"), choices=[(n, n) for n in range(1, 6)], coerce=int, widget=forms.RadioSelect
    )
    tags = forms.MultipleChoiceField(
        label=_("What was good?"), choices=RatingTag.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    comment = forms.CharField(
        label=_("Comment"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    is_public = forms.BooleanField(
        label=_("Show it on the community board (my name and phone masked)."), required=False
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class CommentForm(forms.Form):
    text = forms.CharField(
        label=_("Add a note"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    photos = MultiplePhotoField(label=_("Photos"))

    def clean(self):
        data = super().clean()
        if not self.errors and not (data.get("text") or "").strip() and not data.get("photos"):
            raise forms.ValidationError(COMMENT_EMPTY, code="empty")
        return data


class FollowUpAnswerForm(forms.Form):
    resolved = forms.ChoiceField(
        label=_("Is the problem solved?"), choices=FollowUpResolved.choices, widget=forms.RadioSelect
    )
    satisfaction = forms.TypedChoiceField(
        label=_("How satisfied are you?"), choices=Satisfaction.choices, coerce=int, widget=forms.RadioSelect
    )
    comment = forms.CharField(
        label=_("Comment"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
