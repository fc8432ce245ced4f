"""Bad input to the services: a typed error naming the field, and nothing written.

Every case runs on SQLite (which would store an over-long title silently) and on PostgreSQL
(which would answer a raw ``DataError``): the answer must be the same typed error on both.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from importlib import resources
from zoneinfo import ZoneInfo

import pytest

from fluentory_bookings.contrib.django.models import (
    LiveClassSession,
    OneOnOneBooking,
    TeacherAvailability,
)
from fluentory_bookings.contrib.django.services import (
    create_session,
    open_slots_for,
    request_one_on_one,
    set_availability,
    update_session,
)
from fluentory_bookings.core.errors import (
    InvalidInput,
    InvalidInterval,
    InvalidMeetingLink,
    InvalidRule,
    InvalidSeats,
    InvalidTimezone,
    LimitExceeded,
    PolicyViolation,
)
from lms.adapter import LmsBookingAdapter
from tests.django.when import at, day

pytestmark = pytest.mark.django_db

LONG_LINK = "https://meet.example.com/" + "x" * 480  # 504 characters: over the 500 column


class LongLinkAdapter(LmsBookingAdapter):
    def generate_meeting_link(self, booking):
        return LONG_LINK


def keyless_zone() -> ZoneInfo:
    """A real zone read from a file: it has no IANA name to store."""
    with resources.files("tzdata.zoneinfo").joinpath("Europe/Berlin").open("rb") as f:
        zone = ZoneInfo.from_file(f)
    assert zone.key is None
    return zone


def rows() -> tuple[int, int, int]:
    return (
        LiveClassSession.objects.count(),
        TeacherAvailability.objects.count(),
        OneOnOneBooking.objects.count(),
    )


@pytest.fixture(autouse=True)
def teaches_one_on_one(make_course, teacher):
    """``teacher`` teaches a 1:1 course, so availability without a course is theirs to publish
    (``can_offer_one_on_one``); the tests here are about what they publish."""
    return make_course("one_on_one", teacher=teacher)


# --- group sessions -----------------------------------------------------------------------------


@pytest.fixture
def new_session(group, teacher, soon):
    def create(**changes):
        fields = {
            "course": group,
            "teacher": teacher,
            "title": "Conversation",
            "starts_at": soon,
            "ends_at": soon + timedelta(hours=1),
        }
        fields.update(changes)
        return create_session(**fields)

    return create


SESSION_CASES = [
    ({"title": "t" * 201}, InvalidInput, "title"),
    ({"title": None}, InvalidInput, "title"),
    ({"title": "   "}, InvalidInput, "title"),
    ({"description": None}, InvalidInput, "description"),
    ({"description": "d" * 5001}, InvalidInput, "description"),
    ({"meeting_link": LONG_LINK}, InvalidMeetingLink, "meeting_link"),
    ({"total_seats": 10**12}, LimitExceeded, "total_seats"),
    ({"total_seats": 2**31}, LimitExceeded, "total_seats"),
    ({"timezone": keyless_zone()}, InvalidTimezone, "timezone"),
    ({"timezone": "Mars/Olympus"}, InvalidTimezone, "timezone"),
]


@pytest.mark.parametrize(("changes", "error", "field"), SESSION_CASES)
def test_create_session_refuses_what_cannot_be_stored(new_session, changes, error, field):
    with pytest.raises(error) as exc:
        new_session(**changes)
    assert exc.value.field == field
    assert rows() == (0, 0, 0)


def test_the_largest_storable_capacity_title_and_description_are_accepted(new_session):
    session = new_session(title="t" * 200, total_seats=2**31 - 1, description="d" * 5000)
    session.refresh_from_db()
    assert (len(session.title), session.total_seats) == (200, 2**31 - 1)
    assert len(session.description) == 5000


def test_a_named_zoneinfo_is_accepted(new_session):
    session = new_session(timezone=ZoneInfo("Europe/Berlin"))
    session.refresh_from_db()
    assert str(session.timezone) == "Europe/Berlin"


def test_an_adapter_link_too_long_to_store_is_refused_and_nothing_is_written(new_session, settings):
    settings.FLUENTORY_BOOKINGS_ADAPTER = "tests.django.test_input_validation.LongLinkAdapter"
    with pytest.raises(InvalidMeetingLink) as exc:
        new_session()
    assert exc.value.field == "meeting_link"
    assert rows() == (0, 0, 0)


@pytest.mark.parametrize(("changes", "error", "field"), SESSION_CASES)
def test_update_session_refuses_the_same_values(new_session, teacher, changes, error, field):
    session = new_session()
    before = LiveClassSession.objects.filter(pk=session.pk).values().get()
    with pytest.raises(error) as exc:
        update_session(session, teacher, **changes)
    assert exc.value.field == field
    assert LiveClassSession.objects.filter(pk=session.pk).values().get() == before


# --- availability -------------------------------------------------------------------------------


def publish(teacher, **changes):
    fields = {
        "timezone": "UTC",
        "kind": "one_time",
        "start_date": day(3),
        "start_time": time(9),
        "end_time": time(12),
    }
    fields.update(changes)
    return set_availability(teacher, **fields)


@pytest.mark.parametrize(
    ("changes", "error", "field"),
    [
        ({"start_time": "09:00"}, InvalidRule, "start_time"),
        ({"end_time": "12:00"}, InvalidRule, "end_time"),
        ({"start_time": 9}, InvalidRule, "start_time"),
        ({"start_time": datetime(2030, 1, 1, 9)}, InvalidRule, "start_time"),
        ({"start_time": time(9, tzinfo=UTC)}, InvalidRule, "start_time"),
        ({"kind": "weekly", "weekdays": [0], "start_time": "09:00"}, InvalidRule, "start_time"),
        ({"timezone": keyless_zone()}, InvalidTimezone, "timezone"),
    ],
)
def test_set_availability_refuses_malformed_times_and_zones(teacher, changes, error, field):
    with pytest.raises(error) as exc:
        publish(teacher, **changes)
    assert exc.value.field == field
    assert rows() == (0, 0, 0)


@pytest.mark.parametrize("booking_type", ["group_session", "none"])
def test_set_availability_refuses_a_course_that_takes_no_one_on_one(
    make_course, teacher, booking_type
):
    course = make_course(booking_type, teacher=teacher)
    with pytest.raises(PolicyViolation) as exc:
        publish(teacher, course=course)
    assert exc.value.rule == "booking_type"
    assert rows() == (0, 0, 0)


def test_an_update_to_such_a_course_changes_nothing(make_course, teacher):
    av = publish(teacher, course=make_course("one_on_one", teacher=teacher))
    before = TeacherAvailability.objects.filter(pk=av.pk).values().get()
    with pytest.raises(PolicyViolation):
        publish(teacher, availability=av, course=make_course("group_session", teacher=teacher))
    assert TeacherAvailability.objects.filter(pk=av.pk).values().get() == before


@pytest.mark.parametrize(
    "bounds",
    [
        {"end": datetime.max.replace(tzinfo=UTC)},
        {"end": datetime.max},  # noqa: DTZ901 - a naive limit is a case of its own
        {"start": datetime.min.replace(tzinfo=UTC)},
        {"start": at(day(3), 9), "end": datetime.max.replace(tzinfo=UTC)},
    ],
)
def test_open_slots_for_refuses_instants_at_the_limits_of_datetime(teacher, bounds):
    av = publish(teacher)
    with pytest.raises(InvalidInterval):
        open_slots_for(av, **bounds)


def test_an_adapter_link_too_long_for_a_lesson_is_refused_and_nothing_is_written(
    make_course, teacher, student, settings
):
    course = make_course("one_on_one", teacher=teacher, students=[student])
    av = publish(teacher, course=course)
    settings.FLUENTORY_BOOKINGS_ADAPTER = "tests.django.test_input_validation.LongLinkAdapter"
    with pytest.raises(InvalidMeetingLink):
        request_one_on_one(av, student, at(day(3), 9))
    assert OneOnOneBooking.objects.count() == 0


def test_a_seat_count_that_is_not_a_number_stays_invalid_seats(new_session):
    with pytest.raises(InvalidSeats):
        new_session(total_seats="10")
