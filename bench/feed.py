"""Benchmark: a 2,000-event calendar feed, our builder against raw ``icalendar``.

The events are what a busy teacher's feed holds over its window: 60-minute lessons in
Europe/Berlin, America/New_York and UTC across a year (both DST changes), a summary and
description with characters that need escaping, a meeting link on most, every status.

Two implementations write the same calendar and must give the same instants:

* ``ours``: :func:`fluentory_bookings.contrib.django.calendar.builder.build_calendar` (checks
  each value, drops control characters and unsafe links, decides TZID or UTC per event, sorts,
  adds the VTIMEZONEs);
* ``raw``: the same properties added with plain ``icalendar`` (``Calendar``, ``Event.add``,
  ``add_missing_timezones``, ``to_ical``) and no checks, the way a hand-written feed does it.

Times are the best of several repeats. Run it as a plain script::

    python bench/feed.py

The last line printed is ``feed: ours <x> events/s, raw <y> events/s, ratio <r>``; ``ratio`` is
ours / raw throughput (raw time / our time): higher is better for us, 1.0 is parity.
"""

from __future__ import annotations

import random
import sys
import time as clock
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import recurring_ical_events
from icalendar import Calendar, Event, vDuration

# The builder imports no Django: no settings needed.
from fluentory_bookings.contrib.django.calendar.builder import PRODID, CalendarEvent, build_calendar

N = 2_000
ZONES = ("Europe/Berlin", "America/New_York", "UTC")
STATUSES = ("CONFIRMED", "CONFIRMED", "TENTATIVE", "CANCELLED")
FIRST = datetime(2027, 1, 4, 7, tzinfo=UTC)
BUDGET = 2.0  # seconds of repeats per implementation, at most

Builder = Callable[[list[CalendarEvent]], bytes]


def sample_events(rng: random.Random) -> list[CalendarEvent]:
    events = []
    for i in range(N):
        start = FIRST + timedelta(minutes=30 * rng.randrange(365 * 24))
        events.append(
            CalendarEvent(
                uid=f"fluentory-oneonone-{i}-3f2a9c@bookings.example",
                start=start,
                end=start + timedelta(hours=1),
                summary=f"German B1, conversation; lesson {i}, with Anna Schmidt",
                stamp=start - timedelta(days=rng.randrange(1, 30)),
                sequence=rng.randrange(4),
                status=rng.choice(STATUSES),
                zone=rng.choice(ZONES),
                description="Course: German B1\nTeacher: Anna Schmidt\nTimes in Europe/Berlin",
                url=f"https://meet.example.com/{i:06d}" if rng.random() < 0.8 else None,
                categories=("Fluentory", "1:1"),
            )
        )
    return events


def ours(events: list[CalendarEvent]) -> bytes:
    return build_calendar(events, name="Anna Schmidt: lessons")


def raw(events: list[CalendarEvent]) -> bytes:
    calendar = Calendar()
    calendar.add("VERSION", "2.0")
    calendar.add("PRODID", PRODID)
    calendar.add("CALSCALE", "GREGORIAN")
    calendar.add("NAME", "Anna Schmidt: lessons")
    calendar.add("X-WR-CALNAME", "Anna Schmidt: lessons")
    calendar.add(
        "REFRESH-INTERVAL", vDuration(timedelta(hours=1)), parameters={"VALUE": "DURATION"}
    )
    calendar.add("X-PUBLISHED-TTL", vDuration(timedelta(hours=1)))
    for e in events:
        event = Event()
        event.add("UID", e.uid)
        event.add("DTSTAMP", e.stamp)
        zone = ZoneInfo(e.zone) if e.zone and e.zone != "UTC" else UTC
        event.add("DTSTART", e.start.astimezone(zone))
        event.add("DTEND", e.end.astimezone(zone))
        event.add("LAST-MODIFIED", e.stamp)
        event.add("SEQUENCE", e.sequence)
        event.add("STATUS", e.status)
        event.add("SUMMARY", e.summary)
        event.add("DESCRIPTION", e.description)
        if e.url:
            event.add("URL", e.url)
            event.add("LOCATION", e.url)
        event.add("CATEGORIES", list(e.categories))
        event.add("TRANSP", "TRANSPARENT" if e.status == "CANCELLED" else "OPAQUE")
        calendar.add_component(event)
    calendar.add_missing_timezones(first_date=date(2027, 1, 1), last_date=date(2028, 12, 31))
    return calendar.to_ical()


def instants(body: bytes) -> list[tuple[str, datetime, datetime]]:
    calendar = Calendar.from_ical(body)
    found = recurring_ical_events.of(calendar).between(
        datetime(2026, 1, 1, tzinfo=UTC), datetime(2029, 1, 1, tzinfo=UTC)
    )
    return sorted(
        (str(e["UID"]), e["DTSTART"].dt.astimezone(UTC), e["DTEND"].dt.astimezone(UTC))
        for e in found
    )


def best_time(build: Builder, events: list[CalendarEvent]) -> float:
    best = float("inf")
    spent = 0.0
    runs = 0
    while runs < 3 or (spent < BUDGET and runs < 50):
        began = clock.perf_counter()
        build(events)
        took = clock.perf_counter() - began
        best = min(best, took)
        spent += took
        runs += 1
    return best


def main() -> None:
    events = sample_events(random.Random(20270104))
    assert instants(ours(events)) == instants(raw(events)), "the two calendars disagree"
    print(f"{N} events in {', '.join(ZONES)} over 2027; best of repeats")
    rates: dict[str, float] = {}
    for name, build in (("ours", ours), ("raw", raw)):
        took = best_time(build, events)
        rates[name] = N / took
        print(f"{name:<5} {rates[name]:>10,.0f} events/s  {took * 1000:8.1f} ms")
    ratio = rates["ours"] / rates["raw"]
    print(
        f"feed: ours {rates['ours']:.0f} events/s, raw {rates['raw']:.0f} events/s, ratio {ratio:.2f}"
    )


if __name__ == "__main__":
    main()
