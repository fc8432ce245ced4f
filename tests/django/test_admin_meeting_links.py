"""Adding a session in the admin asks the adapter for a meeting link exactly once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from fluentory_bookings.contrib.django.models import LiveClassSession
from fluentory_bookings.contrib.django.services import create_session
from lms.adapter import LmsBookingAdapter

pytestmark = pytest.mark.django_db


class MeetingAdapter(LmsBookingAdapter):
    """A Zoom-style adapter: every call creates a meeting somewhere."""

    created: list[int | None] = []

    def generate_meeting_link(self, booking):
        self.created.append(booking.pk)
        return f"https://zoom.us/j/{len(self.created)}"


@pytest.fixture
def meetings(settings):
    settings.FLUENTORY_BOOKINGS_ADAPTER = "tests.django.test_admin_meeting_links.MeetingAdapter"
    MeetingAdapter.created = []
    return MeetingAdapter.created


@pytest.fixture
def admin_client(client, make_user):
    client.force_login(make_user("root", is_staff=True, is_superuser=True))
    return client


def form(course, teacher, start, **overrides):
    data = {
        "course": course.pk,
        "teacher": teacher.pk,
        "title": "Conversation",
        "description": "",
        "starts_at_0": start.strftime("%Y-%m-%d"),
        "starts_at_1": start.strftime("%H:%M:%S"),
        "ends_at_0": (start + timedelta(hours=1)).strftime("%Y-%m-%d"),
        "ends_at_1": (start + timedelta(hours=1)).strftime("%H:%M:%S"),
        "timezone": "UTC",
        "total_seats": "8",
        "meeting_link": "",
    }
    data.update(overrides)
    return data


def test_adding_a_session_creates_one_meeting(admin_client, make_course, teacher, soon, meetings):
    course = make_course("group_session", teacher=teacher)
    url = reverse("admin:fluentory_bookings_liveclasssession_add")
    response = admin_client.post(url, form(course, teacher, soon))
    assert response.status_code == 302
    session = LiveClassSession.objects.get()
    assert meetings == [session.pk]
    assert session.meeting_link == "https://zoom.us/j/1"


def test_a_refused_session_creates_no_meeting(admin_client, make_course, teacher, soon, meetings):
    course = make_course("group_session", teacher=teacher)
    create_session(
        course=course,
        teacher=teacher,
        title="Already there",
        starts_at=soon,
        ends_at=soon + timedelta(hours=1),
        meeting_link="https://meet.google.com/abc-defg-hij",
    )
    url = reverse("admin:fluentory_bookings_liveclasssession_add")
    response = admin_client.post(url, form(course, teacher, soon + timedelta(minutes=30)))
    assert response.status_code == 200  # the form again: the teacher is busy then
    assert "conflict" in response.content.decode().lower()
    assert LiveClassSession.objects.count() == 1
    assert meetings == []


def test_editing_a_session_creates_no_meeting(admin_client, make_course, teacher, soon, meetings):
    course = make_course("group_session", teacher=teacher)
    session = create_session(
        course=course,
        teacher=teacher,
        title="Conversation",
        starts_at=soon,
        ends_at=soon + timedelta(hours=1),
        meeting_link="https://meet.google.com/abc-defg-hij",
    )
    url = reverse("admin:fluentory_bookings_liveclasssession_change", args=[session.pk])
    data = form(course, teacher, soon, title="Renamed")
    data["meeting_link"] = session.meeting_link
    assert admin_client.post(url, data).status_code == 302
    session.refresh_from_db()
    assert session.title == "Renamed"
    assert meetings == []
