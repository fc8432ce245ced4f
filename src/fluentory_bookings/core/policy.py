"""Course and platform policy: which kind of booking a course takes, who must approve, and when.

The rules here take plain values (a booking type string, three optional approval flags, a set
of :class:`Deadlines`) so any caller can feed them: the Django adapter reads them from the host's
course model, a non-Django service from wherever it keeps its settings.

Deadlines compare exact elapsed time between two aware instants, so a 24-hour cut-off is
24 real hours even across a daylight-saving change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from fluentory_bookings.core.approvals import Actor, parse_actor
from fluentory_bookings.core.errors import (
    InvalidInput,
    InvalidRule,
    NotPermitted,
    PolicyViolation,
    Rule,
)
from fluentory_bookings.core.validate import require_aware, require_bool, require_duration

__all__ = [
    "BookingType",
    "CoursePolicy",
    "Deadlines",
    "bookable_starts",
    "booking_refusal",
    "check_bookable",
    "check_cancellable",
    "check_outcome_recordable",
    "check_reschedulable",
    "is_pending_expired",
    "parse_booking_type",
    "pending_expires_at",
    "require_booking_type",
    "resolve_requires_approval",
]


class BookingType(StrEnum):
    """The one kind of booking a course offers."""

    NONE = "none"
    GROUP_SESSION = "group_session"
    ONE_ON_ONE = "one_on_one"


_LABELS = {
    BookingType.NONE: "no bookings",
    BookingType.GROUP_SESSION: "group-session bookings",
    BookingType.ONE_ON_ONE: "1:1 bookings",
}


def parse_booking_type(value: object) -> BookingType:
    """Return the booking type named by ``value``.

    Only the exact stored values are accepted (``"none"``, ``"group_session"``,
    ``"one_on_one"``); a near miss is a configuration error worth seeing, not guessing at.

    Raises:
        PolicyViolation: rule ``"booking_type"``, ``value`` names no booking type.
    """
    if isinstance(value, str):
        try:
            return BookingType(value)
        except ValueError:
            pass
    choices = ", ".join(repr(t.value) for t in BookingType)
    raise PolicyViolation(Rule.BOOKING_TYPE, f"unknown booking type {value!r} (one of {choices})")


def require_booking_type(course_type: BookingType | str, wanted: BookingType) -> None:
    """Refuse a booking of the wrong kind for the course.

    Args:
        course_type: The course's booking type, as stored.
        wanted: The kind of booking being made.

    Raises:
        PolicyViolation: rule ``"booking_type"``, the course takes another kind of booking (or
            none at all), or ``course_type`` is unknown.
    """
    have = parse_booking_type(course_type)
    want = parse_booking_type(wanted)
    if have is want:
        return
    if have is BookingType.NONE:
        raise PolicyViolation(Rule.BOOKING_TYPE, "this course takes no bookings")
    raise PolicyViolation(
        Rule.BOOKING_TYPE, f"this course takes {_LABELS[have]}, not {_LABELS[want]}"
    )


def resolve_requires_approval(
    *,
    teacher_override: bool | None,
    course_setting: bool | None,
    platform_default: bool = False,
) -> bool:
    """Decide whether a teacher must approve 1:1 requests.

    The most specific answer wins: the teacher's own setting for this course, else the
    course's, else the platform default. ``None`` means "not set here, ask the next level".

    Raises:
        InvalidInput: a setting is neither ``None`` nor a ``bool`` (``"no"`` is not false).
    """
    for name, value in (("teacher_override", teacher_override), ("course_setting", course_setting)):
        if value is not None:
            require_bool(value, name)
    require_bool(platform_default, "platform_default")
    if teacher_override is not None:
        return teacher_override
    if course_setting is not None:
        return course_setting
    return platform_default


def _human(duration: timedelta) -> str:
    # "24 hours" reads better in a refusal than timedelta's "1 day, 0:00:00".
    seconds = int(duration.total_seconds())
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds % size == 0 and seconds // size >= (2 if unit == "day" else 1):
            n = seconds // size
            return f"{n} {unit}{'s' if n != 1 else ''}"
    return f"{seconds} seconds"


def _deadlines(value: object) -> Deadlines:
    if not isinstance(value, Deadlines):
        raise InvalidInput(
            f"deadlines must be a Deadlines, not {type(value).__name__}", field="deadlines"
        )
    return value


def _utc(value: datetime, name: str) -> datetime:
    # Python subtracts and compares two datetimes sharing one tzinfo by their wall clocks, so a
    # Europe/Berlin pair spanning a DST change would be an hour off. In UTC it is real time.
    return require_aware(value, name).astimezone(UTC)


def _check_duration(name: str, value: object, *, optional: bool, positive: bool) -> None:
    if value is None and optional:
        return
    require_duration(value, name, allow_zero=not positive, error=InvalidRule)


@dataclass(frozen=True, slots=True)
class Deadlines:
    """Time limits around a booking, each an exact duration before the lesson starts.

    Attributes:
        minimum_notice: A booking must be made at least this long before the start.
        booking_horizon: A booking may be made at most this long before the start; ``None``
            means no limit. Must be longer than ``minimum_notice``, or nothing is bookable.
        cancellation_cutoff: Students may cancel until this long before the start.
        reschedule_cutoff: Students may reschedule until this long before the start.
        pending_expiry: How long a pending 1:1 request waits for the teacher before it
            expires; ``None`` means until the lesson starts.

    Raises:
        InvalidRule: a value is not a ``timedelta``, is negative, is longer than
            :data:`~fluentory_bookings.core.validate.MAX_DURATION`, or (``booking_horizon`` and
            ``pending_expiry``) is zero; ``field`` names the culprit.
    """

    minimum_notice: timedelta = timedelta(0)
    booking_horizon: timedelta | None = None
    cancellation_cutoff: timedelta = timedelta(0)
    reschedule_cutoff: timedelta = timedelta(0)
    pending_expiry: timedelta | None = None

    def __post_init__(self) -> None:
        _check_duration("minimum_notice", self.minimum_notice, optional=False, positive=False)
        _check_duration("booking_horizon", self.booking_horizon, optional=True, positive=True)
        _check_duration(
            "cancellation_cutoff", self.cancellation_cutoff, optional=False, positive=False
        )
        _check_duration("reschedule_cutoff", self.reschedule_cutoff, optional=False, positive=False)
        _check_duration("pending_expiry", self.pending_expiry, optional=True, positive=True)
        if self.booking_horizon is not None and self.booking_horizon <= self.minimum_notice:
            raise InvalidRule(
                f"booking_horizon ({_human(self.booking_horizon)}) must be longer than "
                f"minimum_notice ({_human(self.minimum_notice)})",
                field="booking_horizon",
            )


# A start equal to "now" has begun: the earliest bookable start lies one tick after now.
_TICK = timedelta(microseconds=1)


def bookable_starts(*, now: datetime, deadlines: Deadlines) -> tuple[datetime, datetime | None]:
    """Return the earliest and latest start a booking made at ``now`` may have, both inclusive.

    This is the one rule for "too soon" and "too far ahead" that :func:`check_bookable`,
    :func:`~fluentory_bookings.core.slots.open_slots` and
    :func:`~fluentory_bookings.core.slots.slot_at` share, so a listed slot is always accepted:

    * a lesson starting exactly at ``now`` has already started and is never bookable;
    * a start exactly ``minimum_notice`` after ``now`` is bookable;
    * a start exactly ``booking_horizon`` after ``now`` is bookable.

    Returns:
        ``(earliest, latest)`` in UTC; ``latest`` is ``None`` when there is no horizon.

    Raises:
        InvalidInterval: ``now`` is naive or out of range.
    """
    now = _utc(now, "now")
    _deadlines(deadlines)
    earliest = now + max(deadlines.minimum_notice, _TICK)
    latest = None if deadlines.booking_horizon is None else now + deadlines.booking_horizon
    return earliest, latest


def booking_refusal(
    starts_at: datetime, *, now: datetime, deadlines: Deadlines
) -> PolicyViolation | None:
    """Return why a start is not bookable at ``now`` (the error, not raised), or ``None``.

    The rules, in order: ``"past"`` (``starts_at <= now``), ``"minimum_notice"``, ``"horizon"``;
    see :func:`bookable_starts`.

    Raises:
        InvalidInterval: a datetime is naive or out of range.
    """
    start = _utc(starts_at, "starts_at")
    earliest, latest = bookable_starts(now=now, deadlines=deadlines)
    if start <= _utc(now, "now"):
        return PolicyViolation(Rule.PAST, "this lesson has already started")
    if start < earliest:
        return PolicyViolation(
            Rule.MINIMUM_NOTICE,
            f"bookings close {_human(deadlines.minimum_notice)} before the start",
        )
    if latest is not None and start > latest:
        horizon = latest - _utc(now, "now")
        return PolicyViolation(Rule.HORIZON, f"bookings open {_human(horizon)} before the start")
    return None


def check_bookable(starts_at: datetime, *, now: datetime, deadlines: Deadlines) -> None:
    """Refuse a booking made too late or too early.

    Both limits are inclusive: booking exactly ``minimum_notice`` or exactly
    ``booking_horizon`` before the start is allowed; a start at ``now`` itself is past. See
    :func:`bookable_starts` for the one rule every check shares.

    Raises:
        PolicyViolation: rule ``"past"`` (``starts_at <= now``), ``"minimum_notice"`` or
            ``"horizon"``.
        InvalidInterval: a datetime is naive or out of range.
    """
    refusal = booking_refusal(starts_at, now=now, deadlines=deadlines)
    if refusal is not None:
        raise refusal


def _check_change(
    starts_at: datetime,
    *,
    now: datetime,
    actor: Actor | str,
    deadlines: Deadlines,
    rule: str,
    verb: str,
) -> None:
    lead = _utc(starts_at, "starts_at") - _utc(now, "now")
    _deadlines(deadlines)
    try:
        who = parse_actor(actor)
    except InvalidInput:
        raise NotPermitted(f"unknown actor {actor!r}", actor=str(actor)) from None
    # Staff and scheduled jobs clean up after the fact (a lesson that never happened).
    if who in (Actor.STAFF, Actor.SYSTEM):
        return
    if lead <= timedelta(0):
        raise PolicyViolation(Rule.PAST, f"this lesson has already started and cannot be {verb}")
    cutoff: timedelta = getattr(deadlines, rule)
    # The cut-off protects the teacher's time from students; teachers are not bound by it.
    if who is Actor.STUDENT and lead < cutoff:
        raise PolicyViolation(
            rule, f"lessons can only be {verb} until {_human(cutoff)} before the start"
        )


def check_cancellable(
    starts_at: datetime, *, now: datetime, deadlines: Deadlines, actor: Actor | str
) -> None:
    """Refuse a cancellation that comes too late for this actor.

    Students may cancel until ``cancellation_cutoff`` before the start (exactly at the
    cut-off is still allowed); teachers until the start; staff and the system at any time.

    Raises:
        PolicyViolation: rule ``"past"`` or ``"cancellation_cutoff"``.
        NotPermitted: ``actor`` is not a known actor.
        InvalidInterval: a datetime is naive.
    """
    _check_change(
        starts_at,
        now=now,
        actor=actor,
        deadlines=deadlines,
        rule="cancellation_cutoff",
        verb="cancelled",
    )


def check_reschedulable(
    starts_at: datetime, *, now: datetime, deadlines: Deadlines, actor: Actor | str
) -> None:
    """Refuse moving a booking away from ``starts_at`` too late for this actor.

    The same rules as :func:`check_cancellable`, with ``reschedule_cutoff``. Check the new
    start separately with :func:`check_bookable`.

    Raises:
        PolicyViolation: rule ``"past"`` or ``"reschedule_cutoff"``.
        NotPermitted: ``actor`` is not a known actor.
        InvalidInterval: a datetime is naive.
    """
    _check_change(
        starts_at,
        now=now,
        actor=actor,
        deadlines=deadlines,
        rule="reschedule_cutoff",
        verb="rescheduled",
    )


def check_outcome_recordable(starts_at: datetime, *, now: datetime) -> None:
    """Refuse recording how a lesson went (attended, completed, no-show) before it starts.

    A lesson marked completed or no-show early would stop holding its slot or seat, and a
    no-show recorded in advance is never true.

    Raises:
        PolicyViolation: rule ``"not_started"``.
        InvalidInterval: a datetime is naive.
    """
    start = require_aware(starts_at, "starts_at").astimezone(UTC)
    if start > require_aware(now, "now").astimezone(UTC):
        raise PolicyViolation(
            Rule.NOT_STARTED, "attendance can be recorded only once the lesson has started"
        )


def pending_expires_at(
    *, requested_at: datetime, starts_at: datetime, deadlines: Deadlines
) -> datetime:
    """Return when a pending 1:1 request expires if the teacher does not answer.

    That is ``requested_at + pending_expiry`` in real elapsed time, but never later than the
    lesson's start: a request nobody approved before the lesson began is moot.

    Returns:
        The expiry instant, in UTC.

    Raises:
        InvalidInterval: a datetime is naive.
    """
    requested = _utc(requested_at, "requested_at")
    start = _utc(starts_at, "starts_at")
    expiry = _deadlines(deadlines).pending_expiry
    if expiry is None:
        return start
    return min(requested + expiry, start)


def is_pending_expired(
    *, requested_at: datetime, starts_at: datetime, now: datetime, deadlines: Deadlines
) -> bool:
    """Whether a pending request has expired at ``now`` (from the expiry instant on).

    Raises:
        InvalidInterval: a datetime is naive.
    """
    return _utc(now, "now") >= pending_expires_at(
        requested_at=requested_at, starts_at=starts_at, deadlines=deadlines
    )


@dataclass(frozen=True, slots=True)
class CoursePolicy:
    """The booking policy of one course, as plain data.

    Attributes:
        booking_type: Which kind of booking the course takes (a stored string is converted).
        requires_booking_approval: The course's approval setting; ``None`` defers to the
            platform default.
        deadlines: The course's time limits.

    Raises:
        PolicyViolation: rule ``"booking_type"``, ``booking_type`` is unknown.
        InvalidInput: ``requires_booking_approval`` is not ``None`` or a ``bool``, or
            ``deadlines`` is not a :class:`Deadlines`.
    """

    booking_type: BookingType | str
    requires_booking_approval: bool | None = None
    deadlines: Deadlines = field(default_factory=Deadlines)

    def __post_init__(self) -> None:
        object.__setattr__(self, "booking_type", parse_booking_type(self.booking_type))
        if self.requires_booking_approval is not None:
            require_bool(self.requires_booking_approval, "requires_booking_approval")
        if not isinstance(self.deadlines, Deadlines):
            raise InvalidInput(
                f"deadlines must be a Deadlines, not {type(self.deadlines).__name__}",
                field="deadlines",
            )

    def require(self, wanted: BookingType) -> None:
        """Refuse a booking of another kind than this course takes.

        Raises:
            PolicyViolation: rule ``"booking_type"``, see :func:`require_booking_type`.
        """
        require_booking_type(self.booking_type, wanted)

    def requires_approval(
        self, *, teacher_override: bool | None = None, platform_default: bool = False
    ) -> bool:
        """Whether a 1:1 request needs the teacher's approval.

        The teacher's override wins over this course's setting, which wins over the platform
        default, see :func:`resolve_requires_approval`.
        """
        return resolve_requires_approval(
            teacher_override=teacher_override,
            course_setting=self.requires_booking_approval,
            platform_default=platform_default,
        )
