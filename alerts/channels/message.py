"""One alert message, built once in the company's language and shared by every channel format.

A message is plain data (strings already translated), so the formatters stay simple and a
test can look at exactly what a robot or a webhook receives.
"""

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from alerts.choices import AlertStatus, ChannelKind, Level, RuleKind, Severity, SubjectType
from alerts.messages import alert_summary
from alerts.models import Alert, Channel


@dataclass(frozen=True)
class Result:
    """How one send went: ``code`` is the HTTP status (None for e-mail or no answer at all);
    ``permanent`` failures (nobody to send to) are not retried."""

    ok: bool
    code: int | None = None
    error: str = ""
    permanent: bool = False


@dataclass(frozen=True)
class Message:
    event_key: str
    severity: str
    title: str  # one line: "[高] 新预警：工单超时"
    summary: str
    lines: tuple[tuple[str, str], ...]  # (label, value), translated
    url: str
    link_label: str
    recipients: tuple[str, ...] = ()  # e-mail: the alert owner's address
    data: dict[str, Any] = field(default_factory=dict)  # the generic webhook's JSON body


def site_url(path: str) -> str:
    """``path`` made absolute when settings name the site's address (SITE_URL), else as it is."""
    base = (getattr(settings, "SITE_URL", "") or "").rstrip("/")
    return f"{base}{path}"


def alert_path(alert_id: int) -> str:
    try:
        return reverse("alerts:alert_detail", args=[alert_id])
    except NoReverseMatch:  # the alert pages are not routed (yet): their agreed address
        return f"/alerts/{alert_id}/"


def event_label(event_key: str) -> str:
    name, _sep, number = event_key.partition(":")
    if name == "escalated" and number.isdigit():
        return _("Escalated to {level}").format(level=Level(int(number)).label)
    if name == "reopened":
        return _("Alert reopened")
    if name == "test":
        return _("Test message")
    return _("New alert")


def _local(at: dt.datetime, alert: Alert) -> dt.datetime:
    return timezone.localtime(at, alert.company.zone)


def message_for_alert(alert: Alert, *, event_key: str, at: dt.datetime) -> Message:
    """The message about ``alert`` for its event ``event_key`` ("raised", "escalated:1", "reopened:2")."""
    with translation.override(settings.LANGUAGE_CODE):
        return _build(alert, event_key=event_key, at=at)


def _build(alert: Alert, *, event_key: str, at: dt.datetime) -> Message:
    severity = str(Severity(alert.severity).label)
    kind = str(RuleKind(alert.kind).label)
    summary = alert_summary(alert)
    subject = f"{SubjectType(alert.subject_type).label} #{alert.subject_id}" if alert.subject_id else ""
    when = _local(at, alert)
    url = site_url(alert_path(alert.pk))
    lines = [
        (_("Severity"), severity),
        (_("Escalation level"), str(Level(alert.level).label)),
        (_("Rule"), alert.rule.name),
        (_("Project"), alert.project.name if alert.project_id else "-"),
        (_("About"), subject or "-"),
        (pgettext("alert", "Owner"), (alert.owner.name or alert.owner.username) if alert.owner_id else "-"),
        (_("Status"), str(AlertStatus(alert.status).label)),
        (_("Time"), f"{when:%Y-%m-%d %H:%M}"),
    ]
    if alert.occurrences > 1:
        lines.append((_("Occurrences"), str(alert.occurrences)))
    title = _("[{severity}] {event}: {kind}").format(severity=severity, event=event_label(event_key), kind=kind)
    data = {
        "id": alert.pk,
        "kind": alert.kind,
        "kind_label": kind,
        "severity": alert.severity,
        "severity_label": severity,
        "status": alert.status,
        "level": alert.level,
        "level_label": str(Level(alert.level).label),
        "title": title,
        "summary": summary,
        "rule": {"id": alert.rule_id, "name": alert.rule.name},
        "project": {"id": alert.project_id, "name": alert.project.name} if alert.project_id else None,
        "subject": {"type": alert.subject_type, "id": alert.subject_id},
        "refs": alert.refs,
        "occurrences": alert.occurrences,
        "url": url,
        "event_key": event_key,
        "time": when.isoformat(),
    }
    owner_email = alert.owner.email if alert.owner_id and alert.owner.email else ""
    return Message(
        event_key=event_key,
        severity=alert.severity,
        title=title,
        summary=summary,
        lines=tuple(lines),
        url=url,
        link_label=_("Open the alert"),
        recipients=(owner_email,) if owner_email else (),
        data=data,
    )


def message_for_test(channel: Channel, *, recipient: str = "", at: dt.datetime | None = None) -> Message:
    """A test message for ``channel`` (sent from its configuration page); e-mail goes to ``recipient`` too."""
    when = timezone.localtime(at or timezone.now(), channel.company.zone)
    with translation.override(settings.LANGUAGE_CODE):
        title = _("{event}: {kind}").format(event=event_label("test"), kind=ChannelKind(channel.kind).label)
        summary = _("If you can read this, the channel {name} works.").format(name=channel.name)
        lines = ((_("Channel"), channel.name), (_("Time"), f"{when:%Y-%m-%d %H:%M}"))
        url = site_url("/alerts/")
        data = {
            "id": None,
            "test": True,
            "title": title,
            "summary": summary,
            "channel": channel.name,
            "url": url,
            "event_key": "test",
            "time": when.isoformat(),
        }
        return Message(
            event_key="test",
            severity=Severity.LOW,
            title=title,
            summary=summary,
            lines=lines,
            url=url,
            link_label=_("Open the alert centre"),
            recipients=(recipient,) if recipient else (),
            data=data,
        )
