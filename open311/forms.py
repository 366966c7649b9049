"""Request-shape checks of the Open311 endpoints (every failure here is a 400)."""

import datetime as dt
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext_lazy as _

from open311.selectors import REQUESTS_LIMIT, STATUSES_OF

MAX_WINDOW = dt.timedelta(days=90)
SIX_PLACES = Decimal("0.000001")

OPEN311_LOCATION_REQUIRED = _("Give a location: lat and long, address_string or address_id.")
OPEN311_LAT_LONG_PAIR = _("Send lat and long together.")
OPEN311_BAD_DATE = _("Use a W3C date and time, e.g. 2026-11-21T10:00:00+08:00.")
OPEN311_WINDOW_TOO_LONG = _("start_date and end_date may span at most 90 days.")
OPEN311_WINDOW_REVERSED = _("start_date is after end_date.")
OPEN311_BAD_STATUS = _("status is open, closed or both (comma separated).")
OPEN311_BAD_IDS = _("service_request_id is a comma-separated list of request numbers.")
OPEN311_TOO_MANY_IDS = _("Ask for at most 1000 requests at once.")


class ServiceRequestForm(forms.Form):
    """POST requests: the spec's form-encoded fields (attribute[...] is not used: no service has metadata)."""

    service_code = forms.CharField(max_length=40)
    lat = forms.DecimalField(required=False, min_value=-90, max_value=90)
    long = forms.DecimalField(required=False, min_value=-180, max_value=180)
    address_string = forms.CharField(required=False, max_length=200)
    address_id = forms.CharField(required=False, max_length=20)
    email = forms.EmailField(required=False)
    device_id = forms.CharField(required=False, max_length=100)
    account_id = forms.CharField(required=False, max_length=100)
    first_name = forms.CharField(required=False, max_length=50)
    last_name = forms.CharField(required=False, max_length=50)
    phone = forms.CharField(required=False, max_length=20)
    description = forms.CharField(required=False, max_length=2000, strip=True)
    media_url = forms.URLField(required=False, max_length=500, assume_scheme="https")

    def clean_lat(self) -> Decimal | None:
        return _six_places(self.cleaned_data["lat"])

    def clean_long(self) -> Decimal | None:
        return _six_places(self.cleaned_data["long"])

    def clean(self) -> dict:
        data = super().clean()
        lat, long = data.get("lat"), data.get("long")
        if (lat is None) != (long is None) and not self.has_error("lat") and not self.has_error("long"):
            raise ValidationError(OPEN311_LAT_LONG_PAIR)
        has_point = lat is not None and long is not None
        bad_point = self.has_error("lat") or self.has_error("long")
        if not (has_point or bad_point or data.get("address_string") or data.get("address_id")):
            raise ValidationError(OPEN311_LOCATION_REQUIRED)
        return data

    def contact_name(self) -> str:
        first, last = self.cleaned_data.get("first_name", ""), self.cleaned_data.get("last_name", "")
        # Chinese names read family name first, without a space; Latin ones "first last".
        name = f"{first} {last}".strip() if (first + last).isascii() else f"{last}{first}"
        return name[:50]


def _six_places(value: Decimal | None) -> Decimal | None:
    return value.quantize(SIX_PLACES) if value is not None else None


class RequestFilterForm(forms.Form):
    """GET requests: filters, and the 90-day window (the most recent 90 days unless told)."""

    service_request_id = forms.CharField(required=False)
    service_code = forms.CharField(required=False)
    start_date = forms.CharField(required=False)
    end_date = forms.CharField(required=False)
    status = forms.CharField(required=False)

    def clean_service_request_id(self) -> list[int]:
        parts = _split(self.cleaned_data["service_request_id"])
        if not all(p.isdigit() for p in parts):
            raise ValidationError(OPEN311_BAD_IDS)
        if len(parts) > REQUESTS_LIMIT:
            raise ValidationError(OPEN311_TOO_MANY_IDS)
        return [int(p) for p in parts]

    def clean_service_code(self) -> list[str]:
        return _split(self.cleaned_data["service_code"])

    def clean_status(self) -> list[str]:
        parts = _split(self.cleaned_data["status"])
        if any(p not in STATUSES_OF for p in parts):
            raise ValidationError(OPEN311_BAD_STATUS)
        return parts

    def clean_start_date(self) -> dt.datetime | None:
        return parse_w3(self.cleaned_data["start_date"])

    def clean_end_date(self) -> dt.datetime | None:
        return parse_w3(self.cleaned_data["end_date"], end_of_day=True)

    def clean(self) -> dict:
        data = super().clean()
        if self.errors:
            return data
        start, end = data.get("start_date"), data.get("end_date")
        if start is None and end is None:
            end = timezone.now()
        if start is None:
            start = end - MAX_WINDOW
        if end is None:
            end = start + MAX_WINDOW
        if start > end:
            raise ValidationError(OPEN311_WINDOW_REVERSED)
        if end - start > MAX_WINDOW:
            raise ValidationError(OPEN311_WINDOW_TOO_LONG)
        data["start_date"], data["end_date"] = start, end
        return data


def _split(value: str) -> list[str]:
    return [p.strip() for p in (value or "").split(",") if p.strip()]


def parse_w3(value: str, *, end_of_day: bool = False) -> dt.datetime | None:
    """A W3C date or date-time; a bare date is the whole day, a time without offset is local time.

    A "+" in an offset arrives as a space when the client did not URL-encode it; read it as "+".
    """
    value = (value or "").strip().replace(" ", "+")
    if not value:
        return None
    try:
        day = parse_date(value)
        if day:
            when = dt.datetime.combine(day, dt.time.max if end_of_day else dt.time.min)
        else:
            when = parse_datetime(value)
    except ValueError:
        when = None
    if when is None:
        raise ValidationError(OPEN311_BAD_DATE)
    return timezone.make_aware(when) if timezone.is_naive(when) else when
