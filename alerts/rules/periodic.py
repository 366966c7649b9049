"""Rules over figures rather than single changes, evaluated hourly (alerts.tasks.evaluate_periodic):

- hotspot: a building or public area × category whose orders in the last ``window_days`` are well
  above its own baseline (the ``baseline_days`` before the window, scaled to the window's length);
- kpi: a project's month-to-date KPI below its target (the rule's, or the project's service level's).

Both raise through alert_raise (one alert per condition and window, evidence merged by union) and
resolve the alerts of conditions that cleared.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from alerts.choices import OPEN_ALERT_STATUSES, RuleKind, SubjectType
from alerts.models import Alert, AlertRule
from alerts.services import alert_raise, alerts_auto_resolve
from core.choices import ServiceLevel
from core.models import Company, Project

# Evidence kept per alert: the most recent records behind a figure (the figure itself is in facts).
MAX_REFS = 50
# A month-to-date KPI is judged only once this many items were due: three late orders out of four
# on the 2nd of the month say little.
KPI_MIN_DUE = 10


@dataclass(frozen=True)
class Kpi:
    label: object  # lazy translated name
    targets: dict[str, float]  # per service level
    figures: Callable[[dt.datetime, dt.datetime, dt.datetime, list[int]], dict[int, tuple[int, int, list]]]


#
# Hotspots
#
def evaluate_hotspots(*, now: dt.datetime) -> int:
    """Raise a hotspot alert for every place × category above ``factor`` × its baseline and at
    least ``min_count`` orders in the window; resolve those no longer above. Returns alerts raised."""
    from workorders.choices import FINAL_STATUSES
    from workorders.models import WorkOrder

    raised, firing = 0, set()
    by_params = _rules_by_params(RuleKind.HOTSPOT)
    for (window_days, baseline_days, factor, min_count), rules in by_params.items():
        window_start = now - dt.timedelta(days=window_days)
        baseline_start = window_start - dt.timedelta(days=baseline_days)
        orders = (
            WorkOrder.objects.filter(company_id__in={r.company_id for r in rules}, created__gte=baseline_start)
            .filter(created__lt=now, category__isnull=False)
            .exclude(status__in=sorted(FINAL_STATUSES))
            .filter(Q(building__isnull=False) | Q(area__isnull=False))
        )
        rows = (
            orders.values("company_id", "project_id", "building_id", "area_id", "category_id")
            .annotate(
                recent=Count("id", filter=Q(created__gte=window_start)),
                before=Count("id", filter=Q(created__lt=window_start)),
            )
            .filter(recent__gte=min_count)
            .order_by()
        )
        places: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
        for row in rows:
            # An order in an area counts for the area; one in a unit or a building, for the building.
            place = ("area", row["area_id"]) if row["area_id"] else ("building", row["building_id"])
            key = (row["company_id"], row["project_id"], *place, row["category_id"])
            places[key][0] += row["recent"]
            places[key][1] += row["before"]
        for (company_id, project_id, place_type, place_id, category_id), (recent, before) in places.items():
            expected = before * window_days / baseline_days
            if recent < min_count or recent < factor * max(expected, 1.0):
                continue
            for rule in rules:
                if rule.company_id != company_id or rule.project_id not in (None, project_id):
                    continue
                hit = _raise_hotspot(
                    rule, now, window_start, project_id, place_type, place_id, category_id, recent, expected
                )
                firing.add(hit.alert.pk)
                raised += int(hit.created or hit.reopened)
    _resolve_cleared(RuleKind.HOTSPOT, firing, now)
    return raised


def _raise_hotspot(rule, now, window_start, project_id, place_type, place_id, category_id, recent, expected):
    from workorders.models import Category, WorkOrder

    week = timezone.localdate(now, rule.company.zone).isocalendar()
    place_filter = {f"{place_type}_id": place_id}
    if place_type == "building":
        place_filter["area__isnull"] = True
    refs = WorkOrder.objects.filter(
        project_id=project_id, category_id=category_id, created__gte=window_start, created__lt=now, **place_filter
    ).order_by("-id")[:MAX_REFS]
    place_name = _place_name(place_type, place_id)
    category = Category.objects.filter(pk=category_id).values_list("name", flat=True).first() or ""
    return alert_raise(
        rule=rule,
        dedup_key=f"hotspot:{place_type}:{place_id}:{category_id}:{week.year}-W{week.week:02d}",
        subject_type=place_type,
        subject_id=place_id,
        project_id=project_id,
        refs=[(SubjectType.WORKORDER, pk) for pk in refs.values_list("id", flat=True)],
        facts={
            "place": place_name,
            "category": category,
            "category_id": category_id,
            "count": recent,
            "expected": round(expected, 2),
            "window_days": rule.params.get("window_days"),
        },
        summary=(
            gettext_noop("{place} · {category}: {count} orders in {days} days, usually {expected}"),
            {
                "place": place_name,
                "category": category,
                "count": recent,
                "days": rule.params.get("window_days"),
                "expected": round(expected, 1),
            },
        ),
        at=now,
    )


def _place_name(place_type: str, place_id: int) -> str:
    from core.models import Area, Building

    model = Area if place_type == "area" else Building
    return model.objects.filter(pk=place_id).values_list("name", flat=True).first() or ""


#
# KPIs below target
#
def _task_completion(start, end, now, project_ids):
    """计划完成率 month to date: completed ÷ due (plans.selectors.task_figures' definition)."""
    from plans.choices import OPEN_TASK_STATUSES, TaskStatus
    from plans.models import Task

    due = Q(status__in=[TaskStatus.COMPLETED, TaskStatus.MISSED]) | (
        Q(status__in=sorted(OPEN_TASK_STATUSES)) & Q(due_at__lte=now)
    )
    tasks = Task.objects.filter(project_id__in=project_ids, date__gte=start.date(), date__lt=end.date()).filter(due)
    counts = _counts(tasks, Q(status=TaskStatus.COMPLETED))
    failing = tasks.exclude(status=TaskStatus.COMPLETED).order_by("-due_at")
    return _with_refs(counts, failing, SubjectType.TASK)


def _rectification_on_time(start, end, now, project_ids):
    """整改完成率(按期): findings closed by their deadline ÷ findings due in the period."""
    from inspections.choices import FindingStatus
    from inspections.models import Finding

    findings = (
        Finding.objects.filter(project_id__in=project_ids, due_at__gte=start, due_at__lt=end)
        .exclude(status=FindingStatus.CANCELLED)
        .filter(Q(due_at__lte=now) | Q(status=FindingStatus.CLOSED))
    )
    on_time = Q(status=FindingStatus.CLOSED, closed_at__lte=F("due_at"))
    counts = _counts(findings, on_time)
    return _with_refs(counts, findings.exclude(on_time).order_by("-due_at"), SubjectType.FINDING)


def _repair_arrive_on_time(start, end, now, project_ids):
    """报修响应及时率: repairs on site by their deadline ÷ repairs whose on-site deadline fell due."""
    from workorders.choices import FINAL_STATUSES, Kind
    from workorders.models import WorkOrder

    orders = (
        WorkOrder.objects.filter(project_id__in=project_ids, kind=Kind.REPAIR)
        # every order due in the period was reported at most a month before it (created is indexed)
        .filter(created__gte=start - dt.timedelta(days=31), created__lt=end)
        .filter(arrive_due_at__gte=start, arrive_due_at__lt=end)
        .filter(Q(arrive_due_at__lte=now) | Q(arrived_at__isnull=False))
        .exclude(status__in=sorted(FINAL_STATUSES))
    )
    on_time = Q(arrived_at__isnull=False, arrived_at__lte=F("arrive_due_at"))
    counts = _counts(orders, on_time)
    return _with_refs(counts, orders.exclude(on_time).order_by("-arrive_due_at"), SubjectType.WORKORDER)


def _counts(qs, good: Q) -> dict[int, tuple[int, int]]:
    rows = qs.values("project_id").annotate(good=Count("id", filter=good), due=Count("id")).order_by()
    return {row["project_id"]: (row["good"], row["due"]) for row in rows}


def _with_refs(counts, failing, ref_type) -> dict[int, tuple[int, int, list]]:
    """Add the most recent failing records of each project judged below target (fetched lazily)."""
    return {
        pid: (good, due, _LazyRefs(failing.filter(project_id=pid), ref_type)) for pid, (good, due) in counts.items()
    }


class _LazyRefs:
    def __init__(self, qs, ref_type: str) -> None:
        self.qs, self.ref_type = qs, ref_type

    def __iter__(self):
        return iter([(self.ref_type, pk) for pk in self.qs.values_list("id", flat=True)[:MAX_REFS]])


KPIS: dict[str, Kpi] = {
    "plan_completion": Kpi(
        _("Plan completion rate"),
        {ServiceLevel.LEVEL_1: 0.98, ServiceLevel.LEVEL_2: 0.95, ServiceLevel.LEVEL_3: 0.90, ServiceLevel.CUSTOM: 0.95},
        _task_completion,
    ),
    "rectification_on_time": Kpi(
        _("On-time rectification rate"),
        {ServiceLevel.LEVEL_1: 0.95, ServiceLevel.LEVEL_2: 0.90, ServiceLevel.LEVEL_3: 0.85, ServiceLevel.CUSTOM: 0.90},
        _rectification_on_time,
    ),
    "repair_arrive_on_time": Kpi(
        _("On-site timeliness of repairs"),
        {ServiceLevel.LEVEL_1: 0.98, ServiceLevel.LEVEL_2: 0.95, ServiceLevel.LEVEL_3: 0.92, ServiceLevel.CUSTOM: 0.95},
        _repair_arrive_on_time,
    ),
}


def kpi_target(*, kpi: str, rule: AlertRule, project: Project) -> float:
    target = rule.params.get("target")
    if target is not None:
        return float(target)
    return KPIS[kpi].targets.get(project.service_level, KPIS[kpi].targets[ServiceLevel.LEVEL_2])


def evaluate_kpis(*, now: dt.datetime) -> int:
    """Raise an alert for every project whose month-to-date KPI is below target with at least
    KPI_MIN_DUE items due; resolve the month's alerts of projects back on target. Returns alerts raised."""
    raised, firing = 0, set()
    for company in Company.objects.filter(is_active=True):
        rules = list(
            AlertRule.objects.filter(company=company, kind=RuleKind.KPI, is_active=True).select_related("company")
        )
        if not rules:
            continue
        start, end = _month_bounds(now, company)
        projects = {p.pk: p for p in Project.objects.filter(company=company, is_active=True)}
        figures: dict[str, dict] = {}
        for rule in rules:
            kpi = rule.params.get("kpi")
            if kpi not in KPIS:
                continue
            if kpi not in figures:
                figures[kpi] = KPIS[kpi].figures(start, end, now, sorted(projects))
            for project_id, (good, due, refs) in figures[kpi].items():
                if rule.project_id not in (None, project_id) or due < KPI_MIN_DUE:
                    continue
                target = kpi_target(kpi=kpi, rule=rule, project=projects[project_id])
                if good / due >= target:
                    continue
                hit = _raise_kpi(rule, kpi, projects[project_id], start, good, due, target, refs, now)
                firing.add(hit.alert.pk)
                raised += int(hit.created or hit.reopened)
    _resolve_cleared(RuleKind.KPI, firing, now)
    return raised


def _raise_kpi(rule, kpi, project, start, good, due, target, refs, now):
    month = f"{start:%Y-%m}"
    return alert_raise(
        rule=rule,
        dedup_key=f"kpi:{kpi}:{project.pk}:{month}",
        subject_type=SubjectType.PROJECT,
        subject_id=project.pk,
        project_id=project.pk,
        refs=[(SubjectType.PROJECT, project.pk), *refs],
        facts={"kpi": kpi, "month": month, "numerator": good, "denominator": due, "target": target},
        summary=(
            gettext_noop("{project}: {kpi} {rate} % this month ({good}/{due}), target {target} %"),
            {
                "project": project.name,
                "kpi": str(KPIS[kpi].label),
                "rate": round(good * 100 / due, 1),
                "good": good,
                "due": due,
                "target": round(target * 100, 1),
            },
        ),
        at=now,
    )


def _month_bounds(now: dt.datetime, company: Company) -> tuple[dt.datetime, dt.datetime]:
    zone = company.zone
    today = timezone.localtime(now, zone).date()
    first = today.replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    return (
        dt.datetime.combine(first, dt.time.min, tzinfo=zone),
        dt.datetime.combine(following, dt.time.min, tzinfo=zone),
    )


#
# Shared
#
def _rules_by_params(kind: str) -> dict[tuple, list[AlertRule]]:
    """Active rules of ``kind`` grouped by their numeric parameters, so one query serves each group."""
    groups: dict[tuple, list[AlertRule]] = defaultdict(list)
    for rule in AlertRule.objects.filter(kind=kind, is_active=True, company__is_active=True).select_related("company"):
        p = rule.params
        key = (int(p.get("window_days", 7)), int(p.get("baseline_days", 56)), float(p.get("factor", 2.0)))
        groups[(*key, int(p.get("min_count", 5)))].append(rule)
    return groups


def _resolve_cleared(kind: str, firing: Iterable[int], now: dt.datetime) -> int:
    """Resolve the open alerts of ``kind`` that this pass did not find firing: their condition cleared."""
    stale = (
        Alert.objects.filter(kind=kind, status__in=OPEN_ALERT_STATUSES)
        .exclude(pk__in=sorted(firing))
        .values_list("pk", flat=True)
    )
    return alerts_auto_resolve(alert_ids=list(stale), at=now, reason=gettext_noop("Back within the line."))
