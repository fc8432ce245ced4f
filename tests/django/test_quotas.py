"""Quotas and bounded pages (issue 17, items 2, 4 and 11) through the pages and the services,
and the two quotas under real concurrent requests."""

from __future__ import annotations

from datetime import time
from typing import Any

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse

from fluentory_bookings.contrib.django.models import OneOnOneBooking, TeacherAvailability
from fluentory_bookings.contrib.django.services import (
    open_slots_of,
    request_one_on_one,
    set_availability,
)
from fluentory_bookings.contrib.django.views.student import PICKER_PAGE
from fluentory_bookings.core.errors import BookingError, NotPermitted, PolicyViolation
from lms.adapter import LmsBookingAdapter
from tests.django.conftest import race
from tests.django.when import at, day


def url(name: str, *args: Any) -> str:
    return reverse(f"fluentory_bookings:{name}", args=args)


def rows() -> tuple[Any, ...]:
    return (
        sorted(TeacherAvailability.objects.values_list()),
        sorted(OneOnOneBooking.objects.values_list()),
    )


def weekly(teacher, course=None, *, start=time(9), end=time(12), minutes=60):
    return set_availability(
        teacher,
        course=course,
        timezone="UTC",
        kind="weekly",
        start_date=day(1),
        start_time=start,
        end_time=end,
        weekdays=range(7),
        slot_minutes=minutes,
    )


def form(course=None, **extra):
    data = {
        "kind": "weekly",
        "course": "" if course is None else course.pk,
        "timezone": "UTC",
        "start_date": day(7).isoformat(),
        "end_date": "",
        "start_time": "09:00",
        "end_time": "11:00",
        "weekdays": [str(day(7).weekday())],
        "excluded_dates": "",
        "slot_minutes": "30",
        "buffer_before_minutes": "0",
        "buffer_after_minutes": "0",
        "is_active": "on",
    }
    return {**data, **extra}


# --- who may publish without a course ----------------------------------------------------------


def test_the_page_refuses_a_user_who_teaches_nothing_and_writes_nothing(client, make_user):
    client.force_login(make_user("nobody"))
    before = rows()
    response = client.post(url("teacher_availability"), form())
    assert response.status_code == 400
    assert response.context["form"].errors
    assert "None of your courses takes 1:1 lessons" in response.content.decode()
    assert rows() == before


def test_the_service_refuses_them_with_a_typed_error(make_user):
    with pytest.raises(NotPermitted):
        weekly(make_user("nobody"))
    assert rows() == ([], [])


class OpenDoorAdapter(LmsBookingAdapter):
    """A host where anyone may offer lessons open to every course."""

    def can_offer_one_on_one(self, user):
        return True


@override_settings(FLUENTORY_BOOKINGS_ADAPTER="tests.django.test_quotas.OpenDoorAdapter")
def test_the_adapter_decides(make_user):
    assert weekly(make_user("freelancer")).course_id is None


# --- the shortest lesson -----------------------------------------------------------------------


def test_the_page_says_how_short_a_lesson_may_be_and_writes_nothing(client, teacher, make_course):
    course = make_course("one_on_one", teacher=teacher)
    client.force_login(teacher)
    before = rows()
    response = client.post(url("teacher_availability"), form(course, slot_minutes="5"))
    assert response.status_code == 400
    assert response.context["form"].errors["slot_minutes"] == [
        "A lesson lasts at least 15 minutes."
    ]
    assert rows() == before


# --- the student's picker is paged -------------------------------------------------------------


@override_settings(FLUENTORY_BOOKINGS_MIN_SLOT_MINUTES=1)
def test_the_picker_shows_a_page_and_the_pages_cover_the_week_once(
    client, make_user, make_course, student
):
    """Two teachers with 1-minute slots all day (a host that allows them, or rows saved before
    the minimum): every page holds at most PICKER_PAGE links, and following "More times this
    week" walks every slot of the week exactly once, teachers at the same minute together."""
    one, two = make_user("one"), make_user("two")
    course = make_course("one_on_one", teacher=one, students=[student])
    from lms.models import CourseTeacher

    CourseTeacher.objects.create(course=course, teacher=two)
    weekly(one, course, start=time(9), end=time(13), minutes=1)
    weekly(two, course, start=time(10), end=time(14), minutes=1)
    client.force_login(student)
    first = client.get(url("student_book_one_on_one", course.pk), {"week": day(2).isoformat()})
    assert first.status_code == 200
    offered = list(TeacherAvailability.objects.order_by("pk"))
    found = open_slots_of(offered, start=at(day(2), 0), end=at(day(9), 0))
    expected = sorted(
        (s.start, av.teacher_id) for av, f in zip(offered, found, strict=True) for s in f
    )
    assert len(expected) > 3 * PICKER_PAGE
    seen: list[tuple[Any, int]] = []
    page, pages = first, 0
    while True:
        pages += 1
        shown = [
            (s["start"], s["availability"].teacher_id) for _, d in page.context["days"] for s in d
        ]
        assert 0 < len(shown) <= PICKER_PAGE
        assert len(page.content) < 200_000
        seen += shown
        more = page.context["more_after"]
        if not more:
            break
        assert "More times this week" in page.content.decode()
        page = client.get(
            url("student_book_one_on_one", course.pk),
            {"week": day(2).isoformat(), "after": more},
        )
    assert seen == expected
    assert pages >= len(expected) / PICKER_PAGE


def test_a_short_week_has_one_page(client, student, make_course, teacher):
    course = make_course("one_on_one", teacher=teacher, students=[student])
    weekly(teacher, course)
    client.force_login(student)
    page = client.get(url("student_book_one_on_one", course.pk))
    assert page.context["more_after"] == ""
    assert "More times this week" not in page.content.decode()


# --- both quotas hold under concurrent requests ------------------------------------------------


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_never_pass_the_pending_limit(make_user, make_course, teacher):
    student = make_user("eager")
    course = make_course("one_on_one", teacher=teacher, students=[student], approval=True)
    rule = weekly(teacher, course, start=time(8), end=time(20))
    request_one_on_one(rule, student, at(day(3), 8))
    request_one_on_one(rule, student, at(day(3), 9))

    results = race(
        lambda hour: request_one_on_one(rule, student, at(day(3), hour)),
        [(h,) for h in range(10, 16)],
    )

    unexpected = [
        r for r in results if isinstance(r, BaseException) and not isinstance(r, BookingError)
    ]
    assert unexpected == []
    assert sum(not isinstance(r, BaseException) for r in results) == 1
    assert all(r.rule == "pending_limit" for r in results if isinstance(r, PolicyViolation)), (
        results
    )
    assert OneOnOneBooking.objects.filter(status="pending").count() == 3


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
@override_settings(FLUENTORY_BOOKINGS_MAX_AVAILABILITIES_PER_TEACHER=3)
def test_concurrent_publishing_never_passes_the_cap(make_course, teacher):
    course = make_course("one_on_one", teacher=teacher)
    weekly(teacher, course, start=time(6), end=time(7))
    weekly(teacher, course, start=time(7), end=time(8))

    results = race(
        lambda hour: weekly(teacher, course, start=time(hour), end=time(hour + 1)),
        [(h,) for h in range(9, 15)],
    )

    assert sum(not isinstance(r, BaseException) for r in results) == 1
    refusals = [r for r in results if isinstance(r, BaseException)]
    assert all(isinstance(r, PolicyViolation) for r in refusals), refusals
    assert all(r.rule == "availability_limit" for r in refusals)
    assert TeacherAvailability.objects.count() == 3


def test_the_settings_are_checked(settings, db):
    from django.core.management.base import SystemCheckError

    settings.FLUENTORY_BOOKINGS_MAX_PENDING_PER_TEACHER = 0
    with pytest.raises(SystemCheckError, match="MAX_PENDING_PER_TEACHER must be at least 1"):
        call_command("check")
    settings.FLUENTORY_BOOKINGS_MAX_PENDING_PER_TEACHER = None
    settings.FLUENTORY_BOOKINGS_MIN_SLOT_MINUTES = "15"
    with pytest.raises(SystemCheckError, match="MIN_SLOT_MINUTES must be a whole number"):
        call_command("check")
