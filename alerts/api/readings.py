"""POST /api/v1/readings/: device gateways post equipment readings with ``Authorization: Gateway <key>``.

No user signs in here: the gateway's key names the company (and perhaps the project) and the
view runs in that company's scope only. Unknown, revoked or missing keys are answered 401; an
address that keeps guessing keys is slowed down (429), like Open311's api_key.
"""

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.utils.translation import gettext_lazy as _
from django_scopes import scope
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.parsers import JSONParser
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.forms import client_ip
from alerts.models import Gateway
from alerts.services.devices import READINGS_MAX, ReadingsInvalid, gateway_for_key, readings_ingest
from lib.ratelimit import ratelimit_exceeded, ratelimit_hit

GATEWAY_KEY_INVALID = _("Unknown or revoked gateway key.")
GATEWAY_KEY_MALFORMED = _("Send the header as: Authorization: Gateway <key>.")
READINGS_TOO_MANY_REQUESTS = _("Too many requests: wait a minute and try again.")


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


class GatewayAuthentication(BaseAuthentication):
    """``Authorization: Gateway <key>``: the request acts for that gateway (``request.auth``)."""

    keyword = "Gateway"

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword.lower().encode():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(GATEWAY_KEY_MALFORMED)
        ip_key, hour = f"readings-bad-key:{client_ip(request)}", 3600
        bad_keys_per_hour = _setting("READINGS_BAD_KEYS_PER_HOUR", 20)
        if ratelimit_exceeded(ip_key, limit=bad_keys_per_hour, window=hour):
            raise exceptions.Throttled(detail=str(READINGS_TOO_MANY_REQUESTS))
        try:
            key = parts[1].decode("ascii")
        except UnicodeDecodeError:
            key = ""
        gateway = gateway_for_key(key)
        if gateway is None:
            ratelimit_hit(ip_key, limit=bad_keys_per_hour, window=hour)
            raise exceptions.AuthenticationFailed(GATEWAY_KEY_INVALID)
        return AnonymousUser(), gateway

    def authenticate_header(self, request) -> str:
        return f'{self.keyword} realm="api"'


class GatewayAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = GatewayAuthentication
    name = "gatewayKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "Gateway <key> (the key shown once when the gateway was created).",
        }


class IsGateway(BasePermission):
    def has_permission(self, request, view) -> bool:
        return isinstance(request.auth, Gateway)


class ReadingSerializer(serializers.Serializer):
    device = serializers.CharField(help_text="The device's code.")
    metric = serializers.CharField(max_length=40, help_text="e.g. pressure, level, temperature.")
    value = serializers.FloatField()
    at = serializers.DateTimeField(required=False, help_text="When measured; default now, at most 5 minutes ahead.")


class ReadingsInputSerializer(serializers.Serializer):
    readings = ReadingSerializer(many=True, help_text=f"1 to {READINGS_MAX} readings.")


class ReadingsOutputSerializer(serializers.Serializer):
    accepted = serializers.IntegerField(help_text="Readings saved.")
    alerts = serializers.IntegerField(help_text="Alerts raised or reopened.")
    resolved = serializers.IntegerField(help_text="Alerts resolved by readings back within their limit.")
    work_orders = serializers.IntegerField(help_text="Work orders opened by the equipment rules.")


@extend_schema(request=ReadingsInputSerializer, responses={201: ReadingsOutputSerializer})
class ReadingIngestApi(APIView):
    """Post equipment readings: {"readings": [{"device", "metric", "value", "at"}]}. All or nothing:
    if any reading is invalid nothing is saved and the errors name the row and the field
    (`fields.readings."3".value`). Readings over an equipment rule's threshold raise alerts (and
    may open a work order); a later reading back within it resolves the alert."""

    authentication_classes = [GatewayAuthentication]
    permission_classes = [IsGateway]
    parser_classes = [JSONParser]

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        # The gateway's company only, whatever the middleware entered for a browser session.
        self._tenant_scope = scope(company=[request.auth.company_id])
        self._tenant_scope.__enter__()

    def finalize_response(self, request, response, *args, **kwargs):
        tenant_scope = getattr(self, "_tenant_scope", None)
        if tenant_scope is not None:
            self._tenant_scope = None
            tenant_scope.__exit__(None, None, None)
        return super().finalize_response(request, response, *args, **kwargs)

    def post(self, request, format=None):
        gateway: Gateway = request.auth
        per_minute = _setting("READINGS_POSTS_PER_MINUTE", 120)
        if not ratelimit_hit(f"readings-gateway:{gateway.pk}", limit=per_minute, window=60):
            raise exceptions.Throttled(wait=60, detail=str(READINGS_TOO_MANY_REQUESTS))
        data = request.data if isinstance(request.data, dict) else {}
        try:
            counts = readings_ingest(gateway=gateway, readings=data.get("readings"))
        except ReadingsInvalid as error:
            raise exceptions.ValidationError({"readings": _row_details(error.rows)}) from None
        return Response(ReadingsOutputSerializer(counts).data, status=status.HTTP_201_CREATED)


def _row_details(rows: dict) -> dict:
    return {
        index: {
            name: [exceptions.ErrorDetail(str(e.message), code=e.code or "invalid") for e in errors]
            for name, errors in fields.items()
        }
        for index, fields in rows.items()
    }
