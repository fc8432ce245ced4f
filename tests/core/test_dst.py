"""DST edge cases, one table row each: exact UTC starts and exact durations.

Expected values are worked out by hand from the zone rules (tzdata), not read back from the code:

* Europe/Berlin 2027: 28 Mar 02:00 CET -> 03:00 CEST; 31 Oct 03:00 CEST -> 02:00 CET.
* America/New_York 2027: 14 Mar 02:00 EST -> 03:00 EDT; 7 Nov 02:00 EDT -> 01:00 EST.
* Australia/Lord_Howe 2027 (30-minute DST, +10:30/+11): 4 Apr 02:00 -> 01:30; 3 Oct 02:00 -> 02:30.
* America/Santiago 2027 (southern hemisphere, at midnight): Sat 3 Apr 24:00 -03 -> 23:00 -04;
  Sun 5 Sep 00:00 -04 -> 01:00 -03.
* Pacific/Chatham 2027 (+12:45/+13:45): 4 Apr 03:45 -> 02:45; 26 Sep 02:45 -> 03:45.

RFC 5545: a start in a gap moves forward by the gap (read with the offset before it), an
ambiguous start is the first occurrence (3.3.5), and every instance of an RRULE lasts the exact
duration (3.8.5.3) - an instance starting in a gap is not shortened.

A teacher's weekly window is different: it is bounded by its local start and end times on every
date, both read as above (like a one-time window), so ``weekly_length`` is its real length on
the row's date (``None``: both ends read to one instant, the window lies wholly in the gap).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from fluentory_bookings.core.errors import InvalidRule
from fluentory_bookings.core.intervals import Interval
from fluentory_bookings.core.recurrence import OneTimeRule, RRuleRule, WeeklyRule

H = timedelta(hours=1)
M = timedelta(minutes=1)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


@dataclass(frozen=True)
class Case:
    id: str
    tz: str
    day: date  # local date the instance starts on
    start: time
    end: time  # wall-clock end of the weekly window (may be past midnight)
    utc_start: datetime
    duration: timedelta  # the plain-day length, and the exact length of an RRULE instance
    weekly_length: timedelta | None  # the weekly window's real length on ``day``


# fmt: off
CASES = [
    # Europe/Berlin
    Case("berlin-gap-0230", "Europe/Berlin", date(2027, 3, 28), time(2, 30), time(3, 30),
         utc(2027, 3, 28, 1, 30), H, None),
    Case("berlin-gap-0200-exact", "Europe/Berlin", date(2027, 3, 28), time(2, 0), time(3, 0),
         utc(2027, 3, 28, 1, 0), H, None),
    Case("berlin-end-in-gap", "Europe/Berlin", date(2027, 3, 28), time(1, 30), time(2, 30),
         utc(2027, 3, 28, 0, 30), H, H),
    Case("berlin-fold-0230-first", "Europe/Berlin", date(2027, 10, 31), time(2, 30), time(3, 30),
         utc(2027, 10, 31, 0, 30), H, 2 * H),
    Case("berlin-week-before-spring", "Europe/Berlin", date(2027, 3, 21), time(2, 30), time(3, 30),
         utc(2027, 3, 21, 1, 30), H, H),
    Case("berlin-week-after-spring", "Europe/Berlin", date(2027, 4, 4), time(2, 30), time(3, 30),
         utc(2027, 4, 4, 0, 30), H, H),
    Case("berlin-overnight-across-spring", "Europe/Berlin", date(2027, 3, 27), time(22, 0),
         time(6, 0), utc(2027, 3, 27, 21, 0), 8 * H, 7 * H),
    Case("berlin-overnight-across-fall", "Europe/Berlin", date(2027, 10, 30), time(22, 0),
         time(6, 0), utc(2027, 10, 30, 20, 0), 8 * H, 9 * H),
    # America/New_York
    Case("new-york-gap-0230", "America/New_York", date(2027, 3, 14), time(2, 30), time(3, 30),
         utc(2027, 3, 14, 7, 30), H, None),
    Case("new-york-fold-0130-first", "America/New_York", date(2027, 11, 7), time(1, 30),
         time(2, 30), utc(2027, 11, 7, 5, 30), H, 2 * H),
    Case("new-york-fold-0100-first", "America/New_York", date(2027, 11, 7), time(1, 0),
         time(1, 45), utc(2027, 11, 7, 5, 0), 45 * M, 45 * M),
    # Australia/Lord_Howe: the clock moves by 30 minutes at 02:00 local
    Case("lord-howe-gap-0215", "Australia/Lord_Howe", date(2027, 10, 3), time(2, 15), time(3, 0),
         utc(2027, 10, 2, 15, 45), 45 * M, 15 * M),
    Case("lord-howe-gap-0200-exact", "Australia/Lord_Howe", date(2027, 10, 3), time(2, 0),
         time(3, 0), utc(2027, 10, 2, 15, 30), H, 30 * M),
    Case("lord-howe-fold-0145-first", "Australia/Lord_Howe", date(2027, 4, 4), time(1, 45),
         time(2, 45), utc(2027, 4, 3, 14, 45), H, 90 * M),
    Case("lord-howe-after-fold-0200", "Australia/Lord_Howe", date(2027, 4, 4), time(2, 0),
         time(3, 0), utc(2027, 4, 3, 15, 30), H, H),
    # America/Santiago: transitions at local midnight
    Case("santiago-gap-0030", "America/Santiago", date(2027, 9, 5), time(0, 30), time(1, 30),
         utc(2027, 9, 5, 4, 30), H, None),
    Case("santiago-gap-midnight", "America/Santiago", date(2027, 9, 5), time(0, 0), time(2, 0),
         utc(2027, 9, 5, 4, 0), 2 * H, H),
    Case("santiago-fold-2330-first", "America/Santiago", date(2027, 4, 3), time(23, 30),
         time(0, 30), utc(2027, 4, 4, 2, 30), H, 2 * H),
    Case("santiago-overnight-across-spring", "America/Santiago", date(2027, 9, 4), time(22, 0),
         time(2, 0), utc(2027, 9, 5, 2, 0), 4 * H, 3 * H),
    # Pacific/Chatham: +12:45 / +13:45, transitions at 02:45 standard time
    Case("chatham-gap-0300", "Pacific/Chatham", date(2027, 9, 26), time(3, 0), time(4, 0),
         utc(2027, 9, 25, 14, 15), H, None),
    Case("chatham-fold-0300-first", "Pacific/Chatham", date(2027, 4, 4), time(3, 0), time(4, 0),
         utc(2027, 4, 3, 13, 15), H, 2 * H),
]
# fmt: on

WIDE = Interval(utc(2027, 1, 1), utc(2028, 1, 1))


def weekly(case: Case) -> WeeklyRule:
    return WeeklyRule(
        tz=case.tz,
        weekdays=frozenset({case.day.weekday()}),
        start_time=case.start,
        end_time=case.end,
        valid_from=case.day - timedelta(days=7),
        valid_until=case.day + timedelta(days=7),
    )


def rrule_for(case: Case) -> RRuleRule:
    return RRuleRule(
        tz=case.tz,
        dtstart=datetime.combine(case.day - timedelta(days=7), case.start),
        duration=case.duration,
        rrule="FREQ=WEEKLY;COUNT=3",
    )


def instance_on(rule: WeeklyRule | RRuleRule, case: Case) -> Interval:
    (found,) = [iv for iv in rule.occurrences(WIDE) if iv.start == case.utc_start]
    return found


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_weekly_rule_is_bounded_by_its_local_times(case: Case) -> None:
    rule = weekly(case)
    assert rule.duration == case.duration
    found = rule.occurrences(WIDE)
    # The week before and after each row's date are plain days, except where the row's
    # neighbour is the Berlin spring-forward Sunday and 02:30-03:30 does not exist.
    expected = 3 - (case.weekly_length is None) - (case.id.startswith("berlin-week-"))
    assert len(found) == expected
    if case.weekly_length is None:
        assert [iv for iv in found if iv.start == case.utc_start] == []
        return
    on_day = instance_on(rule, case)
    assert on_day.start.tzinfo is UTC
    assert on_day.end - on_day.start == case.weekly_length


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_rrule_rule_keeps_the_exact_duration_and_the_same_starts(case: Case) -> None:
    rule = rrule_for(case)
    found = instance_on(rule, case)
    assert found.end - found.start == case.duration
    # The starts are the same; only a weekly window wholly inside a gap has none that day,
    # exactly where a one-time window with the same local times is refused.
    rrule_starts = [iv.start for iv in rule.occurrences(WIDE)]
    weekly_starts = [iv.start for iv in weekly(case).occurrences(WIDE)]
    assert set(weekly_starts) <= set(rrule_starts)
    for start in set(rrule_starts) - set(weekly_starts):
        wall = start.astimezone(ZoneInfo(case.tz)).replace(tzinfo=None)
        day = wall.date()
        with pytest.raises(InvalidRule):
            OneTimeRule(case.tz, datetime.combine(day, case.start), datetime.combine(day, case.end))


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_weekly_window_matches_a_one_time_window_with_the_same_local_times(case: Case) -> None:
    rule = weekly(case)
    end_day = case.day + timedelta(days=1 if case.end <= case.start else 0)
    start, end = datetime.combine(case.day, case.start), datetime.combine(end_day, case.end)
    on_day = [iv for iv in rule.occurrences(WIDE) if iv.start == case.utc_start]
    if case.weekly_length is None:
        assert on_day == []
        with pytest.raises(InvalidRule):
            OneTimeRule(case.tz, start, end)
    else:
        assert on_day == OneTimeRule(case.tz, start, end).occurrences(WIDE)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_export_keeps_the_wall_clock_and_the_exact_duration(case: Case) -> None:
    lines = weekly(case).to_ical_lines()
    assert (
        lines[0]
        == f"DTSTART;TZID={case.tz}:{case.day - timedelta(days=7):%Y%m%d}T{case.start:%H%M%S}"
    )
    hours, rest = divmod(int(case.duration.total_seconds()), 3600)
    assert lines[1] == "DURATION:PT" + (f"{hours}H" if hours else "") + (
        f"{rest // 60}M" if rest else ""
    )
    # UNTIL is the UTC instant of the last local start (RFC 5545 3.3.10 with a zoned DTSTART).
    assert lines[2].startswith("RRULE:FREQ=WEEKLY;BYDAY=")
    until = datetime.strptime(lines[2].split("UNTIL=")[1], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    assert until == rrule_for(case).occurrences(WIDE)[-1].start


def test_zero_length_gap_instances_do_not_happen() -> None:
    # Peers return [02:30, 02:30) here; RFC 5545 says 02:30 CET + 1 h.
    gap = instance_on(rrule_for(CASES[0]), CASES[0])
    assert gap == Interval(utc(2027, 3, 28, 1, 30), utc(2027, 3, 28, 2, 30))
    # The weekly 02:30-03:30 window has no wall-clock time that day: no instance, not [t, t).
    assert all(iv.duration > timedelta(0) for iv in weekly(CASES[0]).occurrences(WIDE))


def test_sunday_0100_0400_in_berlin_follows_the_wall_clock_on_both_dst_days() -> None:
    # Issue 8 item 5: the spring night is two real hours (to 04:00 CEST, not 05:00), the autumn
    # night four (to 04:00 CET, not 03:00).
    rule = WeeklyRule("Europe/Berlin", {6}, time(1), time(4), date(2027, 3, 21))
    spring = rule.occurrences(Interval(utc(2027, 3, 27), utc(2027, 3, 29)))
    autumn = rule.occurrences(Interval(utc(2027, 10, 30), utc(2027, 11, 1)))
    assert spring == [Interval(utc(2027, 3, 28, 0), utc(2027, 3, 28, 2))]
    assert autumn == [Interval(utc(2027, 10, 30, 23), utc(2027, 10, 31, 3))]
    assert rule.duration == 3 * H


# fmt: off
ONE_TIME = [
    # One-time windows: the end is a wall-clock time, so the length is the real elapsed time.
    ("Europe/Berlin", datetime(2027, 3, 28, 1, 0), datetime(2027, 3, 28, 4, 0),
     utc(2027, 3, 28, 0, 0), 2 * H),
    ("Europe/Berlin", datetime(2027, 10, 31, 0, 0), datetime(2027, 10, 31, 4, 0),
     utc(2027, 10, 30, 22, 0), 5 * H),
    ("America/New_York", datetime(2027, 3, 14, 1, 0), datetime(2027, 3, 14, 4, 0),
     utc(2027, 3, 14, 6, 0), 2 * H),
    ("Australia/Lord_Howe", datetime(2027, 10, 3, 1, 0), datetime(2027, 10, 3, 3, 0),
     utc(2027, 10, 2, 14, 30), 90 * M),
    ("Australia/Lord_Howe", datetime(2027, 4, 4, 1, 0), datetime(2027, 4, 4, 3, 0),
     utc(2027, 4, 3, 14, 0), 150 * M),
    ("America/Santiago", datetime(2027, 9, 4, 22, 0), datetime(2027, 9, 5, 2, 0),
     utc(2027, 9, 5, 2, 0), 3 * H),
    ("America/Santiago", datetime(2027, 4, 3, 22, 0), datetime(2027, 4, 4, 2, 0),
     utc(2027, 4, 4, 1, 0), 5 * H),
    ("Pacific/Chatham", datetime(2027, 9, 26, 2, 0), datetime(2027, 9, 26, 5, 0),
     utc(2027, 9, 25, 13, 15), 2 * H),
    ("Pacific/Chatham", datetime(2027, 4, 4, 2, 0), datetime(2027, 4, 4, 5, 0),
     utc(2027, 4, 3, 12, 15), 4 * H),
]
# fmt: on


@pytest.mark.parametrize(
    ("tz", "start", "end", "utc_start", "duration"),
    ONE_TIME,
    ids=[
        "berlin-spring",
        "berlin-fall",
        "new-york-spring",
        "lord-howe-spring",
        "lord-howe-fall",
        "santiago-spring",
        "santiago-fall",
        "chatham-spring",
        "chatham-fall",
    ],
)
def test_one_time_rule_lasts_the_elapsed_time(
    tz: str, start: datetime, end: datetime, utc_start: datetime, duration: timedelta
) -> None:
    rule = OneTimeRule(tz=tz, start=start, end=end)
    assert rule.duration == duration
    assert rule.occurrences(WIDE) == [Interval(utc_start, utc_start + duration)]


def test_one_time_rule_ending_before_its_gap_shifted_start_is_refused() -> None:
    # 02:30 does not exist and means 03:30 CEST, so 03:15 is before it.
    with pytest.raises(InvalidRule) as err:
        OneTimeRule("Europe/Berlin", datetime(2027, 3, 28, 2, 30), datetime(2027, 3, 28, 3, 15))
    assert err.value.field == "end"
