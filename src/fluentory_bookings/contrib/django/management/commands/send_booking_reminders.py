"""``manage.py send_booking_reminders``: send due reminders and do the bookings' periodic work.

Once (from cron or a systemd timer), or ``--loop`` as a long-running service that repeats every
``--interval`` seconds until SIGTERM or SIGINT, which it obeys after the pass under way. Any
number of copies may run at once: each due reminder is sent once. ``--enqueue`` instead hands one
pass to the Django Tasks backend (a worker such as django-tasks-db's ``db_worker`` runs it).
"""

from __future__ import annotations

import signal
import threading
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from fluentory_bookings.contrib.django.notifications.dispatch import run_periodic_work


class Command(BaseCommand):
    help = (
        "Send due booking reminders, expire overdue 1:1 requests and finish started sessions; "
        "once, or --loop."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--loop", action="store_true", help="Repeat until SIGTERM/SIGINT.")
        parser.add_argument(
            "--interval",
            type=float,
            default=60.0,
            help="Seconds between the starts of two passes with --loop (default 60).",
        )
        parser.add_argument(
            "--enqueue",
            action="store_true",
            help="Enqueue one pass as a Django task instead of running it here.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        interval = options["interval"]
        if not interval > 0:
            raise CommandError("--interval must be a positive number of seconds")
        if options["enqueue"]:
            from fluentory_bookings.contrib.django.notifications.tasks import (
                send_due_reminders_task,
            )

            result = send_due_reminders_task.enqueue()
            self._say(options, f"Enqueued task {result.id}.")
            return
        if not options["loop"]:
            self._say(options, run_periodic_work().summary())
            return
        stop = threading.Event()

        def on_signal(signum: int, frame: FrameType | None) -> None:
            stop.set()

        previous = {s: signal.signal(s, on_signal) for s in (signal.SIGTERM, signal.SIGINT)}
        try:
            while not stop.is_set():
                self._say(options, run_periodic_work().summary())
                stop.wait(interval)
        finally:
            for s, handler in previous.items():
                signal.signal(s, handler)
        self._say(options, "Stopped.")

    def _say(self, options: dict[str, Any], line: str) -> None:
        if options["verbosity"] >= 1:
            self.stdout.write(line)
            self.stdout.flush()
