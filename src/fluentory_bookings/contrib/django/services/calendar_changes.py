"""Changes a calendar must see: the one place that raises an event's SEQUENCE.

A calendar client takes the copy of an event with the higher SEQUENCE as the newer one (RFC 5545,
3.8.7.4), so every change to what an event shows that matters (its time, status or meeting link)
raises the ``sequence`` of its row, in the transaction of the change (a seat's event adds its
session's: see :mod:`..calendar.events`). The change also moves what the feeds read as DTSTAMP:
the row's ``modified``, and for a session ``calendar_modified`` too, the stamp of its students'
seat events (it moves with what they show, not with the seat count).

Two forms, for the two ways the services write:

- :func:`calendar_change`, for an instance about to be saved with ``update_fields``;
- :func:`calendar_change_update`, for a queryset ``UPDATE``.

:func:`session_calendar_change` says which of a session's edits are such a change. A test
(``tests/django/test_calendar_changes.py``) fails if any other module writes ``sequence``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db.models import F
from django.utils import timezone

from fluentory_bookings.contrib.django.models import Booking, LiveClassSession, OneOnOneBooking

if TYPE_CHECKING:
    from django.db.models import QuerySet

__all__ = [
    "SESSION_SEQUENCE_FIELDS",
    "SESSION_SHOWN_FIELDS",
    "calendar_change",
    "calendar_change_update",
    "session_calendar_change",
]

Row = Booking | LiveClassSession | OneOnOneBooking

SESSION_SEQUENCE_FIELDS = frozenset({"starts_at", "ends_at", "meeting_link"})
"""The session edits that raise its ``sequence`` (so does cancelling it)."""
SESSION_SHOWN_FIELDS = SESSION_SEQUENCE_FIELDS | {"title", "description", "timezone"}
"""The session edits its students' seat events show: they move ``calendar_modified``."""


def calendar_change(row: Row) -> dict[str, Any]:
    """A change a calendar must see, on a row about to be saved: its ``sequence`` goes up by
    one and, for a session, ``calendar_modified`` moves to now.

    Returns:
        The fields written, with their new values: add the names to ``save(update_fields=...)``
        (``modified`` follows by itself) or the items to an ``UPDATE``'s values.
    """
    row.sequence += 1
    changed: dict[str, Any] = {"sequence": row.sequence}
    if isinstance(row, LiveClassSession):
        row.calendar_modified = timezone.now()
        changed["calendar_modified"] = row.calendar_modified
    return changed


def session_calendar_change(session: LiveClassSession, edited: Iterable[str]) -> dict[str, Any]:
    """What a session's calendar gets for an edit of the fields ``edited`` (names that differ
    from the stored values): :func:`calendar_change` for a new time or link; for a new title,
    description or zone only a new ``calendar_modified`` (the events' DTSTAMP, with the same
    SEQUENCE); nothing otherwise (seats, waitlist).

    Returns:
        The fields to write with the edit, with their values; ``session`` holds them too.
    """
    edited = set(edited)
    if edited & SESSION_SEQUENCE_FIELDS:
        return calendar_change(session)
    if edited & SESSION_SHOWN_FIELDS:
        session.calendar_modified = timezone.now()
        return {"calendar_modified": session.calendar_modified}
    return {}


def calendar_change_update(
    rows: QuerySet[Any],
    *,
    at: datetime | None = None,
    mirror: Iterable[Row] = (),
    **values: Any,
) -> int:
    """A change a calendar must see, for every row of ``rows``: one ``UPDATE`` that writes
    ``values``, raises each row's ``sequence`` by one and sets ``modified`` (for sessions also
    ``calendar_modified``) to ``at`` (default: now).

    Args:
        mirror: In-memory copies of the rows (for the signals sent about them): their
            ``sequence`` is raised too, to match what was stored.

    Returns:
        How many rows the ``UPDATE`` changed.
    """
    stamp = at if at is not None else timezone.now()
    values.update(sequence=F("sequence") + 1, modified=stamp)
    if issubclass(rows.model, LiveClassSession):
        values["calendar_modified"] = stamp
    count = rows.update(**values)
    for row in mirror:
        row.sequence += 1
    return count
