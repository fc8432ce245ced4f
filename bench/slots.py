"""Benchmark: open 1:1 slots for one teacher over 90 days, against growing busy calendars.

The teacher is available 09:00-17:00 Europe/Berlin on weekdays for 90 days (across the March
DST change); slots last 30 minutes with a 10-minute buffer after each commitment. Busy time is
500, 1,000 and 2,000 random intervals of 15-60 minutes anywhere in the period (external
calendars do not respect working hours).

Three implementations answer the same question and must return the same slots:

* ``ours``: :func:`fluentory_bookings.core.slots.open_slots` (sort once, sweep, jump past busy);
* ``baseline``: the raw library underneath, :func:`fluentory_bookings.core.intervals.subtract`
  of the padded busy time from the windows, followed by a plain grid cut of each free piece;
* ``naive``: every grid slot compared with every busy interval (quadratic), printed so the
  growth is visible.

All three build the intervals they compute with :meth:`Interval.unchecked` and compute the notice
and horizon limits once, so ``ratio`` measures the algorithm, not validation.

Throughput is counted in candidate slots decided per second (every grid position in the
windows, open or not, so the unit of work is the same for every size); times are the best of
several repeats. Run it as a plain script::

    python bench/slots.py

The last line printed is ``slots: ours <x>/s, baseline <y>/s, ratio <r>`` for 2,000 busy
intervals; ``ratio`` is ours / baseline.
"""

from __future__ import annotations

import random
import sys
import time as clock
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from fluentory_bookings.core.intervals import Interval, subtract
from fluentory_bookings.core.policy import Deadlines
from fluentory_bookings.core.slots import SlotSpec, open_slots
from fluentory_bookings.core.zones import localize

ZONE = "Europe/Berlin"
FIRST_DAY = date(2027, 3, 1)
DAYS = 90
SIZES = (500, 1_000, 2_000)
SPEC = SlotSpec(length=timedelta(minutes=30), buffer_after=timedelta(minutes=10))
DEADLINES = Deadlines(minimum_notice=timedelta(hours=12), booking_horizon=timedelta(days=DAYS + 1))
NOW = datetime(2027, 2, 28, 6, tzinfo=UTC)
BUDGET = 1.5  # seconds of repeats per implementation and size, at most

Finder = Callable[[list[Interval], list[Interval]], list[Interval]]


def weekday_windows() -> list[Interval]:
    windows = []
    for offset in range(DAYS):
        day = FIRST_DAY + timedelta(days=offset)
        if day.weekday() < 5:
            start = datetime.combine(day, time(9))  # naive: a wall-clock time for localize
            windows.append(
                Interval(localize(start, ZONE), localize(start + timedelta(hours=8), ZONE))
            )
    return windows


def random_busy(n: int, rng: random.Random) -> list[Interval]:
    origin = datetime(FIRST_DAY.year, FIRST_DAY.month, FIRST_DAY.day, tzinfo=UTC)
    busy = []
    for _ in range(n):
        start = origin + timedelta(minutes=5 * rng.randrange(DAYS * 24 * 12))
        busy.append(Interval(start, start + timedelta(minutes=rng.choice((15, 30, 45, 60)))))
    return busy


# Computed once, as open_slots does, so the comparison is not charged to the baselines per slot.
EARLIEST = NOW + DEADLINES.minimum_notice
LATEST = NOW + DEADLINES.booking_horizon if DEADLINES.booking_horizon is not None else None


def in_time(start: datetime) -> bool:
    return start >= EARLIEST and (LATEST is None or start <= LATEST)


def ours(windows: list[Interval], busy: list[Interval]) -> list[Interval]:
    return open_slots(windows, busy, SPEC, now=NOW, deadlines=DEADLINES)


def via_subtract(windows: list[Interval], busy: list[Interval]) -> list[Interval]:
    """The raw library: free = windows - padded busy, then cut each free piece on its grid."""
    gap = SPEC.buffer_before + SPEC.buffer_after
    step, length = SPEC.grid, SPEC.length
    windows = sorted(windows)
    # Ours builds its intervals unchecked, so the baselines do too: every instant here is
    # computed from UTC intervals and ends after it starts, and validating each one would time
    # the constructor rather than the algorithm.
    free = subtract(windows, [Interval.unchecked(b.start - gap, b.end + gap) for b in busy])
    slots = []
    w = 0
    for piece in free:
        # The grid is anchored at the window's start, not the free piece's.
        while windows[w].end < piece.end:
            w += 1
        base = windows[w].start
        k = -(-(piece.start - base) // step)
        start = base + k * step
        while start + length <= piece.end:
            if in_time(start):
                slots.append(Interval.unchecked(start, start + length))
            start += step
    return slots


def naive(windows: list[Interval], busy: list[Interval]) -> list[Interval]:
    """Every grid slot against every busy interval, buffers on both sides."""
    before, after = SPEC.buffer_before, SPEC.buffer_after
    slots = []
    for window in sorted(windows):
        start = window.start
        while start + SPEC.length <= window.end:
            end = start + SPEC.length
            if in_time(start) and not any(
                start - before < b.end + after and b.start - before < end + after for b in busy
            ):
                slots.append(Interval.unchecked(start, end))
            start += SPEC.grid
    return slots


def best_time(find: Finder, windows: list[Interval], busy: list[Interval]) -> float:
    best = float("inf")
    spent = 0.0
    runs = 0
    while runs < 3 or (spent < BUDGET and runs < 200):
        began = clock.perf_counter()
        find(windows, busy)
        took = clock.perf_counter() - began
        best = min(best, took)
        spent += took
        runs += 1
    return best


def main() -> None:
    rng = random.Random(20270301)
    windows = weekday_windows()
    candidates = sum(int((w.end - w.start - SPEC.length) / SPEC.grid) + 1 for w in windows)
    print(
        f"{len(windows)} weekday windows of 8 h in {ZONE}, {candidates} candidate slots of 30 min, "
        "10 min buffer; best of repeats"
    )
    rates: dict[str, float] = {}
    for n in SIZES:
        busy = random_busy(n, rng)
        expected = ours(windows, busy)
        assert via_subtract(windows, busy) == expected, "baseline disagrees"
        assert naive(windows, busy) == expected, "naive disagrees"
        for name, find in (("ours", ours), ("baseline", via_subtract), ("naive", naive)):
            took = best_time(find, windows, busy)
            rates[name] = candidates / took
            print(
                f"busy {n:>5}: {name:<8} {rates[name]:>12,.0f} slots/s  "
                f"{took * 1000:8.2f} ms  ({len(expected)} open)"
            )
    ratio = rates["ours"] / rates["baseline"]
    print(
        f"slots: ours {rates['ours']:.0f}/s, baseline {rates['baseline']:.0f}/s, ratio {ratio:.2f}"
    )


if __name__ == "__main__":
    main()
