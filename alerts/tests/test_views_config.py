"""The alert set-up pages: rules (/alerts/rules/), channels (/alerts/channels/), devices
(/alerts/devices/) and gateways (/alerts/gateways/); who may read and who may change them."""

import datetime as dt
from unittest import mock

from django.utils import timezone
from django_scopes import scopes_disabled

from alerts.choices import RuleKind, Severity
from alerts.models import AlertRule, Channel, Device, Gateway, Reading
from alerts.services import channels as channel_services
from alerts.services import devices as device_services
from alerts.services.config import rule_create
from alerts.tests.ui_base import AlertsUiTestCase


class ConfigViewTestCase(AlertsUiTestCase):
    def setUp(self) -> None:
        self.english()

    def fetch(self, model, **lookup):
        with scopes_disabled():
            return model.objects.get(**lookup)


def rule_post(**overrides) -> dict:
    data = {
        "name": "水泵房压力低",
        "project": "",
        "severity": Severity.HIGH,
        "escalate_pm_minutes": "30",
        "escalate_qm_minutes": "60",
        "is_active": "on",
        "metric": "pressure",
        "op": "<",
        "value": "0.2",
        "device_kind": "pump",
        "device_code": "",
        "category_code": "water-supply",
        "priority": "P1",
        "open_work_order": "on",
    }
    return {**data, **overrides}


#
# Rules
#
class RuleListTests(ConfigViewTestCase):
    def test_it_lists_the_rules_by_kind(self) -> None:
        self.login(self.viewer)
        response = self.client.get("/alerts/rules/")
        self.assertContains(response, '<div class="card-header fw-semibold">Keyword tier</div>', html=True)
        # The default rules are named in Chinese when seeded (data, not UI): 关键词 L0：生命安全.
        self.assertContains(response, self.rule(RuleKind.KEYWORD, tier="L0").name)
        self.assertNotContains(response, "/toggle/")  # readers see the state, not the switch
        self.assertNotContains(response, "/alerts/rules/new/")

    def test_it_offers_the_switch_and_new_rules_to_configurers(self) -> None:
        self.login(self.quality)
        response = self.client.get("/alerts/rules/")
        rule = self.rule(RuleKind.SLA_WARNING)
        self.assertContains(response, f'hx-post="/alerts/rules/{rule.pk}/toggle/"')
        self.assertContains(response, "/alerts/rules/new/")

    def test_it_refuses_staff_and_hides_other_companies(self) -> None:
        self.login(self.staff)
        self.assertEqual(self.client.get("/alerts/rules/").status_code, 403)
        self.login(self.outsider)
        response = self.client.get("/alerts/rules/")
        self.assertEqual(response.status_code, 200)
        rule = self.rule(RuleKind.SLA_WARNING)
        self.assertNotContains(response, f"/alerts/rules/{rule.pk}/")
        self.assertEqual(self.client.get(f"/alerts/rules/{rule.pk}/").status_code, 404)
        self.assertEqual(self.client.post(f"/alerts/rules/{rule.pk}/toggle/").status_code, 404)

    def test_it_filters_by_kind(self) -> None:
        self.login(self.quality)
        response = self.client.get("/alerts/rules/", {"kind": RuleKind.HOTSPOT})
        self.assertContains(response, self.rule(RuleKind.HOTSPOT).name)
        self.assertNotContains(response, self.rule(RuleKind.KEYWORD, tier="L0").name)


class RuleToggleTests(ConfigViewTestCase):
    def test_it_switches_a_rule_off_and_back_on(self) -> None:
        rule = self.rule(RuleKind.SLA_WARNING)
        self.login(self.quality)
        response = self.client.post(f"/alerts/rules/{rule.pk}/toggle/", {"next": "/alerts/rules/?kind=sla_warning"})
        self.assertRedirects(response, "/alerts/rules/?kind=sla_warning")
        self.assertFalse(self.fetch(AlertRule, pk=rule.pk).is_active)
        response = self.client.post(f"/alerts/rules/{rule.pk}/toggle/", HTTP_HX_REQUEST="true")
        self.assertContains(response, f'id="rule-toggle-{rule.pk}"')
        self.assertContains(response, "bi-toggle-on")
        self.assertTrue(self.fetch(AlertRule, pk=rule.pk).is_active)

    def test_it_never_redirects_off_site(self) -> None:
        rule = self.rule(RuleKind.SLA_WARNING)
        self.login(self.quality)
        response = self.client.post(f"/alerts/rules/{rule.pk}/toggle/", {"next": "https://evil.example.com/"})
        self.assertRedirects(response, "/alerts/rules/")

    def test_it_refuses_readers(self) -> None:
        rule = self.rule(RuleKind.SLA_WARNING)
        for user in (self.viewer, self.manager):
            self.login(user)
            self.assertEqual(self.client.post(f"/alerts/rules/{rule.pk}/toggle/").status_code, 403)
        self.assertTrue(self.fetch(AlertRule, pk=rule.pk).is_active)

    def test_it_refuses_get(self) -> None:
        self.login(self.quality)
        self.assertEqual(
            self.client.get(f"/alerts/rules/{self.rule(RuleKind.SLA_WARNING).pk}/toggle/").status_code, 405
        )


class RuleDetailTests(ConfigViewTestCase):
    def test_it_shows_readers_the_params_in_words(self) -> None:
        rule = self.rule(RuleKind.REPEAT_COMPLAINT)
        self.login(self.manager)
        response = self.client.get(f"/alerts/rules/{rule.pk}/")
        self.assertContains(response, 'id="rule-params"')
        self.assertContains(response, "Complaint, Repair")
        self.assertNotContains(response, 'name="severity"')
        self.assertEqual(self.client.post(f"/alerts/rules/{rule.pk}/", {"name": "x"}).status_code, 403)

    def test_it_shows_the_rules_recent_alerts(self) -> None:
        self.login(self.quality)
        response = self.client.get(f"/alerts/rules/{self.breach.rule_id}/")
        self.assertContains(response, f'href="/alerts/{self.breach.pk}/"')

    def test_it_renders_params_as_fields(self) -> None:
        self.login(self.quality)
        response = self.client.get(f"/alerts/rules/{self.rule(RuleKind.LOW_RATING).pk}/")
        self.assertContains(response, 'name="max_stars"')
        self.assertContains(response, 'name="unresolved_follow_up"')
        self.assertNotContains(response, 'name="params"')
        response = self.client.get(f"/alerts/rules/{self.rule(RuleKind.KPI, kpi='rectification_on_time').pk}/")
        self.assertContains(response, 'name="target" value="90"')  # 0.9 shown in percent

    def test_it_saves_keyword_words_one_per_line(self) -> None:
        rule = self.rule(RuleKind.KEYWORD, tier="L3")
        self.login(self.quality)
        data = {
            "name": rule.name,
            "project": "",
            "severity": Severity.HIGH,
            "escalate_pm_minutes": "30",
            "escalate_qm_minutes": "",
            "is_active": "on",
            "tier": "L3",
            "extra_words": "物业费\n乱收费，太贵",
            "ignore_words": "",
        }
        self.assertRedirects(self.client.post(f"/alerts/rules/{rule.pk}/", data), f"/alerts/rules/{rule.pk}/")
        rule = self.fetch(AlertRule, pk=rule.pk)
        self.assertEqual(rule.params["extra_words"], ["物业费", "乱收费", "太贵"])
        self.assertEqual((rule.severity, rule.escalate_pm_minutes, rule.escalate_qm_minutes), ("high", 30, None))

    def test_it_saves_a_kpi_target_in_percent(self) -> None:
        rule = self.rule(RuleKind.KPI, kpi="rectification_on_time")
        self.login(self.quality)
        data = {
            "name": rule.name,
            "severity": "medium",
            "is_active": "on",
            "kpi": "rectification_on_time",
            "target": "85",
        }
        self.assertRedirects(self.client.post(f"/alerts/rules/{rule.pk}/", data), f"/alerts/rules/{rule.pk}/")
        self.assertEqual(self.fetch(AlertRule, pk=rule.pk).params["target"], 0.85)

    def test_it_names_bad_input_on_its_field(self) -> None:
        rule = self.rule(RuleKind.GROUP_COMPLAINT)
        self.login(self.quality)
        taken = self.rule(RuleKind.SLA_BREACH).name
        data = {"name": taken, "severity": "high", "escalate_pm_minutes": "-5", "households": "1", "hours": "24"}
        response = self.client.post(f"/alerts/rules/{rule.pk}/", data)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Ensure this value is greater than or equal to 1.")  # minutes
        self.assertContains(response, "Ensure this value is greater than or equal to 2.")  # households
        data["escalate_pm_minutes"], data["households"] = "10", "3"
        response = self.client.post(f"/alerts/rules/{rule.pk}/", data)
        self.assertContains(response, "The company has a rule of this name already.")
        self.assertEqual(self.fetch(AlertRule, pk=rule.pk).name, rule.name)

    def test_it_says_it_in_chinese(self) -> None:
        self.client.cookies.clear()
        rule = self.rule(RuleKind.GROUP_COMPLAINT)
        self.login(self.quality)
        response = self.client.post(f"/alerts/rules/{rule.pk}/", {"name": "", "severity": "high", "hours": "24"})
        self.assertContains(response, "这个字段是必填项。")


class RuleCreateTests(ConfigViewTestCase):
    def test_it_asks_for_the_kind_first(self) -> None:
        self.login(self.quality)
        response = self.client.get("/alerts/rules/new/")
        self.assertContains(response, f"?kind=equipment&amp;company={self.company.pk}")

    def test_it_creates_an_equipment_threshold_rule(self) -> None:
        self.login(self.quality)
        response = self.client.get("/alerts/rules/new/", {"kind": "equipment"})
        self.assertContains(response, 'name="metric"')
        self.assertContains(response, '<option value="P1" selected>', html=False)
        response = self.client.post("/alerts/rules/new/?kind=equipment", rule_post(project=self.project.pk))
        rule = self.fetch(AlertRule, company=self.company, name="水泵房压力低")
        self.assertRedirects(response, f"/alerts/rules/{rule.pk}/")
        self.assertEqual(rule.kind, RuleKind.EQUIPMENT)
        self.assertEqual(rule.project, self.project)
        self.assertEqual(rule.params["op"], "<")
        self.assertIs(rule.params["open_work_order"], True)
        self.assertEqual(rule.params["category_code"], "water-supply")

    def test_it_names_bad_params(self) -> None:
        self.login(self.quality)
        response = self.client.post("/alerts/rules/new/?kind=equipment", rule_post(metric="", value="many"))
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "This field is required.")
        self.assertContains(response, "Enter a number.")
        with scopes_disabled():
            self.assertFalse(AlertRule.objects.filter(name="水泵房压力低").exists())

    def test_it_refuses_people_who_do_not_configure(self) -> None:
        for user in (self.manager, self.viewer, self.staff):
            self.login(user)
            self.assertEqual(self.client.get("/alerts/rules/new/?kind=equipment").status_code, 403, user)
            response = self.client.post("/alerts/rules/new/?kind=equipment", rule_post())
            self.assertEqual(response.status_code, 403, user)

    def test_it_keeps_an_outsider_in_his_company(self) -> None:
        self.login(self.outsider)
        self.client.post(f"/alerts/rules/new/?kind=equipment&company={self.company.pk}", rule_post())
        with scopes_disabled():
            self.assertFalse(AlertRule.objects.filter(company=self.company, name="水泵房压力低").exists())
        response = self.client.post(
            "/alerts/rules/new/?kind=equipment", rule_post(project=self.project.pk)
        )  # a project of company A
        self.assertContains(response, "Select a valid choice.")


#
# Channels
#
class ChannelViewTests(ConfigViewTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        with scopes_disabled():
            cls.channel = channel_services.channel_create(
                company=cls.company,
                data={
                    "name": "品质部企业微信群",
                    "kind": "wecom",
                    "url": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=EXAMPLE",
                    "secret": "SEC-top-secret",
                },
                actor=cls.quality,
            )

    def channel_post(self, **overrides) -> dict:
        data = {
            "name": "钉钉值班群",
            "kind": "dingtalk",
            "project": "",
            "url": "https://oapi.dingtalk.com/robot/send?access_token=EXAMPLE",
            "secret": "SECabc",
            "emails": "",
            "min_severity": "high",
            "rule_kinds": ["keyword", "group_complaint"],
            "on_escalation": "on",
            "quiet_start": "22:00",
            "quiet_end": "07:00",
            "is_active": "on",
        }
        return {**data, **overrides}

    def test_it_is_for_configurers_only(self) -> None:
        for user in (self.viewer, self.manager, self.supervisor):
            self.login(user)
            for url in ("/alerts/channels/", "/alerts/channels/new/", f"/alerts/channels/{self.channel.pk}/"):
                self.assertEqual(self.client.get(url).status_code, 403, (user, url))
        self.login(self.outsider)
        self.assertEqual(self.client.get(f"/alerts/channels/{self.channel.pk}/").status_code, 404)
        self.assertEqual(self.client.post(f"/alerts/channels/{self.channel.pk}/test/").status_code, 404)
        self.assertNotContains(self.client.get("/alerts/channels/"), "品质部企业微信群")

    def test_it_lists_channels_with_their_delivery_counts(self) -> None:
        self.login(self.quality)
        response = self.client.get("/alerts/channels/")
        self.assertContains(response, "品质部企业微信群")
        self.assertContains(response, "WeCom group robot")

    def test_it_creates_a_channel(self) -> None:
        self.login(self.quality)
        response = self.client.post("/alerts/channels/new/", self.channel_post())
        channel = self.fetch(Channel, company=self.company, name="钉钉值班群")
        self.assertRedirects(response, f"/alerts/channels/{channel.pk}/")
        self.assertEqual(channel.rule_kinds, ["group_complaint", "keyword"])
        self.assertEqual((channel.quiet_start, channel.quiet_end), (dt.time(22), dt.time(7)))
        self.assertEqual(channel.secret, "SECabc")

    def test_it_names_bad_input(self) -> None:
        self.login(self.quality)
        response = self.client.post("/alerts/channels/new/", self.channel_post(url="", quiet_end=""))
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "A robot or webhook channel needs its webhook address.")
        self.assertContains(response, "Give both ends of the quiet hours, or neither.")
        response = self.client.post("/alerts/channels/new/", self.channel_post(name="品质部企业微信群"))
        self.assertContains(response, "The company already has a channel with this name.")

    def test_it_never_shows_the_secret_and_keeps_it_when_left_empty(self) -> None:
        self.login(self.quality)
        response = self.client.get(f"/alerts/channels/{self.channel.pk}/")
        self.assertNotContains(response, "SEC-top-secret")
        self.assertContains(response, "A secret is set; leave empty to keep it.")
        data = self.channel_post(name="品质部企业微信群", kind="wecom", secret="", url=self.channel.url)
        response = self.client.post(f"/alerts/channels/{self.channel.pk}/", data)
        self.assertRedirects(response, f"/alerts/channels/{self.channel.pk}/")
        channel = self.fetch(Channel, pk=self.channel.pk)
        self.assertEqual((channel.secret, channel.min_severity), ("SEC-top-secret", "high"))

    def test_it_sends_a_test_message(self) -> None:
        self.login(self.quality)
        with mock.patch.object(channel_services, "channel_test", return_value=(False, "HTTP 404")) as test:
            response = self.client.post(f"/alerts/channels/{self.channel.pk}/test/", follow=True)
        test.assert_called_once()
        self.assertContains(response, "The test message failed: HTTP 404")
        with mock.patch.object(channel_services, "channel_test", return_value=(True, "")):
            response = self.client.post(f"/alerts/channels/{self.channel.pk}/test/", follow=True)
        self.assertContains(response, "Test message sent")

    def test_it_shows_recent_deliveries(self) -> None:
        from alerts.models import Delivery

        with scopes_disabled():
            Delivery.objects.create(
                company=self.company,
                alert=self.breach,
                channel=self.channel,
                event_key="raised",
                status="failed",
                attempts=6,
                last_error="errcode 93000: invalid webhook url",
                created=timezone.now(),
            )
        self.login(self.quality)
        response = self.client.get(f"/alerts/channels/{self.channel.pk}/")
        self.assertContains(response, '<span class="badge text-bg-danger">Failed</span>', html=True)
        self.assertContains(response, "invalid webhook url")
        self.assertContains(self.client.get("/alerts/channels/"), "Failed 1")


#
# Devices and gateways
#
class DeviceViewTests(ConfigViewTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        with scopes_disabled():
            cls.device = device_services.device_create(
                company=cls.company,
                data={"project": cls.project, "code": "pump-1", "name": "水泵房1号泵", "device_kind": "pump"},
                actor=cls.quality,
            )
            Reading.objects.create(
                company=cls.company,
                device=cls.device,
                metric="pressure",
                value=0.18,
                at=timezone.now(),
                created=timezone.now(),
            )

    def test_readers_see_devices_and_their_readings(self) -> None:
        self.login(self.manager)
        self.assertContains(self.client.get("/alerts/devices/"), "水泵房1号泵")
        response = self.client.get(f"/alerts/devices/{self.device.pk}/")
        self.assertContains(response, "pressure")
        self.assertContains(response, "0.18")
        self.assertNotContains(response, f"/alerts/devices/{self.device.pk}/edit/")
        self.assertEqual(self.client.get(f"/alerts/devices/{self.device.pk}/edit/").status_code, 403)

    def test_it_shows_the_devices_alerts(self) -> None:
        from alerts.services import alert_raise

        with scopes_disabled():
            alert = alert_raise(
                rule=rule_create(
                    company=self.company,
                    data={
                        "kind": "equipment",
                        "name": "压力低",
                        "params": {"metric": "pressure", "op": "<", "value": 0.2},
                    },
                    actor=self.quality,
                ),
                dedup_key="pump-1:pressure",
                subject_type="device",
                subject_id=self.device.pk,
                project_id=self.project.pk,
                refs=[("device", self.device.pk)],
            ).alert
        self.login(self.quality)
        response = self.client.get(f"/alerts/devices/{self.device.pk}/")
        self.assertContains(response, f'href="/alerts/{alert.pk}/"')
        response = self.client.get(f"/alerts/{alert.pk}/")
        self.assertContains(
            response, f'<a href="/alerts/devices/{self.device.pk}/">水泵房1号泵 (pump-1)</a>', html=True
        )

    def test_it_hides_devices_from_staff_and_outsiders(self) -> None:
        self.login(self.staff)
        self.assertEqual(self.client.get("/alerts/devices/").status_code, 403)
        self.login(self.outsider)
        self.assertEqual(self.client.get(f"/alerts/devices/{self.device.pk}/").status_code, 404)
        self.assertNotContains(self.client.get("/alerts/devices/"), "水泵房1号泵")

    def test_it_creates_and_edits_a_device(self) -> None:
        self.login(self.quality)
        data = {
            "project": self.project.pk,
            "code": "tank-1",
            "name": "水箱液位",
            "device_kind": "tank",
            "is_active": "on",
        }
        response = self.client.post("/alerts/devices/new/", data)
        device = self.fetch(Device, code="tank-1")
        self.assertRedirects(response, f"/alerts/devices/{device.pk}/")
        data["name"], data["area"] = "屋顶水箱", self.area.pk
        self.assertRedirects(
            self.client.post(f"/alerts/devices/{device.pk}/edit/", data), f"/alerts/devices/{device.pk}/"
        )
        device = self.fetch(Device, pk=device.pk)
        self.assertEqual((device.name, device.area), ("屋顶水箱", self.area))

    def test_it_names_bad_input(self) -> None:
        self.login(self.quality)
        data = {"project": self.project2.pk, "code": "pump-1", "name": "重复", "area": self.area.pk}
        response = self.client.post("/alerts/devices/new/", data)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "The company already has a device with this code.")
        data["code"] = "bad code!"
        self.assertContains(self.client.post("/alerts/devices/new/", data), "Enter a valid “slug”")


class GatewayViewTests(ConfigViewTestCase):
    def test_it_shows_the_key_once_and_revokes(self) -> None:
        self.login(self.quality)
        response = self.client.post("/alerts/gateways/new/", {"name": "泵房网关", "project": self.project.pk})
        self.assertEqual(response.status_code, 200)
        key = response.context["key"]
        self.assertContains(response, key)
        gateway = self.fetch(Gateway, name="泵房网关")
        self.assertTrue(key.startswith(gateway.key_prefix))
        listing = self.client.get("/alerts/gateways/")
        self.assertContains(listing, "泵房网关")
        self.assertNotContains(listing, key)
        self.assertRedirects(self.client.post(f"/alerts/gateways/{gateway.pk}/revoke/"), "/alerts/gateways/")
        self.assertFalse(self.fetch(Gateway, pk=gateway.pk).is_active)

    def test_it_names_a_taken_name(self) -> None:
        self.login(self.quality)
        self.client.post("/alerts/gateways/new/", {"name": "泵房网关"})
        response = self.client.post("/alerts/gateways/new/", {"name": "泵房网关"})
        self.assertContains(response, "The company already has a gateway with this name.")

    def test_it_is_for_configurers_only(self) -> None:
        with scopes_disabled():
            gateway, _key = device_services.gateway_create(
                company=self.company, data={"name": "网关"}, actor=self.admin
            )
        for user in (self.viewer, self.manager):
            self.login(user)
            self.assertEqual(self.client.get("/alerts/gateways/").status_code, 403)
            self.assertEqual(self.client.post(f"/alerts/gateways/{gateway.pk}/revoke/").status_code, 403)
        self.login(self.outsider)
        self.assertEqual(self.client.post(f"/alerts/gateways/{gateway.pk}/revoke/").status_code, 404)
        self.assertTrue(self.fetch(Gateway, pk=gateway.pk).is_active)
