"""Forms of the staff inspection pages: checklists and their items, rounds, schedules.

Forms check the shape of the input; the rules (a checklist that does not suit the kind of round,
an inspector without the role in the project, a pass/fail item scored above 1) are the services',
whose ValidationErrors land on the same names. Findings, CAPA, proposals and reports have their
forms in ``forms_findings``.
"""

import datetime as dt
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from core.access import access_for, restrict
from core.choices import ROLE_PERMS, DepartmentKind, Perm
from core.models import Company, Membership, Project
from inspections.choices import SEVERITY_RECTIFY_HOURS, RoundKind, Scoring, Severity
from inspections.models import ChecklistTemplate, ChecklistVersion, InspectionRound, InspectionSchedule
from lib import recurrence
from plans.forms import DAY_CODES, WEEKDAY_CHOICES, Repeat, choices_from_rrule, rrule_from_choices
from standards.choices import Discipline
from standards.models import StandardRevision

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
TEXTAREA = forms.Textarea(attrs={"rows": 2})
KIND_CHOICES_HELP = _("Leave all unticked for a checklist that suits any kind of round.")


#
# Choices that depend on the user, the company or the project
#
def managed_projects(user) -> QuerySet[Project]:
    """Active projects where ``user`` schedules rounds (``inspections.manage``)."""
    qs = Project.objects.filter(is_active=True).select_related("company")
    return restrict(qs, user, Perm.INSP_MANAGE, project_field="id").order_by("name")


def viewed_projects(user) -> QuerySet[Project]:
    return restrict(Project.objects.all(), user, Perm.INSP_VIEW, project_field="id").order_by("name")


def template_companies(user) -> QuerySet[Company]:
    """Companies whose checklists ``user`` may change: ``inspections.manage`` company-wide."""
    ids = access_for(user).company_grants.get(Perm.INSP_MANAGE, set())
    return Company.objects.filter(pk__in=sorted(ids), is_active=True).order_by("name")


def inspector_choices(project: Project) -> QuerySet[User]:
    """People who may carry out rounds in ``project`` (``inspections.do`` there or company-wide),
    third-party inspectors included."""
    roles = [role for role, perms in ROLE_PERMS.items() if Perm.INSP_DO in perms]
    members = Membership.objects.filter(
        Q(project=project) | Q(project__isnull=True), company_id=project.company_id, is_active=True, role__in=roles
    )
    return User.objects.filter(pk__in=members.values("user_id"), is_active=True).order_by("name", "id")


def round_templates(company_id: int) -> QuerySet[ChecklistTemplate]:
    """Active checklists of the company that have items (a current version)."""
    return (
        ChecklistTemplate.objects.filter(company_id=company_id, is_active=True, current_version__isnull=False)
        .select_related("current_version")
        .order_by("name")
    )


def company_revisions(company_ids) -> QuerySet[StandardRevision]:
    """Current revisions of the active standard items of the companies ``company_ids``."""
    return (
        StandardRevision.objects.filter(
            company_id__in=company_ids, item__current_revision=F("pk"), item__is_active=True
        )
        .select_related("item")
        .order_by("item__discipline", "item__sort_order", "item__title")
    )


class RevisionChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: StandardRevision) -> str:
        return f"{obj.item.get_discipline_display()} · {obj.item.title} (v{obj.number})"


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return obj.name or obj.get_username()


class PeopleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return obj.name or obj.get_username()


class ProjectChoiceForm(forms.Form):
    """The first step of a new round, schedule, finding or CAPA: which project."""

    project = forms.ModelChoiceField(label=_("project"), queryset=Project.objects.none())

    def __init__(self, *args, projects: QuerySet[Project], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = projects


#
# Times in the company's zone
#
def zoned(value: dt.datetime | None, zone) -> dt.datetime | None:
    """An aware datetime as the naive local time a datetime-local input shows."""
    return timezone.localtime(value, zone).replace(tzinfo=None) if value else None


class ZonedDateTimeField(forms.DateTimeField):
    """A datetime-local input read in the company's zone (set ``zone`` in the form's __init__)."""

    zone = None
    widget = DATETIME

    def to_python(self, value):
        result = super().to_python(value)
        if result is None or self.zone is None:
            return result
        return timezone.make_naive(result).replace(tzinfo=self.zone)


class ZonedForm(forms.Form):
    def __init__(self, *args, zone, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, ZonedDateTimeField):
                field.zone = zone


#
# Checklists
#
class KindsField(forms.MultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("suits these kinds of round"))
        kwargs.setdefault("help_text", KIND_CHOICES_HELP)
        super().__init__(choices=RoundKind.choices, required=False, **kwargs)


class ChecklistTemplateForm(forms.Form):
    """A checklist's name and what it suits; ``code`` only when creating, ``company`` only for people
    who manage checklists in more than one company."""

    company = forms.ModelChoiceField(label=_("company"), queryset=Company.objects.none())
    code = forms.SlugField(label=_("code"), max_length=40, help_text=_("Letters, digits and hyphens; unique."))
    name = forms.CharField(label=_("name"), max_length=100)
    kinds = KindsField()
    discipline = forms.ChoiceField(
        label=_("discipline"), choices=[("", _("Mixed")), *Discipline.choices], required=False
    )
    description = forms.CharField(label=_("description"), required=False, widget=TEXTAREA)

    def __init__(self, *args, user=None, template: ChecklistTemplate | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if template is not None:
            del self.fields["company"], self.fields["code"]
            return
        companies = template_companies(user)
        self.fields["company"].queryset = companies
        if companies.count() == 1:
            self.fields["company"].initial = companies.first().pk
            self.fields["company"].widget = forms.HiddenInput()

    def template_data(self) -> dict:
        names = ("code", "name", "kinds", "discipline", "description")
        return {n: self.cleaned_data[n] or ("" if n != "kinds" else []) for n in names if n in self.cleaned_data}


class FromStandardsForm(ChecklistTemplateForm):
    revisions = RevisionChoiceField(
        label=_("standard items"),
        queryset=StandardRevision.objects.none(),
        widget=forms.SelectMultiple(attrs={"size": 12}),
        help_text=_("One item per standard, with its current revision; adjust them afterwards in a new version."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["revisions"].queryset = company_revisions(self.fields["company"].queryset.values("pk"))

    def clean(self):
        data = super().clean()
        company = data.get("company")
        if company is not None and any(r.company_id != company.pk for r in data.get("revisions") or []):
            self.add_error("revisions", _("Pick standard items of the chosen company."))
        return data


class ChecklistItemForm(forms.Form):
    """One row of a checklist version; a row without a title is dropped."""

    key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=40)
    standard_revision = forms.IntegerField(widget=forms.HiddenInput, required=False)
    order = forms.IntegerField(label=_("order"), required=False, min_value=0, max_value=9999)
    section = forms.CharField(label=_("section"), required=False, max_length=50)
    title = forms.CharField(label=_("title"), required=False, max_length=200)
    requirement = forms.CharField(label=_("requirement"), required=False, widget=forms.Textarea(attrs={"rows": 1}))
    scoring = forms.ChoiceField(label=_("scoring"), choices=Scoring.choices, initial=Scoring.PASS_FAIL)
    max_score = forms.IntegerField(label=_("maximum score"), min_value=1, max_value=100, initial=1)
    weight = forms.DecimalField(
        label=_("weight"), min_value=Decimal("0.01"), max_digits=6, decimal_places=2, initial=Decimal(1)
    )
    photo_required = forms.BooleanField(label=_("photo required"), required=False)
    severity_if_failed = forms.ChoiceField(label=_("severity if failed"), choices=Severity.choices)
    department_kind = forms.ChoiceField(
        label=_("rectified by"), choices=[("", "—"), *DepartmentKind.choices], required=False
    )
    rectify_hours = forms.IntegerField(
        label=_("rectification time (hours)"),
        min_value=1,
        max_value=24 * 365,
        required=False,
        help_text=_("Empty: by severity (minor 168, major 72, severe 24, critical 12)."),
    )

    def clean(self):
        data = super().clean()
        if not (data.get("title") or "").strip():
            return data  # dropped
        if data.get("scoring") == Scoring.PASS_FAIL and data.get("max_score") not in (None, 1):
            self.add_error("max_score", _("A pass/fail item scores 1 at most."))
        return data

    def row(self) -> dict | None:
        data = self.cleaned_data
        if not (data.get("title") or "").strip():
            return None
        row = {
            name: data.get(name)
            for name in (
                "key",
                "section",
                "title",
                "requirement",
                "scoring",
                "max_score",
                "weight",
                "photo_required",
                "severity_if_failed",
                "department_kind",
            )
        }
        row["title"] = row["title"].strip()
        if data.get("standard_revision"):
            row["standard_revision"] = data["standard_revision"]
        severity = data.get("severity_if_failed") or Severity.MINOR
        row["rectify_hours"] = data.get("rectify_hours") or SEVERITY_RECTIFY_HOURS[severity]
        if not row["key"]:
            del row["key"]
        return row


class BaseItemFormSet(forms.BaseFormSet):
    def _construct_form(self, i, **kwargs):
        return super()._construct_form(i, empty_permitted=False, **kwargs)

    def items(self) -> list[dict]:
        """The rows with a title, in the order typed in (rows without one keep their place)."""
        rows = [(f.cleaned_data.get("order"), i, f.row()) for i, f in enumerate(self.forms)]
        rows = [r for r in rows if r[2] is not None]
        rows.sort(key=lambda r: (r[0] if r[0] is not None else 10_000 + r[1], r[1]))
        return [row for _order, _i, row in rows]

    def clean(self):
        if any(self.errors):
            return
        if not self.items():
            raise ValidationError(_("A checklist needs at least one item."), code="no_items")


ItemFormSet = forms.formset_factory(ChecklistItemForm, formset=BaseItemFormSet, extra=3, max_num=500, validate_max=True)


def item_formset(data, *, version: ChecklistVersion | None = None, extra: int = 3) -> BaseItemFormSet:
    initial = []
    if version is not None:
        for n, item in enumerate(version.items.order_by("sort_order", "id"), start=1):
            initial.append(
                {
                    "key": item.key,
                    "standard_revision": item.standard_revision_id,
                    "order": n * 10,
                    "section": item.section,
                    "title": item.title,
                    "requirement": item.requirement,
                    "scoring": item.scoring,
                    "max_score": item.max_score,
                    "weight": item.weight,
                    "photo_required": item.photo_required,
                    "severity_if_failed": item.severity_if_failed,
                    "department_kind": item.department_kind,
                    "rectify_hours": item.rectify_hours,
                }
            )
    formset_class = forms.formset_factory(
        ChecklistItemForm, formset=BaseItemFormSet, extra=extra, max_num=500, validate_max=True
    )
    return formset_class(data, prefix="items", initial=initial)


class VersionNoteForm(forms.Form):
    note = forms.CharField(
        label=_("what changed and why"), max_length=200, required=False, help_text=_("Shown in the version list.")
    )


#
# Rounds
#
class RoundForm(ZonedForm):
    template = forms.ModelChoiceField(
        label=_("checklist"),
        queryset=ChecklistTemplate.objects.none(),
        help_text=_("The round uses the checklist's current version."),
    )
    kind = forms.ChoiceField(label=_("kind"), choices=RoundKind.choices, initial=RoundKind.SPECIAL)
    title = forms.CharField(
        label=_("title"), max_length=100, required=False, help_text=_("Empty: the checklist's name.")
    )
    scheduled_for = forms.DateField(label=_("date"), widget=DATE)
    due_at = ZonedDateTimeField(label=_("due at"))
    lead = PersonChoiceField(label=_("lead inspector"), queryset=User.objects.none(), required=False)
    inspectors = PeopleChoiceField(
        label=_("inspectors"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text=_("Third-party inspectors and mystery shoppers see only the rounds they are invited to."),
    )
    note = forms.CharField(label=_("note"), required=False, widget=TEXTAREA)

    def __init__(self, *args, project: Project, **kwargs):
        super().__init__(*args, zone=project.company.zone, **kwargs)
        self.fields["template"].queryset = round_templates(project.company_id)
        people = inspector_choices(project)
        self.fields["lead"].queryset = people
        self.fields["inspectors"].queryset = people

    @staticmethod
    def initial_for(project: Project, user) -> dict:
        today = timezone.localdate(timezone=project.company.zone)
        due = dt.datetime.combine(today, dt.time(18))
        return {"scheduled_for": today, "due_at": due, "lead": user.pk, "kind": RoundKind.SPECIAL}


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("reason"), max_length=1000, widget=TEXTAREA)


class NoteForm(forms.Form):
    note = forms.CharField(label=_("note"), max_length=1000, required=False, widget=TEXTAREA)


class RoundInspectorsForm(forms.Form):
    lead = PersonChoiceField(label=_("lead inspector"), queryset=User.objects.none(), required=False)
    inspectors = PeopleChoiceField(
        label=_("inspectors"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )

    def __init__(self, *args, round: InspectionRound, **kwargs):
        super().__init__(*args, **kwargs)
        people = inspector_choices(round.project)
        self.fields["lead"].queryset = people
        self.fields["inspectors"].queryset = people


#
# Schedules
#
class ScheduleForm(forms.Form):
    template = forms.ModelChoiceField(label=_("checklist"), queryset=ChecklistTemplate.objects.none())
    kind = forms.ChoiceField(label=_("kind"), choices=RoundKind.choices, initial=RoundKind.WEEKLY)
    title = forms.CharField(
        label=_("title"), max_length=100, required=False, help_text=_("Empty: the checklist's name.")
    )
    repeat = forms.ChoiceField(label=_("repeats"), choices=Repeat.choices, initial=Repeat.WEEKLY)
    interval = forms.IntegerField(
        label=_("every N days"), min_value=1, max_value=366, required=False, help_text=_("For “Every N days”.")
    )
    weekdays = forms.MultipleChoiceField(
        label=_("on these days"),
        choices=WEEKDAY_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("For “Weekly on chosen days”."),
    )
    month_day = forms.IntegerField(
        label=_("day of the month"), min_value=1, max_value=31, required=False, help_text=_("For “Monthly on day N”.")
    )
    rrule = forms.CharField(
        label=_("RRULE"),
        required=False,
        max_length=recurrence.RRULE_MAX_LENGTH,
        help_text=_("For “Advanced”: an RFC 5545 rule without DTSTART."),
    )
    starts_on = forms.DateField(label=_("first day"), widget=DATE)
    ends_on = forms.DateField(label=_("last day"), required=False, widget=DATE)
    due_hours = forms.IntegerField(
        label=_("due after (hours)"),
        min_value=1,
        max_value=24 * 31,
        initial=24,
        help_text=_("A round is due this many hours after the start of its day."),
    )
    lead = PersonChoiceField(label=_("lead inspector"), queryset=User.objects.none(), required=False)
    inspectors = PeopleChoiceField(
        label=_("inspectors"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )

    def __init__(self, *args, project: Project, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template"].queryset = round_templates(project.company_id)
        people = inspector_choices(project)
        self.fields["lead"].queryset = people
        self.fields["inspectors"].queryset = people

    @staticmethod
    def initial_for(schedule: InspectionSchedule | None, project: Project) -> dict:
        if schedule is None:
            today = timezone.localdate(timezone=project.company.zone)
            return {"starts_on": today, "repeat": Repeat.WEEKLY, "weekdays": [DAY_CODES[today.weekday()]]}
        initial = {name: getattr(schedule, name) for name in ("kind", "title", "starts_on", "ends_on", "due_hours")}
        initial.update(template=schedule.template_id, lead=schedule.lead_id)
        initial["inspectors"] = list(schedule.inspector_rows.values_list("user_id", flat=True))
        return {**initial, **choices_from_rrule(schedule.rrule)}

    def clean(self):
        data = super().clean()
        repeat = data.get("repeat")
        if repeat == Repeat.WEEKLY and not data.get("weekdays"):
            self.add_error("weekdays", _("Pick at least one day."))
        if repeat == Repeat.MONTHLY_DAY and not data.get("month_day"):
            self.add_error("month_day", _("Enter the day of the month."))
        if repeat == Repeat.EVERY_N_DAYS and not data.get("interval"):
            self.add_error("interval", _("Enter the number of days."))
        if self.errors:
            return data
        try:
            data["rrule"] = recurrence.validate_rrule(rrule_from_choices(data), starts_on=data.get("starts_on"))
        except ValidationError as exc:
            target = "rrule" if repeat == Repeat.ADVANCED else "repeat"
            for error in exc.error_dict.get("rrule", []) if hasattr(exc, "error_dict") else [exc]:
                self.add_error(target, error)
        if data.get("ends_on") and data.get("starts_on") and data["ends_on"] < data["starts_on"]:
            self.add_error("ends_on", _("The last day cannot be before the first day."))
        return data

    def schedule_data(self) -> dict:
        """The ``data`` dict of inspection_schedule_create / _update."""
        names = ("kind", "title", "rrule", "starts_on", "ends_on", "due_hours", "lead")
        data = {name: self.cleaned_data[name] for name in names}
        data["title"] = data["title"] or ""
        return data
