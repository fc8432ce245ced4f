"""Requests racing through the API in real threads, each with its own database connection."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from fluentory_bookings.contrib.django.models import Booking, OneOnOneBooking
from tests.api.conftest import API
from tests.django.conftest import race
from tests.django.when import at, day

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.concurrency]


def post_as(user, url, body):
    client = APIClient()
    client.force_authenticate(user)
    response = client.post(url, body, format="json")
    body = response.json()
    if response.status_code >= 300:
        return response.status_code, body["code"]
    return response.status_code, body.get("status") or body["bookings"][0]["status"]


def test_eight_students_racing_for_the_last_seat_get_one_seat(make_user, group, session_in, enroll):
    session = session_in(group, total_seats=1)
    students = [make_user() for _ in range(8)]
    enroll(group, *students)
    results = race(
        post_as, [(s, API + "bookings/group/", {"session": session.pk}) for s in students]
    )
    assert sorted(results) == [(201, "confirmed")] + [(409, "session_full")] * 7, results
    assert Booking.objects.filter(session=session, status="confirmed").count() == 1
    session.refresh_from_db()
    assert session.seats_taken == 1


def test_six_students_racing_for_one_slot_get_one_lesson(
    make_user, availability, one_course, enroll
):
    students = [make_user() for _ in range(6)]
    enroll(one_course, *students)
    body = {"availability": availability.pk, "starts_at": at(day(3), 10).isoformat()}
    results = race(post_as, [(s, API + "bookings/one-on-one/", body) for s in students])
    assert sorted(results)[0] == (201, "confirmed"), results
    assert {code for status, code in sorted(results)[1:]} <= {"slot_unavailable", "conflict"}
    assert [status for status, _ in sorted(results)] == [201] + [409] * 5, results
    assert OneOnOneBooking.objects.count() == 1
