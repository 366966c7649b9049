"""Reads behind the Open311 endpoints: jurisdictions, services, and the requests anyone may read.

Open311 is public and anonymous, so the caller enters the jurisdiction's company scope
explicitly (views.open311_endpoint) and every query here also filters by that company.
"""

import datetime as dt
from collections.abc import Iterable

from django.db.models import Max, Prefetch, Q, QuerySet
from django_scopes import scopes_disabled

from core.models import Area, Company
from open311.models import Open311Client
from workorders.choices import DONE_STATUSES, FINAL_STATUSES, OPEN_STATUSES, OWNER_KINDS, EventKind, Kind, Source
from workorders.models import Category, WorkOrder, WorkOrderEvent

REQUESTS_LIMIT = 1000
KIND_ORDER = list(Kind.values)
STATUSES_OF = {"open": sorted(OPEN_STATUSES), "closed": sorted(DONE_STATUSES | FINAL_STATUSES)}
# What Open311 may show (the privacy rule): requests filed through Open311, requests about a public
# area, and orders whose owner agreed to show them on the project board. Never another order about a unit.
PUBLIC_ORDERS = Q(source=Source.OPEN311) | Q(area__isnull=False, unit__isnull=True) | Q(is_public=True)
# Events a request needs: the report (Open311 extras) and the reason of a rejection or cancellation.
REQUEST_EVENTS = Q(kind=EventKind.CREATED) | Q(to_status__in=sorted(FINAL_STATUSES))


#
# Jurisdictions and clients
#
def jurisdiction_count() -> int:
    with scopes_disabled():
        return Company.objects.filter(is_active=True).count()


def jurisdiction_get(*, code: str | None) -> Company | None:
    """The active company with this code, or the only active company when no code is given."""
    with scopes_disabled():
        companies = Company.objects.filter(is_active=True)
        if code:
            return companies.filter(code=code).first()
        found = list(companies[:2])
    return found[0] if len(found) == 1 else None


def client_for_key(*, company: Company, api_key: str) -> Open311Client | None:
    """The active client of ``company`` with this key; keys of other companies do not exist here."""
    if not api_key:
        return None
    return (
        Open311Client.objects.filter(company=company, api_key=api_key, is_active=True)
        .select_related("default_project")
        .first()
    )


def area_for_address_id(*, company: Company, address_id: str) -> Area | None:
    """address_id names a public area of the company by its id."""
    if not address_id.isdigit():
        return None
    return Area.objects.filter(company=company, pk=int(address_id)).select_related("project").first()


#
# Services
#
def service_categories(*, company: Company) -> list[Category]:
    """The services offered: active leaf categories of the kinds owners may report (a top-level
    category without active children is a leaf), under an active parent, in the tree's order."""
    rows = list(Category.objects.filter(company=company, is_active=True, kind__in=OWNER_KINDS).select_related("parent"))
    parents = {c.parent_id for c in rows if c.parent_id}
    leaves = [c for c in rows if (c.parent_id and c.parent.is_active) or (not c.parent_id and c.id not in parents)]
    return sorted(leaves, key=_tree_position)


def _tree_position(c: Category) -> tuple:
    top = c.parent if c.parent_id else c
    return (KIND_ORDER.index(c.kind), top.sort_order, top.id, bool(c.parent_id), c.sort_order, c.id)


def service_get(*, company: Company, code: str) -> Category | None:
    return next((c for c in service_categories(company=company) if c.code == code), None)


def services_changeset(*, company: Company) -> dt.datetime | None:
    """When the company's category tree last changed (the discovery changeset)."""
    return Category.history.filter(company_id=company.id).aggregate(last=Max("history_date"))["last"]


#
# Requests
#
def public_orders(*, company: Company) -> QuerySet[WorkOrder]:
    return WorkOrder.objects.filter(company=company).filter(PUBLIC_ORDERS).exclude(kind=Kind.RECTIFICATION)


def public_requests(*, company: Company) -> QuerySet[WorkOrder]:
    """public_orders with everything a response shows, in a fixed number of queries."""
    events = WorkOrderEvent.objects.filter(REQUEST_EVENTS).order_by("created", "id")
    return (
        public_orders(company=company)
        .select_related("category", "department", "area", "building", "project")
        .prefetch_related("photos", Prefetch("events", queryset=events, to_attr="open311_events"))
        .order_by("-created", "-id")
    )


def request_search(
    *,
    company: Company,
    ids: Iterable[int] = (),
    service_codes: Iterable[str] = (),
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    statuses: Iterable[str] = (),
    limit: int = REQUESTS_LIMIT,
) -> list[WorkOrder]:
    """GET requests: by ids (which override every other filter), else by code, window and status."""
    qs = public_requests(company=company)
    ids = list(ids)
    if ids:
        return list(qs.filter(pk__in=ids)[:limit])
    if service_codes:
        qs = qs.filter(category__code__in=list(service_codes))
    if start:
        qs = qs.filter(created__gte=start)
    if end:
        qs = qs.filter(created__lte=end)
    if statuses:
        qs = qs.filter(status__in=[s for name in statuses for s in STATUSES_OF[name]])
    return list(qs[:limit])


def request_get(*, company: Company, pk: int) -> WorkOrder | None:
    return public_requests(company=company).filter(pk=pk).first()
