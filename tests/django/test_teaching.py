"""Who teaches what, asked in one place (services/teaching.py) by every door and service.

A teacher's powers follow the LMS at the time of the request: every teacher of a course manages
its group sessions; a 1:1 lesson is its own teacher's, while they teach the course; a teacher the
LMS removed from a course keeps nothing, not even the sessions they created.
"""

from __future__ import annotations

import ast
import pathlib
from datetime import time, timedelta

import pytest
from django.urls import reverse

import fluentory_bookings.contrib.django as app
from fluentory_bookings.contrib.django import services
from fluentory_bookings.contrib.django.calendar.events import event_uid
from fluentory_bookings.contrib.django.calendar.tokens import issue_feed_token
from fluentory_bookings.contrib.django.models import Booking, LiveClassSession, OneOnOneBooking
from fluentory_bookings.contrib.django.services import teaching
from fluentory_bookings.core.errors import NotPermitted
from lms.models import CourseTeacher
from tests.django.feeds import feed_path, vevents
from tests.django.when import at, day


def url(name: str, *args: object) -> str:
    return reverse(f"fluentory_bookings:{name}", args=args)


@pytest.fixture
def world(make_course, make_user, teacher, student, soon):
    """A group course taught by ``teacher`` and ``co``, one session (``teacher``'s) with
    ``student`` booked; a 1:1 course of ``teacher`` with a pending request from ``student``."""
    co = make_user("co")
    course = make_course("group_session", teacher=teacher, students=[student])
    CourseTeacher.objects.create(course=course, teacher=co)
    session = services.create_session(
        course=course,
        teacher=teacher,
        title="Conversation",
        starts_at=soon,
        ends_at=soon + timedelta(hours=1),
        total_seats=3,
    )
    seat = services.book_group_session(session, student)
    lessons = make_course("one_on_one", teacher=teacher, students=[student], approval=True)
    CourseTeacher.objects.create(course=lessons, teacher=co)
    availability = services.set_availability(
        teacher,
        course=lessons,
        timezone="UTC",
        kind="weekly",
        start_date=day(1),
        start_time=time(8),
        end_time=time(12),
        weekdays=range(7),
    )
    [lesson] = services.request_one_on_one(availability, student, at(day(3), 9))
    return {
        "co": co,
        "course": course,
        "session": session,
        "seat": seat,
        "lessons": lessons,
        "lesson": lesson,
    }


def _remove(teacher, *courses) -> None:
    CourseTeacher.objects.filter(teacher=teacher, course__in=courses).delete()


def _teacher_pages(w) -> list[str]:
    return [
        url("teacher_session_bookings", w["session"].pk),
        url("teacher_session_edit", w["session"].pk),
        url("calendar_session_ics", w["session"].pk),
    ]


def test_every_teacher_of_the_course_manages_its_sessions(client, world, student):
    co = world["co"]
    client.force_login(co)
    for page in _teacher_pages(world):
        assert client.get(page).status_code == 200, page
    schedule = client.get(url("teacher_schedule"))
    assert world["session"] in schedule.context["sessions"]
    services.cancel_group_booking(world["seat"], co)
    assert Booking.objects.get(pk=world["seat"].pk).status == "cancelled"
    assert list(teaching.sessions_taught_by(co)) == [world["session"]]


def test_a_co_teacher_may_not_answer_another_teachers_lesson(client, world):
    co, lesson = world["co"], world["lesson"]
    client.force_login(co)
    response = client.post(url("teacher_one_on_one_approve", lesson.pk))
    assert response.status_code == 404
    assert client.get(url("calendar_lesson_ics", lesson.pk)).status_code == 404
    with pytest.raises(NotPermitted):
        services.approve_one_on_one(lesson, co)
    assert OneOnOneBooking.objects.get(pk=lesson.pk).status == "pending"


def test_a_removed_teacher_keeps_no_power_over_the_course(client, world, teacher):
    _remove(teacher, world["course"], world["lessons"])
    before = (
        list(LiveClassSession.objects.values_list()),
        list(Booking.objects.values_list()),
        list(OneOnOneBooking.objects.values_list()),
    )
    client.force_login(teacher)
    for page in _teacher_pages(world):
        assert client.get(page).status_code == 404, page
    lesson = world["lesson"]
    for name in ("teacher_one_on_one_approve", "teacher_one_on_one_decline"):
        assert client.post(url(name, lesson.pk)).status_code == 404, name
    assert client.post(url("teacher_session_cancel", world["session"].pk)).status_code == 404
    assert client.post(url("teacher_booking_cancel", world["seat"].pk)).status_code == 404
    assert client.get(url("calendar_lesson_ics", lesson.pk)).status_code == 404
    schedule = client.get(url("teacher_schedule"))
    assert list(schedule.context["sessions"]) == []
    assert list(client.get(url("teacher_one_on_one_bookings")).context["page"]) == []
    # The services refuse the same, whichever door calls them.
    refusals = [
        lambda: services.cancel_session(world["session"], teacher),
        lambda: services.update_session(
            world["session"], teacher, meeting_link="https://x.example/"
        ),
        lambda: services.cancel_group_booking(world["seat"], teacher),
        lambda: services.approve_one_on_one(lesson, teacher),
        lambda: services.decline_one_on_one(lesson, teacher, "no"),
    ]
    for refuse in refusals:
        with pytest.raises(NotPermitted):
            refuse()
    after = (
        list(LiveClassSession.objects.values_list()),
        list(Booking.objects.values_list()),
        list(OneOnOneBooking.objects.values_list()),
    )
    assert after == before


def test_the_teaching_feed_lists_what_the_pages_list(client, world, teacher):
    co = world["co"]
    uid = event_uid("session", world["session"].pk)
    token = issue_feed_token(co, "teacher")
    assert uid in vevents(client.get(feed_path(token)).content)
    mine = issue_feed_token(teacher, "teacher")
    assert uid in vevents(client.get(feed_path(mine)).content)
    _remove(teacher, world["course"], world["lessons"])
    events = vevents(client.get(feed_path(mine)).content)
    assert uid not in events
    assert not [u for u in events if str(world["lesson"].pk) in u]


def test_staff_keep_their_powers(world, staff):
    services.cancel_group_booking(world["seat"], staff)
    assert Booking.objects.get(pk=world["seat"].pk).status == "cancelled"


# --- one home -----------------------------------------------------------------------------------

_HOME = {"adapter.py", "services/teaching.py"}


def test_no_module_but_the_rule_asks_the_adapter_who_teaches():
    """A second copy of the rule (``is_teacher(`` or comparing ``teacher_id`` with the caller)
    outside services/teaching.py would let one door drift from the others."""
    root = pathlib.Path(app.__file__).parent
    offenders = []
    for path in root.rglob("*.py"):
        name = path.relative_to(root).as_posix()
        if name in _HOME or "/migrations/" in f"/{name}":
            continue
        for node in ast.walk(ast.parse(path.read_text(), name)):
            if isinstance(node, ast.Attribute) and node.attr in ("is_teacher", "actor_for"):
                offenders.append(f"{name}:{node.lineno} {node.attr}")
            if isinstance(node, ast.Compare):
                text = ast.unparse(node)
                if "teacher_id" in text and ("user" in text or "by." in text):
                    offenders.append(f"{name}:{node.lineno} {text}")
    assert offenders == []
