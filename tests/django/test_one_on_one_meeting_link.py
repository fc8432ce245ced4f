"""Setting a 1:1 booking's meeting link by hand: set_one_on_one_meeting_link."""

from __future__ import annotations

from datetime import time

import pytest

from fluentory_bookings.contrib.django.models import OneOnOneBooking
from fluentory_bookings.contrib.django.services import (
    cancel_one_on_one,
    request_one_on_one,
    set_availability,
    set_one_on_one_meeting_link,
)
from fluentory_bookings.core.errors import InvalidMeetingLink, InvalidTransition, NotPermitted
from tests.django.when import at, day


@pytest.fixture
def lesson(make_course, teacher, student):
    course = make_course("one_on_one", teacher=teacher, students=[student])
    av = set_availability(
        teacher,
        course=course,
        timezone="UTC",
        kind="one_time",
        start_date=day(3),
        start_time=time(9),
        end_time=time(12),
    )
    return request_one_on_one(av, student, at(day(3), 9))[0]


def rows():
    return list(OneOnOneBooking.objects.order_by("pk").values())


def test_the_teacher_sets_changes_and_clears_the_link(lesson, teacher, sent):
    with sent() as got:
        done = set_one_on_one_meeting_link(lesson, " https://meet.example.com/a ", teacher)
    assert done.meeting_link == "https://meet.example.com/a"
    assert OneOnOneBooking.objects.get(pk=lesson.pk).meeting_link == "https://meet.example.com/a"
    assert lesson.meeting_link == "https://meet.example.com/a"  # the caller's copy follows
    assert got == [("one_on_one_meeting_link_changed", lesson.pk, teacher)]

    with sent() as got:
        set_one_on_one_meeting_link(lesson, "", teacher)
    assert OneOnOneBooking.objects.get(pk=lesson.pk).meeting_link == ""
    assert got == [("one_on_one_meeting_link_changed", lesson.pk, teacher)]


def test_the_signal_carries_the_previous_link(lesson, teacher, django_capture_on_commit_callbacks):
    from fluentory_bookings.contrib.django import signals

    seen = []

    def receiver(sender, booking, by, previous, **kwargs):
        seen.append((previous, booking.meeting_link))

    signals.one_on_one_meeting_link_changed.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            set_one_on_one_meeting_link(lesson, "https://meet.example.com/a", teacher)
        with django_capture_on_commit_callbacks(execute=True):
            set_one_on_one_meeting_link(lesson, "https://meet.example.com/b", teacher)
    finally:
        signals.one_on_one_meeting_link_changed.disconnect(receiver)
    assert seen == [
        ("", "https://meet.example.com/a"),
        ("https://meet.example.com/a", "https://meet.example.com/b"),
    ]


def test_the_same_link_again_changes_nothing_and_sends_nothing(lesson, teacher, sent):
    set_one_on_one_meeting_link(lesson, "https://meet.example.com/a", teacher)
    before = rows()
    with sent() as got:
        set_one_on_one_meeting_link(lesson, "https://meet.example.com/a", teacher)
    assert got == []
    assert rows() == before


def test_staff_may_set_it(lesson, staff):
    set_one_on_one_meeting_link(lesson, "https://meet.example.com/s", staff)
    assert OneOnOneBooking.objects.get(pk=lesson.pk).meeting_link == "https://meet.example.com/s"


@pytest.mark.parametrize("who", ["student", "stranger"])
def test_the_student_and_strangers_may_not(lesson, student, make_user, who, sent):
    by = student if who == "student" else make_user()
    before = rows()
    with sent() as got, pytest.raises(NotPermitted):
        set_one_on_one_meeting_link(lesson, "https://meet.example.com/x", by)
    assert rows() == before
    assert got == []


@pytest.mark.parametrize(
    "link",
    [
        "http://meet.example.com/a",
        "javascript:alert(1)",
        "meet.example.com/a",
        "https://",
        "https://meet.example.com/" + "a" * 500,
        None,
        42,
    ],
)
def test_a_bad_link_is_refused_and_nothing_changes(lesson, teacher, link):
    before = rows()
    with pytest.raises(InvalidMeetingLink) as exc:
        set_one_on_one_meeting_link(lesson, link, teacher)
    assert exc.value.field == "meeting_link"
    assert rows() == before


def test_a_cancelled_lesson_gets_no_link(lesson, teacher, student):
    cancel_one_on_one(lesson, student)
    before = rows()
    with pytest.raises(InvalidTransition):
        set_one_on_one_meeting_link(lesson, "https://meet.example.com/a", teacher)
    assert rows() == before
