"""Structured API errors: every error has the same shape, and input errors name the field and the rule.

    {"error": {"status": 400, "code": "invalid", "message": "...",
               "fields": {"floor_area": [{"code": "min_value", "message": "..."}]}}}

``fields`` is always present (empty unless the input was invalid). A service error with the
code ``conflict`` (the row changed meanwhile) is a 409 with that code. Errors that belong to
no single field are listed under ``non_field_errors``. A unique-constraint violation found
by ``full_clean()`` in a service is reported on the constraint's last field (``code`` for
(project, code)) with the code ``unique``, exactly like a DRF unique error.
"""

from django.apps import apps
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.http import Http404
from django_scopes.exceptions import ScopeError
from rest_framework import exceptions
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

INVALID_INPUT = "输入有误 / Invalid input."
NON_FIELD = api_settings.NON_FIELD_ERRORS_KEY


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
    return {"code": "invalid", "message": str(detail)}


def _conditional_unique_field(message: str) -> str | None:
    """The field of a conditional UniqueConstraint whose violation message this is (Django gives no params)."""
    for model in apps.get_models():
        for constraint in model._meta.constraints:
            if isinstance(constraint, models.UniqueConstraint) and constraint.fields and constraint.condition:
                if str(constraint.get_violation_error_message()) == message:
                    return constraint.fields[-1]
    return None


def _django_error(field: str, error: DjangoValidationError) -> tuple[str, exceptions.ErrorDetail]:
    """One Django error as (field, detail); unique-constraint errors move from __all__ to their field."""
    message = " ".join(map(str, error.messages))
    code = error.code or "invalid"
    if field == NON_FIELD_ERRORS:
        unique_check = (error.params or {}).get("unique_check") if isinstance(error.params, dict) else None
        if code in ("unique", "unique_together") and unique_check:
            field, code = unique_check[-1], "unique"
        elif (constraint_field := _conditional_unique_field(message)) is not None:
            field, code = constraint_field, "unique"
    key = NON_FIELD if field == NON_FIELD_ERRORS else field
    return key, exceptions.ErrorDetail(message, code=code)


def _from_django_validation(exc: DjangoValidationError) -> exceptions.ValidationError:
    errors = exc.error_dict.items() if hasattr(exc, "error_dict") else [(NON_FIELD_ERRORS, exc.error_list)]
    detail: dict[str, list] = {}
    for field, field_errors in errors:
        for error in field_errors:
            key, item = _django_error(field, error)
            detail.setdefault(key, []).append(item)
    return exceptions.ValidationError(detail)


class Conflict(exceptions.APIException):
    status_code = 409
    default_detail = "冲突 / Conflict."
    default_code = "conflict"


def _is_conflict(exc: DjangoValidationError) -> bool:
    """A service's "changed by someone else meanwhile" (code ``conflict``): 409, not an input error."""
    return not hasattr(exc, "error_dict") and [e.code for e in exc.error_list] == ["conflict"]


def _translate(exc):
    if isinstance(exc, DjangoValidationError):
        if _is_conflict(exc):
            return Conflict(detail=" ".join(map(str, exc.messages)))
        return _from_django_validation(exc)
    if isinstance(exc, Http404):
        return exceptions.NotFound()  # never echo the 404 text: it may name the model or the query
    if isinstance(exc, PermissionDenied):
        return exceptions.PermissionDenied(detail=str(exc) or None)
    if isinstance(exc, ScopeError):
        raise exc  # a programming error: never hide it behind a 4xx
    return exc


def exception_handler(exc, context):
    exc = _translate(exc)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        fields = _details(exc.detail if isinstance(exc.detail, dict) else {NON_FIELD: exc.detail})
        error = {"code": "invalid", "message": INVALID_INPUT, "fields": fields}
    else:
        code = exc.get_codes()
        error = {"code": code if isinstance(code, str) else "error", "message": str(exc.detail), "fields": {}}
    response.data = {"error": {"status": response.status_code, **error}}
    return response
