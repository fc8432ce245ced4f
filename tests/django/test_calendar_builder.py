"""The iCalendar builder on its own: every calendar it writes is read back with ``icalendar`` and
``recurring_ical_events`` and must name exactly the instants it was given."""

from __future__ import annotations

import os
import re
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import recurring_ical_events
from icalendar import Calendar

from fluentory_bookings.contrib.django.calendar.builder import CalendarEvent, build_calendar
from fluentory_bookings.core.errors import InvalidInput, InvalidTimezone
from fluentory_bookings.core.zones import wall_clock_to_utc

BERLIN = ZoneInfo("Europe/Berlin")
STAMP = datetime(2027, 1, 5, 8, 30, 15, 123456, tzinfo=UTC)
GOLDEN = Path(__file__).resolve().parents[1] / "calendar"


def local(year, month, day, hour, minute, zone):
    """The instant of a local wall-clock time, read as RFC 5545 says (gap: forward; fold: first)."""
    return wall_clock_to_utc(datetime(year, month, day, hour, minute), zone)


def event(uid="e1@test", start=None, length=timedelta(hours=1), **fields):
    start = start or datetime(2027, 5, 3, 8, tzinfo=UTC)
    fields.setdefault("summary", "Lesson")
    fields.setdefault("stamp", STAMP)
    return CalendarEvent(uid=uid, start=start, end=start + length, **fields)


def parse(body: bytes) -> Calendar:
    return Calendar.from_ical(body)


def instants(body: bytes) -> dict[str, tuple[datetime, datetime]]:
    """uid -> (start, end) in UTC, as icalendar reads each VEVENT; checked against
    recurring_ical_events, which expands the calendar the way a client does."""
    calendar = parse(body)
    direct = {
        str(e["UID"]): (e["DTSTART"].dt.astimezone(UTC), e["DTEND"].dt.astimezone(UTC))
        for e in calendar.walk("VEVENT")
    }
    expanded = recurring_ical_events.of(calendar).between(
        datetime(1990, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC)
    )
    seen = {
        str(e["UID"]): (e["DTSTART"].dt.astimezone(UTC), e["DTEND"].dt.astimezone(UTC))
        for e in expanded
    }
    assert seen == direct
    return direct


def unescape(value: str) -> str:
    """RFC 5545 TEXT unescaping (3.3.11)."""
    return re.sub(r"\\([\\;,nN])", lambda m: "\n" if m[1] in "nN" else m[1], value)


def lines(body: bytes, name: str) -> list[str]:
    """The unfolded content lines called ``name``: the calendar's own for METHOD, else the
    events' (VTIMEZONE observances have DTSTARTs too)."""
    text = body.decode().replace("\r\n ", "")  # unfold
    if name not in ("METHOD", "NAME", "X-WR-CALNAME"):
        text = text[text.find("BEGIN:VEVENT") :]
    return [line for line in text.split("\r\n") if re.match(rf"{name}[;:]", line)]


# --- the calendar's own properties --------------------------------------------------------------


def test_calendar_properties_are_written_explicitly():
    body = build_calendar([event()], name="Anna's lessons", refresh=timedelta(hours=2))
    text = body.decode()
    assert text.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Fluentory//")
    assert "\r\nCALSCALE:GREGORIAN\r\n" in text
    assert "\r\nNAME:Anna's lessons\r\n" in text
    assert "\r\nX-WR-CALNAME:Anna's lessons\r\n" in text
    assert "\r\nREFRESH-INTERVAL;VALUE=DURATION:PT2H\r\n" in text
    assert "\r\nX-PUBLISHED-TTL:PT2H\r\n" in text
    assert "METHOD" not in text  # a feed has none
    assert text.endswith("END:VCALENDAR\r\n")
    assert all(line.endswith("\r") or line == "" for line in text.split("\n"))


@pytest.mark.parametrize("method", ["REQUEST", "CANCEL"])
def test_method_only_when_asked(method):
    assert lines(build_calendar([event()], name="x", method=method), "METHOD") == [
        f"METHOD:{method}"
    ]


def test_an_empty_calendar_is_valid():
    calendar = parse(build_calendar([], name="Nothing yet"))
    assert calendar.walk("VEVENT") == []
    assert str(calendar["X-WR-CALNAME"]) == "Nothing yet"


# --- times --------------------------------------------------------------------------------------


CASES = {
    # uid: (start, end, zone, written in the zone?)
    "utc@t": (datetime(2027, 5, 3, 8, tzinfo=UTC), timedelta(hours=1), None, False),
    "berlin@t": (local(2027, 5, 3, 10, 0, BERLIN), timedelta(hours=1), "Europe/Berlin", True),
    "ny@t": (local(2027, 11, 8, 9, 0, "America/New_York"), timedelta(minutes=45), "America/New_York", True),
    # 02:30 does not exist on 2027-03-28 in Berlin: the lesson is at 03:30 CEST (01:30 UTC).
    "gap@t": (local(2027, 3, 28, 2, 30, BERLIN), timedelta(hours=1), "Europe/Berlin", True),
    # 02:30 happens twice on 2027-10-31: both passes, written in UTC.
    "fold1@t": (datetime(2027, 10, 31, 0, 30, tzinfo=UTC), timedelta(hours=1), "Europe/Berlin", False),
    "fold2@t": (datetime(2027, 10, 31, 1, 30, tzinfo=UTC), timedelta(hours=1), "Europe/Berlin", False),
    # Ends in the fold: also UTC, or a reader could stretch it by the fold's hour.
    "endfold@t": (datetime(2027, 10, 30, 23, 45, tzinfo=UTC), timedelta(hours=1), "Europe/Berlin", False),
    # Spans the spring-forward change: 01:30 CET to 03:30 CEST is one real hour.
    "span@t": (local(2027, 3, 28, 1, 30, BERLIN), timedelta(hours=1), "Europe/Berlin", True),
    # Lord Howe moves by 30 minutes: 01:30-02:00 happens twice on 2027-04-04 ...
    "lh-fold@t": (datetime(2027, 4, 3, 14, 40, tzinfo=UTC), timedelta(minutes=30), "Australia/Lord_Howe", False),
    # ... and 02:00-02:30 never happens on 2027-10-03.
    "lh-gap@t": (local(2027, 10, 3, 2, 15, "Australia/Lord_Howe"), timedelta(minutes=30), "Australia/Lord_Howe", True),
    "lh@t": (local(2027, 6, 1, 18, 0, "Australia/Lord_Howe"), timedelta(minutes=30), "Australia/Lord_Howe", True),
}  # fmt: skip


def case_events():
    return [
        event(uid, start=start, length=length, zone=zone)
        for uid, (start, length, zone, _) in CASES.items()
    ]


def test_every_instant_reads_back_exactly():
    body = build_calendar(case_events(), name="edges")
    got = instants(body)
    assert got == {
        uid: (start.astimezone(UTC), start.astimezone(UTC) + length)
        for uid, (start, length, _, _) in CASES.items()
    }


def test_a_tzid_only_where_both_local_times_are_unambiguous():
    calendar = parse(build_calendar(case_events(), name="edges"))
    for vevent in calendar.walk("VEVENT"):
        uid = str(vevent["UID"])
        zoned = CASES[uid][3]
        for prop in ("DTSTART", "DTEND"):
            params = vevent[prop].params
            if zoned:
                assert params.get("TZID") == CASES[uid][2], (uid, prop)
            else:
                assert "TZID" not in params, (uid, prop)
                assert vevent[prop].dt.tzinfo is not None
                assert vevent[prop].dt.utcoffset() == timedelta(0)


def test_the_gap_lesson_is_written_at_the_local_time_it_really_starts():
    body = build_calendar([event("gap@t", start=CASES["gap@t"][0], zone="Europe/Berlin")], name="x")
    assert lines(body, "DTSTART") == ["DTSTART;TZID=Europe/Berlin:20270328T033000"]
    assert lines(body, "DTEND") == ["DTEND;TZID=Europe/Berlin:20270328T043000"]


def test_no_floating_times_and_a_vtimezone_for_every_tzid_used():
    body = build_calendar(case_events(), name="edges")
    for name in ("DTSTART", "DTEND", "DTSTAMP", "LAST-MODIFIED"):
        for line in lines(body, name):
            value = line.rsplit(":", 1)[1]
            assert value.endswith("Z") or ";TZID=" in line, line
    calendar = parse(body)
    used = {
        e[p].params["TZID"] for e in calendar.walk("VEVENT") for p in ("DTSTART", "DTEND")
        if "TZID" in e[p].params
    }  # fmt: skip
    defined = [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")]
    assert (
        sorted(defined)
        == sorted(used)
        == ["America/New_York", "Australia/Lord_Howe", "Europe/Berlin"]
    )
    # The VTIMEZONEs come before the first event.
    text = body.decode()
    assert text.rindex("END:VTIMEZONE") < text.index("BEGIN:VEVENT")


def test_a_vtimezone_covers_the_years_of_its_events():
    start = local(2027, 12, 31, 23, 0, BERLIN)
    body = build_calendar(
        [event(start=start, length=timedelta(hours=2), zone="Europe/Berlin")], name="x"
    )
    berlin = parse(body).walk("VTIMEZONE")[0]
    onsets = sorted(
        (o["DTSTART"].dt, o.name, o["TZOFFSETFROM"].td, o["TZOFFSETTO"].td)
        for o in berlin.walk()
        if o.name in ("STANDARD", "DAYLIGHT")
    )
    hour = timedelta(hours=1)
    # Each change of both years is its own observance (no RDATE: ical.js 2.2 ignores them), its
    # onset the local time before the change, as RFC 5545 writes it.
    assert onsets == [
        (datetime(2026, 12, 31, 1), "STANDARD", hour, hour),
        (datetime(2027, 3, 28, 2), "DAYLIGHT", hour, 2 * hour),
        (datetime(2027, 10, 31, 3), "STANDARD", 2 * hour, hour),
        (datetime(2028, 3, 26, 2), "DAYLIGHT", hour, 2 * hour),
        (datetime(2028, 10, 29, 3), "STANDARD", 2 * hour, hour),
    ]
    assert b"RDATE" not in body
    assert instants(body)["e1@test"] == (start, start + timedelta(hours=2))


def test_lord_howe_half_hour_changes_are_in_its_vtimezone():
    body = build_calendar(
        [event(start=CASES["lh@t"][0], zone="Australia/Lord_Howe")], name="x"
    ).decode()
    assert (
        "DTSTART:20270404T020000\r\nTZNAME:+1030\r\nTZOFFSETFROM:+1100\r\nTZOFFSETTO:+1030" in body
    )
    assert "DTSTART:20271003T020000\r\nTZNAME:+11\r\nTZOFFSETFROM:+1030\r\nTZOFFSETTO:+1100" in body


def test_utc_zone_needs_no_vtimezone():
    body = build_calendar([event(zone="UTC")], name="x")
    assert b"VTIMEZONE" not in body
    assert lines(body, "DTSTART") == ["DTSTART:20270503T080000Z"]


def test_stamp_is_the_record_time_in_utc_not_now():
    stamp = datetime(2026, 6, 1, 14, 0, 5, tzinfo=ZoneInfo("America/New_York"))
    body = build_calendar([event(stamp=stamp, sequence=7, status="TENTATIVE")], name="x")
    assert lines(body, "DTSTAMP") == ["DTSTAMP:20260601T180005Z"]
    assert lines(body, "LAST-MODIFIED") == ["LAST-MODIFIED:20260601T180005Z"]
    assert lines(body, "SEQUENCE") == ["SEQUENCE:7"]
    assert lines(body, "STATUS") == ["STATUS:TENTATIVE"]


def test_the_same_events_give_the_same_bytes_in_any_order():
    events = case_events()
    first = build_calendar(events, name="x")
    assert build_calendar(list(reversed(events)), name="x") == first
    assert build_calendar(iter(events[3:] + events[:3]), name="x") == first
    uids = [str(e["UID"]) for e in parse(first).walk("VEVENT")]
    order = sorted(CASES, key=lambda u: (CASES[u][0].astimezone(UTC), u))
    assert uids == order


def test_no_rrule_one_vevent_per_event():
    body = build_calendar(case_events(), name="x")
    assert b"RRULE" not in body
    assert b"RDATE" not in body.split(b"BEGIN:VEVENT", 1)[1]
    assert body.count(b"BEGIN:VEVENT") == len(CASES)


# --- hostile text and links ---------------------------------------------------------------------

HOSTILE = [
    "Lesson\r\nBEGIN:VEVENT\r\nUID:evil\r\nEND:VEVENT",
    "Lesson\r\n BEGIN:VEVENT",
    "a;b:c,d\\e",
    "line\nbreak\rcarriage\u2028sep\u2029para",
    "ATTENDEE;CN=x:mailto:a@b.example",
    "bell\x07null\x00del\x7fcsi\x9b",
    "\r\nEND:VCALENDAR\r\nBEGIN:VCALENDAR",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_stays_text(text):
    body = build_calendar(
        [event("a@t", summary=text, description=text, categories=(text, "b,c")), event("b@t")],
        name=text,
    )
    calendar = parse(body)
    assert len(calendar.walk("VEVENT")) == 2
    assert len(calendar.walk("VCALENDAR")) == 1
    assert "ATTENDEE" not in calendar.walk("VEVENT")[0]
    expected = re.sub(
        "[\x00-\x08\x0b-\x1f\x7f-\x9f]", "", re.sub("\r\n?|[\u2028\u2029]", "\n", text)
    )
    vevent = next(e for e in calendar.walk("VEVENT") if str(e["UID"]) == "a@t")
    assert str(vevent["SUMMARY"]) == expected
    assert str(vevent["DESCRIPTION"]) == expected
    assert [str(c) for c in vevent["CATEGORIES"].cats] == [expected, "b,c"]
    # icalendar reads the calendar's NAME and X- properties back without unescaping them.
    for name in ("NAME", "X-WR-CALNAME"):
        assert unescape(lines(body, name)[0].split(":", 1)[1]) == expected
    assert re.search(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", body) is None


@pytest.mark.parametrize(
    "link",
    [
        "javascript:alert(1)",
        "http://meet.example.com/a",
        "https://meet.example.com/a\r\nBEGIN:VEVENT",
        "https://meet.example.com/a\nX-EVIL:1",
        "https://meet.example.com/a b",
        "https://meet.example.com/a\x7f",
        "https://meet.example.com/\u2028x",
        "https://user:pw@meet.example.com/a",
        "data:text/html,hi",
        " https://meet.example.com/a",
        "https://",
    ],
)
def test_only_clean_https_links_are_written(link):
    body = build_calendar([event(url=link), event("b@t")], name="x")
    calendar = parse(body)
    assert len(calendar.walk("VEVENT")) == 2
    assert b"URL" not in body
    assert b"LOCATION" not in body


def test_an_https_link_is_url_and_location():
    link = "https://meet.example.com/abc-defg-hij?pwd=1;x=2"
    vevent = parse(build_calendar([event(url=link)], name="x")).walk("VEVENT")[0]
    assert str(vevent["URL"]) == link
    assert str(vevent["LOCATION"]) == link


# --- bad input ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"start": datetime(2027, 5, 3, 8)}, "start"),
        ({"stamp": datetime(2027, 5, 3, 8)}, "stamp"),
        ({"stamp": "2027-05-03"}, "stamp"),
        ({"length": timedelta(0)}, "end"),
        ({"length": -timedelta(minutes=1)}, "end"),
        ({"uid": "a\r\nBEGIN:VEVENT"}, "uid"),
        ({"uid": ""}, "uid"),
        ({"uid": "two words"}, "uid"),
        ({"status": "cancelled"}, "status"),
        ({"sequence": -1}, "sequence"),
        ({"sequence": True}, "sequence"),
        ({"summary": None}, "summary"),
        ({"categories": ["a"]}, "categories"),
        ({"organizer": "site"}, "organizer"),
        ({"attendee": "a@b;RSVP=TRUE:x"}, "attendee"),
        ({"attendee": "a@b\r\nATTENDEE:c@d"}, "attendee"),
        ({"attendee": 7}, "attendee"),
    ],
)
def test_bad_events_are_refused(fields, field):
    with pytest.raises(InvalidInput) as caught:
        event(**fields)
    assert caught.value.field == field


def test_an_unknown_zone_is_refused():
    with pytest.raises(InvalidTimezone):
        event(zone="Mars/Olympus")


def test_same_wall_clock_in_one_zone_compares_as_instants():
    # 02:30 (gap, fold=0) and 03:30 CEST are the same instant: a zero-length event.
    with pytest.raises(InvalidInput):
        CalendarEvent(
            uid="x@t",
            start=datetime(2027, 3, 28, 2, 30, tzinfo=BERLIN),
            end=datetime(2027, 3, 28, 3, 30, tzinfo=BERLIN),
            summary="x",
            stamp=STAMP,
        )


@pytest.mark.parametrize(
    "kwargs",
    [
        {"name": None},
        {"name": "x", "method": "request"},
        {"name": "x", "method": "DELETE"},
        {"name": "x", "refresh": timedelta(0)},
        {"name": "x", "refresh": 3600},
    ],
)
def test_bad_calendar_arguments_are_refused(kwargs):
    with pytest.raises(InvalidInput):
        build_calendar([event()], **kwargs)


def test_two_events_with_one_uid_are_refused():
    with pytest.raises(InvalidInput) as caught:
        build_calendar([event("same@t"), event("same@t", summary="other")], name="x")
    assert caught.value.field == "events"


def test_an_invitation_names_its_organizer_and_attendee():
    body = build_calendar(
        [event(organizer="bookings@lms.example", attendee="ana@example.com")],
        name="x",
        method="REQUEST",
    )
    [vevent] = parse(body).walk("VEVENT")
    assert str(vevent["ORGANIZER"]) == "mailto:bookings@lms.example"
    assert str(vevent["ATTENDEE"]) == "mailto:ana@example.com"
    assert vevent["ATTENDEE"].params["RSVP"] == "FALSE"


def test_a_feed_never_carries_an_address():
    with pytest.raises(InvalidInput) as caught:
        build_calendar([event(attendee="ana@example.com")], name="x")
    assert caught.value.field == "events"
    with pytest.raises(InvalidInput):
        build_calendar([event(organizer="bookings@lms.example")], name="x")


def test_only_calendar_events_are_accepted():
    with pytest.raises(InvalidInput):
        build_calendar([event(), {"uid": "x"}], name="x")  # type: ignore[list-item]


# --- golden file: a weekly 1:1 series across both Berlin DST changes ----------------------------


def weekly_series(first: date, hour: int, minute: int, weeks: int, prefix: str):
    """What events.py makes of a weekly 1:1 series booked at a Berlin wall-clock time: each
    lesson is its own event, its start read as RFC 5545 says, its length exactly 50 minutes."""
    out = []
    for week in range(weeks):
        start = wall_clock_to_utc(
            datetime.combine(first + timedelta(weeks=week), time(hour, minute)), BERLIN
        )
        out.append(
            CalendarEvent(
                uid=f"fluentory-lesson-{prefix}{week}@bookings.example",
                start=start,
                end=start + timedelta(minutes=50),
                summary="1:1 German B1: Ben with Anna",
                stamp=datetime(2027, 3, 1, 9, tzinfo=UTC) + timedelta(minutes=week),
                sequence=week % 2,
                status="TENTATIVE" if week == weeks - 1 else "CONFIRMED",
                zone="Europe/Berlin",
                description="Course: German B1\nTeacher: Anna\nStudent: Ben\nTime zone: Europe/Berlin",
                url="https://meet.example.com/anna-ben" if week != weeks - 1 else None,
                categories=("1:1 lesson",),
            )
        )
    return out


@pytest.mark.parametrize(
    ("name", "first", "hour", "minute"),
    [
        ("berlin-weekly-1000", date(2027, 3, 14), 10, 0),  # both changes, clean local times
        ("berlin-weekly-0230", date(2027, 3, 14), 2, 30),  # meets the gap and the fold
    ],
)
def test_golden_weekly_series_across_dst(name, first, hour, minute):
    # March 14 .. April 4, then October 17 .. November 7: both changes of 2027.
    events = weekly_series(first, hour, minute, 4, "m") + weekly_series(
        date(2027, 10, 17), hour, minute, 4, "o"
    )
    body = build_calendar(events, name="Ben: lessons")
    path = GOLDEN / f"{name}.ics"
    if os.environ.get("FLUENTORY_REGENERATE_GOLDEN"):
        path.write_bytes(body)
    assert body == path.read_bytes(), (
        f"{path.name} differs: FLUENTORY_REGENERATE_GOLDEN=1 rewrites it"
    )
    got = instants(body)
    assert got == {e.uid: (e.start, e.end) for e in events}
    assert all(end - start == timedelta(minutes=50) for start, end in got.values())
