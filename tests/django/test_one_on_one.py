"""1:1 bookings through the services and the seed's model methods."""

from __future__ import annotations

import io
import uuid
from datetime import date, datetime, time, timedelta

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.test import override_settings
from django.utils import timezone

from fluentory_bookings.contrib.django import signals
from fluentory_bookings.contrib.django.models import OneOnOneBooking
from fluentory_bookings.contrib.django.services import (
    approve_one_on_one,
    cancel_one_on_one,
    complete_one_on_one,
    decline_one_on_one,
    expire_pending_requests,
    open_slots_for,
    request_one_on_one,
    set_availability,
)
from fluentory_bookings.core.errors import (
    AlreadyBooked,
    BookingError,
    Conflict,
    InvalidInterval,
    InvalidRule,
    InvalidTransition,
    NotPermitted,
    PolicyViolation,
    SlotUnavailable,
)
from lms.adapter import LmsBookingAdapter
from lms.models import CourseTeacher
from tests.django.when import BERLIN, at, day


class LinkAdapter(LmsBookingAdapter):
    def generate_meeting_link(self, booking):
        return f"https://meet.example.com/lesson-{booking.pk}"


@pytest.fixture
def course(make_course, teacher, student):
    return make_course("one_on_one", teacher=teacher, students=[student])


@pytest.fixture
def approval_course(make_course, teacher, student):
    return make_course("one_on_one", teacher=teacher, students=[student], approval=True)


def publish(teacher, course=None, *, d=None, start=9, end=12, **extra):
    """A one-time window (default 09:00-12:00 UTC three days ahead)."""
    return set_availability(
        teacher,
        course=course,
        timezone=extra.pop("tz", "UTC"),
        kind="one_time",
        start_date=d or day(3),
        start_time=time(start),
        end_time=time(end),
        **extra,
    )


def weekly(teacher, course=None, *, first=None, start=9, end=10, tz="UTC"):
    first = first or day(3)
    return set_availability(
        teacher,
        course=course,
        timezone=tz,
        kind="weekly",
        start_date=first,
        weekdays=[first.weekday()],
        start_time=time(start),
        end_time=time(end),
    )


@pytest.fixture
def slot(teacher, course):
    return publish(teacher, course)


@pytest.fixture
def received():
    """Every 1:1 signal sent, as (name, booking status, by)."""
    names = [
        "one_on_one_requested",
        "one_on_one_approved",
        "one_on_one_declined",
        "one_on_one_cancelled",
        "one_on_one_expired",
        "one_on_one_completed",
    ]
    log: list[tuple[str, str, object]] = []
    handlers = []
    for name in names:

        def handler(sender, booking, by, _name=name, **kwargs):
            log.append((_name, booking.status, by))

        getattr(signals, name).connect(handler, weak=False)
        handlers.append((name, handler))
    yield log
    for name, handler in handlers:
        getattr(signals, name).disconnect(handler)


def count() -> int:
    return OneOnOneBooking.objects.count()


def refused(fn, *args, error=BookingError, **kwargs):
    """Call ``fn``, expect ``error``, and check that no booking row changed."""
    before = list(OneOnOneBooking.objects.order_by("pk").values())
    with pytest.raises(error) as exc:
        fn(*args, **kwargs)
    assert list(OneOnOneBooking.objects.order_by("pk").values()) == before
    return exc.value


# --- requesting ---------------------------------------------------------------------------------


def test_book_auto_confirm(
    slot, student, teacher, course, received, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        [b] = request_one_on_one(slot, student, at(day(3), 10))
    assert b.status == "confirmed"
    assert (b.student, b.teacher, b.course, b.availability_slot) == (student, teacher, course, slot)
    assert (b.starts_at, b.ends_at) == (at(day(3), 10), at(day(3), 11))
    assert b.expires_at is None
    assert not b.is_recurring
    assert b.series_id is None
    assert received == [("one_on_one_requested", "confirmed", student)]
    assert [s.start for s in open_slots_for(slot)] == [at(day(3), 9), at(day(3), 11)]


def test_signal_waits_for_the_commit(slot, student, received, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        request_one_on_one(slot, student, at(day(3), 10))
    assert received == []
    assert len(callbacks) == 1


def test_course_argument_is_required_when_the_availability_has_none(teacher, student, course):
    open_to_all = publish(teacher)
    refused(request_one_on_one, open_to_all, student, at(day(3), 9), error=InvalidRule)
    [b] = request_one_on_one(open_to_all, student, at(day(3), 9), course=course)
    assert b.course == course


def test_book_with_approval_holds_the_slot(teacher, student, approval_course, make_user, enroll):
    av = publish(teacher, approval_course)
    [b] = request_one_on_one(av, student, at(day(3), 10))
    assert b.status == "pending"
    assert b.expires_at == min(b.requested_at + timedelta(hours=48), b.starts_at)
    assert b.decided_at is None
    other = make_user()
    enroll(approval_course, other)
    refused(request_one_on_one, av, other, at(day(3), 10), error=Conflict)
    assert at(day(3), 10) not in [s.start for s in open_slots_for(av)]


@pytest.mark.parametrize(
    ("course_setting", "teacher_override", "expected"),
    [
        (False, None, "confirmed"),
        (True, None, "pending"),
        (True, False, "confirmed"),
        (False, True, "pending"),
    ],
)
def test_teacher_override_wins_over_the_course(
    make_course, teacher, student, course_setting, teacher_override, expected
):
    course = make_course(
        "one_on_one",
        teacher=teacher,
        students=[student],
        approval=course_setting,
        teacher_override=teacher_override,
    )
    [b] = request_one_on_one(publish(teacher, course), student, at(day(3), 9))
    assert b.status == expected


@pytest.mark.parametrize(("default", "expected"), [(True, "pending"), (False, "confirmed")])
def test_platform_default_applies_when_nobody_says(teacher, student, course, default, expected):
    course.requires_booking_approval = None  # empty: "follow the platform default"
    course.save()
    with override_settings(FLUENTORY_BOOKINGS_REQUIRE_APPROVAL_DEFAULT=default):
        [b] = request_one_on_one(publish(teacher, course), student, at(day(3), 9), course=course)
    assert b.status == expected


@override_settings(FLUENTORY_BOOKINGS_ADAPTER="tests.django.test_one_on_one.LinkAdapter")
def test_meeting_link_comes_from_the_adapter(slot, student):
    [b] = request_one_on_one(slot, student, at(day(3), 9))
    b.refresh_from_db()
    assert b.meeting_link == f"https://meet.example.com/lesson-{b.pk}"
    assert b.meeting_provider == "custom"


def test_start_in_another_zone_is_the_same_instant(slot, student):
    in_berlin = at(day(3), 10).astimezone(BERLIN)
    [b] = request_one_on_one(slot, student, in_berlin)
    assert b.starts_at == in_berlin
    assert b.starts_at == at(day(3), 10)


# --- double booking -----------------------------------------------------------------------------


def test_repeating_the_same_request_never_books_twice(slot, student):
    request_one_on_one(slot, student, at(day(3), 10))
    err = refused(request_one_on_one, slot, student, at(day(3), 10), error=AlreadyBooked)
    assert err.code == "already_booked"
    assert count() == 1


def test_taken_slot_refuses_another_student(slot, student, make_user, enroll, course):
    other = make_user()
    enroll(course, other)
    request_one_on_one(slot, student, at(day(3), 10))
    err = refused(request_one_on_one, slot, other, at(day(3), 10), error=Conflict)
    assert [c.party for c in err.conflicts] == ["teacher"]


def test_overlapping_availabilities_of_one_teacher_never_double_book(
    teacher, student, course, make_user, enroll
):
    a = publish(teacher, course, start=9, end=10)
    b = set_availability(
        teacher,
        course=course,
        timezone="UTC",
        kind="one_time",
        start_date=day(3),
        start_time=time(9, 30),
        end_time=time(10, 30),
    )
    other = make_user()
    enroll(course, other)
    request_one_on_one(a, student, at(day(3), 9))
    assert open_slots_for(b) == []
    refused(request_one_on_one, b, other, at(day(3), 9, 30), error=Conflict)


def test_student_cannot_be_in_two_lessons_at_once(teacher, student, course, make_user, make_course):
    teacher2 = make_user()
    course2 = make_course("one_on_one", teacher=teacher2, students=[student])
    request_one_on_one(publish(teacher, course), student, at(day(3), 9))
    err = refused(
        request_one_on_one, publish(teacher2, course2), student, at(day(3), 9), error=Conflict
    )
    assert [c.party for c in err.conflicts] == ["student"]


def test_database_constraint_backs_the_service(slot, student, teacher, course, make_user):
    # A row written behind the services' back (another teacher id, so no lock or conflict
    # check sees it) still holds the slot: the partial unique constraint refuses the insert.
    ghost = make_user()
    OneOnOneBooking.objects.create(
        availability_slot=slot,
        student=ghost,
        teacher=ghost,
        course=course,
        starts_at=at(day(3), 10),
        ends_at=at(day(3), 11),
        status="confirmed",
        requested_at=timezone.now(),
    )
    refused(request_one_on_one, slot, student, at(day(3), 10), error=SlotUnavailable)


@pytest.mark.postgres  # the PostgreSQL-only guard; deselected elsewhere (see conftest)
def test_postgres_exclusion_constraint_refuses_overlapping_active_bookings(
    teacher, student, course, make_user
):
    a = publish(teacher, course, start=9, end=10)
    b = publish(teacher, course, start=9, end=11)
    common = {"teacher": teacher, "course": course, "status": "confirmed"}
    OneOnOneBooking.objects.create(
        availability_slot=a,
        student=student,
        starts_at=at(day(3), 9),
        ends_at=at(day(3), 10),
        requested_at=timezone.now(),
        **common,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        OneOnOneBooking.objects.create(
            availability_slot=b,
            student=make_user(),
            starts_at=at(day(3), 9, 30),
            ends_at=at(day(3), 10, 30),
            requested_at=timezone.now(),
            **common,
        )
    # Touching ends and inactive rows are fine.
    OneOnOneBooking.objects.create(
        availability_slot=b,
        student=make_user(),
        starts_at=at(day(3), 10),
        ends_at=at(day(3), 11),
        requested_at=timezone.now(),
        **common,
    )
    OneOnOneBooking.objects.create(
        availability_slot=b,
        student=make_user(),
        starts_at=at(day(3), 9),
        ends_at=at(day(3), 10),
        requested_at=timezone.now(),
        teacher=teacher,
        course=course,
        status="cancelled",
    )
    assert count() == 3


# --- course-level control and bad input ---------------------------------------------------------


@pytest.mark.parametrize("booking_type", ["group_session", "none"])
def test_course_booking_type_must_allow_one_on_one(make_course, teacher, student, booking_type):
    make_course("one_on_one", teacher=teacher)  # so that availability without a course is theirs
    course = make_course(booking_type, teacher=teacher, students=[student])
    av = publish(teacher)
    err = refused(request_one_on_one, av, student, at(day(3), 9), course=course)
    assert isinstance(err, PolicyViolation)
    assert err.rule == "booking_type"


def test_not_enrolled(slot, make_user):
    err = refused(request_one_on_one, slot, make_user(), at(day(3), 9), error=PolicyViolation)
    assert err.rule == "enrollment"


def test_teacher_cannot_book_own_availability(slot, teacher, course, enroll):
    enroll(course, teacher)
    refused(request_one_on_one, slot, teacher, at(day(3), 9), error=NotPermitted)


def test_availability_for_another_course(teacher, student, course, make_course):
    other = make_course("one_on_one", teacher=teacher, students=[student])
    av = publish(teacher, other)
    refused(request_one_on_one, av, student, at(day(3), 9), course=course, error=SlotUnavailable)


def test_switched_off_availability(slot, student, teacher):
    set_availability(
        teacher,
        availability=slot,
        course=slot.course,
        timezone="UTC",
        kind="one_time",
        start_date=day(3),
        start_time=time(9),
        end_time=time(12),
        is_active=False,
    )
    refused(request_one_on_one, slot, student, at(day(3), 9), error=SlotUnavailable)


def test_booking_the_past(teacher, student, course):
    av = weekly(teacher, course, first=day(-14), start=0, end=23)
    past = timezone.now().replace(minute=0, second=0, microsecond=0) - timedelta(days=1)
    err = refused(request_one_on_one, av, student, past, error=PolicyViolation)
    assert err.rule == "past"


def test_booking_inside_the_minimum_notice(teacher, student, course):
    av = set_availability(
        teacher,
        course=course,
        timezone="UTC",
        kind="weekly",
        start_date=day(-1),
        weekdays=range(7),
        start_time=time(0),
        end_time=time(23, 45),
        slot_minutes=15,
    )
    # Inside the notice whether or not it is on the grid: the notice is checked first.
    soon = (timezone.now() + timedelta(minutes=30)).replace(second=0, microsecond=0)
    err = refused(request_one_on_one, av, student, soon, error=PolicyViolation)
    assert err.rule == "minimum_notice"


@override_settings(FLUENTORY_BOOKINGS_BOOKING_HORIZON=timedelta(days=2))
def test_booking_beyond_the_horizon(slot, student):
    err = refused(request_one_on_one, slot, student, at(day(3), 9), error=PolicyViolation)
    assert err.rule == "horizon"


@pytest.mark.parametrize(
    ("offset", "hour", "minute"),
    [
        (3, 9, 30),  # not on the slot grid
        (3, 11, 30),  # would run past the window
        (3, 13, 0),  # outside availability
        (4, 9, 0),  # another day
    ],
)
def test_start_must_be_an_open_slot(slot, student, offset, hour, minute):
    refused(request_one_on_one, slot, student, at(day(offset), hour, minute), error=SlotUnavailable)


def test_naive_start_is_refused(slot, student):
    refused(
        request_one_on_one, slot, student, datetime.combine(day(3), time(9)), error=InvalidInterval
    )


@pytest.mark.parametrize("weeks", [0, -1, 27, True, 2.0])
def test_weeks_out_of_range(teacher, student, course, weeks):
    av = weekly(teacher, course)
    err = refused(request_one_on_one, av, student, at(day(3), 9), weeks=weeks, error=InvalidRule)
    assert err.field == "weeks"


@override_settings(FLUENTORY_BOOKINGS_MAX_SERIES_WEEKS=3)
def test_series_cap_comes_from_settings(teacher, student, course):
    av = weekly(teacher, course)
    refused(request_one_on_one, av, student, at(day(3), 9), weeks=4, error=InvalidRule)
    assert len(request_one_on_one(av, student, at(day(3), 9), weeks=3)) == 3


# --- recurring series ---------------------------------------------------------------------------


def test_weekly_series_books_every_week(teacher, student, course, received):
    av = weekly(teacher, course)
    series = request_one_on_one(av, student, at(day(3), 9), weeks=4)
    assert [b.starts_at for b in series] == [at(day(3 + 7 * w), 9) for w in range(4)]
    assert len({b.series_id for b in series}) == 1
    assert isinstance(series[0].series_id, uuid.UUID)
    assert all(b.is_recurring and b.status == "confirmed" for b in series)


def test_series_is_all_or_nothing_and_lists_every_conflict(
    teacher, student, course, make_user, make_course, enroll
):
    av = weekly(teacher, course)
    other = make_user()
    enroll(course, other)
    week = [at(day(3 + 7 * w), 9) for w in range(5)]
    taken = request_one_on_one(av, other, week[2])  # occurrence 3: the teacher is busy
    teacher2 = make_user()
    course2 = make_course("one_on_one", teacher=teacher2, students=[student])
    mine = request_one_on_one(weekly(teacher2, course2, first=day(31)), student, week[4])
    err = refused(request_one_on_one, av, student, week[0], weeks=5, error=Conflict)
    assert len(err.conflicts) == 2
    assert [(c.candidate.start, c.party, c.ref) for c in err.conflicts] == [
        (week[2], "teacher", ("one_on_one", taken[0].pk)),
        (week[4], "student", ("one_on_one", mine[0].pk)),
    ]
    assert count() == 2
    assert err.as_dict()["conflicts"][0]["party"] == "teacher"


def test_series_stops_at_the_end_of_the_availability(teacher, student, course):
    first = day(3)
    av = set_availability(
        teacher,
        course=course,
        timezone="UTC",
        kind="weekly",
        start_date=first,
        end_date=first + timedelta(days=14),
        weekdays=[first.weekday()],
        start_time=time(9),
        end_time=time(10),
    )
    refused(request_one_on_one, av, student, at(first, 9), weeks=4, error=SlotUnavailable)
    assert len(request_one_on_one(av, student, at(first, 9), weeks=3)) == 3


def next_march_change(after: date) -> date:
    year = after.year
    while True:
        last = date(year, 3, 31)
        sunday = last - timedelta(days=(last.weekday() - 6) % 7)
        if sunday > after:
            return sunday
        year += 1


@override_settings(FLUENTORY_BOOKINGS_BOOKING_HORIZON=None)
def test_series_keeps_local_time_across_march_dst(teacher, student, course):
    change = next_march_change(day(10))
    first = change - timedelta(days=6)  # the Monday before the change
    av = weekly(teacher, course, first=first, tz="Europe/Berlin")
    series = request_one_on_one(av, student, at(first, 9, tz=BERLIN), weeks=3)
    assert [b.starts_at.astimezone(BERLIN).time() for b in series] == [time(9)] * 3
    assert [b.starts_at for b in series] == [
        at(first, 8),  # CET = UTC+1
        at(first + timedelta(days=7), 7),  # CEST = UTC+2, after the change
        at(first + timedelta(days=14), 7),
    ]
    assert all(b.ends_at - b.starts_at == timedelta(hours=1) for b in series)


@override_settings(FLUENTORY_BOOKINGS_BOOKING_HORIZON=timedelta(days=10))
def test_horizon_bounds_the_first_lesson_not_the_series(teacher, student, course):
    av = weekly(teacher, course)
    assert len(request_one_on_one(av, student, at(day(3), 9), weeks=4)) == 4


# --- approve / decline --------------------------------------------------------------------------


@pytest.fixture
def pending(teacher, student, approval_course):
    [b] = request_one_on_one(publish(teacher, approval_course), student, at(day(3), 10))
    return b


def test_teacher_approves(pending, teacher, received, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        result = pending.approve(teacher)
    assert result.status == pending.status == "confirmed"
    pending.refresh_from_db()
    assert pending.status == "confirmed"
    assert pending.decided_by == teacher
    assert pending.decided_at is not None
    assert received == [("one_on_one_approved", "confirmed", teacher)]


def test_staff_may_approve(pending, staff):
    assert approve_one_on_one(pending, staff).status == "confirmed"


def test_student_may_not_approve(pending, student):
    refused(pending.approve, student, error=NotPermitted)


def test_stranger_may_not_touch_a_booking(pending, make_user):
    stranger = make_user()
    for action in (pending.approve, pending.decline, pending.cancel):
        refused(action, stranger, error=NotPermitted)
    refused(complete_one_on_one, pending, stranger, error=NotPermitted)


def test_decline_frees_the_slot(pending, teacher, make_user, enroll, received):
    slot = pending.availability_slot
    assert at(day(3), 10) not in [s.start for s in open_slots_for(slot)]
    pending.decline(teacher, reason="I am travelling")
    pending.refresh_from_db()
    assert (pending.status, pending.decision_reason) == ("declined", "I am travelling")
    assert pending.decided_by == teacher
    assert at(day(3), 10) in [s.start for s in open_slots_for(slot)]
    other = make_user()
    enroll(pending.course, other)
    [again] = request_one_on_one(slot, other, at(day(3), 10))
    assert again.status == "pending"


def test_illegal_transitions(pending, teacher):
    decline_one_on_one(pending, teacher)
    refused(pending.approve, teacher, error=InvalidTransition)
    refused(pending.decline, teacher, error=InvalidTransition)
    refused(pending.cancel, teacher, error=InvalidTransition)


def test_stale_instance_is_not_trusted(pending, teacher):
    stale = OneOnOneBooking.objects.get(pk=pending.pk)
    approve_one_on_one(pending, teacher)
    # ``stale`` still says pending; the service reads the row again and refuses.
    assert stale.status == "pending"
    refused(decline_one_on_one, stale, teacher, error=InvalidTransition)


# --- cancel -------------------------------------------------------------------------------------


def test_student_cancels_and_the_slot_is_open_again(slot, student, make_user, enroll, received):
    [b] = request_one_on_one(slot, student, at(day(3), 10))
    [cancelled] = b.cancel(student)
    assert cancelled.status == b.status == "cancelled"
    assert cancelled.decided_by == student
    assert not slot.is_booked
    other = make_user()
    enroll(slot.course, other)
    assert request_one_on_one(slot, other, at(day(3), 10))[0].status == "confirmed"


def test_student_may_cancel_a_pending_request(pending, student):
    assert [b.status for b in cancel_one_on_one(pending, student)] == ["cancelled"]


@override_settings(FLUENTORY_BOOKINGS_CANCELLATION_CUTOFF=timedelta(days=7))
def test_cancellation_cutoff_binds_students_not_teachers(slot, student, teacher):
    [b] = request_one_on_one(slot, student, at(day(3), 10))
    err = refused(b.cancel, student, error=PolicyViolation)
    assert err.rule == "cancellation_cutoff"
    assert b.cancel(teacher)[0].status == "cancelled"


def test_cancel_scope_following(teacher, student, course, received):
    av = weekly(teacher, course)
    series = request_one_on_one(av, student, at(day(3), 9), weeks=4)
    cancelled = cancel_one_on_one(series[1], student, scope="following")
    assert [b.pk for b in cancelled] == [b.pk for b in series[1:]]
    statuses = dict(OneOnOneBooking.objects.values_list("pk", "status"))
    assert [statuses[b.pk] for b in series] == ["confirmed", "cancelled", "cancelled", "cancelled"]
    # "this" on a series touches only the one.
    assert [b.pk for b in cancel_one_on_one(series[0], teacher)] == [series[0].pk]


def test_cancel_following_is_all_or_nothing(teacher, student, course):
    av = weekly(teacher, course)
    series = request_one_on_one(av, student, at(day(3), 9), weeks=3)
    with override_settings(FLUENTORY_BOOKINGS_CANCELLATION_CUTOFF=timedelta(days=5)):
        refused(cancel_one_on_one, series[0], student, scope="following", error=PolicyViolation)


def test_unknown_scope(slot, student):
    [b] = request_one_on_one(slot, student, at(day(3), 10))
    refused(cancel_one_on_one, b, student, scope="all", error=InvalidRule)


# --- complete -----------------------------------------------------------------------------------


def test_complete_and_no_show(teacher, student, course, received, clock):
    a, b = request_one_on_one(weekly(teacher, course), student, at(day(3), 9), weeks=2)
    refused(complete_one_on_one, a, teacher, error=PolicyViolation)  # not started yet
    clock(b.starts_at)
    assert complete_one_on_one(a, teacher).status == "completed"
    assert complete_one_on_one(b, teacher, no_show=True).status == "no_show"
    refused(complete_one_on_one, a, teacher, error=InvalidTransition)


def test_student_may_not_complete(slot, student):
    [b] = request_one_on_one(slot, student, at(day(3), 10))
    refused(complete_one_on_one, b, student, error=NotPermitted)


# --- expiry -------------------------------------------------------------------------------------


def test_expire_pending_requests(pending, teacher, received, django_capture_on_commit_callbacks):
    assert expire_pending_requests(now=pending.expires_at - timedelta(seconds=1)) == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert expire_pending_requests(now=pending.expires_at) == 1
    pending.refresh_from_db()
    assert pending.status == "expired"
    assert pending.decided_by is None
    assert received == [("one_on_one_expired", "expired", None)]
    assert expire_pending_requests(now=pending.expires_at + timedelta(days=9)) == 0
    assert at(day(3), 10) in [s.start for s in open_slots_for(pending.availability_slot)]
    refused(pending.approve, teacher, error=InvalidTransition)


def test_confirmed_bookings_never_expire(slot, student):
    [b] = request_one_on_one(slot, student, at(day(3), 10))
    assert expire_pending_requests(now=b.starts_at + timedelta(days=1)) == 0


def test_approving_an_overdue_request_expires_it(
    pending, teacher, received, django_capture_on_commit_callbacks
):
    OneOnOneBooking.objects.filter(pk=pending.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(InvalidTransition) as exc:
        pending.approve(teacher)
    assert exc.value.current == "expired"
    pending.refresh_from_db()
    assert pending.status == "expired"
    assert received == [("one_on_one_expired", "expired", None)]


def test_expire_command(pending):
    OneOnOneBooking.objects.filter(pk=pending.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    out = io.StringIO()
    call_command("bookings_housekeeping", stdout=out)
    assert "expired 1 pending 1:1 request(s)" in out.getvalue()
    out = io.StringIO()
    call_command("bookings_housekeeping", stdout=out)
    assert "expired 0 pending 1:1 request(s)" in out.getvalue()


def test_teacher_row_override_is_read_per_course(teacher, student, course):
    CourseTeacher.objects.filter(course=course, teacher=teacher).update(
        requires_booking_approval=True
    )
    [b] = request_one_on_one(publish(teacher, course), student, at(day(3), 9))
    assert b.status == "pending"
