"""Property tests: our expansion equals what calendar software expands from our export.

For random rules whose local times sit near DST transitions (2026-2028) in zones with 1-hour,
30-minute, midnight and 45-minute-offset transitions, the instance starts we compute must equal

(a) ``dateutil.rrule`` run on our exported lines, with the TZID read by ``zoneinfo`` (fold=0), and
(b) ``recurring_ical_events`` run on an icalendar VEVENT built from the same lines.

Only starts are compared with (b): recurring_ical_events is known to get ends wrong at the edges
(zero-length instances in a gap, a fold's hour added to an ambiguous one). Durations are checked
on our side: every RRULE and one-time instance lasts exactly ``rule.duration``.

A weekly availability window is bounded by its local start and end times on every date, not by
RFC 5545's exact duration (which the export still carries as DURATION, the plain-day length):
so for a WeeklyRule the oracles' starts are compared after dropping the dates on which the window
lies wholly in a spring-forward gap (its two ends read to one instant), and its ends are checked
against zoneinfo's reading of the local end time instead of ``start + duration``.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import icalendar
import pytest
import recurring_ical_events
from dateutil.rrule import rruleset, rrulestr
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from fluentory_bookings.core.errors import InvalidRule
from fluentory_bookings.core.ical_lines import rule_from_ical_lines
from fluentory_bookings.core.intervals import Interval
from fluentory_bookings.core.recurrence import (
    OneTimeRule,
    RRuleRule,
    WeeklyRule,
)

ZONES = (
    "Europe/Berlin",
    "America/New_York",
    "Australia/Lord_Howe",
    "America/Santiago",
    "Asia/Kolkata",
    "Pacific/Chatham",
)
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
HEAVY = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLACK = timedelta(days=2)
ICAL_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


@cache
def transitions(tz: str) -> tuple[datetime, ...]:
    """Naive local wall-clock times at which the zone's offset changes in 2026-2028."""
    zone = ZoneInfo(tz)
    out = []
    t = datetime(2026, 1, 1, tzinfo=UTC)
    previous = t.astimezone(zone).utcoffset()
    while t.year < 2029:
        nxt = t + timedelta(hours=1)
        offset = nxt.astimezone(zone).utcoffset()
        if offset != previous:
            lo, hi = t, nxt
            while hi - lo > timedelta(minutes=1):
                mid = lo + (hi - lo) / 2
                if mid.astimezone(zone).utcoffset() == previous:
                    lo = mid
                else:
                    hi = mid
            # The wall clock just before the change, e.g. 02:00 in Berlin in spring.
            before = (hi - timedelta(seconds=1)).astimezone(zone) + timedelta(seconds=1)
            out.append(before.replace(tzinfo=None))
            previous = offset
        t = nxt
    return tuple(out)


@st.composite
def anchors(draw: st.DrawFn) -> tuple[str, datetime]:
    """A zone and a naive local time within a few hours of one of its transitions."""
    tz = draw(st.sampled_from(ZONES))
    options = transitions(tz)
    if options:
        base = draw(st.sampled_from(options))
    else:
        day = draw(st.dates(min_value=date(2026, 1, 1), max_value=date(2028, 12, 31)))
        base = datetime.combine(day, time(2, 0))
    minutes = draw(
        st.one_of(
            st.integers(-12, 12).map(lambda k: 15 * k),  # on the quarter-hour grid
            st.integers(-180, 180),
        )
    )
    days = draw(st.sampled_from((0, 0, 0, -1, 1, -7, 7)))
    return tz, base + timedelta(days=days, minutes=minutes)


@st.composite
def weekly_rules(draw: st.DrawFn) -> WeeklyRule:
    tz, anchor = draw(anchors())
    day = anchor.date()
    length = draw(st.integers(1, 24 * 60 - 1))
    end = (datetime.combine(day, anchor.time()) + timedelta(minutes=length)).time()
    weekdays = {day.weekday()} | draw(st.frozensets(st.integers(0, 6), max_size=3))
    valid_from = day - timedelta(days=draw(st.integers(0, 21)))
    open_ended = draw(st.booleans())
    valid_until = None if open_ended else day + timedelta(days=draw(st.integers(0, 28)))
    near = st.integers(-21, 28).map(lambda k: day + timedelta(days=k))
    exdates = draw(st.frozensets(near, max_size=3))
    last = valid_until or day + timedelta(days=28)
    rdates = frozenset(d for d in draw(st.frozensets(near, max_size=3)) if valid_from <= d <= last)
    try:
        return WeeklyRule(
            tz=tz,
            weekdays=frozenset(weekdays),
            start_time=anchor.time(),
            end_time=end,
            valid_from=valid_from,
            valid_until=valid_until,
            exdates=exdates,
            rdates=rdates,
        )
    except InvalidRule:
        assume(False)
        raise  # pragma: no cover


@st.composite
def rrule_rules(draw: st.DrawFn) -> RRuleRule:
    tz, dtstart = draw(anchors())
    freq = draw(st.sampled_from(("DAILY", "WEEKLY", "WEEKLY", "MONTHLY", "YEARLY")))
    interval = draw(st.integers(1, 3))
    if freq == "WEEKLY":
        days = {dtstart.weekday()} | draw(st.frozensets(st.integers(0, 6), max_size=2))
        value = f"FREQ=WEEKLY;INTERVAL={interval};BYDAY=" + ",".join(
            ICAL_DAYS[d] for d in sorted(days)
        )
    elif freq == "MONTHLY":
        value = f"FREQ=MONTHLY;BYMONTHDAY={dtstart.day}"
    elif freq == "YEARLY":
        value = "FREQ=YEARLY"
    else:
        value = f"FREQ=DAILY;INTERVAL={interval}"
    end_kind = draw(st.sampled_from(("COUNT", "UNTIL_UTC", "UNTIL_LOCAL", "UNTIL_DATE", "NONE")))
    until_local = dtstart + timedelta(
        days=draw(st.integers(0, 30)), minutes=draw(st.integers(-90, 90))
    )
    if end_kind == "COUNT":
        value += f";COUNT={draw(st.integers(1, 12))}"
    elif end_kind == "UNTIL_UTC":
        instant = until_local.replace(tzinfo=ZoneInfo(tz)).astimezone(UTC)
        value += f";UNTIL={instant:%Y%m%dT%H%M%SZ}"
    elif end_kind == "UNTIL_LOCAL":
        value += f";UNTIL={until_local:%Y%m%dT%H%M%S}"
    elif end_kind == "UNTIL_DATE":
        value += f";UNTIL={until_local:%Y%m%d}"
    duration = timedelta(minutes=draw(st.integers(1, 26 * 60)))
    offsets = st.integers(0, 40 * 24 * 4).map(lambda k: dtstart + timedelta(minutes=15 * k))
    exdates = draw(st.frozensets(offsets, max_size=3))
    exdates |= draw(
        st.frozensets(st.integers(1, 10).map(lambda k: dtstart + timedelta(days=k)), max_size=2)
    )
    rdates = draw(st.frozensets(offsets, max_size=3))
    try:
        return RRuleRule(tz, dtstart, duration, value, exdates=exdates, rdates=rdates)
    except InvalidRule:
        assume(False)
        raise  # pragma: no cover


@st.composite
def one_time_rules(draw: st.DrawFn) -> OneTimeRule:
    tz, start = draw(anchors())
    end = start + timedelta(minutes=draw(st.integers(1, 10 * 60)))
    try:
        return OneTimeRule(tz, start, end)
    except InvalidRule:
        assume(False)
        raise  # pragma: no cover


any_rule = st.one_of(weekly_rules(), rrule_rules(), one_time_rules())


def first_local(rule: WeeklyRule | RRuleRule | OneTimeRule) -> datetime:
    if isinstance(rule, WeeklyRule):
        return datetime.combine(rule.valid_from, time(0))
    if isinstance(rule, RRuleRule):
        return rule.dtstart
    return rule.start


def comparison_span(rule: WeeklyRule | RRuleRule | OneTimeRule) -> tuple[datetime, datetime]:
    """A UTC span [lo, hi) that holds every start we compare: starts end six weeks in."""
    lo = first_local(rule).replace(tzinfo=UTC) - SLACK
    return lo, lo + timedelta(days=45)


def our_starts(
    rule: WeeklyRule | RRuleRule | OneTimeRule, lo: datetime, hi: datetime
) -> list[datetime]:
    found = rule.occurrences(Interval(lo - SLACK, hi + SLACK))
    return [iv.start for iv in found if lo <= iv.start < hi]


def parse_local(value: str, zone: ZoneInfo) -> datetime:
    return datetime.strptime(value, "%Y%m%dT%H%M%S").replace(tzinfo=zone)


def dateutil_starts(lines: list[str], lo: datetime, hi: datetime) -> list[datetime]:
    """Expand exported lines with dateutil and zoneinfo, as an RFC 5545 client would.

    EXDATEs remove the instance at the same instant. (dateutil's own ``rruleset.exdate`` compares
    wall clocks, because Python compares datetimes of one zone that way; in a gap that keeps an
    instance whose DTSTART-derived 02:00 is the EXDATE's 03:00.)
    """
    props = [(line.split(":", 1)[0], line.split(":", 1)[1]) for line in lines]
    head, value = props[0]
    assert head.startswith("DTSTART;TZID=")
    zone = ZoneInfo(head.split("=", 1)[1])
    dtstart = parse_local(value, zone)
    rs = rruleset()
    rs.rdate(dtstart)  # DTSTART is always the first instance (RFC 5545 3.8.5.3)
    excluded = set()
    for name, val in props[1:]:
        if name == "RRULE":
            rs.rrule(rrulestr(val, dtstart=dtstart))
        elif name.startswith("EXDATE;TZID="):
            assert name.endswith(zone.key)
            excluded.add(parse_local(val, zone).astimezone(UTC))
        elif name.startswith("RDATE;TZID="):
            assert name.endswith(zone.key)
            rs.rdate(parse_local(val, zone))
    out = set()
    for dt in rs:
        start = dt.astimezone(UTC)
        if start >= hi + SLACK:
            break
        if lo <= start < hi and start not in excluded:
            out.add(start)
    return sorted(out)


def local_end(rule: WeeklyRule, start: datetime) -> datetime:
    """The UTC end of the weekly window that starts at ``start``: its local end time, read by
    zoneinfo with fold=0 on the right date (the next one for a window past midnight)."""
    zone = ZoneInfo(rule.tz)
    day = start.astimezone(zone).date()
    if rule.end_time <= rule.start_time:
        day += timedelta(days=1)
    return datetime.combine(day, rule.end_time, zone).astimezone(UTC)


def weekly_oracle_starts(rule: WeeklyRule | RRuleRule | OneTimeRule, starts: list[datetime]):
    """An oracle's starts less the dates whose weekly window lies wholly in a gap."""
    if not isinstance(rule, WeeklyRule):
        return starts
    return [s for s in starts if local_end(rule, s) > s]


def vevent_text(lines: list[str]) -> str:
    body = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//fluentory-bookings//tests//EN",
        "BEGIN:VEVENT",
        "UID:rule@tests.invalid",
        "DTSTAMP:20260101T000000Z",
        *lines,
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "\r\n".join(body) + "\r\n"


def recurring_ical_events_starts(lines: list[str], lo: datetime, hi: datetime) -> list[datetime]:
    calendar = icalendar.Calendar.from_ical(vevent_text(lines))
    events = recurring_ical_events.of(calendar).between(lo - SLACK, hi + SLACK)
    starts = {event["DTSTART"].dt.astimezone(UTC) for event in events}
    return sorted(s for s in starts if lo <= s < hi)


@SETTINGS
@given(weekly_rules())
def test_weekly_starts_equal_dateutil_on_the_export(rule: WeeklyRule) -> None:
    lo, hi = comparison_span(rule)
    expected = weekly_oracle_starts(rule, dateutil_starts(rule.to_ical_lines(), lo, hi))
    assert our_starts(rule, lo, hi) == expected


@SETTINGS
@given(rrule_rules())
def test_rrule_starts_equal_dateutil_on_the_export(rule: RRuleRule) -> None:
    lo, hi = comparison_span(rule)
    assert our_starts(rule, lo, hi) == dateutil_starts(rule.to_ical_lines(), lo, hi)


def exdate_readings_collide(
    rule: WeeklyRule | RRuleRule | OneTimeRule, lo: datetime, hi: datetime
) -> bool:
    """Whether recurring_ical_events 3.8 would drop an instance for an EXDATE of another instant.

    It keys EXDATEs and instances by both their UTC and their local naive readings and removes an
    instance when any key matches, so an EXDATE at 10:00 Berlin (09:00 UTC) also removes an
    instance at 09:00 Berlin. That is its bug, not a disagreement about RFC 5545.
    """
    if isinstance(rule, OneTimeRule) or not rule.exdates:
        return False
    zone = ZoneInfo(rule.tz)
    if isinstance(rule, WeeklyRule):
        walls = [datetime.combine(d, rule.start_time) for d in rule.exdates]
        bare: WeeklyRule | RRuleRule = replace(rule, exdates=frozenset())
    else:
        walls = list(rule.exdates)
        bare = replace(rule, exdates=frozenset())
    ex_instants = {w.replace(tzinfo=zone).astimezone(UTC) for w in walls}
    ex_keys = set(walls) | {i.replace(tzinfo=None) for i in ex_instants}
    for start in our_starts(bare, lo - SLACK, hi + SLACK):
        if start in ex_instants:
            continue
        keys = {start.replace(tzinfo=None), start.astimezone(zone).replace(tzinfo=None)}
        if keys & ex_keys:
            return True
    return False


@HEAVY
@given(any_rule)
def test_starts_equal_recurring_ical_events_on_the_export(
    rule: WeeklyRule | RRuleRule | OneTimeRule,
) -> None:
    lo, hi = comparison_span(rule)
    assume(not exdate_readings_collide(rule, lo, hi))
    lines = rule.to_ical_lines()
    expected = weekly_oracle_starts(rule, recurring_ical_events_starts(lines, lo, hi))
    assert our_starts(rule, lo, hi) == expected


@SETTINGS
@given(any_rule)
def test_every_instance_lasts_exactly_the_rule_duration_or_its_local_window(
    rule: WeeklyRule | RRuleRule | OneTimeRule,
) -> None:
    lo, hi = comparison_span(rule)
    found = rule.occurrences(Interval(lo, hi))
    if isinstance(rule, WeeklyRule):
        assert all(iv.end == local_end(rule, iv.start) for iv in found)
    else:
        assert all(iv.end - iv.start == rule.duration for iv in found)
    assert all(iv.start.tzinfo is UTC and iv.end.tzinfo is UTC for iv in found)
    starts = [iv.start for iv in found]
    assert starts == sorted(set(starts))


@SETTINGS
@given(any_rule, st.integers(0, 45 * 24), st.integers(1, 30 * 24))
def test_a_narrow_window_sees_what_a_wide_one_sees(
    rule: WeeklyRule | RRuleRule | OneTimeRule, from_hour: int, hours: int
) -> None:
    lo, hi = comparison_span(rule)
    wide = rule.occurrences(Interval(lo - SLACK, hi + timedelta(days=40)))
    narrow = Interval(lo + timedelta(hours=from_hour), lo + timedelta(hours=from_hour + hours))
    assert rule.occurrences(narrow) == [iv for iv in wide if iv.overlaps(narrow)]


@st.composite
def open_ended_rules(draw: st.DrawFn) -> tuple[RRuleRule, int]:
    """An open-ended DAILY or WEEKLY rule near a transition, and its period in days."""
    tz, dtstart = draw(anchors())
    interval = draw(st.integers(1, 3))
    if draw(st.booleans()):
        days = {dtstart.weekday()} | draw(st.frozensets(st.integers(0, 6), max_size=3))
        byday = ",".join(ICAL_DAYS[d] for d in sorted(days))
        wkst = draw(st.sampled_from(("", ";WKST=SU", ";WKST=WE")))
        value, period = f"FREQ=WEEKLY;INTERVAL={interval};BYDAY={byday}{wkst}", 7 * interval
    else:
        value, period = f"FREQ=DAILY;INTERVAL={interval}", interval
    duration = timedelta(minutes=draw(st.integers(1, 26 * 60)))
    return RRuleRule(tz, dtstart, duration, value), period


@SETTINGS
@given(open_ended_rules(), st.integers(1, 400))
def test_skipping_years_of_history_changes_nothing(
    rule_and_period: tuple[RRuleRule, int], periods: int
) -> None:
    # The same recurrence started ``periods`` whole periods earlier: expansion of the old rule
    # moves its DTSTART forward to the window, and must find exactly the instances a rule
    # starting there finds (plus those of the first week that precede the newer DTSTART).
    rule, period = rule_and_period
    older = replace(rule, dtstart=rule.dtstart - timedelta(days=periods * period))
    lo, hi = comparison_span(rule)
    window = Interval(lo, hi)
    newer = rule.occurrences(window)
    first = localize_utc(rule.dtstart, rule.tz)
    assert newer[0].start == first
    assert [iv for iv in older.occurrences(window) if iv.start >= first] == newer


def localize_utc(wall: datetime, tz: str) -> datetime:
    return wall.replace(tzinfo=ZoneInfo(tz)).astimezone(UTC)


@SETTINGS
@given(any_rule)
def test_exported_lines_read_back_to_the_same_instances(
    rule: WeeklyRule | RRuleRule | OneTimeRule,
) -> None:
    lo, hi = comparison_span(rule)
    window = Interval(lo, hi + timedelta(days=30))
    again = rule_from_ical_lines(rule.to_ical_lines())
    assert again.duration == rule.duration
    ours, theirs = rule.occurrences(window), again.occurrences(window)
    if not isinstance(rule, WeeklyRule):
        assert theirs == ours
        return
    # The export gives every instance the plain-day DURATION (RFC 5545 cannot bound each one by
    # local times): the starts agree, and so does every instance of a plain day; a DST day's
    # window differs only in its end, or is absent where it lies wholly in a gap.
    by_start = {iv.start: iv for iv in theirs}
    assert [iv.start for iv in ours] == weekly_oracle_starts(rule, sorted(by_start))
    assert all(by_start[iv.start] == iv for iv in ours if iv.duration == rule.duration)


@pytest.mark.parametrize("tz", ZONES)
def test_the_strategies_reach_transitions(tz: str) -> None:
    # Asia/Kolkata has no DST: it is the control zone.
    assert bool(transitions(tz)) == (tz != "Asia/Kolkata")
