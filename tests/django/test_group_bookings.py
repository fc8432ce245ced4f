"""Group-session bookings through the public services and the model doors.

The seed's checklist (seats, waitlist and promotion, freeing a seat, closing and reopening),
every refusal with its typed error and nothing written, and signals only after the commit.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.dispatch import Signal
from django.test import override_settings

from fluentory_bookings.contrib.django import signals
from fluentory_bookings.contrib.django.models import Booking, LiveClassSession
from fluentory_bookings.contrib.django.services import (
    book_group_session,
    cancel_group_booking,
    cancel_session,
    create_session,
    leave_waitlist,
    mark_attendance,
    reschedule_group_booking,
)
from fluentory_bookings.core.errors import (
    AlreadyBooked,
    Conflict,
    InvalidInput,
    InvalidTransition,
    NotOnWaitlist,
    NotPermitted,
    PolicyViolation,
    SessionClosed,
    SessionFull,
)
from fluentory_bookings.core.seats import SessionStatus

pytestmark = pytest.mark.django_db

BOOKING_SIGNALS = (
    signals.group_booking_confirmed,
    signals.group_booking_waitlisted,
    signals.group_booking_promoted,
    signals.group_booking_cancelled,
    signals.group_booking_rescheduled,
    signals.group_waitlist_left,
    signals.attendance_marked,
)


# --- helpers ------------------------------------------------------------------------------------


@pytest.fixture
def course(make_course, teacher):
    return make_course("group_session", teacher=teacher)


@pytest.fixture
def make_students(make_user, course, enroll):
    def make(n: int, on=None):
        users = [make_user() for _ in range(n)]
        enroll(on or course, *users)
        return users

    return make


@pytest.fixture
def cohost(make_user, course):
    """A second teacher of the course, for sessions at the same time as the first's."""
    from lms.models import CourseTeacher

    user = make_user("cohost")
    CourseTeacher.objects.create(course=course, teacher=user)
    return user


@pytest.fixture
def make_session(course, teacher, soon):
    offsets = iter(range(0, 1000, 2))

    def make(*, on=None, at=None, hours: int = 1, by=None, **extra: Any) -> LiveClassSession:
        start = at or soon + timedelta(hours=next(offsets))
        extra.setdefault("total_seats", 3)
        return create_session(
            course=on or course,
            teacher=by or teacher,
            title="Conversation club",
            starts_at=start,
            ends_at=start + timedelta(hours=hours),
            meeting_link="https://meet.google.com/abc-defg-hij",
            **extra,
        )

    return make


def snapshot(*sessions: LiveClassSession) -> tuple[Any, ...]:
    """Everything a refused request must leave untouched."""
    rows = tuple(
        Booking.objects.order_by("pk").values_list(
            "pk", "session_id", "student_id", "status", "waitlist_position", "modified"
        )
    )
    counters = tuple(
        LiveClassSession.objects.filter(pk__in=[s.pk for s in sessions])
        .order_by("pk")
        .values_list("pk", "seats_taken", "total_seats", "status", "modified")
    )
    return rows, counters


def fresh(session: LiveClassSession) -> LiveClassSession:
    return LiveClassSession.objects.get(pk=session.pk)


def waitlist(session: LiveClassSession) -> list[tuple[int, int]]:
    """(student id, stored position) of everyone waiting, in position order."""
    return list(
        Booking.objects.filter(session=session, status="waitlisted")
        .order_by("waitlist_position")
        .values_list("student_id", "waitlist_position")
    )


@contextmanager
def captured(*sigs: Signal) -> Iterator[list[tuple[Signal, type, dict[str, Any]]]]:
    got: list[tuple[Signal, type, dict[str, Any]]] = []

    def receiver(signal: Signal, sender: type, **kwargs: Any) -> None:
        got.append((signal, sender, kwargs))

    for s in sigs or BOOKING_SIGNALS:
        s.connect(receiver, weak=False, dispatch_uid="test-capture")
    try:
        yield got
    finally:
        for s in sigs or BOOKING_SIGNALS:
            s.disconnect(dispatch_uid="test-capture")


@pytest.fixture
def sent(django_capture_on_commit_callbacks):
    """Like :func:`captured`, with the block's on-commit callbacks run as a commit would."""

    @contextmanager
    def run(*sigs: Signal) -> Iterator[list[tuple[Signal, type, dict[str, Any]]]]:
        with captured(*sigs) as got, django_capture_on_commit_callbacks(execute=True):
            yield got

    return run


def move_to_past(session: LiveClassSession, hours_ago: int = 1) -> None:
    """Let a session start already (the services refuse to create one in the past)."""
    from django.utils import timezone

    start = timezone.now() - timedelta(hours=hours_ago)
    LiveClassSession.objects.filter(pk=session.pk).update(
        starts_at=start, ends_at=start + timedelta(hours=2)
    )


# --- the seed's checklist ---------------------------------------------------------------------------


def test_booking_takes_one_seat_and_tracks_the_rest(make_session, make_students):
    session = make_session(total_seats=3)
    ana, ben = make_students(2)
    assert (session.remaining_seats, session.is_full, session.booking_open) == (3, False, True)

    booking = book_group_session(session, ana)
    assert booking.status == "confirmed"
    assert booking.seats_booked == 1
    assert booking.session.seats_taken == 1
    assert booking.waitlist_position is None

    book_group_session(session, ben)
    s = fresh(session)
    assert (s.seats_taken, s.remaining_seats, s.is_full, s.booking_open) == (2, 1, False, True)
    assert list(ana.group_bookings.values_list("status", flat=True)) == ["confirmed"]


def test_full_session_without_waitlist_closes_and_refuses(make_session, make_students):
    session = make_session(total_seats=2)
    a, b, c = make_students(3)
    book_group_session(session, a)
    last = book_group_session(session, b)
    assert last.session.status == SessionStatus.BOOKING_CLOSED
    s = fresh(session)
    assert (s.status, s.is_full, s.remaining_seats, s.booking_open) == (
        "booking_closed",
        True,
        0,
        False,
    )

    before = snapshot(session)
    with pytest.raises(SessionFull):
        book_group_session(session, c)
    assert snapshot(session) == before


def test_cancel_frees_the_seat_and_reopens_a_closed_session(make_session, make_students):
    session = make_session(total_seats=2)
    a, b, c = make_students(3)
    first = book_group_session(session, a)
    book_group_session(session, b)
    assert fresh(session).status == "booking_closed"

    cancelled = cancel_group_booking(first, a)
    assert cancelled.status == "cancelled"
    assert cancelled.cancelled_by == a
    assert cancelled.cancelled_at is not None
    s = fresh(session)
    assert (s.seats_taken, s.status, s.booking_open) == (1, "scheduled", True)

    assert book_group_session(session, c).status == "confirmed"
    assert fresh(session).status == "booking_closed"


def test_waitlist_fills_in_order_and_a_cancellation_promotes_the_first(
    sent, make_session, make_students
):
    session = make_session(total_seats=2, enable_waitlist=True)
    a, b, c, d, e = make_students(5)
    seats = [book_group_session(session, s) for s in (a, b)]
    waiting = [book_group_session(session, s) for s in (c, d, e)]
    assert [w.status for w in waiting] == ["waitlisted"] * 3
    assert [w.waitlist_position for w in waiting] == [1, 2, 3]
    assert all(w.waitlist_joined_at is not None for w in waiting)
    s = fresh(session)
    # A waitlist keeps the session open: new students join the line.
    assert (s.seats_taken, s.is_full, s.status, s.booking_open) == (2, True, "scheduled", True)

    with sent() as got:
        cancel_group_booking(seats[0], a)
    assert waitlist(session) == [(d.pk, 1), (e.pk, 2)]
    promoted = Booking.objects.get(pk=waiting[0].pk)
    assert promoted.status == "confirmed"
    assert promoted.promoted_at is not None
    assert promoted.waitlist_position is None
    assert fresh(session).seats_taken == 2
    # Outside a transaction on_commit runs at once: cancelled, then promoted.
    assert [(sig, kw["booking"].pk) for sig, _, kw in got] == [
        (signals.group_booking_cancelled, seats[0].pk),
        (signals.group_booking_promoted, waiting[0].pk),
    ]


def test_cancelling_a_waitlist_place_renumbers_and_frees_no_seat(make_session, make_students):
    session = make_session(total_seats=1, enable_waitlist=True)
    a, b, c, d = make_students(4)
    book_group_session(session, a)
    waiting = [book_group_session(session, s) for s in (b, c, d)]
    cancel_group_booking(waiting[1], c)
    assert waitlist(session) == [(b.pk, 1), (d.pk, 2)]
    assert fresh(session).seats_taken == 1


def test_leave_waitlist(sent, make_session, make_students, teacher):
    session = make_session(total_seats=1, enable_waitlist=True)
    a, b, c, d = make_students(4)
    seat = book_group_session(session, a)
    first, second, third = (book_group_session(session, s) for s in (b, c, d))

    with sent(signals.group_waitlist_left) as got:
        left = leave_waitlist(first, b)
    assert left.status == "cancelled"
    assert left.waitlist_position is None
    assert first.status == "cancelled"  # the caller's instance follows
    assert waitlist(session) == [(c.pk, 1), (d.pk, 2)]
    assert got[0][2] == {"booking": left, "by": b}

    leave_waitlist(third, teacher)  # the teacher may clear a place too
    assert waitlist(session) == [(c.pk, 1)]

    before = snapshot(session)
    with pytest.raises(NotOnWaitlist):
        leave_waitlist(seat, a)
    with pytest.raises(NotOnWaitlist):
        leave_waitlist(first, b)  # already left
    with pytest.raises(NotPermitted):
        leave_waitlist(second, a)  # someone else's place
    assert snapshot(session) == before


# --- refusals: typed errors, nothing written -------------------------------------------------------


def test_double_click_never_creates_a_second_booking(make_session, make_students):
    session = make_session(total_seats=1, enable_waitlist=True)
    a, b = make_students(2)
    book_group_session(session, a)
    book_group_session(session, b)  # waitlisted
    before = snapshot(session)
    with pytest.raises(AlreadyBooked) as seat:
        book_group_session(session, a)
    with pytest.raises(AlreadyBooked):
        book_group_session(session, b)
    assert (seat.value.session_id, seat.value.student_id) == (session.pk, a.pk)
    assert snapshot(session) == before


def test_rebooking_after_a_cancellation_is_a_new_booking(make_session, make_students):
    session = make_session()
    (a,) = make_students(1)
    first = book_group_session(session, a)
    cancel_group_booking(first, a)
    again = book_group_session(session, a)
    assert again.pk != first.pk
    assert again.status == "confirmed"
    assert fresh(session).seats_taken == 1


def test_the_database_refuses_a_second_active_booking(make_session, make_students):
    session = make_session()
    (a,) = make_students(1)
    book_group_session(session, a)
    with pytest.raises(IntegrityError), transaction.atomic():
        Booking.objects.create(session=session, student=a, status="confirmed")


def test_the_database_refuses_more_seats_than_capacity(make_session):
    session = make_session(total_seats=3)
    with pytest.raises(IntegrityError), transaction.atomic():
        LiveClassSession.objects.filter(pk=session.pk).update(seats_taken=4)
    assert fresh(session).seats_taken == 0


def test_booking_a_session_that_has_started(make_session, make_students):
    session = make_session()
    (a,) = make_students(1)
    move_to_past(session)
    before = snapshot(session)
    with pytest.raises(PolicyViolation) as exc:
        book_group_session(session, a)
    assert exc.value.rule == "past"
    assert snapshot(session) == before


@pytest.mark.parametrize("booking_type", ["none", "one_on_one"])
def test_booking_a_course_that_takes_no_group_sessions(
    make_session, make_students, course, booking_type
):
    session = make_session()
    (a,) = make_students(1)
    type(course).objects.filter(pk=course.pk).update(booking_type=booking_type)
    before = snapshot(session)
    with pytest.raises(PolicyViolation) as exc:
        book_group_session(session, a)
    assert exc.value.rule == "booking_type"
    assert snapshot(session) == before


def test_booking_without_enrollment(make_session, make_user):
    session = make_session()
    outsider = make_user()
    before = snapshot(session)
    with pytest.raises(PolicyViolation) as exc:
        book_group_session(session, outsider)
    assert exc.value.rule == "enrollment"
    assert snapshot(session) == before


def test_booking_a_cancelled_session(make_session, make_students, teacher):
    session = make_session()
    (a,) = make_students(1)
    cancel_session(session, teacher)
    before = snapshot(session)
    with pytest.raises(SessionClosed):
        book_group_session(session, a)
    assert snapshot(session) == before


def test_booking_over_the_students_own_commitment(make_session, make_students, soon, cohost):
    morning = make_session(at=soon, hours=2)
    overlapping = make_session(at=soon + timedelta(hours=1), by=cohost)
    back_to_back = make_session(at=soon + timedelta(hours=2))
    (a,) = make_students(1)
    mine = book_group_session(morning, a)
    before = snapshot(morning, overlapping)
    with pytest.raises(Conflict) as exc:
        book_group_session(overlapping, a)
    assert [c.ref for c in exc.value.conflicts] == [("group_booking", mine.pk)]
    assert snapshot(morning, overlapping) == before
    # Half-open intervals: ending at 2 h and starting at 2 h is no clash.
    assert book_group_session(back_to_back, a).status == "confirmed"


def test_a_waitlist_place_counts_as_a_commitment(make_session, make_students, soon, cohost):
    full = make_session(at=soon, total_seats=1, enable_waitlist=True)
    same_time = make_session(at=soon, by=cohost)
    a, b = make_students(2)
    book_group_session(full, a)
    assert book_group_session(full, b).status == "waitlisted"
    with pytest.raises(Conflict):
        book_group_session(same_time, b)


def test_cancelling_someone_elses_booking(make_session, make_students, make_user):
    session = make_session()
    a, b = make_students(2)
    stranger = make_user()
    booking = book_group_session(session, a)
    before = snapshot(session)
    for who in (b, stranger, None):
        with pytest.raises(NotPermitted):
            cancel_group_booking(booking, who)
    assert snapshot(session) == before


def test_teacher_and_staff_may_cancel_a_students_booking(
    make_session, make_students, teacher, staff
):
    session = make_session()
    a, b = make_students(2)
    assert cancel_group_booking(book_group_session(session, a), teacher).cancelled_by == teacher
    assert cancel_group_booking(book_group_session(session, b), staff).cancelled_by == staff
    assert fresh(session).seats_taken == 0


@override_settings(FLUENTORY_BOOKINGS_CANCELLATION_CUTOFF=timedelta(hours=24))
def test_students_are_bound_by_the_cancellation_cutoff(make_students, course, teacher):
    from django.utils import timezone

    start = timezone.now() + timedelta(hours=5)
    session = create_session(
        course=course,
        teacher=teacher,
        title="Tonight",
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        total_seats=2,
    )
    (a,) = make_students(1)
    booking = book_group_session(session, a)
    before = snapshot(session)
    with pytest.raises(PolicyViolation) as exc:
        cancel_group_booking(booking, a)
    assert exc.value.rule == "cancellation_cutoff"
    assert snapshot(session) == before
    # The teacher is bound only by the start.
    assert cancel_group_booking(booking, teacher).status == "cancelled"


def test_cancelling_twice_changes_nothing_and_signals_once(sent, make_session, make_students):
    session = make_session()
    (a,) = make_students(1)
    booking = book_group_session(session, a)
    with sent(signals.group_booking_cancelled) as got:
        cancel_group_booking(booking, a)
        again = cancel_group_booking(booking, a)
    assert again.status == "cancelled"
    assert len(got) == 1
    assert fresh(session).seats_taken == 0


def test_a_marked_booking_cannot_be_cancelled(make_session, make_students, teacher):
    session = make_session()
    (a,) = make_students(1)
    booking = book_group_session(session, a)
    move_to_past(session)
    mark_attendance(booking, True, teacher)
    with pytest.raises(InvalidTransition):
        cancel_group_booking(booking, teacher)


# --- attendance -------------------------------------------------------------------------------------


def test_attendance_only_by_the_teacher_or_staff_once_started(
    sent, make_session, make_students, teacher, staff
):
    session = make_session(total_seats=2, enable_waitlist=True)
    a, b, c = make_students(3)
    came = book_group_session(session, a)
    missed = book_group_session(session, b)
    book_group_session(session, c)  # fills the last seat
    waiting_student = make_students(1)[0]
    waiting = book_group_session(session, waiting_student)

    before = snapshot(session)
    with pytest.raises(PolicyViolation) as early:
        mark_attendance(came, True, teacher)
    assert early.value.rule == "not_started"
    assert snapshot(session) == before
    move_to_past(session)
    before = snapshot(session)
    with pytest.raises(NotPermitted):
        mark_attendance(came, True, a)  # students do not mark themselves
    with pytest.raises(InvalidTransition):
        mark_attendance(waiting, True, teacher)
    with pytest.raises(InvalidInput) as info:
        mark_attendance(came, "yes", teacher)  # type: ignore[arg-type]
    assert info.value.field == "attended"
    assert snapshot(session) == before

    with sent(signals.attendance_marked) as got:
        marked = mark_attendance(came, True, teacher)
        mark_attendance(missed, False, staff)
        mark_attendance(came, True, teacher)  # the same again: nothing to do
    assert marked.status == "attended"
    assert marked.attendance_marked_at is not None
    assert Booking.objects.get(pk=missed.pk).status == "no_show"
    assert [(kw["booking"].pk, kw["attended"], kw["by"]) for _, _, kw in got] == [
        (came.pk, True, teacher),
        (missed.pk, False, staff),
    ]
    # Both still hold their seats.
    assert fresh(session).seats_taken == 2
    # A correction is allowed.
    assert mark_attendance(came, False, teacher).status == "no_show"


# --- rescheduling -----------------------------------------------------------------------------------


def test_reschedule_moves_the_seat_and_promotes_on_the_old_session(
    sent, make_session, make_students
):
    old = make_session(total_seats=1, enable_waitlist=True)
    new = make_session(total_seats=2)
    a, b = make_students(2)
    booking = book_group_session(old, a)
    waiting = book_group_session(old, b)

    with sent() as got:
        moved = reschedule_group_booking(booking, new, a)
    assert moved.session.pk == new.pk
    assert moved.status == "confirmed"
    assert booking.status == "cancelled"
    assert Booking.objects.get(pk=waiting.pk).status == "confirmed"
    assert (fresh(old).seats_taken, fresh(new).seats_taken) == (1, 1)
    assert [sig for sig, _, _ in got] == [
        signals.group_booking_rescheduled,
        signals.group_booking_promoted,
    ]
    assert got[0][2]["booking"] == moved
    assert got[0][2]["previous"].pk == booking.pk
    assert got[0][2]["by"] == a


def test_reschedule_keeps_the_old_seat_when_the_new_session_is_full(make_session, make_students):
    old = make_session(total_seats=2)
    full = make_session(total_seats=1, enable_waitlist=True)
    a, b = make_students(2)
    booking = book_group_session(old, a)
    book_group_session(full, b)
    before = snapshot(old, full)
    with pytest.raises(SessionFull):
        reschedule_group_booking(booking, full, a)
    assert snapshot(old, full) == before


def test_reschedule_refusals(make_session, make_students, make_course, teacher, soon):
    old = make_session()
    other_course = make_course("group_session", teacher=teacher)
    elsewhere = make_session(on=other_course)
    a, b = make_students(2)
    booking = book_group_session(old, a)
    started = make_session()
    book_group_session(started, b)
    move_to_past(started)
    before = snapshot(old, elsewhere, started)

    with pytest.raises(PolicyViolation) as exc:
        reschedule_group_booking(booking, elsewhere, a)
    assert exc.value.rule == "same_course"
    with pytest.raises(NotPermitted):
        reschedule_group_booking(booking, started, b)
    with pytest.raises(AlreadyBooked):
        reschedule_group_booking(booking, old, a)
    with pytest.raises(PolicyViolation) as exc:
        reschedule_group_booking(booking, started, a)
    assert exc.value.rule == "past"
    assert snapshot(old, elsewhere, started) == before


def test_reschedule_checks_the_students_other_commitments(
    make_session, make_students, soon, cohost
):
    old = make_session(at=soon)
    target = make_session(at=soon + timedelta(hours=4))
    busy = make_session(at=soon + timedelta(hours=4), by=cohost)
    (a,) = make_students(1)
    booking = book_group_session(old, a)
    book_group_session(busy, a)
    with pytest.raises(Conflict):
        reschedule_group_booking(booking, target, a)
    # Moving to an overlapping slot of the same course is fine: the old booking is excluded.
    shifted = make_session(at=soon + timedelta(minutes=30), by=cohost)
    assert reschedule_group_booking(booking, shifted, a).status == "confirmed"


@override_settings(FLUENTORY_BOOKINGS_RESCHEDULE_CUTOFF=timedelta(hours=24))
def test_students_are_bound_by_the_reschedule_cutoff(make_session, make_students, course, teacher):
    from django.utils import timezone

    start = timezone.now() + timedelta(hours=5)
    old = create_session(
        course=course,
        teacher=teacher,
        title="Tonight",
        starts_at=start,
        ends_at=start + timedelta(hours=1),
    )
    new = make_session()
    (a,) = make_students(1)
    booking = book_group_session(old, a)
    with pytest.raises(PolicyViolation) as exc:
        reschedule_group_booking(booking, new, a)
    assert exc.value.rule == "reschedule_cutoff"
    assert reschedule_group_booking(booking, new, teacher).session.pk == new.pk


# --- the model doors ------------------------------------------------------------------------------


def test_booking_confirm_books_an_unsaved_booking(make_session, make_students):
    session = make_session(total_seats=1, enable_waitlist=True)
    a, b = make_students(2)
    first = Booking(session=session, student=a)
    assert first.confirm().status == "confirmed"
    assert first.pk is not None
    assert first.status == "confirmed"
    second = Booking(session=session, student=b)
    second.confirm()
    assert (second.status, second.waitlist_position) == ("waitlisted", 1)
    # Confirming a confirmed booking keeps it.
    assert first.confirm().status == "confirmed"
    assert fresh(session).seats_taken == 1


def test_booking_confirm_promotes_a_waitlisted_booking_only_into_a_free_seat(
    sent, make_session, make_students
):
    session = make_session(total_seats=1, enable_waitlist=True)
    a, b, c = make_students(3)
    book_group_session(session, a)
    first = book_group_session(session, b)
    second = book_group_session(session, c)
    with pytest.raises(SessionFull):
        second.confirm()

    # Free a seat behind the services' back (say, an admin raised the capacity by hand):
    # confirm() gives it to the first in line, never past them.
    LiveClassSession.objects.filter(pk=session.pk).update(total_seats=2)
    with pytest.raises(SessionFull):
        second.confirm()
    assert Booking.objects.get(pk=first.pk).status == "waitlisted"  # nothing written
    with sent(signals.group_booking_promoted) as got:
        assert first.confirm().status == "confirmed"
    assert got[0][2] == {"booking": first, "by": None}
    assert first.status == "confirmed"
    assert waitlist(session) == [(c.pk, 1)]
    assert fresh(session).seats_taken == 2


def test_booking_confirm_refuses_a_cancelled_booking(make_session, make_students):
    session = make_session()
    (a,) = make_students(1)
    booking = book_group_session(session, a)
    booking.cancel()
    with pytest.raises(InvalidTransition):
        booking.confirm()


def test_booking_cancel_defaults_to_the_student(make_session, make_students, make_user):
    session = make_session(total_seats=1, enable_waitlist=True)
    a, b = make_students(2)
    booking = book_group_session(session, a)
    waiting = book_group_session(session, b)
    with pytest.raises(NotPermitted):
        booking.cancel(make_user())
    result = booking.cancel()
    assert result.status == booking.status == "cancelled"
    assert booking.cancelled_by == a
    assert Booking.objects.get(pk=waiting.pk).status == "confirmed"


def test_update_booking_status_closes_and_reopens(make_session, make_students):
    session = make_session(total_seats=2)
    a, b = make_students(2)
    book_group_session(session, a)
    book_group_session(session, b)
    # Data written around the services: a full session left "scheduled".
    LiveClassSession.objects.filter(pk=session.pk).update(status="scheduled")
    session.refresh_from_db()
    assert session.update_booking_status() == SessionStatus.BOOKING_CLOSED
    assert session.status == "booking_closed"
    assert fresh(session).status == "booking_closed"

    LiveClassSession.objects.filter(pk=session.pk).update(seats_taken=1)
    assert session.update_booking_status() == SessionStatus.SCHEDULED
    assert (session.status, session.seats_taken, session.remaining_seats) == ("scheduled", 1, 1)
    assert fresh(session).booking_open


def test_update_booking_status_leaves_a_cancelled_session_alone(make_session, teacher):
    session = make_session()
    cancel_session(session, teacher)
    assert session.update_booking_status() == SessionStatus.CANCELLED
    assert not fresh(session).booking_open


# --- signals after the commit -------------------------------------------------------------------


def test_signals_wait_for_the_commit(
    make_session, make_students, django_capture_on_commit_callbacks
):
    session = make_session(total_seats=1, enable_waitlist=True)
    a, b = make_students(2)
    with captured() as got:
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            seat = book_group_session(session, a)
            place = book_group_session(session, b)
            assert got == []  # nothing before the commit
        assert len(callbacks) == 2
    assert [(sig, sender) for sig, sender, _ in got] == [
        (signals.group_booking_confirmed, Booking),
        (signals.group_booking_waitlisted, Booking),
    ]
    assert got[0][2] == {"booking": seat, "by": a}
    assert got[1][2] == {"booking": place, "by": b}


@pytest.mark.django_db(transaction=True)
def test_no_signal_for_a_rolled_back_booking(make_course, make_user, teacher, soon):
    course = make_course("group_session", teacher=teacher)
    student = make_user()
    from lms.models import Enrollment

    Enrollment.objects.create(course=course, student=student)
    session = create_session(
        course=course,
        teacher=teacher,
        title="t",
        starts_at=soon,
        ends_at=soon + timedelta(hours=1),
    )

    @transaction.atomic
    def failing_view() -> None:
        book_group_session(session, student)
        raise RuntimeError("the host's view failed later")

    with captured() as got:
        with pytest.raises(RuntimeError):
            failing_view()
        assert got == []
        assert not Booking.objects.exists()
        assert fresh(session).seats_taken == 0

        booking = book_group_session(session, student)
    assert got == [(signals.group_booking_confirmed, Booking, {"booking": booking, "by": student})]


def test_the_unique_constraint_backs_up_the_service(make_session, make_students):
    """A booking written around the services (say, by hand in the admin) is still respected."""
    session = make_session(total_seats=3)
    (a,) = make_students(1)
    # An "attended" booking on a future session is not a commitment the service looks for...
    Booking.objects.create(session=session, student=a, status="attended")
    before = snapshot(session)
    # ...but the database keeps one active booking per student: the seat taken on the way
    # is rolled back and the student hears "already booked".
    with pytest.raises(AlreadyBooked):
        book_group_session(session, a)
    assert snapshot(session) == before


def test_reschedule_a_waitlist_place_into_a_free_seat(make_session, make_students):
    old = make_session(total_seats=1, enable_waitlist=True)
    new = make_session(total_seats=1)
    a, b, c = make_students(3)
    book_group_session(old, a)
    waiting = book_group_session(old, b)
    behind = book_group_session(old, c)
    moved = reschedule_group_booking(waiting, new, b)
    assert (moved.status, moved.session.pk) == ("confirmed", new.pk)
    assert waiting.status == "cancelled"
    assert waitlist(old) == [(c.pk, 1)]
    assert Booking.objects.get(pk=behind.pk).waitlist_position == 1
    assert (fresh(old).seats_taken, fresh(new).seats_taken) == (1, 1)
    assert fresh(new).status == "booking_closed"
