"""The status machine of a 1:1 booking: who may move it from which status to which.

A request starts ``pending`` when the teacher must approve it and ``confirmed`` otherwise.
From ``pending`` the teacher confirms or declines it, anyone involved may cancel it, and the
system expires it if nobody answers in time. A confirmed lesson ends ``completed`` or
``no_show``, or is cancelled. Every other status is final.

Only :data:`TRANSITIONS` says what is allowed; time limits (cut-offs, expiry) are the job of
:mod:`fluentory_bookings.core.policy`.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType

from fluentory_bookings.core.errors import InvalidInput, InvalidTransition, NotPermitted
from fluentory_bookings.core.validate import require_bool

__all__ = [
    "ACTIVE_ONE_ON_ONE_STATUSES",
    "TERMINAL_ONE_ON_ONE_STATUSES",
    "TRANSITIONS",
    "Actor",
    "OneOnOneStatus",
    "allowed_targets",
    "check_transition",
    "initial_status",
    "parse_actor",
    "parse_one_on_one_status",
]


class OneOnOneStatus(StrEnum):
    """Where a 1:1 booking stands."""

    PENDING = "pending"
    CONFIRMED = "confirmed"
    DECLINED = "declined"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    COMPLETED = "completed"
    NO_SHOW = "no_show"


class Actor(StrEnum):
    """Who asks for a change: the booking's student, its teacher, platform staff, or a job."""

    STUDENT = "student"
    TEACHER = "teacher"
    STAFF = "staff"
    SYSTEM = "system"


ACTIVE_ONE_ON_ONE_STATUSES: frozenset[OneOnOneStatus] = frozenset(
    {OneOnOneStatus.PENDING, OneOnOneStatus.CONFIRMED}
)
"""Statuses that hold the slot: a pending request blocks it as much as a confirmed lesson."""

_S = OneOnOneStatus
_A = Actor

TRANSITIONS: Mapping[tuple[OneOnOneStatus, OneOnOneStatus], frozenset[Actor]] = MappingProxyType(
    {
        (_S.PENDING, _S.CONFIRMED): frozenset({_A.TEACHER, _A.STAFF}),
        (_S.PENDING, _S.DECLINED): frozenset({_A.TEACHER, _A.STAFF}),
        (_S.PENDING, _S.CANCELLED): frozenset({_A.STUDENT, _A.TEACHER, _A.STAFF}),
        (_S.PENDING, _S.EXPIRED): frozenset({_A.SYSTEM}),
        (_S.CONFIRMED, _S.CANCELLED): frozenset({_A.STUDENT, _A.TEACHER, _A.STAFF}),
        (_S.CONFIRMED, _S.COMPLETED): frozenset({_A.TEACHER, _A.STAFF, _A.SYSTEM}),
        (_S.CONFIRMED, _S.NO_SHOW): frozenset({_A.TEACHER, _A.STAFF}),
    }
)
"""Every allowed move, ``(from, to) -> actors who may make it``. Read-only."""

TERMINAL_ONE_ON_ONE_STATUSES: frozenset[OneOnOneStatus] = frozenset(
    set(OneOnOneStatus) - {current for current, _ in TRANSITIONS}
)
"""Statuses with no way out: declined, cancelled, expired, completed, no-show."""


def _status_or_none(value: object) -> OneOnOneStatus | None:
    if not isinstance(value, str):
        return None
    try:
        return OneOnOneStatus(value)
    except ValueError:
        return None


def _actor_or_none(value: object) -> Actor | None:
    if not isinstance(value, str):
        return None
    try:
        return Actor(value)
    except ValueError:
        return None


def parse_one_on_one_status(value: OneOnOneStatus | str, field: str = "status") -> OneOnOneStatus:
    """Return the 1:1 status named by ``value`` (a member or its stored string).

    Raises:
        InvalidInput: ``value`` names no status; ``field`` is ``field``.
    """
    status = _status_or_none(value)
    if status is None:
        raise InvalidInput(f"unknown 1:1 booking status {value!r}", field=field)
    return status


def parse_actor(value: Actor | str, field: str = "actor") -> Actor:
    """Return the actor named by ``value`` (a member or its string).

    Raises:
        InvalidInput: ``value`` names no actor; ``field`` is ``field``.
    """
    actor = _actor_or_none(value)
    if actor is None:
        raise InvalidInput(f"unknown actor {value!r}", field=field)
    return actor


def initial_status(requires_approval: bool) -> OneOnOneStatus:
    """Return the status a new 1:1 request starts in.

    Args:
        requires_approval: The resolved approval rule, see
            :func:`fluentory_bookings.core.policy.resolve_requires_approval`.

    Returns:
        ``PENDING`` if the teacher must approve, else ``CONFIRMED``.

    Raises:
        InvalidInput: ``requires_approval`` is not a ``bool`` (``"no"`` is not false).
    """
    require_bool(requires_approval, "requires_approval")
    return OneOnOneStatus.PENDING if requires_approval else OneOnOneStatus.CONFIRMED


def allowed_targets(current: OneOnOneStatus | str, actor: Actor | str) -> frozenset[OneOnOneStatus]:
    """Return every status ``actor`` may move a booking in ``current`` to.

    Handy for deciding which buttons to show. An unknown status or actor (say, a value left
    over from older data) may do nothing, so it gets an empty set rather than an error.
    """
    status = _status_or_none(current)
    who = _actor_or_none(actor)
    if status is None or who is None:
        return frozenset()
    return frozenset(
        target
        for (source, target), actors in TRANSITIONS.items()
        if source is status and who in actors
    )


def check_transition(
    current: OneOnOneStatus | str,
    target: OneOnOneStatus | str,
    actor: Actor | str,
) -> OneOnOneStatus:
    """Check that ``actor`` may move a booking from ``current`` to ``target``.

    Moving to the status a booking already has is not a transition and is refused like any
    other missing edge; making a repeated request harmless is the caller's choice.

    Args:
        current: The booking's stored status.
        target: The status asked for.
        actor: Who asks.

    Returns:
        ``target`` as an :class:`OneOnOneStatus`, ready to store.

    Raises:
        InvalidTransition: there is no such move for anyone (``current`` is final, or either
            status is unknown).
        NotPermitted: the move exists, but not for this actor (an unknown actor included).
    """
    source = _status_or_none(current)
    goal = _status_or_none(target)
    who = _actor_or_none(actor)
    if source is None or goal is None or (source, goal) not in TRANSITIONS:
        raise InvalidTransition(str(current), str(target), actor=str(actor))
    actors = TRANSITIONS[source, goal]
    if who is None or who not in actors:
        allowed = ", ".join(sorted(actors))
        raise NotPermitted(
            f"{actor} may not move a booking from {current} to {target} (only: {allowed})",
            actor=str(actor),
        )
    return goal
