"""Unit tests for availability rules: expansion, validation, export and reading back."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from fluentory_bookings.core.errors import BookingError, InvalidRule, InvalidTimezone
from fluentory_bookings.core.ical_lines import rule_from_ical_lines
from fluentory_bookings.core.intervals import Interval
from fluentory_bookings.core.recurrence import (
    AvailabilityRule,
    OneTimeRule,
    RRuleRule,
    WeeklyRule,
    expand,
)

BERLIN = "Europe/Berlin"
H = timedelta(hours=1)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def window(start: date, end: date) -> Interval:
    return Interval(utc(start.year, start.month, start.day), utc(end.year, end.month, end.day))


JUNE = window(date(2027, 6, 1), date(2027, 7, 1))


def mon_wed(**changes: object) -> WeeklyRule:
    fields: dict[str, object] = {
        "tz": BERLIN,
        "weekdays": frozenset({0, 2}),
        "start_time": time(9, 0),
        "end_time": time(12, 0),
        "valid_from": date(2027, 6, 1),
        "valid_until": date(2027, 6, 30),
    }
    fields.update(changes)
    return WeeklyRule(**fields)  # type: ignore[arg-type]


# --- WeeklyRule ------------------------------------------------------------------------------


def test_weekly_rule_expands_to_utc_instances_on_its_weekdays() -> None:
    found = mon_wed().occurrences(JUNE)
    # June 2027: Wednesdays 2, 9, 16, 23, 30 and Mondays 7, 14, 21, 28; CEST is UTC+2.
    assert [iv.start.day for iv in found] == [2, 7, 9, 14, 16, 21, 23, 28, 30]
    assert found[0] == Interval(utc(2027, 6, 2, 7), utc(2027, 6, 2, 10))
    assert all(iv.start.tzinfo is UTC and iv.duration == 3 * H for iv in found)


def test_weekly_rule_returns_only_instances_overlapping_the_window() -> None:
    rule = mon_wed()
    # 10:00-11:00 UTC on 7 June overlaps the 07:00-10:00 UTC instance? No: it touches its end.
    assert rule.occurrences(Interval(utc(2027, 6, 7, 10), utc(2027, 6, 7, 11))) == []
    assert rule.occurrences(Interval(utc(2027, 6, 7, 9, 59), utc(2027, 6, 7, 11))) == [
        Interval(utc(2027, 6, 7, 7), utc(2027, 6, 7, 10))
    ]
    # An instance that began before the window still overlaps it.
    assert len(rule.occurrences(Interval(utc(2027, 6, 7, 8), utc(2027, 6, 7, 9)))) == 1


def test_weekly_rule_valid_until_is_inclusive_and_valid_from_too() -> None:
    rule = mon_wed(valid_from=date(2027, 6, 7), valid_until=date(2027, 6, 14))
    assert [iv.start.day for iv in rule.occurrences(JUNE)] == [7, 9, 14]


def test_weekly_rule_open_ended_runs_on() -> None:
    rule = mon_wed(valid_until=None)
    later = window(date(2031, 1, 1), date(2031, 1, 8))
    # 1 Jan 2031 is a Wednesday, 6 Jan a Monday; CET is UTC+1.
    assert [iv.start for iv in rule.occurrences(later)] == [utc(2031, 1, 1, 8), utc(2031, 1, 6, 8)]


def test_weekly_rule_window_before_validity_is_empty() -> None:
    assert mon_wed().occurrences(window(date(2027, 1, 1), date(2027, 5, 1))) == []


def test_weekly_rule_past_midnight_lasts_into_the_next_day() -> None:
    rule = mon_wed(start_time=time(22, 0), end_time=time(1, 30))
    assert rule.duration == timedelta(hours=3, minutes=30)
    first = rule.occurrences(JUNE)[0]
    assert first == Interval(utc(2027, 6, 2, 20), utc(2027, 6, 2, 23, 30))


def test_weekly_rule_duration_is_the_plain_day_wall_clock_length() -> None:
    assert mon_wed(start_time=time(9, 15, 30), end_time=time(9, 45)).duration == timedelta(
        minutes=29, seconds=30
    )
    assert mon_wed(start_time=time(0), end_time=time(23, 59)).duration == timedelta(
        hours=23, minutes=59
    )


def test_weekly_rule_exdates_remove_and_rdates_add() -> None:
    rule = mon_wed(exdates={date(2027, 6, 9)}, rdates={date(2027, 6, 11), date(2027, 6, 14)})
    # 9 June removed; Friday 11 June added; 14 June is a Monday already (no duplicate).
    assert [iv.start.day for iv in rule.occurrences(JUNE)] == [2, 7, 11, 14, 16, 21, 23, 28, 30]


def test_weekly_rule_exdate_wins_over_rdate() -> None:
    rule = mon_wed(exdates={date(2027, 6, 11)}, rdates={date(2027, 6, 11)})
    assert 11 not in [iv.start.day for iv in rule.occurrences(JUNE)]


def test_weekly_rule_rdates_before_the_first_weekday_are_kept() -> None:
    rule = mon_wed(valid_from=date(2027, 6, 3), rdates={date(2027, 6, 4)})
    assert [iv.start.day for iv in rule.occurrences(JUNE)][:2] == [4, 7]


def test_weekly_rule_accepts_any_iterable_and_normalises_it() -> None:
    a = mon_wed(weekdays=[2, 0, 0], exdates=[date(2027, 6, 9)])
    b = mon_wed(weekdays=frozenset({0, 2}), exdates=frozenset({date(2027, 6, 9)}))
    assert a == b
    assert hash(a) == hash(b)
    assert isinstance(a.weekdays, frozenset)
    assert isinstance(a.exdates, frozenset)


def test_weekly_rule_is_immutable() -> None:
    rule = mon_wed()
    with pytest.raises(AttributeError):
        rule.tz = "UTC"  # type: ignore[misc]


def test_rules_satisfy_the_protocol() -> None:
    rules: list[AvailabilityRule] = [
        mon_wed(),
        OneTimeRule(BERLIN, datetime(2027, 6, 5, 10), datetime(2027, 6, 5, 12)),
        RRuleRule(BERLIN, datetime(2027, 6, 1, 9), H, "FREQ=DAILY;COUNT=2"),
    ]
    assert all(isinstance(r, AvailabilityRule) for r in rules)


def test_window_in_another_zone_still_gives_utc() -> None:
    tokyo = ZoneInfo("Asia/Tokyo")
    win = Interval(datetime(2027, 6, 2, 0, tzinfo=tokyo), datetime(2027, 6, 3, 0, tzinfo=tokyo))
    (found,) = mon_wed().occurrences(win)
    assert found.start == utc(2027, 6, 2, 7)
    assert found.start.tzinfo is UTC


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"weekdays": frozenset()}, "weekdays"),
        ({"weekdays": [7]}, "weekdays"),
        ({"weekdays": [-1]}, "weekdays"),
        ({"weekdays": [True]}, "weekdays"),
        ({"weekdays": ["1"]}, "weekdays"),
        ({"weekdays": 3}, "weekdays"),
        ({"weekdays": "01"}, "weekdays"),
        ({"end_time": time(9, 0)}, "end_time"),
        ({"start_time": "09:00"}, "start_time"),
        ({"start_time": time(9, tzinfo=UTC)}, "start_time"),
        ({"start_time": time(9, 0, 0, 500)}, "start_time"),
        ({"end_time": None}, "end_time"),
        ({"valid_until": date(2027, 5, 31)}, "valid_until"),
        ({"valid_from": datetime(2027, 6, 1)}, "valid_from"),
        ({"valid_from": "2027-06-01"}, "valid_from"),
        ({"valid_until": datetime(2027, 6, 30)}, "valid_until"),
        ({"exdates": [datetime(2027, 6, 9, 9)]}, "exdates"),
        ({"exdates": [[1]]}, "exdates"),
        ({"rdates": ["2027-06-11"]}, "rdates"),
        ({"rdates": [date(2027, 7, 1)]}, "rdates"),
        ({"rdates": [date(2027, 5, 31)]}, "rdates"),
        # Tuesday to Thursday holds no Friday: a rule that can never occur is a mistake.
        (
            {"weekdays": [4], "valid_from": date(2027, 6, 1), "valid_until": date(2027, 6, 3)},
            "weekdays",
        ),
        (
            {
                "weekdays": [0],
                "valid_from": date(2027, 6, 7),
                "valid_until": date(2027, 6, 7),
                "exdates": [date(2027, 6, 7)],
            },
            "exdates",
        ),
    ],
)
def test_weekly_rule_refuses_bad_input(changes: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidRule) as err:
        mon_wed(**changes)
    assert err.value.field == field
    assert err.value.code == "invalid_rule"
    assert isinstance(err.value, BookingError)


@pytest.mark.parametrize("tz", ["Mars/Olympus_Mons", "", " Europe/Berlin", "berlin", None, 1])
def test_every_rule_refuses_an_unknown_zone_without_falling_back_to_utc(tz: object) -> None:
    with pytest.raises(InvalidTimezone):
        mon_wed(tz=tz)
    with pytest.raises(InvalidTimezone):
        OneTimeRule(tz, datetime(2027, 6, 5, 10), datetime(2027, 6, 5, 12))  # type: ignore[arg-type]
    with pytest.raises(InvalidTimezone):
        RRuleRule(tz, datetime(2027, 6, 1, 9), H, "FREQ=DAILY")  # type: ignore[arg-type]


def test_a_zoneinfo_with_an_iana_key_is_stored_as_its_name() -> None:
    rule = mon_wed(tz=ZoneInfo(BERLIN))
    assert rule.tz == BERLIN
    assert rule == mon_wed()
    assert hash(rule) == hash(mon_wed())


# --- OneTimeRule -----------------------------------------------------------------------------


def test_one_time_rule_gives_one_instance() -> None:
    rule = OneTimeRule(BERLIN, datetime(2027, 6, 5, 10), datetime(2027, 6, 5, 12, 30))
    assert rule.duration == timedelta(hours=2, minutes=30)
    assert rule.occurrences(JUNE) == [Interval(utc(2027, 6, 5, 8), utc(2027, 6, 5, 10, 30))]
    assert rule.occurrences(window(date(2027, 7, 1), date(2027, 8, 1))) == []
    # Touching the window's start is not overlapping it.
    assert rule.occurrences(Interval(utc(2027, 6, 5, 10, 30), utc(2027, 6, 6))) == []


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        (datetime(2027, 6, 5, 10), datetime(2027, 6, 5, 10), "end"),
        (datetime(2027, 6, 5, 10), datetime(2027, 6, 5, 9), "end"),
        (datetime(2027, 6, 5, 10, tzinfo=UTC), datetime(2027, 6, 5, 12), "start"),
        (datetime(2027, 6, 5, 10), datetime(2027, 6, 5, 12, tzinfo=UTC), "end"),
        (date(2027, 6, 5), datetime(2027, 6, 5, 12), "start"),
        (datetime(2027, 6, 5, 10, 0, 0, 1), datetime(2027, 6, 5, 12), "start"),
        ("2027-06-05T10:00", datetime(2027, 6, 5, 12), "start"),
    ],
)
def test_one_time_rule_refuses_bad_input(start: object, end: object, field: str) -> None:
    with pytest.raises(InvalidRule) as err:
        OneTimeRule(BERLIN, start, end)  # type: ignore[arg-type]
    assert err.value.field == field


# --- RRuleRule -------------------------------------------------------------------------------


def test_rrule_rule_with_count() -> None:
    rule = RRuleRule(BERLIN, datetime(2027, 6, 2, 9), H, "FREQ=WEEKLY;BYDAY=WE,FR;COUNT=3")
    assert [iv.start for iv in rule.occurrences(JUNE)] == [
        utc(2027, 6, 2, 7),
        utc(2027, 6, 4, 7),
        utc(2027, 6, 9, 7),
    ]
    assert all(iv.duration == H for iv in rule.occurrences(JUNE))


@pytest.mark.parametrize(
    "until",
    [
        "20270609T070000Z",  # UTC, as RFC 5545 requires with a zoned DTSTART
        "20270609T090000",  # local wall clock
        "20270609",  # local date, inclusive
    ],
)
def test_rrule_rule_until_forms_agree(until: str) -> None:
    rule = RRuleRule(BERLIN, datetime(2027, 6, 2, 9), H, f"FREQ=WEEKLY;BYDAY=WE,FR;UNTIL={until}")
    assert [iv.start.day for iv in rule.occurrences(JUNE)] == [2, 4, 9]


def test_rrule_rule_exdates_and_rdates() -> None:
    rule = RRuleRule(
        BERLIN,
        datetime(2027, 6, 1, 9),
        H,
        "FREQ=DAILY;COUNT=3",
        exdates=[datetime(2027, 6, 2, 9)],
        rdates=[datetime(2027, 6, 10, 14)],
    )
    assert [iv.start for iv in rule.occurrences(JUNE)] == [
        utc(2027, 6, 1, 7),
        utc(2027, 6, 3, 7),
        utc(2027, 6, 10, 12),
    ]


def test_rrule_rule_exdate_matches_by_instant_in_a_gap() -> None:
    # 02:00 does not exist on 28 March 2027 in Berlin: it is 03:00 CEST, which the exdate names.
    rule = RRuleRule(
        BERLIN,
        datetime(2027, 3, 27, 2),
        H,
        "FREQ=DAILY;COUNT=3",
        exdates=[datetime(2027, 3, 28, 3)],
    )
    assert [iv.start for iv in rule.occurrences(window(date(2027, 3, 1), date(2027, 4, 1)))] == [
        utc(2027, 3, 27, 1),
        utc(2027, 3, 29, 0),
    ]


def test_rrule_rule_instances_on_one_instant_come_back_once() -> None:
    # 02:00 and 03:00 on the spring-forward day are both 01:00 UTC.
    rule = RRuleRule(
        BERLIN,
        datetime(2027, 3, 28, 3),
        H,
        "FREQ=DAILY;COUNT=1",
        rdates={datetime(2027, 3, 28, 2)},
    )
    assert rule.occurrences(window(date(2027, 3, 27), date(2027, 3, 30))) == [
        Interval(utc(2027, 3, 28, 1), utc(2027, 3, 28, 2))
    ]


def test_rrule_rule_skips_history_quickly_and_correctly() -> None:
    rule = RRuleRule(BERLIN, datetime(2000, 1, 3, 9), H, "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO")
    found = rule.occurrences(JUNE)
    # 3 Jan 2000 + 2-week steps: 7 June 2027 is 1431 weeks later (odd), so 14 and 28 June.
    assert [iv.start for iv in found] == [utc(2027, 6, 14, 7), utc(2027, 6, 28, 7)]


def test_rrule_rule_monthly_and_yearly_rules_expand() -> None:
    monthly = RRuleRule(BERLIN, datetime(2027, 1, 31, 18), H, "FREQ=MONTHLY;BYMONTHDAY=-1")
    assert [
        iv.start.date() for iv in monthly.occurrences(window(date(2027, 2, 1), date(2027, 5, 1)))
    ] == [
        date(2027, 2, 28),
        date(2027, 3, 31),
        date(2027, 4, 30),
    ]


def test_rrule_rule_duration_may_exceed_a_day() -> None:
    rule = RRuleRule(BERLIN, datetime(2027, 6, 1, 9), timedelta(hours=30), "FREQ=WEEKLY;COUNT=2")
    assert rule.to_ical_lines()[1] == "DURATION:PT30H"
    assert all(iv.duration == timedelta(hours=30) for iv in rule.occurrences(JUNE))


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"rrule": "RRULE:FREQ=DAILY"}, "rrule"),
        ({"rrule": "FREQ=DAILY\nRRULE:FREQ=WEEKLY"}, "rrule"),
        ({"rrule": ""}, "rrule"),
        ({"rrule": "BYDAY=MO"}, "rrule"),
        ({"rrule": "FREQ=SOMETIMES"}, "rrule"),
        ({"rrule": "FREQ=WEEKLY;BYDAY=XX"}, "rrule"),
        ({"rrule": "FREQ=WEEKLY;FOO=1"}, "rrule"),
        ({"rrule": "FREQ=WEEKLY;;COUNT=2"}, "rrule"),
        ({"rrule": "FREQ=WEEKLY;COUNT=2;COUNT=3"}, "rrule"),
        ({"rrule": "FREQ=DAILY;COUNT=2;UNTIL=20270610T000000Z"}, "rrule"),
        ({"rrule": "FREQ=DAILY;UNTIL=tomorrow"}, "rrule"),
        ({"rrule": "FREQ=DAILY;INTERVAL=0"}, "rrule"),
        ({"rrule": "FREQ=DAILY;INTERVAL=-1"}, "rrule"),
        ({"rrule": "FREQ=DAILY;COUNT=0"}, "rrule"),
        ({"rrule": "FREQ=DAILY;UNTIL=20271340"}, "rrule"),
        ({"rrule": 42}, "rrule"),
        # Tuesday 1 June is not a Monday: an unsynchronised DTSTART is undefined in RFC 5545.
        ({"rrule": "FREQ=WEEKLY;BYDAY=MO"}, "dtstart"),
        ({"rrule": "FREQ=DAILY;UNTIL=20270101T000000Z"}, "rrule"),  # no instance at all
        ({"dtstart": datetime(2027, 6, 1, 9, tzinfo=UTC)}, "dtstart"),
        ({"dtstart": date(2027, 6, 1)}, "dtstart"),
        ({"duration": timedelta(0)}, "duration"),
        ({"duration": -H}, "duration"),
        ({"duration": timedelta(minutes=1, microseconds=1)}, "duration"),
        ({"duration": 3600}, "duration"),
        ({"exdates": [date(2027, 6, 2)]}, "exdates"),
        ({"rdates": [datetime(2027, 6, 2, tzinfo=UTC)]}, "rdates"),
        ({"rdates": "20270602T090000"}, "rdates"),
    ],
)
def test_rrule_rule_refuses_bad_input(kwargs: dict[str, object], field: str) -> None:
    fields: dict[str, object] = {
        "tz": BERLIN,
        "dtstart": datetime(2027, 6, 1, 9),
        "duration": H,
        "rrule": "FREQ=DAILY",
    }
    fields.update(kwargs)
    with pytest.raises(InvalidRule) as err:
        RRuleRule(**fields)  # type: ignore[arg-type]
    assert err.value.field == field


# --- expand ----------------------------------------------------------------------------------


def test_expand_merges_every_rule_sorted_and_keeps_overlaps_apart() -> None:
    weekly = mon_wed(valid_until=date(2027, 6, 7))
    extra = OneTimeRule(BERLIN, datetime(2027, 6, 2, 10), datetime(2027, 6, 2, 13))
    found = expand([weekly, extra], JUNE)
    assert found == [
        Interval(utc(2027, 6, 2, 7), utc(2027, 6, 2, 10)),
        Interval(utc(2027, 6, 2, 8), utc(2027, 6, 2, 11)),
        Interval(utc(2027, 6, 7, 7), utc(2027, 6, 7, 10)),
    ]
    assert expand([], JUNE) == []


# --- export ----------------------------------------------------------------------------------


def test_weekly_export_is_synchronised_and_until_is_utc() -> None:
    # 1 June 2027 is a Tuesday, so the first instance (DTSTART) is Wednesday 2 June.
    assert mon_wed(exdates={date(2027, 6, 9)}, rdates={date(2027, 6, 11)}).to_ical_lines() == [
        "DTSTART;TZID=Europe/Berlin:20270602T090000",
        "DURATION:PT3H",
        "RRULE:FREQ=WEEKLY;BYDAY=MO,WE;UNTIL=20270630T070000Z",
        "EXDATE;TZID=Europe/Berlin:20270609T090000",
        "RDATE;TZID=Europe/Berlin:20270611T090000",
    ]


def test_weekly_export_open_ended_has_no_until() -> None:
    assert mon_wed(valid_until=None).to_ical_lines()[2] == "RRULE:FREQ=WEEKLY;BYDAY=MO,WE"


def test_weekly_export_starts_after_an_excluded_first_instance() -> None:
    lines = mon_wed(exdates={date(2027, 6, 2), date(2027, 5, 1)}).to_ical_lines()
    assert lines[0] == "DTSTART;TZID=Europe/Berlin:20270607T090000"
    assert not [line for line in lines if line.startswith("EXDATE")]


def test_weekly_export_of_rdates_only_has_no_rrule() -> None:
    rule = mon_wed(
        weekdays=[0],
        valid_from=date(2027, 6, 1),
        valid_until=date(2027, 6, 6),
        rdates={date(2027, 6, 5), date(2027, 6, 3)},
    )
    assert rule.to_ical_lines() == [
        "DTSTART;TZID=Europe/Berlin:20270603T090000",
        "DURATION:PT3H",
        "RDATE;TZID=Europe/Berlin:20270605T090000",
    ]


def test_one_time_export() -> None:
    rule = OneTimeRule(BERLIN, datetime(2027, 6, 5, 10), datetime(2027, 6, 5, 11, 30))
    assert rule.to_ical_lines() == [
        "DTSTART;TZID=Europe/Berlin:20270605T100000",
        "DURATION:PT1H30M",
    ]


def test_rrule_export_is_canonical() -> None:
    rule = RRuleRule(
        BERLIN,
        datetime(2027, 6, 2, 9),
        timedelta(minutes=45),
        "byday=we;until=20270630;freq=weekly",
        exdates={datetime(2027, 6, 16, 9), datetime(2027, 6, 9, 9)},
    )
    assert rule.to_ical_lines() == [
        "DTSTART;TZID=Europe/Berlin:20270602T090000",
        "DURATION:PT45M",
        "RRULE:FREQ=WEEKLY;BYDAY=WE;UNTIL=20270630T215959Z",
        "EXDATE;TZID=Europe/Berlin:20270609T090000",
        "EXDATE;TZID=Europe/Berlin:20270616T090000",
    ]


@pytest.mark.parametrize(
    ("duration", "text"),
    [
        (timedelta(seconds=30), "PT30S"),
        (timedelta(minutes=45), "PT45M"),
        (timedelta(hours=1), "PT1H"),
        (timedelta(hours=1, seconds=5), "PT1H0M5S"),
        (timedelta(hours=1, minutes=2, seconds=3), "PT1H2M3S"),
        # Never "P1D": in RFC 5545 a day is nominal (23 or 25 hours across a DST change).
        (timedelta(days=1), "PT24H"),
        (timedelta(days=2, hours=2), "PT50H"),
    ],
)
def test_durations_are_exported_as_exact_hours_minutes_seconds(
    duration: timedelta, text: str
) -> None:
    rule = RRuleRule(BERLIN, datetime(2027, 6, 1, 9), duration, "FREQ=DAILY")
    assert rule.to_ical_lines()[1] == f"DURATION:{text}"
    assert rule_from_ical_lines(rule.to_ical_lines()).duration == duration


# --- reading lines back ----------------------------------------------------------------------


def test_round_trip_of_each_rule_kind() -> None:
    rules: list[OneTimeRule | WeeklyRule | RRuleRule] = [
        OneTimeRule(BERLIN, datetime(2027, 3, 28, 1), datetime(2027, 3, 28, 4)),
        mon_wed(exdates={date(2027, 6, 9)}, rdates={date(2027, 6, 11)}),
        RRuleRule(BERLIN, datetime(2027, 6, 1, 9), H, "FREQ=DAILY;COUNT=5"),
    ]
    wide = window(date(2027, 1, 1), date(2028, 1, 1))
    for rule in rules:
        again = rule_from_ical_lines(rule.to_ical_lines())
        assert again.occurrences(wide) == rule.occurrences(wide)
    one_time = rule_from_ical_lines(rules[0].to_ical_lines())
    assert one_time == rules[0]


def test_reading_dtend_utc_and_other_zones() -> None:
    rule = rule_from_ical_lines(
        [
            "BEGIN:VEVENT",
            "UID:abc",
            "DTSTART:20270601T070000Z",
            "DTEND;TZID=Europe/Berlin:20270601T100000",
            "RRULE:FREQ=DAILY;COUNT=2",
            "EXDATE;TZID=America/New_York:20270602T030000",
            "END:VEVENT",
        ]
    )
    assert isinstance(rule, RRuleRule)
    assert rule.tz == "UTC"
    assert rule.duration == H
    # 03:00 New York (EDT) is 07:00 UTC on 2 June: the second instance is removed.
    assert [iv.start for iv in rule.occurrences(JUNE)] == [utc(2027, 6, 1, 7)]


def test_reading_an_end_in_the_second_pass_of_a_fold_keeps_the_exact_duration() -> None:
    # 00:00 + 3 h 30 min on 31 Oct 2027 in Berlin ends at the second 02:30 (CET).
    rule = rule_from_ical_lines(["DTSTART;TZID=Europe/Berlin:20271031T000000", "DURATION:PT3H30M"])
    assert isinstance(rule, RRuleRule)
    (only,) = rule.occurrences(window(date(2027, 10, 30), date(2027, 11, 2)))
    assert only == Interval(utc(2027, 10, 30, 22), utc(2027, 10, 31, 1, 30))


@pytest.mark.parametrize(
    ("lines", "field"),
    [
        (["DURATION:PT1H"], "dtstart"),
        (["DTSTART:20270601T090000", "DURATION:PT1H"], "dtstart"),
        (["DTSTART;VALUE=DATE:20270601", "DURATION:PT1H"], "dtstart"),
        (["DTSTART;TZID=Europe/Berlin:20270601", "DURATION:PT1H"], "dtstart"),
        (["DTSTART;TZID=Europe/Berlin:20270601T090000"], "duration"),
        (["DTSTART;TZID=Europe/Berlin:20270601T090000", "DURATION:P1D"], "duration"),
        (["DTSTART;TZID=Europe/Berlin:20270601T090000", "DURATION:-PT1H"], "duration"),
        (
            [
                "DTSTART;TZID=Europe/Berlin:20270601T090000",
                "DURATION:PT1H",
                "DTEND;TZID=Europe/Berlin:20270601T100000",
            ],
            "duration",
        ),
        (
            [
                "DTSTART;TZID=Europe/Berlin:20270601T090000",
                "DURATION:PT1H",
                "EXDATE;TZID=Europe/Berlin:20270601T090000",
            ],
            "exdates",
        ),
        (
            [
                "DTSTART;TZID=Europe/Berlin:20270601T090000",
                "DURATION:PT1H",
                "RDATE;VALUE=PERIOD:20270602T090000Z/PT1H",
            ],
            "rdate",
        ),
        (
            [
                "DTSTART;TZID=Europe/Berlin:20270601T090000",
                "DURATION:PT1H",
                "RRULE:FREQ=DAILY",
                "RRULE:FREQ=WEEKLY",
            ],
            "rrule",
        ),
        (
            [
                "DTSTART;TZID=Europe/Berlin:20271031T000000",
                "DURATION:PT1H",
                "RDATE:20271031T013000Z",  # the second 02:30: no wall-clock name
            ],
            "rdate",
        ),
        (
            [
                "DTSTART;TZID=Europe/Berlin:20270601T090000",
                "DTEND;TZID=Europe/Berlin:20270601T080000",
            ],
            "duration",
        ),
        (["not a content line"], None),
    ],
)
def test_reading_refuses_what_it_cannot_represent(lines: list[str], field: str | None) -> None:
    with pytest.raises(InvalidRule) as err:
        rule_from_ical_lines(lines)
    assert err.value.field == field


def test_reading_refuses_an_unknown_tzid() -> None:
    with pytest.raises(InvalidTimezone):
        rule_from_ical_lines(["DTSTART;TZID=Mars/Base:20270601T090000", "DURATION:PT1H"])
