"""Notifications of booking events: what happened, whom to tell, and how it leaves the process.

A :class:`Notification` names an event (one of :data:`EVENTS`), the user to tell and the booking
it is about. :func:`notify` runs after the commit (the receivers call it from the app's signals):
when the host configured a task backend that runs elsewhere (a worker), it queues a task that
carries only ids and the event; otherwise it delivers at once. Either way the adapter's
``send_notification`` delivers it (the default sends an e-mail), and a failure is logged on the
``fluentory_bookings.notifications`` logger, never raised into the booking that caused it.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model

from fluentory_bookings.contrib.django.adapter import get_adapter
from fluentory_bookings.contrib.django.models import Booking, OneOnOneBooking
from fluentory_bookings.contrib.django.notifications.errors import Undeliverable
from fluentory_bookings.contrib.django.notifications.framework import ImmediateBackend, task
from fluentory_bookings.core.errors import InvalidInput

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

    from fluentory_bookings.contrib.django.models import LiveClassSession

__all__ = [
    "EVENTS",
    "Notification",
    "build",
    "deliver",
    "deliver_later",
    "deliver_safely",
    "notify",
]

logger = logging.getLogger("fluentory_bookings.notifications")

EVENTS: frozenset[str] = frozenset(
    {
        # group sessions: to the student
        "group_confirmed",
        "group_waitlisted",
        "group_promoted",
        "group_cancelled",  # by the student
        "group_cancelled_by_teacher",  # by a teacher of the course, staff, or a deleted row
        "group_rescheduled",
        "session_changed",
        "session_cancelled",
        # 1:1 lessons
        "one_on_one_requested",  # to the teacher
        "one_on_one_confirmed",  # to the student, when no approval was needed
        "one_on_one_approved",
        "one_on_one_declined",
        "one_on_one_expired",
        "one_on_one_cancelled",  # to the student and the teacher
        "one_on_one_link_changed",
        # either kind, before it starts
        "reminder",
    }
)
"""Every event a notification can be about; each has its three e-mail templates."""

_KINDS: dict[str, type[Booking] | type[OneOnOneBooking]] = {
    "group": Booking,
    "one_on_one": OneOnOneBooking,
}


@dataclass(frozen=True)
class Notification:
    """One thing to tell one person.

    ``context`` holds what the booking row does not say (JSON values only, so that a task can
    carry it): ``by`` (the acting role: ``"student"``, ``"teacher"``, ``"staff"`` or ``None``),
    ``previous_booking`` (the id of the booking a reschedule replaced), ``previous_link``,
    ``changed`` (the session fields that changed), ``needs_approval`` (a 1:1 request),
    ``series`` (it stands for the lessons of a weekly series requested or cancelled together),
    ``deleted`` (the booking row is gone), ``reason`` (what the teacher said when cancelling
    a seat or a session; a 1:1 lesson keeps its reason on the row instead).
    """

    event: str
    recipient: AbstractBaseUser
    booking: Booking | OneOnOneBooking
    context: Mapping[str, Any] = field(default_factory=dict)

    @property
    def session(self) -> LiveClassSession | None:
        """The group session the booking is for; ``None`` for a 1:1 lesson."""
        return self.booking.session if isinstance(self.booking, Booking) else None

    @property
    def kind(self) -> str:
        """``"group"`` or ``"one_on_one"``."""
        return "group" if isinstance(self.booking, Booking) else "one_on_one"


def notify(
    event: str,
    booking: Booking | OneOnOneBooking,
    recipient: AbstractBaseUser,
    *,
    stored: bool = True,
    **context: Any,
) -> None:
    """Tell ``recipient`` about ``event`` on ``booking``: queued on a worker, or sent now.

    Call it after the commit. ``stored=False`` says the booking row is gone (deleted): a worker
    could not load it, so it is sent now from the instance in memory.

    Raises:
        InvalidInput: an unknown ``event`` (``field="event"``), a booking that is not one of
            the app's, or a ``context`` value that is not JSON (``field="context"``).
    """
    notification = build(event, booking, recipient, context)
    if stored and _queued(notification):
        return
    deliver_safely(notification)


def build(
    event: str,
    booking: Booking | OneOnOneBooking,
    recipient: AbstractBaseUser,
    context: Mapping[str, Any] | None = None,
) -> Notification:
    """A checked :class:`Notification` (see :func:`notify` for what is refused)."""
    if event not in EVENTS:
        raise InvalidInput(f"unknown notification event {event!r}", field="event")
    if not isinstance(booking, (Booking, OneOnOneBooking)):
        raise InvalidInput(
            "a notification is about a Booking or a OneOnOneBooking", field="booking"
        )
    context = dict(context or {})
    try:
        json.dumps(context)
    except (TypeError, ValueError) as exc:
        raise InvalidInput(f"notification context must be JSON: {exc}", field="context") from exc
    return Notification(event=event, recipient=recipient, booking=booking, context=context)


def deliver(notification: Notification) -> None:
    """Hand ``notification`` to the adapter's ``send_notification`` now; its errors propagate.

    For callers that retry on failure (a reminder dispatcher, a task worker).
    """
    get_adapter().send_notification(notification)


def deliver_safely(notification: Notification) -> bool:
    """:func:`deliver`, with any failure logged instead of raised; whether it was sent."""
    try:
        deliver(notification)
    except Undeliverable as exc:
        logger.info(
            "%s notification for %s %s not sent to user %s: %s",
            notification.event,
            notification.kind,
            notification.booking.pk,
            notification.recipient.pk,
            exc,
        )
        return False
    except Exception:
        logger.exception(
            "could not send the %s notification for %s %s to user %s",
            notification.event,
            notification.kind,
            notification.booking.pk,
            notification.recipient.pk,
        )
        return False
    return True


def deliver_later(
    event: str, kind: str, booking_id: int, recipient_id: Any, context: dict[str, Any]
) -> None:
    """The task a worker runs: load the rows again and deliver.

    A booking or user deleted since it was queued has nobody left to tell: nothing is sent.
    A failing channel raises, so the task backend records the failure.
    """
    booking = _KINDS[kind]._default_manager.filter(pk=booking_id).first()
    recipient = get_user_model()._default_manager.filter(pk=recipient_id).first()
    if booking is None or recipient is None:
        logger.info("%s notification for %s %s dropped: deleted", event, kind, booking_id)
        return
    notification = build(event, booking, recipient, context)
    try:
        deliver(notification)
    except Undeliverable as exc:  # nothing a retry could change
        logger.info("%s notification for %s %s not sent: %s", event, kind, booking_id, exc)
        return
    except Exception:
        logger.exception("could not send the %s notification for %s %s", event, kind, booking_id)
        raise


if task is not None:
    # Bound to the function's own name: a worker finds the task again by that path.
    deliver_later = task(deliver_later)


def _queued(notification: Notification) -> bool:
    """Queue ``notification`` if a task backend that runs elsewhere is configured."""
    if task is None:
        return False
    try:
        if isinstance(deliver_later.get_backend(), ImmediateBackend):
            return False  # it would run here and now anyway: skip the round trip through ids
        deliver_later.enqueue(
            event=notification.event,
            kind=notification.kind,
            booking_id=notification.booking.pk,
            recipient_id=notification.recipient.pk,
            context=dict(notification.context),
        )
    except Exception:
        logger.exception("could not queue the %s notification: sending it now", notification.event)
        return False
    return True
