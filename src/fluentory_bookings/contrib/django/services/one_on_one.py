"""1:1 bookings: request (one lesson or a weekly series), approve, decline, cancel, complete,
expire.

Every use case runs in one transaction. It first locks the schedules of the people involved
(:func:`~fluentory_bookings.contrib.django.services.locks.lock_users`, sorted inside), then
re-reads the rows it decides on with ``select_for_update`` (the caller's instance may be stale),
loads them into core values, lets :mod:`fluentory_bookings.core` decide, writes, and queues the
matching signal with ``transaction.on_commit``. A refusal is a typed
:class:`~fluentory_bookings.core.errors.BookingError` raised before anything is written.

The database backs the locks: one active booking per (availability, start) (a partial unique
constraint) and, on PostgreSQL, no overlapping active bookings for one teacher (an exclusion
constraint). Should a write still hit one of them, the request fails with ``SlotUnavailable``.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from django.db import IntegrityError, connections, router, transaction
from django.db.models import Count, Q
from django.db.models.functions import Coalesce
from django.dispatch import Signal

from fluentory_bookings.contrib.django import signals
from fluentory_bookings.contrib.django.adapter import course_teacher_links_read_once, get_adapter
from fluentory_bookings.contrib.django.conf import app_settings
from fluentory_bookings.contrib.django.models import OneOnOneBooking, TeacherAvailability
from fluentory_bookings.contrib.django.models.one_on_one import ACTIVE_VALUES, holds_slot
from fluentory_bookings.contrib.django.services import inputs
from fluentory_bookings.contrib.django.services.availability import (
    require_eligible,
    slot_context,
)
from fluentory_bookings.contrib.django.services.calendar_changes import (
    calendar_change,
    calendar_change_update,
)
from fluentory_bookings.contrib.django.services.integrity import violates
from fluentory_bookings.contrib.django.services.isolation import use_case
from fluentory_bookings.contrib.django.services.locks import lock_users
from fluentory_bookings.contrib.django.services.reminders import (
    drop_reminders,
    schedule_reminders,
)
from fluentory_bookings.contrib.django.services.schedule import (
    Ask,
    commitments_of,
    require_length,
)
from fluentory_bookings.contrib.django.services.teaching import lesson_role
from fluentory_bookings.core.approvals import (
    Actor,
    OneOnOneStatus,
    check_transition,
    initial_status,
)
from fluentory_bookings.core.conflicts import Commitment, check_conflicts, weekly_series
from fluentory_bookings.core.errors import (
    AlreadyBooked,
    InvalidRule,
    InvalidTransition,
    NotPermitted,
    PolicyViolation,
    Rule,
    SlotReason,
    SlotUnavailable,
)
from fluentory_bookings.core.intervals import Interval
from fluentory_bookings.core.policy import (
    check_bookable,
    check_cancellable,
    check_outcome_recordable,
    pending_expires_at,
)
from fluentory_bookings.core.slots import slot_at
from fluentory_bookings.core.validate import require_aware

__all__ = [
    "SCOPES",
    "approve_one_on_one",
    "cancel_one_on_one",
    "complete_one_on_one",
    "decline_one_on_one",
    "expire_pending_requests",
    "release_deleted_one_on_one",
    "request_one_on_one",
    "set_one_on_one_meeting_link",
]

SCOPES = ("this", "following")
"""What :func:`cancel_one_on_one` cancels: this booking, or it and the later ones of its series."""

_EXPIRE_BATCH = 500
_ONE_ACTIVE_PER_SLOT = "fb_one_on_one_one_active_per_slot"
_NO_TEACHER_OVERLAP = "fb_one_on_one_no_teacher_overlap"  # PostgreSQL only (migration 0002)
_S = OneOnOneStatus


# --- request ----------------------------------------------------------------------------------


@use_case
def request_one_on_one(
    availability: TeacherAvailability,
    student: Any,
    starts_at: datetime,
    *,
    course: Any = None,
    weeks: int = 1,
    note: str = "",
) -> list[OneOnOneBooking]:
    """Book the slot of ``availability`` at ``starts_at`` for ``student`` (``weeks`` in a row).

    With ``weeks > 1`` the booking repeats every week at the same local time in the
    availability's zone (the UTC time shifts across DST changes), and the whole series is
    decided at once: every occurrence must be an open slot and must not clash with anything the
    student or the teacher is committed to; otherwise nothing is booked. The booking horizon
    limits how far ahead the series may *start*; its later weeks may lie beyond it, up to
    ``FLUENTORY_BOOKINGS_MAX_SERIES_WEEKS``.

    The bookings start ``pending`` (holding their slots until the teacher decides or the
    request expires) when the adapter's ``requires_approval(course, teacher)`` says so, else
    ``confirmed``.

    Args:
        availability: The teacher's availability to book.
        student: The user who books.
        starts_at: The slot's start (aware, any zone).
        course: The course the lesson belongs to; default ``availability.course``.
        weeks: How many weekly lessons, 1 for a single one.
        note: What the student tells the teacher (optional, at most 1,000 characters); every
            lesson of a series carries it.

    Returns:
        The new bookings, in time order (one for a single lesson).

    Raises:
        InvalidRule: no course, or ``weeks`` outside 1..MAX_SERIES_WEEKS (``field`` says which).
        InvalidInterval: ``starts_at`` is naive or at the edge of the calendar.
        InvalidInput: ``note`` is not text or is longer than 1,000 characters
            (``field="student_note"``).
        LimitExceeded: ``starts_at`` (``field="starts_at"``) or the series' last lesson
            (``field="weeks"``) lies more than
            :data:`~fluentory_bookings.core.horizon.MAX_SCHEDULE_AHEAD` (ten years) from now,
            whatever the booking horizon.
        PolicyViolation: the course takes no 1:1 bookings (``"booking_type"``), the student is
            not enrolled (``"enrollment"``), the start is past, inside the minimum notice or
            beyond the horizon (``"past"``, ``"minimum_notice"``, ``"horizon"``), or the request
            needs approval and the student already has ``MAX_PENDING_PER_TEACHER`` requests
            waiting for this teacher (``"pending_limit"``; a series counts as one).
        NotPermitted: the student is the availability's teacher.
        AlreadyBooked: the student already holds this slot (a repeated request).
        SlotUnavailable: the availability is off or for another course, or an occurrence is
            not on its slot grid, outside it, or taken.
        Conflict: occurrences clash with the student's or the teacher's commitments; it lists
            every clash of every occurrence.
        InvalidMeetingLink: the adapter's link is not ``https://`` or longer than 500
            characters (nothing is booked).
    """
    adapter = get_adapter()
    inputs.instant(starts_at, "starts_at", now=adapter.now())
    _check_weeks(weeks)
    note = inputs.text(note, OneOnOneBooking, "student_note").strip()
    if availability.pk is None:
        raise InvalidRule("availability has not been saved yet", field="availability")
    try:
        with transaction.atomic(), course_teacher_links_read_once():
            # Lock before the first read, so every read below sees the competitors' commits.
            lock_users(availability.teacher_id, student)
            # The teacher and course come in the same round trip (the adapter is asked about both).
            av = (
                TeacherAvailability.objects.select_for_update(of=("self",))
                .select_related("teacher", "course")
                .get(pk=availability.pk)
            )
            if av.teacher_id != availability.teacher_id:  # pragma: no cover - never reassigned
                lock_users(av.teacher_id)
            if course is None:
                course = av.course
            require_eligible(av, student, course)
            ctx = slot_context(av, course)
            check_bookable(starts_at, now=ctx.now, deadlines=ctx.deadlines)
            # A length is real time: added on the caller's wall clock it would stretch or
            # shrink by a DST shift of whatever zone ``starts_at`` carries.
            start = starts_at.astimezone(UTC)
            first = Interval(start, start + ctx.spec.length)
            # Only a row stored before the limit existed can be longer (conflict checks need it).
            require_length(first.start, first.end, field="slot_minutes")
            series = weekly_series(first, str(av.timezone), weeks=weeks)
            # The booking horizon bounds the first lesson only; nothing goes beyond this one.
            inputs.instant(series[-1].end, "weeks", now=ctx.now)
            span = Interval(series[0].start, series[-1].end)
            # The teacher's rows the database still counts as active around the series. Those
            # that hold their slot may be this very request again; the overdue ones hold
            # nothing (the commitments ignore them) but must be written expired before the
            # insert, or the database's constraints would refuse it.
            active = list(
                OneOnOneBooking.objects.select_for_update().filter(
                    teacher_id=av.teacher_id,
                    status__in=ACTIVE_VALUES,
                    starts_at__lt=span.end,
                    ends_at__gt=span.start,
                )
            )
            overdue = [b for b in active if not b.holds_slot_at(ctx.now)]
            if any(
                (b.availability_slot_id, b.student_id, b.starts_at)
                == (av.pk, student.pk, first.start)
                for b in active
                if b not in overdue
            ):
                raise AlreadyBooked(
                    session_id=f"availability {av.pk} at {first.start.isoformat()}",
                    student_id=student.pk,
                )
            windows = ctx.windows(span)
            # The horizon bounds how far ahead a request may start, not the weeks after it.
            later = replace(ctx.deadlines, booking_horizon=None)
            deadlines = [ctx.deadlines, *([later] * (len(series) - 1))]
            # 1. Each occurrence lies on the availability's grid (busy time comes next).
            for occ, dl in zip(series, deadlines, strict=True):
                slot_at(occ.start, windows, (), ctx.spec, now=ctx.now, deadlines=dl)
            # 2. Nothing the student or the teacher is committed to overlaps: all clashes at once.
            teacher_ask = ctx.teacher_ask(span)
            student_busy, teacher_busy = commitments_of(
                [Ask(student, "student", span.start, span.end), teacher_ask]
            )
            check_conflicts(series, _dedupe([*student_busy, *teacher_busy]))
            # 3. The teacher's buffers around their commitments are respected too.
            busy = ctx.blocked(teacher_busy, teacher_ask.lesson_buffers or {})
            for occ, dl in zip(series, deadlines, strict=True):
                slot_at(occ.start, windows, busy, ctx.spec, now=ctx.now, deadlines=dl)

            status = initial_status(adapter.requires_approval(course, av.teacher))
            if status is _S.PENDING:
                _require_room_for_a_request(student, av.teacher_id, ctx.now)
            for b in overdue:
                _record(b, _S.EXPIRED, None, ctx.now)
                _send(signals.one_on_one_expired, b, None)
            recurring = len(series) > 1
            series_id = uuid.uuid4() if recurring else None
            created: list[OneOnOneBooking] = []
            for occ in series:
                booking = OneOnOneBooking(
                    availability_slot=av,
                    student=student,
                    teacher_id=av.teacher_id,
                    course=course,
                    starts_at=occ.start,
                    ends_at=occ.end,
                    status=status.value,
                    is_recurring=recurring,
                    series_id=series_id,
                    student_note=note,
                    requested_at=ctx.now,
                    expires_at=(
                        pending_expires_at(
                            requested_at=ctx.now, starts_at=occ.start, deadlines=ctx.deadlines
                        )
                        if status is _S.PENDING
                        else None
                    ),
                )
                booking.save()
                link = adapter.generate_meeting_link(booking)
                if link:
                    booking.meeting_link = inputs.meeting_link(link, OneOnOneBooking)
                    booking.save(update_fields=["meeting_link", "modified"])
                created.append(booking)
            schedule_reminders(*created)
            for booking in created:
                _send(signals.one_on_one_requested, booking, student)
    except IntegrityError as exc:
        # Only reachable if a write slipped past the locks (e.g. a host writing bookings
        # directly): the database's constraints refuse the second active booking. Any other
        # constraint is a different fault and is not dressed up as a taken slot.
        if not _slot_taken(exc):
            raise
        raise SlotUnavailable(
            f"no open slot at {starts_at.isoformat()}: taken",
            starts_at=starts_at,
            reason=SlotReason.TAKEN,
        ) from exc
    return created


def _require_room_for_a_request(student: Any, teacher_id: Any, now: datetime) -> None:
    """Refuse a request past ``MAX_PENDING_PER_TEACHER`` waiting ones (a series counts once).

    The caller holds both users' locks, so two requests of one student cannot both pass.
    """
    most = app_settings.MAX_PENDING_PER_TEACHER
    if most is None:
        return
    waiting = OneOnOneBooking.objects.filter(
        holds_slot(now), student_id=student.pk, teacher_id=teacher_id, status=_S.PENDING.value
    ).aggregate(
        single=Count("pk", filter=Q(series_id__isnull=True)),
        series=Count("series_id", distinct=True),
    )
    if waiting["single"] + waiting["series"] >= most:
        raise PolicyViolation(
            Rule.PENDING_LIMIT,
            f"{most} requests already wait for this teacher's answer",
        )


# --- decisions --------------------------------------------------------------------------------


@use_case
def approve_one_on_one(booking: OneOnOneBooking, by: Any) -> OneOnOneBooking:
    """The teacher (or staff) confirms a pending request.

    A request whose ``expires_at`` has passed is marked ``expired`` instead (and
    ``one_on_one_expired`` sent), and the approval is refused.

    Raises:
        NotPermitted: ``by`` is not this booking's teacher or staff (a student may not
            approve; a stranger may not touch it).
        InvalidTransition: the booking is not pending (already decided, cancelled, expired),
            or it has just expired.
    """
    return _decide(booking, by, _S.CONFIRMED, signals.one_on_one_approved)


@use_case
def decline_one_on_one(booking: OneOnOneBooking, by: Any, reason: str = "") -> OneOnOneBooking:
    """The teacher (or staff) declines a pending request; its slot is open again at once.

    ``reason`` (optional, at most 1000 characters) is kept as ``decision_reason`` and told to
    the student.

    Raises:
        NotPermitted: ``by`` is not this booking's teacher or staff.
        InvalidTransition: the booking is not pending, or its request has just expired (it is
            then marked ``expired``).
        LimitExceeded: ``reason`` is longer than 1000 characters (``field="reason"``).
    """
    reason = inputs.reason(reason)
    return _decide(booking, by, _S.DECLINED, signals.one_on_one_declined, reason=reason)


@use_case
def complete_one_on_one(
    booking: OneOnOneBooking, by: Any, *, no_show: bool = False
) -> OneOnOneBooking:
    """The teacher (or staff) records a confirmed lesson as held, or as a no-show.

    Sends ``one_on_one_completed`` in both cases; ``booking.status`` tells which.

    Raises:
        NotPermitted: ``by`` is not this booking's teacher or staff.
        InvalidTransition: the booking is not confirmed.
        PolicyViolation: ``"not_started"``: the lesson has not started yet.
    """
    target = _S.NO_SHOW if no_show else _S.COMPLETED
    return _decide(booking, by, target, signals.one_on_one_completed)


@use_case
def cancel_one_on_one(
    booking: OneOnOneBooking, by: Any, *, scope: str = "this", reason: str = ""
) -> list[OneOnOneBooking]:
    """Cancel a pending or confirmed booking (``scope="following"``: and its series' later ones).

    ``reason`` (optional, at most 1000 characters) is kept as each cancelled booking's
    ``decision_reason`` and told to both people in the ``one_on_one_cancelled`` e-mail.

    Students may cancel until the course's cancellation cut-off before each lesson, teachers
    until it starts, staff at any time. Cancelling frees the slots at once. All-or-nothing: if
    one of the bookings may not be cancelled, none is. Cancelling a cancelled booking again
    changes nothing and sends nothing, as for a group booking (with ``"following"``, the later
    bookings still active are cancelled). A pending request past its ``expires_at`` is marked
    ``expired`` instead (``one_on_one_expired`` is sent).

    Returns:
        The cancelled bookings, in time order (the booking itself included when it was
        already cancelled).

    Raises:
        InvalidRule: ``scope`` is not ``"this"`` or ``"following"``.
        NotPermitted: ``by`` is neither the student, the teacher nor staff.
        InvalidTransition: the booking was declined, expired or completed, or its request has
            just expired (it is then marked ``expired``).
        PolicyViolation: ``"cancellation_cutoff"`` or ``"past"``.
        LimitExceeded: ``reason`` is longer than 1000 characters (``field="reason"``).
    """
    if scope not in SCOPES:
        raise InvalidRule(f"scope must be 'this' or 'following', not {scope!r}", field="scope")
    reason = inputs.reason(reason)
    adapter = get_adapter()
    with transaction.atomic():
        fresh = _lock_booking(booking)
        actor = _actor(adapter, by, fresh)
        scoped = [fresh]
        if scope == "following" and fresh.series_id is not None:
            scoped += list(
                OneOnOneBooking.objects.select_for_update()
                .filter(
                    series_id=fresh.series_id,
                    starts_at__gt=fresh.starts_at,
                    status__in=ACTIVE_VALUES,
                )
                .exclude(pk=fresh.pk)
                .order_by("starts_at", "pk")
            )
        now = require_aware(adapter.now(), "now")
        overdue = [b for b in scoped if b.status == _S.PENDING.value and not b.holds_slot_at(now)]
        targets = [b for b in scoped if b not in overdue and b.status != _S.CANCELLED.value]
        deadlines = adapter.get_deadlines(fresh.course)
        for b in targets:
            check_transition(b.status, _S.CANCELLED, actor)
            check_cancellable(b.starts_at, now=now, deadlines=deadlines, actor=actor)
        for b in overdue:
            _record(b, _S.EXPIRED, None, now)
            _send(signals.one_on_one_expired, b, None)
        for b in targets:
            _record(b, _S.CANCELLED, by, now, reason=reason)
            _send(signals.one_on_one_cancelled, b, by)
        drop_reminders(*targets)
    _copy_fields(fresh, booking)
    if fresh in overdue:
        raise InvalidTransition(_S.EXPIRED.value, _S.CANCELLED.value, actor=str(actor))
    return [b for b in scoped if b.status == _S.CANCELLED.value]


@use_case
def set_one_on_one_meeting_link(booking: OneOnOneBooking, link: str, by: Any) -> OneOnOneBooking:
    """Set a 1:1 booking's meeting link by hand (``""`` clears it).

    For a teacher whose lessons get no link from the adapter's ``generate_meeting_link``, or
    who moves a lesson to another room. Only while the booking is pending or confirmed: a link
    on a lesson that will not happen would only mislead. Setting the link it already has
    changes nothing and sends nothing.

    Returns:
        The booking as stored. ``one_on_one_meeting_link_changed`` (``booking``, ``by``,
        ``previous``: the old link) is sent after the commit when the link changed.

    Raises:
        InvalidMeetingLink: ``link`` is not an absolute ``https://`` URL (or ``""``), or is
            longer than 500 characters.
        NotPermitted: ``by`` is neither the booking's teacher nor staff (the student
            included).
        InvalidTransition: the booking is no longer pending or confirmed.
    """
    link = inputs.meeting_link(link, OneOnOneBooking)
    adapter = get_adapter()
    with transaction.atomic():
        fresh = _lock_booking(booking)
        if _actor(adapter, by, fresh) not in (Actor.TEACHER, Actor.STAFF):
            raise NotPermitted("only the teacher or staff may set the meeting link")
        if fresh.status not in ACTIVE_VALUES:
            raise InvalidTransition(fresh.status, fresh.status)
        previous = fresh.meeting_link
        if link != previous:
            fresh.meeting_link = link
            fresh.save(update_fields=["meeting_link", *calendar_change(fresh), "modified"])
            signals.send_on_commit(
                signals.one_on_one_meeting_link_changed,
                OneOnOneBooking,
                booking=fresh,
                by=by,
                previous=previous,
            )
    _copy_fields(fresh, booking)
    return fresh


def release_deleted_one_on_one(booking: OneOnOneBooking) -> None:
    """What deleting a 1:1 booking row does: the service behind ``booking.delete()`` and a
    student's account deletion.

    Its slot is free as soon as the row is gone. If the lesson was still upcoming (confirmed,
    or pending and not expired, and not started), ``one_on_one_cancelled`` (``by=None``) is sent
    after the commit with the booking as it was, marked ``cancelled``, so the teacher is told.
    """
    now = require_aware(get_adapter().now(), "now")
    if not booking.is_upcoming(now):  # history: nothing to tell, and no query per row
        return
    # A fresh copy: Django clears the deleted instance's pk before the signal is sent.
    current = OneOnOneBooking.objects.filter(pk=booking.pk).first()
    if current is not None and current.is_upcoming(now):
        current.status = _S.CANCELLED.value
        _send(signals.one_on_one_cancelled, current, None)


def expire_pending_requests(now: datetime | None = None) -> int:
    """Mark every pending request whose ``expires_at`` has come as ``expired``; return how many.

    Run by the periodic work (``manage.py bookings_housekeeping``). Sends
    ``one_on_one_expired`` (``by=None``) for each. Safe with several workers at once: on
    PostgreSQL each claims rows with ``SELECT ... FOR UPDATE SKIP LOCKED`` and the update is
    conditional on the row still being pending, so no request is expired (or signalled) twice.
    Its cost follows the number of due requests, not the size of the table.
    """
    adapter = get_adapter()
    now = require_aware(now if now is not None else adapter.now(), "now")
    alias = router.db_for_write(OneOnOneBooking)
    skip_locked = connections[alias].features.has_select_for_update_skip_locked
    # The partial index fb_1on1_pending_due holds exactly the pending rows under this key, so
    # each batch reads the due rows in index order and stops: no walk over the whole table.
    # (Requests written without expires_at fall due when the lesson starts, as in _decide.)
    pending = (
        OneOnOneBooking.objects.using(alias)
        .filter(status=_S.PENDING.value)
        .alias(due_at=Coalesce("expires_at", "starts_at"))
        .filter(due_at__lte=now)
        .order_by("due_at")
    )

    # One batch is one decision: retried whole on a serialization failure (see .isolation),
    # so the count only ever adds batches that committed.
    @use_case
    def batch() -> int | None:
        with transaction.atomic(using=alias):
            qs = pending.select_for_update(skip_locked=True) if skip_locked else pending
            # Every batch leaves the rows it read no longer pending, so the next one starts
            # afresh from the index; no cursor is needed.
            rows = list(qs[:_EXPIRE_BATCH])
            if not rows:
                return None
            for b in rows:
                check_transition(b.status, _S.EXPIRED, Actor.SYSTEM)
            changed = calendar_change_update(
                OneOnOneBooking.objects.using(alias).filter(
                    pk__in=[b.pk for b in rows], status=_S.PENDING.value
                ),
                mirror=rows,
                status=_S.EXPIRED.value,
                decided_at=now,
            )
            # Rows are locked (PostgreSQL) or the database serialises writers (SQLite), so
            # every row read above is still pending; the conditional update guards regardless.
            if changed != len(rows):  # pragma: no cover - defensive
                still = set(
                    OneOnOneBooking.objects.using(alias)
                    .filter(pk__in=[b.pk for b in rows], status=_S.EXPIRED.value, decided_at=now)
                    .values_list("pk", flat=True)
                )
                rows = [b for b in rows if b.pk in still]
            for b in rows:
                b.status = _S.EXPIRED.value
                b.decided_at = now
                _send(signals.one_on_one_expired, b, None)
            return len(rows)

    total = 0
    while (done := batch()) is not None:
        total += done
    return total


# --- helpers ----------------------------------------------------------------------------------


def _decide(
    booking: OneOnOneBooking, by: Any, target: OneOnOneStatus, signal: Signal, *, reason: str = ""
) -> OneOnOneBooking:
    adapter = get_adapter()
    expired = False
    with transaction.atomic():
        fresh = _lock_booking(booking)
        actor = _actor(adapter, by, fresh)
        check_transition(fresh.status, target, actor)
        now = require_aware(adapter.now(), "now")
        if target in (_S.COMPLETED, _S.NO_SHOW):
            check_outcome_recordable(fresh.starts_at, now=now)
        if fresh.status == _S.PENDING.value and now >= (fresh.expires_at or fresh.starts_at):
            # Nobody decided in time: the request has expired, whatever is asked now.
            check_transition(fresh.status, _S.EXPIRED, Actor.SYSTEM)
            _record(fresh, _S.EXPIRED, None, now)
            _send(signals.one_on_one_expired, fresh, None)
            expired = True
        else:
            _record(fresh, target, by, now, reason=reason)
            if target is _S.CONFIRMED:
                schedule_reminders(fresh)
            _send(signal, fresh, by)
    _copy_fields(fresh, booking)
    if expired:
        raise InvalidTransition(_S.EXPIRED.value, target.value, actor=str(actor))
    return fresh


def _lock_booking(booking: OneOnOneBooking) -> OneOnOneBooking:
    """Lock both people's schedules, then the booking row; return it fresh."""
    if booking.pk is None:
        raise OneOnOneBooking.DoesNotExist("the booking has not been saved")
    # A booking's teacher and student never change, so the caller's ids are safe to lock on
    # before the first read; everything else is read again under the locks.
    lock_users(booking.teacher_id, booking.student_id)
    fresh = OneOnOneBooking.objects.select_for_update().get(pk=booking.pk)
    if (fresh.teacher_id, fresh.student_id) != (booking.teacher_id, booking.student_id):
        lock_users(fresh.teacher_id, fresh.student_id)  # pragma: no cover - never reassigned
    return fresh


def _actor(adapter: Any, by: Any, booking: OneOnOneBooking) -> Actor:
    actor = lesson_role(by, booking)
    if actor is None:
        raise NotPermitted("this is not your booking")
    return actor


def _record(
    booking: OneOnOneBooking, status: OneOnOneStatus, by: Any, now: datetime, *, reason: str = ""
) -> None:
    booking.status = status.value
    booking.decided_at = now
    booking.decided_by_id = getattr(by, "pk", None)
    fields = ["status", "decided_at", "decided_by", *calendar_change(booking), "modified"]
    if reason:
        booking.decision_reason = reason
        fields.append("decision_reason")
    booking.save(update_fields=fields)


def _send(signal: Signal, booking: OneOnOneBooking, by: Any) -> None:
    signals.send_on_commit(signal, OneOnOneBooking, booking=booking, by=by)


def _slot_taken(exc: IntegrityError) -> bool:
    table = OneOnOneBooking._meta.db_table
    return violates(
        exc, _ONE_ACTIVE_PER_SLOT, table=table, columns=("availability_slot_id", "starts_at")
    ) or violates(exc, _NO_TEACHER_OVERLAP, table=table, columns=())


def _check_weeks(weeks: object) -> None:
    cap = app_settings.MAX_SERIES_WEEKS
    if isinstance(weeks, bool) or not isinstance(weeks, int) or not 1 <= weeks <= cap:
        raise InvalidRule(
            f"weeks must be a whole number from 1 to {cap}, not {weeks!r}", field="weeks"
        )


def _dedupe(items: Iterable[Commitment]) -> list[Commitment]:
    """Drop a commitment listed for both people (their 1:1 together): report it once."""
    seen: set[Any] = set()
    out: list[Commitment] = []
    for c in items:
        key = c.ref if isinstance(c.ref, tuple) and c.ref[-1] is not None else None
        if key is not None:
            if key in seen:
                continue
            seen.add(key)
        out.append(c)
    return out


def _copy_fields(source: Any, target: Any) -> None:
    """Bring the caller's instance up to date with the row that was written."""
    if source is target:
        return
    for f in source._meta.concrete_fields:
        setattr(target, f.attname, getattr(source, f.attname))
