"""Every typed refusal has one status and a stable code; DRF's own errors share the body shape."""

from __future__ import annotations

import pytest
from django.test import override_settings
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler

from fluentory_bookings.contrib.django.api.errors import (
    api_exception_handler,
    error_code,
    error_status,
)
from fluentory_bookings.contrib.django.services import TryAgain
from fluentory_bookings.core import errors as e
from tests.api.conftest import API, refused, snapshot

CASES = [
    (e.InvalidInput("x", field="f"), 400, "invalid_input"),
    (e.InvalidInterval("x"), 400, "invalid_interval"),
    (e.InvalidMeetingLink("javascript:x"), 400, "invalid_meeting_link"),
    (e.InvalidTimezone("Nowhere"), 400, "invalid_timezone"),
    (e.InvalidRule("x"), 400, "invalid_rule"),
    (e.InvalidSeats(0), 400, "invalid_seats"),
    (e.LimitExceeded("x", limit=3), 400, "limit_exceeded"),
    (e.NotPermitted("x"), 403, "not_permitted"),
    (e.PolicyViolation("enrollment", "x"), 403, "enrollment"),
    (e.PolicyViolation("booking_type", "x"), 409, "booking_type"),
    (e.PolicyViolation("cancellation_cutoff", "x"), 409, "cancellation_cutoff"),
    (e.SessionFull(1), 409, "session_full"),
    (e.SessionClosed(1, "cancelled"), 409, "session_closed"),
    (e.AlreadyBooked(session_id=1, student_id=2), 409, "already_booked"),
    (e.NotOnWaitlist(1), 409, "not_on_waitlist"),
    (e.SlotUnavailable("x", reason="taken"), 409, "slot_unavailable"),
    (e.Conflict([]), 409, "conflict"),
    (e.InvalidTransition("declined", "confirmed"), 409, "invalid_transition"),
    (e.SeatsBelowConfirmed(session_id=1, total_seats=1, confirmed=2), 409, "seats_below_confirmed"),
    (TryAgain("contention", "x"), 409, "try_again"),
]


@pytest.mark.parametrize(("exc", "status", "code"), CASES, ids=lambda c: getattr(c, "code", None))
def test_each_refusal_maps_to_one_status_and_code(exc, status, code):
    assert (error_status(exc), error_code(exc)) == (status, code)


def test_every_error_class_is_covered():
    covered = {type(exc) for exc, _, _ in CASES}
    declared = {
        cls
        for cls in (getattr(e, name) for name in e.__all__)
        if isinstance(cls, type) and issubclass(cls, e.BookingError)
    } - {e.BookingError}
    assert declared <= covered


def test_the_host_s_global_exception_handler_is_left_alone():
    assert api_settings.EXCEPTION_HANDLER is exception_handler


@pytest.mark.django_db
def test_method_not_allowed_and_malformed_json_share_the_body_shape(client_for, student):
    c = client_for(student)
    refused(c.delete(API + "sessions/"), 405, "method_not_allowed")
    refused(
        c.post(API + "bookings/group/", "{not json", content_type="application/json"),
        400,
        "parse_error",
    )


@pytest.mark.django_db
@override_settings(LANGUAGE_CODE="de")
def test_messages_are_translated(client_for, student):
    body = refused(client_for(student).get(API + "sessions/?tz=Nowhere"), 400, "invalid_timezone")
    assert body["message"] != "Please choose a time zone from the list.", body


def test_try_again_asks_the_client_to_retry():
    response = api_exception_handler(TryAgain("contention", "busy"), {})
    assert response.status_code == 409
    assert response["Retry-After"] == "1"
    assert response.data["code"] == "try_again"
    assert api_exception_handler(e.SessionFull(1), {}).get("Retry-After") is None


@pytest.mark.django_db
def test_a_refusal_carries_the_precise_english_detail_for_developers(client_for, student):
    body = refused(client_for(student).get(API + "sessions/?course=x1"), 400, "invalid_input")
    assert body["detail"] == "course must be a positive whole number, not 'x1'"


@pytest.mark.django_db
def test_a_format_no_renderer_has_is_a_400_on_format_and_changes_nothing(
    client_for, student, make_course, teacher
):
    """Not DRF's undocumented 404 on a path that exists (schemathesis sent ``?format=\\x9e``)."""
    c = client_for(student)
    before = snapshot()
    for response in (
        c.get(API + "sessions/?format=xml"),
        c.post(API + "bookings/group/?format=%C2%9E", {"session": 1}, format="json"),
        c.post(API + "calendar-feeds/student/?format=ics"),
    ):
        refused(response, 400, "invalid_input", field="format")
        assert response["Content-Type"] == "application/json"
    assert snapshot() == before
    assert c.get(API + "sessions/?format=json").status_code == 200
