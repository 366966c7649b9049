"""Deliveries: which channels carry an alert, quiet hours, sending from the queue, retries with
backoff against a local HTTP server, and the alert staying intact whatever the channel does."""

import datetime as dt
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from unittest import mock

import time_machine
from django.core import mail
from django.db import transaction
from django_scopes import scopes_disabled

from accounts.models import User
from alerts.choices import RETRY_BACKOFF_SECONDS, AlertStatus, ChannelKind, DeliveryStatus, RuleKind, Severity
from alerts.models import Alert, Channel, Delivery, InboxItem
from alerts.services import alert_raise, alerts_escalate_due
from alerts.services.channels import channel_create
from alerts.services.delivery import (
    LEASE,
    deliveries_create,
    deliveries_send_due,
    delivery_send,
    quiet_until,
)
from alerts.tests.base import AlertsTestCase

T0 = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)  # 17:00 in Shanghai


#
# A local HTTP server standing in for a robot or a webhook receiver
#
class _Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        server = self.server
        server.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
        status, answer = server.answers.pop(0) if len(server.answers) > 1 else server.answers[0]
        payload = answer if isinstance(answer, bytes) else json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args) -> None:
        pass


class LocalServer:
    """Answers POSTs with ``answers`` in turn (the last one repeats) and records each request."""

    def __init__(self, *answers: tuple[int, object]) -> None:
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.httpd.requests, self.httpd.answers = [], list(answers) or [(200, {"errcode": 0, "errmsg": "ok"})]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}/hook"

    @property
    def requests(self) -> list[dict]:
        return self.httpd.requests

    def json(self, index: int = -1) -> dict:
        return json.loads(self.requests[index]["body"])

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join()


class DeliveryTestCase(AlertsTestCase):
    def setUp(self) -> None:
        self.scope = scopes_disabled()
        self.scope.__enter__()
        self.addCleanup(self.scope.__exit__, None, None, None)
        self.breach = self.rule(RuleKind.SLA_BREACH)  # high
        User.objects.filter(pk=self.supervisor.pk).update(email="supervisor@acme.example")

    def server(self, *answers) -> LocalServer:
        server = LocalServer(*answers)
        self.addCleanup(server.close)
        return server

    def channel(self, name="值班群", kind=ChannelKind.WEBHOOK, **data) -> Channel:
        if kind != ChannelKind.EMAIL:
            data.setdefault("url", "http://127.0.0.1:9/hook")
        data.setdefault("min_severity", Severity.LOW)
        return channel_create(company=self.company, data={"name": name, "kind": kind, **data}, actor=self.admin)

    def raise_(self, *, key="wo:1", at=T0, rule=None, **kw) -> Alert:
        kw.setdefault("project_id", self.project.pk)
        kw.setdefault("department_id", self.department.pk)
        return alert_raise(
            rule=rule or self.breach,
            dedup_key=key,
            subject_type="workorder",
            subject_id=1,
            refs=[("workorder", 1)],
            summary=("Order {code} is overdue", {"code": "WO-1"}),
            at=at,
            **kw,
        ).alert


class DeliveryCreateTests(DeliveryTestCase):
    def test_it_creates_one_delivery_per_matching_channel(self) -> None:
        first, second = self.channel("A"), self.channel("B", kind=ChannelKind.EMAIL)
        alert = self.raise_()
        rows = Delivery.objects.filter(alert=alert).order_by("channel_id")
        self.assertEqual([d.channel for d in rows], [first, second])
        self.assertTrue(all(d.event_key == "raised" and d.status == DeliveryStatus.PENDING for d in rows))
        self.assertTrue(all(d.next_attempt_at == T0 and d.created == T0 for d in rows))

    def test_it_is_idempotent_per_alert_channel_and_event(self) -> None:
        self.channel()
        alert = self.raise_()
        self.assertEqual(deliveries_create(alert=alert, event_key="raised", at=T0 + dt.timedelta(minutes=1)), [])
        self.assertEqual(Delivery.objects.filter(alert=alert).count(), 1)

    def test_it_skips_switched_off_channels_and_other_projects(self) -> None:
        self.channel("off", is_active=False)
        self.channel("tower", project=self.project2)
        mine = self.channel("garden", project=self.project)
        alert = self.raise_()
        self.assertEqual(list(Delivery.objects.filter(alert=alert).values_list("channel", flat=True)), [mine.pk])

    def test_it_skips_other_companies_channels(self) -> None:
        channel_create(
            company=self.other_company,
            data={"name": "他山", "kind": ChannelKind.WEBHOOK, "url": "http://127.0.0.1:9/", "min_severity": "low"},
            actor=self.outsider,
        )
        self.assertFalse(Delivery.objects.filter(alert=self.raise_()).exists())

    def test_it_filters_by_lowest_severity(self) -> None:
        self.channel("critical only", min_severity=Severity.CRITICAL)
        high = self.channel("high and up", min_severity=Severity.HIGH)
        alert = self.raise_()  # high
        self.assertEqual(list(Delivery.objects.filter(alert=alert).values_list("channel", flat=True)), [high.pk])
        critical = self.raise_(key="wo:2", severity=Severity.CRITICAL)
        self.assertEqual(Delivery.objects.filter(alert=critical).count(), 2)

    def test_it_filters_by_rule_kind(self) -> None:
        self.channel("keywords", rule_kinds=[RuleKind.KEYWORD])
        sla = self.channel("sla", rule_kinds=[RuleKind.SLA_BREACH, RuleKind.SLA_WARNING])
        alert = self.raise_()
        self.assertEqual(list(Delivery.objects.filter(alert=alert).values_list("channel", flat=True)), [sla.pk])

    def test_it_sends_escalations_only_on_channels_that_want_them(self) -> None:
        wants = self.channel("wants")
        self.channel("first message only", on_escalation=False)
        alert = self.raise_()
        self.assertEqual(Delivery.objects.filter(alert=alert, event_key="raised").count(), 2)
        alerts_escalate_due(now_at=alert.escalate_at)
        escalated = Delivery.objects.filter(alert=alert, event_key="escalated:1")
        self.assertEqual([d.channel_id for d in escalated], [wants.pk])

    def test_it_sends_a_reopened_alert_again(self) -> None:
        from alerts.services import alerts_auto_resolve

        self.channel(on_escalation=False)
        alert = self.raise_()
        alerts_auto_resolve(alert_ids=[alert.pk], at=T0 + dt.timedelta(hours=1))
        alert_raise(
            rule=self.breach,
            dedup_key="wo:1",
            subject_type="workorder",
            subject_id=1,
            project_id=self.project.pk,
            refs=[("workorder", 2)],
            at=T0 + dt.timedelta(hours=2),
        )
        keys = set(Delivery.objects.filter(alert=alert).values_list("event_key", flat=True))
        self.assertEqual(keys, {"raised", "reopened:1"})

    def test_it_queues_the_sends_after_commit(self) -> None:
        self.channel()
        with (
            mock.patch("django_q.tasks.async_task") as queue,
            self.captureOnCommitCallbacks(execute=True) as callbacks,
        ):
            alert = self.raise_()
        self.assertEqual(len(callbacks), 1)
        delivery = Delivery.objects.get(alert=alert)
        queue.assert_called_once_with(
            "alerts.services.delivery.delivery_send", delivery.pk, task_name=f"alert-delivery-{delivery.pk}"
        )

    def test_it_queues_nothing_when_the_transaction_rolls_back(self) -> None:
        self.channel()
        with mock.patch("django_q.tasks.async_task") as queue, self.captureOnCommitCallbacks(execute=True):
            try:
                with transaction.atomic():
                    self.raise_()
                    raise RuntimeError("rolled back")
            except RuntimeError:
                pass
        queue.assert_not_called()
        self.assertFalse(Delivery.objects.exists())


class QuietHoursTests(DeliveryTestCase):
    def night_channel(self, **data) -> Channel:
        return self.channel("夜间静默", quiet_start=dt.time(22, 0), quiet_end=dt.time(7, 0), **data)

    def test_it_defers_a_message_in_quiet_hours_to_their_end(self) -> None:
        self.night_channel()
        at = dt.datetime(2026, 11, 20, 15, 30, tzinfo=dt.UTC)  # 23:30 in Shanghai
        delivery = Delivery.objects.get(alert=self.raise_(at=at))
        self.assertEqual(delivery.status, DeliveryStatus.DEFERRED)
        self.assertEqual(delivery.next_attempt_at, dt.datetime(2026, 11, 20, 23, 0, tzinfo=dt.UTC))  # 07:00 local

    def test_it_handles_the_window_after_midnight(self) -> None:
        self.night_channel()
        at = dt.datetime(2026, 11, 20, 20, 0, tzinfo=dt.UTC)  # 04:00 on the 21st in Shanghai
        delivery = Delivery.objects.get(alert=self.raise_(at=at))
        self.assertEqual(delivery.next_attempt_at, dt.datetime(2026, 11, 20, 23, 0, tzinfo=dt.UTC))

    def test_it_sends_at_once_outside_quiet_hours(self) -> None:
        self.night_channel()
        delivery = Delivery.objects.get(alert=self.raise_(at=T0))  # 17:00 local
        self.assertEqual((delivery.status, delivery.next_attempt_at), (DeliveryStatus.PENDING, T0))

    def test_the_end_of_the_window_is_not_quiet(self) -> None:
        channel = self.night_channel()
        zone = self.company.zone
        seven = dt.datetime(2026, 11, 21, 7, 0, tzinfo=zone)
        self.assertIsNone(quiet_until(channel, at=seven, zone=zone))
        self.assertEqual(quiet_until(channel, at=seven - dt.timedelta(seconds=1), zone=zone), seven)
        ten = dt.datetime(2026, 11, 20, 22, 0, tzinfo=zone)
        self.assertEqual(quiet_until(channel, at=ten, zone=zone), seven)

    def test_it_handles_a_window_inside_one_day(self) -> None:
        channel = self.channel("午休", quiet_start=dt.time(12, 0), quiet_end=dt.time(14, 0))
        zone = self.company.zone
        noon = dt.datetime(2026, 11, 20, 12, 30, tzinfo=zone)
        self.assertEqual(quiet_until(channel, at=noon, zone=zone), dt.datetime(2026, 11, 20, 14, 0, tzinfo=zone))
        self.assertIsNone(quiet_until(channel, at=noon + dt.timedelta(hours=2), zone=zone))
        self.assertIsNone(quiet_until(channel, at=noon - dt.timedelta(hours=1), zone=zone))

    def test_critical_alerts_pass_quiet_hours(self) -> None:
        self.night_channel()
        at = dt.datetime(2026, 11, 20, 15, 30, tzinfo=dt.UTC)
        delivery = Delivery.objects.get(alert=self.raise_(at=at, severity=Severity.CRITICAL))
        self.assertEqual((delivery.status, delivery.next_attempt_at), (DeliveryStatus.PENDING, at))

    def test_the_sweep_sends_deferred_messages_when_quiet_hours_end(self) -> None:
        server = self.server()
        self.night_channel(url=server.url)
        at = dt.datetime(2026, 11, 20, 15, 30, tzinfo=dt.UTC)
        alert = self.raise_(at=at)
        self.assertEqual(deliveries_send_due(now=at + dt.timedelta(hours=1)), 0)
        self.assertEqual(server.requests, [])
        end = dt.datetime(2026, 11, 20, 23, 0, tzinfo=dt.UTC)
        with time_machine.travel(end, tick=False):
            self.assertEqual(deliveries_send_due(now=end), 1)
        self.assertEqual(server.json()["id"], alert.pk)
        self.assertEqual(Delivery.objects.get().status, DeliveryStatus.SENT)


class DeliverySendTests(DeliveryTestCase):
    def delivery(self, server: LocalServer, kind=ChannelKind.WEBHOOK, **data) -> Delivery:
        self.channel(kind=kind, url=server.url, **data)
        return Delivery.objects.get(alert=self.raise_())

    def send(self, delivery: Delivery, at: dt.datetime) -> str:
        with time_machine.travel(at, tick=False):
            return delivery_send(delivery.pk)

    def test_it_sends_and_records_the_answer(self) -> None:
        server = self.server((204, b""))
        delivery = self.delivery(server)
        self.assertEqual(self.send(delivery, T0), DeliveryStatus.SENT)
        delivery.refresh_from_db()
        self.assertEqual((delivery.status, delivery.attempts, delivery.response_code), ("sent", 1, 204))
        self.assertEqual((delivery.sent_at, delivery.next_attempt_at, delivery.last_error), (T0, None, ""))
        self.assertEqual(server.requests[0]["headers"]["User-Agent"], "pinzhi")
        self.assertEqual(server.requests[0]["headers"]["X-Pinzhi-Event"], "raised")

    def test_it_sends_a_delivery_only_once(self) -> None:
        server = self.server()
        delivery = self.delivery(server)
        self.assertEqual(self.send(delivery, T0), DeliveryStatus.SENT)
        self.assertEqual(self.send(delivery, T0 + dt.timedelta(minutes=1)), "skipped")
        self.assertEqual(len(server.requests), 1)

    def test_a_claimed_delivery_is_skipped_by_a_second_worker(self) -> None:
        server = self.server()
        delivery = self.delivery(server)
        Delivery.objects.filter(pk=delivery.pk).update(attempts=1, next_attempt_at=T0 + LEASE)  # taken
        self.assertEqual(self.send(delivery, T0 + dt.timedelta(seconds=30)), "skipped")
        self.assertEqual(server.requests, [])
        # A worker that died mid-send: the lease runs out and the sweep takes it again.
        self.assertEqual(self.send(delivery, T0 + LEASE), DeliveryStatus.SENT)
        self.assertEqual(Delivery.objects.get().attempts, 2)

    def test_it_retries_a_failing_webhook_with_backoff_then_sends(self) -> None:
        server = self.server((500, b"oops"), (200, {"ok": True}))
        delivery = self.delivery(server)
        self.assertEqual(self.send(delivery, T0), DeliveryStatus.RETRYING)
        delivery.refresh_from_db()
        self.assertEqual((delivery.status, delivery.attempts, delivery.response_code), ("retrying", 1, 500))
        self.assertEqual(delivery.next_attempt_at, T0 + dt.timedelta(seconds=RETRY_BACKOFF_SECONDS[0]))
        self.assertIn("HTTP 500", delivery.last_error)
        # Not due yet: the sweep leaves it.
        self.assertEqual(deliveries_send_due(now=T0 + dt.timedelta(seconds=30)), 0)
        retry_at = delivery.next_attempt_at
        with time_machine.travel(retry_at, tick=False):
            self.assertEqual(deliveries_send_due(now=retry_at), 1)
        delivery.refresh_from_db()
        self.assertEqual((delivery.status, delivery.attempts, delivery.response_code), ("sent", 2, 200))
        self.assertEqual(len(server.requests), 2)

    def test_it_fails_after_the_last_attempt_and_keeps_the_alert(self) -> None:
        server = self.server((503, b"down"))
        delivery = self.delivery(server)
        at = T0
        for backoff in RETRY_BACKOFF_SECONDS:
            self.assertEqual(self.send(delivery, at), DeliveryStatus.RETRYING)
            delivery.refresh_from_db()
            self.assertEqual(delivery.next_attempt_at, at + dt.timedelta(seconds=backoff))
            at = delivery.next_attempt_at
        self.assertEqual(self.send(delivery, at), DeliveryStatus.FAILED)
        delivery.refresh_from_db()
        self.assertEqual(delivery.status, DeliveryStatus.FAILED)
        self.assertEqual(delivery.attempts, len(RETRY_BACKOFF_SECONDS) + 1)
        self.assertIsNone(delivery.next_attempt_at)
        self.assertEqual(len(server.requests), len(RETRY_BACKOFF_SECONDS) + 1)
        alert = Alert.objects.get()
        self.assertEqual(alert.status, AlertStatus.OPEN)
        self.assertTrue(InboxItem.objects.filter(alert=alert, user=self.supervisor).exists())
        self.assertEqual(deliveries_send_due(now=at + dt.timedelta(days=1)), 0)

    def test_it_treats_a_robot_errcode_as_a_failure(self) -> None:
        server = self.server((200, {"errcode": 310000, "errmsg": "sign not match"}), (200, {"errcode": 0}))
        delivery = self.delivery(server, kind=ChannelKind.DINGTALK, secret="SECabc")
        self.assertEqual(self.send(delivery, T0), DeliveryStatus.RETRYING)
        delivery.refresh_from_db()
        self.assertEqual(delivery.response_code, 200)
        self.assertEqual(delivery.last_error, "errcode 310000: sign not match")
        at = delivery.next_attempt_at
        self.assertEqual(self.send(delivery, at), DeliveryStatus.SENT)

    def test_it_treats_a_wecom_answer_without_errcode_zero_as_a_failure(self) -> None:
        server = self.server((200, {"errcode": 93000, "errmsg": "invalid webhook url"}))
        delivery = self.delivery(server, kind=ChannelKind.WECOM)
        self.assertEqual(self.send(delivery, T0), DeliveryStatus.RETRYING)
        self.assertIn("93000", Delivery.objects.get().last_error)

    def test_an_unreachable_address_is_retried(self) -> None:
        server = self.server()
        url = server.url
        server.close()  # nothing listens there any more
        self.channel(url=url)
        delivery = Delivery.objects.get(alert=self.raise_())
        self.assertEqual(self.send(delivery, T0), DeliveryStatus.RETRYING)
        delivery.refresh_from_db()
        self.assertIsNone(delivery.response_code)
        self.assertTrue(delivery.last_error)

    def test_a_message_that_cannot_be_built_is_recorded_and_retried(self) -> None:
        server = self.server()
        delivery = self.delivery(server)
        with mock.patch("alerts.channels.message_for_alert", side_effect=KeyError("params")):
            self.assertEqual(self.send(delivery, T0), DeliveryStatus.RETRYING)
        self.assertIn("KeyError", Delivery.objects.get().last_error)
        self.assertEqual(server.requests, [])

    def test_a_switched_off_channel_fails_its_pending_deliveries(self) -> None:
        server = self.server()
        delivery = self.delivery(server)
        Channel.objects.filter(pk=delivery.channel_id).update(is_active=False)
        self.assertEqual(self.send(delivery, T0), DeliveryStatus.FAILED)
        self.assertEqual(server.requests, [])

    def test_it_e_mails_the_owner_and_the_listed_addresses(self) -> None:
        self.channel("邮件", kind=ChannelKind.EMAIL, emails="qm@acme.example, duty@acme.example")
        delivery = Delivery.objects.get(alert=self.raise_())
        self.assertEqual(self.send(delivery, T0), DeliveryStatus.SENT)
        (message,) = mail.outbox
        self.assertEqual(message.to, ["duty@acme.example", "qm@acme.example", "supervisor@acme.example"])
        self.assertIn("WO-1", message.body)
        self.assertIn("/alerts/", message.body)
        self.assertIsNone(Delivery.objects.get().response_code)

    def test_an_e_mail_with_nobody_to_send_to_fails_at_once(self) -> None:
        User.objects.filter(pk=self.supervisor.pk).update(email="")
        self.channel("邮件", kind=ChannelKind.EMAIL)
        delivery = Delivery.objects.get(alert=self.raise_())
        self.assertEqual(self.send(delivery, T0), DeliveryStatus.FAILED)
        self.assertIn("no recipients", Delivery.objects.get().last_error)
        self.assertEqual(mail.outbox, [])

    def test_the_sweep_sends_oldest_first_and_in_batches(self) -> None:
        server = self.server()
        self.channel(url=server.url)
        first = self.raise_(key="wo:1", at=T0)
        second = self.raise_(key="wo:2", at=T0 - dt.timedelta(minutes=5))
        with time_machine.travel(T0, tick=False):
            self.assertEqual(deliveries_send_due(now=T0, batch=1), 1)
            self.assertEqual(server.json()["id"], second.pk)
            self.assertEqual(deliveries_send_due(now=T0), 1)
        self.assertEqual(server.json()["id"], first.pk)

    def test_the_task_queue_job_runs_the_sweep(self) -> None:
        from alerts.tasks import deliver_due

        server = self.server()
        self.channel(url=server.url)
        self.raise_()
        with time_machine.travel(T0, tick=False):
            self.assertEqual(deliver_due(now=T0), 1)
        self.assertEqual(len(server.requests), 1)
