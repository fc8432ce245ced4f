"""``manage.py bookings_housekeeping``: all the bookings' periodic work, the one thing to schedule.

Each pass (:func:`~fluentory_bookings.contrib.django.periodic.run_periodic_work`) expires pending
1:1 requests nobody decided in time, ends the waitlists of group sessions that have started,
completes the sessions that have ended, forgets the API's expired idempotency keys and sends the
due reminders, then prints one line saying what it did.

Once (from cron or a systemd timer), or ``--loop`` as a long-running service that repeats every
``--interval`` seconds until SIGTERM or SIGINT, which it obeys after the pass under way. Any
number of copies may run at once: each due reminder is sent once, each request expired once.
``--enqueue`` instead hands one pass to the Django Tasks backend (a worker such as
django-tasks-db's ``db_worker`` runs it).
"""

from __future__ import annotations

import signal
import threading
import warnings
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from fluentory_bookings.contrib.django.periodic import run_periodic_work


class Command(BaseCommand):
    help = (
        "The bookings' periodic work: expire overdue 1:1 requests, end the waitlists of started "
        "sessions, complete ended sessions, forget expired idempotency keys and send due "
        "reminders; once, --loop, or --enqueue for a task worker."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--loop", action="store_true", help="Repeat until SIGTERM/SIGINT.")
        parser.add_argument(
            "--interval",
            type=float,
            default=60.0,
            help="Seconds to wait after each pass with --loop (default 60).",
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
            from fluentory_bookings.contrib.django.tasks import bookings_housekeeping_task

            result = bookings_housekeeping_task.enqueue()
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
                try:
                    self._say(options, run_periodic_work().summary())
                except Exception as exc:  # a database restart must not end the service
                    self.stderr.write(f"Pass failed, retrying after the interval: {exc!r}")
                stop.wait(interval)
        finally:
            for s, handler in previous.items():
                signal.signal(s, handler)
        self._say(options, "Stopped.")

    def _say(self, options: dict[str, Any], line: str) -> None:
        if options["verbosity"] >= 1:
            self.stdout.write(line)
            self.stdout.flush()


class DeprecatedName(Command):
    """An old name of this command, kept for the cron lines that use it: the same work and
    options, after a note on stderr (and a ``DeprecationWarning``)."""

    old_name = ""
    help = "Deprecated: another name for bookings_housekeeping, which it runs; schedule that."

    def handle(self, *args: Any, **options: Any) -> None:
        note = (
            f"manage.py {self.old_name} is deprecated: it runs all of bookings_housekeeping "
            "now; schedule `manage.py bookings_housekeeping` (same options) instead."
        )
        warnings.warn(note, DeprecationWarning, stacklevel=2)
        self.stderr.write(note)
        super().handle(*args, **options)
