"""Notification channels: create, change, switch off and send a test message (alerts.configure)."""

import urllib.parse
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from alerts import channels as senders
from alerts.channels.mail import parse_emails
from alerts.choices import ChannelKind, RuleKind
from alerts.models import Channel
from alerts.services.common import full_save, now, require
from core.choices import Perm
from core.models import Company

CHANNEL_FIELDS = (
    "project",
    "name",
    "kind",
    "url",
    "secret",
    "emails",
    "min_severity",
    "rule_kinds",
    "on_escalation",
    "quiet_start",
    "quiet_end",
    "is_active",
)
WEBHOOK_KINDS = (ChannelKind.WECOM, ChannelKind.DINGTALK, ChannelKind.WEBHOOK)

CHANNEL_URL_REQUIRED = _("A robot or webhook channel needs its webhook address.")
CHANNEL_URL_SCHEME = _("The webhook address must start with http:// or https://.")
CHANNEL_EMAIL_INVALID = _("Not an e-mail address: {value}.")
CHANNEL_QUIET_BOTH = _("Give both ends of the quiet hours, or neither.")
CHANNEL_QUIET_EMPTY = _("The quiet hours start and end at the same time.")
CHANNEL_RULE_KIND_UNKNOWN = _("Unknown rule kind: {value}.")
CHANNEL_RULE_KINDS_LIST = _("Give a list of rule kinds.")
CHANNEL_PROJECT_OTHER_COMPANY = _("The project belongs to another company.")
CHANNEL_NAME_TAKEN = _("The company already has a channel with this name.")


def _fields(data: dict[str, Any]) -> dict[str, Any]:
    unknown = set(data) - set(CHANNEL_FIELDS)
    if unknown:
        raise ValueError(f"unknown channel fields: {sorted(unknown)}")
    return dict(data)


def _require(actor: User | None, channel: Channel) -> None:
    require(actor, Perm.ALERT_CONFIGURE, company_id=channel.company_id, project_id=channel.project_id)


def _check(channel: Channel) -> None:
    """The rules full_clean() cannot know; each error names its field."""
    errors: dict[str, Any] = {}
    if Channel.objects.filter(company_id=channel.company_id, name=channel.name).exclude(pk=channel.pk).exists():
        errors["name"] = CHANNEL_NAME_TAKEN
    if channel.project_id and channel.project.company_id != channel.company_id:
        errors["project"] = CHANNEL_PROJECT_OTHER_COMPANY
    channel.url = (channel.url or "").strip()
    if channel.kind in WEBHOOK_KINDS:
        if not channel.url:
            errors["url"] = CHANNEL_URL_REQUIRED
        elif urllib.parse.urlsplit(channel.url).scheme.lower() not in ("http", "https"):
            errors["url"] = CHANNEL_URL_SCHEME
    elif channel.kind == ChannelKind.EMAIL:
        channel.url, channel.secret = "", ""  # e-mail uses neither
    channel.secret = (channel.secret or "").strip()
    addresses = parse_emails(channel.emails)
    for address in addresses:
        try:
            validate_email(address)
        except ValidationError:
            errors["emails"] = str(CHANNEL_EMAIL_INVALID).format(value=address)
            break
    channel.emails = "\n".join(dict.fromkeys(a.lower() for a in addresses))
    if (channel.quiet_start is None) != (channel.quiet_end is None):
        errors["quiet_end" if channel.quiet_end is None else "quiet_start"] = CHANNEL_QUIET_BOTH
    elif channel.quiet_start is not None and channel.quiet_start == channel.quiet_end:
        errors["quiet_end"] = CHANNEL_QUIET_EMPTY
    rule_error = _rule_kinds_error(channel.rule_kinds)
    if rule_error:
        errors["rule_kinds"] = rule_error
    if errors:
        raise ValidationError(errors)


def _rule_kinds_error(kinds: Any) -> str | None:
    if not isinstance(kinds, list | tuple):
        return str(CHANNEL_RULE_KINDS_LIST)
    unknown = [k for k in kinds if k not in RuleKind.values]
    return str(CHANNEL_RULE_KIND_UNKNOWN).format(value=unknown[0]) if unknown else None


def _save(channel: Channel) -> Channel:
    _check(channel)
    channel.rule_kinds = sorted(set(channel.rule_kinds))
    return full_save(channel)


@transaction.atomic
def channel_create(*, company: Company, data: dict[str, Any], actor: User | None) -> Channel:
    channel = Channel(company=company, **_fields(data))
    _require(actor, channel)
    return _save(channel)


@transaction.atomic
def channel_update(*, channel: Channel, data: dict[str, Any], actor: User | None) -> Channel:
    """Change ``channel``. A ``secret`` left out of ``data`` is kept (forms do not show it back)."""
    _require(actor, channel)
    for name, value in _fields(data).items():
        setattr(channel, name, value)
    _require(actor, channel)  # a channel moved to another project: allowed there too
    return _save(channel)


def channel_test(*, channel: Channel, actor: User) -> tuple[bool, str]:
    """Send a test message on ``channel`` now (not queued) and say how it went: (ok, error).

    An e-mail channel sends it to its listed addresses and to ``actor``.
    """
    _require(actor, channel)
    message = senders.message_for_test(channel, recipient=actor.email or "", at=now())
    result = senders.send(channel, message)
    return result.ok, result.error
