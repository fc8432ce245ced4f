"""Read-only lists for the pages, each one index range read whatever the size of the tables.

The services write; these only read, and the pages (and ``bench/scale.py``) call them, so that
"upcoming" and "pending" mean one thing everywhere: a 1:1 request is pending while it holds its
slot (``models.one_on_one.holds_slot``: not expired, even before the periodic job marks it) and
its lesson has not started.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Case, Q, QuerySet, Value, When

from fluentory_bookings.contrib.django.adapter import get_adapter
from fluentory_bookings.contrib.django.models import Booking, OneOnOneBooking
from fluentory_bookings.contrib.django.models.one_on_one import holds_slot
from fluentory_bookings.contrib.django.services.schedule import GROUP_COMMITTED, LIVE_SESSION
from fluentory_bookings.contrib.django.services.teaching import lessons_taught_by
from fluentory_bookings.core.approvals import OneOnOneStatus
from fluentory_bookings.core.intervals import require_aware

__all__ = [
    "lessons_to_give",
    "pending_requests",
    "upcoming_group_bookings",
    "upcoming_lessons",
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
