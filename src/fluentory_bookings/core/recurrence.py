"""Teacher availability rules and their expansion into UTC instances.

A teacher publishes availability in their own wall-clock time and zone: "Mondays and Wednesdays
09:00-12:00, Europe/Berlin", "this Saturday 14:00-16:00", or any RFC 5545 recurrence. This module
turns such a rule into the concrete :class:`~fluentory_bookings.core.intervals.Interval` instances
that overlap a window, in UTC, and exports the rule as iCalendar content lines.

Expansion follows RFC 5545, the reading every calendar client applies, so the instances we book
are the instances a subscribed calendar shows:

* a local start time is read as in section 3.3.5 (:func:`~fluentory_bookings.core.zones.localize`):
  a time in a spring-forward gap moves forward by the gap, an ambiguous time in a fall-back fold
  is its first occurrence;
* every instance lasts the rule's exact duration, added in absolute time (section 3.8.5.3), so
  an instance that starts in a gap is not shortened and one that spans a transition keeps its
  length (its wall-clock end moves instead).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from operator import attrgetter
from typing import Protocol, runtime_checkable
from zoneinfo import ZoneInfo

from dateutil.rrule import rrule, rrulestr

from fluentory_bookings.core.errors import InvalidRule, InvalidTimezone
from fluentory_bookings.core.intervals import Interval
from fluentory_bookings.core.zones import localize, resolve_zone

__all__ = [
    "AvailabilityRule",
    "OneTimeRule",
    "RRuleRule",
    "WeeklyRule",
    "expand",
]

# Expansion looks this many days beyond the window on both sides before filtering exactly: it
# covers any UTC offset (at most 14 h either way) plus a gap shift, so no instance is missed.
_SLACK_DAYS = 2
_MAX_ORDINAL = date.max.toordinal()
_ICAL_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
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


def _zone_of(tz: object) -> ZoneInfo:
    # Only names are accepted: a ZoneInfo built from a file has no name to export as TZID.
    if not isinstance(tz, str):
        raise InvalidTimezone(tz)
    return resolve_zone(tz)


def _check_wall_clock(value: object, name: str) -> datetime:
    if not isinstance(value, datetime):
        raise InvalidRule(
            f"{name} must be a naive datetime (local wall-clock time), not {type(value).__name__}",
            field=name,
        )
    if value.tzinfo is not None:
        raise InvalidRule(
            f"{name} must be naive local wall-clock time read in the rule's tz, "
            f"got aware {value.isoformat()}",
            field=name,
        )
    if value.microsecond:
        raise InvalidRule(
            f"{name} must be a whole second (iCalendar has no fractions), got {value.isoformat()}",
            field=name,
        )
    return value


def _check_time(value: object, name: str) -> time:
    if not isinstance(value, time):
        raise InvalidRule(f"{name} must be a datetime.time, not {type(value).__name__}", field=name)
    if value.tzinfo is not None:
        raise InvalidRule(f"{name} must be a naive local time, got {value.isoformat()}", field=name)
    if value.microsecond:
        raise InvalidRule(f"{name} must be a whole second, got {value.isoformat()}", field=name)
    return value


def _check_date(value: object, name: str) -> date:
    # datetime is a subclass of date; a datetime here is almost always a caller's mistake.
    if not isinstance(value, date) or isinstance(value, datetime):
        raise InvalidRule(f"{name} must be a datetime.date, not {type(value).__name__}", field=name)
    return value


def _check_duration(value: object, name: str = "duration") -> timedelta:
    if not isinstance(value, timedelta):
        raise InvalidRule(f"{name} must be a timedelta, not {type(value).__name__}", field=name)
    if value <= timedelta(0):
        raise InvalidRule(f"{name} must be positive, got {value}", field=name)
    if value.microseconds:
        raise InvalidRule(f"{name} must be whole seconds, got {value}", field=name)
    return value


def _frozen_set_of(obj: object, name: str, value: object) -> frozenset[object]:
    # Accept any iterable (a list from a form, a set) and store the canonical frozenset, so that
    # equal rules hash equally.
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise InvalidRule(f"{name} must be a collection, not {type(value).__name__}", field=name)
    try:
        items = frozenset(value)
    except TypeError as exc:
        raise InvalidRule(f"{name} holds an unhashable value", field=name) from exc
    if not isinstance(value, frozenset):
        object.__setattr__(obj, name, items)
    return items


def _utc_start(wall_clock: datetime, zone: ZoneInfo) -> datetime:
    return localize(wall_clock, zone).astimezone(UTC)


def _window_ordinals(window: Interval, duration: timedelta) -> tuple[int, int]:
    """Day ordinals (with slack) that can hold the local start date of an overlapping instance."""
    try:
        lo = (window.start - duration).astimezone(UTC).toordinal() - _SLACK_DAYS
    except OverflowError:
        lo = 1
    hi = window.end.astimezone(UTC).toordinal() + _SLACK_DAYS
    return max(lo, 1), min(hi, _MAX_ORDINAL)


# --- iCalendar text helpers ----------------------------------------------------------------


def _fmt_local(dt: datetime) -> str:
    # strftime("%Y") does not zero-pad years below 1000 on every platform.
    return f"{dt.year:04d}{dt.month:02d}{dt.day:02d}T{dt.hour:02d}{dt.minute:02d}{dt.second:02d}"


def _fmt_utc(dt: datetime) -> str:
    return _fmt_local(dt.astimezone(UTC).replace(tzinfo=None)) + "Z"


def _fmt_duration(value: timedelta) -> str:
    # Hours, minutes and seconds only: in RFC 5545 "D" and "W" are nominal (a day across a DST
    # change lasts 23 or 25 hours), but an instance lasts an exact duration.
    total = value.days * 86400 + value.seconds
    hours, rest = divmod(total, 3600)
    minutes, seconds = divmod(rest, 60)
    text = "PT"
    if hours:
        text += f"{hours}H"
    # The grammar needs the minute part between hours and seconds ("PT1H0M5S").
    if minutes or (hours and seconds):
        text += f"{minutes}M"
    if seconds:
        text += f"{seconds}S"
    return text


def _dt_line(name: str, tz: str, dt: datetime) -> str:
    return f"{name};TZID={tz}:{_fmt_local(dt)}"


# --- one-time rule -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OneTimeRule:
    """A single availability window in local wall-clock time.

    The window lasts the exact time between ``start`` and ``end`` read in ``tz``: from 01:00 to
    04:00 on a spring-forward night is two hours.

    Attributes:
        tz: IANA zone name, e.g. ``"Europe/Berlin"``.
        start: Naive local wall-clock start.
        end: Naive local wall-clock end, after ``start``.

    Raises:
        InvalidTimezone: ``tz`` is not a known IANA zone.
        InvalidRule: a datetime is aware or has fractions of a second, or ``end`` is not after
            ``start`` once both are read in ``tz``.
    """

    tz: str
    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        zone = _zone_of(self.tz)
        start = _check_wall_clock(self.start, "start")
        end = _check_wall_clock(self.end, "end")
        if _utc_start(end, zone) <= _utc_start(start, zone):
            raise InvalidRule(
                f"end ({end.isoformat()}) must be after start ({start.isoformat()}) in {self.tz}",
                field="end",
            )

    @property
    def duration(self) -> timedelta:
        """The exact time between start and end."""
        start, end = _one_time_span(self)
        return end - start

    def occurrences(self, window: Interval) -> list[Interval]:
        """Return the window as a one-element list if it overlaps ``window``, else ``[]``."""
        start, end = _one_time_span(self)
        if start < window.end and end > window.start:
            return [Interval.unchecked(start, end)]
        return []

    def to_ical_lines(self) -> list[str]:
        """Return ``DTSTART;TZID=...`` and ``DURATION`` content lines."""
        return [
            _dt_line("DTSTART", self.tz, self.start),
            f"DURATION:{_fmt_duration(self.duration)}",
        ]


@lru_cache(maxsize=_CACHE_SIZE)
def _one_time_span(rule: OneTimeRule) -> tuple[datetime, datetime]:
    zone = resolve_zone(rule.tz)
    return _utc_start(rule.start, zone), _utc_start(rule.end, zone)


# --- weekly rule ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WeeklyRule:
    """The same local times on chosen weekdays, e.g. "Mon and Wed 09:00-12:00, Europe/Berlin".

    Each instance starts at ``start_time`` on its local date and lasts :attr:`duration`, the
    wall-clock length of the window on a day without a DST change. When ``end_time`` is earlier
    than ``start_time`` the window runs past midnight into the next day.

    Attributes:
        tz: IANA zone name.
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
        InvalidTimezone: ``tz`` is not a known IANA zone.
        InvalidRule: a field has the wrong type, ``weekdays`` is empty or holds a number outside
            0..6, ``end_time`` equals ``start_time``, ``valid_until`` is before ``valid_from``,
            an rdate lies outside the validity, or the rule has no instance at all.
    """

    tz: str
    weekdays: frozenset[int]
    start_time: time
    end_time: time
    valid_from: date
    valid_until: date | None = None
    exdates: frozenset[date] = frozenset()
    rdates: frozenset[date] = frozenset()

    def __post_init__(self) -> None:
        _zone_of(self.tz)
        weekdays = _frozen_set_of(self, "weekdays", self.weekdays)
        if not weekdays:
            raise InvalidRule("weekdays must not be empty", field="weekdays")
        for day in weekdays:
            if not isinstance(day, int) or isinstance(day, bool) or not 0 <= day <= 6:
                raise InvalidRule(
                    f"weekdays must be whole numbers 0 (Monday) to 6 (Sunday), got {day!r}",
                    field="weekdays",
                )
        start = _check_time(self.start_time, "start_time")
        end = _check_time(self.end_time, "end_time")
        if start.replace(fold=0) == end.replace(fold=0):
            raise InvalidRule("end_time must differ from start_time", field="end_time")
        valid_from = _check_date(self.valid_from, "valid_from")
        if self.valid_until is not None:
            valid_until = _check_date(self.valid_until, "valid_until")
            if valid_until < valid_from:
                raise InvalidRule(
                    f"valid_until ({valid_until}) is before valid_from ({valid_from})",
                    field="valid_until",
                )
        for name in ("exdates", "rdates"):
            for day in _frozen_set_of(self, name, getattr(self, name)):
                _check_date(day, name)
        for day in self.rdates:
            if day < valid_from or (self.valid_until is not None and day > self.valid_until):
                raise InvalidRule(
                    f"rdate {day} lies outside valid_from..valid_until", field="rdates"
                )
        plan = _weekly_plan(self)
        if plan.first_weekly is None and not plan.extra_ordinals:
            field = "exdates" if self.exdates else "weekdays"
            raise InvalidRule(
                "the rule has no instance between valid_from and valid_until", field=field
            )

    @property
    def duration(self) -> timedelta:
        """The window's wall-clock length on a plain day (past midnight adds a day)."""
        return _weekly_plan(self).duration

    def occurrences(self, window: Interval) -> list[Interval]:
        """Return the instances overlapping ``window``, in UTC, sorted by start."""
        plan = _weekly_plan(self)
        lo, hi = _window_ordinals(window, plan.duration)
        ordinals: Iterable[int] = _weekly_ordinals(
            plan, max(lo, plan.first_ordinal), min(hi, plan.last_ordinal)
        )
        if plan.extra_ordinals:
            # Rdates lie inside the validity already, and may come before the first weekday.
            extra = [o for o in plan.extra_ordinals if lo <= o <= hi]
            if extra:
                ordinals = sorted([*ordinals, *extra])
        return _instances(ordinals, plan.start_time, plan.zone, plan.duration, window)

    def to_ical_lines(self) -> list[str]:
        """Return DTSTART, DURATION, RRULE (UNTIL in UTC), EXDATE and RDATE content lines.

        DTSTART is the first instance of the weekly recurrence, so it is synchronised with the
        RRULE as RFC 5545 requires. A rule made only of rdates has no RRULE line.
        """
        plan = _weekly_plan(self)
        t = plan.start_time
        extra = [date.fromordinal(o) for o in plan.extra_ordinals]
        if plan.first_weekly is None:
            first, rest = extra[0], extra[1:]
        else:
            first, rest = plan.first_weekly, extra
        lines = [
            _dt_line("DTSTART", self.tz, datetime.combine(first, t)),
            f"DURATION:{_fmt_duration(plan.duration)}",
        ]
        if plan.first_weekly is not None:
            byday = ",".join(_ICAL_WEEKDAYS[d] for d in plan.offsets)
            rule = f"FREQ=WEEKLY;BYDAY={byday}"
            if self.valid_until is not None:
                until = _utc_start(datetime.combine(self.valid_until, t), plan.zone)
                rule += f";UNTIL={_fmt_utc(until)}"
            lines.append(f"RRULE:{rule}")
            first_o = plan.first_weekly.toordinal()
            for o in sorted(plan.exdate_ordinals):
                if o > first_o and o <= plan.last_ordinal and (o - 1) % 7 in plan.offsets:
                    lines.append(
                        _dt_line("EXDATE", self.tz, datetime.combine(date.fromordinal(o), t))
                    )
        lines += [_dt_line("RDATE", self.tz, datetime.combine(d, t)) for d in rest]
        return lines


@dataclass(frozen=True, slots=True)
class _WeeklyPlan:
    zone: ZoneInfo
    start_time: time  # fold=0: datetime.combine copies the fold
    duration: timedelta
    offsets: tuple[int, ...]  # sorted weekdays; empty when no weekday instance survives
    first_ordinal: int
    last_ordinal: int
    exdate_ordinals: frozenset[int]
    extra_ordinals: tuple[int, ...]  # rdates that add an instance, sorted
    first_weekly: date | None  # first weekday instance not removed by an exdate


@lru_cache(maxsize=_CACHE_SIZE)
def _weekly_plan(rule: WeeklyRule) -> _WeeklyPlan:
    start = rule.start_time.replace(fold=0)
    end = rule.end_time.replace(fold=0)
    seconds = (
        (end.hour - start.hour) * 3600
        + (end.minute - start.minute) * 60
        + end.second
        - start.second
    )
    if seconds <= 0:
        seconds += 86400
    offsets = tuple(sorted(rule.weekdays))
    ex = frozenset(d.toordinal() for d in rule.exdates)
    first = rule.valid_from.toordinal()
    last = _MAX_ORDINAL if rule.valid_until is None else rule.valid_until.toordinal()
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


def _instances(
    ordinals: Iterable[int], t: time, zone: ZoneInfo, duration: timedelta, window: Interval
) -> list[Interval]:
    # The hot loop of every weekly expansion: local names bound once, no validation (every
    # input was checked when the rule was built).
    out: list[Interval] = []
    append = out.append
    combine = datetime.combine
    fromordinal = date.fromordinal
    unchecked = Interval.unchecked
    ws, we = window.start, window.end
    previous = None
    for o in ordinals:
        start = combine(fromordinal(o), t, zone).astimezone(UTC)
        end = start + duration
        # Two dates can map to one instant only where a zone skipped a whole day (Samoa, 2011).
        if start < we and end > ws and start != previous:
            append(unchecked(start, end))
            previous = start
    return out


# --- any RRULE ------------------------------------------------------------------------------

_UNTIL = re.compile(r"^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})(Z?))?$")


def _canonical_rrule(value: str, zone: ZoneInfo) -> tuple[str, dict[str, str]]:
    """Upper-case the rule, put FREQ first and turn UNTIL into UTC (RFC 5545 3.3.10)."""
    parts: dict[str, str] = {}
    for part in value.strip().upper().split(";"):
        key, sep, val = part.partition("=")
        if not sep or not key or not val:
            raise InvalidRule(f"rrule part {part!r} is not NAME=VALUE", field="rrule")
        if key in parts:
            raise InvalidRule(f"rrule gives {key} twice", field="rrule")
        parts[key] = val
    if "FREQ" not in parts:
        raise InvalidRule("rrule needs a FREQ", field="rrule")
    if "COUNT" in parts and "UNTIL" in parts:
        raise InvalidRule("rrule must not give both COUNT and UNTIL", field="rrule")
    for key in ("COUNT", "INTERVAL"):
        # dateutil accepts 0 and negatives here; INTERVAL=0 would never advance.
        if key in parts and not (parts[key].isdigit() and int(parts[key]) > 0):
            raise InvalidRule(f"{key} must be a positive whole number", field="rrule")
    if "UNTIL" in parts:
        m = _UNTIL.match(parts["UNTIL"])
        if m is None:
            raise InvalidRule(f"UNTIL={parts['UNTIL']} is not an iCalendar date", field="rrule")
        y, mo, d, hh, mi, ss, z = m.groups()
        try:
            day = date(int(y), int(mo), int(d))
            if hh is None:
                # A bare date: inclusive, so any instance starting that local day counts.
                wall = datetime.combine(day, time(23, 59, 59))
            else:
                wall = datetime.combine(day, time(int(hh), int(mi), int(ss)))
        except ValueError as exc:
            raise InvalidRule(f"UNTIL={parts['UNTIL']}: {exc}", field="rrule") from exc
        until = wall.replace(tzinfo=UTC) if z else _utc_start(wall, zone)
        parts["UNTIL"] = _fmt_utc(until)
    rest = [f"{k}={v}" for k, v in parts.items() if k != "FREQ"]
    return ";".join([f"FREQ={parts['FREQ']}", *rest]), parts


@dataclass(frozen=True, slots=True)
class RRuleRule:
    """Any RFC 5545 recurrence: a local DTSTART, an exact duration and an RRULE value.

    ``dtstart`` must be the first instance of the RRULE (RFC 5545 leaves an unsynchronised
    DTSTART undefined, and clients disagree on it). ``UNTIL`` may be given in UTC
    (``...Z``, as RFC 5545 requires with a zoned DTSTART), as a local date-time, or as a local
    date (inclusive); export always writes it in UTC. Instances that fall on the same instant
    (possible for sub-daily rules in a spring-forward gap) are returned once, and an exdate
    removes the instance that starts at the same instant (in a gap, 02:30 and 03:30 are one).

    Attributes:
        tz: IANA zone name.
        dtstart: Naive local wall-clock start of the first instance.
        duration: Exact length of every instance (whole seconds, positive).
        rrule: The RRULE value, e.g. ``"FREQ=WEEKLY;BYDAY=MO,WE;COUNT=10"``, without ``RRULE:``.
        exdates: Naive local start times removed from the set (matched by instant).
        rdates: Naive local start times added to the set.

    Raises:
        InvalidTimezone: ``tz`` is not a known IANA zone.
        InvalidRule: a field has the wrong type, the RRULE does not parse, gives both COUNT and
            UNTIL, or does not start at ``dtstart``.
    """

    tz: str
    dtstart: datetime
    duration: timedelta
    rrule: str
    exdates: frozenset[datetime] = frozenset()
    rdates: frozenset[datetime] = frozenset()

    def __post_init__(self) -> None:
        _zone_of(self.tz)
        dtstart = _check_wall_clock(self.dtstart, "dtstart")
        _check_duration(self.duration)
        if not isinstance(self.rrule, str):
            raise InvalidRule(
                f"rrule must be a str, not {type(self.rrule).__name__}", field="rrule"
            )
        if self.rrule.strip().upper().startswith("RRULE:") or "\n" in self.rrule:
            raise InvalidRule(
                "rrule is the value only, e.g. 'FREQ=WEEKLY;BYDAY=MO', without 'RRULE:'",
                field="rrule",
            )
        for name in ("exdates", "rdates"):
            for value in _frozen_set_of(self, name, getattr(self, name)):
                _check_wall_clock(value, name)
        first = next(iter(_rrule_plan(self).rule), None)
        if first is None or first.replace(tzinfo=None) != dtstart:
            raise InvalidRule(
                f"dtstart {dtstart.isoformat()} is not the first instance of {self.rrule!r}",
                field="dtstart",
            )

    def occurrences(self, window: Interval) -> list[Interval]:
        """Return the instances overlapping ``window``, in UTC, sorted by start."""
        plan = _rrule_plan(self)
        duration = self.duration
        try:
            lower = (window.start - duration).astimezone(UTC)
        except OverflowError:
            lower = datetime.min.replace(tzinfo=UTC)
        ws, we = window.start, window.end
        rule = plan.rule
        if plan.period_days:
            # Move DTSTART forward by whole periods to just before the window: the recurrence
            # set after it is unchanged (no COUNT), and we skip years of history.
            lo_local = lower.astimezone(plan.zone).replace(tzinfo=None)
            periods = ((lo_local - self.dtstart).days - _SLACK_DAYS) // plan.period_days
            if periods > 0:
                shifted = plan.aware_dtstart + timedelta(days=periods * plan.period_days)
                rule = _shifted_rule(self, shifted)
        # The local sequence is monotone; in UTC a gap can move a start back by less than a day.
        try:
            stop = we + timedelta(days=_SLACK_DAYS)
        except OverflowError:
            stop = datetime.max.replace(tzinfo=UTC)
        starts: set[datetime] = set()
        for local in rule:
            start = local.astimezone(UTC)
            if start >= stop:
                break
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
            _dt_line("DTSTART", self.tz, self.dtstart),
            f"DURATION:{_fmt_duration(self.duration)}",
            f"RRULE:{plan.canonical}",
        ]
        lines += [_dt_line("EXDATE", self.tz, d) for d in sorted(self.exdates)]
        lines += [_dt_line("RDATE", self.tz, d) for d in sorted(self.rdates)]
        return lines


def _parse_rrule(canonical: str, dtstart: datetime, tz: str) -> rrule:
    # An aware DTSTART makes dateutil compare each instance with the UTC UNTIL exactly as a
    # client does; its wall-clock stepping with fold=0 is the RFC 5545 3.3.5 reading.
    aware = localize(dtstart, tz)
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
    aware_dtstart: datetime
    canonical: str
    rule: rrule
    period_days: int  # > 0 when DTSTART may move forward by whole periods of this many days
    exdate_starts: frozenset[datetime]  # UTC
    rdate_starts: tuple[datetime, ...]  # UTC


@lru_cache(maxsize=_CACHE_SIZE)
def _rrule_plan(rule: RRuleRule) -> _RRulePlan:
    zone = resolve_zone(rule.tz)
    canonical, parts = _canonical_rrule(rule.rrule, zone)
    parsed = _parse_rrule(canonical, rule.dtstart, rule.tz)
    period = 0
    # Only DAILY and WEEKLY periods have a fixed length in days; COUNT counts from DTSTART.
    if "COUNT" not in parts:
        interval = int(parts.get("INTERVAL", "1"))  # dateutil accepted it above
        period = {"DAILY": interval, "WEEKLY": 7 * interval}.get(parts["FREQ"], 0)
    return _RRulePlan(
        zone=zone,
        aware_dtstart=localize(rule.dtstart, zone),
        canonical=canonical,
        rule=parsed,
        period_days=period,
        # Exceptions match by instant: in a spring-forward gap 02:30 and 03:30 name one start.
        exdate_starts=frozenset(_utc_start(d, zone) for d in rule.exdates),
        rdate_starts=tuple(sorted(_utc_start(d, zone) for d in rule.rdates)),
    )


@lru_cache(maxsize=_CACHE_SIZE)
def _shifted_rule(rule: RRuleRule, dtstart: datetime) -> rrule:
    return _rrule_plan(rule).rule.replace(dtstart=dtstart)


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
    out: list[Interval] = []
    for rule in rules:
        out.extend(rule.occurrences(window))
    out.sort(key=_by_start_end)
    return out
