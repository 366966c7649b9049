"""The work-order list as a Table: the same columns on screen and in the Excel export."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lib.tables import Column, Table
from workorders.choices import PRIORITY_COLORS, SLA_STATE_COLORS, STATUS_COLORS, SlaState
from workorders.models import WorkOrder


def place_of(order: WorkOrder) -> str:
    """Unit, else public area, else building; then the free-text location."""
    where = order.unit.code if order.unit_id else order.area.name if order.area_id else ""
    if not where and order.building_id:
        where = order.building.name
    return " · ".join(x for x in (where, order.location) if x)


def _local(value):
    return timezone.localtime(value) if value else None


def _sla_label(order: WorkOrder) -> str:
    return SlaState(order.sla_state).label if order.is_open else "—"


class WorkOrderTable(Table):
    columns = [
        Column("code", _("number"), link="workorders:workorder_detail"),
        Column("title", _("title")),
        Column("kind", _("kind"), "get_kind_display"),
        Column("category", _("category")),
        Column("priority", _("priority"), lambda o: o.priority.upper(), badge=lambda o: PRIORITY_COLORS[o.priority]),
        Column("status", _("status"), "get_status_display", badge=lambda o: STATUS_COLORS[o.status]),
        Column("project", _("project"), "project.name"),
        Column("place", _("place"), place_of),
        Column("assignee", _("assignee"), lambda o: o.assignee or o.department or ""),
        Column(
            "sla_state",
            _("SLA state"),
            _sla_label,
            badge=lambda o: SLA_STATE_COLORS[o.sla_state] if o.is_open else "light",
        ),
        Column("resolve_due_at", _("resolve by"), lambda o: _local(o.resolve_due_at)),
        Column("created", _("reported at"), lambda o: _local(o.created)),
    ]
