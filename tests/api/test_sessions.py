"""GET sessions/ and sessions/{id}/: filters, times in the requested zone, bounded ranges."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from fluentory_bookings.contrib.django import services
from tests.api.conftest import API, refused

pytestmark = pytest.mark.django_db


def test_lists_live_sessions_with_seats_left_in_time_order(client_for, student, group, session_in):
    late = session_in(group, hours=5, total_seats=3)
    early = session_in(group, hours=1, total_seats=2)
    cancelled = session_in(group, hours=2)
    services.cancel_session(cancelled, cancelled.teacher)
    body = client_for(student).get(API + "sessions/").json()
    assert [r["id"] for r in body["results"]] == [early.pk, late.pk]
    first = body["results"][0]
    assert first["remaining_seats"] == 2
    assert first["booking_open"] is True
    assert first["course"] == group.pk


def test_filters_by_course_teacher_and_range(
    client_for, student, make_user, make_course, group, session_in, teacher, soon
):
    other_teacher = make_user("other-teacher")
    other = make_course("group_session", teacher=other_teacher)
    mine = session_in(group)
    later = session_in(group, hours=24 * 10)
    theirs = services.create_session(
        course=other,
        teacher=other_teacher,
        title="Other",
        starts_at=soon,
        ends_at=soon + timedelta(hours=1),
    )
    c = client_for(student)

    def ids(query: str) -> list[int]:
        response = c.get(API + "sessions/" + query)
        assert response.status_code == 200, response.json()
        return [r["id"] for r in response.json()["results"]]

    assert ids(f"?course={group.pk}") == [mine.pk, later.pk]
    assert ids(f"?teacher={other_teacher.pk}") == [theirs.pk]
    until = (soon + timedelta(days=5)).isoformat()
    assert ids(f"?course={group.pk}&to={until.replace('+', '%2B')}") == [mine.pk]
    start = (soon + timedelta(days=5)).date().isoformat()
    assert ids(f"?course={group.pk}&from={start}") == [later.pk]


def test_times_carry_the_offset_of_the_requested_zone(client_for, student, group, session_in):
    session = session_in(group)
    c = client_for(student)
    utc = c.get(API + f"sessions/{session.pk}/").json()
    berlin = c.get(API + f"sessions/{session.pk}/?tz=Europe/Berlin").json()
    assert datetime.fromisoformat(utc["starts_at"]).utcoffset() == timedelta(0)
    assert datetime.fromisoformat(berlin["starts_at"]).utcoffset() in (
        timedelta(hours=1),
        timedelta(hours=2),
    )
    assert datetime.fromisoformat(utc["starts_at"]) == datetime.fromisoformat(berlin["starts_at"])
    assert datetime.fromisoformat(berlin["starts_at"]) == session.starts_at


def test_detail_says_when_a_full_session_takes_no_more_bookings(
    client_for, student, make_user, group, session_in, enroll
):
    session = session_in(group, total_seats=1)
    enroll(group, student)
    services.book_group_session(session, student)
    body = client_for(make_user()).get(API + f"sessions/{session.pk}/").json()
    assert body["remaining_seats"] == 0
    assert body["booking_open"] is False


@pytest.mark.parametrize("kind", ["none", "one_on_one"])
def test_a_session_of_a_course_that_takes_no_group_bookings_is_not_open(
    client_for, student, group, session_in, kind
):
    """As the session's page, which shows no Book button once the course stops taking group
    sessions: a client must not offer a booking the service refuses (booking_type)."""
    session = session_in(group)
    group.booking_type = kind
    group.save()
    c = client_for(student)
    assert c.get(API + f"sessions/{session.pk}/").json()["booking_open"] is False
    listed = c.get(API + "sessions/").json()["results"]
    assert [(r["id"], r["booking_open"]) for r in listed] == [(session.pk, False)]
    refused(c.post(API + "bookings/group/", {"session": session.pk}), 409, "booking_type")


def test_an_unknown_session_is_404(client_for, student):
    refused(client_for(student).get(API + "sessions/999999/"), 404, "not_found")
    assert client_for(student).get(API + "sessions/abc/").status_code == 404


def test_anonymous_callers_are_refused_by_the_host_s_authentication(client_for, group, session_in):
    session_in(group)
    response = client_for(None).get(API + "sessions/")
    assert response.status_code in (401, 403)
    assert response.json()["code"] == "not_authenticated"


@pytest.mark.parametrize(
    ("query", "code", "field"),
    [
        ("?from=2027-01-01&to=2028-01-03", "limit_exceeded", "to"),
        ("?from=2027-01-02&to=2027-01-01", "invalid_interval", "to"),
        ("?from=2027-01-01T09:00:00", "invalid_interval", "from"),
        ("?from=yesterday", "invalid_input", "from"),
        ("?from=9999-12-31", "invalid_input", "from"),
        ("?course=abc", "invalid_input", "course"),
        ("?teacher=-1", "invalid_input", "teacher"),
        ("?tz=Mars/Olympus", "invalid_timezone", "tz"),
        ("?page_size=201", "limit_exceeded", "page_size"),
        ("?page_size=0", "invalid_input", "page_size"),
        ("?cursor=bogus", "invalid_input", "cursor"),
    ],
)
def test_bad_or_too_large_parameters_are_typed_400s(client_for, student, query, code, field):
    body = refused(client_for(student).get(API + "sessions/" + query), 400, code, field)
    if code == "limit_exceeded":
        assert body["limit"] in (366, 200)


def test_the_host_s_own_authentication_logs_the_caller_in(student, group, session_in, monkeypatch):
    """No force_authenticate here: the example's session sign-in, then HTTP Basic as a host that
    keeps DRF's default list configures it (the example names the session alone)."""
    import base64

    from rest_framework.authentication import BasicAuthentication
    from rest_framework.test import APIClient

    from fluentory_bookings.contrib.django.api.views import ApiViewSet

    session_in(group)
    c = APIClient()
    assert c.get(API + "sessions/").json()["code"] == "not_authenticated"
    assert c.login(username="student", password="pw")
    assert c.get(API + "sessions/").status_code == 200

    # DRF reads DEFAULT_AUTHENTICATION_CLASSES when it is imported: set as a host's would be.
    monkeypatch.setattr(ApiViewSet, "authentication_classes", [BasicAuthentication])
    c = APIClient()
    good = base64.b64encode(b"student:pw").decode()
    c.credentials(HTTP_AUTHORIZATION=f"Basic {good}")
    assert c.get(API + "sessions/").status_code == 200
    bad = base64.b64encode(b"student:wrong").decode()
    c.credentials(HTTP_AUTHORIZATION=f"Basic {bad}")
    response = c.get(API + "sessions/")
    assert response.status_code in (401, 403)
    assert response.json()["code"] == "authentication_failed"
