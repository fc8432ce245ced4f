"""Conflict detection for new bookings, and weekly series of 1:1 lessons.

A booking request is checked against everything its student and its teacher are already
committed to. A recurring request ("every Tuesday at 18:00 for ten weeks") is checked as a whole:
every occurrence against every commitment, and every clash is reported, so the student can see
all the weeks that do not work at once instead of discovering them one by one.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from fluentory_bookings.core.errors import Conflict, InvalidInput, InvalidRule
from fluentory_bookings.core.intervals import Interval
from fluentory_bookings.core.validate import require_aware, require_items, require_whole_number
from fluentory_bookings.core.zones import localize, resolve_zone

__all__ = [
    "MAX_SERIES_WEEKS",
    "Commitment",
    "ConflictDetail",
    "check_conflicts",
    "find_conflicts",
    "weekly_series",
]

MAX_SERIES_WEEKS = 104
"""The most occurrences one weekly series may have (two years of weekly lessons)."""

_WEEK = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class Commitment:
    """Something a person is already committed to.

    Attributes:
        interval: When it takes place.
        party: Whose commitment it is, conventionally ``"student"`` or ``"teacher"``; it is
            copied into every :class:`ConflictDetail` so the message can say whose calendar
            is full.
        ref: Anything that lets the caller find the commitment again, e.g. a booking id.
    """

    interval: Interval
    party: str
    ref: Hashable | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.interval, Interval):
            raise InvalidInput(
                f"interval must be an Interval, not {type(self.interval).__name__}",
                field="interval",
            )
        if not isinstance(self.party, str):
            raise InvalidInput(f"party must be a str, not {self.party!r}", field="party")


@dataclass(frozen=True, slots=True)
class ConflictDetail:
    """One overlap between a candidate booking and an existing commitment.

    Attributes:
        candidate: The requested interval (one occurrence of a series, say).
        existing: The commitment's interval (the same object that was given).
        party: The commitment's party (``"student"`` or ``"teacher"``).
        ref: The commitment's ref.
    """

    candidate: Interval
    existing: Interval
    party: str
    ref: Hashable | None


def find_conflicts(
    candidates: Iterable[Interval], commitments: Iterable[Commitment]
) -> list[ConflictDetail]:
    """Return every overlap between the candidates and the commitments.

    Intervals are half-open, so a lesson ending at 11:00 does not clash with one starting at
    11:00. Candidates are not compared with each other.

    Both inputs are sorted once and swept together, keeping, for each side, the intervals still
    running; each item meets only what it really overlaps. The cost is
    ``O((c + m) log(c + m) + k log k)`` for ``k`` conflicts, never ``c * m``.

    Args:
        candidates: The intervals someone wants to book, in any order.
        commitments: What the people involved are already committed to, in any order.

    Returns:
        The conflicts ordered by the candidate's position in ``candidates``, then by the
        existing interval's start and end, then by the commitments' order.

    Raises:
        InvalidInput: ``candidates`` holds something that is not an
            :class:`~fluentory_bookings.core.intervals.Interval`, or ``commitments`` something
            that is not a :class:`Commitment` (``field`` says which).
    """
    cands = require_items(candidates, Interval, "candidates")
    comms = require_items(commitments, Commitment, "commitments")
    # Events are (start, end, side, index); the index makes the order total and deterministic.
    events = [(c.start, c.end, 0, i) for i, c in enumerate(cands)]
    events += [(m.interval.start, m.interval.end, 1, i) for i, m in enumerate(comms)]
    events.sort()
    # running[side] is a heap of (end, index): the items of that side that started already.
    running: tuple[list[tuple[datetime, int]], list[tuple[datetime, int]]] = ([], [])
    found: list[tuple[int, datetime, datetime, int]] = []
    for start, end, side, index in events:
        other = running[1 - side]
        while other and other[0][0] <= start:
            heapq.heappop(other)
        # Whatever of the other side is still running started no later and ends after this
        # start: it overlaps. Each pair is met once, when its later member starts.
        for _, other_index in other:
            cand, comm = (index, other_index) if side == 0 else (other_index, index)
            iv = comms[comm].interval
            found.append((cand, iv.start, iv.end, comm))
        heapq.heappush(running[side], (end, index))
    found.sort()
    return [
        ConflictDetail(
            candidate=cands[cand],
            existing=comms[comm].interval,
            party=comms[comm].party,
            ref=comms[comm].ref,
        )
        for cand, _, _, comm in found
    ]


def check_conflicts(candidates: Iterable[Interval], commitments: Iterable[Commitment]) -> None:
    """Refuse the candidates if any of them overlaps a commitment.

    A series is all-or-nothing: pass every occurrence, and the error lists every clash.

    Raises:
        Conflict: with every :class:`ConflictDetail` that :func:`find_conflicts` returns.
        InvalidInput: an input holds something of the wrong type.
    """
    conflicts = find_conflicts(candidates, commitments)
    if conflicts:
        raise Conflict(conflicts)


def weekly_series(
    first: Interval,
    tz: str | ZoneInfo,
    *,
    weeks: int | None = None,
    until: datetime | None = None,
) -> list[Interval]:
    """Repeat a booking every week at the same local wall-clock time.

    The first occurrence is ``first`` itself. Each later one starts at the same wall-clock
    time in ``tz``, seven calendar days on, read as RFC 5545 section 3.3.5 says (a time that
    occurs twice means the first; a time in a DST gap moves forward by the gap), and lasts
    exactly as long as ``first``. So across a DST change the local time stays put and the UTC
    time shifts, as every calendar client shows a weekly event.

    Args:
        first: The first booking.
        tz: The IANA zone name (or ZoneInfo) whose wall clock the series follows, usually
            the teacher's.
        weeks: How many occurrences, ``first`` included: 1 to :data:`MAX_SERIES_WEEKS`.
        until: An aware instant; every occurrence starting at or before it is included.
            Give exactly one of ``weeks`` and ``until``.

    Returns:
        The occurrences as UTC intervals, in order.

    Raises:
        InvalidRule: neither or both of ``weeks`` and ``until``; ``weeks`` out of range;
            ``until`` naive, before ``first`` starts, or so far that the series would exceed
            :data:`MAX_SERIES_WEEKS` occurrences. ``field`` names the argument.
        InvalidTimezone: ``tz`` is not a known IANA zone.
        InvalidInput: ``first`` is not an :class:`~fluentory_bookings.core.intervals.Interval`.
    """
    if not isinstance(first, Interval):
        raise InvalidInput(f"first must be an Interval, not {type(first).__name__}", field="first")
    zone = resolve_zone(tz)
    count, bound = _series_end(first, weeks, until)
    duration = first.duration
    # Calendar days are added on the naive wall clock and each week is read through localize,
    # the one place the RFC 5545 rule lives, so we agree with the RRULE a calendar expands.
    wall = first.start.astimezone(zone).replace(tzinfo=None, fold=0)
    series = [first]
    for k in itertools.count(1):
        if count is not None and k >= count:
            break
        start = localize(wall + k * _WEEK, zone).astimezone(UTC)
        if bound is not None and start > bound:
            break
        if k >= MAX_SERIES_WEEKS:
            raise InvalidRule(
                f"until ({bound}) gives more than {MAX_SERIES_WEEKS} weekly occurrences",
                field="until",
            )
        series.append(Interval.unchecked(start, start + duration))
    return series


def _series_end(
    first: Interval, weeks: int | None, until: datetime | None
) -> tuple[int | None, datetime | None]:
    """Validate how a series ends; return (occurrence count, UTC bound), exactly one set."""
    if (weeks is None) == (until is None):
        raise InvalidRule("give exactly one of weeks and until", field="weeks")
    if weeks is not None:
        # bool is an int subclass; weeks=True is a caller's mistake, not one occurrence.
        require_whole_number(weeks, "weeks", least=1, error=InvalidRule)
        if weeks > MAX_SERIES_WEEKS:
            raise InvalidRule(
                f"weeks must be between 1 and {MAX_SERIES_WEEKS}, not {weeks}", field="weeks"
            )
        return weeks, None
    if not isinstance(until, datetime) or until.tzinfo is None or until.utcoffset() is None:
        raise InvalidRule(f"until must be an aware datetime, not {until!r}", field="until")
    bound = require_aware(until, "until").astimezone(UTC)
    if bound < first.start:
        raise InvalidRule(
            f"until ({until.isoformat()}) is before the first occurrence "
            f"({first.start.isoformat()})",
            field="until",
        )
    return None, bound
