"""A course's booking type decides which doors a student finds: the page says plainly which kind
the course takes and, where it forbids the kind asked for, why, with no form to submit."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from fluentory_bookings.contrib.django.models import Booking
from lms.models import Course
from tests.e2e import world
from tests.e2e.world import url

pytestmark = pytest.mark.django_db(transaction=True)


def no_booking_form(page) -> None:
    expect(page.locator("main form[method='post' i]")).to_have_count(0)


def test_a_group_course_shows_why_it_takes_no_1_1_lessons(
    make_user, make_course, enroll, open_as, accessible
):
    student = make_user("sam")
    course = make_course("group_session", teacher=make_user("tess"))
    enroll(course, student)
    page = open_as(student)
    page.goto(url("student_book_one_on_one", course_id=course.pk))
    main = page.locator("main")
    expect(main).to_contain_text("Group session")
    expect(main).to_contain_text(re.compile("not 1:1 lessons", re.I))
    no_booking_form(page)
    accessible(page)


def test_a_session_of_a_course_switched_to_1_1_cannot_be_booked(
    make_user, make_course, enroll, open_as, accessible
):
    student, teacher = make_user("sam"), make_user("tess")
    course = make_course("group_session", teacher=teacher)
    enroll(course, student)
    session = world.session(course, teacher)
    Course.objects.filter(pk=course.pk).update(booking_type="one_on_one")

    page = open_as(student)
    page.goto(url("student_book_session", session_id=session.pk))
    main = page.locator("main")
    expect(main).to_contain_text("1:1 lesson")
    expect(main).to_contain_text(re.compile("not group sessions", re.I))
    no_booking_form(page)
    accessible(page)
    # A POST sent anyway (an old tab, a crafted request) with a valid CSRF pair books nothing.
    secret = "x" * 32
    site = page.url.split("/bookings/")[0] + "/"
    page.context.add_cookies([{"name": "csrftoken", "value": secret, "url": site}])
    answer = page.request.post(
        url("student_book_session", session_id=session.pk),
        form={"csrfmiddlewaretoken": secret},
        max_redirects=0,
    )
    assert answer.status in (200, 302), answer.status  # past the CSRF check, refused by the view
    assert not Booking.objects.filter(session=session).exists()


def test_a_course_without_bookings_says_so(make_user, make_course, enroll, open_as, accessible):
    student = make_user("sam")
    course = make_course("none", teacher=make_user("tess"))
    enroll(course, student)
    page = open_as(student)
    page.goto(url("student_book_one_on_one", course_id=course.pk))
    expect(page.locator("main")).to_contain_text(re.compile("takes no bookings", re.I))
    no_booking_form(page)
    accessible(page)
