"""A .ics file per booking: for its owner only; anyone else gets a 404 that reveals nothing."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.shortcuts import resolve_url
from django.test.utils import CaptureQueriesContext

from fluentory_bookings.contrib.django.models import (
    Booking,
    LiveClassSession,
    OneOnOneBooking,
    TeacherAvailability,
)
from fluentory_bookings.contrib.django.services import cancel_group_booking
from lms.models import CourseTeacher
from tests.django.feeds import World, instants, url, vevents

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(make_course, make_user, teacher, student) -> World:
    return World(make_course, make_user, teacher, student)


def as_user(client, user):
    client.force_login(user)
    return client


def the_event(response) -> tuple[str, object]:
    [(uid, event)] = vevents(response.content).items()
    return uid, event


def test_a_student_downloads_their_seat(client, world, student) -> None:
    response = as_user(client, student).get(url("calendar_seat_ics", world.seat.pk))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="session-{world.session.pk}.ics"'
    )
    assert "private" in response["Cache-Control"]
    uid, event = the_event(response)
    assert uid == world.uids["seat"]  # the same event as in the feed, so they merge
    assert instants(event) == (world.session.starts_at, world.session.ends_at)
    assert b"METHOD:" not in response.content


def test_a_cancelled_seat_downloads_as_cancelled(client, world, student) -> None:
    cancel_group_booking(world.seat, student)
    _, event = the_event(as_user(client, student).get(url("calendar_seat_ics", world.seat.pk)))
    assert str(event["STATUS"]) == "CANCELLED"


def test_a_lesson_is_the_same_event_for_its_student_and_its_teacher(
    client, world, student, teacher
) -> None:
    path = url("calendar_lesson_ics", world.lesson.pk)
    mine = the_event(as_user(client, student).get(path))
    theirs = the_event(as_user(client, teacher).get(path))
    assert mine[0] == theirs[0] == world.uids["lesson"]
    assert (
        instants(mine[1]) == instants(theirs[1]) == (world.lesson.starts_at, world.lesson.ends_at)
    )


def test_a_session_downloads_for_its_teacher_and_a_teacher_of_its_course(
    client, world, teacher, make_user
) -> None:
    colleague = make_user("colleague")
    CourseTeacher.objects.create(course=world.session.course, teacher=colleague)
    for user in (teacher, colleague):
        response = as_user(client, user).get(url("calendar_session_ics", world.session.pk))
        assert response.status_code == 200
        assert the_event(response)[0] == world.uids["session"]


@pytest.mark.parametrize(
    ("name", "attr"),
    [
        ("calendar_seat_ics", "seat"),
        ("calendar_lesson_ics", "lesson"),
        ("calendar_session_ics", "session"),
    ],
)
def test_anyone_else_gets_the_same_404_as_for_an_id_that_does_not_exist(
    client, world, make_user, name, attr
) -> None:
    stranger = make_user("stranger")
    as_user(client, stranger)
    theirs = client.get(url(name, getattr(world, attr).pk))
    missing = client.get(url(name, 999_999))
    assert theirs.status_code == missing.status_code == 404
    assert theirs.content == missing.content


def test_a_student_cannot_read_another_students_seat_or_the_teachers_session(
    client, world, student
) -> None:
    as_user(client, student)
    assert client.get(url("calendar_seat_ics", world.other_seat.pk)).status_code == 404
    assert client.get(url("calendar_session_ics", world.session.pk)).status_code == 404


def test_a_teacher_reads_a_session_not_a_students_seat(client, world, teacher) -> None:
    assert as_user(client, teacher).get(url("calendar_seat_ics", world.seat.pk)).status_code == 404


def test_signed_out_visitors_are_sent_to_sign_in(client, world) -> None:
    for name, pk in [
        ("calendar_seat_ics", world.seat.pk),
        ("calendar_lesson_ics", world.lesson.pk),
        ("calendar_session_ics", world.session.pk),
    ]:
        response = client.get(url(name, pk))
        assert response.status_code == 302
        assert response["Location"].startswith(resolve_url(settings.LOGIN_URL) + "?next=")


def test_a_download_changes_nothing(client, world, student) -> None:
    def state():
        return (
            sorted(Booking.objects.values_list("pk", "status", "modified", "sequence")),
            sorted(LiveClassSession.objects.values_list("pk", "modified", "sequence")),
            sorted(OneOnOneBooking.objects.values_list("pk", "status", "modified", "sequence")),
        )

    before = state()
    as_user(client, student).get(url("calendar_seat_ics", world.seat.pk))
    client.get(url("calendar_lesson_ics", world.lesson.pk))
    assert state() == before
    assert client.post(url("calendar_seat_ics", world.seat.pk)).status_code == 405
    assert state() == before


@pytest.mark.parametrize("name", ["calendar_seat_ics", "calendar_lesson_ics"])
def test_a_download_reads_its_booking_with_what_the_event_shows_at_once(
    client, world, student, name
) -> None:
    """The teacher's name and the lesson's zone come with the booking: the only other reads
    are the signed-in user's own."""
    pk = world.seat.pk if name == "calendar_seat_ics" else world.lesson.pk
    as_user(client, student)
    users = f'FROM "{get_user_model()._meta.db_table}"'
    availability = f'FROM "{TeacherAvailability._meta.db_table}"'
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url(name, pk)).status_code == 200
    sqls = [q["sql"] for q in ctx.captured_queries]
    assert len([s for s in sqls if users in s]) == 1, "only request.user"
    assert [s for s in sqls if availability in s] == []
