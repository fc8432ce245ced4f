"""Who is told what: the app's signals (sent after the commit) turned into notifications.

Connected in ``AppConfig.ready()``. Each receiver picks the event and the recipients and calls
:func:`~fluentory_bookings.contrib.django.notifications.messages.notify`; whatever goes wrong in
here is logged, never raised into the request that made the booking.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.contrib.auth import get_user_model
from django.dispatch import receiver

from fluentory_bookings.contrib.django import signals
from fluentory_bookings.contrib.django.models import Booking, LiveClassSession, OneOnOneBooking
from fluentory_bookings.contrib.django.models.sessions import ACTIVE_SEAT_VALUES
from fluentory_bookings.contrib.django.notifications.messages import logger, notify
from fluentory_bookings.core.approvals import OneOnOneStatus
from fluentory_bookings.core.seats import SeatStatus, SessionStatus

# What a change to a session means to the students booked in it. Seats, the waitlist switch and
# the zone it was planned in change nothing they need to know.
_TOLD_TO_CONFIRMED = frozenset({"starts_at", "ends_at", "title", "meeting_link"})
_TOLD_TO_WAITLISTED = frozenset({"starts_at", "ends_at", "title"})

Receiver = Callable[..., None]


def _quietly(fn: Receiver) -> Receiver:
    @functools.wraps(fn)
    def run(*args: Any, **kwargs: Any) -> None:
        try:
            fn(*args, **kwargs)
        except Exception:
            logger.exception("notifications for %s failed", fn.__name__)

    return run


def _connect(signal: Any) -> Callable[[Receiver], Receiver]:
    def register(fn: Receiver) -> Receiver:
        wrapped = _quietly(fn)
        receiver(signal, dispatch_uid=f"fluentory_bookings.notify.{fn.__name__}")(wrapped)
        return wrapped

    return register


def _user(pk: Any) -> Any:
    """The user with ``pk``, or ``None`` if the account is gone (deleted with its bookings)."""
    return get_user_model()._default_manager.filter(pk=pk).first()


def _role(by: Any, booking: Booking | OneOnOneBooking, teacher_id: Any) -> str | None:
    pk = getattr(by, "pk", None)
    if pk is None:
        return None
    if pk == booking.student_id:
        return "student"
    return "teacher" if pk == teacher_id else "staff"


# --- group sessions ---------------------------------------------------------------------------


@_connect(signals.group_booking_confirmed)
def group_confirmed(sender: type, booking: Booking, **kwargs: Any) -> None:
    notify("group_confirmed", booking, booking.student)


@_connect(signals.group_booking_waitlisted)
def group_waitlisted(sender: type, booking: Booking, **kwargs: Any) -> None:
    notify("group_waitlisted", booking, booking.student)


@_connect(signals.group_booking_promoted)
def group_promoted(sender: type, booking: Booking, **kwargs: Any) -> None:
    notify("group_promoted", booking, booking.student)


@_connect(signals.group_booking_cancelled)
def group_cancelled(
    sender: type, booking: Booking, by: Any = None, reason: str = "", **kwargs: Any
) -> None:
    # Only a deleted row is cancelled by nobody: the student may have gone with it.
    deleted = by is None
    student = _user(booking.student_id) if deleted else booking.student
    if student is None:
        return
    session = booking.session
    if session.status == SessionStatus.CANCELLED.value:
        event = "session_cancelled"
    elif getattr(by, "pk", None) == booking.student_id:
        event = "group_cancelled"
    else:
        event = "group_cancelled_by_teacher"
    role = _role(by, booking, session.teacher_id)
    told = {"reason": reason} if reason else {}  # what the teacher said, when they said it
    notify(event, booking, student, stored=not deleted, by=role, deleted=deleted, **told)


@_connect(signals.group_booking_rescheduled)
def group_rescheduled(
    sender: type, booking: Booking, previous: Booking, by: Any = None, **kwargs: Any
) -> None:
    role = _role(by, booking, booking.session.teacher_id)
    notify("group_rescheduled", booking, booking.student, by=role, previous_booking=previous.pk)


@_connect(signals.session_updated)
def session_changed(sender: type, session: LiveClassSession, by: Any = None, **kwargs: Any) -> None:
    changed = set(kwargs.get("changed") or ())
    if not changed & _TOLD_TO_CONFIRMED:
        return
    bookings = Booking.objects.filter(
        session=session, status__in=ACTIVE_SEAT_VALUES
    ).select_related("student")
    for booking in bookings.order_by("pk"):
        told = _TOLD_TO_CONFIRMED if booking.status == SeatStatus.CONFIRMED else _TOLD_TO_WAITLISTED
        if changed & told:
            booking.session = session
            role = _role(by, booking, session.teacher_id)
            notify("session_changed", booking, booking.student, by=role, changed=sorted(changed))


# --- 1:1 lessons ------------------------------------------------------------------------------


@_connect(signals.one_on_one_requested)
def one_on_one_requested(sender: type, booking: OneOnOneBooking, **kwargs: Any) -> None:
    # A weekly series is one request: one e-mail each, from its first lesson, listing them all.
    series = booking.series_id is not None
    if series and _first_of_series(booking) != booking.pk:
        return
    needs_approval = booking.status == OneOnOneStatus.PENDING.value
    notify(
        "one_on_one_requested",
        booking,
        booking.teacher,
        needs_approval=needs_approval,
        series=series,
    )
    if not needs_approval:
        notify("one_on_one_confirmed", booking, booking.student, series=series)


def _first_of_series(booking: OneOnOneBooking) -> Any:
    return (
        OneOnOneBooking.objects.filter(
            series_id=booking.series_id, requested_at=booking.requested_at
        )
        .order_by("starts_at", "pk")
        .values_list("pk", flat=True)
        .first()
    )


@_connect(signals.one_on_one_approved)
def one_on_one_approved(sender: type, booking: OneOnOneBooking, **kwargs: Any) -> None:
    notify("one_on_one_approved", booking, booking.student)


@_connect(signals.one_on_one_declined)
def one_on_one_declined(sender: type, booking: OneOnOneBooking, **kwargs: Any) -> None:
    notify("one_on_one_declined", booking, booking.student)


@_connect(signals.one_on_one_expired)
def one_on_one_expired(sender: type, booking: OneOnOneBooking, **kwargs: Any) -> None:
    notify("one_on_one_expired", booking, booking.student)


@_connect(signals.one_on_one_cancelled)
def one_on_one_cancelled(
    sender: type, booking: OneOnOneBooking, by: Any = None, **kwargs: Any
) -> None:
    deleted = by is None  # the row is gone; maybe one of the two accounts with it
    # Cancelling "this and the following" lessons of a series is one act: one e-mail each.
    series = not deleted and booking.series_id is not None
    if series and _first_cancelled_together(booking) != booking.pk:
        return
    role = _role(by, booking, booking.teacher_id)
    for pk in (booking.student_id, booking.teacher_id):
        person = _user(pk)
        if person is not None:
            notify(
                "one_on_one_cancelled",
                booking,
                person,
                stored=not deleted,
                by=role,
                deleted=deleted,
                series=series,
            )


def _first_cancelled_together(booking: OneOnOneBooking) -> Any:
    return (
        OneOnOneBooking.objects.filter(
            series_id=booking.series_id,
            status=OneOnOneStatus.CANCELLED.value,
            decided_at=booking.decided_at,
        )
        .order_by("starts_at", "pk")
        .values_list("pk", flat=True)
        .first()
    )


@_connect(signals.one_on_one_meeting_link_changed)
def one_on_one_link_changed(
    sender: type, booking: OneOnOneBooking, by: Any = None, previous: str = "", **kwargs: Any
) -> None:
    # A pending request shows no link: the student hears of it once the lesson is confirmed.
    if booking.status != OneOnOneStatus.CONFIRMED.value:
        return
    role = _role(by, booking, booking.teacher_id)
    notify("one_on_one_link_changed", booking, booking.student, by=role, previous_link=previous)
    if role == "staff":
        notify("one_on_one_link_changed", booking, booking.teacher, by=role, previous_link=previous)
