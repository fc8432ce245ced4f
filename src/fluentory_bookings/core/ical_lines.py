"""Reading iCalendar content lines back into availability rules.

The inverse of :meth:`~fluentory_bookings.core.recurrence.WeeklyRule.to_ical_lines` and friends:
DTSTART/DURATION/DTEND/RRULE/EXDATE/RDATE lines, as a calendar (or our own export) writes them,
become a :class:`~fluentory_bookings.core.recurrence.OneTimeRule` or
:class:`~fluentory_bookings.core.recurrence.RRuleRule`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from fluentory_bookings.core.errors import InvalidInput, InvalidRule, InvalidTimezone
from fluentory_bookings.core.recurrence import OneTimeRule, RRuleRule
from fluentory_bookings.core.validate import require_duration
from fluentory_bookings.core.zones import resolve_zone, wall_clock_to_utc

__all__ = ["rule_from_ical_lines"]

_LINE = re.compile(r"^([A-Za-z0-9-]+)((?:;[A-Za-z0-9-]+=(?:\"[^\"]*\"|[^\";:]*))*):(.*)$")
# ASCII digits only: \d also matches other scripts' digits, which int() would accept.
_DATE_TIME = re.compile(r"([0-9]{4})([0-9]{2})([0-9]{2})T([0-9]{2})([0-9]{2})([0-9]{2})(Z?)\Z")
_DURATION = re.compile(
    r"\+?P(?:T(?=[0-9])(?:([0-9]{1,9})H)?(?:([0-9]{1,9})M)?(?:([0-9]{1,9})S)?)\Z"
)
# Properties that change the recurrence set in ways a rule cannot hold: refused, not ignored.
_UNSUPPORTED = {
    "EXRULE": "EXRULE is not supported (RFC 5545 deprecates it): list the removed starts as EXDATE",
    "RECURRENCE-ID": "RECURRENCE-ID overrides one instance, which a rule cannot hold",
}


def _parse_params(text: str) -> dict[str, str]:
    params: dict[str, str] = {}
    for m in re.finditer(r";([A-Za-z0-9-]+)=(\"[^\"]*\"|[^\";:]*)", text):
        params[m.group(1).upper()] = m.group(2).strip('"')
    return params


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
    out: list[datetime] = []
    for item in value.split(","):
        m = _DATE_TIME.match(item.strip())
        if m is None:
            raise InvalidRule(
                f"{name} value {item!r} is not an iCalendar date-time", field=name.lower()
            )
        y, mo, d, hh, mi, ss, z = m.groups()
        try:
            wall = datetime.combine(date(int(y), int(mo), int(d)), time(int(hh), int(mi), int(ss)))
        except ValueError as exc:
            raise InvalidRule(f"{name} value {item!r}: {exc}", field=name.lower()) from exc
        if not z and own is None:
            raise InvalidRule(
                f"{name} {item!r} is floating: give a TZID or UTC", field=name.lower()
            )
        if z or own != tz:
            if z:
                instant = wall.replace(tzinfo=UTC)
            else:
                instant = _instant(wall, resolve_zone(own or "", field=name.lower()), name)
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
        out.append(wall)
    return out


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
    if isinstance(lines, (str, bytes)) or not isinstance(lines, Iterable):
        # A str is iterable too, character by character: refuse it rather than misread it.
        raise InvalidInput(
            f"lines must be a collection of str, not {type(lines).__name__}", field="lines"
        )
    props: list[tuple[str, dict[str, str], str]] = []
    for raw in lines:
        if not isinstance(raw, str):
            raise InvalidInput(f"lines holds a {type(raw).__name__}, not a str", field="lines")
        line = raw.rstrip("\r\n")
        if not line.strip():
            continue
        m = _LINE.match(line)
        if m is None:
            raise InvalidRule(f"not an iCalendar content line: {line!r}")
        name = m.group(1).upper()
        if name in _UNSUPPORTED:
            raise InvalidRule(_UNSUPPORTED[name], field=name.lower())
        props.append((name, _parse_params(m.group(2)), m.group(3)))

    def single(name: str) -> tuple[dict[str, str], str] | None:
        found = [(p, v) for n, p, v in props if n == name]
        if len(found) > 1:
            raise InvalidRule(f"more than one {name} line", field=name.lower())
        return found[0] if found else None

    start_prop = single("DTSTART")
    if start_prop is None:
        raise InvalidRule("no DTSTART line", field="dtstart")
    params, value = start_prop
    if value.endswith("Z") and "TZID" not in params:
        tz = "UTC"
        params = {**params, "TZID": tz}
        value = value[:-1]
    tz = params.get("TZID", "")
    if not tz:
        raise InvalidRule(
            "DTSTART needs a TZID (or UTC): floating times have no zone", field="dtstart"
        )
    zone = resolve_zone(tz, field="dtstart")
    (dtstart,) = _parse_date_times("DTSTART", params, value, zone, tz)

    duration_prop, end_prop = single("DURATION"), single("DTEND")
    if duration_prop is not None and end_prop is not None:
        raise InvalidRule("give DURATION or DTEND, not both", field="duration")
    if duration_prop is not None:
        m = _DURATION.match(duration_prop[1].strip().upper())
        if m is None:
            raise InvalidRule(
                f"DURATION {duration_prop[1]!r} is not an exact duration (PT..H..M..S)",
                field="duration",
            )
        h, mi, s = (int(g) if g else 0 for g in m.groups())
        duration = timedelta(hours=h, minutes=mi, seconds=s)
    elif end_prop is not None:
        (end,) = _parse_date_times("DTEND", end_prop[0], end_prop[1], zone, tz)
        duration = _instant(end, zone, "DTEND") - _instant(dtstart, zone, "DTSTART")
    else:
        raise InvalidRule("no DURATION or DTEND line", field="duration")

    rrule_prop = single("RRULE")
    exdates = [
        d for n, p, v in props if n == "EXDATE" for d in _parse_date_times(n, p, v, zone, tz)
    ]
    rdates = [d for n, p, v in props if n == "RDATE" for d in _parse_date_times(n, p, v, zone, tz)]
    if rrule_prop is None and not rdates:
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
        rrule_prop = ({}, "FREQ=DAILY;COUNT=1")
    return RRuleRule(
        tz=tz,
        dtstart=dtstart,
        duration=duration,
        rrule="FREQ=DAILY;COUNT=1" if rrule_prop is None else rrule_prop[1],
        exdates=frozenset(exdates),
        rdates=frozenset(rdates),
    )
