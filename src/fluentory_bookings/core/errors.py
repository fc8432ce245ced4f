"""The one error hierarchy of fluentory-bookings.

Every rule that refuses something raises a subclass of :class:`BookingError`. Each class has a
stable, machine-readable :attr:`~BookingError.code` (safe to show to API clients and to switch
on) and carries the data a caller needs to explain the refusal, so that a view, an API or a
management command can turn it into a message, a status code or an exit code without parsing
text.

``BookingError`` derives from :class:`ValueError` because every refusal is, at bottom, a value
the caller passed that the rules do not accept; code that already catches ``ValueError`` keeps
working.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    from fluentory_bookings.core.conflicts import ConflictDetail

__all__ = [
    "AlreadyBooked",
    "BookingError",
    "Conflict",
    "InvalidInterval",
    "InvalidMeetingLink",
    "InvalidRule",
    "InvalidSeats",
    "InvalidTimezone",
    "InvalidTransition",
    "NotOnWaitlist",
    "NotPermitted",
    "PolicyViolation",
    "SeatsBelowConfirmed",
    "SessionClosed",
    "SessionFull",
    "SlotUnavailable",
]


class BookingError(ValueError):
    """Root of every refusal raised by fluentory-bookings.

    Attributes:
        code: Stable machine-readable identifier of the error class.
        message: Human-readable explanation (English; translate at the edge).
    """

    code: ClassVar[str] = "booking_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def as_dict(self) -> dict[str, object]:
        """Return the error as plain data, e.g. for a JSON API response."""
        return {"code": self.code, "message": self.message}


class InvalidInterval(BookingError):
    """A time interval is malformed: a naive datetime, or an end not after its start."""

    code: ClassVar[str] = "invalid_interval"

    def __init__(
        self, message: str, *, start: datetime | None = None, end: datetime | None = None
    ) -> None:
        super().__init__(message)
        self.start = start
        self.end = end


class InvalidMeetingLink(BookingError):
    """A meeting link is not an absolute ``https://`` URL (``javascript:``, ``http:``, junk)."""

    code: ClassVar[str] = "invalid_meeting_link"

    def __init__(self, url: object) -> None:
        super().__init__(f"meeting links must be absolute https:// URLs, not {url!r}")
        self.url = url


class InvalidTimezone(BookingError):
    """A time-zone name is not a known IANA zone. We never fall back to UTC silently."""

    code: ClassVar[str] = "invalid_timezone"

    def __init__(self, zone: object) -> None:
        super().__init__(f"{zone!r} is not a known IANA time zone")
        self.zone = zone


class InvalidRule(BookingError):
    """An availability or recurrence rule cannot be expanded as given."""

    code: ClassVar[str] = "invalid_rule"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class InvalidSeats(BookingError):
    """A seat capacity is not a positive whole number."""

    code: ClassVar[str] = "invalid_seats"

    def __init__(self, total_seats: object) -> None:
        super().__init__(f"total_seats must be a whole number greater than 0, not {total_seats!r}")
        self.total_seats = total_seats


class SeatsBelowConfirmed(BookingError):
    """The capacity of a session cannot drop below the seats already confirmed."""

    code: ClassVar[str] = "seats_below_confirmed"

    def __init__(self, *, session_id: Hashable, total_seats: int, confirmed: int) -> None:
        super().__init__(
            f"cannot set total_seats to {total_seats}: {confirmed} seats are already confirmed"
        )
        self.session_id = session_id
        self.total_seats = total_seats
        self.confirmed = confirmed


class SessionFull(BookingError):
    """Every seat is taken and the session has no waitlist."""

    code: ClassVar[str] = "session_full"

    def __init__(self, session_id: Hashable) -> None:
        super().__init__(f"session {session_id} is full")
        self.session_id = session_id


class SessionClosed(BookingError):
    """The session takes no bookings in its current status (cancelled, completed, ...)."""

    code: ClassVar[str] = "session_closed"

    def __init__(self, session_id: Hashable, status: str) -> None:
        super().__init__(f"session {session_id} is not open for booking (status: {status})")
        self.session_id = session_id
        self.status = status


class AlreadyBooked(BookingError):
    """The student already holds an active booking (or waitlist place) for this session or slot."""

    code: ClassVar[str] = "already_booked"

    def __init__(self, *, session_id: Hashable, student_id: Hashable) -> None:
        super().__init__(f"student {student_id} already has an active booking for {session_id}")
        self.session_id = session_id
        self.student_id = student_id


class NotOnWaitlist(BookingError):
    """The booking is not a waitlist entry, so it cannot leave the waitlist."""

    code: ClassVar[str] = "not_on_waitlist"

    def __init__(self, booking_id: Hashable) -> None:
        super().__init__(f"booking {booking_id} is not on the waitlist")
        self.booking_id = booking_id


class SlotUnavailable(BookingError):
    """The requested 1:1 start is not an open slot of that availability.

    Attributes:
        reason: Why, stable for APIs and translations: ``"past"``, ``"minimum_notice"``,
            ``"horizon"``, ``"outside_availability"``, ``"off_grid"``, ``"taken"`` or
            ``"inactive"``; ``None`` when not known.
    """

    code: ClassVar[str] = "slot_unavailable"

    def __init__(
        self, message: str, *, starts_at: datetime | None = None, reason: str | None = None
    ) -> None:
        super().__init__(message)
        self.starts_at = starts_at
        self.reason = reason

    def as_dict(self) -> dict[str, object]:
        data = super().as_dict()
        data["reason"] = self.reason
        return data


class Conflict(BookingError):
    """A booking (or any occurrence of a series) overlaps existing commitments.

    Attributes:
        conflicts: Every conflict found, not only the first, in candidate order.
    """

    code: ClassVar[str] = "conflict"

    def __init__(self, conflicts: Sequence[ConflictDetail]) -> None:
        n = len(conflicts)
        super().__init__(f"{n} conflict{'s' if n != 1 else ''} with existing commitments")
        self.conflicts: tuple[ConflictDetail, ...] = tuple(conflicts)

    def as_dict(self) -> dict[str, object]:
        data = super().as_dict()
        data["conflicts"] = [
            {
                "party": c.party,
                "candidate_start": c.candidate.start.isoformat(),
                "candidate_end": c.candidate.end.isoformat(),
                "existing_start": c.existing.start.isoformat(),
                "existing_end": c.existing.end.isoformat(),
                "ref": None if c.ref is None else str(c.ref),
            }
            for c in self.conflicts
        ]
        return data


class InvalidTransition(BookingError):
    """A 1:1 booking cannot move from its current status to the target status."""

    code: ClassVar[str] = "invalid_transition"

    def __init__(self, current: str, target: str, *, actor: str | None = None) -> None:
        who = f" by {actor}" if actor else ""
        super().__init__(f"cannot move a booking from {current} to {target}{who}")
        self.current = current
        self.target = target
        self.actor = actor


class NotPermitted(BookingError):
    """The acting user may not do this to this booking (e.g. someone else's booking)."""

    code: ClassVar[str] = "not_permitted"

    def __init__(self, message: str, *, actor: str | None = None) -> None:
        super().__init__(message)
        self.actor = actor


class PolicyViolation(BookingError):
    """A course or platform policy refuses the action.

    Attributes:
        rule: Which rule refused, one of ``"booking_type"``, ``"past"``, ``"minimum_notice"``,
            ``"horizon"``, ``"cancellation_cutoff"``, ``"reschedule_cutoff"``, ``"enrollment"``,
            ``"not_started"``, ``"same_course"``.
    """

    code: ClassVar[str] = "policy_violation"

    def __init__(self, rule: str, message: str) -> None:
        super().__init__(message)
        self.rule = rule

    def as_dict(self) -> dict[str, object]:
        data = super().as_dict()
        data["rule"] = self.rule
        return data
