"""Channels: configuration (validation, permissions), the message formats of each kind (WeCom,
DingTalk with its signature, generic JSON with its HMAC, e-mail) and the test message."""

import base64
import datetime as dt
import hashlib
import hmac
import json
import urllib.parse

from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import override_settings
from django.utils import translation
from django_scopes import scopes_disabled

from alerts.channels import dingtalk, message_for_alert, message_for_test, wecom
from alerts.channels import mail as mail_format
from alerts.channels import webhook as generic
from alerts.channels.message import Message
from alerts.choices import ChannelKind, Level, RuleKind, Severity
from alerts.services import alert_raise
from alerts.services.channels import (
    CHANNEL_QUIET_BOTH,
    CHANNEL_URL_REQUIRED,
    channel_create,
    channel_test,
    channel_update,
)
from alerts.tests.base import AlertsTestCase
from alerts.tests.test_delivery import LocalServer

T0 = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)  # 17:00 in Shanghai


class ChannelsTestCase(AlertsTestCase):
    def setUp(self) -> None:
        self.scope = scopes_disabled()
        self.scope.__enter__()
        self.addCleanup(self.scope.__exit__, None, None, None)

    def create(self, actor=None, **data):
        data = {"name": "值班群", "kind": ChannelKind.WECOM, "url": "https://qyapi.weixin.qq.com/x?key=k", **data}
        return channel_create(company=self.company, data=data, actor=actor or self.admin)

    def server(self, *answers) -> LocalServer:
        server = LocalServer(*answers)
        self.addCleanup(server.close)
        return server


class ChannelConfigTests(ChannelsTestCase):
    def errors(self, **data) -> dict:
        with translation.override("en"), self.assertRaises(ValidationError) as caught:
            self.create(**data)
        return caught.exception.message_dict

    def test_it_creates_a_channel(self) -> None:
        channel = self.create(rule_kinds=[RuleKind.KEYWORD, RuleKind.KEYWORD, RuleKind.SLA_BREACH])
        self.assertEqual(channel.company, self.company)
        self.assertEqual(channel.rule_kinds, [RuleKind.KEYWORD, RuleKind.SLA_BREACH])

    def test_a_webhook_channel_needs_an_http_address(self) -> None:
        for kind in (ChannelKind.WECOM, ChannelKind.DINGTALK, ChannelKind.WEBHOOK):
            self.assertEqual(self.errors(kind=kind, url="")["url"], [str(CHANNEL_URL_REQUIRED)])
        self.assertIn("url", self.errors(url="ftp://example.com/hook"))

    def test_an_e_mail_channel_needs_no_address_and_keeps_none(self) -> None:
        channel = self.create(kind=ChannelKind.EMAIL, url="https://example.com/", secret="x")
        self.assertEqual((channel.url, channel.secret), ("", ""))

    def test_it_parses_and_checks_the_e_mail_addresses(self) -> None:
        channel = self.create(kind=ChannelKind.EMAIL, emails="QM@acme.example，duty@acme.example\nqm@acme.example")
        self.assertEqual(channel.emails, "qm@acme.example\nduty@acme.example")
        self.assertIn(
            "not-an-address", self.errors(name="x", kind=ChannelKind.EMAIL, emails="a@b.cn not-an-address")["emails"][0]
        )

    def test_quiet_hours_need_both_ends(self) -> None:
        self.assertEqual(self.errors(quiet_start=dt.time(22))["quiet_end"], [str(CHANNEL_QUIET_BOTH)])
        self.assertIn("quiet_start", self.errors(quiet_end=dt.time(7)))
        self.assertIn("quiet_end", self.errors(quiet_start=dt.time(7), quiet_end=dt.time(7)))

    def test_rule_kinds_must_exist(self) -> None:
        self.assertIn("rule_kinds", self.errors(rule_kinds=["keyword", "astrology"]))
        self.assertIn("rule_kinds", self.errors(rule_kinds="keyword"))

    def test_the_name_is_unique_in_the_company(self) -> None:
        self.create()
        self.assertIn("name", self.errors())

    def test_the_project_must_be_the_companys(self) -> None:
        self.assertIn("project", self.errors(project=self.other_project))

    def test_it_refuses_unknown_fields(self) -> None:
        with self.assertRaises(ValueError):
            self.create(company=self.other_company)

    def test_it_updates_and_keeps_the_secret_unless_given(self) -> None:
        channel = self.create(kind=ChannelKind.DINGTALK, secret="SECold")
        channel = channel_update(channel=channel, data={"name": "钉钉群", "min_severity": "high"}, actor=self.quality)
        channel.refresh_from_db()
        self.assertEqual((channel.name, channel.secret, channel.min_severity), ("钉钉群", "SECold", "high"))
        channel_update(channel=channel, data={"secret": ""}, actor=self.quality)
        channel.refresh_from_db()
        self.assertEqual(channel.secret, "")

    def test_the_quality_manager_may_configure(self) -> None:
        self.assertEqual(self.create(actor=self.quality).name, "值班群")

    def test_others_may_not_configure(self) -> None:
        for actor in (self.viewer, self.supervisor, self.manager, self.staff, self.outsider, self.owner):
            with self.subTest(actor=actor.username), self.assertRaises(PermissionDenied):
                self.create(actor=actor)
        channel = self.create()
        for actor in (self.viewer, self.supervisor, self.outsider):
            with self.subTest(actor=actor.username), self.assertRaises(PermissionDenied):
                channel_update(channel=channel, data={"name": "x"}, actor=actor)
            with self.subTest(actor=actor.username), self.assertRaises(PermissionDenied):
                channel_test(channel=channel, actor=actor)


class FormatTestCase(ChannelsTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.alert = alert_raise(
            rule=self.rule(RuleKind.SLA_BREACH),
            dedup_key="wo:1",
            subject_type="workorder",
            subject_id=7,
            project_id=self.project.pk,
            department_id=self.department.pk,
            refs=[("workorder", 7)],
            summary=("Order {code} is overdue", {"code": "WO-7"}),
            at=T0,
        ).alert

    def message(self, event_key="raised") -> Message:
        return message_for_alert(self.alert, event_key=event_key, at=T0)


class MessageTests(FormatTestCase):
    def test_it_builds_the_message_in_chinese(self) -> None:
        message = self.message()
        with translation.override("zh-hans"):
            severity = str(Severity.HIGH.label)
            level = str(Level.SUPERVISOR.label)
        labels = dict(message.lines)
        self.assertIn(severity, message.title)
        self.assertIn(severity, labels.values())
        self.assertIn(level, labels.values())
        self.assertIn(self.project.name, labels.values())
        self.assertIn("2026-11-20 17:00", labels.values())  # in the company's zone
        self.assertIn("WO-7", message.summary)

    def test_it_names_the_escalation_level(self) -> None:
        message = self.message("escalated:2")
        with translation.override("zh-hans"):
            level = str(Level.QUALITY_MANAGER.label)
        self.assertIn(level, message.title)

    def test_the_generic_body_describes_the_alert(self) -> None:
        data = self.message().data
        self.assertEqual(data["id"], self.alert.pk)
        self.assertEqual(
            (data["kind"], data["severity"], data["status"], data["level"]), ("sla_breach", "high", "open", 0)
        )
        self.assertEqual(data["project"], {"id": self.project.pk, "name": self.project.name})
        self.assertEqual(data["subject"], {"type": "workorder", "id": 7})
        self.assertEqual(data["refs"], [{"type": "workorder", "id": 7}])
        self.assertEqual(data["event_key"], "raised")
        self.assertEqual(data["time"], "2026-11-20T17:00:00+08:00")
        self.assertTrue(data["url"].endswith(f"/alerts/{self.alert.pk}/"))
        self.assertIn("WO-7", data["summary"])

    @override_settings(SITE_URL="https://pinzhi.example.com/")
    def test_links_are_absolute_when_the_site_address_is_set(self) -> None:
        self.assertTrue(self.message().url.startswith("https://pinzhi.example.com/alerts/"))


class WeComFormatTests(FormatTestCase):
    def test_it_posts_markdown(self) -> None:
        payload = wecom.payload(self.message())
        self.assertEqual(set(payload), {"msgtype", "markdown"})
        self.assertEqual(payload["msgtype"], "markdown")
        content = payload["markdown"]["content"]
        self.assertTrue(content.startswith("### "))
        self.assertIn("WO-7", content)
        self.assertIn('<font color="warning">', content)  # a high alert stands out
        self.assertIn(f"/alerts/{self.alert.pk}/)", content)

    def test_it_stays_within_4096_bytes(self) -> None:
        message = self.message()
        long = Message(**{**message.__dict__, "lines": message.lines * 60})
        content = wecom.payload(long)["markdown"]["content"]
        self.assertLessEqual(len(content.encode()), wecom.CONTENT_MAX_BYTES)
        self.assertIn(f"/alerts/{self.alert.pk}/)", content)

    def test_it_sends_to_the_robot(self) -> None:
        server = self.server((200, {"errcode": 0, "errmsg": "ok"}))
        channel = self.create(url=server.url + "?key=abc")
        result = wecom.send(channel, self.message())
        self.assertTrue(result.ok)
        self.assertEqual(server.requests[0]["path"], "/hook?key=abc")
        self.assertEqual(server.json(), wecom.payload(self.message()))
        self.assertEqual(server.requests[0]["headers"]["Content-Type"], "application/json; charset=utf-8")


class DingTalkFormatTests(FormatTestCase):
    def test_it_posts_markdown_with_a_title(self) -> None:
        message = self.message()
        payload = dingtalk.payload(message)
        self.assertEqual(payload["msgtype"], "markdown")
        self.assertEqual(payload["markdown"]["title"], message.title)
        self.assertIn("WO-7", payload["markdown"]["text"])
        self.assertIn("\n\n", payload["markdown"]["text"])

    def test_it_signs_like_dingtalk_says(self) -> None:
        secret, timestamp = "SEC0123456789abcdef", 1763629200000
        # DingTalk's own recipe: HmacSHA256(key=secret, msg=f"{timestamp}\n{secret}"), Base64, URL-encoded.
        digest = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
        expected = urllib.parse.quote_plus(base64.b64encode(digest).decode())
        self.assertEqual(dingtalk.sign(secret, timestamp), expected)
        url = dingtalk.signed_url("https://oapi.dingtalk.com/robot/send?access_token=t", secret, timestamp_ms=timestamp)
        self.assertEqual(
            url, f"https://oapi.dingtalk.com/robot/send?access_token=t&timestamp={timestamp}&sign={expected}"
        )
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)
        self.assertEqual(query["sign"], [base64.b64encode(digest).decode()])

    def test_it_sends_unsigned_without_a_secret(self) -> None:
        self.assertEqual(dingtalk.signed_url("https://x/robot?access_token=t", ""), "https://x/robot?access_token=t")

    def test_it_sends_signed_to_the_robot(self) -> None:
        server = self.server((200, {"errcode": 0, "errmsg": "ok"}))
        channel = self.create(kind=ChannelKind.DINGTALK, url=server.url + "?access_token=t", secret="SECxyz")
        self.assertTrue(dingtalk.send(channel, self.message()).ok)
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(server.requests[0]["path"]).query)
        timestamp = int(query["timestamp"][0])
        digest = hmac.new(b"SECxyz", f"{timestamp}\nSECxyz".encode(), hashlib.sha256).digest()
        self.assertEqual(query["sign"], [base64.b64encode(digest).decode()])
        self.assertEqual(query["access_token"], ["t"])


class GenericWebhookTests(FormatTestCase):
    def test_it_signs_the_body_with_the_secret(self) -> None:
        server = self.server((202, b""))
        channel = self.create(kind=ChannelKind.WEBHOOK, url=server.url, secret="s3cret")
        result = generic.send(channel, self.message())
        self.assertEqual((result.ok, result.code), (True, 202))
        request = server.requests[0]
        expected = hmac.new(b"s3cret", request["body"], hashlib.sha256).hexdigest()
        self.assertEqual(request["headers"]["X-Pinzhi-Signature"], f"sha256={expected}")
        self.assertEqual(json.loads(request["body"])["id"], self.alert.pk)

    def test_it_sends_no_signature_without_a_secret(self) -> None:
        server = self.server((200, b"{}"))
        channel = self.create(kind=ChannelKind.WEBHOOK, url=server.url)
        self.assertTrue(generic.send(channel, self.message()).ok)
        self.assertNotIn("X-Pinzhi-Signature", server.requests[0]["headers"])

    def test_only_2xx_is_success(self) -> None:
        server = self.server((404, b"not here"))
        channel = self.create(kind=ChannelKind.WEBHOOK, url=server.url)
        result = generic.send(channel, self.message())
        self.assertEqual((result.ok, result.code), (False, 404))
        self.assertIn("not here", result.error)


class EmailFormatTests(FormatTestCase):
    def test_the_body_lists_the_facts_and_the_link(self) -> None:
        body = mail_format.body(self.message())
        self.assertIn("WO-7", body)
        self.assertIn(self.project.name, body)
        self.assertIn(f"/alerts/{self.alert.pk}/", body)


class ChannelTestMessageTests(ChannelsTestCase):
    def test_it_reports_success(self) -> None:
        server = self.server((200, {"errcode": 0, "errmsg": "ok"}))
        channel = self.create(url=server.url)
        self.assertEqual(channel_test(channel=channel, actor=self.admin), (True, ""))
        self.assertIn(channel.name, server.json()["markdown"]["content"])

    def test_it_reports_the_robots_error(self) -> None:
        server = self.server((200, {"errcode": 93000, "errmsg": "invalid webhook url"}))
        channel = self.create(url=server.url)
        ok, error = channel_test(channel=channel, actor=self.quality)
        self.assertFalse(ok)
        self.assertEqual(error, "errcode 93000: invalid webhook url")

    def test_it_reports_an_unreachable_address(self) -> None:
        server = self.server()
        channel = self.create(kind=ChannelKind.WEBHOOK, url=server.url)
        server.close()
        ok, error = channel_test(channel=channel, actor=self.admin)
        self.assertFalse(ok)
        self.assertTrue(error)

    def test_it_e_mails_the_listed_addresses_and_the_tester(self) -> None:
        self.admin.email = "admin@acme.example"
        channel = self.create(kind=ChannelKind.EMAIL, emails="duty@acme.example")
        self.assertEqual(channel_test(channel=channel, actor=self.admin), (True, ""))
        self.assertEqual(mail.outbox[0].to, ["admin@acme.example", "duty@acme.example"])

    def test_the_test_message_is_marked_as_a_test(self) -> None:
        channel = self.create(kind=ChannelKind.WEBHOOK, url="https://example.com/hook")
        data = message_for_test(channel).data
        self.assertTrue(data["test"])
        self.assertIsNone(data["id"])
        self.assertEqual(data["event_key"], "test")
