"""Open311 GeoReport v2 endpoints (http://wiki.open311.org/GeoReport_v2) under /open311/v2/.

Public and anonymous: no session or token authentication is involved. Each endpoint resolves
the jurisdiction (jurisdiction_id = the company's code) and then runs inside that company's
scope only, whatever the middleware entered for a signed-in browser.
"""

import functools
import uuid
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from django_scopes import scope

from accounts.forms import client_ip
from core.models import Company
from lib.ratelimit import ratelimit_exceeded, ratelimit_hit
from open311 import selectors, serializers
from open311.forms import RequestFilterForm, ServiceRequestForm
from open311.renderers import FORMATS, OPEN311_UNKNOWN_FORMAT, Open311Error, render, render_error
from open311.services import open311_request_create

# Bump when the API itself changes; the discovery changeset also follows category edits.
API_CHANGESET = "2026-11-21 00:00"

OPEN311_JURISDICTION_REQUIRED = gettext_lazy("jurisdiction_id is required: this endpoint serves several companies.")
OPEN311_JURISDICTION_NOT_FOUND = gettext_lazy("jurisdiction_id not found.")
OPEN311_API_KEY_REQUIRED = gettext_lazy("api_key is required to file a request.")
OPEN311_TOO_MANY = gettext_lazy("Too many requests: wait a minute and try again.")
OPEN311_API_KEY_INVALID = gettext_lazy("Invalid api_key received: it is unknown, disabled or for another jurisdiction.")
OPEN311_SERVICE_NOT_FOUND = gettext_lazy("service_code not found.")
OPEN311_REQUEST_NOT_FOUND = gettext_lazy("service_request_id not found.")
OPEN311_TOKEN_NOT_FOUND = gettext_lazy("token not found.")
OPEN311_ADDRESS_NOT_FOUND = gettext_lazy("address_id not found.")
OPEN311_METHOD = gettext_lazy("Method not allowed.")

Document = tuple[str, Any]  # (root element, data)


def open311_endpoint(*, methods: tuple[str, ...] = ("GET",), jurisdiction_required: bool = True):
    """Check the format and method, resolve the jurisdiction, run the view in its scope, render.

    The view gets ``(request, company, **kwargs)`` and returns ``(root, data)``; it raises
    Open311Error for the spec's 400/403/404 answers.
    """

    def decorate(view: Callable[..., Document]):
        @csrf_exempt
        @functools.wraps(view)
        def wrapper(request: HttpRequest, format: str, **kwargs) -> HttpResponse:
            if format not in FORMATS:
                return render_error(Open311Error(404, OPEN311_UNKNOWN_FORMAT), "xml")
            try:
                if request.method not in methods:
                    raise Open311Error(405, OPEN311_METHOD)
                company = _jurisdiction(request, required=jurisdiction_required)
                with scope(company=[company.id] if company else []):
                    root, data = view(request, company, **kwargs)
            except Open311Error as error:
                response = render_error(error, format)
                if error.status == 405:
                    response["Allow"] = ", ".join(methods)
                return response
            return render(root, data, format)

        return wrapper

    return decorate


def _jurisdiction(request: HttpRequest, *, required: bool) -> Company | None:
    code = (request.POST.get("jurisdiction_id") or request.GET.get("jurisdiction_id") or "").strip()
    company = selectors.jurisdiction_get(code=code)
    if company is not None or (not required and not code):
        return company
    if code or selectors.jurisdiction_count() == 0:
        raise Open311Error(404, OPEN311_JURISDICTION_NOT_FOUND)
    raise Open311Error(400, OPEN311_JURISDICTION_REQUIRED)


def _form_errors(form) -> Open311Error:
    messages = []
    for field, errors in form.errors.items():
        for message in errors:
            messages.append(message if field == "__all__" else f"{field}: {message}")
    return Open311Error(400, *messages)


#
# Discovery and services
#
@open311_endpoint(jurisdiction_required=False)
def discovery(request: HttpRequest, company: Company | None) -> Document:
    """Works without jurisdiction_id (the spec defines none here); then it names no company."""
    changeset = API_CHANGESET
    if company is not None:
        changed = selectors.services_changeset(company=company)
        if changed:
            changeset = max(changeset, f"{timezone.localtime(changed):%Y-%m-%d %H:%M}")
        contact = _("{company}, service hotline {phone}").format(company=company.name, phone=company.phone or "-")
    else:
        contact = _("Ask the property management company that serves you; add jurisdiction_id for its contact.")
    base = request.build_absolute_uri(request.path.rsplit("/", 1)[0])
    return "discovery", {
        "changeset": changeset,
        "contact": contact,
        "key_service": _("API keys are issued by the property management company; ask its administrator."),
        "endpoints": [
            {
                "specification": serializers.SPECIFICATION,
                "url": base,
                "changeset": changeset,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }


@open311_endpoint()
def services(request: HttpRequest, company: Company) -> Document:
    return "services", [serializers.service_data(c) for c in selectors.service_categories(company=company)]


@open311_endpoint()
def service_definition(request: HttpRequest, company: Company, service_code: str) -> Document:
    category = selectors.service_get(company=company, code=service_code)
    if category is None:
        raise Open311Error(404, OPEN311_SERVICE_NOT_FOUND)
    return "service_definition", serializers.service_definition_data(category)


#
# Requests
#
@open311_endpoint(methods=("GET", "POST"))
def requests(request: HttpRequest, company: Company) -> Document:
    if request.method == "POST":
        return _request_create(request, company)
    form = RequestFilterForm(request.GET)
    if not form.is_valid():
        raise _form_errors(form)
    data = form.cleaned_data
    orders = selectors.request_search(
        company=company,
        ids=data["service_request_id"],
        service_codes=data["service_code"],
        start=data["start_date"],
        end=data["end_date"],
        statuses=data["status"],
    )
    return "service_requests", [serializers.request_data(o, request) for o in orders]


def _request_create(request: HttpRequest, company: Company) -> Document:
    api_key = request.POST.get("api_key", "").strip()
    if not api_key:
        raise Open311Error(403, OPEN311_API_KEY_REQUIRED)
    ip_key, hour = f"open311-bad-key:{client_ip(request)}", 3600
    if ratelimit_exceeded(ip_key, limit=settings.OPEN311_BAD_KEYS_PER_HOUR, window=hour):
        raise Open311Error(429, OPEN311_TOO_MANY)  # guessing keys
    client = selectors.client_for_key(company=company, api_key=api_key)
    if client is None:
        ratelimit_hit(ip_key, limit=settings.OPEN311_BAD_KEYS_PER_HOUR, window=hour)
        raise Open311Error(403, OPEN311_API_KEY_INVALID)
    if not ratelimit_hit(f"open311-client:{client.pk}", limit=settings.OPEN311_POSTS_PER_MINUTE, window=60):
        raise Open311Error(429, OPEN311_TOO_MANY)
    form = ServiceRequestForm(request.POST)
    if not form.is_valid():
        raise _form_errors(form)
    data = form.cleaned_data
    category = selectors.service_get(company=company, code=data["service_code"])
    if category is None:
        raise Open311Error(404, OPEN311_SERVICE_NOT_FOUND)
    area = None
    if data["address_id"]:
        area = selectors.area_for_address_id(company=company, address_id=data["address_id"])
        if area is None:
            raise Open311Error(400, OPEN311_ADDRESS_NOT_FOUND)
    try:
        order = open311_request_create(
            client=client, category=category, data=data, contact_name=form.contact_name(), area=area
        )
    except PermissionDenied:
        raise Open311Error(403, OPEN311_API_KEY_INVALID) from None
    except ValidationError as error:
        raise Open311Error(400, *_validation_messages(error)) from None
    return "service_requests", [serializers.post_response_data(order)]


def _validation_messages(error: ValidationError) -> list[str]:
    if hasattr(error, "error_dict"):
        return [f"{field}: {m}" for field, messages in error.message_dict.items() for m in messages]
    return list(error.messages)


@open311_endpoint()
def request_detail(request: HttpRequest, company: Company, service_request_id: str) -> Document:
    order = None
    if service_request_id.isdigit():
        order = selectors.request_get(company=company, pk=int(service_request_id))
    if order is None:
        raise Open311Error(404, OPEN311_REQUEST_NOT_FOUND)
    return "service_requests", [serializers.request_data(order, request)]


@open311_endpoint()
def token(request: HttpRequest, company: Company, token: str) -> Document:
    try:
        value = uuid.UUID(token)
    except ValueError:
        raise Open311Error(404, OPEN311_TOKEN_NOT_FOUND) from None
    order = selectors.public_orders(company=company).filter(token=value).first()
    if order is None:
        raise Open311Error(404, OPEN311_TOKEN_NOT_FOUND)
    return "service_requests", [serializers.token_data(order)]
