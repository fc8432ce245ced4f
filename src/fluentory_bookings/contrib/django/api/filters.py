"""Query parameters, validated and bounded: a wrong or too-large one is a typed 400.

Ranges are ``from``/``to`` (``to`` excluded): ISO 8601 instants with an offset, or dates, read
as midnight in the requested zone (``tz``, default UTC). A range longer than its bound, or
reaching beyond the scheduling horizon, is a ``limit_exceeded`` error naming the bound, so no
request makes the server expand years of rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from rest_framework.request import Request

from fluentory_bookings.core.errors import InvalidInput, InvalidInterval, LimitExceeded
from fluentory_bookings.core.horizon import latest_schedulable, require_within_horizon
from fluentory_bookings.core.zones import resolve_zone

__all__ = [
    "SESSION_RANGE",
    "SLOT_RANGE",
    "Range",
    "id_param",
    "range_params",
    "zone_param",
]

SESSION_RANGE = timedelta(days=366)
"""The longest range one request may list group sessions for."""
SLOT_RANGE = timedelta(days=90)
"""The longest range one request may list open 1:1 slots for (slots are computed, not stored)."""
_MAX_ID = 2**63 - 1


@dataclass(frozen=True, slots=True)
class Range:
    start: datetime
    end: datetime


def zone_param(request: Request) -> tzinfo:
    """``?tz=Europe/Berlin``: the zone times are written in; UTC when absent."""
    sent = request.query_params.get("tz")
    if not sent:
        return UTC
    return resolve_zone(sent, field="tz")


def id_param(request: Request, name: str) -> int | None:
    """``?course=7``: a positive whole number, or None when absent."""
    sent = request.query_params.get(name)
    if sent is None or sent == "":
        return None
    if not (sent.isascii() and sent.isdigit()) or not 0 < int(sent) <= _MAX_ID:
        raise InvalidInput(f"{name} must be a positive whole number, not {sent!r}", field=name)
    return int(sent)


def range_params(
    request: Request, *, zone: tzinfo, now: datetime, default: timedelta, limit: timedelta
) -> Range:
    """``from`` (default now) and ``to`` (default ``from + default``, but not beyond the
    scheduling horizon), at most ``limit`` apart, and neither beyond the horizon: nothing can
    be scheduled there (:data:`~fluentory_bookings.core.horizon.MAX_SCHEDULE_AHEAD`)."""
    start = _instant(request, "from", zone) or now
    sent_end = _instant(request, "to", zone)
    try:
        end = sent_end or start + default
        # The database compares in UTC: the range must exist there too.
        start.astimezone(UTC), end.astimezone(UTC)
    except OverflowError:
        raise InvalidInput(
            "the range reaches past the years a date can hold", field="from"
        ) from None
    start = require_within_horizon(start, now=now, field="from")
    if sent_end is None:
        end = min(end, latest_schedulable(now))
    end = require_within_horizon(end, now=now, field="to")
    if end <= start:
        raise InvalidInterval(
            f"'to' ({end.isoformat()}) must be after 'from' ({start.isoformat()})",
            start=start,
            end=end,
            field="to",
        )
    if end - start > limit:
        raise LimitExceeded(
            f"a range may span at most {limit.days} days",
            field="to",
            limit=limit.days,
        )
    return Range(start, end)


def _instant(request: Request, name: str, zone: tzinfo) -> datetime | None:
    sent = request.query_params.get(name)
    if not sent:
        return None
    try:
        if len(sent) == 10:
            return datetime.combine(date.fromisoformat(sent), time(0), tzinfo=zone)
        parsed = datetime.fromisoformat(sent)
    except ValueError:
        raise InvalidInput(
            f"{name} must be an ISO 8601 date or instant with an offset, not {sent!r}",
            field=name,
        ) from None
    if parsed.tzinfo is None:
        raise InvalidInterval(
            f"{name} needs an offset (e.g. 2027-03-01T09:00:00+01:00 or Z), not {sent!r}",
            field=name,
        )
    return parsed
