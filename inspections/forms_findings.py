"""Forms of the findings, CAPA, proposals and report pages.

As in ``forms``: shape here, rules in the services (a deadline in the past, a verification of
one's own work, a 5-Why chain too short), whose ValidationErrors land on the same field names.
"""

import datetime as dt

from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import User
from core.access import access_for
from core.choices import ROLE_PERMS, Perm
from core.models import Area, Building, Department, Membership, Project
from inspections.choices import (
    CapaSource,
    CauseClass,
    EffectivenessResult,
    FindingSource,
    RoundKind,
    Severity,
)
from inspections.forms import DATE, TEXTAREA, PersonChoiceField, ZonedDateTimeField, ZonedForm
from inspections.models import Capa, ChecklistTemplate, Finding

PHOTO_HELP = _("JPEG, PNG, WebP or HEIC.")


def finding_projects(user) -> QuerySet[Project]:
    """Projects where ``user`` may raise findings: ``inspections.manage``, or ``inspections.do``
    together with ``inspections.view`` (invited third parties raise them on the phone, in rounds)."""
    access = access_for(user)
    q = access.q(Perm.INSP_MANAGE, project_field="id") | (
        access.q(Perm.INSP_DO, project_field="id") & access.q(Perm.INSP_VIEW, project_field="id")
    )
    return Project.objects.filter(q, is_active=True).select_related("company").order_by("name")


def capa_projects(user) -> QuerySet[Project]:
    q = access_for(user).q(Perm.CAPA_MANAGE, project_field="id")
    return Project.objects.filter(q, is_active=True).select_related("company").order_by("name")


def capa_owner_choices(project: Project) -> QuerySet[User]:
    """People who work on CAPAs in ``project``."""
    roles = [role for role, perms in ROLE_PERMS.items() if Perm.CAPA_MANAGE in perms]
    members = Membership.objects.filter(
        Q(project=project) | Q(project__isnull=True), company_id=project.company_id, is_active=True, role__in=roles
    )
    return User.objects.filter(pk__in=members.values("user_id"), is_active=True).order_by("name", "id")


def _in_future(days: int, zone) -> dt.datetime:
    return timezone.localtime(timezone.now() + dt.timedelta(days=days), zone).replace(
        tzinfo=None, second=0, microsecond=0
    )


#
# Findings
#
class FindingForm(ZonedForm):
    """A finding raised by hand (a walk-by, a complaint, an audit, a KPI, a 12345 referral)."""

    title = forms.CharField(label=_("title"), max_length=200)
    description = forms.CharField(label=_("description"), required=False, widget=TEXTAREA)
    severity = forms.ChoiceField(label=_("severity"), choices=Severity.choices, initial=Severity.MINOR)
    source = forms.ChoiceField(label=_("source"), choices=FindingSource.choices, initial=FindingSource.INSPECTION)
    department = forms.ModelChoiceField(
        label=_("responsible department"), queryset=Department.objects.none(), required=False
    )
    building = forms.ModelChoiceField(label=_("building"), queryset=Building.objects.none(), required=False)
    area = forms.ModelChoiceField(label=_("public area"), queryset=Area.objects.none(), required=False)
    due_at = ZonedDateTimeField(
        label=_("rectify by"), required=False, help_text=_("Empty: by severity (minor 7 days … critical 12 hours).")
    )
    photo = forms.ImageField(label=_("photo (before)"), required=False, help_text=PHOTO_HELP)

    def __init__(self, *args, project: Project, **kwargs):
        super().__init__(*args, zone=project.company.zone, **kwargs)
        self.fields["department"].queryset = Department.objects.filter(project=project).order_by("name")
        self.fields["building"].queryset = Building.objects.filter(project=project).order_by("name")
        self.fields["area"].queryset = Area.objects.filter(project=project).order_by("name")

    def finding_data(self) -> dict:
        """The ``data`` dict of finding_create (empty values left out)."""
        return {k: v for k, v in self.cleaned_data.items() if v not in (None, "")}


class RectifyForm(forms.Form):
    note = forms.CharField(label=_("what was done"), max_length=2000, widget=TEXTAREA)
    photo = forms.ImageField(label=_("photo (after)"), help_text=PHOTO_HELP)


class ExtensionRequestForm(ZonedForm):
    requested_due_at = ZonedDateTimeField(label=_("new deadline asked for"))
    reason = forms.CharField(label=_("reason"), max_length=1000, widget=TEXTAREA)


class VerifyForm(ZonedForm):
    error_fields = {"reason": "note"}
    RESULTS = [("pass", _("Passed: close it")), ("fail", _("Not passed: back to the team"))]

    result = forms.ChoiceField(label=_("verification"), choices=RESULTS, widget=forms.RadioSelect)
    note = forms.CharField(
        label=_("note"), max_length=1000, required=False, widget=TEXTAREA, help_text=_("Required when not passed.")
    )
    new_due_at = ZonedDateTimeField(label=_("new deadline"), required=False, help_text=_("Required when not passed."))

    def clean(self):
        data = super().clean()
        data["passed"] = data.get("result") == "pass"
        return data


class ExtensionDecideForm(forms.Form):
    error_fields = {"reason": "note"}
    DECISIONS = [("approve", _("Approve")), ("reject", _("Reject"))]

    decision = forms.ChoiceField(label=_("decision"), choices=DECISIONS, widget=forms.RadioSelect)
    note = forms.CharField(
        label=_("note"), max_length=1000, required=False, widget=TEXTAREA, help_text=_("Required to reject.")
    )


#
# CAPA
#
class CapaForm(ZonedForm):
    """A CAPA filed by hand (from a finding or on its own) or its draft fields changed."""

    source = forms.ChoiceField(label=_("source"), choices=CapaSource.choices, initial=CapaSource.INSPECTION)
    severity = forms.ChoiceField(label=_("severity"), choices=Severity.choices, initial=Severity.MAJOR)
    title = forms.CharField(label=_("title"), max_length=200)
    description = forms.CharField(
        label=_("description (5W2H)"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What, where, when, who, why, how, how much."),
    )
    owner = PersonChoiceField(label=pgettext_lazy("CAPA", "owner"), queryset=User.objects.none())
    due_at = ZonedDateTimeField(label=_("due at"))

    def __init__(self, *args, project: Project, capa: Capa | None = None, **kwargs):
        super().__init__(*args, zone=project.company.zone, **kwargs)
        self.fields["owner"].queryset = capa_owner_choices(project)
        if capa is not None:
            del self.fields["source"]

    @staticmethod
    def initial_for(*, project: Project, user, finding: Finding | None = None, capa: Capa | None = None) -> dict:
        zone = project.company.zone
        if capa is not None:
            names = ("severity", "title", "description")
            return {**{n: getattr(capa, n) for n in names}, "owner": capa.owner_id, "due_at": _zoned(capa.due_at, zone)}
        initial = {"owner": user.pk, "due_at": _in_future(30, zone)}
        if finding is not None:
            initial.update(
                source=finding.source,
                severity=finding.severity,
                title=finding.title,
                description=finding.description or finding.title,
            )
        return initial


def _zoned(value, zone):
    return timezone.localtime(value, zone).replace(tzinfo=None) if value else None


class CapaLinkForm(forms.Form):
    capa = forms.ModelChoiceField(
        label=_("open CAPA"),
        queryset=Capa.objects.none(),
        help_text=_("The same problem: the finding joins its CAPA."),
    )

    def __init__(self, *args, capas: QuerySet[Capa], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["capa"].queryset = capas


class ContainForm(forms.Form):
    containment = forms.CharField(
        label=_("containment action"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Correct on the spot, suspend, inform the customer, or a concession."),
    )


class ListWidget(forms.Widget):
    """Several inputs of the same name (a list that grows in the page); reads them all back."""

    template_name = "inspections/widgets/list.html"

    def value_from_datadict(self, data, files, name):
        if hasattr(data, "getlist"):
            return data.getlist(name)
        value = data.get(name)
        return value if isinstance(value, list) else ([value] if value else [])

    def format_value(self, value):
        return list(value or [])

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        rows = [v for v in (value or []) if v] or [""]
        context["widget"]["rows"] = rows + [""] * max(0, 3 - len(rows))
        return context


class ListField(forms.Field):
    widget = ListWidget

    def to_python(self, value):
        return [str(v).strip() for v in (value or []) if str(v).strip()]

    def validate(self, value):
        if self.required and not value:
            raise forms.ValidationError(self.error_messages["required"], code="required")


class AnalyseForm(forms.Form):
    why_chain = ListField(
        label=_("5-Why chain"),
        help_text=_("Ask “why?” again for every answer until the root cause: at least 3 (5 for a full 8D)."),
    )
    cause_class = forms.ChoiceField(label=_("cause class"), choices=CauseClass.choices, widget=forms.RadioSelect)


class ActForm(forms.Form):
    error_fields = {"horizontal_scope": "scope_projects"}
    corrective_action = forms.CharField(label=_("corrective action"), widget=forms.Textarea(attrs={"rows": 3}))
    preventive_action = forms.CharField(label=_("preventive action"), widget=forms.Textarea(attrs={"rows": 3}))
    horizontal_check = forms.CharField(
        label=_("horizontal check"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What was found when the same was checked in other buildings and projects."),
    )
    scope_projects = forms.ModelMultipleChoiceField(
        label=_("projects checked"),
        queryset=Project.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 5}),
    )
    scope_buildings = forms.ModelMultipleChoiceField(
        label=_("buildings checked"),
        queryset=Building.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 5}),
    )

    def __init__(self, *args, capa: Capa, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scope_projects"].queryset = Project.objects.filter(company_id=capa.company_id).order_by("name")
        self.fields["scope_buildings"].queryset = (
            Building.objects.filter(company_id=capa.company_id).select_related("project").order_by("project", "name")
        )
        self.fields["scope_buildings"].label_from_instance = lambda b: f"{b.project.name} · {b.name}"

    @staticmethod
    def initial_for(capa: Capa) -> dict:
        scope = capa.horizontal_scope or []
        return {
            "corrective_action": capa.corrective_action,
            "preventive_action": capa.preventive_action,
            "horizontal_check": capa.horizontal_check,
            "scope_projects": [e["project"] for e in scope if "project" in e],
            "scope_buildings": [e["building"] for e in scope if "building" in e],
        }

    def scope(self) -> list[dict[str, int]]:
        data = self.cleaned_data
        return [{"project": p.pk} for p in data["scope_projects"]] + [
            {"building": b.pk} for b in data["scope_buildings"]
        ]


class EffectivenessForm(forms.Form):
    result = forms.ChoiceField(label=_("effectiveness"), choices=EffectivenessResult.choices, widget=forms.RadioSelect)
    note = forms.CharField(
        label=_("evidence"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What was checked, when and where; “not effective” sends the CAPA back to the analysis."),
    )
    photo = forms.ImageField(label=_("evidence photo"), required=False, help_text=PHOTO_HELP)


#
# Proposals from complaints
#
class ProposalsForm(forms.Form):
    company = forms.ModelChoiceField(label=_("company"), queryset=None, required=False)
    months = forms.IntegerField(label=_("complaints of the last N months"), min_value=1, max_value=36, initial=6)
    project = forms.ModelChoiceField(
        label=_("project"), queryset=Project.objects.none(), required=False, empty_label=_("All projects")
    )

    def __init__(self, *args, companies, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["company"].queryset = companies
        self.fields["project"].queryset = Project.objects.filter(company__in=companies).order_by("name")
        if companies.count() <= 1:
            self.fields["company"].widget = forms.HiddenInput()


class AcceptProposalsForm(forms.Form):
    template = forms.ModelChoiceField(
        label=_("into the checklist"),
        queryset=ChecklistTemplate.objects.none(),
        help_text=_("The chosen items are added to its current items as a new version."),
    )
    keys = forms.MultipleChoiceField(label=_("proposals"), choices=[], widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, templates, keys: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template"].queryset = templates
        self.fields["keys"].choices = [(k, k) for k in keys]
        self.fields["keys"].error_messages["required"] = _("Choose at least one proposal.")


#
# Reports
#
class ReportForm(forms.Form):
    date_from = forms.DateField(label=pgettext_lazy("date range", "from"), widget=DATE)
    date_to = forms.DateField(label=pgettext_lazy("date range", "until"), widget=DATE)
    project = forms.ModelChoiceField(
        label=_("project"), queryset=Project.objects.none(), required=False, empty_label=_("All projects")
    )
    kind = forms.ChoiceField(label=_("kind"), choices=[("", _("All kinds")), *RoundKind.choices], required=False)

    def __init__(self, *args, projects, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = projects

    @staticmethod
    def defaults(today: dt.date) -> dict:
        first = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
        first = (first - dt.timedelta(days=1)).replace(day=1)
        return {"date_from": first, "date_to": today}

    def clean(self):
        data = super().clean()
        date_from, date_to = data.get("date_from"), data.get("date_to")
        if date_from and date_to:
            if date_to < date_from:
                self.add_error("date_to", _("The end cannot be before the start."))
            elif (date_to - date_from).days > REPORT_MAX_DAYS:
                self.add_error("date_to", str(REPORT_TOO_LONG).format(n=REPORT_MAX_DAYS))
        return data


REPORT_MAX_DAYS = 731
REPORT_TOO_LONG = _("At most {n} days at a time.")
