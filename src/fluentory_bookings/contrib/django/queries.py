"""Read-only lists for pages, each one index range read whatever the size of the tables.

The services write; these only read. Each query is shaped to the index that serves it (named
below), so a page costs the rows it shows, not a person's history or the table.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import QuerySet

from fluentory_bookings.contrib.django.adapter import get_adapter
from fluentory_bookings.contrib.django.models import Booking, OneOnOneBooking
from fluentory_bookings.contrib.django.services.schedule import GROUP_COMMITTED, LIVE_SESSION
from fluentory_bookings.core.approvals import OneOnOneStatus
from fluentory_bookings.core.intervals import require_aware

__all__ = ["pending_requests", "upcoming_group_bookings"]


def pending_requests(teacher: Any, *, now: datetime | None = None) -> QuerySet[OneOnOneBooking]:
    """The teacher's pending 1:1 requests for lessons that have not started, soonest first.

    Served by the index ``fb_1on1_teacher`` (teacher, status, starts_at), read in order: the
    cost follows the pending requests, not the teacher's history.
    """
    now = require_aware(now if now is not None else get_adapter().now(), "now")
    return OneOnOneBooking.objects.filter(
        teacher=teacher, status=OneOnOneStatus.PENDING.value, starts_at__gt=now
    ).order_by("starts_at", "pk")


def upcoming_group_bookings(student: Any, *, now: datetime | None = None) -> QuerySet[Booking]:
    """The student's seats and waitlist places in sessions that have not started, soonest first.

    Served by ``fb_booking_student_status`` (student, status) and the sessions' primary key;
    each booking comes with its session.
    """
    now = require_aware(now if now is not None else get_adapter().now(), "now")
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
