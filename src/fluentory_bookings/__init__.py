"""fluentory-bookings: group-session and 1:1 booking for learning platforms.

The rules engine lives in :mod:`fluentory_bookings.core` (pure Python, no Django);
the pluggable Django app in :mod:`fluentory_bookings.contrib.django`.
"""

__version__ = "0.1.0"
