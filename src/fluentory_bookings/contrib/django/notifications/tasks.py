"""Deprecated: the periodic task is
:data:`fluentory_bookings.contrib.django.tasks.bookings_housekeeping_task`.

``send_due_reminders_task`` is kept as another name for it, so that code enqueueing it, and tasks
a worker has yet to run, still find it. It runs the whole periodic pass, as it did.
"""

from __future__ import annotations

import warnings
from typing import Any


def __getattr__(name: str) -> Any:
    if name == "send_due_reminders_task":
        warnings.warn(
            "fluentory_bookings.contrib.django.notifications.tasks.send_due_reminders_task is "
            "deprecated: use fluentory_bookings.contrib.django.tasks.bookings_housekeeping_task",
            DeprecationWarning,
            stacklevel=2,
        )
        from fluentory_bookings.contrib.django.tasks import bookings_housekeeping_task

        return bookings_housekeeping_task
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
