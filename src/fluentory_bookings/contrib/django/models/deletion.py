"""What deleting a session, a teacher or a course does to the bookings that hang on it.

A deletion must never take away, in silence, a seat or a lesson that a student is still counting
on: only the services tell students (signals after the commit). So these ``on_delete`` handlers
refuse, with Django's ``ProtectedError`` (which the admin shows as "protected objects"), to
delete a session that has not started and still has seats or waitlist places, or a teacher or
course with upcoming 1:1 lessons: cancel them through the services first, then delete. Anything
else (history, cancelled rows) cascades.

A student's own bookings are not refused: deleting a student's account releases them (see
``receivers.py``), as cancelling would.
"""

from __future__ import annotations

from typing import Any

from django.db.models import CASCADE, ProtectedError

GOES_WITH_SESSION = "_fluentory_goes_with_session"
"""Set on a group booking that is deleted because its session is: nothing is left to release."""


def protect_upcoming_seats(collector: Any, field: Any, sub_objs: Any, using: str) -> None:
    """``on_delete`` of ``Booking.session``: refuse while the session has students to tell."""
    from fluentory_bookings.contrib.django.adapter import get_adapter
    from fluentory_bookings.contrib.django.models.sessions import (
        ACTIVE_SEAT_VALUES,
        LIVE_SESSION_VALUES,
        LiveClassSession,
    )

    active = [b for b in sub_objs if b.status in ACTIVE_SEAT_VALUES]
    if active:
        upcoming = set(
            LiveClassSession.objects.using(using)
            .filter(
                pk__in={b.session_id for b in active},
                status__in=LIVE_SESSION_VALUES,
                starts_at__gt=get_adapter().now(),
            )
            .values_list("pk", flat=True)
        )
        protected = [b for b in active if b.session_id in upcoming]
        if protected:
            raise ProtectedError(
                "Cancel these sessions first (services.cancel_session tells their students); "
                "a session that has not started cannot be deleted while it has bookings.",
                protected,
            )
    for booking in sub_objs:
        setattr(booking, GOES_WITH_SESSION, True)
    CASCADE(collector, field, sub_objs, using)


def protect_upcoming_lessons(collector: Any, field: Any, sub_objs: Any, using: str) -> None:
    """``on_delete`` of ``OneOnOneBooking.teacher`` and ``.course``: refuse while a student
    still expects one of these lessons (pending or confirmed, not started)."""
    from fluentory_bookings.contrib.django.adapter import get_adapter

    now = get_adapter().now()
    protected = [b for b in sub_objs if b.is_upcoming(now)]
    if protected:
        raise ProtectedError(
            "Cancel these 1:1 lessons first (services.cancel_one_on_one tells the student); "
            "a teacher or course with upcoming lessons cannot be deleted.",
            protected,
        )
    CASCADE(collector, field, sub_objs, using)
