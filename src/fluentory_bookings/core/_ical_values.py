"""iCalendar DATE-TIME and DURATION values as text (RFC 5545 section 3.3), written and read.

Both directions live here, so that what the export writes is by construction what the import
reads: a DATE-TIME is local (with a ``TZID``) or UTC (with ``Z``), and a DURATION is exact, in
hours, minutes and seconds only.

The module is internal to the core (hence the underscore): its names are the interface between
the rules and the modules that read and write their text, not part of the public API.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta

# ASCII digits only: \d also matches other scripts' digits, which int() would accept.
_DATE_TIME = re.compile(r"([0-9]{4})([0-9]{2})([0-9]{2})T([0-9]{2})([0-9]{2})([0-9]{2})(Z?)\Z")
_DURATION = re.compile(
    r"\+?P(?:T(?=[0-9])(?:([0-9]{1,9})H)?(?:([0-9]{1,9})M)?(?:([0-9]{1,9})S)?)\Z"
)


def format_local(dt: datetime) -> str:
    """A DATE-TIME of ``dt``'s wall-clock fields, without zone (the caller adds ``TZID``)."""
    # strftime("%Y") does not zero-pad years below 1000 on every platform.
    return f"{dt.year:04d}{dt.month:02d}{dt.day:02d}T{dt.hour:02d}{dt.minute:02d}{dt.second:02d}"


def format_utc(dt: datetime) -> str:
    """A UTC DATE-TIME (``...Z``) of the aware ``dt``."""
    return format_local(dt.astimezone(UTC).replace(tzinfo=None)) + "Z"


def format_duration(value: timedelta) -> str:
    """An exact DURATION such as ``PT1H30M``, never with days or weeks."""
    # Hours, minutes and seconds only: in RFC 5545 "D" and "W" are nominal (a day across a DST
    # change lasts 23 or 25 hours), but an instance lasts an exact duration.
    total = value.days * 86400 + value.seconds
    hours, rest = divmod(total, 3600)
    minutes, seconds = divmod(rest, 60)
    text = "PT"
    if hours:
        text += f"{hours}H"
    # The grammar needs the minute part between hours and seconds ("PT1H0M5S").
    if minutes or (hours and seconds):
        text += f"{minutes}M"
    if seconds:
        text += f"{seconds}S"
    return text


def zoned_line(name: str, tz: str, dt: datetime) -> str:
    """A content line such as ``DTSTART;TZID=Europe/Berlin:20270104T090000``."""
    return f"{name};TZID={tz}:{format_local(dt)}"


def parse_date_time(text: str) -> tuple[datetime, bool] | None:
    """Read a DATE-TIME as a naive datetime and whether it is UTC; ``None`` if it is not one.

    Raises:
        ValueError: the digits name no date or time of day (``20270230T090000``).
    """
    m = _DATE_TIME.match(text)
    if m is None:
        return None
    y, mo, d, hh, mi, ss, z = m.groups()
    wall = datetime.combine(date(int(y), int(mo), int(d)), time(int(hh), int(mi), int(ss)))
    return wall, bool(z)


def parse_duration(text: str) -> timedelta | None:
    """Read an exact DURATION (``PT..H..M..S``); ``None`` if it is not one (``P1D`` is not)."""
    m = _DURATION.match(text)
    if m is None:
        return None
    h, mi, s = (int(g) if g else 0 for g in m.groups())
    return timedelta(hours=h, minutes=mi, seconds=s)
