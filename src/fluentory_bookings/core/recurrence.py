"""Teacher availability rules and their expansion into UTC instances.

A teacher publishes availability in their own wall-clock time and zone: "Mondays and Wednesdays
09:00-12:00, Europe/Berlin", "this Saturday 14:00-16:00", or any RFC 5545 recurrence. This module
turns such a rule into the concrete :class:`~fluentory_bookings.core.intervals.Interval` instances
that overlap a window, in UTC, and exports the rule as iCalendar content lines.

Expansion follows RFC 5545, the reading every calendar client applies, so the instances we book
start where a subscribed calendar shows them:

* a local time is read as in section 3.3.5 (:func:`~fluentory_bookings.core.zones.localize`):
  a time in a spring-forward gap moves forward by the gap, an ambiguous time in a fall-back fold
  is its first occurrence;
* an :class:`RRuleRule` instance lasts the rule's exact duration, added in absolute time
  (section 3.8.5.3), so one that starts in a gap is not shortened and one that spans a
  transition keeps its length (its wall-clock end moves instead);
* a teacher's window (:class:`WeeklyRule`, :class:`OneTimeRule`) is bounded by its local start
  and end times on every date, so on a DST-change day it is shorter or longer in real time.

Every expansion is bounded (:data:`MAX_INSTANCES`), and an RRULE is limited to what availability
needs, so that no input keeps a process busy: see :class:`RRuleRule`.

The rules own what their fields mean; the text of RFC 5545 has a module per format: the RRULE
grammar in ``_rrule_text``, DATE-TIME and DURATION values in ``_ical_values``, and the reading of
content lines back into rules in :mod:`~fluentory_bookings.core.ical_lines`.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import lru_cache
from operator import attrgetter
from typing import Any, Protocol, runtime_checkable
from zoneinfo import ZoneInfo

from dateutil.rrule import rrule, rrulestr

from fluentory_bookings.core._ical_values import format_duration, format_utc, zoned_line
from fluentory_bookings.core._rrule_text import WEEKDAYS, canonical_rrule
from fluentory_bookings.core.errors import InvalidInput, InvalidRule, InvalidTimezone, LimitExceeded
from fluentory_bookings.core.intervals import Interval
from fluentory_bookings.core.validate import require_duration
from fluentory_bookings.core.zones import localize, resolve_zone, wall_clock_to_utc, zone_key

__all__ = [
    "MAX_COUNT",
    "MAX_INSTANCES",
    "MAX_INTERVAL",
    "AvailabilityRule",
    "OneTimeRule",
    "RRuleRule",
    "WeeklyRule",
    "expand",
]

MAX_INSTANCES = 20_000
"""The most instances one ``occurrences()`` call steps through; past it, ``LimitExceeded``.

Twenty thousand is more than fifty years of daily availability: a caller that hits it asks for
a window no page or feed shows."""

MAX_COUNT = 2_000
"""The largest ``COUNT`` an RRULE may give. A rule with COUNT is expanded from its DTSTART, so
this bounds the steps before any window (five years of daily instances)."""

MAX_INTERVAL = 1_000
"""The largest ``INTERVAL`` an RRULE may give."""

# Expansion looks this many days beyond the window on both sides before filtering exactly: it
# covers any UTC offset (at most 14 h either way) plus a gap shift, so no instance is missed.
_SLACK_DAYS = 2
_MAX_ORDINAL = date.max.toordinal()
_CACHE_SIZE = 8192

_by_start_end = attrgetter("start", "end")


@runtime_checkable
class AvailabilityRule(Protocol):
    """What every availability rule offers.

    Rules are immutable and hashable values. ``tz`` is the IANA zone the rule's wall-clock
    times are read in.
    """

    @property
    def tz(self) -> str:
        """The IANA zone the rule's wall-clock times are read in."""
        ...

    @property
    def duration(self) -> timedelta:
        """The exact length of every instance."""
        ...

    def occurrences(self, window: Interval) -> list[Interval]:
        """Return the instances that overlap ``window``, in UTC, sorted by start."""
        ...

    def to_ical_lines(self) -> list[str]:
        """Return the rule as unfolded iCalendar content lines (DTSTART, DURATION, RRULE, ...)."""
        ...


# --- validation helpers --------------------------------------------------------------------


def _set_fields(obj: object, **values: object) -> None:
    # The rules are frozen dataclasses with their own __init__ (to take a ZoneInfo or any
    # iterable and store the canonical value), so they set their slots this way.
    for name, value in values.items():
        object.__setattr__(obj, name, value)


def _wall_instant(value: object, name: str, tz: str) -> datetime:
    """Check a naive wall-clock datetime of a rule and return its UTC instant."""
    if not isinstance(value, datetime):
        raise InvalidRule(
            f"{name} must be a naive datetime (local wall-clock time), not {type(value).__name__}",
            field=name,
        )
    if value.microsecond:
        raise InvalidRule(
            f"{name} must be a whole second (iCalendar has no fractions), got {value.isoformat()}",
            field=name,
        )
    try:
        return wall_clock_to_utc(value, tz, field=name)
    except InvalidTimezone:
        raise
    except InvalidInput as exc:
        raise InvalidRule(f"{exc.message} (read in the rule's tz {tz})", field=name) from exc


def _check_time(value: object, name: str) -> time:
    if not isinstance(value, time):
        raise InvalidRule(f"{name} must be a datetime.time, not {type(value).__name__}", field=name)
    if value.tzinfo is not None:
        raise InvalidRule(f"{name} must be a naive local time, got {value.isoformat()}", field=name)
    if value.microsecond:
        raise InvalidRule(f"{name} must be a whole second, got {value.isoformat()}", field=name)
    if value.fold:
        # The time recurs on many dates; iCalendar cannot say "the second pass" on the few
        # where it is ambiguous, so fold=1 is refused rather than quietly ignored.
        raise InvalidRule(
            f"{name} has fold=1, which iCalendar cannot express: use fold=0", field=name
        )
    return value


def _check_date(value: object, name: str, tz: str) -> date:
    # datetime is a subclass of date; a datetime here is almost always a caller's mistake.
    if not isinstance(value, date) or isinstance(value, datetime):
        raise InvalidRule(f"{name} must be a datetime.date, not {type(value).__name__}", field=name)
    _wall_instant(datetime.combine(value, time(12)), name, tz)  # within the supported years
    return value


def _check_duration(value: object) -> timedelta:
    try:
        return require_duration(value, "duration", whole_seconds=True)
    except InvalidInput as exc:
        raise InvalidRule(exc.message, field="duration") from exc


def _frozen(name: str, value: object) -> frozenset[Any]:
    # Accept any iterable (a list from a form, a set) and store the canonical frozenset, so that
    # equal rules hash equally.
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise InvalidRule(f"{name} must be a collection, not {type(value).__name__}", field=name)
    try:
        return frozenset(value)
    except TypeError as exc:
        raise InvalidRule(f"{name} holds an unhashable value", field=name) from exc


def _too_many(limit: int) -> LimitExceeded:
    return LimitExceeded(
        f"the window holds more than {limit} instances of the rule: ask for a smaller window",
        field="window",
        limit=limit,
    )


def _window_ordinals(window: Interval, duration: timedelta) -> tuple[int, int]:
    """Day ordinals (with slack) that can hold the local start date of an overlapping instance."""
    try:
        lo = (window.start - duration).astimezone(UTC).toordinal() - _SLACK_DAYS
    except OverflowError:
        lo = 1
    hi = window.end.astimezone(UTC).toordinal() + _SLACK_DAYS
    return max(lo, 1), min(hi, _MAX_ORDINAL - 1)


# --- one-time rule -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, init=False)
class OneTimeRule:
    """A single availability window in local wall-clock time.

    The window lasts the exact time between ``start`` and ``end`` read in ``tz``: from 01:00 to
    04:00 on a spring-forward night is two hours.

    Attributes:
        tz: IANA zone name, e.g. ``"Europe/Berlin"``. A ``ZoneInfo`` with an IANA key (or
            ``datetime.UTC``) is accepted and stored as its name.
        start: Naive local wall-clock start.
        end: Naive local wall-clock end, after ``start``.

    Raises:
        InvalidTimezone: ``tz`` is not an IANA zone.
        InvalidRule: a datetime is aware, has fractions of a second or ``fold=1``, lies outside
            the supported years, or ``end`` is not after ``start`` once both are read in ``tz``.
    """

    tz: str
    start: datetime
    end: datetime

    def __init__(self, tz: str | tzinfo, start: datetime, end: datetime) -> None:
        key = zone_key(tz)
        first = _wall_instant(start, "start", key)
        if _wall_instant(end, "end", key) <= first:
            raise InvalidRule(
                f"end ({end.isoformat()}) must be after start ({start.isoformat()}) in {key}",
                field="end",
            )
        _set_fields(self, tz=key, start=start, end=end)

    @property
    def duration(self) -> timedelta:
        """The exact time between start and end."""
        start, end = _one_time_span(self)
        return end - start

    def occurrences(self, window: Interval) -> list[Interval]:
        """Return the window as a one-element list if it overlaps ``window``, else ``[]``."""
        _require_window(window)
        start, end = _one_time_span(self)
        if start < window.end and end > window.start:
            return [Interval.unchecked(start, end)]
        return []

    def to_ical_lines(self) -> list[str]:
        """Return ``DTSTART;TZID=...`` and ``DURATION`` content lines."""
        return [
            zoned_line("DTSTART", self.tz, self.start),
            f"DURATION:{format_duration(self.duration)}",
        ]


@lru_cache(maxsize=_CACHE_SIZE)
def _one_time_span(rule: OneTimeRule) -> tuple[datetime, datetime]:
    return wall_clock_to_utc(rule.start, rule.tz), wall_clock_to_utc(rule.end, rule.tz)


# --- weekly rule ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, init=False)
class WeeklyRule:
    """The same local times on chosen weekdays, e.g. "Mon and Wed 09:00-12:00, Europe/Berlin".

    On every date the window is bounded by its local times, read as RFC 5545 section 3.3.5
    says, exactly like a :class:`OneTimeRule` with the same times: it starts at ``start_time``
    and ends at ``end_time`` on the wall clock. On a DST-change day it is therefore shorter or
    longer in real time than :attr:`duration` (01:00-04:00 is two hours on a spring-forward
    night and four on a fall-back night), and a window that lies wholly in a spring-forward gap
    has no instance that day. When ``end_time`` is earlier than ``start_time`` the window runs
    past midnight into the next day.

    Attributes:
        tz: IANA zone name. A ``ZoneInfo`` with an IANA key (or ``datetime.UTC``) is accepted
            and stored as its name.
        weekdays: Days of the week, ``0`` = Monday to ``6`` = Sunday. Any iterable of ints is
            accepted and stored as a frozenset.
        start_time: Naive local start time.
        end_time: Naive local end time; earlier than ``start_time`` means the next day.
        valid_from: First local date an instance may start on.
        valid_until: Last local date an instance may start on (inclusive), or ``None``.
        exdates: Local dates whose instance is removed. They win over ``rdates``, as in RFC 5545.
        rdates: Extra local dates with an instance at the same times, even off ``weekdays``.
            They must lie between ``valid_from`` and ``valid_until``.

    Raises:
        InvalidTimezone: ``tz`` is not an IANA zone.
        InvalidRule: a field has the wrong type, a time has ``fold=1``, ``weekdays`` is empty
            or holds a number outside 0..6, ``end_time`` equals ``start_time``, a date lies
            outside the supported years, ``valid_until`` is before ``valid_from``, an rdate lies
            outside the validity, or the rule has no instance at all.
    """

    tz: str
    weekdays: frozenset[int]
    start_time: time
    end_time: time
    valid_from: date
    valid_until: date | None = None
    exdates: frozenset[date] = frozenset()
    rdates: frozenset[date] = frozenset()

    def __init__(
        self,
        tz: str | tzinfo,
        weekdays: Iterable[int],
        start_time: time,
        end_time: time,
        valid_from: date,
        valid_until: date | None = None,
        exdates: Iterable[date] = frozenset(),
        rdates: Iterable[date] = frozenset(),
    ) -> None:
        key = zone_key(tz)
        days = _frozen("weekdays", weekdays)
        if not days:
            raise InvalidRule("weekdays must not be empty", field="weekdays")
        for day in days:
            if not isinstance(day, int) or isinstance(day, bool) or not 0 <= day <= 6:
                raise InvalidRule(
                    f"weekdays must be whole numbers 0 (Monday) to 6 (Sunday), got {day!r}",
                    field="weekdays",
                )
        start = _check_time(start_time, "start_time")
        end = _check_time(end_time, "end_time")
        if start == end:
            raise InvalidRule("end_time must differ from start_time", field="end_time")
        _check_date(valid_from, "valid_from", key)
        if valid_until is not None:
            _check_date(valid_until, "valid_until", key)
            if valid_until < valid_from:
                raise InvalidRule(
                    f"valid_until ({valid_until}) is before valid_from ({valid_from})",
                    field="valid_until",
                )
        removed = _frozen("exdates", exdates)
        added = _frozen("rdates", rdates)
        for name, dates in (("exdates", removed), ("rdates", added)):
            for day in dates:
                _check_date(day, name, key)
        for day in added:
            if day < valid_from or (valid_until is not None and day > valid_until):
                raise InvalidRule(
                    f"rdate {day} lies outside valid_from..valid_until", field="rdates"
                )
        _set_fields(
            self,
            tz=key,
            weekdays=days,
            start_time=start,
            end_time=end,
            valid_from=valid_from,
            valid_until=valid_until,
            exdates=removed,
            rdates=added,
        )
        plan = _weekly_plan(self)
        if plan.first_weekly is None and not plan.extra_ordinals:
            field = "exdates" if removed else "weekdays"
            raise InvalidRule(
                "the rule has no instance between valid_from and valid_until", field=field
            )

    @property
    def duration(self) -> timedelta:
        """The window's length on a day without a DST change (past midnight adds a day).

        An instance on a DST-change day is shorter or longer by the change; see the class.
        """
        return _weekly_plan(self).duration

    def occurrences(self, window: Interval) -> list[Interval]:
        """Return the instances overlapping ``window``, in UTC, sorted by start.

        Raises:
            LimitExceeded: the window holds more than :data:`MAX_INSTANCES` candidate dates
                (``field="window"``).
            InvalidInput: ``window`` is not an Interval.
        """
        _require_window(window)
        plan = _weekly_plan(self)
        lo, hi = _window_ordinals(window, plan.duration)
        first, last = max(lo, plan.first_ordinal), min(hi, plan.last_ordinal)
        if plan.offsets and last >= first:
            weeks = (last - first) // 7 + 1
            if weeks * len(plan.offsets) > MAX_INSTANCES:
                raise _too_many(MAX_INSTANCES)
        ordinals: Iterable[int] = _weekly_ordinals(plan, first, last)
        if plan.extra_ordinals:
            # Rdates lie inside the validity already, and may come before the first weekday.
            extra = [o for o in plan.extra_ordinals if lo <= o <= hi]
            if extra:
                ordinals = sorted([*ordinals, *extra])
        return _instances(ordinals, plan, window)

    def to_ical_lines(self) -> list[str]:
        """Return DTSTART, DURATION, RRULE (UNTIL in UTC), EXDATE and RDATE content lines.

        DTSTART is the first instance of the weekly recurrence, so it is synchronised with the
        RRULE as RFC 5545 requires. A rule made only of rdates has no RRULE line.

        ``DURATION`` is :attr:`duration`, the plain-day length, because iCalendar has no way to
        bound each instance of a recurrence by local times (RFC 5545 gives every instance the
        same exact duration). An instance whose own duration differs from :attr:`duration` (one
        on a DST-change day) is therefore not what a client expands from these lines alone: a
        feed writes such instances as explicit overrides (``RECURRENCE-ID``).
        """
        plan = _weekly_plan(self)
        t = plan.start_time
        extra = [date.fromordinal(o) for o in plan.extra_ordinals]
        if plan.first_weekly is None:
            first, rest = extra[0], extra[1:]
        else:
            first, rest = plan.first_weekly, extra
        lines = [
            zoned_line("DTSTART", self.tz, datetime.combine(first, t)),
            f"DURATION:{format_duration(plan.duration)}",
        ]
        if plan.first_weekly is not None:
            byday = ",".join(WEEKDAYS[d] for d in plan.offsets)
            rule = f"FREQ=WEEKLY;BYDAY={byday}"
            if self.valid_until is not None:
                until = wall_clock_to_utc(datetime.combine(self.valid_until, t), plan.zone)
                rule += f";UNTIL={format_utc(until)}"
            lines.append(f"RRULE:{rule}")
            first_o = plan.first_weekly.toordinal()
            for o in sorted(plan.exdate_ordinals):
                if o > first_o and o <= plan.last_ordinal and (o - 1) % 7 in plan.offsets:
                    lines.append(
                        zoned_line("EXDATE", self.tz, datetime.combine(date.fromordinal(o), t))
                    )
        lines += [zoned_line("RDATE", self.tz, datetime.combine(d, t)) for d in rest]
        return lines


@dataclass(frozen=True, slots=True)
class _WeeklyPlan:
    zone: ZoneInfo
    start_time: time
    end_time: time
    end_days: int  # 1 when the window ends on the next local date
    duration: timedelta  # the plain-day length
    offsets: tuple[int, ...]  # sorted weekdays; empty when no weekday instance survives
    first_ordinal: int
    last_ordinal: int
    exdate_ordinals: frozenset[int]
    extra_ordinals: tuple[int, ...]  # rdates that add an instance, sorted
    first_weekly: date | None  # first weekday instance not removed by an exdate


@lru_cache(maxsize=_CACHE_SIZE)
def _weekly_plan(rule: WeeklyRule) -> _WeeklyPlan:
    start = rule.start_time
    end = rule.end_time
    seconds = (
        (end.hour - start.hour) * 3600
        + (end.minute - start.minute) * 60
        + end.second
        - start.second
    )
    end_days = 0
    if seconds <= 0:
        seconds += 86400
        end_days = 1
    offsets = tuple(sorted(rule.weekdays))
    ex = frozenset(d.toordinal() for d in rule.exdates)
    first = rule.valid_from.toordinal()
    last = _MAX_ORDINAL - 1 if rule.valid_until is None else rule.valid_until.toordinal()
    first_weekly: date | None = None
    o = first
    # Exdates are finite, so an open-ended rule always finds its first surviving instance.
    while o <= last:
        if (o - 1) % 7 in offsets and o not in ex:
            first_weekly = date.fromordinal(o)
            break
        o += 1
    extra = tuple(
        sorted(
            d.toordinal()
            for d in rule.rdates
            if d not in rule.exdates and d.weekday() not in offsets
        )
    )
    return _WeeklyPlan(
        zone=resolve_zone(rule.tz),
        start_time=start,
        end_time=end,
        end_days=end_days,
        duration=timedelta(seconds=seconds),
        offsets=offsets if first_weekly is not None else (),
        first_ordinal=first if first_weekly is None else first_weekly.toordinal(),
        last_ordinal=last,
        exdate_ordinals=ex,
        extra_ordinals=extra,
        first_weekly=first_weekly,
    )


def _weekly_ordinals(plan: _WeeklyPlan, lo: int, hi: int) -> Iterator[int]:
    offsets = plan.offsets
    if not offsets or lo > hi:
        return
    ex = plan.exdate_ordinals
    # Ordinal 1 (0001-01-01) is a Monday, so (o - 1) % 7 is the weekday.
    for monday in range(lo - (lo - 1) % 7, hi + 1, 7):
        for off in offsets:
            o = monday + off
            if lo <= o <= hi and o not in ex:
                yield o


_SAMPLE = timedelta(hours=6)


@lru_cache(maxsize=4096)
def _change_days(zone: ZoneInfo, year: int) -> tuple[int, ...]:
    """UTC day ordinals on which ``zone``'s offset changes in ``year`` (or the day after).

    Sampled four times a day (no zone changes its offset twice within six hours), so that the
    weekly hot loop reads an end on the wall clock only near a change.
    """
    out: list[int] = []
    t = datetime(year, 1, 1, tzinfo=UTC)
    stop = t.replace(year=year + 1) if year < 9999 else datetime.max.replace(tzinfo=UTC)
    previous = t.astimezone(zone).utcoffset()
    while t < stop - _SAMPLE:
        t += _SAMPLE
        offset = t.astimezone(zone).utcoffset()
        if offset != previous:
            out.append(t.toordinal())
            previous = offset
    return tuple(out)


@lru_cache(maxsize=_CACHE_SIZE)
def _dates_near_changes(zone: ZoneInfo, end_days: int, lo: int, hi: int) -> frozenset[int]:
    """Local start dates whose window may span a change of offset in years lo..hi."""
    # A local date is within a day of its UTC date; the sample may lag the change by a day.
    ks = range(-end_days - 3, 3)
    return frozenset(
        day + k for year in range(lo, hi + 1) for day in _change_days(zone, year) for k in ks
    )


def _instances(ordinals: Iterable[int], plan: _WeeklyPlan, window: Interval) -> list[Interval]:
    # The hot loop of every weekly expansion: local names bound once, no validation (every
    # input was checked when the rule was built). Both ends bound the window on the wall clock;
    # away from a change of offset that is the plain-day length, so the end is read from the
    # zone only near one.
    out: list[Interval] = []
    append = out.append
    combine = datetime.combine
    fromordinal = date.fromordinal
    unchecked = Interval.unchecked
    t, et, end_days, zone = plan.start_time, plan.end_time, plan.end_days, plan.zone
    duration = plan.duration
    # A year of margin on each side covers any offset of the window's own zone.
    near = _dates_near_changes(
        zone, end_days, max(window.start.year - 1, 1), min(window.end.year + 1, 9999)
    )
    ws, we = window.start, window.end
    previous = None
    for o in ordinals:
        start = combine(fromordinal(o), t, zone).astimezone(UTC)
        if o in near:
            end = combine(fromordinal(o + end_days), et, zone).astimezone(UTC)
            if end <= start:  # the whole window lies in a spring-forward gap that day
                continue
        else:
            end = start + duration
        # Two dates can map to one instant only where a zone skipped a whole day (Samoa, 2011).
        if start < we and end > ws and start != previous:
            append(unchecked(start, end))
            previous = start
    return out


# --- any RRULE ------------------------------------------------------------------------------


def _period_dates(dtstart: datetime, parts: dict[str, str]) -> list[date]:
    """The dates of DTSTART's own DAILY or WEEKLY period that the rule keeps (RFC 5545 3.3.10).

    Only BYDAY, BYMONTH and BYMONTHDAY can apply to these frequencies (BYSETPOS is refused).
    """
    day = dtstart.date()
    if parts["FREQ"] == "DAILY":
        candidates = [day]
    else:
        wkst = WEEKDAYS.index(parts.get("WKST", "MO"))
        first = day - timedelta(days=(day.weekday() - wkst) % 7)
        candidates = [first + timedelta(days=k) for k in range(7)]
    if "BYDAY" in parts:
        weekdays = {WEEKDAYS.index(item) for item in parts["BYDAY"].split(",")}
    else:
        weekdays = {day.weekday()} if parts["FREQ"] == "WEEKLY" else set(range(7))
    months = {int(x) for x in parts["BYMONTH"].split(",")} if "BYMONTH" in parts else None
    month_days = [int(x) for x in parts["BYMONTHDAY"].split(",")] if "BYMONTHDAY" in parts else []

    def keeps(d: date) -> bool:
        if d.weekday() not in weekdays or (months is not None and d.month not in months):
            return False
        if not month_days:
            return True
        length = calendar.monthrange(d.year, d.month)[1]
        return any(n == d.day or length + 1 + n == d.day for n in month_days)

    return [d for d in candidates if keeps(d)]


def _starts_at_dtstart(parsed: rrule, aware: datetime, parts: dict[str, str]) -> bool:
    """Whether DTSTART is an instance of the rule (then it is the first one), found at once.

    dateutil would search period after period up to year 9999 for a rule that never matches,
    and cannot be interrupted; DTSTART's own period is all we need to look at.
    """
    if parts["FREQ"] in ("DAILY", "WEEKLY"):
        return aware.date() in _period_dates(aware, parts)
    # A MONTHLY or YEARLY period is dateutil's to compute (positions, BYSETPOS); an interval of
    # ten thousand years makes its next period lie past year 9999, so it stops after the first.
    huge = 120_000 if parts["FREQ"] == "MONTHLY" else 10_000
    first = next(iter(parsed.replace(interval=huge)), None)
    return first == aware


@dataclass(frozen=True, slots=True, init=False)
class RRuleRule:
    """Any RFC 5545 recurrence of days: a local DTSTART, an exact duration and an RRULE value.

    ``dtstart`` must be the first instance of the RRULE (RFC 5545 leaves an unsynchronised
    DTSTART undefined, and clients disagree on it). ``UNTIL`` may be given in UTC
    (``...Z``, as RFC 5545 requires with a zoned DTSTART), as a local date-time, or as a local
    date (inclusive); export always writes it in UTC. An exdate removes the instance that starts
    at the same instant (in a gap, 02:30 and 03:30 are one).

    Only what availability needs is accepted, so that every expansion stays cheap: ``FREQ``
    ``DAILY``, ``WEEKLY``, ``MONTHLY`` or ``YEARLY`` (not ``HOURLY``, ``MINUTELY`` or
    ``SECONDLY``), ``INTERVAL`` up to :data:`MAX_INTERVAL`, ``COUNT`` up to :data:`MAX_COUNT`,
    ``UNTIL``, ``WKST``, ``BYDAY``, ``BYMONTHDAY``, ``BYMONTH`` and ``BYSETPOS``, with ASCII
    digits.

    Attributes:
        tz: IANA zone name. A ``ZoneInfo`` with an IANA key (or ``datetime.UTC``) is accepted
            and stored as its name.
        dtstart: Naive local wall-clock start of the first instance.
        duration: Exact length of every instance (whole seconds, positive, at most
            :data:`~fluentory_bookings.core.validate.MAX_DURATION`).
        rrule: The RRULE value, e.g. ``"FREQ=WEEKLY;BYDAY=MO,WE;COUNT=10"``, without ``RRULE:``.
        exdates: Naive local start times removed from the set (matched by instant).
        rdates: Naive local start times added to the set.

    Raises:
        InvalidTimezone: ``tz`` is not an IANA zone.
        InvalidRule: a field has the wrong type, a datetime has ``fold=1`` or lies outside the
            supported years, the RRULE does not parse, uses a part or a value listed above as
            refused, gives both COUNT and UNTIL, has no instance at all (``UNTIL`` before
            ``dtstart``, ``BYMONTH=2;BYMONTHDAY=30``), or does not start at ``dtstart``.
    """

    tz: str
    dtstart: datetime
    duration: timedelta
    rrule: str
    exdates: frozenset[datetime] = frozenset()
    rdates: frozenset[datetime] = frozenset()

    def __init__(
        self,
        tz: str | tzinfo,
        dtstart: datetime,
        duration: timedelta,
        rrule: str,
        exdates: Iterable[datetime] = frozenset(),
        rdates: Iterable[datetime] = frozenset(),
    ) -> None:
        key = zone_key(tz)
        _wall_instant(dtstart, "dtstart", key)
        _check_duration(duration)
        if not isinstance(rrule, str):
            raise InvalidRule(f"rrule must be a str, not {type(rrule).__name__}", field="rrule")
        if rrule.strip().upper().startswith("RRULE:") or "\n" in rrule:
            raise InvalidRule(
                "rrule is the value only, e.g. 'FREQ=WEEKLY;BYDAY=MO', without 'RRULE:'",
                field="rrule",
            )
        removed = _frozen("exdates", exdates)
        added = _frozen("rdates", rdates)
        for name, values in (("exdates", removed), ("rdates", added)):
            for value in values:
                _wall_instant(value, name, key)
        _set_fields(
            self,
            tz=key,
            dtstart=dtstart,
            duration=duration,
            rrule=rrule,
            exdates=removed,
            rdates=added,
        )
        _rrule_plan(self)  # checks the RRULE and DTSTART

    def occurrences(self, window: Interval) -> list[Interval]:
        """Return the instances overlapping ``window``, in UTC, sorted by start.

        Raises:
            LimitExceeded: the expansion would step through more than :data:`MAX_INSTANCES`
                instances (``field="window"``).
            InvalidInput: ``window`` is not an Interval.
        """
        _require_window(window)
        plan = _rrule_plan(self)
        duration = self.duration
        try:
            lower = (window.start - duration).astimezone(UTC)
        except OverflowError:
            lower = datetime.min.replace(tzinfo=UTC)
        ws, we = window.start, window.end
        rule = plan.rule
        if plan.period_days or plan.period_months:
            shifted = _shifted_start(self.dtstart, plan, lower)
            if shifted is not None:
                rule = _shifted_rule(self, shifted)
        # The local sequence is monotone; in UTC a gap can move a start back by less than a day.
        try:
            stop = we + timedelta(days=_SLACK_DAYS)
        except OverflowError:
            stop = datetime.max.replace(tzinfo=UTC)
        limit = MAX_INSTANCES
        starts: set[datetime] = set()
        for steps, local in enumerate(rule, 1):
            start = local.astimezone(UTC)
            if start >= stop:
                break
            if steps > limit:
                raise _too_many(limit)
            if start > lower and start < we:
                starts.add(start)
        starts.update(s for s in plan.rdate_starts if lower < s < we)
        starts -= plan.exdate_starts
        unchecked = Interval.unchecked
        return [unchecked(s, s + duration) for s in sorted(starts) if s < we and s + duration > ws]

    def to_ical_lines(self) -> list[str]:
        """Return DTSTART, DURATION, RRULE (UNTIL in UTC), EXDATE and RDATE content lines."""
        plan = _rrule_plan(self)
        lines = [
            zoned_line("DTSTART", self.tz, self.dtstart),
            f"DURATION:{format_duration(self.duration)}",
            f"RRULE:{plan.canonical}",
        ]
        lines += [zoned_line("EXDATE", self.tz, d) for d in sorted(self.exdates)]
        lines += [zoned_line("RDATE", self.tz, d) for d in sorted(self.rdates)]
        return lines


def _parse_rrule(canonical: str, aware: datetime) -> rrule:
    # An aware DTSTART makes dateutil compare each instance with the UTC UNTIL exactly as a
    # client does; its wall-clock stepping with fold=0 is the RFC 5545 3.3.5 reading.
    try:
        parsed = rrulestr(canonical, dtstart=aware)
    except (ValueError, TypeError, KeyError, OverflowError) as exc:
        raise InvalidRule(f"rrule {canonical!r} does not parse: {exc}", field="rrule") from exc
    if not isinstance(parsed, rrule):  # pragma: no cover - a single RRULE value gives an rrule
        raise InvalidRule(f"rrule {canonical!r} is not a single RRULE", field="rrule")
    return parsed


@dataclass(frozen=True, slots=True)
class _RRulePlan:
    zone: ZoneInfo
    canonical: str
    rule: rrule
    # DTSTART may move forward by whole periods of this many days or months (0: it may not).
    period_days: int
    period_months: int
    # The BY parts dateutil would take from DTSTART, fixed so that a moved DTSTART keeps them.
    implicit: tuple[tuple[str, int], ...]
    exdate_starts: frozenset[datetime]  # UTC
    rdate_starts: tuple[datetime, ...]  # UTC


@lru_cache(maxsize=_CACHE_SIZE)
def _rrule_plan(rule: RRuleRule) -> _RRulePlan:
    zone = resolve_zone(rule.tz)
    # The grammar knows no zones: a local UNTIL is read as every wall-clock field of a rule is.
    canonical, parts = canonical_rrule(
        rule.rrule,
        max_count=MAX_COUNT,
        max_interval=MAX_INTERVAL,
        local_until=lambda wall: _wall_instant(wall, "rrule", rule.tz),
    )
    aware = localize(rule.dtstart, zone)
    if "UNTIL" in parts and wall_clock_to_utc(rule.dtstart, zone) > datetime.strptime(
        parts["UNTIL"], "%Y%m%dT%H%M%SZ"
    ).replace(tzinfo=UTC):
        raise InvalidRule("the rule has no instance: UNTIL is before dtstart", field="rrule")
    parsed = _parse_rrule(canonical, aware)
    if not _starts_at_dtstart(parsed, aware, parts):
        raise InvalidRule(
            f"dtstart {rule.dtstart.isoformat()} is not an instance of {rule.rrule!r}: "
            "RFC 5545 needs DTSTART to be the first instance",
            field="dtstart",
        )
    freq = parts["FREQ"]
    interval = int(parts.get("INTERVAL", "1"))
    days = months = 0
    # COUNT counts from DTSTART, so only a rule without one may start later; it walks at most
    # MAX_COUNT instances instead.
    if "COUNT" not in parts:
        days = {"DAILY": interval, "WEEKLY": 7 * interval}.get(freq, 0)
        months = {"MONTHLY": interval, "YEARLY": 12 * interval}.get(freq, 0)
    implicit: tuple[tuple[str, int], ...] = ()
    if not {"BYMONTHDAY", "BYDAY"} & set(parts):
        if freq == "MONTHLY":
            implicit = (("bymonthday", rule.dtstart.day),)
        elif freq == "YEARLY":
            implicit = (("bymonthday", rule.dtstart.day),)
            if "BYMONTH" not in parts:
                implicit += (("bymonth", rule.dtstart.month),)
    return _RRulePlan(
        zone=zone,
        canonical=canonical,
        rule=parsed,
        period_days=days,
        period_months=months,
        implicit=implicit,
        # Exceptions match by instant: in a spring-forward gap 02:30 and 03:30 name one start.
        exdate_starts=frozenset(wall_clock_to_utc(d, zone) for d in rule.exdates),
        rdate_starts=tuple(sorted(wall_clock_to_utc(d, zone) for d in rule.rdates)),
    )


def _shifted_start(dtstart: datetime, plan: _RRulePlan, lower: datetime) -> datetime | None:
    """A later DTSTART, a whole number of periods on, still before the window; or ``None``.

    The recurrence set after it is unchanged (no COUNT, implicit BY parts fixed), so the
    expansion costs what the window holds, not the years since the rule began.
    """
    lo = lower.astimezone(plan.zone).replace(tzinfo=None)
    if plan.period_days:
        periods = ((lo - dtstart).days - _SLACK_DAYS) // plan.period_days
        if periods <= 0:
            return None
        return dtstart + timedelta(days=periods * plan.period_days)
    # A month of slack, and the first day of the period's first month: every instance of that
    # period is then on or after the new DTSTART (the time of day is the rule's only time).
    months = (lo.year - dtstart.year) * 12 + lo.month - dtstart.month - 1
    periods = months // plan.period_months
    if periods <= 0:
        return None
    index = dtstart.month - 1 + periods * plan.period_months
    return dtstart.replace(year=dtstart.year + index // 12, month=index % 12 + 1, day=1)


@lru_cache(maxsize=_CACHE_SIZE)
def _shifted_rule(rule: RRuleRule, dtstart: datetime) -> rrule:
    plan = _rrule_plan(rule)
    fixed: dict[str, Any] = dict(plan.implicit)  # only the parts DTSTART implied
    return plan.rule.replace(dtstart=localize(dtstart, plan.zone), **fixed)


# --- expansion of many rules ----------------------------------------------------------------


def expand(rules: Iterable[AvailabilityRule], window: Interval) -> list[Interval]:
    """Return every instance of every rule that overlaps ``window``, in UTC, sorted.

    Instances of different rules are kept apart even when they overlap: each is an occurrence
    that can be booked on its own. Use :func:`~fluentory_bookings.core.intervals.merge` for the
    union.

    Args:
        rules: Any availability rules.
        window: The span of interest; an instance touching it only at an end is left out.

    Returns:
        The instances sorted by start, then end.
    """
    _require_window(window)
    given: object = rules
    if isinstance(given, (str, bytes)) or not isinstance(given, Iterable):
        raise InvalidInput(
            f"rules must be a collection of rules, not {type(given).__name__}", field="rules"
        )
    out: list[Interval] = []
    for rule in rules:
        if not isinstance(rule, AvailabilityRule):
            raise InvalidInput(f"rules holds a {type(rule).__name__}, not a rule", field="rules")
        out.extend(rule.occurrences(window))
    out.sort(key=_by_start_end)
    return out


def _require_window(window: object) -> None:
    if not isinstance(window, Interval):
        raise InvalidInput(
            f"window must be an Interval, not {type(window).__name__}", field="window"
        )
