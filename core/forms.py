from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from django_scopes.forms import SafeModelChoiceField

from core.access import restrict
from core.choices import Perm, ResidentRelation, Role
from core.models import Area, Building, Department, Project, Unit


class ProjectForm(forms.ModelForm):
    class Meta:
        model = Project
        fields = [
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
        ]
        widgets = {
            "contract_start": forms.DateInput(attrs={"type": "date"}),
            "contract_end": forms.DateInput(attrs={"type": "date"}),
        }


class ProjectChoiceMixin:
    """Limits the project field to projects the user may write to (``write_perm``)."""

    write_perm = Perm.ORG_MANAGE

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if "project" in self.fields:
            self.fields["project"] = forms.ModelChoiceField(
                queryset=restrict(Project.objects.all(), user, self.write_perm, project_field="id"),
                label=_("project"),
            )


class BuildingForm(ProjectChoiceMixin, forms.ModelForm):
    class Meta:
        model = Building
        fields = ["project", "name", "floors", "sort_order"]
        field_classes = {"project": SafeModelChoiceField}


class ProjectRowForm(ProjectChoiceMixin, forms.ModelForm):
    """Limits the building field to buildings of the projects the user may write to."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "building" in self.fields:
            self.fields["building"].queryset = restrict(
                Building.objects.select_related("project"), self.user, self.write_perm
            )
            self.fields["building"].label_from_instance = lambda b: f"{b.project.name} · {b.name}"


class UnitForm(ProjectRowForm):
    class Meta:
        model = Unit
        fields = ["project", "building", "entrance", "floor", "number", "code", "floor_area", "status"]
        field_classes = {"project": SafeModelChoiceField, "building": SafeModelChoiceField}


class AreaForm(ProjectRowForm):
    class Meta:
        model = Area
        fields = ["project", "building", "name", "kind", "description"]
        field_classes = {"project": SafeModelChoiceField, "building": SafeModelChoiceField}


class DepartmentForm(ProjectChoiceMixin, forms.ModelForm):
    class Meta:
        model = Department
        fields = ["project", "kind", "name", "phone"]
        field_classes = {"project": SafeModelChoiceField}


class StaffCreateForm(forms.Form):
    name = forms.CharField(label=_("full name"), max_length=50)
    username = forms.CharField(label=_("username"), max_length=150)
    phone = forms.CharField(label=_("mobile phone"), max_length=11, required=False)
    password = forms.CharField(
        label=_("initial password"),
        widget=forms.PasswordInput,
        required=False,
        help_text=_("Leave empty to create the account without a password."),
    )
    role = forms.ChoiceField(label=_("role"), choices=Role.choices)
    project = forms.ModelChoiceField(
        label=_("project"),
        queryset=Project.objects.none(),
        required=False,
        help_text=_("Empty means the whole company."),
    )
    department = forms.ModelChoiceField(label=_("department"), queryset=Department.objects.none(), required=False)
    title = forms.CharField(label=_("job title"), max_length=50, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = restrict(Project.objects.all(), user, Perm.PEOPLE_MANAGE, project_field="id")
        self.fields["department"].queryset = restrict(
            Department.objects.select_related("project"), user, Perm.PEOPLE_MANAGE
        )
        self.fields["department"].label_from_instance = lambda d: f"{d.project.name} · {d.name}"


class MembershipGrantForm(forms.Form):
    role = forms.ChoiceField(label=_("role"), choices=Role.choices)
    project = forms.ModelChoiceField(
        label=_("project"),
        queryset=Project.objects.none(),
        required=False,
        help_text=_("Empty means the whole company."),
    )
    department = forms.ModelChoiceField(label=_("department"), queryset=Department.objects.none(), required=False)
    title = forms.CharField(label=_("job title"), max_length=50, required=False)

    __init__ = StaffCreateForm.__init__


class ResidentForm(forms.Form):
    """Register an owner on a unit: a roster entry is found by phone or created."""

    project = forms.ModelChoiceField(label=_("project"), queryset=Project.objects.none())
    unit_code = forms.CharField(label=_("unit code"), max_length=60, help_text=_("For example 3-2-1501."))
    name = forms.CharField(label=_("full name"), max_length=50)
    phone = forms.CharField(label=_("mobile phone"), max_length=11)
    relation = forms.ChoiceField(label=_("relation"), choices=ResidentRelation.choices)
    verified = forms.BooleanField(label=_("verified"), required=False)
    note = forms.CharField(label=_("note"), max_length=200, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = restrict(Project.objects.all(), user, Perm.OWNERS_MANAGE, project_field="id")

    def clean(self):
        data = super().clean()
        project, code = data.get("project"), (data.get("unit_code") or "").strip()
        if project and code:
            data["unit"] = Unit.objects.filter(project=project, code=code).first()
            if data["unit"] is None:
                self.add_error("unit_code", _("No unit with this code in the project."))
        return data


class ResidentAccountForm(forms.Form):
    password = forms.CharField(
        label=_("initial password"),
        widget=forms.PasswordInput,
        help_text=_("Tell the owner in person; he signs in at /m/ with his mobile number."),
    )


class UnitResidentForm(forms.Form):
    unit_code = forms.CharField(label=_("unit code"), max_length=60, help_text=_("For example 3-2-1501."))
    project = forms.ModelChoiceField(label=_("project"), queryset=Project.objects.none())
    relation = forms.ChoiceField(label=_("relation"), choices=ResidentRelation.choices)
    verified = forms.BooleanField(label=_("verified"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = restrict(Project.objects.all(), user, Perm.OWNERS_MANAGE, project_field="id")


class WorkingHoursForm(forms.Form):
    work_start = forms.TimeField(label=_("working hours start"), widget=forms.TimeInput(attrs={"type": "time"}))
    work_end = forms.TimeField(label=_("working hours end"), widget=forms.TimeInput(attrs={"type": "time"}))

    def clean(self):
        data = super().clean()
        if data.get("work_start") and data.get("work_end") and data["work_start"] >= data["work_end"]:
            self.add_error("work_end", _("Working hours must end after they start."))
        return data


class CalendarDayForm(forms.Form):
    date = forms.DateField(label=_("date"), widget=forms.DateInput(attrs={"type": "date"}))
    is_workday = forms.BooleanField(label=_("working day (adjusted)"), required=False)
    name = forms.CharField(label=_("name"), max_length=50)


class ImportForm(forms.Form):
    project = forms.ModelChoiceField(label=_("project"), queryset=Project.objects.none())
    file = forms.FileField(label=_("Excel file (.xlsx)"))

    def __init__(self, *args, user, perm: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = restrict(Project.objects.all(), user, perm, project_field="id")

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".xlsx"):
            raise forms.ValidationError(_("Upload an .xlsx file (Excel 2007 or later)."))
        if upload.size > settings.IMPORT_MAX_BYTES:
            raise forms.ValidationError(
                _("The file is larger than {mb} MB; split it into several files.").format(
                    mb=settings.IMPORT_MAX_BYTES // (1024 * 1024)
                )
            )
        return upload
