"""Group-session seats and waitlist: every rule, every refusal, and a random-walk property test."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fluentory_bookings.core.errors import (
    AlreadyBooked,
    InvalidInput,
    InvalidInterval,
    InvalidSeats,
    NotOnWaitlist,
    PolicyViolation,
    SeatsBelowConfirmed,
    SessionClosed,
    SessionFull,
)
from fluentory_bookings.core.seats import (
    ACTIVE_SEAT_STATUSES,
    SEAT_HOLDING_STATUSES,
    BookDecision,
    SeatState,
    SeatStatus,
    SessionStatus,
    WaitlistEntry,
    decide_book,
    decide_release,
    decide_resize,
    derive_status,
    leave_waitlist,
    validate_total_seats,
    waitlist_position,
    waitlist_positions,
)

NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
START = NOW + timedelta(days=2)


def state(
    total: int = 3,
    taken: int = 0,
    *,
    waitlist: bool = True,
    status: SessionStatus | str = SessionStatus.SCHEDULED,
    starts_at: datetime = START,
) -> SeatState:
    return SeatState("s1", total, taken, waitlist, status, starts_at)


def entry(n: int, minutes: int | None = None) -> WaitlistEntry:
    joined = NOW + timedelta(minutes=n if minutes is None else minutes)
    return WaitlistEntry(booking_id=n, student_id=f"student-{n}", joined_at=joined)


# --- statuses -----------------------------------------------------------------------------


def test_seat_holding_and_active_sets():
    assert {SeatStatus.CONFIRMED, SeatStatus.ATTENDED, SeatStatus.NO_SHOW} == SEAT_HOLDING_STATUSES
    assert set(SeatStatus) - {SeatStatus.CANCELLED} == ACTIVE_SEAT_STATUSES
    assert SeatStatus.WAITLISTED in ACTIVE_SEAT_STATUSES
    assert SeatStatus.WAITLISTED not in SEAT_HOLDING_STATUSES


def test_enum_values_are_the_stored_strings():
    assert [s.value for s in SessionStatus] == [
        "scheduled",
        "booking_closed",
        "cancelled",
        "completed",
    ]
    assert [s.value for s in SeatStatus] == [
        "confirmed",
        "waitlisted",
        "cancelled",
        "attended",
        "no_show",
    ]


# --- validate_total_seats -----------------------------------------------------------------


@pytest.mark.parametrize("value", [1, 10, 500])
def test_validate_total_seats_accepts_positive_ints(value):
    assert validate_total_seats(value) == value


@pytest.mark.parametrize("value", [0, -1, True, False, 1.0, "3", None, 2.5, [3]])
def test_validate_total_seats_refuses_the_rest(value):
    with pytest.raises(InvalidSeats) as info:
        validate_total_seats(value)
    assert info.value.value == value
    assert info.value.code == "invalid_seats"


# --- SeatState ----------------------------------------------------------------------------


def test_seat_state_counts():
    s = state(3, 1)
    assert (s.remaining_seats, s.is_full) == (2, False)
    assert state(3, 3).remaining_seats == 0
    assert state(3, 3).is_full


def test_remaining_seats_never_negative_for_overfull_legacy_data():
    s = state(3, 5)
    assert s.remaining_seats == 0
    assert s.is_full


def test_seat_state_converts_a_stored_status_string():
    assert state(status="booking_closed").status is SessionStatus.BOOKING_CLOSED


def test_seat_state_refuses_unknown_status():
    with pytest.raises(InvalidInput, match="unknown session status"):
        state(status="live")


@pytest.mark.parametrize("total", [0, -2, True, "3"])
def test_seat_state_refuses_bad_capacity(total):
    with pytest.raises(InvalidSeats):
        state(total)


@pytest.mark.parametrize("taken", [-1, True, 1.0, None])
def test_seat_state_refuses_bad_seats_taken(taken):
    with pytest.raises(InvalidSeats, match="seats_taken"):
        state(3, taken)


def test_seat_state_refuses_naive_start():
    with pytest.raises(InvalidInterval):
        state(starts_at=datetime(2027, 3, 3, 9, 0))


def test_booking_open():
    assert state(3, 2, waitlist=False).booking_open
    assert not state(3, 3, waitlist=False).booking_open
    assert state(3, 3, waitlist=True).booking_open
    assert not state(3, 0, status=SessionStatus.CANCELLED).booking_open
    assert not state(3, 0, status=SessionStatus.COMPLETED).booking_open


def test_waitlist_entry_refuses_naive_joined_at():
    with pytest.raises(InvalidInterval):
        WaitlistEntry(1, "a", datetime(2027, 3, 1))


# --- derive_status ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "taken", "waitlist", "current", "expected"),
    [
        (3, 2, False, SessionStatus.SCHEDULED, SessionStatus.SCHEDULED),
        (3, 3, False, SessionStatus.SCHEDULED, SessionStatus.BOOKING_CLOSED),
        (3, 4, False, SessionStatus.SCHEDULED, SessionStatus.BOOKING_CLOSED),
        (3, 3, True, SessionStatus.SCHEDULED, SessionStatus.SCHEDULED),
        (3, 2, False, SessionStatus.BOOKING_CLOSED, SessionStatus.SCHEDULED),
        (3, 3, True, SessionStatus.BOOKING_CLOSED, SessionStatus.SCHEDULED),
        (3, 0, False, SessionStatus.CANCELLED, SessionStatus.CANCELLED),
        (3, 3, False, SessionStatus.CANCELLED, SessionStatus.CANCELLED),
        (3, 3, False, SessionStatus.COMPLETED, SessionStatus.COMPLETED),
        (3, 1, True, SessionStatus.COMPLETED, SessionStatus.COMPLETED),
        (3, 3, False, "scheduled", SessionStatus.BOOKING_CLOSED),
    ],
)
def test_derive_status(total, taken, waitlist, current, expected):
    assert derive_status(total, taken, waitlist, current) is expected


# --- decide_book --------------------------------------------------------------------------


def test_book_takes_a_seat_while_one_is_free():
    assert decide_book(state(3, 0), already_booked=False, now=NOW) == BookDecision(
        SeatStatus.CONFIRMED, 1, SessionStatus.SCHEDULED
    )


def test_last_seat_closes_booking_without_waitlist():
    decision = decide_book(state(3, 2, waitlist=False), already_booked=False, now=NOW)
    assert decision == BookDecision(SeatStatus.CONFIRMED, 3, SessionStatus.BOOKING_CLOSED)


def test_last_seat_keeps_booking_open_with_waitlist():
    decision = decide_book(state(3, 2, waitlist=True), already_booked=False, now=NOW)
    assert decision == BookDecision(SeatStatus.CONFIRMED, 3, SessionStatus.SCHEDULED)


def test_full_session_with_waitlist_waitlists():
    decision = decide_book(state(3, 3, waitlist=True), already_booked=False, now=NOW)
    assert decision == BookDecision(SeatStatus.WAITLISTED, 3, SessionStatus.SCHEDULED)


def test_full_session_without_waitlist_refuses():
    with pytest.raises(SessionFull) as info:
        decide_book(state(3, 3, waitlist=False), already_booked=False, now=NOW)
    assert info.value.session_id == "s1"


def test_stale_booking_closed_status_does_not_refuse_a_free_seat():
    s = state(3, 2, waitlist=False, status=SessionStatus.BOOKING_CLOSED)
    assert decide_book(s, already_booked=False, now=NOW).outcome is SeatStatus.CONFIRMED


@pytest.mark.parametrize("status", [SessionStatus.CANCELLED, SessionStatus.COMPLETED])
def test_book_refuses_closed_sessions(status):
    with pytest.raises(SessionClosed) as info:
        decide_book(state(status=status), already_booked=False, now=NOW)
    assert info.value.status == status.value
    assert info.value.session_id == "s1"


@pytest.mark.parametrize("starts_at", [NOW, NOW - timedelta(minutes=1)])
def test_book_refuses_a_started_session(starts_at):
    with pytest.raises(PolicyViolation) as info:
        decide_book(state(starts_at=starts_at), already_booked=False, now=NOW)
    assert info.value.rule == "past"


def test_book_accepts_a_session_starting_in_a_moment():
    s = state(starts_at=NOW + timedelta(microseconds=1))
    assert decide_book(s, already_booked=False, now=NOW).outcome is SeatStatus.CONFIRMED


def test_book_compares_instants_across_zones():
    # 10:30 in Berlin (UTC+1 in March 2027 before the change) is 09:30 UTC: not yet started.
    berlin = datetime(2027, 3, 1, 10, 30, tzinfo=ZoneInfo("Europe/Berlin"))
    assert decide_book(state(starts_at=berlin), already_booked=False, now=NOW).seats_taken == 1


def test_book_in_a_dst_fold_compares_real_time():
    berlin = ZoneInfo("Europe/Berlin")
    starts_at = datetime(2027, 10, 31, 2, 15, tzinfo=berlin, fold=1)  # the second 02:15
    now = datetime(2027, 10, 31, 2, 30, tzinfo=berlin, fold=0)  # the first 02:30: earlier
    decision = decide_book(state(starts_at=starts_at), already_booked=False, now=now)
    assert decision.outcome is SeatStatus.CONFIRMED


def test_book_refuses_a_second_active_booking():
    with pytest.raises(AlreadyBooked) as info:
        decide_book(state(), already_booked=True, now=NOW, student_id="ana")
    assert (info.value.session_id, info.value.student_id) == ("s1", "ana")


def test_book_refusal_order_closed_before_past_before_duplicate_before_full():
    closed_past_full = state(
        3, 3, waitlist=False, status=SessionStatus.CANCELLED, starts_at=NOW - timedelta(hours=1)
    )
    with pytest.raises(SessionClosed):
        decide_book(closed_past_full, already_booked=True, now=NOW)
    with pytest.raises(PolicyViolation):
        decide_book(state(3, 3, waitlist=False, starts_at=NOW), already_booked=True, now=NOW)
    with pytest.raises(AlreadyBooked):
        decide_book(state(3, 3, waitlist=False), already_booked=True, now=NOW)


def test_book_refuses_naive_now():
    with pytest.raises(InvalidInterval):
        decide_book(state(), already_booked=False, now=datetime(2027, 3, 1, 9))


def test_overfull_legacy_session_waitlists_or_refuses():
    assert (
        decide_book(state(3, 4, waitlist=True), already_booked=False, now=NOW).outcome
        is SeatStatus.WAITLISTED
    )
    with pytest.raises(SessionFull):
        decide_book(state(3, 4, waitlist=False), already_booked=False, now=NOW)


# --- waitlist order -----------------------------------------------------------------------


def test_waitlist_positions_are_fifo_by_joined_at_then_booking_id():
    late, early, tie_b, tie_a = entry(9, 30), entry(5, 10), entry(8, 20), entry(7, 20)
    ordered = waitlist_positions([late, early, tie_b, tie_a])
    assert ordered == ((early, 1), (tie_a, 2), (tie_b, 3), (late, 4))


def test_waitlist_positions_compare_instants_not_wall_clocks():
    tokyo = WaitlistEntry(1, "a", datetime(2027, 3, 1, 18, 0, tzinfo=ZoneInfo("Asia/Tokyo")))
    utc = WaitlistEntry(2, "b", datetime(2027, 3, 1, 8, 30, tzinfo=UTC))  # 17:30 in Tokyo
    assert [e for e, _ in waitlist_positions([tokyo, utc])] == [utc, tokyo]


def test_waitlist_order_inside_a_dst_fold_follows_real_time():
    berlin = ZoneInfo("Europe/Berlin")
    # 31 Oct 2027: 02:00-03:00 happens twice. The first 02:30 comes before the second 02:15,
    # though a same-zone wall-clock comparison says otherwise.
    first = WaitlistEntry(2, "a", datetime(2027, 10, 31, 2, 30, tzinfo=berlin, fold=0))
    second = WaitlistEntry(1, "b", datetime(2027, 10, 31, 2, 15, tzinfo=berlin, fold=1))
    assert [e for e, _ in waitlist_positions([second, first])] == [first, second]


def test_empty_waitlist():
    assert waitlist_positions([]) == ()


def test_duplicate_booking_in_waitlist_is_refused():
    with pytest.raises(InvalidInput, match="twice"):
        waitlist_positions([entry(1), entry(1, 5)])


def test_waitlist_position_of_one_booking():
    wl = [entry(3), entry(1), entry(2)]
    assert [waitlist_position(wl, i) for i in (1, 2, 3)] == [1, 2, 3]
    with pytest.raises(NotOnWaitlist) as info:
        waitlist_position(wl, 4)
    assert info.value.booking_id == 4


def test_leaving_the_waitlist_renumbers():
    a, b, c = entry(1), entry(2), entry(3)
    assert leave_waitlist([a, b, c], 2) == ((a, 1), (c, 2))
    assert leave_waitlist([a], 1) == ()


def test_leaving_refuses_a_booking_not_waiting():
    with pytest.raises(NotOnWaitlist) as info:
        leave_waitlist([entry(1)], 99)
    assert info.value.booking_id == 99


# --- decide_release -----------------------------------------------------------------------


def test_release_without_waitlist_frees_the_seat_and_reopens():
    decision = decide_release(state(3, 3, waitlist=False, status="booking_closed"), [])
    assert decision.promote == ()
    assert decision.seats_taken == 2
    assert decision.status is SessionStatus.SCHEDULED
    assert decision.waitlist == ()


def test_release_promotes_the_longest_waiting():
    a, b, c = entry(1), entry(2), entry(3)
    decision = decide_release(state(3, 3), [c, a, b])
    assert decision.promote == (a,)
    assert decision.seats_taken == 3
    assert decision.waitlist == ((b, 1), (c, 2))


def test_release_promotes_one_per_freed_seat():
    wl = [entry(i) for i in range(1, 6)]
    decision = decide_release(state(5, 5), wl, freed=3)
    assert decision.promote == tuple(wl[:3])
    assert decision.seats_taken == 5
    assert [p for _, p in decision.waitlist] == [1, 2]


def test_release_promotes_at_most_the_waitlist():
    wl = [entry(1)]
    decision = decide_release(state(5, 5, waitlist=False), wl, freed=3)
    assert decision.promote == (wl[0],)
    assert decision.seats_taken == 3
    assert decision.status is SessionStatus.SCHEDULED


def test_release_serves_waitlist_even_after_it_was_switched_off():
    a = entry(1)
    decision = decide_release(state(2, 2, waitlist=False), [a])
    assert decision.promote == (a,)
    assert decision.status is SessionStatus.BOOKING_CLOSED


@pytest.mark.parametrize("status", [SessionStatus.CANCELLED, SessionStatus.COMPLETED])
def test_release_in_a_closed_session_promotes_nobody(status):
    a, b = entry(1), entry(2)
    decision = decide_release(state(2, 2, status=status), [b, a])
    assert decision.promote == ()
    assert decision.seats_taken == 1
    assert decision.status is status
    assert decision.waitlist == ((a, 1), (b, 2))


def test_release_zero_fills_seats_that_were_already_free():
    a, b = entry(1), entry(2)
    decision = decide_release(state(3, 2), [a, b], freed=0)
    assert decision.promote == (a,)
    assert decision.seats_taken == 3


def test_release_into_an_overfull_session_promotes_nobody():
    decision = decide_release(state(3, 5), [entry(1)])
    assert decision.promote == ()
    assert decision.seats_taken == 4


@pytest.mark.parametrize("freed", [-1, True, 1.0, "1"])
def test_release_refuses_bad_freed(freed):
    with pytest.raises(InvalidSeats, match="freed"):
        decide_release(state(3, 3), [], freed=freed)


def test_release_refuses_freeing_more_than_taken():
    with pytest.raises(InvalidSeats, match="from 0 to 1") as info:
        decide_release(state(3, 1), [], freed=2)
    assert info.value.field == "freed"


# --- decide_resize ------------------------------------------------------------------------


def test_resize_up_promotes_into_the_new_seats():
    a, b, c = entry(1), entry(2), entry(3)
    decision = decide_resize(state(3, 3), 5, [c, b, a])
    assert decision.promote == (a, b)
    assert decision.seats_taken == 5
    assert decision.waitlist == ((c, 1),)


def test_resize_up_reopens_a_closed_session():
    decision = decide_resize(state(3, 3, waitlist=False, status="booking_closed"), 4, [])
    assert decision.status is SessionStatus.SCHEDULED
    assert decision.seats_taken == 3


def test_resize_down_to_the_seats_taken_closes_it():
    decision = decide_resize(state(5, 3, waitlist=False), 3, [])
    assert decision.status is SessionStatus.BOOKING_CLOSED
    assert decision.promote == ()


def test_resize_below_the_seats_taken_is_refused():
    with pytest.raises(SeatsBelowConfirmed) as info:
        decide_resize(state(5, 3), 2, [])
    assert (info.value.session_id, info.value.total_seats, info.value.confirmed) == ("s1", 2, 3)


@pytest.mark.parametrize("value", [0, -3, True, "5", 5.0, None])
def test_resize_refuses_an_invalid_capacity(value):
    with pytest.raises(InvalidSeats):
        decide_resize(state(5, 3), value, [])


def test_resize_of_a_cancelled_session_promotes_nobody():
    a = entry(1)
    decision = decide_resize(state(2, 2, status="cancelled"), 4, [a])
    assert decision.promote == ()
    assert decision.status is SessionStatus.CANCELLED
    assert decision.waitlist == ((a, 1),)


# --- a random walk through the rules ------------------------------------------------------


@dataclass
class Booking:
    id: int
    student: int
    status: SeatStatus
    joined_at: datetime


@dataclass
class Model:
    """A tiny in-test database that only changes through the decisions under test."""

    total: int
    enable_waitlist: bool
    status: SessionStatus = SessionStatus.SCHEDULED
    taken: int = 0
    bookings: list[Booking] = field(default_factory=list)
    clock: datetime = NOW

    def state(self) -> SeatState:
        return SeatState("s", self.total, self.taken, self.enable_waitlist, self.status, START)

    def waiting(self) -> list[Booking]:
        return [b for b in self.bookings if b.status is SeatStatus.WAITLISTED]

    def waitlist(self) -> list[WaitlistEntry]:
        return [WaitlistEntry(b.id, b.student, b.joined_at) for b in self.waiting()]

    def active(self, student: int) -> Booking | None:
        return next(
            (b for b in self.bookings if b.student == student and b.status in ACTIVE_SEAT_STATUSES),
            None,
        )

    def apply_release(self, decision) -> None:
        # FIFO: bookings are created with ids and join times that both grow, so the queue
        # order is simply creation order.
        queue = sorted(self.waiting(), key=lambda b: (b.joined_at, b.id))
        k = len(decision.promote)
        assert [e.booking_id for e in decision.promote] == [b.id for b in queue[:k]]
        assert [(e.booking_id, p) for e, p in decision.waitlist] == [
            (b.id, i) for i, b in enumerate(queue[k:], start=1)
        ]
        for b in queue[:k]:
            b.status = SeatStatus.CONFIRMED
        self.taken = decision.seats_taken
        self.status = decision.status


# Bookings dominate so sessions fill up and waitlists form.
KINDS = ["book"] * 6 + ["cancel"] * 3 + ["resize"] * 2 + ["toggle_waitlist", "attend"]
operations = st.lists(
    st.tuples(st.sampled_from(KINDS), st.integers(-1, 8), st.integers(0, 2)),
    min_size=15,
    max_size=60,
)


@settings(max_examples=200, deadline=None)
@given(
    total=st.integers(1, 5),
    enable_waitlist=st.booleans(),
    ops=operations,
    # Cancelling the session ends all promotion, so it happens at most once, at a random point.
    cancel_session_at=st.none() | st.integers(10, 60),
)
def test_random_operations_keep_every_seat_invariant(
    total, enable_waitlist, ops, cancel_session_at
):
    m = Model(total=total, enable_waitlist=enable_waitlist)
    next_id = 1
    if cancel_session_at is not None:
        ops = [*ops[:cancel_session_at], ("cancel_session", 0, 0), *ops[cancel_session_at:]]
    for op in ops:
        kind, arg, tick = op
        if kind == "book":
            student = arg % 8
            m.clock += timedelta(seconds=tick)  # tick 0: two students join in the same instant
            s = m.state()
            mine = m.active(student)
            try:
                decision = decide_book(s, already_booked=mine is not None, now=NOW)
            except SessionClosed:
                assert m.status is SessionStatus.CANCELLED
                continue
            except AlreadyBooked:
                assert mine is not None
                continue
            except SessionFull:
                assert s.is_full
                assert not m.enable_waitlist
                continue
            assert mine is None
            assert m.status is not SessionStatus.CANCELLED
            expected = SeatStatus.CONFIRMED if m.taken < m.total else SeatStatus.WAITLISTED
            assert decision.outcome is expected
            m.bookings.append(Booking(next_id, student, decision.outcome, m.clock))
            next_id += 1
            m.taken = decision.seats_taken
            m.status = decision.status
        elif kind == "cancel":
            mine = m.active(arg % 8)
            if mine is None:
                with pytest.raises(NotOnWaitlist):
                    leave_waitlist(m.waitlist(), -1)
                continue
            if mine.status is SeatStatus.WAITLISTED:
                before = m.waitlist()
                remaining = leave_waitlist(before, mine.id)
                mine.status = SeatStatus.CANCELLED
                assert [e.booking_id for e, _ in remaining] == [
                    e.booking_id for e, _ in waitlist_positions(m.waitlist())
                ]
            elif mine.status is SeatStatus.CONFIRMED:
                decision = decide_release(m.state(), m.waitlist(), freed=1)
                mine.status = SeatStatus.CANCELLED
                if m.status is not SessionStatus.CANCELLED:
                    assert len(decision.promote) == min(1, len(m.waiting()))
                m.apply_release(decision)
            # attended / no-show bookings are history: nothing to cancel.
        elif kind == "resize":
            new_total = arg
            try:
                decision = decide_resize(m.state(), new_total, m.waitlist())
            except InvalidSeats:
                assert new_total <= 0
                continue
            except SeatsBelowConfirmed:
                assert new_total < m.taken
                continue
            grow = max(0, new_total - m.total)
            if m.status is not SessionStatus.CANCELLED:
                assert len(decision.promote) == min(grow, len(m.waiting()))
            m.total = new_total
            m.apply_release(decision)
        elif kind == "toggle_waitlist":
            # Switching the flag frees no seat: re-derive only.
            m.enable_waitlist = not m.enable_waitlist
            m.apply_release(decide_release(m.state(), m.waitlist(), freed=0))
        elif kind == "attend":
            confirmed = [b for b in m.bookings if b.status is SeatStatus.CONFIRMED]
            if confirmed:
                confirmed[0].status = SeatStatus.ATTENDED
        else:
            m.status = SessionStatus.CANCELLED

        # The invariants, after every single operation.
        holding = [b for b in m.bookings if b.status in SEAT_HOLDING_STATUSES]
        assert m.taken == len(holding)
        assert m.taken <= m.total
        if m.status is not SessionStatus.CANCELLED and m.waiting():
            assert m.taken == m.total, "a seat is free while someone waits"
        positions = [p for _, p in waitlist_positions(m.waitlist())]
        assert positions == list(range(1, len(m.waiting()) + 1))
        assert m.status is derive_status(m.total, m.taken, m.enable_waitlist, m.status)
        students = [b.student for b in m.bookings if b.status in ACTIVE_SEAT_STATUSES]
        assert len(students) == len(set(students))
