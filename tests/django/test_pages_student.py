"""The student pages through the test client: what they show, what they change, who may see them."""

from __future__ import annotations

from datetime import UTC, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import translation

from fluentory_bookings.contrib.django.models import (
    Booking,
    LiveClassSession,
    OneOnOneBooking,
    TeacherAvailability,
)
from fluentory_bookings.contrib.django.services import (
    book_group_session,
    create_session,
    request_one_on_one,
    set_availability,
)
from tests.django.when import at, day

pytestmark = pytest.mark.django_db

NEW_YORK = ZoneInfo("America/New_York")


def url(name: str, *args: Any) -> str:
    return reverse(f"fluentory_bookings:{name}", args=args)


def snapshot() -> tuple[Any, ...]:
    """Everything a student page could write, to prove a refused request wrote nothing."""
    return (
        sorted(
            Booking.objects.values_list(
                "pk", "session_id", "student_id", "status", "waitlist_position"
            )
        ),
        sorted(LiveClassSession.objects.values_list("pk", "seats_taken", "status")),
        sorted(OneOnOneBooking.objects.values_list("pk", "status", "starts_at", "series_id")),
    )


def texts(response) -> str:
    return response.content.decode()


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


@pytest.fixture
def course(make_course, teacher, student):
    return make_course("group_session", teacher=teacher, students=[student])


@pytest.fixture
def make_session(course, teacher, soon):
    def make(*, hours_from_soon: int = 0, **extra: Any) -> LiveClassSession:
        start = soon + timedelta(hours=hours_from_soon)
        values: dict[str, Any] = {"title": "Conversation", "total_seats": 3}
        values.update(extra)
        return create_session(
            course=course, teacher=teacher, starts_at=start, ends_at=start + timedelta(hours=1),
            **values,
        )

    return make


@pytest.fixture
def session(make_session):
    return make_session(meeting_link="https://meet.example.com/abc")


@pytest.fixture
def one_course(make_course, teacher, student):
    return make_course("one_on_one", teacher=teacher, students=[student])


@pytest.fixture
def availability(teacher, one_course):
    """Weekly, every day 09:00-12:00 New York time, hour-long slots."""
    return set_availability(
        teacher,
        course=one_course,
        timezone="America/New_York",
        start_date=day(0),
        start_time=time(9),
        end_time=time(12),
        weekdays=range(7),
    )


@pytest.fixture
def logged_in(client, student):
    client.force_login(student)
    return client


@pytest.fixture
def other(client, make_user):
    """A second student, logged in instead of ``student``."""
    stranger = make_user("stranger")
    client.force_login(stranger)
    return client


# --- group sessions --------------------------------------------------------------------------


def test_sessions_page_lists_seats_left_and_links_to_booking(logged_in, course, session):
    response = logged_in.get(url("student_sessions", course.pk))
    assert response.status_code == 200
    body = texts(response)
    assert "Group session" in body
    assert url("student_book_session", session.pk) in body
    assert "Times are shown in UTC" in body


def test_booking_a_seat_by_post_confirms_it(logged_in, student, session):
    response = logged_in.post(url("student_book_session", session.pk), follow=True)
    booking = Booking.objects.get(session=session, student=student)
    assert booking.status == "confirmed"
    assert "Your seat is booked." in messages_of(response)
    assert response.redirect_chain[-1][0] == url("student_bookings")


def test_get_of_a_booking_page_books_nothing(logged_in, session):
    before = snapshot()
    response = logged_in.get(url("student_book_session", session.pk))
    assert response.status_code == 200
    assert 'method="post"' in texts(response)
    assert snapshot() == before
