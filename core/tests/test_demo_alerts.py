from io import StringIO

from django.core.management import call_command
from django.test import TestCase
from django_scopes import scopes_disabled

from accounts.models import User
from alerts.choices import AlertStatus, RuleKind
from alerts.models import Alert, Channel, Device, Reading
from core.models import Company


def demo_data() -> None:
    call_command("demo_data", stdout=StringIO(), stderr=StringIO())


class DemoAlertsTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        demo_data()
        cls.company = Company.objects.get(code="anju")

    def setUp(self) -> None:
        self.scope = scopes_disabled()
        self.scope.__enter__()
        self.addCleanup(self.scope.__exit__, None, None, None)

    def test_it_sets_up_channels_with_the_robot_switched_off(self):
        channels = {c.kind: c for c in Channel.objects.filter(company=self.company)}
        self.assertTrue(channels["email"].is_active)
        self.assertFalse(channels["wecom"].is_active)
        self.assertIn("EXAMPLE", channels["wecom"].url)

    def test_the_pump_dropped_below_its_limit_and_opened_an_order(self):
        pump = Device.objects.get(company=self.company, code="jx-pump-1")
        self.assertEqual(Reading.objects.filter(device__company=self.company).count(), 96)
        alert = Alert.objects.get(company=self.company, kind=RuleKind.EQUIPMENT)
        self.assertEqual((alert.subject_type, alert.subject_id), ("device", pump.pk))
        self.assertEqual(alert.status, AlertStatus.ACKNOWLEDGED)
        self.assertIn("workorder", {r["type"] for r in alert.refs})

    def test_the_engine_raised_alerts_from_the_demo(self):
        alerts = Alert.objects.filter(company=self.company)
        self.assertGreater(alerts.exclude(kind=RuleKind.EQUIPMENT).count(), 3)
        self.assertEqual(alerts.filter(status=AlertStatus.RESOLVED, resolution="manual").count(), 1)

    def test_the_alert_centre_shows_them(self):
        self.client.force_login(User.objects.get(username="quality"))
        response = self.client.get("/alerts/")
        self.assertEqual(response.status_code, 200)
        alert = Alert.objects.get(company=self.company, kind=RuleKind.EQUIPMENT)
        response = self.client.get(f"/alerts/{alert.pk}/")
        self.assertContains(response, "水泵房1号加压泵")

    def test_it_is_idempotent(self):
        counts = (Alert.objects.count(), Channel.objects.count(), Reading.objects.count())
        demo_data()
        self.assertEqual((Alert.objects.count(), Channel.objects.count(), Reading.objects.count()), counts)
