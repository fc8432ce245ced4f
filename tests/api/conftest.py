"""API fixtures: the Django suite's people and courses, a DRF client per user, and a snapshot
of every booking table to prove that a refused request wrote nothing."""

from __future__ import annotations

from datetime import time, timedelta
from typing import Any

import pytest
from rest_framework.test import APIClient

from fluentory_bookings.contrib.django import services
from fluentory_bookings.contrib.django.models import (
    Booking,
    FeedToken,
    LiveClassSession,
    OneOnOneBooking,
    TeacherAvailability,
)
from tests.django import conftest as shared
from tests.django.when import day

# The Django suite's fixtures: its people, courses and clock.
clock = shared.clock
empty_cache = shared.empty_cache  # autouse: the write throttle's counts start at zero
enroll = shared.enroll
group = shared.group
make_course = shared.make_course
make_user = shared.make_user
soon = shared.soon
staff = shared.staff
student = shared.student
teacher = shared.teacher

API = "/api/"


@pytest.fixture
def client_for(db):
    """``client_for(user)``: a DRF client logged in as ``user`` (``None``: anonymous)."""

    def make(user: Any) -> APIClient:
        c = APIClient()
        if user is not None:
            c.force_authenticate(user)
        return c

    return make


@pytest.fixture
def session_in(teacher, soon):
    """``session_in(course, **fields)``: a group session of ``course`` taught by ``teacher``."""

    def make(course: Any, *, hours: int = 0, **fields: Any) -> LiveClassSession:
        start = soon + timedelta(hours=hours)
        return services.create_session(
            course=course,
            teacher=teacher,
            title=fields.pop("title", "Conversation"),
            starts_at=start,
            ends_at=start + timedelta(hours=1),
            **fields,
        )

    return make


@pytest.fixture
def one_course(make_course, teacher, student):
    """A 1:1 course taught by ``teacher``, ``student`` enrolled, lessons confirmed at once."""
    return make_course("one_on_one", teacher=teacher, students=[student])


@pytest.fixture
def availability(teacher, one_course):
    """Every day from tomorrow, 08:00-20:00 UTC, hour-long slots."""
    return services.set_availability(
        teacher,
        course=one_course,
        timezone="UTC",
        kind="weekly",
        start_date=day(1),
        start_time=time(8),
        end_time=time(20),
        weekdays=range(7),
    )


def snapshot() -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every booking table (and the feeds' tokens), to compare before and after a
    refused request."""
    return {
        model.__name__: sorted(model.objects.values_list())
        for model in (LiveClassSession, Booking, OneOnOneBooking, TeacherAvailability, FeedToken)
    }


def refused(response: Any, status: int, code: str, field: str | None = None) -> dict[str, Any]:
    """Assert the error shape: status, stable code, a message, the field at fault."""
    body = response.json()
    assert response.status_code == status, body
    assert body["code"] == code, body
    assert body["message"], body
    if field is not None:
        assert body["field"] == field, body
    return body
