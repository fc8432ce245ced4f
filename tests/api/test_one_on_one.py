"""bookings/one-on-one/: request one lesson or a series, approve, decline, cancel, set the link."""

from __future__ import annotations

from datetime import timedelta

import pytest

from fluentory_bookings.contrib.django import services
from fluentory_bookings.contrib.django.models import OneOnOneBooking
from tests.api.conftest import API, refused, snapshot
from tests.django.when import at, day

pytestmark = pytest.mark.django_db
URL = API + "bookings/one-on-one/"


def iso(dt) -> str:
    return dt.isoformat()


@pytest.fixture
def approval_course(make_course, teacher, student):
    return make_course("one_on_one", teacher=teacher, students=[student], approval=True)


@pytest.fixture
def approval_availability(teacher, approval_course):
    from datetime import time

    return services.set_availability(
        teacher,
        course=approval_course,
        timezone="UTC",
        kind="weekly",
        start_date=day(1),
        start_time=time(8),
        end_time=time(20),
        weekdays=range(7),
    )


def test_requesting_one_lesson(client_for, student, availability):
    start = at(day(3), 10)
    response = client_for(student).post(
        URL, {"availability": availability.pk, "starts_at": iso(start)}, format="json"
    )
    assert response.status_code == 201, response.json()
    (lesson,) = response.json()["bookings"]
    assert lesson["status"] == "confirmed"
    assert lesson["starts_at"] == start.isoformat().replace("+00:00", "Z")
    assert OneOnOneBooking.objects.get(pk=lesson["id"]).student_id == student.pk


def test_a_weekly_series_is_booked_all_at_once(client_for, student, availability):
    start = at(day(3), 10)
    response = client_for(student).post(
        URL,
        {"availability": availability.pk, "starts_at": iso(start), "weeks": 3},
        format="json",
    )
    assert response.status_code == 201, response.json()
    lessons = response.json()["bookings"]
    assert len(lessons) == 3
    assert len({b["series_id"] for b in lessons}) == 1
    assert OneOnOneBooking.objects.filter(student=student).count() == 3


def test_a_series_with_one_clash_books_nothing_and_names_the_clash(
    client_for, student, availability, make_user, enroll, one_course
):
    start = at(day(3), 10)
    other = make_user()
    enroll(one_course, other)
    (taken,) = services.request_one_on_one(
        availability, other, start + timedelta(weeks=1), course=one_course
    )
    before = snapshot()
    response = client_for(student).post(
        URL,
        {"availability": availability.pk, "starts_at": iso(start), "weeks": 3},
        format="json",
    )
    body = response.json()
    assert response.status_code == 409, body
    assert body["code"] in ("slot_unavailable", "conflict")
    assert snapshot() == before
    assert taken.pk


def test_request_refusals_are_typed_and_write_nothing(
    client_for, student, availability, make_user, teacher
):
    c = client_for(student)
    before = snapshot()
    start = at(day(3), 10)
    # Naive instant: refused, never guessed.
    refused(
        c.post(
            URL,
            {"availability": availability.pk, "starts_at": "2027-01-01T10:00:00"},
            format="json",
        ),
        400,
        "invalid_input",
        "starts_at",
    )
    refused(
        c.post(URL, {"availability": 999999, "starts_at": iso(start)}, format="json"),
        400,
        "invalid_input",
        "availability",
    )
    refused(
        c.post(
            URL,
            {"availability": availability.pk, "starts_at": iso(start), "weeks": 0},
            format="json",
        ),
        400,
        "invalid_input",
        "weeks",
    )
    # Off the slot grid.
    body = refused(
        c.post(
            URL,
            {"availability": availability.pk, "starts_at": iso(start + timedelta(minutes=7))},
            format="json",
        ),
        409,
        "slot_unavailable",
    )
    assert body["reason"]
    # Not enrolled.
    refused(
        client_for(make_user()).post(
            URL, {"availability": availability.pk, "starts_at": iso(start)}, format="json"
        ),
        403,
        "enrollment",
    )
    # The teacher booking themself.
    refused(
        client_for(teacher).post(
            URL, {"availability": availability.pk, "starts_at": iso(start)}, format="json"
        ),
        403,
        "not_permitted",
    )
    # In the past.
    body = refused(
        c.post(
            URL,
            {"availability": availability.pk, "starts_at": iso(at(day(-2), 10))},
            format="json",
        ),
        409,
        "past",
    )
    assert body["error"] == "policy_violation"
    assert snapshot() == before


def test_listing_as_student_and_as_teacher(client_for, student, teacher, availability, make_user):
    services.request_one_on_one(availability, student, at(day(3), 10))
    services.request_one_on_one(availability, student, at(day(2), 10))
    c = client_for(student)
    mine = c.get(URL).json()["results"]
    assert [b["starts_at"][:10] for b in mine] == [day(2).isoformat(), day(3).isoformat()]
    assert len(c.get(URL + "?role=student").json()["results"]) == 2
    assert c.get(URL + "?role=teacher").json()["results"] == []
    assert len(client_for(teacher).get(URL + "?role=teacher").json()["results"]) == 2
    refused(c.get(URL + "?role=admin"), 400, "invalid_input", "role")
    assert client_for(make_user()).get(URL).json()["results"] == []


def test_the_teacher_approves_a_request(client_for, student, teacher, approval_availability):
    (lesson,) = services.request_one_on_one(approval_availability, student, at(day(3), 10))
    assert lesson.status == "pending"
    # Only the teacher's lessons page approves: for the student it is a 404.
    refused(client_for(student).post(URL + f"{lesson.pk}/approve/"), 404, "not_found")
    response = client_for(teacher).post(URL + f"{lesson.pk}/approve/")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "confirmed"
    before = snapshot()
    refused(client_for(teacher).post(URL + f"{lesson.pk}/approve/"), 409, "invalid_transition")
    assert snapshot() == before


def test_the_teacher_declines_with_a_reason(client_for, student, teacher, approval_availability):
    (lesson,) = services.request_one_on_one(approval_availability, student, at(day(3), 10))
    c = client_for(teacher)
    before = snapshot()
    refused(
        c.post(URL + f"{lesson.pk}/decline/", {"reason": "x" * 1001}, format="json"),
        400,
        "invalid_input",
        "reason",
    )
    assert snapshot() == before
    response = c.post(URL + f"{lesson.pk}/decline/", {"reason": "Away that week"}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "declined"
    assert response.json()["decision_reason"] == "Away that week"


def test_cancel_this_or_this_and_the_following(client_for, student, availability):
    lessons = services.request_one_on_one(availability, student, at(day(3), 10), weeks=3)
    c = client_for(student)
    before = snapshot()
    refused(
        c.post(URL + f"{lessons[0].pk}/cancel/", {"scope": "all"}, format="json"),
        400,
        "invalid_input",
        "scope",
    )
    assert snapshot() == before
    one = c.post(URL + f"{lessons[0].pk}/cancel/", {"scope": "this"}, format="json")
    assert one.status_code == 200, one.json()
    assert [b["id"] for b in one.json()["bookings"]] == [lessons[0].pk]
    rest = c.post(URL + f"{lessons[1].pk}/cancel/", {"scope": "following"}, format="json")
    assert [b["id"] for b in rest.json()["bookings"]] == [lessons[1].pk, lessons[2].pk]
    assert set(OneOnOneBooking.objects.values_list("status", flat=True)) == {"cancelled"}


def test_the_teacher_sets_an_https_meeting_link(client_for, student, teacher, availability):
    (lesson,) = services.request_one_on_one(availability, student, at(day(3), 10))
    c = client_for(teacher)
    before = snapshot()
    refused(
        c.post(
            URL + f"{lesson.pk}/meeting-link/",
            {"meeting_link": "javascript:alert(1)"},
            format="json",
        ),
        400,
        "invalid_meeting_link",
        "meeting_link",
    )
    assert snapshot() == before
    response = c.post(
        URL + f"{lesson.pk}/meeting-link/",
        {"meeting_link": "https://meet.example.com/x"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert client_for(student).get(URL + f"{lesson.pk}/").json()["meeting_link"] == (
        "https://meet.example.com/x"
    )


def test_the_teacher_sees_the_link_of_a_pending_request_and_the_student_once_confirmed(
    client_for, student, teacher, approval_availability
):
    """As the pages: the teacher's lessons page shows a pending request's link (and the link
    to set it); the student's list shows it once the lesson is confirmed."""
    (lesson,) = services.request_one_on_one(approval_availability, student, at(day(3), 10))
    link = "https://meet.example.com/pending"
    teacher_c, student_c = client_for(teacher), client_for(student)
    response = teacher_c.post(
        URL + f"{lesson.pk}/meeting-link/", {"meeting_link": link}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["meeting_link"] == link
    assert teacher_c.get(URL + f"{lesson.pk}/").json()["meeting_link"] == link
    assert [r["meeting_link"] for r in teacher_c.get(URL + "?role=teacher").json()["results"]] == [
        link
    ]
    assert student_c.get(URL + f"{lesson.pk}/").json()["meeting_link"] is None
    assert [r["meeting_link"] for r in student_c.get(URL).json()["results"]] == [None]
    assert teacher_c.post(URL + f"{lesson.pk}/approve/").json()["meeting_link"] == link
    assert student_c.get(URL + f"{lesson.pk}/").json()["meeting_link"] == link
    services.cancel_one_on_one(lesson, teacher)
    assert teacher_c.get(URL + f"{lesson.pk}/").json()["meeting_link"] is None


def test_another_student_s_or_teacher_s_lesson_is_404_on_every_route(
    client_for, student, teacher, approval_availability, make_user
):
    (lesson,) = services.request_one_on_one(approval_availability, student, at(day(3), 10))
    before = snapshot()
    for intruder in (make_user("other-student"), make_user("other-teacher")):
        c = client_for(intruder)
        assert c.get(URL + f"{lesson.pk}/").status_code == 404
        for action, body in [
            ("approve/", {}),
            ("decline/", {"reason": "no"}),
            ("cancel/", {"scope": "following"}),
            ("meeting-link/", {"meeting_link": "https://evil.example.com"}),
        ]:
            refused(c.post(URL + f"{lesson.pk}/{action}", body, format="json"), 404, "not_found")
    # The student may see and cancel it, not answer it or link it.
    c = client_for(student)
    for action in ("decline/", "meeting-link/"):
        refused(
            c.post(
                URL + f"{lesson.pk}/{action}", {"meeting_link": "https://x.example"}, format="json"
            ),
            404,
            "not_found",
        )
    assert snapshot() == before


def test_a_request_past_its_deadline_shows_and_filters_as_expired(
    client_for, student, teacher, approval_availability, clock
):
    (lesson,) = services.request_one_on_one(approval_availability, student, at(day(3), 10))
    c = client_for(teacher)
    assert [b["id"] for b in c.get(URL + "?status=pending").json()["results"]] == [lesson.pk]
    clock(lesson.expires_at + timedelta(minutes=1))
    # Not yet written by the periodic command, yet expired for everyone.
    assert OneOnOneBooking.objects.get(pk=lesson.pk).status == "pending"
    assert c.get(URL + f"{lesson.pk}/").json()["status"] == "expired"
    assert c.get(URL + "?status=pending").json()["results"] == []
    assert [b["id"] for b in c.get(URL + "?status=expired").json()["results"]] == [lesson.pk]
    assert c.get(URL + "?status=confirmed").json()["results"] == []
    refused(c.get(URL + "?status=lost"), 400, "invalid_input", "status")


@pytest.mark.parametrize(
    "link",
    ['https://meet.example.com/x"><script>', "https://meet.example.com/x\u200by"],
)
def test_a_link_with_markup_or_invisible_characters_is_refused(
    client_for, teacher, student, availability, link
):
    (lesson,) = services.request_one_on_one(availability, student, at(day(3), 10))
    before = snapshot()
    response = client_for(teacher).post(
        URL + f"{lesson.pk}/meeting-link/", {"meeting_link": link}, format="json"
    )
    refused(response, 400, "invalid_meeting_link", "meeting_link")
    assert snapshot() == before
