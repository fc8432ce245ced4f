"""Many students at once: real threads, each with its own database connection.

These run on SQLite (writers serialised by ``transaction_mode = "IMMEDIATE"``) and on
PostgreSQL (row locks and advisory locks), and must hold on both.
"""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest

from fluentory_bookings.contrib.django import signals
from fluentory_bookings.contrib.django.models import Booking, LiveClassSession
from fluentory_bookings.contrib.django.services import (
    book_group_session,
    cancel_group_booking,
    create_session,
)
from fluentory_bookings.core.errors import AlreadyBooked, SessionFull
from tests.django.conftest import race

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.concurrency]


@pytest.fixture
def setup(make_course, make_user, teacher, soon):
    """A group course with ``n`` enrolled students and one session."""

    def make(n: int, *, seats: int = 10, waitlist: bool = True):
        students = [make_user() for _ in range(n)]
        course = make_course("group_session", teacher=teacher, students=students)
        session = create_session(
            course=course,
            teacher=teacher,
            title="Rush hour",
            starts_at=soon,
            ends_at=soon + timedelta(hours=1),
            total_seats=seats,
            enable_waitlist=waitlist,
        )
        return session, students

    return make


class Recorder:
    """Counts signals sent from any thread."""

    def __init__(self, *sigs: Any) -> None:
        self.sigs = sigs
        self.got: list[tuple[Any, dict[str, Any]]] = []
        self._lock = threading.Lock()

    def __call__(self, signal: Any, sender: type, **kwargs: Any) -> None:
        with self._lock:
            self.got.append((signal, kwargs))

    def __enter__(self) -> Recorder:
        for s in self.sigs:
            s.connect(self, weak=False, dispatch_uid=f"recorder-{id(self)}")
        return self

    def __exit__(self, *exc: object) -> None:
        for s in self.sigs:
            s.disconnect(dispatch_uid=f"recorder-{id(self)}")

    def of(self, signal: Any) -> list[dict[str, Any]]:
        return [kw for sig, kw in self.got if sig is signal]


def fifo_waitlist(session: LiveClassSession) -> list[tuple[int, int]]:
    """(booking pk, stored position) of everyone waiting, in first-come-first-served order."""
    return list(
        Booking.objects.filter(session=session, status="waitlisted")
        .order_by("waitlist_joined_at", "pk")
        .values_list("pk", "waitlist_position")
    )


def check_invariants(session: LiveClassSession) -> LiveClassSession:
    s = LiveClassSession.objects.get(pk=session.pk)
    holding = Booking.objects.filter(
        session=s, status__in=["confirmed", "attended", "no_show"]
    ).count()
    assert s.seats_taken == holding <= s.total_seats
    waiting = fifo_waitlist(s)
    assert [pos for _, pos in waiting] == list(range(1, len(waiting) + 1))
    students = list(
        Booking.objects.exclude(status="cancelled")
        .filter(session=s)
        .values_list("student_id", flat=True)
    )
    assert len(students) == len(set(students))
    return s


def test_fifty_students_book_ten_seats_with_a_waitlist(setup):
    session, students = setup(50)
    with Recorder(signals.group_booking_confirmed, signals.group_booking_waitlisted) as rec:
        results = race(book_group_session, [(session, s) for s in students])

    assert [r for r in results if isinstance(r, BaseException)] == []
    statuses = [r.status for r in results]
    assert statuses.count("confirmed") == 10
    assert statuses.count("waitlisted") == 40
    s = check_invariants(session)
    assert (s.seats_taken, s.status) == (10, "scheduled")
    assert sorted(r.waitlist_position for r in results if r.status == "waitlisted") == list(
        range(1, 41)
    )
    assert len(rec.of(signals.group_booking_confirmed)) == 10
    assert len(rec.of(signals.group_booking_waitlisted)) == 40


def test_concurrent_cancellations_promote_exactly_the_earliest_waiting(setup):
    session, students = setup(50)
    bookings = [book_group_session(session, s) for s in students]
    confirmed = [b for b in bookings if b.status == "confirmed"]
    line = [pk for pk, _ in fifo_waitlist(session)]
    assert len(confirmed) == 10
    assert len(line) == 40
    k = 6

    with Recorder(signals.group_booking_promoted, signals.group_booking_cancelled) as rec:
        results = race(cancel_group_booking, [(b, b.student) for b in confirmed[:k]])

    assert [r.status for r in results] == ["cancelled"] * k
    promoted = set(
        Booking.objects.filter(pk__in=line, status="confirmed").values_list("pk", flat=True)
    )
    assert promoted == set(line[:k])
    assert sorted(kw["booking"].pk for kw in rec.of(signals.group_booking_promoted)) == sorted(
        line[:k]
    )
    assert len(rec.of(signals.group_booking_cancelled)) == k
    s = check_invariants(session)
    assert s.seats_taken == 10
    # Everyone still waiting moved up by k, in the same order.
    assert fifo_waitlist(session) == [(pk, i) for i, pk in enumerate(line[k:], start=1)]


def test_fifty_students_book_ten_seats_without_a_waitlist(setup):
    session, students = setup(50, waitlist=False)
    results = race(book_group_session, [(session, s) for s in students])

    booked = [r for r in results if isinstance(r, Booking)]
    refused = [r for r in results if isinstance(r, SessionFull)]
    assert len(booked) == 10
    assert len(refused) == 40
    assert all(b.status == "confirmed" for b in booked)
    s = check_invariants(session)
    assert (s.seats_taken, s.status, s.booking_open) == (10, "booking_closed", False)
    assert Booking.objects.filter(session=s).count() == 10


def test_a_student_clicking_book_many_times_gets_one_booking(setup):
    session, (student,) = setup(1, seats=3)
    results = race(book_group_session, [(session, student)] * 8)

    booked = [r for r in results if isinstance(r, Booking)]
    assert len(booked) == 1
    assert all(isinstance(r, AlreadyBooked) for r in results if r is not booked[0])
    assert Booking.objects.filter(session=session).count() == 1
    assert check_invariants(session).seats_taken == 1


def test_bookings_and_cancellations_interleaved(setup, make_user, enroll):
    session, students = setup(20, seats=10)
    bookings = [book_group_session(session, s) for s in students]
    newcomers = [make_user() for _ in range(10)]
    enroll(session.course, *newcomers)
    leaving = [b for b in bookings if b.status == "confirmed"][:5]
    quitting = [b for b in bookings if b.status == "waitlisted"][:5]

    def act(kind: str, obj: Any, who: Any) -> Any:
        if kind == "book":
            return book_group_session(obj, who)
        return cancel_group_booking(obj, who)

    calls = [("book", session, u) for u in newcomers]
    calls += [("cancel", b, b.student) for b in leaving + quitting]
    results = race(act, calls)

    assert [r for r in results if isinstance(r, BaseException)] == []
    s = check_invariants(session)
    # 10 seats, 20 + 10 students, 10 gone: 10 hold seats and 10 wait.
    assert s.seats_taken == 10
    assert len(fifo_waitlist(session)) == 10
