"""Junk bodies on every writing route: always a typed 4xx, never a 5xx, nothing written."""

from __future__ import annotations

import pytest

from fluentory_bookings.contrib.django import services
from tests.api.conftest import API, snapshot
from tests.django.when import at, day

pytestmark = pytest.mark.django_db

# What makes each dict below wrong for the routes whose fields it does not name (an empty body
# is a valid cancel, a valid PATCH).
WRONG_EVERYWHERE = {"scope": 1, "reason": ["x"], "meeting_link": ["x"], "slot_minutes": "sixty"}
JUNK = [
    [],
    [1, 2],
    "text",
    *(
        {**WRONG_EVERYWHERE, **body}
        for body in [
            {},
            {"session": None, "availability": None, "starts_at": None, "weeks": None},
            {"session": [1], "availability": {"id": 1}, "starts_at": 5, "weeks": "many"},
            {"timezone": None, "start_date": "2027-02-30", "start_time": "25:00", "weekdays": "0"},
            {"excluded_dates": [None], "weekdays": [None], "course": "one"},
            {"starts_at": "2027-13-01T10:00:00Z", "end_date": 5, "is_active": "maybe"},
        ]
    ),
]


def test_no_junk_body_makes_a_5xx_or_writes_anything(
    client_for, student, teacher, group, session_in, enroll, availability
):
    enroll(group, student)
    seat = services.book_group_session(session_in(group), student)
    (lesson,) = services.request_one_on_one(availability, student, at(day(3), 10))
    routes = [
        (student, "post", "bookings/group/"),
        (student, "post", f"bookings/group/{seat.pk}/reschedule/"),
        (student, "post", "bookings/one-on-one/"),
        (student, "post", f"bookings/one-on-one/{lesson.pk}/cancel/"),
        (teacher, "post", f"bookings/one-on-one/{lesson.pk}/decline/"),
        (teacher, "post", f"bookings/one-on-one/{lesson.pk}/meeting-link/"),
        (teacher, "post", "availability/"),
        (teacher, "put", f"availability/{availability.pk}/"),
        (teacher, "patch", f"availability/{availability.pk}/"),
    ]
    before = snapshot()
    for user, method, url in routes:
        c = client_for(user)
        for body in JUNK:
            response = getattr(c, method)(API + url, body, format="json")
            assert 400 <= response.status_code < 500, (method, url, body, response.content)
            assert response.json()["code"], (method, url, body)
    assert snapshot() == before


@pytest.mark.parametrize(
    "path",
    [
        "sessions/",
        "sessions/{session}/",
        "bookings/group/",
        "bookings/group/{seat}/",
        "bookings/one-on-one/",
        "availability/",
        "availability/{availability}/",
        "slots/",
        "calendar-feeds/",
    ],
)
def test_options_describes_the_endpoint_and_writes_nothing(
    path, client_for, teacher, student, make_course, session_in, availability
):
    course = make_course("group_session", teacher=teacher, students=[student])
    session = session_in(course)
    seat = services.book_group_session(session, student)
    url = API + path.format(session=session.pk, seat=seat.pk, availability=availability.pk)
    before = snapshot()
    for user in (teacher, student):
        response = client_for(user).options(url)
        assert response.status_code == 200, (user, response.content)
        assert response.json()["name"]
        assert "actions" not in response.json()
    assert client_for(None).options(url).status_code in (401, 403)
    assert snapshot() == before
