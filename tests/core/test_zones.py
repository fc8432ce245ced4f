from datetime import UTC, date, datetime, time, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import tzdata

from fluentory_bookings.core.errors import InvalidInput, InvalidInterval, InvalidTimezone
from fluentory_bookings.core.recurrence import OneTimeRule, RRuleRule, WeeklyRule
from fluentory_bookings.core.zones import (
    is_ambiguous,
    is_nonexistent,
    localize,
    resolve_zone,
    wall_clock_to_utc,
    zone_key,
)


@pytest.mark.parametrize(
    "name", ["Europe/Atlantis", "", " Europe/Berlin", "../etc/passwd", "Not A Zone", 5, None]
)
def test_unknown_zones_are_errors_never_utc(name):
    with pytest.raises(InvalidTimezone) as info:
        resolve_zone(name)
    assert info.value.code == "invalid_timezone"


def test_known_zone_and_utc():
    assert str(resolve_zone("Asia/Kolkata")) == "Asia/Kolkata"
    assert str(resolve_zone(UTC)) == "UTC"


@pytest.mark.parametrize(
    ("zone", "local", "utc", "gap", "fold"),
    [
        # Europe/Berlin: spring-forward gap 02:00-03:00, fall-back fold 02:00-03:00.
        ("Europe/Berlin", datetime(2027, 3, 28, 2, 30), datetime(2027, 3, 28, 1, 30), True, False),
        (
            "Europe/Berlin",
            datetime(2027, 10, 31, 2, 30),
            datetime(2027, 10, 31, 0, 30),
            False,
            True,
        ),
        # Australia/Lord_Howe: 30-minute DST, gap 02:00-02:30 (October), fold 01:30-02:00 (April).
        (
            "Australia/Lord_Howe",
            datetime(2027, 10, 3, 2, 15),
            datetime(2027, 10, 2, 15, 45),
            True,
            False,
        ),
        (
            "Australia/Lord_Howe",
            datetime(2027, 4, 4, 1, 45),
            datetime(2027, 4, 3, 14, 45),
            False,
            True,
        ),
        # America/New_York.
        (
            "America/New_York",
            datetime(2027, 3, 14, 2, 30),
            datetime(2027, 3, 14, 7, 30),
            True,
            False,
        ),
        (
            "America/New_York",
            datetime(2027, 11, 7, 1, 30),
            datetime(2027, 11, 7, 5, 30),
            False,
            True,
        ),
        # An ordinary time.
        ("Asia/Kolkata", datetime(2027, 6, 1, 9, 0), datetime(2027, 6, 1, 3, 30), False, False),
    ],
)
def test_rfc5545_reading_of_wall_clock_times(zone, local, utc, gap, fold):
    assert localize(local, zone).astimezone(UTC) == utc.replace(tzinfo=UTC)
    assert is_nonexistent(local, zone) is gap
    assert is_ambiguous(local, zone) is fold


def test_localize_refuses_aware_input():
    with pytest.raises(InvalidInput, match="naive"):
        localize(datetime(2027, 1, 1, tzinfo=UTC), "Europe/Berlin")


# --- IANA names only (issue 7) -----------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["right/Europe/Berlin", "posix/Europe/Berlin", "localtime", "posixrules", "Factory"]
)
def test_keys_zoneinfo_loads_that_are_not_iana_zones_are_refused(name):
    with pytest.raises(InvalidTimezone) as info:
        resolve_zone(name)
    assert info.value.field == "tz"
    with pytest.raises(InvalidTimezone):
        zone_key(name)


def test_a_zoneinfo_is_accepted_by_its_iana_key_only():
    assert resolve_zone(ZoneInfo("Europe/Berlin")) == ZoneInfo("Europe/Berlin")
    assert zone_key(ZoneInfo("Europe/Berlin")) == "Europe/Berlin"
    assert zone_key(UTC) == "UTC"
    with pytest.raises(InvalidTimezone):
        resolve_zone(ZoneInfo("right/Europe/Berlin"))
    with open(Path(tzdata.__file__).parent / "zoneinfo" / "Europe" / "Berlin", "rb") as f:
        keyless = ZoneInfo.from_file(f)
    with pytest.raises(InvalidTimezone):
        resolve_zone(keyless)
    with pytest.raises(InvalidTimezone):
        zone_key(timezone(timedelta(hours=1)), field="timezone")


@pytest.mark.parametrize(
    "make",
    [
        lambda tz: OneTimeRule(tz, datetime(2027, 6, 5, 10), datetime(2027, 6, 5, 12)),
        lambda tz: WeeklyRule(tz, {0}, time(9), time(10), date(2027, 6, 7)),
        lambda tz: RRuleRule(tz, datetime(2027, 6, 7, 9), timedelta(hours=1), "FREQ=DAILY"),
    ],
    ids=["one-time", "weekly", "rrule"],
)
def test_every_rule_takes_a_name_or_a_named_zoneinfo_and_stores_the_name(make):
    assert make(ZoneInfo("Europe/Berlin")).tz == "Europe/Berlin"
    assert make(ZoneInfo("Europe/Berlin")) == make("Europe/Berlin")
    assert make(UTC).tz == "UTC"
    for bad in ("right/Europe/Berlin", "localtime", ZoneInfo("posix/Europe/Berlin")):
        with pytest.raises(InvalidTimezone):
            make(bad)


# --- one error contract ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [datetime(2027, 1, 1, tzinfo=UTC), "2027-01-01T09:00", date(2027, 1, 1)],
)
def test_localize_refuses_what_is_not_a_naive_datetime_with_a_typed_error(value):
    with pytest.raises(InvalidInput) as info:
        localize(value, "Europe/Berlin", field="starts_at")
    assert info.value.field == "starts_at"


def test_fold_1_is_refused_never_dropped():
    # 02:30 on 31 October happens twice in Berlin; fold=1 names the second, which a TZID cannot.
    second = datetime(2027, 10, 31, 2, 30, fold=1)
    with pytest.raises(InvalidInput) as info:
        localize(second, "Europe/Berlin")
    assert "fold=1" in info.value.message
    with pytest.raises(InvalidInput):
        wall_clock_to_utc(second, "Europe/Berlin")


@pytest.mark.parametrize(
    "wall", [datetime(1, 1, 1), datetime(9999, 12, 31, 23), datetime(10, 6, 1)]
)
def test_wall_clock_times_near_the_datetime_limits_are_typed_errors(wall):
    with pytest.raises(InvalidInterval) as info:
        wall_clock_to_utc(wall, "America/New_York", field="start")
    assert info.value.field == "start"


def test_wall_clock_to_utc_reads_rfc5545():
    assert wall_clock_to_utc(datetime(2027, 3, 28, 2, 30), "Europe/Berlin") == datetime(
        2027, 3, 28, 1, 30, tzinfo=UTC
    )
