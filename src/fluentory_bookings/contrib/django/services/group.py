"""Group-session bookings: book a seat, wait for one, give it back, move it, mark attendance.

Every function here is one use case and follows the same steps:

1. open one transaction;
2. lock the schedules it reads (:func:`~.locks.lock_users`), then the session rows it decides
   on (:func:`~.locks.lock_sessions`, ascending pk), re-reading them under the lock;
3. load plain core values (:class:`~fluentory_bookings.core.seats.SeatState`, the waitlist) and
   ask :mod:`fluentory_bookings.core` for the decision; a refusal is a typed
   :class:`~fluentory_bookings.core.errors.BookingError` raised before anything is written;
4. write the answer, moving seats with a conditional ``UPDATE`` the database checks against
   ``total_seats`` (and a CheckConstraint behind it);
5. queue the matching signal of :mod:`~fluentory_bookings.contrib.django.signals` for after the
   commit.

Every booking of a session is written only while that session's row is locked, so a session
lock is all it takes to read its bookings consistently.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, connections, router, transaction
from django.db.models import Case, Count, F, Max, PositiveIntegerField, Value, When
from django.utils import timezone

from fluentory_bookings.contrib.django.adapter import DefaultBookingAdapter, get_adapter
from fluentory_bookings.contrib.django.models import Booking, LiveClassSession
from fluentory_bookings.contrib.django.models.sessions import ACTIVE_SEAT_VALUES
from fluentory_bookings.contrib.django.services import inputs
from fluentory_bookings.contrib.django.services.calendar_changes import (
    calendar_change,
    calendar_change_update,
)
from fluentory_bookings.contrib.django.services.integrity import violates
from fluentory_bookings.contrib.django.services.isolation import use_case
from fluentory_bookings.contrib.django.services.locks import (
    lock_sessions,
    lock_users,
)
from fluentory_bookings.contrib.django.services.reminders import (
    drop_reminders,
    schedule_reminders,
)
from fluentory_bookings.contrib.django.services.schedule import commitments
from fluentory_bookings.contrib.django.services.teaching import seat_role
from fluentory_bookings.contrib.django.signals import (
    attendance_marked,
    group_booking_cancelled,
    group_booking_confirmed,
    group_booking_promoted,
    group_booking_rescheduled,
    group_booking_waitlisted,
    group_waitlist_left,
    send_on_commit,
)
from fluentory_bookings.core.approvals import Actor
from fluentory_bookings.core.conflicts import check_conflicts
from fluentory_bookings.core.errors import (
    AlreadyBooked,
    Conflict,
    InvalidTransition,
    NotOnWaitlist,
    NotPermitted,
    PolicyViolation,
    Rule,
    SessionClosed,
    SessionFull,
)
from fluentory_bookings.core.intervals import Interval
from fluentory_bookings.core.policy import (
    BookingType,
    check_cancellable,
    check_outcome_recordable,
    check_reschedulable,
    require_booking_type,
)
from fluentory_bookings.core.seats import (
    SEAT_HOLDING_STATUSES,
    TERMINAL_SESSION_STATUSES,
    ReleaseDecision,
    SeatState,
    SeatStatus,
    SessionStatus,
    WaitlistEntry,
    decide_book,
    decide_release,
    derive_status,
)
from fluentory_bookings.core.seats import leave_waitlist as core_leave_waitlist
from fluentory_bookings.core.validate import require_bool

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser
    from django.db.models import Model

__all__ = [
    "book_group_session",
    "cancel_group_booking",
    "confirm_group_booking",
    "leave_waitlist",
    "mark_attendance",
    "refresh_session_status",
    "release_deleted_booking",
    "reschedule_group_booking",
]

_CONFIRMED = SeatStatus.CONFIRMED.value
_WAITLISTED = SeatStatus.WAITLISTED.value
_SCHEDULED = SessionStatus.SCHEDULED
_CANCELLED = SeatStatus.CANCELLED.value
_SEAT_HOLDING = frozenset(s.value for s in SEAT_HOLDING_STATUSES)
_TERMINAL = frozenset(s.value for s in TERMINAL_SESSION_STATUSES)
_UNIQUE_ACTIVE = "fb_booking_one_active_per_student"


# --- use cases ----------------------------------------------------------------------------------


@use_case
def book_group_session(session: LiveClassSession, student: AbstractBaseUser) -> Booking:
    """Book ``student`` into ``session``: a confirmed seat, or a waitlist place when it is full.

    Args:
        session: The session (only its pk is used; the row is re-read under a lock).
        student: The student who books.

    Returns:
        The new booking: ``confirmed`` (one seat taken), or ``waitlisted`` with
        ``waitlist_joined_at`` and ``waitlist_position`` (1 = next in line). Its ``session`` is
        the session as written.

    Raises:
        PolicyViolation: rule ``"booking_type"`` (the course takes no group sessions),
            ``"enrollment"`` (the adapter's ``can_book`` says no) or ``"past"`` (started).
        SessionClosed: the session is cancelled or completed.
        AlreadyBooked: the student already holds a seat or a waitlist place here; repeating
            the request (a double click) never creates a second booking.
        SessionFull: every seat is taken and the session has no waitlist.
        Conflict: the session overlaps something the student is already committed to.
    """
    adapter = get_adapter()
    try:
        with transaction.atomic(using=write_alias()):
            booking = _book(adapter, session.pk, student)
    except IntegrityError as exc:
        # Only reachable if a booking was written around the services (no session lock):
        # the partial unique constraint is the last line of defence against a double booking.
        if _is_duplicate_active(exc):
            raise AlreadyBooked(session_id=session.pk, student_id=student.pk) from exc
        raise
    return booking


@use_case
def confirm_group_booking(booking: Booking) -> Booking:
    """Give ``booking`` a seat: the service behind :meth:`Booking.confirm`.

    - An unsaved booking books its session for its student, exactly as
      :func:`book_group_session` (confirmed, or waitlisted when the session is full).
    - A waitlisted booking takes a free seat if one is free for it. Seats go first come, first
      served: students ahead of it in the line are promoted first, so it is confirmed only if
      enough seats are free to reach it.
    - A booking that already holds a seat is returned unchanged.

    The caller's instance is updated in place as well.

    Raises:
        SessionFull: no free seat reaches this waitlisted booking.
        SessionClosed: the session is cancelled or completed.
        PolicyViolation: rule ``"past"``, the session has started.
        InvalidTransition: the booking is cancelled (book again instead).
        Any error of :func:`book_group_session` for an unsaved booking.
    """
    if booking.pk is None:
        fresh = book_group_session(booking.session, booking.student)
        _sync(booking, fresh)
        return fresh
    adapter = get_adapter()
    with transaction.atomic(using=write_alias()):
        session = _lock_session_of(booking)
        current = _reload(booking)
        if current.status in _SEAT_HOLDING:
            current.session = session
            _sync(booking, current)
            return current
        if current.status != _WAITLISTED:
            raise InvalidTransition(current.status, _CONFIRMED)
        state = seat_state(session)
        if state.status in TERMINAL_SESSION_STATUSES:
            raise SessionClosed(session.pk, state.status.value)
        now = adapter.now()
        if session.starts_at <= now:
            raise PolicyViolation(Rule.PAST, f"session {session.pk} has already started")
        waitlist, stored = load_waitlist(session.pk)
        decision = decide_release(state, waitlist, freed=0)
        if current.pk not in {e.booking_id for e in decision.promote}:
            raise SessionFull(session.pk)
        promoted = apply_release(session, decision, stored, now=now)
        signal_promoted(promoted, by=None)
    fresh = next(b for b in promoted if b.pk == current.pk)
    _sync(booking, fresh)
    return fresh


@use_case
def cancel_group_booking(
    booking: Booking, by: AbstractBaseUser | None, reason: str = ""
) -> Booking:
    """Cancel a group booking; a freed seat goes to the longest-waiting student.

    ``reason`` (optional, at most 1000 characters) is what the student is told: it goes with
    ``group_booking_cancelled`` as ``reason`` and into their e-mail; it is not stored.

    Who may cancel: the booking's student (until the course's ``cancellation_cutoff`` before
    the start), a teacher of the course (until the start) and staff (any time). A waitlist place
    is given up at any time, as with :func:`leave_waitlist`. Cancelling a cancelled booking
    again changes nothing and sends nothing.

    One freed seat promotes exactly one waitlisted student, first come first served; everyone
    still waiting is renumbered, and a session closed because it was full reopens.

    Returns:
        The cancelled booking (the caller's instance is updated in place as well).

    Raises:
        NotPermitted: ``by`` is neither the student, a teacher of the course nor staff.
        PolicyViolation: rule ``"cancellation_cutoff"`` or ``"past"``.
        InvalidTransition: attendance was already marked (attended or no-show).
        LimitExceeded: ``reason`` is longer than 1000 characters (``field="reason"``).
    """
    reason = inputs.reason(reason)
    adapter = get_adapter()
    with transaction.atomic(using=write_alias()):
        session = _lock_session_of(booking)
        current = _reload(booking)
        actor = _booking_actor(adapter, by, current, session)
        if current.status == _CANCELLED:
            current.session = session
            _sync(booking, current)
            return current
        if current.status != _CONFIRMED and current.status != _WAITLISTED:
            raise InvalidTransition(current.status, _CANCELLED, actor=actor.value)
        now = adapter.now()
        if current.status == _CONFIRMED:
            check_cancellable(
                session.starts_at,
                now=now,
                deadlines=adapter.get_deadlines(session.course),
                actor=actor,
            )
        promoted = _release(session, current, by=by, now=now)
        current.session = session
        send_on_commit(
            group_booking_cancelled, Booking, booking=current, by=by, **inputs.told(reason)
        )
        signal_promoted(promoted, by=by)
    _sync(booking, current)
    return current


@use_case
def reschedule_group_booking(
    booking: Booking, new_session: LiveClassSession, by: AbstractBaseUser | None
) -> Booking:
    """Move a booking to another session of the same course, all or nothing.

    The student keeps the old seat until a confirmed seat in ``new_session`` is held: if the new
    session has no free seat the move is refused (even when it has a waitlist) and nothing
    changes. On success the old booking is cancelled, its seat goes to the old session's
    waitlist, and a new confirmed booking is returned. Both sessions are locked in pk order.

    Who may move it: the student (until ``reschedule_cutoff`` before the old start), a teacher
    of the course (until the start), staff (any time).

    Raises:
        NotPermitted: ``by`` is neither the student, a teacher of the course nor staff.
        PolicyViolation: rule ``"same_course"`` (the sessions belong to different courses),
            ``"reschedule_cutoff"``, ``"past"`` (either session has started),
            ``"booking_type"`` or ``"enrollment"``.
        InvalidTransition: the booking is cancelled or its attendance was marked.
        AlreadyBooked: the student already holds a booking in ``new_session`` (moving to the
            same session included).
        SessionFull: ``new_session`` has no free seat.
        SessionClosed: ``new_session`` is cancelled or completed.
        Conflict: ``new_session`` overlaps another commitment of the student.
    """
    adapter = get_adapter()
    with transaction.atomic(using=write_alias()):
        old_id, student_id = (
            Booking.objects.filter(pk=booking.pk).values_list("session_id", "student_id").get()
        )
        lock_users(student_id)
        locked = lock_sessions([old_id, new_session.pk])
        old, new = locked[old_id], locked[new_session.pk]
        current = _reload(booking)
        actor = _booking_actor(adapter, by, current, old)
        if current.status != _CONFIRMED and current.status != _WAITLISTED:
            raise InvalidTransition(current.status, "rescheduled", actor=actor.value)
        course = old.course
        if new.course_id != old.course_id:
            raise PolicyViolation(
                Rule.SAME_COURSE, "a booking can only move to a session of the same course"
            )
        now = adapter.now()
        deadlines = adapter.get_deadlines(course)
        if current.status == _CONFIRMED:
            check_reschedulable(old.starts_at, now=now, deadlines=deadlines, actor=actor)
        require_booking_type(adapter.get_booking_type(course), BookingType.GROUP_SESSION)
        student = current.student
        if not adapter.can_book(student, course):
            raise PolicyViolation(Rule.ENROLLMENT, "the student may not book this course")
        already = _has_active_booking(new.pk, student_id)
        decision = decide_book(
            seat_state(new), already_booked=already, now=now, student_id=student_id
        )
        if decision.outcome is not SeatStatus.CONFIRMED:
            raise SessionFull(new.pk)
        check_conflicts(
            [Interval(new.starts_at, new.ends_at)],
            commitments(
                student,
                "student",
                new.starts_at,
                new.ends_at,
                exclude_group_bookings=(current.pk,),
            ),
        )
        # Hold the new seat first; only then give the old one back.
        if not _take_seat(new, decision.status):
            raise SessionFull(new.pk)
        moved = Booking.objects.create(session=new, student=student, status=_CONFIRMED)
        schedule_reminders(moved)
        promoted = _release(old, current, by=by, now=now)
        current.session = old
        send_on_commit(group_booking_rescheduled, Booking, booking=moved, previous=current, by=by)
        signal_promoted(promoted, by=by)
    _sync(booking, current)
    return moved


@use_case
def leave_waitlist(booking: Booking, by: AbstractBaseUser | None) -> Booking:
    """Take a booking off the waitlist (it becomes ``cancelled``); everyone behind moves up.

    The student, the course's teachers and staff may do it, at any time: a waitlist place holds
    no seat, so no cut-off applies.

    Returns:
        The cancelled booking (the caller's instance is updated in place as well).

    Raises:
        NotPermitted: ``by`` is neither the student, a teacher of the course nor staff.
        NotOnWaitlist: the booking is not waitlisted (confirmed, cancelled, ...).
    """
    adapter = get_adapter()
    with transaction.atomic(using=write_alias()):
        session = _lock_session_of(booking)
        current = _reload(booking)
        _booking_actor(adapter, by, current, session)
        if current.status != _WAITLISTED:
            raise NotOnWaitlist(current.pk)
        _release(session, current, by=by, now=adapter.now())
        current.session = session
        send_on_commit(group_waitlist_left, Booking, booking=current, by=by)
    _sync(booking, current)
    return current


def release_deleted_booking(booking: Booking) -> None:
    """Give back what a group booking that is being deleted holds: the service behind deleting
    a booking row (on its own, in a queryset, or with its student's account).

    Deleting is cancelling, then removing the row: a seat is freed (and goes to the first
    waiting student if the session has not started), a waitlist place leaves the line and
    everyone behind moves up, and for a session that has not started ``group_booking_cancelled``
    (``by=None``) is sent after the commit, as is ``group_booking_promoted`` for whoever got
    the seat and is still there then. A seat of a session that has started (attended, no-show)
    still leaves the counter, so ``seats_taken`` keeps matching the rows.
    """
    adapter = get_adapter()
    with transaction.atomic(using=write_alias()):
        session = _lock_session_of(booking)
        current = _reload(booking)
        if current.status == _CANCELLED:
            return
        now = adapter.now()
        upcoming = session.status not in _TERMINAL and session.starts_at > now
        if current.status in (_CONFIRMED, _WAITLISTED):
            promoted = _release(session, current, by=None, now=now)
        else:  # attended or no-show: the class took place, nobody is promoted
            freed = 1 if session.seats_taken > 0 else 0
            decision = decide_release(seat_state(session), [], freed=freed)
            promoted = apply_release(session, decision, {}, now=now, freed=freed)
        current.session = session
        if upcoming:
            send_on_commit(group_booking_cancelled, Booking, booking=current, by=None)
        if promoted:
            # Several rows may go in one deletion: a student promoted into a seat and deleted
            # in the same transaction is not told about it.
            transaction.on_commit(
                lambda: signal_promoted(
                    [b for b in promoted if Booking.objects.filter(pk=b.pk).exists()], by=None
                )
            )
    _sync(booking, current)


@use_case
def mark_attendance(booking: Booking, attended: bool, by: AbstractBaseUser | None) -> Booking:
    """Record whether the student came: ``attended`` or ``no_show``.

    Only a teacher of the course (any of them, not only the session's own) or staff may, and
    only once the session has started. Marking a booking again corrects it (attended <->
    no-show); marking the same value again changes nothing and sends nothing. A no-show keeps
    its seat (nobody else could take it).

    Raises:
        InvalidInput: ``attended`` is not a ``bool`` (``field="attended"``).
        NotPermitted: ``by`` is not a teacher of the course or staff (the student included).
        PolicyViolation: rule ``"not_started"``, the session has not started yet.
        InvalidTransition: the booking holds no seat (waitlisted or cancelled).
    """
    require_bool(attended, "attended")
    target = SeatStatus.ATTENDED.value if attended else SeatStatus.NO_SHOW.value
    adapter = get_adapter()
    with transaction.atomic(using=write_alias()):
        session = _lock_session_of(booking)
        current = _reload(booking)
        actor = _booking_actor(adapter, by, current, session)
        if actor not in (Actor.TEACHER, Actor.STAFF):
            raise NotPermitted(
                "only a teacher of the course or staff may mark attendance", actor=actor.value
            )
        if current.status not in _SEAT_HOLDING:
            raise InvalidTransition(current.status, target, actor=actor.value)
        now = adapter.now()
        check_outcome_recordable(session.starts_at, now=now)
        current.session = session
        if current.status != target:
            current.status = target
            current.attendance_marked_at = now
            current.save(
                update_fields=["status", "attendance_marked_at", *calendar_change(current)]
            )
            send_on_commit(attendance_marked, Booking, booking=current, attended=attended, by=by)
    _sync(booking, current)
    return current


@use_case
def refresh_session_status(session: LiveClassSession) -> SessionStatus:
    """Re-derive a session's status from its seats: the service behind
    :meth:`LiveClassSession.update_booking_status`.

    A full session without a waitlist becomes ``booking_closed``; one with a free seat (or a
    waitlist) becomes ``scheduled`` again; cancelled and completed sessions stay as they are.
    The caller's instance gets the stored status and seat counters.
    """
    with transaction.atomic(using=write_alias()):
        fresh = lock_sessions([session.pk])[session.pk]
        status = derive_status(
            fresh.total_seats, fresh.seats_taken, fresh.enable_waitlist, fresh.status
        )
        if status.value != fresh.status:
            LiveClassSession.objects.filter(pk=fresh.pk).update(
                status=status.value, modified=timezone.now()
            )
    for name in ("status", "seats_taken", "total_seats", "enable_waitlist"):
        setattr(session, name, getattr(fresh, name))
    session.status = status.value
    return status


# --- shared with the session services ----------------------------------------------------------


def seat_state(session: LiveClassSession, **overrides: Any) -> SeatState:
    """The core view of a (locked) session row."""
    values: dict[str, Any] = {
        "session_id": session.pk,
        "total_seats": session.total_seats,
        "seats_taken": session.seats_taken,
        "enable_waitlist": session.enable_waitlist,
        "status": session.status,
        "starts_at": session.starts_at,
    }
    values.update(overrides)
    return SeatState(**values)


def load_waitlist(session_id: int) -> tuple[list[WaitlistEntry], dict[int, int | None]]:
    """Everyone waiting for a seat in a (locked) session, and their stored positions."""
    rows = Booking.objects.filter(session_id=session_id, status=_WAITLISTED).values_list(
        "pk", "student_id", "waitlist_joined_at", "waitlist_position"
    )
    entries = []
    stored: dict[int, int | None] = {}
    for pk, student_id, joined_at, position in rows:
        entries.append(WaitlistEntry(booking_id=pk, student_id=student_id, joined_at=joined_at))
        stored[pk] = position
    return entries, stored


def apply_release(
    session: LiveClassSession,
    decision: ReleaseDecision,
    stored: Mapping[int, int | None],
    *,
    now: datetime,
    freed: int = 0,
    fields: Mapping[str, Any] | None = None,
) -> list[Booking]:
    """Write a core :class:`ReleaseDecision` for a locked session.

    Promotes the chosen waitlisted bookings, renumbers the rest, and moves the seat counter by
    ``promoted - freed`` with a conditional UPDATE (together with ``status`` and any other
    session ``fields``). The in-memory ``session`` is updated to match.

    Returns:
        The promoted bookings, fresh from the database, in promotion order.
    """
    promote_ids = [entry.booking_id for entry in decision.promote]
    if promote_ids:
        calendar_change_update(
            Booking.objects.filter(pk__in=promote_ids, status=_WAITLISTED),
            status=_CONFIRMED,
            promoted_at=now,
            waitlist_position=None,
        )
    renumber(decision.waitlist, stored)
    # Always written, even for a waitlist that only moved up: see the waitlist path of _book.
    _move_seats(session, len(promote_ids) - freed, decision.status, **dict(fields or {}))
    if not promote_ids:
        return []
    by_pk = {b.pk: b for b in Booking.objects.filter(pk__in=promote_ids)}
    promoted = [by_pk[pk] for pk in promote_ids]
    for b in promoted:
        b.session = session
    schedule_reminders(*promoted)
    return promoted


def renumber(
    waitlist: Iterable[tuple[WaitlistEntry, int]], stored: Mapping[int, int | None]
) -> None:
    """Store the positions core computed, writing only the rows whose position changed."""
    changed = {
        entry.booking_id: pos for entry, pos in waitlist if stored.get(entry.booking_id) != pos
    }
    if not changed:
        return
    Booking.objects.filter(pk__in=list(changed)).update(
        waitlist_position=Case(
            *(When(pk=pk, then=Value(pos)) for pk, pos in changed.items()),
            output_field=PositiveIntegerField(),
        ),
        modified=timezone.now(),
    )


def signal_promoted(promoted: Sequence[Booking], by: Any) -> None:
    """Queue ``group_booking_promoted`` for each promoted booking, sent after the commit."""
    for b in promoted:
        send_on_commit(group_booking_promoted, Booking, booking=b, by=by)


def write_alias() -> str:
    """The database the services write bookings to (the router's choice)."""
    return router.db_for_write(Booking)


# --- internals ------------------------------------------------------------------------------------


def _book(adapter: DefaultBookingAdapter, session_id: int, student: AbstractBaseUser) -> Booking:
    lock_users(student)
    # Course and times, read before the session lock: the course never changes, and the times
    # are compared again under the lock. Checking the student's schedule here (new bookings
    # for them are only made under their lock, which we hold) keeps the session row locked
    # for as short a time as possible: the row every booking of this session waits for.
    unlocked = LiveClassSession.objects.select_related("course").get(pk=session_id)
    course = unlocked.course
    require_booking_type(adapter.get_booking_type(course), BookingType.GROUP_SESSION)
    if not adapter.can_book(student, course):
        raise PolicyViolation(Rule.ENROLLMENT, "you are not enrolled in this course")
    window = (unlocked.starts_at, unlocked.ends_at)
    conflict = _student_conflict(student, *window)
    if conflict is None:
        booking = _book_open_seat(adapter, unlocked, student)
        if booking is not None:
            return booking

    session = lock_sessions([session_id])[session_id]
    session.course = course
    if (session.starts_at, session.ends_at) != window:
        conflict = _student_conflict(student, session.starts_at, session.ends_at)
    now = adapter.now()
    # The student's seat or waitlist place in a live session is one of their commitments over
    # the session's own time, so with no conflict at all they cannot hold one: ask the
    # database only when there is a conflict to explain. (Bookings of a cancelled or started
    # session do not count as commitments, but decide_book refuses those sessions first.)
    already = conflict is not None and _has_active_booking(session_id, student.pk)
    decision = decide_book(
        seat_state(session), already_booked=already, now=now, student_id=student.pk
    )
    # A conflict is reported only after core's answer, so that a repeated request is told
    # "already booked" rather than "conflicts with your own booking".
    if conflict is not None:
        raise conflict

    if decision.outcome is SeatStatus.CONFIRMED:
        if not _take_seat(session, decision.status):
            raise SessionFull(session_id)
        booking = Booking.objects.create(session=session, student=student, status=_CONFIRMED)
        schedule_reminders(booking)
        send_on_commit(group_booking_confirmed, Booking, booking=booking, by=student)
        return booking

    # Under the session lock, arrival order is the line's order. Workers' clocks may disagree,
    # so the stored join time never goes back past the last one in line (the later booking id
    # breaks the tie): core then promotes exactly in the order the positions show.
    line = Booking.objects.filter(session_id=session_id, status=_WAITLISTED).aggregate(
        waiting=Count("pk"), last=Max("waitlist_joined_at")
    )
    booking = Booking.objects.create(
        session=session,
        student=student,
        status=_WAITLISTED,
        waitlist_joined_at=max(now, line["last"] or now),
        waitlist_position=line["waiting"] + 1,
    )
    # Written even when nothing else changes: every change to a session's bookings updates the
    # session row, so a decision made on an older snapshot (a deletion inside the host's
    # transaction at REPEATABLE READ) fails to lock it instead of missing this row.
    _move_seats(session, 0, decision.status)
    send_on_commit(group_booking_waitlisted, Booking, booking=booking, by=student)
    return booking


def _book_open_seat(
    adapter: DefaultBookingAdapter, unlocked: LiveClassSession, student: AbstractBaseUser
) -> Booking | None:
    """The fast path: take a seat that is not the last one without locking the session row.

    Core decides on the unlocked read; the conditional UPDATE then writes only if that
    decision's premises still hold: same status and times, and at least one seat left free
    *after* ours, so the session stays ``scheduled`` exactly as core derived. Under contention
    this keeps the row lock to the write and the COMMIT (see :func:`_insert_with_spare_seat`).
    Anything else (the last seat, the waitlist, a closed session) returns None: the locked
    path decides again.
    """
    decision = decide_book(
        seat_state(unlocked), already_booked=False, now=adapter.now(), student_id=student.pk
    )
    if decision.outcome is not SeatStatus.CONFIRMED or decision.status is not _SCHEDULED:
        return None
    booking = Booking(session=unlocked, student=student, status=_CONFIRMED)
    if not _insert_with_spare_seat(unlocked, booking):
        return None
    # The counter moved under us: defer it, so Django reads it afresh on first access instead
    # of showing the stale value (and costs nothing when nobody looks).
    for name in ("seats_taken", "modified"):
        unlocked.__dict__.pop(name, None)
    schedule_reminders(booking)
    send_on_commit(group_booking_confirmed, Booking, booking=booking, by=student)
    return booking


def _insert_with_spare_seat(unlocked: LiveClassSession, booking: Booking) -> bool:
    """Take a seat of ``unlocked`` if one stays free after it, and insert ``booking``; or neither.

    On PostgreSQL both writes are one statement (the UPDATE in a CTE): the session row, which
    every booking of this session waits for, is then locked for that statement and the COMMIT,
    with no round trip or Python in between. Elsewhere, the UPDATE then the INSERT.
    """
    alias = write_alias()
    connection = connections[alias]
    stamp = timezone.now()
    premises = {
        "pk": unlocked.pk,
        "status": _SCHEDULED.value,
        "starts_at": unlocked.starts_at,
        "ends_at": unlocked.ends_at,
    }
    if connection.vendor != "postgresql":
        taken = LiveClassSession.objects.filter(
            seats_taken__lt=F("total_seats") - 1, **premises
        ).update(seats_taken=F("seats_taken") + 1, modified=stamp)
        if taken:
            booking.save(force_insert=True, using=alias)
        return bool(taken)
    q = connection.ops.quote_name
    fields = [f for f in Booking._meta.local_concrete_fields if not f.primary_key]
    values = [f.get_db_prep_save(f.pre_save(booking, add=True), connection) for f in fields]
    sql = (
        f"WITH seat AS (UPDATE {q(LiveClassSession._meta.db_table)} "
        "SET seats_taken = seats_taken + 1, modified = %s "
        "WHERE id = %s AND status = %s AND starts_at = %s AND ends_at = %s "
        "AND seats_taken < total_seats - 1 RETURNING id) "
        f"INSERT INTO {q(Booking._meta.db_table)} ({', '.join(q(f.column) for f in fields)}) "
        f"SELECT {', '.join(f'CAST(%s AS {f.cast_db_type(connection)})' for f in fields)} "
        "FROM seat RETURNING id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [stamp, *premises.values(), *values])
        row = cursor.fetchone()
    if row is None:
        return False
    booking.pk = row[0]
    booking._state.adding = False
    booking._state.db = alias
    return True


def _student_conflict(student: Any, start: datetime, end: datetime) -> Conflict | None:
    try:
        check_conflicts([Interval(start, end)], commitments(student, "student", start, end))
    except Conflict as exc:
        return exc
    return None


def _has_active_booking(session_id: int, student_id: Any) -> bool:
    return Booking.objects.filter(
        session_id=session_id, student_id=student_id, status__in=ACTIVE_SEAT_VALUES
    ).exists()


def _take_seat(session: LiveClassSession, status: SessionStatus) -> bool:
    """The conditional UPDATE that takes one seat; False if none was free."""
    taken = LiveClassSession.objects.filter(pk=session.pk, seats_taken__lt=F("total_seats")).update(
        seats_taken=F("seats_taken") + 1, status=status.value, modified=timezone.now()
    )
    if taken:
        session.seats_taken += 1
        session.status = status.value
    return bool(taken)


def _move_seats(
    session: LiveClassSession, delta: int, status: SessionStatus, **fields: Any
) -> None:
    """Move the seat counter of a locked session by ``delta``, guarded by its locked value."""
    updated = LiveClassSession.objects.filter(
        pk=session.pk, seats_taken=session.seats_taken
    ).update(
        seats_taken=F("seats_taken") + delta,
        status=status.value,
        modified=timezone.now(),
        **fields,
    )
    if updated != 1:  # pragma: no cover - only if someone writes seats without the lock
        raise RuntimeError(f"the seat counter of session {session.pk} changed under its lock")
    session.seats_taken += delta
    session.status = status.value
    for name, value in fields.items():
        setattr(session, name, value)


def _release(
    session: LiveClassSession, booking: Booking, *, by: Any, now: datetime
) -> list[Booking]:
    """Cancel a confirmed or waitlisted booking of a locked session; return who was promoted.

    A seat freed once the session has started goes to nobody: a waiting student is never
    dropped into a class that is already running.
    """
    was_confirmed = booking.status == _CONFIRMED
    waitlist, stored = load_waitlist(session.pk)
    booking.status = _CANCELLED
    booking.cancelled_at = now
    booking.cancelled_by = by if getattr(by, "pk", None) is not None else None
    booking.waitlist_position = None
    fields = [
        "status",
        "cancelled_at",
        "cancelled_by",
        "waitlist_position",
        *calendar_change(booking),
    ]
    if was_confirmed:
        # A counter already at 0 (data written around the services) frees nothing more.
        freed = 1 if session.seats_taken > 0 else 0
        candidates = waitlist if session.starts_at > now else []
        decision = decide_release(seat_state(session), candidates, freed=freed)
        booking.save(update_fields=fields)
        drop_reminders(booking)
        return apply_release(session, decision, stored, now=now, freed=freed)
    remaining = core_leave_waitlist(waitlist, booking.pk)
    booking.save(update_fields=fields)
    renumber(remaining, stored)
    return []


def _lock_session_of(booking: Booking) -> LiveClassSession:
    session_id = Booking.objects.filter(pk=booking.pk).values_list("session_id", flat=True).get()
    return lock_sessions([session_id])[session_id]


def _reload(booking: Booking) -> Booking:
    return Booking.objects.select_related("student").get(pk=booking.pk)


def _booking_actor(
    adapter: DefaultBookingAdapter, by: Any, booking: Booking, session: LiveClassSession
) -> Actor:
    # Every teacher of the course acts as a teacher here, as for the session itself (a
    # co-teacher who may cancel the whole session may also cancel one seat or mark attendance).
    actor = seat_role(by, session, student_id=booking.student_id)
    if actor is None:
        raise NotPermitted(
            "only the student, a teacher of the course or staff may change this booking"
        )
    return actor


def _is_duplicate_active(exc: IntegrityError) -> bool:
    table = Booking._meta.db_table
    return violates(exc, _UNIQUE_ACTIVE, table=table, columns=("session_id", "student_id"))


def _sync(target: Model, fresh: Model) -> None:
    """Copy a fresh instance's stored values onto the caller's (possibly stale) instance."""
    if target is fresh:
        return
    for field in fresh._meta.concrete_fields:
        setattr(target, field.attname, getattr(fresh, field.attname))
    for name, value in fresh._state.fields_cache.items():
        target._state.fields_cache[name] = value
    target._state.adding = False
    target._state.db = fresh._state.db
