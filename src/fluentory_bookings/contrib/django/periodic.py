"""The bookings' periodic work, all of it, in one place.

:func:`run_periodic_work` is the one list of what has to happen over time; the one command
(``manage.py bookings_housekeeping``, once, ``--loop`` or ``--enqueue``) and the one task
(:data:`~fluentory_bookings.contrib.django.tasks.bookings_housekeeping_task`) run it, and so do
the deprecated command names. A job added here runs wherever the host scheduled the work.

Not a service (it runs several use cases, each in its own transactions, and the reminders'
delivery) and not a door (it parses nothing): the doors that run it import it.
"""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from fluentory_bookings.contrib.django.models import IdempotencyRecord
from fluentory_bookings.contrib.django.notifications.dispatch import (
    Dispatched,
    send_due_reminders,
)
from fluentory_bookings.contrib.django.services import (
    Finished,
    expire_pending_requests,
    finish_started_sessions,
)

__all__ = ["PeriodicWork", "run_periodic_work"]


class PeriodicWork(NamedTuple):
    """What one :func:`run_periodic_work` pass did."""

    expired: int
    """Pending 1:1 requests marked ``expired`` (nobody decided before their deadline)."""
    finished: Finished
    """Waitlist places ended because their session started; sessions completed."""
    forgotten: int
    """Expired API idempotency records deleted."""
    reminders: Dispatched
    """Due reminders sent, retrying, failed, skipped."""

    def summary(self) -> str:
        """One line saying what the pass did (what the command prints, and the task returns)."""
        r = self.reminders
        return (
            f"Sent {r.sent} reminder(s), {r.retrying} to retry, {r.failed} failed, "
            f"{r.skipped} skipped; expired {self.expired} pending 1:1 request(s); "
            f"ended {self.finished.waitlist_places} waitlist place(s); "
            f"completed {self.finished.sessions} session(s); "
            f"forgot {self.forgotten} expired idempotency key(s)."
        )


def run_periodic_work(now: datetime | None = None) -> PeriodicWork:
    """Everything the bookings need done over time, once; safe with several copies at once.

    In this order: expire pending 1:1 requests past their deadline
    (:func:`~.services.expire_pending_requests`); end the waitlists of started sessions and
    complete ended ones (:func:`~.services.finish_started_sessions`); delete the API's expired
    idempotency records; send the due reminders (:func:`~.notifications.dispatch.send_due_reminders`),
    last, so that none goes out for a booking the pass has just ended.

    Args:
        now: The instant to act at (aware); ``None`` for the adapter's clock (the idempotency
            records' expiry is read against Django's, which stamped them).
    """
    expired = expire_pending_requests(now)
    finished = finish_started_sessions(now)
    forgotten, _by_model = IdempotencyRecord.objects.expired(now).delete()
    return PeriodicWork(expired, finished, forgotten, send_due_reminders(now))
