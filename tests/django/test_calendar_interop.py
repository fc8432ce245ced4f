"""Independent parsers read our calendars at the same instants as the database.

ical.js (Thunderbird, many web clients) and libical (Evolution, many Linux clients) are not ours
and not Python: each reads the calendar in its own process (tests/interop, installed by
scripts/interop.sh), next to icalendar and recurring_ical_events. Every parser must give every
event's start and end as the UTC instants the database holds, the same STATUS, the same number
of events, and must resolve every TZID through a VTIMEZONE in the file.

The cases are where clients disagree when left to decide (docs/django/calendar-interop.md): a
lesson in a spring-forward gap, at both passes of an ambiguous fall-back time, across Lord Howe's
30-minute shifts, spanning a transition, and a weekly series across both 2027 changes. Each
parser runs once per calendar: all cases go into one calendar.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from fluentory_bookings.contrib.django.calendar.builder import CalendarEvent, build_calendar
from fluentory_bookings.contrib.django.calendar.events import (
    event_uid,
    student_events,
    teacher_events,
)
from fluentory_bookings.contrib.django.models import Booking, LiveClassSession, OneOnOneBooking
from fluentory_bookings.contrib.django.services import (
    approve_one_on_one,
    book_group_session,
    cancel_group_booking,
    cancel_session,
    create_session,
    create_weekly_sessions,
    request_one_on_one,
    set_availability,
)
from fluentory_bookings.core.conflicts import weekly_series
from fluentory_bookings.core.intervals import Interval
from tests.interop.parsers import Reading, disagreements, read_all, used_tzids

PARSERS = ["ical.js", "libical", "icalendar", "recurring_ical_events"]
STAMP = datetime(2026, 11, 1, 12, tzinfo=UTC)


def wall(zone: str, *fields: int, fold: int = 0) -> datetime:
    """The instant a local wall time names, read as RFC 5545 says (``fold=0``: the first of two,
    or moved forward by a gap), in UTC as the database stores it."""
    return datetime(*fields, tzinfo=ZoneInfo(zone), fold=fold).astimezone(UTC)


def event(uid, start, end, zone=None, status="CONFIRMED") -> CalendarEvent:
    return CalendarEvent(
        uid=f"{uid}@interop.test",
        start=start,
        end=end,
        summary=uid,
        stamp=STAMP,
        status=status,
        zone=zone,
    )


def lesson(uid, zone, *fields, minutes=60, fold=0, status="CONFIRMED") -> CalendarEvent:
    start = wall(zone, *fields, fold=fold)
    return event(uid, start, start + timedelta(minutes=minutes), zone, status)


def weekly(uid, zone, *fields, weeks, minutes=60) -> list[CalendarEvent]:
    """A weekly series as the services store it: one row per week from core's weekly_series."""
    start = wall(zone, *fields)
    series = weekly_series(Interval(start, start + timedelta(minutes=minutes)), zone, weeks=weeks)
    statuses = ["CONFIRMED", "TENTATIVE", "CANCELLED"]
    return [
        event(f"{uid}-{n:02d}", i.start, i.end, zone, statuses[n % 3]) for n, i in enumerate(series)
    ]


BERLIN, NEW_YORK, LORD_HOWE = "Europe/Berlin", "America/New_York", "Australia/Lord_Howe"
# The edge cases by name; uids carry the name so a failure says which case broke.
CASES: dict[str, list[CalendarEvent]] = {
    "ordinary": [
        event("utc", datetime(2027, 2, 10, 9, tzinfo=UTC), datetime(2027, 2, 10, 10, tzinfo=UTC)),
        lesson("berlin-winter", BERLIN, 2027, 1, 12, 18),
        lesson("berlin-summer", BERLIN, 2027, 7, 6, 18, minutes=90, status="TENTATIVE"),
        lesson("new-york-winter", NEW_YORK, 2027, 1, 12, 9, status="CANCELLED"),
        lesson("new-york-summer", NEW_YORK, 2027, 7, 6, 9, minutes=45),
    ],
    # 02:30 does not exist on these days: the booking is at the instant the database holds
    # (03:30 local), which a client must not shorten or move.
    "spring-forward-gap": [
        lesson("gap-berlin", BERLIN, 2027, 3, 28, 2, 30),
        lesson("gap-new-york", NEW_YORK, 2027, 3, 14, 2, 30, status="TENTATIVE"),
        lesson("gap-lord-howe", LORD_HOWE, 2027, 10, 3, 2, 15),
    ],
    # The wall time happens twice: a lesson at each pass, which a TZID cannot tell apart.
    "fall-back-ambiguous": [
        lesson("fold-berlin-first", BERLIN, 2027, 10, 31, 2, 30, fold=0),
        lesson("fold-berlin-second", BERLIN, 2027, 10, 31, 2, 30, fold=1),
        lesson("fold-new-york-first", NEW_YORK, 2027, 11, 7, 1, 30, fold=0, minutes=30),
        lesson("fold-new-york-second", NEW_YORK, 2027, 11, 7, 1, 30, fold=1, minutes=30),
        lesson("fold-lord-howe-first", LORD_HOWE, 2027, 4, 4, 1, 45, fold=0, minutes=15),
        lesson("fold-lord-howe-second", LORD_HOWE, 2027, 4, 4, 1, 45, fold=1, minutes=15),
    ],
    # Lord Howe moves by 30 minutes: 02:00 -> 01:30 on 2027-04-04, 02:00 -> 02:30 on 2027-10-03.
    "lord-howe-shift": [
        lesson("lord-howe-before-april", LORD_HOWE, 2027, 4, 3, 10),
        lesson("lord-howe-after-april", LORD_HOWE, 2027, 4, 5, 10),
        lesson("lord-howe-before-october", LORD_HOWE, 2027, 10, 2, 10),
        lesson("lord-howe-after-october", LORD_HOWE, 2027, 10, 4, 10),
    ],
    # Starting or ending on the very instant of a change, where a VTIMEZONE's onset matters.
    "at-a-transition": [
        event(
            "from-berlin-spring", wall(BERLIN, 2027, 3, 28, 3), wall(BERLIN, 2027, 3, 28, 4), BERLIN
        ),
        event(
            "until-berlin-spring",
            wall(BERLIN, 2027, 3, 28, 1),
            wall(BERLIN, 2027, 3, 28, 3),
            BERLIN,
        ),
        event(
            "from-berlin-autumn",
            wall(BERLIN, 2027, 10, 31, 2, fold=1),
            wall(BERLIN, 2027, 10, 31, 4),
            BERLIN,
        ),
        event(
            "until-berlin-autumn",
            wall(BERLIN, 2027, 10, 30, 23),
            wall(BERLIN, 2027, 10, 31, 2, fold=1),
            BERLIN,
        ),
        event(
            "from-lord-howe-october",
            wall(LORD_HOWE, 2027, 10, 3, 2, 30),
            wall(LORD_HOWE, 2027, 10, 3, 4),
            LORD_HOWE,
        ),
        event(
            "until-lord-howe-april",
            wall(LORD_HOWE, 2027, 4, 4, 0),
            wall(LORD_HOWE, 2027, 4, 4, 1, 30, fold=1),
            LORD_HOWE,
        ),
    ],
    # Longer or shorter on the wall than in real time: the real length is what counts.
    "spans-a-transition": [
        event(
            "span-berlin-spring", wall(BERLIN, 2027, 3, 28, 1), wall(BERLIN, 2027, 3, 28, 4), BERLIN
        ),
        event(
            "span-berlin-autumn",
            wall(BERLIN, 2027, 10, 31, 1),
            wall(BERLIN, 2027, 10, 31, 4),
            BERLIN,
        ),
        event(
            "span-lord-howe-april",
            wall(LORD_HOWE, 2027, 4, 4, 1),
            wall(LORD_HOWE, 2027, 4, 4, 3),
            LORD_HOWE,
        ),
        event(
            "span-lord-howe-october",
            wall(LORD_HOWE, 2027, 10, 3, 1, 30),
            wall(LORD_HOWE, 2027, 10, 3, 3),
            LORD_HOWE,
        ),
        event(
            "span-new-york-november",
            wall(NEW_YORK, 2027, 11, 7, 0, 30),
            wall(NEW_YORK, 2027, 11, 7, 2, 30),
            NEW_YORK,
        ),
    ],
    # Sundays at 02:30 Berlin from March to November 2027: it meets the gap on 28 March and
    # the fold on 31 October; the UTC time shifts twice while the local time stays put.
    "weekly-across-both-changes": weekly("weekly-berlin", BERLIN, 2027, 3, 14, 2, 30, weeks=36),
}
EVENTS = [e for events in CASES.values() for e in events]


def expected(events: list[CalendarEvent]) -> list[tuple[str, datetime, datetime, str]]:
    return [(e.uid, e.start.astimezone(UTC), e.end.astimezone(UTC), e.status) for e in events]


@pytest.fixture(scope="module")
def feed() -> bytes:
    return build_calendar(EVENTS, name="Interop")


@pytest.fixture(scope="module")
def readings(feed) -> dict[str, Reading]:
    return read_all(feed)


def test_the_cases_are_the_edges_they_claim():
    """Guards the fixtures: each edge case really sits on its zone's edge."""

    def ambiguous(instant, zone):
        local = instant.astimezone(ZoneInfo(zone))
        return local.replace(fold=0).utcoffset() != local.replace(fold=1).utcoffset()

    for e in CASES["fall-back-ambiguous"]:
        assert ambiguous(e.start, e.zone), e.uid
    gaps = CASES["spring-forward-gap"]
    assert [e.start.astimezone(ZoneInfo(e.zone)).strftime("%H:%M") for e in gaps] == [
        "03:30",
        "03:30",
        "02:45",
    ]
    for e in CASES["at-a-transition"]:
        edge = e.start if e.uid.startswith("from-") else e.end
        zone = ZoneInfo(e.zone)
        second = timedelta(seconds=1)
        assert (edge - second).astimezone(zone).utcoffset() != edge.astimezone(zone).utcoffset()
    lengths = [(e.end - e.start) / timedelta(minutes=1) for e in CASES["spans-a-transition"]]
    assert lengths == [120, 240, 150, 60, 180]
    week = {e.start.astimezone(UTC).strftime("%H:%M") for e in CASES["weekly-across-both-changes"]}
    assert week == {"01:30", "00:30"}  # CET and CEST
    fold = CASES["weekly-across-both-changes"][33]
    assert fold.start == wall(BERLIN, 2027, 10, 31, 2, 30)
    assert ambiguous(fold.start, BERLIN)


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("parser", PARSERS)
def test_every_parser_reads_the_database_instants(readings, parser, case):
    uids = {e.uid for e in CASES[case]}
    reading = readings[parser]
    mine = Reading(
        reading.parser,
        reading.version,
        reading.vevents,
        reading.vtimezones,
        tuple(i for i in reading.instances if i.uid in uids),
    )
    assert disagreements(expected(CASES[case]), mine) == []


@pytest.mark.parametrize("parser", PARSERS)
def test_every_parser_sees_each_event_once_with_its_status(readings, parser):
    reading = readings[parser]
    assert reading.vevents == len(EVENTS)
    assert sorted((i.uid, i.status) for i in reading.instances) == sorted(
        (e.uid, e.status) for e in EVENTS
    )


@pytest.mark.parametrize("parser", PARSERS)
def test_every_zone_a_parser_uses_comes_from_the_file(feed, readings, parser):
    """No floating time, and no TZID a parser had to resolve from its own database: Outlook
    and others have none to fall back on."""
    reading = readings[parser]
    assert reading.unresolved() == []
    assert used_tzids(feed) <= set(reading.vtimezones)
    assert {i.zone for i in reading.instances} <= {"UTC", BERLIN, NEW_YORK, LORD_HOWE}


def test_each_tzid_used_has_exactly_one_vtimezone(feed, readings):
    used = used_tzids(feed)
    assert used == {BERLIN, NEW_YORK, LORD_HOWE}
    for reading in readings.values():
        assert sorted(reading.vtimezones) == sorted(used), reading.parser


def test_the_parsers_agree_with_each_other(readings):
    """The same instants, statuses and counts everywhere; the zone a time was written in is the
    builder's choice and not compared."""
    reference = sorted(i.when for i in readings["icalendar"].instances)
    for name in PARSERS:
        assert sorted(i.when for i in readings[name].instances) == reference, name
        assert readings[name].vevents == readings["icalendar"].vevents, name


def test_versions_are_the_pinned_ones(readings):
    """The documented measurements hold for these versions; a change must be deliberate."""
    assert readings["ical.js"].version == "2.2.1"
    assert readings["libical"].version.startswith("3.0.")


# From rows to feed: what the services stored, read back by every parser through the feed code.
# The status a reader must see for each stored state, written out here rather than taken from
# the code under test.
SESSION_STATUS = {"scheduled": "CONFIRMED", "cancelled": "CANCELLED"}
SEAT_STATUS = {"confirmed": "CONFIRMED", "cancelled": "CANCELLED"}
LESSON_STATUS = {"pending": "TENTATIVE", "confirmed": "CONFIRMED"}
FEED_NOW = datetime(2027, 3, 10, tzinfo=UTC)  # the feed window then covers all of 2027


def stored_for_teacher(teacher) -> list[tuple]:
    sessions = LiveClassSession.objects.filter(teacher=teacher)
    lessons = OneOnOneBooking.objects.filter(teacher=teacher)
    return [
        (event_uid("session", s.pk), s.starts_at, s.ends_at, SESSION_STATUS[s.status])
        for s in sessions
    ] + [
        (event_uid("lesson", b.pk), b.starts_at, b.ends_at, LESSON_STATUS[b.status])
        for b in lessons
    ]


def stored_for_student(student) -> list[tuple]:
    seats = Booking.objects.filter(student=student).select_related("session")
    lessons = OneOnOneBooking.objects.filter(student=student)
    return [
        (event_uid("booking", b.pk), b.session.starts_at, b.session.ends_at, SEAT_STATUS[b.status])
        for b in seats
    ] + [
        (event_uid("lesson", b.pk), b.starts_at, b.ends_at, LESSON_STATUS[b.status])
        for b in lessons
    ]


def lesson_at(teacher, student, course, clock, zone, day, start_utc, *, approve):
    """A 30-minute 1:1 at ``start_utc``, from a one-time availability in ``zone`` on ``day``."""
    clock(start_utc - timedelta(days=2))
    availability = set_availability(
        teacher,
        course=course,
        timezone=zone,
        kind="one_time",
        start_date=day,
        start_time=time(0, 0),
        end_time=time(5, 0),
        slot_minutes=30,
    )
    [lesson] = request_one_on_one(availability, student, start_utc)
    if approve:
        approve_one_on_one(lesson, teacher)


@pytest.mark.django_db
def test_feeds_from_stored_rows_read_the_same_everywhere(teacher, student, make_course, clock):
    group = make_course("group_session", teacher=teacher, students=[student])
    lessons = make_course("one_on_one", teacher=teacher, students=[student], approval=True)
    clock(datetime(2027, 3, 1, tzinfo=UTC))
    # Sundays at 02:30 Berlin, March to November: the services place the gap and fold weeks.
    first = wall(BERLIN, 2027, 3, 14, 2, 30)
    weekly = create_weekly_sessions(
        course=group,
        teacher=teacher,
        title="Sunday class",
        starts_at=first,
        ends_at=first + timedelta(hours=1),
        timezone=BERLIN,
        weeks=36,
    )
    new_york = create_session(
        course=group,
        teacher=teacher,
        title="Second 01:30",
        starts_at=wall(NEW_YORK, 2027, 11, 7, 1, 30, fold=1),
        ends_at=wall(NEW_YORK, 2027, 11, 7, 2),
        timezone=NEW_YORK,
    )
    lord_howe = create_session(
        course=group,
        teacher=teacher,
        title="Across the shift",
        starts_at=wall(LORD_HOWE, 2027, 4, 4, 1),
        ends_at=wall(LORD_HOWE, 2027, 4, 4, 3),
        timezone=LORD_HOWE,
    )
    gap_week, fold_week = weekly[2], weekly[33]
    assert gap_week.starts_at == datetime(2027, 3, 28, 1, 30, tzinfo=UTC)  # 03:30 CEST
    assert fold_week.starts_at == datetime(2027, 10, 31, 0, 30, tzinfo=UTC)  # the first 02:30
    for session in (gap_week, fold_week, new_york, lord_howe):
        clock(session.starts_at - timedelta(days=2))
        seat = book_group_session(session, student)
    cancel_group_booking(seat, student)  # the Lord Howe seat: kept in the feed as CANCELLED
    clock(datetime(2027, 4, 1, tzinfo=UTC))
    cancel_session(weekly[5], teacher)
    # 1:1 lessons beside them: the second 02:30 in Berlin, both sides of Lord Howe's October
    # gap, the first 01:30 in New York; the ones left pending are TENTATIVE.
    lesson_at(
        teacher,
        student,
        lessons,
        clock,
        BERLIN,
        date(2027, 10, 31),
        datetime(2027, 10, 31, 1, 30, tzinfo=UTC),
        approve=True,
    )
    lesson_at(
        teacher,
        student,
        lessons,
        clock,
        LORD_HOWE,
        date(2027, 10, 3),
        datetime(2027, 10, 2, 15, tzinfo=UTC),
        approve=False,
    )
    lesson_at(
        teacher,
        student,
        lessons,
        clock,
        LORD_HOWE,
        date(2027, 10, 3),
        datetime(2027, 10, 2, 15, 30, tzinfo=UTC),
        approve=True,
    )
    lesson_at(
        teacher,
        student,
        lessons,
        clock,
        NEW_YORK,
        date(2027, 11, 7),
        datetime(2027, 11, 7, 5, 30, tzinfo=UTC),
        approve=False,
    )

    for rows, events in (
        (stored_for_teacher(teacher), teacher_events(teacher, now=FEED_NOW)),
        (stored_for_student(student), student_events(student, now=FEED_NOW)),
    ):
        feed = build_calendar(events, name="Feed")
        assert len(rows) == len(events)
        for reading in read_all(feed).values():
            assert disagreements(rows, reading) == []
            assert reading.vevents == len(rows)
            assert reading.unresolved() == []
            assert used_tzids(feed) <= set(reading.vtimezones)
    statuses = {status for *_, status in stored_for_teacher(teacher) + stored_for_student(student)}
    assert statuses == {"CONFIRMED", "TENTATIVE", "CANCELLED"}


# A calendar written the ways other feeds do: a TZID without its VTIMEZONE, a TZID at an
# ambiguous time, a weekly RRULE through a gap, and a wall time in a gap. Europe/Berlin here is
# icalendar's VTIMEZONE (daylight onset dated 03:00); Berlin-onset-0200 is dated in the offset
# before the change, as RFC 5545's examples and our builder write it. The RFC 5545 reading of
# each event is below; the test shows the parsers do not all give it, so the checks above can
# fail and the builder's rules (UTC at a fold, no RRULE, a VTIMEZONE for every TZID, never a
# wall time in a gap) are needed.
HAND_WRITTEN = """\
BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//fluentory-bookings//interop test//EN
BEGIN:VTIMEZONE
TZID:Europe/Berlin
BEGIN:STANDARD
DTSTART:20270101T000000
TZNAME:CET
TZOFFSETFROM:+0100
TZOFFSETTO:+0100
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:20270328T030000
TZNAME:CEST
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
END:DAYLIGHT
BEGIN:STANDARD
DTSTART:20271031T030000
TZNAME:CET
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
END:STANDARD
END:VTIMEZONE
BEGIN:VTIMEZONE
TZID:Berlin-onset-0200
BEGIN:STANDARD
DTSTART:20270101T000000
TZOFFSETFROM:+0100
TZOFFSETTO:+0100
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:20270328T020000
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
END:DAYLIGHT
END:VTIMEZONE
BEGIN:VEVENT
UID:gap-onset-0200
DTSTAMP:20261101T120000Z
DTSTART;TZID=Berlin-onset-0200:20270328T023000
DTEND;TZID=Berlin-onset-0200:20270328T033000
STATUS:CONFIRMED
END:VEVENT
BEGIN:VEVENT
UID:no-vtimezone
DTSTAMP:20261101T120000Z
DTSTART;TZID=America/Chicago:20270112T090000
DTEND;TZID=America/Chicago:20270112T100000
STATUS:CONFIRMED
END:VEVENT
BEGIN:VEVENT
UID:fold
DTSTAMP:20261101T120000Z
DTSTART;TZID=Europe/Berlin:20271031T023000
DTEND;TZID=Europe/Berlin:20271031T030000
STATUS:CONFIRMED
END:VEVENT
BEGIN:VEVENT
UID:weekly-gap
DTSTAMP:20261101T120000Z
DTSTART;TZID=Europe/Berlin:20270321T023000
DTEND;TZID=Europe/Berlin:20270321T033000
RRULE:FREQ=WEEKLY;COUNT=3
STATUS:CONFIRMED
END:VEVENT
END:VCALENDAR
""".replace("\n", "\r\n").encode()


def rfc_reading(uid: str, *starts: datetime, minutes: int) -> list[tuple]:
    return [(uid, s, s + timedelta(minutes=minutes), "CONFIRMED") for s in starts]


def test_the_check_catches_what_clients_get_wrong():
    readings = read_all(HAND_WRITTEN)
    # A TZID the file does not define: every parser guesses (ical.js reads it as floating,
    # libical from its own zone database), and the zone check names the event.
    assert not used_tzids(HAND_WRITTEN) <= {BERLIN, "Berlin-onset-0200"}
    for reading in readings.values():
        assert [i.uid for i in reading.unresolved()] == ["no-vtimezone"], reading.parser
    icaljs_guess = next(i for i in readings["ical.js"].instances if i.uid == "no-vtimezone")
    assert icaljs_guess.zone == "floating"
    assert icaljs_guess.start == datetime(2027, 1, 12, 9, tzinfo=UTC)  # not 15:00Z

    # 02:30 on 31 October happens twice; RFC 5545 means the first (00:30Z).
    fold = rfc_reading("fold", wall(BERLIN, 2027, 10, 31, 2, 30), minutes=90)
    for name in ("ical.js", "libical"):
        only = Reading(
            name, "", 1, (), tuple(i for i in readings[name].instances if i.uid == "fold")
        )
        assert disagreements(fold, only) != []
        assert only.instances[0].start == datetime(2027, 10, 31, 1, 30, tzinfo=UTC)  # the later

    # Weekly at 02:30 from 21 March: 28 March has no 02:30 (03:30 CEST, 01:30Z), then 00:30Z.
    starts = [wall(BERLIN, 2027, 3, day, 2, 30) for day in (21, 28)] + [
        wall(BERLIN, 2027, 4, 4, 2, 30)
    ]
    series = rfc_reading("weekly-gap", *starts, minutes=60)
    for name in ("ical.js", "libical", "recurring_ical_events"):
        only = Reading(
            name, "", 1, (), tuple(i for i in readings[name].instances if i.uid == "weekly-gap")
        )
        assert disagreements(series, only) != [], name
    lengths = {
        name: [
            (i.end - i.start) / timedelta(minutes=1)
            for i in readings[name].instances
            if i.uid == "weekly-gap"
        ]
        for name in ("ical.js", "recurring_ical_events")
    }
    assert lengths == {
        "ical.js": [60, 0, 60],
        "recurring_ical_events": [60, 0, 60],
    }  # a zero-length lesson
    # A wall time in the gap: the VTIMEZONE's form decides, and with a 02:00 onset every
    # parser reads 02:30 as summer time (00:30Z), an hour before the RFC's 03:30 (01:30Z).
    for reading in readings.values():
        gap = next(i for i in reading.instances if i.uid == "gap-onset-0200")
        assert gap.start == datetime(2027, 3, 28, 0, 30, tzinfo=UTC), reading.parser
        assert gap.start != wall(BERLIN, 2027, 3, 28, 2, 30)
    libical_week_after = sorted(
        i.start for i in readings["libical"].instances if i.uid == "weekly-gap"
    )[2]
    assert libical_week_after == datetime(
        2027, 4, 4, 1, 30, tzinfo=UTC
    )  # the gap's hour carried on
