"""What a person is already committed to, as core values: the input of every conflict check."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import connections, router

from fluentory_bookings.contrib.django.adapter import get_adapter
from fluentory_bookings.contrib.django.models import (
    Booking,
    LiveClassSession,
    OneOnOneBooking,
    TeacherAvailability,
)
from fluentory_bookings.contrib.django.models.one_on_one import ACTIVE_VALUES
from fluentory_bookings.core.approvals import OneOnOneStatus
from fluentory_bookings.core.conflicts import Commitment
from fluentory_bookings.core.errors import InvalidInterval
from fluentory_bookings.core.intervals import Interval
from fluentory_bookings.core.seats import SeatStatus, SessionStatus

# Waitlist places count: a promotion must never land a student in two places at once.
GROUP_COMMITTED = [SeatStatus.CONFIRMED.value, SeatStatus.WAITLISTED.value]
LIVE_SESSION = [SessionStatus.SCHEDULED.value, SessionStatus.BOOKING_CLOSED.value]
_CONFIRMED = OneOnOneStatus.CONFIRMED.value
_SEAT_CONFIRMED = SeatStatus.CONFIRMED.value


MAX_LENGTH = timedelta(hours=24)
"""The longest a group session or a 1:1 lesson may last; every write refuses a longer one.

With it every time-window query can start its index range at ``start - MAX_LENGTH``: whatever
ends after ``start`` began after that, so a check reads the window, not a person's history.
"""


def require_length(start: datetime, end: datetime, field: str = "ends_at") -> None:
    """Refuse an interval longer than :data:`MAX_LENGTH` (InvalidInterval naming ``field``)."""
    if end - start > MAX_LENGTH:
        raise InvalidInterval(
            f"a booking may last at most {_hours(MAX_LENGTH)}, not {_hours(end - start)}",
            start=start,
            end=end,
            field=field,
        )


@dataclass(frozen=True, slots=True)
class Ask:
    """One person's commitments to read: who, in which role, over ``[start, end)``.

    Attributes:
        party: ``"student"`` or ``"teacher"``: how a conflict is reported to the caller.
        exclude_one_on_one: 1:1 booking ids to ignore (e.g. the one being rescheduled).
        exclude_group_bookings: group booking ids to ignore.
        include_external: add the adapter's external busy time (teachers' synced calendars).
        user_id: ``user``'s pk, when ``user`` is a lazy object that should stay unloaded.
    """

    user: Any
    party: str
    start: datetime
    end: datetime
    exclude_one_on_one: tuple[int, ...] = ()
    exclude_group_bookings: tuple[int, ...] = ()
    include_external: bool = False
    user_id: Any = None
    lesson_buffers: dict[int, tuple[int, int]] | None = field(default=None, compare=False)
    """When given, filled with ``lesson pk -> (buffer before, buffer after)`` in minutes for the
    1:1 lessons ``user`` teaches, from the availability each was booked through."""


def commitments(
    user: Any,
    party: str,
    start: datetime,
    end: datetime,
    *,
    exclude_one_on_one: tuple[int, ...] = (),
    exclude_group_bookings: tuple[int, ...] = (),
    include_external: bool = False,
) -> list[Commitment]:
    """Everything ``user`` is committed to that overlaps ``[start, end)``, in either role.

    The arguments are those of :class:`Ask`.
    """
    ask = Ask(user, party, start, end, exclude_one_on_one, exclude_group_bookings, include_external)
    return commitments_of([ask])[0]


def commitments_of(asks: Sequence[Ask]) -> list[list[Commitment]]:
    """The commitments of every ask, in one statement: a list per ask, in order.

    One statement for all of them and all three sources (1:1s as student or teacher, seats and
    waitlist places, sessions taught): this runs inside the lock of every booking, so a round
    trip and a query compilation saved here is throughput gained under contention.
    """
    connection = connections[router.db_for_read(Booking)]
    sql: list[str] = []
    params: list[Any] = []
    for i, ask in enumerate(asks):
        part, part_params = _commitments_sql(connection, i, ask)
        sql.append(part)
        params += part_params
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(sql), params)
        rows = cursor.fetchall()
    out: list[list[Commitment]] = [[] for _ in asks]
    for i, kind, pk, s, e, before, after in rows:
        out[i].append(Commitment(Interval(_aware(s), _aware(e)), asks[i].party, (kind, pk)))
        found_buffers = asks[i].lesson_buffers
        if before is not None and found_buffers is not None:
            found_buffers[pk] = (before, after)
    for ask, found in zip(asks, out, strict=True):
        if ask.include_external:
            found += [
                Commitment(Interval(s, e), ask.party, ("external", None))
                for s, e in get_adapter().get_external_busy(ask.user, ask.start, ask.end)
            ]
    return out


def _commitments_sql(connection: Any, i: int, ask: Ask) -> tuple[str, list[Any]]:
    q = connection.ops.quote_name
    one, seat, session, availability = (
        q(OneOnOneBooking._meta.db_table),
        q(Booking._meta.db_table),
        q(LiveClassSession._meta.db_table),
        q(TeacherAvailability._meta.db_table),
    )
    user_id = ask.user_id if ask.user_id is not None else getattr(ask.user, "pk", ask.user)
    # Stored the way the ORM stores them (naive UTC text on SQLite, timestamptz on PostgreSQL).
    adapt = connection.ops.adapt_datetimefield_value
    # ``ends_at > start`` with every length at most MAX_LENGTH means ``starts_at > floor``: a
    # bound on the column the indexes hold, so each branch is an index range scan.
    floor, lo, hi = adapt(ask.start - MAX_LENGTH), adapt(ask.start), adapt(ask.end)
    window = [hi, floor, lo]

    def placeholders(values: Any) -> str:
        return ", ".join(["%s"] * len(values))

    live = placeholders(LIVE_SESSION)
    # A pending request past its expiry holds nothing, whether or not the command wrote it yet.
    now = connection.ops.adapt_datetimefield_value(get_adapter().now())
    sql = [
        # A lesson the user teaches keeps the buffers of the availability it was booked through
        # (one the user takes as a student is someone else's: no buffers of theirs).
        f"SELECT {i}, 'one_on_one', o.id, o.starts_at, o.ends_at, "
        "CASE WHEN o.teacher_id = %s THEN a.buffer_before_minutes END, "
        "CASE WHEN o.teacher_id = %s THEN a.buffer_after_minutes END "
        f"FROM {one} o LEFT JOIN {availability} a ON a.id = o.availability_slot_id "
        f"WHERE o.status IN ({placeholders(ACTIVE_VALUES)}) "
        "AND o.starts_at < %s AND o.starts_at > %s AND o.ends_at > %s "
        "AND (o.student_id = %s OR o.teacher_id = %s) "
        "AND (o.status = %s OR COALESCE(o.expires_at, o.starts_at) > %s)"
    ]
    params: list[Any] = [user_id, user_id, *ACTIVE_VALUES, *window, user_id, user_id, _CONFIRMED]
    params.append(now)
    if ask.exclude_one_on_one:
        sql[-1] += f" AND o.id NOT IN ({placeholders(ask.exclude_one_on_one)})"
        params += list(ask.exclude_one_on_one)
    sql.append(
        f"SELECT {i}, 'group_booking', b.id, s.starts_at, s.ends_at, NULL, NULL FROM {seat} b "
        f"JOIN {session} s ON s.id = b.session_id "
        f"WHERE b.student_id = %s AND b.status IN ({placeholders(GROUP_COMMITTED)}) "
        f"AND s.status IN ({live}) AND s.starts_at < %s AND s.starts_at > %s AND s.ends_at > %s "
        # A waitlist place ends when its session starts: nobody is promoted after that.
        "AND (b.status = %s OR s.starts_at > %s)"
    )
    params += [user_id, *GROUP_COMMITTED, *LIVE_SESSION, *window, _SEAT_CONFIRMED, now]
    if ask.exclude_group_bookings:
        sql[-1] += f" AND b.id NOT IN ({placeholders(ask.exclude_group_bookings)})"
        params += list(ask.exclude_group_bookings)
    sql.append(
        f"SELECT {i}, 'session', s.id, s.starts_at, s.ends_at, NULL, NULL FROM {session} s "
        f"WHERE s.teacher_id = %s AND s.status IN ({live}) "
        "AND s.starts_at < %s AND s.starts_at > %s AND s.ends_at > %s"
    )
    params += [user_id, *LIVE_SESSION, *window]
    return " UNION ALL ".join(sql), params


def _hours(length: timedelta) -> str:
    return f"{length.total_seconds() / 3600:g} hours"


def _aware(value: datetime) -> datetime:
    # SQLite hands back naive UTC; PostgreSQL aware datetimes.
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
