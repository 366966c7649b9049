import datetime as dt

from django_scopes import scopes_disabled

from alerts.choices import AlertStatus, Resolution, RuleKind, SubjectType
from alerts.models import Alert
from alerts.rules.periodic import KPI_MIN_DUE, evaluate_hotspots, evaluate_kpis
from alerts.tests.base import AlertsTestCase
from workorders.choices import Kind
from workorders.services import workorder_create_system
from workorders.tests.factories import category

NOW = dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC)


class PeriodicTestCase(AlertsTestCase):
    def setUp(self) -> None:
        self.scope = scopes_disabled()
        self.scope.__enter__()
        self.addCleanup(self.scope.__exit__, None, None, None)
        self.leak = category(self.company, "water-leak")

    def order(self, at: dt.datetime, *, unit=None, area=None, cat=None, project=None, kind=Kind.REPAIR):
        data = {"kind": kind, "title": "漏水", "description": "楼道漏水", "category": cat or self.leak}
        if unit is not None:
            data["unit"] = unit
        if area is not None:
            data["area"] = area
        return workorder_create_system(project_id=(project or self.project).pk, data=data, at=at)


class HotspotTests(PeriodicTestCase):
    def test_it_fires_when_a_place_is_well_above_its_baseline(self) -> None:
        # baseline: 8 orders over the 56 days before the window = 1 a week; this week: 5.
        for day in range(8):
            self.order(NOW - dt.timedelta(days=10 + day * 7), unit=self.unit)
        recent = [self.order(NOW - dt.timedelta(days=d, hours=1), unit=self.unit2) for d in range(5)]
        self.assertEqual(evaluate_hotspots(now=NOW), 1)
        alert = Alert.objects.get(kind=RuleKind.HOTSPOT)
        self.assertEqual((alert.subject_type, alert.subject_id), (SubjectType.BUILDING, self.building.pk))
        self.assertEqual(alert.project_id, self.project.pk)
        self.assertEqual({r["id"] for r in alert.refs}, {o.pk for o in recent})
        self.assertEqual(alert.evidence["facts"]["count"], 5)
        self.assertEqual(alert.evidence["facts"]["expected"], 1.0)
        self.assertEqual(evaluate_hotspots(now=NOW + dt.timedelta(hours=1)), 0)  # still one alert
        self.assertEqual(Alert.objects.count(), 1)

    def test_it_stays_quiet_below_the_factor_or_the_minimum(self) -> None:
        for day in range(40):  # a busy place: about 5 a week is normal
            self.order(NOW - dt.timedelta(days=8 + day * 56 / 40), unit=self.unit)
        for d in range(6):
            self.order(NOW - dt.timedelta(days=d, hours=2), unit=self.unit)
        self.order(NOW - dt.timedelta(hours=3), area=self.area)  # one order in the lobby: below the minimum
        self.assertEqual(evaluate_hotspots(now=NOW), 0)
        self.assertFalse(Alert.objects.exists())

    def test_it_resolves_when_the_spike_is_over(self) -> None:
        for d in range(5):
            self.order(NOW - dt.timedelta(days=d, hours=1), area=self.area)
        self.assertEqual(evaluate_hotspots(now=NOW), 1)
        alert = Alert.objects.get()
        self.assertEqual((alert.subject_type, alert.subject_id), (SubjectType.AREA, self.area.pk))
        evaluate_hotspots(now=NOW + dt.timedelta(days=8))
        alert.refresh_from_db()
        self.assertEqual((alert.status, alert.resolution), (AlertStatus.RESOLVED, Resolution.AUTO))

    def test_it_keeps_companies_apart_and_honours_inactive_rules(self) -> None:
        other_cat = category(self.other_company, "water-leak")
        for d in range(5):
            self.order(
                NOW - dt.timedelta(days=d, hours=1), unit=self.other_unit, cat=other_cat, project=self.other_project
            )
        self.rule(RuleKind.HOTSPOT, company=self.other_company).__class__.objects.filter(
            company=self.other_company, kind=RuleKind.HOTSPOT
        ).update(is_active=False)
        self.assertEqual(evaluate_hotspots(now=NOW), 0)
        self.assertFalse(Alert.objects.exists())


class KpiTests(PeriodicTestCase):
    def repairs(self, *, on_time: int, late: int) -> None:
        """Repairs reported early this month, on site in time or late (arrive_due_at set by SLA)."""
        from workorders.models import WorkOrder

        at = dt.datetime(2026, 11, 3, 2, 0, tzinfo=dt.UTC)
        for i in range(on_time + late):
            order = self.order(at + dt.timedelta(minutes=i), unit=self.unit)
            due = order.arrive_due_at or at + dt.timedelta(hours=1)
            arrived = due - dt.timedelta(minutes=5) if i < on_time else due + dt.timedelta(minutes=30)
            WorkOrder.objects.filter(pk=order.pk).update(arrive_due_at=due, arrived_at=arrived)

    def test_it_fires_below_target_with_the_late_orders_as_evidence(self) -> None:
        self.repairs(on_time=8, late=4)
        self.assertEqual(evaluate_kpis(now=NOW), 1)
        alert = Alert.objects.get()
        self.assertEqual(alert.dedup_key, f"kpi:repair_arrive_on_time:{self.project.pk}:2026-11")
        facts = alert.evidence["facts"]
        self.assertEqual((facts["numerator"], facts["denominator"], facts["target"]), (8, 12, 0.98))
        self.assertEqual(sum(r["type"] == SubjectType.WORKORDER for r in alert.refs), 4)
        self.assertIn("66.7", alert.evidence["summary"]["params"]["rate"].__str__())
        self.assertEqual(evaluate_kpis(now=NOW), 0)

    def test_it_waits_for_enough_items(self) -> None:
        self.repairs(on_time=0, late=KPI_MIN_DUE - 1)
        self.assertEqual(evaluate_kpis(now=NOW), 0)

    def test_it_uses_the_rules_own_target_and_resolves_when_back_on_target(self) -> None:
        from alerts.models import AlertRule

        self.repairs(on_time=19, late=1)  # 95 %: below the 98 % default
        self.assertEqual(evaluate_kpis(now=NOW), 1)
        AlertRule.objects.filter(company=self.company, kind=RuleKind.KPI, params__kpi="repair_arrive_on_time").update(
            params={"kpi": "repair_arrive_on_time", "target": 0.9}
        )
        self.assertEqual(evaluate_kpis(now=NOW + dt.timedelta(hours=1)), 0)
        alert = Alert.objects.get()
        self.assertEqual(alert.status, AlertStatus.RESOLVED)
