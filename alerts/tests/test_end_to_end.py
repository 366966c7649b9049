"""One alert from start to end, through the real services and jobs: an owner's report in traditional
characters fires the life-safety keyword rule, reaches the supervisor's inbox and the duty group's
WeCom robot (a local HTTP server that fails once), escalates on time, and resolves when the order
is closed."""

import datetime as dt

from django_scopes import scopes_disabled

from alerts.choices import AlertStatus, ChannelKind, DeliveryStatus, Level, Resolution, RuleKind, Severity
from alerts.models import Alert, Delivery, InboxItem
from alerts.services import alerts_escalate_due
from alerts.services.channels import channel_create
from alerts.services.delivery import deliveries_send_due, delivery_send
from alerts.tests.rules_fixtures import MINUTE, T0, RulesTestCase
from alerts.tests.test_delivery import LocalServer

OK = (200, {"errcode": 0, "errmsg": "ok"})


class LifeSafetyAlertTests(RulesTestCase):
    def setUp(self) -> None:
        self.scope = scopes_disabled()
        self.scope.__enter__()
        self.addCleanup(self.scope.__exit__, None, None, None)
        self.robot = LocalServer((500, {"errcode": -1, "errmsg": "busy"}), OK)
        self.addCleanup(self.robot.close)
        self.channel = channel_create(
            company=self.company,
            data={"name": "值班群", "kind": ChannelKind.WECOM, "url": self.robot.url, "min_severity": Severity.HIGH},
            actor=self.admin,
        )

    def test_it_fires_once_reaches_the_right_people_escalates_and_resolves(self) -> None:
        order = self.report(description="電梯困人，裡面有老人和小孩，請馬上處理")  # traditional characters
        first = T0 + MINUTE
        totals = self.evaluate(first)
        self.assertGreaterEqual(totals["raised"], 1)
        alert = Alert.objects.get(kind=RuleKind.KEYWORD, rule__params__tier="L0")
        self.assertEqual((alert.severity, alert.owner, alert.level), (Severity.CRITICAL, self.supervisor, 0))
        self.assertIn({"type": "workorder", "id": order.pk}, alert.refs)
        self.assertIn("电梯困人", self.summary(alert))
        self.assertTrue(InboxItem.objects.filter(alert=alert, user=self.supervisor).exists())

        # Once: a second pass over the same minute raises nothing and sends nothing new.
        self.assertEqual(self.evaluate(first + MINUTE)["raised"], 0)
        raised = Delivery.objects.get(alert=alert, channel=self.channel)
        self.assertEqual(raised.event_key, "raised")

        # The robot fails, then the retry after the backoff gets through.
        self.assertEqual(delivery_send(raised.pk, at=first), DeliveryStatus.RETRYING)
        self.assertEqual(deliveries_send_due(now=first + dt.timedelta(seconds=30)), 0)  # not due yet
        self.assertEqual(deliveries_send_due(now=first + dt.timedelta(seconds=61)), 1)
        raised.refresh_from_db()
        self.assertEqual((raised.status, raised.attempts), (DeliveryStatus.SENT, 2))
        content = self.robot.json()["markdown"]["content"]
        self.assertIn("电梯困人", content)
        self.assertIn(f"/alerts/{alert.pk}/", content)

        # Critical: unacknowledged for 15 minutes, it climbs to the project manager.
        self.assertEqual(alerts_escalate_due(now_at=first + dt.timedelta(minutes=14)), 0)
        self.assertEqual(alerts_escalate_due(now_at=first + dt.timedelta(minutes=15)), 1)
        alert.refresh_from_db()
        self.assertEqual((alert.level, alert.owner), (Level.PROJECT_MANAGER, self.manager))
        self.assertTrue(InboxItem.objects.filter(alert=alert, user=self.manager).exists())
        escalated = Delivery.objects.get(alert=alert, event_key="escalated:1")
        self.assertEqual(delivery_send(escalated.pk, at=first + dt.timedelta(minutes=15)), DeliveryStatus.SENT)

        # The order is dealt with and closed: the next pass resolves the alert.
        later = first + dt.timedelta(hours=2)
        self.close(self.complete(order, when=later), when=later)
        self.evaluate(later + MINUTE)
        alert.refresh_from_db()
        self.assertEqual((alert.status, alert.resolution), (AlertStatus.RESOLVED, Resolution.AUTO))
        self.assertIsNone(alert.escalate_at)
        self.assertEqual(alerts_escalate_due(now_at=later + dt.timedelta(days=1)), 0)
