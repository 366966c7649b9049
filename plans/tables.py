"""Tables of the plan pages (HTML list and Excel export from one definition)."""

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lib.tables import Column, Table
from plans import selectors
from plans.choices import PLAN_KIND_COLORS, TASK_STATUS_COLORS, TaskStatus
from plans.forms import rrule_in_words
from plans.models import Plan, Task

RATE_DAYS = 7
WINDOWS_SHOWN = 3


def yes_no(value: bool):
    return _("Yes") if value else _("No")


def window_text(start: dt.time, end: dt.time) -> str:
    text = f"{start:%H:%M}–{end:%H:%M}"
    return text + " (+1)" if end <= start else text


def windows_text(plan: Plan) -> str:
    windows = list(plan.windows.all())
    shown = ", ".join(window_text(w.start, w.end) for w in windows[:WINDOWS_SHOWN])
    more = len(windows) - WINDOWS_SHOWN
    return shown + (" " + str(_("and {n} more")).format(n=more) if more > 0 else "")


def assignees_text(plan: Plan) -> str:
    return ", ".join(str(row.user) for row in plan.assignee_rows.all()) or "—"


def percent_text(rate) -> str:
    """“93.5% (43/46)”, or “—” when nothing was due."""
    if rate is None or not rate.denominator:
        return "—"
    return f"{rate.percent}% ({rate.numerator}/{rate.denominator})"


def local(value: dt.datetime | None, zone) -> dt.datetime | None:
    return timezone.localtime(value, zone) if value else None


class PlanTable(Table):
    """Plans with their recurrence in words and the completion of the last seven days (one query per page)."""

    columns = [
        Column("name", _("name"), link="plans:plan_detail"),
        Column("kind", _("kind"), "get_kind_display", badge=lambda p: PLAN_KIND_COLORS.get(p.kind, "secondary")),
        Column("project", _("project"), "project.name"),
        Column("department", _("department"), lambda p: p.department.name if p.department_id else "—"),
        Column("recurrence", _("recurrence"), lambda p: rrule_in_words(p.rrule)),
        Column("windows", _("time windows"), windows_text),
        Column("assignees", _("assignees"), assignees_text),
        Column("completion", _("completion, last 7 days"), lambda p: percent_text(p.completion_rate)),
        Column(
            "is_active",
            _("active"),
            lambda p: yes_no(p.is_active),
            badge=lambda p: "success" if p.is_active else "secondary",
        ),
    ]

    def __init__(self, rows):
        rows = list(rows)  # the view prefetches windows and assignee_rows__user
        rates = plan_rates([p.pk for p in rows])
        for plan in rows:
            plan.completion_rate = rates.get(plan.pk)
        super().__init__(rows)


def plan_rates(plan_ids: list[int], today: dt.date | None = None) -> dict:
    """plan id → completion Rate of its tasks dated in the last RATE_DAYS days."""
    if not plan_ids:
        return {}
    today = today or timezone.localdate()
    rates = selectors.plan_completion_rate(
        tasks=Task.objects.filter(plan_id__in=plan_ids),
        date_from=today - dt.timedelta(days=RATE_DAYS - 1),
        date_to=today,
        group_by="plan",
    )
    return {rate.group["plan_id"]: rate for rate in rates}


class CheckpointTable(Table):
    columns = [
        Column("name", _("name"), link="plans:checkpoint_edit"),
        Column("project", _("project"), "project.name"),
        Column("building", _("building"), lambda c: c.building.name if c.building_id else "—"),
        Column("area", _("public area"), lambda c: c.area.name if c.area_id else "—"),
        Column("description", _("description")),
        Column(
            "position",
            _("position"),
            lambda c: f"{c.latitude}, {c.longitude} (±{c.radius_m} m)" if c.latitude is not None else "—",
        ),
        Column(
            "is_active",
            _("active"),
            lambda c: yes_no(c.is_active),
            badge=lambda c: "success" if c.is_active else "secondary",
        ),
    ]


def task_window(task: Task) -> str:
    zone = task.company.zone
    start, end = local(task.starts_at, zone), local(task.due_at, zone)
    text = f"{start:%H:%M}–{end:%H:%M}"
    return text + " (+1)" if end.date() > start.date() else text


def checkins_text(task: Task) -> str:
    if not task.required_checkpoints:
        return "—"
    late = f" ({task.late_checkins} " + str(_("late")) + ")" if task.late_checkins else ""
    return f"{task.checkins_done}/{task.required_checkpoints}{late}"


def _finished(task: Task) -> str:
    finished = local(task.finished_at, task.company.zone)
    if finished is None:
        return ""
    late = task.status == TaskStatus.COMPLETED and task.finished_at > task.due_at
    return f"{finished:%m-%d %H:%M}" + (" · " + str(_("late")) if late else "")


class TaskTable(Table):
    columns = [
        Column("title", _("title"), link="plans:task_detail"),
        Column("kind", _("kind"), "get_kind_display", badge=lambda t: PLAN_KIND_COLORS.get(t.kind, "secondary")),
        Column("project", _("project"), "project.name"),
        Column("date", _("date")),
        Column("window", _("window"), task_window),
        Column("assignee", _("assignee"), lambda t: t.assignee or t.department or "—"),
        Column("status", _("status"), "get_status_display", badge=lambda t: TASK_STATUS_COLORS[t.status]),
        Column("checkins", _("check-ins"), checkins_text),
        Column("finished_at", _("finished"), _finished),
    ]
