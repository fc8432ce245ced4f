"""rule_from_ical_lines refuses what a rule cannot represent, with a typed error naming it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from fluentory_bookings.core.errors import InvalidRule, InvalidTimezone
from fluentory_bookings.core.ical_lines import rule_from_ical_lines
from fluentory_bookings.core.intervals import Interval
from fluentory_bookings.core.recurrence import OneTimeRule, RRuleRule

START = "DTSTART;TZID=Europe/Berlin:20270104T090000"


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        (["RRULE:FREQ=DAILY", "EXRULE:FREQ=WEEKLY;BYDAY=MO"], "exrule"),
        (["RRULE:FREQ=DAILY", "RECURRENCE-ID;TZID=Europe/Berlin:20270105T090000"], "recurrence-id"),
        (["RDATE;VALUE=PERIOD:20270602T090000Z/PT1H"], "rdate"),
        (["RRULE:FREQ=DAILY;COUNT=\u0663"], "rrule"),
        (["RRULE:FREQ=MINUTELY"], "rrule"),
    ],
)
def test_what_changes_the_set_but_cannot_be_held_is_refused(extra: list[str], field: str) -> None:
    with pytest.raises(InvalidRule) as info:
        rule_from_ical_lines([START, "DURATION:PT1H", *extra])
    assert info.value.field == field


@pytest.mark.parametrize(
    "line",
    [
        "DTSTART;TZID=Europe/Berlin:\u0662\u0660\u0662\u0667" + "0104T090000",  # Arabic-Indic
        "DTSTART;TZID=Europe/Berlin:00010101T000000",  # year 1: outside the supported range
    ],
)
def test_dtstart_values_that_are_not_plain_or_in_range_are_refused(line: str) -> None:
    with pytest.raises(InvalidRule) as info:
        rule_from_ical_lines([line, "DURATION:PT1H"])
    assert info.value.field == "dtstart"


@pytest.mark.parametrize("duration", ["PT99999999999999999999H", "PT\u0661H", "PT100000H"])
def test_durations_that_overflow_or_exceed_the_bound_are_refused(duration: str) -> None:
    with pytest.raises(InvalidRule) as info:
        rule_from_ical_lines([START, f"DURATION:{duration}"])
    assert info.value.field == "duration"


@pytest.mark.parametrize("tz", ["right/Europe/Berlin", "localtime", "posixrules"])
def test_a_tzid_must_be_an_iana_zone(tz: str) -> None:
    with pytest.raises(InvalidTimezone) as info:
        rule_from_ical_lines([f"DTSTART;TZID={tz}:20270104T090000", "DURATION:PT1H"])
    assert info.value.field == "dtstart"
    with pytest.raises(InvalidTimezone):
        rule_from_ical_lines(
            [START, "DURATION:PT1H", "RRULE:FREQ=DAILY", f"EXDATE;TZID={tz}:20270105T090000"]
        )


def test_an_exdate_in_the_second_pass_of_a_fold_is_refused_not_misread() -> None:
    # 00:30 UTC on 31 October is 02:30 CEST, the first pass; 01:30 UTC is 02:30 CET, the second.
    first = rule_from_ical_lines(
        [
            "DTSTART;TZID=Europe/Berlin:20271030T023000",
            "DURATION:PT1H",
            "RRULE:FREQ=DAILY;COUNT=3",
            "EXDATE:20271031T003000Z",
        ]
    )
    assert isinstance(first, RRuleRule)
    assert first.exdates == frozenset({datetime(2027, 10, 31, 2, 30)})
    with pytest.raises(InvalidRule) as info:
        rule_from_ical_lines(
            [
                "DTSTART;TZID=Europe/Berlin:20271030T023000",
                "DURATION:PT1H",
                "RRULE:FREQ=DAILY;COUNT=3",
                "EXDATE:20271031T013000Z",
            ]
        )
    assert info.value.field == "exdate"


def test_other_properties_are_still_ignored() -> None:
    rule = rule_from_ical_lines(
        ["UID:x@example.org", "SUMMARY:Office hours", START, "DURATION:PT1H30M"]
    )
    assert rule == OneTimeRule(
        "Europe/Berlin", datetime(2027, 1, 4, 9), datetime(2027, 1, 4, 10, 30)
    )
    assert rule.occurrences(
        Interval(datetime(2027, 1, 4, tzinfo=UTC), datetime(2027, 1, 5, tzinfo=UTC))
    )[0].duration == timedelta(minutes=90)
