"""E-mail: to the alert's owner and the channel's listed addresses, in the company's language."""

import re

from django.conf import settings
from django.core.mail import send_mail
from django.utils import translation
from django.utils.translation import gettext as _

from alerts.channels.message import Message, Result
from alerts.models import Channel

SEPARATORS = re.compile(r"[\s,;，；、]+")


def parse_emails(text: str) -> list[str]:
    """The addresses in ``text``: one per line, or separated by commas, semicolons or spaces."""
    return [e for e in SEPARATORS.split(text or "") if e]


def recipients(channel: Channel, message: Message) -> list[str]:
    return sorted({e.lower() for e in [*message.recipients, *parse_emails(channel.emails)]})


def body(message: Message) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        lines = [message.summary, ""]
        lines += [f"{label}: {value}" for label, value in message.lines]
        lines += ["", f"{message.link_label}: {message.url}", "", _("— pinzhi early warning")]
    return "\n".join(lines)


def send(channel: Channel, message: Message) -> Result:
    to = recipients(channel, message)
    if not to:
        return Result(ok=False, error="no recipients: the alert's owner has no e-mail address", permanent=True)
    sent = send_mail(message.title, body(message), None, to)
    return Result(ok=sent > 0, error="" if sent else "the mail backend sent nothing")
