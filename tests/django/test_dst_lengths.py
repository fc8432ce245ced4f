"""A 1:1 lesson lasts its slot's real length, whatever zone the caller's start carries.

Each case starts a 90-minute lesson just before a 2027 DST change of the caller's zone, so that
adding 90 minutes on that zone's wall clock would give 30, 60, 120 or 150 real minutes. The
availability is in UTC with its window starting at the lesson, so the slot is on the grid
whichever way the window rule reads DST.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from fluentory_bookings.contrib.django.models import OneOnOneBooking
from fluentory_bookings.contrib.django.services import (
    check_one_on_one_eligibility,
    request_one_on_one,
    set_availability,
)

pytestmark = pytest.mark.django_db

LESSON = timedelta(minutes=90)

# (zone, local start just before its transition); the wall-clock sum would be wrong by the shift.
CASES = [
    ("Europe/Berlin", datetime(2027, 3, 28, 1, 30)),  # 02:00 -> 03:00: 30 min on the wall
    ("Europe/Berlin", datetime(2027, 10, 31, 1, 30)),  # 03:00 -> 02:00: 150 min
    ("America/New_York", datetime(2027, 3, 14, 1, 30)),  # 02:00 -> 03:00: 30 min
    ("America/New_York", datetime(2027, 11, 7, 0, 30)),  # 02:00 -> 01:00: 150 min
    ("Australia/Lord_Howe", datetime(2027, 4, 4, 1, 0)),  # 02:00 -> 01:30: 120 min
    ("Australia/Lord_Howe", datetime(2027, 10, 3, 1, 30)),  # 02:00 -> 02:30: 60 min
]
IDS = [f"{zone}-{local:%m-%d}" for zone, local in CASES]


@pytest.fixture
def course(make_course, teacher, student):
    return make_course("one_on_one", teacher=teacher, students=[student])


def utc_window_at(teacher, course, start_utc: datetime, *, weekly: bool):
    """A six-hour UTC window starting at ``start_utc`` (weekly on its weekday, or once)."""
    extra = {"kind": "weekly", "weekdays": [start_utc.weekday()]} if weekly else {}
    return set_availability(
        teacher,
        course=course,
        timezone="UTC",
        kind=extra.pop("kind", "one_time"),
        start_date=start_utc.date(),
        start_time=start_utc.time(),
        end_time=(start_utc + timedelta(hours=6)).time(),
        slot_minutes=90,
        **extra,
    )


def zoned(zone: str, local: datetime) -> datetime:
    start = local.replace(tzinfo=ZoneInfo(zone))
    # The case is only a test if the wall-clock sum really is wrong.
    assert (start + LESSON).astimezone(UTC) - start.astimezone(UTC) != LESSON
    return start


@pytest.mark.parametrize(("zone", "local"), CASES, ids=IDS)
def test_a_lesson_keeps_its_real_length(zone, local, teacher, student, course, clock):
    start = zoned(zone, local)
    start_utc = start.astimezone(UTC)
    clock(start_utc - timedelta(days=2))
    av = utc_window_at(teacher, course, start_utc, weekly=False)

    assert check_one_on_one_eligibility(av, student, course, starts_at=start)
    [booking] = request_one_on_one(av, student, start)

    stored = OneOnOneBooking.objects.get(pk=booking.pk)
    assert stored.starts_at == start_utc
    assert stored.ends_at - stored.starts_at == LESSON
    assert booking.ends_at == start_utc + LESSON


@pytest.mark.parametrize(("zone", "local"), CASES, ids=IDS)
def test_a_weekly_series_keeps_the_real_length_every_week(
    zone, local, teacher, student, course, clock
):
    start = zoned(zone, local)
    start_utc = start.astimezone(UTC)
    clock(start_utc - timedelta(days=2))
    av = utc_window_at(teacher, course, start_utc, weekly=True)

    created = request_one_on_one(av, student, start, weeks=3)

    stored = OneOnOneBooking.objects.filter(pk__in=[b.pk for b in created]).order_by("starts_at")
    assert [b.starts_at for b in stored] == [start_utc + timedelta(weeks=w) for w in range(3)]
    assert {b.ends_at - b.starts_at for b in stored} == {LESSON}
