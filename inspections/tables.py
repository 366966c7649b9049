"""Tables of the inspection pages (HTML list and Excel export from one definition).

Times are shown in the company's zone: list querysets join ``company``.
"""

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from inspections.choices import (
    CAPA_STATUS_COLORS,
    EXTENSION_STATUS_COLORS,
    FINDING_STATUS_COLORS,
    OPEN_CAPA_STATUSES,
    OPEN_FINDING_STATUSES,
    OPEN_ROUND_STATUSES,
    ROUND_KIND_COLORS,
    ROUND_STATUS_COLORS,
    SEVERITY_COLORS,
    RoundKind,
)
from lib.tables import Column, Table
from plans.forms import rrule_in_words

# Colours of the choices that Bootstrap has no badge class for.
BADGE_FALLBACK = {"orange": "warning", "purple": "secondary"}


def color(value: str) -> str:
    return BADGE_FALLBACK.get(value, value)


def yes_no(value: bool):
    return _("Yes") if value else _("No")


def local(value: dt.datetime | None, zone) -> str:
    return f"{timezone.localtime(value, zone):%Y-%m-%d %H:%M}" if value else ""


def score_text(score) -> str:
    return "—" if score is None else f"{score}"


def _late(row, statuses) -> bool:
    return row.status in statuses and row.due_at is not None and row.due_at < timezone.now()


def kinds_text(kinds: list[str]) -> str:
    if not kinds:
        return str(_("Any"))
    labels = dict(RoundKind.choices)
    return ", ".join(str(labels.get(k, k)) for k in kinds)


def _due(row, statuses) -> str:
    text = local(row.due_at, row.company.zone)
    return text + (" · " + str(_("overdue")) if _late(row, statuses) else "")


class ChecklistTemplateTable(Table):
    columns = [
        Column("name", _("name"), link="inspections:checklist_detail"),
        Column("code", _("code")),
        Column("kinds", _("suits"), lambda t: kinds_text(t.kinds)),
        Column("discipline", _("discipline"), lambda t: t.get_discipline_display() or _("Mixed")),
        Column("version", _("version"), lambda t: f"v{t.current_version.number}" if t.current_version_id else "—"),
        Column("items", _("items"), lambda t: getattr(t, "item_count", "")),
        Column(
            "is_active",
            _("active"),
            lambda t: yes_no(t.is_active),
            badge=lambda t: "success" if t.is_active else "secondary",
        ),
    ]


class InspectionRoundTable(Table):
    columns = [
        Column("title", _("title"), link="inspections:round_detail"),
        Column(
            "kind", _("kind"), "get_kind_display", badge=lambda r: color(ROUND_KIND_COLORS.get(r.kind, "secondary"))
        ),
        Column("project", _("project"), "project.name"),
        Column("scheduled_for", _("date")),
        Column("due_at", _("due at"), lambda r: _due(r, OPEN_ROUND_STATUSES)),
        Column("checklist", _("checklist"), lambda r: f"{r.version.template.name} v{r.version.number}"),
        Column("lead", _("lead inspector"), lambda r: r.lead or "—"),
        Column("status", _("status"), "get_status_display", badge=lambda r: color(ROUND_STATUS_COLORS[r.status])),
        Column("score", _("score"), lambda r: score_text(r.score)),
        Column("findings_count", _("findings")),
    ]


class InspectionScheduleTable(Table):
    columns = [
        Column("title", _("title"), lambda s: s.title or s.template.name, link="inspections:inspection_schedule_edit"),
        Column("project", _("project"), "project.name"),
        Column("template", _("checklist"), "template.name"),
        Column("kind", _("kind"), "get_kind_display"),
        Column("rrule", _("recurrence"), lambda s: rrule_in_words(s.rrule)),
        Column("starts_on", _("first day")),
        Column("ends_on", _("last day"), lambda s: s.ends_on or "—"),
        Column("lead", _("lead inspector"), lambda s: s.lead or "—"),
        Column("generated_until", _("rounds generated until"), lambda s: s.generated_until or "—"),
        Column(
            "is_active",
            _("active"),
            lambda s: yes_no(s.is_active),
            badge=lambda s: "success" if s.is_active else "secondary",
        ),
    ]


class FindingTable(Table):
    columns = [
        Column("title", _("title"), link="inspections:finding_detail"),
        Column("project", _("project"), "project.name"),
        Column("department", _("responsible department"), lambda f: f.department.name if f.department_id else "—"),
        Column("source", _("source"), "get_source_display"),
        Column("severity", _("severity"), "get_severity_display", badge=lambda f: color(SEVERITY_COLORS[f.severity])),
        Column("status", _("status"), "get_status_display", badge=lambda f: color(FINDING_STATUS_COLORS[f.status])),
        Column("due_at", _("rectify by"), lambda f: _due(f, OPEN_FINDING_STATUSES)),
        Column("repeat", _("repeat finding"), lambda f: yes_no(f.repeat_of_id is not None)),
        Column("created", _("created"), lambda f: local(f.created, f.company.zone)),
    ]


class CapaTable(Table):
    columns = [
        Column("title", _("title"), link="inspections:capa_detail"),
        Column("project", _("project"), "project.name"),
        Column("source", _("source"), "get_source_display"),
        Column("severity", _("severity"), "get_severity_display", badge=lambda c: color(SEVERITY_COLORS[c.severity])),
        Column("status", _("status"), "get_status_display", badge=lambda c: color(CAPA_STATUS_COLORS[c.status])),
        Column("owner", pgettext_lazy("CAPA", "owner"), lambda c: c.owner or "—"),
        Column("due_at", _("due at"), lambda c: _due(c, OPEN_CAPA_STATUSES)),
        Column("requires_8d", _("full 8D required"), lambda c: yes_no(c.requires_8d)),
        Column("created", _("created"), lambda c: local(c.created, c.company.zone)),
    ]


class ExtensionTable(Table):
    columns = [
        Column("finding", _("finding"), "finding.title"),
        Column("requested_due_at", _("new deadline asked for"), lambda e: local(e.requested_due_at, e.company.zone)),
        Column("reason", _("reason")),
        Column("status", _("status"), "get_status_display", badge=lambda e: color(EXTENSION_STATUS_COLORS[e.status])),
        Column("requested_by", _("requested by"), lambda e: e.requested_by or "—"),
    ]
