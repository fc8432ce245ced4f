"""The API's OpenAPI description, with drf-spectacular.

The views say what they read and write with serializers; this module adds what spectacular
cannot see in them, without touching the views: the input and output of every action (the
views validate bodies with input serializers of their own), the query parameters, the
``Idempotency-Key`` header on POST, the write throttle's ``429`` (with ``Retry-After``) on every
write, and the one error body every refusal shares. The API's
base view uses :class:`ApiSchema`, so a host that serves its own spectacular schema gets ours
inside it, whatever its ``DEFAULT_SCHEMA_CLASS``.

The settings the committed ``docs/api/openapi.yaml`` is generated with are in
:mod:`.schema_settings`, which a host's settings module can import.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import SAFE_METHODS

from fluentory_bookings.contrib.django.api import serializers as s
from fluentory_bookings.contrib.django.api.idempotency import (
    KEY_HEADER,
    MAX_KEY_LENGTH,
    REPLAYED_HEADER,
)
from fluentory_bookings.contrib.django.choices import OneOnOneStatusChoices
from fluentory_bookings.contrib.django.conf import WRITE_THROTTLE_SCOPE
from fluentory_bookings.contrib.django.models import FeedKind

__all__ = ["ACTIONS", "FIELDS", "Action", "ApiSchema", "ErrorSerializer"]


class ErrorSerializer(serializers.Serializer[Any]):
    """Every refusal: a stable code, a human message, the input at fault, and the details the
    error carries (a conflict's ``conflicts``, a limit's ``limit``, ...)."""

    code = serializers.CharField(help_text="Stable and machine-readable, e.g. `session_full`.")
    error = serializers.CharField(help_text="The error's class code, e.g. `policy_violation`.")
    message = serializers.CharField(help_text="One human sentence, in the request's language.")
    field = serializers.CharField(allow_null=True, help_text="The input at fault, or null.")
    detail = serializers.CharField(
        required=False,
        help_text="The library's own English sentence, for developers (refusals of the rules).",
    )


_ERRORS: dict[str, str] = {
    "400": "Bad input: a body field, a query parameter or the Idempotency-Key header.",
    "401": "Not logged in (with authentication that asks for credentials).",
    "403": "Not logged in, or not allowed to do this.",
    "404": "No such object, or one the caller may not see.",
    "409": "Refused by the state of things: full, taken, too late, already done, ...",
    "422": "The Idempotency-Key was used before for a different request.",
    "429": "Too many writes: this user's budget of writes is spent (`code`: `throttled`). "
    "Nothing was done; send it again after `Retry-After` seconds.",
}

LOCAL_TIME = {
    "type": "string",
    "format": "partial-time",
    "pattern": r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?$",
    "example": "09:00:00",
}
TZ = OpenApiParameter(
    "tz",
    str,
    description="IANA zone the response's times are written in (default UTC).",
)
IDEMPOTENCY_KEY = OpenApiParameter(
    KEY_HEADER,
    str,
    location=OpenApiParameter.HEADER,
    description=(
        "Any unique string (a UUID): a retry with the same key and the same request gets "
        "the first answer, marked `Idempotent-Replayed: true`; kept for 24 hours by default."
    ),
    pattern=rf"^[\x21-\x7e]{{1,{MAX_KEY_LENGTH}}}$",
)

RETRY_AFTER = {
    "description": "Seconds to wait before the write budget has room again.",
    "schema": {"type": "integer", "minimum": 1},
}

REPLAYED = {
    "description": "`true` when this is the stored answer to an earlier request with the "
    "same Idempotency-Key (absent otherwise).",
    "schema": {"type": "string", "enum": ["true"]},
}


def _id(name: str, what: str) -> OpenApiParameter:
    return OpenApiParameter(name, int, description=what)


def _when(name: str, what: str) -> OpenApiParameter:
    return OpenApiParameter(
        name,
        str,
        description=f"{what}: an ISO 8601 instant with an offset, or a date (midnight in `tz`).",
    )


_LESSONS = inline_serializer("LessonList", {"bookings": s.LessonSerializer(many=True)})
_SLOTS = inline_serializer("SlotList", {"results": s.SlotSerializer(many=True)})
_FEEDS = inline_serializer("CalendarFeedList", {"results": s.CalendarFeedSerializer(many=True)})
FEED_KIND = OpenApiParameter(
    "kind",
    str,
    location=OpenApiParameter.PATH,
    enum=FeedKind.values,
    description="`student` (your bookings) or `teacher` (what you teach).",
)
_ANY = object()  # an annotation that leaves spectacular's own reading in place


@dataclass(frozen=True)
class Action:
    """What spectacular cannot read from one action: its body, its answers, its parameters."""

    request: Any = _ANY
    responses: Any = _ANY
    parameters: tuple[OpenApiParameter, ...] = ()
    listed: bool | None = None  # a "list" action that answers one object, not a page


ACTIONS: dict[tuple[str, str], Action] = {
    ("SessionViewSet", "list"): Action(
        parameters=(
            _id("course", "Only this course's sessions."),
            _id("teacher", "Only this teacher's sessions."),
            _when("from", "Start of the range (default now)"),
            _when("to", "End of the range, excluded (default 90 days on; at most 366)"),
        )
    ),
    ("GroupBookingViewSet", "create"): Action(
        request=s.GroupBookingInput, responses={201: s.GroupBookingSerializer}
    ),
    ("GroupBookingViewSet", "cancel"): Action(request=None),
    ("GroupBookingViewSet", "reschedule"): Action(
        request=s.RescheduleInput, responses={201: s.GroupBookingSerializer}
    ),
    ("GroupBookingViewSet", "leave_waitlist"): Action(request=None),
    ("LessonViewSet", "list"): Action(
        parameters=(
            OpenApiParameter(
                "role",
                str,
                enum=["student", "teacher"],
                description="Only lessons the caller takes, or gives (default both).",
            ),
            OpenApiParameter(
                "status",
                str,
                enum=OneOnOneStatusChoices.values,
                description="Only lessons in this status, as shown (a pending request past "
                "its deadline shows as `expired`).",
            ),
        )
    ),
    ("LessonViewSet", "create"): Action(request=s.LessonInput, responses={201: _LESSONS}),
    ("LessonViewSet", "approve"): Action(request=None),
    ("LessonViewSet", "decline"): Action(request=s.DeclineInput),
    ("LessonViewSet", "cancel"): Action(request=s.LessonCancelInput, responses=_LESSONS),
    ("LessonViewSet", "meeting_link"): Action(request=s.MeetingLinkInput),
    ("AvailabilityViewSet", "create"): Action(
        request=s.AvailabilityInput, responses={201: s.AvailabilitySerializer}
    ),
    ("AvailabilityViewSet", "update"): Action(request=s.AvailabilityInput),
    ("AvailabilityViewSet", "partial_update"): Action(request=s.AvailabilityInput),
    ("AvailabilityViewSet", "destroy"): Action(responses={204: None}),
    ("SlotViewSet", "list"): Action(
        parameters=(
            _id("course", "Slots a student of this course may book."),
            _id("teacher", "Only this teacher's slots."),
            _when("from", "Start of the range (default now)"),
            _when("to", "End of the range, excluded (default 7 days on; at most 90)"),
        ),
        responses=_SLOTS,
        listed=False,
    ),
    ("CalendarFeedViewSet", "list"): Action(responses=_FEEDS, listed=False),
    ("CalendarFeedViewSet", "create"): Action(
        request=None,
        responses={201: s.IssuedCalendarFeedSerializer},
        parameters=(FEED_KIND,),
    ),
    ("CalendarFeedViewSet", "destroy"): Action(responses={204: None}, parameters=(FEED_KIND,)),
}
"""Keyed by (view class name, action), for the views of :mod:`.views`."""


FIELDS: dict[tuple[str, str], dict[str, Any]] = {
    # Computed (a pending request past its deadline shows as expired), still one of the enum.
    ("LessonSerializer", "status"): {"type": "string", "enum": OneOnOneStatusChoices.values},
}
"""Schemas of computed fields, keyed by (serializer class name, field name)."""


class ApiSchema(AutoSchema):
    """spectacular's schema, plus :data:`ACTIONS`, ``tz``, ``Idempotency-Key`` and the error
    responses (``429`` on the writes the write throttle counts)."""

    def _action(self) -> Action:
        for cls in type(self.view).__mro__:
            found = ACTIONS.get((cls.__name__, getattr(self.view, "action", "")))
            if found is not None:
                return found
        return Action()

    def get_request_serializer(self) -> Any:
        request = self._action().request
        return super().get_request_serializer() if request is _ANY else request

    def get_response_serializers(self) -> Any:
        responses = self._action().responses
        return super().get_response_serializers() if responses is _ANY else responses

    def _is_list_view(self, serializer: Any = None) -> bool:
        listed = self._action().listed
        return super()._is_list_view(serializer) if listed is None else listed

    def _map_serializer_field(
        self, field: Any, direction: Any, bypass_extensions: bool = False
    ) -> Any:
        computed = FIELDS.get((type(field.parent).__name__, field.field_name))
        if computed is not None:
            return {**self._get_serializer_field_meta(field, direction), **computed}
        if isinstance(field, serializers.TimeField):
            # A wall-clock time in the rule's own zone: no offset, unlike JSON Schema's "time".
            return {**self._get_serializer_field_meta(field, direction), **LOCAL_TIME}
        return super()._map_serializer_field(field, direction, bypass_extensions)

    def get_override_parameters(self) -> list[Any]:
        extra = [*self._action().parameters, TZ]
        if self._replays():
            extra.append(IDEMPOTENCY_KEY)
        return [*super().get_override_parameters(), *extra]

    def _replays(self) -> bool:
        return self.method == "POST" and getattr(self.view, "replays_posts", True)

    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        bodies: dict[str, Any] = super()._get_response_bodies(direction)
        codes = ["400", "401", "403", "409"]
        if "{" in self.path:
            codes.append("404")
        if self._replays():
            codes.append("422")
            for code, body in bodies.items():
                if code.startswith("2"):
                    body.setdefault("headers", {})[REPLAYED_HEADER] = REPLAYED
        if self._throttled():
            codes.append("429")
        for code in codes:
            if code not in bodies:
                bodies[code] = self._get_response_for_code(ErrorSerializer, code)
                bodies[code]["description"] = _ERRORS[code]
        if "429" in codes:
            bodies["429"].setdefault("headers", {})["Retry-After"] = RETRY_AFTER
        return bodies

    def _throttled(self) -> bool:
        """A write the write throttle counts (api/throttles.py)."""
        return self.method not in SAFE_METHODS and any(
            getattr(t, "scope", None) == WRITE_THROTTLE_SCOPE
            for t in getattr(self.view, "throttle_classes", ())
        )
