"""Admin forms answer bad input with a form error (or do not offer the field), never HTTP 500."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from django.urls import reverse

from fluentory_bookings.contrib.django import services
from fluentory_bookings.contrib.django.models import TeacherAvailability
from tests.django.when import day

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, make_user):
    client.force_login(make_user("root", is_staff=True, is_superuser=True))
    return client


# --- sessions: the course and the teacher stay ---------------------------------------------------


@pytest.fixture
def session(make_course, teacher, soon):
    course = make_course("group_session", teacher=teacher)
    return services.create_session(
        course=course,
        teacher=teacher,
        title="Conversation",
        starts_at=soon,
        ends_at=soon + timedelta(hours=1),
        total_seats=8,
        timezone="Europe/Berlin",
    )


def change_form(session, **overrides):
    data = {
        "course": session.course_id,
        "teacher": session.teacher_id,
        "title": session.title,
        "description": "",
        "starts_at_0": session.starts_at.strftime("%Y-%m-%d"),
        "starts_at_1": session.starts_at.strftime("%H:%M:%S"),
        "ends_at_0": session.ends_at.strftime("%Y-%m-%d"),
        "ends_at_1": session.ends_at.strftime("%H:%M:%S"),
        "timezone": "Europe/Berlin",
        "total_seats": "8",
        "meeting_link": "",
    }
    data.update(overrides)
    return data


def test_changing_a_sessions_teacher_is_not_offered(admin_client, session, make_user):
    other = make_user()
    url = reverse("admin:fluentory_bookings_liveclasssession_change", args=[session.pk])
    assert 'name="teacher"' not in admin_client.get(url).content.decode()

    response = admin_client.post(url, change_form(session, teacher=other.pk, title="Renamed"))

    assert response.status_code == 302, response.content[:2000]
    session.refresh_from_db()
    assert (session.teacher_id, session.title) == (session.teacher_id, "Renamed")
    assert session.teacher_id != other.pk


def test_changing_a_sessions_course_is_not_offered(admin_client, session, make_course, teacher):
    other = make_course("group_session", teacher=teacher)
    url = reverse("admin:fluentory_bookings_liveclasssession_change", args=[session.pk])
    assert 'name="course"' not in admin_client.get(url).content.decode()

    response = admin_client.post(url, change_form(session, course=other.pk, total_seats="9"))

    assert response.status_code == 302, response.content[:2000]
    session.refresh_from_db()
    assert (session.course_id, session.total_seats) != (other.pk, 8)
    assert session.course_id != other.pk
    assert session.total_seats == 9


def test_a_refused_change_is_a_form_error(admin_client, session):
    url = reverse("admin:fluentory_bookings_liveclasssession_change", args=[session.pk])
    response = admin_client.post(url, change_form(session, title="t" * 300))
    assert response.status_code == 200
    session.refresh_from_db()
    assert session.title == "Conversation"


# --- availability: the service is the validator --------------------------------------------------


def availability_form(teacher, course, **overrides):
    data = {
        "teacher": teacher.pk,
        "course": course.pk if course else "",
        "timezone": "Europe/Berlin",
        "kind": "weekly",
        "start_date": day(3).isoformat(),
        "end_date": "",
        "start_time": "09:00",
        "end_time": "11:00",
        "weekdays": "[0, 2]",
        "excluded_dates": "[]",
        "slot_minutes": "60",
        "buffer_before_minutes": "0",
        "buffer_after_minutes": "0",
        "is_active": "on",
    }
    data.update(overrides)
    return data


ADD_AVAILABILITY = "admin:fluentory_bookings_teacheravailability_add"


def test_a_valid_availability_is_saved_through_the_service(admin_client, teacher, make_course):
    course = make_course("one_on_one", teacher=teacher)
    response = admin_client.post(reverse(ADD_AVAILABILITY), availability_form(teacher, course))
    assert response.status_code == 302, response.content[:3000]
    av = TeacherAvailability.objects.get()
    assert (av.teacher_id, av.weekdays, av.slot_minutes) == (teacher.pk, [0, 2], 60)


@pytest.mark.parametrize(
    ("overrides", "fragment"),
    [
        ({"slot_minutes": "180"}, "does not fit"),
        ({"weekdays": '["mon", "wed"]'}, "weekdays"),
        ({"weekdays": '["0", "2"]'}, "weekdays"),
        ({"weekdays": '"0,2"'}, "weekdays"),
        ({"excluded_dates": '["someday"]'}, "excluded_dates"),
    ],
)
def test_availability_refusals_are_form_errors(
    admin_client, teacher, make_course, overrides, fragment
):
    course = make_course("one_on_one", teacher=teacher)
    response = admin_client.post(
        reverse(ADD_AVAILABILITY), availability_form(teacher, course, **overrides)
    )
    assert response.status_code == 200
    assert fragment in response.content.decode()
    assert not TeacherAvailability.objects.exists()


def test_a_teacher_who_does_not_teach_the_course_is_a_form_error(
    admin_client, teacher, make_user, make_course
):
    course = make_course("one_on_one", teacher=make_user())
    response = admin_client.post(reverse(ADD_AVAILABILITY), availability_form(teacher, course))
    assert response.status_code == 200
    assert "does not teach" in response.content.decode()
    assert not TeacherAvailability.objects.exists()


def test_a_course_without_one_on_one_lessons_is_a_form_error(admin_client, teacher, make_course):
    course = make_course("group_session", teacher=teacher)
    response = admin_client.post(reverse(ADD_AVAILABILITY), availability_form(teacher, course))
    assert response.status_code == 200
    assert not TeacherAvailability.objects.exists()


def test_a_refused_change_leaves_the_availability_as_it_was(admin_client, teacher, make_course):
    course = make_course("one_on_one", teacher=teacher)
    av = services.set_availability(
        teacher,
        course=course,
        timezone="Europe/Berlin",
        kind="weekly",
        start_date=day(3),
        weekdays=[0, 2],
        start_time=time(9),
        end_time=time(11),
    )
    before = TeacherAvailability.objects.filter(pk=av.pk).values().get()
    url = reverse("admin:fluentory_bookings_teacheravailability_change", args=[av.pk])

    response = admin_client.post(url, availability_form(teacher, course, slot_minutes="180"))

    assert response.status_code == 200
    assert TeacherAvailability.objects.filter(pk=av.pk).values().get() == before
