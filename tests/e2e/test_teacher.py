"""The teacher's side in a browser of their own, with students in theirs: scheduling a session
with its seats, publishing availability, taking a seat back (the waitlist moves up), attendance,
and a 1:1 meeting link set by hand that the student then sees."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from fluentory_bookings.contrib.django.models import (
    Booking,
    LiveClassSession,
    OneOnOneBooking,
    TeacherAvailability,
)
from fluentory_bookings.contrib.django.services import book_group_session, request_one_on_one
from tests.e2e import world
from tests.e2e.pages import expect_message, post_form, submit
from tests.e2e.world import url

pytestmark = pytest.mark.django_db(transaction=True)

SEATS = re.compile(r"^Seats")


@pytest.fixture
def tess(make_user):
    return make_user("tess", first_name="Tess", last_name="Teacher")


def test_the_teacher_schedules_a_session_with_its_seats_and_a_student_books_it(
    tess, make_user, make_course, enroll, open_as, accessible
):
    course = make_course("group_session", teacher=tess)
    ann = make_user("ann")
    enroll(course, ann)
    day = world.tomorrow_at(18).date()

    desk = open_as(tess, timezone_id="Europe/Berlin")
    desk.goto(url("teacher_schedule"))
    desk.reload()  # now in the browser's zone
    accessible(desk)
    form = desk.locator(f"form[action='{url('teacher_session_create')}']")
    form.get_by_label("Course").select_option(str(course.pk))
    form.get_by_label("Title").fill("Evening conversation")
    form.get_by_label("Date").fill(day.isoformat())
    form.get_by_label("Start time").fill("18:00")
    form.get_by_label("Length (minutes)").fill("90")
    form.get_by_label("Time zone").select_option("Europe/Berlin")
    form.get_by_label(SEATS).fill("3")
    form.get_by_label("Waitlist when full").check()
    submit(form)
    expect_message(desk, "scheduled")

    session = LiveClassSession.objects.get(course=course)
    assert (session.total_seats, session.enable_waitlist) == (3, True)
    assert session.starts_at == world.tomorrow_at(18)
    assert session.ends_at - session.starts_at == timedelta(minutes=90)
    expect(desk.locator("main")).to_contain_text("0 of 3 taken")

    student = open_as(ann)
    student.goto(url("student_sessions", course_id=course.pk))
    accessible(student)
    student.locator(f"a[href='{url('student_book_session', session_id=session.pk)}']").click()
    submit(post_form(student, url("student_book_session", session_id=session.pk)))
    expect_message(student, "seat is booked")

    desk.reload()
    expect(desk.locator("main")).to_contain_text("1 of 3 taken")


def test_bad_session_input_names_the_field_and_writes_nothing(
    tess, make_course, open_as, accessible
):
    course = make_course("group_session", teacher=tess)
    desk = open_as(tess)
    desk.goto(url("teacher_schedule"))
    form = desk.locator(f"form[action='{url('teacher_session_create')}']")
    form.get_by_label("Course").select_option(str(course.pk))
    form.get_by_label("Title").fill("No seats")
    form.get_by_label("Date").fill(world.tomorrow_at(9).date().isoformat())
    form.get_by_label("Start time").fill("09:00")
    form.get_by_label(SEATS).fill("0")
    submit(form)
    seats = desk.get_by_label(SEATS)
    expect(seats).to_have_attribute("aria-invalid", "true")
    accessible(desk)
    assert not LiveClassSession.objects.exists()


def test_the_teacher_publishes_availability_and_the_student_sees_its_slots(
    tess, make_user, make_course, enroll, open_as, accessible
):
    course = make_course("one_on_one", teacher=tess)
    ann = make_user("ann")
    enroll(course, ann)
    day = world.tomorrow_at(9).date()

    desk = open_as(tess)
    desk.goto(url("teacher_availability"))
    accessible(desk)
    form = desk.locator("main form[method='post' i]").last
    form.get_by_label("Kind").select_option("one_time")
    form.get_by_label("Course").select_option(str(course.pk))
    form.get_by_label("Time zone").select_option("Europe/Berlin")
    form.get_by_label("Date (one time) or first day (weekly)").fill(day.isoformat())
    form.get_by_label("From").fill("09:00")
    form.get_by_label("Until").fill("11:00")
    form.get_by_label("Lesson length (minutes)").fill("30")
    submit(form)
    expect_message(desk, "availability was saved")

    availability = TeacherAvailability.objects.get(teacher=tess)
    assert (availability.slot_minutes, str(availability.timezone)) == (30, "Europe/Berlin")

    student = open_as(ann)
    student.goto(f"{url('student_book_one_on_one', course_id=course.pk)}?week={day}")
    offered = student.locator(
        f"main a[href^='{url('student_book_one_on_one_submit', availability_id=availability.pk)}']"
    )
    expect(offered).to_have_count(4)  # 09:00-11:00 Berlin in 30-minute lessons


def test_the_teacher_takes_a_seat_back_and_the_first_waiting_student_gets_it(
    tess, make_user, make_course, enroll, open_as, accessible
):
    course = make_course("group_session", teacher=tess)
    ann, ben = make_user("ann"), make_user("ben")
    enroll(course, ann, ben)
    session = world.session(course, tess, seats=1, waitlist=True)
    seat = book_group_session(session, ann)
    waiting = book_group_session(session, ben)

    desk = open_as(tess)
    desk.goto(url("teacher_session_bookings", session_id=session.pk))
    expect(desk.locator("main")).to_contain_text(re.compile(r"ben\s*\(place 1\)"))
    submit(post_form(desk, url("teacher_booking_cancel", booking_id=seat.pk)))
    expect_message(desk, "booking was cancelled")
    accessible(desk)

    waiting.refresh_from_db()
    assert waiting.status == "confirmed"
    student = open_as(ben)
    student.goto(url("student_bookings"))
    expect(student.locator("main")).to_contain_text(re.compile("confirmed", re.I))


def test_attendance_is_marked_once_the_session_has_started(
    tess, make_user, make_course, enroll, open_as, accessible, clock
):
    course = make_course("group_session", teacher=tess)
    ann = make_user("ann")
    enroll(course, ann)
    session = world.session(course, tess)
    seat = book_group_session(session, ann)
    clock(session.starts_at + timedelta(minutes=5))

    desk = open_as(tess)
    desk.goto(url("teacher_session_bookings", session_id=session.pk))
    accessible(desk)
    submit(post_form(desk, url("teacher_mark_attendance", booking_id=seat.pk)))
    expect_message(desk, "attendance recorded")
    assert Booking.objects.get(pk=seat.pk).status == "attended"


def test_a_meeting_link_set_by_hand_reaches_the_student(
    tess, make_user, make_course, enroll, open_as, accessible
):
    course = make_course("one_on_one", teacher=tess)
    ann = make_user("ann")
    enroll(course, ann)
    availability = world.one_time_window(tess, course, world.tomorrow_at(9).date(), 9, 10)
    (lesson,) = request_one_on_one(availability, ann, world.tomorrow_at(9))
    link = "https://meet.example.com/ann-and-tess"

    desk = open_as(tess)
    desk.goto(url("teacher_one_on_one_meeting_link", booking_id=lesson.pk))
    accessible(desk)
    desk.get_by_label("Meeting link").fill("javascript:alert(1)")
    submit(post_form(desk, url("teacher_one_on_one_meeting_link", booking_id=lesson.pk)))
    expect(desk.get_by_label("Meeting link")).to_have_attribute("aria-invalid", "true")
    assert OneOnOneBooking.objects.get(pk=lesson.pk).meeting_link != "javascript:alert(1)"

    desk.get_by_label("Meeting link").fill(link)
    submit(post_form(desk, url("teacher_one_on_one_meeting_link", booking_id=lesson.pk)))
    expect_message(desk, "meeting link was saved")

    student = open_as(ann)
    student.goto(url("student_bookings"))
    expect(student.locator(f"main a[href='{link}']")).to_have_count(1)
