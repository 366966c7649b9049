"""How an alert reads: its one-line summary in the reader's language and links to its evidence.

Rules store a summary as (English source message, params) in ``Alert.evidence["summary"]``; the
message is marked with gettext_noop where the rule builds it and translated here, when shown, so
an alert raised at night reads in whatever language the person opening it uses.
"""

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from alerts.choices import SubjectType
from alerts.models import Alert

# Where each kind of evidence reference is shown (url name; the id is its only argument).
REF_URLS = {
    SubjectType.WORKORDER: "workorders:workorder_detail",
    SubjectType.TASK: "plans:task_detail",
    SubjectType.PLAN: "plans:plan_detail",
    SubjectType.FINDING: "inspections:finding_detail",
    SubjectType.DEVICE: "alerts:device_detail",
    SubjectType.PROJECT: "core:project_detail",
    SubjectType.BUILDING: "core:building_detail",
}


def alert_summary(alert: Alert) -> str:
    summary = (alert.evidence or {}).get("summary")
    if not summary:
        return f"{alert.get_kind_display()} · {alert.rule.name}" if alert.rule_id else alert.get_kind_display()
    try:
        return _(summary["msg"]).format(**summary.get("params", {}))
    except (KeyError, IndexError, ValueError):  # a translation that lost a placeholder: the source text
        return summary["msg"].format(**summary.get("params", {}))


def ref_url(ref_type: str, ref_id: int) -> str | None:
    name = REF_URLS.get(ref_type)
    if name is None:
        return None
    try:
        return reverse(name, args=[ref_id])
    except NoReverseMatch:
        return None


def evidence_links(alert: Alert) -> list[dict]:
    """The evidence references with a label and, where the object has a page, its URL."""
    labels = {**dict(SubjectType.choices), "reading": _("Reading")}
    return [
        {
            "type": r["type"],
            "id": r["id"],
            "label": f"{labels.get(r['type'], r['type'])} #{r['id']}",
            "url": ref_url(r["type"], r["id"]),
        }
        for r in alert.refs
    ]


def event_reason(event) -> str:
    """An alert event's reason: a person's note as written; the system's (source text) translated."""
    if event.actor_id is None and event.reason:
        return _(event.reason)
    return event.reason


# How the facts a rule stored read on the alert page; ids and bookkeeping keys are not shown.
FACT_LABELS = {
    "tier": gettext_lazy("keyword tier"),
    "words": gettext_lazy("keywords"),
    "source": gettext_lazy("found in"),
    "stars": gettext_lazy("stars"),
    "satisfaction": gettext_lazy("satisfaction (1–5)"),
    "resolved": gettext_lazy("problem solved?"),
    "round": gettext_lazy("round of work"),
    "target": gettext_lazy("target"),
    "level": gettext_lazy("share of the limit used (%)"),
    "due": gettext_lazy("due by"),
    "due_at": gettext_lazy("deadline"),
    "days": gettext_lazy("within (days)"),
    "hours": gettext_lazy("within (hours)"),
    "households": gettext_lazy("households"),
    "place": gettext_lazy("place"),
    "category": gettext_lazy("category"),
    "count": gettext_lazy("orders in the window"),
    "expected": gettext_lazy("usual number"),
    "window_days": gettext_lazy("window (days)"),
    "kpi": gettext_lazy("KPI"),
    "month": gettext_lazy("month"),
    "numerator": gettext_lazy("numerator"),
    "denominator": gettext_lazy("denominator"),
    "date": gettext_lazy("date"),
    "missed": gettext_lazy("missed tasks"),
    "metric": gettext_lazy("metric"),
    "value": gettext_lazy("value"),
    "op": gettext_lazy("comparison"),
    "threshold": gettext_lazy("threshold"),
    "at": gettext_lazy("measured at"),
}
TEXT_SOURCE_LABELS = {
    "order": gettext_lazy("the report"),
    "comment": gettext_lazy("a note"),
    "rating": gettext_lazy("a rating"),
    "follow_up": gettext_lazy("a follow-up"),
}


def fact_rows(alert: Alert, *, zone=None) -> list[tuple[str, str]]:
    """The alert's facts as (label, value) rows in a fixed order, readable: lists joined, times in
    ``zone``, KPI names and targets as people say them."""
    facts = (alert.evidence or {}).get("facts", {})
    rows = []
    for key, label in FACT_LABELS.items():
        if key in facts and facts[key] not in (None, "", []):
            rows.append((str(label), _fact_value(key, facts[key], facts, zone)))
    return rows


def _fact_value(key: str, value, facts: dict, zone) -> str:
    import datetime as dt

    from django.utils import timezone

    if isinstance(value, list):
        return "、".join(map(str, value))
    if key == "source":
        return str(TEXT_SOURCE_LABELS.get(value, value))
    if key == "kpi":
        from alerts.rules.periodic import KPIS

        return str(KPIS[value].label) if value in KPIS else value
    if key == "target" and "kpi" in facts and isinstance(value, int | float):
        return f"{value * 100:.1f} %"
    if key == "target":
        from workorders.choices import SlaTarget

        return str(SlaTarget(value).label) if value in SlaTarget.values else str(value)
    if isinstance(value, str) and key in ("due", "due_at", "at"):
        try:
            moment = dt.datetime.fromisoformat(value)
        except ValueError:
            return value
        return f"{timezone.localtime(moment, zone):%Y-%m-%d %H:%M}" if timezone.is_aware(moment) else value
    return str(value)
