"""Forms of the staff work-order pages: the phone-in report, one small form per action, saved views.

Forms check the shape of the input; the rules (who may, which status, which project) are the
services', whose ValidationErrors land on the same field names.
"""

from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from core.access import restrict
from core.choices import Perm
from core.models import Area, Building, Department, Project, Unit
from workorders.choices import (
    FollowUpMethod,
    FollowUpResolved,
    FollowUpStatus,
    HoldReason,
    Kind,
    Priority,
    Satisfaction,
    Source,
)
from workorders.models import Category, WorkOrder
from workorders.selectors import workorder_assignee_choices
from workorders.services.photos import PHOTOS_MAX_PER_STEP, PHOTOS_TOO_MANY

# Where a phone-in report can come from (owner app, Open311 and rules file their own).
STAFF_SOURCES = (Source.PHONE, Source.WALK_IN, Source.STAFF, Source.HOTLINE_12345)
CONTACT_PHONE = RegexValidator(r"^[0-9+\-() ]{3,20}$", _("Enter a phone number: digits, spaces, + - ( ) only."))
UNIT_NOT_FOUND = _("No unit with this code in the chosen project.")
PLACE_OTHER_PROJECT = _("It belongs to another project.")


#
# Photos
#
class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Several photos from one input (or several inputs of the same name: camera and gallery).

    The content is checked by the service (lib.images.process_photo), so one bad file rejects
    the whole step with the service's message and nothing is stored.
    """

    def __init__(self, **kwargs):
        attrs = {"accept": "image/*", "multiple": True}
        kwargs.setdefault("widget", MultipleFileInput(attrs=attrs))
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", _("photos"))
        kwargs.setdefault("help_text", _("JPEG, PNG, WebP or HEIC; up to 9 at a time."))
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        files = [f for f in (data if isinstance(data, (list, tuple)) else [data]) if f]
        if len(files) > PHOTOS_MAX_PER_STEP:
            raise forms.ValidationError(str(PHOTOS_TOO_MANY).format(n=PHOTOS_MAX_PER_STEP), code="too_many")
        return [super(PhotosField, self).clean(f, initial) for f in files]


#
# Phone-in report (customer service)
#
class CategorySelect(forms.Select):
    """A grouped select whose options carry ``data-kind``, so the page can show the kind's categories only."""

    kinds: dict[str, str] = {}

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        kind = self.kinds.get(str(value))
        if kind:
            option["attrs"]["data-kind"] = kind
        return option


class ProjectTaggedSelect(forms.Select):
    """A select whose options carry ``data-project``, so the page can show the chosen project's rows only."""

    projects: dict[str, int] = {}

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        project_id = self.projects.get(str(getattr(value, "value", value)))
        if project_id:
            option["attrs"]["data-project"] = project_id
        return option


def category_groups(categories) -> tuple[list, dict[str, str]]:
    """Choices grouped by top-level category (a top level is itself choosable), and each option's kind."""
    categories = list(categories)
    children: dict[int, list[Category]] = {}
    for c in categories:
        if c.parent_id:
            children.setdefault(c.parent_id, []).append(c)
    groups, kinds = [], {}
    for top in (c for c in categories if not c.parent_id):
        label = f"{Kind(top.kind).label} · {top.name}"
        options = [(top.pk, top.name)] + [(c.pk, f"{top.name} › {c.name}") for c in children.get(top.pk, [])]
        groups.append((label, options))
        kinds.update({str(pk): top.kind for pk, _label in options})
    return groups, kinds


class WorkOrderCreateForm(forms.Form):
    """Customer service enters an owner's phone call, a front-desk visit or a 12345 referral."""

    project = forms.ModelChoiceField(label=_("project"), queryset=Project.objects.none())
    kind = forms.ChoiceField(label=_("kind"), choices=Kind.choices, initial=Kind.REPAIR)
    category = forms.TypedChoiceField(label=_("category"), coerce=int, required=False, widget=CategorySelect)
    priority = forms.ChoiceField(
        label=_("priority"),
        required=False,
        choices=[("", _("From the category")), *Priority.choices],
        help_text=_("Leave empty to use the category's priority; urgent words in the text raise it."),
    )
    unit = forms.CharField(
        label=_("unit code"),
        max_length=60,
        required=False,
        help_text=_("Type a few characters of the code, e.g. 1-1-201."),
        widget=forms.TextInput(attrs={"list": "unit-options", "autocomplete": "off"}),
    )
    area = forms.ModelChoiceField(
        label=_("public area"), queryset=Area.objects.none(), required=False, widget=ProjectTaggedSelect
    )
    building = forms.ModelChoiceField(
        label=_("building"), queryset=Building.objects.none(), required=False, widget=ProjectTaggedSelect
    )
    location = forms.CharField(label=_("location details"), max_length=200, required=False)
    title = forms.CharField(
        label=_("title"), max_length=100, required=False, help_text=_("Leave empty to use the category's name.")
    )
    description = forms.CharField(label=_("description"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4}))
    contact_name = forms.CharField(label=_("contact name"), max_length=50, required=False)
    contact_phone = forms.CharField(label=_("contact phone"), max_length=20, required=False, validators=[CONTACT_PHONE])
    appointment_at = forms.DateTimeField(
        label=_("appointment"),
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    source = forms.ChoiceField(
        label=_("source"), choices=[(s.value, s.label) for s in STAFF_SOURCES], initial=Source.PHONE
    )
    photos = PhotosField()

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        projects = restrict(Project.objects.filter(is_active=True), user, Perm.WO_REPORT, project_field="id")
        self.fields["project"].queryset = projects
        only = list(projects[:2])
        if len(only) == 1:
            self.fields["project"].initial = only[0].pk
        areas = restrict(Area.objects.select_related("project"), user, Perm.WO_REPORT).order_by("project", "name")
        buildings = restrict(Building.objects.select_related("project"), user, Perm.WO_REPORT)
        for name, qs in (("area", areas), ("building", buildings)):
            field = self.fields[name]
            field.queryset = qs
            field.label_from_instance = lambda row: f"{row.project.name} · {row.name}"
            field.widget.projects = {str(row.pk): row.project_id for row in qs}
        categories = Category.objects.filter(company_id__in=projects.values("company_id"), is_active=True)
        self._categories = {c.pk: c for c in categories.order_by("kind", "sort_order", "id")}
        groups, kinds = category_groups(self._categories.values())
        self.fields["category"].choices = [("", "---------"), *groups]
        self.fields["category"].widget.kinds = kinds

    def clean_category(self):
        pk = self.cleaned_data.get("category")
        return self._categories.get(pk) if pk else None

    def clean(self):
        data = super().clean()
        project = data.get("project")
        if project is None:
            return data
        code = (data.get("unit") or "").strip()
        data["unit"] = None
        if code:
            data["unit"] = Unit.objects.filter(project=project, code=code).select_related("building").first()
            if data["unit"] is None:
                self.add_error("unit", UNIT_NOT_FOUND)
        for name in ("area", "building"):
            row = data.get(name)
            if row is not None and row.project_id != project.pk:
                self.add_error(name, PLACE_OTHER_PROJECT)
        return data


#
# Actions on one order
#
class NoteForm(forms.Form):
    note = forms.CharField(label=_("note"), max_length=500, required=False)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class DispatchForm(forms.Form):
    assignee = forms.ModelChoiceField(label=_("assignee"), queryset=None, required=False)
    department = forms.ModelChoiceField(
        label=_("department"),
        queryset=Department.objects.none(),
        required=False,
        help_text=_("With nobody chosen, the order waits in the department's queue."),
    )
    note = forms.CharField(label=_("note"), max_length=500, required=False, help_text=_("Staff only."))

    def __init__(self, *args, order: WorkOrder, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = workorder_assignee_choices(order=order)
        self.fields["assignee"].label_from_instance = lambda u: str(
            _("{name} ({n} open)").format(name=u.name or u.username, n=u.open_orders)
        )
        self.fields["department"].queryset = Department.objects.filter(project_id=order.project_id).order_by("name")
        if order.assignee_id:
            self.fields["assignee"].initial = order.assignee_id
        if order.department_id:
            self.fields["department"].initial = order.department_id

    def clean(self):
        data = super().clean()
        if not data.get("assignee") and not data.get("department") and not self.errors:
            self.add_error("assignee", _("Choose a person or a department."))
        return data


class HoldForm(forms.Form):
    hold_reason = forms.ChoiceField(label=_("waiting for"), choices=HoldReason.choices)
    reason = forms.CharField(
        label=_("details"),
        max_length=500,
        required=False,
        help_text=_("Required for “Other”."),
    )

    def clean(self):
        data = super().clean()
        if data.get("hold_reason") == HoldReason.OTHER and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Give a reason."))
        return data


class CompleteForm(forms.Form):
    note = forms.CharField(
        label=_("what was done"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    photos = PhotosField(label=_("after photos"))


class VerifyForm(forms.Form):
    PASS, REWORK = "pass", "rework"
    result = forms.ChoiceField(
        label=_("result"),
        choices=[(PASS, _("Passed")), (REWORK, _("Send back for rework"))],
        initial=PASS,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )
    reason = forms.CharField(
        label=_("reason or note"),
        max_length=500,
        required=False,
        help_text=_("Required when sending it back."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean(self):
        data = super().clean()
        if data.get("result") == self.REWORK and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Give a reason."))
        return data


class CommentForm(forms.Form):
    text = forms.CharField(label=_("note"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2}))
    is_public = forms.BooleanField(label=_("visible to the owner"), required=False)
    photos = PhotosField()


class FollowUpForm(forms.Form):
    status = forms.ChoiceField(
        label=_("result"),
        choices=[
            (FollowUpStatus.DONE, _("Reached the owner")),
            (FollowUpStatus.UNREACHABLE, FollowUpStatus.UNREACHABLE.label),
        ],
        initial=FollowUpStatus.DONE,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )
    method = forms.ChoiceField(label=_("method"), choices=FollowUpMethod.choices, initial=FollowUpMethod.PHONE)
    resolved = forms.ChoiceField(
        label=_("problem solved?"), choices=[("", "---------"), *FollowUpResolved.choices], required=False
    )
    satisfaction = forms.TypedChoiceField(
        label=_("satisfaction"),
        choices=[("", "---------"), *Satisfaction.choices],
        coerce=int,
        empty_value=None,
        required=False,
    )
    comment = forms.CharField(
        label=_("comment"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def clean(self):
        data = super().clean()
        if data.get("status") == FollowUpStatus.DONE:
            if not data.get("resolved"):
                self.add_error("resolved", _("Record whether the problem is solved."))
            if data.get("satisfaction") is None:
                self.add_error("satisfaction", _("Record how satisfied the owner is."))
        return data


#
# Saved views of the list
#
class SavedViewForm(forms.Form):
    name = forms.CharField(label=_("name"), max_length=50)
    query = forms.CharField(max_length=1000, required=False, widget=forms.HiddenInput)
