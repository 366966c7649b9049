"""Forms of the alert pages: the actions on an alert, rules with their parameters as proper fields
per kind, channels, devices and gateways.

Forms check the shape of the input; the rules (parameters in range, a project of another company,
a taken name) are the services', whose ValidationErrors land on the same names (``params`` errors
above the parameters).
"""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import User
from alerts.choices import DEFAULT_ESCALATION_MINUTES, ChannelKind, Comparison, RuleKind, Severity
from alerts.models import AlertRule, Channel, Device
from core.models import Area, Building, Company, Project

TEXTAREA = forms.Textarea(attrs={"rows": 2})
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


#
# Actions on an alert
#
class AcknowledgeForm(forms.Form):
    note = forms.CharField(label=_("note"), max_length=2000, required=False, widget=TEXTAREA)


class AssignForm(forms.Form):
    owner = forms.ModelChoiceField(label=pgettext_lazy("alert", "new owner"), queryset=User.objects.none())
    note = forms.CharField(label=_("note"), max_length=2000, required=False, widget=TEXTAREA)

    def __init__(self, *args, people=None, **kwargs):
        super().__init__(*args, **kwargs)
        if people is not None:
            self.fields["owner"].queryset = people


class ResolveForm(forms.Form):
    note = forms.CharField(
        label=_("what was done"),
        max_length=2000,
        widget=TEXTAREA,
        help_text=_("Required: how the problem behind the alert was handled."),
    )


class AlertNoteForm(forms.Form):
    note = forms.CharField(label=_("note"), max_length=2000, widget=TEXTAREA)


#
# Rules: the common fields, then the parameters of the rule's kind
#
TIERS = [
    ("L0", _("L0 life safety")),
    ("L1", _("L1 urgent facilities")),
    ("L2", _("L2 external escalation")),
    ("L3", _("L3 emotion and service failure")),
]


def _words(value) -> list[str]:
    """One word or phrase per line (commas and the Chinese 、，also separate)."""
    text = str(value or "")
    for sep in (",", "，", "、", ";", "；"):
        text = text.replace(sep, "\n")
    return [w.strip() for w in text.splitlines() if w.strip()]


class WordsField(forms.CharField):
    widget = forms.Textarea(attrs={"rows": 3})

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("help_text", _("One word or phrase per line."))
        super().__init__(**kwargs)

    def prepare_value(self, value):
        return "\n".join(value) if isinstance(value, list | tuple) else value

    def to_python(self, value):
        return _words(value)


class PercentField(forms.DecimalField):
    """A share entered in percent (95) and stored as a fraction (0.95)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault("max_value", 100)
        kwargs.setdefault("decimal_places", 2)
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, float):
            return f"{value * 100:g}"
        return value

    def clean(self, value):
        value = super().clean(value)
        return None if value is None else float(value) / 100


def _kpi_choices():
    from alerts.rules.periodic import KPIS

    return [(key, kpi.label) for key, kpi in KPIS.items()]


def _workorder_kinds():
    from workorders.choices import Kind

    return Kind.choices


def _sla_targets():
    from workorders.choices import SlaTarget

    return SlaTarget.choices


def _priorities():
    from workorders.choices import Priority

    return [(value.upper(), label) for value, label in Priority.choices]


def _plan_kinds():
    from plans.choices import PlanKind

    return PlanKind.choices


def _param_fields(kind: str) -> dict[str, forms.Field]:
    """The parameter fields of a rule kind (alerts.rules.params validates the values)."""
    K = RuleKind
    int_field = forms.IntegerField
    fields: dict[str, dict[str, forms.Field]] = {
        K.KEYWORD: {
            "tier": forms.ChoiceField(label=_("keyword tier"), choices=TIERS),
            "extra_words": WordsField(label=_("extra words"), help_text=_("Also match these; one per line.")),
            "ignore_words": WordsField(label=_("ignored words"), help_text=_("Never match these; one per line.")),
        },
        K.LOW_RATING: {
            "max_stars": int_field(label=_("rating at most (stars)"), min_value=1, max_value=4),
            "max_follow_up_satisfaction": int_field(
                label=_("follow-up satisfaction at most"), min_value=1, max_value=4
            ),
            "unresolved_follow_up": forms.BooleanField(
                label=_("also when the owner says the problem is not solved"), required=False
            ),
        },
        K.SLA_WARNING: {
            "level": forms.TypedChoiceField(
                # xgettext:no-python-format
                label=_("warn at (% of the limit)"),
                choices=[(50, "50 %"), (80, "80 %")],
                coerce=int,
            ),
        },
        K.SLA_BREACH: {
            "targets": forms.MultipleChoiceField(
                label=_("deadlines"),
                choices=_sla_targets,
                required=False,
                widget=forms.CheckboxSelectMultiple,
                help_text=_("Leave all unticked for every deadline."),
            ),
        },
        K.REPEAT_COMPLAINT: {
            "days": int_field(label=_("within (days)"), min_value=1, max_value=365),
            "kinds": forms.MultipleChoiceField(
                label=_("work-order kinds"), choices=_workorder_kinds, widget=forms.CheckboxSelectMultiple
            ),
        },
        K.GROUP_COMPLAINT: {
            "households": int_field(label=_("households at least"), min_value=2, max_value=100),
            "hours": int_field(label=_("within (hours)"), min_value=1, max_value=168),
        },
        K.HOTSPOT: {
            "window_days": int_field(label=_("window (days)"), min_value=1, max_value=30),
            "baseline_days": int_field(label=_("baseline (days)"), min_value=7, max_value=365),
            "factor": forms.FloatField(
                label=_("above the baseline by the factor"),
                min_value=1.01,
                help_text=_("2 = twice as many orders as usual for the same length of time."),
            ),
            "min_count": int_field(label=_("orders in the window at least"), min_value=1, max_value=100_000),
        },
        K.KPI: {
            "kpi": forms.ChoiceField(label=_("KPI"), choices=_kpi_choices),
            "target": PercentField(
                label=_("target (%)"),
                required=False,
                help_text=_("Empty: the target of the project's service level."),
            ),
        },
        K.MISSED_PATROL: {
            "min_missed": int_field(label=_("missed tasks at least"), min_value=1, max_value=100),
            "kinds": forms.MultipleChoiceField(
                label=_("plan kinds"), choices=_plan_kinds, widget=forms.CheckboxSelectMultiple
            ),
        },
        K.OVERDUE_RECTIFICATION: {},
        K.EQUIPMENT: {
            "metric": forms.CharField(
                label=_("metric"), max_length=40, help_text=_("As the device sends it, e.g. pressure, level.")
            ),
            "op": forms.ChoiceField(label=_("comparison"), choices=Comparison.choices),
            "value": forms.FloatField(label=_("threshold")),
            "device_kind": forms.CharField(
                label=_("device kind"), max_length=40, required=False, help_text=_("Empty: any kind.")
            ),
            "device_code": forms.CharField(
                label=_("device code"), max_length=60, required=False, help_text=_("Empty: any device.")
            ),
            "open_work_order": forms.BooleanField(label=_("open a work order"), required=False),
            "category_code": forms.CharField(
                label=_("work-order category code"), max_length=40, required=False, help_text=_("e.g. water-supply")
            ),
            "priority": forms.ChoiceField(label=_("work-order priority"), choices=_priorities),
        },
    }
    return fields.get(kind, {})


def _display(field: forms.Field, value) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(field, PercentField) and isinstance(value, int | float):
        return f"{value * 100:g} %"
    if isinstance(value, bool):
        return str(_("Yes") if value else _("No"))
    labels = {str(k): v for k, v in getattr(field, "choices", [])}
    values = value if isinstance(value, list | tuple) else [value]
    return ", ".join(str(labels.get(str(v), v)) for v in values)


class RuleForm(forms.Form):
    """A rule's common fields plus its kind's parameters (``param_names``)."""

    name = forms.CharField(label=_("name"), max_length=100)
    project = forms.ModelChoiceField(
        label=_("project"),
        queryset=Project.objects.none(),
        required=False,
        empty_label=_("Every project"),
    )
    severity = forms.ChoiceField(label=_("severity"), choices=Severity.choices)
    escalate_pm_minutes = forms.IntegerField(
        label=AlertRule._meta.get_field("escalate_pm_minutes").verbose_name,
        min_value=1,
        required=False,
        help_text=AlertRule._meta.get_field("escalate_pm_minutes").help_text,
    )
    escalate_qm_minutes = forms.IntegerField(
        label=AlertRule._meta.get_field("escalate_qm_minutes").verbose_name,
        min_value=1,
        required=False,
        help_text=AlertRule._meta.get_field("escalate_qm_minutes").help_text,
    )
    is_active = forms.BooleanField(label=_("active"), required=False, initial=True)

    def __init__(self, *args, kind: str, company: Company, rule: AlertRule | None = None, **kwargs):
        if rule is not None and "initial" not in kwargs:
            kwargs["initial"] = self.initial_for(rule)
        elif rule is None:
            kwargs["initial"] = {**self.initial_new(kind), **kwargs.get("initial", {})}
        super().__init__(*args, **kwargs)
        self.kind, self.company = kind, company
        self.fields["project"].queryset = _projects(company)
        params = _param_fields(kind)
        self.param_names = list(params)
        self.fields.update(params)

    @staticmethod
    def initial_for(rule: AlertRule) -> dict:
        return {
            "name": rule.name,
            "project": rule.project_id,
            "severity": rule.severity,
            "escalate_pm_minutes": rule.escalate_pm_minutes,
            "escalate_qm_minutes": rule.escalate_qm_minutes,
            "is_active": rule.is_active,
            **(rule.params or {}),
        }

    @staticmethod
    def initial_new(kind: str) -> dict:
        """A new rule: medium severity, the default escalation, the parameters' defaults."""
        from alerts.rules.params import SCHEMAS

        to_pm, to_qm = DEFAULT_ESCALATION_MINUTES[Severity.MEDIUM]
        defaults = {
            name: field.default for name, field in SCHEMAS.get(kind, {}).items() if type(field.default) is not object
        }
        return {
            "severity": Severity.MEDIUM,
            "escalate_pm_minutes": to_pm,
            "escalate_qm_minutes": to_qm,
            "is_active": True,
            **defaults,
        }

    def common_fields(self):
        return [self[name] for name in self.fields if name not in self.param_names]

    def param_fields(self):
        return [self[name] for name in self.param_names]

    def param_display(self) -> list[tuple]:
        """(label, readable value) of the rule's parameters, for readers who may not edit it."""
        fields = [(name, self.fields[name]) for name in self.param_names]
        return [(field.label, _display(field, self.initial.get(name))) for name, field in fields]

    def rule_data(self) -> dict:
        data = {name: self.cleaned_data[name] for name in self.fields if name not in self.param_names}
        data["params"] = {name: self.cleaned_data[name] for name in self.param_names}
        return data


#
# Channels, devices, gateways
#
def _label(model, name: str):
    return model._meta.get_field(name).verbose_name


def _help(model, name: str):
    return model._meta.get_field(name).help_text


def _projects(company: Company):
    return Project.objects.filter(company=company, is_active=True).order_by("name")


class ChannelForm(forms.Form):
    """A channel's settings; on an existing channel an empty secret keeps the stored one."""

    name = forms.CharField(label=_("name"), max_length=100)
    kind = forms.ChoiceField(label=_label(Channel, "kind"), choices=ChannelKind.choices)
    project = forms.ModelChoiceField(
        label=_("project"),
        queryset=Project.objects.none(),
        required=False,
        empty_label=_("Every project"),
        help_text=_help(Channel, "project"),
    )
    url = forms.URLField(
        label=_label(Channel, "url"),
        max_length=500,
        required=False,
        assume_scheme="https",
        help_text=_("WeCom, DingTalk and generic webhooks: the robot's or receiver's address."),
    )
    secret = forms.CharField(
        label=_label(Channel, "secret"),
        max_length=200,
        required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_help(Channel, "secret"),
    )
    emails = forms.CharField(
        label=_label(Channel, "emails"), required=False, widget=TEXTAREA, help_text=_help(Channel, "emails")
    )
    min_severity = forms.ChoiceField(
        label=_label(Channel, "min_severity"), choices=Severity.choices, initial=Severity.MEDIUM
    )
    rule_kinds = forms.MultipleChoiceField(
        label=_label(Channel, "rule_kinds"),
        choices=RuleKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_help(Channel, "rule_kinds"),
    )
    on_escalation = forms.BooleanField(label=_label(Channel, "on_escalation"), required=False, initial=True)
    quiet_start = forms.TimeField(label=_label(Channel, "quiet_start"), required=False, widget=TIME)
    quiet_end = forms.TimeField(
        label=_label(Channel, "quiet_end"),
        required=False,
        widget=TIME,
        help_text=_("Critical alerts are sent during quiet hours too."),
    )
    is_active = forms.BooleanField(label=_("active"), required=False, initial=True)

    def __init__(self, *args, company: Company, channel: Channel | None = None, **kwargs):
        if channel is not None and "initial" not in kwargs:
            kwargs["initial"] = {name: getattr(channel, name) for name in self.base_fields if name != "secret"}
            kwargs["initial"]["project"] = channel.project_id
        super().__init__(*args, **kwargs)
        self.company, self.channel = company, channel
        self.fields["project"].queryset = _projects(company)
        if channel is not None and channel.secret:
            self.fields["secret"].help_text = _("A secret is set; leave empty to keep it.")

    def channel_data(self) -> dict:
        data = dict(self.cleaned_data)
        if not data.get("secret") and self.channel is not None:
            data.pop("secret", None)  # empty: keep the stored one
        return data


class DeviceForm(forms.Form):
    project = forms.ModelChoiceField(label=_("project"), queryset=Project.objects.none())
    code = forms.SlugField(label=_label(Device, "code"), max_length=60, help_text=_help(Device, "code"))
    name = forms.CharField(label=_("name"), max_length=100)
    device_kind = forms.CharField(
        label=_label(Device, "device_kind"), max_length=40, required=False, help_text=_help(Device, "device_kind")
    )
    building = forms.ModelChoiceField(label=_("building"), queryset=Building.objects.none(), required=False)
    area = forms.ModelChoiceField(label=_("public area"), queryset=Area.objects.none(), required=False)
    is_active = forms.BooleanField(label=_("active"), required=False, initial=True)

    def __init__(self, *args, company: Company, device: Device | None = None, **kwargs):
        if device is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "project": device.project_id,
                "code": device.code,
                "name": device.name,
                "device_kind": device.device_kind,
                "building": device.building_id,
                "area": device.area_id,
                "is_active": device.is_active,
            }
        super().__init__(*args, **kwargs)
        self.company = company
        self.fields["project"].queryset = _projects(company)
        buildings = Building.objects.filter(company=company).select_related("project")
        areas = Area.objects.filter(company=company).select_related("project")
        self.fields["building"].queryset = buildings.order_by("project__name", "name")
        self.fields["area"].queryset = areas.order_by("project__name", "name")
        self.fields["building"].label_from_instance = lambda b: f"{b.project.name} · {b.name}"
        self.fields["area"].label_from_instance = lambda a: f"{a.project.name} · {a.name}"

    def device_data(self) -> dict:
        return dict(self.cleaned_data)


class GatewayForm(forms.Form):
    name = forms.CharField(label=_("name"), max_length=100)
    project = forms.ModelChoiceField(
        label=_("project"),
        queryset=Project.objects.none(),
        required=False,
        empty_label=_("Every project"),
        help_text=_("Empty: the gateway may post readings of every project's devices."),
    )

    def __init__(self, *args, company: Company, **kwargs):
        super().__init__(*args, **kwargs)
        self.company = company
        self.fields["project"].queryset = _projects(company)


class CompanyChoiceForm(forms.Form):
    company = forms.ModelChoiceField(label=_("company"), queryset=Company.objects.none())

    def __init__(self, *args, companies, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["company"].queryset = companies
