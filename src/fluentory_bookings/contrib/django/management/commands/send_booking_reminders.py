"""``manage.py send_booking_reminders``: deprecated, another name for ``bookings_housekeeping``.

Kept so that existing cron lines and services keep working; it prints a note on stderr, then runs
the same periodic work with the same options (``--loop``, ``--interval``, ``--enqueue``).
"""

from __future__ import annotations

from fluentory_bookings.contrib.django.management.commands.bookings_housekeeping import (
    DeprecatedName,
)


class Command(DeprecatedName):
    old_name = "send_booking_reminders"
