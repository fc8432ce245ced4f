"""Moving a session never double-books its students: the move is refused with a Conflict that
names them, and a racing booking at the new time loses one way or the other."""

from __future__ import annotations

from datetime import time, timedelta
from typing import Any

import pytest

from fluentory_bookings.contrib.django.models import Booking, LiveClassSession, OneOnOneBooking
from fluentory_bookings.contrib.django.services import (
    book_group_session,
    create_session,
    request_one_on_one,
    set_availability,
    update_session,
)
from fluentory_bookings.core.errors import BookingError, Conflict
from tests.django.conftest import race


@pytest.fixture
def course(make_course, teacher):
    return make_course("group_session", teacher=teacher)


@pytest.fixture
def new(course, teacher, soon):
    def make(hours_from_soon: int = 0, **kwargs: Any) -> LiveClassSession:
        start = soon + timedelta(hours=hours_from_soon)
        values: dict[str, Any] = {
            "course": course,
            "teacher": teacher,
            "title": "Grammar clinic",
            "starts_at": start,
            "ends_at": start + timedelta(hours=1),
            "total_seats": 1,
            "enable_waitlist": True,
        }
        values.update(kwargs)
        return create_session(**values)

    return make


@pytest.fixture
def other_lesson(make_user, make_course, soon):
    """Book ``student`` a 1:1 with a tutor of their own ``hours`` after ``soon``."""

    def book(student, hours: int) -> OneOnOneBooking:
        tutor = make_user()
        one = make_course("one_on_one", teacher=tutor)
        start = soon + timedelta(hours=hours)
        one.enrollments.get_or_create(student=student)
        availability = set_availability(
            tutor,
            course=one,
            timezone="UTC",
            kind="one_time",
            start_date=start.date(),
            start_time=start.time(),
            end_time=time(start.hour + 1) if start.hour < 23 else time(0),
        )
        [booking] = request_one_on_one(availability, student, start)
        return booking

    return book


def rows() -> tuple[Any, ...]:
    return (
        list(LiveClassSession.objects.order_by("pk").values()),
        list(Booking.objects.order_by("pk").values()),
    )


def move(session, hours: int):
    return update_session(
        session,
        session.teacher,
        starts_at=session.starts_at + timedelta(hours=hours),
        ends_at=session.ends_at + timedelta(hours=hours),
    )


pytestmark = pytest.mark.django_db


def test_a_move_onto_a_students_lesson_is_refused_and_names_them(
    new, make_user, enroll, course, other_lesson
):
    session = new()
    ana = make_user("ana")
    enroll(course, ana)
    book_group_session(session, ana)
    lesson = other_lesson(ana, 5)
    before = rows()
    with pytest.raises(Conflict) as exc:
        move(session, 5)
    assert rows() == before
    assert "ana" in str(exc.value)
    assert exc.value.students == [ana.pk]
    assert [(c.party, c.ref) for c in exc.value.conflicts] == [
        ("student", ("one_on_one", lesson.pk))
    ]
    assert exc.value.as_dict()["students"] == [ana.pk]


def test_waitlisted_students_count_and_every_clash_is_listed(
    new, make_user, enroll, course, other_lesson, make_course, soon
):
    session = new()
    ana, ben, cid = make_user("ana"), make_user("ben"), make_user("cid")
    enroll(course, ana, ben, cid)
    for s in (ana, ben, cid):
        book_group_session(session, s)  # ana holds the seat, ben and cid wait
    other_lesson(ana, 5)
    other_lesson(ben, 5)
    before = rows()
    with pytest.raises(Conflict) as exc:
        move(session, 5)
    assert rows() == before
    assert sorted(exc.value.students) == sorted([ana.pk, ben.pk])
    assert "ana" in exc.value.message
    assert "ben" in exc.value.message
    assert "cid" not in exc.value.message
    assert len(exc.value.conflicts) == 2


def test_a_seat_in_another_session_blocks_the_move_too(new, make_user, enroll, course, cohost):
    first, second = new(), new(5, teacher=cohost, total_seats=3)
    dan = make_user("dan")
    enroll(course, dan)
    book_group_session(first, dan)
    book_group_session(second, dan)
    with pytest.raises(Conflict) as exc:
        move(first, 5)
    assert exc.value.students == [dan.pk]


@pytest.fixture
def cohost(make_user, course):
    from lms.models import CourseTeacher

    user = make_user("cohost")
    CourseTeacher.objects.create(course=course, teacher=user)
    return user


def test_a_move_over_the_students_own_old_time_is_fine(new, make_user, enroll, course):
    session = new()
    eva = make_user("eva")
    enroll(course, eva)
    book_group_session(session, eva)
    moved = update_session(
        session,
        session.teacher,
        starts_at=session.starts_at + timedelta(minutes=30),
        ends_at=session.ends_at + timedelta(minutes=30),
    )
    assert moved.starts_at == session.starts_at


def test_a_move_to_a_free_time_keeps_the_bookings(new, make_user, enroll, course, other_lesson):
    session = new()
    fay = make_user("fay")
    enroll(course, fay)
    book_group_session(session, fay)
    other_lesson(fay, 5)
    moved = move(session, 8)
    assert moved.starts_at == session.starts_at
    assert Booking.objects.get(student=fay).status == "confirmed"


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_a_move_and_a_lesson_at_the_new_time_never_both_win(
    new, make_user, enroll, course, make_course, soon
):
    tutor = make_user("tutor")
    one = make_course("one_on_one", teacher=tutor)
    for round_ in range(4):
        session = new(round_ * 24)
        student = make_user()
        enroll(course, student)
        enroll(one, student)
        book_group_session(session, student)
        target = session.starts_at + timedelta(hours=5)
        availability = set_availability(
            tutor,
            course=one,
            timezone="UTC",
            kind="one_time",
            start_date=target.date(),
            start_time=target.time(),
            end_time=(target + timedelta(hours=1)).time(),
        )
        results = race(
            lambda fn, *args: fn(*args),
            [(move, session, 5), (request_one_on_one, availability, student, target)],
        )
        errors = [r for r in results if isinstance(r, BaseException)]
        assert len(errors) == 1, results
        assert isinstance(errors[0], BookingError), results
        session.refresh_from_db()
        moved = session.starts_at == target
        lessons = OneOnOneBooking.objects.filter(student=student, status="confirmed").count()
        assert moved + lessons == 1
