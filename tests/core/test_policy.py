"""Course policy: booking type, who approves, and the deadlines around a lesson."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fluentory_bookings.core.approvals import Actor
from fluentory_bookings.core.errors import (
    InvalidInterval,
    InvalidRule,
    NotPermitted,
    PolicyViolation,
)
from fluentory_bookings.core.policy import (
    BookingType,
    CoursePolicy,
    Deadlines,
    check_bookable,
    check_cancellable,
    check_reschedulable,
    is_pending_expired,
    parse_booking_type,
    pending_expires_at,
    require_booking_type,
    resolve_requires_approval,
)

NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
H = timedelta(hours=1)
NAIVE = datetime(2027, 3, 1, 9, 0)


def rule_of(call) -> str:
    with pytest.raises(PolicyViolation) as info:
        call()
    return info.value.rule


# --- booking type -------------------------------------------------------------------------


def test_booking_type_values():
    assert [t.value for t in BookingType] == ["none", "group_session", "one_on_one"]


@pytest.mark.parametrize("value", ["none", "group_session", "one_on_one", BookingType.ONE_ON_ONE])
def test_parse_booking_type(value):
    assert parse_booking_type(value) == value
    assert isinstance(parse_booking_type(value), BookingType)


@pytest.mark.parametrize("value", ["", "group", "ONE_ON_ONE", " none", None, 1, b"none"])
def test_parse_booking_type_refuses_unknown(value):
    assert rule_of(lambda: parse_booking_type(value)) == "booking_type"


def test_require_booking_type_passes_the_matching_kind():
    require_booking_type("one_on_one", BookingType.ONE_ON_ONE)
    require_booking_type(BookingType.GROUP_SESSION, BookingType.GROUP_SESSION)


@pytest.mark.parametrize(
    ("course", "wanted", "words"),
    [
        ("group_session", BookingType.ONE_ON_ONE, "group-session bookings, not 1:1"),
        ("one_on_one", BookingType.GROUP_SESSION, "1:1 bookings, not group-session"),
        ("none", BookingType.ONE_ON_ONE, "takes no bookings"),
        ("none", BookingType.GROUP_SESSION, "takes no bookings"),
    ],
)
def test_require_booking_type_refuses_the_wrong_kind(course, wanted, words):
    with pytest.raises(PolicyViolation) as info:
        require_booking_type(course, wanted)
    assert info.value.rule == "booking_type"
    assert words in info.value.message


def test_require_booking_type_refuses_an_unknown_course_type():
    assert rule_of(lambda: require_booking_type("both", BookingType.ONE_ON_ONE)) == "booking_type"


# --- approval -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("teacher", "course", "platform", "expected"),
    [
        (True, False, False, True),
        (False, True, True, False),
        (None, True, False, True),
        (None, False, True, False),
        (None, None, True, True),
        (None, None, False, False),
    ],
)
def test_resolve_requires_approval(teacher, course, platform, expected):
    got = resolve_requires_approval(
        teacher_override=teacher, course_setting=course, platform_default=platform
    )
    assert got is expected


def test_platform_default_is_no_approval():
    assert resolve_requires_approval(teacher_override=None, course_setting=None) is False


# --- Deadlines ----------------------------------------------------------------------------


def test_default_deadlines_limit_nothing():
    d = Deadlines()
    assert d.minimum_notice == d.cancellation_cutoff == d.reschedule_cutoff == timedelta(0)
    assert d.booking_horizon is None
    assert d.pending_expiry is None


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"minimum_notice": -H}, "minimum_notice"),
        ({"cancellation_cutoff": -H}, "cancellation_cutoff"),
        ({"reschedule_cutoff": timedelta(seconds=-1)}, "reschedule_cutoff"),
        ({"booking_horizon": -H}, "booking_horizon"),
        ({"booking_horizon": timedelta(0)}, "booking_horizon"),
        ({"pending_expiry": -H}, "pending_expiry"),
        ({"pending_expiry": timedelta(0)}, "pending_expiry"),
        ({"minimum_notice": 3600}, "minimum_notice"),
        ({"cancellation_cutoff": None}, "cancellation_cutoff"),
        ({"booking_horizon": "P30D"}, "booking_horizon"),
        ({"minimum_notice": 2 * H, "booking_horizon": 2 * H}, "booking_horizon"),
        ({"minimum_notice": 3 * H, "booking_horizon": 2 * H}, "booking_horizon"),
    ],
)
def test_deadlines_refuse_bad_values(kwargs, field):
    with pytest.raises(InvalidRule) as info:
        Deadlines(**kwargs)
    assert info.value.field == field


def test_deadlines_accept_a_horizon_beyond_the_notice():
    d = Deadlines(minimum_notice=2 * H, booking_horizon=3 * H, pending_expiry=H)
    assert d.booking_horizon == 3 * H


# --- check_bookable -----------------------------------------------------------------------


def test_bookable_without_limits_any_time_before_the_start():
    check_bookable(NOW + timedelta(microseconds=1), now=NOW, deadlines=Deadlines())
    check_bookable(NOW + timedelta(days=3650), now=NOW, deadlines=Deadlines())


@pytest.mark.parametrize("starts_at", [NOW, NOW - H])
def test_not_bookable_once_started(starts_at):
    assert rule_of(lambda: check_bookable(starts_at, now=NOW, deadlines=Deadlines())) == "past"


def test_minimum_notice_is_inclusive():
    d = Deadlines(minimum_notice=24 * H)
    check_bookable(NOW + 24 * H, now=NOW, deadlines=d)
    too_late = NOW + 24 * H - timedelta(seconds=1)
    assert rule_of(lambda: check_bookable(too_late, now=NOW, deadlines=d)) == "minimum_notice"


def test_horizon_is_inclusive():
    d = Deadlines(booking_horizon=timedelta(days=30))
    check_bookable(NOW + timedelta(days=30), now=NOW, deadlines=d)
    too_early = NOW + timedelta(days=30, seconds=1)
    assert rule_of(lambda: check_bookable(too_early, now=NOW, deadlines=d)) == "horizon"


def test_notice_is_real_elapsed_time_across_a_dst_change():
    berlin = ZoneInfo("Europe/Berlin")
    # 28 March 2027 has 23 hours in Berlin: 24 h before Monday 02:00 UTC+2 is Sunday 01:00 UTC+1.
    start = datetime(2027, 3, 29, 2, 0, tzinfo=berlin)
    now = datetime(2027, 3, 28, 1, 0, tzinfo=berlin)
    d = Deadlines(minimum_notice=24 * H)
    check_bookable(start, now=now, deadlines=d)
    later = now + timedelta(minutes=1)
    assert rule_of(lambda: check_bookable(start, now=later, deadlines=d)) == "minimum_notice"


@pytest.mark.parametrize(
    ("notice", "words"),
    [
        (timedelta(seconds=45), "45 seconds"),
        (timedelta(minutes=1), "1 minute"),
        (timedelta(minutes=90), "90 minutes"),
        (H, "1 hour"),
        (24 * H, "24 hours"),
        (timedelta(days=2), "2 days"),
        (timedelta(days=2, seconds=1), "172801 seconds"),
    ],
)
def test_refusals_say_durations_in_words(notice, words):
    with pytest.raises(PolicyViolation) as info:
        check_bookable(NOW + notice / 2, now=NOW, deadlines=Deadlines(minimum_notice=notice))
    assert info.value.message == f"bookings close {words} before the start"


@pytest.mark.parametrize(("starts_at", "now"), [(NAIVE, NOW), (NOW + H, NAIVE)])
def test_bookable_refuses_naive_datetimes(starts_at, now):
    with pytest.raises(InvalidInterval):
        check_bookable(starts_at, now=now, deadlines=Deadlines())


# --- check_cancellable / check_reschedulable ----------------------------------------------

CHECKS = [
    (check_cancellable, "cancellation_cutoff", "cancellation_cutoff"),
    (check_reschedulable, "reschedule_cutoff", "reschedule_cutoff"),
]


@pytest.mark.parametrize(("check", "field", "rule"), CHECKS)
def test_student_bound_by_the_cutoff(check, field, rule):
    d = Deadlines(**{field: 24 * H})
    check(NOW + 24 * H, now=NOW, deadlines=d, actor=Actor.STUDENT)
    check(NOW + 24 * H, now=NOW, deadlines=d, actor="student")
    inside = NOW + 23 * H
    assert rule_of(lambda: check(inside, now=NOW, deadlines=d, actor=Actor.STUDENT)) == rule


@pytest.mark.parametrize(("check", "field", "rule"), CHECKS)
def test_other_cutoff_does_not_apply(check, field, rule):
    other = "reschedule_cutoff" if field == "cancellation_cutoff" else "cancellation_cutoff"
    check(NOW + H, now=NOW, deadlines=Deadlines(**{other: 24 * H}), actor=Actor.STUDENT)


@pytest.mark.parametrize(("check", "field", "rule"), CHECKS)
@pytest.mark.parametrize("actor", [Actor.STUDENT, Actor.TEACHER])
def test_students_and_teachers_cannot_change_a_started_lesson(check, field, rule, actor):
    d = Deadlines(**{field: 24 * H})
    assert rule_of(lambda: check(NOW, now=NOW, deadlines=d, actor=actor)) == "past"
    assert rule_of(lambda: check(NOW - H, now=NOW, deadlines=d, actor=actor)) == "past"


@pytest.mark.parametrize(("check", "field", "rule"), CHECKS)
def test_teacher_not_bound_by_the_cutoff(check, field, rule):
    d = Deadlines(**{field: 24 * H})
    check(NOW + timedelta(seconds=1), now=NOW, deadlines=d, actor=Actor.TEACHER)


@pytest.mark.parametrize(("check", "field", "rule"), CHECKS)
@pytest.mark.parametrize("actor", [Actor.STAFF, Actor.SYSTEM, "staff"])
def test_staff_and_system_may_change_at_any_time(check, field, rule, actor):
    d = Deadlines(**{field: 24 * H})
    for starts_at in (NOW + H, NOW, NOW - 24 * H):
        check(starts_at, now=NOW, deadlines=d, actor=actor)


@pytest.mark.parametrize(("check", "field", "rule"), CHECKS)
def test_unknown_actor_is_not_permitted(check, field, rule):
    with pytest.raises(NotPermitted) as info:
        check(NOW + 48 * H, now=NOW, deadlines=Deadlines(), actor="admin")
    assert info.value.actor == "admin"


@pytest.mark.parametrize(("check", "field", "rule"), CHECKS)
@pytest.mark.parametrize(("starts_at", "now"), [(NAIVE, NOW), (NOW + H, NAIVE)])
def test_changes_refuse_naive_datetimes(check, field, rule, starts_at, now):
    with pytest.raises(InvalidInterval):
        check(starts_at, now=now, deadlines=Deadlines(), actor=Actor.STAFF)


# --- pending expiry -----------------------------------------------------------------------


def test_pending_expires_after_the_expiry():
    d = Deadlines(pending_expiry=48 * H)
    start = NOW + timedelta(days=7)
    assert pending_expires_at(requested_at=NOW, starts_at=start, deadlines=d) == NOW + 48 * H


def test_pending_expires_at_the_start_at_the_latest():
    d = Deadlines(pending_expiry=48 * H)
    start = NOW + 5 * H
    assert pending_expires_at(requested_at=NOW, starts_at=start, deadlines=d) == start


def test_pending_without_expiry_waits_until_the_start():
    start = NOW + timedelta(days=7)
    assert pending_expires_at(requested_at=NOW, starts_at=start, deadlines=Deadlines()) == start


def test_pending_expiry_is_real_elapsed_time_across_a_dst_change():
    berlin = ZoneInfo("Europe/Berlin")
    requested_at = datetime(2027, 3, 27, 12, 0, tzinfo=berlin)  # UTC+1
    starts_at = datetime(2027, 4, 5, 12, 0, tzinfo=berlin)
    at = pending_expires_at(
        requested_at=requested_at, starts_at=starts_at, deadlines=Deadlines(pending_expiry=48 * H)
    )
    # 48 real hours later the clocks say 13:00 (UTC+2), not 12:00.
    assert at == datetime(2027, 3, 29, 13, 0, tzinfo=berlin)
    assert at.tzinfo is UTC


def test_is_pending_expired_from_the_expiry_instant_on():
    d = Deadlines(pending_expiry=2 * H)
    kwargs = {"requested_at": NOW, "starts_at": NOW + 10 * H, "deadlines": d}
    assert not is_pending_expired(now=NOW + 2 * H - timedelta(microseconds=1), **kwargs)
    assert is_pending_expired(now=NOW + 2 * H, **kwargs)
    assert is_pending_expired(now=NOW + 3 * H, **kwargs)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"requested_at": NAIVE, "starts_at": NOW + H, "now": NOW},
        {"requested_at": NOW, "starts_at": NAIVE, "now": NOW},
        {"requested_at": NOW, "starts_at": NOW + H, "now": NAIVE},
    ],
)
def test_pending_expiry_refuses_naive_datetimes(kwargs):
    with pytest.raises(InvalidInterval):
        is_pending_expired(deadlines=Deadlines(pending_expiry=H), **kwargs)


@settings(max_examples=200, deadline=None)
@given(
    requested=st.integers(0, 10_000),
    lead=st.integers(1, 10_000),
    expiry=st.none() | st.integers(1, 10_000),
    probe=st.integers(0, 20_000),
)
def test_expiry_never_after_the_start_nor_before_the_request(requested, lead, expiry, probe):
    minutes = timedelta(minutes=1)
    requested_at = NOW + requested * minutes
    starts_at = requested_at + lead * minutes
    d = Deadlines(pending_expiry=None if expiry is None else expiry * minutes)
    at = pending_expires_at(requested_at=requested_at, starts_at=starts_at, deadlines=d)
    assert requested_at < at <= starts_at
    now = NOW + probe * minutes
    expired = is_pending_expired(
        requested_at=requested_at, starts_at=starts_at, now=now, deadlines=d
    )
    assert expired is (now >= at)


# --- CoursePolicy -------------------------------------------------------------------------


def test_course_policy_defaults_and_conversion():
    p = CoursePolicy("one_on_one")
    assert p.booking_type is BookingType.ONE_ON_ONE
    assert p.requires_booking_approval is None
    assert p.deadlines == Deadlines()


def test_course_policy_refuses_unknown_booking_type():
    assert rule_of(lambda: CoursePolicy("webinar")) == "booking_type"


def test_course_policy_require():
    p = CoursePolicy(BookingType.GROUP_SESSION)
    p.require(BookingType.GROUP_SESSION)
    assert rule_of(lambda: p.require(BookingType.ONE_ON_ONE)) == "booking_type"


def test_course_policy_requires_approval_resolution():
    p = CoursePolicy(BookingType.ONE_ON_ONE, requires_booking_approval=True)
    assert p.requires_approval() is True
    assert p.requires_approval(teacher_override=False) is False
    unset = CoursePolicy(BookingType.ONE_ON_ONE)
    assert unset.requires_approval(platform_default=True) is True
    assert unset.requires_approval() is False


def test_course_policy_is_frozen():
    p = CoursePolicy(BookingType.ONE_ON_ONE)
    with pytest.raises(AttributeError):
        p.booking_type = BookingType.NONE


def test_outcomes_are_recordable_only_once_the_lesson_started():
    from datetime import UTC, datetime, timedelta

    from fluentory_bookings.core.errors import PolicyViolation
    from fluentory_bookings.core.policy import check_outcome_recordable

    start = datetime(2027, 1, 4, 9, tzinfo=UTC)
    check_outcome_recordable(start, now=start)
    check_outcome_recordable(start, now=start + timedelta(hours=2))
    with pytest.raises(PolicyViolation) as info:
        check_outcome_recordable(start, now=start - timedelta(seconds=1))
    assert info.value.rule == "not_started"
