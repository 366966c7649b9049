"""Open311 GeoReport v2 through HTTP: JSON validated against schemas written from the spec
(open311/tests/schemas), XML parsed, errors, the 90-day window, and the privacy rule."""

import datetime as dt
import json
import uuid
from pathlib import Path
from xml.etree import ElementTree

import time_machine
from django.db import connection
from django.test import Client, SimpleTestCase, override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from jsonschema import Draft202012Validator

from lib.testing import BaseTestCase
from open311.models import Open311Client
from open311.renderers import render
from open311.services import open311_client_create
from workorders import services as wo
from workorders.choices import EventKind, Source
from workorders.models import Category, WorkOrder
from workorders.tests.factories import category, jpeg, report

SCHEMAS = Path(__file__).parent / "schemas"
BASE = "/open311/v2"
KEY = "test-open311-key-acme"
OTHER_KEY = "test-open311-key-other"
OWNER_PHONE = "13800000001"
POSTED_PHONE = "13912345678"


def schema(name: str) -> Draft202012Validator:
    return Draft202012Validator(json.loads((SCHEMAS / f"{name}.json").read_text()))


class Open311TestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.api_client = open311_client_create(
            company=cls.company, name="市民随手拍", default_project=cls.project, actor=cls.admin, api_key=KEY
        )
        cls.other_api_client = open311_client_create(
            company=cls.other_company,
            name="他山App",
            default_project=cls.other_project,
            actor=cls.outsider,
            api_key=OTHER_KEY,
        )
        cls.leak = category(cls.company, "water-leak")
        # An owner's repair in his unit: private, never in Open311.
        cls.private = report(cls, category=cls.leak, description="周业主家卧室渗水很严重")
        # An owner's report about the lobby: a public area.
        cls.lobby = report(cls, area=cls.area, description="1栋大堂的灯坏了", photos=[jpeg()])

    def get(self, path: str, **params):
        return self.client.get(f"{BASE}/{path}", params)

    def post(self, fmt: str = "json", remote_addr: str = "127.0.0.1", **data):
        data.setdefault("jurisdiction_id", "acme")
        return self.client.post(f"{BASE}/requests.{fmt}", data, REMOTE_ADDR=remote_addr)

    def good_post(self, fmt: str = "json", **data):
        fields = {
            "api_key": KEY,
            "service_code": "water-leak",
            "lat": "30.274084",
            "long": "120.155070",
            "address_string": "1栋1单元门口",
            "first_name": "小明",
            "last_name": "王",
            "phone": POSTED_PHONE,
            "email": "wang@example.com",
            "description": "单元门口地面有积水，电话13912345678",
            "device_id": "dev-1",
        }
        fields.update(data)
        return self.post(fmt, **fields)

    def assert_valid(self, response, name: str, status: int = 200):
        self.assertEqual(response.status_code, status, response.content)
        self.assertEqual(response["Content-Type"], "application/json; charset=utf-8")
        data = response.json()
        errors = [e.message for e in schema(name).iter_errors(data)]
        self.assertEqual(errors, [], f"{name}: {data}")
        return data

    def assert_error(self, response, status: int, fmt: str = "json") -> list:
        self.assertEqual(response.status_code, status, response.content)
        if fmt == "xml":
            root = self.xml(response, "errors", status)
            errors = root.findall("error")
            self.assertTrue(errors)
            for error in errors:
                self.assertEqual(error.findtext("code"), str(status))
                self.assertTrue(error.findtext("description"))
            return [e.findtext("description") for e in errors]
        data = self.assert_valid(response, "errors", status)
        self.assertTrue(all(e["code"] == status for e in data))
        return [e["description"] for e in data]

    def xml(self, response, root: str, status: int = 200) -> ElementTree.Element:
        self.assertEqual(response.status_code, status, response.content)
        self.assertEqual(response["Content-Type"], "text/xml; charset=utf-8")
        self.assertTrue(response.content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>'))
        element = ElementTree.fromstring(response.content)
        self.assertEqual(element.tag, root)
        return element

    def open311_order(self, **data) -> WorkOrder:
        response = self.good_post(**data)
        self.assertEqual(response.status_code, 200, response.content)
        return WorkOrder.objects.get(pk=response.json()[0]["service_request_id"])


class DiscoveryTests(Open311TestCase):
    def test_it_describes_the_endpoint_in_json(self):
        data = self.assert_valid(self.get("discovery.json", jurisdiction_id="acme"), "discovery")
        endpoint = data["endpoints"][0]
        self.assertEqual(endpoint["specification"], "http://wiki.open311.org/GeoReport_v2")
        self.assertEqual(endpoint["url"], "http://testserver/open311/v2")
        self.assertEqual(endpoint["type"], "production")
        self.assertIn("安居物业", data["contact"])

    def test_it_describes_the_endpoint_in_xml(self):
        root = self.xml(self.get("discovery.xml"), "discovery")
        for name in ("changeset", "contact", "key_service"):
            self.assertTrue(root.findtext(name), name)
        endpoint = root.find("endpoints/endpoint")
        self.assertEqual(endpoint.findtext("specification"), "http://wiki.open311.org/GeoReport_v2")
        formats = [f.text for f in endpoint.findall("formats/format")]
        self.assertEqual(formats, ["text/xml", "application/json"])

    def test_it_names_no_company_without_a_jurisdiction(self):
        response = self.get("discovery.json")
        self.assert_valid(response, "discovery")
        for marker in ("安居物业", "他山物业", "acme"):
            self.assertNotContains(response, marker)

    def test_it_answers_404_for_an_unknown_jurisdiction(self):
        self.assert_error(self.get("discovery.json", jurisdiction_id="nowhere"), 404)

    def test_it_answers_405_to_a_post(self):
        response = self.client.post(f"{BASE}/discovery.json")
        self.assert_error(response, 405)
        self.assertEqual(response["Allow"], "GET")


class ServicesTests(Open311TestCase):
    def test_it_lists_active_leaf_categories_in_json(self):
        data = self.assert_valid(self.get("services.json", jurisdiction_id="acme"), "services")
        by_code = {s["service_code"]: s for s in data}
        self.assertIn("water-leak", by_code)
        self.assertNotIn("water", by_code)  # a parent with children is a group, not a service
        self.assertIn("inquiry", by_code)  # a top-level category without children is a service
        self.assertNotIn("rectification", by_code)  # internal: not reported from outside
        leak = by_code["water-leak"]
        self.assertEqual(leak["service_name"], "漏水/渗水")
        self.assertEqual(leak["group"], "给排水")
        self.assertIs(leak["metadata"], False)
        self.assertEqual(leak["type"], "realtime")
        self.assertIn("给排水", leak["keywords"])

    def test_it_lists_services_in_xml(self):
        root = self.xml(self.get("services.xml", jurisdiction_id="acme"), "services")
        services = root.findall("service")
        self.assertGreater(len(services), 10)
        leak = next(s for s in services if s.findtext("service_code") == "water-leak")
        self.assertEqual(leak.findtext("metadata"), "false")
        self.assertEqual(leak.findtext("group"), "给排水")

    def test_it_leaves_out_inactive_categories_and_children_of_inactive_parents(self):
        wo.category_update(category=self.leak, data={"is_active": False}, actor=self.admin)
        parent = Category.objects.get(company=self.company, code="elevator")
        wo.category_update(category=parent, data={"is_active": False}, actor=self.admin)
        codes = {s["service_code"] for s in self.get("services.json", jurisdiction_id="acme").json()}
        self.assertNotIn("water-leak", codes)
        self.assertNotIn("elevator-trapped", codes)
        self.assertIn("water-burst", codes)

    def test_it_shows_only_the_jurisdictions_own_categories(self):
        wo.category_create(
            company=self.company,
            data={"kind": "service", "name": "安居专属管家", "code": "acme-butler"},
            actor=self.admin,
        )
        other = self.get("services.json", jurisdiction_id="other")
        self.assert_valid(other, "services")
        self.assertNotContains(other, "安居专属管家")
        self.assertNotContains(other, "acme-butler")
        self.assertContains(self.get("services.json", jurisdiction_id="acme"), "acme-butler")

    def test_it_requires_a_jurisdiction_when_it_serves_several_companies(self):
        descriptions = self.assert_error(self.get("services.json"), 400)
        self.assertIn("jurisdiction_id", descriptions[0])
        self.assert_error(self.get("services.xml"), 400, "xml")

    def test_it_answers_404_for_an_unknown_jurisdiction(self):
        self.assert_error(self.get("services.json", jurisdiction_id="nowhere"), 404)
        self.assert_error(self.get("services.xml", jurisdiction_id="nowhere"), 404, "xml")

    def test_it_answers_404_for_an_unknown_format(self):
        response = self.get("services.html", jurisdiction_id="acme")
        self.assert_error(response, 404, "xml")


class ServiceDefinitionTests(Open311TestCase):
    def test_it_defines_a_service_without_attributes(self):
        data = self.assert_valid(self.get("services/water-leak.json", jurisdiction_id="acme"), "service_definition")
        self.assertEqual(data, {"service_code": "water-leak", "attributes": []})

    def test_it_defines_a_service_in_xml(self):
        root = self.xml(self.get("services/water-leak.xml", jurisdiction_id="acme"), "service_definition")
        self.assertEqual(root.findtext("service_code"), "water-leak")
        self.assertEqual(list(root.find("attributes")), [])

    def test_it_answers_404_for_an_unknown_or_hidden_code(self):
        self.assert_error(self.get("services/nope.json", jurisdiction_id="acme"), 404)
        self.assert_error(self.get("services/water.xml", jurisdiction_id="acme"), 404, "xml")
        self.assert_error(self.get("services/rectification.json", jurisdiction_id="acme"), 404)


class PostRequestTests(Open311TestCase):
    def test_it_creates_a_work_order(self):
        response = self.good_post()
        data = self.assert_valid(response, "post_request")
        order = WorkOrder.objects.get(pk=data[0]["service_request_id"])
        self.assertEqual(data[0]["token"], str(order.token))
        self.assertIsNone(data[0]["account_id"])
        self.assertEqual(order.source, Source.OPEN311)
        self.assertEqual(order.category, self.leak)
        self.assertEqual(order.kind, self.leak.kind)
        self.assertEqual(order.project, self.project)
        self.assertEqual(order.title, "漏水/渗水")
        self.assertEqual(order.location, "1栋1单元门口")
        self.assertEqual(str(order.latitude), "30.274084")
        self.assertEqual(str(order.longitude), "120.155070")
        self.assertEqual(order.contact_name, "王小明")
        self.assertEqual(order.contact_phone, POSTED_PHONE)
        self.assertIsNone(order.unit)
        self.assertIsNotNone(order.resolve_due_at)
        created = order.events.get(kind=EventKind.CREATED)
        self.assertEqual(created.data["open311"]["client_id"], self.api_client.id)
        self.assertEqual(created.data["open311"]["email"], "wang@example.com")
        self.assertEqual(created.data["source"], Source.OPEN311)

    def test_it_answers_in_xml(self):
        root = self.xml(self.good_post("xml"), "service_requests")
        request = root.find("request")
        order = WorkOrder.objects.get(pk=request.findtext("service_request_id"))
        self.assertEqual(request.findtext("token"), str(order.token))
        self.assertIsNone(request.findtext("account_id") or None)

    def test_it_needs_no_csrf_token_and_ignores_a_signed_in_session(self):
        browser = Client(enforce_csrf_checks=True)
        browser.force_login(self.outsider)  # company B's admin: the scope is still company A's
        response = browser.post(
            f"{BASE}/requests.json",
            {"jurisdiction_id": "acme", "api_key": KEY, "service_code": "water-leak", "address_string": "2栋"},
        )
        self.assert_valid(response, "post_request")

    def test_it_uses_the_description_or_the_service_name(self):
        order = self.open311_order(description="")
        self.assertEqual(order.description, "漏水/渗水")

    def test_it_files_a_public_area_by_address_id(self):
        order = self.open311_order(address_id=str(self.area.pk), lat="", long="", address_string="")
        self.assertEqual(order.area, self.area)
        self.assertEqual(order.building, self.building)
        self.assertEqual(order.project, self.project)

    def test_it_refuses_a_missing_key(self):
        self.assert_error(self.good_post(api_key=""), 403)
        self.assert_error(self.good_post("xml", api_key=""), 403, "xml")

    def test_it_refuses_a_wrong_key(self):
        self.assert_error(self.good_post(api_key="guess"), 403)

    @override_settings(OPEN311_BAD_KEYS_PER_HOUR=3)
    def test_it_stops_an_address_guessing_keys(self):
        for _ in range(3):
            self.assert_error(self.good_post(api_key="guess"), 403)
        self.assert_error(self.good_post(), 429)  # even the right key, from that address, for the hour
        self.assertFalse(WorkOrder.objects.filter(source=Source.OPEN311).exists())
        self.assert_valid(self.good_post(remote_addr="10.9.9.9"), "post_request")  # another address

    @override_settings(OPEN311_POSTS_PER_MINUTE=2)
    def test_it_limits_a_client_per_minute(self):
        with time_machine.travel(dt.datetime(2026, 11, 21, 10, 0, 5, tzinfo=dt.UTC), tick=False):
            self.assert_valid(self.good_post(), "post_request")
            self.assert_valid(self.good_post(), "post_request")
            self.assert_error(self.good_post(), 429)
        self.assertEqual(WorkOrder.objects.filter(source=Source.OPEN311).count(), 2)
        with time_machine.travel(dt.datetime(2026, 11, 21, 10, 1, 5, tzinfo=dt.UTC), tick=False):
            self.assert_valid(self.good_post(), "post_request")

    def test_it_refuses_an_inactive_key(self):
        Open311Client.objects.filter(pk=self.api_client.pk).update(is_active=False)
        self.assert_error(self.good_post(), 403)

    def test_it_refuses_another_jurisdictions_key(self):
        self.assert_error(self.good_post(api_key=OTHER_KEY), 403)
        self.assertFalse(WorkOrder.objects.filter(source=Source.OPEN311).exists())

    def test_it_answers_404_for_an_unknown_service_code(self):
        descriptions = self.assert_error(self.good_post(service_code="no-such-service"), 404)
        self.assertIn("service_code", descriptions[0])

    def test_it_answers_400_for_a_missing_service_code(self):
        descriptions = self.assert_error(self.good_post(service_code=""), 400)
        self.assertTrue(descriptions[0].startswith("service_code"))

    def test_it_requires_a_location(self):
        self.assert_error(self.good_post(lat="", long="", address_string=""), 400)
        self.assert_error(self.good_post("xml", lat="", long="", address_string=""), 400, "xml")

    def test_it_requires_lat_and_long_together(self):
        self.assert_error(self.good_post(long="", address_string=""), 400)

    def test_it_rejects_bad_input(self):
        self.assert_error(self.good_post(lat="91"), 400)
        self.assert_error(self.good_post(email="not-an-email"), 400)
        self.assert_error(self.good_post(description="长" * 2001), 400)
        self.assert_error(self.good_post(address_id="999999", address_string=""), 400)
        self.assert_error(self.good_post(address_id=str(self.other_area.pk)), 400)
        self.assertFalse(WorkOrder.objects.filter(source=Source.OPEN311).exists())

    def test_it_requires_the_jurisdiction(self):
        self.assert_error(self.good_post(jurisdiction_id=""), 400)
        self.assert_error(self.good_post(jurisdiction_id="nowhere"), 404)


class GetRequestsTests(Open311TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        # A repair in a unit, rated and shown on the board by its owner.
        cls.shown = report(cls, category=cls.leak, description="周业主家次卧顶棚掉皮")
        wo.workorder_dispatch(order=cls.shown, assignee=cls.staff, actor=cls.admin)
        wo.workorder_start(order=cls.shown, actor=cls.admin)
        wo.workorder_complete(order=cls.shown, actor=cls.admin)
        wo.workorder_rate(order=cls.shown, stars=5, is_public=True, actor=cls.owner)
        # Company B's public-area order.
        cls.other = report(
            cls, actor=cls.outsider, project=cls.other_project, area=cls.other_area, description="他山大堂"
        )

    def ids(self, response) -> set[int]:
        return {int(r["service_request_id"]) for r in response.json()}

    def test_it_lists_public_requests_in_json(self):
        posted = self.open311_order()
        response = self.get("requests.json", jurisdiction_id="acme")
        data = self.assert_valid(response, "service_requests")
        self.assertEqual({int(r["service_request_id"]) for r in data}, {posted.pk, self.lobby.pk, self.shown.pk})
        row = next(r for r in data if r["service_request_id"] == str(posted.pk))
        self.assertEqual(row["status"], "open")
        self.assertEqual(row["service_code"], "water-leak")
        self.assertEqual(row["service_name"], "漏水/渗水")
        self.assertEqual(row["lat"], 30.274084)
        self.assertTrue(row["address"].startswith("1栋1单元门口"))
        self.assertEqual(
            row["expected_datetime"], timezone.localtime(posted.resolve_due_at).isoformat(timespec="seconds")
        )
        self.assertTrue(row["requested_datetime"].endswith("+08:00"))
        self.assertEqual(row["agency_responsible"], posted.department.name if posted.department_id else None)

    def test_it_lists_requests_in_xml(self):
        self.open311_order()
        root = self.xml(self.get("requests.xml", jurisdiction_id="acme"), "service_requests")
        requests = root.findall("request")
        self.assertEqual(len(requests), 3)
        for request in requests:
            self.assertIn(request.findtext("status"), ("open", "closed"))
            self.assertTrue(request.findtext("requested_datetime").endswith("+08:00"))

    def test_it_never_shows_a_private_unit_order(self):
        self.assertNotIn(self.private.pk, self.ids(self.get("requests.json", jurisdiction_id="acme")))
        by_id = self.get("requests.json", jurisdiction_id="acme", service_request_id=str(self.private.pk))
        self.assertEqual(by_id.json(), [])
        self.assert_error(self.get(f"requests/{self.private.pk}.json", jurisdiction_id="acme"), 404)
        self.assert_error(self.get(f"tokens/{self.private.token}.json", jurisdiction_id="acme"), 404)
        for response in (by_id, self.get("requests.xml", jurisdiction_id="acme")):
            self.assertNotContains(response, "卧室渗水")

    def test_it_shows_a_shown_unit_order_by_its_category_only(self):
        row = self.get(f"requests/{self.shown.pk}.json", jurisdiction_id="acme").json()[0]
        self.assertEqual(row["description"], "漏水/渗水")
        self.assertEqual(row["status"], "closed")
        self.assertNotIn(self.unit.code, row["address"])
        self.assertIsNone(row["media_url"])
        self.assertNotContains(self.get("requests.json", jurisdiction_id="acme"), "次卧")

    def test_it_shows_a_public_area_order_with_its_photo(self):
        row = self.get(f"requests/{self.lobby.pk}.json", jurisdiction_id="acme").json()[0]
        self.assertEqual(row["description"], "1栋大堂的灯坏了")
        self.assertEqual(row["address_id"], str(self.area.pk))
        self.assertTrue(row["address"].startswith("1栋大堂"))
        self.assertTrue(row["media_url"].startswith("http://testserver/media/workorders/"))

    def test_it_never_shows_a_contact_name_or_phone(self):
        posted = self.open311_order()
        responses = [
            self.get("requests.json", jurisdiction_id="acme"),
            self.get("requests.xml", jurisdiction_id="acme"),
            self.get(f"requests/{posted.pk}.json", jurisdiction_id="acme"),
            self.get(f"requests/{self.lobby.pk}.xml", jurisdiction_id="acme"),
        ]
        for response in responses:
            for secret in (OWNER_PHONE, POSTED_PHONE, "周业主", "王小明", "wang@example.com"):
                self.assertNotContains(response, secret)
        self.assertContains(responses[0], "139****5678")  # the number typed into the description, masked

    def test_it_never_shows_another_companys_requests(self):
        self.open311_order()
        mine = self.get("requests.json", jurisdiction_id="acme")
        self.assertNotIn(self.other.pk, self.ids(mine))
        theirs = self.get("requests.json", jurisdiction_id="other")
        self.assertEqual(self.ids(theirs), {self.other.pk})
        for marker in ("安居物业", "1栋大堂的灯坏了", "单元门口地面有积水"):
            self.assertNotContains(theirs, marker)
        by_id = self.get("requests.json", jurisdiction_id="other", service_request_id=f"{self.lobby.pk}")
        self.assertEqual(by_id.json(), [])
        self.assert_error(self.get(f"requests/{self.lobby.pk}.json", jurisdiction_id="other"), 404)

    def test_it_filters_by_status(self):
        posted = self.open311_order()
        wo.workorder_cancel(order=self.lobby, reason="业主已自行处理", actor=self.admin)
        closed = self.get("requests.json", jurisdiction_id="acme", status="closed")
        self.assertEqual(self.ids(closed), {self.lobby.pk, self.shown.pk})
        notes = {r["service_request_id"]: r["status_notes"] for r in closed.json()}
        self.assertEqual(notes[str(self.lobby.pk)], "业主已自行处理")
        self.assertEqual(self.ids(self.get("requests.json", jurisdiction_id="acme", status="open")), {posted.pk})
        both = self.get("requests.json", jurisdiction_id="acme", status="open,closed")
        self.assertEqual(len(both.json()), 3)
        self.assert_error(self.get("requests.json", jurisdiction_id="acme", status="pending"), 400)

    def test_it_filters_by_service_code(self):
        posted = self.open311_order()
        self.open311_order(service_code="door-access")
        response = self.get("requests.json", jurisdiction_id="acme", service_code="water-leak")
        self.assertEqual(self.ids(response), {posted.pk, self.shown.pk})

    def test_it_filters_by_date_within_90_days(self):
        now = timezone.now()
        with time_machine.travel(now - dt.timedelta(days=100), tick=False):
            old = self.open311_order()
        with time_machine.travel(now - dt.timedelta(days=10), tick=False):
            recent = self.open311_order()
        default = self.ids(self.get("requests.json", jurisdiction_id="acme"))
        self.assertIn(recent.pk, default)
        self.assertNotIn(old.pk, default)
        start = (now - dt.timedelta(days=101)).isoformat()
        end = (now - dt.timedelta(days=50)).isoformat()
        window = self.get("requests.json", jurisdiction_id="acme", start_date=start, end_date=end)
        self.assertEqual(self.ids(window), {old.pk})
        only_start = self.ids(self.get("requests.json", jurisdiction_id="acme", start_date=start))
        self.assertEqual(only_start, {old.pk})  # 90 days from start_date
        day = f"{timezone.localtime(recent.created):%Y-%m-%d}"
        one_day = self.get("requests.json", jurisdiction_id="acme", start_date=day, end_date=day)
        self.assertEqual(self.ids(one_day), {recent.pk})

    def test_it_reads_an_offset_whose_plus_was_not_url_encoded(self):
        recent = self.open311_order()
        start = f"{timezone.localtime(recent.created) - dt.timedelta(hours=1):%Y-%m-%dT%H:%M:%S}+08:00"
        response = self.client.get(f"{BASE}/requests.json?jurisdiction_id=acme&start_date={start}")
        self.assertIn(recent.pk, self.ids(response))

    def test_it_refuses_a_window_over_90_days(self):
        response = self.get(
            "requests.json",
            jurisdiction_id="acme",
            start_date="2026-01-01T00:00:00+08:00",
            end_date="2026-04-02T00:00:00+08:00",
        )
        self.assertIn("90", self.assert_error(response, 400)[0])
        reversed_window = self.get(
            "requests.xml", jurisdiction_id="acme", start_date="2026-03-01T00:00:00Z", end_date="2026-02-01T00:00:00Z"
        )
        self.assert_error(reversed_window, 400, "xml")
        self.assert_error(self.get("requests.json", jurisdiction_id="acme", start_date="yesterday"), 400)

    def test_it_lets_ids_override_the_other_filters(self):
        with time_machine.travel(timezone.now() - dt.timedelta(days=200), tick=False):
            old = self.open311_order()
        response = self.get(
            "requests.json", jurisdiction_id="acme", service_request_id=f"{old.pk},{self.lobby.pk}", status="closed"
        )
        self.assertEqual(self.ids(response), {old.pk, self.lobby.pk})
        self.assert_error(self.get("requests.json", jurisdiction_id="acme", service_request_id="1,x"), 400)

    def test_it_reads_a_list_in_a_fixed_number_of_queries(self):
        self.open311_order()
        with CaptureQueriesContext(connection) as few:
            self.get("requests.json", jurisdiction_id="acme")
        for _i in range(5):
            self.open311_order()
        with CaptureQueriesContext(connection) as many:
            response = self.get("requests.json", jurisdiction_id="acme")
        self.assertEqual(len(response.json()), 8)
        self.assertEqual(len(many), len(few))
        self.assertLessEqual(len(many), 4)  # jurisdiction, orders, their photos, their events

    def test_it_requires_a_jurisdiction(self):
        response = self.get("requests.json")
        self.assert_error(response, 400)
        self.assertNotIn("1栋大堂", response.content.decode())


class RequestDetailTests(Open311TestCase):
    def test_it_shows_one_request(self):
        posted = self.open311_order()
        data = self.assert_valid(self.get(f"requests/{posted.pk}.json", jurisdiction_id="acme"), "service_requests")
        self.assertEqual(len(data), 1)
        self.assertEqual(data[0]["service_request_id"], str(posted.pk))
        self.assertEqual(data[0]["description"], "单元门口地面有积水，电话139****5678")
        root = self.xml(self.get(f"requests/{posted.pk}.xml", jurisdiction_id="acme"), "service_requests")
        self.assertEqual(root.find("request").findtext("service_request_id"), str(posted.pk))
        self.assertEqual(root.find("request").findtext("zipcode"), "")  # null is an empty element

    def test_it_answers_404_for_an_unknown_request(self):
        self.assert_error(self.get("requests/999999.json", jurisdiction_id="acme"), 404)
        self.assert_error(self.get("requests/abc.xml", jurisdiction_id="acme"), 404, "xml")

    def test_it_shows_the_media_url_the_client_sent(self):
        posted = self.open311_order(media_url="https://img.example.com/1.jpg")
        row = self.get(f"requests/{posted.pk}.json", jurisdiction_id="acme").json()[0]
        self.assertEqual(row["media_url"], "https://img.example.com/1.jpg")


class TokenTests(Open311TestCase):
    def test_it_finds_the_request_of_a_token(self):
        posted = self.open311_order()
        data = self.assert_valid(self.get(f"tokens/{posted.token}.json", jurisdiction_id="acme"), "tokens")
        self.assertEqual(data, [{"service_request_id": str(posted.pk), "token": str(posted.token)}])
        root = self.xml(self.get(f"tokens/{posted.token}.xml", jurisdiction_id="acme"), "service_requests")
        self.assertEqual(root.find("request").findtext("service_request_id"), str(posted.pk))

    def test_it_answers_404_for_an_unknown_token(self):
        self.assert_error(self.get(f"tokens/{uuid.uuid4()}.json", jurisdiction_id="acme"), 404)
        self.assert_error(self.get("tokens/not-a-token.xml", jurisdiction_id="acme"), 404, "xml")

    def test_it_answers_404_for_another_companys_token(self):
        posted = self.open311_order()
        self.assert_error(self.get(f"tokens/{posted.token}.json", jurisdiction_id="other"), 404)


class SingleJurisdictionTests(Open311TestCase):
    def test_it_needs_no_jurisdiction_when_only_one_company_is_active(self):
        from core.models import Company

        Company.objects.filter(pk=self.other_company.pk).update(is_active=False)
        data = self.assert_valid(self.get("services.json"), "services")
        self.assertTrue(any(s["service_code"] == "water-leak" for s in data))
        self.assert_error(self.get("services.json", jurisdiction_id="other"), 404)


class RendererTests(SimpleTestCase):
    def test_it_writes_xml_the_spec_can_parse(self):
        data = [{"service_request_id": "1", "description": "a < b & c\x0b", "lat": None, "flag": True}]
        response = render("service_requests", data, "xml")
        request = ElementTree.fromstring(response.content).find("request")
        self.assertEqual(request.findtext("description"), "a < b & c")
        self.assertEqual(request.findtext("lat"), "")
        self.assertEqual(request.findtext("flag"), "true")

    def test_it_writes_json_as_utf8(self):
        response = render("services", [{"service_name": "漏水"}], "json")
        self.assertIn("漏水".encode(), response.content)
