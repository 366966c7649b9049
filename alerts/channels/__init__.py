"""How an alert goes out on each kind of channel: one message built once (alerts.channels.message),
formatted and sent per kind (e-mail, WeCom group robot, DingTalk robot, generic JSON webhook).

``send`` never raises: whatever goes wrong comes back as a failed Result, so the caller can
record it on the Delivery and retry later.
"""

import logging
from collections.abc import Callable

from alerts.channels import dingtalk, mail, webhook, wecom
from alerts.channels.message import Message, Result, message_for_alert, message_for_test
from alerts.choices import ChannelKind
from alerts.models import Channel

log = logging.getLogger(__name__)

SENDERS: dict[str, Callable[[Channel, Message], Result]] = {
    ChannelKind.EMAIL: mail.send,
    ChannelKind.WECOM: wecom.send,
    ChannelKind.DINGTALK: dingtalk.send,
    ChannelKind.WEBHOOK: webhook.send,
}
ERROR_MAX = 500


def send(channel: Channel, message: Message) -> Result:
    """Send ``message`` on ``channel``; a failure (refused, unreachable, timed out) is a Result, never an exception."""
    sender = SENDERS.get(channel.kind)
    if sender is None:
        return Result(ok=False, error=f"unknown channel kind {channel.kind!r}", permanent=True)
    try:
        result = sender(channel, message)
    except Exception as exc:  # a channel failure must never lose the delivery's state
        log.warning("channel %s (%s) failed: %r", channel.pk, channel.kind, exc)
        result = Result(ok=False, error=f"{type(exc).__name__}: {exc}")
    return Result(ok=result.ok, code=result.code, error=result.error[:ERROR_MAX], permanent=result.permanent)


__all__ = ["Message", "Result", "message_for_alert", "message_for_test", "send"]
