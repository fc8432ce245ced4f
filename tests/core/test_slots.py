"""Open-slot computation: grid, buffers, notice, horizon, DST, and a brute-force reference."""

import random
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fluentory_bookings.core.errors import (
    InvalidInput,
    InvalidInterval,
    InvalidRule,
    LimitExceeded,
    PolicyViolation,
    SlotUnavailable,
)
from fluentory_bookings.core.intervals import Interval
from fluentory_bookings.core.policy import Deadlines, booking_refusal, check_bookable
from fluentory_bookings.core.slots import MAX_OPEN_SLOTS, SlotSpec, open_slots, slot_at
from fluentory_bookings.core.zones import localize

BERLIN = ZoneInfo("Europe/Berlin")
MIN = timedelta(minutes=1)
HOUR = timedelta(hours=1)
DAY0 = datetime(2027, 1, 4, tzinfo=UTC)  # a Monday, far from any DST change
EARLY = DAY0 - timedelta(days=1)


def at(hour: float) -> datetime:
    return DAY0 + timedelta(hours=hour)


def iv(start: float, end: float) -> Interval:
    return Interval(at(start), at(end))


def hours(slots: list[Interval]) -> list[float]:
    return [(s.start - DAY0) / HOUR for s in slots]


def one_hour(**kwargs: timedelta | None) -> SlotSpec:
    return SlotSpec(length=HOUR, **kwargs)


# --- SlotSpec validation ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"length": timedelta(0)}, "length"),
        ({"length": -HOUR}, "length"),
        ({"length": 60}, "length"),
        ({"buffer_before": -MIN}, "buffer_before"),
        ({"buffer_after": -MIN}, "buffer_after"),
        ({"buffer_after": 5}, "buffer_after"),
        ({"step": timedelta(0)}, "step"),
        ({"step": -MIN}, "step"),
        # A microsecond grid over one day is 86 billion candidates: the grid has a floor.
        ({"step": timedelta(microseconds=1)}, "step"),
        ({"step": timedelta(seconds=59)}, "step"),
        ({"step": timedelta(minutes=1, microseconds=5)}, "step"),
        ({"length": timedelta(seconds=30)}, "length"),
        ({"length": timedelta(days=10**5)}, "length"),
        ({"buffer_after": timedelta(days=10**6)}, "buffer_after"),
    ],
)
def test_invalid_spec_names_the_field(kwargs, field):
    kwargs = {"length": HOUR, **kwargs}
    with pytest.raises(InvalidRule) as info:
        SlotSpec(**kwargs)
    assert info.value.field == field
    assert info.value.code == "invalid_rule"


def test_zero_buffers_and_notice_are_allowed():
    spec = SlotSpec(length=HOUR, buffer_before=timedelta(0))
    assert spec.grid == HOUR
    assert spec.gap == timedelta(0)


def test_grid_and_gap():
    spec = SlotSpec(
        length=HOUR, step=timedelta(minutes=15), buffer_before=5 * MIN, buffer_after=10 * MIN
    )
    assert spec.grid == timedelta(minutes=15)
    assert spec.gap == 15 * MIN


# --- the grid ---------------------------------------------------------------------------------


def test_window_is_cut_back_to_back():
    assert hours(open_slots([iv(9, 12)], [], one_hour(), now=EARLY)) == [9, 10, 11]


def test_slot_must_fit_entirely_in_its_window():
    assert hours(open_slots([iv(9, 11.5)], [], one_hour(), now=EARLY)) == [9, 10]
    assert open_slots([iv(9, 9.5)], [], one_hour(), now=EARLY) == []


def test_step_shorter_than_length_gives_overlapping_candidates():
    spec = SlotSpec(length=HOUR, step=timedelta(minutes=30))
    assert hours(open_slots([iv(9, 12)], [], spec, now=EARLY)) == [9, 9.5, 10, 10.5, 11]


def test_step_longer_than_length_leaves_gaps():
    spec = SlotSpec(length=timedelta(minutes=30), step=HOUR)
    assert hours(open_slots([iv(9, 12)], [], spec, now=EARLY)) == [9, 10, 11]


def test_each_window_has_its_own_grid():
    slots = open_slots([iv(13, 14), iv(9.25, 10.25)], [], one_hour(), now=EARLY)
    assert hours(slots) == [9.25, 13]


def test_overlapping_and_touching_windows_are_merged_first():
    # 9-11 and 10-12 overlap, 12-13.5 touches: one window 9-13.5, one grid from 9.
    windows = [iv(10, 12), iv(9, 11), iv(12, 13.5)]
    assert hours(open_slots(windows, [], one_hour(), now=EARLY)) == [9, 10, 11, 12]


def test_no_windows_no_slots():
    assert open_slots([], [iv(9, 10)], one_hour(), now=EARLY) == []


def test_result_is_utc_with_exact_length():
    windows = [Interval(at(9).astimezone(BERLIN), at(12).astimezone(BERLIN))]
    slots = open_slots(windows, [], SlotSpec(length=timedelta(minutes=45)), now=EARLY)
    assert all(s.start.tzinfo is UTC and s.end.tzinfo is UTC for s in slots)
    assert all(s.duration == timedelta(minutes=45) for s in slots)
    assert hours(slots) == [9, 9.75, 10.5, 11.25]


# --- busy time and buffers --------------------------------------------------------------------


def test_busy_removes_overlapping_slots_only():
    assert hours(open_slots([iv(9, 13)], [iv(10.5, 11)], one_hour(), now=EARLY)) == [9, 11, 12]


def test_touching_busy_does_not_block():
    assert hours(open_slots([iv(9, 12)], [iv(10, 11)], one_hour(), now=EARLY)) == [9, 11]


def test_busy_may_be_unsorted_and_overlapping():
    busy = [iv(13, 14), iv(9.5, 10.5), iv(10, 10.25), iv(13.5, 14.5)]
    slots = open_slots([iv(9, 16)], busy, one_hour(), now=EARLY)
    assert hours(slots) == [11, 12, 15]


def test_busy_jump_lands_on_the_grid():
    spec = SlotSpec(length=HOUR, step=timedelta(minutes=30))
    slots = open_slots([iv(9, 13)], [iv(9.1, 10.2)], spec, now=EARLY)
    assert hours(slots) == [10.5, 11, 11.5, 12]


def test_buffer_after_keeps_a_gap_on_both_sides():
    spec = one_hour(buffer_after=timedelta(minutes=15))
    # A lesson 11-12: the 10:00 slot would run into it (no 15 min after), and 12:00 would start
    # right after it; 12:15 is on no grid point, so 13:00 is the next one.
    slots = open_slots([iv(9, 15)], [iv(11, 12)], spec, now=EARLY)
    assert hours(slots) == [9, 13, 14]


def test_buffer_before_and_after_add_up():
    spec = SlotSpec(
        length=HOUR, step=timedelta(minutes=15), buffer_before=10 * MIN, buffer_after=5 * MIN
    )
    # Busy 10-11: a slot must end by 09:45 and start at 11:15 or later.
    slots = open_slots([iv(8, 13)], [iv(10, 11)], spec, now=EARLY)
    assert hours(slots) == [8, 8.25, 8.5, 8.75, 11.25, 11.5, 11.75, 12]


def test_busy_outside_windows_still_blocks_through_buffers():
    spec = one_hour(buffer_before=timedelta(minutes=30))
    # A commitment ending at 09:00 leaves the 09:00 slot without its 30 minutes before.
    slots = open_slots([iv(9, 11)], [iv(8, 9)], spec, now=EARLY)
    assert hours(slots) == [10]


# --- time limits ------------------------------------------------------------------------------


def test_past_slots_and_a_slot_starting_now_are_excluded():
    # A lesson starting exactly now has begun: listing it would offer what check_bookable refuses.
    assert hours(open_slots([iv(9, 12)], [], one_hour(), now=at(10))) == [11]
    assert hours(open_slots([iv(9, 12)], [], one_hour(), now=at(9.99))) == [10, 11]
    assert hours(open_slots([iv(9, 12)], [], one_hour(), now=at(10.01))) == [11]


@pytest.mark.parametrize("notice", [timedelta(0), HOUR])
@pytest.mark.parametrize("now_hour", [8, 9, 9.5, 10, 11])
def test_listing_slot_at_and_check_bookable_share_one_boundary(notice, now_hour):
    deadlines = Deadlines(minimum_notice=notice)
    now = at(now_hour)
    listed = {
        s.start for s in open_slots([iv(9, 13)], [], one_hour(), now=now, deadlines=deadlines)
    }
    for hour in (9, 10, 11, 12):
        start = at(hour)
        refusal = booking_refusal(start, now=now, deadlines=deadlines)
        if refusal is None:
            check_bookable(start, now=now, deadlines=deadlines)
            assert start in listed
            assert slot_at(start, [iv(9, 13)], [], one_hour(), now=now, deadlines=deadlines)
        else:
            assert start not in listed
            with pytest.raises(PolicyViolation) as policy:
                check_bookable(start, now=now, deadlines=deadlines)
            with pytest.raises(SlotUnavailable) as info:
                slot_at(start, [iv(9, 13)], [], one_hour(), now=now, deadlines=deadlines)
            assert info.value.reason == policy.value.rule == refusal.rule


def test_minimum_notice_is_inclusive_and_keeps_the_grid():
    deadlines = Deadlines(minimum_notice=HOUR)
    assert hours(open_slots([iv(9, 12)], [], one_hour(), now=at(8), deadlines=deadlines)) == [
        9,
        10,
        11,
    ]
    assert hours(open_slots([iv(9, 12)], [], one_hour(), now=at(8.5), deadlines=deadlines)) == [
        10,
        11,
    ]


def test_horizon_is_inclusive():
    deadlines = Deadlines(booking_horizon=2 * HOUR)

    def listed(now: datetime) -> list[float]:
        return hours(open_slots([iv(9, 13)], [], one_hour(), now=now, deadlines=deadlines))

    assert listed(at(8)) == [9, 10]
    assert listed(at(8.01)) == [9, 10]
    assert listed(at(7.99)) == [9]


def test_horizon_near_the_window_end():
    deadlines = Deadlines(booking_horizon=timedelta(hours=3.5))
    slots = open_slots([iv(9, 13)], [], one_hour(), now=at(8), deadlines=deadlines)
    assert hours(slots) == [9, 10, 11]


def test_notice_and_horizon_together():
    deadlines = Deadlines(minimum_notice=HOUR, booking_horizon=4 * HOUR)
    slots = open_slots([iv(9, 16)], [], one_hour(), now=at(8.5), deadlines=deadlines)
    assert hours(slots) == [10, 11, 12]


def test_now_in_another_zone_is_the_same_instant():
    now = at(9.5).astimezone(timezone(timedelta(hours=-7)))
    assert hours(open_slots([iv(9, 12)], [], one_hour(), now=now)) == [10, 11]


def test_output_is_bounded():
    # Five-minute slots around the clock for a year and a half: more than the cap allows.
    window = Interval(DAY0, DAY0 + timedelta(days=550))
    spec = SlotSpec(length=timedelta(minutes=5))
    with pytest.raises(LimitExceeded) as info:
        open_slots([window], [], spec, now=EARLY)
    assert info.value.limit == MAX_OPEN_SLOTS
    assert info.value.field == "windows"
    # A span below the cap is listed in full.
    assert len(open_slots([Interval(DAY0, DAY0 + timedelta(days=7))], [], spec, now=EARLY)) == (
        7 * 24 * 12
    )


@pytest.mark.parametrize(
    ("windows", "busy", "field"),
    [
        ([(DAY0, DAY0 + HOUR)], [], "windows"),
        ([iv(9, 12)], [(DAY0, DAY0 + HOUR)], "busy"),
        (iv(9, 12), [], "windows"),
        ([iv(9, 12)], "busy", "busy"),
        ([iv(9, 12)], None, "busy"),
    ],
)
def test_inputs_that_are_not_intervals_are_typed_errors(windows, busy, field):
    for call in (
        lambda: open_slots(windows, busy, one_hour(), now=EARLY),
        lambda: slot_at(at(9), windows, busy, one_hour(), now=EARLY),
    ):
        with pytest.raises(InvalidInput) as info:
            call()
        assert info.value.field == field


def test_wrong_spec_or_deadlines_types_are_typed_errors():
    with pytest.raises(InvalidInput) as info:
        open_slots([iv(9, 12)], [], "1h", now=EARLY)  # type: ignore[arg-type]
    assert info.value.field == "spec"
    with pytest.raises(InvalidInput) as info:
        open_slots([iv(9, 12)], [], one_hour(), now=EARLY, deadlines={"minimum_notice": HOUR})  # type: ignore[arg-type]
    assert info.value.field == "deadlines"


def test_now_near_the_datetime_limits_is_a_typed_error():
    with pytest.raises(InvalidInterval) as info:
        open_slots([iv(9, 12)], [], one_hour(), now=datetime.max.replace(tzinfo=UTC))
    assert info.value.field == "now"


def test_naive_now_is_refused():
    with pytest.raises(InvalidInterval):
        open_slots([iv(9, 12)], [], one_hour(), now=datetime(2027, 1, 4, 8))


# --- DST ---------------------------------------------------------------------------------------


def test_autumn_fold_night_has_one_hour_more():
    # Europe/Berlin, 31 October 2027: 00:00-04:00 on the wall clock is five real hours.
    day = datetime(2027, 10, 31)
    window = Interval(localize(day, BERLIN), localize(day.replace(hour=4), BERLIN))
    slots = open_slots([window], [], one_hour(), now=EARLY)
    assert len(slots) == 5
    assert [s.start.astimezone(BERLIN).strftime("%H:%M%z") for s in slots] == [
        "00:00+0200",
        "01:00+0200",
        "02:00+0200",
        "02:00+0100",
        "03:00+0100",
    ]


def test_spring_gap_night_has_one_hour_less():
    day = datetime(2027, 3, 28)
    window = Interval(localize(day, BERLIN), localize(day.replace(hour=4), BERLIN))
    busy = [Interval(localize(day.replace(hour=3), BERLIN), localize(day.replace(hour=4), BERLIN))]
    slots = open_slots([window], busy, one_hour(), now=EARLY)
    assert [s.start.astimezone(BERLIN).hour for s in slots] == [0, 1]


# --- determinism and scale ---------------------------------------------------------------------


def test_result_does_not_depend_on_input_order():
    rng = random.Random(7)
    windows = [iv(d * 24 + 9, d * 24 + 17) for d in range(10)]
    busy = [iv(h, h + rng.choice([0.5, 1, 1.5])) for h in (rng.uniform(0, 240) for _ in range(60))]
    spec = SlotSpec(length=timedelta(minutes=30), buffer_after=10 * MIN)
    expected = open_slots(windows, busy, spec, now=EARLY)
    for _ in range(5):
        rng.shuffle(windows)
        rng.shuffle(busy)
        assert open_slots(iter(windows), iter(busy), spec, now=EARLY) == expected


def test_windows_far_in_the_past_are_skipped_not_walked():
    # A year-long window and a one-minute grid: walking it minute by minute from its start would
    # take ~500k steps; the sweep jumps to now directly.
    window = Interval(DAY0 - timedelta(days=365), DAY0 + HOUR)
    spec = SlotSpec(length=MIN)
    slots = open_slots([window], [], spec, now=DAY0)
    # The slot starting at now has begun, so the hour after now holds 59.
    assert len(slots) == 59
    assert slots[0].start == DAY0 + MIN


# --- slot_at ------------------------------------------------------------------------------------


def test_slot_at_returns_the_open_slot_in_utc():
    starts_at = at(10).astimezone(BERLIN)
    slot = slot_at(starts_at, [iv(9, 12)], [], one_hour(), now=EARLY)
    assert slot == iv(10, 11)
    assert slot.start.tzinfo is UTC


@pytest.mark.parametrize(
    ("starts_at", "now", "spec", "reason"),
    [
        (at(9), at(9.5), one_hour(), "already started"),
        (at(10), at(9.5), one_hour(), "minimum_notice"),
        (at(11), at(8), one_hour(), "horizon"),
        (at(13), EARLY, one_hour(), "outside availability"),
        (at(11.5), EARLY, one_hour(), "outside availability"),  # would end after the window
        (at(9.5), EARLY, one_hour(), "not on the slot grid"),
        (at(10), EARLY, one_hour(), "taken"),
        (at(11), EARLY, one_hour(buffer_before=5 * MIN), "taken"),  # right after busy 10-11
    ],
)
def test_slot_at_says_why_not(starts_at, now, spec, reason):
    deadlines = {
        "minimum_notice": Deadlines(minimum_notice=HOUR),
        "horizon": Deadlines(booking_horizon=2 * HOUR),
    }.get(reason)
    with pytest.raises(SlotUnavailable) as info:
        slot_at(starts_at, [iv(9, 12)], [iv(10, 11)], spec, now=now, deadlines=deadlines)
    if deadlines is not None:
        assert info.value.reason == reason
        reason = "bookings"
    assert reason in info.value.message
    assert info.value.starts_at == starts_at
    assert info.value.code == "slot_unavailable"


def test_slot_at_refuses_naive_datetimes():
    with pytest.raises(InvalidInterval):
        slot_at(datetime(2027, 1, 4, 9), [iv(9, 12)], [], one_hour(), now=EARLY)
    with pytest.raises(InvalidInterval):
        slot_at(at(9), [iv(9, 12)], [], one_hour(), now=datetime(2027, 1, 1))


def test_slot_at_uses_the_merged_window_grid():
    windows = [iv(9, 10.5), iv(10.5, 12)]
    assert slot_at(at(10), windows, [], one_hour(), now=EARLY) == iv(10, 11)
    with pytest.raises(SlotUnavailable, match="grid"):
        slot_at(at(10.5), windows, [], one_hour(), now=EARLY)


# --- properties against a brute-force reference -------------------------------------------------

# Inputs in whole minutes from BASE: Europe/Berlin springs forward 60 minutes in, so inputs
# expressed in that zone cross a DST change and wall-clock arithmetic would show.
BASE = datetime(2027, 3, 28, 0, 0, tzinfo=UTC)
ZONES = [UTC, BERLIN, ZoneInfo("America/New_York"), timezone(timedelta(hours=5, minutes=30))]


def reference(windows, busy, length, before, after, step, notice, horizon, now):
    """Quadratic and obvious: every grid point of every merged window against every busy."""
    covered = sorted({m for s, e in windows for m in range(s, e)})
    merged: list[list[int]] = []
    for m in covered:
        if merged and merged[-1][1] == m:
            merged[-1][1] = m + 1
        else:
            merged.append([m, m + 1])
    out = []
    for ws, we in merged:
        s = ws
        while s + length <= we:
            in_time = s > now and s >= now + notice and (horizon is None or s <= now + horizon)
            free = all(
                not (s - before < b1 + after and b0 - before < s + length + after)
                for b0, b1 in busy
            )
            if in_time and free:
                out.append((s, s + length))
            s += step
    return out


spans = st.tuples(st.integers(0, 600), st.integers(1, 180)).map(lambda t: (t[0], t[0] + t[1]))
zoned_spans = st.tuples(spans, st.sampled_from(ZONES))
# Shorter busy spans, or most examples would have every slot taken.
short_spans = st.tuples(st.integers(0, 700), st.integers(1, 60)).map(lambda t: (t[0], t[0] + t[1]))
zoned_busy = st.tuples(short_spans, st.sampled_from(ZONES))


def to_interval(span: tuple[int, int], zone) -> Interval:
    s, e = span
    return Interval((BASE + s * MIN).astimezone(zone), (BASE + e * MIN).astimezone(zone))


slot_specs = st.fixed_dictionaries(
    {
        "length": st.integers(1, 120),
        "before": st.integers(0, 30),
        "after": st.integers(0, 30),
        "step": st.none() | st.integers(1, 90),
        "notice": st.integers(0, 60),
        # Beyond the notice: Deadlines refuses a horizon that leaves nothing bookable.
        "horizon": st.none() | st.integers(1, 900),
        "now": st.integers(-60, 300),
    }
)


def build(params):
    spec = SlotSpec(
        length=params["length"] * MIN,
        buffer_before=params["before"] * MIN,
        buffer_after=params["after"] * MIN,
        step=None if params["step"] is None else params["step"] * MIN,
    )
    deadlines = Deadlines(
        minimum_notice=params["notice"] * MIN,
        booking_horizon=None if params["horizon"] is None else horizon_of(params) * MIN,
    )
    return spec, deadlines, BASE + params["now"] * MIN


def horizon_of(params):
    return params["notice"] + params["horizon"]


def expected(windows, busy, params):
    return reference(
        [w for w, _ in windows],
        [b for b, _ in busy],
        params["length"],
        params["before"],
        params["after"],
        params["step"] or params["length"],
        params["notice"],
        None if params["horizon"] is None else horizon_of(params),
        params["now"],
    )


@settings(max_examples=200, deadline=None)
@given(
    windows=st.lists(zoned_spans, min_size=1, max_size=6),
    busy=st.lists(zoned_busy, max_size=8),
    params=slot_specs,
)
def test_open_slots_equals_brute_force(windows, busy, params):
    spec, deadlines, now = build(params)
    got = open_slots(
        [to_interval(*w) for w in windows],
        [to_interval(*b) for b in busy],
        spec,
        now=now,
        deadlines=deadlines,
    )
    assert [((s.start - BASE) // MIN, (s.end - BASE) // MIN) for s in got] == expected(
        windows, busy, params
    )
    assert all(s.start.tzinfo is UTC for s in got)


@settings(max_examples=200, deadline=None)
@given(
    windows=st.lists(zoned_spans, min_size=1, max_size=5),
    busy=st.lists(zoned_busy, max_size=8),
    params=slot_specs,
    probes=st.lists(st.integers(-60, 800), min_size=1, max_size=10),
)
def test_slot_at_agrees_with_open_slots(windows, busy, params, probes):
    spec, deadlines, now = build(params)
    ws = [to_interval(*w) for w in windows]
    bs = [to_interval(*b) for b in busy]
    open_starts = {s.start for s in open_slots(ws, bs, spec, now=now, deadlines=deadlines)}
    for minute in probes:
        starts_at = BASE + minute * MIN
        if starts_at in open_starts:
            got = slot_at(starts_at, ws, bs, spec, now=now, deadlines=deadlines)
            assert got.start == starts_at
        else:
            with pytest.raises(SlotUnavailable):
                slot_at(starts_at, ws, bs, spec, now=now, deadlines=deadlines)


def test_slot_unavailable_carries_a_stable_reason():
    from datetime import UTC, datetime, timedelta

    from fluentory_bookings.core.errors import SlotUnavailable
    from fluentory_bookings.core.intervals import Interval
    from fluentory_bookings.core.policy import Deadlines
    from fluentory_bookings.core.slots import SlotSpec, slot_at

    now = datetime(2027, 1, 4, 8, tzinfo=UTC)
    window = Interval(now + timedelta(hours=1), now + timedelta(hours=5))
    busy = [Interval(now + timedelta(hours=2), now + timedelta(hours=3))]
    spec = SlotSpec(length=timedelta(hours=1))
    deadlines = Deadlines(minimum_notice=timedelta(minutes=30))
    cases = {
        now - timedelta(hours=1): "past",
        now + timedelta(minutes=10): "minimum_notice",
        now + timedelta(hours=9): "outside_availability",
        now + timedelta(hours=1, minutes=15): "off_grid",
        now + timedelta(hours=2): "taken",
    }
    for start, reason in cases.items():
        with pytest.raises(SlotUnavailable) as info:
            slot_at(start, [window], busy, spec, now=now, deadlines=deadlines)
        assert info.value.reason == reason
        assert info.value.as_dict()["reason"] == reason
