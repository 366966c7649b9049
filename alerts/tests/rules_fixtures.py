"""Helpers for the tests of the rules over changes: orders reported through the real services at
frozen moments, one evaluation pass, and the alerts a rule raised."""

import datetime as dt
import zoneinfo

import time_machine
from django.utils import translation

from alerts.engine import evaluate_changes
from alerts.messages import alert_summary
from alerts.models import Alert, AlertRule
from alerts.tests.base import AlertsTestCase
from workorders import services as wo
from workorders.choices import Kind
from workorders.models import Category, WorkOrder

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SHANGHAI)


T0 = at(2026, 11, 23, 10, 0)  # a Monday morning
MINUTE = dt.timedelta(minutes=1)
HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)


class RulesTestMixin:
    def evaluate(self, now: dt.datetime = T0 + MINUTE) -> dict[str, int]:
        totals = evaluate_changes(now=now)
        self.assertEqual(totals["errors"], 0, totals)
        return totals

    def alerts(self, kind: str, **filters) -> list[Alert]:
        return list(Alert.objects.filter(kind=kind, **filters).select_related("rule").order_by("id"))

    def only_alert(self, kind: str, **filters) -> Alert:
        found = self.alerts(kind, **filters)
        self.assertEqual(len(found), 1, [a.dedup_key for a in found])
        return found[0]

    def summary(self, alert: Alert) -> str:
        with translation.override("en"):
            return alert_summary(alert)

    def rules(self, kind: str, company=None) -> list[AlertRule]:
        return list(AlertRule.objects.filter(company=company or self.company, kind=kind))

    def refs(self, alert: Alert, ref_type: str = "workorder") -> set[int]:
        alert.refresh_from_db()
        return {r["id"] for r in alert.refs if r["type"] == ref_type}


class RulesTestCase(RulesTestMixin, AlertsTestCase):
    def report(self, *, when: dt.datetime = T0, actor=None, project=None, **data) -> WorkOrder:
        """An order phoned in by the supervisor (for the department's team) unless told otherwise."""
        data.setdefault("kind", Kind.REPAIR)
        data.setdefault("description", "厨房水龙头一直在滴水")
        if actor is None and not {"unit", "area", "building"} & set(data):
            data["unit"] = self.unit
        if project is None:
            data.setdefault("department", self.department)
        with time_machine.travel(when, tick=False):
            return wo.workorder_create(project=project or self.project, data=data, actor=actor or self.supervisor)

    def owner_report(self, *, when: dt.datetime = T0, **data) -> WorkOrder:
        """The owner's own report for his unit (he may rate it and answer its follow-up)."""
        data.setdefault("kind", Kind.REPAIR)
        data.setdefault("description", "厨房水龙头一直在滴水")
        data.setdefault("unit", self.unit)
        with time_machine.travel(when, tick=False):
            return wo.workorder_create(project=self.project, data=data, actor=self.owner)

    def complete(self, order: WorkOrder, *, when: dt.datetime) -> WorkOrder:
        """Dispatched to the technician, started on site and completed at ``when``."""
        with time_machine.travel(when, tick=False):
            order.refresh_from_db()
            wo.workorder_dispatch(order=order, assignee=self.staff, actor=self.supervisor)
            wo.workorder_start(order=order, actor=self.staff)
            return wo.workorder_complete(order=order, actor=self.staff)

    def close(self, order: WorkOrder, *, when: dt.datetime) -> WorkOrder:
        with time_machine.travel(when, tick=False):
            order.refresh_from_db()
            return wo.workorder_close(order=order, actor=self.supervisor)

    def category(self, code: str, company=None) -> Category:
        return Category.objects.get(company=company or self.company, code=code)
