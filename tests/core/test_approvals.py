"""The 1:1 status machine: every edge, every actor, every refusal."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fluentory_bookings.core.approvals import (
    ACTIVE_ONE_ON_ONE_STATUSES,
    TERMINAL_ONE_ON_ONE_STATUSES,
    TRANSITIONS,
    Actor,
    OneOnOneStatus,
    allowed_targets,
    check_transition,
    initial_status,
    parse_actor,
    parse_one_on_one_status,
)
from fluentory_bookings.core.errors import (
    BookingError,
    InvalidInput,
    InvalidTransition,
    NotPermitted,
)

S = OneOnOneStatus
A = Actor

# The table of the spec, written out once more by hand so a change to TRANSITIONS is a
# deliberate change to two places.
EXPECTED = {
    (S.PENDING, S.CONFIRMED): {A.TEACHER, A.STAFF},
    (S.PENDING, S.DECLINED): {A.TEACHER, A.STAFF},
    (S.PENDING, S.CANCELLED): {A.STUDENT, A.TEACHER, A.STAFF},
    (S.PENDING, S.EXPIRED): {A.SYSTEM},
    (S.CONFIRMED, S.CANCELLED): {A.STUDENT, A.TEACHER, A.STAFF},
    (S.CONFIRMED, S.COMPLETED): {A.TEACHER, A.STAFF, A.SYSTEM},
    (S.CONFIRMED, S.NO_SHOW): {A.TEACHER, A.STAFF},
}


def test_enum_values():
    assert [s.value for s in S] == [
        "pending",
        "confirmed",
        "declined",
        "cancelled",
        "expired",
        "completed",
        "no_show",
    ]
    assert [a.value for a in A] == ["student", "teacher", "staff", "system"]


def test_transitions_table_matches_the_spec():
    assert {edge: set(actors) for edge, actors in TRANSITIONS.items()} == EXPECTED


def test_transitions_table_is_read_only():
    with pytest.raises(TypeError):
        TRANSITIONS[S.DECLINED, S.PENDING] = frozenset({A.STAFF})


def test_active_and_terminal_statuses():
    assert {S.PENDING, S.CONFIRMED} == ACTIVE_ONE_ON_ONE_STATUSES
    assert {
        S.DECLINED,
        S.CANCELLED,
        S.EXPIRED,
        S.COMPLETED,
        S.NO_SHOW,
    } == TERMINAL_ONE_ON_ONE_STATUSES
    assert not ACTIVE_ONE_ON_ONE_STATUSES & TERMINAL_ONE_ON_ONE_STATUSES


@pytest.mark.parametrize(
    ("requires_approval", "expected"), [(True, S.PENDING), (False, S.CONFIRMED)]
)
def test_initial_status(requires_approval, expected):
    assert initial_status(requires_approval) is expected


def test_parse_helpers():
    assert parse_one_on_one_status("no_show") is S.NO_SHOW
    assert parse_actor("staff") is A.STAFF
    with pytest.raises(InvalidInput) as info:
        parse_one_on_one_status("NO_SHOW")
    assert info.value.field == "status"
    with pytest.raises(InvalidInput) as info:
        parse_actor("admin")
    assert info.value.field == "actor"


@pytest.mark.parametrize("value", ["no", "yes", 1, 0, None])
def test_initial_status_refuses_truthy_non_bools(value):
    with pytest.raises(InvalidInput) as info:
        initial_status(value)
    assert info.value.field == "requires_approval"


@pytest.mark.parametrize(
    ("current", "actor", "expected"),
    [
        (S.PENDING, A.STUDENT, {S.CANCELLED}),
        (S.PENDING, A.TEACHER, {S.CONFIRMED, S.DECLINED, S.CANCELLED}),
        (S.PENDING, A.STAFF, {S.CONFIRMED, S.DECLINED, S.CANCELLED}),
        (S.PENDING, A.SYSTEM, {S.EXPIRED}),
        (S.CONFIRMED, A.STUDENT, {S.CANCELLED}),
        (S.CONFIRMED, A.TEACHER, {S.CANCELLED, S.COMPLETED, S.NO_SHOW}),
        (S.CONFIRMED, A.SYSTEM, {S.COMPLETED}),
        ("confirmed", "staff", {S.CANCELLED, S.COMPLETED, S.NO_SHOW}),
        (S.DECLINED, A.STAFF, set()),
        (S.COMPLETED, A.TEACHER, set()),
        ("archived", A.STAFF, set()),
        (S.PENDING, "admin", set()),
    ],
)
def test_allowed_targets(current, actor, expected):
    assert allowed_targets(current, actor) == expected


def test_teacher_approves_and_declines():
    assert check_transition(S.PENDING, S.CONFIRMED, A.TEACHER) is S.CONFIRMED
    assert check_transition("pending", "declined", "teacher") is S.DECLINED


def test_student_cannot_approve_their_own_request():
    with pytest.raises(NotPermitted) as info:
        check_transition(S.PENDING, S.CONFIRMED, A.STUDENT)
    assert info.value.actor == "student"
    assert "teacher" in info.value.message


def test_only_the_system_expires_a_request():
    with pytest.raises(NotPermitted):
        check_transition(S.PENDING, S.EXPIRED, A.STAFF)
    assert check_transition(S.PENDING, S.EXPIRED, A.SYSTEM) is S.EXPIRED


def test_a_declined_request_is_final():
    with pytest.raises(InvalidTransition) as info:
        check_transition(S.DECLINED, S.CONFIRMED, A.STAFF)
    assert (info.value.current, info.value.target, info.value.actor) == (
        "declined",
        "confirmed",
        "staff",
    )


def test_same_status_is_not_a_transition():
    with pytest.raises(InvalidTransition):
        check_transition(S.CONFIRMED, S.CONFIRMED, A.TEACHER)


def test_unknown_statuses_are_invalid_transitions():
    with pytest.raises(InvalidTransition) as info:
        check_transition("approved", S.CONFIRMED, A.TEACHER)
    assert info.value.current == "approved"
    with pytest.raises(InvalidTransition):
        check_transition(S.PENDING, "approved", A.TEACHER)


def test_unknown_actor_on_a_real_edge_is_not_permitted():
    with pytest.raises(NotPermitted) as info:
        check_transition(S.PENDING, S.CANCELLED, "admin")
    assert info.value.actor == "admin"


def test_missing_edge_wins_over_unknown_actor():
    with pytest.raises(InvalidTransition):
        check_transition(S.EXPIRED, S.PENDING, "admin")


def test_errors_are_booking_errors_with_codes():
    with pytest.raises(BookingError) as info:
        check_transition(S.CANCELLED, S.CONFIRMED, A.STAFF)
    assert info.value.as_dict()["code"] == "invalid_transition"


ALL_TRIPLES = list(itertools.product(S, S, A))


@pytest.mark.parametrize(("current", "target", "actor"), ALL_TRIPLES)
def test_every_triple(current, target, actor):
    _assert_decided_by_the_table(current, target, actor)


def _assert_decided_by_the_table(current: object, target: object, actor: object) -> None:
    edge = (current, target)
    if edge in EXPECTED and actor in EXPECTED[edge]:
        assert check_transition(current, target, actor) == target
        assert target in allowed_targets(current, actor)
    elif edge in EXPECTED:
        with pytest.raises(NotPermitted):
            check_transition(current, target, actor)
        assert target not in allowed_targets(current, actor)
    else:
        with pytest.raises(InvalidTransition):
            check_transition(current, target, actor)
        assert target not in allowed_targets(current, actor)


# Stored values arrive as strings, sometimes stale or mistyped: mix real values with junk.
statuses = st.sampled_from(list(S)) | st.sampled_from([s.value for s in S]) | st.text(max_size=12)
actors = st.sampled_from(list(A)) | st.sampled_from([a.value for a in A]) | st.text(max_size=8)


@settings(max_examples=200, deadline=None)
@given(current=statuses, target=statuses, actor=actors)
def test_any_triple_succeeds_iff_listed(current, target, actor):
    _assert_decided_by_the_table(current, target, actor)


@settings(max_examples=200, deadline=None)
@given(current=statuses, actor=actors)
def test_allowed_targets_agrees_with_check_transition(current, actor):
    for target in S:
        try:
            check_transition(current, target, actor)
        except (InvalidTransition, NotPermitted):
            assert target not in allowed_targets(current, actor)
        else:
            assert target in allowed_targets(current, actor)
