"""Bookable 1:1 slots: availability windows cut on a grid, minus whatever is already busy.

A teacher publishes windows ("Mondays 09:00-12:00"); :func:`open_slots` cuts them into slots of a
fixed length, drops every slot that would collide with a commitment (buffers included), and drops
slots that are in the past, too soon, or too far ahead. :func:`slot_at` answers the question a
booking form asks: "is *this* start bookable?", and says why not when it is not.

All arithmetic is done in UTC (an :class:`~fluentory_bookings.core.intervals.Interval` stores
UTC, and ``now`` is converted on the way in), so a slot lasts exactly its length and the grid
stays evenly spaced in real time across a DST change.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from fluentory_bookings.core.errors import (
    InvalidInput,
    InvalidRule,
    LimitExceeded,
    SlotReason,
    SlotUnavailable,
)
from fluentory_bookings.core.intervals import Interval
from fluentory_bookings.core.policy import Deadlines, bookable_starts, booking_refusal
from fluentory_bookings.core.validate import require_aware, require_duration, require_items

__all__ = [
    "MAX_OPEN_SLOTS",
    "MIN_SLOT_STEP",
    "SlotSpec",
    "iter_open_slots",
    "open_slots",
    "slot_at",
]

MIN_SLOT_STEP = timedelta(minutes=1)
"""The finest slot grid and the shortest slot: nobody books a lesson by the second, and a finer
grid only multiplies the work."""

MAX_OPEN_SLOTS = 100_000
"""The most slots one :func:`open_slots` call returns (a year of 5-minute slots around the
clock); past it the call raises :class:`~fluentory_bookings.core.errors.LimitExceeded` instead of
building an unbounded list. Ask for a shorter span."""

_ZERO = timedelta(0)
_NO_DEADLINES = Deadlines()


@dataclass(frozen=True, slots=True)
class SlotSpec:
    """How availability is cut into bookable slots.

    When a slot may be booked (minimum notice, booking horizon) is policy, not geometry: it
    lives in :class:`~fluentory_bookings.core.policy.Deadlines`, passed to :func:`open_slots` and
    :func:`slot_at`.

    Attributes:
        length: How long one slot (one lesson) lasts: whole seconds, at least
            :data:`MIN_SLOT_STEP`.
        buffer_before: Free time a commitment needs before it starts (0 or more).
        buffer_after: Free time a commitment needs after it ends (0 or more). Two commitments
            are therefore at least ``buffer_after + buffer_before`` apart.
        step: Distance between two candidate starts; ``None`` means ``length`` (back-to-back
            slots). Whole seconds, at least :data:`MIN_SLOT_STEP`.

    Raises:
        InvalidRule: a field is not a timedelta or is out of range; ``field`` names it.
    """

    length: timedelta
    buffer_before: timedelta = _ZERO
    buffer_after: timedelta = _ZERO
    step: timedelta | None = None

    def __post_init__(self) -> None:
        require_duration(
            self.length, "length", whole_seconds=True, least=MIN_SLOT_STEP, error=InvalidRule
        )
        require_duration(self.buffer_before, "buffer_before", allow_zero=True, error=InvalidRule)
        require_duration(self.buffer_after, "buffer_after", allow_zero=True, error=InvalidRule)
        if self.step is not None:
            require_duration(
                self.step, "step", whole_seconds=True, least=MIN_SLOT_STEP, error=InvalidRule
            )

    @property
    def grid(self) -> timedelta:
        """The effective distance between candidate starts (``step``, else ``length``)."""
        return self.length if self.step is None else self.step

    @property
    def gap(self) -> timedelta:
        """The least distance between the end of one commitment and the start of the next."""
        return self.buffer_before + self.buffer_after


@dataclass(frozen=True, slots=True)
class _Prepared:
    """Inputs normalised once: UTC, merged, sorted, busy already padded."""

    windows: list[Interval]
    blocked: list[Interval]
    earliest: datetime
    latest: datetime | None


def _merge_padded(intervals: list[Interval], pad: timedelta) -> list[Interval]:
    """Widen each interval by ``pad`` on both sides, then merge into a sorted disjoint list."""
    spans = sorted((iv.start - pad, iv.end + pad) for iv in intervals)
    out: list[Interval] = []
    for start, end in spans:
        if out and start <= out[-1].end:
            if end > out[-1].end:
                out[-1] = Interval.unchecked(out[-1].start, end)
        else:
            out.append(Interval.unchecked(start, end))
    return out


def _prepare(
    windows: Iterable[Interval],
    busy: Iterable[Interval],
    spec: SlotSpec,
    now: datetime,
    deadlines: Deadlines | None,
) -> _Prepared:
    if not isinstance(spec, SlotSpec):
        raise InvalidInput(f"spec must be a SlotSpec, not {type(spec).__name__}", field="spec")
    if deadlines is None:
        deadlines = _NO_DEADLINES
    elif not isinstance(deadlines, Deadlines):
        raise InvalidInput(
            f"deadlines must be a Deadlines, not {type(deadlines).__name__}", field="deadlines"
        )
    require_aware(now, "now")
    earliest, latest = bookable_starts(now=now, deadlines=deadlines)
    # A slot [s, e) with its buffers overlaps a padded busy [b0, b1) with its buffers exactly
    # when [s, e) overlaps [b0 - gap, b1 + gap): padding busy once by the whole gap lets every
    # later test be a plain overlap test.
    return _Prepared(
        windows=_merge_padded(require_items(windows, Interval, "windows"), _ZERO),
        blocked=_merge_padded(require_items(busy, Interval, "busy"), spec.gap),
        earliest=earliest,
        latest=latest,
    )


def _ceil_steps(distance: timedelta, step: timedelta) -> int:
    """The least ``k >= 0`` with ``k * step >= distance``."""
    if distance <= _ZERO:
        return 0
    return -(-distance // step)


def open_slots(
    windows: Iterable[Interval],
    busy: Iterable[Interval],
    spec: SlotSpec,
    *,
    now: datetime,
    deadlines: Deadlines | None = None,
) -> list[Interval]:
    """Return every bookable slot of the given availability, in UTC, sorted by start.

    Windows may overlap or touch; they are merged first. Each merged window is cut on a grid
    that starts at the window's start and advances by ``spec.step``; a slot must lie entirely
    inside its window. A slot is open when, with its buffers, it overlaps no busy interval with
    its buffers. Slots that :func:`~fluentory_bookings.core.policy.check_bookable` would refuse
    at ``now`` (started, inside the minimum notice, beyond the horizon) are left out: the same
    rule, so every listed slot is accepted.

    Inputs may be unsorted and in any zone. Everything is sorted once and swept with one moving
    pointer, and a slot that hits a busy interval jumps straight past it, so the cost is
    ``O((w + b) log(w + b) + s)`` for ``w`` windows, ``b`` busy intervals and ``s`` open slots.

    Args:
        windows: Availability, e.g. the expanded occurrences of the teacher's rules.
        busy: Everything that occupies the teacher: confirmed and pending 1:1s, group sessions
            they teach, external busy time.
        spec: Slot length, buffers and step.
        now: The current instant (aware).
        deadlines: Minimum notice and booking horizon; ``None`` means neither (a slot must
            still start after ``now``).

    Returns:
        The open slots as UTC intervals of exactly ``spec.length``.

    Raises:
        LimitExceeded: more than :data:`MAX_OPEN_SLOTS` slots are open; ask for less.
        InvalidInterval: ``now`` is naive or out of range.
        InvalidInput: ``windows`` or ``busy`` holds something that is not an
            :class:`~fluentory_bookings.core.intervals.Interval`, or ``spec``/``deadlines`` has
            the wrong type.

    Example:
        >>> from datetime import datetime, timedelta, UTC
        >>> at = lambda hour: datetime(2027, 1, 4, hour, tzinfo=UTC)
        >>> spec = SlotSpec(length=timedelta(hours=1))
        >>> window, busy = Interval(at(9), at(12)), Interval(at(10), at(11))
        >>> slots = open_slots([window], [busy], spec, now=at(0))
        >>> [s.start.hour for s in slots]
        [9, 11]
    """
    slots: list[Interval] = []
    for slot in iter_open_slots(windows, busy, spec, now=now, deadlines=deadlines):
        if len(slots) == MAX_OPEN_SLOTS:
            raise LimitExceeded(
                f"more than {MAX_OPEN_SLOTS} open slots: ask for a shorter span",
                field="windows",
                limit=MAX_OPEN_SLOTS,
            )
        slots.append(slot)
    return slots


def iter_open_slots(
    windows: Iterable[Interval],
    busy: Iterable[Interval],
    spec: SlotSpec,
    *,
    now: datetime,
    deadlines: Deadlines | None = None,
    after: datetime | None = None,
) -> Iterator[Interval]:
    """:func:`open_slots`, one slot at a time and without its :data:`MAX_OPEN_SLOTS` bound.

    Each slot is computed only when it is asked for, so a caller that needs the first ``n``
    (a page of a picker, a listing with a bound) does work for ``n`` slots, however many the
    windows hold. The arguments are checked at once, before the first slot.

    Args:
        after: Leave out slots that start before this instant (aware); the grid stays the
            window's own, so the slots are the same as :func:`open_slots` lists from there on.

    Raises:
        InvalidInterval: ``now`` or ``after`` is naive or out of range.
        InvalidInput: as :func:`open_slots`.

    Example:
        >>> from datetime import datetime, timedelta, UTC
        >>> from itertools import islice
        >>> at = lambda hour: datetime(2027, 1, 4, hour, tzinfo=UTC)
        >>> spec = SlotSpec(length=timedelta(minutes=15))
        >>> slots = iter_open_slots([Interval(at(9), at(17))], [], spec, now=at(0), after=at(10))
        >>> [s.start.strftime("%H:%M") for s in islice(slots, 3)]
        ['10:00', '10:15', '10:30']
    """
    prep = _prepare(windows, busy, spec, now, deadlines)
    earliest = prep.earliest
    if after is not None:
        earliest = max(earliest, require_aware(after, "after"))
    return _sweep(prep, spec, earliest)


def _sweep(prep: _Prepared, spec: SlotSpec, earliest: datetime) -> Iterator[Interval]:
    length, step = spec.length, spec.grid
    blocked = prep.blocked
    n_blocked = len(blocked)
    j = 0
    for window in prep.windows:
        base = window.start
        last_start = window.end - length
        if prep.latest is not None and prep.latest < last_start:
            last_start = prep.latest
        k = _ceil_steps(earliest - base, step)
        start = base + k * step
        while start <= last_start:
            # Windows are disjoint and sorted, so starts only grow: a busy interval that ends
            # before this start can be dropped for good.
            while j < n_blocked and blocked[j].end <= start:
                j += 1
            end = start + length
            if j < n_blocked and blocked[j].start < end:
                # Taken: no start before this busy interval's end can be open, so jump there.
                k = _ceil_steps(blocked[j].end - base, step)
            else:
                yield Interval.unchecked(start, end)
                k += 1
            start = base + k * step


def slot_at(
    starts_at: datetime,
    windows: Iterable[Interval],
    busy: Iterable[Interval],
    spec: SlotSpec,
    *,
    now: datetime,
    deadlines: Deadlines | None = None,
) -> Interval:
    """Return the open slot that starts exactly at ``starts_at``, or say why there is none.

    ``slot_at(t, ...)`` succeeds exactly when :func:`open_slots` with the same arguments holds a
    slot starting at ``t``; use it to validate one booking request without listing every slot.

    Args:
        starts_at: The requested start (aware).
        windows: Availability, as for :func:`open_slots`.
        busy: Commitments, as for :func:`open_slots`.
        spec: Slot length, buffers and step.
        now: The current instant (aware).
        deadlines: Minimum notice and booking horizon, as for :func:`open_slots`.

    Returns:
        The slot as a UTC interval of exactly ``spec.length``.

    Raises:
        SlotUnavailable: the start has begun or is past (``reason`` ``"past"``), is too soon
            (``"minimum_notice"``), beyond the horizon (``"horizon"``), outside availability
            (``"outside_availability"``), not on the slot grid (``"off_grid"``), or taken
            (``"taken"``). The checks run in that order; the first three are exactly
            :func:`~fluentory_bookings.core.policy.check_bookable`'s rules.
        InvalidInterval: ``starts_at`` or ``now`` is naive or out of range.
        InvalidInput: an argument has the wrong type, see :func:`open_slots`.
    """
    require_aware(starts_at, "starts_at")
    prep = _prepare(windows, busy, spec, now, deadlines)
    start = starts_at.astimezone(UTC)
    end = start + spec.length
    when = start.isoformat()

    def refuse(reason: SlotReason | str, text: str) -> SlotUnavailable:
        return SlotUnavailable(
            f"no open slot at {when}: {text}", starts_at=starts_at, reason=reason
        )

    refusal = booking_refusal(starts_at, now=now, deadlines=deadlines or _NO_DEADLINES)
    if refusal is not None:
        raise refuse(refusal.rule, refusal.message)
    window = next((w for w in prep.windows if w.start <= start and end <= w.end), None)
    if window is None:
        raise refuse(SlotReason.OUTSIDE_AVAILABILITY, "outside availability")
    if (start - window.start) % spec.grid:
        raise refuse(SlotReason.OFF_GRID, "not on the slot grid")
    if any(b.start < end and start < b.end for b in prep.blocked):
        raise refuse(SlotReason.TAKEN, "taken")
    return Interval.unchecked(start, end)
