"""The scheduling horizon and instants at the edge of the calendar (issue 17, items 6 and 8)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from fluentory_bookings.core import (
    MAX_SCHEDULE_AHEAD,
    InvalidInterval,
    LimitExceeded,
    latest_schedulable,
    local_date_in_range,
    require_date_within_horizon,
    require_within_horizon,
    to_utc,
    wall_clock_to_utc,
)

NOW = datetime(2027, 1, 4, 9, tzinfo=UTC)


def test_the_horizon_is_ten_years():
    assert MAX_SCHEDULE_AHEAD == timedelta(days=3653)
    assert latest_schedulable(NOW) == NOW + MAX_SCHEDULE_AHEAD


@pytest.mark.parametrize(
    "value",
    [
        NOW,
        NOW - timedelta(days=400),  # the past is the rules' to judge, not the horizon's
        NOW + MAX_SCHEDULE_AHEAD,  # inclusive
        (NOW + MAX_SCHEDULE_AHEAD).astimezone(ZoneInfo("Pacific/Kiritimati")),
    ],
)
def test_instants_within_the_horizon_pass(value):
    assert require_within_horizon(value, now=NOW, field="starts_at") == value


@pytest.mark.parametrize(
    "value",
    [
        NOW + MAX_SCHEDULE_AHEAD + timedelta(microseconds=1),
        datetime(9979, 1, 5, tzinfo=UTC),
        datetime(2037, 1, 5, tzinfo=ZoneInfo("Etc/GMT+12")),
    ],
)
def test_instants_beyond_the_horizon_are_limit_exceeded(value):
    with pytest.raises(LimitExceeded) as info:
        require_within_horizon(value, now=NOW, field="starts_at")
    assert (info.value.field, info.value.limit, info.value.code) == (
        "starts_at",
        3653,
        "limit_exceeded",
    )


EDGES = [
    datetime(9999, 12, 31, 23, tzinfo=timezone(timedelta(hours=-5))),
    datetime(9999, 12, 31, 23, tzinfo=ZoneInfo("Etc/GMT+12")),
    datetime(1, 1, 1, 1, tzinfo=timezone(timedelta(hours=14))),
]


@pytest.mark.parametrize("value", EDGES)
def test_edge_instants_are_invalid_intervals_not_overflow_errors(value):
    with pytest.raises(InvalidInterval) as info:
        require_within_horizon(value, now=NOW, field="starts_at")
    assert info.value.field == "starts_at"
    with pytest.raises(InvalidInterval) as info:
        to_utc(value, "start")
    assert info.value.field == "start"


@pytest.mark.parametrize("value", [None, "2027-01-04T09:00Z", datetime(2027, 1, 4, 9)])
def test_to_utc_refuses_what_is_not_an_aware_datetime(value):
    with pytest.raises(InvalidInterval):
        to_utc(value, "start")


def test_to_utc_converts_any_zone():
    local = datetime(2027, 3, 28, 3, 30, tzinfo=ZoneInfo("Europe/Berlin"))
    assert to_utc(local, "start") == datetime(2027, 3, 28, 1, 30, tzinfo=UTC)


def test_a_wall_clock_at_the_edge_is_an_invalid_interval():
    with pytest.raises(InvalidInterval):
        wall_clock_to_utc(datetime(9999, 12, 31, 23), "Etc/GMT+12")


TODAY = date(2027, 1, 4)


def test_dates_within_the_horizon_pass():
    last = TODAY + MAX_SCHEDULE_AHEAD
    assert require_date_within_horizon(last, today=TODAY, field="end_date") == last
    assert require_date_within_horizon(date(2020, 1, 1), today=TODAY, field="d") == date(2020, 1, 1)


def test_dates_beyond_the_horizon_are_limit_exceeded():
    with pytest.raises(LimitExceeded) as info:
        require_date_within_horizon(
            TODAY + MAX_SCHEDULE_AHEAD + timedelta(days=1), today=TODAY, field="end_date"
        )
    assert (info.value.field, info.value.limit) == ("end_date", 3653)


@pytest.mark.parametrize("value", [date(9999, 12, 31), date(1, 1, 1), date.max, date.min])
def test_dates_at_the_edge_of_the_calendar_are_invalid_intervals(value):
    with pytest.raises(InvalidInterval):
        local_date_in_range(value, "start_date")
    with pytest.raises(InvalidInterval):
        require_date_within_horizon(value, today=TODAY, field="start_date")


@pytest.mark.parametrize("value", [datetime(2027, 1, 4), "2027-01-04", None])
def test_a_date_must_be_a_date(value):
    with pytest.raises(InvalidInterval):
        local_date_in_range(value, "start_date")


@pytest.mark.parametrize("horizon", [timedelta(0), timedelta(days=-1), 10, timedelta(days=4000)])
def test_a_bad_horizon_is_refused(horizon):
    with pytest.raises(LimitExceeded):
        require_within_horizon(NOW, now=NOW, field="starts_at", horizon=horizon)


def test_a_shorter_horizon_can_be_asked_for():
    with pytest.raises(LimitExceeded) as info:
        require_within_horizon(
            NOW + timedelta(days=31), now=NOW, field="to", horizon=timedelta(days=30)
        )
    assert info.value.limit == 30
