from django.utils.translation import gettext_lazy as _

from core.choices import UNIT_STATUS_COLORS
from lib.tables import Column, Table


class ProjectTable(Table):
    columns = [
        Column("name", _("name"), link="core:project_detail"),
        Column("code", _("code")),
        Column("kind", _("type"), "get_kind_display"),
        Column("service_level", _("service level"), "get_service_level_display"),
        Column("city", _("city")),
        Column("address", _("address")),
        Column("floor_area", _("floor area (m²)")),
        Column("households", _("households")),
    ]


class BuildingTable(Table):
    columns = [
        Column("project", _("project"), "project.name"),
        Column("name", _("building"), link="core:building_detail"),
        Column("floors", _("floors above ground")),
        Column("unit_count", _("units")),
        Column("sort_order", _("sort order")),
    ]


class UnitTable(Table):
    columns = [
        Column("project", _("project"), "project.name"),
        Column("building", _("building"), "building.name"),
        Column("entrance", _("entrance")),
        Column("floor", _("floor")),
        Column("number", _("room number")),
        Column("code", _("unit code"), link="core:unit_detail"),
        Column("floor_area", _("floor area (m²)")),
        Column("status", _("status"), "get_status_display", badge=lambda u: UNIT_STATUS_COLORS.get(u.status, "")),
    ]


class AreaTable(Table):
    columns = [
        Column("project", _("project"), "project.name"),
        Column("name", _("name"), link="core:area_edit"),
        Column("kind", _("type"), "get_kind_display"),
        Column("building", _("building"), "building.name"),
        Column("description", _("description")),
    ]


class DepartmentTable(Table):
    columns = [
        Column("project", _("project"), "project.name"),
        Column("name", _("name"), link="core:department_edit"),
        Column("kind", _("type"), "get_kind_display"),
        Column("phone", _("phone")),
    ]


class MembershipTable(Table):
    columns = [
        Column("name", _("full name"), "user.get_full_name", link="core:membership_detail"),
        Column("username", _("username"), "user.username"),
        Column("phone", _("mobile phone"), "user.phone"),
        Column("role", _("role"), "get_role_display"),
        Column("project", _("project"), lambda m: m.project.name if m.project_id else _("Whole company")),
        Column("department", _("department"), "department.name"),
        Column("title", _("job title")),
        Column(
            "is_active",
            _("active"),
            lambda m: _("Yes") if m.is_active else _("No"),
            badge=lambda m: "success" if m.is_active else "secondary",
        ),
    ]


class ResidentTable(Table):
    columns = [
        Column("name", _("full name"), link="core:resident_detail"),
        Column("phone", _("mobile phone")),
        Column("unit_count", _("units")),
        Column(
            "account",
            _("account"),
            lambda r: _("Activated") if r.user_id else _("Not activated"),
            badge=lambda r: "success" if r.user_id else "secondary",
        ),
        Column("note", _("note")),
    ]
