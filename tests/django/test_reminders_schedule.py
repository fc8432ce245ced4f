"""Reminder rows follow their booking through every service: created on confirmation, moved with
its time, dropped when it ends, never in the past."""

from __future__ import annotations

from datetime import timedelta

import pytest

from fluentory_bookings.contrib.django.models import BookingReminder
from fluentory_bookings.contrib.django.services import (
    approve_one_on_one,
    book_group_session,
    cancel_group_booking,
    cancel_one_on_one,
    cancel_session,
    confirm_group_booking,
    create_session,
    decline_one_on_one,
    expire_pending_requests,
    leave_waitlist,
    request_one_on_one,
    reschedule_group_booking,
    update_session,
)
from lms.adapter import LmsBookingAdapter
from tests.django.test_one_on_one import publish, weekly
from tests.django.when import at, day

pytestmark = pytest.mark.django_db

H24, H1 = timedelta(hours=24), timedelta(hours=1)


def times(booking):
    return sorted(booking.reminders.values_list("remind_at", flat=True))


def unsent(booking):
    return sorted(booking.reminders.filter(sent_at=None).values_list("remind_at", flat=True))


@pytest.fixture
def session_at(group, teacher):
    def make(start, seats=10, waitlist=False, **extra):
        return create_session(
            course=group,
            teacher=teacher,
            title="Conversation",
            starts_at=start,
            ends_at=start + timedelta(hours=1),
            total_seats=seats,
            enable_waitlist=waitlist,
            **extra,
        )

    return make


@pytest.fixture
def students(make_user, enroll, group):
    people = [make_user() for _ in range(3)]
    enroll(group, *people)
    return people


# --- group sessions -----------------------------------------------------------------------------


def test_a_booked_seat_gets_a_reminder_per_offset(session_at, students, soon):
    session = session_at(soon)
    booking = book_group_session(session, students[0])
    assert times(booking) == [soon - H24, soon - H1]


def test_the_last_seat_takes_the_locked_path_and_gets_reminders_too(session_at, students, soon):
    session = session_at(soon, seats=1)
    booking = book_group_session(session, students[0])
    assert times(booking) == [soon - H24, soon - H1]


def test_no_reminder_is_created_at_or_before_now(session_at, students, clock, soon):
    session = session_at(soon)
    clock(soon - H24)  # the 24 h reminder would be due right now: not created
    booking = book_group_session(session, students[0])
    assert times(booking) == [soon - H1]


def test_a_waitlist_place_gets_none_until_it_is_promoted(session_at, students, soon):
    session = session_at(soon, seats=1, waitlist=True)
    first = book_group_session(session, students[0])
    waiting = book_group_session(session, students[1])
    assert waiting.status == "waitlisted"
    assert times(waiting) == []
    cancel_group_booking(first, students[0])
    assert unsent(first) == []
    assert times(waiting) == [soon - H24, soon - H1]


def test_confirming_a_waitlisted_booking_when_a_seat_is_free(session_at, students, soon, teacher):
    session = session_at(soon, seats=1, waitlist=True)
    book_group_session(session, students[0])
    waiting = book_group_session(session, students[1])
    update_session(session, teacher, total_seats=2)  # promotes: reminders come with the seat
    assert times(waiting) == [soon - H24, soon - H1]
    assert confirm_group_booking(waiting).status == "confirmed"
    assert times(waiting) == [soon - H24, soon - H1]


def test_leaving_the_waitlist_leaves_no_reminder(session_at, students, soon):
    session = session_at(soon, seats=1, waitlist=True)
    book_group_session(session, students[0])
    waiting = book_group_session(session, students[1])
    leave_waitlist(waiting, students[1])
    assert BookingReminder.objects.filter(group_booking=waiting).count() == 0


def test_cancelling_drops_unsent_reminders_and_keeps_sent_ones(session_at, students, soon):
    booking = book_group_session(session_at(soon), students[0])
    booking.reminders.filter(remind_at=soon - H24).update(sent_at=soon - H24)
    cancel_group_booking(booking, students[0])
    assert times(booking) == [soon - H24]
    assert unsent(booking) == []


def test_rescheduling_moves_the_reminders_to_the_new_booking(session_at, students, soon):
    old = book_group_session(session_at(soon), students[0])
    later = soon + timedelta(days=1)
    moved = reschedule_group_booking(old, session_at(later), students[0])
    assert unsent(old) == []
    assert times(moved) == [later - H24, later - H1]


def test_moving_a_session_moves_its_bookings_reminders(session_at, students, soon, teacher):
    session = session_at(soon, seats=2, waitlist=True)
    a, b = (book_group_session(session, s) for s in students[:2])
    waiting = book_group_session(session, students[2])
    later = soon + timedelta(hours=5)
    update_session(session, teacher, starts_at=later, ends_at=later + timedelta(hours=1))
    assert times(a) == times(b) == [later - H24, later - H1]
    assert times(waiting) == []


def test_changing_other_fields_leaves_the_reminders(session_at, students, soon, teacher):
    session = session_at(soon)
    booking = book_group_session(session, students[0])
    before = list(booking.reminders.values_list("pk", flat=True))
    update_session(session, teacher, title="Renamed", total_seats=5)
    assert list(booking.reminders.values_list("pk", flat=True)) == before


def test_cancelling_a_session_drops_every_booking_s_reminders(session_at, students, soon, teacher):
    session = session_at(soon)
    bookings = [book_group_session(session, s) for s in students]
    cancel_session(session, teacher)
    assert BookingReminder.objects.filter(group_booking__in=bookings).count() == 0


def test_a_refused_booking_writes_no_reminder(session_at, students, soon):
    from fluentory_bookings.core.errors import SessionFull

    session = session_at(soon, seats=1)
    book_group_session(session, students[0])
    count = BookingReminder.objects.count()
    with pytest.raises(SessionFull):
        book_group_session(session, students[1])
    assert BookingReminder.objects.count() == count


class NoRemindersForThisCourse(LmsBookingAdapter):
    def get_reminder_offsets(self, course):
        return [timedelta(minutes=30)] if course.title.startswith("Short") else []


def test_the_adapter_sets_offsets_per_course(settings, session_at, students, soon, group):
    settings.FLUENTORY_BOOKINGS_ADAPTER = (
        "tests.django.test_reminders_schedule.NoRemindersForThisCourse"
    )
    booking = book_group_session(session_at(soon), students[0])
    assert times(booking) == []
    group.title = "Short course"
    group.save()
    other = book_group_session(session_at(soon + timedelta(hours=3)), students[1])
    assert times(other) == [soon + timedelta(hours=3) - timedelta(minutes=30)]


def test_the_offsets_setting_applies_to_every_course(settings, session_at, students, soon):
    settings.FLUENTORY_BOOKINGS_REMINDER_OFFSETS = [timedelta(hours=2)]
    booking = book_group_session(session_at(soon), students[0])
    assert times(booking) == [soon - timedelta(hours=2)]


# --- 1:1 lessons --------------------------------------------------------------------------------


def test_a_lesson_confirmed_at_once_gets_reminders(teacher, student, make_course):
    course = make_course("one_on_one", teacher=teacher, students=[student])
    [lesson] = request_one_on_one(publish(teacher, course), student, at(day(3), 9))
    start = at(day(3), 9)
    assert lesson.status == "confirmed"
    assert times(lesson) == [start - H24, start - H1]


def test_a_series_gets_reminders_for_every_lesson(teacher, student, make_course):
    course = make_course("one_on_one", teacher=teacher, students=[student])
    lessons = request_one_on_one(weekly(teacher, course), student, at(day(3), 9), weeks=3)
    for lesson in lessons:
        assert times(lesson) == [lesson.starts_at - H24, lesson.starts_at - H1]
    cancel_one_on_one(lessons[1], student, scope="following")
    assert times(lessons[0]) == [lessons[0].starts_at - H24, lessons[0].starts_at - H1]
    assert unsent(lessons[1]) == unsent(lessons[2]) == []


def test_a_request_gets_reminders_only_when_approved(teacher, student, make_course):
    course = make_course("one_on_one", teacher=teacher, students=[student], approval=True)
    [lesson] = request_one_on_one(publish(teacher, course), student, at(day(3), 9))
    assert times(lesson) == []
    approve_one_on_one(lesson, teacher)
    start = at(day(3), 9)
    assert times(lesson) == [start - H24, start - H1]
    cancel_one_on_one(lesson, student)
    assert unsent(lesson) == []


def test_declined_and_expired_requests_never_get_reminders(teacher, student, make_course, clock):
    course = make_course("one_on_one", teacher=teacher, students=[student], approval=True)
    av = publish(teacher, course)
    [declined] = request_one_on_one(av, student, at(day(3), 9))
    decline_one_on_one(declined, teacher, "busy")
    [expiring] = request_one_on_one(av, student, at(day(3), 10))
    clock(expiring.expires_at + timedelta(minutes=1))
    assert expire_pending_requests() == 1
    assert BookingReminder.objects.count() == 0
