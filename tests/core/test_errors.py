from datetime import UTC, datetime, timedelta

import pytest

from fluentory_bookings.core import errors
from fluentory_bookings.core.conflicts import ConflictDetail
from fluentory_bookings.core.intervals import Interval

T0 = datetime(2027, 1, 4, 9, tzinfo=UTC)


def all_error_classes():
    return [
        getattr(errors, name)
        for name in errors.__all__
        if isinstance(getattr(errors, name), type)
        and issubclass(getattr(errors, name), errors.BookingError)
    ]


def test_every_error_is_a_booking_error_with_a_unique_stable_code():
    classes = all_error_classes()
    assert errors.BookingError in classes
    codes = [cls.code for cls in classes]
    assert len(codes) == len(set(codes))
    for cls in classes:
        assert issubclass(cls, errors.BookingError)
        assert issubclass(cls, ValueError)
        assert cls.code.isidentifier()
        assert cls.code.islower()


def test_errors_carry_their_data():
    assert errors.SessionFull(7).session_id == 7
    t = errors.InvalidTransition("declined", "confirmed", actor="teacher")
    assert (t.current, t.target, t.actor) == ("declined", "confirmed", "teacher")
    p = errors.PolicyViolation("minimum_notice", "too soon")
    assert p.rule == "minimum_notice"
    assert p.as_dict() == {
        "code": "policy_violation",
        "message": "too soon",
        "rule": "minimum_notice",
    }
    s = errors.SeatsBelowConfirmed(session_id=1, total_seats=3, confirmed=5)
    assert (s.total_seats, s.confirmed) == (3, 5)


def test_conflict_lists_every_conflict():
    a = Interval(T0, T0 + timedelta(hours=1))
    details = [
        ConflictDetail(candidate=a, existing=a, party="student", ref=1),
        ConflictDetail(candidate=a, existing=a, party="teacher", ref=None),
    ]
    err = errors.Conflict(details)
    assert err.conflicts == tuple(details)
    data = err.as_dict()
    assert data["code"] == "conflict"
    assert [c["party"] for c in data["conflicts"]] == ["student", "teacher"]
    assert str(err) == "2 conflicts with existing commitments"


@pytest.mark.parametrize("value", [0, -1])
def test_invalid_seats_message_names_the_value(value):
    assert repr(value) in str(errors.InvalidSeats(value))


def test_a_policy_violation_names_a_listed_rule():
    exc = errors.PolicyViolation("same_course", "x")
    assert exc.rule is errors.Rule.SAME_COURSE
    assert exc.rule == "same_course"
    assert exc.as_dict()["rule"] == "same_course"
    with pytest.raises(ValueError, match="not a Rule"):
        errors.PolicyViolation("made_up", "x")


def test_a_slot_refusal_names_a_listed_reason():
    assert errors.SlotUnavailable("x", reason="taken").reason is errors.SlotReason.TAKEN
    assert errors.SlotUnavailable("x").reason is None
    with pytest.raises(ValueError, match="not a SlotReason"):
        errors.SlotUnavailable("x", reason="made_up")


def test_only_enrollment_is_about_the_caller():
    assert [r for r in errors.Rule if r.concerns_caller] == [errors.Rule.ENROLLMENT]
