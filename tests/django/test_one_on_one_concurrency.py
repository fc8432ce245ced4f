"""Real threads, each with its own database connection, racing for 1:1 slots.

The services lock people's schedules (PostgreSQL advisory locks; SQLite's IMMEDIATE write
lock), so whatever the interleaving, a teacher and a student are never in two active lessons at
once, and every loser gets a typed error.
"""

from __future__ import annotations

import itertools
import threading
from datetime import date, time, timedelta

import pytest
from django.db.models import Count
from django.utils import timezone

from fluentory_bookings.contrib.django import signals
from fluentory_bookings.contrib.django.models import OneOnOneBooking
from fluentory_bookings.contrib.django.models.one_on_one import ACTIVE_VALUES
from fluentory_bookings.contrib.django.services import (
    approve_one_on_one,
    cancel_one_on_one,
    expire_pending_requests,
    request_one_on_one,
    set_availability,
)
from fluentory_bookings.core.errors import BookingError
from tests.django.conftest import race
from tests.django.when import at, day

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.concurrency]


def publish(teacher, course, start: time, end: time, *, d: date | None = None):
    return set_availability(
        teacher,
        course=course,
        timezone="UTC",
        kind="one_time",
        start_date=d or day(3),
        start_time=start,
        end_time=end,
    )


def wins(results) -> list:
    unexpected = [
        r for r in results if isinstance(r, BaseException) and not isinstance(r, BookingError)
    ]
    assert unexpected == [], unexpected
    return [r for r in results if not isinstance(r, BaseException)]


def assert_no_overlaps(field: str) -> None:
    """No person (teacher or student, by ``field``) holds two overlapping active bookings."""
    rows = list(
        OneOnOneBooking.objects.filter(status__in=ACTIVE_VALUES)
        .order_by(field, "starts_at")
        .values_list(field, "starts_at", "ends_at")
    )
    for (p1, _, e1), (p2, s2, _) in itertools.pairwise(rows):
        assert p1 != p2 or e1 <= s2, rows


def test_twenty_students_one_slot(make_user, make_course, teacher):
    students = [make_user() for _ in range(20)]
    course = make_course("one_on_one", teacher=teacher, students=students)
    av = publish(teacher, course, time(9), time(10))

    results = race(lambda s: request_one_on_one(av, s, at(day(3), 9)), [(s,) for s in students])

    won = wins(results)
    assert len(won) == 1
    assert sum(isinstance(r, BookingError) for r in results) == 19
    assert OneOnOneBooking.objects.filter(status__in=ACTIVE_VALUES).count() == 1
    assert OneOnOneBooking.objects.count() == 1


def test_double_click_books_once(make_user, make_course, teacher, student):
    course = make_course("one_on_one", teacher=teacher, students=[student], approval=True)
    av = publish(teacher, course, time(9), time(10))

    results = race(lambda: request_one_on_one(av, student, at(day(3), 9)), [()] * 5)

    assert len(wins(results)) == 1
    assert OneOnOneBooking.objects.count() == 1


def test_overlapping_availabilities_of_one_teacher(make_user, make_course, teacher):
    a, b = make_user(), make_user()
    course = make_course("one_on_one", teacher=teacher, students=[a, b])
    for round_ in range(3):
        d = day(3 + round_)
        early = publish(teacher, course, time(9), time(10), d=d)
        late = publish(teacher, course, time(9, 30), time(10, 30), d=d)

        results = race(request_one_on_one, [(early, a, at(d, 9)), (late, b, at(d, 9, 30))])

        assert len(wins(results)) <= 1
        assert len(wins(results)) + sum(isinstance(r, BookingError) for r in results) == 2
    assert_no_overlaps("teacher")


def test_one_student_two_teachers_at_once(make_user, make_course, student):
    t1, t2 = make_user(), make_user()
    c1 = make_course("one_on_one", teacher=t1, students=[student])
    c2 = make_course("one_on_one", teacher=t2, students=[student])
    for round_ in range(3):
        d = day(3 + round_)
        a1 = publish(t1, c1, time(9), time(10), d=d)
        a2 = publish(t2, c2, time(9, 30), time(10, 30), d=d)

        results = race(request_one_on_one, [(a1, student, at(d, 9)), (a2, student, at(d, 9, 30))])

        assert len(wins(results)) <= 1
    assert_no_overlaps("student")


def test_series_against_single_bookings(make_user, make_course, teacher):
    """A weekly series and single requests for its weeks: never two lessons in one slot."""
    students = [make_user() for _ in range(5)]
    course = make_course("one_on_one", teacher=teacher, students=students)
    first = day(3)
    av = set_availability(
        teacher,
        course=course,
        timezone="UTC",
        kind="weekly",
        start_date=first,
        weekdays=[first.weekday()],
        start_time=time(9),
        end_time=time(10),
    )
    args = [(av, students[0], at(first, 9), 4)]
    args += [(av, s, at(first + timedelta(days=7 * w), 9), 1) for w, s in enumerate(students[1:])]

    results = race(lambda *a: request_one_on_one(*a[:3], weeks=a[3]), args)

    won = wins(results)
    assert won, results
    if isinstance(results[0], list):
        assert len(won) == 1  # the series took every week
    per_slot = (
        OneOnOneBooking.objects.filter(status__in=ACTIVE_VALUES)
        .values("starts_at")
        .annotate(n=Count("pk"))
    )
    assert all(row["n"] == 1 for row in per_slot)


def test_approve_and_cancel_race(make_user, make_course, teacher, student):
    course = make_course("one_on_one", teacher=teacher, students=[student], approval=True)
    av = publish(teacher, course, time(9), time(10))
    [booking] = request_one_on_one(av, student, at(day(3), 9))

    results = race(
        lambda fn, who: fn(booking, who),
        [(approve_one_on_one, teacher), (cancel_one_on_one, student)],
    )

    booking.refresh_from_db()
    # Approve then cancel both succeed; cancel first leaves nothing to approve.
    assert booking.status == "cancelled"
    assert isinstance(results[1], list)
    assert results[0].__class__.__name__ in ("OneOnOneBooking", "InvalidTransition")


def test_two_expiry_workers_expire_each_request_once(make_user, make_course, teacher):
    students = [make_user() for _ in range(12)]
    course = make_course("one_on_one", teacher=teacher, students=students, approval=True)
    av = publish(teacher, course, time(0), time(12))
    for hour, s in enumerate(students):
        request_one_on_one(av, s, at(day(3), hour))
    later = timezone.now() + timedelta(days=30)
    seen: list[int] = []
    guard = threading.Lock()

    def on_expired(sender, booking, by, **kwargs):
        with guard:
            seen.append(booking.pk)

    signals.one_on_one_expired.connect(on_expired, weak=False)
    try:
        results = race(expire_pending_requests, [(later,)] * 4)
    finally:
        signals.one_on_one_expired.disconnect(on_expired)

    assert all(isinstance(r, int) for r in results), results
    assert sum(results) == 12
    assert sorted(seen) == sorted(set(seen))
    assert len(seen) == 12
    assert OneOnOneBooking.objects.filter(status="expired").count() == 12
