"""Reading iCalendar content lines back into availability rules.

The inverse of :meth:`~fluentory_bookings.core.recurrence.WeeklyRule.to_ical_lines` and friends:
DTSTART/DURATION/DTEND/RRULE/EXDATE/RDATE lines, as a calendar (or our own export) writes them,
become a :class:`~fluentory_bookings.core.recurrence.OneTimeRule` or
:class:`~fluentory_bookings.core.recurrence.RRuleRule`. This module reads the lines and decides
which rule they make; the DATE-TIME and DURATION values in them are read by ``_ical_values``,
beside the code that writes them, and the RRULE value is checked by the rule itself.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from fluentory_bookings.core._ical_values import parse_date_time, parse_duration
from fluentory_bookings.core.errors import InvalidInput, InvalidRule, InvalidTimezone
from fluentory_bookings.core.recurrence import OneTimeRule, RRuleRule
from fluentory_bookings.core.validate import require_duration
from fluentory_bookings.core.zones import resolve_zone, wall_clock_to_utc

__all__ = ["rule_from_ical_lines"]

_LINE = re.compile(r"^([A-Za-z0-9-]+)((?:;[A-Za-z0-9-]+=(?:\"[^\"]*\"|[^\";:]*))*):(.*)$")
# Properties that change the recurrence set in ways a rule cannot hold: refused, not ignored.
_UNSUPPORTED = {
    "EXRULE": "EXRULE is not supported (RFC 5545 deprecates it): list the removed starts as EXDATE",
    "RECURRENCE-ID": "RECURRENCE-ID overrides one instance, which a rule cannot hold",
}
# What an RDATE-only set (or a single instance whose end has no wall-clock name) becomes: the
# RRULE that gives DTSTART alone, so the RDATEs (or the exact duration) ride on an RRuleRule.
_DTSTART_ONLY = "FREQ=DAILY;COUNT=1"

_Property = tuple[str, dict[str, str], str]  # name (upper case), parameters, value


def rule_from_ical_lines(lines: Iterable[str]) -> OneTimeRule | RRuleRule:
    """Build a rule from unfolded VEVENT content lines such as :meth:`to_ical_lines` writes.

    Reads DTSTART (with a TZID, or in UTC), DURATION (hours, minutes, seconds) or DTEND, RRULE,
    EXDATE and RDATE; properties that do not touch the recurrence set (UID, SUMMARY, ...) are
    ignored, and EXRULE and RECURRENCE-ID, which do, are refused. Lines with an RRULE or RDATE give an
    :class:`RRuleRule` (an RDATE-only set becomes ``FREQ=DAILY;COUNT=1`` plus the RDATEs), others
    a :class:`OneTimeRule`.

    Raises:
        InvalidRule: a needed line is missing or malformed, or uses a form we cannot represent
            (all-day dates, floating times, nominal ``P1D`` durations, ``RDATE;VALUE=PERIOD``,
            EXRULE, RECURRENCE-ID), or a value the rules refuse.
        InvalidTimezone: a TZID is not a known IANA zone.
    """
    props = _properties(lines)
    tz, zone, dtstart = _start(props)
    duration = _duration(props, zone, tz, dtstart)
    rrule_prop = _single(props, "RRULE")
    exdates = _date_times(props, "EXDATE", zone, tz)
    rdates = _date_times(props, "RDATE", zone, tz)
    if rrule_prop is None and not rdates:
        one_time = _one_time(tz, zone, dtstart, duration, exdates)
        if one_time is not None:
            return one_time
    return RRuleRule(
        tz=tz,
        dtstart=dtstart,
        duration=duration,
        rrule=_DTSTART_ONLY if rrule_prop is None else rrule_prop[1],
        exdates=frozenset(exdates),
        rdates=frozenset(rdates),
    )


def _properties(lines: Iterable[str]) -> list[_Property]:
    """Every content line as a property, blank lines skipped, refused properties refused."""
    if isinstance(lines, (str, bytes)) or not isinstance(lines, Iterable):
        # A str is iterable too, character by character: refuse it rather than misread it.
        raise InvalidInput(
            f"lines must be a collection of str, not {type(lines).__name__}", field="lines"
        )
    props: list[_Property] = []
    for raw in lines:
        prop = _property(raw)
        if prop is not None:
            props.append(prop)
    return props


def _property(raw: object) -> _Property | None:
    if not isinstance(raw, str):
        raise InvalidInput(f"lines holds a {type(raw).__name__}, not a str", field="lines")
    line = raw.rstrip("\r\n")
    if not line.strip():
        return None
    m = _LINE.match(line)
    if m is None:
        raise InvalidRule(f"not an iCalendar content line: {line!r}")
    name = m.group(1).upper()
    if name in _UNSUPPORTED:
        raise InvalidRule(_UNSUPPORTED[name], field=name.lower())
    return name, _parse_params(m.group(2)), m.group(3)


def _parse_params(text: str) -> dict[str, str]:
    params: dict[str, str] = {}
    for m in re.finditer(r";([A-Za-z0-9-]+)=(\"[^\"]*\"|[^\";:]*)", text):
        params[m.group(1).upper()] = m.group(2).strip('"')
    return params


def _single(props: list[_Property], name: str) -> tuple[dict[str, str], str] | None:
    found = [(p, v) for n, p, v in props if n == name]
    if len(found) > 1:
        raise InvalidRule(f"more than one {name} line", field=name.lower())
    return found[0] if found else None


def _start(props: list[_Property]) -> tuple[str, ZoneInfo, datetime]:
    """DTSTART's zone name, the zone, and DTSTART's wall-clock time in it (UTC for ``...Z``)."""
    found = _single(props, "DTSTART")
    if found is None:
        raise InvalidRule("no DTSTART line", field="dtstart")
    params, value = found
    if value.endswith("Z") and "TZID" not in params:
        params = {**params, "TZID": "UTC"}
        value = value[:-1]
    tz = params.get("TZID", "")
    if not tz:
        raise InvalidRule(
            "DTSTART needs a TZID (or UTC): floating times have no zone", field="dtstart"
        )
    zone = resolve_zone(tz, field="dtstart")
    (dtstart,) = _parse_date_times("DTSTART", params, value, zone, tz)
    return tz, zone, dtstart


def _duration(props: list[_Property], zone: ZoneInfo, tz: str, dtstart: datetime) -> timedelta:
    """The exact length of an instance, from DURATION or from DTEND."""
    given, end = _single(props, "DURATION"), _single(props, "DTEND")
    if given is not None and end is not None:
        raise InvalidRule("give DURATION or DTEND, not both", field="duration")
    if given is not None:
        duration = parse_duration(given[1].strip().upper())
        if duration is None:
            raise InvalidRule(
                f"DURATION {given[1]!r} is not an exact duration (PT..H..M..S)",
                field="duration",
            )
        return duration
    if end is not None:
        (wall_end,) = _parse_date_times("DTEND", end[0], end[1], zone, tz)
        return _instant(wall_end, zone, "DTEND") - _instant(dtstart, zone, "DTSTART")
    raise InvalidRule("no DURATION or DTEND line", field="duration")


def _date_times(props: list[_Property], name: str, zone: ZoneInfo, tz: str) -> list[datetime]:
    """Every date-time of every ``name`` line (EXDATE, RDATE), in the order given."""
    return [d for n, p, v in props if n == name for d in _parse_date_times(n, p, v, zone, tz)]


def _one_time(
    tz: str, zone: ZoneInfo, dtstart: datetime, duration: timedelta, exdates: list[datetime]
) -> OneTimeRule | None:
    """A set of DTSTART alone as a OneTimeRule, or ``None`` if its end has no wall-clock name."""
    if exdates:
        raise InvalidRule("EXDATE without RRULE or RDATE", field="exdates")
    try:
        require_duration(duration, "duration", whole_seconds=True)
    except InvalidInput as exc:
        raise InvalidRule(exc.message, field="duration") from exc
    end = _instant(dtstart, zone, "DTSTART") + duration
    end_wall = end.astimezone(zone).replace(tzinfo=None, fold=0)
    # An end in the second pass of a fold has no wall-clock name: keep the exact duration.
    if _instant(end_wall, zone, "DTEND") == end:
        return OneTimeRule(tz=tz, start=dtstart, end=end_wall)
    return None


def _instant(wall: datetime, zone: ZoneInfo, name: str) -> datetime:
    try:
        return wall_clock_to_utc(wall, zone, field=name.lower())
    except InvalidTimezone:
        raise
    except InvalidInput as exc:
        raise InvalidRule(exc.message, field=name.lower()) from exc


def _parse_date_times(
    name: str, params: dict[str, str], value: str, zone: ZoneInfo, tz: str
) -> list[datetime]:
    """Read a DATE-TIME list as naive wall-clock times in ``tz``.

    Values in UTC or another zone become the local wall-clock time of the same instant; one
    that no wall-clock time in ``tz`` reads back to (the second pass of a fold) is refused.
    """
    if params.get("VALUE", "DATE-TIME").upper() != "DATE-TIME":
        raise InvalidRule(
            f"{name} with VALUE={params['VALUE']} is not supported", field=name.lower()
        )
    own = params.get("TZID")
    return [_wall_clock(name, item, own, zone, tz) for item in value.split(",")]


def _wall_clock(name: str, item: str, own: str | None, zone: ZoneInfo, tz: str) -> datetime:
    """One DATE-TIME of a list, given in zone ``own`` (or UTC), as a wall-clock time in ``tz``."""
    try:
        parsed = parse_date_time(item.strip())
    except ValueError as exc:
        raise InvalidRule(f"{name} value {item!r}: {exc}", field=name.lower()) from exc
    if parsed is None:
        raise InvalidRule(
            f"{name} value {item!r} is not an iCalendar date-time", field=name.lower()
        )
    wall, utc = parsed
    if not utc and own is None:
        raise InvalidRule(f"{name} {item!r} is floating: give a TZID or UTC", field=name.lower())
    if not utc and own == tz:
        return wall
    if utc:
        instant = wall.replace(tzinfo=UTC)
    else:
        instant = _instant(wall, resolve_zone(own or "", field=name.lower()), name)
    return _wall_clock_of(name, item, instant, zone, tz)


def _wall_clock_of(name: str, item: str, instant: datetime, zone: ZoneInfo, tz: str) -> datetime:
    """The wall-clock time in ``tz`` that names ``instant``; refused if none does."""
    try:
        wall = instant.astimezone(zone).replace(tzinfo=None, fold=0)
    except OverflowError as exc:
        raise InvalidRule(f"{name} {item!r} is out of range", field=name.lower()) from exc
    if _instant(wall, zone, name) != instant:
        raise InvalidRule(
            f"{name} {item!r} falls in the second pass of a fold in {tz}, which a "
            "wall-clock time cannot name",
            field=name.lower(),
        )
    return wall
