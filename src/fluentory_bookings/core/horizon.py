"""How far ahead anything may be scheduled, and instants that survive a change of zone.

A session on 9979-01-05 is not a plan anybody has: it is a typo or an attack, and every list
that walks the calendar up to it (an admin's date drill-down, a slot picker, a feed) pays for
the centuries in between. So every date or instant that enters the library is refused beyond
:data:`MAX_SCHEDULE_AHEAD` from now, with a
:class:`~fluentory_bookings.core.errors.LimitExceeded` naming the field, before anything is
written.

The calendar itself also has an edge: ``9999-12-31 23:00`` at UTC-12 is an instant of year
10000, which :class:`~datetime.datetime` cannot hold, so converting it raises
``OverflowError``. :func:`to_utc` and :func:`local_date_in_range` turn that into an
:class:`~fluentory_bookings.core.errors.InvalidInterval` instead. Past dates are not bounded
here (the rules refuse a start in the past where it matters).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from fluentory_bookings.core.errors import InvalidInterval, LimitExceeded
from fluentory_bookings.core.validate import require_aware, require_duration

__all__ = [
    "MAX_SCHEDULE_AHEAD",
    "latest_schedulable",
    "local_date_in_range",
    "require_date_within_horizon",
    "require_within_horizon",
    "to_utc",
]

MAX_SCHEDULE_AHEAD = timedelta(days=3653)
"""How far after now a session, a lesson, an availability date or a listed range may lie:
ten years (3,653 days). Far beyond any course, and far enough from year 9999 that adding a
lesson, a week or a time zone's offset to any accepted value never overflows."""


def _horizon(horizon: object) -> timedelta:
    return require_duration(horizon, "horizon", error=LimitExceeded)


def latest_schedulable(now: datetime, horizon: timedelta = MAX_SCHEDULE_AHEAD) -> datetime:
    """The latest instant :func:`require_within_horizon` accepts at ``now``."""
    return require_aware(now, "now") + _horizon(horizon)


def require_within_horizon(
    value: object, *, now: datetime, field: str, horizon: timedelta = MAX_SCHEDULE_AHEAD
) -> datetime:
    """Return ``value`` if it is an aware instant at most ``horizon`` after ``now``.

    Args:
        value: The instant a caller passed (any zone).
        now: The current instant (aware).
        field: The argument, named in the error.
        horizon: How far ahead is allowed; default :data:`MAX_SCHEDULE_AHEAD`.

    Raises:
        InvalidInterval: ``value`` is not an aware datetime or lies at the edge of the calendar
            (see :func:`~fluentory_bookings.core.validate.require_aware`); ``field`` names it.
        LimitExceeded: ``value`` is later than ``now + horizon``; ``field`` names it and
            ``limit`` is the horizon in days.

    Example:
        >>> from datetime import datetime, UTC
        >>> now = datetime(2027, 1, 4, tzinfo=UTC)
        >>> require_within_horizon(datetime(2028, 1, 4, tzinfo=UTC), now=now, field="starts_at")
        datetime.datetime(2028, 1, 4, 0, 0, tzinfo=datetime.timezone.utc)
        >>> require_within_horizon(datetime(9979, 1, 5, tzinfo=UTC), now=now, field="starts_at")
        Traceback (most recent call last):
        ...
        fluentory_bookings.core.errors.LimitExceeded: starts_at 9979-01-05T00:00:00+00:00 is ...
    """
    instant = require_aware(value, field)
    latest = latest_schedulable(now, horizon)
    if instant > latest:
        raise LimitExceeded(
            f"{field} {instant.isoformat()} is more than {horizon.days} days ahead: "
            f"the latest is {latest.isoformat()}",
            field=field,
            limit=horizon.days,
        )
    return instant


def require_date_within_horizon(
    value: object, *, today: date, field: str, horizon: timedelta = MAX_SCHEDULE_AHEAD
) -> date:
    """Return ``value`` if it is a calendar date at most ``horizon`` after ``today``.

    ``today`` is the date in the zone ``value`` is read in (an availability's zone).

    Raises:
        InvalidInterval: ``value`` is not a ``date`` (a ``datetime`` is not one here), or is
            at the edge of the calendar (:func:`local_date_in_range`).
        LimitExceeded: ``value`` is later than ``today + horizon`` (``limit`` in days).
    """
    day = local_date_in_range(value, field)
    if not isinstance(today, date) or isinstance(today, datetime):
        raise InvalidInterval(f"today must be a date, not {today!r}", field="today")
    latest = today + _horizon(horizon)
    if day > latest:
        raise LimitExceeded(
            f"{field} {day.isoformat()} is more than {horizon.days} days ahead: "
            f"the latest is {latest.isoformat()}",
            field=field,
            limit=horizon.days,
        )
    return day


def local_date_in_range(value: object, field: str) -> date:
    """Return ``value`` if it is a ``date`` whose local midnights every zone can convert.

    A local date in year 1 or 9999 is refused: its midnight, read in a zone far from UTC, is an
    instant outside what :class:`~datetime.datetime` holds.

    Raises:
        InvalidInterval: not a ``date`` (a ``datetime`` is not one), or in year 1 or 9999.
    """
    if not isinstance(value, date) or isinstance(value, datetime):
        raise InvalidInterval(f"{field} must be a date, not {value!r}", field=field)
    if not date.min.year < value.year < date.max.year:
        raise InvalidInterval(
            f"{field} {value.isoformat()} is at the edge of the calendar", field=field
        )
    return value


def to_utc(value: object, field: str) -> datetime:
    """The UTC instant of an aware datetime in any zone, or a typed refusal.

    ``datetime(9999, 12, 31, 23, tzinfo=timezone(timedelta(hours=-5)))`` is an instant of year
    10000: ``astimezone`` raises ``OverflowError``; this raises ``InvalidInterval`` naming
    ``field``, as it does for a naive or non-datetime value.
    """
    if not isinstance(value, datetime):
        raise InvalidInterval(
            f"{field} must be a datetime, not {type(value).__name__}", field=field
        )
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidInterval(f"{field} must be timezone-aware, not naive", field=field)
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise InvalidInterval(
            f"{field} {value.isoformat()} is outside the years a date can hold", field=field
        ) from None
