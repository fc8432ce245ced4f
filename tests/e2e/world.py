"""Small builders for the browser tests: courses, sessions and availability made through the
services (the pages under test are the students' and teachers' doors, not these set-ups)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.urls import reverse
from django.utils import timezone

from fluentory_bookings.contrib.django import services

BERLIN = ZoneInfo("Europe/Berlin")


def url(name: str, **kwargs: Any) -> str:
    """The path of a page by its URL name in the app's namespace."""
    return reverse(f"fluentory_bookings:{name}", kwargs=kwargs or None)


def tomorrow_at(hour: int, zone: ZoneInfo = BERLIN, days: int = 2) -> datetime:
    """An aware instant ``days`` ahead at ``hour`` local time: past the minimum notice."""
    day = timezone.now().astimezone(zone).date() + timedelta(days=days)
    return datetime.combine(day, time(hour), tzinfo=zone)


def session(course: Any, teacher: Any, *, seats: int = 2, waitlist: bool = True, **kw: Any):
    starts = kw.pop("starts_at", None) or tomorrow_at(10)
    return services.create_session(
        course=course,
        teacher=teacher,
        title=kw.pop("title", "Conversation club"),
        starts_at=starts,
        ends_at=starts + timedelta(hours=1),
        total_seats=seats,
        enable_waitlist=waitlist,
        meeting_link=kw.pop("meeting_link", "https://meet.example.com/club"),
        timezone="Europe/Berlin",
        **kw,
    )


def one_time_window(teacher: Any, course: Any, day: date, start: int, end: int):
    """A one-time window of whole-hour slots, local to Berlin."""
    return services.set_availability(
        teacher,
        course=course,
        timezone="Europe/Berlin",
        kind="one_time",
        start_date=day,
        start_time=time(start),
        end_time=time(end),
        slot_minutes=60,
    )
