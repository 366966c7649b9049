"""api.exceptions: every exception an API view can raise becomes one structured JSON shape."""

from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.test import SimpleTestCase
from django_scopes.exceptions import ScopeError
from rest_framework import exceptions, serializers

from api.exceptions import exception_handler
from core.models import Building, Resident, Unit
from lib.testing import BaseTestCase

CONTEXT = {"view": None, "args": (), "kwargs": {}, "request": None}


def handle(exc) -> tuple[int, dict]:
    response = exception_handler(exc, dict(CONTEXT))
    assert response is not None, exc
    return response.status_code, response.data


class DjangoValidationErrorTests(SimpleTestCase):
    def test_it_maps_an_error_dict_to_fields(self):
        exc = DjangoValidationError(
            {
                "floor_area": [DjangoValidationError("Too small.", code="min_value")],
                "number": [DjangoValidationError("Required.", code="required"), DjangoValidationError("Bad.")],
            }
        )
        status, body = handle(exc)
        self.assertEqual(status, 400)
        self.assertEqual(
            body,
            {
                "error": {
                    "status": 400,
                    "code": "invalid",
                    "message": "输入有误 / Invalid input.",
                    "fields": {
                        "floor_area": [{"code": "min_value", "message": "Too small."}],
                        "number": [
                            {"code": "required", "message": "Required."},
                            {"code": "invalid", "message": "Bad."},
                        ],
                    },
                }
            },
        )

    def test_it_maps_all_to_non_field_errors(self):
        exc = DjangoValidationError({"__all__": [DjangoValidationError("The contract ends first.", code="order")]})
        _status, body = handle(exc)
        self.assertEqual(
            body["error"]["fields"], {"non_field_errors": [{"code": "order", "message": "The contract ends first."}]}
        )

    def test_it_maps_an_error_list_to_non_field_errors(self):
        exc = DjangoValidationError([DjangoValidationError("First.", code="a"), "Second."])
        status, body = handle(exc)
        self.assertEqual(status, 400)
        self.assertEqual(
            body["error"]["fields"],
            {"non_field_errors": [{"code": "a", "message": "First."}, {"code": "invalid", "message": "Second."}]},
        )

    def test_it_maps_a_single_message(self):
        _status, body = handle(DjangoValidationError("This link is already verified."))
        self.assertEqual(
            body["error"]["fields"],
            {"non_field_errors": [{"code": "invalid", "message": "This link is already verified."}]},
        )

    def test_it_interpolates_params(self):
        exc = DjangoValidationError(
            {"year": [DjangoValidationError("No data for %(year)s.", code="unknown", params={"year": 2031})]}
        )
        _status, body = handle(exc)
        self.assertEqual(body["error"]["fields"], {"year": [{"code": "unknown", "message": "No data for 2031."}]})

    def test_it_keeps_unique_errors_without_a_known_field_as_non_field(self):
        exc = DjangoValidationError({"__all__": [DjangoValidationError("Duplicate.", code="unique_together")]})
        _status, body = handle(exc)
        self.assertEqual(
            body["error"]["fields"], {"non_field_errors": [{"code": "unique_together", "message": "Duplicate."}]}
        )


class UniqueConstraintTests(BaseTestCase):
    """full_clean() reports UniqueConstraints under __all__: the handler names the field."""

    def clean_error(self, obj) -> DjangoValidationError:
        with self.assertRaises(DjangoValidationError) as ctx:
            obj.full_clean()
        return ctx.exception

    def test_it_names_the_field_of_a_unique_constraint(self):
        unit = Unit(
            company=self.company,
            project=self.project,
            building=self.building,
            floor=1,
            number="101",
            code=self.unit.code,
            floor_area=Decimal("1"),
        )
        status, body = handle(self.clean_error(unit))
        self.assertEqual(status, 400)
        self.assertEqual(list(body["error"]["fields"]), ["code"])
        self.assertEqual(body["error"]["fields"]["code"][0]["code"], "unique")

    def test_it_names_the_field_of_a_conditional_unique_constraint(self):
        resident = Resident(company=self.company, name="重复", phone=self.resident.phone)
        exc = self.clean_error(resident)
        self.assertIn("__all__", exc.error_dict)  # Django gives no field: the handler must find it
        _status, body = handle(exc)
        self.assertEqual(
            [(f, [e["code"] for e in errors]) for f, errors in body["error"]["fields"].items()], [("phone", ["unique"])]
        )

    def test_it_keeps_field_errors_next_to_unique_errors(self):
        building = Building(company=self.company, project=self.project, name=self.building.name, floors=0)
        _status, body = handle(self.clean_error(building))
        fields = body["error"]["fields"]
        self.assertEqual(
            {f: [e["code"] for e in errors] for f, errors in fields.items()},
            {"floors": ["min_value"], "name": ["unique"]},
        )


class HttpErrorTests(SimpleTestCase):
    def test_it_maps_http404_without_echoing_its_text(self):
        status, body = handle(Http404("No Unit matches the given query."))
        self.assertEqual(status, 404)
        self.assertEqual((body["error"]["code"], body["error"]["fields"]), ("not_found", {}))
        self.assertNotIn("Unit", body["error"]["message"])

    def test_it_maps_permission_denied(self):
        status, body = handle(PermissionDenied())
        self.assertEqual(status, 403)
        self.assertEqual(
            (body["error"]["status"], body["error"]["code"], body["error"]["fields"]), (403, "permission_denied", {})
        )
        self.assertTrue(body["error"]["message"])

    def test_it_keeps_the_message_of_permission_denied(self):
        _status, body = handle(PermissionDenied("Only a company admin may grant this role."))
        self.assertEqual(body["error"]["message"], "Only a company admin may grant this role.")

    def test_it_does_not_hide_scope_errors(self):
        with self.assertRaises(ScopeError):
            exception_handler(ScopeError("no scope"), dict(CONTEXT))

    def test_it_leaves_unknown_exceptions_to_become_500s(self):
        self.assertIsNone(exception_handler(ValueError("boom"), dict(CONTEXT)))


class DrfErrorTests(SimpleTestCase):
    def test_it_maps_serializer_errors(self):
        class Input(serializers.Serializer):
            floor_area = serializers.DecimalField(max_digits=6, decimal_places=2, min_value=Decimal("0"))
            name = serializers.CharField()

        data = Input(data={"floor_area": "-1"})
        self.assertFalse(data.is_valid())
        status, body = handle(exceptions.ValidationError(data.errors))
        self.assertEqual(status, 400)
        fields = body["error"]["fields"]
        self.assertEqual([e["code"] for e in fields["floor_area"]], ["min_value"])
        self.assertEqual([e["code"] for e in fields["name"]], ["required"])

    def test_it_maps_a_list_detail_to_non_field_errors(self):
        _status, body = handle(exceptions.ValidationError(["Bad.", "Worse."]))
        self.assertEqual([e["message"] for e in body["error"]["fields"]["non_field_errors"]], ["Bad.", "Worse."])

    def test_it_maps_a_string_detail_to_non_field_errors(self):
        _status, body = handle(exceptions.ValidationError("Bad.", code="bad"))
        self.assertEqual(body["error"]["fields"], {"non_field_errors": [{"code": "bad", "message": "Bad."}]})

    def test_it_keeps_nested_errors(self):
        _status, body = handle(exceptions.ValidationError({"user": {"phone": ["Bad phone."]}}))
        self.assertEqual(body["error"]["fields"], {"user": {"phone": [{"code": "invalid", "message": "Bad phone."}]}})

    def test_it_maps_authentication_errors(self):
        status, body = handle(exceptions.NotAuthenticated())
        self.assertEqual((status, body["error"]["code"], body["error"]["fields"]), (401, "not_authenticated", {}))
        status, body = handle(exceptions.AuthenticationFailed("Wrong password."))
        self.assertEqual(
            (status, body["error"]["code"], body["error"]["message"]), (401, "authentication_failed", "Wrong password.")
        )

    def test_it_maps_throttling_with_retry_after(self):
        response = exception_handler(exceptions.Throttled(wait=30), dict(CONTEXT))
        self.assertEqual((response.status_code, response.data["error"]["code"]), (429, "throttled"))
        self.assertEqual(response["Retry-After"], "30")

    def test_it_maps_other_drf_errors(self):
        for exc, status, code in [
            (exceptions.NotFound(), 404, "not_found"),
            (exceptions.MethodNotAllowed("DELETE"), 405, "method_not_allowed"),
            (exceptions.ParseError(), 400, "parse_error"),
            (exceptions.UnsupportedMediaType("text/csv"), 415, "unsupported_media_type"),
        ]:
            got_status, body = handle(exc)
            self.assertEqual((got_status, body["error"]["status"], body["error"]["code"]), (status, status, code))
            self.assertEqual(set(body["error"]), {"status", "code", "message", "fields"})
            self.assertEqual(body["error"]["fields"], {})
