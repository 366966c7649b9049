"""Template helpers of the work-order pages: badge colours, timeline details, the home summary."""

import datetime as dt

from django import template
from django.utils import timezone
from django.utils.translation import gettext as _

from workorders.choices import (
    PRIORITY_COLORS,
    SLA_STATE_COLORS,
    STATUS_COLORS,
    EventKind,
    FollowUpMethod,
    FollowUpResolved,
    FollowUpStatus,
    HoldReason,
    PhotoStage,
    Priority,
    RatingTag,
    Satisfaction,
    SlaTarget,
    Source,
    Status,
)

register = template.Library()


@register.filter
def status_color(value: str) -> str:
    return STATUS_COLORS.get(value, "secondary")


@register.filter
def priority_color(value: str) -> str:
    return PRIORITY_COLORS.get(value, "secondary")


@register.filter
def sla_color(value: str) -> str:
    return SLA_STATE_COLORS.get(value, "secondary")


@register.filter
def status_label(value: str) -> str:
    return _label(Status, value)


@register.filter
def stars(value) -> str:
    try:
        n = max(0, min(5, int(value)))
    except (TypeError, ValueError):
        return ""
    return "★" * n + "☆" * (5 - n)


@register.filter
def mask_phone(value: str) -> str:
    """138****1234 for people who may not see owners' contact details."""
    value = value or ""
    return f"{value[:3]}****{value[-4:]}" if len(value) >= 8 else "****" if value else ""


@register.simple_tag(takes_context=True)
def workorder_summary(context) -> dict[str, int] | None:
    """Counts for the home card, or None for users who do not see work orders."""
    from core.access import access_for
    from core.choices import Perm
    from core.views_helpers import current_project_id
    from workorders.selectors import workorder_summary as summary

    request = context.get("request")
    if request is None or not access_for(request.user).has(Perm.WO_VIEW):
        return None
    return summary(user=request.user, project_id=current_project_id(request))


def _label(choices, value) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value or "")


@register.filter
def event_details(event) -> list[str]:
    """Readable lines for an event's ``data``: who it went to, why it waits, which deadline, the stars."""
    data = event.data or {}
    render = _DETAILS.get(event.kind)
    lines = render(data) if render else []
    return [line for line in lines if line]


def _created(data: dict) -> list[str]:
    return [
        _("Source: {source}").format(source=_label(Source, data.get("source"))),
        _("Priority: {priority}").format(priority=_label(Priority, data.get("priority"))),
    ]


def _assigned(data: dict) -> list[str]:
    to = " · ".join(x for x in (data.get("department_name"), data.get("assignee_name")) if x)
    lines = [_("To: {to}").format(to=to)] if to else []
    if data.get("reason") == "take_timeout":
        lines.append(_("Re-dispatched: nobody took it in time."))
    elif data.get("auto"):
        lines.append(_("Dispatched automatically by the rules."))
    return lines


def _status(data: dict) -> list[str]:
    lines = []
    if data.get("hold_reason"):
        lines.append(_("Waiting for: {reason}").format(reason=_label(HoldReason, data["hold_reason"])))
    if data.get("rework"):
        lines.append(_("Sent back for rework."))
    if data.get("round"):
        lines.append(_("Round {n} of work.").format(n=data["round"] + 1))
    return lines


def _sla(data: dict) -> list[str]:
    lines = [_("Deadline: {target}").format(target=_label(SlaTarget, data.get("target")))]
    if data.get("level"):
        # xgettext:no-python-format
        lines.append(_("{level}% of the time used").format(level=data["level"]))
    if data.get("due"):
        try:
            due = timezone.localtime(dt.datetime.fromisoformat(data["due"]))
            lines.append(_("Due at {time}").format(time=due.strftime("%Y-%m-%d %H:%M")))
        except (TypeError, ValueError):
            pass
    return lines


def _rated(data: dict) -> list[str]:
    tags = "、".join(_label(RatingTag, t) for t in data.get("tags") or [])
    return [stars(data.get("stars")), _("Tags: {tags}").format(tags=tags) if tags else ""]


def _follow_up(data: dict) -> list[str]:
    lines = [_label(FollowUpStatus, data.get("status"))]
    if data.get("method"):
        lines.append(_("Method: {method}").format(method=_label(FollowUpMethod, data["method"])))
    if data.get("resolved"):
        lines.append(_label(FollowUpResolved, data["resolved"]))
    if data.get("satisfaction"):
        lines.append(_label(Satisfaction, data["satisfaction"]))
    return lines


def _flagged(data: dict) -> list[str]:
    words = "、".join(h.get("word", "") for h in data.get("hits") or [] if isinstance(h, dict))
    lines = [_("Keywords: {words}").format(words=words)] if words else []
    if data.get("priority_from") and data.get("priority_to") and data["priority_from"] != data["priority_to"]:
        lines.append(
            _("Priority raised: {before} → {after}").format(
                before=data["priority_from"].upper(), after=data["priority_to"].upper()
            )
        )
    reason = data.get("reason")
    if reason == "low_rating":
        lines.append(_("Low rating: {stars}").format(stars=stars(data.get("stars"))))
    elif reason == "low_follow_up":
        lines.append(_("Low satisfaction in the follow-up."))
    return lines


def _escalated(data: dict) -> list[str]:
    if data.get("reason") == "take_timeout":
        return [_("Nobody took it in time; escalated to the supervisor.")]
    return []


def _updated(data: dict) -> list[str]:
    before, after = data.get("before") or {}, data.get("after") or {}
    return [f"{key}: {before.get(key, '')} → {after.get(key, '')}" for key in after]


def _photo(data: dict) -> list[str]:
    return [_label(PhotoStage, data.get("stage"))] if data.get("stage") else []


_DETAILS = {
    EventKind.CREATED: _created,
    EventKind.ASSIGNED: _assigned,
    EventKind.STATUS: _status,
    EventKind.SLA_WARNING: _sla,
    EventKind.SLA_BREACH: _sla,
    EventKind.RATED: _rated,
    EventKind.FOLLOW_UP: _follow_up,
    EventKind.FLAGGED: _flagged,
    EventKind.ESCALATED: _escalated,
    EventKind.UPDATED: _updated,
    EventKind.PHOTO: _photo,
}


@register.filter
def rating_tag(value: str) -> str:
    return _label(RatingTag, value)
