"""The API refuses dates beyond the scheduling horizon, and edge dates, with a typed 400 and
nothing written (issue 17, items 6 and 8)."""

from __future__ import annotations

import pytest

from fluentory_bookings.core import MAX_SCHEDULE_AHEAD
from tests.api.conftest import API, refused, snapshot
from tests.django.when import at, day

BEYOND = day(MAX_SCHEDULE_AHEAD.days + 2)


def rule(course, **changes):
    data = {
        "course": course.pk,
        "kind": "weekly",
        "timezone": "Etc/GMT+12",
        "start_date": day(1).isoformat(),
        "start_time": "09:00",
        "end_time": "12:00",
        "weekdays": [0, 2, 4],
        "slot_minutes": 45,
    }
    return {**data, **changes}


@pytest.mark.parametrize(
    ("changes", "code", "field"),
    [
        ({"start_date": BEYOND.isoformat()}, "limit_exceeded", "start_date"),
        ({"start_date": "9979-01-05"}, "limit_exceeded", "start_date"),
        ({"end_date": BEYOND.isoformat()}, "limit_exceeded", "end_date"),
        ({"end_date": "9999-12-31"}, "invalid_interval", "end_date"),
        ({"excluded_dates": [day(2).isoformat(), "9979-01-05"]}, "limit_exceeded", None),
    ],
)
def test_availability_dates_beyond_the_horizon_are_a_400(
    client_for, teacher, one_course, changes, code, field
):
    before = snapshot()
    response = client_for(teacher).post(
        API + "availability/", rule(one_course, **changes), format="json"
    )
    body = refused(response, 400, code, field)
    assert body["field"].startswith(next(iter(changes)))
    assert snapshot() == before


def test_changing_an_availability_to_end_far_away_is_a_400(client_for, teacher, availability):
    before = snapshot()
    response = client_for(teacher).patch(
        API + f"availability/{availability.pk}/", {"end_date": "9979-01-05"}, format="json"
    )
    refused(response, 400, "limit_exceeded", "end_date")
    assert snapshot() == before


@pytest.mark.parametrize(
    ("starts_at", "code"),
    [
        (at(BEYOND, 9).isoformat(), "limit_exceeded"),
        ("9979-01-05T09:00:00Z", "limit_exceeded"),
        ("9999-12-31T23:00:00-05:00", "invalid_input"),
    ],
)
def test_a_lesson_beyond_the_horizon_is_a_400_even_without_a_booking_horizon(
    settings, client_for, student, availability, starts_at, code
):
    settings.FLUENTORY_BOOKINGS_BOOKING_HORIZON = None
    before = snapshot()
    response = client_for(student).post(
        API + "bookings/one-on-one/",
        {"availability": availability.pk, "starts_at": starts_at},
        format="json",
    )
    refused(response, 400, code, "starts_at")
    assert snapshot() == before


@pytest.mark.parametrize("path", ["slots/", "sessions/"])
@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("from=9979-01-05&to=9979-01-06", "from"),
        ("from=FAR&to=FAR_END", "from"),
        ("from=LAST&to=FAR_END", "to"),
    ],
)
def test_listing_ranges_beyond_the_horizon_are_a_400(
    client_for, student, one_course, availability, path, query, field
):
    query = (
        query.replace("FAR_END", day(MAX_SCHEDULE_AHEAD.days + 4).isoformat())
        .replace("FAR", BEYOND.isoformat())
        .replace("LAST", day(MAX_SCHEDULE_AHEAD.days - 5).isoformat())
    )
    response = client_for(student).get(f"{API}{path}?course={one_course.pk}&{query}")
    refused(response, 400, "limit_exceeded", field)


def test_a_range_from_near_the_horizon_stops_at_it(client_for, student, one_course):
    start = day(MAX_SCHEDULE_AHEAD.days - 5).isoformat()
    response = client_for(student).get(f"{API}sessions/?course={one_course.pk}&from={start}")
    assert response.status_code == 200, response.json()
