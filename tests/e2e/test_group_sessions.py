"""Group sessions as students and a teacher live them, each in their own browser: seats taken,
the session filling, the waitlist, and the promoted student seeing their seat."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from fluentory_bookings.contrib.django.models import Booking, LiveClassSession
from tests.e2e import world
from tests.e2e.pages import expect_message, post_form, submit, tab_to
from tests.e2e.world import url

pytestmark = pytest.mark.django_db(transaction=True)


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
    expect(pages["cara"].locator("main")).to_contain_text(re.compile("waitlist", re.I))
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
    expect(mine).not_to_contain_text(re.compile(r"waitlist(ed)?\s*(position|#|number)", re.I))
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
