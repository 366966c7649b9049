"""WeCom (企业微信) group robot: POST {"msgtype": "markdown", "markdown": {"content": ...}} to the
robot's webhook address (https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…). Taken when the
answer is HTTP 200 with errcode 0."""

from typing import Any

from alerts.channels import transport
from alerts.channels.message import Message, Result
from alerts.channels.robots import markdown_lines, robot_result
from alerts.choices import Severity
from alerts.models import Channel

CONTENT_MAX_BYTES = 4096
# The robot's markdown knows three colours: info (green), comment (grey), warning (orange-red).
SEVERITY_COLORS = {Severity.CRITICAL: "warning", Severity.HIGH: "warning"}


def payload(message: Message) -> dict[str, Any]:
    color = SEVERITY_COLORS.get(message.severity, "comment")
    lines = markdown_lines(message, emphasise=lambda value: f'<font color="{color}">{value}</font>')
    content = "\n".join(lines)
    while len(content.encode("utf-8")) > CONTENT_MAX_BYTES and len(lines) > 2:
        lines.pop(-2)  # drop facts from the end, keep the heading, summary and link
        content = "\n".join(lines)
    return {"msgtype": "markdown", "markdown": {"content": content}}


def send(channel: Channel, message: Message) -> Result:
    answer = transport.post(channel.url, transport.json_body(payload(message)))
    return robot_result(answer)
