"""What a feed's ETag and Last-Modified are made of, read in one query without building it.

A feed's bytes follow from its rows in the window, plus its kind, the language, the builder and
the names it shows. So one statement reads, per table, the rows the feed shows (the same
window as ``events``): how many, their latest change time (the services set ``modified`` on
every write, and a session's on every change to its seats; a seat event reads its session's
``calendar_modified`` instead, as it does not show the seat count), the earliest end and the
latest start. A new, changed or deleted row moves the count or the latest change; a row that leaves
the window as time passes moves the earliest end, one that enters moves the latest start.

What the rows do not record (a course renamed in the host, a person's new name) is picked up
when the day changes: the day is part of the ETag, and Last-Modified is at least its midnight.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, time
from typing import Any

from django.db.models import Count, Max, Min, QuerySet, Value
from django.utils import timezone, translation

import fluentory_bookings
from fluentory_bookings.contrib.django.calendar.events import event_uid, feed_window
from fluentory_bookings.contrib.django.models import (
    Booking,
    FeedKind,
    OneOnOneBooking,
)
from fluentory_bookings.contrib.django.services import teaching
from fluentory_bookings.contrib.django.services.schedule import MAX_LENGTH

__all__ = ["FORMAT", "FeedState", "feed_state"]

FORMAT = "1"
"""Bump when the feed's content changes for the same rows (new fields, another layout), so
that every client fetches it again once."""


@dataclass(frozen=True)
class FeedState:
    """A feed's validators: a strong ``etag`` (quoted) and ``last_modified`` (aware UTC).

    ``last_modified`` is None while the latest change is in the current second: an HTTP date
    has whole seconds, so a second change in the same second would carry the same date, and a
    client holding it would be told nothing changed. The ETag decides alone until then.
    """

    etag: str
    last_modified: datetime | None


def feed_state(user: Any, kind: FeedKind, now: datetime) -> FeedState:
    """The validators of ``user``'s ``kind`` feed at ``now``: one query."""
    start, end = feed_window(now)
    first, *rest = (_student_rows if kind == FeedKind.STUDENT else _teacher_rows)(user, start, end)
    rows = sorted(first.union(*rest, all=True).order_by())
    midnight = datetime.combine(now.astimezone(UTC).date(), time(0), tzinfo=UTC)
    changes = [changed for row in rows for changed in row[1:3] if changed is not None]
    last_modified = max([midnight, *changes])
    material = "|".join(
        [
            FORMAT,
            fluentory_bookings.__version__,
            # The settings that change every event (UIDs) or the window's span.
            event_uid("feed", user.pk),
            str(now - start),
            str(end - now),
            kind.value,
            translation.get_language() or "",
            midnight.isoformat(),
            *("/".join(map(_text, row)) for row in rows),
        ]
    )
    digest = hashlib.sha256(material.encode()).hexdigest()[:32]
    # Against the clock that stamped ``modified``, not the adapter's (which a host may move).
    settled = int(last_modified.timestamp()) < int(timezone.now().timestamp())
    return FeedState(
        etag=f'"{digest}"', last_modified=last_modified.astimezone(UTC) if settled else None
    )


def _text(value: Any) -> str:
    return value.astimezone(UTC).isoformat() if isinstance(value, datetime) else str(value)


def _window(prefix: str, start: datetime, end: datetime) -> dict[str, datetime]:
    """The rows ``events`` shows: overlapping ``[start, end)``. No event lasts longer than
    MAX_LENGTH, so the extra start bound changes nothing but keeps the read an index range."""
    return {
        f"{prefix}starts_at__gte": start - MAX_LENGTH,
        f"{prefix}starts_at__lt": end,
        f"{prefix}ends_at__gt": start,
    }


def _summary(rows: QuerySet[Any], table: str, prefix: str = "") -> QuerySet[Any]:
    """One row of ``rows``: (table, latest change, latest change of its session as its event
    shows it, count, earliest end, latest start); the count 0 and the rest None when there are
    none."""
    session = "session__calendar_modified" if prefix else "modified"
    return (
        rows.order_by()
        .annotate(table=Value(table))
        .values("table")
        .annotate(
            a=Max("modified"),
            b=Max(session),
            n=Count("pk"),
            e=Min(f"{prefix}ends_at"),
            s=Max(f"{prefix}starts_at"),
        )
        .values_list("table", "a", "b", "n", "e", "s")
    )


def _student_rows(user: Any, start: datetime, end: datetime) -> list[QuerySet[Any]]:
    seats = Booking.objects.filter(student_id=user.pk, **_window("session__", start, end))
    lessons = OneOnOneBooking.objects.filter(student_id=user.pk, **_window("", start, end))
    return [
        _summary(seats, "seat", "session__"),
        _summary(lessons, "lesson"),
    ]


def _teacher_rows(user: Any, start: datetime, end: datetime) -> list[QuerySet[Any]]:
    sessions = teaching.sessions_taught_by(user).filter(**_window("", start, end))
    lessons = teaching.lessons_taught_by(user).filter(**_window("", start, end))
    return [
        _summary(sessions, "session"),
        _summary(lessons, "lesson"),
    ]
