"""Checks for the values callers hand to the services that only the schema can judge.

Core validates meaning (a link is ``https://``, a capacity is positive). What a column can hold
(a title's length, an integer's range) and what a stored zone needs (an IANA name to write) are
known only here; without these checks a bad value is a raw ``DataError`` on PostgreSQL and is
stored silently on SQLite. Each refusal is an
:class:`~fluentory_bookings.core.errors.InvalidInput` naming the field, raised before any write.
"""

from __future__ import annotations

from datetime import UTC, time, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from django.db import models

from fluentory_bookings.core.errors import (
    InvalidInput,
    InvalidMeetingLink,
    InvalidRule,
    InvalidTimezone,
    LimitExceeded,
)
from fluentory_bookings.core.links import validate_meeting_link
from fluentory_bookings.core.seats import validate_total_seats
from fluentory_bookings.core.zones import resolve_zone

__all__ = ["MAX_SEATS", "meeting_link", "seats", "text", "wall_time", "zone"]

MAX_SEATS = 2_147_483_647
"""The largest ``total_seats``: what a ``PositiveIntegerField`` holds on every database."""


def text(value: object, model: type[models.Model], field: str, *, required: bool = False) -> str:
    """``value`` if it is a string that fits ``model.field`` (and is not blank when required)."""
    if not isinstance(value, str):
        raise InvalidInput(f"{field} must be text, not {type(value).__name__}", field=field)
    if required and not value.strip():
        raise InvalidInput(f"{field} must not be empty", field=field)
    limit = model._meta.get_field(field).max_length
    if limit is not None and len(value) > limit:
        raise InvalidInput(
            f"{field} must be at most {limit} characters, not {len(value)}", field=field
        )
    return value


def meeting_link(value: object, model: type[models.Model]) -> str:
    """A valid ``https://`` link (or ``""``) short enough for ``model.meeting_link``.

    Also applied to links the adapter generates: a link that cannot be stored whole must not be
    stored cut.
    """
    if not isinstance(value, str):
        raise InvalidMeetingLink(value)
    link = validate_meeting_link(value)
    limit = model._meta.get_field("meeting_link").max_length
    if limit is not None and len(link) > limit:
        raise InvalidMeetingLink(link, reason=f"longer than {limit} characters")
    return link


def seats(value: object) -> int:
    """A capacity core accepts that also fits the column."""
    total = validate_total_seats(value)
    if total > MAX_SEATS:
        raise LimitExceeded(
            f"total_seats must be at most {MAX_SEATS}, not {total}",
            field="total_seats",
            limit=MAX_SEATS,
        )
    return total


def zone(value: object, field: str = "timezone") -> ZoneInfo:
    """The zone of an IANA name or of a ``ZoneInfo`` that has one (what a zone column stores).

    A ``ZoneInfo`` read from a file has no name to store, so it is refused like an unknown name.
    """
    if isinstance(value, tzinfo):
        key = getattr(value, "key", None) or ("UTC" if value is UTC else None)
        if key is None:
            raise InvalidTimezone(value, field=field)
        value = key
    if not isinstance(value, str):
        raise InvalidTimezone(value, field=field)
    try:
        return resolve_zone(value)
    except InvalidTimezone as exc:
        raise InvalidTimezone(value, field=field) from exc


def wall_time(value: Any, field: str) -> time:
    """A naive ``datetime.time``: a wall-clock time read in the availability's zone."""
    if not isinstance(value, time) or value.tzinfo is not None:
        raise InvalidRule(
            f"{field} must be a wall-clock datetime.time without a zone, not {value!r}",
            field=field,
        )
    return value
