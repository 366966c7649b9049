"""A project's default plan set, made from its service level's profile settings (DOMAIN §6.1).

For example 一级 "key-area patrol every 1 h" becomes a patrol plan with 24 one-hour windows,
"waste clearance 2× per day" a cleaning plan with two windows, "glass cleaning weekly" a weekly
cleaning plan in working hours. The quality manager adjusts them afterwards; running this again
only adds plans for settings that have none yet in the project (``source_profile_setting``).
"""

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from core.choices import DepartmentKind, Perm
from core.models import Department, Project
from lib import recurrence
from plans.choices import HolidayRule, PlanKind
from plans.models import Plan
from plans.services.common import require_project
from plans.services.plans import plan_create


@dataclass(frozen=True)
class DefaultPlan:
    kind: str
    department: str
    standards: tuple[str, ...] = ()
    name: str = ""  # the setting's label when empty


# ProfileSetting.key → what plan it makes. Settings not listed (limits, targets, surveys,
# drills) are not recurring field work.
DEFAULTS = {
    "key_area_patrol_interval": DefaultPlan(PlanKind.PATROL, DepartmentKind.SECURITY, ("sec-patrol",), "重点区域巡逻"),
    "common_parts_inspection": DefaultPlan(PlanKind.MAINTENANCE, DepartmentKind.ENGINEERING),
    "waste_clearance": DefaultPlan(PlanKind.CLEANING, DepartmentKind.CLEANING, ("cln-waste",)),
    "road_sweeping": DefaultPlan(PlanKind.CLEANING, DepartmentKind.CLEANING, ("cln-road",)),
    "corridor_sweeping": DefaultPlan(PlanKind.CLEANING, DepartmentKind.CLEANING, ("cln-corridor",)),
    "corridor_mopping": DefaultPlan(PlanKind.CLEANING, DepartmentKind.CLEANING, ("cln-corridor",)),
    "glass_cleaning": DefaultPlan(PlanKind.CLEANING, DepartmentKind.CLEANING, ("cln-glass",)),
    "light_cleaning": DefaultPlan(PlanKind.CLEANING, DepartmentKind.CLEANING),
}
# Windows for n rounds a day: morning, noon, evening; more rounds split 06:00–20:00 evenly.
ROUNDS = {
    1: [(dt.time(8), dt.time(10))],
    2: [(dt.time(7), dt.time(9)), (dt.time(16), dt.time(18))],
    3: [(dt.time(7), dt.time(9)), (dt.time(12), dt.time(14)), (dt.time(17), dt.time(19))],
}


def interval_windows(minutes: int) -> list[tuple[dt.time, dt.time]]:
    """Back-to-back windows of ``minutes`` over the whole day, starting at midnight (the last one may be shorter)."""
    minutes = max(15, min(minutes, 24 * 60))
    starts = range(0, 24 * 60, minutes)
    return [(_clock(s), _clock(min(s + minutes, 24 * 60))) for s in starts]


def rounds_windows(times: int) -> list[tuple[dt.time, dt.time]]:
    if times in ROUNDS:
        return ROUNDS[times]
    times = max(1, min(times, 48))
    slot = 14 * 60 // times
    return [(_clock(360 + i * slot), _clock(360 + (i + 1) * slot)) for i in range(times)]


def _clock(minutes: int) -> dt.time:
    minutes %= 24 * 60
    return dt.time(minutes // 60, minutes % 60)


def _rule(setting, starts_on: dt.date) -> str | None:
    if setting.interval_minutes or setting.times_per_day:
        return "FREQ=DAILY"
    if not setting.rrule:
        return None
    rule = recurrence.normalize_rrule(setting.rrule)
    parts = dict(p.split("=", 1) for p in rule.split(";"))
    if parts["FREQ"] == "MONTHLY" and not {"BYMONTHDAY", "BYDAY", "BYSETPOS"} & set(parts) and starts_on.day > 28:
        rule += ";BYMONTHDAY=28"  # a plan set up on the 31st should not skip short months
    return rule


def plan_defaults_generate(*, project: Project, actor: User | None, starts_on: dt.date | None = None) -> list[Plan]:
    """Create the plans the project's service level calls for; returns only the new ones."""
    from standards.models import ProfileSetting, ServiceLevelProfile, StandardItem

    require_project(actor, Perm.PLAN_MANAGE, project)
    profile = ServiceLevelProfile.objects.filter(company_id=project.company_id, code=project.service_level).first()
    if profile is None:
        return []
    starts_on = starts_on or timezone.localdate(timezone=project.company.zone)
    settings = ProfileSetting.objects.filter(profile=profile, key__in=list(DEFAULTS)).order_by("sort_order", "key")
    have = set(
        Plan.objects.filter(project=project, source_profile_setting__isnull=False).values_list(
            "source_profile_setting_id", flat=True
        )
    )
    departments = {d.kind: d for d in Department.objects.filter(project=project).order_by("id")}
    created = []
    with transaction.atomic():
        for setting in settings:
            if setting.pk in have:
                continue
            rule = _rule(setting, starts_on)
            if rule is None:
                continue
            spec = DEFAULTS[setting.key]
            windows = _windows(setting, project)
            revisions = [
                item.current_revision
                for item in StandardItem.objects.filter(
                    company_id=project.company_id,
                    code__in=spec.standards,
                    is_active=True,
                    current_revision__isnull=False,
                ).select_related("current_revision")
            ]
            plan = plan_create(
                project=project,
                data={
                    "kind": spec.kind,
                    "name": spec.name or setting.label,
                    "description": f"{setting.label}：{setting.value}（{setting.basis}）"
                    if setting.basis
                    else setting.value,
                    "rrule": rule,
                    "starts_on": starts_on,
                    "holiday_rule": HolidayRule.NONE if rule.startswith("FREQ=DAILY") else HolidayRule.SHIFT,
                    "department": departments.get(spec.department),
                    "duration_minutes": _duration(windows),
                },
                actor=actor,
                windows=windows,
                revisions=revisions,
            )
            Plan.objects.filter(pk=plan.pk).update(source_profile_setting=setting)
            plan.source_profile_setting = setting
            created.append(plan)
    return created


def _windows(setting, project: Project) -> list[tuple[dt.time, dt.time]]:
    if setting.interval_minutes:
        return interval_windows(setting.interval_minutes)
    if setting.times_per_day:
        return rounds_windows(setting.times_per_day)
    return [(project.company.work_start, project.company.work_end)]


def _duration(windows) -> int:
    start, end = windows[0]
    minutes = (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)
    return max(15, min(minutes if minutes > 0 else minutes + 24 * 60, 60))
