"""Group sessions as students and a teacher live them, each in their own browser: seats taken,
the session filling, the waitlist, and the promoted student seeing their seat."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from fluentory_bookings.contrib.django.models import Booking, LiveClassSession
from fluentory_bookings.contrib.django.services import book_group_session
from tests.e2e import world
from tests.e2e.pages import expect_message, post_form, submit, tab_to
from tests.e2e.world import url

pytestmark = pytest.mark.django_db(transaction=True)

WAITING_FIRST = re.compile(r"waitlist\W*(number|position|place|#)\s*1\b", re.I)


@pytest.fixture
def club(make_user, make_course, enroll):
    teacher = make_user("tess", first_name="Tess", last_name="Teacher")
    course = make_course("group_session", teacher=teacher)
    students = [make_user(n) for n in ("ann", "ben", "cara")]
    enroll(course, *students)
    return course, teacher, students


def book_seat(page, session, accessible) -> None:
    page.goto(url("student_book_session", session_id=session.pk))
    expect(page.locator("main")).to_contain_text("Group session")
    accessible(page)
    submit(post_form(page, url("student_book_session", session_id=session.pk)))


def test_seats_fill_then_the_waitlist_then_the_promoted_student_sees_the_seat(
    club, open_as, accessible
):
    course, teacher, (ann, ben, cara) = club
    session = world.session(course, teacher, seats=2, waitlist=True)
    pages = {u.username: open_as(u) for u in (ann, ben, cara)}

    pages["ann"].goto(url("student_book_session", session_id=session.pk))
    book_seat(pages["ann"], session, accessible)
    expect_message(pages["ann"], "seat is booked")
    book_seat(pages["ben"], session, accessible)
    session.refresh_from_db()
    assert session.seats_taken == 2
    assert session.is_full

    book_seat(pages["cara"], session, accessible)
    expect_message(pages["cara"], "waitlist")
    waiting = Booking.objects.get(session=session, student=cara)
    assert (waiting.status, waiting.waitlist_position) == ("waitlisted", 1)
    pages["cara"].goto(url("student_bookings"))
    expect(pages["cara"].locator("main")).to_contain_text(WAITING_FIRST)
    accessible(pages["cara"])

    # The teacher, in a browser of their own, sees the roster and who waits in which order.
    desk = open_as(teacher)
    desk.goto(url("teacher_session_bookings", session_id=session.pk))
    roster = desk.locator("main")
    for name in ("ann", "ben", "cara"):
        expect(roster).to_contain_text(name)
    accessible(desk)

    # Ann gives her seat up; Cara, waiting first, holds it now and sees so on her own page.
    ann_booking = Booking.objects.get(session=session, student=ann)
    pages["ann"].goto(url("student_bookings"))
    submit(post_form(pages["ann"], url("student_booking_cancel", booking_id=ann_booking.pk)))
    expect_message(pages["ann"], "cancelled")

    waiting.refresh_from_db()
    assert waiting.status == "confirmed"
    pages["cara"].reload()
    mine = pages["cara"].locator("main")
    expect(mine).to_contain_text(re.compile("confirmed", re.I))
    expect(mine).not_to_contain_text(WAITING_FIRST)
    session.refresh_from_db()
    assert session.seats_taken == 2


def test_a_full_session_without_a_waitlist_says_so_and_books_nothing(club, open_as, accessible):
    course, teacher, (ann, ben, _) = club
    session = world.session(course, teacher, seats=1, waitlist=False)
    first, second = open_as(ann), open_as(ben)
    # Both open the page while a seat is free; Ann books first, Ben's click comes too late.
    second.goto(url("student_book_session", session_id=session.pk))
    book_seat(first, session, accessible)
    submit(post_form(second, url("student_book_session", session_id=session.pk)))
    expect_message(second, "full|takes no bookings")
    accessible(second)
    assert not Booking.objects.filter(session=session, student=ben).exists()
    assert LiveClassSession.objects.get(pk=session.pk).seats_taken == 1


def test_a_seat_is_booked_with_the_keyboard_alone(club, open_as):
    course, teacher, (ann, _, _) = club
    session = world.session(course, teacher)
    page = open_as(ann)
    page.goto(url("student_book_session", session_id=session.pk))
    tab_to(page, r"^\s*book")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect_message(page, "seat is booked")
    assert Booking.objects.get(session=session, student=ann).status == "confirmed"


def test_the_student_cancels_and_the_seat_is_free_again(club, open_as, accessible):
    course, teacher, (ann, ben, _) = club
    session = world.session(course, teacher, seats=1, waitlist=False)
    page = open_as(ann)
    book_seat(page, session, accessible)
    booking = Booking.objects.get(session=session, student=ann)
    page.goto(url("student_booking_cancel", booking_id=booking.pk))
    accessible(page)
    submit(post_form(page, url("student_booking_cancel", booking_id=booking.pk)))
    assert LiveClassSession.objects.get(pk=session.pk).seats_taken == 0

    other = open_as(ben)
    book_seat(other, session, accessible)
    expect_message(other, "seat is booked")


def test_a_waiting_student_leaves_the_line_and_the_next_one_moves_up(club, open_as, accessible):
    course, teacher, (ann, ben, cara) = club
    session = world.session(course, teacher, seats=1, waitlist=True)
    for student in (ann, ben, cara):
        book_group_session(session, student)
    page = open_as(ben)
    page.goto(url("student_bookings"))
    expect(page.locator("main")).to_contain_text(WAITING_FIRST)
    mine = Booking.objects.get(session=session, student=ben)
    submit(post_form(page, url("student_leave_waitlist", booking_id=mine.pk)))
    expect_message(page, "left the waitlist")
    accessible(page)

    assert Booking.objects.get(pk=mine.pk).status == "cancelled"
    behind = open_as(cara)
    behind.goto(url("student_bookings"))
    expect(behind.locator("main")).to_contain_text(WAITING_FIRST)
    assert Booking.objects.get(session=session, student=cara).waitlist_position == 1


def test_booking_again_from_a_second_tab_is_refused(club, open_as, accessible):
    course, teacher, (ann, _, _) = club
    session = world.session(course, teacher, seats=5)
    first = open_as(ann)
    second = first.context.new_page()  # the same person, the same page open twice
    second.goto(url("student_book_session", session_id=session.pk))
    book_seat(first, session, accessible)
    submit(post_form(second, url("student_book_session", session_id=session.pk)))
    expect_message(second, "already booked")
    accessible(second)
    assert Booking.objects.filter(session=session, student=ann).count() == 1
    assert LiveClassSession.objects.get(pk=session.pk).seats_taken == 1
