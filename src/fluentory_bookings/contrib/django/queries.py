"""Read-only lists for the pages, each one index range read whatever the size of the tables.

The services write; these only read, and the pages (and ``bench/scale.py``) call them, so that
"upcoming" and "pending" mean one thing everywhere: a 1:1 request is pending while it holds its
slot (``models.one_on_one.holds_slot``: not expired, even before the periodic job marks it) and
its lesson has not started.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db.models import (
    Case,
    Count,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from fluentory_bookings.contrib.django.adapter import get_adapter
from fluentory_bookings.contrib.django.models import Booking, LiveClassSession, OneOnOneBooking
from fluentory_bookings.contrib.django.models.one_on_one import holds_slot
from fluentory_bookings.contrib.django.services.schedule import GROUP_COMMITTED, LIVE_SESSION
from fluentory_bookings.contrib.django.services.teaching import lessons_taught_by
from fluentory_bookings.core.approvals import OneOnOneStatus
from fluentory_bookings.core.intervals import require_aware
from fluentory_bookings.core.seats import ACTIVE_SEAT_STATUSES, SeatStatus

__all__ = [
    "lessons_to_give",
    "move_targets",
    "pending_requests",
    "upcoming_group_bookings",
    "upcoming_lessons",
    "viewer_lessons",
    "viewer_seats",
    "waiting_count",
]

_PENDING = OneOnOneStatus.PENDING.value


def _now(now: datetime | None) -> datetime:
    return require_aware(now if now is not None else get_adapter().now(), "now")


def lessons_to_give(teacher: Any, *, now: datetime | None = None) -> QuerySet[OneOnOneBooking]:
    """The teacher's lessons that have not ended: pending requests that still hold their slot
    for a lesson to come first, then the confirmed lessons; by start time in each (the
    teacher's 1:1 page).

    Only lessons of courses the teacher still teaches (``services.teaching``).
    """
    now = _now(now)
    waiting = Q(status=_PENDING, starts_at__gt=now) & holds_slot(now)
    return (
        lessons_taught_by(teacher)
        .filter(Q(status=OneOnOneStatus.CONFIRMED.value) | waiting, ends_at__gt=now)
        .alias(answered=Case(When(status=_PENDING, then=Value(0)), default=Value(1)))
        .order_by("answered", "starts_at", "pk")
    )


def pending_requests(teacher: Any, *, now: datetime | None = None) -> QuerySet[OneOnOneBooking]:
    """The requests the teacher has still to answer, soonest first: the pending part of
    :func:`lessons_to_give`.

    Served by the index ``fb_1on1_teacher`` (teacher, status, starts_at), read in order: the
    cost follows the pending requests, not the teacher's history.
    """
    return lessons_to_give(teacher, now=now).filter(status=_PENDING)


def upcoming_lessons(student: Any, *, now: datetime | None = None) -> QuerySet[OneOnOneBooking]:
    """The student's lessons to come that hold their slot (pending or confirmed), soonest first."""
    now = _now(now)
    return (
        OneOnOneBooking.objects.filter(student=student)
        .filter(holds_slot(now), starts_at__gt=now)
        .order_by("starts_at", "pk")
    )


def upcoming_group_bookings(student: Any, *, now: datetime | None = None) -> QuerySet[Booking]:
    """The student's seats and waitlist places in sessions that have not started, soonest first.

    Served by ``fb_booking_student_status`` (student, status) and the sessions' primary key;
    each booking comes with its session.
    """
    now = _now(now)
    return (
        Booking.objects.filter(
            student=student,
            status__in=GROUP_COMMITTED,
            session__status__in=LIVE_SESSION,
            session__starts_at__gt=now,
        )
        .select_related("session")
        .order_by("session__starts_at", "pk")
    )


_WAITLISTED = SeatStatus.WAITLISTED.value
_ACTIVE_SEATS = sorted(s.value for s in ACTIVE_SEAT_STATUSES)


def waiting_count(session_ref: str = "pk") -> Coalesce:
    """How many wait for the session ``session_ref`` names, as an annotation: one correlated
    subquery in the statement that lists the sessions (or the bookings), not one per row.

    ``session_ref`` is the outer query's path to the session's id: ``"pk"`` for sessions,
    ``"session_id"`` for bookings.
    """
    waiting = (
        Booking.objects.filter(session_id=OuterRef(session_ref), status=_WAITLISTED)
        .order_by()
        .values("session_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(waiting, output_field=IntegerField()), Value(0))


def viewer_seats(student: Any, session_ids: Iterable[int]) -> dict[int, Booking]:
    """The student's active booking (seat or waitlist place) in each of ``session_ids``, by
    session id: one statement, however many sessions a page lists (the database holds at most
    one active booking per student and session)."""
    ids = list(session_ids)
    if not ids or not getattr(student, "is_authenticated", False):
        return {}
    return {
        b.session_id: b
        for b in Booking.objects.filter(
            student=student, session_id__in=ids, status__in=GROUP_COMMITTED
        )
    }


def move_targets(booking: Booking, *, now: datetime | None = None) -> QuerySet[LiveClassSession]:
    """The sessions a seat can move to (``services.reschedule_group_booking`` succeeds for):
    other live sessions of its course that have not started, have a free seat (a move never
    lands on a waitlist) and hold no active booking of the student; soonest first, each with
    ``waiting`` (how many wait).

    A clash with the student's other commitments is still the service's to refuse.
    """
    now = _now(now)
    held = Booking.objects.filter(student_id=booking.student_id, status__in=_ACTIVE_SEATS).values(
        "session_id"
    )
    return (
        LiveClassSession.objects.filter(
            course_id=booking.session.course_id,
            status__in=LIVE_SESSION,
            starts_at__gt=now,
            seats_taken__lt=F("total_seats"),
        )
        .exclude(pk=booking.session_id)
        .exclude(pk__in=held)
        .annotate(waiting=waiting_count())
        .order_by("starts_at", "pk")
    )


def viewer_lessons(
    student: Any, course: Any, start: datetime, end: datetime, *, now: datetime | None = None
) -> QuerySet[OneOnOneBooking]:
    """The student's lessons of ``course`` starting in ``[start, end)`` that hold their slot
    (pending or confirmed) and have not started, soonest first, with their teachers: what the
    1:1 picker's week shows of the viewer's own, in one statement."""
    if not getattr(student, "is_authenticated", False):
        return OneOnOneBooking.objects.none()
    return (
        upcoming_lessons(student, now=now)
        .filter(course=course, starts_at__gte=start, starts_at__lt=end)
        .select_related("teacher")
    )
