"""Seat and waitlist decisions for group sessions.

A group session has ``total_seats`` seats. A booking takes one seat while there is one free;
once every seat is taken, a booking joins the waitlist if the session has one, and is refused
otherwise. When a seat frees (a confirmed booking is cancelled, or the teacher adds seats), the
longest-waiting student gets it: first come, first served, one promotion per free seat.

Every function here is a pure decision over plain values. The caller (the Django services, or
your own code) locks the session, loads a :class:`SeatState` and the waitlist, asks, and writes
the answer back, so the rules live in one place and the database keeps them atomic.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from fluentory_bookings.core.errors import (
    AlreadyBooked,
    InvalidInput,
    InvalidSeats,
    NotOnWaitlist,
    PolicyViolation,
    Rule,
    SeatsBelowConfirmed,
    SessionClosed,
    SessionFull,
)
from fluentory_bookings.core.validate import require_aware, require_bool

__all__ = [
    "ACTIVE_SEAT_STATUSES",
    "SEAT_HOLDING_STATUSES",
    "TERMINAL_SESSION_STATUSES",
    "BookDecision",
    "ReleaseDecision",
    "SeatState",
    "SeatStatus",
    "SessionStatus",
    "WaitlistEntry",
    "decide_book",
    "decide_release",
    "decide_resize",
    "derive_status",
    "leave_waitlist",
    "parse_seat_status",
    "parse_session_status",
    "validate_total_seats",
    "waitlist_position",
    "waitlist_positions",
]


class SessionStatus(StrEnum):
    """Where a group session stands. ``booking_closed`` is derived from the seats, never set."""

    SCHEDULED = "scheduled"
    BOOKING_CLOSED = "booking_closed"
    CANCELLED = "cancelled"
    COMPLETED = "completed"


class SeatStatus(StrEnum):
    """Where one student's group-session booking stands."""

    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"
    ATTENDED = "attended"
    NO_SHOW = "no_show"


SEAT_HOLDING_STATUSES: frozenset[SeatStatus] = frozenset(
    {SeatStatus.CONFIRMED, SeatStatus.ATTENDED, SeatStatus.NO_SHOW}
)
"""Booking statuses that occupy a seat: they count towards ``seats_taken``.

A no-show still held the seat nobody else could take, so it keeps counting.
"""

ACTIVE_SEAT_STATUSES: frozenset[SeatStatus] = frozenset(set(SeatStatus) - {SeatStatus.CANCELLED})
"""Booking statuses that count as the student's one booking for a session (all but cancelled)."""

TERMINAL_SESSION_STATUSES: frozenset[SessionStatus] = frozenset(
    {SessionStatus.CANCELLED, SessionStatus.COMPLETED}
)
"""Session statuses that never change again and take no bookings or promotions."""


def validate_total_seats(value: object) -> int:
    """Return ``value`` if it is a usable seat capacity.

    Args:
        value: The proposed ``total_seats``, as it arrived (form data, JSON, a model field).

    Returns:
        The capacity as an ``int``.

    Raises:
        InvalidSeats: ``value`` is not an ``int`` (a ``bool``, a ``float`` or a numeric string
            are refused too, so a typo never becomes a capacity) or is not greater than 0.
    """
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise InvalidSeats(value)
    return value


def _seats_taken(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidSeats(value, field="seats_taken", least=0)
    return value


def parse_session_status(value: SessionStatus | str, field: str = "status") -> SessionStatus:
    """Return the session status named by ``value`` (a member or its stored string).

    Raises:
        InvalidInput: ``value`` names no session status; ``field`` is ``field``.
    """
    try:
        return SessionStatus(value)
    except ValueError:
        raise InvalidInput(f"unknown session status {value!r}", field=field) from None


def parse_seat_status(value: SeatStatus | str, field: str = "status") -> SeatStatus:
    """Return the group-booking status named by ``value`` (a member or its stored string).

    Raises:
        InvalidInput: ``value`` names no booking status; ``field`` is ``field``.
    """
    try:
        return SeatStatus(value)
    except ValueError:
        raise InvalidInput(f"unknown group booking status {value!r}", field=field) from None


@dataclass(frozen=True, slots=True)
class SeatState:
    """The seat counters of one group session, as loaded under a row lock.

    ``seats_taken`` may exceed ``total_seats`` in data written before the seat rules existed;
    the decisions then treat the session as full and promote nobody until it drops below.

    Attributes:
        session_id: The session's identifier, only echoed back in errors.
        total_seats: Capacity, a positive ``int``.
        seats_taken: Seats held by confirmed, attended and no-show bookings.
        enable_waitlist: Whether students may join a waitlist once the session is full.
        status: The stored session status (a plain string is converted).
        starts_at: When the session starts, aware.

    Raises:
        InvalidSeats: ``total_seats`` is not a positive ``int``, or ``seats_taken`` is negative
            or not an ``int`` (``field`` says which).
        InvalidInterval: ``starts_at`` is naive.
        InvalidInput: ``status`` is unknown or ``enable_waitlist`` is not a ``bool``.
    """

    session_id: Hashable
    total_seats: int
    seats_taken: int
    enable_waitlist: bool
    status: SessionStatus | str
    starts_at: datetime

    def __post_init__(self) -> None:
        validate_total_seats(self.total_seats)
        _seats_taken(self.seats_taken)
        require_bool(self.enable_waitlist, "enable_waitlist")
        require_aware(self.starts_at, "starts_at")
        object.__setattr__(self, "status", parse_session_status(self.status))

    @property
    def remaining_seats(self) -> int:
        """Free seats; never negative, even for an over-full legacy session."""
        return max(0, self.total_seats - self.seats_taken)

    @property
    def is_full(self) -> bool:
        """Whether no seat is free."""
        return self.seats_taken >= self.total_seats

    @property
    def booking_open(self) -> bool:
        """Whether a booking request would be accepted, confirmed or waitlisted.

        This ignores the clock: :func:`decide_book` also refuses a session that has started.
        """
        if self.status in TERMINAL_SESSION_STATUSES:
            return False
        return self.enable_waitlist or not self.is_full


@dataclass(frozen=True, slots=True)
class WaitlistEntry:
    """One student waiting for a seat.

    Attributes:
        booking_id: The waitlisted booking; breaks ties between equal ``joined_at`` values, so
            ids must be mutually comparable (ints, UUIDs or strings, not a mix).
        student_id: The waiting student.
        joined_at: When the student joined the waitlist, aware.

    Raises:
        InvalidInterval: ``joined_at`` is naive.
    """

    # Any, not Hashable: callers key their own dicts by the ids they put in (ints, UUIDs, ...).
    booking_id: Any
    student_id: Hashable
    joined_at: datetime

    def __post_init__(self) -> None:
        require_aware(self.joined_at, "joined_at")
        try:
            hash(self.booking_id)
        except TypeError:
            raise InvalidInput(
                f"booking_id must be hashable, not {type(self.booking_id).__name__}",
                field="booking_id",
            ) from None


@dataclass(frozen=True, slots=True)
class BookDecision:
    """The answer to a booking request.

    Attributes:
        outcome: ``CONFIRMED`` (a seat was taken) or ``WAITLISTED`` (no seat changed).
        seats_taken: The session's ``seats_taken`` after the booking.
        status: The session's status after the booking.
    """

    outcome: SeatStatus
    seats_taken: int
    status: SessionStatus


@dataclass(frozen=True, slots=True)
class ReleaseDecision:
    """The answer to seats freeing up or the capacity changing.

    Attributes:
        promote: Waitlisted bookings to confirm now, longest-waiting first.
        seats_taken: The session's ``seats_taken`` after the release and the promotions.
        status: The session's status after the change.
        waitlist: Everyone still waiting, in order, with their new 1-based positions.
    """

    promote: tuple[WaitlistEntry, ...]
    seats_taken: int
    status: SessionStatus
    waitlist: tuple[tuple[WaitlistEntry, int], ...]


def derive_status(
    total_seats: int,
    seats_taken: int,
    enable_waitlist: bool,
    current: SessionStatus | str,
) -> SessionStatus:
    """Return the status a session should have for its seat counts.

    Args:
        total_seats: Capacity.
        seats_taken: Seats held.
        enable_waitlist: Whether the session has a waitlist.
        current: The stored status (a plain string is accepted).

    Returns:
        ``current`` if it is cancelled or completed (those are final); otherwise
        ``BOOKING_CLOSED`` when the session is full and has no waitlist, else ``SCHEDULED``,
        so a closed session reopens as soon as a seat frees.

    Raises:
        InvalidSeats: a seat count is out of range.
        InvalidInput: ``current`` is unknown or ``enable_waitlist`` is not a ``bool``.
    """
    validate_total_seats(total_seats)
    _seats_taken(seats_taken)
    require_bool(enable_waitlist, "enable_waitlist")
    status = parse_session_status(current)
    if status in TERMINAL_SESSION_STATUSES:
        return status
    if seats_taken >= total_seats and not enable_waitlist:
        return SessionStatus.BOOKING_CLOSED
    return SessionStatus.SCHEDULED


def decide_book(
    state: SeatState,
    *,
    already_booked: bool,
    now: datetime,
    student_id: Hashable = None,
) -> BookDecision:
    """Decide a student's request for a seat.

    A stored ``booking_closed`` status is not trusted on its own: the seat counts decide, so a
    stale status never turns away a student when a seat is free.

    Args:
        state: The session, loaded under a lock.
        already_booked: Whether the student already holds an active booking (any status in
            :data:`ACTIVE_SEAT_STATUSES`, waitlist places included) for this session.
        now: The current instant, aware.
        student_id: Only used to fill in :class:`~fluentory_bookings.core.errors.AlreadyBooked`.

    Returns:
        ``CONFIRMED`` with one more seat taken while a seat is free; ``WAITLISTED`` with the
        seats unchanged when the session is full and has a waitlist.

    Raises:
        SessionClosed: the session is cancelled or completed.
        PolicyViolation: rule ``"past"``, the session has started (``starts_at <= now``).
        AlreadyBooked: ``already_booked`` is true.
        SessionFull: every seat is taken and the session has no waitlist.
        InvalidInterval: ``now`` is naive.
        InvalidInput: ``state`` is not a :class:`SeatState` or ``already_booked`` not a ``bool``.
    """
    _require_state(state)
    require_aware(now, "now")
    require_bool(already_booked, "already_booked")
    if state.status in TERMINAL_SESSION_STATUSES:
        raise SessionClosed(state.session_id, str(state.status))
    # In UTC: Python compares two datetimes sharing one tzinfo by wall clock, wrong in a DST fold.
    if state.starts_at.astimezone(UTC) <= now.astimezone(UTC):
        raise PolicyViolation(Rule.PAST, f"session {state.session_id} has already started")
    if already_booked:
        raise AlreadyBooked(session_id=state.session_id, student_id=student_id)
    if not state.is_full:
        taken = state.seats_taken + 1
        status = derive_status(state.total_seats, taken, state.enable_waitlist, state.status)
        return BookDecision(SeatStatus.CONFIRMED, taken, status)
    if not state.enable_waitlist:
        raise SessionFull(state.session_id)
    status = derive_status(
        state.total_seats, state.seats_taken, state.enable_waitlist, state.status
    )
    return BookDecision(SeatStatus.WAITLISTED, state.seats_taken, status)


def _fifo_key(entry: WaitlistEntry) -> tuple[datetime, Any]:
    # UTC: entries sharing one tzinfo would otherwise compare by wall clock, wrong in a DST
    # fold. Any: booking ids are only Hashable to the type checker, but must be orderable among
    # themselves to break ties between students who joined in the same instant.
    return (entry.joined_at.astimezone(UTC), entry.booking_id)


def _require_state(state: object) -> None:
    if not isinstance(state, SeatState):
        raise InvalidInput(f"state must be a SeatState, not {type(state).__name__}", field="state")


def _ordered(waitlist: object) -> list[WaitlistEntry]:
    if isinstance(waitlist, (str, bytes)) or not isinstance(waitlist, Iterable):
        raise InvalidInput(
            f"waitlist must be a collection of WaitlistEntry, not {type(waitlist).__name__}",
            field="waitlist",
        )
    entries: list[WaitlistEntry] = list(waitlist)
    seen: set[Hashable] = set()
    for entry in entries:
        if not isinstance(entry, WaitlistEntry):
            raise InvalidInput(
                f"waitlist holds a {type(entry).__name__}, not a WaitlistEntry", field="waitlist"
            )
        if entry.booking_id in seen:
            raise InvalidInput(
                f"booking {entry.booking_id!r} appears twice in the waitlist", field="waitlist"
            )
        seen.add(entry.booking_id)
    try:
        return sorted(entries, key=_fifo_key)
    except TypeError:
        # Only reached when two entries joined in the same instant and their ids do not order.
        raise InvalidInput(
            "booking ids in one waitlist must be of one orderable type (ints, UUIDs or strings, "
            "not a mix): they break ties between students who joined at the same instant",
            field="waitlist",
        ) from None


def waitlist_positions(
    waitlist: Iterable[WaitlistEntry],
) -> tuple[tuple[WaitlistEntry, int], ...]:
    """Order a waitlist first-come-first-served and number it from 1.

    Positions follow from ``joined_at`` alone, so someone leaving the waitlist moves everyone
    behind them up; a caller that stores positions writes back only those that changed.

    Args:
        waitlist: The waiting entries, in any order.

    Returns:
        ``(entry, position)`` pairs ordered by ``(joined_at, booking_id)``, positions ``1..n``.

    Raises:
        InvalidInput: an entry is not a :class:`WaitlistEntry`, a booking id appears twice, or
            ids that must break a tie do not order (``field`` is ``"waitlist"``).
    """
    return tuple((entry, i) for i, entry in enumerate(_ordered(waitlist), start=1))


def waitlist_position(waitlist: Iterable[WaitlistEntry], booking_id: Hashable) -> int:
    """Return the 1-based position of one booking in the waitlist.

    Raises:
        NotOnWaitlist: ``booking_id`` is not waiting.
    """
    for entry, position in waitlist_positions(waitlist):
        if entry.booking_id == booking_id:
            return position
    raise NotOnWaitlist(booking_id)


def leave_waitlist(
    waitlist: Iterable[WaitlistEntry], booking_id: Hashable
) -> tuple[tuple[WaitlistEntry, int], ...]:
    """Remove one booking from the waitlist and renumber the rest.

    Leaving the waitlist frees no seat, so the session's counters and status do not change.

    Args:
        waitlist: The waiting entries, in any order.
        booking_id: The booking that leaves.

    Returns:
        Everyone still waiting, with their new positions.

    Raises:
        NotOnWaitlist: ``booking_id`` is not waiting.
    """
    entries = _ordered(waitlist)
    remaining = [entry for entry in entries if entry.booking_id != booking_id]
    if len(remaining) == len(entries):
        raise NotOnWaitlist(booking_id)
    return tuple((entry, i) for i, entry in enumerate(remaining, start=1))


def _fill(
    state: SeatState, total_seats: int, seats_taken: int, waitlist: Iterable[WaitlistEntry]
) -> ReleaseDecision:
    ordered = _ordered(waitlist)
    if state.status in TERMINAL_SESSION_STATUSES:
        # Nobody is promoted into a session that will not take place (or already has).
        promote: list[WaitlistEntry] = []
    else:
        promote = ordered[: max(0, total_seats - seats_taken)]
    taken = seats_taken + len(promote)
    rest = ordered[len(promote) :]
    return ReleaseDecision(
        promote=tuple(promote),
        seats_taken=taken,
        status=derive_status(total_seats, taken, state.enable_waitlist, state.status),
        waitlist=tuple((entry, i) for i, entry in enumerate(rest, start=1)),
    )


def decide_release(
    state: SeatState, waitlist: Iterable[WaitlistEntry], *, freed: int = 1
) -> ReleaseDecision:
    """Decide what happens when confirmed bookings give their seats back.

    Every free seat goes to the longest-waiting entry, first come first served. In a session
    whose state these functions produced, that is exactly one promotion per freed seat, and
    never more than the waitlist holds. The waitlist is served even if ``enable_waitlist`` was
    switched off after students joined it: the flag stops new entries, it does not drop people.

    Args:
        state: The session before the release, loaded under a lock.
        waitlist: Everyone waiting, in any order.
        freed: How many seats were given back (0 only re-derives the status and fills seats
            that were already free).

    Returns:
        The promotions, the new ``seats_taken`` and status, and the renumbered waitlist. A
        cancelled or completed session promotes nobody.

    Raises:
        InvalidSeats: ``freed`` is negative, more than ``seats_taken``, or not an ``int``
            (``field`` is ``"freed"``).
        InvalidInput: the waitlist is malformed, see :func:`waitlist_positions`.
    """
    _require_state(state)
    if isinstance(freed, bool) or not isinstance(freed, int) or freed < 0:
        raise InvalidSeats(freed, field="freed", least=0)
    if freed > state.seats_taken:
        raise InvalidSeats(freed, field="freed", least=0, most=state.seats_taken)
    return _fill(state, state.total_seats, state.seats_taken - freed, waitlist)


def decide_resize(
    state: SeatState, new_total: object, waitlist: Iterable[WaitlistEntry]
) -> ReleaseDecision:
    """Decide a change of a session's capacity.

    Raising the capacity promotes from the waitlist into the new seats. Lowering it is allowed
    down to the seats already held, never below: nobody loses a confirmed seat.

    Args:
        state: The session before the change, loaded under a lock.
        new_total: The requested ``total_seats``, as it arrived.
        waitlist: Everyone waiting, in any order.

    Returns:
        The promotions, the new ``seats_taken`` and status, and the renumbered waitlist. A
        cancelled or completed session may be resized (so editing it elsewhere does not fail)
        but promotes nobody.

    Raises:
        InvalidSeats: ``new_total`` is not a positive ``int``.
        SeatsBelowConfirmed: ``new_total`` is below ``seats_taken``.
        InvalidInput: the waitlist is malformed, see :func:`waitlist_positions`.
    """
    _require_state(state)
    total = validate_total_seats(new_total)
    if total < state.seats_taken:
        raise SeatsBelowConfirmed(
            session_id=state.session_id, total_seats=total, confirmed=state.seats_taken
        )
    return _fill(state, total, state.seats_taken, waitlist)
