"""Shared pieces of the WeCom and DingTalk robot formats: the markdown lines and the answer check."""

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from alerts.channels.message import Message, Result
from alerts.channels.transport import Answer

SUMMARY_MAX = 500  # characters; WeCom caps markdown at 4096 bytes, DingTalk at 20,000


def markdown_lines(message: Message, *, emphasise=lambda value: value) -> list[str]:
    """Heading, summary in bold, one quoted line per fact, the link. ``emphasise`` wraps the severity."""
    with translation.override(settings.LANGUAGE_CODE):
        severity_label = _("Severity")
        facts = [
            "> "
            + _("{label}: {value}").format(label=label, value=emphasise(value) if label == severity_label else value)
            for label, value in message.lines
        ]
    summary = message.summary if len(message.summary) <= SUMMARY_MAX else message.summary[: SUMMARY_MAX - 1] + "…"
    return [f"### {message.title}", f"**{summary}**", *facts, f"[{message.link_label}]({message.url})"]


def robot_result(answer: Answer) -> Result:
    """Both robots answer HTTP 200 with {"errcode": 0, "errmsg": "ok"} when the message was taken."""
    data = answer.json() or {}
    errcode = data.get("errcode")
    if answer.status == 200 and errcode == 0:
        return Result(ok=True, code=answer.status)
    if errcode is not None:
        return Result(ok=False, code=answer.status, error=f"errcode {errcode}: {data.get('errmsg', '')}")
    return Result(ok=False, code=answer.status, error=f"HTTP {answer.status}: {answer.text()}")
