"""Publishing 1:1 availability, listing its open slots, and who may book it."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from fluentory_bookings.contrib.django.models import (
    LiveClassSession,
    OneOnOneBooking,
    TeacherAvailability,
)
from fluentory_bookings.contrib.django.services import (
    Eligibility,
    cancel_one_on_one,
    check_one_on_one_eligibility,
    open_slots_for,
    request_one_on_one,
    set_availability,
)
from fluentory_bookings.core.errors import (
    InvalidInterval,
    InvalidRule,
    InvalidTimezone,
    NotPermitted,
    PolicyViolation,
    SlotUnavailable,
)
from lms.adapter import LmsBookingAdapter
from tests.django.when import BERLIN, at, day


class BusyAdapter(LmsBookingAdapter):
    """The example LMS's adapter plus an external calendar the test fills in."""

    busy: list[tuple[datetime, datetime]] = []

    def get_external_busy(self, teacher, start, end):
        return [(s, e) for s, e in self.busy if s < end and e > start]


BUSY_ADAPTER = "tests.django.test_availability.BusyAdapter"


@pytest.fixture(autouse=True)
def teaches_one_on_one(make_course, teacher):
    """``teacher`` teaches a 1:1 course, so availability without a course is theirs to publish
    (``can_offer_one_on_one``); the tests here are about what they publish."""
    return make_course("one_on_one", teacher=teacher)


@pytest.fixture
def one_on_one(make_course, teacher, student):
    return make_course("one_on_one", teacher=teacher, students=[student])


@pytest.fixture
def morning(teacher, one_on_one):
    """A one-time window 09:00-12:00 UTC three days from now: slots at 9, 10 and 11."""
    return set_availability(
        teacher,
        course=one_on_one,
        timezone="UTC",
        kind="one_time",
        start_date=day(3),
        start_time=time(9),
        end_time=time(12),
    )


def starts(slots) -> list[datetime]:
    return [s.start for s in slots]


# --- publishing ---------------------------------------------------------------------------------


def test_one_time_availability_is_cut_into_slots(morning):
    assert morning.pk is not None
    assert morning.kind == "one_time"
    assert str(morning.timezone) == "UTC"
    assert starts(open_slots_for(morning)) == [at(day(3), h) for h in (9, 10, 11)]
    assert morning.is_available_for_booking
    assert not morning.is_booked


def test_weekly_availability_repeats_on_its_weekdays(teacher, one_on_one):
    first = day(3)
    av = set_availability(
        teacher,
        course=one_on_one,
        timezone="UTC",
        kind="weekly",
        start_date=first,
        weekdays=[first.weekday()],
        excluded_dates=[first + timedelta(days=14)],
        start_time=time(9),
        end_time=time(11),
    )
    slots = open_slots_for(av, end=at(first + timedelta(days=28), 0))
    expected = [at(first + timedelta(days=7 * w), h) for w in (0, 1, 3) for h in (9, 10)]
    assert starts(slots) == expected
    assert av.weekdays == [first.weekday()]
    assert av.excluded_dates == [(first + timedelta(days=14)).isoformat()]


def test_slot_length_and_buffers_shape_the_grid(teacher, one_on_one):
    av = set_availability(
        teacher,
        timezone="UTC",
        kind="one_time",
        start_date=day(3),
        start_time=time(9),
        end_time=time(11),
        slot_minutes=30,
    )
    assert starts(open_slots_for(av)) == [at(day(3), 9, m) for m in (0, 30)] + [
        at(day(3), 10, m) for m in (0, 30)
    ]
    assert open_slots_for(av, limit=2) == open_slots_for(av)[:2]
    assert starts(open_slots_for(av, start=at(day(3), 10), end=at(day(3), 10, 30))) == [
        at(day(3), 10)
    ]


def test_update_keeps_the_row_and_changes_the_slots(teacher, morning):
    same = set_availability(
        teacher,
        availability=morning,
        timezone="Europe/Berlin",
        kind="one_time",
        start_date=day(3),
        start_time=time(14),
        end_time=time(16),
    )
    assert same.pk == morning.pk
    assert TeacherAvailability.objects.count() == 1
    assert morning.start_time == time(14)  # the caller's instance is refreshed too
    assert morning.course is None
    assert starts(open_slots_for(same)) == [at(day(3), h, tz=BERLIN) for h in (14, 15)]


def test_deactivated_availability_has_no_slots(teacher, morning):
    set_availability(
        teacher,
        availability=morning,
        timezone="UTC",
        kind="one_time",
        start_date=day(3),
        start_time=time(9),
        end_time=time(12),
        is_active=False,
    )
    morning.refresh_from_db()
    assert open_slots_for(morning) == []
    assert not morning.is_available_for_booking


# --- bad input: typed error, nothing written -----------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "error", "field"),
    [
        ({"timezone": "Mars/Olympus"}, InvalidTimezone, None),
        ({"timezone": ""}, InvalidTimezone, None),
        ({"end_date": "before"}, InvalidRule, "end_date"),
        ({"weekdays": []}, InvalidRule, "weekdays"),
        ({"weekdays": [7]}, InvalidRule, "weekdays"),
        ({"end_time": time(9)}, InvalidRule, "end_time"),
        ({"slot_minutes": 0}, InvalidRule, "slot_minutes"),
        ({"slot_minutes": 180}, InvalidRule, "slot_minutes"),
        ({"buffer_after_minutes": -5}, InvalidRule, "buffer_after_minutes"),
        ({"kind": "monthly"}, InvalidRule, "kind"),
        ({"excluded_dates": ["not a date"]}, InvalidRule, "excluded_dates"),
    ],
)
def test_invalid_availability_writes_nothing(teacher, changes, error, field):
    fields = {
        "timezone": "Europe/Berlin",
        "kind": "weekly",
        "start_date": day(3),
        "weekdays": [0, 2],
        "start_time": time(9),
        "end_time": time(11),
    }
    fields.update(changes)
    if fields.get("end_date") == "before":
        fields["end_date"] = fields["start_date"] - timedelta(days=1)
    with pytest.raises(error) as exc:
        set_availability(teacher, **fields)
    if field is not None:
        assert exc.value.field == field
    assert TeacherAvailability.objects.count() == 0


WEEKLY = {
    "timezone": "Europe/Berlin",
    "kind": "weekly",
    "weekdays": [0, 2],
    "start_time": time(9),
    "end_time": time(11),
}

# Refusals the test above does not reach: each is raised before the transaction, by the checks
# that turn raw arguments into typed values, or by the core once the row is built.
MORE_BAD_INPUT = [
    ({"start_date": "2030-01-07"}, "start_date"),
    ({"start_date": datetime(2030, 1, 7)}, "start_date"),
    ({"end_date": "2030-02-07"}, "end_date"),
    ({"end_date": datetime(2030, 2, 7)}, "end_date"),
    ({"slot_minutes": 1441}, "slot_minutes"),
    ({"slot_minutes": True}, "slot_minutes"),
    ({"slot_minutes": "60"}, "slot_minutes"),
    ({"buffer_before_minutes": 1441}, "buffer_before_minutes"),
    ({"buffer_after_minutes": 2.5}, "buffer_after_minutes"),
    ({"weekdays": "0,2"}, "weekdays"),
    ({"weekdays": [True]}, "weekdays"),
    ({"excluded_dates": [datetime(2030, 1, 7)]}, "excluded_dates"),
]


@pytest.mark.parametrize(("changes", "field"), MORE_BAD_INPUT)
def test_more_invalid_availability_writes_nothing(teacher, changes, field):
    with pytest.raises(InvalidRule) as exc:
        set_availability(teacher, **{**WEEKLY, "start_date": day(3), **changes})
    assert exc.value.field == field
    assert TeacherAvailability.objects.count() == 0


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        *MORE_BAD_INPUT,
        ({"kind": "monthly"}, "kind"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"start_time": "09:00"}, "start_time"),
        ({"excluded_dates": ["not a date"]}, "excluded_dates"),
        ({"weekdays": []}, "weekdays"),  # refused by the core, inside the transaction
        ({"end_time": time(9)}, "end_time"),
        ({"slot_minutes": 180}, "slot_minutes"),  # a slot longer than the window
    ],
)
def test_an_invalid_update_changes_neither_the_row_nor_the_caller_s_instance(
    teacher, changes, field
):
    av = set_availability(teacher, **{**WEEKLY, "start_date": day(3)})
    before = TeacherAvailability.objects.filter(pk=av.pk).values().get()
    with pytest.raises((InvalidRule, InvalidTimezone)) as exc:
        set_availability(teacher, availability=av, **{**WEEKLY, "start_date": day(4), **changes})
    assert exc.value.field == field
    assert TeacherAvailability.objects.filter(pk=av.pk).values().get() == before
    assert (av.start_date, av.weekdays) == (day(3), [0, 2])


def test_an_availability_never_saved_is_refused_and_nothing_is_written(teacher):
    with pytest.raises(InvalidRule) as exc:
        set_availability(
            teacher, availability=TeacherAvailability(teacher=teacher), start_date=day(3), **WEEKLY
        )
    assert exc.value.field == "availability"
    assert TeacherAvailability.objects.count() == 0


def test_only_a_teacher_of_the_course_may_publish_for_it(make_user, make_course, teacher):
    other = make_user()
    course = make_course("one_on_one", teacher=other)
    with pytest.raises(NotPermitted):
        set_availability(
            teacher,
            course=course,
            timezone="UTC",
            kind="one_time",
            start_date=day(3),
            start_time=time(9),
            end_time=time(10),
        )
    assert TeacherAvailability.objects.count() == 0


def test_nobody_updates_someone_elses_availability(make_user, morning):
    intruder = make_user()
    with pytest.raises(NotPermitted):
        set_availability(
            intruder,
            availability=morning,
            timezone="UTC",
            kind="one_time",
            start_date=day(4),
            start_time=time(8),
            end_time=time(9),
        )
    morning.refresh_from_db()
    assert (morning.start_date, morning.start_time) == (day(3), time(9))


def test_reversed_listing_range_is_a_typed_error(morning):
    with pytest.raises(InvalidInterval):
        open_slots_for(morning, start=at(day(3), 12), end=at(day(3), 9))


# --- busy time ----------------------------------------------------------------------------------


def test_booked_slot_leaves_and_returns_on_cancel(morning, student, one_on_one):
    [booking] = request_one_on_one(morning, student, at(day(3), 10))
    assert morning.is_booked
    assert starts(open_slots_for(morning)) == [at(day(3), 9), at(day(3), 11)]
    cancel_one_on_one(booking, student)
    assert not morning.is_booked
    assert starts(open_slots_for(morning)) == [at(day(3), h) for h in (9, 10, 11)]


def test_group_session_the_teacher_teaches_blocks_slots(morning, teacher, make_course):
    group = make_course("group_session", teacher=teacher)
    LiveClassSession.objects.create(
        course=group,
        teacher=teacher,
        title="Live",
        starts_at=at(day(3), 10, 30),
        ends_at=at(day(3), 11, 30),
    )
    assert starts(open_slots_for(morning)) == [at(day(3), 9)]


def test_buffers_keep_distance_from_commitments(teacher, one_on_one, make_course):
    av = set_availability(
        teacher,
        timezone="UTC",
        kind="one_time",
        start_date=day(3),
        start_time=time(9),
        end_time=time(13),
        buffer_after_minutes=15,
    )
    LiveClassSession.objects.create(
        course=make_course("group_session", teacher=teacher),
        teacher=teacher,
        title="Live",
        starts_at=at(day(3), 11),
        ends_at=at(day(3), 12),
    )
    # 10:00-11:00 plus 15 minutes after would run into 11:00; 12:00 is 15 minutes too early.
    assert starts(open_slots_for(av)) == [at(day(3), 9)]


@override_settings(FLUENTORY_BOOKINGS_ADAPTER=BUSY_ADAPTER)
def test_external_busy_time_from_the_adapter_blocks_slots(morning):
    BusyAdapter.busy = [(at(day(3), 9, 15), at(day(3), 9, 45))]
    try:
        assert starts(open_slots_for(morning)) == [at(day(3), 10), at(day(3), 11)]
    finally:
        BusyAdapter.busy = []


@override_settings(FLUENTORY_BOOKINGS_MINIMUM_NOTICE=timedelta(days=3, hours=10))
def test_minimum_notice_hides_slots_that_start_too_soon(teacher):
    av = set_availability(
        teacher,
        timezone="UTC",
        kind="weekly",
        start_date=day(-1),
        weekdays=range(7),
        start_time=time(0),
        end_time=time(23),
    )
    first = open_slots_for(av, limit=1)[0]
    assert first.start >= timezone.now() + timedelta(days=3, hours=10)
    assert first.start < timezone.now() + timedelta(days=3, hours=12)


@override_settings(FLUENTORY_BOOKINGS_BOOKING_HORIZON=timedelta(days=10))
def test_booking_horizon_bounds_the_listing(teacher):
    av = set_availability(
        teacher,
        timezone="UTC",
        kind="weekly",
        start_date=day(-1),
        weekdays=range(7),
        start_time=time(9),
        end_time=time(10),
    )
    slots = open_slots_for(av)
    assert 9 <= len(slots) <= 11
    assert slots[-1].start <= timezone.now() + timedelta(days=10)


# --- time zones ---------------------------------------------------------------------------------


def next_march_change(after: date) -> date:
    """The EU spring-forward Sunday (last Sunday of March) after ``after``."""
    year = after.year
    while True:
        last = date(year, 3, 31)
        sunday = last - timedelta(days=(last.weekday() - 6) % 7)
        if sunday > after:
            return sunday
        year += 1


@override_settings(FLUENTORY_BOOKINGS_BOOKING_HORIZON=None)
def test_weekly_berlin_availability_keeps_local_time_across_march_dst(teacher):
    change = next_march_change(day(10))
    friday, monday = change - timedelta(days=2), change + timedelta(days=1)
    av = set_availability(
        teacher,
        timezone="Europe/Berlin",
        kind="weekly",
        start_date=friday - timedelta(days=7),
        weekdays=[friday.weekday(), monday.weekday()],
        start_time=time(9),
        end_time=time(10),
    )
    slots = open_slots_for(av, start=at(friday, 0), end=at(monday, 23))
    assert [s.start.astimezone(BERLIN).time() for s in slots] == [time(9), time(9)]
    assert [s.start for s in slots] == [at(friday, 8), at(monday, 7)]  # CET, then CEST
    assert all(s.duration == timedelta(hours=1) for s in slots)


# --- eligibility --------------------------------------------------------------------------------


def test_can_be_booked_when_everything_fits(morning, student, one_on_one):
    ok = morning.can_be_booked(student, one_on_one)
    assert isinstance(ok, Eligibility)
    assert ok
    assert ok.ok
    assert ok.reason is None
    assert ok.code is None
    assert morning.can_be_booked(student, one_on_one, at(day(3), 11))


def test_can_be_booked_says_why_not(morning, teacher, student, make_user, make_course, enroll):
    group = make_course("group_session", teacher=teacher, students=[student])
    stranger = make_user()
    cases = [
        (student, group, None, PolicyViolation, "booking_type"),
        (stranger, morning.course, None, PolicyViolation, "enrollment"),
        (teacher, morning.course, None, NotPermitted, None),
        (student, morning.course, at(day(3), 9, 30), SlotUnavailable, None),
        (student, morning.course, at(day(3), 13), SlotUnavailable, None),
        (student, morning.course, timezone.now() - timedelta(hours=1), PolicyViolation, "past"),
    ]
    for user, course, when, error, rule in cases:
        result = check_one_on_one_eligibility(morning, user, course, starts_at=when)
        assert not result
        assert isinstance(result.reason, error), (user, course, when, result.reason)
        if rule is not None:
            assert result.reason.rule == rule
    assert OneOnOneBooking.objects.count() == 0


def test_availability_for_another_course_or_switched_off(morning, teacher, student, make_course):
    other = make_course("one_on_one", teacher=teacher, students=[student])
    result = morning.can_be_booked(student, other)
    assert isinstance(result.reason, SlotUnavailable)
    open_to_all = set_availability(
        teacher,
        timezone="UTC",
        kind="one_time",
        start_date=day(4),
        start_time=time(9),
        end_time=time(10),
    )
    assert open_to_all.can_be_booked(student, other)
    open_to_all.is_active = False
    open_to_all.save()
    assert isinstance(open_to_all.can_be_booked(student, other).reason, SlotUnavailable)


def test_teacher_who_does_not_teach_the_course_cannot_be_booked_for_it(
    teacher, student, make_course
):
    foreign = make_course("one_on_one", students=[student])
    av = set_availability(
        teacher,
        timezone="UTC",
        kind="one_time",
        start_date=day(3),
        start_time=time(9),
        end_time=time(10),
    )
    assert isinstance(av.can_be_booked(student, foreign).reason, SlotUnavailable)


def test_taken_slot_is_not_bookable(morning, student, make_user, enroll):
    other = make_user()
    enroll(morning.course, other)
    request_one_on_one(morning, student, at(day(3), 9))
    result = morning.can_be_booked(other, morning.course, at(day(3), 9))
    assert isinstance(result.reason, SlotUnavailable)
    assert morning.can_be_booked(other, morning.course, at(day(3), 10))
