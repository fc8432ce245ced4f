"""``manage.py expire_booking_requests``: deprecated, another name for ``bookings_housekeeping``.

It used to expire pending 1:1 requests only; a host that scheduled it alone also needs the rest
(sessions' ends, reminders), so it now runs all the periodic work, after a note on stderr.
"""

from __future__ import annotations

from fluentory_bookings.contrib.django.management.commands.bookings_housekeeping import (
    DeprecatedName,
)


class Command(DeprecatedName):
    old_name = "expire_booking_requests"
