"""The list endpoints: cursor pages, and the same number of queries for 10 rows as for 200."""

from __future__ import annotations

from datetime import time, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from fluentory_bookings.contrib.django.models import (
    Booking,
    LiveClassSession,
    OneOnOneBooking,
    TeacherAvailability,
)
from tests.api.conftest import API
from tests.django.when import day

pytestmark = pytest.mark.django_db


def _sessions(
    course: Any, teacher: Any, n: int, *, seats_taken: int = 0, first: int = 0
) -> list[LiveClassSession]:
    base = timezone.now().replace(microsecond=0) + timedelta(days=2)
    return LiveClassSession.objects.bulk_create(
        LiveClassSession(
            course=course,
            teacher=teacher,
            title=f"S{i}",
            starts_at=base + timedelta(hours=2 * i),
            ends_at=base + timedelta(hours=2 * i + 1),
            seats_taken=seats_taken,
        )
        for i in range(first, first + n)
    )


def fill_sessions(n, first, *, group, teacher, student, **_):
    _sessions(group, teacher, n, first=first)
    return "sessions/?page_size=200"


def fill_group_bookings(n, first, *, group, teacher, student, **_):
    sessions = _sessions(group, teacher, n, seats_taken=1, first=first)
    Booking.objects.bulk_create(
        Booking(session=s, student=student, status="confirmed") for s in sessions
    )
    return "bookings/group/?page_size=200"


def fill_lessons(n, first, *, one_course, teacher, student, **_):
    base = timezone.now().replace(microsecond=0) + timedelta(days=2)
    OneOnOneBooking.objects.bulk_create(
        OneOnOneBooking(
            course=one_course,
            teacher=teacher,
            student=student,
            starts_at=base + timedelta(hours=2 * i),
            ends_at=base + timedelta(hours=2 * i + 1),
            status="confirmed",
            requested_at=timezone.now(),
        )
        for i in range(first, first + n)
    )
    return "bookings/one-on-one/?page_size=200"


def fill_availability(n, first, *, one_course, teacher, student, **_):
    TeacherAvailability.objects.bulk_create(
        TeacherAvailability(
            teacher=teacher,
            course=one_course,
            timezone="Europe/Berlin",
            kind="weekly",
            start_date=day(1),
            start_time=time(9),
            end_time=time(10),
            weekdays=[i % 7],
        )
        for i in range(n)
    )
    return "availability/?page_size=200"


FILLS = [fill_sessions, fill_group_bookings, fill_lessons, fill_availability]


def _count(client: Any, url: str, rows: int) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(API + url)
    assert response.status_code == 200, response.json()
    assert len(response.json()["results"]) == rows
    return len(ctx.captured_queries)


@pytest.mark.parametrize("fill", FILLS, ids=lambda f: f.__name__[5:])
def test_a_list_costs_the_same_queries_for_10_rows_as_for_200(
    fill, client_for, group, one_course, teacher, student, django_assert_num_queries
):
    viewer = teacher if fill is fill_availability else student
    c = client_for(viewer)
    people = {"group": group, "one_course": one_course, "teacher": teacher, "student": student}
    url = fill(10, 0, **people)
    ten = _count(c, url, 10)
    fill(190, 10, **people)
    with django_assert_num_queries(ten):
        c.get(API + url)
    assert _count(c, url, 200) == ten


def test_cursor_pages_walk_every_row_once_in_order(client_for, group, teacher, student):
    made = _sessions(group, teacher, 25)
    c = client_for(student)
    seen: list[int] = []
    url: str | None = API + "sessions/?page_size=10"
    pages = 0
    while url:
        body = c.get(url).json()
        seen += [r["id"] for r in body["results"]]
        url = body["next"]
        pages += 1
    assert pages == 3
    assert seen == [s.pk for s in made]


def test_the_default_page_is_50_rows(client_for, group, teacher, student):
    _sessions(group, teacher, 60)
    body = client_for(student).get(API + "sessions/").json()
    assert len(body["results"]) == 50
    assert body["next"]
