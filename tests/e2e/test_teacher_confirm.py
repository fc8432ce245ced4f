"""Issue 18, item 2, in a browser: a teacher's destructive action (cancelling a session, a seat,
a 1:1 lesson or it and the following ones, declining a request) opens a confirmation page that
says whom it tells and takes a reason, on a desktop and on a 390 px wide phone."""

from __future__ import annotations

import re
from datetime import time, timedelta

import pytest
from playwright.sync_api import Page, expect

from fluentory_bookings.contrib.django.models import Booking, LiveClassSession, OneOnOneBooking
from fluentory_bookings.contrib.django.services import (
    approve_one_on_one,
    book_group_session,
    request_one_on_one,
    set_availability,
)
from tests.e2e import world
from tests.e2e.pages import expect_message
from tests.e2e.world import url

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
SIZES = pytest.mark.parametrize("size", ["desktop", "phone"])


def options(size: str) -> dict:
    return PHONE if size == "phone" else {}


def no_sideways_scroll(page: Page) -> None:
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"{page.url} scrolls sideways: {width}px"


def visit(page: Page, path: str) -> None:
    """Open ``path`` once the browser's zone is known (the first page sets its cookie)."""
    page.goto(path)
    page.reload()
    page.wait_for_load_state("networkidle")


@pytest.fixture
def tess(make_user):
    return make_user("tess", first_name="Tess", last_name="Teacher")


@SIZES
def test_cancelling_a_session_asks_first_says_whom_it_tells_and_takes_a_reason(
    size, tess, make_user, make_course, enroll, open_as, accessible
):
    course = make_course("group_session", teacher=tess)
    ann, ben = make_user("ann", first_name="Ann", last_name="Lee"), make_user("ben")
    enroll(course, ann, ben)
    session = world.session(course, tess, seats=1, waitlist=True)
    book_group_session(session, ann)
    book_group_session(session, ben)

    desk = open_as(tess, **options(size))
    visit(desk, url("teacher_schedule"))
    link = desk.get_by_role("link", name="Cancel “Conversation club”")
    if size == "phone":
        # The schedule's table still overflows at 390 px (issue 18, item 3, fixed in the shared
        # stylesheet by another change): follow the link rather than tap a covered cell.
        desk.goto(link.get_attribute("href") or "")
    else:
        link.click()
    expect(desk).to_have_url(
        re.compile(re.escape(url("teacher_session_cancel", session_id=session.pk)))
    )
    main = desk.locator("main")
    expect(main).to_contain_text("1 booked student and 1 waiting will be told.")
    expect(main).to_contain_text("Ann Lee")
    accessible(desk)
    if size == "phone":
        no_sideways_scroll(desk)
    session.refresh_from_db()
    assert session.status == "scheduled"  # looking changed nothing

    desk.get_by_label("Reason").fill("The room is flooded.")
    desk.get_by_role("button", name="Cancel the session").click()
    expect_message(desk, "session was cancelled")
    session.refresh_from_db()
    assert session.status == "cancelled"
    assert set(Booking.objects.filter(session=session).values_list("status", flat=True)) == {
        "cancelled"
    }


@SIZES
def test_taking_a_seat_back_asks_first(
    size, tess, make_user, make_course, enroll, open_as, accessible
):
    course = make_course("group_session", teacher=tess)
    ann = make_user("ann", first_name="Ann", last_name="Lee")
    enroll(course, ann)
    session = world.session(course, tess, seats=1, waitlist=True)
    seat = book_group_session(session, ann)

    desk = open_as(tess, **options(size))
    visit(desk, url("teacher_session_bookings", session_id=session.pk))
    desk.get_by_role("link", name=re.compile("Cancel Ann Lee.s seat")).click()
    accessible(desk)
    if size == "phone":
        no_sideways_scroll(desk)
    desk.get_by_label("Reason").fill("You asked me to.")
    desk.get_by_role("button", name="Cancel the seat").click()
    expect_message(desk, "booking was cancelled")
    seat.refresh_from_db()
    assert seat.status == "cancelled"


@pytest.fixture
def lessons(tess, make_user, make_course):
    ben = make_user("ben", first_name="Ben", last_name="Ode")
    course = make_course("one_on_one", teacher=tess, students=[ben], approval=True)
    return course, ben


@SIZES
def test_declining_a_request_asks_first_with_the_student_s_name(
    size, tess, lessons, open_as, accessible
):
    course, ben = lessons
    day = world.tomorrow_at(9).date()
    window = world.one_time_window(tess, course, day, 9, 11)
    [request] = request_one_on_one(window, ben, world.tomorrow_at(9))

    desk = open_as(tess, **options(size))
    visit(desk, url("teacher_one_on_one_bookings"))
    expect(desk.get_by_role("button", name="Approve Ben Ode")).to_be_visible()
    desk.get_by_role("link", name="Decline Ben Ode").click()
    accessible(desk)
    if size == "phone":
        no_sideways_scroll(desk)
    desk.get_by_label("Reason").fill("I am away that morning.")
    desk.get_by_role("button", name="Decline the request").click()
    expect_message(desk, "request was declined")
    request.refresh_from_db()
    assert (request.status, request.decision_reason) == ("declined", "I am away that morning.")


@SIZES
def test_cancelling_this_and_the_following_lessons_lists_them_first(
    size, tess, lessons, open_as, accessible
):
    course, ben = lessons
    first = world.tomorrow_at(9).date() + timedelta(days=5)
    weekly = set_availability(
        tess,
        course=course,
        timezone="Europe/Berlin",
        kind="weekly",
        start_date=first,
        weekdays=[first.weekday()],
        start_time=time(9),
        end_time=time(10),
        slot_minutes=60,
    )
    start = world.tomorrow_at(9).replace(year=first.year, month=first.month, day=first.day)
    series = request_one_on_one(weekly, ben, start, weeks=3)
    for b in series:
        approve_one_on_one(b, tess)

    desk = open_as(tess, **options(size))
    visit(desk, url("teacher_one_on_one_bookings"))
    desk.get_by_role("link", name="Cancel this and the following lessons with Ben Ode").nth(
        1
    ).click()
    main = desk.locator("main")
    expect(main).to_contain_text("The following lessons of the series:")
    expect(desk.get_by_label("This lesson and the following ones of the series")).to_be_checked()
    accessible(desk)
    if size == "phone":
        no_sideways_scroll(desk)
    desk.get_by_label("Reason").fill("I move abroad.")
    desk.get_by_role("button", name="Cancel the lesson").click()
    expect_message(desk, "following ones were cancelled")
    statuses = [OneOnOneBooking.objects.get(pk=b.pk).status for b in series]
    assert statuses == ["confirmed", "cancelled", "cancelled"]
    assert OneOnOneBooking.objects.get(pk=series[2].pk).decision_reason == "I move abroad."


def test_a_session_cancelled_meanwhile_says_so(tess, make_course, open_as):
    course = make_course("group_session", teacher=tess)
    session = world.session(course, tess)
    desk = open_as(tess)
    desk.goto(url("teacher_session_cancel", session_id=session.pk))
    LiveClassSession.objects.filter(pk=session.pk).update(status="cancelled")  # a co-teacher
    desk.get_by_role("button", name="Cancel the session").click()
    expect_message(desk, "This session was cancelled.")
