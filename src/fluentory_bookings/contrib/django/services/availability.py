"""Teachers' 1:1 availability: publish it, list its open slots, and say who may book it.

The slot arithmetic is :mod:`fluentory_bookings.core`'s: the availability row becomes a core rule
(:meth:`~fluentory_bookings.contrib.django.models.TeacherAvailability.rule`), its occurrences are
cut into slots by :func:`~fluentory_bookings.core.slots.open_slots`, and everything the teacher
is already committed to (active 1:1s in either role, group sessions they teach or attend, the
adapter's external busy time) is taken out. A slot is therefore "taken" by an active booking
only; nothing on the availability row is flipped, so declining or cancelling frees it again.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from itertools import islice
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils.functional import SimpleLazyObject

from fluentory_bookings.contrib.django.adapter import course_teacher_links_read_once, get_adapter
from fluentory_bookings.contrib.django.choices import AvailabilityKind
from fluentory_bookings.contrib.django.conf import app_settings
from fluentory_bookings.contrib.django.models import TeacherAvailability
from fluentory_bookings.contrib.django.services import inputs
from fluentory_bookings.contrib.django.services.isolation import use_case
from fluentory_bookings.contrib.django.services.locks import lock_users
from fluentory_bookings.contrib.django.services.schedule import MAX_LENGTH, Ask, commitments_of
from fluentory_bookings.contrib.django.services.teaching import teaches
from fluentory_bookings.core.conflicts import Commitment
from fluentory_bookings.core.errors import (
    BookingError,
    InvalidRule,
    NotPermitted,
    PolicyViolation,
    Rule,
    SlotReason,
    SlotUnavailable,
)
from fluentory_bookings.core.horizon import latest_schedulable
from fluentory_bookings.core.intervals import Interval
from fluentory_bookings.core.policy import BookingType, Deadlines, check_bookable
from fluentory_bookings.core.slots import SlotSpec, iter_open_slots, open_slots, slot_at
from fluentory_bookings.core.validate import require_aware

__all__ = [
    "DEFAULT_LISTING_WINDOW",
    "Eligibility",
    "bookable_availabilities",
    "check_one_on_one_eligibility",
    "delete_availability",
    "open_slots_for",
    "open_slots_of",
    "set_availability",
]

DEFAULT_LISTING_WINDOW = timedelta(days=90)
"""How far ahead :func:`open_slots_for` looks when neither ``end`` nor a booking horizon is set."""

_ZERO = timedelta(0)
ASKS_PER_STATEMENT = 100
"""How many availabilities :func:`open_slots_of` reads commitments for in one statement: each
is three SELECTs of one compound statement, and SQLite takes at most 500 of those."""


# --- publishing -------------------------------------------------------------------------------


@use_case
def set_availability(
    teacher: Any,
    *,
    availability: TeacherAvailability | None = None,
    course: Any = None,
    timezone: str | tzinfo,
    kind: str = AvailabilityKind.WEEKLY.value,
    start_date: date,
    end_date: date | None = None,
    start_time: time,
    end_time: time,
    weekdays: Iterable[int] = (),
    excluded_dates: Iterable[date] = (),
    slot_minutes: int = 60,
    buffer_before_minutes: int = 0,
    buffer_after_minutes: int = 0,
    is_active: bool = True,
) -> TeacherAvailability:
    """Create (``availability=None``) or replace the teacher's availability.

    Every field is validated by building the core rule and slot spec before anything is
    written. Existing bookings keep their times when an availability changes; they stay
    commitments of the teacher until they are cancelled or declined.

    Args:
        teacher: The user who publishes it.
        availability: The row to update, or ``None`` to create one.
        course: Restrict it to this course (the teacher must teach it); ``None`` = every 1:1
            course the teacher teaches.
        timezone: IANA zone of the wall-clock times (``"Europe/Berlin"``) or a ``ZoneInfo``.
        kind: ``"weekly"`` (on ``weekdays`` from ``start_date`` until ``end_date``) or
            ``"one_time"`` (once, on ``start_date``).
        start_time, end_time: Local wall-clock times; an end earlier than the start runs past
            midnight.
        weekdays: 0 = Monday ... 6 = Sunday (weekly only).
        excluded_dates: Local dates without availability (weekly only).
        slot_minutes: Length of one lesson, at most 1440 (a day).
        buffer_before_minutes, buffer_after_minutes: Free time the teacher keeps around each
            commitment, at most 1440 each.

    Raises:
        InvalidTimezone: ``timezone`` is not an IANA zone (``field="timezone"``); a
            ``ZoneInfo`` without a name (read from a file) is refused too.
        InvalidRule: the rule cannot be expanded (a time that is not a naive
            ``datetime.time``, end date before start date, no weekdays, end time equal to
            start time, a slot longer than the window, ...); ``field`` names the culprit.
        LimitExceeded: ``start_date``, ``end_date`` or an excluded date is more than
            :data:`~fluentory_bookings.core.horizon.MAX_SCHEDULE_AHEAD` (ten years) after
            today in ``timezone``; ``field`` names it.
        PolicyViolation: rule ``"booking_type"``: ``course`` takes no 1:1 bookings; rule
            ``"availability_limit"``: a new row past ``MAX_AVAILABILITIES_PER_TEACHER``.
        NotPermitted: ``availability`` belongs to another teacher, ``teacher`` does not
            teach ``course``, or, without a course, the adapter's ``can_offer_one_on_one``
            refuses them (by default: they teach no course that takes 1:1 lessons).
    """
    fields = inputs.availability_fields(
        timezone=timezone,
        kind=kind,
        start_date=start_date,
        end_date=end_date,
        start_time=start_time,
        end_time=end_time,
        weekdays=weekdays,
        excluded_dates=excluded_dates,
        slot_minutes=slot_minutes,
        buffer_before_minutes=buffer_before_minutes,
        buffer_after_minutes=buffer_after_minutes,
        is_active=is_active,
        now=get_adapter().now(),
    )
    _require_may_offer(teacher, course)
    with transaction.atomic():
        lock_users(teacher)
        if availability is None:
            _require_room_for_another(teacher)
        row = _row_to_write(teacher, availability)
        _fill(row, course, fields)
        # Core decides whether the row describes a rule at all: build it before writing.
        _require_slot_fits(row)
        row.save()
    if availability is not None and availability is not row:
        _copy_fields(row, availability)
    return row


def _require_may_offer(teacher: Any, course: Any) -> None:
    """Refuse a course that takes no 1:1s or that ``teacher`` does not teach; without a course,
    a teacher the adapter's ``can_offer_one_on_one`` refuses."""
    adapter = get_adapter()
    if course is None:
        if not adapter.can_offer_one_on_one(teacher):
            raise NotPermitted(
                f"{teacher} teaches no course that takes 1:1 lessons", actor="teacher"
            )
        return
    # Slots of a course that takes no 1:1s would be listed, yet every request refused.
    adapter.get_course_policy(course).require(BookingType.ONE_ON_ONE)
    if not teaches(teacher, course):
        raise NotPermitted(f"{teacher} does not teach {course}", actor="teacher")


def _require_room_for_another(teacher: Any) -> None:
    """Refuse a new row past ``MAX_AVAILABILITIES_PER_TEACHER`` (the caller holds the teacher)."""
    most = app_settings.MAX_AVAILABILITIES_PER_TEACHER
    if most is not None and TeacherAvailability.objects.filter(teacher=teacher).count() >= most:
        raise PolicyViolation(
            Rule.AVAILABILITY_LIMIT, f"{teacher} already publishes {most} availabilities"
        )


def _row_to_write(teacher: Any, availability: TeacherAvailability | None) -> TeacherAvailability:
    """A new row, or ``availability`` read afresh and locked (the caller holds the teacher)."""
    if availability is None:
        return TeacherAvailability(teacher=teacher)
    if availability.pk is None:
        raise InvalidRule("availability has not been saved yet", field="availability")
    row = TeacherAvailability.objects.select_for_update().get(pk=availability.pk)
    if row.teacher_id != getattr(teacher, "pk", None):
        raise NotPermitted("this availability belongs to another teacher", actor="teacher")
    return row


def _fill(row: TeacherAvailability, course: Any, fields: inputs.AvailabilityFields) -> None:
    row.course = course
    row.timezone = fields.timezone
    row.kind = fields.kind
    row.start_date = fields.start_date
    row.end_date = fields.end_date
    row.start_time = fields.start_time
    row.end_time = fields.end_time
    row.weekdays = fields.weekdays
    row.excluded_dates = [d.isoformat() for d in fields.excluded_dates]
    row.slot_minutes = fields.slot_minutes
    row.buffer_before_minutes = fields.buffer_before_minutes
    row.buffer_after_minutes = fields.buffer_after_minutes
    row.is_active = fields.is_active


def _require_slot_fits(row: TeacherAvailability) -> None:
    """The core builds the row's rule and slot spec (or refuses to); one slot must fit."""
    rule = row.rule()
    spec = row.slot_spec()
    if spec.length > rule.duration:
        raise InvalidRule(
            f"a {row.slot_minutes}-minute slot does not fit in the {rule.duration} window",
            field="slot_minutes",
        )


@use_case
def delete_availability(teacher: Any, availability: TeacherAvailability) -> None:
    """Delete the teacher's availability: it offers no more slots.

    Lessons already booked through it keep their times and stay the teacher's commitments
    (cancel them through :func:`cancel_one_on_one` to free them); they only forget which
    availability they came from.

    Raises:
        NotPermitted: ``availability`` belongs to another teacher.
    """
    with transaction.atomic():
        lock_users(teacher)
        row = TeacherAvailability.objects.select_for_update().filter(pk=availability.pk).first()
        if row is None:
            return
        if row.teacher_id != getattr(teacher, "pk", None):
            raise NotPermitted("this availability belongs to another teacher", actor="teacher")
        row.delete()


# --- open slots -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SlotContext:
    """Everything a slot decision about one availability needs, loaded once.

    Buffers are the teacher's, per availability: an existing 1:1 keeps the buffers of the
    availability it was booked through, a candidate slot brings its own, and any other
    commitment (a session, external busy time) counts with the candidate's. So ``spec`` carries
    no buffers; :meth:`blocked` widens each commitment instead, which makes the answer the same
    whichever lesson was booked first.
    """

    availability: TeacherAvailability
    spec: SlotSpec
    deadlines: Deadlines
    now: datetime

    @property
    def own_buffers(self) -> tuple[timedelta, timedelta]:
        av = self.availability
        return _minutes(av.buffer_before_minutes), _minutes(av.buffer_after_minutes)

    def windows(self, span: Interval) -> list[Interval]:
        """The availability's occurrences overlapping ``span`` (UTC)."""
        return self.availability.rule().occurrences(span)

    def teacher_busy(
        self, span: Interval, *, exclude_one_on_one: Sequence[int] = ()
    ) -> tuple[list[Commitment], dict[int, tuple[int, int]]]:
        """The teacher's commitments whose buffers or ours can reach ``span``, and the buffers
        of the lessons among them (see :meth:`blocked`)."""
        ask = self.teacher_ask(span, exclude_one_on_one=exclude_one_on_one)
        return commitments_of([ask])[0], ask.lesson_buffers or {}

    def teacher_ask(self, span: Interval, *, exclude_one_on_one: Sequence[int] = ()) -> Ask:
        """What :meth:`teacher_busy` reads, to batch with other asks in one statement."""
        av = self.availability
        before, after = self.own_buffers
        # No buffer is longer than MAX_LENGTH (set_availability refuses it), so nothing further
        # away can reach the span: no need to read the teacher's availabilities first.
        reach = MAX_LENGTH + before + after
        return Ask(
            # Loaded only if the adapter looks at it (the default's get_external_busy does not).
            SimpleLazyObject(lambda: av.teacher),
            "teacher",
            span.start - reach,
            span.end + reach,
            exclude_one_on_one=tuple(exclude_one_on_one),
            include_external=True,
            user_id=av.teacher_id,
            lesson_buffers={},
        )

    def blocked(
        self, busy: Sequence[Commitment], lesson_buffers: Mapping[int, tuple[int, int]]
    ) -> list[Interval]:
        """``busy`` as the spans where no slot of this availability may lie.

        A slot ``[s, e)`` with its buffers ``(b, a)`` meets a commitment ``[c0, c1)`` with its
        buffers ``(cb, ca)`` exactly when ``[s - b, e + a)`` overlaps ``[c0 - cb, c1 + ca)``,
        that is when ``[s, e)`` overlaps ``[c0 - cb - a, c1 + ca + b)``. A lesson the teacher
        gives keeps the buffers of the availability it was booked through (``lesson_buffers``,
        in minutes, as :meth:`teacher_busy` returns them); anything else counts with ours.
        """
        before, after = self.own_buffers
        out = []
        for c in busy:
            pk = _lesson_pk(c)
            found = None if pk is None else lesson_buffers.get(pk)
            own_b, own_a = self.own_buffers if found is None else map(_minutes, found)
            out.append(
                Interval.unchecked(
                    c.interval.start - own_b - after, c.interval.end + own_a + before
                )
            )
        return out


def slot_context(availability: TeacherAvailability, course: Any = None) -> SlotContext:
    """Load the spec, deadlines, buffers and ``now`` for slot decisions on ``availability``.

    The deadlines are the adapter's for ``course``, else for ``availability.course`` (which is
    ``None`` for an availability open to every course the teacher teaches).
    """
    adapter = get_adapter()
    if course is None and availability.course_id is not None:
        # Loaded only if the adapter's get_deadlines looks at it (the default does not).
        course = SimpleLazyObject(lambda: availability.course)
    deadlines = adapter.get_deadlines(course if course is not None else availability.course)
    spec = replace(availability.slot_spec(), buffer_before=_ZERO, buffer_after=_ZERO)
    return SlotContext(
        availability=availability,
        spec=spec,
        deadlines=deadlines,
        now=require_aware(adapter.now(), "now"),
    )


def open_slots_for(
    availability: TeacherAvailability,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    limit: int | None = None,
    course: Any = None,
) -> list[Interval]:
    """The open slots of ``availability`` starting in ``[start, end)``, in UTC, sorted.

    By default from now until now plus the booking horizon (or :data:`DEFAULT_LISTING_WINDOW`
    when there is none). Slots inside the minimum notice or beyond the horizon, and slots that
    collide (buffers included) with anything the teacher is committed to, are left out. An
    inactive availability has no open slots.

    Args:
        limit: Return at most this many (the earliest); only those are computed.
        course: Whose deadlines apply; default ``availability.course``.

    Raises:
        InvalidInterval: ``start``/``end`` is naive, or ``end`` is not after ``start``.
        LimitExceeded: without ``limit``, more than core's ``MAX_OPEN_SLOTS``.
    """
    if not availability.is_active or (limit is not None and limit <= 0):
        return []
    [slots] = open_slots_of([availability], start=start, end=end, course=course, limit=limit)
    return slots


def open_slots_of(
    availabilities: Sequence[TeacherAvailability],
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    course: Any = None,
    limit: int | None = None,
) -> list[list[Interval]]:
    """:func:`open_slots_for` of each availability, in order: one list per availability.

    The teachers' commitments are read in one statement for up to :data:`ASKS_PER_STATEMENT`
    of them, so a listing costs the same queries for one availability as for a hundred.

    Args:
        limit: At most this many slots in all: the earliest of all the availabilities together
            (ties by teacher, then availability). Slots are computed one at a time and the
            listing stops there, so the work is bounded by ``limit`` however many slots the
            rules hold: ask for one more than you show to learn whether there are more.

    Raises:
        InvalidInterval: ``start``/``end`` is naive, or ``end`` is not after ``start``.
        LimitExceeded: without ``limit``, one availability has more than core's
            ``MAX_OPEN_SLOTS``.
    """
    if start is not None and end is not None:
        Interval(start, end)  # a malformed range is the caller's error: InvalidInterval
    plans = [_plan(av, start, end, course) for av in availabilities]
    asks = {i: p.ctx.teacher_ask(p.span) for i, p in enumerate(plans) if p is not None}
    found: dict[int, list[Commitment]] = {}
    batch = list(asks.items())
    for at in range(0, len(batch), ASKS_PER_STATEMENT):
        part = batch[at : at + ASKS_PER_STATEMENT]
        found.update(zip((i for i, _ in part), commitments_of([a for _, a in part]), strict=True))
    out: list[list[Interval]] = [[] for _ in plans]
    streams = []
    for i, plan in enumerate(plans):
        if plan is None:
            continue
        ctx = plan.ctx
        busy = ctx.blocked(found[i], asks[i].lesson_buffers or {})
        if limit is None:
            slots = open_slots(plan.windows, busy, ctx.spec, now=ctx.now, deadlines=ctx.deadlines)
            out[i] = [s for s in slots if plan.lo <= s.start < plan.hi]
            continue
        stream = iter_open_slots(
            plan.windows, busy, ctx.spec, now=ctx.now, deadlines=ctx.deadlines, after=plan.lo
        )
        streams.append(_keyed(i, ctx.availability, stream, plan.hi))
    if limit is not None:
        for *_, i, slot in islice(heapq.merge(*streams), max(limit, 0)):
            out[i].append(slot)
    return out


def _keyed(
    i: int, availability: TeacherAvailability, slots: Iterator[Interval], end: datetime
) -> Iterator[tuple[datetime, Any, Any, int, Interval]]:
    """``slots`` (sorted by start) before ``end``, keyed for merging with other streams."""
    teacher, pk = availability.teacher_id, availability.pk
    for slot in slots:
        if slot.start >= end:
            return
        yield slot.start, teacher, pk, i, slot


@dataclass(frozen=True, slots=True)
class _Plan:
    """What one availability offers in a listing's range, before the teacher's commitments."""

    ctx: SlotContext
    lo: datetime
    hi: datetime
    windows: list[Interval]
    span: Interval


def _plan(
    availability: TeacherAvailability, start: datetime | None, end: datetime | None, course: Any
) -> _Plan | None:
    if not availability.is_active:
        return None
    ctx = slot_context(availability, course)
    lo = ctx.now if start is None else max(require_aware(start, "start"), ctx.now)
    if end is None:
        hi = ctx.now + (ctx.deadlines.booking_horizon or DEFAULT_LISTING_WINDOW) + ctx.spec.length
    else:
        hi = require_aware(end, "end")
    hi = min(hi, latest_schedulable(ctx.now))  # nothing is bookable beyond it
    if hi <= lo:
        return None
    # Occurrences that start before ``lo`` may still hold slots starting inside it.
    windows = ctx.windows(Interval(lo, hi + ctx.spec.length))
    if not windows:
        return None
    span = Interval(min(w.start for w in windows), max(w.end for w in windows))
    return _Plan(ctx, lo, hi, windows, span)


def bookable_availabilities(
    course: Any = None, *, teacher_id: Any = None
) -> list[TeacherAvailability]:
    """The active availabilities a student may book, by teacher then pk.

    For ``course``: those offered for it, or for every course of their teacher, by someone who
    teaches it. Without a course, ``teacher_id``'s: those open to every course they teach (while
    the adapter's ``can_offer_one_on_one`` lets them), and those for a course that takes 1:1
    lessons and that they still teach. Either way, never a
    rule whose every request :func:`require_eligible` would refuse for who teaches what.

    Raises:
        PolicyViolation: rule ``"booking_type"``: ``course`` takes no 1:1 bookings.
    """
    adapter = get_adapter()
    rows = TeacherAvailability.objects.filter(is_active=True).select_related("teacher", "course")
    if teacher_id is not None:
        rows = rows.filter(teacher_id=teacher_id)
    if course is not None:
        adapter.get_course_policy(course).require(BookingType.ONE_ON_ONE)
        rows = rows.filter(Q(course=course) | Q(course__isnull=True))

    offers: dict[Any, bool] = {}

    def bookable(av: TeacherAvailability) -> bool:
        through = course if course is not None else av.course
        if through is None:
            if av.teacher_id not in offers:
                offers[av.teacher_id] = adapter.can_offer_one_on_one(av.teacher)
            return offers[av.teacher_id]
        if course is None and adapter.get_booking_type(through) != BookingType.ONE_ON_ONE:
            return False
        return teaches(av.teacher, through)

    with course_teacher_links_read_once():
        return [av for av in rows.order_by("teacher_id", "pk") if bookable(av)]


# --- eligibility ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Eligibility:
    """Whether a user may book an availability; falsy with the typed refusal as ``reason``."""

    ok: bool
    reason: BookingError | None = None

    def __bool__(self) -> bool:
        return self.ok

    @property
    def code(self) -> str | None:
        """The refusal's stable error code, or ``None`` when allowed."""
        return None if self.reason is None else self.reason.code


def check_one_on_one_eligibility(
    availability: TeacherAvailability,
    user: Any,
    course: Any,
    *,
    starts_at: datetime | None = None,
) -> Eligibility:
    """Whether ``user`` may book ``availability`` for ``course`` (at ``starts_at``).

    Never raises a :class:`BookingError`: a refusal is returned as ``reason``. The checks, in
    order: the course takes 1:1 bookings, the availability is active and offered for this
    course, its teacher teaches the course, the user is not that teacher, the adapter lets the
    user book the course (enrolment), and, with ``starts_at``, that the start is bookable now
    and an open slot.
    """
    try:
        require_eligible(availability, user, course)
        if starts_at is not None:
            ctx = slot_context(availability, course)
            check_bookable(starts_at, now=ctx.now, deadlines=ctx.deadlines)
            require_open_slot(ctx, starts_at)
    except BookingError as exc:
        return Eligibility(False, exc)
    return Eligibility(True)


def require_eligible(availability: TeacherAvailability, student: Any, course: Any) -> None:
    """Raise the first reason ``student`` may not book ``availability`` for ``course``.

    Raises:
        PolicyViolation: rule ``"booking_type"`` (the course takes no 1:1 bookings) or
            ``"enrollment"`` (the adapter's ``can_book`` refuses the student).
        SlotUnavailable: the availability is switched off, offered for another course, or its
            teacher does not teach the course.
        NotPermitted: the student is the availability's teacher.
        InvalidRule: no course was given.
    """
    if course is None:
        raise InvalidRule("a 1:1 booking needs a course", field="course")
    adapter = get_adapter()
    adapter.get_course_policy(course).require(BookingType.ONE_ON_ONE)
    if not availability.is_active:
        raise SlotUnavailable("this availability is switched off", reason=SlotReason.INACTIVE)
    if availability.course_id is not None and availability.course_id != course.pk:
        raise SlotUnavailable(
            "this availability is offered for another course", reason=SlotReason.OTHER_COURSE
        )
    if getattr(student, "pk", None) is not None and student.pk == availability.teacher_id:
        raise NotPermitted("teachers cannot book their own availability", actor="teacher")
    if not teaches(availability.teacher, course):
        raise SlotUnavailable(
            "this teacher does not teach the course", reason=SlotReason.NOT_TAUGHT
        )
    if not adapter.can_book(student, course):
        raise PolicyViolation(Rule.ENROLLMENT, "only students enrolled in the course may book it")


def require_open_slot(ctx: SlotContext, starts_at: datetime) -> Interval:
    """The open slot of ``ctx.availability`` starting at ``starts_at``, or SlotUnavailable."""
    start = require_aware(starts_at, "starts_at").astimezone(UTC)  # real length, see request
    probe = Interval(start, start + ctx.spec.length)
    windows = ctx.windows(probe)
    busy = ctx.blocked(*ctx.teacher_busy(probe))
    return slot_at(start, windows, busy, ctx.spec, now=ctx.now, deadlines=ctx.deadlines)


# --- helpers ----------------------------------------------------------------------------------


def _minutes(value: int) -> timedelta:
    return timedelta(minutes=value)


def _lesson_pk(c: Commitment) -> int | None:
    kind, pk = c.ref if isinstance(c.ref, tuple) else (None, None)
    return pk if kind == "one_on_one" else None


def _copy_fields(source: Any, target: Any) -> None:
    """Bring the caller's instance up to date with the row that was written."""
    for f in source._meta.concrete_fields:
        setattr(target, f.attname, getattr(source, f.attname))
