"""Equipment: devices and gateways (configuration, permissions), readings (all-or-nothing
validation with per-row errors) and the equipment rules (threshold alert once a day, one work
order per alert, auto-resolution on a normal reading)."""

import datetime as dt
import math

from django.core.exceptions import PermissionDenied, ValidationError
from django_scopes import scopes_disabled

from alerts.choices import AlertEventKind, AlertStatus, Resolution, RuleKind, Severity
from alerts.models import Alert, AlertRule, Device, Gateway, Reading
from alerts.services.devices import (
    DEVICE_PLACE_OTHER_PROJECT,
    ReadingsInvalid,
    device_create,
    device_update,
    gateway_create,
    gateway_for_key,
    gateway_revoke,
    key_hash,
    readings_ingest,
)
from alerts.tests.base import AlertsTestCase
from workorders.models import WorkOrder

T0 = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)  # 17:00 in Shanghai
MINUTE = dt.timedelta(minutes=1)


class EquipmentTestCase(AlertsTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        with scopes_disabled():
            cls.pump = device_create(
                company=cls.company,
                data={
                    "project": cls.project,
                    "code": "pump-1",
                    "name": "1号生活水泵",
                    "device_kind": "pump",
                    "area": cls.area,
                },
                actor=cls.admin,
            )
            cls.tank = device_create(
                company=cls.company,
                data={"project": cls.project2, "code": "tank-a", "name": "A座水箱", "device_kind": "tank"},
                actor=cls.admin,
            )
            cls.other_device = device_create(
                company=cls.other_company,
                data={"project": cls.other_project, "code": "pump-9", "name": "他山水泵"},
                actor=cls.outsider,
            )
            cls.gateway, cls.key = gateway_create(company=cls.company, data={"name": "物联网平台"}, actor=cls.admin)

    def setUp(self) -> None:
        self.scope = scopes_disabled()
        self.scope.__enter__()
        self.addCleanup(self.scope.__exit__, None, None, None)

    def equipment_rule(self, name="水泵压力低", severity=Severity.HIGH, **params) -> AlertRule:
        params = {"metric": "pressure", "op": "<", "value": 0.2, **params}
        return AlertRule.objects.create(
            company=self.company, kind=RuleKind.EQUIPMENT, name=name, severity=severity, params=params
        )

    def ingest(self, *readings, gateway=None, at=T0) -> dict:
        return readings_ingest(gateway=gateway or self.gateway, readings=list(readings), now=at)

    def reading(self, value, *, device="pump-1", metric="pressure", at=T0) -> dict:
        return {"device": device, "metric": metric, "value": value, "at": at.isoformat()}


class DeviceConfigTests(EquipmentTestCase):
    def test_it_takes_the_building_from_the_area(self) -> None:
        self.assertEqual(self.pump.building, self.building)
        self.assertEqual(self.pump.company, self.company)

    def test_places_must_be_in_the_devices_project(self) -> None:
        data = {"project": self.project2, "code": "x-1", "name": "x", "building": self.building}
        with self.assertRaises(ValidationError) as caught:
            device_create(company=self.company, data=data, actor=self.admin)
        self.assertEqual(caught.exception.message_dict, {"building": [str(DEVICE_PLACE_OTHER_PROJECT)]})
        with self.assertRaises(ValidationError) as caught:
            device_update(device=self.tank, data={"area": self.area}, actor=self.admin)
        self.assertIn("area", caught.exception.message_dict)
        with self.assertRaises(ValidationError) as caught:
            device_create(
                company=self.company, data={"project": self.other_project, "code": "y", "name": "y"}, actor=self.admin
            )
        self.assertIn("project", caught.exception.message_dict)

    def test_the_code_is_unique_in_the_company(self) -> None:
        with self.assertRaises(ValidationError) as caught:
            device_create(
                company=self.company,
                data={"project": self.project, "code": "pump-1", "name": "again"},
                actor=self.admin,
            )
        self.assertIn("code", caught.exception.message_dict)

    def test_it_updates_a_device(self) -> None:
        device = device_update(device=self.tank, data={"name": "A座屋顶水箱"}, actor=self.quality)
        self.assertEqual(Device.objects.get(pk=device.pk).name, "A座屋顶水箱")

    def test_only_admins_and_quality_managers_configure_devices(self) -> None:
        data = {"project": self.project, "code": "new-1", "name": "新设备"}
        for actor in (self.viewer, self.supervisor, self.manager, self.staff, self.outsider, self.owner):
            with self.subTest(actor=actor.username):
                with self.assertRaises(PermissionDenied):
                    device_create(company=self.company, data=data, actor=actor)
                with self.assertRaises(PermissionDenied):
                    device_update(device=self.pump, data={"name": "x"}, actor=actor)
        self.assertEqual(device_create(company=self.company, data=data, actor=self.quality).code, "new-1")


class GatewayTests(EquipmentTestCase):
    def test_it_stores_only_the_hash_and_a_prefix_of_the_key(self) -> None:
        gateway = Gateway.objects.get(pk=self.gateway.pk)
        self.assertGreaterEqual(len(self.key), 40)
        self.assertEqual(gateway.key_hash, key_hash(self.key))
        self.assertEqual(gateway.key_prefix, self.key[:8])
        self.assertNotIn(self.key, str(Gateway.objects.filter(pk=gateway.pk).values().get()))

    def test_it_finds_the_gateway_by_its_key(self) -> None:
        self.assertEqual(gateway_for_key(self.key), self.gateway)
        self.assertIsNone(gateway_for_key(self.key + "x"))
        self.assertIsNone(gateway_for_key(""))

    def test_a_revoked_key_stops_working(self) -> None:
        gateway_revoke(gateway=self.gateway, actor=self.quality)
        self.assertIsNone(gateway_for_key(self.key))

    def test_the_name_is_unique_in_the_company(self) -> None:
        with self.assertRaises(ValidationError) as caught:
            gateway_create(company=self.company, data={"name": "物联网平台"}, actor=self.admin)
        self.assertIn("name", caught.exception.message_dict)

    def test_only_admins_and_quality_managers_manage_gateways(self) -> None:
        for actor in (self.viewer, self.supervisor, self.manager, self.outsider):
            with self.subTest(actor=actor.username):
                with self.assertRaises(PermissionDenied):
                    gateway_create(company=self.company, data={"name": "x"}, actor=actor)
                with self.assertRaises(PermissionDenied):
                    gateway_revoke(gateway=self.gateway, actor=actor)
        self.assertIsNotNone(gateway_for_key(self.key))


class ReadingsValidationTests(EquipmentTestCase):
    def rows(self, *readings, gateway=None) -> dict:
        with self.assertRaises(ReadingsInvalid) as caught:
            self.ingest(*readings, gateway=gateway)
        self.assertFalse(Reading.objects.exists())  # nothing saved
        return caught.exception.rows

    def test_it_saves_readings_and_marks_devices_seen(self) -> None:
        counts = self.ingest(
            self.reading(0.35, at=T0 - 2 * MINUTE),
            self.reading(0.36, at=T0 - MINUTE),
            {"device": "tank-a", "metric": "level", "value": "2.5"},  # no time: now; a numeric string
        )
        self.assertEqual(counts, {"accepted": 3, "alerts": 0, "resolved": 0, "work_orders": 0})
        self.assertEqual(Reading.objects.count(), 3)
        self.assertEqual(Reading.objects.get(device=self.tank).at, T0)
        self.assertEqual(Device.objects.get(pk=self.pump.pk).last_seen_at, T0 - MINUTE)
        self.assertEqual(Gateway.objects.get(pk=self.gateway.pk).last_used_at, T0)

    def test_it_keeps_the_latest_time_seen(self) -> None:
        self.ingest(self.reading(0.3, at=T0))
        self.ingest(self.reading(0.3, at=T0 - dt.timedelta(hours=1)))  # a late reading
        self.assertEqual(Device.objects.get(pk=self.pump.pk).last_seen_at, T0)

    def test_it_rejects_everything_when_one_reading_is_bad(self) -> None:
        rows = self.rows(
            self.reading(0.3),
            self.reading("abc"),
            self.reading(0.3, device="nope"),
            {"device": "pump-1", "metric": "", "value": 1, "at": "yesterday"},
            "not an object",
        )
        self.assertEqual(set(rows), {"1", "2", "3", "4"})
        self.assertEqual(set(rows["1"]), {"value"})
        self.assertEqual(set(rows["2"]), {"device"})
        self.assertEqual(set(rows["3"]), {"metric", "at"})
        self.assertEqual(set(rows["4"]), {"non_field_errors"})

    def test_it_rejects_nan_infinity_and_booleans(self) -> None:
        rows = self.rows(self.reading(math.nan), self.reading(math.inf), self.reading("-inf"), self.reading(True))
        self.assertEqual(set(rows), {"0", "1", "2", "3"})
        self.assertTrue(all(set(fields) == {"value"} for fields in rows.values()))

    def test_it_rejects_times_more_than_five_minutes_ahead(self) -> None:
        rows = self.rows(self.reading(0.3, at=T0 + 4 * MINUTE), self.reading(0.3, at=T0 + 6 * MINUTE))
        self.assertEqual(set(rows), {"1"})
        self.assertEqual(set(rows["1"]), {"at"})

    def test_it_reads_a_time_without_zone_in_the_companys_zone(self) -> None:
        self.ingest({"device": "pump-1", "metric": "pressure", "value": 0.3, "at": "2026-11-20T16:30:00"})
        self.assertEqual(Reading.objects.get().at, T0 - dt.timedelta(minutes=30))

    def test_it_refuses_other_companies_devices(self) -> None:
        rows = self.rows(self.reading(0.3, device="pump-9"))
        self.assertEqual(rows["0"]["device"][0].code, "does_not_exist")

    def test_a_project_gateway_reaches_only_its_projects_devices(self) -> None:
        gateway, _key = gateway_create(
            company=self.company, data={"name": "塔楼网关", "project": self.project2}, actor=self.admin
        )
        rows = self.rows(
            self.reading(0.3),
            {"device": "tank-a", "metric": "level", "value": 1, "at": T0.isoformat()},
            gateway=gateway,
        )
        self.assertEqual(set(rows), {"0"})

    def test_switched_off_devices_are_unknown(self) -> None:
        device_update(device=self.pump, data={"is_active": False}, actor=self.admin)
        self.assertIn("0", self.rows(self.reading(0.3)))

    def test_it_takes_one_to_a_thousand_readings(self) -> None:
        for readings in ([], [self.reading(0.3)] * 1001, None, {"device": "pump-1"}):
            with self.subTest(n=len(readings or [])), self.assertRaises(ValidationError) as caught:
                readings_ingest(gateway=self.gateway, readings=readings, now=T0)
            self.assertIn("readings", caught.exception.message_dict)
        self.assertEqual(self.ingest(*[self.reading(0.3, at=T0 - i * MINUTE) for i in range(1000)])["accepted"], 1000)


class EquipmentRuleTests(EquipmentTestCase):
    def test_a_reading_over_the_threshold_raises_one_alert_a_day(self) -> None:
        rule = self.equipment_rule()
        counts = self.ingest(self.reading(0.1, at=T0 - 2 * MINUTE), self.reading(0.05, at=T0 - MINUTE))
        self.assertEqual(counts["alerts"], 1)
        alert = Alert.objects.get()
        self.assertEqual((alert.rule, alert.kind, alert.severity), (rule, RuleKind.EQUIPMENT, Severity.HIGH))
        self.assertEqual(
            (alert.subject_type, alert.subject_id, alert.project_id), ("device", self.pump.pk, self.project.pk)
        )
        self.assertEqual(alert.dedup_key, f"eq:{self.pump.pk}:pressure:2026-11-20")
        self.assertEqual(alert.refs, [{"type": "device", "id": self.pump.pk}])
        self.assertEqual(alert.evidence["facts"]["value"], 0.1)
        self.assertEqual(alert.evidence["facts"]["threshold"], 0.2)
        self.assertIn("1号生活水泵", alert.evidence["summary"]["params"]["device"])
        # Later the same (local) day: the same alert, nothing new.
        self.assertEqual(
            self.ingest(self.reading(0.1, at=T0 + dt.timedelta(hours=6)), at=T0 + dt.timedelta(hours=6))["alerts"], 0
        )
        self.assertEqual(Alert.objects.count(), 1)
        # The next local day (00:30 in Shanghai): a new alert.
        next_day = dt.datetime(2026, 11, 20, 16, 30, tzinfo=dt.UTC)
        self.assertEqual(self.ingest(self.reading(0.1, at=next_day), at=next_day)["alerts"], 1)
        self.assertEqual(Alert.objects.count(), 2)

    def test_readings_within_the_threshold_raise_nothing(self) -> None:
        self.equipment_rule()
        self.ingest(self.reading(0.2), self.reading(0.5, at=T0 - MINUTE))
        self.assertFalse(Alert.objects.exists())

    def test_each_comparison_works(self) -> None:
        for op, value, fires in ((">", 5, True), (">=", 4, True), ("<", 4, False), ("<=", 4, True), (">", 4, False)):
            with self.subTest(op=op, value=value):
                Alert.objects.all().delete()
                AlertRule.objects.filter(kind=RuleKind.EQUIPMENT).delete()
                self.equipment_rule(metric="temp", op=op, value=4)
                self.ingest(self.reading(value, metric="temp"))
                self.assertEqual(Alert.objects.exists(), fires)

    def test_the_rule_filters_by_project_device_kind_and_code(self) -> None:
        self.equipment_rule("tanks", device_kind="tank")
        self.equipment_rule("pump-1 only", device_code="pump-1")
        rule = self.equipment_rule("tower only", device_kind="")
        AlertRule.objects.filter(pk=rule.pk).update(project=self.project2)
        self.ingest(self.reading(0.1))
        self.assertEqual(list(Alert.objects.values_list("rule__name", flat=True)), ["pump-1 only"])

    def test_other_metrics_and_switched_off_rules_are_ignored(self) -> None:
        rule = self.equipment_rule()
        self.ingest(self.reading(0.1, metric="temperature"))
        AlertRule.objects.filter(pk=rule.pk).update(is_active=False)
        self.ingest(self.reading(0.1, at=T0 - MINUTE))
        self.assertFalse(Alert.objects.exists())

    def test_a_rule_with_broken_parameters_is_skipped(self) -> None:
        self.equipment_rule(op="≈")
        self.assertEqual(self.ingest(self.reading(0.1))["accepted"], 1)
        self.assertFalse(Alert.objects.exists())

    def test_a_reading_back_within_the_threshold_resolves_the_alert(self) -> None:
        self.equipment_rule()
        self.ingest(self.reading(0.1, at=T0 - 10 * MINUTE))
        counts = self.ingest(self.reading(0.3, at=T0))
        self.assertEqual(counts["resolved"], 1)
        alert = Alert.objects.get()
        self.assertEqual(
            (alert.status, alert.resolution, alert.resolved_at), (AlertStatus.RESOLVED, Resolution.AUTO, T0)
        )

    def test_an_older_normal_reading_does_not_resolve(self) -> None:
        self.equipment_rule()
        self.ingest(self.reading(0.1, at=T0))
        self.assertEqual(self.ingest(self.reading(0.3, at=T0 - 10 * MINUTE))["resolved"], 0)
        self.assertEqual(Alert.objects.get().status, AlertStatus.OPEN)

    def test_a_batch_that_ends_normal_raises_and_resolves(self) -> None:
        self.equipment_rule()
        counts = self.ingest(
            self.reading(0.3, at=T0 - MINUTE),
            self.reading(0.1, at=T0 - 3 * MINUTE),
            self.reading(0.25, at=T0 - 2 * MINUTE),
        )
        self.assertEqual((counts["alerts"], counts["resolved"]), (1, 1))
        self.assertEqual(Alert.objects.get().status, AlertStatus.RESOLVED)

    def test_the_same_day_alert_reopens_when_the_value_drops_again(self) -> None:
        self.equipment_rule()
        self.ingest(self.reading(0.1, at=T0 - 20 * MINUTE))
        self.ingest(self.reading(0.3, at=T0 - 10 * MINUTE))
        counts = self.ingest(self.reading(0.1, at=T0))
        self.assertEqual(counts["alerts"], 1)
        alert = Alert.objects.get()
        self.assertEqual(alert.status, AlertStatus.OPEN)
        self.assertEqual(alert.events.filter(kind=AlertEventKind.REOPENED).count(), 1)

    def test_the_alert_reaches_the_projects_people(self) -> None:
        self.equipment_rule()
        self.ingest(self.reading(0.1))
        self.assertEqual(Alert.objects.get().owner, self.supervisor)


class EquipmentWorkOrderTests(EquipmentTestCase):
    def test_it_opens_one_work_order_per_alert(self) -> None:
        self.equipment_rule(open_work_order=True, category_code="water-leak", priority="P0")
        counts = self.ingest(self.reading(0.1, at=T0 - MINUTE))
        self.assertEqual(counts["work_orders"], 1)
        alert = Alert.objects.get()
        order = WorkOrder.objects.get(source_key=f"alert:{alert.pk}")
        self.assertEqual((order.project, order.building, order.area), (self.project, self.building, self.area))
        self.assertEqual((order.category.code, order.priority, order.source), ("water-leak", "p0", "system"))
        self.assertIn("1号生活水泵", order.description)
        self.assertIn({"type": "workorder", "id": order.pk}, alert.refs)
        self.assertIn({"type": "device", "id": self.pump.pk}, alert.refs)
        # More readings over the threshold, even after the alert cleared and came back: still one order.
        self.assertEqual(self.ingest(self.reading(0.05, at=T0))["work_orders"], 0)
        self.ingest(self.reading(0.3, at=T0 + MINUTE), at=T0 + MINUTE)
        self.assertEqual(self.ingest(self.reading(0.1, at=T0 + 2 * MINUTE), at=T0 + 2 * MINUTE)["work_orders"], 0)
        self.assertEqual(WorkOrder.objects.filter(source_key__startswith="alert:").count(), 1)

    def test_without_a_category_it_opens_a_repair_with_the_default_priority(self) -> None:
        self.equipment_rule(open_work_order=True)
        self.ingest(self.reading(0.1))
        order = WorkOrder.objects.get()
        self.assertEqual((order.kind, order.priority, order.category), ("repair", "p1", None))

    def test_no_work_order_unless_the_rule_asks(self) -> None:
        self.equipment_rule()
        self.ingest(self.reading(0.1))
        self.assertFalse(WorkOrder.objects.exists())
