"""drf-spectacular settings for the API's schema, importable from a host's ``settings.py``
(nothing here loads Django models): ``SPECTACULAR_SETTINGS = {**API_SCHEMA, "TITLE": ...}``."""

from __future__ import annotations

from typing import Any

import fluentory_bookings

__all__ = ["API_SCHEMA"]

API_SCHEMA: dict[str, Any] = {
    "TITLE": "fluentory-bookings API",
    "DESCRIPTION": (
        "Group-session seats, 1:1 lessons and teachers' availability. Times are ISO 8601 "
        "with an offset, in the zone of `?tz=` (UTC by default). Every refusal has the body "
        "`Error` with a stable `code`. A POST sent with an `Idempotency-Key` header is done "
        "once: its retries get the first answer. Writes are throttled per user (60 a minute by "
        "default): past the budget a write is a `429` with `Retry-After`, and nothing is done."
    ),
    "VERSION": fluentory_bookings.__version__,
    # Input and output differ (ids in, objects out): separate components for each direction.
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/",
    "ENUM_NAME_OVERRIDES": {
        "SessionStatusEnum": "fluentory_bookings.contrib.django.choices.SessionStatusChoices",
        "SeatStatusEnum": "fluentory_bookings.contrib.django.choices.SeatStatusChoices",
        "LessonStatusEnum": "fluentory_bookings.contrib.django.choices.OneOnOneStatusChoices",
        "FeedKindEnum": "fluentory_bookings.contrib.django.models.FeedKind",
    },
}
"""The settings ``docs/api/openapi.yaml`` is generated with (``scripts/openapi.sh``)."""
