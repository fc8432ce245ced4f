"""A teacher's buffers hold across all of their availabilities, whatever the booking order.

Each existing 1:1 keeps the buffers of the availability it was booked through; a candidate slot
brings its own. A slot is refused exactly when the two padded spans meet, so the answer is the
same whichever lesson was booked first, in slot listings and in requests alike.
"""

from __future__ import annotations

from datetime import time

import pytest

from fluentory_bookings.contrib.django.models import OneOnOneBooking
from fluentory_bookings.contrib.django.services import (
    open_slots_for,
    request_one_on_one,
    set_availability,
)
from fluentory_bookings.core.errors import SlotUnavailable
from tests.django.when import at, day

pytestmark = pytest.mark.django_db


@pytest.fixture
def students(make_user):
    return make_user(), make_user()


@pytest.fixture
def course(make_course, teacher, students):
    return make_course("one_on_one", teacher=teacher, students=students)


def window(teacher, course, start: int, end: int, *, before: int = 0, after: int = 0):
    """A one-time UTC window three days ahead, cut into hour-long lessons."""
    return set_availability(
        teacher,
        course=course,
        timezone="UTC",
        kind="one_time",
        start_date=day(3),
        start_time=time(start),
        end_time=time(end),
        buffer_before_minutes=before,
        buffer_after_minutes=after,
    )


def starts(av) -> list[int]:
    return [s.start.hour for s in open_slots_for(av)]


def test_a_buffer_after_holds_against_a_lesson_booked_through_another_availability(
    teacher, course, students
):
    a = window(teacher, course, 9, 10, after=30)
    b = window(teacher, course, 10, 12)
    request_one_on_one(a, students[0], at(day(3), 9))

    assert starts(b) == [11]
    with pytest.raises(SlotUnavailable):
        request_one_on_one(b, students[1], at(day(3), 10))
    assert OneOnOneBooking.objects.count() == 1


def test_the_reverse_booking_order_gives_the_same_answer(teacher, course, students):
    a = window(teacher, course, 9, 10, after=30)
    b = window(teacher, course, 10, 12)
    request_one_on_one(b, students[1], at(day(3), 10))

    assert starts(a) == []
    with pytest.raises(SlotUnavailable):
        request_one_on_one(a, students[0], at(day(3), 9))
    assert OneOnOneBooking.objects.count() == 1


def test_a_candidate_keeps_only_its_own_buffers(teacher, course, students):
    # B has no buffers, so its 09:00 lesson may be followed at once by A's 10:00 lesson; A's
    # buffer comes after A's own lesson.
    b = window(teacher, course, 9, 10)
    a = window(teacher, course, 10, 12, after=30)
    request_one_on_one(b, students[0], at(day(3), 9))

    assert starts(a) == [10, 11]
    request_one_on_one(a, students[1], at(day(3), 10))
    assert OneOnOneBooking.objects.count() == 2


def test_a_candidates_buffer_before_keeps_it_off_the_previous_lesson(teacher, course, students):
    b = window(teacher, course, 9, 10)
    a = window(teacher, course, 10, 12, before=30)
    request_one_on_one(b, students[0], at(day(3), 9))

    assert starts(a) == [11]
    with pytest.raises(SlotUnavailable):
        request_one_on_one(a, students[1], at(day(3), 10))


def test_a_long_buffer_of_another_availability_reaches_far(teacher, course, students):
    # A's three-hour buffer after a 09:00 lesson covers B's whole window.
    a = window(teacher, course, 9, 10, after=180)
    b = window(teacher, course, 10, 13)
    request_one_on_one(a, students[0], at(day(3), 9))

    assert starts(b) == []
    with pytest.raises(SlotUnavailable):
        request_one_on_one(b, students[1], at(day(3), 12))
