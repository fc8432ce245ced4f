import itertools
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fluentory_bookings.core.errors import InvalidInterval
from fluentory_bookings.core.intervals import Interval, merge, subtract
from fluentory_bookings.core.validate import require_aware

T0 = datetime(2027, 1, 4, 9, tzinfo=UTC)


def iv(a: float, b: float) -> Interval:
    return Interval(T0 + timedelta(hours=a), T0 + timedelta(hours=b))


def test_half_open_touching_intervals_do_not_overlap():
    assert not iv(0, 1).overlaps(iv(1, 2))
    assert iv(0, 1.5).overlaps(iv(1, 2))
    assert iv(0, 1).contains(T0)
    assert not iv(0, 1).contains(T0 + timedelta(hours=1))


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (datetime(2027, 1, 4, 9), T0 + timedelta(hours=1)),
        (T0, datetime(2027, 1, 4, 10)),
        (T0, T0),
        (T0 + timedelta(hours=1), T0),
    ],
)
def test_naive_or_non_positive_intervals_are_refused(start, end):
    with pytest.raises(InvalidInterval) as info:
        Interval(start, end)
    assert info.value.code == "invalid_interval"


def test_require_aware_refuses_non_datetimes():
    with pytest.raises(InvalidInterval):
        require_aware("2027-01-01")  # type: ignore[arg-type]
    assert require_aware(T0) is T0


def test_mixed_offsets_compare_as_instants():
    plus2 = timezone(timedelta(hours=2))
    a = Interval(datetime(2027, 1, 4, 11, tzinfo=plus2), datetime(2027, 1, 4, 12, tzinfo=plus2))
    assert a.to_utc() == iv(0, 1)
    assert a.overlaps(iv(0.5, 2))


def test_intersection_widen_covers():
    assert iv(0, 2).intersection(iv(1, 3)) == iv(1, 2)
    assert iv(0, 1).intersection(iv(1, 2)) is None
    assert iv(1, 2).widen(timedelta(hours=1), timedelta(hours=1)) == iv(0, 3)
    assert iv(0, 3).covers(iv(1, 2))
    assert not iv(0, 3).covers(iv(2, 4))


def test_merge_and_subtract():
    assert merge([iv(2, 3), iv(0, 1), iv(1, 1.5), iv(2.5, 4)]) == [iv(0, 1.5), iv(2, 4)]
    assert subtract([iv(0, 8)], [iv(1, 2), iv(1.5, 3), iv(7, 9)]) == [iv(0, 1), iv(3, 7)]
    assert subtract([iv(0, 1)], []) == [iv(0, 1)]
    assert subtract([iv(0, 1)], [iv(-1, 5)]) == []


quarter_hours = st.integers(min_value=0, max_value=96)
intervals = st.builds(
    lambda a, n: iv(a / 4, (a + n) / 4), quarter_hours, st.integers(min_value=1, max_value=16)
)


@settings(max_examples=200, deadline=None)
@given(st.lists(intervals, max_size=12), st.lists(intervals, max_size=12))
def test_subtract_matches_minute_by_minute_reference(windows, busy):
    free = subtract(windows, busy)
    # Sorted, disjoint and non-touching.
    assert all(a.end < b.start for a, b in itertools.pairwise(free))
    for q in range(0, 4 * 30):
        t = T0 + timedelta(minutes=15 * q)
        expected = any(w.contains(t) for w in windows) and not any(b.contains(t) for b in busy)
        assert any(f.contains(t) for f in free) == expected


def test_durations_and_overlaps_are_exact_across_dst():
    from zoneinfo import ZoneInfo

    berlin = ZoneInfo("Europe/Berlin")
    # Spring forward: 01:00-04:00 local on 2027-03-28 lasts two hours.
    spring = Interval(
        datetime(2027, 3, 28, 1, tzinfo=berlin), datetime(2027, 3, 28, 4, tzinfo=berlin)
    )
    assert spring.duration == timedelta(hours=2)
    # Fall back: 02:30 (first, CEST) and 02:10 (second, CET) are an hour apart in that order.
    first = datetime(2027, 10, 31, 2, 30, tzinfo=berlin, fold=0)
    second = datetime(2027, 10, 31, 2, 10, tzinfo=berlin, fold=1)
    a = Interval(first, first + timedelta(minutes=1))
    # (datetime + timedelta resets fold to 0, so step in UTC.)
    b = Interval(second, second.astimezone(UTC) + timedelta(minutes=1))
    assert a < b
    assert not a.overlaps(b)
    assert a.start.tzinfo is UTC
