"""The RRULE value grammar (RFC 5545 section 3.3.10): checked part by part, written canonically.

Only what availability needs is accepted: daily to yearly frequencies and the BY parts that pick
days. Every number is checked here, so dateutil never sees what we would not export. What the
parts mean (which dates a rule keeps, where it starts) is
:mod:`~fluentory_bookings.core.recurrence`'s business; so are its limits and its zone, which the
caller passes in.

The module is internal to the core (hence the underscore): its names are the interface between
the rules and their text, not part of the public API.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, time

from fluentory_bookings.core._ical_values import format_utc
from fluentory_bookings.core.errors import InvalidRule
from fluentory_bookings.core.validate import require_aware

WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
"""The RFC 5545 weekday names, indexed like :meth:`datetime.date.weekday`."""

_FREQS = ("DAILY", "WEEKLY", "MONTHLY", "YEARLY")
_SUB_DAILY = ("SECONDLY", "MINUTELY", "HOURLY")
_PARTS = frozenset(
    {"FREQ", "INTERVAL", "COUNT", "UNTIL", "WKST", "BYDAY", "BYMONTHDAY", "BYMONTH", "BYSETPOS"}
)
# ASCII digits only: str.isdigit() and int() accept other scripts, which must never reach an
# exported RRULE.
_NUMBER = re.compile(r"([+-]?)([0-9]{1,4})\Z")
_WEEKDAY_ITEM = re.compile(r"([+-]?[0-9]{1,2})?(MO|TU|WE|TH|FR|SA|SU)\Z")
_UNTIL = re.compile(r"([0-9]{4})([0-9]{2})([0-9]{2})(?:T([0-9]{2})([0-9]{2})([0-9]{2})(Z?))?\Z")
_MONTH_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)  # at most, over every year
_ALL_MONTHS = "1,2,3,4,5,6,7,8,9,10,11,12"


def canonical_rrule(
    value: str,
    *,
    max_count: int,
    max_interval: int,
    local_until: Callable[[datetime], datetime],
) -> tuple[str, dict[str, str]]:
    """Check the rule part by part; upper-case it, put FREQ first and UNTIL in UTC (3.3.10).

    Args:
        value: The RRULE value, without ``RRULE:``.
        max_count: The largest COUNT accepted.
        max_interval: The largest INTERVAL accepted.
        local_until: Reads a local (not ``Z``) UNTIL as the instant it names in the rule's zone.

    Returns:
        The canonical text (FREQ first, the other parts in the order given) and its parts by
        name, each value canonical too.

    Raises:
        InvalidRule: the first thing found wrong, checked in a fixed order so that one text
            always gives the same error (``field="rrule"``).
    """
    parts = _split(value)
    freq = _frequency(parts)
    _check_names(parts)
    checked = _checked_values(parts, freq, max_count, max_interval)
    if "WKST" in parts and parts["WKST"] not in WEEKDAYS:
        raise InvalidRule(f"WKST={parts['WKST']} is not a weekday", field="rrule")
    if "BYMONTHDAY" in parts:
        _check_month_days_exist(checked["BYMONTHDAY"], checked.get("BYMONTH", _ALL_MONTHS))
    parts.update(checked)
    if "UNTIL" in parts:
        parts["UNTIL"] = format_utc(_until_instant(parts["UNTIL"], local_until))
    rest = [f"{k}={v}" for k, v in parts.items() if k != "FREQ"]
    return ";".join([f"FREQ={freq}", *rest]), parts


def _split(value: str) -> dict[str, str]:
    """The NAME=VALUE parts, upper-cased, each name once."""
    if not value.isascii():
        raise InvalidRule("rrule must be plain ASCII text", field="rrule")
    parts: dict[str, str] = {}
    for part in value.strip().upper().split(";"):
        key, sep, val = part.partition("=")
        if not sep or not key or not val:
            raise InvalidRule(f"rrule part {part!r} is not NAME=VALUE", field="rrule")
        if key in parts:
            raise InvalidRule(f"rrule gives {key} twice", field="rrule")
        parts[key] = val
    return parts


def _frequency(parts: dict[str, str]) -> str:
    freq = parts.get("FREQ")
    if freq is None:
        raise InvalidRule("rrule needs a FREQ", field="rrule")
    if freq in _SUB_DAILY:
        raise InvalidRule(
            f"FREQ={freq} is not supported: availability repeats daily at most "
            "(use several rules, or a longer window cut into slots)",
            field="rrule",
        )
    if freq not in _FREQS:
        raise InvalidRule(f"FREQ={freq} is not an RFC 5545 frequency", field="rrule")
    return freq


def _check_names(parts: dict[str, str]) -> None:
    unknown = sorted(set(parts) - _PARTS)
    if unknown:
        raise InvalidRule(
            f"rrule part {unknown[0]} is not supported (supported: {', '.join(sorted(_PARTS))})",
            field="rrule",
        )
    if "COUNT" in parts and "UNTIL" in parts:
        raise InvalidRule("rrule must not give both COUNT and UNTIL", field="rrule")


def _checked_values(
    parts: dict[str, str], freq: str, max_count: int, max_interval: int
) -> dict[str, str]:
    """The numeric and weekday parts, checked and written canonically (no leading 0 or ``+``)."""
    checked: dict[str, str] = {}
    if "COUNT" in parts:
        checked["COUNT"] = str(_number("COUNT", parts["COUNT"], 1, max_count))
    if "INTERVAL" in parts:
        checked["INTERVAL"] = str(_number("INTERVAL", parts["INTERVAL"], 1, max_interval))
    if "BYMONTH" in parts:
        checked["BYMONTH"] = _numbers("BYMONTH", parts["BYMONTH"], 1, 12, signed=False)
    if "BYMONTHDAY" in parts:
        if freq == "WEEKLY":
            raise InvalidRule("BYMONTHDAY cannot be used with FREQ=WEEKLY", field="rrule")
        checked["BYMONTHDAY"] = _numbers("BYMONTHDAY", parts["BYMONTHDAY"], 1, 31, signed=True)
    if "BYSETPOS" in parts:
        checked["BYSETPOS"] = _set_positions(parts, freq)
    if "BYDAY" in parts:
        checked["BYDAY"] = ",".join(
            _weekday(item, parts, freq) for item in parts["BYDAY"].split(",")
        )
    return checked


def _number(key: str, text: str, least: int, most: int, *, signed: bool = False) -> int:
    m = _NUMBER.match(text)
    if m is None or (m.group(1) and not signed):
        raise InvalidRule(f"{key}={text} is not a whole number", field="rrule")
    value = int(text)
    if not least <= abs(value) <= most:
        bound = f"+-{least}..{most}" if signed else f"{least}..{most}"
        raise InvalidRule(f"{key}={text} is outside {bound}", field="rrule")
    return value


def _numbers(key: str, text: str, least: int, most: int, *, signed: bool) -> str:
    return ",".join(str(_number(key, item, least, most, signed=signed)) for item in text.split(","))


def _set_positions(parts: dict[str, str], freq: str) -> str:
    # A day holds one instance, and dateutil cuts DTSTART's week short (it starts the first
    # period at DTSTART), so positions in a week would differ between clients.
    if freq not in ("MONTHLY", "YEARLY"):
        raise InvalidRule("BYSETPOS is only supported with MONTHLY or YEARLY", field="rrule")
    if not {"BYDAY", "BYMONTHDAY", "BYMONTH"} & set(parts):
        raise InvalidRule("BYSETPOS needs another BY part to pick from", field="rrule")
    return _numbers("BYSETPOS", parts["BYSETPOS"], 1, 366, signed=True)


def _weekday(item: str, parts: dict[str, str], freq: str) -> str:
    """One BYDAY item, such as ``MO`` or ``-1FR``."""
    m = _WEEKDAY_ITEM.match(item)
    if m is None:
        raise InvalidRule(f"BYDAY={parts['BYDAY']} is not a weekday list", field="rrule")
    if not m.group(1):
        return item
    if freq not in ("MONTHLY", "YEARLY"):
        raise InvalidRule(
            f"BYDAY={item} gives a position, which only MONTHLY and YEARLY allow",
            field="rrule",
        )
    most = 53 if freq == "YEARLY" and "BYMONTH" not in parts else 5
    n = _number("BYDAY", m.group(1), 1, most, signed=True)
    return f"{n}{m.group(2)}"


def _check_month_days_exist(month_days: str, months: str) -> None:
    # Refused now, or dateutil would search every year up to 9999 for a day that never comes.
    days = [abs(int(x)) for x in month_days.split(",")]
    if not any(d <= _MONTH_DAYS[int(m) - 1] for m in months.split(",") for d in days):
        raise InvalidRule(
            f"the rule has no instance: no month in BYMONTH has a day from BYMONTHDAY={month_days}",
            field="rrule",
        )


def _until_instant(text: str, local_until: Callable[[datetime], datetime]) -> datetime:
    m = _UNTIL.match(text)
    if m is None:
        raise InvalidRule(f"UNTIL={text} is not an iCalendar date", field="rrule")
    y, mo, d, hh, mi, ss, z = m.groups()
    try:
        day = date(int(y), int(mo), int(d))
        # A bare date is inclusive: any instance starting that local day counts.
        clock = time(23, 59, 59) if hh is None else time(int(hh), int(mi), int(ss))
    except ValueError as exc:
        raise InvalidRule(f"UNTIL={text}: {exc}", field="rrule") from exc
    wall = datetime.combine(day, clock)
    if z:
        return require_aware(wall.replace(tzinfo=UTC), "rrule")
    return local_until(wall)
