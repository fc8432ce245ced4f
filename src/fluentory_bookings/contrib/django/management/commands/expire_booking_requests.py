"""``manage.py expire_booking_requests``: expire pending 1:1 requests nobody decided in time.

Run it from cron (every few minutes). Several copies may run at once: no request is expired
twice.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from fluentory_bookings.contrib.django.services import expire_pending_requests


class Command(BaseCommand):
    help = "Expire pending 1:1 booking requests whose expiry time has passed."

    def handle(self, *args: Any, **options: Any) -> None:
        count = expire_pending_requests()
        if options["verbosity"] >= 1:
            self.stdout.write(f"Expired {count} pending 1:1 request{'s' if count != 1 else ''}.")
