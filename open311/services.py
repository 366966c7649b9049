"""Writes of the Open311 integration: clients (API keys) and service requests filed by them."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction

from accounts.models import User
from core.access import require_perm
from core.choices import Perm
from core.models import Area, Company, Project
from open311.models import Open311Client
from workorders.choices import EventKind, Source
from workorders.models import Category, WorkOrder, WorkOrderEvent
from workorders.services import workorder_create_system

# Fields of the POST kept on the CREATED event (they have no column on the order).
EXTRA_FIELDS = ("email", "device_id", "account_id", "media_url", "address_id")


@transaction.atomic
def open311_client_create(
    *, company: Company, name: str, default_project: Project, actor: User, api_key: str = ""
) -> Open311Client:
    """Register a client application; ``api_key`` is generated unless given (the demo's fixed key)."""
    require_perm(actor, Perm.WO_CONFIGURE, company_id=company.id, project_id=None)
    client = Open311Client(company=company, name=name, default_project=default_project)
    if api_key:
        client.api_key = api_key
    client.full_clean()
    client.save()
    return client


@transaction.atomic
def open311_request_create(
    *, client: Open311Client, category: Category, data: dict[str, Any], contact_name: str = "", area: Area | None = None
) -> WorkOrder:
    """File a service request as a work order: in the project of the public area named by
    address_id, else in the client's default project. The client and the fields without a
    column (email, device, account, media URL) are kept on the order's CREATED event."""
    if not client.is_active:
        raise PermissionDenied
    if category.company_id != client.company_id or (area and area.company_id != client.company_id):
        raise ValueError("category and area must belong to the client's company")
    order = workorder_create_system(
        project_id=area.project_id if area else client.default_project_id,
        data={
            "source": Source.OPEN311,
            "kind": category.kind,
            "category": category,
            "title": category.name,
            "description": data.get("description") or category.name,
            "location": data.get("address_string", ""),
            "latitude": data.get("lat"),
            "longitude": data.get("long"),
            "area": area,
            "contact_name": contact_name,
            "contact_phone": data.get("phone", ""),
        },
        source_key=None,
    )
    event = WorkOrderEvent.objects.get(order=order, kind=EventKind.CREATED)
    extra = {name: str(data[name]) for name in EXTRA_FIELDS if data.get(name)}
    event.data = {**event.data, "open311": {"client_id": client.id, "client": client.name, **extra}}
    event.save(update_fields=["data"])
    return order
