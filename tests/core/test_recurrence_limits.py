"""Bounded work: an expansion costs what its window holds, never the years since DTSTART.

Work is measured by counting, never by the clock: ``MAX_INSTANCES`` is lowered so that walking
from DTSTART would raise ``LimitExceeded``, and dateutil's periods are counted where a rule must
be refused without searching to year 9999.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from dateutil import rrule as dateutil_rrule

from fluentory_bookings.core import recurrence
from fluentory_bookings.core.errors import InvalidRule, LimitExceeded
from fluentory_bookings.core.ical_lines import rule_from_ical_lines
from fluentory_bookings.core.intervals import Interval
from fluentory_bookings.core.recurrence import (
    MAX_COUNT,
    MAX_INSTANCES,
    MAX_INTERVAL,
    OneTimeRule,
    RRuleRule,
    WeeklyRule,
)

BERLIN = "Europe/Berlin"
BERLIN_ZONE = ZoneInfo(BERLIN)
H = timedelta(hours=1)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def month_of(year: int, month: int) -> Interval:
    end = utc(year + 1, 1, 1) if month == 12 else utc(year, month + 1, 1)
    return Interval(utc(year, month, 1), end)


@pytest.fixture
def few_steps(monkeypatch: pytest.MonkeyPatch) -> int:
    """Allow 60 steps per call: far less than the instances between DTSTART and the window."""
    monkeypatch.setattr(recurrence, "MAX_INSTANCES", 60)
    return 60


@pytest.fixture
def periods(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count dateutil's period rebuilds (one per month or year it visits), failing past 200."""
    calls = [0]
    original = dateutil_rrule._iterinfo.rebuild

    def counting(self: object, year: int, month: int) -> None:
        calls[0] += 1
        if calls[0] > 200:
            raise AssertionError(f"dateutil visited more than 200 periods (now {year}-{month})")
        original(self, year, month)

    monkeypatch.setattr(dateutil_rrule._iterinfo, "rebuild", counting)
    return calls


# --- far-future windows on every accepted FREQ --------------------------------------------------


@pytest.mark.parametrize(
    ("rrule", "dtstart", "window", "expected"),
    [
        # 2 Jan 2027 + k days: every day of June 2500 (in CEST, 09:00 is 07:00 UTC).
        ("FREQ=DAILY", datetime(2027, 1, 2, 9), month_of(2500, 6), 30),
        ("FREQ=DAILY;INTERVAL=3", datetime(2027, 1, 2, 9), month_of(2500, 6), 10),
        ("FREQ=WEEKLY;BYDAY=MO,TH", datetime(2027, 1, 4, 9), month_of(2500, 6), None),
        ("FREQ=MONTHLY;BYMONTHDAY=15", datetime(2027, 1, 15, 9), month_of(2500, 6), 1),
        ("FREQ=MONTHLY", datetime(2027, 1, 31, 9), month_of(2500, 5), 1),
        ("FREQ=MONTHLY", datetime(2027, 1, 31, 9), month_of(2500, 6), 0),  # no 31 June
        ("FREQ=MONTHLY;BYDAY=-1FR", datetime(2027, 1, 29, 9), month_of(2500, 6), 1),
        ("FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1", datetime(2027, 1, 29, 9),
         month_of(2500, 6), 1),
        ("FREQ=YEARLY", datetime(2027, 6, 9, 9), month_of(2500, 6), 1),
        ("FREQ=YEARLY;INTERVAL=2", datetime(2027, 6, 9, 9), month_of(2501, 6), 1),
        ("FREQ=YEARLY;INTERVAL=2", datetime(2027, 6, 9, 9), month_of(2500, 6), 0),
        ("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29", datetime(2028, 2, 29, 9), month_of(2504, 2), 1),
        ("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29", datetime(2028, 2, 29, 9), month_of(2500, 2), 0),
    ],
)  # fmt: skip
def test_a_far_future_window_costs_what_it_holds(
    few_steps: int, rrule: str, dtstart: datetime, window: Interval, expected: int | None
) -> None:
    rule = RRuleRule(BERLIN, dtstart, H, rrule)
    found = rule.occurrences(window)
    oracle = [
        dt.astimezone(UTC)
        for dt in dateutil_rrule.rrulestr(
            rrule, dtstart=dtstart.replace(tzinfo=BERLIN_ZONE)
        ).between(window.start - timedelta(days=2), window.end)
    ]
    assert [iv.start for iv in found] == [s for s in oracle if window.start <= s < window.end]
    if expected is not None:
        assert len(found) == expected
    assert all(iv.start.astimezone(BERLIN_ZONE).time() == dtstart.time() for iv in found)


def test_a_far_future_window_of_a_weekly_rule_costs_what_it_holds(few_steps: int) -> None:
    rule = WeeklyRule(BERLIN, {0, 3}, time(9), time(12), date(2027, 1, 4))
    found = rule.occurrences(month_of(2500, 6))
    assert len(found) == sum(date(2500, 6, d).weekday() in (0, 3) for d in range(1, 31))
    assert {iv.start.weekday() for iv in found} == {0, 3}
    assert all(iv.duration == 3 * H for iv in found)


def test_a_rule_with_count_walks_at_most_count_instances() -> None:
    rule = RRuleRule(BERLIN, datetime(2027, 1, 1, 9), H, f"FREQ=DAILY;COUNT={MAX_COUNT}")
    assert rule.occurrences(month_of(2500, 6)) == []
    last_day = date(2027, 1, 1) + timedelta(days=MAX_COUNT - 1)
    (last,) = rule.occurrences(Interval(utc(*last_day.timetuple()[:3]), utc(2040, 1, 1)))
    assert last.start.astimezone(BERLIN_ZONE).date() == last_day


@pytest.mark.parametrize("count", [MAX_COUNT + 1, 10**9])
def test_count_is_bounded(count: int) -> None:
    with pytest.raises(InvalidRule) as info:
        RRuleRule(BERLIN, datetime(2027, 1, 1, 9), H, f"FREQ=DAILY;COUNT={count}")
    assert info.value.field == "rrule"


def test_interval_is_bounded() -> None:
    RRuleRule(BERLIN, datetime(2027, 1, 1, 9), H, f"FREQ=DAILY;INTERVAL={MAX_INTERVAL}")
    with pytest.raises(InvalidRule) as info:
        RRuleRule(BERLIN, datetime(2027, 1, 1, 9), H, f"FREQ=DAILY;INTERVAL={MAX_INTERVAL + 1}")
    assert info.value.field == "rrule"


@pytest.mark.parametrize("freq", ["SECONDLY", "MINUTELY", "HOURLY"])
def test_sub_daily_frequencies_are_refused(freq: str) -> None:
    with pytest.raises(InvalidRule) as info:
        RRuleRule(BERLIN, datetime(2027, 1, 1, 9), H, f"FREQ={freq}")
    assert info.value.field == "rrule"
    assert freq in info.value.message
    lines = ["DTSTART;TZID=Europe/Berlin:20270101T090000", "DURATION:PT1H", f"RRULE:FREQ={freq}"]
    with pytest.raises(InvalidRule):
        rule_from_ical_lines(lines)


def test_a_window_holding_too_many_instances_is_a_limit_not_a_long_wait() -> None:
    rule = RRuleRule(BERLIN, datetime(2027, 1, 1, 9), H, "FREQ=DAILY")
    everything = Interval(utc(2027, 1, 1), utc(2027, 1, 1) + timedelta(days=MAX_INSTANCES + 10))
    with pytest.raises(LimitExceeded) as info:
        rule.occurrences(everything)
    assert info.value.field == "window"
    assert info.value.limit == MAX_INSTANCES
    weekly = WeeklyRule(BERLIN, set(range(7)), time(9), time(10), date(2027, 1, 1))
    with pytest.raises(LimitExceeded):
        weekly.occurrences(everything)
    # A one-time rule has one instance, whatever the window.
    one = OneTimeRule(BERLIN, datetime(2027, 1, 1, 9), datetime(2027, 1, 1, 10))
    assert len(one.occurrences(everything)) == 1


# --- rules that can never occur are refused at once --------------------------------------------


@pytest.mark.parametrize(
    ("rrule", "dtstart"),
    [
        ("FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30", datetime(2027, 1, 5, 9)),
        ("FREQ=MONTHLY;BYMONTH=2;BYMONTHDAY=30,31", datetime(2027, 1, 5, 9)),
        ("FREQ=YEARLY;BYMONTH=4;BYMONTHDAY=31", datetime(2027, 1, 5, 9)),
        ("FREQ=YEARLY;BYMONTH=4,6,9,11;BYMONTHDAY=-31", datetime(2027, 1, 5, 9)),
        ("FREQ=DAILY;UNTIL=20270101T000000Z", datetime(2027, 1, 5, 9)),
        ("FREQ=WEEKLY;UNTIL=20270104", datetime(2027, 1, 5, 9)),
    ],
)
def test_a_rule_without_any_instance_is_refused_without_searching(
    periods: list[int], rrule: str, dtstart: datetime
) -> None:
    with pytest.raises(InvalidRule) as info:
        RRuleRule(BERLIN, dtstart, H, rrule)
    assert "no instance" in info.value.message
    assert info.value.field == "rrule"


@pytest.mark.parametrize(
    ("rrule", "dtstart"),
    [
        # Satisfiable, but not at DTSTART: these would send dateutil far before it found one.
        ("FREQ=MONTHLY;BYMONTH=2;BYMONTHDAY=29", datetime(2027, 1, 5, 9)),
        ("FREQ=YEARLY;INTERVAL=4;BYMONTH=2;BYMONTHDAY=29", datetime(2025, 2, 28, 9)),
        ("FREQ=MONTHLY;BYDAY=5MO", datetime(2027, 1, 4, 9)),
        ("FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1", datetime(2027, 1, 28, 9)),
        ("FREQ=DAILY;BYMONTH=2;BYMONTHDAY=29;BYDAY=MO", datetime(2027, 1, 4, 9)),
    ],
)
def test_an_unsynchronised_dtstart_is_refused_without_searching(
    periods: list[int], rrule: str, dtstart: datetime
) -> None:
    with pytest.raises(InvalidRule) as info:
        RRuleRule(BERLIN, dtstart, H, rrule)
    assert info.value.field == "dtstart"


@pytest.mark.parametrize(
    ("rrule", "dtstart"),
    [
        ("FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1", datetime(2027, 1, 29, 9)),
        ("FREQ=WEEKLY;BYDAY=SU,MO;WKST=SU", datetime(2027, 1, 3, 9)),
        ("FREQ=DAILY;BYMONTH=2;BYMONTHDAY=-1", datetime(2027, 2, 28, 9)),
        ("FREQ=MONTHLY;BYDAY=5MO", datetime(2027, 3, 29, 9)),
        ("FREQ=YEARLY;BYDAY=20MO", datetime(2027, 5, 17, 9)),
    ],
)
def test_a_synchronised_dtstart_is_accepted_and_first(
    periods: list[int], rrule: str, dtstart: datetime
) -> None:
    rule = RRuleRule(BERLIN, dtstart, H, rrule)
    (first, *_) = rule.occurrences(Interval(utc(2026, 12, 1), utc(2027, 12, 1)))
    assert first.start.astimezone(BERLIN_ZONE).replace(tzinfo=None) == dtstart


@pytest.mark.parametrize(
    "part",
    ["BYHOUR=9", "BYMINUTE=0", "BYSECOND=0", "BYYEARDAY=1", "BYWEEKNO=1", "BYEASTER=0", "X-Y=1"],
)
def test_parts_availability_does_not_need_are_refused(part: str) -> None:
    with pytest.raises(InvalidRule) as info:
        RRuleRule(BERLIN, datetime(2027, 1, 4, 9), H, f"FREQ=YEARLY;{part}")
    assert info.value.field == "rrule"


@pytest.mark.parametrize(
    "rrule",
    [
        "FREQ=DAILY;COUNT=\u00b2",  # superscript two: isdigit() but not int()
        "FREQ=DAILY;INTERVAL=\u2460",  # circled one
        "FREQ=DAILY;COUNT=\u0663",  # Arabic-Indic three: int() reads it
        "FREQ=MONTHLY;BYMONTHDAY=\u0664",
        "FREQ=WEEKLY;BYDAY=MO;BYSETPOS=\u0661",
    ],
)
def test_only_ascii_digits_reach_an_rrule(rrule: str) -> None:
    with pytest.raises(InvalidRule) as info:
        RRuleRule(BERLIN, datetime(2027, 1, 4, 9), H, rrule)
    assert info.value.field == "rrule"


@pytest.mark.parametrize(
    "rrule",
    [
        "FREQ=DAILY;BYDAY=1MO",  # positions only with MONTHLY or YEARLY
        "FREQ=MONTHLY;BYDAY=6MO",
        "FREQ=WEEKLY;BYMONTHDAY=1",
        "FREQ=MONTHLY;BYMONTHDAY=0",
        "FREQ=MONTHLY;BYMONTHDAY=32",
        "FREQ=YEARLY;BYMONTH=13",
        "FREQ=DAILY;BYSETPOS=1",
        "FREQ=WEEKLY;BYDAY=MO,WE;BYSETPOS=2",  # dateutil cuts DTSTART's week short
        "FREQ=WEEKLY;WKST=XX",
    ],
)
def test_out_of_range_by_values_are_refused(rrule: str) -> None:
    with pytest.raises(InvalidRule) as info:
        RRuleRule(BERLIN, datetime(2027, 1, 4, 9), H, rrule)
    assert info.value.field == "rrule"


# --- values near the limits of datetime ---------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "field"),
    [
        (lambda: OneTimeRule("America/New_York", datetime(1, 1, 1), datetime(1, 1, 2)), "start"),
        (
            lambda: OneTimeRule("Asia/Tokyo", datetime(9999, 12, 30), datetime(9999, 12, 31, 23)),
            "start",
        ),
        (lambda: WeeklyRule(BERLIN, {0}, time(9), time(10), date(1, 1, 1)), "valid_from"),
        (
            lambda: WeeklyRule(
                BERLIN, {0}, time(9), time(10), date(2027, 1, 4), date(9999, 12, 31)
            ),
            "valid_until",
        ),
        (
            lambda: RRuleRule(BERLIN, datetime(9999, 12, 27, 9), H, "FREQ=DAILY"),
            "dtstart",
        ),
        (
            lambda: RRuleRule(BERLIN, datetime(2027, 1, 4, 9), timedelta(days=10**6), "FREQ=DAILY"),
            "duration",
        ),
        (
            lambda: RRuleRule(BERLIN, datetime(2027, 1, 4, 9), H, "FREQ=DAILY;UNTIL=99991231"),
            "rrule",
        ),
    ],
)
def test_values_near_the_datetime_limits_are_typed_errors(make, field: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidRule) as info:
        make()
    assert info.value.field == field


# --- fold=1 is refused, never dropped -----------------------------------------------------------


def test_fold_1_is_refused_by_every_rule() -> None:
    second_pass = datetime(2027, 10, 31, 2, 30, fold=1)
    with pytest.raises(InvalidRule) as info:
        OneTimeRule(BERLIN, second_pass, datetime(2027, 10, 31, 4))
    assert info.value.field == "start"
    with pytest.raises(InvalidRule) as info:
        RRuleRule(BERLIN, datetime(2027, 10, 30, 2, 30), H, "FREQ=DAILY", exdates={second_pass})
    assert info.value.field == "exdates"
    with pytest.raises(InvalidRule) as info:
        WeeklyRule(BERLIN, {6}, time(2, 30, fold=1), time(4), date(2027, 10, 3))
    assert info.value.field == "start_time"
