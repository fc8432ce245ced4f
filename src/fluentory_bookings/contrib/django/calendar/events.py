"""The calendar view of the app's rows: bookings and sessions as :class:`CalendarEvent` values.

Feeds, .ics downloads and e-mail attachments build from these, so an event looks the same
wherever it turns up. Reads only: the services are the only writers, and they keep each row's
``sequence`` and ``modified``, which become SEQUENCE and DTSTAMP/LAST-MODIFIED.

What a reader sees (see the docs page "Calendar fields" for why):

* a student's seat: CONFIRMED (also once attended or marked no-show), a waitlist place as
  TENTATIVE with "Waitlist" in its title and no meeting link, a cancelled one as CANCELLED;
* a teacher's session: CONFIRMED, or CANCELLED;
* a 1:1 lesson (the same event, same UID, for student and teacher): pending as TENTATIVE
  without a link, confirmed (held, no-show) as CONFIRMED, cancelled, declined or expired as
  CANCELLED.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, tzinfo
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.utils.translation import gettext as _

from fluentory_bookings.contrib.django.calendar.builder import CalendarEvent
from fluentory_bookings.contrib.django.conf import app_settings
from fluentory_bookings.contrib.django.models import Booking, LiveClassSession, OneOnOneBooking
from fluentory_bookings.contrib.django.services import teaching
from fluentory_bookings.core.approvals import OneOnOneStatus
from fluentory_bookings.core.seats import SeatStatus, SessionStatus
from fluentory_bookings.core.validate import require_aware

__all__ = [
    "LESSON_RELATED",
    "SEAT_RELATED",
    "SESSION_RELATED",
    "event_uid",
    "feed_window",
    "group_booking_event",
    "one_on_one_event",
    "session_event",
    "student_events",
    "teacher_events",
]

_CONFIRMED, _TENTATIVE, _CANCELLED = "CONFIRMED", "TENTATIVE", "CANCELLED"
_SEAT_STATUS = {
    SeatStatus.CONFIRMED.value: _CONFIRMED,
    SeatStatus.ATTENDED.value: _CONFIRMED,
    SeatStatus.NO_SHOW.value: _CONFIRMED,
    SeatStatus.WAITLISTED.value: _TENTATIVE,
    SeatStatus.CANCELLED.value: _CANCELLED,
}
# A pending request stays TENTATIVE until the expiry job marks it expired (and raises its
# sequence): the event shows what is stored, so its SEQUENCE and DTSTAMP always match it.
_LESSON_STATUS = {
    OneOnOneStatus.PENDING.value: _TENTATIVE,
    OneOnOneStatus.CONFIRMED.value: _CONFIRMED,
    OneOnOneStatus.COMPLETED.value: _CONFIRMED,
    OneOnOneStatus.NO_SHOW.value: _CONFIRMED,
    OneOnOneStatus.CANCELLED.value: _CANCELLED,
    OneOnOneStatus.DECLINED.value: _CANCELLED,
    OneOnOneStatus.EXPIRED.value: _CANCELLED,
}


# What each event reads beyond its own row: load these with the rows (``select_related``).
SEAT_RELATED = ("session__course", "session__teacher")
LESSON_RELATED = ("course", "student", "teacher", "availability_slot")
SESSION_RELATED = ("course",)


def feed_window(now: datetime) -> tuple[datetime, datetime]:
    """The span a feed covers at ``now``: ``FEED_PAST`` back, ``FEED_FUTURE`` ahead.

    Raises:
        InvalidInput: ``now`` is not an aware datetime.
    """
    now = require_aware(now, "now")
    return now - app_settings.FEED_PAST, now + app_settings.FEED_FUTURE


def event_uid(kind: str, pk: Any) -> str:
    """The UID of a row's event: ``fluentory-<kind>-<pk>@<CALENDAR_UID_DOMAIN>``.

    Stable for the row's life, and unique across installations: the domain is the host's (the
    setting), or one derived from ``SECRET_KEY`` when the setting is not given.
    """
    domain = app_settings.CALENDAR_UID_DOMAIN
    if not domain:
        # A one-way digest: the UID is published, the key must not be guessable from it.
        digest = hashlib.sha256(b"fluentory-bookings calendar uid\0" + _key()).hexdigest()
        domain = f"{digest[:16]}.fluentory-bookings.invalid"
    return f"fluentory-{kind}-{pk}@{domain}"


def _key() -> bytes:
    key = settings.SECRET_KEY
    return key if isinstance(key, bytes) else str(key).encode()


def _person(user: Any) -> str:
    """A display name, never an e-mail address (feeds are read by whoever holds the URL)."""
    full = user.get_full_name() if hasattr(user, "get_full_name") else ""
    name = str(full or user.get_username())
    return name.split("@", 1)[0] if "@" in name else name


def _zone_key(zone: tzinfo | str | None) -> str | None:
    if zone is None or zone == "":
        return None
    return str(getattr(zone, "key", zone))


def _lines(*pairs: tuple[str, str | None], notes: str = "") -> str:
    """One "label: value" line per filled pair, then the row's own notes after a blank line."""
    text = "\n".join(f"{label}: {value}" for label, value in pairs if value)
    return f"{text}\n\n{notes}" if notes else text


def group_booking_event(booking: Booking) -> CalendarEvent:
    """A student's seat (or waitlist place) in a group session, as the student sees it.

    Its SEQUENCE is the booking's plus the session's (either can change what it shows) and its
    stamp the later of the booking's change time and the session's ``calendar_modified``: not
    the session's ``modified``, which also moves when a classmate takes or frees a seat.
    """
    session = booking.session
    status = _SEAT_STATUS[booking.status]
    if session.status == SessionStatus.CANCELLED.value:
        status = _CANCELLED
    title = session.title
    summary = _("Waitlist: %(title)s") % {"title": title} if status == _TENTATIVE else title
    zone = _zone_key(session.timezone)
    return CalendarEvent(
        uid=event_uid("booking", booking.pk),
        start=session.starts_at,
        end=session.ends_at,
        summary=summary,
        stamp=max(booking.modified, session.calendar_modified),
        sequence=booking.sequence + session.sequence,
        status=status,
        zone=zone,
        description=_lines(
            (_("Course"), str(session.course)),
            (_("Teacher"), _person(session.teacher)),
            (_("Time zone"), zone),
            notes=session.description,
        ),
        url=session.meeting_link if status == _CONFIRMED else None,
        categories=(_("Group session"),),
    )


def session_event(session: LiveClassSession) -> CalendarEvent:
    """A group session as its teacher sees it."""
    status = _CANCELLED if session.status == SessionStatus.CANCELLED.value else _CONFIRMED
    zone = _zone_key(session.timezone)
    return CalendarEvent(
        uid=event_uid("session", session.pk),
        start=session.starts_at,
        end=session.ends_at,
        summary=session.title,
        stamp=session.modified,
        sequence=session.sequence,
        status=status,
        zone=zone,
        description=_lines(
            (_("Course"), str(session.course)),
            (
                _("Seats"),
                _("%(taken)s of %(total)s taken")
                % {"taken": session.seats_taken, "total": session.total_seats},
            ),
            (_("Time zone"), zone),
            notes=session.description,
        ),
        url=session.meeting_link if status == _CONFIRMED else None,
        categories=(_("Group session"),),
    )


def one_on_one_event(booking: OneOnOneBooking) -> CalendarEvent:
    """A 1:1 lesson: one event with one UID, in the student's and in the teacher's calendar.

    Written in the zone of the availability it was booked from, where that still exists.
    """
    status = _LESSON_STATUS[booking.status]
    names = {
        "course": str(booking.course),
        "student": _person(booking.student),
        "teacher": _person(booking.teacher),
    }
    summary = _("1:1 %(course)s: %(student)s with %(teacher)s") % names
    if status == _TENTATIVE:
        summary = _("Requested: %(summary)s") % {"summary": summary}
    availability = booking.availability_slot
    zone = _zone_key(availability.timezone) if availability is not None else None
    return CalendarEvent(
        uid=event_uid("lesson", booking.pk),
        start=booking.starts_at,
        end=booking.ends_at,
        summary=summary,
        stamp=booking.modified,
        sequence=booking.sequence,
        status=status,
        zone=zone,
        description=_lines(
            (_("Course"), names["course"]),
            (_("Teacher"), names["teacher"]),
            (_("Student"), names["student"]),
            (_("Time zone"), zone),
        ),
        url=booking.meeting_link if status == _CONFIRMED else None,
        categories=(_("1:1 lesson"),),
    )


def _overlapping(start_field: str, end_field: str, now: datetime) -> Q:
    low, high = feed_window(now)
    return Q(**{f"{start_field}__lt": high, f"{end_field}__gt": low})


def student_events(user: Any, *, now: datetime) -> list[CalendarEvent]:
    """A student's feed: their group bookings and 1:1 lessons that overlap the feed window.

    Two queries, whatever the number of rows.
    """
    bookings = (
        Booking.objects.filter(_overlapping("session__starts_at", "session__ends_at", now))
        .filter(student=user)
        .select_related(*SEAT_RELATED)
        .order_by()
    )
    lessons = (
        OneOnOneBooking.objects.filter(_overlapping("starts_at", "ends_at", now))
        .filter(student=user)
        .select_related(*LESSON_RELATED)
        .order_by()
    )
    return [*map(group_booking_event, bookings), *map(one_on_one_event, lessons)]


def teacher_events(user: Any, *, now: datetime) -> list[CalendarEvent]:
    """A teacher's feed: the group sessions they lead and their 1:1 lessons, in the window.

    Two queries, whatever the number of rows.
    """
    sessions = (
        teaching.sessions_taught_by(user)
        .filter(_overlapping("starts_at", "ends_at", now))
        .select_related(*SESSION_RELATED)
        .order_by()
    )
    lessons = (
        teaching.lessons_taught_by(user)
        .filter(_overlapping("starts_at", "ends_at", now))
        .select_related(*LESSON_RELATED)
        .order_by()
    )
    return [*map(session_event, sessions), *map(one_on_one_event, lessons)]
