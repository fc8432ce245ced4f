"""Signals for every booking event. All are sent *after* the transaction commits, so a receiver
never sees (or e-mails about) a booking that was rolled back.

Every signal is sent with ``sender`` = the model class and these keyword arguments:

- group bookings: ``booking`` (a :class:`Booking`) and ``by`` (the acting user or None)
- ``group_booking_rescheduled``: ``booking`` (the new one), ``previous`` (the cancelled one), ``by``
- ``attendance_marked``: ``booking``, ``attended`` (bool), ``by``
- sessions: ``session`` and ``by``; ``session_updated`` also ``changed`` (the field names)
- ``group_booking_cancelled`` and ``session_cancelled`` sent by the cancel services also carry
  ``reason`` when the canceller gave one (what the students are told)
- ``group_waitlist_expired`` and ``session_completed``: sent by the periodic command
  (``bookings_housekeeping``) with ``by=None``
- deleting a booking row (see ``receivers.py``): ``group_booking_cancelled`` or
  ``one_on_one_cancelled`` with ``by=None``; the row no longer exists when it is sent
- ``one_on_one_meeting_link_changed``: ``booking``, ``by`` and ``previous`` (the old link)
- 1:1 bookings: ``booking`` (a :class:`OneOnOneBooking`) and ``by``; ``one_on_one_requested``
  is sent for every new 1:1 booking, whose ``status`` is ``pending`` or, without approval,
  already ``confirmed``.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.dispatch import Signal

group_booking_confirmed = Signal()
group_booking_waitlisted = Signal()
group_booking_promoted = Signal()
group_booking_cancelled = Signal()
group_booking_rescheduled = Signal()
group_waitlist_left = Signal()
group_waitlist_expired = Signal()
attendance_marked = Signal()

session_created = Signal()
session_updated = Signal()
session_cancelled = Signal()
session_completed = Signal()

one_on_one_requested = Signal()
one_on_one_approved = Signal()
one_on_one_declined = Signal()
one_on_one_cancelled = Signal()
one_on_one_expired = Signal()
one_on_one_completed = Signal()
one_on_one_meeting_link_changed = Signal()


def send_on_commit(signal: Signal, sender: type, **kwargs: Any) -> None:
    """Send ``signal`` once the surrounding transaction commits (at once outside one)."""
    transaction.on_commit(lambda: signal.send(sender=sender, **kwargs))
