"""What the feed tests share: a small world of bookings, and the feed read back with icalendar."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

import icalendar
from django.urls import reverse

from fluentory_bookings.contrib.django.calendar.events import event_uid
from fluentory_bookings.contrib.django.calendar.tokens import issue_feed_token
from fluentory_bookings.contrib.django.services import (
    book_group_session,
    create_session,
    open_slots_for,
    request_one_on_one,
    set_availability,
)
from tests.django.when import day


def feed_path(token: str) -> str:
    return reverse("fluentory_bookings:calendar_feed", kwargs={"token": token})


def url(name: str, *args: Any) -> str:
    return reverse(f"fluentory_bookings:{name}", args=args)


def vevents(body: bytes) -> dict[str, icalendar.Event]:
    """The feed's events by UID, parsed with icalendar."""
    calendar = icalendar.Calendar.from_ical(body)
    return {str(e["UID"]): e for e in calendar.walk("VEVENT")}


def instants(event: icalendar.Event) -> tuple[datetime, datetime]:
    """The event's start and end as aware UTC instants (whatever zone it is written in)."""
    start, end = event.decoded("DTSTART"), event.decoded("DTEND")
    assert start.utcoffset() is not None, "floating time"
    assert end.utcoffset() is not None, "floating time"
    return start.astimezone(UTC), end.astimezone(UTC)


class World:
    """A teacher with a group session (one seat booked by ``student``, one by ``other``) and a
    1:1 lesson ``student`` asked for, waiting for the teacher's approval."""

    def __init__(self, make_course: Any, make_user: Any, teacher: Any, student: Any) -> None:
        self.teacher, self.student = teacher, student
        self.other = make_user("other")
        group = make_course("group_session", teacher=teacher, students=[student, self.other])
        start = datetime.combine(day(3), time(15), tzinfo=UTC)
        self.session = create_session(
            course=group,
            teacher=teacher,
            title="Conversation",
            starts_at=start,
            ends_at=start + timedelta(hours=1),
            timezone="Europe/Berlin",
            meeting_link="https://meet.example.com/abc",
        )
        self.seat = book_group_session(self.session, student)
        self.other_seat = book_group_session(self.session, self.other)
        one = make_course("one_on_one", teacher=teacher, students=[student], approval=True)
        availability = set_availability(
            teacher,
            course=one,
            timezone="America/New_York",
            start_date=day(0),
            start_time=time(9),
            end_time=time(12),
            weekdays=range(7),
        )
        slot = open_slots_for(availability, limit=1)[0]
        [self.lesson] = request_one_on_one(availability, student, slot.start, course=one)

    def token(self, kind: str = "student", user: Any = None) -> str:
        return issue_feed_token(user or self.student, kind)

    @property
    def uids(self) -> dict[str, str]:
        return {
            "seat": event_uid("booking", self.seat.pk),
            "other_seat": event_uid("booking", self.other_seat.pk),
            "session": event_uid("session", self.session.pk),
            "lesson": event_uid("lesson", self.lesson.pk),
        }
