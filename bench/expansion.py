"""Benchmark: expanding 1,000 teachers' weekly availability over one year.

Compares :meth:`WeeklyRule.occurrences` (zone-aware instances in UTC, each bounded by its local
times, as :class:`Interval` values) with a raw ``dateutil.rrule`` loop over the same rules
that only generates naive local start datetimes, which is the floor of any rrule-based
expansion.

It also expands the same rules with ``recurring_ical_events``, the peer a calendar program
would reach for: each rule's :meth:`~WeeklyRule.to_ical_lines` become one VEVENT of a calendar,
parsed by ``icalendar`` before the clock starts, and the same window is expanded. Both must give
every rule the same number of instances. That peer is slow, so it is timed over fewer repeats.
Run it as a plain script::

    python bench/expansion.py

The last line printed is ``expansion: ours <x>/s, baseline <y>/s, ratio <r>`` in occurrences per
second (best of several repeats); ``ratio`` is ours / baseline.
"""

from __future__ import annotations

import random
import sys
import time as clock
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from functools import partial
from importlib.metadata import version
from pathlib import Path

import icalendar
import recurring_ical_events
from dateutil.rrule import WEEKLY, rrule

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from fluentory_bookings.core import recurrence
from fluentory_bookings.core.intervals import Interval
from fluentory_bookings.core.recurrence import WeeklyRule
from fluentory_bookings.core.zones import resolve_zone

TEACHERS = 1_000
REPEATS = 5
PEER_REPEATS = 2  # recurring_ical_events takes seconds per pass
YEAR_START = date(2027, 1, 1)
YEAR_END = date(2027, 12, 31)
# A little wider than the year in UTC, so that every instance of the year's local dates overlaps
# it in every zone and both sides count the same instances.
WINDOW = Interval(
    datetime(2026, 12, 30, tzinfo=UTC),
    datetime(2028, 1, 3, tzinfo=UTC),
)
ZONES = (
    "Europe/Berlin",
    "Europe/London",
    "America/New_York",
    "America/Los_Angeles",
    "America/Sao_Paulo",
    "America/Santiago",
    "Asia/Kolkata",
    "Asia/Tokyo",
    "Australia/Sydney",
    "Australia/Lord_Howe",
    "Pacific/Auckland",
    "Pacific/Chatham",
    "Africa/Cairo",
    "UTC",
)


def build_rules(seed: int = 20270101) -> list[WeeklyRule]:
    """Return varied weekly rules: zones, 1-5 weekdays, times on a 15-minute grid, some past midnight."""
    rng = random.Random(seed)
    rules = []
    for _ in range(TEACHERS):
        start_minutes = rng.randrange(0, 24 * 60, 15)
        length = rng.choice((30, 45, 60, 90, 120, 180, 240))
        end_minutes = (start_minutes + length) % (24 * 60)
        rules.append(
            WeeklyRule(
                tz=rng.choice(ZONES),
                weekdays=frozenset(rng.sample(range(7), rng.randint(1, 5))),
                start_time=time(start_minutes // 60, start_minutes % 60),
                end_time=time(end_minutes // 60, end_minutes % 60),
                valid_from=YEAR_START,
                valid_until=YEAR_END,
            )
        )
    return rules


def baseline_rrules(rules: list[WeeklyRule]) -> list[rrule]:
    """The same rules as plain naive dateutil rrules (no zone, no duration)."""
    return [
        rrule(
            WEEKLY,
            byweekday=sorted(r.weekdays),
            dtstart=datetime.combine(r.valid_from, r.start_time),
            until=datetime.combine(YEAR_END, r.start_time),
        )
        for r in rules
    ]


def local_window(rule: WeeklyRule, wall: datetime) -> tuple[datetime, datetime]:
    """The UTC bounds of a weekly window starting at a naive local time: both ends on the wall
    clock (the next day's end for a window past midnight)."""
    zone = resolve_zone(rule.tz)
    end_day = wall.date() + timedelta(days=1 if rule.end_time <= rule.start_time else 0)
    return (
        wall.replace(tzinfo=zone).astimezone(UTC),
        datetime.combine(end_day, rule.end_time, zone).astimezone(UTC),
    )


def peer_calendar(rules: list[WeeklyRule]) -> icalendar.Calendar:
    """The same rules as one calendar, a VEVENT per rule whose UID is the rule's index."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//fluentory-bookings//bench//EN"]
    for i, rule in enumerate(rules):
        lines += ["BEGIN:VEVENT", f"UID:{i}", "DTSTAMP:20270101T000000Z"]
        lines += [*rule.to_ical_lines(), "END:VEVENT"]
    lines.append("END:VCALENDAR")
    return icalendar.Calendar.from_ical("\r\n".join(lines) + "\r\n")


def run_peer(calendar: icalendar.Calendar) -> list[icalendar.Event]:
    return list(recurring_ical_events.of(calendar).between(WINDOW.start, WINDOW.end))


def peer_rate(calendar: icalendar.Calendar) -> tuple[float, list[icalendar.Event]]:
    best = float("inf")
    events: list[icalendar.Event] = []
    for _ in range(PEER_REPEATS):
        t0 = clock.perf_counter()
        events = run_peer(calendar)
        best = min(best, clock.perf_counter() - t0)
    return len(events) / best, events


def run_ours(rules: list[WeeklyRule]) -> int:
    n = 0
    for rule in rules:
        n += len(rule.occurrences(WINDOW))
    return n


def run_baseline(rrules: list[rrule]) -> int:
    n = 0
    for rr in rrules:
        for _ in rr:
            n += 1
    return n


def best_rate(fn: object, arg: object, *, cold: bool = False) -> tuple[float, int]:
    best = float("inf")
    count = 0
    for _ in range(REPEATS):
        if cold:
            # Forget the per-rule plans, as a process that has just loaded its rules would.
            recurrence._weekly_plan.cache_clear()
        t0 = clock.perf_counter()
        count = fn(arg)  # type: ignore[operator]
        best = min(best, clock.perf_counter() - t0)
    return count / best, count


def main() -> None:
    t0 = clock.perf_counter()
    rules = build_rules()
    build_seconds = clock.perf_counter() - t0
    rrules = baseline_rrules(rules)

    baseline, n_base = best_rate(run_baseline, rrules)
    warm, n_warm = best_rate(run_ours, rules)
    ours, n_ours = best_rate(run_ours, rules, cold=True)
    # A window lying wholly in a spring-forward gap has no instance that day; the baseline,
    # which knows no zones, still counts its start.
    windows = [
        [w for w in map(partial(local_window, rule), rr) if w[1] > w[0]]
        for rule, rr in zip(rules, rrules, strict=True)
    ]
    assert n_ours == n_warm == sum(map(len, windows)) <= n_base, (n_ours, n_base, n_warm)
    # Spot-check that both sides produce the same windows, not only the same number of them.
    for rule, expected in zip(rules[:100], windows[:100], strict=True):
        found = rule.occurrences(WINDOW)
        assert [(iv.start, iv.end) for iv in found] == expected

    peer, events = peer_rate(peer_calendar(rules))
    per_rule = Counter(int(str(event["UID"])) for event in events)
    # The peer expands the exported RRULE: one instance per local date, like the plain rrule,
    # including the dates whose window lies wholly in a spring-forward gap (we drop those).
    for i, rr in enumerate(rrules):
        assert per_rule[i] == rr.count(), (i, rules[i], per_rule[i])

    print(f"rules: {len(rules)} weekly rules in {len(ZONES)} zones, built in {build_seconds:.2f} s")
    print(
        f"occurrences per pass: {n_ours} (window {WINDOW.start:%Y-%m-%d} .. {WINDOW.end:%Y-%m-%d})"
    )
    print(f"ours with per-rule plans cached: {warm:,.0f}/s")
    print(
        f"recurring_ical_events {version('recurring-ical-events')}, same rules and window: "
        f"ours {ours:.0f}/s, recurring_ical_events {peer:.0f}/s, ratio {ours / peer:.1f}"
    )
    ratio = ours / baseline
    print(f"expansion: ours {ours:.0f}/s, baseline {baseline:.0f}/s, ratio {ratio:.2f}")


if __name__ == "__main__":
    main()
