"""POST a JSON body with the standard library: 10-second timeout, User-Agent pinzhi, no new dependency."""

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

TIMEOUT_SECONDS = 10
USER_AGENT = "pinzhi"
BODY_MAX = 64 * 1024  # enough for any robot's answer; a runaway body is not read further


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes

    def json(self) -> dict[str, Any] | None:
        try:
            data = json.loads(self.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return None
        return data if isinstance(data, dict) else None

    def text(self, limit: int = 200) -> str:
        return self.body.decode("utf-8", errors="replace")[:limit]


def json_body(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def post(url: str, body: bytes, *, headers: dict[str, str] | None = None) -> Answer:
    """POST ``body`` as JSON; any HTTP answer (2xx or an error status) is an Answer.

    Raises OSError (urllib.error.URLError, TimeoutError) when there is no answer at all.
    """
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={"Content-Type": "application/json; charset=utf-8", "User-Agent": USER_AGENT, **(headers or {})},
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # http(s) only: checked on save
            return Answer(status=response.status, body=response.read(BODY_MAX))
    except urllib.error.HTTPError as error:
        with error:
            return Answer(status=error.code, body=error.read(BODY_MAX) if error.fp else b"")
