"""The lifecycle a real LMS needs: sessions and waitlist places end, nobody is promoted into a
running class, overdue requests hold nothing, and the same action answers the same way for
both kinds of booking."""

from __future__ import annotations

import io
from datetime import time, timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.db import IntegrityError

from fluentory_bookings.contrib.django import signals
from fluentory_bookings.contrib.django.models import (
    Booking,
    BookingReminder,
    LiveClassSession,
    OneOnOneBooking,
)
from fluentory_bookings.contrib.django.services import (
    book_group_session,
    cancel_group_booking,
    cancel_one_on_one,
    create_session,
    finish_started_sessions,
    leave_waitlist,
    mark_attendance,
    open_slots_for,
    request_one_on_one,
    set_availability,
    update_session,
)
from fluentory_bookings.core.errors import InvalidTransition, NotPermitted, SlotUnavailable
from lms.adapter import LmsBookingAdapter
from lms.models import CourseTeacher
from tests.django.conftest import race
from tests.django.when import at, day

pytestmark = pytest.mark.django_db


# --- group sessions: an end, and no promotion into a running class ------------------------------


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
    )
    for s in crowd:
        book_group_session(session, s)
    return session


def statuses(session) -> list[str]:
    return list(
        Booking.objects.filter(session=session).order_by("pk").values_list("status", flat=True)
    )


def test_staff_cancelling_a_seat_after_the_start_promotes_nobody(full, crowd, staff, clock, sent):
    clock(full.starts_at + timedelta(minutes=5))
    with sent() as got:
        cancel_group_booking(Booking.objects.get(student=crowd[0]), staff)
    assert statuses(full) == ["cancelled", "waitlisted", "waitlisted"]
    full.refresh_from_db()
    assert full.seats_taken == 0
    assert [name for name, *_ in got] == ["group_booking_cancelled"]


def test_more_seats_after_the_start_promote_nobody(full, teacher, clock, sent):
    clock(full.starts_at + timedelta(minutes=5))
    with sent() as got:
        update_session(full, teacher, total_seats=3)
    assert statuses(full) == ["confirmed", "waitlisted", "waitlisted"]
    assert "group_booking_promoted" not in [name for name, *_ in got]


def test_housekeeping_ends_waitlists_then_completes_sessions(
    full, group, teacher, soon, clock, sent
):
    later = create_session(
        course=group,
        teacher=teacher,
        title="Later",
        starts_at=soon + timedelta(days=1),
        ends_at=soon + timedelta(days=1, hours=1),
    )
    waiting = list(Booking.objects.filter(session=full, status="waitlisted").order_by("pk"))

    clock(full.starts_at + timedelta(minutes=1))  # started, not ended
    out = io.StringIO()
    with sent() as got:
        call_command("bookings_housekeeping", stdout=out)
    assert "ended 2 waitlist place(s); completed 0 session(s)" in out.getvalue()
    assert statuses(full) == ["confirmed", "cancelled", "cancelled"]
    assert got == [("group_waitlist_expired", b.pk, None) for b in waiting]
    assert Booking.objects.get(pk=waiting[0].pk).cancelled_by is None

    clock(full.ends_at)
    with sent() as got:
        assert finish_started_sessions() == (0, 1)
    full.refresh_from_db()
    later.refresh_from_db()
    assert (full.status, later.status) == ("completed", "scheduled")
    assert got == [("session_completed", full.pk, None)]
    assert statuses(full)[0] == "confirmed"  # attendance can still be marked
    mark_attendance(Booking.objects.get(session=full, status="confirmed"), True, teacher)

    with sent() as got:
        assert finish_started_sessions() == (0, 0)  # nothing twice
    assert got == []


def test_a_session_that_ended_unseen_gets_both_at_once(full, clock):
    clock(full.ends_at + timedelta(days=2))
    assert finish_started_sessions() == (2, 1)


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_two_housekeepers_at_once_finish_every_session_once(
    group, teacher, soon, make_user, enroll, settings
):
    sessions = []
    for i in range(6):
        s = create_session(
            course=group,
            teacher=teacher,
            title=f"S{i}",
            starts_at=soon + timedelta(hours=2 * i),
            ends_at=soon + timedelta(hours=2 * i + 1),
            total_seats=1,
            enable_waitlist=True,
        )
        users = [make_user() for _ in range(3)]
        enroll(group, *users)
        for u in users:
            book_group_session(s, u)
        sessions.append(s)
    got: list[Any] = []

    def count(signal, sender, **kwargs):
        got.append((signal, (kwargs.get("booking") or kwargs.get("session")).pk))

    for sig in (signals.group_waitlist_expired, signals.session_completed):
        sig.connect(count, weak=False, dispatch_uid="test-housekeepers")
    try:
        end = soon + timedelta(days=1)
        results = race(finish_started_sessions, [(end,), (end,), (end,)])
    finally:
        for sig in (signals.group_waitlist_expired, signals.session_completed):
            sig.disconnect(dispatch_uid="test-housekeepers")
    assert all(not isinstance(r, BaseException) for r in results), results
    assert sum(r.waitlist_places for r in results) == 12
    assert sum(r.sessions for r in results) == 6
    assert len(got) == len(set(got)) == 18
    assert set(LiveClassSession.objects.values_list("status", flat=True)) == {"completed"}


# --- co-teachers and repeated cancellations ----------------------------------------------------


def test_a_co_teacher_may_cancel_a_seat_and_mark_attendance(full, group, crowd, make_user, clock):
    colleague = make_user("colleague")
    CourseTeacher.objects.create(course=group, teacher=colleague)
    cancel_group_booking(Booking.objects.get(student=crowd[1]), colleague)
    clock(full.starts_at + timedelta(minutes=5))
    marked = mark_attendance(Booking.objects.get(student=crowd[0]), True, colleague)
    assert marked.status == "attended"


def test_a_teacher_of_another_course_may_not(full, crowd, make_user, make_course):
    stranger = make_user("stranger")
    make_course("group_session", teacher=stranger)
    before = statuses(full)
    with pytest.raises(NotPermitted):
        cancel_group_booking(Booking.objects.get(student=crowd[1]), stranger)
    with pytest.raises(NotPermitted):
        leave_waitlist(Booking.objects.get(student=crowd[1]), stranger)
    assert statuses(full) == before


# --- 1:1 requests past their expiry hold nothing ------------------------------------------------


@pytest.fixture
def approval_course(make_course, teacher, student):
    return make_course("one_on_one", teacher=teacher, students=[student], approval=True)


@pytest.fixture
def window(teacher, approval_course):
    return set_availability(
        teacher,
        course=approval_course,
        timezone="UTC",
        kind="one_time",
        start_date=day(4),
        start_time=time(9),
        end_time=time(12),
    )


@pytest.fixture
def overdue(window, student, clock):
    """A pending request at 09:00 whose expiry has passed (the command has not run)."""
    [request] = request_one_on_one(window, student, at(day(4), 9))
    assert request.status == "pending"
    assert request.expires_at < request.starts_at
    clock(request.expires_at + timedelta(minutes=1))
    return request


def test_an_overdue_request_frees_its_slot_at_once(overdue, window):
    assert overdue.starts_at in [s.start for s in open_slots_for(window)]
    assert not window.is_booked
    assert window.can_be_booked(overdue.student, overdue.course, overdue.starts_at)


def test_another_student_may_take_the_slot_of_an_overdue_request(
    overdue, window, make_user, enroll, sent
):
    rival = make_user("rival")
    enroll(overdue.course, rival)
    with sent() as got:
        [taken] = request_one_on_one(window, rival, overdue.starts_at)
    overdue.refresh_from_db()
    assert (overdue.status, taken.status) == ("expired", "pending")
    assert got == [
        ("one_on_one_expired", overdue.pk, None),
        ("one_on_one_requested", taken.pk, rival),
    ]


def test_the_student_may_ask_again_after_the_request_expired(overdue, window, student):
    [again] = request_one_on_one(window, student, overdue.starts_at)
    assert again.pk != overdue.pk
    assert OneOnOneBooking.objects.get(pk=overdue.pk).status == "expired"


def test_an_overdue_request_does_not_block_the_teachers_session(overdue, teacher, make_course):
    course = make_course("group_session", teacher=teacher)
    session = create_session(
        course=course,
        teacher=teacher,
        title="Over the old request",
        starts_at=overdue.starts_at,
        ends_at=overdue.ends_at,
    )
    assert session.pk is not None


def test_cancelling_an_overdue_request_marks_it_expired(overdue, student, sent):
    with sent() as got, pytest.raises(InvalidTransition):
        cancel_one_on_one(overdue, student)
    assert OneOnOneBooking.objects.get(pk=overdue.pk).status == "expired"
    assert got == [("one_on_one_expired", overdue.pk, None)]


# --- cancelling twice: the same answer for both kinds ------------------------------------------


@pytest.fixture
def series(teacher, student, make_course):
    course = make_course("one_on_one", teacher=teacher, students=[student])
    first = day(3)
    weekly = set_availability(
        teacher,
        course=course,
        timezone="UTC",
        kind="weekly",
        start_date=first,
        weekdays=[first.weekday()],
        start_time=time(9),
        end_time=time(10),
    )
    return request_one_on_one(weekly, student, at(first, 9), weeks=3)


def test_cancelling_a_lesson_twice_changes_nothing(series, student, sent):
    [once] = cancel_one_on_one(series[0], student)
    before = list(OneOnOneBooking.objects.order_by("pk").values())
    with sent() as got:
        [again] = cancel_one_on_one(series[0], student)
    assert again.pk == once.pk
    assert again.status == "cancelled"
    assert list(OneOnOneBooking.objects.order_by("pk").values()) == before
    assert got == []


def test_cancel_following_after_this_cancels_the_rest(series, student, sent):
    cancel_one_on_one(series[0], student)
    with sent() as got:
        done = cancel_one_on_one(series[0], student, scope="following")
    assert [b.pk for b in done] == [b.pk for b in series]
    assert [name for name, *_ in got] == ["one_on_one_cancelled"] * 2


def test_a_stranger_still_may_not_cancel_a_cancelled_lesson(series, student, make_user):
    cancel_one_on_one(series[0], student)
    with pytest.raises(NotPermitted):
        cancel_one_on_one(series[0], make_user())


def test_a_declined_lesson_still_cannot_be_cancelled(series, teacher, student):
    OneOnOneBooking.objects.filter(pk=series[0].pk).update(status="declined")
    with pytest.raises(InvalidTransition):
        cancel_one_on_one(series[0], student)


# --- only the slot's constraint means "taken" ---------------------------------------------------


class BrokenHookAdapter(LmsBookingAdapter):
    """A host hook that hits a database constraint while the request is being written."""

    write = "reminder"

    def generate_meeting_link(self, booking):
        if self.write == "reminder":  # no booking at all: a check constraint of another table
            BookingReminder.objects.create(remind_at=booking.starts_at)
        else:  # a second active booking on the same slot
            OneOnOneBooking.objects.create(
                availability_slot=booking.availability_slot,
                student=booking.student,
                teacher=booking.teacher,
                course=booking.course,
                starts_at=booking.starts_at,
                ends_at=booking.ends_at,
                status="confirmed",
                requested_at=booking.requested_at,
            )
        return ""


@pytest.mark.parametrize(
    ("write", "error"), [("reminder", IntegrityError), ("booking", SlotUnavailable)]
)
def test_only_the_slots_own_constraint_is_reported_as_taken(
    settings, teacher, student, make_course, write, error
):
    settings.FLUENTORY_BOOKINGS_ADAPTER = "tests.django.test_lifecycle.BrokenHookAdapter"
    BrokenHookAdapter.write = write
    course = make_course("one_on_one", teacher=teacher, students=[student])
    window = set_availability(
        teacher,
        course=course,
        timezone="UTC",
        kind="one_time",
        start_date=day(3),
        start_time=time(9),
        end_time=time(12),
    )
    with pytest.raises(error) as exc:
        request_one_on_one(window, student, at(day(3), 9))
    assert not isinstance(exc.value, SlotUnavailable) or exc.value.reason == "taken"
    assert not OneOnOneBooking.objects.exists()
    assert not BookingReminder.objects.exists()


def test_a_waitlist_place_in_a_running_class_is_no_commitment(full, crowd, group, make_user, clock):
    colleague = make_user("colleague")
    CourseTeacher.objects.create(course=group, teacher=colleague)
    clock(full.starts_at + timedelta(minutes=5))
    overlapping = create_session(
        course=group,
        teacher=colleague,
        title="Right after the start",
        starts_at=full.starts_at + timedelta(minutes=30),
        ends_at=full.ends_at + timedelta(minutes=30),
    )
    # crowd[1] still waits in the running class (the command has not run): free to book.
    booking = book_group_session(overlapping, crowd[1])
    assert booking.status == "confirmed"
