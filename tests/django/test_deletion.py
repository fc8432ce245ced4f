"""Every way a row can be deleted keeps seats, waitlists and signals right, or is refused.

Deleting a student's booking (alone, in a queryset, with the student's account) is cancelling
it and removing the row; a session, teacher or course that students still count on is refused
with ``ProtectedError`` and nothing changes; history never blocks a deletion.
"""

from __future__ import annotations

import random
import time as clock
from datetime import time, timedelta
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db.models import ProtectedError
from django.urls import reverse
from django.utils import timezone

from fluentory_bookings.contrib.django.models import (
    Booking,
    BookingReminder,
    LiveClassSession,
    OneOnOneBooking,
    TeacherAvailability,
)
from fluentory_bookings.contrib.django.services import (
    book_group_session,
    cancel_one_on_one,
    cancel_session,
    create_session,
    mark_attendance,
    open_slots_for,
    request_one_on_one,
    set_availability,
)
from lms.models import Course
from tests.django.when import at, day

pytestmark = pytest.mark.django_db


@pytest.fixture
def students(make_user, group, enroll):
    users = [make_user() for _ in range(4)]
    enroll(group, *users)
    return users


@pytest.fixture
def full_session(group, teacher, soon, students):
    """Two seats taken by students 0 and 1; students 2 and 3 wait, in that order."""
    session = create_session(
        course=group,
        teacher=teacher,
        title="Debate",
        starts_at=soon,
        ends_at=soon + timedelta(hours=1),
        total_seats=2,
        enable_waitlist=True,
    )
    for s in students:
        book_group_session(session, s)
    return session


def state(session: LiveClassSession) -> tuple[Any, ...]:
    s = LiveClassSession.objects.get(pk=session.pk)
    rows = Booking.objects.filter(session=session).order_by("student_id")
    return (
        s.seats_taken,
        s.status,
        [(b.student_id, b.status, b.waitlist_position) for b in rows],
    )


def everything() -> tuple[Any, ...]:
    """Every row a refused deletion must leave as it was."""
    return (
        list(LiveClassSession.objects.order_by("pk").values()),
        list(Booking.objects.order_by("pk").values()),
        list(OneOnOneBooking.objects.order_by("pk").values()),
        list(TeacherAvailability.objects.order_by("pk").values_list("pk", flat=True)),
        list(get_user_model().objects.order_by("pk").values_list("pk", flat=True)),
        list(Course.objects.order_by("pk").values_list("pk", flat=True)),
    )


def seat_of(session, student) -> Booking:
    return Booking.objects.get(session=session, student=student)


# --- a student's bookings go with the student ----------------------------------------------------


DELETE_SEAT_HOLDER = {
    "the user": lambda session, user: user.delete(),
    "the booking": lambda session, user: seat_of(session, user).delete(),
    "a queryset": lambda session, user: Booking.objects.filter(student=user).delete(),
}


@pytest.mark.parametrize("how", DELETE_SEAT_HOLDER)
def test_deleting_a_seat_frees_it_for_the_first_waiting_student(full_session, students, sent, how):
    first, _second, third, fourth = students
    gone = seat_of(full_session, first).pk
    with sent() as got:
        DELETE_SEAT_HOLDER[how](full_session, first)
    assert state(full_session)[0] == 2  # the freed seat went to the first in line
    assert seat_of(full_session, third).status == "confirmed"
    assert [
        (b.student_id, b.waitlist_position)
        for b in Booking.objects.filter(session=full_session, status="waitlisted")
    ] == [(fourth.pk, 1)]
    promoted = seat_of(full_session, third).pk
    assert got == [
        ("group_booking_cancelled", gone, None),
        ("group_booking_promoted", promoted, None),
    ]
    assert not Booking.objects.filter(pk=gone).exists()


def test_deleting_a_waitlisted_student_closes_the_gap(full_session, students, sent):
    _first, _second, third, fourth = students
    with sent() as got:
        third.delete()
    assert state(full_session)[0] == 2
    assert seat_of(full_session, fourth).waitlist_position == 1
    assert [name for name, *_ in got] == ["group_booking_cancelled"]


def test_deleting_two_seat_holders_at_once_promotes_two(full_session, students, sent):
    first, second, third, fourth = students
    with sent() as got:
        get_user_model().objects.filter(pk__in=[first.pk, second.pk]).delete()
    taken, _status, rows = state(full_session)
    assert taken == 2
    assert sorted(rows) == sorted([(third.pk, "confirmed", None), (fourth.pk, "confirmed", None)])
    assert sorted(name for name, *_ in got) == [
        "group_booking_cancelled",
        "group_booking_cancelled",
        "group_booking_promoted",
        "group_booking_promoted",
    ]


def test_deleting_a_seat_holder_and_the_next_in_line_together_tells_only_who_stays(
    full_session, students, sent
):
    first, second, third, fourth = students
    with sent() as got:
        get_user_model().objects.filter(pk__in=[first.pk, third.pk]).delete()
    taken, _, rows = state(full_session)
    assert taken == 2
    assert rows == [(second.pk, "confirmed", None), (fourth.pk, "confirmed", None)]
    promoted = [pk for name, pk, _ in got if name == "group_booking_promoted"]
    assert promoted == [seat_of(full_session, fourth).pk]  # never the deleted student's


def test_seat_in_a_session_that_has_started_leaves_the_counter_and_promotes_nobody(
    full_session, students, sent, clock
):
    first, second, _third, _fourth = students
    clock(full_session.starts_at + timedelta(minutes=10))
    mark_attendance(seat_of(full_session, first), True, full_session.teacher)
    with sent() as got:
        first.delete()
        second.delete()
    taken, _, rows = state(full_session)
    assert taken == 0
    assert [status for _, status, _ in rows] == ["waitlisted", "waitlisted"]
    assert got == []


def test_deleting_a_seat_takes_its_reminders_along(full_session, students):
    seat = seat_of(full_session, students[0])
    BookingReminder.objects.create(group_booking=seat, remind_at=full_session.starts_at)
    students[0].delete()
    assert not BookingReminder.objects.filter(group_booking_id=seat.pk).exists()
    # Whoever the freed seat went to (a waitlisted student, if any) has reminders of their own.
    others = BookingReminder.objects.exclude(group_booking__status="confirmed")
    assert not others.exists()


# --- sessions, teachers and courses that students count on are refused ---------------------------


DELETE_SESSION = {
    "the session": lambda s: s.delete(),
    "a queryset": lambda s: LiveClassSession.objects.filter(pk=s.pk).delete(),
    "its course": lambda s: s.course.delete(),
    "its teacher": lambda s: s.teacher.delete(),
}


@pytest.mark.parametrize("how", DELETE_SESSION)
def test_an_upcoming_session_with_bookings_cannot_be_deleted(full_session, sent, how):
    before = everything()
    with sent() as got, pytest.raises(ProtectedError) as exc:
        DELETE_SESSION[how](full_session)
    assert everything() == before
    assert got == []
    assert {b.session_id for b in exc.value.protected_objects} == {full_session.pk}


@pytest.mark.parametrize("how", DELETE_SESSION)
def test_a_cancelled_session_can_be_deleted_silently(full_session, teacher, sent, how):
    cancel_session(full_session, teacher)
    with sent() as got:
        DELETE_SESSION[how](full_session)
    assert not LiveClassSession.objects.filter(pk=full_session.pk).exists()
    assert not Booking.objects.exists()
    assert got == []


@pytest.mark.parametrize("how", DELETE_SESSION)
def test_a_past_session_can_be_deleted_with_its_history(full_session, sent, clock, how):
    clock(full_session.ends_at + timedelta(days=1))
    with sent() as got:
        DELETE_SESSION[how](full_session)
    assert not LiveClassSession.objects.filter(pk=full_session.pk).exists()
    assert not Booking.objects.exists()
    assert got == []


def test_an_upcoming_session_without_active_bookings_can_be_deleted(group, teacher, soon, sent):
    session = create_session(
        course=group,
        teacher=teacher,
        title="Empty",
        starts_at=soon,
        ends_at=soon + timedelta(hours=1),
    )
    with sent() as got:
        session.delete()
    assert not LiveClassSession.objects.exists()
    assert got == []


# --- the admin ----------------------------------------------------------------------------------


@pytest.fixture
def admin_client(client, make_user):
    client.force_login(make_user("root", is_staff=True, is_superuser=True))
    return client


@pytest.mark.parametrize("model", ["booking", "oneononebooking"])
def test_booking_admins_offer_no_bulk_deletion(admin_client, full_session, lesson, model):
    changelist = admin_client.get(reverse(f"admin:fluentory_bookings_{model}_changelist"))
    assert changelist.status_code == 200
    assert "delete_selected" not in changelist.content.decode()
    before = everything()
    rows = Booking if model == "booking" else OneOnOneBooking
    admin_client.post(
        reverse(f"admin:fluentory_bookings_{model}_changelist"),
        {
            "action": "delete_selected",
            "_selected_action": [b.pk for b in rows.objects.all()],
            "post": "yes",
        },
    )
    assert everything() == before


def test_deleting_one_booking_from_its_admin_page_releases_its_seat(
    admin_client, full_session, students, sent
):
    seat = seat_of(full_session, students[0])
    url = reverse("admin:fluentory_bookings_booking_delete", args=[seat.pk])
    with sent() as got:
        assert admin_client.post(url, {"post": "yes"}).status_code == 302
    assert seat_of(full_session, students[2]).status == "confirmed"
    assert [name for name, *_ in got] == ["group_booking_cancelled", "group_booking_promoted"]


def test_deleting_a_student_account_in_the_admin_releases_the_seat(
    admin_client, full_session, students
):
    url = reverse("admin:auth_user_delete", args=[students[0].pk])
    assert admin_client.post(url, {"post": "yes"}).status_code == 302
    assert not get_user_model().objects.filter(pk=students[0].pk).exists()
    assert seat_of(full_session, students[2]).status == "confirmed"
    assert state(full_session)[0] == 2


def test_session_admin_shows_an_upcoming_booked_session_as_protected(admin_client, full_session):
    url = reverse("admin:fluentory_bookings_liveclasssession_delete", args=[full_session.pk])
    page = admin_client.get(url).content.decode()
    assert "cannot delete live class session" in page.lower()
    before = everything()
    admin_client.post(url, {"post": "yes"})
    assert everything() == before


def test_session_admin_deletes_a_cancelled_session(admin_client, full_session, teacher):
    cancel_session(full_session, teacher)
    url = reverse("admin:fluentory_bookings_liveclasssession_delete", args=[full_session.pk])
    assert admin_client.post(url, {"post": "yes"}).status_code == 302
    assert not LiveClassSession.objects.exists()


# --- 1:1: history never blocks, an upcoming lesson does -----------------------------------------


@pytest.fixture
def one_course(make_course, teacher, student):
    return make_course("one_on_one", teacher=teacher, students=[student])


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


@pytest.fixture
def lesson(availability, student):
    [booking] = request_one_on_one(availability, student, at(day(3), 9))
    return booking


DELETE_TEACHING = {
    "the teacher": lambda lesson: lesson.teacher.delete(),
    "the course": lambda lesson: lesson.course.delete(),
}


@pytest.mark.parametrize("how", DELETE_TEACHING)
def test_a_teacher_or_course_with_only_cancelled_lessons_can_be_deleted(lesson, student, how):
    cancel_one_on_one(lesson, student)
    DELETE_TEACHING[how](lesson)
    assert not OneOnOneBooking.objects.exists()


@pytest.mark.parametrize("how", DELETE_TEACHING)
def test_a_teacher_or_course_with_past_lessons_can_be_deleted(lesson, clock, how):
    clock(lesson.ends_at + timedelta(days=1))
    DELETE_TEACHING[how](lesson)
    assert not OneOnOneBooking.objects.exists()


@pytest.mark.parametrize("how", DELETE_TEACHING)
def test_a_teacher_or_course_with_an_upcoming_lesson_is_refused(lesson, sent, how):
    before = everything()
    with sent() as got, pytest.raises(ProtectedError) as exc:
        DELETE_TEACHING[how](lesson)
    assert everything() == before
    assert got == []
    assert [b.pk for b in exc.value.protected_objects] == [lesson.pk]


def test_a_request_past_its_expiry_no_longer_protects(lesson, one_course, teacher, clock):
    OneOnOneBooking.objects.filter(pk=lesson.pk).update(
        status="pending", expires_at=timezone.now() + timedelta(hours=1)
    )
    clock(timezone.now() + timedelta(hours=2))
    teacher.delete()
    assert not OneOnOneBooking.objects.exists()


def test_deleting_an_availability_keeps_its_lessons(lesson, availability):
    availability.delete()
    lesson.refresh_from_db()
    assert lesson.availability_slot is None
    assert lesson.status == "confirmed"


def test_deleting_a_student_with_an_upcoming_lesson_tells_the_teacher_and_frees_the_slot(
    lesson, availability, student, sent
):
    assert lesson.starts_at not in [s.start for s in open_slots_for(availability)]
    with sent() as got:
        student.delete()
    assert got == [("one_on_one_cancelled", lesson.pk, None)]
    assert lesson.starts_at in [s.start for s in open_slots_for(availability)]


def test_deleting_a_past_lesson_sends_nothing(lesson, clock, sent):
    clock(lesson.ends_at + timedelta(hours=1))
    with sent() as got:
        OneOnOneBooking.objects.all().delete()
    assert got == []


# --- under contention -----------------------------------------------------------------------


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_accounts_deleted_while_others_book_and_cancel_keep_the_session_consistent(
    group, teacher, soon, make_user, enroll
):
    from fluentory_bookings.contrib.django.services import TryAgain, cancel_group_booking
    from fluentory_bookings.contrib.django.services.isolation import is_snapshot_isolation
    from tests.django.conftest import race

    session = create_session(
        course=group,
        teacher=teacher,
        title="Busy",
        starts_at=soon,
        ends_at=soon + timedelta(hours=1),
        total_seats=4,
        enable_waitlist=True,
    )
    holders = [make_user() for _ in range(4)]
    waiting = [make_user() for _ in range(3)]
    newcomers = [make_user() for _ in range(4)]
    enroll(group, *holders, *waiting, *newcomers)
    for s in holders + waiting:
        book_group_session(session, s)

    def delete_account(user):
        # At REPEATABLE READ or SERIALIZABLE a deletion that races a booking is refused with a
        # typed TryAgain (Django's deletion is the caller's transaction, so the caller retries);
        # at READ COMMITTED and on SQLite it never is.
        for attempt in range(50):
            try:
                get_user_model().objects.filter(pk=user.pk).delete()
            except TryAgain:
                assert is_snapshot_isolation("default")
                clock.sleep(random.uniform(0, 0.01 * attempt))  # back off, as a caller would
                continue
            return
        raise AssertionError("deletion never got through")

    def cancel(user):
        cancel_group_booking(Booking.objects.get(session=session, student=user), user)

    calls = [
        (delete_account, holders[0]),
        (delete_account, holders[1]),
        (delete_account, waiting[0]),
    ]
    calls += [(cancel, holders[2])]
    calls += [(book_group_session, session, s) for s in newcomers]
    results = race(lambda fn, *args: fn(*args), calls)
    assert not [r for r in results if isinstance(r, BaseException)], results

    s = LiveClassSession.objects.get(pk=session.pk)
    rows = Booking.objects.filter(session=session)
    holding = rows.filter(status="confirmed").count()
    assert s.seats_taken == holding == 4
    positions = sorted(rows.filter(status="waitlisted").values_list("waitlist_position", flat=True))
    assert positions == list(range(1, len(positions) + 1))
    # 3 seats freed, 2 first waiting students left after one account went: everyone is placed.
    assert holding + len(positions) == 4 - 3 + 2 + len(newcomers)
