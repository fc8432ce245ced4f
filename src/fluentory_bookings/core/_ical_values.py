"""iCalendar DATE-TIME and DURATION values as text (RFC 5545 section 3.3).

A DATE-TIME is local (with a ``TZID``) or UTC (with ``Z``), and a DURATION is exact, in hours,
minutes and seconds only.

The module is internal to the core (hence the underscore): its names are the interface between
the rules and the modules that read and write their text, not part of the public API.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


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
