"""Every page of the app (and the example LMS's own) in the seeded demo, as its student and its
teacher see it: axe-core finds no serious or critical violation on any of them, and each main
page is photographed for the docs' tour (docs/tour.md; FLUENTORY_TOUR=1 refreshes the pictures)."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse
from playwright.sync_api import expect

from fluentory_bookings.contrib.django.models import (
    Booking,
    LiveClassSession,
    OneOnOneBooking,
    TeacherAvailability,
)
from lms.models import Course
from tests.e2e.axe import violations
from tests.e2e.pages import post_form, submit
from tests.e2e.world import url

pytestmark = pytest.mark.django_db(transaction=True)


def student_pages(ana) -> list[tuple[str, str]]:
    seat = Booking.objects.filter(student=ana, status="confirmed").order_by("pk").first()
    lesson = OneOnOneBooking.objects.filter(student=ana).order_by("pk").first()
    group = Course.objects.get(title="Spanish conversation club")
    one = Course.objects.get(title="Private German lessons")
    full = LiveClassSession.objects.get(title="Travel stories")
    return [
        ("home", reverse("home")),
        ("profile", reverse("profile")),
        ("student-bookings", url("student_bookings")),
        ("student-sessions", url("student_sessions", course_id=group.pk)),
        ("student-book-session", url("student_book_session", session_id=full.pk)),
        ("student-booking-cancel", url("student_booking_cancel", booking_id=seat.pk)),
        ("student-booking-reschedule", url("student_booking_reschedule", booking_id=seat.pk)),
        ("student-book-one-on-one", url("student_book_one_on_one", course_id=one.pk)),
        (
            "student-booking-one-on-one-cancel",
            url("student_booking_one_on_one_cancel", booking_id=lesson.pk),
        ),
        ("student-forbidden-booking-type", url("student_book_one_on_one", course_id=group.pk)),
    ]


def teacher_pages(tara) -> list[tuple[str, str]]:
    session = LiveClassSession.objects.get(title="Travel stories")
    availability = TeacherAvailability.objects.filter(teacher=tara).first()
    lesson = OneOnOneBooking.objects.filter(teacher=tara).order_by("pk").first()
    return [
        ("teacher-schedule", url("teacher_schedule")),
        ("teacher-session-edit", url("teacher_session_edit", session_id=session.pk)),
        ("teacher-session-bookings", url("teacher_session_bookings", session_id=session.pk)),
        ("teacher-availability", url("teacher_availability")),
        (
            "teacher-availability-edit",
            url("teacher_availability_edit", availability_id=availability.pk),
        ),
        ("teacher-one-on-one-bookings", url("teacher_one_on_one_bookings")),
        (
            "teacher-one-on-one-meeting-link",
            url("teacher_one_on_one_meeting_link", booking_id=lesson.pk),
        ),
    ]


def test_every_page_passes_axe_and_the_main_pages_are_photographed(open_as, tour):
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    users = get_user_model().objects
    ana, tara = users.get(username="ana"), users.get(username="tara")
    found: dict[str, list[dict[str, object]]] = {}

    def visit(page, name: str, path: str, *, photo: bool = True) -> None:
        answer = page.goto(path)
        assert answer is not None
        assert answer.ok, f"{name}: {path} answered {answer.status}"
        bad = violations(page)
        if bad:
            found[name] = bad
        if photo:
            tour(page, name)

    visit(open_as(None), "login", reverse("login"))
    student = open_as(ana)
    for name, path in student_pages(ana):
        visit(student, name, path)
    # The slot picker's first slot leads to the request form.
    student.goto(
        url(
            "student_book_one_on_one",
            course_id=Course.objects.get(title="Private German lessons").pk,
        )
    )
    first_slot = student.locator("main a[href*='/book/?']").first.get_attribute("href")
    assert first_slot, "the demo's German lessons offer no open slot this week"
    visit(student, "student-book-one-on-one-submit", first_slot)

    # The calendar link: the box before, the link shown once, the box after.
    student.goto(url("student_bookings"))
    box = student.locator("section.fb-feed")
    expect(box.get_by_role("button", name="Create a calendar link")).to_be_visible()
    tour(student, "calendar-link-box", box)
    submit(post_form(student, url("calendar_feed_create", kind="student")))
    expect(student.get_by_role("heading", level=1)).to_have_text("Your calendar link")
    if bad := violations(student):
        found["calendar-link-created"] = bad
    tour(student, "calendar-link-created", student.locator("main"))
    student.goto(url("student_bookings"))
    expect(box.get_by_role("button", name="Revoke the calendar link")).to_be_visible()
    tour(student, "calendar-link-box-made", box)

    visit(student, "logout", reverse("logout"), photo=False)  # last: its button signs out

    teacher = open_as(tara)
    for name, path in teacher_pages(tara):
        visit(teacher, name, path)

    assert not found, "\n".join(
        f"{name}: {v['impact']} {v['id']} ({v['help']})" for name, bad in found.items() for v in bad
    )
