"""Rows as calendar events: what a student's and a teacher's feed hold, read back with icalendar
and recurring_ical_events and compared with the database."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
import recurring_ical_events
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from icalendar import Calendar

from fluentory_bookings.contrib.django.calendar.builder import build_calendar
from fluentory_bookings.contrib.django.calendar.events import (
    event_uid,
    feed_window,
    one_on_one_event,
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
    decline_one_on_one,
    request_one_on_one,
    set_availability,
    set_one_on_one_meeting_link,
)
from fluentory_bookings.core.errors import InvalidInput
from tests.django.when import BERLIN, at, day

pytestmark = pytest.mark.django_db

LINK = "https://meet.example.com/room"


@pytest.fixture
def people(make_user):
    return {
        "anna": make_user("anna@example.com", first_name="Anna", last_name="Schmidt",
                          email="anna@example.com"),
        "ben": make_user("ben@school.example", email="ben@school.example"),
        "cleo": make_user("cleo", first_name="Cleo", email="cleo@example.com"),
    }  # fmt: skip


@pytest.fixture
def course(make_course, people):
    return make_course(
        "group_session", teacher=people["anna"], students=[people["ben"], people["cleo"]]
    )


@pytest.fixture
def lessons_course(make_course, people):
    return make_course(
        "one_on_one", teacher=people["anna"], students=[people["ben"]], approval=True
    )


def session(course, teacher, start, *, seats=1, link=LINK, title="Conversation; B1", hours=1):
    return create_session(
        course=course,
        teacher=teacher,
        title=title,
        starts_at=start,
        ends_at=start + timedelta(hours=hours),
        total_seats=seats,
        enable_waitlist=True,
        meeting_link=link,
        timezone="Europe/Berlin",
        description="Bring questions.\nSee you!",
    )


def feed(events) -> Calendar:
    return Calendar.from_ical(build_calendar(events, name="feed"))


def by_uid(calendar: Calendar) -> dict[str, object]:
    events = {str(e["UID"]): e for e in calendar.walk("VEVENT")}
    assert len(events) == len(calendar.walk("VEVENT")), "UIDs are unique"
    return events


def assert_instants_match(calendar: Calendar, expected: dict[str, tuple[datetime, datetime]]):
    """icalendar's and recurring_ical_events' reading of every event is the database's."""
    direct = {
        str(e["UID"]): (e["DTSTART"].dt.astimezone(UTC), e["DTEND"].dt.astimezone(UTC))
        for e in calendar.walk("VEVENT")
    }
    expanded = {
        str(e["UID"]): (e["DTSTART"].dt.astimezone(UTC), e["DTEND"].dt.astimezone(UTC))
        for e in recurring_ical_events.of(calendar).between(
            datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC)
        )
    }
    assert direct == expanded == expected


def test_a_students_feed_shows_each_kind_with_its_status(people, course, lessons_course, soon):
    anna, ben, cleo = people["anna"], people["ben"], people["cleo"]
    full = session(course, anna, soon)
    other = session(course, anna, soon + timedelta(days=1), seats=5)
    gone = session(course, anna, soon + timedelta(days=2), seats=5)
    book_group_session(full, cleo)
    waiting = book_group_session(full, ben)  # full: a waitlist place
    seat = book_group_session(other, ben)
    cancelled = book_group_session(gone, ben)
    cancel_group_booking(cancelled, ben)
    av = set_availability(
        anna, course=lessons_course, timezone="Europe/Berlin", kind="one_time",
        start_date=day(4), start_time=time(9), end_time=time(13),
    )  # fmt: skip
    pending = request_one_on_one(av, ben, at(day(4), 9, tz=BERLIN))[0]
    confirmed = request_one_on_one(av, ben, at(day(4), 10, tz=BERLIN))[0]
    approve_one_on_one(confirmed, anna)
    declined = request_one_on_one(av, ben, at(day(4), 11, tz=BERLIN))[0]
    decline_one_on_one(declined, anna)
    for lesson in (pending, confirmed):
        set_one_on_one_meeting_link(lesson, LINK, anna)

    events = by_uid(feed(student_events(ben, now=soon - timedelta(days=1))))
    uid = {
        "waiting": event_uid("booking", waiting.pk),
        "seat": event_uid("booking", seat.pk),
        "cancelled": event_uid("booking", cancelled.pk),
        "pending": event_uid("lesson", pending.pk),
        "confirmed": event_uid("lesson", confirmed.pk),
        "declined": event_uid("lesson", declined.pk),
    }
    assert set(events) == set(uid.values())
    status = {name: str(events[u]["STATUS"]) for name, u in uid.items()}
    assert status == {
        "waiting": "TENTATIVE",
        "seat": "CONFIRMED",
        "cancelled": "CANCELLED",
        "pending": "TENTATIVE",
        "confirmed": "CONFIRMED",
        "declined": "CANCELLED",
    }
    # The meeting link only where the student holds the time for sure.
    with_link = {name for name, u in uid.items() if "URL" in events[u]}
    assert with_link == {"seat", "confirmed"}
    assert str(events[uid["seat"]]["LOCATION"]) == LINK
    assert str(events[uid["waiting"]]["SUMMARY"]) == "Waitlist: Conversation; B1"
    assert str(events[uid["seat"]]["SUMMARY"]) == "Conversation; B1"
    assert str(events[uid["pending"]]["SUMMARY"]).startswith("Requested: 1:1 ")
    description = str(events[uid["seat"]]["DESCRIPTION"])
    assert description.splitlines()[:3] == [
        f"Course: {course}",
        "Teacher: Anna Schmidt",
        "Time zone: Europe/Berlin",
    ]
    assert description.endswith("Bring questions.\nSee you!")
    # Written in the zone the session and the availability were set in.
    assert events[uid["seat"]]["DTSTART"].params["TZID"] == "Europe/Berlin"
    assert events[uid["confirmed"]]["DTSTART"].params["TZID"] == "Europe/Berlin"

    rows = {
        uid["waiting"]: full, uid["seat"]: other, uid["cancelled"]: gone,
    }  # fmt: skip
    expected = {u: (s.starts_at, s.ends_at) for u, s in rows.items()}
    for name in ("pending", "confirmed", "declined"):
        row = OneOnOneBooking.objects.get(pk=locals()[name].pk)
        expected[uid[name]] = (row.starts_at, row.ends_at)
    assert_instants_match(feed(student_events(ben, now=soon - timedelta(days=1))), expected)


def test_a_teachers_feed_has_sessions_and_lessons(people, course, lessons_course, soon):
    anna, ben = people["anna"], people["ben"]
    kept = session(course, anna, soon)
    dropped = session(course, anna, soon + timedelta(days=1))
    cancel_session(dropped, anna)
    av = set_availability(
        anna, course=lessons_course, timezone="Europe/Berlin", kind="one_time",
        start_date=day(4), start_time=time(9), end_time=time(12),
    )  # fmt: skip
    pending = request_one_on_one(av, ben, at(day(4), 9, tz=BERLIN))[0]

    events = by_uid(feed(teacher_events(anna, now=soon)))
    assert {u: str(e["STATUS"]) for u, e in events.items()} == {
        event_uid("session", kept.pk): "CONFIRMED",
        event_uid("session", dropped.pk): "CANCELLED",
        event_uid("lesson", pending.pk): "TENTATIVE",
    }
    assert "URL" in events[event_uid("session", kept.pk)]
    assert "URL" not in events[event_uid("session", dropped.pk)]
    assert "URL" not in events[event_uid("lesson", pending.pk)]
    seats = str(events[event_uid("session", kept.pk)]["DESCRIPTION"])
    assert "Seats: 0 of 1 taken" in seats
    # The same lesson, the same UID and content, in the student's feed.
    mine = by_uid(feed(student_events(ben, now=soon)))
    lesson = event_uid("lesson", pending.pk)
    assert mine[lesson].to_ical() == events[lesson].to_ical()
    # The student's name, not their e-mail address (ben's username is one).
    assert "Ben" not in str(events[lesson]["SUMMARY"])
    assert "ben with Anna Schmidt" in str(events[lesson]["SUMMARY"])


def test_no_email_address_is_published(people, course, lessons_course, soon):
    anna, ben = people["anna"], people["ben"]
    book_group_session(session(course, anna, soon, seats=3), ben)
    av = set_availability(
        anna, course=lessons_course, timezone="UTC", kind="one_time",
        start_date=day(4), start_time=time(9), end_time=time(12),
    )  # fmt: skip
    request_one_on_one(av, ben, at(day(4), 9))
    for body in (
        build_calendar(student_events(ben, now=soon), name="b"),
        build_calendar(teacher_events(anna, now=soon), name="a"),
    ):
        assert b"@example.com" not in body
        assert b"@school.example" not in body
        assert b"ATTENDEE" not in body
        assert b"ORGANIZER" not in body
        assert b"mailto:" not in body.lower()


def test_the_window_keeps_only_what_overlaps_it(people, course, soon, settings):
    anna, ben = people["anna"], people["ben"]
    near = session(course, anna, soon, seats=3)
    far = session(course, anna, soon + timedelta(days=30), seats=3)
    book_group_session(near, ben)
    book_group_session(far, ben)
    settings.FLUENTORY_BOOKINGS_FEED_FUTURE = timedelta(days=10)
    settings.FLUENTORY_BOOKINGS_FEED_PAST = timedelta(days=1)
    now = soon - timedelta(hours=1)
    assert feed_window(now) == (now - timedelta(days=1), now + timedelta(days=10))
    assert [e.start for e in student_events(ben, now=now)] == [near.starts_at]
    assert [e.start for e in teacher_events(anna, now=now)] == [near.starts_at]
    # Weeks later the first is past the window and the second inside it.
    later = soon + timedelta(days=25)
    assert [e.start for e in student_events(ben, now=later)] == [far.starts_at]
    # A session still running at the window's start is in it (overlap, not start).
    settings.FLUENTORY_BOOKINGS_FEED_PAST = timedelta(0)
    running = near.starts_at + timedelta(minutes=30)
    assert [e.start for e in teacher_events(anna, now=running)] == [near.starts_at]


def test_the_default_window_is_sixty_days_back_a_year_ahead():
    now = datetime(2027, 5, 1, tzinfo=UTC)
    assert feed_window(now) == (now - timedelta(days=60), now + timedelta(days=365))
    with pytest.raises(InvalidInput):
        feed_window(datetime(2027, 5, 1))


@override_settings(FLUENTORY_BOOKINGS_MAX_PENDING_PER_TEACHER=None)  # four requests to anna
def test_a_feed_costs_two_queries_whatever_its_size(people, course, lessons_course, soon):
    anna = people["anna"]
    students = [people["ben"], people["cleo"]]
    for i in range(6):
        s = session(course, anna, soon + timedelta(days=i), seats=3)
        for st in students:
            book_group_session(s, st)
    av = set_availability(
        anna, course=lessons_course, timezone="Europe/Berlin", kind="one_time",
        start_date=day(9), start_time=time(8), end_time=time(14),
    )  # fmt: skip
    for hour in (8, 9, 10, 11):
        request_one_on_one(av, people["ben"], at(day(9), hour, tz=BERLIN))
    for user, build, count in (
        (people["ben"], student_events, 10),
        (anna, teacher_events, 10),
    ):
        with CaptureQueriesContext(connection) as queries:
            events = build(user, now=soon)
            build_calendar(events, name="x")
        assert len(events) == count
        assert len(queries) == 2, [q["sql"] for q in queries]


def test_uids_are_stable_and_follow_the_setting(people, lessons_course, settings):
    anna, ben = people["anna"], people["ben"]
    av = set_availability(
        anna, course=lessons_course, timezone="UTC", kind="one_time",
        start_date=day(4), start_time=time(9), end_time=time(12),
    )  # fmt: skip
    lesson = request_one_on_one(av, ben, at(day(4), 9))[0]
    derived = one_on_one_event(lesson).uid
    assert derived.startswith(f"fluentory-lesson-{lesson.pk}@")
    assert derived.endswith(".fluentory-bookings.invalid")
    assert settings.SECRET_KEY not in derived
    approve_one_on_one(lesson, anna)
    assert one_on_one_event(OneOnOneBooking.objects.get(pk=lesson.pk)).uid == derived
    settings.SECRET_KEY = "another key, another installation"
    assert one_on_one_event(lesson).uid != derived
    settings.FLUENTORY_BOOKINGS_CALENDAR_UID_DOMAIN = "lms.example.org"
    assert one_on_one_event(lesson).uid == f"fluentory-lesson-{lesson.pk}@lms.example.org"


def test_a_lesson_without_its_availability_is_written_in_utc(people, lessons_course):
    anna, ben = people["anna"], people["ben"]
    av = set_availability(
        anna, course=lessons_course, timezone="Europe/Berlin", kind="one_time",
        start_date=day(4), start_time=time(9), end_time=time(12),
    )  # fmt: skip
    lesson = request_one_on_one(av, ben, at(day(4), 9, tz=BERLIN))[0]
    OneOnOneBooking.objects.filter(pk=lesson.pk).update(availability_slot=None)
    event = one_on_one_event(OneOnOneBooking.objects.get(pk=lesson.pk))
    assert event.zone is None
    body = build_calendar([event], name="x")
    assert b"TZID" not in body
    assert_instants_match(Calendar.from_ical(body), {event.uid: (lesson.starts_at, lesson.ends_at)})


def test_a_session_at_a_berlin_fold_is_written_in_utc(people, course, clock):
    """A session at 02:30 on the night clocks go back: its first pass, in UTC, read back right."""
    anna, ben = people["anna"], people["ben"]
    clock(datetime(2027, 10, 1, tzinfo=UTC))
    first_pass = datetime(2027, 10, 31, 0, 30, tzinfo=UTC)  # 02:30 CEST
    s = session(course, anna, first_pass, seats=3)
    book_group_session(s, ben)
    calendar = feed(student_events(ben, now=datetime(2027, 10, 1, tzinfo=UTC)))
    (vevent,) = calendar.walk("VEVENT")
    assert "TZID" not in vevent["DTSTART"].params
    assert_instants_match(calendar, {str(vevent["UID"]): (s.starts_at, s.ends_at)})
    assert LiveClassSession.objects.get(pk=s.pk).starts_at == first_pass
    assert Booking.objects.filter(session=s).count() == 1


def test_event_text_follows_the_active_language(people, course, soon):
    from django.utils import translation

    anna, ben, cleo = people["anna"], people["ben"], people["cleo"]
    s = session(course, anna, soon)
    book_group_session(s, cleo)
    book_group_session(s, ben)  # waitlisted
    with translation.override("de"):
        (event,) = student_events(ben, now=soon)
    assert event.summary == "Warteliste: Conversation; B1"
    assert event.description.startswith(f"Kurs: {course}\nLehrkraft: Anna Schmidt\nZeitzone: ")


def test_a_weekly_series_across_both_berlin_changes_reads_back_as_booked(
    people, lessons_course, clock
):
    """Real rows: a weekly 10:00 Berlin series across the March and the October change, in the
    student's and the teacher's feed, each lesson at its stored instant and 50 minutes long."""
    from datetime import date

    anna, ben = people["anna"], people["ben"]
    for first, now in (
        (date(2027, 3, 14), datetime(2027, 3, 1, tzinfo=UTC)),
        (date(2027, 10, 17), datetime(2027, 10, 1, tzinfo=UTC)),
    ):
        clock(now)
        av = set_availability(
            anna, course=lessons_course, timezone="Europe/Berlin", kind="weekly",
            start_date=first, start_time=time(10), end_time=time(12), weekdays=[6],
            slot_minutes=50,
        )  # fmt: skip
        request_one_on_one(av, ben, at(first, 10, tz=BERLIN), weeks=4)
    rows = list(OneOnOneBooking.objects.filter(student=ben).order_by("starts_at"))
    assert len(rows) == 8
    # 10:00 local every week: 09:00 UTC in winter, 08:00 UTC in summer.
    assert sorted({r.starts_at.astimezone(UTC).hour for r in rows}) == [8, 9]
    expected = {event_uid("lesson", r.pk): (r.starts_at, r.ends_at) for r in rows}
    now = datetime(2027, 3, 1, tzinfo=UTC)  # the window reaches a year ahead
    for events in (student_events(ben, now=now), teacher_events(anna, now=now)):
        calendar = feed(events)
        assert_instants_match(calendar, expected)
        assert b"RRULE" not in calendar.to_ical()
        for vevent in calendar.walk("VEVENT"):
            assert vevent["DTSTART"].params["TZID"] == "Europe/Berlin"
            assert vevent["DTSTART"].dt.hour == 10
            assert vevent["DTEND"].dt - vevent["DTSTART"].dt == timedelta(minutes=50)


def test_hostile_rows_cannot_inject_into_a_feed(people, course, soon):
    """A title written through the service and a link written around it (straight into the
    table) stay text, and the link is left out."""
    anna, ben = people["anna"], people["ben"]
    title = "Grammar;: a,b\r\n BEGIN:VEVENT\r\nUID:evil"
    s = session(course, anna, soon, seats=3, title=title)
    book_group_session(s, ben)
    LiveClassSession.objects.filter(pk=s.pk).update(meeting_link="javascript:alert(1)")
    for events in (student_events(ben, now=soon), teacher_events(anna, now=soon)):
        body = build_calendar(events, name=title)
        calendar = Calendar.from_ical(body)
        (vevent,) = calendar.walk("VEVENT")
        stored = LiveClassSession.objects.get(pk=s.pk).title
        assert str(vevent["SUMMARY"]) == stored.replace("\r\n", "\n")  # one kind of newline
        assert "BEGIN:VEVENT" in str(vevent["SUMMARY"])
        assert b"javascript" not in body
        assert "URL" not in vevent
        assert "LOCATION" not in vevent
