"""Times in the viewer's zone, named, across a DST change: a teacher in Berlin, a student whose
browser is in New York. The browser's zone reaches the server through the layout's small script
(the ``fb_tz`` cookie), so this needs a real browser."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from fluentory_bookings.contrib.django.services import book_group_session
from tests.e2e import world
from tests.e2e.world import BERLIN, url

pytestmark = pytest.mark.django_db(transaction=True)

NEW_YORK = ZoneInfo("America/New_York")


def next_offset_change(zone: ZoneInfo, after: datetime) -> datetime:
    """The first local midnight after ``after`` whose UTC offset differs from the day before."""
    day = after.astimezone(zone).date()
    for _ in range(400):
        before = datetime.combine(day, time(12), tzinfo=zone).utcoffset()
        day += timedelta(days=1)
        if datetime.combine(day, time(12), tzinfo=zone).utcoffset() != before:
            return datetime.combine(day, time(0), tzinfo=zone)
    raise AssertionError(f"{zone} has no DST change within 400 days")


def test_a_berlin_class_shows_new_york_times_on_both_sides_of_a_dst_change(
    settings, make_user, make_course, enroll, open_as, accessible, tour
):
    settings.FLUENTORY_BOOKINGS_BOOKING_HORIZON = timedelta(days=400)
    teacher = make_user("tess")
    student = make_user("sam")
    course = make_course("group_session", teacher=teacher)
    enroll(course, student)
    change = next_offset_change(NEW_YORK, timezone.now() + timedelta(days=3))
    # 10:00 in Berlin two days before and two days after New York's clocks change (Berlin's
    # never change the same week), so the same Berlin hour is an hour apart in New York.
    starts = [
        datetime.combine((change + timedelta(days=d)).date(), time(10), tzinfo=BERLIN)
        for d in (-2, 2)
    ]
    for at in starts:
        book_group_session(world.session(course, teacher, starts_at=at), student)
    shown = [at.astimezone(NEW_YORK).strftime("%H:%M") for at in starts]
    assert shown[0] != shown[1]

    page = open_as(student, timezone_id="America/New_York")
    page.goto(url("student_bookings"))  # the layout's script tells the server the zone...
    page.reload()  # ...which the next page uses
    main = page.locator("main")
    expect(main).to_contain_text("America/New_York")
    for hhmm in shown:
        expect(main).to_contain_text(hhmm)
    accessible(page)
    tour(page, "student-bookings-new-york")

    # The teacher's browser is in Berlin: the same sessions at 10:00 both weeks.
    desk = open_as(teacher, timezone_id="Europe/Berlin")
    desk.goto(url("teacher_schedule"))
    desk.reload()
    expect(desk.locator("main")).to_contain_text("Europe/Berlin")
    assert desk.locator("main").get_by_text("10:00").count() >= 2
