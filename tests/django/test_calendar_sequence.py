"""SEQUENCE and DTSTAMP follow the rows: every service that changes an event's time, status or
link raises its SEQUENCE and moves its DTSTAMP; a call that changes nothing moves neither."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from icalendar import Calendar

from fluentory_bookings.contrib.django.calendar.builder import build_calendar
from fluentory_bookings.contrib.django.calendar.events import (
    group_booking_event,
    one_on_one_event,
    session_event,
)
from fluentory_bookings.contrib.django.models import Booking, LiveClassSession, OneOnOneBooking
from fluentory_bookings.contrib.django.services import (
    approve_one_on_one,
    book_group_session,
    cancel_group_booking,
    cancel_one_on_one,
    cancel_session,
    complete_one_on_one,
    confirm_group_booking,
    create_session,
    decline_one_on_one,
    expire_pending_requests,
    finish_started_sessions,
    leave_waitlist,
    mark_attendance,
    refresh_session_status,
    request_one_on_one,
    set_availability,
    set_one_on_one_meeting_link,
    update_session,
)
from tests.django.when import at, day

pytestmark = pytest.mark.django_db

LONG_AGO = datetime(2020, 1, 1, tzinfo=UTC)


def seen(event) -> tuple[int, datetime, str]:
    """(SEQUENCE, DTSTAMP, STATUS) as a calendar client reads them."""
    (vevent,) = Calendar.from_ical(build_calendar([event], name="x")).walk("VEVENT")
    return int(vevent["SEQUENCE"]), vevent["DTSTAMP"].dt, str(vevent["STATUS"])


def age_everything():
    """Put every change time far back, so a write in this second still moves DTSTAMP."""
    for model in (LiveClassSession, Booking, OneOnOneBooking):
        model.objects.update(modified=LONG_AGO)
    LiveClassSession.objects.update(calendar_modified=LONG_AGO)


def booking_view(booking):
    return seen(group_booking_event(Booking.objects.select_related("session").get(pk=booking.pk)))


def session_view(session):
    return seen(session_event(LiveClassSession.objects.get(pk=session.pk)))


def lesson_view(lesson):
    return seen(one_on_one_event(OneOnOneBooking.objects.get(pk=lesson.pk)))


def assert_raised(before, after, status=None):
    assert after[0] > before[0], "SEQUENCE grows"
    assert after[1] > before[1], "DTSTAMP moves"
    if status is not None:
        assert after[2] == status


def assert_unchanged(before, after):
    assert after == before


# --- group sessions -----------------------------------------------------------------------------


@pytest.fixture
def crowd(make_user, group, enroll):
    users = [make_user() for _ in range(3)]
    enroll(group, *users)
    return users


@pytest.fixture
def full(group, teacher, soon, crowd):
    """One seat, taken by crowd[0]; crowd[1] and crowd[2] wait."""
    session = create_session(
        course=group,
        teacher=teacher,
        title="Debate",
        starts_at=soon,
        ends_at=soon + timedelta(hours=1),
        total_seats=1,
        enable_waitlist=True,
        meeting_link="https://meet.example.com/a",
        timezone="Europe/Berlin",
    )
    for s in crowd:
        book_group_session(session, s)
    return session


def bookings(session):
    return list(Booking.objects.filter(session=session).order_by("pk"))


def test_a_new_booking_starts_at_sequence_zero(full):
    seat, first, _second = bookings(full)
    assert booking_view(seat)[0] == booking_view(first)[0] == 0
    assert booking_view(seat)[2] == "CONFIRMED"
    assert booking_view(first)[2] == "TENTATIVE"


def test_cancelling_raises_the_cancelled_and_the_promoted_booking(full, crowd):
    seat, first, second = bookings(full)
    age_everything()
    before = {b.pk: booking_view(b) for b in (seat, first, second)}
    cancel_group_booking(seat, crowd[0])
    assert_raised(before[seat.pk], booking_view(seat), "CANCELLED")
    assert_raised(before[first.pk], booking_view(first), "CONFIRMED")  # promoted
    # The one still waiting only moved up the line: same time, same status.
    assert booking_view(second)[0] == before[second.pk][0]
    # Cancelling it again changes nothing.
    age_everything()
    again = {b.pk: booking_view(b) for b in (seat, first, second)}
    cancel_group_booking(seat, crowd[0])
    assert {b.pk: booking_view(b) for b in (seat, first, second)} == again


def test_leaving_the_waitlist_raises_it(full, crowd):
    _, first, _ = bookings(full)
    age_everything()
    before = booking_view(first)
    leave_waitlist(first, crowd[1])
    assert_raised(before, booking_view(first), "CANCELLED")


def test_confirming_a_confirmed_booking_and_refreshing_change_nothing(full):
    seat, first, _ = bookings(full)
    age_everything()
    before = (booking_view(seat), booking_view(first), session_view(full))
    confirm_group_booking(Booking.objects.get(pk=seat.pk))
    refresh_session_status(full)
    assert (booking_view(seat), booking_view(first), session_view(full)) == before


def test_moving_a_session_raises_it_and_every_booking_in_it(full, teacher):
    seat, first, _ = bookings(full)
    age_everything()
    before = (session_view(full), booking_view(seat), booking_view(first))
    later = full.starts_at + timedelta(hours=3)
    update_session(full, teacher, starts_at=later, ends_at=later + timedelta(hours=1))
    after = (session_view(full), booking_view(seat), booking_view(first))
    for b, a in zip(before, after, strict=True):
        assert_raised(b, a)


def test_changing_the_link_raises_it_a_title_moves_only_the_stamp(full, teacher):
    seat = bookings(full)[0]
    age_everything()
    before = (session_view(full), booking_view(seat))
    update_session(full, teacher, meeting_link="https://meet.example.com/b")
    after = (session_view(full), booking_view(seat))
    for b, a in zip(before, after, strict=True):
        assert_raised(b, a)
    age_everything()
    before = (session_view(full), booking_view(seat))
    update_session(full, teacher, title="Debate club")
    after = (session_view(full), booking_view(seat))
    assert [a[0] for a in after] == [b[0] for b in before]
    assert all(a[1] > b[1] for a, b in zip(after, before, strict=True))


def test_an_update_that_changes_nothing_moves_nothing(full, teacher):
    seat = bookings(full)[0]
    age_everything()
    before = (session_view(full), booking_view(seat))
    update_session(
        full,
        teacher,
        starts_at=full.starts_at,
        ends_at=full.ends_at,
        meeting_link="https://meet.example.com/a",
        title="Debate",
    )
    assert (session_view(full), booking_view(seat)) == before


def test_cancelling_a_session_raises_it_and_its_bookings(full, teacher):
    rows = bookings(full)
    age_everything()
    before = [session_view(full), *map(booking_view, rows)]
    cancel_session(full, teacher)
    after = [session_view(full), *map(booking_view, rows)]
    for b, a in zip(before, after, strict=True):
        assert_raised(b, a, "CANCELLED")
    age_everything()
    again = [session_view(full), *map(booking_view, rows)]
    cancel_session(full, teacher)
    assert [session_view(full), *map(booking_view, rows)] == again


def test_a_waitlist_ending_at_the_start_raises_it(full):
    seat, first, second = bookings(full)
    age_everything()
    before = {b.pk: booking_view(b) for b in (seat, first, second)}
    finish_started_sessions(now=full.starts_at + timedelta(minutes=1))
    assert_raised(before[first.pk], booking_view(first), "CANCELLED")
    assert_raised(before[second.pk], booking_view(second), "CANCELLED")
    assert booking_view(seat)[0] == before[seat.pk][0]


def test_marking_attendance_raises_it_once(full, teacher, clock):
    seat = bookings(full)[0]
    clock(full.starts_at + timedelta(minutes=5))
    age_everything()
    before = booking_view(seat)
    mark_attendance(seat, True, teacher)
    assert_raised(before, booking_view(seat), "CONFIRMED")
    age_everything()
    again = booking_view(seat)
    mark_attendance(seat, True, teacher)
    assert booking_view(seat) == again


# --- 1:1 lessons --------------------------------------------------------------------------------


@pytest.fixture
def availability(make_course, teacher, student):
    course = make_course("one_on_one", teacher=teacher, students=[student], approval=True)
    return set_availability(
        teacher,
        course=course,
        timezone="Europe/Berlin",
        kind="one_time",
        start_date=day(3),
        start_time=time(8),
        end_time=time(14),
    )


@pytest.fixture
def pending(availability, student):
    return request_one_on_one(availability, student, at(day(3), 9))[0]


@pytest.mark.parametrize(
    ("act", "status"),
    [
        (lambda b, t, s: approve_one_on_one(b, t), "CONFIRMED"),
        (lambda b, t, s: decline_one_on_one(b, t, "busy"), "CANCELLED"),
        (lambda b, t, s: cancel_one_on_one(b, s), "CANCELLED"),
        (lambda b, t, s: set_one_on_one_meeting_link(b, "https://meet.example.com/x", t), None),
    ],
    ids=["approve", "decline", "cancel", "link"],
)
def test_each_lesson_decision_raises_it(pending, teacher, student, act, status):
    age_everything()
    before = lesson_view(pending)
    assert before[0] == 0
    act(OneOnOneBooking.objects.get(pk=pending.pk), teacher, student)
    assert_raised(before, lesson_view(pending), status)


def test_the_same_link_again_changes_nothing(pending, teacher):
    set_one_on_one_meeting_link(pending, "https://meet.example.com/x", teacher)
    age_everything()
    before = lesson_view(pending)
    set_one_on_one_meeting_link(pending, "https://meet.example.com/x", teacher)
    assert lesson_view(pending) == before


def test_expiring_a_request_raises_it(pending):
    age_everything()
    before = lesson_view(pending)
    row = OneOnOneBooking.objects.get(pk=pending.pk)
    assert expire_pending_requests(now=row.expires_at + timedelta(seconds=1)) == 1
    assert_raised(before, lesson_view(pending), "CANCELLED")
    age_everything()
    again = lesson_view(pending)
    assert expire_pending_requests(now=row.expires_at + timedelta(hours=1)) == 0
    assert lesson_view(pending) == again


def test_completing_a_lesson_raises_it(pending, teacher, clock):
    approve_one_on_one(pending, teacher)
    clock(pending.starts_at + timedelta(minutes=10))
    age_everything()
    before = lesson_view(pending)
    complete_one_on_one(OneOnOneBooking.objects.get(pk=pending.pk), teacher)
    assert_raised(before, lesson_view(pending), "CONFIRMED")


def test_a_group_events_sequence_is_the_booking_plus_the_session(full, teacher, crowd):
    seat = bookings(full)[0]
    later = full.starts_at + timedelta(hours=3)
    update_session(full, teacher, starts_at=later, ends_at=later + timedelta(hours=1))
    cancel_group_booking(seat, crowd[0])
    row = Booking.objects.select_related("session").get(pk=seat.pk)
    assert (row.sequence, row.session.sequence) == (1, 1)
    assert group_booking_event(row).sequence == 2
    assert group_booking_event(row).stamp == max(row.modified, row.session.calendar_modified)
