"""DingTalk (钉钉) custom robot: POST {"msgtype": "markdown", "markdown": {"title", "text"}} to
https://oapi.dingtalk.com/robot/send?access_token=…. With the robot's 加签 secret (SEC…) the
address carries ``timestamp`` (ms) and ``sign`` = urlencode(base64(HMAC-SHA256(key=secret,
msg=f"{timestamp}\\n{secret}"))). Taken when the answer has errcode 0.

Use the robot's signing (加签) security setting: a robot secured by keywords instead takes only
messages that contain one of its words, and a message's words depend on its translation."""

import base64
import hashlib
import hmac
import time
import urllib.parse
from typing import Any

from alerts.channels import transport
from alerts.channels.message import Message, Result
from alerts.channels.robots import markdown_lines, robot_result
from alerts.models import Channel


def sign(secret: str, timestamp_ms: int) -> str:
    string_to_sign = f"{timestamp_ms}\n{secret}"
    digest = hmac.new(secret.encode("utf-8"), string_to_sign.encode("utf-8"), hashlib.sha256).digest()
    return urllib.parse.quote_plus(base64.b64encode(digest))


def signed_url(url: str, secret: str, *, timestamp_ms: int | None = None) -> str:
    if not secret:
        return url
    timestamp_ms = timestamp_ms if timestamp_ms is not None else round(time.time() * 1000)
    separator = "&" if urllib.parse.urlsplit(url).query else "?"
    return f"{url}{separator}timestamp={timestamp_ms}&sign={sign(secret, timestamp_ms)}"


def payload(message: Message) -> dict[str, Any]:
    # DingTalk starts a new line only at a blank line.
    text = "\n\n".join(markdown_lines(message, emphasise=lambda value: f"**{value}**"))
    return {"msgtype": "markdown", "markdown": {"title": message.title, "text": text}}


def send(channel: Channel, message: Message) -> Result:
    answer = transport.post(signed_url(channel.url, channel.secret), transport.json_body(payload(message)))
    return robot_result(answer)
