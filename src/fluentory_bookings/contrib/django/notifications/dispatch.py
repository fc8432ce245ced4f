"""Sending due reminders exactly once, with any number of workers at once.

A worker *claims* a batch of due reminders in one short transaction: it sets their
``claimed_until`` (the lease) to now + ``REMINDER_LEASE``, reading only rows whose lease is free
(on PostgreSQL with ``SELECT ... FOR UPDATE SKIP LOCKED``, so workers take disjoint batches
without waiting; SQLite's IMMEDIATE transactions serialise the claims). It then sends them one by
one outside any transaction and marks each ``sent_at`` right after its send succeeded. A failed
send is retried after a delay that doubles each time, up to ``REMINDER_MAX_ATTEMPTS`` sends, then
recorded as failed (``failed_at``, ``last_error``). A worker that dies holding a claim loses
nothing: once the lease has passed, another worker claims the rows again.

The one duplicate this cannot rule out is a worker that sent a reminder and died before it could
mark it: no mail system confirms a message and a database row at once. The lease is kept short
of the sends it covers (a worker stops sending a batch once its lease has run out) so a slow
worker and a new claimer never send the same row.

The periodic pass (:func:`~fluentory_bookings.contrib.django.periodic.run_periodic_work`, run by
``manage.py bookings_housekeeping`` and its task) calls :func:`send_due_reminders`.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, NamedTuple

from django.db import connections, models, router, transaction
from django.db.models import Q

from fluentory_bookings.contrib.django.adapter import get_adapter
from fluentory_bookings.contrib.django.conf import app_settings
from fluentory_bookings.contrib.django.models import BookingReminder
from fluentory_bookings.contrib.django.models.sessions import LIVE_SESSION_VALUES
from fluentory_bookings.contrib.django.notifications.errors import Undeliverable
from fluentory_bookings.contrib.django.services.isolation import use_case
from fluentory_bookings.core.approvals import OneOnOneStatus
from fluentory_bookings.core.errors import InvalidInput
from fluentory_bookings.core.seats import SeatStatus
from fluentory_bookings.core.validate import require_aware

if TYPE_CHECKING:
    from django.db.models import QuerySet

__all__ = ["Dispatched", "send_due_reminders"]

_FETCH_PEERS = getattr(models, "FETCH_PEERS", None)
_MAX_ERROR = 2000
_STALE = "not sent: the booking was no longer upcoming when the reminder fell due"


class Dispatched(NamedTuple):
    """What one :func:`send_due_reminders` call did."""

    sent: int
    """Reminders sent and marked ``sent_at``."""
    retrying: int
    """Sends that failed and will be tried again after their back-off."""
    failed: int
    """Reminders whose last attempt failed: ``failed_at`` and ``last_error`` are set."""
    skipped: int
    """Due reminders not sent: of bookings no longer upcoming (started, or ended around the
    services), or to nobody (the channel raised ``Undeliverable``: a student without an e-mail
    address). Recorded as failed, the reason in ``last_error``."""


def send_due_reminders(
    now: datetime | None = None, *, limit: int | None = None, lease: timedelta | None = None
) -> Dispatched:
    """Send every reminder due at ``now`` (at most ``limit``) through the adapter's
    ``send_reminder``, each exactly once whatever the number of workers.

    Due: not sent, not failed, ``remind_at`` reached, lease free (never claimed, or its lease or
    back-off over). A due reminder whose booking is no longer confirmed and upcoming (its
    session live), or whose channel cannot reach the student (``Undeliverable``: no e-mail
    address), is not sent but recorded as failed (``skipped`` in the report).

    Raises:
        InvalidInput: ``limit`` is not a positive ``int`` or ``lease`` not a positive
            ``timedelta`` (``field`` says which); nothing is claimed.
    """
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
        raise InvalidInput(f"limit must be a positive int, not {limit!r}", field="limit")
    lease = lease if lease is not None else app_settings.REMINDER_LEASE
    if not isinstance(lease, timedelta) or lease <= timedelta(0):
        raise InvalidInput(f"lease must be a positive timedelta, not {lease!r}", field="lease")
    adapter = get_adapter()
    fixed = require_aware(now, "now") if now is not None else None
    batch = max(1, int(app_settings.REMINDER_BATCH))
    counts = {"sent": 0, "retrying": 0, "failed": 0, "skipped": 0}
    while limit is None or sum(counts.values()) < limit:
        size = batch if limit is None else min(batch, limit - sum(counts.values()))
        claimed = _claim(fixed or adapter.now(), lease, size)
        if not claimed:
            break
        deadline = time.monotonic() + lease.total_seconds()
        for reminder in claimed:
            if time.monotonic() >= deadline:
                # Our lease is over: another worker may hold these rows now. Leave them.
                break
            counts[_send(reminder, fixed)] += 1
    return Dispatched(**counts)


# --- internals ----------------------------------------------------------------------------------


def _due(now: datetime) -> Q:
    return Q(sent_at__isnull=True, failed_at__isnull=True, remind_at__lte=now) & (
        Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
    )


def _upcoming(reminder: BookingReminder, now: datetime) -> bool:
    """Whether the reminder's booking is still confirmed and not started (its session live)."""
    group, lesson = reminder.group_booking, reminder.one_on_one_booking
    if group is not None:
        session = group.session
        return (
            group.status == SeatStatus.CONFIRMED.value
            and session.status in LIVE_SESSION_VALUES
            and session.starts_at > now
        )
    return (
        lesson is not None
        and lesson.status == OneOnOneStatus.CONFIRMED.value
        and lesson.starts_at > now
    )


def _alias() -> str:
    return router.db_for_write(BookingReminder)


def _claim(now: datetime, lease: timedelta, size: int) -> list[BookingReminder]:
    """Take up to ``size`` due reminders for this worker until ``now + lease``."""
    alias = _alias()
    skip_locked = connections[alias].features.has_select_for_update_skip_locked
    until = now + lease

    # Retried whole on a serialization failure at REPEATABLE READ or SERIALIZABLE.
    @use_case
    def claim() -> list[int]:
        with transaction.atomic(using=alias):
            # Only this table's columns: an index range in remind_at order, read up to the
            # batch size whatever the number of due rows. Bookings are checked once loaded.
            rows = BookingReminder.objects.using(alias).filter(_due(now))
            if skip_locked:
                rows = rows.select_for_update(skip_locked=True, of=("self",))
            ids = list(rows.order_by("remind_at", "pk").values_list("pk", flat=True)[:size])
            if not ids:
                return []
            # Conditional on the lease still being free: with the rows locked (PostgreSQL) or
            # the database serialising writers (SQLite) it always is; the condition guards
            # any other setup.
            BookingReminder.objects.using(alias).filter(Q(pk__in=ids) & _due(now)).update(
                claimed_until=until
            )
            return list(
                BookingReminder.objects.using(alias)
                .filter(pk__in=ids, claimed_until=until)
                .values_list("pk", flat=True)
            )

    ids = claim()
    if not ids:
        return []
    rows = BookingReminder.objects.using(alias).filter(pk__in=ids)
    if _FETCH_PEERS is not None:
        # Django >= 6.1: whatever the adapter reads off a reminder's booking or student (a
        # profile for the zone, say) is loaded for the whole batch at once, not once per row.
        rows = rows.fetch_mode(_FETCH_PEERS)
    return list(
        # What the reminder e-mail shows: the student, the course, the teacher, the zone.
        rows.select_related(
            "group_booking__student",
            "group_booking__session__course",
            "group_booking__session__teacher",
            "one_on_one_booking__student",
            "one_on_one_booking__course",
            "one_on_one_booking__teacher",
            "one_on_one_booking__availability_slot",
        ).order_by("remind_at", "pk")
    )


def _send(reminder: BookingReminder, fixed: datetime | None) -> str:
    adapter = get_adapter()
    mine = BookingReminder.objects.using(_alias()).filter(
        pk=reminder.pk, sent_at__isnull=True, claimed_until=reminder.claimed_until
    )
    now = fixed or adapter.now()
    if not _upcoming(reminder, now):
        # The services drop the reminders of bookings that end, so this booking started before
        # any worker ran, or was changed around the services: recorded, so the admin shows
        # every reminder that never went out.
        mine.update(failed_at=now, last_error=_STALE, claimed_until=None)
        return "skipped"
    try:
        adapter.send_reminder(reminder)
    except Undeliverable as exc:
        # Nobody to send it to (a student without an e-mail address): not sent, and no retry
        # would change that. Recorded as not sent, with the reason, never as sent.
        error = f"not sent: {exc}"[:_MAX_ERROR]
        mine.update(failed_at=fixed or adapter.now(), last_error=error, claimed_until=None)
        return "skipped"
    except Exception as exc:  # any failure of the host's channel is recorded and retried
        return _record_failure(reminder, exc, mine, fixed or adapter.now())
    mine.update(sent_at=fixed or adapter.now(), claimed_until=None)
    return "sent"


def _record_failure(
    reminder: BookingReminder, exc: Exception, mine: QuerySet[BookingReminder], now: datetime
) -> str:
    attempts = reminder.attempts + 1
    error = f"{type(exc).__name__}: {exc}"[:_MAX_ERROR]
    if attempts >= app_settings.REMINDER_MAX_ATTEMPTS:
        mine.update(attempts=attempts, last_error=error, failed_at=now, claimed_until=None)
        return "failed"
    # The back-off is the lease: the row is claimable again once it has passed.
    delay = app_settings.REMINDER_RETRY_DELAY * (2 ** (attempts - 1))
    mine.update(attempts=attempts, last_error=error, claimed_until=now + delay)
    return "retrying"
