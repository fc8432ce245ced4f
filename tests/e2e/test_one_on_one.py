"""1:1 lessons as a student and a teacher live them, each in their own browser: a request, the
teacher's approval seen on both sides, a decline freeing the slot for someone else, a lesson
booked outright, a cancellation giving the slot back, and two students racing for one slot."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from fluentory_bookings.contrib.django.models import OneOnOneBooking
from tests.e2e import world
from tests.e2e.pages import expect_message, post_form, submit, tab_to
from tests.e2e.world import url

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def lessons(make_user, make_course, enroll):
    """A 1:1 course taught by Tess; a window tomorrow-but-one 10:00-12:00 Berlin (two slots)."""

    def build(*, approval: bool):
        teacher = make_user("tess", first_name="Tess", last_name="Teacher")
        course = make_course("one_on_one", teacher=teacher, approval=approval)
        students = [make_user(n) for n in ("ann", "bea")]
        enroll(course, *students)
        day = world.tomorrow_at(10).date()
        availability = world.one_time_window(teacher, course, day, 10, 12)
        return course, teacher, students, availability

    return build


def slot_links(page: Page, availability) -> list[str]:
    """The hrefs of the open slots the picker offers for ``availability``."""
    links = page.locator(
        f"main a[href^='{url('student_book_one_on_one_submit', availability_id=availability.pk)}']"
    )
    return [links.nth(i).get_attribute("href") or "" for i in range(links.count())]


def slot_picker(course, availability) -> str:
    """The picker's page for the week holding the window (it pages by week)."""
    return f"{url('student_book_one_on_one', course_id=course.pk)}?week={availability.start_date}"


def pick_first_slot(page: Page, course, availability, accessible) -> str:
    page.goto(slot_picker(course, availability))
    expect(page.locator("main")).to_contain_text("1:1 lesson")
    accessible(page)
    offered = slot_links(page, availability)
    assert offered, f"no open slot offered on {page.url}"
    page.goto(offered[0])
    accessible(page)
    return offered[0]


def request_lesson(page: Page, course, availability, accessible) -> None:
    pick_first_slot(page, course, availability, accessible)
    submit(page.locator("main form[method='post' i]").first)


def test_a_request_is_approved_and_both_sides_see_it(lessons, open_as, accessible):
    course, teacher, (ann, _), availability = lessons(approval=True)
    student = open_as(ann)
    student.goto(slot_picker(course, availability))
    pick_first_slot(student, course, availability, accessible)
    submit(student.locator("main form[method='post' i]").first)
    expect_message(student, "teacher will confirm")

    booking = OneOnOneBooking.objects.get(student=ann)
    assert booking.status == "pending"
    student.goto(url("student_bookings"))
    expect(student.locator("main")).to_contain_text(
        re.compile("pending|waiting for the teacher", re.I)
    )
    accessible(student)

    desk = open_as(teacher)
    desk.goto(url("teacher_one_on_one_bookings"))
    expect(desk.locator("main")).to_contain_text("ann")
    accessible(desk)
    submit(post_form(desk, url("teacher_one_on_one_approve", booking_id=booking.pk)))
    booking.refresh_from_db()
    assert booking.status == "confirmed"
    desk.goto(url("teacher_one_on_one_bookings"))
    expect(desk.locator("main")).to_contain_text(re.compile("confirmed", re.I))

    student.reload()
    mine = student.locator("main")
    expect(mine).to_contain_text(re.compile("confirmed", re.I))
    if booking.meeting_link:  # shown once confirmed
        expect(mine.locator(f"a[href='{booking.meeting_link}']")).to_have_count(1)


def test_a_decline_frees_the_slot_for_another_student(lessons, open_as, accessible):
    course, teacher, (ann, bea), availability = lessons(approval=True)
    first = open_as(ann)
    request_lesson(first, course, availability, accessible)
    booking = OneOnOneBooking.objects.get(student=ann)

    other = open_as(bea)
    other.goto(slot_picker(course, availability))
    taken = booking.starts_at
    assert len(slot_links(other, availability)) == 1  # Ann's pending request holds hers

    desk = open_as(teacher)
    desk.goto(url("teacher_one_on_one_bookings"))
    form = post_form(desk, url("teacher_one_on_one_decline", booking_id=booking.pk))
    form.get_by_label("Reason").fill("I am away that morning.")
    accessible(desk)
    submit(form)
    booking.refresh_from_db()
    assert (booking.status, booking.decision_reason) == ("declined", "I am away that morning.")

    first.goto(url("student_bookings"))
    expect(first.locator("main")).to_contain_text(re.compile("declined", re.I))

    other.reload()
    assert len(slot_links(other, availability)) == 2
    request_lesson(other, course, availability, accessible)
    won = OneOnOneBooking.objects.get(student=bea)
    assert (won.starts_at, won.status) == (taken, "pending")


def test_without_approval_the_lesson_is_booked_at_once_and_a_cancel_gives_the_slot_back(
    lessons, open_as, accessible
):
    course, _teacher, (ann, bea), availability = lessons(approval=False)
    page = open_as(ann)
    request_lesson(page, course, availability, accessible)
    expect_message(page, "lesson is booked")
    booking = OneOnOneBooking.objects.get(student=ann)
    assert booking.status == "confirmed"
    assert booking.ends_at - booking.starts_at == timedelta(hours=1)

    submit(post_form(page, url("student_booking_one_on_one_cancel", booking_id=booking.pk)))
    expect_message(page, "cancelled")
    booking.refresh_from_db()
    assert booking.status == "cancelled"

    other = open_as(bea)
    other.goto(slot_picker(course, availability))
    assert len(slot_links(other, availability)) == 2


def test_two_students_on_one_slot_get_one_booking(lessons, open_as, accessible):
    course, _teacher, (ann, bea), availability = lessons(approval=False)
    first, second = open_as(ann), open_as(bea)
    chosen = pick_first_slot(first, course, availability, accessible)
    second.goto(chosen)  # both look at the same free slot
    submit(first.locator("main form[method='post' i]").first)
    submit(second.locator("main form[method='post' i]").first)
    expect_message(second, "just booked|no longer available|teacher is busy")
    accessible(second)
    assert OneOnOneBooking.objects.filter(availability_slot=availability).count() == 1
    assert not OneOnOneBooking.objects.filter(student=bea).exists()


def test_a_lesson_is_booked_with_the_keyboard_alone(lessons, open_as):
    course, _teacher, (ann, _), availability = lessons(approval=False)
    page = open_as(ann)
    page.goto(slot_picker(course, availability))
    # Tab to the first open slot (a link), follow it with Enter, then Tab to the request button.
    tab_to(page, r"\d{1,2}[:.]\d{2}|\d{1,2}\s*[ap]\.?m")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    tab_to(page, r"^\s*(book|request)")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect_message(page, "lesson is booked")
    assert OneOnOneBooking.objects.get(student=ann).status == "confirmed"
