"""System checks: a wrong configuration is a clear error at start-up, not a wrong booking later."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core import checks
from django.utils.module_loading import import_string

from fluentory_bookings.contrib.django.conf import PREFIX, WRITE_THROTTLE_SCOPE, app_settings
from fluentory_bookings.core.conflicts import MAX_SERIES_WEEKS as CORE_MAX_SERIES_WEEKS
from fluentory_bookings.core.errors import InvalidInput
from fluentory_bookings.core.policy import Deadlines

TAG = "fluentory_bookings"
_DEADLINES = (
    "MINIMUM_NOTICE",
    "BOOKING_HORIZON",
    "CANCELLATION_CUTOFF",
    "RESCHEDULE_CUTOFF",
    "PENDING_EXPIRY",
)


@checks.register(TAG)
def check_course_model(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    label = getattr(settings, PREFIX + "COURSE_MODEL", None)
    hint = 'Set FLUENTORY_BOOKINGS_COURSE_MODEL = "yourapp.Course" (app_label.ModelName).'
    if not label:
        return [
            checks.Error(
                "FLUENTORY_BOOKINGS_COURSE_MODEL is not set.",
                hint=hint,
                id="fluentory_bookings.E001",
            )
        ]
    try:
        apps.get_model(label)
    except (LookupError, ValueError):
        return [
            checks.Error(
                f"FLUENTORY_BOOKINGS_COURSE_MODEL refers to {label!r}, which is not an installed model.",
                hint=hint,
                id="fluentory_bookings.E001",
            )
        ]
    return []


@checks.register(TAG)
def check_use_tz(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    if not settings.USE_TZ:
        return [
            checks.Error(
                "fluentory-bookings needs USE_TZ = True: every booking is an aware instant.",
                hint="Set USE_TZ = True in your settings.",
                id="fluentory_bookings.E002",
            )
        ]
    return []


@checks.register(TAG)
def check_adapter(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    from fluentory_bookings.contrib.django.adapter import DefaultBookingAdapter

    path = app_settings.ADAPTER
    try:
        cls = import_string(path)
    except (ImportError, ValueError) as exc:
        return [
            checks.Error(
                f"FLUENTORY_BOOKINGS_ADAPTER {path!r} cannot be imported: {exc}",
                hint="Give the dotted path of a DefaultBookingAdapter subclass.",
                id="fluentory_bookings.E003",
            )
        ]
    if not (isinstance(cls, type) and issubclass(cls, DefaultBookingAdapter)):
        return [
            checks.Error(
                f"FLUENTORY_BOOKINGS_ADAPTER {path!r} is not a DefaultBookingAdapter subclass.",
                id="fluentory_bookings.E003",
            )
        ]
    return []


@checks.register(TAG)
def check_course_teacher_model(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    label = app_settings.COURSE_TEACHER_MODEL
    if not label:
        return []
    try:
        model = apps.get_model(label)
    except (LookupError, ValueError):
        return [
            checks.Error(
                f"FLUENTORY_BOOKINGS_COURSE_TEACHER_MODEL refers to {label!r}, which is not an installed model.",
                id="fluentory_bookings.E004",
            )
        ]
    names = {f.name for f in model._meta.get_fields()}
    missing = {"course", "teacher", "requires_booking_approval"} - names
    if missing:
        return [
            checks.Error(
                f"{label} lacks the field(s) {', '.join(sorted(missing))}.",
                hint="Add CourseTeacherBookingMixin and course/teacher foreign keys.",
                id="fluentory_bookings.E004",
            )
        ]
    return []


@checks.register(TAG)
def check_durations(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    errors: list[checks.CheckMessage] = []
    # Core's own rule for deadlines decides, so a value that passes here never makes every
    # later booking fail (a horizon not after the notice, a zero pending expiry, ...).
    try:
        Deadlines(**{name.lower(): getattr(app_settings, name) for name in _DEADLINES})
    except InvalidInput as exc:
        setting = f"{PREFIX}{(exc.field or '').upper()}"
        errors.append(
            checks.Error(
                f"{setting}: {exc.message}.",
                hint="Deadlines are datetime.timedelta values; BOOKING_HORIZON and "
                "PENDING_EXPIRY may be None (no limit).",
                id="fluentory_bookings.E005",
            )
        )
    weeks = app_settings.MAX_SERIES_WEEKS
    if (
        not isinstance(weeks, int)
        or isinstance(weeks, bool)
        or not 1 <= weeks <= CORE_MAX_SERIES_WEEKS
    ):
        errors.append(
            checks.Error(
                f"{PREFIX}MAX_SERIES_WEEKS must be a whole number from 1 to "
                f"{CORE_MAX_SERIES_WEEKS} (the longest series core builds), not {weeks!r}.",
                id="fluentory_bookings.E005",
            )
        )
    return errors


@checks.register(TAG)
def check_idempotency_ttl(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    # Read on every idempotent POST: a wrong value would fail those requests, not start-up.
    ttl = app_settings.IDEMPOTENCY_TTL
    if isinstance(ttl, timedelta) and ttl >= timedelta(0):
        return []
    return [
        checks.Error(
            f"{PREFIX}IDEMPOTENCY_TTL must be a timedelta of zero or more, not {ttl!r}.",
            hint="How long the API replays a POST's first answer, e.g. timedelta(hours=24).",
            id="fluentory_bookings.E005",
        )
    ]


@checks.register(TAG)
def check_sqlite_transaction_mode(
    app_configs: Any = None, **kwargs: Any
) -> list[checks.CheckMessage]:
    warnings: list[checks.CheckMessage] = []
    for alias, conf in settings.DATABASES.items():
        if "sqlite" not in str(conf.get("ENGINE", "")):
            continue
        if str(conf.get("OPTIONS", {}).get("transaction_mode", "")).upper() != "IMMEDIATE":
            warnings.append(
                checks.Warning(
                    f"Database {alias!r} is SQLite without transaction_mode IMMEDIATE: concurrent "
                    "bookings fail with 'database is locked' instead of waiting their turn.",
                    hint=f'Set DATABASES["{alias}"]["OPTIONS"] = {{"transaction_mode": "IMMEDIATE"}} (Django >= 5.1).',
                    id="fluentory_bookings.W001",
                )
            )
    return warnings


_LEVELS = ("READ_UNCOMMITTED", "READ_COMMITTED", "REPEATABLE_READ", "SERIALIZABLE")


@checks.register(TAG)
def check_isolation_level(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    out: list[checks.CheckMessage] = []
    for alias, conf in settings.DATABASES.items():
        if "postgresql" not in str(conf.get("ENGINE", "")):
            continue
        value = conf.get("OPTIONS", {}).get("isolation_level")
        if value is None:
            continue
        level = _isolation_name(value)
        if level is None:
            out.append(
                checks.Error(
                    f"Database {alias!r} has isolation_level {value!r}, which is not a "
                    "psycopg.IsolationLevel.",
                    hint="Leave it unset (READ COMMITTED) or use psycopg.IsolationLevel."
                    "REPEATABLE_READ or .SERIALIZABLE: every level is supported.",
                    id="fluentory_bookings.E006",
                )
            )
        elif level in ("REPEATABLE_READ", "SERIALIZABLE") and conf.get("ATOMIC_REQUESTS"):
            out.append(
                checks.Warning(
                    f"Database {alias!r} runs at {level} with ATOMIC_REQUESTS: at this level "
                    "bookings are decided outside any open transaction, so a view that calls a "
                    "booking service inside the request's transaction gets TryAgain.",
                    hint="Mark those views with django.db.transaction.non_atomic_requests, or "
                    "use READ COMMITTED.",
                    id="fluentory_bookings.W002",
                )
            )
    return out


def _isolation_name(value: object) -> str | None:
    from django.db.backends.postgresql.psycopg_any import IsolationLevel

    try:
        level = IsolationLevel(value)
    except (ValueError, TypeError):
        return None
    return level.name if level.name in _LEVELS else None


# A host name's characters: the UID's right-hand side is published in every event.
_UID_DOMAIN = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9.-]{0,200}[A-Za-z0-9])?")


@checks.register(TAG)
def check_calendar(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """The feed window and the UID domain (calendar/events.py), checked before any feed is."""
    errors: list[checks.CheckMessage] = []
    for name, least in (("FEED_PAST", timedelta(0)), ("FEED_FUTURE", timedelta(days=1))):
        value = getattr(app_settings, name)
        if not isinstance(value, timedelta) or value < least:
            errors.append(
                checks.Error(
                    f"{PREFIX}{name} must be a datetime.timedelta of at least {least}, "
                    f"not {value!r}.",
                    id="fluentory_bookings.E007",
                )
            )
    domain = app_settings.CALENDAR_UID_DOMAIN
    if domain is not None and (not isinstance(domain, str) or not _UID_DOMAIN.fullmatch(domain)):
        errors.append(
            checks.Error(
                f"{PREFIX}CALENDAR_UID_DOMAIN must be a domain name such as "
                f'"lms.example.org", not {domain!r}.',
                hint="It becomes the part after @ of every calendar event's UID.",
                id="fluentory_bookings.E007",
            )
        )
    return errors


@checks.register(TAG)
def check_reminders(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """The reminder settings: wrong ones would fail every booking (offsets) or every dispatch."""
    from datetime import timedelta

    problems = []
    offsets = app_settings.REMINDER_OFFSETS
    if isinstance(offsets, (str, bytes)) or not hasattr(offsets, "__iter__"):
        problems.append(f"REMINDER_OFFSETS must be a list of timedelta values, not {offsets!r}")
    elif not all(isinstance(o, timedelta) and o > timedelta(0) for o in offsets):
        problems.append(f"REMINDER_OFFSETS must hold positive timedelta values, not {offsets!r}")
    for name in ("REMINDER_LEASE", "REMINDER_RETRY_DELAY"):
        value = getattr(app_settings, name)
        if not isinstance(value, timedelta) or value <= timedelta(0):
            problems.append(f"{name} must be a positive timedelta, not {value!r}")
    for name in ("REMINDER_MAX_ATTEMPTS", "REMINDER_BATCH"):
        value = getattr(app_settings, name)
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            problems.append(f"{name} must be a whole number of at least 1, not {value!r}")
    return [
        checks.Error(f"{PREFIX}{problem}.", id="fluentory_bookings.E008") for problem in problems
    ]


@checks.register(TAG)
def check_quotas(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """The quotas: a wrong one would refuse every availability or every request."""
    problems = []
    for name in ("MIN_SLOT_MINUTES", "MAX_AVAILABILITIES_PER_TEACHER", "MAX_PENDING_PER_TEACHER"):
        value = getattr(app_settings, name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            problems.append(f"{name} must be a whole number or None, not {value!r}")
        elif value is not None and value < 1:
            problems.append(f"{name} must be at least 1 (or None for no limit), not {value!r}")
    slot = app_settings.MIN_SLOT_MINUTES
    if isinstance(slot, int) and not isinstance(slot, bool) and slot > 1440:
        problems.append(f"MIN_SLOT_MINUTES must be at most 1440 (a day), not {slot!r}")
    return [
        checks.Error(f"{PREFIX}{problem}.", id="fluentory_bookings.E009") for problem in problems
    ]


# A rate as DRF's throttles read it: requests, a slash, a period DRF knows by its first letter.
_RATE = re.compile(r"[1-9][0-9]{0,8}/(s|sec|second|m|min|minute|h|hour|d|day)s?")


def _api_write_rate() -> tuple[str, Any]:
    """The write throttle's rate and the setting it comes from, as api/throttles.py reads it."""
    rates = getattr(settings, "REST_FRAMEWORK", {}).get("DEFAULT_THROTTLE_RATES") or {}
    if WRITE_THROTTLE_SCOPE in rates:
        return (
            f'REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["{WRITE_THROTTLE_SCOPE}"]',
            rates[WRITE_THROTTLE_SCOPE],
        )
    return f"{PREFIX}API_WRITE_RATE", app_settings.API_WRITE_RATE


@checks.register(TAG)
def check_api_write_rate(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """The API's write throttle: a wrong rate would fail every write, not start-up."""
    name, rate = _api_write_rate()
    if rate is None or (isinstance(rate, str) and _RATE.fullmatch(rate)):
        if rate is not None and _caches_nothing():
            return [
                checks.Warning(
                    f"The default cache is DummyCache, which keeps nothing: the API's write "
                    f"throttle ({name}) never stops anyone.",
                    hint="Use a cache every process shares (Redis, Memcached, the database "
                    f"cache), or set {PREFIX}API_WRITE_RATE = None to say there is none.",
                    id="fluentory_bookings.W003",
                )
            ]
        return []
    return [
        checks.Error(
            f'{name} must be a rate such as "60/minute", or None (no throttle), not {rate!r}.',
            hint="A whole number of requests, a slash, and second, minute, hour or day.",
            id="fluentory_bookings.E010",
        )
    ]


def _caches_nothing() -> bool:
    backend = str(getattr(settings, "CACHES", {}).get("default", {}).get("BACKEND", ""))
    return backend.endswith(".DummyCache") and apps.is_installed("rest_framework")


@checks.register(TAG, checks.Tags.database)
def check_transaction_pooler(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Behind a transaction-pooling PgBouncer a server connection is another client's after each
    transaction: nothing that outlives one may be used. The app's own work is transaction-scoped;
    these two Django/psycopg defaults are not."""
    if not app_settings.TRANSACTION_POOLER:
        return []
    problems = []
    for alias, db in settings.DATABASES.items():
        if db.get("ENGINE") != "django.db.backends.postgresql":
            continue
        if not db.get("DISABLE_SERVER_SIDE_CURSORS"):
            problems.append(
                checks.Error(
                    f"DATABASES[{alias!r}] uses server-side cursors (QuerySet.iterator()), which "
                    "live outside a transaction and break behind a transaction pooler.",
                    hint=f'Set DATABASES[{alias!r}]["DISABLE_SERVER_SIDE_CURSORS"] = True.',
                    id="fluentory_bookings.E011",
                )
            )
        if (db.get("OPTIONS") or {}).get("prepare_threshold", 5) is not None:
            problems.append(
                checks.Error(
                    f"DATABASES[{alias!r}] lets psycopg prepare statements on the server, where "
                    "another client's connection may already hold one of the same name "
                    "(DuplicatePreparedStatement) behind a transaction pooler.",
                    hint=f'Set DATABASES[{alias!r}]["OPTIONS"]["prepare_threshold"] = None.',
                    id="fluentory_bookings.E011",
                )
            )
    return problems
