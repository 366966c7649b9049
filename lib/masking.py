"""Masking of personal data shown in public places (the project board): 王**, 138****1234.

Pure functions, no models. They mask more rather than less: a masked board may read oddly,
an unmasked one leaks a neighbour's phone number.
"""

import re
from collections.abc import Iterable

MASK = "*"
# A run of 7+ digits (Python's \d also matches full-width ０-９), or a mobile written 138 0000 0001 / 138-0000-0001.
_PHONE_IN_TEXT = re.compile(r"\d{7,}|\d{3}[ \-]\d{4}[ \-]\d{4}")


def mask_name(name: str | None) -> str:
    """The first character and two stars, whatever the length: 王** (王小明), 欧** (欧阳娜娜), J** (John)."""
    name = (name or "").strip()
    return f"{name[0]}{MASK * 2}" if name else ""


def mask_phone(phone: str | None) -> str:
    """Keep the first 3 and last 4 digits of 8+ digits (138****1234), 2 and 2 of 7, nothing of fewer.

    Separators are dropped, and so is China's +86 in front of a mobile number.
    """
    digits = "".join(ch for ch in (phone or "") if ch.isdigit())
    if len(digits) == 13 and digits.startswith("861"):
        digits = digits[2:]
    n = len(digits)
    if n >= 8:
        return digits[:3] + MASK * (n - 7) + digits[-4:]
    if n == 7:
        return digits[:2] + MASK * 3 + digits[-2:]
    return MASK * n


def mask_text(text: str | None, *, names: Iterable[str] = (), words: Iterable[str] = ()) -> str:
    """Free text made fit for the board: phone-like digit runs masked, ``names`` masked, ``words`` starred.

    ``names`` are people to mask as 王**; ``words`` are identifiers to hide entirely (unit codes).
    Names and words shorter than two characters are left alone: starring every 王 or every 1
    would garble the text without protecting anyone.
    """
    text = _PHONE_IN_TEXT.sub(lambda m: mask_phone(m.group()), text or "")
    for word in _longest_first(words):
        text = text.replace(word, MASK * 3)
    for name in _longest_first(names):
        text = text.replace(name, mask_name(name))
    return text


def _longest_first(values: Iterable[str]) -> list[str]:
    cleaned = {v.strip() for v in values if v and len(v.strip()) >= 2}
    return sorted(cleaned, key=len, reverse=True)
