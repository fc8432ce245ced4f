"""Every setting of the app, in one namespace (``FLUENTORY_BOOKINGS_*``), read here only.

Values are read from ``django.conf.settings`` on every access, so ``override_settings`` in
tests just works. Wrong values are reported by system checks (see ``checks.py``) at start-up.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

PREFIX = "FLUENTORY_BOOKINGS_"
WRITE_THROTTLE_SCOPE = "fluentory_bookings_write"
"""The API write throttle's scope in DRF's ``DEFAULT_THROTTLE_RATES`` (see ``API_WRITE_RATE``)."""

DEFAULTS: dict[str, Any] = {
    # "app_label.ModelName" of the host's course model. Required.
    "COURSE_MODEL": None,
    # Optional "app_label.ModelName" of the host's course/teacher link (fields: course, teacher,
    # requires_booking_approval); the default adapter reads teachers and overrides from it.
    "COURSE_TEACHER_MODEL": None,
    # Dotted path of the adapter class (subclass DefaultBookingAdapter).
    "ADAPTER": "fluentory_bookings.contrib.django.adapter.DefaultBookingAdapter",
    # Whether 1:1 requests need the teacher's approval when neither course nor teacher says.
    "REQUIRE_APPROVAL_DEFAULT": False,
    # Quotas a real site needs (None = no limit): the shortest lesson an availability may offer,
    # in minutes (shorter slots only multiply listings); how many availabilities one teacher
    # may publish; how many requests one student may have waiting for one teacher's answer (a
    # weekly series counts as one request).
    "MIN_SLOT_MINUTES": 15,
    "MAX_AVAILABILITIES_PER_TEACHER": 50,
    "MAX_PENDING_PER_TEACHER": 3,
    # Deadlines, as timedelta (None = no limit where allowed).
    "MINIMUM_NOTICE": timedelta(hours=1),
    "BOOKING_HORIZON": timedelta(days=90),
    "CANCELLATION_CUTOFF": timedelta(0),
    "RESCHEDULE_CUTOFF": timedelta(0),
    "PENDING_EXPIRY": timedelta(hours=48),
    # Longest recurring 1:1 series a student may request at once, in weeks.
    "MAX_SERIES_WEEKS": 26,
    # Notifications (notifications.messages, notifications.email): the site's base URL for
    # links in e-mails, e.g. "https://lms.example.com" (None: the Sites framework's domain if
    # it is installed, else no link).
    "SITE_URL": None,
    # Calendars (calendar/events.py): a feed holds the events that overlap
    # [now - FEED_PAST, now + FEED_FUTURE]; cancelled ones stay until they leave it.
    "FEED_PAST": timedelta(days=60),
    "FEED_FUTURE": timedelta(days=365),
    # The right-hand side of every event UID ("fluentory-lesson-42@<this>"): your site's domain.
    # None derives one from SECRET_KEY (stable while the key is), unique to this installation.
    "CALENDAR_UID_DOMAIN": None,
    # Reminders (services.reminders, notifications.dispatch): how long before a confirmed
    # booking starts each reminder is due (per course: the adapter's get_reminder_offsets), how
    # long a worker holds a claimed reminder before another may take it, how many sends are
    # tried before the reminder is recorded as failed, the wait before the first retry (it
    # doubles after each failure), and how many reminders one pass claims at a time.
    "REMINDER_OFFSETS": (timedelta(hours=24), timedelta(hours=1)),
    "REMINDER_LEASE": timedelta(minutes=5),
    "REMINDER_MAX_ATTEMPTS": 5,
    "REMINDER_RETRY_DELAY": timedelta(minutes=1),
    "REMINDER_BATCH": 100,
    # Whether the databases the app writes to are reached through a connection pooler in
    # transaction mode (PgBouncer's pool_mode = transaction, most managed PostgreSQL offers):
    # the system checks then ask for the database settings that mode needs.
    "TRANSACTION_POOLER": False,
    # API idempotency keys: how long a POST's first result is replayed to its retries.
    "IDEMPOTENCY_TTL": timedelta(hours=24),
    # API write throttle (api/throttles.py): how many writes (POST, PUT, PATCH, DELETE) one user
    # (or, signed out, one address) may send to the API, as DRF writes a rate: "60/minute",
    # "1000/day" (period: second, minute, hour or day). None: no throttle. A rate the host gives
    # WRITE_THROTTLE_SCOPE in DRF's DEFAULT_THROTTLE_RATES comes first.
    "API_WRITE_RATE": "60/minute",
}


class AppSettings:
    """Attribute access to the settings with their defaults: ``app_settings.COURSE_MODEL``."""

    def __getattr__(self, name: str) -> Any:
        if name not in DEFAULTS:
            raise AttributeError(f"unknown fluentory-bookings setting {name!r}")
        return getattr(settings, PREFIX + name, DEFAULTS[name])


app_settings = AppSettings()


def course_model_label() -> str:
    """The ``app_label.ModelName`` of the host's course model, or a clear configuration error."""
    label = getattr(settings, PREFIX + "COURSE_MODEL", None)
    if not label or not isinstance(label, str) or label.count(".") != 1:
        raise ImproperlyConfigured(
            "Set FLUENTORY_BOOKINGS_COURSE_MODEL to your course model, e.g. "
            f'FLUENTORY_BOOKINGS_COURSE_MODEL = "lms.Course" (got {label!r}).'
        )
    return label


def get_course_model() -> Any:
    """The host's course model class."""
    from django.apps import apps

    return apps.get_model(course_model_label(), require_ready=False)
