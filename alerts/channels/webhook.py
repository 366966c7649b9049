"""Generic JSON webhook: POST the alert as JSON (alerts.channels.message builds the body: id, kind,
severity, status, level, summary, project, subject, refs, url, event_key, time, with labels). With
a secret, the header ``X-Pinzhi-Signature: sha256=<hex HMAC-SHA256 of the body>`` lets the
receiver check it came from us. Taken on any 2xx answer."""

import hashlib
import hmac

from alerts.channels import transport
from alerts.channels.message import Message, Result
from alerts.models import Channel

SIGNATURE_HEADER = "X-Pinzhi-Signature"
EVENT_HEADER = "X-Pinzhi-Event"


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def request(channel: Channel, message: Message) -> tuple[bytes, dict[str, str]]:
    body = transport.json_body(message.data)
    headers = {EVENT_HEADER: message.event_key}
    if channel.secret:
        headers[SIGNATURE_HEADER] = signature(channel.secret, body)
    return body, headers


def send(channel: Channel, message: Message) -> Result:
    body, headers = request(channel, message)
    answer = transport.post(channel.url, body, headers=headers)
    if 200 <= answer.status < 300:
        return Result(ok=True, code=answer.status)
    return Result(ok=False, code=answer.status, error=f"HTTP {answer.status}: {answer.text()}")
