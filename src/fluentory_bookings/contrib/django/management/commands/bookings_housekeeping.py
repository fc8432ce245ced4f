"""``manage.py bookings_housekeeping``: the periodic work that gives bookings their end.

Run it from cron every few minutes; several copies may run at once. It expires pending 1:1
requests nobody decided in time, ends the waitlists of group sessions that have started, and
completes the sessions that have ended. It also forgets the API's expired idempotency keys.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from fluentory_bookings.contrib.django.models import IdempotencyRecord
from fluentory_bookings.contrib.django.services import (
    expire_pending_requests,
    finish_started_sessions,
)


class Command(BaseCommand):
    help = (
        "Expire overdue 1:1 requests, end the waitlists of started sessions, "
        "complete ended sessions."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        expired = expire_pending_requests()
        finished = finish_started_sessions()
        forgotten, _by_model = IdempotencyRecord.objects.expired().delete()
        if options["verbosity"] >= 1:
            self.stdout.write(
                f"Expired {expired} pending 1:1 request(s); "
                f"ended {finished.waitlist_places} waitlist place(s); "
                f"completed {finished.sessions} session(s); "
                f"forgot {forgotten} expired idempotency key(s)."
            )
