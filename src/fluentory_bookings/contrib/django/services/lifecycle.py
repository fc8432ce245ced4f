"""The end of a group session, written by the periodic command (``bookings_housekeeping``).

Once a session starts, its waitlist places end: nobody is promoted into a class that is already
running (the services refuse that at any time, whether or not this has run), so each place is
cancelled and its student told. Once it ends, the session is ``completed``.
"""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from django.db import connections, transaction
from django.db.models import Q
from django.utils import timezone

from fluentory_bookings.contrib.django.adapter import get_adapter
from fluentory_bookings.contrib.django.models import Booking, LiveClassSession
from fluentory_bookings.contrib.django.models.sessions import LIVE_SESSION_VALUES
from fluentory_bookings.contrib.django.services.calendar_changes import calendar_change_update
from fluentory_bookings.contrib.django.services.group import write_alias
from fluentory_bookings.contrib.django.services.isolation import use_case
from fluentory_bookings.contrib.django.signals import (
    group_waitlist_expired,
    send_on_commit,
    session_completed,
)
from fluentory_bookings.core.seats import SeatStatus, SessionStatus
from fluentory_bookings.core.validate import require_aware

__all__ = ["Finished", "finish_started_sessions"]

_BATCH = 200
_WAITLISTED = SeatStatus.WAITLISTED.value


class Finished(NamedTuple):
    """What :func:`finish_started_sessions` did."""

    waitlist_places: int
    """Waitlist places cancelled because their session had started."""
    sessions: int
    """Sessions marked ``completed`` because they had ended."""


def finish_started_sessions(now: datetime | None = None) -> Finished:
    """End the waitlists of sessions that have started and complete those that have ended.

    Each waitlist place becomes ``cancelled`` (``cancelled_by`` empty, ``cancelled_at`` = now)
    and ``group_waitlist_expired`` (``booking``, ``by=None``) is sent; each ended session
    becomes ``completed`` and ``session_completed`` (``session``, ``by=None``) is sent. Seats
    are kept: attendance can still be marked. Safe with several workers at once: every session
    is changed under its row lock (on PostgreSQL, rows another worker holds are skipped), and
    only sessions still scheduled or closed are touched.
    """
    now = require_aware(now if now is not None else get_adapter().now(), "now")
    alias = write_alias()
    skip_locked = connections[alias].features.has_select_for_update_skip_locked
    waiting = Booking.objects.filter(status=_WAITLISTED, session__starts_at__lte=now)
    due = Q(status__in=LIVE_SESSION_VALUES, starts_at__lte=now) & (
        Q(ends_at__lte=now) | Q(pk__in=waiting.values("session_id"))
    )

    # One batch is one decision: retried whole on a serialization failure (see .isolation), so
    # the counts only add batches that committed.
    @use_case
    def batch() -> Finished | None:
        places = sessions = 0
        with transaction.atomic(using=alias):
            rows = LiveClassSession.objects.using(alias).filter(due).order_by("pk")
            found = list(rows.select_for_update(skip_locked=skip_locked)[:_BATCH])
            if not found:
                return None
            for session in found:
                places += _end_waitlist(session, now)
                if session.ends_at <= now:
                    _complete(session)
                    sessions += 1
        return Finished(places, sessions)

    total = Finished(0, 0)
    while (done := batch()) is not None:
        total = Finished(
            total.waitlist_places + done.waitlist_places, total.sessions + done.sessions
        )
    return total


def _end_waitlist(session: LiveClassSession, now: datetime) -> int:
    ended = list(Booking.objects.filter(session=session, status=_WAITLISTED).order_by("pk"))
    if not ended:
        return 0
    calendar_change_update(
        Booking.objects.filter(pk__in=[b.pk for b in ended]),
        mirror=ended,
        status=SeatStatus.CANCELLED.value,
        cancelled_at=now,
        cancelled_by=None,
        waitlist_position=None,
    )
    # Every change to a session's bookings updates the session row (see services.group._book).
    LiveClassSession.objects.filter(pk=session.pk).update(modified=timezone.now())
    for b in ended:
        b.status, b.cancelled_at, b.waitlist_position = SeatStatus.CANCELLED.value, now, None
        b.session = session
        send_on_commit(group_waitlist_expired, Booking, booking=b, by=None)
    return len(ended)


def _complete(session: LiveClassSession) -> None:
    session.status = SessionStatus.COMPLETED.value
    session.save(update_fields=["status", "modified"])
    send_on_commit(session_completed, LiveClassSession, session=session, by=None)
