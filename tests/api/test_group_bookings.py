"""bookings/group/: book or wait, cancel, reschedule, leave the waitlist; IDOR is a 404."""

from __future__ import annotations

from datetime import timedelta

import pytest

from fluentory_bookings.contrib.django import services
from fluentory_bookings.contrib.django.models import Booking
from tests.api.conftest import API, refused, snapshot

pytestmark = pytest.mark.django_db
URL = API + "bookings/group/"


@pytest.fixture
def enrolled(group, student, enroll):
    enroll(group, student)
    return student


def test_booking_a_seat_and_listing_it(client_for, enrolled, group, session_in):
    session = session_in(group, meeting_link="https://meet.example.com/abc")
    c = client_for(enrolled)
    created = c.post(URL, {"session": session.pk}, format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["status"] == "confirmed"
    assert body["session"]["id"] == session.pk
    assert body["meeting_link"] == "https://meet.example.com/abc"
    booking = Booking.objects.get(pk=body["id"])
    assert booking.student_id == enrolled.pk
    listed = c.get(URL).json()["results"]
    assert [r["id"] for r in listed] == [booking.pk]
    assert c.get(URL + f"{booking.pk}/").json()["status"] == "confirmed"


def test_a_full_session_with_a_waitlist_gives_a_place_in_line(
    client_for, enrolled, make_user, group, session_in, enroll
):
    session = session_in(group, total_seats=1, enable_waitlist=True)
    first = make_user()
    enroll(group, first)
    services.book_group_session(session, first)
    body = client_for(enrolled).post(URL, {"session": session.pk}, format="json").json()
    assert body["status"] == "waitlisted"
    assert body["waitlist_position"] == 1
    assert body["meeting_link"] is None


def test_a_full_session_without_a_waitlist_is_409_session_full(
    client_for, enrolled, make_user, group, session_in, enroll
):
    session = session_in(group, total_seats=1)
    first = make_user()
    enroll(group, first)
    services.book_group_session(session, first)
    before = snapshot()
    body = refused(
        client_for(enrolled).post(URL, {"session": session.pk}, format="json"), 409, "session_full"
    )
    assert body["session_id"] == session.pk
    assert snapshot() == before


def test_refusals_keep_their_code_and_write_nothing(
    client_for, enrolled, make_user, make_course, group, session_in, teacher
):
    session = session_in(group)
    c = client_for(enrolled)
    services.book_group_session(session, enrolled)
    before = snapshot()
    refused(c.post(URL, {"session": session.pk}, format="json"), 409, "already_booked")
    # Not enrolled: who the caller is, so 403.
    stranger = make_user()
    refused(
        client_for(stranger).post(URL, {"session": session.pk}, format="json"), 403, "enrollment"
    )
    # Bad bodies: 400 on the field.
    refused(c.post(URL, {"session": 999999}, format="json"), 400, "invalid_input", "session")
    refused(c.post(URL, {"session": "x"}, format="json"), 400, "invalid_input", "session")
    refused(c.post(URL, {}, format="json"), 400, "invalid_input", "session")
    assert snapshot() == before


def test_a_course_taught_in_lessons_refuses_seats_with_booking_type(
    client_for, student, make_course, teacher, soon
):
    from fluentory_bookings.contrib.django.models import LiveClassSession

    # A session left over from when the course was a group course.
    course = make_course("group_session", teacher=teacher, students=[student])
    session = services.create_session(
        course=course,
        teacher=teacher,
        title="Old",
        starts_at=soon,
        ends_at=soon + timedelta(hours=1),
    )
    course.booking_type = "one_on_one"
    course.save()
    before = snapshot()
    refused(
        client_for(student).post(URL, {"session": session.pk}, format="json"),
        409,
        "booking_type",
    )
    assert snapshot() == before
    assert LiveClassSession.objects.get(pk=session.pk).seats_taken == 0


def test_a_clash_is_409_conflict_naming_what_it_collides_with(
    client_for, enrolled, group, session_in, make_user, make_course, soon
):
    first = session_in(group)
    other_teacher = make_user()
    other = make_course("group_session", teacher=other_teacher, students=[enrolled])
    overlapping = services.create_session(
        course=other,
        teacher=other_teacher,
        title="Overlapping",
        starts_at=soon + timedelta(minutes=30),
        ends_at=soon + timedelta(minutes=90),
    )
    held = services.book_group_session(first, enrolled)
    before = snapshot()
    body = refused(
        client_for(enrolled).post(URL, {"session": overlapping.pk}, format="json"), 409, "conflict"
    )
    assert body["conflicts"], body
    clash = body["conflicts"][0]
    assert clash["party"] == "student"
    assert clash["ref"] == {"kind": "group_booking", "id": held.pk}
    assert clash["existing_start"] == first.starts_at.isoformat()
    assert snapshot() == before


def test_cancel_frees_the_seat(client_for, enrolled, group, session_in):
    session = session_in(group)
    booking = services.book_group_session(session, enrolled)
    response = client_for(enrolled).post(URL + f"{booking.pk}/cancel/")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "cancelled"
    session.refresh_from_db()
    assert session.seats_taken == 0


def test_reschedule_moves_to_another_session_of_the_course(client_for, enrolled, group, session_in):
    old = session_in(group)
    new = session_in(group, hours=3)
    booking = services.book_group_session(old, enrolled)
    response = client_for(enrolled).post(
        URL + f"{booking.pk}/reschedule/", {"session": new.pk}, format="json"
    )
    assert response.status_code == 201, response.json()
    assert response.json()["session"]["id"] == new.pk
    assert Booking.objects.get(pk=booking.pk).status == "cancelled"


def test_reschedule_to_another_course_is_409_same_course(
    client_for, enrolled, group, session_in, make_course, teacher, enroll
):
    other = make_course("group_session", teacher=teacher)
    enroll(other, enrolled)
    booking = services.book_group_session(session_in(group), enrolled)
    elsewhere = session_in(other, hours=3)
    before = snapshot()
    refused(
        client_for(enrolled).post(
            URL + f"{booking.pk}/reschedule/", {"session": elsewhere.pk}, format="json"
        ),
        409,
        "same_course",
    )
    refused(
        client_for(enrolled).post(URL + f"{booking.pk}/reschedule/", {}, format="json"),
        400,
        "invalid_input",
        "session",
    )
    assert snapshot() == before


def test_leave_waitlist_and_not_on_waitlist(
    client_for, enrolled, make_user, group, session_in, enroll
):
    session = session_in(group, total_seats=1, enable_waitlist=True)
    first = make_user()
    enroll(group, first)
    seat = services.book_group_session(session, first)
    waiting = services.book_group_session(session, enrolled)
    c = client_for(enrolled)
    response = c.post(URL + f"{waiting.pk}/leave-waitlist/")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "cancelled"
    before = snapshot()
    refused(client_for(first).post(URL + f"{seat.pk}/leave-waitlist/"), 409, "not_on_waitlist")
    assert snapshot() == before


def test_another_student_s_booking_is_404_on_every_route_and_unchanged(
    client_for, enrolled, make_user, group, session_in
):
    booking = services.book_group_session(session_in(group), enrolled)
    target = session_in(group, hours=3)
    intruder = client_for(make_user("intruder"))
    before = snapshot()
    assert intruder.get(URL + f"{booking.pk}/").status_code == 404
    for action, body in [
        ("cancel/", {}),
        ("reschedule/", {"session": target.pk}),
        ("leave-waitlist/", {}),
    ]:
        refused(
            intruder.post(URL + f"{booking.pk}/{action}", body, format="json"), 404, "not_found"
        )
    assert intruder.get(URL).json()["results"] == []
    assert snapshot() == before


def test_the_session_s_teacher_reads_and_cancels_a_seat_as_on_the_roster_page(
    client_for, enrolled, group, session_in, teacher, make_user
):
    booking = services.book_group_session(session_in(group), enrolled)
    c = client_for(teacher)
    assert c.get(URL + f"{booking.pk}/").json()["student"] == enrolled.pk
    # ...but cannot move it or take it off a waitlist: those pages are the student's.
    assert c.post(URL + f"{booking.pk}/leave-waitlist/").status_code == 404
    response = c.post(URL + f"{booking.pk}/cancel/")
    assert response.status_code == 200, response.json()
    assert Booking.objects.get(pk=booking.pk).status == "cancelled"
    # A teacher of another course sees nothing.
    other_teacher = make_user()
    assert client_for(other_teacher).get(URL + f"{booking.pk}/").status_code == 404


def test_a_teacher_the_lms_removed_reads_no_seat_and_answers_no_request(
    client_for, make_course, teacher, student, session_in
):
    from lms.models import CourseTeacher

    course = make_course("group_session", teacher=teacher, students=[student])
    seat = services.book_group_session(session_in(course), student)
    assert client_for(teacher).get(URL + f"{seat.pk}/").status_code == 200
    CourseTeacher.objects.filter(teacher=teacher).delete()
    before = snapshot()
    refused(client_for(teacher).get(URL + f"{seat.pk}/"), 404, "not_found")
    refused(client_for(teacher).post(URL + f"{seat.pk}/cancel/"), 404, "not_found")
    assert snapshot() == before
