"""The KPI library (DOMAIN §6.3): every KPI defined once, read from the daily roll-ups.

A KPI is Σ numerator columns ÷ Σ denominator columns of one roll-up table over the rows of its
kinds; ``households`` as a denominator means the projects' household count (per 1,000 households).
Targets are per service level; ``None`` where no default is set. See docs/analytics.md.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from analytics.models import FindingDaily, TaskDaily, WorkOrderDaily
from analytics.services.rollup import counter_records
from core.choices import ServiceLevel
from core.models import Company

L1, L2, L3, CUSTOM = ServiceLevel.LEVEL_1, ServiceLevel.LEVEL_2, ServiceLevel.LEVEL_3, ServiceLevel.CUSTOM
HOUSEHOLDS = "households"


def _levels(l1: float, l2: float, l3: float, custom: float | None = None) -> dict[str, float]:
    return {L1: l1, L2: l2, L3: l3, CUSTOM: l2 if custom is None else custom}


# Float noise in a quotient (0.95 computed as 0.9499999999) must not turn a met target into a miss.
TOLERANCE = 1e-9


@dataclass(frozen=True)
class Kpi:
    code: str
    label: object  # lazy translated
    table: type
    numerator: tuple[str, ...]
    denominator: tuple[str, ...]
    kinds: tuple[str, ...] = ()  # rows of these kinds only; () = all
    exclusions: object = ""
    unit: str = "%"  # "%", "per_1000" (per 1,000 households), "stars" or "minutes" (averages)
    higher_is_better: bool = True
    targets: dict[str, float] = field(default_factory=dict)

    def target(self, service_level: str) -> float | None:
        return self.targets.get(service_level)

    def meets(self, rate: float | None, target: float | None) -> bool | None:
        """Whether ``rate`` reaches ``target`` (both fractions or both averages, as computed, never
        rounded for display): at least it, or at most it when lower is better; None without either."""
        if rate is None or target is None:
            return None
        return rate >= target - TOLERANCE if self.higher_is_better else rate <= target + TOLERANCE

    def display(self, value: float | None) -> float | None:
        """A rate or a target (a fraction, or an average) as shown in the KPI's unit: percent to one
        decimal, per 1,000 households to two, whole minutes, stars to two."""
        if value is None:
            return None
        if self.unit == "%":
            return round(value * 100, 1)
        if self.unit == "per_1000":
            return round(value * 1000, 2)
        if self.unit == "minutes":
            return round(value)
        return round(value, 2)

    def drilldown(
        self, company: Company, filters: dict | None, period: tuple[dt.date, dt.date]
    ) -> tuple[QuerySet | None, QuerySet | None]:
        """(numerator records, denominator records) behind the figure of ``company`` over ``period``
        (first, last day) with ``filters`` on the roll-up key (project_id, department_id, person_id;
        kind is the KPI's). The denominator is None when it is not made of records (households).
        With several columns the first column's records are returned."""
        first, last = period
        days = [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
        filters = dict(filters or {})
        if self.kinds:
            filters["kind"] = list(self.kinds)

        def records(columns):
            if columns == (HOUSEHOLDS,):
                return None
            return counter_records(company=company, model=self.table, counter=columns[0], days=days, filters=filters)

        return records(self.numerator), records(self.denominator)


_EXCLUDED_ORDERS = _("Cancelled and rejected orders (rejected: outside the company's responsibility, duplicates).")
REPAIR, COMPLAINT = ("repair",), ("complaint",)

KPIS: dict[str, Kpi] = {
    k.code: k
    for k in (
        Kpi(
            "repair_arrive_on_time",
            _("On-site timeliness of repairs"),
            WorkOrderDaily,
            ("arrive_on_time",),
            ("arrive_due",),
            REPAIR,
            _EXCLUDED_ORDERS,
            targets=_levels(0.98, 0.95, 0.92),
        ),
        Kpi(
            "repair_resolve_on_time",
            _("On-time completion of repairs"),
            WorkOrderDaily,
            ("resolve_on_time",),
            ("resolve_due",),
            REPAIR,
            _EXCLUDED_ORDERS,
            targets=_levels(0.95, 0.90, 0.85),
        ),
        Kpi(
            "repair_first_pass",
            _("Repair pass rate (first time)"),
            WorkOrderDaily,
            ("first_pass",),
            ("completed",),
            REPAIR,
            _EXCLUDED_ORDERS,
            targets=_levels(1.0, 1.0, 1.0),
        ),
        Kpi(
            "repair_rework",
            _("Repair rework rate"),
            WorkOrderDaily,
            ("reopened",),
            ("completed",),
            REPAIR,
            _EXCLUDED_ORDERS,
            higher_is_better=False,
        ),
        Kpi(
            "repair_first_visit",
            _("Resolved on the first visit"),
            WorkOrderDaily,
            ("first_visit",),
            ("completed",),
            REPAIR,
            _EXCLUDED_ORDERS,
        ),
        Kpi(
            "repair_arrive_minutes",
            _("Average repair response time"),
            WorkOrderDaily,
            ("arrive_minutes",),
            ("arrived",),
            REPAIR,
            _("Minutes from the report to the first arrival on site. ") + _EXCLUDED_ORDERS,
            unit="minutes",
            higher_is_better=False,
        ),
        Kpi(
            "repair_complete_minutes",
            _("Average repair completion time"),
            WorkOrderDaily,
            ("complete_minutes",),
            ("completed",),
            REPAIR,
            _("Minutes from the report to the (latest) completion. ") + _EXCLUDED_ORDERS,
            unit="minutes",
            higher_is_better=False,
        ),
        Kpi(
            "complaint_closure",
            _("Complaint closure rate"),
            WorkOrderDaily,
            ("resolved",),
            ("reported",),
            COMPLAINT,
            _EXCLUDED_ORDERS,
            targets=_levels(1.0, 1.0, 1.0),
        ),
        Kpi(
            "complaint_on_time",
            _("On-time complaint handling"),
            WorkOrderDaily,
            ("resolve_on_time",),
            ("resolve_due",),
            COMPLAINT,
            _EXCLUDED_ORDERS,
            targets=_levels(0.95, 0.95, 0.95),
        ),
        Kpi(
            "valid_complaints",
            _("Valid complaints per 1,000 households"),
            WorkOrderDaily,
            ("accepted",),
            (HOUSEHOLDS,),
            COMPLAINT,
            _("Valid: accepted by customer service as the company's responsibility; cancelled and rejected excluded."),
            unit="per_1000",
            higher_is_better=False,
        ),
        Kpi(
            "repeat_complaints",
            _("Repeat complaint rate"),
            WorkOrderDaily,
            ("repeats",),
            ("reported",),
            COMPLAINT,
            _("Repeat: the same unit and category within 30 days. ") + _EXCLUDED_ORDERS,
            higher_is_better=False,
        ),
        Kpi(
            "follow_up_rate",
            _("Follow-up rate"),
            WorkOrderDaily,
            ("follow_ups_done",),
            ("follow_ups_due",),
            (),
            _("Follow-ups of cancelled and rejected orders; unreachable owners count as not done."),
            targets=_levels(1.0, 1.0, 1.0),
        ),
        Kpi(
            "follow_up_satisfaction",
            _("Follow-up satisfaction"),
            WorkOrderDaily,
            ("follow_ups_satisfied",),
            ("follow_ups_rated",),
            (),
            _("Follow-ups without an answer on satisfaction."),
            targets=_levels(0.80, 0.75, 0.70),
        ),
        Kpi(
            "average_rating",
            _("Average owner rating"),
            WorkOrderDaily,
            ("stars_sum",),
            ("ratings",),
            (),
            _EXCLUDED_ORDERS,
            unit="stars",
        ),
        Kpi(
            "plan_completion",
            _("Plan completion rate"),
            TaskDaily,
            ("completed",),
            ("due",),
            (),
            _("Cancelled tasks; tasks still open (not yet completed or missed)."),
            targets=_levels(0.98, 0.95, 0.90),
        ),
        Kpi(
            "task_on_time",
            _("Tasks completed on time"),
            TaskDaily,
            ("completed_on_time",),
            ("due",),
            (),
            _("Cancelled tasks; tasks still open (not yet completed or missed)."),
        ),
        Kpi(
            "patrol_coverage",
            _("Patrol check-in rate"),
            TaskDaily,
            ("on_time_checkins",),
            ("required_checkins",),
            (),
            _("Cancelled and open tasks; late check-ins do not count."),
            targets=_levels(0.98, 0.95, 0.90),
        ),
        Kpi(
            "rectification_on_time",
            _("On-time rectification rate"),
            FindingDaily,
            ("closed_on_time",),
            ("due",),
            (),
            _("Cancelled findings."),
            targets=_levels(0.95, 0.90, 0.85),
        ),
        Kpi(
            "rectification_rate",
            _("Rectification rate"),
            FindingDaily,
            ("rectified",),
            ("raised",),
            (),
            _("Cancelled findings."),
            targets=_levels(1.0, 1.0, 1.0),
        ),
    )
}
