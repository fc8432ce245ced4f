"""Checks for the values callers hand to the services that only the schema can judge.

Core validates meaning (a link is ``https://``, a capacity is positive). What a column can hold
(a title's length, an integer's range), what a stored zone needs (an IANA name to write) and what
shape a service takes its arguments in (a date, weekday numbers, whole minutes) are known only
here; without these checks a bad value is a raw ``DataError`` on PostgreSQL and is stored
silently on SQLite. Each function returns the typed value to store; each refusal is an
:class:`~fluentory_bookings.core.errors.InvalidInput` naming the field, raised before any write.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from django.db import models

from fluentory_bookings.contrib.django.choices import AvailabilityKind
from fluentory_bookings.contrib.django.conf import app_settings
from fluentory_bookings.contrib.django.services.schedule import MAX_LENGTH
from fluentory_bookings.core.errors import (
    InvalidInput,
    InvalidMeetingLink,
    InvalidRule,
    InvalidTimezone,
    LimitExceeded,
)
from fluentory_bookings.core.horizon import require_date_within_horizon, require_within_horizon
from fluentory_bookings.core.links import validate_meeting_link
from fluentory_bookings.core.seats import validate_total_seats
from fluentory_bookings.core.zones import resolve_zone

__all__ = [
    "MAX_SEATS",
    "AvailabilityFields",
    "availability_fields",
    "instant",
    "local_date",
    "local_dates",
    "meeting_link",
    "minutes",
    "reason",
    "seats",
    "text",
    "told",
    "wall_time",
    "weekday_numbers",
    "zone",
]

MAX_REASON = 1000
"""The longest reason a teacher gives for cancelling or declining: it is read in an e-mail."""

MAX_SEATS = 2_147_483_647
"""The largest ``total_seats``: what a ``PositiveIntegerField`` holds on every database."""

_KINDS = {AvailabilityKind.WEEKLY.value, AvailabilityKind.ONE_TIME.value}
_MAX_DAY_MINUTES = int(MAX_LENGTH.total_seconds()) // 60


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


def reason(value: object) -> str:
    """A reason told to the people a cancellation or a refusal concerns: text of at most
    :data:`MAX_REASON` characters, stripped (``""`` for none)."""
    if not isinstance(value, str):
        raise InvalidInput(f"reason must be text, not {type(value).__name__}", field="reason")
    value = value.strip()
    if len(value) > MAX_REASON:
        raise LimitExceeded(
            f"reason must be at most {MAX_REASON} characters, not {len(value)}",
            field="reason",
            limit=MAX_REASON,
        )
    return value


def told(reason: str) -> dict[str, str]:
    """The signal arguments for a checked ``reason``: ``{"reason": reason}`` when one was
    given, else none, so a cancellation without a reason sends what it always sent."""
    return {"reason": reason} if reason else {}


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


def instant(value: object, field: str, *, now: datetime) -> datetime:
    """An aware instant at most :data:`~fluentory_bookings.core.horizon.MAX_SCHEDULE_AHEAD`
    after ``now``: what every start or end a caller schedules must be.

    Raises:
        InvalidInterval: naive, not a datetime, or at the edge of the calendar.
        LimitExceeded: beyond the horizon (``field`` names it, ``limit`` is in days).
    """
    return require_within_horizon(value, now=now, field=field)


def _horizon_date(value: date, field: str, today: date) -> date:
    # A rule's dates are local: beyond the horizon, or so near year 9999 that a local midnight
    # cannot become an instant, they are refused before the core expands anything.
    return require_date_within_horizon(value, today=today, field=field)


def wall_time(value: Any, field: str) -> time:
    """A naive ``datetime.time``: a wall-clock time read in the availability's zone."""
    if not isinstance(value, time) or value.tzinfo is not None:
        raise InvalidRule(
            f"{field} must be a wall-clock datetime.time without a zone, not {value!r}",
            field=field,
        )
    return value


def local_date(value: Any, field: str) -> date:
    """A ``datetime.date``, not a ``datetime``: a day of the calendar in the rule's zone."""
    # datetime is a subclass of date; one here would lose its time of day without a word.
    if not isinstance(value, date) or isinstance(value, datetime):
        raise InvalidRule(f"{field} must be a date, not {value!r}", field=field)
    return value


def minutes(value: Any, field: str, *, least: int, most: int) -> int:
    """A whole number of minutes from ``least`` to ``most`` (``True`` is not a number here)."""
    if isinstance(value, bool) or not isinstance(value, int) or not least <= value <= most:
        raise InvalidRule(
            f"{field} must be a whole number from {least} to {most}, not {value!r}",
            field=field,
        )
    return value


def shortest_slot_minutes() -> int:
    """The shortest lesson an availability may offer (``MIN_SLOT_MINUTES``; 1 when unset)."""
    return app_settings.MIN_SLOT_MINUTES or 1


def weekday_numbers(values: Iterable[Any]) -> list[int]:
    """The weekday numbers (0 = Monday ... 6 = Sunday), sorted, each once."""
    if isinstance(values, (str, bytes)):
        raise InvalidRule("weekdays must be a collection of numbers 0-6", field="weekdays")
    out: set[int] = set()
    for v in values:
        if isinstance(v, bool) or not isinstance(v, int) or not 0 <= v <= 6:
            raise InvalidRule(
                f"weekdays must be whole numbers 0 (Monday) to 6 (Sunday), got {v!r}",
                field="weekdays",
            )
        out.add(v)
    return sorted(out)


def local_dates(values: Iterable[Any], field: str) -> list[date]:
    """The dates of ``values`` (``date`` objects or ISO strings), sorted, each once."""
    return sorted({_date(v, field) for v in values})


def _date(value: Any, field: str) -> date:
    if isinstance(value, datetime) or not isinstance(value, date):
        try:
            return date.fromisoformat(str(value))
        except ValueError as exc:
            raise InvalidRule(f"{field} must hold dates, not {value!r}", field=field) from exc
    return value


@dataclass(frozen=True, slots=True)
class AvailabilityFields:
    """The fields of a teacher's availability, each checked and in the type its column takes."""

    timezone: ZoneInfo
    kind: str
    start_date: date
    end_date: date | None
    start_time: time
    end_time: time
    weekdays: list[int]  # empty for a one-time availability
    excluded_dates: list[date]  # empty for a one-time availability
    slot_minutes: int
    buffer_before_minutes: int
    buffer_after_minutes: int
    is_active: bool


def availability_fields(
    *,
    timezone: object,
    kind: Any,
    start_date: Any,
    end_date: Any,
    start_time: Any,
    end_time: Any,
    weekdays: Iterable[Any],
    excluded_dates: Iterable[Any],
    slot_minutes: Any,
    buffer_before_minutes: Any,
    buffer_after_minutes: Any,
    is_active: object,
    now: datetime,
) -> AvailabilityFields:
    """Check the arguments of ``set_availability`` in a fixed order: the first wrong one raises.

    Whether they make a rule with an instance, and whether a slot fits in its window, is the
    core's to say once the row is built; this only makes sure the core is asked about values
    of the right kind.

    Raises:
        InvalidTimezone: ``timezone`` is not an IANA zone with a name (``field="timezone"``).
        InvalidRule: any other field is of the wrong type or out of range (a slot shorter than
            ``MIN_SLOT_MINUTES``, ...); ``field`` names it.
        LimitExceeded: ``start_date``, ``end_date`` or an excluded date lies beyond the
            scheduling horizon from today in ``timezone`` (``field`` names it).
        InvalidInterval: one of those dates is in year 1 or 9999.
    """
    tz = zone(timezone)
    today = now.astimezone(tz).date()
    if kind not in _KINDS:
        raise InvalidRule(f"kind must be 'weekly' or 'one_time', not {kind!r}", field="kind")
    first = _horizon_date(local_date(start_date, "start_date"), "start_date", today)
    last = None if end_date is None else local_date(end_date, "end_date")
    if last is not None:
        _horizon_date(last, "end_date", today)
    if last is not None and last < first:
        raise InvalidRule(f"end_date ({last}) is before start_date ({first})", field="end_date")
    start = wall_time(start_time, "start_time")
    end = wall_time(end_time, "end_time")
    # A lesson and a buffer last at most MAX_LENGTH: conflict checks read that far only.
    most = _MAX_DAY_MINUTES
    slot = minutes(slot_minutes, "slot_minutes", least=shortest_slot_minutes(), most=most)
    before = minutes(buffer_before_minutes, "buffer_before_minutes", least=0, most=most)
    after = minutes(buffer_after_minutes, "buffer_after_minutes", least=0, most=most)
    # A one-time availability has no weekdays or exclusions; whatever was passed is ignored.
    weekly = kind == AvailabilityKind.WEEKLY.value
    return AvailabilityFields(
        timezone=tz,
        kind=kind,
        start_date=first,
        end_date=last,
        start_time=start,
        end_time=end,
        weekdays=weekday_numbers(weekdays) if weekly else [],
        excluded_dates=[
            _horizon_date(d, "excluded_dates", today)
            for d in local_dates(excluded_dates, "excluded_dates")
        ]
        if weekly
        else [],
        slot_minutes=slot,
        buffer_before_minutes=before,
        buffer_after_minutes=after,
        is_active=bool(is_active),
    )
