"""Reminder rows follow their booking: written, moved and dropped inside the services' transactions.

A booking that becomes confirmed gets one :class:`BookingReminder` per offset of its course
(the adapter's ``get_reminder_offsets``) before its start, except those already due: a reminder
is never created at or before now. When the booking's time changes its unsent reminders are
replaced; when it ends (cancelled, declined, expired, left, its session cancelled) they go.
Sent reminders stay, as the record of what was sent.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from fluentory_bookings.contrib.django.adapter import get_adapter
from fluentory_bookings.contrib.django.models import (
    Booking,
    BookingReminder,
    LiveClassSession,
    OneOnOneBooking,
)
from fluentory_bookings.core.approvals import OneOnOneStatus
from fluentory_bookings.core.seats import SeatStatus

__all__ = [
    "drop_reminders",
    "drop_session_reminders",
    "move_session_reminders",
    "schedule_reminders",
]

AnyBooking = Booking | OneOnOneBooking
_CONFIRMED = {SeatStatus.CONFIRMED.value, OneOnOneStatus.CONFIRMED.value}


def schedule_reminders(*bookings: AnyBooking) -> list[BookingReminder]:
    """Create the reminders of bookings that have just been confirmed, in one INSERT.

    Bookings that are not confirmed get none. A group booking's start is its session's.
    """
    now = get_adapter().now()
    offsets: dict[Any, Sequence[Any]] = {}
    rows: list[BookingReminder] = []
    for booking in bookings:
        if booking.status not in _CONFIRMED:
            continue
        start, course_id, course = _start_and_course(booking)
        if course_id not in offsets:
            offsets[course_id] = get_adapter().get_reminder_offsets(course())
        for remind_at in sorted({start - offset for offset in offsets[course_id]}):
            if remind_at > now:
                rows.append(_reminder(booking, remind_at))
    if not rows:
        return []
    # A sent reminder may already hold the same instant (a booking moved there and back): it
    # was sent, so it is not written again.
    return BookingReminder.objects.bulk_create(rows, ignore_conflicts=True)


def drop_reminders(*bookings: AnyBooking) -> None:
    """Delete the unsent reminders of bookings that have ended (cancelled, declined, ...)."""
    group = [b.pk for b in bookings if isinstance(b, Booking)]
    lessons = [b.pk for b in bookings if isinstance(b, OneOnOneBooking)]
    if group:
        _unsent().filter(group_booking_id__in=group).delete()
    if lessons:
        _unsent().filter(one_on_one_booking_id__in=lessons).delete()


def drop_session_reminders(session: LiveClassSession) -> None:
    """Delete the unsent reminders of every booking of a session (it was cancelled)."""
    _unsent().filter(group_booking__session_id=session.pk).delete()


def move_session_reminders(session: LiveClassSession) -> list[BookingReminder]:
    """Replace the unsent reminders of a session's confirmed bookings (its time changed)."""
    drop_session_reminders(session)
    confirmed = list(
        Booking.objects.filter(session_id=session.pk, status=SeatStatus.CONFIRMED.value)
    )
    for booking in confirmed:
        booking.session = session
    return schedule_reminders(*confirmed)


# --- internals ----------------------------------------------------------------------------------


def _unsent() -> Any:
    return BookingReminder.objects.filter(sent_at__isnull=True)


def _reminder(booking: AnyBooking, remind_at: datetime) -> BookingReminder:
    if isinstance(booking, Booking):
        return BookingReminder(group_booking=booking, remind_at=remind_at)
    return BookingReminder(one_on_one_booking=booking, remind_at=remind_at)


def _start_and_course(booking: AnyBooking) -> tuple[datetime, Any, Any]:
    """The booking's start, its course's id and a way to load the course when asked."""
    if isinstance(booking, Booking):
        session = booking.session
        return session.starts_at, session.course_id, lambda: session.course
    return booking.starts_at, booking.course_id, lambda: booking.course
