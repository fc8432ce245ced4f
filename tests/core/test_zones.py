from datetime import UTC, datetime

import pytest

from fluentory_bookings.core.errors import InvalidTimezone
from fluentory_bookings.core.zones import is_ambiguous, is_nonexistent, localize, resolve_zone


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
    with pytest.raises(ValueError, match="naive"):
        localize(datetime(2027, 1, 1, tzinfo=UTC), "Europe/Berlin")
