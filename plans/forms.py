"""Forms of the staff plan pages: a plan with its recurrence, windows and route; checkpoints; task actions; figures.

Forms check the shape of the input; the rules (windows that overlap, people outside the project,
checkpoints of another project) are the services', whose ValidationErrors land on the same names.
The recurrence is picked from simple choices and turned into an RFC 5545 RRULE here; anything the
choices cannot say is written in the "advanced" field and checked by lib.recurrence.
"""

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.dates import WEEKDAYS_ABBR
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import User
from core.access import restrict
from core.choices import ROLE_PERMS, Perm
from core.models import Area, Building, Department, Membership, Project
from lib import recurrence
from plans.choices import CheckpointOrder, HolidayRule, PhotoRule, PlanKind
from plans.models import Checkpoint, Plan
from standards.models import StandardRevision

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


#
# Recurrence: simple choices <-> RRULE <-> words
#
class Repeat:
    DAILY = "daily"
    WEEKDAYS = "weekdays"
    EVERY_N_DAYS = "every_n_days"
    WEEKLY = "weekly"
    MONTHLY_DAY = "monthly_day"
    MONTHLY_LAST = "monthly_last"
    ADVANCED = "advanced"

    choices = [
        (DAILY, _("Every day")),
        (WEEKDAYS, _("Weekdays (Monday to Friday)")),
        (EVERY_N_DAYS, _("Every N days")),
        (WEEKLY, _("Weekly on chosen days")),
        (MONTHLY_DAY, _("Monthly on day N")),
        (MONTHLY_LAST, _("Monthly on the last day")),
        (ADVANCED, _("Advanced: write the RRULE")),
    ]


DAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
WEEKDAY_CHOICES = [(code, WEEKDAYS_ABBR[i]) for i, code in enumerate(DAY_CODES)]
WORKDAYS = DAY_CODES[:5]


def _parts(rule: str) -> dict[str, str]:
    return dict(chunk.split("=", 1) for chunk in rule.split(";") if "=" in chunk)


def rrule_from_choices(data: dict) -> str:
    """The RRULE the simple choices describe (``repeat``, ``interval``, ``weekdays``, ``month_day``, ``rrule``)."""
    repeat = data.get("repeat")
    if repeat == Repeat.WEEKDAYS:
        return "FREQ=WEEKLY;BYDAY=" + ",".join(WORKDAYS)
    if repeat == Repeat.EVERY_N_DAYS:
        n = data.get("interval") or 1
        return "FREQ=DAILY" if n == 1 else f"FREQ=DAILY;INTERVAL={n}"
    if repeat == Repeat.WEEKLY:
        days = [code for code in DAY_CODES if code in (data.get("weekdays") or ())]
        return "FREQ=WEEKLY;BYDAY=" + ",".join(days)
    if repeat == Repeat.MONTHLY_DAY:
        return f"FREQ=MONTHLY;BYMONTHDAY={data.get('month_day') or 1}"
    if repeat == Repeat.MONTHLY_LAST:
        return "FREQ=MONTHLY;BYMONTHDAY=-1"
    if repeat == Repeat.ADVANCED:
        return data.get("rrule") or ""
    return "FREQ=DAILY"


def choices_from_rrule(rule: str) -> dict:
    """The simple choices that make ``rule``, or ``advanced`` with the rule as written."""
    parts = _parts(rule or "")
    keys = set(parts)
    freq, byday = parts.get("FREQ"), parts.get("BYDAY", "")
    days = byday.split(",") if byday else []
    if keys == {"FREQ"} and freq == "DAILY":
        return {"repeat": Repeat.DAILY}
    if keys == {"FREQ", "INTERVAL"} and freq == "DAILY" and parts["INTERVAL"].isdigit():
        return {"repeat": Repeat.EVERY_N_DAYS, "interval": int(parts["INTERVAL"])}
    if keys == {"FREQ", "BYDAY"} and freq == "WEEKLY" and set(days) <= set(DAY_CODES):
        if sorted(days, key=DAY_CODES.index) == list(WORKDAYS):
            return {"repeat": Repeat.WEEKDAYS}
        return {"repeat": Repeat.WEEKLY, "weekdays": days}
    if keys == {"FREQ", "BYMONTHDAY"} and freq == "MONTHLY":
        day = parts["BYMONTHDAY"]
        if day == "-1":
            return {"repeat": Repeat.MONTHLY_LAST}
        if day.isdigit() and 1 <= int(day) <= 31:
            return {"repeat": Repeat.MONTHLY_DAY, "month_day": int(day)}
    return {"repeat": Repeat.ADVANCED, "rrule": rule}


def rrule_in_words(rule: str) -> str:
    """“Every day”, “Every 2 days”, “Weekly on Mon, Thu”, “Monthly on day 15” …; the rule itself otherwise."""
    choice = choices_from_rrule(rule)
    repeat = choice["repeat"]
    if repeat == Repeat.EVERY_N_DAYS:
        return str(_("Every {n} days")).format(n=choice["interval"])
    if repeat == Repeat.WEEKLY:
        names = ", ".join(str(WEEKDAYS_ABBR[DAY_CODES.index(d)]) for d in choice["weekdays"])
        return str(_("Weekly on {days}")).format(days=names)
    if repeat == Repeat.MONTHLY_DAY:
        return str(_("Monthly on day {n}")).format(n=choice["month_day"])
    if repeat == Repeat.ADVANCED:
        return rule
    return str(dict(Repeat.choices)[repeat])


#
# Choices that depend on the project
#
def plan_assignee_choices(project: Project) -> QuerySet[User]:
    """People who may do the project's tasks: its members with task work or plan management, and company-wide ones."""
    roles = [role for role, perms in ROLE_PERMS.items() if Perm.TASK_WORK in perms or Perm.PLAN_MANAGE in perms]
    members = Membership.objects.filter(
        Q(project=project) | Q(project__isnull=True), company_id=project.company_id, is_active=True, role__in=roles
    )
    return User.objects.filter(pk__in=members.values("user_id"), is_active=True).order_by("name", "id")


def revision_choices(project: Project, plan: Plan | None = None) -> QuerySet[StandardRevision]:
    """Current revisions of the company's active standard items, and the revisions the plan already keeps."""
    current = Q(item__current_revision=F("pk"), item__is_active=True)
    if plan is not None:
        current |= Q(pk__in=plan.standard_rows.values("revision_id"))
    return (
        StandardRevision.objects.filter(company_id=project.company_id)
        .filter(current)
        .select_related("item")
        .order_by("item__discipline", "item__sort_order", "item__title", "number")
    )


class RevisionChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: StandardRevision) -> str:
        return f"{obj.item.title} (v{obj.number})"


def managed_projects(user) -> QuerySet[Project]:
    return restrict(Project.objects.filter(is_active=True), user, Perm.PLAN_MANAGE, project_field="id").order_by("name")


def viewed_projects(user) -> QuerySet[Project]:
    return restrict(Project.objects.all(), user, Perm.PLAN_VIEW, project_field="id").order_by("name")


class ProjectChoiceForm(forms.Form):
    """The first step of a new plan or checkpoint: which project."""

    project = forms.ModelChoiceField(label=_("project"), queryset=Project.objects.none())

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = managed_projects(user)


class DefaultsForm(ProjectChoiceForm):
    starts_on = forms.DateField(
        label=_("first day"), required=False, widget=DATE, help_text=_("Empty: today in the company's time zone.")
    )


#
# Plans
#
class PlanForm(forms.Form):
    kind = forms.ChoiceField(label=_("kind"), choices=PlanKind.choices)
    name = forms.CharField(label=_("name"), max_length=100)
    description = forms.CharField(label=_("description"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    department = forms.ModelChoiceField(
        label=_("department"),
        queryset=Department.objects.none(),
        required=False,
        help_text=_("Unassigned tasks are open to the staff of this department."),
    )
    assignees = forms.ModelMultipleChoiceField(
        label=_("assignees"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text=_("One person does every task; several take turns day by day; none leaves tasks to the department."),
    )
    repeat = forms.ChoiceField(label=_("repeats"), choices=Repeat.choices, initial=Repeat.DAILY)
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
        help_text=_("For “Advanced”: an RFC 5545 rule without DTSTART, e.g. FREQ=MONTHLY;BYDAY=MO;BYSETPOS=1."),
    )
    starts_on = forms.DateField(label=_("first day"), widget=DATE)
    ends_on = forms.DateField(label=_("last day"), required=False, widget=DATE)
    holiday_rule = forms.ChoiceField(label=_("on public holidays"), choices=HolidayRule.choices)
    duration_minutes = forms.IntegerField(label=_("planned duration (minutes)"), min_value=1, max_value=24 * 60)
    photo_rule = forms.ChoiceField(label=_("photos"), choices=PhotoRule.choices)
    checkpoint_order = forms.ChoiceField(label=_("checkpoint order"), choices=CheckpointOrder.choices)
    standards = RevisionChoiceField(
        label=_("standard items"),
        queryset=StandardRevision.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text=_("The plan keeps the revision chosen here; a later revision of the item needs a new choice."),
    )

    def __init__(self, *args, project: Project, plan: Plan | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.project = project
        self.fields["department"].queryset = Department.objects.filter(project=project).order_by("name")
        self.fields["assignees"].queryset = plan_assignee_choices(project)
        self.fields["standards"].queryset = revision_choices(project, plan)
        if plan is not None:
            self.fields["regenerate_future"] = forms.BooleanField(
                label=_("Also change tasks already generated that have not started"),
                required=False,
                help_text=_("Otherwise the change applies from the first day not generated yet."),
            )

    @classmethod
    def initial_for(cls, plan: Plan | None, project: Project) -> dict:
        if plan is None:
            return {
                "starts_on": timezone.localdate(timezone=project.company.zone),
                "holiday_rule": HolidayRule.NONE,
                "duration_minutes": 30,
                "photo_rule": PhotoRule.NONE,
                "checkpoint_order": CheckpointOrder.ANY,
                "repeat": Repeat.DAILY,
            }
        names = ("kind", "name", "description", "starts_on", "ends_on", "holiday_rule", "duration_minutes")
        initial = {name: getattr(plan, name) for name in (*names, "photo_rule", "checkpoint_order")}
        initial["department"] = plan.department_id
        initial["assignees"] = [row.user_id for row in plan.assignee_rows.all()]
        initial["standards"] = [row.revision_id for row in plan.standard_rows.all()]
        return {**initial, **choices_from_rrule(plan.rrule)}

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
        ends_on, starts_on = data.get("ends_on"), data.get("starts_on")
        if ends_on and starts_on and ends_on < starts_on:
            self.add_error("ends_on", _("The last day cannot be before the first day."))
        return data

    def plan_data(self) -> dict:
        """The ``data`` dict of services.plan_create / plan_update."""
        names = ("kind", "name", "description", "rrule", "starts_on", "ends_on", "holiday_rule", "duration_minutes")
        data = {name: self.cleaned_data[name] for name in (*names, "photo_rule", "checkpoint_order", "department")}
        data["description"] = data["description"] or ""
        return data


class WindowForm(forms.Form):
    """One window; a row left empty is dropped (so an existing window is removed by clearing it)."""

    start = forms.TimeField(label=pgettext_lazy("time window", "from"), widget=TIME, required=False)
    end = forms.TimeField(
        label=pgettext_lazy("time window", "until"),
        widget=TIME,
        required=False,
        help_text=_("Not after the start: the window ends the next day."),
    )

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if (start is None) != (end is None) and not self.errors:
            self.add_error("end" if end is None else "start", forms.Field.default_error_messages["required"])
        return data


class RowsFormSet(forms.BaseFormSet):
    """Every row is read, also one left as it was shown: an empty row is dropped, not "unchanged"."""

    def _construct_form(self, i, **kwargs):
        return super()._construct_form(i, empty_permitted=False, **kwargs)


class BaseWindowFormSet(RowsFormSet):
    def windows(self) -> list[tuple[dt.time, dt.time]]:
        rows = [f.cleaned_data for f in self.forms]
        return [(row["start"], row["end"]) for row in rows if row.get("start") and row.get("end")]

    def clean(self):
        if any(self.errors):
            return
        if not self.windows():
            raise ValidationError(_("A plan needs at least one time window."), code="no_window")


WindowFormSet = forms.formset_factory(WindowForm, formset=BaseWindowFormSet, extra=2, max_num=96, validate_max=True)


class RouteStopForm(forms.Form):
    checkpoint = forms.ModelChoiceField(label=_("checkpoint"), queryset=Checkpoint.objects.none(), required=False)
    order = forms.IntegerField(label=_("order"), required=False, min_value=0, max_value=999)

    def __init__(self, *args, project: Project, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["checkpoint"].queryset = Checkpoint.objects.filter(project=project, is_active=True).order_by("name")


class BaseRouteFormSet(RowsFormSet):
    def checkpoints(self) -> list[Checkpoint]:
        """The route in order: by the ``order`` typed in; rows without one follow, as listed."""
        rows = [
            (f.cleaned_data.get("order"), i, f.cleaned_data["checkpoint"])
            for i, f in enumerate(self.forms)
            if f.cleaned_data.get("checkpoint")
        ]
        rows.sort(key=lambda r: (r[0] if r[0] is not None else 1000 + r[1], r[1]))
        return [checkpoint for _order, _i, checkpoint in rows]


RouteFormSet = forms.formset_factory(RouteStopForm, formset=BaseRouteFormSet, extra=3, max_num=200, validate_max=True)


def window_formset(data, *, plan: Plan | None, project: Project) -> BaseWindowFormSet:
    if plan is not None:
        initial = [{"start": w.start, "end": w.end} for w in plan.windows.all()]
    else:
        initial = [{"start": project.company.work_start, "end": project.company.work_end}]
    return WindowFormSet(data, prefix="windows", initial=initial)


def route_formset(data, *, plan: Plan | None, project: Project, route: list[Checkpoint] | None = None):
    initial = [{"checkpoint": cp.pk, "order": i + 1} for i, cp in enumerate(route or [])]
    return RouteFormSet(data, prefix="route", initial=initial, form_kwargs={"project": project})


#
# Checkpoints
#
class CheckpointForm(forms.Form):
    name = forms.CharField(label=_("name"), max_length=100)
    building = forms.ModelChoiceField(label=_("building"), queryset=Building.objects.none(), required=False)
    area = forms.ModelChoiceField(label=_("public area"), queryset=Area.objects.none(), required=False)
    description = forms.CharField(label=_("description"), max_length=200, required=False)
    latitude = forms.DecimalField(label=_("latitude"), max_digits=9, decimal_places=6, required=False)
    longitude = forms.DecimalField(label=_("longitude"), max_digits=9, decimal_places=6, required=False)
    radius_m = forms.IntegerField(
        label=_("check-in radius (m)"),
        min_value=5,
        max_value=5000,
        initial=50,
        help_text=_("A check-in by position must be this close."),
    )
    is_active = forms.BooleanField(label=_("active"), required=False, initial=True)

    def __init__(self, *args, project: Project, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["building"].queryset = Building.objects.filter(project=project).order_by("name")
        self.fields["area"].queryset = Area.objects.filter(project=project).order_by("name")

    def clean(self):
        data = super().clean()
        if (data.get("latitude") is None) != (data.get("longitude") is None):
            self.add_error("longitude", _("Enter both latitude and longitude, or neither."))
        data["description"] = data.get("description") or ""
        return data


#
# Task actions
#
class TaskCancelForm(forms.Form):
    reason = forms.CharField(label=_("reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class TaskAssignForm(forms.Form):
    assignee = forms.ModelChoiceField(
        label=_("assignee"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("Nobody: the department's pool"),
    )

    def __init__(self, *args, project: Project, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = plan_assignee_choices(project)


#
# Figures
#
class GroupBy:
    choices = [
        ("", _("Total")),
        ("project", _("Project")),
        ("department", _("Department")),
        ("assignee", _("Person")),
        ("date", _("Day")),
    ]


class Metric:
    COMPLETION = "completion"
    ON_TIME = "on_time"
    COVERAGE = "coverage"
    MISSED = "missed"
    choices = [
        (COMPLETION, _("Plan completion rate")),
        (ON_TIME, _("On-time rate")),
        (COVERAGE, _("Patrol coverage")),
        (MISSED, _("Missed tasks")),
    ]


MAX_FIGURE_DAYS = 366
FIGURES_TOO_LONG = _("At most {n} days at a time.")


class FiguresForm(forms.Form):
    date_from = forms.DateField(label=pgettext_lazy("date range", "from"), widget=DATE)
    date_to = forms.DateField(label=pgettext_lazy("date range", "until"), widget=DATE)
    project = forms.ModelChoiceField(label=_("project"), queryset=Project.objects.none(), required=False)
    group_by = forms.ChoiceField(label=_("per"), choices=GroupBy.choices, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = viewed_projects(user)

    @staticmethod
    def defaults(today: dt.date) -> dict:
        return {"date_from": today - dt.timedelta(days=6), "date_to": today, "group_by": "date"}

    def clean(self):
        data = super().clean()
        date_from, date_to = data.get("date_from"), data.get("date_to")
        if date_from and date_to:
            if date_to < date_from:
                self.add_error("date_to", _("The end cannot be before the start."))
            elif (date_to - date_from).days >= MAX_FIGURE_DAYS:
                self.add_error("date_to", str(FIGURES_TOO_LONG).format(n=MAX_FIGURE_DAYS))
        return data
