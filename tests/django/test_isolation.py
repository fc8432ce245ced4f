"""Every invariant holds, and losers see only typed errors, at every PostgreSQL isolation level.

``scripts/test.sh`` runs this file and the other concurrency tests three times on PostgreSQL:
with tests.settings (READ COMMITTED), tests.settings_repeatable_read and
tests.settings_serializable. At REPEATABLE READ a lock taken inside the transaction came after
its snapshot, so one student got several lessons at one hour; at SERIALIZABLE losers got raw
``OperationalError``s. The racing tests here fail that way without ``services.isolation``.
"""

from __future__ import annotations

import itertools
from datetime import time, timedelta

import pytest
from django.db import DatabaseError, OperationalError, connection, transaction

from fluentory_bookings.contrib.django.models import Booking, LiveClassSession, OneOnOneBooking
from fluentory_bookings.contrib.django.models.one_on_one import ACTIVE_VALUES
from fluentory_bookings.contrib.django.services import (
    book_group_session,
    create_session,
    isolation,
    request_one_on_one,
    set_availability,
)
from fluentory_bookings.contrib.django.services.isolation import TryAgain, use_case
from fluentory_bookings.core.errors import BookingError
from tests.django.conftest import race
from tests.django.when import at, day

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.concurrency,
    pytest.mark.isolation,
]

ROUNDS = 3


def snapshot_isolation() -> bool:
    return isolation.is_snapshot_isolation("default")


def typed(results) -> list:
    """The successes; every failure must be a BookingError."""
    raw = [r for r in results if isinstance(r, BaseException) and not isinstance(r, BookingError)]
    assert raw == [], raw
    return [r for r in results if not isinstance(r, BaseException)]


def call(fn, args, kwargs):
    return fn(*args, **kwargs)


def one_time(teacher, course, d, hour: int):
    return set_availability(
        teacher,
        course=course,
        timezone="UTC",
        kind="one_time",
        start_date=d,
        start_time=time(hour),
        end_time=time(hour + 1),
    )


def student_timeline(student) -> list[tuple]:
    """Everything the student is in, as (start, end, what), sorted."""
    lessons = OneOnOneBooking.objects.filter(student=student, status__in=ACTIVE_VALUES)
    seats = Booking.objects.filter(student=student, status__in=["confirmed", "waitlisted"])
    return sorted(
        [(b.starts_at, b.ends_at, f"lesson {b.pk}") for b in lessons]
        + [(b.session.starts_at, b.session.ends_at, f"seat {b.pk}") for b in seats]
    )


def teacher_timeline(teacher) -> list[tuple]:
    lessons = OneOnOneBooking.objects.filter(teacher=teacher, status__in=ACTIVE_VALUES)
    sessions = LiveClassSession.objects.filter(teacher=teacher).exclude(status="cancelled")
    return sorted(
        [(b.starts_at, b.ends_at, f"lesson {b.pk}") for b in lessons]
        + [(s.starts_at, s.ends_at, f"session {s.pk}") for s in sessions]
    )


def assert_no_overlap(timeline: list[tuple]) -> None:
    for (_, end, a), (start, _, b) in itertools.pairwise(timeline):
        assert end <= start, f"{a} overlaps {b}: {timeline}"


def test_one_student_asks_six_teachers_for_the_same_hour(make_user, make_course, student):
    teachers = [make_user() for _ in range(6)]
    courses = [make_course("one_on_one", teacher=t, students=[student]) for t in teachers]
    for r in range(ROUNDS):
        d = day(3 + r)
        avs = [one_time(t, c, d, 9) for t, c in zip(teachers, courses, strict=True)]

        results = race(request_one_on_one, [(av, student, at(d, 9)) for av in avs])

        assert len(typed(results)) == 1
    assert OneOnOneBooking.objects.filter(status__in=ACTIVE_VALUES).count() == ROUNDS
    assert_no_overlap(student_timeline(student))


def test_a_seat_a_lesson_and_the_teachers_new_session_at_one_hour(make_user, make_course, student):
    """The student's seat and lesson collide; the lesson and the teacher's session collide."""
    host, tutor = make_user(), make_user()
    group = make_course("group_session", teacher=host, students=[student])
    tutor_group = make_course("group_session", teacher=tutor)
    lessons = make_course("one_on_one", teacher=tutor, students=[student])
    for r in range(ROUNDS):
        d = day(3 + r)
        seat_in = create_session(
            course=group,
            teacher=host,
            title="Group",
            starts_at=at(d, 9),
            ends_at=at(d, 10),
        )
        av = one_time(tutor, lessons, d, 9)
        new_session = {
            "course": tutor_group,
            "teacher": tutor,
            "title": "Tutor's group",
            "starts_at": at(d, 9),
            "ends_at": at(d, 10),
        }

        results = race(
            call,
            [
                (book_group_session, (seat_in, student), {}),
                (request_one_on_one, (av, student, at(d, 9)), {}),
                (create_session, (), new_session),
            ],
        )

        typed(results)
    assert_no_overlap(student_timeline(student))
    assert_no_overlap(teacher_timeline(tutor))


def test_many_students_for_few_seats(make_user, make_course, teacher, soon):
    students = [make_user() for _ in range(20)]
    course = make_course("group_session", teacher=teacher, students=students)
    session = create_session(
        course=course,
        teacher=teacher,
        title="Rush",
        starts_at=soon,
        ends_at=soon + timedelta(hours=1),
        total_seats=5,
        enable_waitlist=True,
    )

    results = race(book_group_session, [(session, s) for s in students])

    assert len(typed(results)) == 20  # a waitlist place is a success too
    session.refresh_from_db()
    confirmed = Booking.objects.filter(session=session, status="confirmed").count()
    assert session.seats_taken == confirmed == 5
    positions = sorted(
        Booking.objects.filter(session=session, status="waitlisted").values_list(
            "waitlist_position", flat=True
        )
    )
    assert positions == list(range(1, 16))


def test_inside_an_outer_transaction(make_course, teacher, student):
    course = make_course("one_on_one", teacher=teacher, students=[student])
    av = one_time(teacher, course, day(3), 9)

    if snapshot_isolation():
        # No lock can come before the caller's snapshot, and nothing can be retried.
        with pytest.raises(TryAgain) as exc, transaction.atomic():
            request_one_on_one(av, student, at(day(3), 9))
        assert exc.value.reason == "outer_transaction"
        assert OneOnOneBooking.objects.count() == 0
    else:
        with transaction.atomic():
            request_one_on_one(av, student, at(day(3), 9))
        assert OneOnOneBooking.objects.count() == 1


# --- the retry loop itself, forced on (PostgreSQL only: it takes advisory locks) ----------------


class SerializationFailure(Exception):
    sqlstate = "40001"


def failure() -> OperationalError:
    exc = OperationalError("could not serialize access due to concurrent update")
    exc.__cause__ = SerializationFailure()
    return exc


@pytest.fixture
def snapshot_mode(monkeypatch):
    monkeypatch.setattr(isolation, "is_snapshot_isolation", lambda alias: True)


@pytest.mark.postgres
def test_a_serialization_failure_is_retried_in_a_new_transaction(snapshot_mode, make_user):
    calls = []

    @use_case
    def flaky():
        with transaction.atomic():
            calls.append(make_user().pk)
            if len(calls) < 3:
                raise failure()
        return "done"

    assert flaky() == "done"
    assert len(calls) == 3
    # The two failed runs rolled back what they wrote.
    from django.contrib.auth import get_user_model

    assert list(get_user_model().objects.values_list("pk", flat=True)) == [calls[-1]]


@pytest.mark.postgres
def test_endless_serialization_failures_end_in_a_typed_error(snapshot_mode, make_user):
    calls = []

    @use_case
    def hopeless():
        with transaction.atomic():
            calls.append(make_user().pk)
            raise failure()

    with pytest.raises(TryAgain) as exc:
        hopeless()
    assert exc.value.reason == "contention"
    assert len(calls) == isolation.MAX_ATTEMPTS
    from django.contrib.auth import get_user_model

    assert get_user_model().objects.count() == 0


@pytest.mark.postgres
def test_other_database_errors_are_not_retried(snapshot_mode):
    calls = []

    @use_case
    def broken():
        calls.append(1)
        raise DatabaseError("something else")

    with pytest.raises(DatabaseError):
        broken()
    assert calls == [1]


def advisory_locks_held() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()"
        )
        return cursor.fetchone()[0]


def transaction_isolation() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('transaction_isolation')")
        return cursor.fetchone()[0]


@pytest.mark.postgres
def test_every_lock_and_setting_is_transaction_scoped(make_course, teacher, student):
    """Behind a transaction-pooling PgBouncer nothing may outlive the transaction: no
    session-level advisory lock (its unlock would run on another server connection) and no
    session-level SET. While the lesson is written the two people's locks are held and the
    transaction runs at READ COMMITTED; after it, no lock is left and the next transaction
    runs at the level the settings chose."""
    from django.db.models.signals import pre_save

    course = make_course("one_on_one", teacher=teacher, students=[student])
    av = one_time(teacher, course, day(3), 9)
    seen = []

    def inside(sender, **kwargs):
        seen.append((advisory_locks_held(), transaction_isolation()))

    pre_save.connect(inside, sender=OneOnOneBooking, weak=False)
    try:
        request_one_on_one(av, student, at(day(3), 9))
    finally:
        pre_save.disconnect(inside, sender=OneOnOneBooking)

    assert seen == [(2, "read committed")]
    # This connection's only: other test workers may hold theirs right now. scripts/test.sh
    # checks the whole server once a run has ended.
    assert advisory_locks_held() == 0
    with transaction.atomic():
        level = transaction_isolation()
    expected = {"REPEATABLE_READ": "repeatable read", "SERIALIZABLE": "serializable"}
    configured = getattr(connection.isolation_level, "name", None)
    assert level == expected.get(configured, "read committed")


@pytest.mark.postgres
def test_inside_read_committed_a_use_case_runs_in_the_caller_s_transaction(
    make_course, teacher, student
):
    course = make_course("one_on_one", teacher=teacher, students=[student])
    av = one_time(teacher, course, day(3), 9)
    with isolation.read_committed("default"):
        request_one_on_one(av, student, at(day(3), 9))
        assert transaction_isolation() == "read committed"
    assert OneOnOneBooking.objects.count() == 1


def test_the_admin_saves_through_the_services_at_this_level(client, make_user, make_course):
    """Django runs an admin POST in one transaction; ours step out of it, so that the service
    is the transaction and is not refused at the snapshot levels."""
    from django.urls import reverse

    from fluentory_bookings.contrib.django.models import TeacherAvailability

    teacher = make_user()
    course = make_course("one_on_one", teacher=teacher)
    client.force_login(make_user(is_staff=True, is_superuser=True))
    form = {
        "teacher": teacher.pk,
        "course": course.pk,
        "timezone": "Europe/Berlin",
        "kind": "weekly",
        "start_date": day(3).isoformat(),
        "start_time": "09:00",
        "end_time": "11:00",
        "weekdays": "[0]",
        "excluded_dates": "[]",
        "slot_minutes": "60",
        "buffer_before_minutes": "0",
        "buffer_after_minutes": "0",
        "is_active": "on",
    }

    response = client.post(reverse("admin:fluentory_bookings_teacheravailability_add"), form)

    assert response.status_code == 302, response.content[:3000]
    assert TeacherAvailability.objects.filter(teacher=teacher).count() == 1
