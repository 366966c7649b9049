"""Structured API errors: every error names its code, message and, for input, the field.

    {"error": {"code": "invalid", "message": "...", "fields": {"floor_area": [{"code": "min_value", "message": "..."}]}}}
"""

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django_scopes.exceptions import ScopeError
from rest_framework import exceptions
from rest_framework.views import exception_handler as drf_exception_handler


def _details(detail):
    if isinstance(detail, dict):
        return {key: _details(value) for key, value in detail.items()}
    if isinstance(detail, list):
        flat = []
        for item in detail:
            flat.extend(_details(item) if isinstance(item, list) else [_details(item)])
        return flat
    if isinstance(detail, exceptions.ErrorDetail):
        return {"code": detail.code, "message": str(detail)}
    return detail


def _from_django_validation(exc: DjangoValidationError) -> exceptions.ValidationError:
    if hasattr(exc, "error_dict"):
        detail = {
            ("non_field_errors" if field == "__all__" else field): [
                exceptions.ErrorDetail(" ".join(map(str, e.messages)), code=e.code or "invalid") for e in errors
            ]
            for field, errors in exc.error_dict.items()
        }
    else:
        detail = {
            "non_field_errors": [
                exceptions.ErrorDetail(" ".join(map(str, e.messages)), code=e.code or "invalid")
                for e in exc.error_list
            ]
        }
    return exceptions.ValidationError(detail)


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        exc = _from_django_validation(exc)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, ScopeError):
        raise exc  # a programming error: never hide it behind a 4xx
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    detail = exc.detail if isinstance(exc, exceptions.APIException) else {}
    code = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
    body = {"error": {"status": response.status_code}}
    if isinstance(exc, exceptions.ValidationError):
        body["error"].update(code="invalid", message="输入有误 / Invalid input.", fields=_details(detail))
        if isinstance(detail, list):
            body["error"]["fields"] = {"non_field_errors": _details(detail)}
    else:
        body["error"].update(code=code if isinstance(code, str) else "error", message=str(detail))
    response.data = body
    return response
