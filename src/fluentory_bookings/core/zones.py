"""IANA time zones and the RFC 5545 reading of local wall-clock times.

Availability is published in a teacher's own wall-clock time ("Mondays 09:00-12:00,
Europe/Berlin"). Turning such a time into an instant is ambiguous twice a year, and RFC 5545
section 3.3.5 settles it the way every calendar client does:

* a local time that occurs twice (autumn fall-back) means the **first** occurrence;
* a local time that does not exist (spring-forward gap) is read with the offset from **before**
  the gap, i.e. it moves forward by the length of the gap (02:30 in Berlin becomes 03:30 CEST).

``zoneinfo`` with ``fold=0`` implements exactly this reading (PEP 495), so :func:`localize` is a
thin, well-tested door onto it.
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fluentory_bookings.core.errors import InvalidTimezone

__all__ = ["is_ambiguous", "is_nonexistent", "localize", "resolve_zone"]


@lru_cache(maxsize=512)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def resolve_zone(zone: str | tzinfo) -> ZoneInfo:
    """Return the :class:`~zoneinfo.ZoneInfo` for an IANA name (or pass a ZoneInfo through).

    Raises:
        InvalidTimezone: the name is empty, malformed or not in the zone database. We never
            fall back to UTC: a silently wrong zone moves every lesson.
    """
    if isinstance(zone, ZoneInfo):
        return zone
    if zone is UTC:
        return _zone("UTC")
    if not isinstance(zone, str) or not zone or zone != zone.strip():
        raise InvalidTimezone(zone)
    try:
        return _zone(zone)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
        raise InvalidTimezone(zone) from exc


def localize(wall_clock: datetime, zone: str | tzinfo) -> datetime:
    """Attach ``zone`` to a naive local wall-clock time, following RFC 5545 section 3.3.5.

    Args:
        wall_clock: A naive datetime read as local time in ``zone``.
        zone: An IANA zone name or a ZoneInfo.

    Returns:
        The aware datetime in ``zone``. It keeps the wall-clock fields (PEP 495), which is what
        recurrence needs to step week by week; ``fold=0`` makes a nonexistent time mean the
        pre-gap offset. Convert to UTC to get the instant (``astimezone`` to the *same* zone is a
        no-op in Python, so go through UTC to display the shifted local time).

    Example:
        >>> from datetime import datetime, UTC
        >>> localize(datetime(2027, 3, 28, 2, 30), "Europe/Berlin").astimezone(UTC)
        datetime.datetime(2027, 3, 28, 1, 30, tzinfo=datetime.timezone.utc)
    """
    if wall_clock.tzinfo is not None:
        raise ValueError("localize() takes a naive wall-clock datetime")
    return wall_clock.replace(tzinfo=resolve_zone(zone), fold=0)


def is_nonexistent(wall_clock: datetime, zone: str | tzinfo) -> bool:
    """Whether a naive local time falls in a DST gap of ``zone`` (it never shows on a clock)."""
    aware = localize(wall_clock, zone)
    return aware.astimezone(UTC).astimezone(aware.tzinfo).replace(tzinfo=None) != wall_clock


def is_ambiguous(wall_clock: datetime, zone: str | tzinfo) -> bool:
    """Whether a naive local time happens twice in ``zone`` (a fall-back fold)."""
    z = resolve_zone(zone)
    first = wall_clock.replace(tzinfo=z, fold=0)
    second = wall_clock.replace(tzinfo=z, fold=1)
    return first.utcoffset() != second.utcoffset() and not is_nonexistent(wall_clock, z)
