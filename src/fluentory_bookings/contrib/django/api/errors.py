"""Typed refusals as HTTP responses, for our views only (the host's global handler stays).

Every error body has the same shape: ``code`` (stable, machine-readable), ``message`` (human,
translated), ``field`` (the input at fault, or null) and the details the error carries (its
``as_dict()``: a conflict lists what it collides with, a limit names its bound).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler, set_rollback

from fluentory_bookings.contrib.django.refusals import error_message
from fluentory_bookings.contrib.django.services.isolation import TryAgain
from fluentory_bookings.core.errors import (
    BookingError,
    Conflict,
    InvalidInput,
    NotPermitted,
    PolicyViolation,
)

__all__ = ["api_exception_handler", "error_code", "error_status"]


def error_code(exc: BookingError) -> str:
    """The most specific stable code: a policy's rule (``booking_type``, ``cancellation_cutoff``,
    ...), else the error's class code (``session_full``, ``conflict``, ``invalid_input``, ...)."""
    if isinstance(exc, PolicyViolation):
        return exc.rule.value
    return exc.code


def error_status(exc: BookingError) -> int:
    """400 for bad input, 403 for who the caller is, 409 for the state of things."""
    if isinstance(exc, InvalidInput):
        return 400
    if isinstance(exc, NotPermitted):
        return 403
    if isinstance(exc, PolicyViolation) and exc.rule.concerns_caller:
        # About who the caller is rather than the state of things.
        return 403
    return 409


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, with our typed errors mapped and every body in one shape."""
    if isinstance(exc, BookingError):
        set_rollback()
        body = exc.as_dict()
        if isinstance(exc, Conflict):
            for shown, detail in zip(body["conflicts"], exc.conflicts, strict=True):
                shown["ref"] = _ref(detail.ref)
        body.update(
            code=error_code(exc),
            error=exc.code,
            message=error_message(exc),
            # The error's own English sentence, for the developer reading the response.
            detail=exc.message,
            field=getattr(exc, "field", None),
        )
        # Nothing was written: the same request may simply be sent again in a moment.
        headers = {"Retry-After": "1"} if isinstance(exc, TryAgain) else None
        return Response(body, status=error_status(exc), headers=headers)
    response = exception_handler(exc, context)
    if response is None:
        return None
    response.data = _drf_body(exc, response.data)
    return response


def _ref(ref: object) -> dict[str, Any] | None:
    """What a conflict collides with, as ``{"kind": "group_booking", "id": 7}`` (the services'
    refs are ``(kind, pk)``; anything else, e.g. a host's busy time, is its text)."""
    if ref is None:
        return None
    if isinstance(ref, tuple) and len(ref) == 2 and isinstance(ref[0], str):
        return {"kind": ref[0], "id": ref[1]}
    return {"kind": "other", "id": str(ref)}


def _drf_body(exc: Exception, data: Any) -> dict[str, Any]:
    if isinstance(exc, exceptions.ValidationError):
        field, message = _first(data)
        return {
            "code": InvalidInput.code,
            "error": InvalidInput.code,
            "message": message,
            "field": field,
            "errors": data,
        }
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    code = exc.default_code if isinstance(exc, exceptions.APIException) else "error"
    detail = data.get("detail") if isinstance(data, dict) else None
    message = str(detail) if detail is not None else _("This could not be done.")
    return {"code": code, "error": code, "message": message, "field": None}


def _first(data: Any, prefix: str = "") -> tuple[str | None, str]:
    """The first field at fault (dotted for nested input) and its first message."""
    if isinstance(data, dict):
        for key, value in data.items():
            name = key if key != "non_field_errors" else ""
            found, message = _first(
                value, f"{prefix}.{name}" if prefix and name else prefix or name
            )
            return found, message
    if isinstance(data, list) and data:
        return _first(data[0], prefix)
    return (prefix or None), str(data)
