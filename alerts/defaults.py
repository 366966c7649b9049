"""The rules every company starts with (DOMAIN §6.5 and the early-warning list of the seeds).

Names are stored in the company's language at seeding time, like other seeded rows; admins may
rename them. ``params`` are validated by alerts.rules.validate_params.
"""

from django.utils.translation import gettext_lazy as _

from alerts.choices import RuleKind, Severity

K, S = RuleKind, Severity

DEFAULT_RULES: list[dict] = [
    {"kind": K.KEYWORD, "name": _("Keywords L0: life safety"), "severity": S.CRITICAL, "params": {"tier": "L0"}},
    {"kind": K.KEYWORD, "name": _("Keywords L1: urgent facilities"), "severity": S.HIGH, "params": {"tier": "L1"}},
    {
        "kind": K.KEYWORD,
        "name": _("Keywords L2: external escalation and public opinion"),
        "severity": S.HIGH,
        "params": {"tier": "L2"},
    },
    {
        "kind": K.KEYWORD,
        "name": _("Keywords L3: emotion and service failure"),
        "severity": S.MEDIUM,
        "params": {"tier": "L3"},
    },
    {
        "kind": K.LOW_RATING,
        "name": _("Rating of 2 stars or less, or an unsatisfied follow-up"),
        "severity": S.HIGH,
        "params": {"max_stars": 2, "max_follow_up_satisfaction": 2, "unresolved_follow_up": True},
    },
    {
        "kind": K.SLA_WARNING,
        # xgettext:no-python-format
        "name": _("SLA at 80 % of its limit"),
        "severity": S.MEDIUM,
        "params": {"level": 80},
    },
    {"kind": K.SLA_BREACH, "name": _("SLA breached"), "severity": S.HIGH, "params": {}},
    {
        "kind": K.REPEAT_COMPLAINT,
        "name": _("Same unit and category again within 30 days"),
        "severity": S.HIGH,
        "params": {"days": 30, "kinds": ["complaint", "repair"]},
    },
    {
        "kind": K.GROUP_COMPLAINT,
        "name": _("Three or more households, same problem and place, within 24 hours"),
        "severity": S.CRITICAL,
        "params": {"households": 3, "hours": 24},
    },
    {
        "kind": K.HOTSPOT,
        "name": _("A place and category well above its own baseline"),
        "severity": S.MEDIUM,
        "params": {"window_days": 7, "baseline_days": 56, "factor": 2.0, "min_count": 5},
    },
    {
        "kind": K.KPI,
        "name": _("Patrol completion below target this month"),
        "severity": S.MEDIUM,
        "params": {"kpi": "plan_completion", "target": None},
    },
    {
        "kind": K.KPI,
        "name": _("On-time rectification below target this month"),
        "severity": S.MEDIUM,
        "params": {"kpi": "rectification_on_time", "target": 0.9},
    },
    {
        "kind": K.KPI,
        "name": _("On-site timeliness below target this month"),
        "severity": S.HIGH,
        "params": {"kpi": "repair_arrive_on_time", "target": 0.98},
    },
    {"kind": K.MISSED_PATROL, "name": _("Missed patrols"), "severity": S.MEDIUM, "params": {"min_missed": 1}},
    {
        "kind": K.OVERDUE_RECTIFICATION,
        "name": _("Rectification past its deadline"),
        "severity": S.HIGH,
        "params": {},
    },
]
