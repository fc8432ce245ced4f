"""Benchmark: a slot listing that must stop at a bound, against the same listing computed whole.

The case the attack suite found (issue 17, item 3): ten weekly rules of 1-minute slots, around
the clock, listed for seven days, behind the API's 2,000-slot bound. Before, every slot was
computed (about 100,000) to answer "too many"; now the listing takes the earliest 2,001 of all
the rules together and stops.

* ``ours``: :func:`fluentory_bookings.core.slots.iter_open_slots` per rule, merged by start with
  :func:`heapq.merge`, cut after ``bound + 1`` slots (what ``services.open_slots_of(limit=)`` does);
* ``whole``: the raw library underneath, :func:`fluentory_bookings.core.slots.open_slots` for
  each rule, every slot listed, then counted.

Both must agree on the first ``bound + 1`` slots. Run it as a plain script::

    python bench/slots_bounded.py

The last line printed is ``slots_bounded: ours <x> ms, whole <y> ms, ratio <r>``; ``ratio`` is
whole / ours (how many times less work the bounded listing does).
"""

from __future__ import annotations

import heapq
import sys
import time as clock
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from itertools import islice
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from fluentory_bookings.core.intervals import Interval
from fluentory_bookings.core.slots import SlotSpec, iter_open_slots, open_slots

BOUND = 2000
RULES = 10
DAYS = 7
NOW = datetime(2027, 3, 1, tzinfo=UTC)
SPEC = SlotSpec(length=timedelta(minutes=1))


def windows_of(rule: int) -> list[Interval]:
    """One rule: every day 00:0r to 23:5r UTC, for a week."""
    out = []
    for d in range(1, DAYS + 1):
        day = NOW + timedelta(days=d)
        out.append(Interval(day + timedelta(minutes=rule), day + timedelta(hours=23, minutes=50)))
    return out


def ours(rules: list[list[Interval]]) -> list[Interval]:
    streams = [
        ((s.start, i, s) for s in iter_open_slots(w, [], SPEC, now=NOW))
        for i, w in enumerate(rules)
    ]
    return [s for _, _, s in islice(heapq.merge(*streams), BOUND + 1)]


def whole(rules: list[list[Interval]]) -> list[Interval]:
    every = sorted(
        ((s.start, i, s) for i, w in enumerate(rules) for s in open_slots(w, [], SPEC, now=NOW)),
        key=lambda t: (t[0], t[1]),
    )
    return [s for _, _, s in every[: BOUND + 1]]


def best_time(fn: Callable[[list[list[Interval]]], list[Interval]], rules, repeats: int = 5):
    best = float("inf")
    for _ in range(repeats):
        t0 = clock.perf_counter()
        fn(rules)
        best = min(best, clock.perf_counter() - t0)
    return best


def main() -> None:
    rules = [windows_of(r) for r in range(RULES)]
    total = sum(len(open_slots(w, [], SPEC, now=NOW)) for w in rules)
    assert ours(rules) == whole(rules), "the bounded listing disagrees"
    print(f"{RULES} rules of 1-minute slots for {DAYS} days: {total:,} slots; bound {BOUND:,}")
    took = {name: best_time(fn, rules) for name, fn in (("ours", ours), ("whole", whole))}
    for name, t in took.items():
        print(f"{name:<6} {t * 1000:9.2f} ms")
    ratio = took["whole"] / took["ours"]
    print(
        f"slots_bounded: ours {took['ours'] * 1000:.2f} ms, "
        f"whole {took['whole'] * 1000:.2f} ms, ratio {ratio:.1f}"
    )


if __name__ == "__main__":
    main()
