"""The admin: constant-query changelists, and actions that go through the services."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from fluentory_bookings.contrib.django import services
from fluentory_bookings.contrib.django.models import (
    Booking,
    BookingReminder,
    LiveClassSession,
    OneOnOneBooking,
    TeacherAvailability,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, make_user):
    admin = make_user("root", is_staff=True, is_superuser=True)
    client.force_login(admin)
    client.user = admin
    return client


def _fill(n, make_user, make_course, soon, step=timedelta(hours=1)):
    """n rows in every changelist (setup data written directly: the changelist is under test),
    ``step`` apart."""
    teacher = make_user()
    course = make_course("group_session", teacher=teacher)
    one_course = make_course("one_on_one", teacher=teacher)
    students = [make_user() for _ in range(n)]
    sessions = LiveClassSession.objects.bulk_create(
        LiveClassSession(
            course=course,
            teacher=teacher,
            title=f"S{i}",
            starts_at=soon + i * step,
            ends_at=soon + i * step + timedelta(minutes=45),
            total_seats=5,
            seats_taken=1,
        )
        for i in range(n)
    )
    bookings = Booking.objects.bulk_create(
        Booking(session=s, student=st, status="confirmed")
        for s, st in zip(sessions, students, strict=True)
    )
    avail = TeacherAvailability.objects.bulk_create(
        TeacherAvailability(
            teacher=teacher,
            course=one_course,
            timezone="Europe/Berlin",
            start_date=soon.date(),
            start_time=soon.time(),
            end_time=(soon + timedelta(hours=1)).time(),
            weekdays=[0, 1],
        )
        for _ in range(n)
    )
    ones = OneOnOneBooking.objects.bulk_create(
        OneOnOneBooking(
            availability_slot=a,
            student=st,
            teacher=teacher,
            course=one_course,
            starts_at=soon + timedelta(days=1) + i * step,
            ends_at=soon + timedelta(days=1, minutes=30) + i * step,
            status="pending",
            requested_at=soon - timedelta(days=1),
        )
        for i, (a, st) in enumerate(zip(avail, students, strict=True))
    )
    BookingReminder.objects.bulk_create(
        [BookingReminder(group_booking=b, remind_at=soon) for b in bookings]
        + [BookingReminder(one_on_one_booking=o, remind_at=soon) for o in ones]
    )


CHANGELISTS = [
    "liveclasssession",
    "booking",
    "teacheravailability",
    "oneononebooking",
    "bookingreminder",
]


@pytest.mark.parametrize("model", CHANGELISTS)
def test_changelists_run_a_constant_number_of_queries(
    admin_client, make_user, make_course, soon, model
):
    url = reverse(f"admin:fluentory_bookings_{model}_changelist")
    counts = []
    # Each batch spans the same dates (the 10 rows spread wider): the date hierarchy asks one
    # query per day, month or year of the span, which is bounded but not the rows' count.
    span = timedelta(hours=189)
    for n in (10, 190):  # 10 rows, then 200 rows in all
        _fill(n, make_user, make_course, soon, step=span / (n - 1))
        with CaptureQueriesContext(connection) as ctx:
            response = admin_client.get(url)
        assert response.status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1], counts


def test_cancel_action_goes_through_the_service_and_promotes(
    admin_client, make_user, make_course, teacher, soon
):
    first, second = make_user(), make_user()
    course = make_course("group_session", teacher=teacher, students=[first, second])
    session = services.create_session(
        course=course,
        teacher=teacher,
        title="Grammar",
        starts_at=soon,
        ends_at=soon + timedelta(hours=1),
        total_seats=1,
        enable_waitlist=True,
    )
    seat = services.book_group_session(session, first)
    waiting = services.book_group_session(session, second)
    assert waiting.status == "waitlisted"

    response = admin_client.post(
        reverse("admin:fluentory_bookings_booking_changelist"),
        {"action": "cancel_bookings", "_selected_action": [seat.pk]},
        follow=True,
    )
    assert response.status_code == 200
    seat.refresh_from_db()
    waiting.refresh_from_db()
    session.refresh_from_db()
    assert seat.status == "cancelled"
    assert waiting.status == "confirmed"
    assert session.seats_taken == 1


def test_refused_action_is_reported_and_changes_nothing(
    admin_client, make_user, make_course, teacher, soon
):
    learner = make_user()
    course = make_course("group_session", teacher=teacher, students=[learner])
    session = services.create_session(
        course=course,
        teacher=teacher,
        title="Grammar",
        starts_at=soon,
        ends_at=soon + timedelta(hours=1),
    )
    seat = services.book_group_session(session, learner)
    # Attendance cannot be marked before the session starts: the service refuses.
    response = admin_client.post(
        reverse("admin:fluentory_bookings_booking_changelist"),
        {"action": "mark_attended", "_selected_action": [seat.pk]},
        follow=True,
    )
    texts = [str(m) for m in get_messages(response.wsgi_request)]
    assert any(str(seat) in t for t in texts), texts
    seat.refresh_from_db()
    assert seat.status == "confirmed"


def test_bookings_cannot_be_added_or_edited_as_raw_rows(admin_client):
    assert admin_client.get(reverse("admin:fluentory_bookings_booking_add")).status_code == 403
    add_one = reverse("admin:fluentory_bookings_oneononebooking_add")
    assert admin_client.get(add_one).status_code == 403


def _session_form(course, teacher, soon, **overrides):
    data = {
        "course": course.pk,
        "teacher": teacher.pk,
        "title": "Conversation",
        "description": "",
        "starts_at_0": soon.strftime("%Y-%m-%d"),
        "starts_at_1": soon.strftime("%H:%M:%S"),
        "ends_at_0": (soon + timedelta(hours=1)).strftime("%Y-%m-%d"),
        "ends_at_1": (soon + timedelta(hours=1)).strftime("%H:%M:%S"),
        "timezone": "Europe/Berlin",
        "total_seats": "8",
        "meeting_link": "https://meet.google.com/abc-defg-hij",
    }
    data.update(overrides)
    if data["ends_at_0"] == "SAME":  # end == start
        data["ends_at_0"], data["ends_at_1"] = data["starts_at_0"], data["starts_at_1"]
    return data


def test_admin_creates_sessions_through_the_service(admin_client, make_course, teacher, soon):
    course = make_course("group_session", teacher=teacher)
    url = reverse("admin:fluentory_bookings_liveclasssession_add")
    response = admin_client.post(url, _session_form(course, teacher, soon))
    assert response.status_code == 302, response.content[:2000]
    session = LiveClassSession.objects.get()
    assert (session.total_seats, session.status, str(session.timezone)) == (
        8,
        "scheduled",
        "Europe/Berlin",
    )


@pytest.mark.parametrize(
    ("overrides", "course_type", "fragment"),
    [
        ({"total_seats": "0"}, "group_session", "greater than"),
        ({"meeting_link": "https://"}, "group_session", "URL"),
        ({}, "one_on_one", "booking"),
        ({"ends_at_0": "SAME", "ends_at_1": "SAME"}, "group_session", "after"),
    ],
)
def test_admin_session_form_shows_service_refusals(
    admin_client, make_course, teacher, soon, overrides, course_type, fragment
):
    course = make_course(course_type, teacher=teacher)
    url = reverse("admin:fluentory_bookings_liveclasssession_add")
    response = admin_client.post(url, _session_form(course, teacher, soon, **overrides))
    assert response.status_code == 200  # the form again, with its errors
    assert fragment.lower() in response.content.decode().lower()
    assert not LiveClassSession.objects.exists()


def test_session_changelist_shows_seats_taken_and_remaining(
    admin_client, make_user, make_course, teacher, soon
):
    learner = make_user()
    course = make_course("group_session", teacher=teacher, students=[learner])
    session = services.create_session(
        course=course,
        teacher=teacher,
        title="Pronunciation",
        starts_at=soon,
        ends_at=soon + timedelta(hours=1),
        total_seats=4,
    )
    services.book_group_session(session, learner)
    page = admin_client.get(reverse("admin:fluentory_bookings_liveclasssession_changelist"))
    html = page.content.decode()
    assert "1 / 4" in html
    assert '<td class="field-remaining_seats">3</td>' in html
