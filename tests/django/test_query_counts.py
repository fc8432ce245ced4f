"""Round trips of the hot services, pinned: each statement here is one the use case needs.

The statements are counted without the test's savepoints and without PostgreSQL's advisory
locks (one per person whose schedule is read), which differ by database, not by use case.
"""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fluentory_bookings.contrib.django.models import (
    Booking,
    LiveClassSession,
    OneOnOneBooking,
    TeacherAvailability,
)
from fluentory_bookings.contrib.django.services import (
    approve_one_on_one,
    book_group_session,
    create_session,
    open_slots_for,
    request_one_on_one,
    set_availability,
)
from tests.django.when import at, day

pytestmark = pytest.mark.django_db


def statements(ctx: CaptureQueriesContext) -> list[str]:
    skip = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT", "BEGIN", "COMMIT")
    return [
        q["sql"]
        for q in ctx.captured_queries
        if not q["sql"].startswith(skip) and "pg_advisory_xact_lock" not in q["sql"]
    ]


def reading(sqls: list[str], table: str) -> list[str]:
    return [s for s in sqls if s.startswith("SELECT") and f'FROM "{table}"' in s]


@pytest.fixture
def one_course(make_course, teacher, student):
    return make_course("one_on_one", teacher=teacher, students=[student], approval=True)


@pytest.fixture
def availability(teacher, one_course):
    return set_availability(
        teacher,
        course=one_course,
        timezone="UTC",
        kind="one_time",
        start_date=day(3),
        start_time=time(9),
        end_time=time(12),
    )


def test_a_request_reads_the_teacher_link_once_and_everyone_s_schedule_at_once(
    availability, student
):
    fresh = TeacherAvailability.objects.get(pk=availability.pk)
    with CaptureQueriesContext(connection) as ctx:
        [booking] = request_one_on_one(fresh, student, at(day(3), 9))
    sqls = statements(ctx)
    assert booking.status == "pending"
    assert len(reading(sqls, "lms_courseteacher")) == 1
    # Commitments of the student and of the teacher: one statement for both.
    assert len([s for s in sqls if "'one_on_one'" in s]) == 1
    # Availability (with its teacher and course), teacher link, enrolment, repeat check,
    # commitments, the student's requests waiting for this teacher (MAX_PENDING_PER_TEACHER),
    # insert.
    assert len(sqls) == 7, sqls
    assert not reading(sqls, "auth_user")
    assert not reading(sqls, "lms_course")


def test_approving_compares_ids_and_loads_no_user(availability, student, teacher):
    [booking] = request_one_on_one(availability, student, at(day(3), 9))
    stale = OneOnOneBooking.objects.get(pk=booking.pk)
    with CaptureQueriesContext(connection) as ctx:
        approve_one_on_one(stale, teacher)
    sqls = statements(ctx)
    assert not reading(sqls, "auth_user"), sqls
    # The booking, locked; its course and the approver's course/teacher row (a teacher's power
    # follows the LMS at the time of the request: services/teaching.py); its update; then one
    # INSERT for all its reminders (the course, asked for its offsets, is read already).
    assert len(sqls) == 5, sqls
    assert len(reading(sqls, "lms_course")) == 1
    assert sum(s.startswith("INSERT") for s in sqls) == 1
    assert OneOnOneBooking.objects.get(pk=booking.pk).status == "confirmed"
    assert booking.reminders.count() == 2


def test_open_slots_read_only_the_teacher_s_commitments(availability):
    fresh = TeacherAvailability.objects.get(pk=availability.pk)
    with CaptureQueriesContext(connection) as ctx:
        slots = open_slots_for(fresh)
    assert len(slots) == 3
    sqls = statements(ctx)
    assert len(sqls) == 1, sqls
    assert "'one_on_one'" in sqls[0]


def test_bookings_are_ordered_without_joining_their_sessions():
    sql = str(Booking.objects.all().query)
    assert "JOIN" not in sql
    assert "ORDER BY" in sql


@pytest.fixture
def group_setup(make_course, make_user, teacher, soon):
    students = [make_user() for _ in range(3)]
    course = make_course("group_session", teacher=teacher, students=students)
    session = create_session(
        course=course,
        teacher=teacher,
        title="Busy",
        starts_at=soon,
        ends_at=soon + timedelta(hours=1),
        total_seats=10,
    )
    return session, students


def test_booking_a_spare_seat_writes_once_on_postgresql_and_twice_elsewhere(group_setup):
    session, students = group_setup
    fresh = LiveClassSession.objects.get(pk=session.pk)
    with CaptureQueriesContext(connection) as ctx:
        booking = book_group_session(fresh, students[0])
    sqls = statements(ctx)
    writes = [s for s in sqls if not s.startswith("SELECT")]
    # Then the booking's reminders, all in one INSERT (the course is already loaded).
    reminders = writes.pop()
    assert reminders.startswith("INSERT")
    assert '"fluentory_bookings_bookingreminder"' in reminders
    if connection.vendor == "postgresql":
        # The seat and the booking in one statement: the session row is locked only for it.
        assert len(writes) == 1, writes
        assert "UPDATE" in writes[0]
        assert "INSERT" in writes[0]
    else:
        assert [w.split()[0] for w in writes] == ["UPDATE", "INSERT"], writes
    # The session with its course, the enrolment, the student's commitments.
    assert len([s for s in sqls if s.startswith("SELECT")]) == 3, sqls
    assert booking.status == "confirmed"
    assert LiveClassSession.objects.get(pk=session.pk).seats_taken == 1
    assert list(Booking.objects.filter(session=session).values_list("student_id", flat=True)) == [
        students[0].pk
    ]


def test_a_spare_seat_that_is_gone_writes_nothing_on_the_fast_path(group_setup, teacher):
    """The fast path's premises no longer hold (the session moved): no seat, no row; the locked
    path then decides on the fresh row."""
    session, students = group_setup
    stale = LiveClassSession.objects.get(pk=session.pk)
    LiveClassSession.objects.filter(pk=session.pk).update(
        starts_at=stale.starts_at + timedelta(hours=3), ends_at=stale.ends_at + timedelta(hours=3)
    )
    booking = book_group_session(stale, students[1])
    assert booking.status == "confirmed"
    assert Booking.objects.filter(session=session).count() == 1
    assert LiveClassSession.objects.get(pk=session.pk).seats_taken == 1
