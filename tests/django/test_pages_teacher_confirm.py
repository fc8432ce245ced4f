"""Issue 18, items 2, 9 and 10: a teacher's destructive action is a confirmation page first (GET
says what will happen and to whom, and writes nothing), then a POST with an optional reason
that reaches the students' e-mails; strangers get a 404 and nothing is written; and what
happened meanwhile is said in plain words."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from fluentory_bookings.contrib.django.models import (
    Booking,
    LiveClassSession,
    OneOnOneBooking,
    TeacherAvailability,
)
from fluentory_bookings.contrib.django.services import (
    approve_one_on_one,
    book_group_session,
    cancel_group_booking,
    cancel_one_on_one,
    cancel_session,
    create_session,
    decline_one_on_one,
    request_one_on_one,
    set_availability,
)
from fluentory_bookings.core.errors import LimitExceeded
from tests.django.notify_helpers import parts, to
from tests.django.when import at, day

pytestmark = pytest.mark.django_db

REASON = "I am ill & cannot teach <today>"


def url(name, *args):
    return reverse(f"fluentory_bookings:{name}", args=args)


def snapshot():
    return [
        list(m.objects.order_by("pk").values())
        for m in (LiveClassSession, Booking, OneOnOneBooking, TeacherAvailability)
    ]


def texts(response):
    return [str(m) for m in response.context["messages"]] if response.context else []


@pytest.fixture
def teacher(make_user):
    return make_user("teacher", email="teacher@example.com", first_name="Tess", last_name="Ng")


@pytest.fixture
def student(make_user):
    return make_user("ben", email="ben@example.com", first_name="Ben", last_name="Ode")


@pytest.fixture
def others(make_user):
    return [make_user(f"s{i}", email=f"s{i}@example.com") for i in range(3)]


@pytest.fixture
def session(make_course, teacher, student, others, soon):
    course = make_course("group_session", teacher=teacher, students=[student, *others])
    return create_session(
        course=course,
        teacher=teacher,
        title="Conversation",
        starts_at=soon,
        ends_at=soon + timedelta(hours=1),
        total_seats=2,
        enable_waitlist=True,
    )


@pytest.fixture
def full(session, student, others):
    """Two seats taken (ben, s0) and two waiting (s1, s2)."""
    return [book_group_session(session, u) for u in (student, *others)]


@pytest.fixture
def lessons_course(make_course, teacher, student):
    return make_course("one_on_one", teacher=teacher, students=[student], approval=True)


@pytest.fixture
def lesson(teacher, student, lessons_course):
    window = set_availability(
        teacher,
        course=lessons_course,
        timezone="UTC",
        kind="one_time",
        start_date=day(3),
        start_time=time(9),
        end_time=time(12),
    )
    return request_one_on_one(window, student, at(day(3), 9))[0]


@pytest.fixture
def series(teacher, student, lessons_course):
    first = day(7)
    weekly = set_availability(
        teacher,
        course=lessons_course,
        timezone="UTC",
        kind="weekly",
        start_date=first,
        weekdays=[first.weekday()],
        start_time=time(9),
        end_time=time(10),
    )
    booked = request_one_on_one(weekly, student, at(first, 9), weeks=3)
    for b in booked:
        approve_one_on_one(b, teacher)
    return booked


@pytest.fixture
def as_teacher(client, teacher):
    client.force_login(teacher)
    return client


@pytest.fixture
def stranger(make_user, make_course):
    other = make_user("stranger")
    make_course("group_session", teacher=other)
    browser = Client()
    browser.force_login(other)
    return browser


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """Run a request and send what it queued for after the commit."""

    def call(fn, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return fn(*args, **kwargs)

    return call


# --- the session ------------------------------------------------------------------------------


def test_cancelling_a_session_asks_first_and_says_whom_it_tells(as_teacher, session, full):
    before = snapshot()
    response = as_teacher.get(url("teacher_session_cancel", session.pk))
    assert response.status_code == 200
    html = response.content.decode()
    assert "2 booked students and 2 waiting will be told." in html
    assert "Ben Ode" in html
    assert "s2" in html
    assert 'name="reason"' in html
    assert "csrfmiddlewaretoken" in html
    assert snapshot() == before


def test_the_reason_reaches_every_student_s_mail(
    as_teacher, commit, mailoutbox, session, full, student, others
):
    response = commit(
        as_teacher.post, url("teacher_session_cancel", session.pk), {"reason": REASON}
    )
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.status == "cancelled"
    for person in (student, *others):
        [message] = to(mailoutbox, person)
        text, html = parts(message)
        assert f"Reason: {REASON}" in text
        assert "Reason: I am ill &amp; cannot teach &lt;today&gt;" in html


def test_without_a_reason_the_mail_has_no_reason_line(
    as_teacher, commit, mailoutbox, session, full, student
):
    commit(as_teacher.post, url("teacher_session_cancel", session.pk))
    [message] = to(mailoutbox, student)
    assert "Reason" not in parts(message)[0]


def test_a_too_long_reason_writes_nothing(as_teacher, session, full):
    before = snapshot()
    response = as_teacher.post(url("teacher_session_cancel", session.pk), {"reason": "x" * 1001})
    assert response.status_code == 400
    assert snapshot() == before
    with pytest.raises(LimitExceeded):
        cancel_session(session, session.teacher, "x" * 1001)
    assert snapshot() == before


def test_a_session_cancelled_meanwhile_says_so(as_teacher, session, full, teacher):
    page = as_teacher.get(url("teacher_session_cancel", session.pk))  # the page is open...
    assert page.status_code == 200
    cancel_session(session, teacher)  # ...while a co-teacher cancels it
    response = as_teacher.post(url("teacher_session_cancel", session.pk), follow=True)
    assert texts(response) == ["This session was cancelled."]
    again = as_teacher.get(url("teacher_session_cancel", session.pk)).content.decode()
    assert "This session was cancelled." in again
    assert 'name="reason"' not in again
    seat = full[0]
    response = as_teacher.post(url("teacher_booking_cancel", seat.pk), follow=True)
    assert texts(response) == ["This session was cancelled."]


# --- a seat and a waitlist place --------------------------------------------------------------


def test_cancelling_a_seat_asks_first_then_tells_the_student_why(
    as_teacher, commit, mailoutbox, session, full, student
):
    seat = full[0]
    before = snapshot()
    html = as_teacher.get(url("teacher_booking_cancel", seat.pk)).content.decode()
    assert "Cancel Ben Ode\u2019s seat" in html
    assert "the seat goes to the first on the waitlist" in html
    assert snapshot() == before
    response = commit(as_teacher.post, url("teacher_booking_cancel", seat.pk), {"reason": REASON})
    assert response["Location"] == url("teacher_session_bookings", session.pk)
    seat.refresh_from_db()
    assert seat.status == "cancelled"
    [message] = to(mailoutbox, student)
    assert f"Reason: {REASON}" in parts(message)[0]


def test_removing_from_the_waitlist_asks_first(as_teacher, session, full):
    place = full[3]
    html = as_teacher.get(url("teacher_booking_cancel", place.pk)).content.decode()
    assert "Remove s2 from the waitlist" in html
    assert "place 2" in html


def test_the_roster_links_to_the_confirmation_and_shows_full_names(as_teacher, session, full):
    html = as_teacher.get(url("teacher_session_bookings", session.pk)).content.decode()
    assert f'href="{url("teacher_booking_cancel", full[0].pk)}"' in html
    assert "Cancel Ben Ode\u2019s seat" in html
    assert f'action="{url("teacher_booking_cancel", full[0].pk)}"' not in html


# --- 1:1 lessons ------------------------------------------------------------------------------


def test_declining_asks_first_and_tells_the_student_why(
    as_teacher, commit, mailoutbox, lesson, student
):
    before = snapshot()
    response = as_teacher.get(url("teacher_one_on_one_decline", lesson.pk))
    assert response.status_code == 200
    assert "Decline Ben Ode" in response.content.decode()
    assert snapshot() == before
    commit(as_teacher.post, url("teacher_one_on_one_decline", lesson.pk), {"reason": REASON})
    lesson.refresh_from_db()
    assert (lesson.status, lesson.decision_reason) == ("declined", REASON)
    [message] = to(mailoutbox, student)
    assert f"Reason: {REASON}" in parts(message)[0]


def test_a_withdrawn_request_says_the_student_withdrew_it(as_teacher, lesson, student):
    cancel_one_on_one(lesson, student)
    html = as_teacher.get(url("teacher_one_on_one_decline", lesson.pk)).content.decode()
    assert "The student withdrew this request." in html
    for name in ("teacher_one_on_one_decline", "teacher_one_on_one_approve"):
        response = as_teacher.post(url(name, lesson.pk), follow=True)
        assert texts(response) == ["The student withdrew this request."], name


def test_an_answered_request_says_how_it_was_answered(as_teacher, lesson, teacher):
    decline_one_on_one(lesson, teacher)
    response = as_teacher.post(url("teacher_one_on_one_approve", lesson.pk), follow=True)
    assert texts(response) == ["This request was already declined."]


def test_cancelling_a_lesson_asks_first_and_tells_the_student_why(
    as_teacher, commit, mailoutbox, lesson, teacher, student
):
    approve_one_on_one(lesson, teacher)
    before = snapshot()
    html = as_teacher.get(url("teacher_one_on_one_cancel", lesson.pk)).content.decode()
    assert "Cancel the lesson with Ben Ode" in html
    assert snapshot() == before
    commit(as_teacher.post, url("teacher_one_on_one_cancel", lesson.pk), {"reason": REASON})
    lesson.refresh_from_db()
    assert lesson.status == "cancelled"
    [message] = to(mailoutbox, student)
    text, html = parts(message)
    assert f"Reason: {REASON}" in text
    assert "I am ill &amp; cannot teach" in html


def test_this_and_the_following_lists_the_lessons_that_go(
    as_teacher, commit, mailoutbox, series, student
):
    page = as_teacher.get(url("teacher_one_on_one_cancel", series[1].pk) + "?scope=following")
    form = page.context["form"]
    assert form["scope"].value() == "following"
    assert [b.pk for b in page.context["following"]] == [series[2].pk]
    commit(
        as_teacher.post,
        url("teacher_one_on_one_cancel", series[1].pk),
        {"scope": "following", "reason": REASON},
    )
    statuses = [OneOnOneBooking.objects.get(pk=b.pk).status for b in series]
    assert statuses == ["confirmed", "cancelled", "cancelled"]
    [message] = to(mailoutbox, student)  # one e-mail for the lessons cancelled together
    assert f"Reason: {REASON}" in parts(message)[0]


def test_the_lessons_list_links_to_the_confirmations_with_full_names(as_teacher, series, lesson):
    html = as_teacher.get(url("teacher_one_on_one_bookings")).content.decode()
    assert "Approve Ben Ode" in html
    assert "Decline Ben Ode" in html
    assert f'href="{url("teacher_one_on_one_cancel", series[0].pk)}?scope=following"' in html
    assert f'action="{url("teacher_one_on_one_cancel", series[0].pk)}"' not in html


# --- strangers and forged requests ------------------------------------------------------------


def confirm_pages(session, seat, lesson):
    return [
        url("teacher_session_cancel", session.pk),
        url("teacher_booking_cancel", seat.pk),
        url("teacher_one_on_one_decline", lesson.pk),
        url("teacher_one_on_one_cancel", lesson.pk),
    ]


def test_strangers_get_404_and_nothing_is_written(stranger, client, session, full, lesson, student):
    before = snapshot()
    for path in confirm_pages(session, full[0], lesson):
        assert stranger.get(path).status_code == 404, path
        assert stranger.post(path, {"reason": "x"}).status_code == 404, path
    client.force_login(student)
    for path in confirm_pages(session, full[0], lesson):
        assert client.get(path).status_code == 404, path
        assert client.post(path, {"reason": "x"}).status_code == 404, path
    assert snapshot() == before


def test_the_confirmation_posts_need_the_csrf_token(teacher, session, full, lesson):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(teacher)
    before = snapshot()
    for path in confirm_pages(session, full[0], lesson):
        assert strict.get(path).status_code == 200, path
        assert strict.post(path, {"reason": "x"}).status_code == 403, path
    assert snapshot() == before


def test_a_service_refuses_a_too_long_reason(session, full, lesson, teacher):
    before = snapshot()
    for call in (
        lambda: cancel_group_booking(full[0], teacher, "x" * 1001),
        lambda: cancel_one_on_one(lesson, teacher, reason="x" * 1001),
        lambda: decline_one_on_one(lesson, teacher, "x" * 1001),
    ):
        with pytest.raises(LimitExceeded) as refused:
            call()
        assert refused.value.field == "reason"
    assert snapshot() == before


# --- item 11: the availability page -------------------------------------------------------------


def test_the_availability_summary_names_its_weekdays_and_the_form_groups_weekly_fields(
    as_teacher, teacher, lessons_course
):
    set_availability(
        teacher,
        course=lessons_course,
        timezone="UTC",
        kind="weekly",
        start_date=day(7),
        weekdays=[2, 0],
        start_time=time(9),
        end_time=time(10),
    )
    html = as_teacher.get(url("teacher_availability")).content.decode()
    assert "Weekly (Monday, Wednesday)" in html
    weekly = html[html.index("<legend>Weekly only</legend>") :]
    weekly = weekly[: weekly.index("<legend>Lessons</legend>")]
    for name in ("weekdays", "end_date", "excluded_dates"):
        assert f'name="{name}"' in weekly, name
    assert 'name="start_time"' not in weekly
    with override_settings(LANGUAGE_CODE="de"):
        german = as_teacher.get(url("teacher_availability"), HTTP_ACCEPT_LANGUAGE="de")
    assert "Montag, Mittwoch" in german.content.decode()
