"""What a person is already committed to, as core values: the input of every conflict check."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fluentory_bookings.contrib.django.adapter import get_adapter
from fluentory_bookings.contrib.django.models import Booking, LiveClassSession, OneOnOneBooking
from fluentory_bookings.contrib.django.models.one_on_one import ACTIVE_VALUES
from fluentory_bookings.core.conflicts import Commitment
from fluentory_bookings.core.intervals import Interval
from fluentory_bookings.core.seats import SeatStatus, SessionStatus

# Waitlist places count: a promotion must never land a student in two places at once.
GROUP_COMMITTED = [SeatStatus.CONFIRMED.value, SeatStatus.WAITLISTED.value]
LIVE_SESSION = [SessionStatus.SCHEDULED.value, SessionStatus.BOOKING_CLOSED.value]


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

    Args:
        party: ``"student"`` or ``"teacher"``: how the conflict is reported to the caller.
        exclude_one_on_one: 1:1 booking ids to ignore (e.g. the one being rescheduled).
        exclude_group_bookings: group booking ids to ignore.
        include_external: add the adapter's external busy time (teachers' synced calendars).
    """
    out: list[Commitment] = []
    one_on_ones = (
        OneOnOneBooking.objects.filter(
            status__in=ACTIVE_VALUES, starts_at__lt=end, ends_at__gt=start
        )
        .filter(_either(user, "student", "teacher"))
        .exclude(pk__in=exclude_one_on_one)
        .values_list("pk", "starts_at", "ends_at")
    )
    out += [Commitment(Interval(s, e), party, ("one_on_one", pk)) for pk, s, e in one_on_ones]
    seats = (
        Booking.objects.filter(
            student=user,
            status__in=GROUP_COMMITTED,
            session__status__in=LIVE_SESSION,
            session__starts_at__lt=end,
            session__ends_at__gt=start,
        )
        .exclude(pk__in=exclude_group_bookings)
        .values_list("pk", "session__starts_at", "session__ends_at")
    )
    out += [Commitment(Interval(s, e), party, ("group_booking", pk)) for pk, s, e in seats]
    taught = LiveClassSession.objects.filter(
        teacher=user, status__in=LIVE_SESSION, starts_at__lt=end, ends_at__gt=start
    ).values_list("pk", "starts_at", "ends_at")
    out += [Commitment(Interval(s, e), party, ("session", pk)) for pk, s, e in taught]
    if include_external:
        out += [
            Commitment(Interval(s, e), party, ("external", None))
            for s, e in get_adapter().get_external_busy(user, start, end)
        ]
    return out


def _either(user: Any, *fields: str) -> Any:
    from django.db.models import Q

    q = Q()
    for f in fields:
        q |= Q(**{f: user})
    return q
