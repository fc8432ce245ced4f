"""The one iCalendar builder: feeds, .ics downloads and e-mail attachments all call it.

It imports no Django (only ``icalendar``, ``zoneinfo``, the standard library and ``core``), so it
can be used and tested alone. Everything it writes is explicit, because calendar clients
disagree wherever they are left to decide (see the docs page "Calendar fields"):

* every event is its own VEVENT (no RRULE): clients expand rules differently at DST edges;
* times are UTC, or local with a TZID only when neither end is in a fold; every TZID used gets
  a VTIMEZONE; never floating times;
* DTSTAMP and LAST-MODIFIED are the record's change time, never "now", and events are sorted,
  so the same input gives the same bytes (stable ETags, no re-downloads);
* text is escaped by ``icalendar`` after control characters are removed; a link is written only
  when it is a clean ``https`` URL, since a URI value is not escaped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, vCategory, vDDDTypes, vDuration, vText

from fluentory_bookings.core.errors import BookingError, InvalidInput
from fluentory_bookings.core.links import validate_meeting_link
from fluentory_bookings.core.zones import resolve_zone

__all__ = ["PRODID", "STATUSES", "CalendarEvent", "build_calendar", "clean_text", "safe_link"]

PRODID = "-//Fluentory//fluentory-bookings//EN"
STATUSES = frozenset({"CONFIRMED", "TENTATIVE", "CANCELLED"})
METHODS = frozenset({"PUBLISH", "REQUEST", "CANCEL"})

# C0 and C1 controls except tab and newline, DEL, and the Unicode line/paragraph separators
# (some readers end a line there). \r is turned into \n first, so "\r\n" stays one newline.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_LINE_BREAKS = re.compile("\r\n?|[\u2028\u2029]")
_UID = re.compile(r"[\x21-\x7e]{1,255}\Z")
# What a mailto: URI can carry unescaped: no whitespace, controls, or the characters that
# would end the value or open a parameter.
_ADDRESS = re.compile(r"[^\s\x00-\x1f\x7f:;,\"<>@]{1,64}@[A-Za-z0-9.-]{1,253}\Z")


def clean_text(value: str) -> str:
    """``value`` with line breaks made ``\\n`` and every other control character removed.

    ``icalendar`` escapes newlines, commas, semicolons and backslashes in TEXT values but passes
    other control characters through, which RFC 5545 does not allow in TEXT.
    """
    return _CONTROL.sub("", _LINE_BREAKS.sub("\n", value))


def safe_link(url: str | None) -> str | None:
    """``url`` if it is a clean absolute https URL (see ``core.links``), else ``None``.

    A URI value is written as is, so anything that could end a line or smuggle a parameter
    (whitespace, control characters, another scheme) is left out rather than escaped.
    """
    if not url:
        return None
    try:
        link = validate_meeting_link(url)
    except BookingError:
        return None
    if link != url or _CONTROL.search(link) or not link.isprintable():
        return None
    return link


def _aware(value: object, field: str) -> datetime:
    if not isinstance(value, datetime) or value.utcoffset() is None:
        raise InvalidInput(f"{field} must be an aware datetime, got {value!r}", field=field)
    return value


@dataclass(frozen=True)
class CalendarEvent:
    """One event of a calendar, as the builder writes it.

    Raises:
        InvalidInput: naive or reversed times, an empty or non-printable ``uid``, a status
            outside CONFIRMED/TENTATIVE/CANCELLED, a negative sequence, or an unknown zone
            (an ``InvalidTimezone``).
    """

    uid: str  # stable, globally unique
    start: datetime  # aware
    end: datetime  # aware; end - start is the real duration
    summary: str
    stamp: datetime  # aware: the record's change time (DTSTAMP and LAST-MODIFIED)
    sequence: int = 0
    status: str = "CONFIRMED"
    zone: str | None = None  # IANA key to write TZID in, only where unambiguous; else UTC
    description: str = ""
    url: str | None = None  # meeting link; written (URL + LOCATION) only if https
    categories: tuple[str, ...] = ()
    # iTIP only (an e-mail invitation, ``method`` set): RFC 5546 wants an ORGANIZER and the
    # ATTENDEE it is sent to, or Outlook and Gmail show a REQUEST/CANCEL as a plain import.
    # Refused in feeds and downloads, which anyone holding the link can read.
    organizer: str | None = None  # an e-mail address
    attendee: str | None = None  # an e-mail address

    def __post_init__(self) -> None:
        if not isinstance(self.uid, str) or not _UID.match(self.uid):
            raise InvalidInput(
                "uid must be 1-255 printable ASCII characters without spaces", field="uid"
            )
        start = _aware(self.start, "start")
        end = _aware(self.end, "end")
        _aware(self.stamp, "stamp")
        # In UTC: Python compares two datetimes with the same tzinfo by their wall clocks.
        if end.astimezone(UTC) <= start.astimezone(UTC):
            raise InvalidInput("end must be after start", field="end")
        if self.status not in STATUSES:
            raise InvalidInput(
                f"status must be one of {sorted(STATUSES)}, got {self.status!r}", field="status"
            )
        if isinstance(self.sequence, bool) or not isinstance(self.sequence, int):
            raise InvalidInput("sequence must be an integer", field="sequence")
        if self.sequence < 0:
            raise InvalidInput("sequence must not be negative", field="sequence")
        if self.zone is not None:
            resolve_zone(self.zone, field="zone")
        for name in ("summary", "description"):
            if not isinstance(getattr(self, name), str):
                raise InvalidInput(f"{name} must be a string", field=name)
        if not isinstance(self.categories, tuple) or not all(
            isinstance(c, str) for c in self.categories
        ):
            raise InvalidInput("categories must be a tuple of strings", field="categories")
        for name in ("organizer", "attendee"):
            address = getattr(self, name)
            if address is not None and (
                not isinstance(address, str) or not _ADDRESS.match(address)
            ):
                raise InvalidInput(f"{name} must be an e-mail address", field=name)


def _local_zone(event: CalendarEvent) -> ZoneInfo | None:
    """The zone to write ``event`` in, or ``None`` for UTC.

    A local time read back with its TZID must name one instant: a time in a fold names two
    (clients disagree which), so such an event is written in UTC. A time converted from an
    instant is never in a gap, so a fold is the only case to check.
    """
    if event.zone is None or event.zone == "UTC":
        return None
    zone = resolve_zone(event.zone, field="zone")
    for instant in (event.start, event.end):
        # Through UTC: astimezone() to the datetime's own zone keeps its wall clock as is.
        local = instant.astimezone(UTC).astimezone(zone)
        if local.replace(fold=0).utcoffset() != local.replace(fold=1).utcoffset():
            return None
    return zone


@lru_cache(maxsize=256)
def _timezone(key: str, first_year: int, last_year: int) -> bytes:
    """The VTIMEZONE of ``key`` for whole years: one observance per offset change, no RDATE.

    Written by hand rather than with ``Timezone.from_tzinfo``: for more than one year that
    lists later changes as RDATEs, which ical.js 2.2 ignores (it read every summer time of a
    two-year Berlin calendar an hour off), and it dates a spring change at the local time
    after it, where RFC 5545 uses the time before it (TZOFFSETFROM). Whole years keep the
    block the same from one day to the next, so it does not churn the feed.
    """
    zone = ZoneInfo(key)
    # From before local New Year of the first year anywhere to after the last year ends.
    moment = datetime(first_year - 1, 12, 31, tzinfo=UTC)
    end = datetime(last_year + 1, 1, 2, tzinfo=UTC)
    offset = _offset(zone, moment)
    lines = ["BEGIN:VTIMEZONE", f"TZID:{key}"]
    lines += _observance(zone, moment, offset, offset)
    while moment < end:
        step = moment + timedelta(days=1)
        if _offset(zone, step) != offset:
            low, high = moment, step
            while high - low > timedelta(seconds=1):  # the first second of the new offset
                middle = low + (high - low) // 2
                if _offset(zone, middle) == offset:
                    low = middle
                else:
                    high = middle
            new = _offset(zone, high)
            lines += _observance(zone, high, offset, new)
            offset = new
        moment = step
    lines.append("END:VTIMEZONE")
    return ("\r\n".join(lines) + "\r\n").encode()


def _offset(zone: ZoneInfo, instant: datetime) -> tuple[timedelta, str]:
    local = instant.astimezone(zone)
    return local.utcoffset() or timedelta(0), local.tzname() or ""


def _observance(
    zone: ZoneInfo, onset: datetime, before: tuple[timedelta, str], after: tuple[timedelta, str]
) -> list[str]:
    kind = "DAYLIGHT" if onset.astimezone(zone).dst() else "STANDARD"
    # RFC 5545 3.6.5: the onset is a local time read with the offset in force before it.
    local = (onset + before[0]).replace(tzinfo=None)
    return [
        f"BEGIN:{kind}",
        f"DTSTART:{local:%Y%m%dT%H%M%S}",
        f"TZNAME:{vText(after[1]).to_ical().decode()}",
        f"TZOFFSETFROM:{_utc_offset(before[0])}",
        f"TZOFFSETTO:{_utc_offset(after[0])}",
        f"END:{kind}",
    ]


def _utc_offset(value: timedelta) -> str:
    seconds = int(value.total_seconds())
    sign = "-" if seconds < 0 else "+"
    hours, rest = divmod(abs(seconds), 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{sign}{hours:02d}{minutes:02d}" + (f"{seconds:02d}" if seconds else "")


def _utc(value: datetime) -> vDDDTypes:
    return vDDDTypes(value.astimezone(UTC).replace(microsecond=0))


def _event(event: CalendarEvent, zone: ZoneInfo | None) -> Event:
    vevent = Event()
    vevent.add("UID", vText(event.uid))
    stamp = _utc(event.stamp)
    vevent.add("DTSTAMP", stamp)
    if zone is None:
        vevent.add("DTSTART", _utc(event.start))
        vevent.add("DTEND", _utc(event.end))
    else:
        for prop, instant in (("DTSTART", event.start), ("DTEND", event.end)):
            local = instant.astimezone(UTC).astimezone(zone).replace(microsecond=0)
            vevent.add(prop, local)
    vevent.add("LAST-MODIFIED", stamp)
    vevent.add("SEQUENCE", event.sequence)
    vevent.add("STATUS", event.status)
    vevent.add("SUMMARY", vText(clean_text(event.summary)))
    if event.description:
        vevent.add("DESCRIPTION", vText(clean_text(event.description)))
    link = safe_link(event.url)
    if link is not None:
        vevent.add("URL", link)
        vevent.add("LOCATION", vText(link))
    if event.categories:
        vevent.add("CATEGORIES", vCategory([clean_text(c) for c in event.categories]))
    if event.organizer is not None:
        vevent.add("ORGANIZER", f"mailto:{event.organizer}")
    if event.attendee is not None:
        # Told, not asked: the booking is decided on the site, so no RSVP buttons.
        vevent.add(
            "ATTENDEE",
            f"mailto:{event.attendee}",
            parameters={"PARTSTAT": "ACCEPTED", "RSVP": "FALSE"},
        )
    # Busy while it holds time; a cancelled event frees it.
    vevent.add("TRANSP", "TRANSPARENT" if event.status == "CANCELLED" else "OPAQUE")
    return vevent


def build_calendar(
    events: Iterable[CalendarEvent],
    *,
    name: str,
    method: str | None = None,
    refresh: timedelta = timedelta(hours=1),
) -> bytes:
    """Return the iCalendar (RFC 5545) bytes of ``events``, with CRLF line ends.

    Args:
        events: The events, in any order: they are written sorted by start, then UID.
        name: The calendar's name (NAME and X-WR-CALNAME).
        method: ``None`` for a subscription feed or a download; ``"REQUEST"`` or ``"CANCEL"``
            (or ``"PUBLISH"``) for an e-mail attachment.
        refresh: How often a subscribed client should poll (REFRESH-INTERVAL, X-PUBLISHED-TTL).

    Raises:
        InvalidInput: ``name`` is not a string, ``method`` is not one of the above, ``refresh``
            is not a positive timedelta, an item of ``events`` is not a ``CalendarEvent``,
            two share a UID, or an event has an organizer or attendee without a ``method``.
    """
    if not isinstance(name, str):
        raise InvalidInput("name must be a string", field="name")
    if method is not None and method not in METHODS:
        raise InvalidInput(f"method must be None or one of {sorted(METHODS)}", field="method")
    if not isinstance(refresh, timedelta) or refresh <= timedelta(0):
        raise InvalidInput("refresh must be a positive timedelta", field="refresh")
    items = list(events)
    for item in items:
        if not isinstance(item, CalendarEvent):
            raise InvalidInput("events must be CalendarEvent values", field="events")
    if method is None and any(i.organizer or i.attendee for i in items):
        raise InvalidInput(
            "organizer and attendee are for e-mail invitations (method set), never feeds",
            field="events",
        )
    if len({item.uid for item in items}) != len(items):
        # Clients keep one event per UID, and which one they keep differs.
        raise InvalidInput("two events share a UID", field="events")
    items.sort(key=lambda e: (e.start.astimezone(UTC), e.uid))

    calendar = Calendar()
    calendar.add("VERSION", "2.0")
    calendar.add("PRODID", PRODID)
    calendar.add("CALSCALE", "GREGORIAN")
    if method is not None:
        calendar.add("METHOD", method)
    title = vText(clean_text(name))
    calendar.add("NAME", title)
    calendar.add("X-WR-CALNAME", title)
    calendar.add("REFRESH-INTERVAL", vDuration(refresh), parameters={"VALUE": "DURATION"})
    calendar.add("X-PUBLISHED-TTL", vDuration(refresh))

    years: dict[str, tuple[int, int]] = {}
    for item in items:
        zone = _local_zone(item)
        if zone is not None:
            first = item.start.astimezone(UTC).astimezone(zone).year
            last = item.end.astimezone(UTC).astimezone(zone).year
            low, high = years.get(zone.key, (first, last))
            years[zone.key] = (min(low, first), max(high, last))
        calendar.add_component(_event(item, zone))

    body: bytes = calendar.to_ical()
    if not years:
        return body
    # VTIMEZONEs go first, as RFC 5545 examples and most readers expect: splice them in after
    # the calendar's own properties (before the first VEVENT, or END:VCALENDAR).
    zones = b"".join(_timezone(key, *years[key]) for key in sorted(years))
    cut = body.find(b"BEGIN:VEVENT\r\n")
    return body[:cut] + zones + body[cut:]
