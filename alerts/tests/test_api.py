"""The alerts REST API (/api/v1/alerts/…, alert-rules/, alert-channels/, devices/): who may see and
do what, the actions with structured errors, counts, filters, query counts of the list."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_scopes import scopes_disabled

from alerts.choices import AlertStatus, RuleKind
from alerts.models import Alert, AlertRule, Channel, Device, InboxItem
from alerts.services import channels as channel_services
from alerts.services import devices as device_services
from alerts.tests.ui_base import AlertsUiTestCase
from core.tests.test_api import ApiTestCase


class AlertApiTestCase(AlertsUiTestCase, ApiTestCase):
    def alert(self, pk: int) -> Alert:
        with scopes_disabled():
            return Alert.objects.get(pk=pk)


#
# Who may see what
#
class AlertApiAccessTests(AlertApiTestCase):
    LISTS = ["alerts/", "alerts/counts/", "alerts/inbox/", "alert-rules/", "devices/"]

    def details(self) -> list[str]:
        return [f"alerts/{self.breach.pk}/", f"alert-rules/{self.breach.rule_id}/"]

    def test_it_requires_authentication(self) -> None:
        for path in [*self.LISTS, *self.details(), "alert-channels/"]:
            self.assertError(self.get(path), 401, "not_authenticated")
        self.assertError(self.post(f"alerts/{self.breach.pk}/acknowledge/"), 401, "not_authenticated")

    def test_it_refuses_owners_and_staff(self) -> None:
        for user in (self.owner, self.staff):
            self.auth(user)
            for path in [*self.LISTS, *self.details()]:
                self.assertError(self.get(path), 403, "permission_denied")

    def test_it_hides_another_companys_alerts(self) -> None:
        self.auth(self.outsider)
        self.assertEqual(self.ids(self.get("alerts/")), {self.foreign.pk})
        for path in self.details():
            self.assertError(self.get(path), 404, "not_found")
        for name in ("acknowledge", "assign", "resolve", "note"):
            response = self.post(f"alerts/{self.breach.pk}/{name}/", {"note": "x", "owner_id": self.outsider.pk})
            self.assertError(response, 404, "not_found")
        self.assertEqual(self.alert(self.breach.pk).status, AlertStatus.OPEN)

    def test_it_lets_viewers_read_but_not_act(self) -> None:
        self.auth(self.viewer)
        self.assertEqual(self.ids(self.get("alerts/")), {self.breach.pk, self.keyword.pk})
        body = self.get(f"alerts/{self.breach.pk}/").json()
        self.assertEqual(body["allowed_actions"], [])
        for name in ("acknowledge", "resolve", "note"):
            self.assertError(self.post(f"alerts/{self.breach.pk}/{name}/", {"note": "x"}), 403, "permission_denied")

    def test_it_shows_project_people_only_their_projects(self) -> None:
        self.auth(self.manager)
        self.assertEqual(self.ids(self.get("alerts/")), {self.breach.pk})
        self.assertError(self.get(f"alerts/{self.keyword.pk}/"), 404, "not_found")


#
# Alerts
#
class AlertApiTests(AlertApiTestCase):
    def test_it_lists_alerts_with_their_summary(self) -> None:
        self.auth(self.quality)
        body = self.get("alerts/").json()
        self.assertEqual(body["count"], 2)
        row = next(r for r in body["results"] if r["id"] == self.breach.pk)
        self.assertEqual(row["summary"], f"Order {self.order.code} needs attention")
        self.assertEqual((row["severity"], row["status"], row["level"]), ("high", "open", 0))
        self.assertEqual(row["owner"], {"id": self.supervisor.pk, "name": "赵主管"})
        self.assertEqual(row["project_name"], self.project.name)

    def test_it_filters(self) -> None:
        self.auth(self.quality)
        self.assertEqual(self.ids(self.get("alerts/", {"severity": "critical"})), {self.keyword.pk})
        self.assertEqual(self.ids(self.get("alerts/", {"owner": "me"})), {self.keyword.pk})
        self.assertEqual(self.ids(self.get("alerts/", {"project_id": self.project.pk})), {self.breach.pk})
        self.assertError(
            self.get("alerts/", {"severity": "apocalyptic"}), 400, "invalid", {"severity": "invalid_choice"}
        )
        self.assertError(self.get("alerts/", {"project_id": self.other_project.pk}), 400, "invalid")

    def test_it_shows_the_detail_with_evidence_events_and_deliveries(self) -> None:
        self.auth(self.supervisor)
        body = self.get(f"alerts/{self.breach.pk}/").json()
        (ref,) = body["evidence"]
        self.assertEqual(ref["label"], f"{self.order.code} 厨房漏水")
        self.assertEqual(ref["url"], f"http://testserver/workorders/{self.order.pk}/")
        self.assertTrue(ref["is_subject"])
        self.assertEqual(body["facts"], {"target": "resolve"})
        self.assertEqual([e["kind"] for e in body["events"]], ["raised"])
        self.assertEqual(body["deliveries"], [])
        self.assertEqual(body["allowed_actions"], ["acknowledge", "assign", "resolve", "note"])

    def test_it_counts(self) -> None:
        self.auth(self.quality)
        self.post(f"alerts/{self.keyword.pk}/acknowledge/")
        body = self.get("alerts/counts/").json()
        self.assertEqual(body["by_status"], {"open": 1, "acknowledged": 1, "resolved": 0})
        self.assertEqual(body["open_by_severity"]["high"], 1)
        self.assertEqual(body["unresolved"], 2)
        self.assertEqual(body["mine"], 1)
        self.assertEqual(body["unresolved_by_kind"], {"sla_breach": 1, "keyword": 1})
        filtered = self.get("alerts/counts/", {"project_id": self.project.pk}).json()
        self.assertEqual(filtered["unresolved"], 1)

    def test_it_lists_my_inbox(self) -> None:
        self.auth(self.supervisor)
        body = self.get("alerts/inbox/").json()
        self.assertEqual([i["alert"]["id"] for i in body["results"]], [self.breach.pk])
        self.assertIsNone(body["results"][0]["read_at"])

    def test_it_keeps_the_list_query_count_flat(self) -> None:
        self.auth(self.quality)
        with CaptureQueriesContext(connection) as few:
            self.assertEqual(self.get("alerts/").status_code, 200)
        with scopes_disabled():
            for n in range(5):
                self.raise_alert(RuleKind.SLA_BREACH, self.order, key=f"more:{n}")
        with self.assertNumQueries(len(few)):
            self.get("alerts/")


class AlertActionApiTests(AlertApiTestCase):
    def test_it_acknowledges(self) -> None:
        self.auth(self.supervisor)
        response = self.post(f"alerts/{self.breach.pk}/acknowledge/", {"note": "在处理"})
        self.assertEqual(response.status_code, 200, response.content)
        body = response.json()
        self.assertEqual(body["status"], "acknowledged")
        self.assertEqual(body["acknowledged_by"]["id"], self.supervisor.pk)
        self.assertEqual(body["allowed_actions"], ["assign", "resolve", "note"])

    def test_it_requires_a_note_to_resolve(self) -> None:
        self.auth(self.supervisor)
        self.assertError(self.post(f"alerts/{self.breach.pk}/resolve/", {}), 400, "invalid", {"note": "required"})
        self.assertError(
            self.post(f"alerts/{self.breach.pk}/resolve/", {"note": "  "}), 400, "invalid", {"note": "blank"}
        )
        body = self.post(f"alerts/{self.breach.pk}/resolve/", {"note": "已修好"}).json()
        self.assertEqual((body["status"], body["resolution"]), ("resolved", "manual"))

    def test_it_refuses_a_step_the_alert_cannot_take(self) -> None:
        self.auth(self.supervisor)
        self.post(f"alerts/{self.breach.pk}/resolve/", {"note": "已修好"})
        error = self.assertError(self.post(f"alerts/{self.breach.pk}/acknowledge/"), 400, "invalid")
        self.assertEqual(error["fields"]["non_field_errors"][0]["code"], "bad_transition")

    def test_it_hands_over_to_someone_who_sees_the_alert(self) -> None:
        self.auth(self.supervisor)
        body = self.post(f"alerts/{self.breach.pk}/assign/", {"owner_id": self.manager.pk, "note": "请跟进"}).json()
        self.assertEqual(body["owner"]["id"], self.manager.pk)
        with scopes_disabled():
            self.assertTrue(InboxItem.objects.filter(alert_id=self.breach.pk, user=self.manager).exists())
        for person in (self.staff, self.outsider):
            response = self.post(f"alerts/{self.breach.pk}/assign/", {"owner_id": person.pk})
            self.assertError(response, 400, "invalid", {"owner_id": "does_not_exist"})
        self.assertError(self.post(f"alerts/{self.breach.pk}/assign/", {}), 400, "invalid", {"owner_id": "required"})

    def test_it_adds_a_note(self) -> None:
        self.auth(self.manager)
        body = self.post(f"alerts/{self.breach.pk}/note/", {"note": "明早回访"}).json()
        self.assertEqual(body["events"][-1]["kind"], "note")
        self.assertEqual(body["events"][-1]["actor"]["id"], self.manager.pk)


#
# Rules
#
class AlertRuleApiTests(AlertApiTestCase):
    def rule_body(self, **overrides) -> dict:
        data = {
            "kind": "equipment",
            "name": "水箱液位低",
            "project": self.project.pk,
            "severity": "high",
            "params": {"metric": "level", "op": "<", "value": 0.3, "open_work_order": True},
        }
        return {**data, **overrides}

    def test_readers_list_rules_but_cannot_change_them(self) -> None:
        self.auth(self.viewer)
        body = self.get("alert-rules/", {"kind": "keyword"}).json()
        self.assertEqual(body["count"], 4)
        rule_id = body["results"][0]["id"]
        self.assertError(self.post("alert-rules/", self.rule_body()), 403, "permission_denied")
        self.assertError(self.patch(f"alert-rules/{rule_id}/", {"is_active": False}), 403, "permission_denied")
        self.auth(self.manager)
        self.assertError(self.patch(f"alert-rules/{rule_id}/", {"is_active": False}), 403, "permission_denied")

    def test_it_creates_a_rule_through_the_service(self) -> None:
        self.auth(self.quality)
        response = self.post("alert-rules/", self.rule_body())
        self.assertEqual(response.status_code, 201, response.content)
        body = response.json()
        self.assertEqual(body["params"]["priority"], "P1")
        self.assertEqual(body["project_name"], self.project.name)
        self.assertTrue(response["Location"].endswith(f"/api/v1/alert-rules/{body['id']}/"))

    def test_it_names_bad_input(self) -> None:
        self.auth(self.quality)
        self.assertError(
            self.post("alert-rules/", self.rule_body(kind="telepathy")), 400, "invalid", {"kind": "invalid_choice"}
        )
        response = self.post("alert-rules/", self.rule_body(params={"metric": "level", "op": "≈", "value": 1}))
        self.assertError(response, 400, "invalid", {"params": "invalid"})
        response = self.post("alert-rules/", self.rule_body(name=self.rule(RuleKind.SLA_BREACH).name))
        self.assertError(response, 400, "invalid", {"name": "invalid"})
        response = self.post("alert-rules/", self.rule_body(project=self.other_project.pk))
        self.assertError(response, 400, "invalid", {"project": "does_not_exist"})

    def test_it_changes_a_rule(self) -> None:
        rule = self.rule(RuleKind.GROUP_COMPLAINT)
        self.auth(self.quality)
        body = self.patch(f"alert-rules/{rule.pk}/", {"params": {"households": 5}, "is_active": False}).json()
        self.assertEqual(body["params"], {"households": 5, "hours": 24})
        self.assertFalse(body["is_active"])
        self.assertEqual(body["kind"], "group_complaint")
        self.assertError(
            self.patch(f"alert-rules/{rule.pk}/", {"params": {"households": 0}}), 400, "invalid", {"params": "invalid"}
        )

    def test_it_hides_another_companys_rules(self) -> None:
        self.auth(self.outsider)
        rule = self.rule(RuleKind.GROUP_COMPLAINT)
        self.assertError(self.get(f"alert-rules/{rule.pk}/"), 404, "not_found")
        self.assertError(self.patch(f"alert-rules/{rule.pk}/", {"is_active": False}), 404, "not_found")
        with scopes_disabled():
            self.assertTrue(AlertRule.objects.get(pk=rule.pk).is_active)


#
# Channels and devices
#
class ChannelApiTests(AlertApiTestCase):
    def test_it_creates_a_channel_and_never_returns_its_secret(self) -> None:
        self.auth(self.quality)
        data = {
            "name": "钉钉值班群",
            "kind": "dingtalk",
            "url": "https://oapi.dingtalk.com/robot/send?access_token=TOKEN123",
            "secret": "SECxyz",
            "rule_kinds": ["keyword"],
            "quiet_start": "22:00",
            "quiet_end": "07:00",
        }
        response = self.post("alert-channels/", data)
        self.assertEqual(response.status_code, 201, response.content)
        body = response.json()
        self.assertNotIn("secret", body)
        self.assertTrue(body["has_secret"])
        self.assertEqual(body["url"], "https://oapi.dingtalk.com/robot/send?access_token=***")
        self.assertNotIn(b"TOKEN123", self.get(f"alert-channels/{body['id']}/").content)
        self.assertNotIn(b"SECxyz", self.get("alert-channels/").content)
        body = self.patch(f"alert-channels/{body['id']}/", {"min_severity": "critical"}).json()
        with scopes_disabled():
            channel = Channel.objects.get(pk=body["id"])
        self.assertEqual((channel.secret, channel.min_severity), ("SECxyz", "critical"))

    def test_it_names_bad_input(self) -> None:
        self.auth(self.quality)
        response = self.post("alert-channels/", {"name": "群", "kind": "wecom", "url": ""})
        self.assertError(response, 400, "invalid", {"url": "invalid"})
        response = self.post("alert-channels/", {"name": "群", "kind": "pigeon"})
        self.assertError(response, 400, "invalid", {"kind": "invalid_choice"})

    def test_it_is_for_configurers_only(self) -> None:
        with scopes_disabled():
            channel = channel_services.channel_create(
                company=self.company,
                data={"name": "邮件", "kind": "email", "emails": "qa@example.com"},
                actor=self.admin,
            )
        for user in (self.viewer, self.manager, self.supervisor):
            self.auth(user)
            self.assertError(self.get("alert-channels/"), 403, "permission_denied")
        self.auth(self.outsider)
        self.assertError(self.get(f"alert-channels/{channel.pk}/"), 404, "not_found")
        self.assertError(self.post(f"alert-channels/{channel.pk}/test/"), 404, "not_found")


class DeviceApiTests(AlertApiTestCase):
    def test_it_creates_lists_and_shows_devices(self) -> None:
        self.auth(self.quality)
        data = {"project": self.project.pk, "code": "pump-1", "name": "水泵房1号泵", "device_kind": "pump"}
        response = self.post("devices/", data)
        self.assertEqual(response.status_code, 201, response.content)
        device_id = response.json()["id"]
        self.auth(self.manager)
        self.assertEqual(self.ids(self.get("devices/")), {device_id})
        body = self.get(f"devices/{device_id}/").json()
        self.assertEqual((body["code"], body["readings"]), ("pump-1", []))
        self.assertError(self.post("devices/", {**data, "code": "pump-2"}), 403, "permission_denied")

    def test_it_names_bad_input(self) -> None:
        self.auth(self.quality)
        response = self.post("devices/", {"project": self.other_project.pk, "code": "x", "name": "x"})
        self.assertError(response, 400, "invalid", {"project": "does_not_exist"})
        response = self.post("devices/", {"project": self.project.pk, "code": "x y", "name": "x"})
        self.assertError(response, 400, "invalid", {"code": "invalid"})
        response = self.post(
            "devices/", {"project": self.project.pk, "code": "x", "name": "x", "area": self.other_area.pk}
        )
        self.assertError(response, 400, "invalid", {"area": "does_not_exist"})

    def test_it_hides_another_companys_devices(self) -> None:
        with scopes_disabled():
            device = device_services.device_create(
                company=self.company, data={"project": self.project, "code": "tank", "name": "水箱"}, actor=self.admin
            )
        self.auth(self.outsider)
        self.assertError(self.get(f"devices/{device.pk}/"), 404, "not_found")
        self.assertNotIn(device.pk, self.ids(self.get("devices/")))
        with scopes_disabled():
            self.assertTrue(Device.objects.filter(pk=device.pk).exists())
