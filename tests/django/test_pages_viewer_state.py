"""The student pages know the viewer's own bookings (issue 18, student side): the lists and the
booking page show the viewer's seat or waitlist place with the actions that apply, the move
picker offers only sessions a move can succeed to, a 1:1 time taken meanwhile sends the student
back to fresh slots, the confirm page says before submitting that the teacher must approve, and
people are named by their names."""

from __future__ import annotations

from datetime import time, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from fluentory_bookings.contrib.django import human
from fluentory_bookings.contrib.django.models import LiveClassSession, OneOnOneBooking
from fluentory_bookings.contrib.django.services import (
    book_group_session,
    create_session,
    open_slots_for,
    request_one_on_one,
    set_availability,
)
from fluentory_bookings.core.errors import InvalidInput, SlotReason, SlotUnavailable
from tests.django.test_pages_student import messages_of, snapshot, texts
from tests.django.when import at, day

pytestmark = pytest.mark.django_db


def url(name: str, *args: Any) -> str:
    return reverse(f"fluentory_bookings:{name}", args=args)


@pytest.fixture
def tess(make_user):
    return make_user("tess", first_name="Tess", last_name="Teacher")


@pytest.fixture
def course(make_course, tess, student):
    return make_course("group_session", teacher=tess, students=[student])


@pytest.fixture
def make_session(course, tess, soon):
    def make(*, hours: int = 0, **extra: Any) -> LiveClassSession:
        start = soon + timedelta(hours=hours)
        values: dict[str, Any] = {"title": "Conversation", "total_seats": 2}
        values.update(extra)
        return create_session(
            course=course,
            teacher=tess,
            starts_at=start,
            ends_at=start + timedelta(hours=1),
            **values,
        )

    return make


@pytest.fixture
def others(make_user, enroll, course):
    """Three more students of the course."""
    people = [make_user(n) for n in ("ann", "ben", "cara")]
    enroll(course, *people)
    return people


@pytest.fixture
def logged_in(client, student):
    client.force_login(student)
    return client


# --- 1. the lists know my booking --------------------------------------------------------------


def test_the_sessions_list_shows_my_seat_and_my_waitlist_place_with_their_actions(
    logged_in, student, others, make_session, course
):
    held = make_session(title="Held")
    waiting = make_session(hours=3, title="Waiting", total_seats=1, enable_waitlist=True)
    free = make_session(hours=6, title="Free")
    seat = book_group_session(held, student)
    book_group_session(waiting, others[0])
    book_group_session(waiting, others[1])  # waitlisted first
    place = book_group_session(waiting, student)  # waitlisted second
    assert (place.status, place.waitlist_position) == ("waitlisted", 2)

    response = logged_in.get(url("student_sessions", course.pk))
    body = texts(response)
    assert "You have a seat." in body
    assert "You are number 2 on the waitlist." in body
    # The actions that apply, and no second Book / Join the waitlist for those two.
    assert url("student_booking_reschedule", seat.pk) in body
    assert url("student_booking_cancel", seat.pk) in body
    assert url("student_leave_waitlist", place.pk) in body
    assert url("student_book_session", held.pk) not in body
    assert url("student_book_session", waiting.pk) not in body
    assert "Join the waitlist" not in body
    # A session I hold nothing in still offers a seat.
    assert url("student_book_session", free.pk) in body
    rows = {r["session"].pk: r for r in response.context["rows"]}
    assert rows[free.pk]["mine"] is None
    # Seats left and how many wait.
    assert rows[waiting.pk]["session"].waiting == 2
    assert rows[held.pk]["session"].remaining_seats == 1
    assert "2 waiting" in body


def test_the_book_page_of_a_session_i_hold_shows_my_seat_not_the_button(
    logged_in, student, make_session
):
    session = make_session()
    book_group_session(session, student)
    before = snapshot()
    response = logged_in.post(url("student_book_session", session.pk), follow=True)
    assert messages_of(response) == ["You have already booked this."]
    body = texts(response)
    assert "You have a seat." in body
    assert "Book a seat</button>" not in body
    assert "Join the waitlist" not in body
    assert snapshot() == before


def test_the_book_page_of_a_full_session_i_wait_for_shows_my_place_and_the_way_out(
    logged_in, student, others, make_session
):
    session = make_session(total_seats=1, enable_waitlist=True)
    book_group_session(session, others[0])
    place = book_group_session(session, student)
    response = logged_in.get(url("student_book_session", session.pk))
    body = texts(response)
    assert "You are number 1 on the waitlist." in body
    assert url("student_leave_waitlist", place.pk) in body
    assert "Join the waitlist" not in body
    assert response.context["session"].waiting == 1


def test_my_bookings_says_how_many_wait_beside_my_place(logged_in, student, others, make_session):
    session = make_session(total_seats=1, enable_waitlist=True)
    book_group_session(session, others[0])
    book_group_session(session, student)
    book_group_session(session, others[1])
    body = texts(logged_in.get(url("student_bookings")))
    assert "Waitlist, number 1" in body
    assert "Waitlist, number 1 <small>(2 waiting in all)</small>" in body


def test_the_sessions_list_costs_the_same_queries_for_few_and_many_sessions(
    logged_in, student, others, make_session, course
):
    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = logged_in.get(url("student_sessions", course.pk))
        assert response.status_code == 200
        return len(ctx.captured_queries)

    def add(n: int, offset: int) -> None:
        for i in range(n):
            s = make_session(hours=offset + 2 * i, total_seats=1, enable_waitlist=True)
            book_group_session(s, student if i % 2 else others[0])
            book_group_session(s, others[1] if i % 2 else student)

    add(2, 0)
    few = count()
    add(18, 10)
    assert count() == few


def test_the_book_page_costs_no_more_with_a_booking(logged_in, student, make_session):
    session = make_session()

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            logged_in.get(url("student_book_session", session.pk))
        return len(ctx.captured_queries)

    empty = count()
    book_group_session(session, student)
    assert count() == empty


# --- 7. the move picker offers only what can succeed -------------------------------------------


def test_the_move_picker_offers_only_sessions_with_a_free_seat_i_do_not_hold(
    logged_in, student, others, make_session
):
    mine = make_session(title="Mine")
    also_mine = make_session(hours=3, title="Also mine")
    full_no_list = make_session(hours=6, title="Full closed", total_seats=1)
    full_with_list = make_session(
        hours=9, title="Full waiting", total_seats=1, enable_waitlist=True
    )
    open_one = make_session(hours=12, title="Open", total_seats=3)
    seat = book_group_session(mine, student)
    book_group_session(also_mine, student)
    book_group_session(full_no_list, others[0])
    book_group_session(full_with_list, others[0])
    book_group_session(open_one, others[0])

    response = logged_in.get(url("student_booking_reschedule", seat.pk))
    offered = list(response.context["form"].fields["session"].queryset)
    assert offered == [open_one]
    body = texts(response)
    assert "2 seats left" in body
    for gone in ("Also mine", "Full closed", "Full waiting"):
        assert gone not in body


def test_a_move_to_a_session_that_filled_meanwhile_is_refused_and_the_list_is_fresh(
    logged_in, student, others, make_session
):
    mine = make_session(title="Mine")
    target = make_session(hours=3, title="Last seat", total_seats=1)
    seat = book_group_session(mine, student)
    page = logged_in.get(url("student_booking_reschedule", seat.pk))
    assert target in page.context["form"].fields["session"].queryset
    book_group_session(target, others[0])  # someone else takes it meanwhile
    before = snapshot()
    response = logged_in.post(url("student_booking_reschedule", seat.pk), {"session": target.pk})
    assert messages_of(response) == ["This session is full."]
    assert "Last seat" not in texts(response).split("<main", 1)[-1].split("</h1>", 1)[-1]
    assert snapshot() == before


# --- 6. a 1:1 time taken meanwhile -------------------------------------------------------------


@pytest.fixture
def lessons(make_course, tess, student, others):
    course = make_course("one_on_one", teacher=tess, students=[student, *others])
    availability = set_availability(
        tess,
        course=course,
        timezone="UTC",
        kind="one_time",
        start_date=day(3),
        start_time=time(9),
        end_time=time(11),
    )
    return course, availability


def test_a_lesson_taken_meanwhile_sends_me_back_to_fresh_slots(logged_in, student, others, lessons):
    course, availability = lessons
    start = open_slots_for(availability)[0].start
    request_one_on_one(availability, others[0], start, course=course)  # Ann was quicker
    before = snapshot()
    response = logged_in.post(
        url("student_book_one_on_one_submit", availability.pk),
        {"starts_at": start.isoformat(), "weeks": 1, "course": course.pk},
    )
    assert response.status_code == 302
    picker = url("student_book_one_on_one", course.pk)
    assert response["Location"].startswith(f"{picker}?week={start.date().isoformat()}")
    assert f"teacher={availability.teacher_id}" in response["Location"]
    assert snapshot() == before
    page = logged_in.get(response["Location"])
    assert messages_of(page) == [
        "Someone has just booked this time. Please choose another of the times still open."
    ]
    body = texts(page)
    assert "clashes with something already in your calendar" not in body
    starts = [s["start"] for _day, slots in page.context["days"] for s in slots]
    assert start not in starts  # the taken time is gone
    assert starts  # the others are there


def test_a_time_the_teacher_s_calendar_took_sends_me_back_too(
    logged_in, student, lessons, tess, make_course
):
    course, availability = lessons
    start = open_slots_for(availability)[0].start
    other_course = make_course("group_session", teacher=tess)
    create_session(
        course=other_course,
        teacher=tess,
        title="Teacher is busy",
        starts_at=start,
        ends_at=start + timedelta(hours=1),
    )
    before = snapshot()
    response = logged_in.post(
        url("student_book_one_on_one_submit", availability.pk),
        {"starts_at": start.isoformat(), "weeks": 1, "course": course.pk},
        follow=True,
    )
    assert response.redirect_chain[-1][0].startswith(url("student_book_one_on_one", course.pk))
    assert messages_of(response)[0].startswith("Someone has just booked this time.")
    assert snapshot() == before


def test_a_slot_refused_as_taken_sends_me_back_too(logged_in, lessons, monkeypatch):
    course, availability = lessons
    start = open_slots_for(availability)[0].start

    def taken(*args: Any, **kwargs: Any) -> Any:
        raise SlotUnavailable("taken", starts_at=start, reason=SlotReason.TAKEN)

    monkeypatch.setattr("fluentory_bookings.contrib.django.views.student.request_one_on_one", taken)
    response = logged_in.post(
        url("student_book_one_on_one_submit", availability.pk),
        {"starts_at": start.isoformat(), "weeks": 1, "course": course.pk},
    )
    assert response.status_code == 302
    assert response["Location"].startswith(url("student_book_one_on_one", course.pk))


# --- 5. the confirm page says the teacher must approve ------------------------------------------


def test_the_confirm_page_says_before_submitting_that_the_teacher_approves_and_by_when(
    logged_in, lessons, settings
):
    course, availability = lessons
    course.requires_booking_approval = True
    course.save()
    start = open_slots_for(availability)[0].start
    settings.FLUENTORY_BOOKINGS_PENDING_EXPIRY = timedelta(hours=24)
    response = logged_in.get(
        url("student_book_one_on_one_submit", availability.pk),
        {"start": start.isoformat(), "course": course.pk},
    )
    body = texts(response)
    assert "Tess Teacher must approve this request" in body
    assert "You will have an answer by" in body
    assert "Send the request" in body
    answer_by = response.context["answer_by"]
    assert answer_by <= start
    assert abs(answer_by - min(timezone.now() + timedelta(hours=24), start)) < timedelta(minutes=1)


def test_the_confirm_page_says_nothing_of_approval_when_none_is_needed(logged_in, lessons):
    course, availability = lessons
    start = open_slots_for(availability)[0].start
    response = logged_in.get(
        url("student_book_one_on_one_submit", availability.pk),
        {"start": start.isoformat(), "course": course.pk},
    )
    body = texts(response)
    assert "must approve" not in body
    assert "Send the request" not in body


# --- 9. names, not usernames ---------------------------------------------------------------------


def test_person_name_is_the_full_name_else_the_username(make_user, tess):
    assert human.person_name(tess) == "Tess Teacher"
    assert human.person_name(make_user("plain")) == "plain"


def test_my_bookings_and_the_picker_name_the_teacher(logged_in, student, lessons):
    course, availability = lessons
    start = open_slots_for(availability)[0].start
    request_one_on_one(availability, student, start, course=course)
    body = texts(logged_in.get(url("student_bookings")))
    assert "Lesson with Tess Teacher" in body
    assert "Lesson with tess" not in body
    picker = logged_in.get(
        url("student_book_one_on_one", course.pk), {"week": start.date().isoformat()}
    )
    assert ", Tess Teacher</a>" in texts(picker)


def test_a_note_for_the_teacher_is_kept_with_the_request(logged_in, student, lessons):
    course, availability = lessons
    start = open_slots_for(availability)[0].start
    page = logged_in.get(
        url("student_book_one_on_one_submit", availability.pk),
        {"start": start.isoformat(), "course": course.pk},
    )
    assert 'name="note"' in texts(page)
    response = logged_in.post(
        url("student_book_one_on_one_submit", availability.pk),
        {
            "starts_at": start.isoformat(),
            "weeks": 1,
            "course": course.pk,
            "note": "  Interviews, please.  ",
        },
    )
    assert response.status_code == 302
    notes = list(
        OneOnOneBooking.objects.filter(student=student).values_list("student_note", flat=True)
    )
    assert notes == ["Interviews, please."]


def test_a_note_too_long_names_the_field_and_writes_nothing(logged_in, lessons):
    course, availability = lessons
    start = open_slots_for(availability)[0].start
    before = snapshot()
    response = logged_in.post(
        url("student_book_one_on_one_submit", availability.pk),
        {"starts_at": start.isoformat(), "weeks": 1, "course": course.pk, "note": "x" * 1001},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["note"]
    assert 'aria-invalid="true"' in texts(response)
    assert snapshot() == before


@pytest.mark.parametrize("note", ["x" * 1001, 7, None])
def test_the_service_refuses_a_note_that_is_not_short_text(student, lessons, note):
    course, availability = lessons
    start = open_slots_for(availability)[0].start
    with pytest.raises(InvalidInput) as caught:
        request_one_on_one(availability, student, start, course=course, note=note)
    assert caught.value.field == "student_note"
    assert not OneOnOneBooking.objects.exists()


def test_the_picker_shows_my_pending_lesson_of_the_week_with_a_way_to_cancel(
    logged_in, student, lessons
):
    course, availability = lessons
    course.requires_booking_approval = True
    course.save()
    start = open_slots_for(availability)[0].start
    [mine] = request_one_on_one(availability, student, start, course=course)
    page = logged_in.get(
        url("student_book_one_on_one", course.pk), {"week": start.date().isoformat()}
    )
    body = texts(page)
    assert "Your lessons this week" in body
    assert "Waiting for the teacher" in body
    assert url("student_booking_one_on_one_cancel", mine.pk) in body


def test_the_picker_costs_no_more_with_my_lessons(logged_in, student, lessons, others):
    course, availability = lessons
    slots = open_slots_for(availability)
    week = {"week": slots[0].start.date().isoformat()}

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            logged_in.get(url("student_book_one_on_one", course.pk), week)
        return len(ctx.captured_queries)

    none = count()
    request_one_on_one(availability, student, slots[0].start, course=course)
    request_one_on_one(availability, student, slots[1].start, course=course)
    assert count() == none


def test_the_teacher_reads_the_student_s_note_on_their_requests(client, make_user, make_course):
    from fluentory_bookings.contrib.django.services import request_one_on_one, set_availability

    teacher, student = make_user("tess_note"), make_user("ben_note")
    course = make_course("one_on_one", teacher=teacher, students=[student], approval=True)
    rule = set_availability(
        teacher, course=course, timezone="UTC", kind="one_time", start_date=day(3),
        start_time=time(9), end_time=time(10),
    )  # fmt: skip
    request_one_on_one(rule, student, at(day(3), 9), note="Past tense, please")
    client.force_login(teacher)
    page = client.get(reverse("fluentory_bookings:teacher_one_on_one_bookings"))
    assert "Past tense, please" in page.content.decode()
