"""The error contract: whatever a caller passes, the core answers or raises a BookingError.

``errors.py`` promises that every refusal is a typed :class:`BookingError`. These tests feed
every public callable of ``fluentory_bookings.core`` hostile values (wrong types, values at the
edges of ``datetime``, truthy strings where a bool belongs, non-ASCII digits, duplicate and
unorderable ids) and accept only two outcomes: a result, or a ``BookingError``.
"""

from __future__ import annotations

import contextlib
import inspect
from datetime import UTC, date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import fluentory_bookings.core as core
from fluentory_bookings.core import (
    BookingError,
    Commitment,
    Deadlines,
    Interval,
    InvalidInput,
    InvalidInterval,
    InvalidMeetingLink,
    InvalidRule,
    InvalidSeats,
    SeatState,
    SlotSpec,
    WaitlistEntry,
)

T0 = datetime(2027, 1, 4, 9, tzinfo=UTC)
HOUR = timedelta(hours=1)
GOOD_INTERVAL = Interval(T0, T0 + HOUR)
GOOD_STATE = SeatState(
    session_id=1,
    total_seats=3,
    seats_taken=1,
    enable_waitlist=True,
    status="scheduled",
    starts_at=T0,
)

# Values that a form, a JSON body or a careless caller hands over.
JUNK: list[object] = [
    None,
    True,
    "no",
    "",
    " ",
    "²",
    "٣",
    -1,
    0,
    10**30,
    1.5,
    float("nan"),
    b"x",
    object(),
    [],
    [1, "a"],
    {"a": 1},
    datetime(2027, 1, 4, 9),  # naive
    datetime(2027, 1, 4, 9, fold=1),
    datetime.max.replace(tzinfo=UTC),
    datetime.min.replace(tzinfo=UTC),
    datetime(9999, 12, 31, 23, tzinfo=timezone(timedelta(hours=-14))),
    date(2027, 1, 4),
    time(9),
    timedelta.max,
    timedelta.min,
    timedelta(microseconds=1),
    -HOUR,
    ZoneInfo("Europe/Berlin"),
    timezone(timedelta(hours=5)),
    T0,
    HOUR,
    GOOD_INTERVAL,
    GOOD_STATE,
    SlotSpec(length=HOUR),
    Deadlines(),
    "Europe/Berlin",
    "confirmed",
    "student",
]
junk = st.sampled_from(JUNK)


def public_callables() -> list[tuple[str, object]]:
    out = []
    for name in core.__all__:
        obj = getattr(core, name)
        if isinstance(obj, type) and issubclass(obj, BaseException):
            continue
        if isinstance(obj, type) and issubclass(obj, str):  # StrEnums: Enum("x") is their API
            continue
        if name == "AvailabilityRule" or not callable(obj):
            continue
        out.append((name, obj))
    return out


CALLABLES = public_callables()


@pytest.mark.parametrize(("name", "func"), CALLABLES, ids=[n for n, _ in CALLABLES])
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_every_public_callable_answers_or_raises_a_booking_error(name, func, data):
    sig = inspect.signature(func)
    args = []
    kwargs = {}
    for param in sig.parameters.values():
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            continue
        if param.default is not param.empty and data.draw(st.booleans()):
            continue
        value = data.draw(junk, label=param.name)
        if param.kind is param.KEYWORD_ONLY:
            kwargs[param.name] = value
        else:
            args.append(value)
    with contextlib.suppress(BookingError):
        func(*args, **kwargs)


# --- the cases the issue names, each with the field it must name ---------------------------


def entry(booking_id, joined=T0):
    return WaitlistEntry(booking_id=booking_id, student_id=booking_id, joined_at=joined)


def test_duplicate_booking_ids_in_a_waitlist():
    for call in (
        lambda w: core.waitlist_positions(w),
        lambda w: core.decide_release(GOOD_STATE, w),
        lambda w: core.leave_waitlist(w, 1),
    ):
        with pytest.raises(InvalidInput) as info:
            call([entry(1), entry(1, T0 + HOUR)])
        assert info.value.field == "waitlist"


def test_mixed_id_types_tied_in_a_waitlist():
    with pytest.raises(InvalidInput) as info:
        core.waitlist_positions([entry(1), entry("b")])
    assert info.value.field == "waitlist"
    # Mixed ids that never tie need no comparison and are fine.
    assert len(core.waitlist_positions([entry(1), entry("b", T0 + HOUR)])) == 2


def test_freeing_more_seats_than_taken():
    with pytest.raises(InvalidSeats) as info:
        core.decide_release(GOOD_STATE, [], freed=2)
    assert info.value.field == "freed"


@pytest.mark.parametrize("status", ["open", "SCHEDULED", 3])
def test_unknown_status_strings(status):
    with pytest.raises(InvalidInput) as info:
        SeatState(
            session_id=1,
            total_seats=3,
            seats_taken=0,
            enable_waitlist=False,
            status=status,
            starts_at=T0,
        )
    assert info.value.field == "status"
    with pytest.raises(InvalidInput):
        core.derive_status(3, 0, False, status)


def test_negative_seat_count():
    with pytest.raises(InvalidSeats) as info:
        SeatState(
            session_id=1,
            total_seats=3,
            seats_taken=-1,
            enable_waitlist=False,
            status="scheduled",
            starts_at=T0,
        )
    assert info.value.field == "seats_taken"
    with pytest.raises(InvalidSeats):
        core.derive_status(3, -1, False, "scheduled")


@pytest.mark.parametrize("value", ["no", "false", 0, 1, None])
def test_truthy_non_bools_are_refused_where_a_bool_is_meant(value):
    checks = [
        (
            lambda: SeatState(
                session_id=1,
                total_seats=3,
                seats_taken=0,
                enable_waitlist=value,
                status="scheduled",
                starts_at=T0,
            ),
            "enable_waitlist",
        ),
        (
            lambda: core.decide_book(GOOD_STATE, already_booked=value, now=T0 - HOUR),
            "already_booked",
        ),
        (lambda: core.derive_status(3, 0, value, "scheduled"), "enable_waitlist"),
        (lambda: core.initial_status(value), "requires_approval"),
    ]
    if value is not None:  # None means "not set here" for the approval levels
        checks += [
            (
                lambda: core.resolve_requires_approval(teacher_override=value, course_setting=None),
                "teacher_override",
            ),
            (
                lambda: core.CoursePolicy("one_on_one", requires_booking_approval=value),
                "requires_booking_approval",
            ),
        ]
    for call, field in checks:
        with pytest.raises(InvalidInput) as info:
            call()
        assert info.value.field == field


def test_objects_that_are_not_intervals():
    with pytest.raises(InvalidInput) as info:
        core.find_conflicts([(T0, T0 + HOUR)], [])
    assert info.value.field == "candidates"
    with pytest.raises(InvalidInput) as info:
        core.find_conflicts([GOOD_INTERVAL], [GOOD_INTERVAL])
    assert info.value.field == "commitments"
    with pytest.raises(InvalidInput) as info:
        Commitment(interval=(T0, T0 + HOUR), party="teacher")
    assert info.value.field == "interval"
    with pytest.raises(InvalidInput) as info:
        core.weekly_series((T0, T0 + HOUR), "UTC", weeks=2)
    assert info.value.field == "first"
    for func in (core.merge, lambda v: core.subtract(v, []), lambda v: core.subtract([], v)):
        with pytest.raises(InvalidInput):
            func([(T0, T0 + HOUR)])


@pytest.mark.parametrize(
    "call",
    [
        lambda: Deadlines(booking_horizon=timedelta.max),
        lambda: Deadlines(pending_expiry=timedelta(days=10**6)),
        lambda: core.check_bookable(
            T0, now=datetime.max.replace(tzinfo=UTC), deadlines=Deadlines()
        ),
        lambda: core.pending_expires_at(
            requested_at=datetime.max.replace(tzinfo=UTC), starts_at=T0, deadlines=Deadlines()
        ),
        lambda: GOOD_INTERVAL.widen(timedelta.max),
        lambda: GOOD_INTERVAL.shift(timedelta.min),
        lambda: Interval(datetime.min.replace(tzinfo=UTC), T0),
        lambda: core.weekly_series(GOOD_INTERVAL, "UTC", until=datetime.max.replace(tzinfo=UTC)),
    ],
)
def test_values_near_the_datetime_limits_are_typed_errors(call):
    with pytest.raises(InvalidInput):
        call()


@pytest.mark.parametrize(
    "url", ["https://meet.example:99999/x", "https://meet.example:0/x", "https://meet.example:abc/"]
)
def test_meeting_link_ports_are_checked(url):
    with pytest.raises(InvalidMeetingLink) as info:
        core.validate_meeting_link(url)
    assert info.value.field == "meeting_link"
    assert (
        core.validate_meeting_link("https://meet.example:8443/x") == "https://meet.example:8443/x"
    )


def test_slot_spec_step_is_bounded():
    with pytest.raises(InvalidRule) as info:
        SlotSpec(length=HOUR, step=timedelta(microseconds=1))
    assert info.value.field == "step"


def test_as_dict_carries_every_attribute():
    err = InvalidInterval("bad", start=T0, end=T0 - HOUR, field="starts_at")
    assert err.as_dict() == {
        "code": "invalid_interval",
        "message": "bad",
        "field": "starts_at",
        "start": T0.isoformat(),
        "end": (T0 - HOUR).isoformat(),
    }
    tz = core.InvalidTimezone("Mars/Base")
    assert tz.as_dict()["zone"] == "Mars/Base"
    assert tz.as_dict()["field"] == "tz"
    limit = core.LimitExceeded("too many", field="windows", limit=10)
    assert limit.as_dict() == {
        "code": "limit_exceeded",
        "message": "too many",
        "field": "windows",
        "limit": 10,
    }
    # Every error class's as_dict is plain JSON.
    import json

    json.dumps(core.SlotUnavailable("x", starts_at=T0, reason="taken").as_dict())
    json.dumps(core.SeatsBelowConfirmed(session_id=1, total_seats=1, confirmed=2).as_dict())


def test_every_input_error_names_its_field():
    # The subclasses of InvalidInput all carry `field`, so an API can point at the culprit.
    for cls in (
        InvalidInterval,
        InvalidRule,
        InvalidSeats,
        InvalidMeetingLink,
        core.InvalidTimezone,
        core.LimitExceeded,
    ):
        assert issubclass(cls, InvalidInput)


@pytest.mark.parametrize("window", [None, (T0, T0 + HOUR), "2027", T0])
def test_rule_methods_refuse_a_window_that_is_not_an_interval(window):
    rules = [
        core.OneTimeRule(
            tz="Europe/Berlin", start=datetime(2027, 1, 4, 9), end=datetime(2027, 1, 4, 12)
        ),
        core.WeeklyRule(
            tz="Europe/Berlin",
            weekdays={0},
            start_time=time(9),
            end_time=time(12),
            valid_from=date(2027, 1, 4),
        ),
        core.RRuleRule(
            tz="Europe/Berlin",
            dtstart=datetime(2027, 1, 4, 9),
            duration=HOUR,
            rrule="FREQ=WEEKLY;BYDAY=MO",
        ),
    ]
    for rule in rules:
        with pytest.raises(InvalidInput) as info:
            rule.occurrences(window)
        assert info.value.field == "window"
    with pytest.raises(InvalidInput):
        core.expand(rules, window)
