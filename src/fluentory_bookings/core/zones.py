"""IANA time zones and the RFC 5545 reading of local wall-clock times.

Availability is published in a teacher's own wall-clock time ("Mondays 09:00-12:00,
Europe/Berlin"). Turning such a time into an instant is ambiguous twice a year, and RFC 5545
section 3.3.5 settles it the way every calendar client does:

* a local time that occurs twice (autumn fall-back) means the **first** occurrence;
* a local time that does not exist (spring-forward gap) is read with the offset from **before**
  the gap, i.e. it moves forward by the length of the gap (02:30 in Berlin becomes 03:30 CEST).

``zoneinfo`` with ``fold=0`` implements exactly this reading (PEP 495), so :func:`localize` is a
thin, well-tested door onto it.

Only IANA names are zones here. The zone database on disk also holds keys that are not IANA
zones and that a calendar client cannot resolve (``right/...`` counts leap seconds and is off by
about half a minute, ``posix/...`` duplicates, ``localtime`` is whatever the server is set to,
``posixrules`` and ``Factory`` are technical files): they are refused, as is a ``ZoneInfo`` read
from a file, which has no name to write as a TZID.
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from functools import cache, lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from fluentory_bookings.core.errors import InvalidInput, InvalidInterval, InvalidTimezone
from fluentory_bookings.core.validate import require_aware

__all__ = [
    "is_ambiguous",
    "is_nonexistent",
    "localize",
    "resolve_zone",
    "wall_clock_to_utc",
    "zone_key",
]

# Keys zoneinfo can load that name no IANA zone (see the module docstring).
_NOT_IANA = frozenset({"Factory", "localtime", "posixrules"})
_NOT_IANA_PREFIXES = ("right/", "posix/")


@cache
def _iana_names() -> frozenset[str]:
    # Read once per process: walking the zone database takes some milliseconds.
    return frozenset(
        name
        for name in available_timezones()
        if name not in _NOT_IANA and not name.startswith(_NOT_IANA_PREFIXES)
    )


@lru_cache(maxsize=512)
def _zone(name: str) -> ZoneInfo:
    if name not in _iana_names():
        raise InvalidTimezone(name)
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:  # pragma: no cover - listed
        raise InvalidTimezone(name) from exc


def zone_key(zone: str | tzinfo, *, field: str = "tz") -> str:
    """Return the IANA name of ``zone``: a name, a ``ZoneInfo`` built from one, or UTC.

    ``datetime.UTC`` (``timezone.utc``) is ``"UTC"``. This is the name a rule stores and
    exports as a TZID.

    Raises:
        InvalidTimezone: not an IANA zone: an unknown or malformed name, a non-IANA key such as
            ``right/Europe/Berlin`` or ``localtime``, a ``ZoneInfo`` without a key (read from a
            file), another ``tzinfo``, or not a zone at all. ``field`` names the argument.
    """
    if isinstance(zone, ZoneInfo):
        name = zone.key
    elif zone is UTC:  # also timezone.utc, the same object
        name = "UTC"
    else:
        name = zone  # type: ignore[assignment]  # checked just below
    if not isinstance(name, str):
        raise InvalidTimezone(zone, field=field)
    try:
        _zone(name)
    except InvalidTimezone:
        raise InvalidTimezone(zone, field=field) from None
    return name


def resolve_zone(zone: str | tzinfo, *, field: str = "tz") -> ZoneInfo:
    """Return the :class:`~zoneinfo.ZoneInfo` for an IANA zone (see :func:`zone_key`).

    Raises:
        InvalidTimezone: ``zone`` is not an IANA zone. We never fall back to UTC: a silently
            wrong zone moves every lesson.
    """
    return _zone(zone_key(zone, field=field))


def localize(wall_clock: datetime, zone: str | tzinfo, *, field: str = "wall_clock") -> datetime:
    """Attach ``zone`` to a naive local wall-clock time, following RFC 5545 section 3.3.5.

    Args:
        wall_clock: A naive datetime read as local time in ``zone``, with ``fold=0``.
        zone: An IANA zone (name or ZoneInfo, see :func:`zone_key`).
        field: The argument name to put in an error.

    Returns:
        The aware datetime in ``zone``. It keeps the wall-clock fields (PEP 495), which is what
        recurrence needs to step week by week; ``fold=0`` makes a nonexistent time mean the
        pre-gap offset. Convert to UTC to get the instant (``astimezone`` to the *same* zone is a
        no-op in Python, so go through UTC to display the shifted local time).

    Raises:
        InvalidInput: ``wall_clock`` is not a naive datetime, or has ``fold=1``. iCalendar names a
            wall-clock time with a TZID and has no way to say "the second pass of a fold", so
            we refuse it rather than silently read it as the first (give the instant in UTC
            instead).
        InvalidTimezone: ``zone`` is not an IANA zone.

    Example:
        >>> from datetime import datetime, UTC
        >>> localize(datetime(2027, 3, 28, 2, 30), "Europe/Berlin").astimezone(UTC)
        datetime.datetime(2027, 3, 28, 1, 30, tzinfo=datetime.timezone.utc)
    """
    if not isinstance(wall_clock, datetime):
        raise InvalidInput(
            f"{field} must be a naive datetime, not {type(wall_clock).__name__}", field=field
        )
    if wall_clock.tzinfo is not None:
        raise InvalidInput(
            f"{field} must be a naive wall-clock datetime, got aware {wall_clock.isoformat()}",
            field=field,
        )
    if wall_clock.fold:
        raise InvalidInput(
            f"{field} has fold=1, which iCalendar cannot express: give the first pass "
            "(fold=0) or the instant in UTC",
            field=field,
        )
    return wall_clock.replace(tzinfo=resolve_zone(zone))


def wall_clock_to_utc(
    wall_clock: datetime, zone: str | tzinfo, *, field: str = "wall_clock"
) -> datetime:
    """Return the UTC instant of a naive local time in ``zone``, read as :func:`localize` does.

    Raises:
        InvalidInput: what :func:`localize` refuses, or a time so close to year 1 or 9999 that
            its instant leaves the supported range (an
            :class:`~fluentory_bookings.core.errors.InvalidInterval`).
        InvalidTimezone: ``zone`` is not an IANA zone.
    """
    aware = localize(wall_clock, zone, field=field)
    try:
        instant = aware.astimezone(UTC)
    except OverflowError:
        raise InvalidInterval(
            f"{field} {wall_clock.isoformat()} in {zone_key(zone)} is outside the supported range",
            field=field,
        ) from None
    return require_aware(instant, field)


def is_nonexistent(wall_clock: datetime, zone: str | tzinfo) -> bool:
    """Whether a naive local time falls in a DST gap of ``zone`` (it never shows on a clock)."""
    aware = localize(wall_clock, zone)
    return aware.astimezone(UTC).astimezone(aware.tzinfo).replace(tzinfo=None) != wall_clock


def is_ambiguous(wall_clock: datetime, zone: str | tzinfo) -> bool:
    """Whether a naive local time happens twice in ``zone`` (a fall-back fold)."""
    z = resolve_zone(zone)
    first = localize(wall_clock, z)
    second = first.replace(fold=1)
    return first.utcoffset() != second.utcoffset() and not is_nonexistent(wall_clock, z)
