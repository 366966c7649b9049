"""Helpers for the analytics tests: orders, tasks and findings moved through the real services at
frozen moments (Asia/Shanghai), and the roll-up rows as plain dicts to compare."""

import datetime as dt
import zoneinfo

import time_machine

from analytics.models import FindingDaily, HotspotDaily, HourlyLoad, TaskDaily, WorkOrderDaily
from lib.testing import BaseTestCase
from workorders import services as wo
from workorders.choices import Kind
from workorders.models import Category, WorkOrder

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
MINUTE = dt.timedelta(minutes=1)
HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SHANGHAI)


T0 = at(2026, 11, 2, 10, 0)  # a Monday morning
D0 = T0.date()

COUNTERS = {
    model: [f.name for f in model._meta.get_fields() if f.get_internal_type() == "PositiveIntegerField"]
    for model in (WorkOrderDaily, TaskDaily, FindingDaily, HotspotDaily, HourlyLoad)
}


def table(model, **filters) -> dict[tuple, dict[str, int]]:
    """Roll-up rows as {(project, department, person, kind, day): {counter: value≠0}} (the model's KEY_FIELDS)."""
    rows = {}
    for row in model.objects.filter(**filters).values():
        key = tuple(row[f] for f in model.KEY_FIELDS)
        rows[key] = {k: row[k] for k in COUNTERS[model] if row[k]}
    return rows


def tables(**filters) -> dict:
    return {model.__name__: table(model, **filters) for model in COUNTERS}


class AnalyticsTestCase(BaseTestCase):
    def report(self, *, when: dt.datetime = T0, actor=None, project=None, **data) -> WorkOrder:
        """An order phoned in by the supervisor for the department's team, unless told otherwise."""
        data.setdefault("kind", Kind.REPAIR)
        data.setdefault("description", "厨房水龙头一直在滴水")
        data.setdefault("priority", "p2")
        if not {"unit", "area", "building"} & set(data):
            data["unit"] = self.unit
        if project is None:
            data.setdefault("department", self.department)
        with time_machine.travel(when, tick=False):
            return wo.workorder_create(project=project or self.project, data=data, actor=actor or self.supervisor)

    def step(self, verb: str, order: WorkOrder, *, when: dt.datetime, **kwargs):
        """One service verb at ``when`` on a fresh copy of ``order`` (actor: supervisor unless given)."""
        kwargs.setdefault("actor", self.supervisor)
        with time_machine.travel(when, tick=False):
            order.refresh_from_db()
            return getattr(wo, f"workorder_{verb}")(order=order, **kwargs)

    def dispatch(self, order: WorkOrder, *, when: dt.datetime) -> WorkOrder:
        return self.step("dispatch", order, when=when, assignee=self.staff)

    def start(self, order: WorkOrder, *, when: dt.datetime) -> WorkOrder:
        return self.step("start", order, when=when, actor=self.staff)

    def complete(self, order: WorkOrder, *, when: dt.datetime) -> WorkOrder:
        return self.step("complete", order, when=when, actor=self.staff)

    def repair_done(self, order: WorkOrder, *, arrive: dt.datetime, done: dt.datetime) -> WorkOrder:
        self.dispatch(order, when=arrive - MINUTE)
        self.start(order, when=arrive)
        return self.complete(order, when=done)

    def category(self, code: str) -> Category:
        return Category.objects.get(company=self.company, code=code)
