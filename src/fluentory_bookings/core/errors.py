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
from datetime import date, datetime, time, timedelta
from enum import Enum, StrEnum
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

if TYPE_CHECKING:
    from fluentory_bookings.core.conflicts import ConflictDetail

__all__ = [
    "AlreadyBooked",
    "BookingError",
    "Conflict",
    "InvalidInput",
    "InvalidInterval",
    "InvalidMeetingLink",
    "InvalidRule",
    "InvalidSeats",
    "InvalidTimezone",
    "InvalidTransition",
    "LimitExceeded",
    "NotOnWaitlist",
    "NotPermitted",
    "PolicyViolation",
    "Rule",
    "SeatsBelowConfirmed",
    "SessionClosed",
    "SessionFull",
    "SlotReason",
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

    def as_dict(self) -> dict[str, Any]:
        """Return the error as plain JSON-ready data, e.g. for an API response.

        It holds ``code``, ``message`` and every attribute the error carries (``field``,
        ``zone``, ``start``, ``rule``, ...): datetimes and dates as ISO 8601 text, durations as
        seconds, enums as their values, other objects that are not JSON scalars as ``str()``.
        """
        data: dict[str, Any] = {"code": self.code, "message": self.message}
        for name, value in vars(self).items():
            if not name.startswith("_") and name not in data:
                data[name] = _plain(value)
        return data


def _plain(value: object) -> object:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, Enum):
        return _plain(value.value)
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, (list, tuple, frozenset, set)):
        items = [_plain(v) for v in value]
        return sorted(items, key=repr) if isinstance(value, (set, frozenset)) else items
    return str(value)


class InvalidInput(BookingError):
    """An argument is of the wrong type or out of range; :attr:`field` names it.

    The more specific input errors below derive from it, so ``except InvalidInput`` catches
    every refusal of a malformed argument, while the rules' refusals (a full session, a taken
    slot, a late cancellation) stay separate.

    Attributes:
        field: The argument or attribute at fault, e.g. ``"step"`` or ``"weekdays"``.
    """

    code: ClassVar[str] = "invalid_input"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class InvalidInterval(InvalidInput):
    """A time interval is malformed: a naive datetime, or an end not after its start."""

    code: ClassVar[str] = "invalid_interval"

    def __init__(
        self,
        message: str,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        field: str | None = None,
    ) -> None:
        super().__init__(message, field=field)
        self.start = start
        self.end = end


class InvalidMeetingLink(InvalidInput):
    """A meeting link is not an absolute ``https://`` URL (``javascript:``, ``http:``, junk)."""

    code: ClassVar[str] = "invalid_meeting_link"

    def __init__(self, url: object, *, field: str = "meeting_link", reason: str = "") -> None:
        why = f" ({reason})" if reason else ""
        super().__init__(
            f"meeting links must be absolute https:// URLs, not {url!r}{why}", field=field
        )
        self.url = url


class InvalidTimezone(InvalidInput):
    """A time-zone name is not a known IANA zone. We never fall back to UTC silently."""

    code: ClassVar[str] = "invalid_timezone"

    def __init__(self, zone: object, *, field: str = "tz") -> None:
        super().__init__(f"{zone!r} is not a known IANA time zone", field=field)
        self.zone = zone


class InvalidRule(InvalidInput):
    """An availability or recurrence rule cannot be expanded as given."""

    code: ClassVar[str] = "invalid_rule"


class InvalidSeats(InvalidInput):
    """A seat count is not a whole number in range (a capacity must be greater than 0).

    Attributes:
        field: Which count: ``"total_seats"``, ``"seats_taken"``, ``"freed"``.
        value: The value refused, as given.
    """

    code: ClassVar[str] = "invalid_seats"

    def __init__(
        self,
        value: object,
        *,
        field: str = "total_seats",
        least: int = 1,
        most: int | None = None,
    ) -> None:
        bound = "greater than 0" if least == 1 else f"{least} or more"
        if most is not None:
            bound = f"from {least} to {most}"
        super().__init__(f"{field} must be a whole number {bound}, not {value!r}", field=field)
        self.value = value


class LimitExceeded(InvalidInput):
    """A request would do more work than the library allows in one call.

    Expanding a rule, listing slots and building a series are bounded so that no input, however
    hostile, keeps a process busy for minutes. Ask for a smaller window instead.

    Attributes:
        field: The argument that asked for too much.
        limit: The bound that was hit.
    """

    code: ClassVar[str] = "limit_exceeded"

    def __init__(self, message: str, *, field: str | None = None, limit: int | None = None) -> None:
        super().__init__(message, field=field)
        self.limit = limit


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


class SlotReason(StrEnum):
    """Why a 1:1 start is not an open slot (:attr:`SlotUnavailable.reason`).

    The first three are :class:`Rule`'s timing rules, as :func:`~fluentory_bookings.core.slots.slot_at`
    checks them; the rest say what is wrong with the slot itself.
    """

    PAST = "past"
    """The start has begun or is past."""
    MINIMUM_NOTICE = "minimum_notice"
    """Too soon: inside the minimum notice."""
    HORIZON = "horizon"
    """Too far ahead: beyond the booking horizon."""
    OUTSIDE_AVAILABILITY = "outside_availability"
    """Not inside a window of the availability."""
    OFF_GRID = "off_grid"
    """Inside a window, but not on its slot grid."""
    TAKEN = "taken"
    """Another booking (or a buffer around one) holds the time."""
    INACTIVE = "inactive"
    """The availability is switched off."""
    OTHER_COURSE = "other_course"
    """The availability is offered for another course."""
    NOT_TAUGHT = "not_taught"
    """The availability's teacher does not teach the course."""


class SlotUnavailable(BookingError):
    """The requested 1:1 start is not an open slot of that availability.

    Attributes:
        reason: Why, a :class:`SlotReason` (stable for APIs and translations); ``None`` when
            not known.
    """

    code: ClassVar[str] = "slot_unavailable"

    def __init__(
        self,
        message: str,
        *,
        starts_at: datetime | None = None,
        reason: SlotReason | str | None = None,
    ) -> None:
        super().__init__(message)
        self.starts_at = starts_at
        self.reason = None if reason is None else _member(SlotReason, reason)


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

    def as_dict(self) -> dict[str, Any]:
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


class Rule(StrEnum):
    """Which course or platform policy refused (:attr:`PolicyViolation.rule`).

    The one list of policy rules: every ``PolicyViolation`` names one of these, and every door
    has one message for each (the Django app's ``refusals`` module; a test checks none is
    missing).
    """

    BOOKING_TYPE = "booking_type"
    """The course takes another kind of booking, or none."""
    ENROLLMENT = "enrollment"
    """The student may not book this course (not enrolled)."""
    PAST = "past"
    """The lesson or session has already started."""
    MINIMUM_NOTICE = "minimum_notice"
    """Too late to book: inside the minimum notice."""
    HORIZON = "horizon"
    """Too early to book: beyond the booking horizon."""
    CANCELLATION_CUTOFF = "cancellation_cutoff"
    """Too late to cancel."""
    RESCHEDULE_CUTOFF = "reschedule_cutoff"
    """Too late to move the booking."""
    NOT_STARTED = "not_started"
    """Attendance or an outcome can be recorded only once the lesson has started."""
    SAME_COURSE = "same_course"
    """A booking moves only to a session of the same course."""
    AVAILABILITY_LIMIT = "availability_limit"
    """The teacher already publishes as many availabilities as one teacher may."""
    PENDING_LIMIT = "pending_limit"
    """The student already has as many requests waiting for this teacher as one may."""

    @property
    def concerns_caller(self) -> bool:
        """Whether the rule is about who is asking (an API answers 403) rather than about the
        state of things (409)."""
        return self is Rule.ENROLLMENT


class PolicyViolation(BookingError):
    """A course or platform policy refuses the action.

    Attributes:
        rule: Which rule refused, a :class:`Rule`.
    """

    code: ClassVar[str] = "policy_violation"

    def __init__(self, rule: Rule | str, message: str) -> None:
        super().__init__(message)
        self.rule = _member(Rule, rule)


_E = TypeVar("_E", Rule, SlotReason)


def _member(kind: type[_E], value: str) -> _E:
    # A rule nobody listed would reach people as the generic refusal: fail where it is raised.
    try:
        return kind(value)
    except ValueError:
        names = ", ".join(m.value for m in kind)
        raise ValueError(f"{value!r} is not a {kind.__name__} (one of {names})") from None
