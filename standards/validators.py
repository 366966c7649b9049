import datetime as dt

from dateutil.rrule import rrulestr
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

RRULE_INVALID = _("Enter a recurrence rule such as FREQ=DAILY;INTERVAL=3 (RFC 5545, without DTSTART).")


def validate_rrule(value: str) -> None:
    """Accept one RFC 5545 RRULE value (optionally prefixed 'RRULE:'), without DTSTART or other lines."""
    text = value.strip().removeprefix("RRULE:")
    if not text:
        return
    if "\n" in text or "DTSTART" in text.upper() or "FREQ=" not in text.upper():
        raise ValidationError(RRULE_INVALID, code="rrule")
    try:
        rrulestr(text, dtstart=dt.datetime(2000, 1, 1))
    except (ValueError, TypeError) as exc:
        raise ValidationError(RRULE_INVALID, code="rrule") from exc
