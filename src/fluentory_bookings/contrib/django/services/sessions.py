"""Group sessions themselves: create, change and cancel them.

The same steps as every use case (see :mod:`.group`): one transaction, the teacher's schedule
locked before the session row, core decides, refusals before any write, signals after commit.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone as django_timezone

from fluentory_bookings.contrib.django.adapter import DefaultBookingAdapter, get_adapter
from fluentory_bookings.contrib.django.models import Booking, LiveClassSession
from fluentory_bookings.contrib.django.models.sessions import ACTIVE_SEAT_VALUES
from fluentory_bookings.contrib.django.services import inputs
from fluentory_bookings.contrib.django.services.calendar_changes import (
    calendar_change_update,
    session_calendar_change,
)
from fluentory_bookings.contrib.django.services.group import (
    apply_release,
    load_waitlist,
    seat_state,
    signal_promoted,
    write_alias,
)
from fluentory_bookings.contrib.django.services.isolation import use_case
from fluentory_bookings.contrib.django.services.locks import lock_sessions, lock_users
from fluentory_bookings.contrib.django.services.reminders import (
    drop_session_reminders,
    move_session_reminders,
)
from fluentory_bookings.contrib.django.services.schedule import (
    GROUP_COMMITTED,
    commitments,
    require_length,
)
from fluentory_bookings.contrib.django.services.teaching import seat_role, teaches
from fluentory_bookings.contrib.django.signals import (
    group_booking_cancelled,
    send_on_commit,
    session_cancelled,
    session_created,
    session_updated,
)
from fluentory_bookings.core.approvals import Actor
from fluentory_bookings.core.conflicts import (
    ConflictDetail,
    check_conflicts,
    find_conflicts,
    weekly_series,
)
from fluentory_bookings.core.errors import (
    Conflict,
    InvalidInput,
    NotPermitted,
    PolicyViolation,
    Rule,
    SessionClosed,
)
from fluentory_bookings.core.intervals import Interval
from fluentory_bookings.core.policy import BookingType, check_cancellable, require_booking_type
from fluentory_bookings.core.seats import (
    TERMINAL_SESSION_STATUSES,
    SeatStatus,
    SessionStatus,
    decide_resize,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser
    from django.db.models import Model

__all__ = [
    "UPDATABLE_FIELDS",
    "cancel_session",
    "check_new_session",
    "create_session",
    "create_weekly_sessions",
    "update_session",
]

UPDATABLE_FIELDS = frozenset(
    {
        "title",
        "description",
        "starts_at",
        "ends_at",
        "total_seats",
        "enable_waitlist",
        "meeting_link",
        "timezone",
    }
)
"""What :func:`update_session` may change. The course and the teacher stay."""


@use_case
def create_session(
    *,
    course: Model,
    teacher: AbstractBaseUser,
    title: str,
    starts_at: datetime,
    ends_at: datetime,
    total_seats: int = 10,
    enable_waitlist: bool = False,
    meeting_link: str = "",
    timezone: str | tzinfo = "UTC",
    description: str = "",
) -> LiveClassSession:
    """Schedule a group session taught by ``teacher``.

    Args:
        course: The host's course; its booking type must be ``group_session``.
        teacher: Who teaches it; must teach ``course`` (the adapter's ``is_teacher``).
        starts_at, ends_at: Aware datetimes, ``ends_at`` after ``starts_at``, in the future, at
            most :data:`~.schedule.MAX_LENGTH` (24 hours) apart.
        total_seats: Capacity, a positive ``int``.
        enable_waitlist: Whether students may wait for a seat once it is full.
        meeting_link: An ``https://`` URL, or ``""`` to ask the adapter's
            ``generate_meeting_link``.
        timezone: The IANA zone the session is shown in (an instant is stored either way).
        description: Free text.

    Returns:
        The new session, ``scheduled``, no seat taken. ``session_created`` is sent after the
        commit with ``session`` and ``by`` (the teacher).

    Raises:
        InvalidInput: ``title`` is not text, blank or longer than 200 characters, or
            ``description`` is not text (``field`` says which).
        InvalidInterval: a naive datetime, ``ends_at`` not after ``starts_at``, or more than
            24 hours after it.
        LimitExceeded: ``starts_at`` or ``ends_at`` lies more than
            :data:`~fluentory_bookings.core.horizon.MAX_SCHEDULE_AHEAD` (ten years) from now
            (``field`` names it).
        InvalidSeats: ``total_seats`` is not a positive ``int``.
        LimitExceeded: ``total_seats`` is over 2,147,483,647 (what the column holds).
        InvalidMeetingLink: the link (given or the adapter's) is not an absolute ``https://``
            URL or is longer than 500 characters.
        InvalidTimezone: ``timezone`` is not an IANA zone (a ``ZoneInfo`` read from a file
            has no name and is refused too).
        PolicyViolation: rule ``"booking_type"`` (the course takes no group sessions) or
            ``"past"`` (``starts_at`` is not in the future).
        NotPermitted: ``teacher`` does not teach ``course``.
        Conflict: the teacher is already committed at that time.
    """
    session = _unsaved_session(
        course=course,
        teacher=teacher,
        title=title,
        starts_at=starts_at,
        ends_at=ends_at,
        total_seats=total_seats,
        enable_waitlist=enable_waitlist,
        meeting_link=meeting_link,
        timezone=timezone,
        description=description,
    )
    with transaction.atomic(using=write_alias()):
        lock_users(teacher)
        _require_teacher_free(session)
        _save_new(session, teacher)
    return session


def _save_new(session: LiveClassSession, teacher: AbstractBaseUser) -> None:
    session.save()
    if not session.meeting_link:
        # Asked once, for the session as written: a Zoom-style adapter creates a meeting.
        generated = get_adapter().generate_meeting_link(session)
        if generated:
            session.meeting_link = inputs.meeting_link(generated, LiveClassSession)
            session.save(update_fields=["meeting_link"])
    send_on_commit(session_created, LiveClassSession, session=session, by=teacher)


@use_case
def create_weekly_sessions(*, weeks: int, **arguments: Any) -> list[LiveClassSession]:
    """Schedule a weekly run of ``weeks`` sessions, all or nothing.

    The arguments are those of :func:`create_session`, for the first session. Each later one
    starts seven days on at the same local time in ``timezone`` (a time in a DST gap moves
    forward by the gap, a repeated one means the first, as RFC 5545 says) and lasts exactly as
    long as the first. Every session is checked before any is written: the teacher's clashes
    with all of them are reported in one ``Conflict``.

    Returns:
        The new sessions in time order; ``session_created`` is sent for each after the commit.

    Raises:
        InvalidRule: ``weeks`` is not a whole number from 1 to
            :data:`~fluentory_bookings.core.conflicts.MAX_SERIES_WEEKS` (``field="weeks"``).
        Everything :func:`create_session` raises, for any of the sessions.
    """
    first = _unsaved_session(**arguments)
    series = weekly_series(
        Interval(first.starts_at, first.ends_at), str(first.timezone), weeks=weeks
    )
    sessions = [first] + [
        _unsaved_session(**{**arguments, "starts_at": i.start, "ends_at": i.end})
        for i in series[1:]
    ]
    teacher = arguments["teacher"]
    with transaction.atomic(using=write_alias()):
        lock_users(teacher)
        check_conflicts(
            series,
            commitments(teacher, "teacher", series[0].start, series[-1].end, include_external=True),
        )
        for session in sessions:
            _save_new(session, teacher)
    return sessions


def check_new_session(**arguments: Any) -> None:
    """Raise what :func:`create_session` would raise for ``arguments``, writing nothing.

    For forms that show a refusal next to the fields before saving. The adapter is not asked
    for a meeting link (that may create a meeting somewhere): only the real creation does.
    The answer can go stale before the save, which decides again under its lock.
    """
    _require_teacher_free(_unsaved_session(**arguments))


def _unsaved_session(
    *,
    course: Model,
    teacher: AbstractBaseUser,
    title: str,
    starts_at: datetime,
    ends_at: datetime,
    total_seats: int = 10,
    enable_waitlist: bool = False,
    meeting_link: str = "",
    timezone: str | tzinfo = "UTC",
    description: str = "",
) -> LiveClassSession:
    """Every check of :func:`create_session` that needs no lock; the session, not saved."""
    adapter = get_adapter()
    title = inputs.text(title, LiveClassSession, "title", required=True)
    description = inputs.text(description, LiveClassSession, "description")
    interval = Interval(starts_at, ends_at)
    require_length(interval.start, interval.end)
    now = adapter.now()
    inputs.instant(interval.start, "starts_at", now=now)
    inputs.instant(interval.end, "ends_at", now=now)
    seats = inputs.seats(total_seats)
    link = inputs.meeting_link(meeting_link, LiveClassSession)
    zone = inputs.zone(timezone)
    require_booking_type(adapter.get_booking_type(course), BookingType.GROUP_SESSION)
    if not teaches(teacher, course):
        raise NotPermitted(f"{teacher} does not teach {course}")
    if interval.start <= now:
        raise PolicyViolation(Rule.PAST, "a session must start in the future")
    return LiveClassSession(
        course=course,
        teacher=teacher,
        title=title,
        description=description,
        starts_at=starts_at,
        ends_at=ends_at,
        timezone=zone,
        total_seats=seats,
        enable_waitlist=bool(enable_waitlist),
        meeting_link=link,
        status=SessionStatus.SCHEDULED.value,
    )


def _require_teacher_free(session: LiveClassSession) -> None:
    start, end = session.starts_at, session.ends_at
    check_conflicts(
        [Interval(start, end)],
        commitments(session.teacher, "teacher", start, end, include_external=True),
    )


@use_case
def update_session(
    session: LiveClassSession, by: AbstractBaseUser | None, **changes: Any
) -> LiveClassSession:
    """Change a session: any of :data:`UPDATABLE_FIELDS`, as keyword arguments.

    - ``total_seats`` goes through core's ``decide_resize``: never below the seats already
      held; raising it promotes waitlisted students into the new seats, first come first served.
    - ``enable_waitlist``: switching it off stops new waitlist entries; students already
      waiting keep their places. The status follows (a full session without a waitlist is
      ``booking_closed``).
    - ``starts_at``/``ends_at``: only before the session starts and while it is not cancelled
      or completed; the new times are validated like :func:`create_session`'s and checked
      against the teacher's other commitments and those of every student holding a seat or
      a waitlist place: a move that would put one of them in two places at once is refused
      with a ``Conflict`` that names them (``students``). Booked students keep their bookings.
    - ``meeting_link``, ``timezone``, ``title``, ``description``.

    Who may: a teacher of the course (the session's teacher included) or staff.

    Returns:
        The session as stored. ``session_updated`` (``session``, ``by``, ``changed``: the
        names of the fields that changed) is sent after the commit if anything changed, and
        ``group_booking_promoted`` for each promotion.

    Raises:
        InvalidInput: a field :func:`update_session` cannot change (``course``, ``teacher``,
            ``seats_taken``, ``status``, ...); ``field`` names it.
        NotPermitted: ``by`` neither teaches the course nor is staff.
        InvalidInput: a bad ``title`` or ``description``, as in :func:`create_session`.
        InvalidSeats, LimitExceeded, SeatsBelowConfirmed: a bad ``total_seats``.
        InvalidInterval, PolicyViolation (``"past"``), SessionClosed: a bad time change.
        LimitExceeded: a new time beyond the scheduling horizon (``field="starts_at"`` or
            ``"ends_at"``).
        Conflict: the new time overlaps the teacher's or a booked student's commitments.
        InvalidMeetingLink, InvalidTimezone: a bad link or zone.
    """
    unknown = sorted(set(changes) - UPDATABLE_FIELDS)
    if unknown:
        raise InvalidInput(
            f"update_session() cannot change {', '.join(unknown)}: a session keeps its course "
            "and teacher (cancel it and create another), and its seats and status move only "
            "through bookings",
            field=unknown[0],
        )
    fields: dict[str, Any] = {}
    if "meeting_link" in changes:
        fields["meeting_link"] = inputs.meeting_link(changes["meeting_link"], LiveClassSession)
    if "timezone" in changes:
        fields["timezone"] = inputs.zone(changes["timezone"])
    if "total_seats" in changes:
        inputs.seats(changes["total_seats"])
    if "title" in changes:
        fields["title"] = inputs.text(changes["title"], LiveClassSession, "title", required=True)
    if "description" in changes:
        fields["description"] = inputs.text(changes["description"], LiveClassSession, "description")
    adapter = get_adapter()
    with transaction.atomic(using=write_alias()):
        teacher_id = (
            LiveClassSession.objects.filter(pk=session.pk)
            .values_list("teacher_id", flat=True)
            .get()
        )
        timing = "starts_at" in changes or "ends_at" in changes
        seen: dict[Any, int] = {}
        if timing:
            # A move is checked against the teacher's and every booked student's calendar.
            seen = _booked(session.pk)
            lock_users(teacher_id, *seen)
        current = lock_sessions([session.pk])[session.pk]
        _session_actor(adapter, by, current)
        now = adapter.now()
        start = changes.get("starts_at", current.starts_at)
        end = changes.get("ends_at", current.ends_at)
        if timing:
            interval = Interval(start, end)
            require_length(interval.start, interval.end)
            inputs.instant(interval.start, "starts_at", now=now)
            inputs.instant(interval.end, "ends_at", now=now)
            if (interval.start, interval.end) != (current.starts_at, current.ends_at):
                booked = _booked(current.pk)
                # Who booked between the read above and the session lock: lock them too
                # (out of the usual order, but only in that narrow window).
                lock_users(*(set(booked) - set(seen)))
                _check_new_time(current, interval, now, booked)
                fields["starts_at"], fields["ends_at"] = start, end
        if "enable_waitlist" in changes:
            fields["enable_waitlist"] = bool(changes["enable_waitlist"])
        total = changes.get("total_seats", current.total_seats)
        if total != current.total_seats:
            fields["total_seats"] = total
        fields = {k: v for k, v in fields.items() if _differs(getattr(current, k), v)}
        if not fields:
            _copy(session, current)
            return current
        changed = sorted(fields)  # what the caller changed, before the calendar's bookkeeping
        fields.update(session_calendar_change(current, changed))
        waitlist, stored = load_waitlist(current.pk)
        if current.starts_at <= now:
            waitlist = []  # new seats in a running class go to nobody waiting
        state = seat_state(
            current, enable_waitlist=fields.get("enable_waitlist", current.enable_waitlist)
        )
        decision = decide_resize(state, total, waitlist)
        promoted = apply_release(current, decision, stored, now=now, fields=fields)
        current.refresh_from_db()
        if "starts_at" in fields:
            move_session_reminders(current)
        send_on_commit(session_updated, LiveClassSession, session=current, by=by, changed=changed)
        signal_promoted(promoted, by=by)
    _copy(session, current)
    return current


@use_case
def cancel_session(
    session: LiveClassSession, by: AbstractBaseUser | None, reason: str = ""
) -> LiveClassSession:
    """Cancel a session and every active booking in it (seats and waitlist places).

    ``reason`` (optional, at most 1000 characters) is what the students are told: it goes with
    both signals as ``reason`` and into their e-mails; it is not stored.

    Who may: a teacher of the course until the session starts, staff at any time. Cancelling
    a cancelled session again changes nothing and sends nothing.

    Returns:
        The session, ``cancelled`` with no seat taken. After the commit ``session_cancelled``
        (``session``, ``by``) is sent, then ``group_booking_cancelled`` (``booking``, ``by``)
        for each booking it cancelled, so you can tell every student.

    Raises:
        NotPermitted: ``by`` neither teaches the course nor is staff.
        PolicyViolation: rule ``"past"``, a teacher cancelling a session that has started.
        SessionClosed: the session is completed.
        LimitExceeded: ``reason`` is longer than 1000 characters (``field="reason"``).
    """
    reason = inputs.reason(reason)
    adapter = get_adapter()
    with transaction.atomic(using=write_alias()):
        current = lock_sessions([session.pk])[session.pk]
        actor = _session_actor(adapter, by, current)
        if current.status == SessionStatus.CANCELLED.value:
            _copy(session, current)
            return current
        if current.status == SessionStatus.COMPLETED.value:
            raise SessionClosed(current.pk, current.status)
        now = adapter.now()
        check_cancellable(
            current.starts_at,
            now=now,
            deadlines=adapter.get_deadlines(current.course),
            actor=actor,
        )
        ids = list(
            Booking.objects.filter(session=current, status__in=ACTIVE_SEAT_VALUES)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        stamp = django_timezone.now()
        calendar_change_update(
            Booking.objects.filter(pk__in=ids),
            at=stamp,
            status=SeatStatus.CANCELLED.value,
            cancelled_at=now,
            cancelled_by=by,
            waitlist_position=None,
        )
        calendar_change_update(
            LiveClassSession.objects.filter(pk=current.pk),
            at=stamp,
            seats_taken=0,
            status=SessionStatus.CANCELLED.value,
        )
        current.refresh_from_db()
        drop_session_reminders(current)
        send_on_commit(
            session_cancelled, LiveClassSession, session=current, by=by, **inputs.told(reason)
        )
        # With their students: each one's notification names them.
        cancelled = Booking.objects.filter(pk__in=ids).select_related("student").order_by("pk")
        for booking in cancelled:
            booking.session = current
            send_on_commit(
                group_booking_cancelled, Booking, booking=booking, by=by, **inputs.told(reason)
            )
    _copy(session, current)
    return current


def _session_actor(adapter: DefaultBookingAdapter, by: Any, session: LiveClassSession) -> Actor:
    actor = seat_role(by, session)
    if actor is Actor.TEACHER or actor is Actor.STAFF:
        return actor
    raise NotPermitted("only a teacher of the course or staff may manage its sessions")


def _booked(session_id: int) -> dict[Any, int]:
    """The students holding a seat or a waitlist place in a session: student id -> booking id."""
    rows = Booking.objects.filter(session_id=session_id, status__in=GROUP_COMMITTED)
    return dict(rows.values_list("student_id", "pk"))


def _check_new_time(
    session: LiveClassSession, interval: Interval, now: datetime, booked: dict[Any, int]
) -> None:
    if session.status in {s.value for s in TERMINAL_SESSION_STATUSES}:
        raise SessionClosed(session.pk, session.status)
    if session.starts_at <= now:
        raise PolicyViolation(Rule.PAST, "a session that has started cannot be moved")
    if interval.start <= now:
        raise PolicyViolation(Rule.PAST, "a session must start in the future")
    found = commitments(
        session.teacher, "teacher", interval.start, interval.end, include_external=True
    )
    check_conflicts([interval], [c for c in found if c.ref != ("session", session.pk)])
    clashes = []
    for student_id, booking_id in booked.items():
        theirs = commitments(
            student_id,
            "student",
            interval.start,
            interval.end,
            exclude_group_bookings=(booking_id,),
        )
        clashes += [(student_id, d) for d in find_conflicts([interval], theirs)]
    if clashes:
        raise _students_conflict(clashes)


def _students_conflict(clashes: list[tuple[Any, ConflictDetail]]) -> Conflict:
    """A Conflict that names the booked students the move would double-book.

    ``students`` lists their ids (``as_dict()`` carries it); each detail's ``party`` is
    ``"student"`` and its ``ref`` the clashing commitment, as for any conflict.
    """
    ids = sorted({student_id for student_id, _ in clashes}, key=str)
    names = {u.pk: str(u) for u in get_user_model().objects.filter(pk__in=ids)}
    exc = Conflict([detail for _, detail in clashes])
    exc.message = "the new time clashes with the calendars of booked students: " + ", ".join(
        names.get(i, str(i)) for i in ids
    )
    exc.args = (exc.message,)
    exc.students = ids  # type: ignore[attr-defined]
    return exc


def _differs(old: Any, new: Any) -> bool:
    if isinstance(old, tzinfo) or isinstance(new, tzinfo):
        return str(old) != str(new)
    return bool(old != new)


def _copy(target: LiveClassSession, fresh: LiveClassSession) -> None:
    if target is fresh:
        return
    for field in fresh._meta.concrete_fields:
        setattr(target, field.attname, getattr(fresh, field.attname))
