"""Conflict detection and weekly series, with DST cases and a brute-force reference."""

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fluentory_bookings.core.conflicts import (
    MAX_SERIES_WEEKS,
    Commitment,
    ConflictDetail,
    check_conflicts,
    find_conflicts,
    weekly_series,
)
from fluentory_bookings.core.errors import Conflict, InvalidRule, InvalidTimezone
from fluentory_bookings.core.intervals import Interval
from fluentory_bookings.core.zones import localize

BERLIN = ZoneInfo("Europe/Berlin")
MIN = timedelta(minutes=1)
HOUR = timedelta(hours=1)
WEEK = timedelta(days=7)
DAY0 = datetime(2027, 1, 4, tzinfo=UTC)


def iv(start: float, end: float) -> Interval:
    return Interval(DAY0 + start * HOUR, DAY0 + end * HOUR)


def teacher(start: float, end: float, ref: object = None) -> Commitment:
    return Commitment(iv(start, end), "teacher", ref)


def student(start: float, end: float, ref: object = None) -> Commitment:
    return Commitment(iv(start, end), "student", ref)


# --- find_conflicts / check_conflicts -----------------------------------------------------------


def test_no_commitments_no_conflicts():
    assert find_conflicts([iv(9, 10)], []) == []
    assert find_conflicts([], [teacher(9, 10)]) == []
    check_conflicts([iv(9, 10)], [])


def test_overlap_is_reported_with_party_and_ref():
    assert find_conflicts([iv(9, 10)], [teacher(9.5, 11, ref=42)]) == [
        ConflictDetail(candidate=iv(9, 10), existing=iv(9.5, 11), party="teacher", ref=42)
    ]


def test_touching_intervals_do_not_conflict():
    assert find_conflicts([iv(9, 10)], [teacher(8, 9), student(10, 11)]) == []


def test_containment_both_ways_conflicts():
    found = find_conflicts([iv(9, 12), iv(14, 14.5)], [teacher(10, 11), student(13, 15)])
    assert [(c.candidate, c.existing) for c in found] == [
        (iv(9, 12), iv(10, 11)),
        (iv(14, 14.5), iv(13, 15)),
    ]


def test_every_conflict_is_reported_in_candidate_then_existing_order():
    candidates = [iv(14, 15), iv(9, 11)]  # the caller's order is kept
    commitments = [
        student(10, 12, ref="s1"),
        teacher(8, 9.5, ref="t1"),
        teacher(14.5, 16, ref="t2"),
        student(9, 9.25, ref="s2"),
    ]
    found = find_conflicts(candidates, commitments)
    assert [(candidates.index(c.candidate), c.ref) for c in found] == [
        (0, "t2"),
        (1, "t1"),
        (1, "s2"),
        (1, "s1"),
    ]


def test_same_interval_for_both_parties_is_two_conflicts():
    found = find_conflicts([iv(9, 10)], [teacher(9, 10, "a"), student(9, 10, "b")])
    assert [(c.party, c.ref) for c in found] == [("teacher", "a"), ("student", "b")]


def test_existing_is_returned_as_given():
    given_iv = Interval((DAY0 + 9 * HOUR).astimezone(BERLIN), (DAY0 + 10 * HOUR).astimezone(BERLIN))
    (found,) = find_conflicts([iv(9.5, 10.5)], [Commitment(given_iv, "teacher")])
    assert found.existing is given_iv


def test_zones_are_compared_as_instants():
    plus_two = timezone(timedelta(hours=2))
    other = Interval(
        (DAY0 + 9 * HOUR).astimezone(plus_two), (DAY0 + 10 * HOUR).astimezone(plus_two)
    )
    assert len(find_conflicts([iv(9.5, 10.5)], [Commitment(other, "student")])) == 1
    assert find_conflicts([iv(10, 11)], [Commitment(other, "student")]) == []


def test_check_conflicts_raises_with_every_detail():
    with pytest.raises(Conflict) as info:
        check_conflicts([iv(9, 10), iv(11, 12)], [teacher(9, 12, ref=7), student(11.5, 13)])
    err = info.value
    assert len(err.conflicts) == 3
    assert err.message == "3 conflicts with existing commitments"
    data = err.as_dict()
    assert data["code"] == "conflict"
    assert data["conflicts"][0] == {
        "party": "teacher",
        "candidate_start": "2027-01-04T09:00:00+00:00",
        "candidate_end": "2027-01-04T10:00:00+00:00",
        "existing_start": "2027-01-04T09:00:00+00:00",
        "existing_end": "2027-01-04T12:00:00+00:00",
        "ref": "7",
    }


def test_many_disjoint_items_stay_fast():
    # 20k against 20k with one conflict each: a pairwise check would be 400M comparisons.
    n = 20_000
    candidates = [iv(2 * i, 2 * i + 1) for i in range(n)]
    commitments = [teacher(2 * i + 0.5, 2 * i + 1.5, ref=i) for i in range(n)]
    found = find_conflicts(candidates, commitments)
    assert [c.ref for c in found] == list(range(n))


# --- weekly_series ------------------------------------------------------------------------------


def berlin(*args: int) -> datetime:
    return localize(datetime(*args), BERLIN)


def test_weekly_series_by_count():
    first = iv(18, 19)
    series = weekly_series(first, "UTC", weeks=3)
    assert series == [first, first.shift(WEEK), first.shift(2 * WEEK)]
    assert all(s.start.tzinfo is UTC for s in series)


def test_one_week_is_just_the_first():
    assert weekly_series(iv(18, 19), "Europe/Berlin", weeks=1) == [iv(18, 19)]


def test_series_across_march_transition_keeps_local_time():
    # Mondays 18:00-18:45 in Berlin; clocks spring forward on Sunday 28 March 2027.
    first = Interval(berlin(2027, 3, 15, 18), berlin(2027, 3, 15, 18, 45))
    series = weekly_series(first, "Europe/Berlin", weeks=4)
    assert [s.start.astimezone(BERLIN).strftime("%d %H:%M") for s in series] == [
        "15 18:00",
        "22 18:00",
        "29 18:00",
        "05 18:00",
    ]
    assert [s.start.hour for s in series] == [17, 17, 16, 16]  # UTC shifts by the hour
    assert all(s.duration == timedelta(minutes=45) for s in series)


def test_series_across_october_transition_keeps_local_time():
    first = Interval(berlin(2027, 10, 18, 18), berlin(2027, 10, 18, 19))
    series = weekly_series(first, "Europe/Berlin", weeks=3)
    assert [s.start.astimezone(BERLIN).hour for s in series] == [18, 18, 18]
    assert [s.start.hour for s in series] == [16, 16, 17]


def test_series_through_the_spring_gap_follows_rfc5545():
    # Sundays 02:30: on 28 March 02:30 does not exist and is read with the pre-gap offset,
    # i.e. 03:30 CEST; the week after is back at 02:30. The lesson keeps its 60 minutes.
    first = Interval(berlin(2027, 3, 21, 2, 30), berlin(2027, 3, 21, 3, 30))
    series = weekly_series(first, "Europe/Berlin", weeks=3)
    assert [s.start for s in series] == [
        datetime(2027, 3, 21, 1, 30, tzinfo=UTC),
        datetime(2027, 3, 28, 1, 30, tzinfo=UTC),
        datetime(2027, 4, 4, 0, 30, tzinfo=UTC),
    ]
    assert [s.start.astimezone(BERLIN).strftime("%H:%M") for s in series] == [
        "02:30",
        "03:30",
        "02:30",
    ]
    assert all(s.duration == HOUR for s in series)


def test_series_through_the_autumn_fold_takes_the_first_pass():
    # Sundays 02:30: on 31 October 02:30 happens twice; RFC 5545 means the first (CEST).
    first = Interval(berlin(2027, 10, 24, 2, 30), berlin(2027, 10, 24, 3, 30))
    series = weekly_series(first, "Europe/Berlin", weeks=3)
    assert [s.start for s in series] == [
        datetime(2027, 10, 24, 0, 30, tzinfo=UTC),
        datetime(2027, 10, 31, 0, 30, tzinfo=UTC),
        datetime(2027, 11, 7, 1, 30, tzinfo=UTC),
    ]
    assert all(s.duration == HOUR for s in series)


def test_first_in_the_second_pass_of_a_fold_then_a_gap():
    # The first lesson is 02:30 CET on 31 Oct 2027 (the second 02:30). 21 weeks later, on
    # 26 March 2028, 02:30 falls in the spring gap and is read as 03:30 CEST (01:30 UTC).
    first = Interval(
        datetime(2027, 10, 31, 1, 30, tzinfo=UTC), datetime(2027, 10, 31, 2, 30, tzinfo=UTC)
    )
    series = weekly_series(first, "Europe/Berlin", weeks=23)
    assert series[0] == first
    assert series[1].start == datetime(2027, 11, 7, 1, 30, tzinfo=UTC)
    assert series[21].start == datetime(2028, 3, 26, 1, 30, tzinfo=UTC)
    assert series[22].start == datetime(2028, 4, 2, 0, 30, tzinfo=UTC)


def test_duration_is_exact_even_when_first_spans_a_change():
    # 01:30-03:30 on the wall clock on 31 Oct is three real hours; every week keeps three hours.
    first = Interval(berlin(2027, 10, 31, 1, 30), berlin(2027, 10, 31, 3, 30))
    assert first.duration == 3 * HOUR
    series = weekly_series(first, "Europe/Berlin", weeks=2)
    assert [s.duration for s in series] == [3 * HOUR, 3 * HOUR]


def test_series_until_is_inclusive():
    first = iv(18, 19)
    assert len(weekly_series(first, "UTC", until=first.start + 2 * WEEK)) == 3
    assert len(weekly_series(first, "UTC", until=first.start + 2 * WEEK - MIN)) == 2
    assert weekly_series(first, "UTC", until=first.start) == [first]


def test_series_until_in_another_zone():
    first = Interval(berlin(2027, 3, 15, 18), berlin(2027, 3, 15, 19))
    until = datetime(2027, 3, 29, 12, tzinfo=timezone(timedelta(hours=-4)))  # 16:00 UTC
    series = weekly_series(first, "Europe/Berlin", until=until)
    assert len(series) == 3  # 29 March 18:00 CEST is 16:00 UTC: included


def test_series_may_reach_the_maximum():
    assert len(weekly_series(iv(18, 19), "UTC", weeks=MAX_SERIES_WEEKS)) == MAX_SERIES_WEEKS
    until = DAY0 + (MAX_SERIES_WEEKS - 1) * WEEK + 18 * HOUR
    assert len(weekly_series(iv(18, 19), "UTC", until=until)) == MAX_SERIES_WEEKS


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({}, "weeks"),
        ({"weeks": 2, "until": DAY0 + WEEK}, "weeks"),
        ({"weeks": 0}, "weeks"),
        ({"weeks": -1}, "weeks"),
        ({"weeks": MAX_SERIES_WEEKS + 1}, "weeks"),
        ({"weeks": 2.0}, "weeks"),
        ({"weeks": True}, "weeks"),
        ({"until": datetime(2027, 3, 1)}, "until"),
        ({"until": DAY0}, "until"),  # before the first start (18:00)
        ({"until": DAY0 + MAX_SERIES_WEEKS * WEEK + 18 * HOUR}, "until"),
    ],
)
def test_invalid_series_end(kwargs, field):
    with pytest.raises(InvalidRule) as info:
        weekly_series(iv(18, 19), "UTC", **kwargs)
    assert info.value.field == field


def test_unknown_zone_is_refused():
    with pytest.raises(InvalidTimezone):
        weekly_series(iv(18, 19), "Mars/Olympus", weeks=2)


def test_whole_series_is_checked_not_only_the_first_two():
    first = Interval(berlin(2027, 3, 1, 18), berlin(2027, 3, 1, 19))
    series = weekly_series(first, "Europe/Berlin", weeks=10)
    busy = [
        Commitment(Interval(berlin(2027, 4, 19, 18, 30), berlin(2027, 4, 19, 19, 30)), "teacher"),
        Commitment(Interval(berlin(2027, 5, 3, 17), berlin(2027, 5, 3, 18, 15)), "student", "b9"),
    ]
    with pytest.raises(Conflict) as info:
        check_conflicts(series, busy)
    assert [series.index(c.candidate) for c in info.value.conflicts] == [7, 9]


# --- property: equal to a pairwise check --------------------------------------------------------

ZONES = [UTC, BERLIN, timezone(timedelta(hours=-3))]
BASE = datetime(2027, 3, 28, 0, 0, tzinfo=UTC)  # Berlin springs forward one hour in

spans = st.tuples(st.integers(0, 300), st.integers(1, 90), st.sampled_from(ZONES))


def to_interval(span) -> Interval:
    s, length, zone = span
    return Interval((BASE + s * MIN).astimezone(zone), (BASE + (s + length) * MIN).astimezone(zone))


@settings(max_examples=200, deadline=None)
@given(
    candidates=st.lists(spans, max_size=12),
    commitments=st.lists(
        st.tuples(spans, st.sampled_from(["student", "teacher"]), st.none() | st.integers(0, 5)),
        max_size=20,
    ),
)
def test_find_conflicts_equals_pairwise_check(candidates, commitments):
    cands = [to_interval(c) for c in candidates]
    comms = [Commitment(to_interval(s), party, ref) for s, party, ref in commitments]
    pairs = [
        (i, m.interval.start, m.interval.end, j)
        for i, c in enumerate(cands)
        for j, m in enumerate(comms)
        if c.start < m.interval.end and m.interval.start < c.end
    ]
    pairs.sort(key=lambda p: (p[0], p[1].astimezone(UTC), p[2].astimezone(UTC), p[3]))
    expected = [
        ConflictDetail(cands[i], comms[j].interval, comms[j].party, comms[j].ref)
        for i, _, _, j in pairs
    ]
    assert find_conflicts(cands, comms) == expected
