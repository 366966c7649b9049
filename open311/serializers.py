"""Our objects as GeoReport v2 documents (plain dicts and lists, rendered by renderers.render).

Requests are public data: no contact name or phone ever goes out, mobile numbers typed into
free text are masked, and an order about a unit that its owner showed on the project board is
described by its category only (no text, place inside the building, coordinates or photos).
"""

import datetime as dt
import re
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from workorders.choices import FINAL_STATUSES, OPEN_STATUSES, EventKind, Kind, Source, Status
from workorders.models import Category, WorkOrder

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
MOBILE = re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)")


def w3(value: dt.datetime | None) -> str | None:
    """ISO 8601 with the offset of the site's time zone, e.g. 2026-11-21T10:00:00+08:00."""
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


def mask_phones(text: str) -> str:
    return MOBILE.sub(r"\1****\2", text or "")


#
# Services
#
def service_data(category: Category) -> dict[str, Any]:
    group = category.parent.name if category.parent_id else str(Kind(category.kind).label)
    keywords = dict.fromkeys(x for x in (category.name, group, str(Kind(category.kind).label)) if x)
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": category.description or str(category),
        "metadata": False,
        "type": "realtime",
        "keywords": ", ".join(keywords),
        "group": group,
    }


def service_definition_data(category: Category) -> dict[str, Any]:
    # metadata is false for every service: no extra attributes to ask for.
    return {"service_code": category.code, "attributes": []}


#
# Requests
#
def created_data(order: WorkOrder) -> dict[str, Any]:
    """What the Open311 client sent besides the order fields (stored on the CREATED event)."""
    event = next((e for e in order.open311_events if e.kind == EventKind.CREATED), None)
    return (event.data or {}).get("open311", {}) if event else {}


def request_data(order: WorkOrder, request: HttpRequest) -> dict[str, Any]:
    """One request as GET requests shows it; ``order`` comes from selectors.public_requests."""
    full = shows_details(order)
    name = order.category.name if order.category_id else str(Kind(order.kind).label)
    return {
        "service_request_id": str(order.pk),
        "status": "open" if order.status in OPEN_STATUSES else "closed",
        "status_notes": mask_phones(_closing_reason(order)) if full else "",
        "service_name": name,
        "service_code": order.category.code if order.category_id else None,
        "description": mask_phones(order.description) if full else name,
        "agency_responsible": order.department.name if order.department_id else None,
        "service_notice": str(Status(order.status).label),
        "requested_datetime": w3(order.created),
        "updated_datetime": w3(order.updated),
        "expected_datetime": w3(order.resolve_due_at),
        "address": mask_phones(_address(order, full)),
        "address_id": str(order.area_id) if order.area_id else None,
        "zipcode": None,
        "lat": float(order.latitude) if full and order.latitude is not None else None,
        "long": float(order.longitude) if full and order.longitude is not None else None,
        "media_url": _media_url(order, request) if full else None,
    }


def shows_details(order: WorkOrder) -> bool:
    """Text, coordinates and photos are shown for Open311 and public-area requests only."""
    return order.source == Source.OPEN311 or (bool(order.area_id) and not order.unit_id)


def _closing_reason(order: WorkOrder) -> str:
    if order.status not in FINAL_STATUSES:
        return ""
    closing = [e for e in order.open311_events if e.to_status == order.status]
    return closing[-1].reason if closing else ""


def _address(order: WorkOrder, full: bool) -> str:
    """Most specific first: details, public area, building, project, the project's address."""
    parts = [
        order.location if full else "",
        order.area.name if order.area_id else "",
        order.building.name if order.building_id else "",
        order.project.name,
        order.project.address,
    ]
    return ", ".join(dict.fromkeys(p for p in parts if p))


def _media_url(order: WorkOrder, request: HttpRequest) -> str | None:
    photos = list(order.photos.all())
    if photos:
        return request.build_absolute_uri(photos[0].image.url)
    return created_data(order).get("media_url")


def post_response_data(order: WorkOrder) -> dict[str, Any]:
    if order.resolve_due_at:
        notice = _("Received. Expected to be resolved by {time}.").format(
            time=f"{timezone.localtime(order.resolve_due_at):%Y-%m-%d %H:%M}"
        )
    else:
        notice = _("Received.")
    return {
        "service_request_id": str(order.pk),
        "token": str(order.token),
        "service_notice": notice,
        "account_id": None,
    }


def token_data(order: WorkOrder) -> dict[str, Any]:
    return {"service_request_id": str(order.pk), "token": str(order.token)}
