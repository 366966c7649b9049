from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    COMPANY_ADMIN = "company_admin", _("Company admin")
    QUALITY_MANAGER = "quality_manager", _("Quality manager")
    PROJECT_MANAGER = "project_manager", _("Project manager")
    SUPERVISOR = "supervisor", _("Supervisor")
    STAFF = "staff", _("Staff")
    INSPECTOR = "inspector", _("Inspector")
    COMMITTEE = "committee", _("Owners' committee")
    VIEWER = "viewer", _("Viewer (read-only)")


# Roles that only make sense company-wide (Membership.project must be empty).
COMPANY_WIDE_ROLES = {Role.COMPANY_ADMIN, Role.QUALITY_MANAGER}


class Perm(models.TextChoices):
    """Capabilities a role grants inside its scope (the company, or one project)."""

    ORG_VIEW = "org.view", _("View projects, buildings, units and areas")
    ORG_MANAGE = "org.manage", _("Edit buildings, units, areas and departments")
    PROJECT_MANAGE = "project.manage", _("Create and edit projects")
    PEOPLE_VIEW = "people.view", _("View people and roles")
    PEOPLE_MANAGE = "people.manage", _("Grant and revoke roles")
    OWNERS_VIEW = "owners.view", _("View owners' contact details")
    OWNERS_MANAGE = "owners.manage", _("Edit and verify owners")
    NOTICES_MANAGE = "notices.manage", _("Publish notices to owners")
    CALENDAR_MANAGE = "calendar.manage", _("Maintain the business calendar")
    WO_VIEW = "workorders.view", _("View work orders")
    WO_REPORT = "workorders.report", _("Enter work orders for owners")
    WO_WORK = "workorders.work", _("Work on orders assigned to me")
    WO_MANAGE = "workorders.manage", _("Accept, dispatch, verify and close work orders")
    WO_CONFIGURE = "workorders.configure", _("Configure categories, SLA policies and work-order settings")
    STD_VIEW = "standards.view", _("View service standards and service-level profiles")
    STD_MANAGE = "standards.manage", _("Write and revise service standards and service-level profiles")
    PLAN_VIEW = "plans.view", _("View plans, checkpoints, tasks and their figures")
    PLAN_MANAGE = "plans.manage", _("Set up plans, routes and checkpoints; assign and cancel tasks")
    TASK_WORK = "tasks.work", _("Do my plan tasks: start, check in, report problems, finish")
    INSP_VIEW = "inspections.view", _("View checklists, inspection rounds, scores and findings")
    INSP_MANAGE = "inspections.manage", _("Set up checklists and schedule, cancel and close inspection rounds")
    INSP_DO = "inspections.do", _("Carry out the inspection rounds I am invited to")
    FINDINGS_RECTIFY = "findings.rectify", _("Rectify findings of my team and ask for extensions")
    CAPA_MANAGE = "capa.manage", _("Open and work on corrective and preventive actions (CAPA)")
    CAPA_CLOSE = "capa.close", _("Close corrective and preventive actions as the closing authority")
    ALERT_VIEW = "alerts.view", _("View alerts and their evidence")
    ALERT_HANDLE = "alerts.handle", _("Acknowledge, assign and resolve alerts")
    ALERT_CONFIGURE = "alerts.configure", _("Configure alert rules, notification channels, devices and gateways")
    KPI_VIEW = "analytics.view", _("View KPIs, their roll-ups and the records behind them")
    REPORT_WRITE = "analytics.report", _("Write reports' narratives and set up quality-month campaigns")


# Everyone who works on the ground reads the standards the work is judged by.
_STAFF_READ = {Perm.ORG_VIEW, Perm.OWNERS_VIEW, Perm.STD_VIEW}
_WO_FIELD = {Perm.WO_VIEW, Perm.WO_REPORT, Perm.WO_WORK}
_WO_LEAD = {*_WO_FIELD, Perm.WO_MANAGE}
_PLAN_LEAD = {Perm.PLAN_VIEW, Perm.PLAN_MANAGE}
_ALERT_LEAD = {Perm.ALERT_VIEW, Perm.ALERT_HANDLE}
ROLE_PERMS: dict[str, frozenset[str]] = {
    Role.COMPANY_ADMIN: frozenset(Perm.values),
    Role.QUALITY_MANAGER: frozenset(
        {
            Perm.ORG_VIEW,
            Perm.PEOPLE_VIEW,
            Perm.OWNERS_VIEW,
            Perm.NOTICES_MANAGE,
            Perm.WO_VIEW,
            Perm.WO_REPORT,
            Perm.WO_MANAGE,
            Perm.WO_CONFIGURE,
            Perm.STD_VIEW,
            Perm.STD_MANAGE,
            *_PLAN_LEAD,
            Perm.INSP_VIEW,
            Perm.INSP_MANAGE,
            Perm.INSP_DO,
            Perm.CAPA_MANAGE,
            Perm.CAPA_CLOSE,
            *_ALERT_LEAD,
            Perm.ALERT_CONFIGURE,
            Perm.KPI_VIEW,
            Perm.REPORT_WRITE,
        }
    ),
    Role.PROJECT_MANAGER: frozenset(
        {
            *_STAFF_READ,
            *_WO_LEAD,
            Perm.ORG_MANAGE,
            Perm.PEOPLE_VIEW,
            Perm.PEOPLE_MANAGE,
            Perm.OWNERS_MANAGE,
            Perm.NOTICES_MANAGE,
            *_PLAN_LEAD,
            # Templates are company-wide: inspections.manage on a project covers its rounds only.
            Perm.INSP_VIEW,
            Perm.INSP_MANAGE,
            Perm.FINDINGS_RECTIFY,
            Perm.CAPA_MANAGE,
            *_ALERT_LEAD,
            Perm.KPI_VIEW,
        }
    ),
    Role.SUPERVISOR: frozenset(
        {
            *_STAFF_READ,
            *_WO_LEAD,
            *_PLAN_LEAD,
            Perm.TASK_WORK,
            Perm.PEOPLE_VIEW,
            Perm.OWNERS_MANAGE,
            Perm.INSP_VIEW,
            Perm.INSP_DO,
            Perm.FINDINGS_RECTIFY,
            *_ALERT_LEAD,
            Perm.KPI_VIEW,
        }
    ),
    # Staff see and do only their own tasks (plans.selectors): no PLAN_VIEW.
    Role.STAFF: frozenset({*_STAFF_READ, *_WO_FIELD, Perm.TASK_WORK, Perm.FINDINGS_RECTIFY}),
    # Third parties and mystery shoppers: no inspections.view; they see only the rounds they are
    # invited to (inspections.selectors), and never owners' data.
    Role.INSPECTOR: frozenset({Perm.ORG_VIEW, Perm.STD_VIEW, Perm.INSP_DO}),
    # The owner board (issue 7) adds what the committee reads; until then its project's structure.
    Role.COMMITTEE: frozenset({Perm.ORG_VIEW}),
    Role.VIEWER: frozenset(
        {
            Perm.ORG_VIEW,
            Perm.PEOPLE_VIEW,
            Perm.WO_VIEW,
            Perm.STD_VIEW,
            Perm.PLAN_VIEW,
            Perm.INSP_VIEW,
            Perm.ALERT_VIEW,
            Perm.KPI_VIEW,
        }
    ),
}

# Roles a project manager may grant inside his projects; higher roles need a company admin.
PROJECT_GRANTABLE_ROLES = {Role.SUPERVISOR, Role.STAFF, Role.INSPECTOR, Role.COMMITTEE, Role.VIEWER}


class ProjectKind(models.TextChoices):
    RESIDENTIAL = "residential", _("Residential community")
    OFFICE = "office", _("Office building")
    COMMERCIAL = "commercial", _("Commercial complex")
    MIXED = "mixed", _("Mixed use")


class ServiceLevel(models.TextChoices):
    LEVEL_1 = "level_1", _("Level 1")
    LEVEL_2 = "level_2", _("Level 2")
    LEVEL_3 = "level_3", _("Level 3")
    CUSTOM = "custom", _("Custom / local standard")


class UnitStatus(models.TextChoices):
    OCCUPIED = "occupied", _("Occupied")
    VACANT = "vacant", _("Vacant")


UNIT_STATUS_COLORS = {UnitStatus.OCCUPIED: "success", UnitStatus.VACANT: "secondary"}


class AreaKind(models.TextChoices):
    LOBBY = "lobby", _("Lobby")
    GARAGE = "garage", _("Underground garage")
    ELEVATOR_HALL = "elevator_hall", _("Elevator hall")
    CORRIDOR = "corridor", _("Corridor / stairwell")
    GARDEN = "garden", _("Garden / green space")
    ROAD = "road", _("Road / square")
    GATE = "gate", _("Entrance gate")
    EQUIPMENT_ROOM = "equipment_room", _("Equipment room")
    ROOF = "roof", _("Roof")
    OTHER = "other", _("Other")


class DepartmentKind(models.TextChoices):
    CUSTOMER_SERVICE = "customer_service", _("Customer service")
    ENGINEERING = "engineering", _("Engineering")
    SECURITY = "security", _("Security")
    CLEANING = "cleaning", _("Cleaning")
    GREENING = "greening", _("Greening")
    QUALITY = "quality", _("Quality")


class ResidentRelation(models.TextChoices):
    OWNER = "owner", _("Owner")
    TENANT = "tenant", _("Tenant")
    FAMILY = "family", _("Family member")


class CalendarSource(models.TextChoices):
    LIBRARY = "library", _("Seeded from chinesecalendar")
    MANUAL = "manual", _("Entered by an admin")
