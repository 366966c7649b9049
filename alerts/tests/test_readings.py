"""POST /api/v1/readings/ through the whole HTTP stack: gateway key authentication (missing,
wrong, revoked, a user's token instead), structured per-row errors, rate limits, and readings
that raise alerts."""

import datetime as dt
import json

import time_machine
from django.core.cache import cache
from django.test import override_settings
from django.urls import Resolver404, path, resolve
from django_scopes import scopes_disabled

from alerts.api.readings import ReadingIngestApi
from alerts.choices import RuleKind
from alerts.models import Alert, AlertRule, Reading
from alerts.services.devices import device_create, gateway_create, gateway_revoke
from alerts.tests.base import AlertsTestCase

T0 = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)
URL = "/api/v1/readings/"

# The view on its own address, whatever the alerts API's urls route meanwhile.
urlpatterns = [path("api/v1/readings/", ReadingIngestApi.as_view(), name="readings")]


@override_settings(ROOT_URLCONF=__name__)
class ReadingIngestApiTests(AlertsTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        with scopes_disabled():
            cls.pump = device_create(
                company=cls.company,
                data={"project": cls.project, "code": "pump-1", "name": "1号水泵"},
                actor=cls.admin,
            )
            cls.other_pump = device_create(
                company=cls.other_company,
                data={"project": cls.other_project, "code": "pump-9", "name": "他山水泵"},
                actor=cls.outsider,
            )
            cls.gateway, cls.key = gateway_create(company=cls.company, data={"name": "网关"}, actor=cls.admin)
            AlertRule.objects.create(
                company=cls.company,
                kind=RuleKind.EQUIPMENT,
                name="水泵压力低",
                severity="high",
                params={"metric": "pressure", "op": "<", "value": 0.2},
            )

    def setUp(self) -> None:
        cache.clear()  # rate-limit counters

    def post(self, body, key: str | None = None, **headers):
        if key is not None:
            headers["HTTP_AUTHORIZATION"] = f"Gateway {key}"
        data = body if isinstance(body, str) else json.dumps(body)
        with time_machine.travel(T0, tick=False):
            return self.client.post(URL, data, content_type="application/json", **headers)

    def readings(self, *values, device="pump-1") -> dict:
        return {"readings": [{"device": device, "metric": "pressure", "value": v} for v in values]}

    def assert_unauthorized(self, response) -> None:
        self.assertEqual(response.status_code, 401, response.content)
        self.assertTrue(response["WWW-Authenticate"].startswith("Gateway"))
        self.assertEqual(response.json()["error"]["status"], 401)
        with scopes_disabled():
            self.assertFalse(Reading.objects.exists())

    def test_it_saves_readings_and_answers_the_counts(self) -> None:
        response = self.post(self.readings(0.5, 0.1), key=self.key)
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual(response.json(), {"accepted": 2, "alerts": 1, "resolved": 0, "work_orders": 0})
        with scopes_disabled():
            self.assertEqual(Reading.objects.filter(device=self.pump).count(), 2)
            alert = Alert.objects.get()
        self.assertEqual((alert.company, alert.subject_id), (self.company, self.pump.pk))

    def test_it_needs_a_key(self) -> None:
        self.assert_unauthorized(self.post(self.readings(0.5)))

    def test_it_refuses_a_wrong_key(self) -> None:
        response = self.post(self.readings(0.5), key=self.key[:-1] + "x")
        self.assert_unauthorized(response)
        self.assertEqual(response.json()["error"]["code"], "authentication_failed")

    def test_it_refuses_a_malformed_header(self) -> None:
        self.assert_unauthorized(self.post(self.readings(0.5), HTTP_AUTHORIZATION="Gateway"))
        self.assert_unauthorized(self.post(self.readings(0.5), HTTP_AUTHORIZATION=f"Gateway {self.key} extra"))

    def test_it_refuses_a_revoked_key(self) -> None:
        with scopes_disabled():
            gateway_revoke(gateway=self.gateway, actor=self.admin)
        self.assert_unauthorized(self.post(self.readings(0.5), key=self.key))

    def test_a_users_sign_in_or_token_is_not_a_gateway_key(self) -> None:
        from rest_framework.authtoken.models import Token

        token = Token.objects.create(user=self.admin)
        self.assert_unauthorized(self.post(self.readings(0.5), HTTP_AUTHORIZATION=f"Token {token.key}"))
        self.client.force_login(self.admin)
        self.assert_unauthorized(self.post(self.readings(0.5)))

    def test_it_refuses_other_companies_devices_by_row(self) -> None:
        response = self.post(self.readings(0.5, device="pump-9"), key=self.key)
        self.assertEqual(response.status_code, 400)
        error = response.json()["error"]
        self.assertEqual(error["code"], "invalid")
        self.assertEqual(error["fields"]["readings"]["0"]["device"][0]["code"], "does_not_exist")
        with scopes_disabled():
            self.assertFalse(Reading.objects.exists())

    def test_it_names_the_row_and_the_field_of_each_error(self) -> None:
        body = {
            "readings": [
                {"device": "pump-1", "metric": "pressure", "value": 0.3},
                {"device": "pump-1", "metric": "pressure", "value": "NaN"},
                {"device": "pump-1", "metric": "pressure", "value": 0.3, "at": "2099-01-01T00:00:00+08:00"},
            ]
        }
        response = self.post(body, key=self.key)
        self.assertEqual(response.status_code, 400)
        fields = response.json()["error"]["fields"]["readings"]
        self.assertEqual(set(fields), {"1", "2"})
        self.assertEqual(set(fields["1"]), {"value"})
        self.assertEqual(set(fields["2"]), {"at"})
        self.assertTrue(fields["1"]["value"][0]["message"])
        with scopes_disabled():
            self.assertFalse(Reading.objects.exists())

    def test_it_needs_a_list_of_readings(self) -> None:
        for body in ({}, {"readings": []}, [{"device": "pump-1"}], '"text"'):
            with self.subTest(body=body):
                response = self.post(body, key=self.key)
                self.assertEqual(response.status_code, 400)
                self.assertIn("readings", response.json()["error"]["fields"])

    def test_it_answers_bad_json_with_400(self) -> None:
        self.assertEqual(self.post("{not json", key=self.key).status_code, 400)

    def test_it_only_takes_posts(self) -> None:
        with time_machine.travel(T0, tick=False):
            self.assertEqual(self.client.get(URL).status_code, 401)
            self.assertEqual(self.client.get(URL, HTTP_AUTHORIZATION=f"Gateway {self.key}").status_code, 405)

    @override_settings(READINGS_BAD_KEYS_PER_HOUR=2)
    def test_it_slows_down_an_address_guessing_keys(self) -> None:
        for _attempt in range(2):
            self.assertEqual(self.post(self.readings(0.5), key="guess").status_code, 401)
        self.assertEqual(self.post(self.readings(0.5), key="guess").status_code, 429)

    @override_settings(READINGS_POSTS_PER_MINUTE=1)
    def test_it_limits_posts_per_gateway(self) -> None:
        self.assertEqual(self.post(self.readings(0.5), key=self.key).status_code, 201)
        self.assertEqual(self.post(self.readings(0.5), key=self.key).status_code, 429)

    def test_another_companys_gateway_sees_only_its_devices(self) -> None:
        with scopes_disabled():
            _gateway, key = gateway_create(company=self.other_company, data={"name": "他山网关"}, actor=self.outsider)
        response = self.post(self.readings(0.5), key=key)
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.json()["error"]["fields"]["readings"]["0"]["device"][0]["code"], "does_not_exist")
        self.assertEqual(self.post(self.readings(0.5, device="pump-9"), key=key).status_code, 201)


class ReadingRouteTests(AlertsTestCase):
    def test_the_api_routes_the_view_when_it_is_wired(self) -> None:
        try:
            match = resolve(URL)
        except Resolver404:
            self.skipTest("/api/v1/readings/ is not routed yet (alerts/api/urls.py)")
        self.assertIs(match.func.view_class, ReadingIngestApi)
