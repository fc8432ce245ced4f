"""Half-open time intervals ``[start, end)`` over aware datetimes.

Half-open means a lesson from 10:00 to 11:00 and one from 11:00 to 12:00 do not overlap, which is
what teachers and students expect of back-to-back bookings.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from operator import attrgetter

from fluentory_bookings.core.errors import InvalidInput, InvalidInterval
from fluentory_bookings.core.validate import require_aware

__all__ = ["Interval", "merge", "subtract"]


@dataclass(frozen=True, slots=True, order=True)
class Interval:
    """A half-open span of time ``[start, end)``.

    Both ends must be aware and ``end`` must be after ``start``. Both are stored in UTC: Python
    compares and subtracts two datetimes that share a ``tzinfo`` by wall clock, which is wrong
    across a DST change (Berlin 01:00-04:00 on the spring-forward day lasts two hours, not three).
    Intervals order by start, then end, so ``sorted()`` gives a deterministic timeline.

    Example:
        >>> from datetime import datetime, UTC
        >>> a = Interval(datetime(2027, 1, 4, 10, tzinfo=UTC), datetime(2027, 1, 4, 11, tzinfo=UTC))
        >>> b = Interval(datetime(2027, 1, 4, 11, tzinfo=UTC), datetime(2027, 1, 4, 12, tzinfo=UTC))
        >>> a.overlaps(b)
        False
    """

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        require_aware(self.start, "start")
        require_aware(self.end, "end")
        if self.start.tzinfo is not UTC:
            object.__setattr__(self, "start", self.start.astimezone(UTC))
        if self.end.tzinfo is not UTC:
            object.__setattr__(self, "end", self.end.astimezone(UTC))
        if self.end <= self.start:
            raise InvalidInterval(
                f"end ({self.end.isoformat()}) must be after start ({self.start.isoformat()})",
                start=self.start,
                end=self.end,
            )

    @classmethod
    def unchecked(cls, start: datetime, end: datetime) -> Interval:
        """Build an interval without validating it, for loops that make millions of them.

        Only for instants the caller computed itself: both must already carry ``datetime.UTC``
        as their tzinfo and ``start`` must be before ``end``. Anything else makes an interval
        that compares wrongly; use the constructor for input from outside.
        """
        obj = object.__new__(cls)
        object.__setattr__(obj, "start", start)
        object.__setattr__(obj, "end", end)
        return obj

    @property
    def duration(self) -> timedelta:
        """The exact elapsed time between start and end."""
        return self.end - self.start

    def overlaps(self, other: Interval) -> bool:
        """Whether the two intervals share any instant (touching ends do not count)."""
        return self.start < other.end and other.start < self.end

    def contains(self, instant: datetime) -> bool:
        """Whether ``instant`` lies in ``[start, end)``."""
        return self.start <= instant < self.end

    def covers(self, other: Interval) -> bool:
        """Whether ``other`` lies entirely inside this interval."""
        return self.start <= other.start and other.end <= self.end

    def intersection(self, other: Interval) -> Interval | None:
        """The overlapping part of both intervals, or ``None`` if they do not overlap."""
        start = max(self.start, other.start)
        end = min(self.end, other.end)
        return Interval.unchecked(start, end) if start < end else None

    def widen(self, before: timedelta = timedelta(0), after: timedelta = timedelta(0)) -> Interval:
        """Return the interval extended by ``before`` at the start and ``after`` at the end.

        Raises:
            InvalidInterval: the result would leave the supported range, or be empty.
            InvalidInput: ``before`` or ``after`` is not a timedelta.
        """
        before, after = _delta(before, "before"), _delta(after, "after")
        try:
            start, end = self.start - before, self.end + after
        except OverflowError:
            raise InvalidInterval("the widened interval leaves the range of datetime") from None
        return Interval(start, end)

    def shift(self, delta: timedelta) -> Interval:
        """Return the interval moved by an exact ``delta``.

        Raises:
            InvalidInterval: the result would leave the supported range.
            InvalidInput: ``delta`` is not a timedelta.
        """
        delta = _delta(delta, "delta")
        try:
            start, end = self.start + delta, self.end + delta
        except OverflowError:
            raise InvalidInterval("the shifted interval leaves the range of datetime") from None
        return Interval(start, end)

    def to_utc(self) -> Interval:
        """Return the same instants expressed in UTC (intervals already store UTC)."""
        return Interval.unchecked(self.start.astimezone(UTC), self.end.astimezone(UTC))


def _delta(value: object, name: str) -> timedelta:
    if not isinstance(value, timedelta):
        raise InvalidInput(f"{name} must be a timedelta, not {type(value).__name__}", field=name)
    return value


_start_end = attrgetter("start", "end")


def _sorted(intervals: Iterable[Interval], field: str) -> list[Interval]:
    try:
        # A key sort compares datetimes in C; the dataclass ordering would call Python per pair.
        ordered = sorted(intervals, key=_start_end)
    except (AttributeError, TypeError):
        ordered = []
        bad: object = intervals
    else:
        bad = next((iv for iv in ordered if not isinstance(iv, Interval)), None)
        if bad is None:
            return ordered
    raise InvalidInput(f"{field} must be a collection of Interval, not {bad!r}", field=field)


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Merge overlapping or touching intervals into a sorted, disjoint list.

    Runs in ``O(n log n)`` for the sort, then one linear pass.

    Raises:
        InvalidInput: ``intervals`` is not a collection of :class:`Interval`.
    """
    out: list[Interval] = []
    for iv in _sorted(intervals, "intervals"):
        if out and iv.start <= out[-1].end:
            if iv.end > out[-1].end:
                out[-1] = Interval.unchecked(out[-1].start, iv.end)
        else:
            out.append(iv)
    return out


def subtract(windows: Iterable[Interval], busy: Iterable[Interval]) -> list[Interval]:
    """Remove every busy interval from the windows.

    Both inputs may be unsorted and overlapping. The result is sorted and disjoint. After sorting,
    a single sweep walks both lists once, so the cost is ``O((w + b) log(w + b))``.

    Raises:
        InvalidInput: an input is not a collection of :class:`Interval` (``field`` says which).
    """
    free: list[Interval] = []
    blocked = merge(_sorted(busy, "busy"))
    j = 0
    for window in merge(_sorted(windows, "windows")):
        # Busy intervals ending before this window can never matter again: windows are sorted.
        while j < len(blocked) and blocked[j].end <= window.start:
            j += 1
        cursor = window.start
        k = j
        while k < len(blocked) and blocked[k].start < window.end:
            if blocked[k].start > cursor:
                free.append(Interval.unchecked(cursor, blocked[k].start))
            cursor = max(cursor, blocked[k].end)
            k += 1
        if cursor < window.end:
            free.append(Interval.unchecked(cursor, window.end))
    return free
