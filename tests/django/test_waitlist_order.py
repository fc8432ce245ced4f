"""Promotion follows the order the waitlist shows (arrival under the session lock), whatever the
clocks of the workers that took the bookings say."""

from __future__ import annotations

import random
import threading
from datetime import timedelta

import pytest
from django.utils import timezone

from fluentory_bookings.contrib.django.models import Booking
from fluentory_bookings.contrib.django.services import (
    book_group_session,
    cancel_group_booking,
    create_session,
    update_session,
)
from lms.adapter import LmsBookingAdapter
from tests.django.conftest import race

pytestmark = pytest.mark.django_db(transaction=True)


class SkewedAdapter(LmsBookingAdapter):
    """Each thread (a worker) has its own clock error."""

    local = threading.local()

    def now(self):
        return super().now() + getattr(self.local, "skew", timedelta(0))


@pytest.fixture
def skewed(settings):
    settings.FLUENTORY_BOOKINGS_ADAPTER = "tests.django.test_waitlist_order.SkewedAdapter"
    yield SkewedAdapter.local
    SkewedAdapter.local.skew = timedelta(0)


@pytest.fixture
def session(make_course, teacher, soon):
    course = make_course("group_session", teacher=teacher)
    return create_session(
        course=course,
        teacher=teacher,
        title="Popular",
        starts_at=soon,
        ends_at=soon + timedelta(hours=1),
        total_seats=1,
        enable_waitlist=True,
    )


def promoted_in_order(session, teacher, n):
    """Add seats one at a time; return the students promoted, in order."""
    order = []
    for extra in range(1, n + 1):
        before = set(
            Booking.objects.filter(session=session, status="confirmed").values_list(
                "student_id", flat=True
            )
        )
        update_session(session, teacher, total_seats=1 + extra)
        after = set(
            Booking.objects.filter(session=session, status="confirmed").values_list(
                "student_id", flat=True
            )
        )
        [new] = after - before
        order.append(new)
    return order


def test_a_slow_clock_does_not_jump_the_line(session, teacher, make_user, enroll, skewed):
    holder, early, late = make_user(), make_user(), make_user()
    enroll(session.course, holder, early, late)
    seat = book_group_session(session, holder)
    skewed.skew = timedelta(milliseconds=50)  # this worker's clock runs ahead
    first = book_group_session(session, early)
    skewed.skew = timedelta(0)  # the next worker's clock is right: 50 ms "earlier"
    second = book_group_session(session, late)
    assert (first.waitlist_position, second.waitlist_position) == (1, 2)

    cancel_group_booking(seat, holder)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status, second.waitlist_position) == (
        "confirmed",
        "waitlisted",
        1,
    )


@pytest.mark.concurrency
def test_concurrent_joins_with_skewed_clocks_are_promoted_in_shown_order(
    session, teacher, make_user, enroll, skewed
):
    holder = make_user()
    waiting = [make_user() for _ in range(12)]
    enroll(session.course, holder, *waiting)
    book_group_session(session, holder)
    rng = random.Random(8)
    skews = [timedelta(milliseconds=rng.uniform(-50, 50)) for _ in waiting]

    def join(student, skew):
        SkewedAdapter.local.skew = skew
        booking = book_group_session(session, student)
        return booking.waitlist_position

    positions = race(join, list(zip(waiting, skews, strict=True)))
    assert sorted(positions) == list(range(1, len(waiting) + 1)), positions
    shown = [s.pk for _, s in sorted(zip(positions, waiting, strict=True), key=lambda p: p[0])]
    assert promoted_in_order(session, teacher, len(waiting)) == shown


def test_stored_join_times_never_go_back_in_line(session, make_user, enroll, skewed):
    users = [make_user() for _ in range(4)]
    enroll(session.course, *users)
    book_group_session(session, users[0])
    for i, user in enumerate(users[1:]):
        skewed.skew = timedelta(milliseconds=-30 * i)
        book_group_session(session, user)
    joined = list(
        Booking.objects.filter(session=session, status="waitlisted")
        .order_by("waitlist_position")
        .values_list("waitlist_joined_at", flat=True)
    )
    assert joined == sorted(joined)
    assert joined[0] <= timezone.now()
