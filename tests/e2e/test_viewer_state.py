"""The student pages know the viewer (issue 18, student side), in a real browser, on a desktop
and at 390 px: a booked session shows my seat and the ways out instead of Book again; the move
picker offers only sessions with a free seat; a 1:1 time taken meanwhile sends me back to fresh
slots; the confirm page says the teacher must approve, and by when; teachers go by their names."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from fluentory_bookings.contrib.django.models import Booking, OneOnOneBooking
from fluentory_bookings.contrib.django.services import (
    book_group_session,
    open_slots_for,
    request_one_on_one,
)
from tests.e2e import world
from tests.e2e.pages import expect_message, post_form, submit
from tests.e2e.world import url

pytestmark = pytest.mark.django_db(transaction=True)

SIZES = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}


@pytest.fixture(params=sorted(SIZES))
def viewport(request) -> dict[str, int]:
    return SIZES[request.param]


@pytest.fixture
def people(make_user):
    teacher = make_user("tess", first_name="Tess", last_name="Teacher")
    students = [make_user(n) for n in ("ann", "ben", "cara")]
    return teacher, students


@pytest.fixture
def club(people, make_course, enroll):
    teacher, students = people
    course = make_course("group_session", teacher=teacher)
    enroll(course, *students)
    return course, teacher, students


@pytest.fixture
def lessons(people, make_course, enroll):
    def build(*, approval: bool):
        teacher, students = people
        course = make_course("one_on_one", teacher=teacher, approval=approval)
        enroll(course, *students)
        day = world.tomorrow_at(10).date()
        return course, teacher, students, world.one_time_window(teacher, course, day, 10, 12)

    return build


def row_of(page: Page, title: str):
    return page.locator("main table tbody tr").filter(has_text=title)


def picker(course, availability) -> str:
    return f"{url('student_book_one_on_one', course_id=course.pk)}?week={availability.start_date}"


def sideways(page: Page) -> int:
    """How far the page scrolls sideways (0 when it fits its viewport)."""
    return int(page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth"))


def open_on(open_as, user, viewport: dict[str, int]) -> Page:
    return open_as(user, viewport=viewport)


# --- 1 ------------------------------------------------------------------------------------------


def test_after_booking_the_list_shows_my_seat_and_my_waitlist_place(
    club, open_as, accessible, viewport
):
    course, teacher, (ann, ben, _cara) = club
    talk = world.session(course, teacher, seats=2, title="Small talk")
    full = world.session(course, teacher, seats=1, title="Grammar", starts_at=world.tomorrow_at(14))
    book_group_session(full, ben)
    page = open_on(open_as, ann, viewport)
    sessions = url("student_sessions", course_id=course.pk)

    page.goto(sessions)
    accessible(page)
    expect(row_of(page, "Small talk")).to_contain_text("Book")
    expect(row_of(page, "Grammar")).to_contain_text("Join the waitlist")
    page.goto(url("student_book_session", session_id=talk.pk))
    submit(post_form(page, url("student_book_session", session_id=talk.pk)))
    expect_message(page, "seat is booked")
    page.goto(url("student_book_session", session_id=full.pk))
    submit(post_form(page, url("student_book_session", session_id=full.pk)))
    expect_message(page, "waitlist")

    page.goto(sessions)
    mine = row_of(page, "Small talk")
    expect(mine).to_contain_text("You have a seat.")
    expect(mine.get_by_role("link", name=re.compile("^Book", re.I))).to_have_count(0)
    expect(mine.get_by_role("link", name=re.compile("^Move", re.I))).to_have_count(1)
    expect(mine.get_by_role("link", name=re.compile("^Cancel", re.I))).to_have_count(1)
    assert sideways(page) == 0
    waiting = row_of(page, "Grammar")
    expect(waiting).to_contain_text("You are number 1 on the waitlist.")
    expect(waiting).not_to_contain_text("Join the waitlist")
    expect(
        waiting.get_by_role("button", name=re.compile("Leave the waitlist", re.I))
    ).to_be_visible()
    accessible(page)

    # The session's own page knows it too, and a second click offers nothing to book.
    page.goto(url("student_book_session", session_id=talk.pk))
    expect(page.locator("main")).to_contain_text("You have a seat.")
    expect(page.get_by_role("button", name=re.compile("Book a seat", re.I))).to_have_count(0)
    accessible(page)

    # Leaving the waitlist from the list works, and the row offers the waitlist again.
    page.goto(sessions)
    with page.expect_navigation():
        waiting.get_by_role("button", name=re.compile("Leave the waitlist", re.I)).click()
    expect_message(page, "left the waitlist")
    assert Booking.objects.get(session=full, student=ann).status == "cancelled"


# --- 7 ------------------------------------------------------------------------------------------


def test_the_move_picker_offers_only_sessions_with_a_free_seat(club, open_as, accessible, viewport):
    course, teacher, (ann, ben, _cara) = club
    mine = world.session(course, teacher, seats=2, title="Mine")
    held = world.session(course, teacher, seats=2, title="Held", starts_at=world.tomorrow_at(13))
    full = world.session(
        course, teacher, seats=1, title="Packed", starts_at=world.tomorrow_at(15), waitlist=False
    )
    full_list = world.session(
        course, teacher, seats=1, title="Queue", starts_at=world.tomorrow_at(17), waitlist=True
    )
    free = world.session(course, teacher, seats=3, title="Roomy", starts_at=world.tomorrow_at(19))
    seat = book_group_session(mine, ann)
    book_group_session(held, ann)
    for s in (full, full_list, free):
        book_group_session(s, ben)

    page = open_on(open_as, ann, viewport)
    page.goto(url("student_booking_reschedule", booking_id=seat.pk))
    choices = page.locator("main input[type='radio']")
    expect(choices).to_have_count(1)
    assert sideways(page) == 0
    main = page.locator("main")
    expect(main).to_contain_text(re.compile(r"Roomy.*2 seats left"))
    for gone in ("Held", "Packed", "Queue"):
        expect(main).not_to_contain_text(gone)
    accessible(page)
    choices.first.check()
    submit(page.locator("main form[method='post' i]").first)
    expect_message(page, "moved")
    assert Booking.objects.get(student=ann, session=free).status == "confirmed"


# --- 6 ------------------------------------------------------------------------------------------


def test_a_time_taken_meanwhile_returns_me_to_fresh_slots(lessons, open_as, accessible, viewport):
    course, _teacher, (ann, bea, _cara), availability = lessons(approval=False)
    page = open_on(open_as, ann, viewport)
    page.goto(picker(course, availability))
    first = page.locator(
        f"main a[href^='{url('student_book_one_on_one_submit', availability_id=availability.pk)}']"
    ).first
    first.click()
    page.wait_for_load_state()
    accessible(page)
    # Bea books the very time while Ann reads the confirm page.
    start = open_slots_for(availability)[0].start
    request_one_on_one(availability, bea, start, course=course)

    submit(page.locator("main form[method='post' i]").first)
    assert url("student_book_one_on_one", course_id=course.pk) in page.url
    expect_message(page, "just booked this time")
    expect(page.locator("main")).not_to_contain_text("clashes with something already")
    expect(page.get_by_role("button", name=re.compile("^Book$"))).to_have_count(0)
    links = page.locator(
        f"main a[href^='{url('student_book_one_on_one_submit', availability_id=availability.pk)}']"
    )
    expect(links).to_have_count(1)  # the other hour, still open
    accessible(page)


# --- 5 ------------------------------------------------------------------------------------------


def test_the_confirm_page_says_the_teacher_approves_and_by_when(
    lessons, open_as, accessible, viewport
):
    course, _teacher, (ann, _bea, _cara), availability = lessons(approval=True)
    page = open_on(open_as, ann, viewport)
    page.goto(picker(course, availability))
    page.locator(
        f"main a[href^='{url('student_book_one_on_one_submit', availability_id=availability.pk)}']"
    ).first.click()
    page.wait_for_load_state()
    note = page.locator("main .fb-approval")
    expect(note).to_contain_text("Tess Teacher must approve this request")
    expect(note).to_contain_text("You will have an answer by")
    button = page.get_by_role("button", name=re.compile("Send the request", re.I))
    assert sideways(page) == 0
    expect(button).to_be_visible()
    page.get_by_label("Note for the teacher (optional)").fill("Job interviews, please.")
    accessible(page)
    with page.expect_navigation():
        button.click()
    expect_message(page, "teacher will confirm")
    assert OneOnOneBooking.objects.get(student=ann).student_note == "Job interviews, please."
    # Back on the picker, the week shows the pending request as mine, with the way to cancel.
    page.goto(picker(course, availability))
    mine = page.locator("main .fb-mine")
    expect(mine).to_contain_text("Waiting for the teacher")
    expect(mine.get_by_role("link", name=re.compile("^Cancel", re.I))).to_have_count(1)
    assert sideways(page) == 0
    accessible(page)


# --- 9 ------------------------------------------------------------------------------------------


def test_teachers_go_by_their_names(lessons, open_as, accessible, viewport: dict[str, Any]):
    course, _teacher, (ann, _bea, _cara), availability = lessons(approval=False)
    page = open_on(open_as, ann, viewport)
    page.goto(picker(course, availability))
    expect(page.locator("main .fb-slots").first).to_contain_text("Tess Teacher")
    page.locator(
        f"main a[href^='{url('student_book_one_on_one_submit', availability_id=availability.pk)}']"
    ).first.click()
    page.wait_for_load_state()
    submit(page.locator("main form[method='post' i]").first)
    page.goto(url("student_bookings"))
    expect(page.locator("main")).to_contain_text("Lesson with Tess Teacher")
    expect(page.locator("main")).not_to_contain_text("Lesson with tess")
    accessible(page)
