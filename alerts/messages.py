"""How an alert reads: its one-line summary in the reader's language and links to its evidence.

Rules store a summary as (English source message, params) in ``Alert.evidence["summary"]``; the
message is marked with gettext_noop where the rule builds it and translated here, when shown, so
an alert raised at night reads in whatever language the person opening it uses.
"""

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

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
