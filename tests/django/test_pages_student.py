"""The student pages through the test client: what they show, what they change, who may see them."""

from __future__ import annotations

from datetime import date, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from fluentory_bookings.contrib.django.models import (
    Booking,
    LiveClassSession,
    OneOnOneBooking,
    TeacherAvailability,
)
from fluentory_bookings.contrib.django.services import (
    book_group_session,
    create_session,
    request_one_on_one,
    set_availability,
)
from fluentory_bookings.contrib.django.views.student import PAST_SHOWN
from tests.django.when import at, day

pytestmark = pytest.mark.django_db


def url(name: str, *args: Any) -> str:
    return reverse(f"fluentory_bookings:{name}", args=args)


def snapshot() -> tuple[Any, ...]:
    """Everything a student page could write, to prove a refused request wrote nothing."""
    return (
        sorted(
            Booking.objects.values_list(
                "pk", "session_id", "student_id", "status", "waitlist_position"
            )
        ),
        sorted(LiveClassSession.objects.values_list("pk", "seats_taken", "status")),
        sorted(OneOnOneBooking.objects.values_list("pk", "status", "starts_at", "series_id")),
    )


def texts(response) -> str:
    return response.content.decode()


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


@pytest.fixture
def course(make_course, teacher, student):
    return make_course("group_session", teacher=teacher, students=[student])


@pytest.fixture
def make_session(course, teacher, soon):
    def make(*, hours_from_soon: int = 0, **extra: Any) -> LiveClassSession:
        start = soon + timedelta(hours=hours_from_soon)
        values: dict[str, Any] = {"title": "Conversation", "total_seats": 3}
        values.update(extra)
        return create_session(
            course=course,
            teacher=teacher,
            starts_at=start,
            ends_at=start + timedelta(hours=1),
            **values,
        )

    return make


@pytest.fixture
def session(make_session):
    return make_session(meeting_link="https://meet.example.com/abc")


@pytest.fixture
def one_course(make_course, teacher, student):
    return make_course("one_on_one", teacher=teacher, students=[student])


@pytest.fixture
def availability(teacher, one_course):
    """Weekly, every day 09:00-12:00 New York time, hour-long slots."""
    return set_availability(
        teacher,
        course=one_course,
        timezone="America/New_York",
        start_date=day(0),
        start_time=time(9),
        end_time=time(12),
        weekdays=range(7),
    )


@pytest.fixture
def logged_in(client, student):
    client.force_login(student)
    return client


@pytest.fixture
def other(client, make_user):
    """A second student, logged in instead of ``student``."""
    stranger = make_user("stranger")
    client.force_login(stranger)
    return client


# --- group sessions --------------------------------------------------------------------------


def test_sessions_page_lists_seats_left_and_links_to_booking(logged_in, course, session):
    response = logged_in.get(url("student_sessions", course.pk))
    assert response.status_code == 200
    body = texts(response)
    assert "Group session" in body
    assert url("student_book_session", session.pk) in body
    assert "Times are shown in UTC" in body


def test_booking_a_seat_by_post_confirms_it(logged_in, student, session):
    response = logged_in.post(url("student_book_session", session.pk), follow=True)
    booking = Booking.objects.get(session=session, student=student)
    assert booking.status == "confirmed"
    assert "Your seat is booked." in messages_of(response)
    assert response.redirect_chain[-1][0] == url("student_bookings")


def test_get_of_a_booking_page_books_nothing(logged_in, session):
    before = snapshot()
    response = logged_in.get(url("student_book_session", session.pk))
    assert response.status_code == 200
    assert 'method="post"' in texts(response)
    assert snapshot() == before


def test_a_full_session_with_a_waitlist_gives_a_place_and_the_list_offers_a_way_out(
    logged_in, student, make_user, enroll, course, make_session
):
    full = make_session(total_seats=1, enable_waitlist=True)
    first = make_user("first")
    enroll(course, first)
    book_group_session(full, first)
    response = logged_in.post(url("student_book_session", full.pk), follow=True)
    assert "The session is full: you are number 1 on the waitlist." in messages_of(response)
    mine = Booking.objects.get(session=full, student=student)
    assert (mine.status, mine.waitlist_position) == ("waitlisted", 1)
    body = texts(response)
    assert "Waitlist, number 1" in body
    assert url("student_leave_waitlist", mine.pk) in body

    response = logged_in.post(url("student_leave_waitlist", mine.pk), follow=True)
    assert "You have left the waitlist." in messages_of(response)
    mine.refresh_from_db()
    assert mine.status == "cancelled"


def test_a_full_session_without_a_waitlist_says_so_and_writes_nothing(
    logged_in, make_user, enroll, course, make_session
):
    full = make_session(total_seats=1)
    first = make_user("first")
    enroll(course, first)
    book_group_session(full, first)
    before = snapshot()
    response = logged_in.post(url("student_book_session", full.pk), follow=True)
    assert messages_of(response) == ["This session is full."]
    assert snapshot() == before


def test_a_course_of_another_type_shows_why_instead_of_a_form(logged_in, course, session):
    course.booking_type = "one_on_one"
    course.save()
    response = logged_in.get(url("student_book_session", session.pk))
    body = texts(response)
    assert "This course is taught in 1:1 lessons, not group sessions." in body
    assert "1:1 lesson" in body
    assert 'method="post"' not in body
    before = snapshot()
    logged_in.post(url("student_book_session", session.pk))
    assert snapshot() == before
    listing = texts(logged_in.get(url("student_sessions", course.pk)))
    assert "not group sessions" in listing
    assert url("student_book_session", session.pk) not in listing


def test_an_unknown_session_or_course_is_a_404(logged_in, session):
    assert logged_in.get(url("student_book_session", session.pk + 999)).status_code == 404
    assert logged_in.post(url("student_book_session", session.pk + 999)).status_code == 404
    assert logged_in.get(url("student_sessions", 999999)).status_code == 404
    assert logged_in.get(url("student_book_one_on_one", 999999)).status_code == 404
    assert logged_in.get(url("student_book_one_on_one_submit", 999999)).status_code == 404
    huge = int("9" * 40)  # beyond any database integer
    assert logged_in.get(url("student_booking_cancel", huge)).status_code == 404
    assert logged_in.post(url("student_booking_one_on_one_cancel", huge)).status_code == 404


def test_pages_ask_for_a_login(client, session):
    response = client.get(url("student_bookings"))
    assert response.status_code == 302
    assert "login" in response["Location"]
    before = snapshot()
    assert client.post(url("student_book_session", session.pk)).status_code == 302
    assert snapshot() == before


def test_cancelling_a_seat_asks_on_get_and_cancels_on_post(logged_in, student, session):
    booking = book_group_session(session, student)
    before = snapshot()
    page = logged_in.get(url("student_booking_cancel", booking.pk))
    assert page.status_code == 200
    assert snapshot() == before
    response = logged_in.post(url("student_booking_cancel", booking.pk), follow=True)
    assert "Your booking is cancelled." in messages_of(response)
    booking.refresh_from_db()
    assert booking.status == "cancelled"
    assert "Past and cancelled" in texts(response)


@pytest.mark.parametrize(
    "name", ["student_booking_cancel", "student_booking_reschedule", "student_leave_waitlist"]
)
def test_someone_else_s_seat_is_a_404_and_stays_as_it_is(
    name, client, student, make_user, session, make_session
):
    make_session(hours_from_soon=3)
    booking = book_group_session(session, student)
    client.force_login(make_user("stranger"))
    before = snapshot()
    if name != "student_leave_waitlist":
        assert client.get(url(name, booking.pk)).status_code == 404
    assert client.post(url(name, booking.pk), {"session": session.pk}).status_code == 404
    assert snapshot() == before


def test_leaving_the_waitlist_is_a_post_only_and_refuses_a_confirmed_seat(
    logged_in, student, session
):
    booking = book_group_session(session, student)
    before = snapshot()
    assert logged_in.get(url("student_leave_waitlist", booking.pk)).status_code == 405
    response = logged_in.post(url("student_leave_waitlist", booking.pk), follow=True)
    assert messages_of(response) == ["This booking is not on the waitlist."]
    assert snapshot() == before


def test_moving_a_seat_offers_the_course_s_other_sessions_and_moves_it(
    logged_in, student, session, make_session
):
    later = make_session(hours_from_soon=3, title="Later one")
    booking = book_group_session(session, student)
    page = logged_in.get(url("student_booking_reschedule", booking.pk))
    assert "Later one" in texts(page)
    response = logged_in.post(
        url("student_booking_reschedule", booking.pk), {"session": later.pk}, follow=True
    )
    assert "Your booking is moved." in messages_of(response)
    assert Booking.objects.get(student=student, status="confirmed").session_id == later.pk


@pytest.mark.parametrize(
    "sent", [{}, {"session": "x"}, {"session": "same"}, {"session": "elsewhere"}]
)
def test_moving_to_nothing_or_an_unlisted_session_names_the_field_and_writes_nothing(
    sent, logged_in, student, session, make_session, make_course, teacher
):
    make_session(hours_from_soon=3)
    other_course = make_course("group_session", teacher=teacher, students=[student])
    elsewhere = create_session(
        course=other_course,
        teacher=teacher,
        title="Elsewhere",
        starts_at=session.starts_at + timedelta(days=1),
        ends_at=session.ends_at + timedelta(days=1),
    )
    booking = book_group_session(session, student)
    data = {k: {"same": session.pk, "elsewhere": elsewhere.pk}.get(v, v) for k, v in sent.items()}
    before = snapshot()
    response = logged_in.post(url("student_booking_reschedule", booking.pk), data)
    assert response.status_code == 200
    assert response.context["form"].errors["session"]
    assert "New session:" in texts(response)
    assert snapshot() == before


def test_moving_to_a_full_session_is_refused_with_one_message(
    logged_in, student, make_user, enroll, course, session, make_session
):
    full = make_session(hours_from_soon=3, total_seats=1)
    first = make_user("first")
    enroll(course, first)
    book_group_session(full, first)
    booking = book_group_session(session, student)
    before = snapshot()
    response = logged_in.post(url("student_booking_reschedule", booking.pk), {"session": full.pk})
    assert messages_of(response) == ["This session is full."]
    assert snapshot() == before


# --- the list ---------------------------------------------------------------------------------


def test_the_list_shows_both_kinds_with_status_link_deadline_and_series(
    logged_in, student, session, availability, one_course, make_course, teacher
):
    book_group_session(session, student)
    one_course.requires_booking_approval = True
    one_course.save()
    slots = _slots(availability, 2)
    [pending] = request_one_on_one(availability, student, slots[0], course=one_course)
    series = request_one_on_one(availability, student, slots[1], course=one_course, weeks=2)
    response = logged_in.get(url("student_bookings"))
    body = texts(response)
    assert "Seat confirmed" in body
    assert 'href="https://meet.example.com/abc"' in body
    assert "Waiting for the teacher's approval" in body
    assert pending.expires_at is not None
    assert f'datetime="{pending.expires_at.isoformat()}"' in body
    assert "Weekly series" in body
    assert url("student_booking_one_on_one_cancel", series[0].pk) in body
    assert url("student_booking_reschedule", Booking.objects.get(student=student).pk) in body


def test_a_meeting_link_shows_only_once_the_seat_is_confirmed(
    logged_in, student, make_user, enroll, course, make_session
):
    full = make_session(
        total_seats=1, enable_waitlist=True, meeting_link="https://meet.example.com/x"
    )
    first = make_user("first")
    enroll(course, first)
    book_group_session(full, first)
    book_group_session(full, student)
    assert "https://meet.example.com/x" not in texts(logged_in.get(url("student_bookings")))


def test_the_list_shows_only_the_viewer_s_bookings(client, student, make_user, session):
    book_group_session(session, student)
    client.force_login(make_user("stranger"))
    body = texts(client.get(url("student_bookings")))
    assert "Nothing booked yet." in body
    assert "Conversation" not in body


# --- 1:1 lessons ------------------------------------------------------------------------------


def _slots(availability: TeacherAvailability, n: int) -> list:
    from fluentory_bookings.contrib.django.services import open_slots_for

    found = open_slots_for(availability, limit=n * 5)
    # Different days, so a weekly series from one never runs into another.
    by_day: dict = {}
    for s in found:
        by_day.setdefault(s.start.date(), s.start)
    return list(by_day.values())[:n]


def test_open_slots_are_grouped_by_day_in_the_viewer_s_zone(
    client, student, availability, one_course
):
    client.force_login(student)
    client.cookies["fb_tz"] = "Asia/Tokyo"
    response = client.get(url("student_book_one_on_one", one_course.pk))
    body = texts(response)
    assert "Times are shown in Asia/Tokyo" in body
    assert "1:1 lesson" in body
    days = response.context["days"]
    assert days
    tokyo = ZoneInfo("Asia/Tokyo")
    for d, slots in days:
        for s in slots:
            assert s["start"].astimezone(tokyo).date() == d
            assert s["start"].astimezone(tokyo).strftime("%H:%M") in body


def test_a_time_across_a_dst_change_is_shown_in_the_viewer_s_zone(
    client, student, teacher, one_course, clock
):
    clock(at(date(2027, 3, 1), 12))
    set_availability(
        teacher,
        course=one_course,
        timezone="America/New_York",
        start_date=date(2027, 3, 1),
        start_time=time(9),
        end_time=time(10),
        weekdays=range(7),
    )
    client.force_login(student)
    client.cookies["fb_tz"] = "Europe/Berlin"
    response = client.get(url("student_book_one_on_one", one_course.pk), {"week": "2027-03-08"})
    days = dict(response.context["days"])
    saturday, sunday = date(2027, 3, 13), date(2027, 3, 14)
    # New York moves to summer time on 14 March 2027, Berlin only on the 28th: 09:00 in New
    # York is 15:00 in Berlin on Saturday and 14:00 on Sunday.
    berlin = ZoneInfo("Europe/Berlin")
    assert [s["start"].astimezone(berlin).strftime("%H:%M") for s in days[saturday]] == ["15:00"]
    assert [s["start"].astimezone(berlin).strftime("%H:%M") for s in days[sunday]] == ["14:00"]
    body = texts(response)
    assert "Saturday 13 March 2027" in body
    assert "Sunday 14 March 2027" in body
    assert body.index("15:00") < body.index("Sunday 14 March 2027") < body.index("14:00&ndash;")


def test_slots_filter_by_teacher_and_page_by_week(
    client, student, make_user, availability, one_course, enroll
):
    from lms.models import CourseTeacher

    second = make_user("second_teacher")
    CourseTeacher.objects.create(course=one_course, teacher=second)
    set_availability(
        second,
        course=one_course,
        timezone="UTC",
        start_date=day(0),
        start_time=time(20),
        end_time=time(21),
        weekdays=range(7),
    )
    client.force_login(student)
    page = client.get(url("student_book_one_on_one", one_course.pk))
    teachers = {s["availability"].teacher_id for _, slots in page.context["days"] for s in slots}
    assert teachers == {availability.teacher_id, second.pk}
    only = client.get(url("student_book_one_on_one", one_course.pk), {"teacher": second.pk})
    teachers = {s["availability"].teacher_id for _, slots in only.context["days"] for s in slots}
    assert teachers == {second.pk}

    next_week = page.context["next_week"]
    assert f"?week={next_week}" in texts(page)
    assert "Previous week" not in texts(page)
    later = client.get(url("student_book_one_on_one", one_course.pk), {"week": next_week})
    first = later.context["week_start"]
    assert first.isoformat() == next_week
    assert first == page.context["week_start"] + timedelta(days=7)
    assert later.context["days"]
    assert f"?week={page.context['week_start'].isoformat()}" in texts(later)
    for d, _slots in later.context["days"]:
        assert first <= d < first + timedelta(days=7)


def test_the_slots_page_costs_the_same_queries_for_1_availability_as_for_12(
    logged_in, teacher, one_course, availability
):
    """The teacher's commitments are read once for all their availabilities, not once each."""

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = logged_in.get(url("student_book_one_on_one", one_course.pk))
        assert response.status_code == 200
        return len(ctx.captured_queries)

    one = count()
    for hour in range(13, 24):
        set_availability(
            teacher,
            course=one_course,
            timezone="America/New_York",
            start_date=day(0),
            start_time=time(hour),
            end_time=time(hour, 59),
            slot_minutes=30,
            weekdays=range(7),
        )
    assert count() == one


def test_a_bad_week_names_the_field(logged_in, one_course, availability):
    response = logged_in.get(url("student_book_one_on_one", one_course.pk), {"week": "soon"})
    assert response.context["form"].errors["week"]
    assert "Week from:" in texts(response)


def test_a_group_course_shows_why_there_are_no_lessons(logged_in, course):
    response = logged_in.get(url("student_book_one_on_one", course.pk))
    body = texts(response)
    assert "This course is taught in group sessions, not 1:1 lessons." in body
    assert "Group session" in body
    assert "fb-slots" not in body


def test_requesting_a_lesson_asks_on_get_and_books_on_post(
    logged_in, student, availability, one_course
):
    [start] = _slots(availability, 1)
    target = url("student_book_one_on_one_submit", availability.pk)
    before = snapshot()
    page = logged_in.get(target, {"start": start.isoformat(), "course": one_course.pk})
    assert page.status_code == 200
    assert 'name="weeks"' in texts(page)
    assert snapshot() == before
    response = logged_in.post(
        target, {"starts_at": start.isoformat(), "weeks": 1, "course": one_course.pk}, follow=True
    )
    assert "Your lesson is booked." in messages_of(response)
    booking = OneOnOneBooking.objects.get(student=student)
    assert (booking.starts_at, booking.status) == (start, "confirmed")


def test_a_weekly_series_that_collides_says_which_lesson_and_books_none(
    logged_in, student, availability, one_course, teacher, make_course
):
    [start] = _slots(availability, 1)
    # The student already has a group session exactly two weeks later.
    group_course = make_course("group_session", teacher=teacher, students=[student])
    clash = create_session(
        course=group_course,
        teacher=teacher,
        title="Clash",
        starts_at=start + timedelta(weeks=2),
        ends_at=start + timedelta(weeks=2, hours=1),
    )
    book_group_session(clash, student)
    before = snapshot()
    response = logged_in.post(
        url("student_book_one_on_one_submit", availability.pk),
        {"starts_at": start.isoformat(), "weeks": 4, "course": one_course.pk},
    )
    assert messages_of(response) == ["This clashes with something already in your calendar."]
    clashes = response.context["clashes"]
    assert [c["start"] for c in clashes] == [start + timedelta(weeks=2)]
    assert clashes[0]["yours"] is True
    assert "These lessons clash" in texts(response)
    assert snapshot() == before


@pytest.mark.parametrize(
    ("field", "data"),
    [
        ("weeks", {"weeks": 0}),
        ("weeks", {"weeks": "two"}),
        ("weeks", {"weeks": 999}),
        ("weeks", {"weeks": ""}),
        ("starts_at", {"starts_at": "tomorrow"}),
        ("starts_at", {"starts_at": "2030-01-01T09:00"}),
        ("starts_at", {"starts_at": ""}),
    ],
)
def test_bad_request_input_names_the_field_and_writes_nothing(
    field, data, logged_in, availability, one_course
):
    [start] = _slots(availability, 1)
    sent = {"starts_at": start.isoformat(), "weeks": 1, "course": one_course.pk, **data}
    before = snapshot()
    response = logged_in.post(url("student_book_one_on_one_submit", availability.pk), sent)
    assert response.status_code == 200
    assert list(response.context["form"].errors) == [field]
    assert snapshot() == before


def test_a_time_off_the_slot_grid_is_refused_with_one_message(logged_in, availability, one_course):
    [start] = _slots(availability, 1)
    before = snapshot()
    response = logged_in.post(
        url("student_book_one_on_one_submit", availability.pk),
        {
            "starts_at": (start + timedelta(minutes=7)).isoformat(),
            "weeks": 1,
            "course": one_course.pk,
        },
    )
    assert len(messages_of(response)) == 1
    assert snapshot() == before


def test_a_lesson_for_a_group_course_is_refused_before_the_form(logged_in, availability, course):
    before = snapshot()
    [start] = _slots(availability, 1)
    # The availability is offered for the 1:1 course only; a course of another type is named.
    availability.course = None
    availability.save()
    response = logged_in.post(
        url("student_book_one_on_one_submit", availability.pk),
        {"starts_at": start.isoformat(), "weeks": 1, "course": course.pk},
    )
    assert "not 1:1 lessons" in texts(response)
    assert snapshot() == before


def _series(availability, student, one_course, weeks=3):
    [start] = _slots(availability, 1)
    return request_one_on_one(availability, student, start, course=one_course, weeks=weeks)


def test_cancelling_a_lesson_cancels_only_it_by_default(
    logged_in, student, availability, one_course
):
    series = _series(availability, student, one_course)
    before = snapshot()
    page = logged_in.get(url("student_booking_one_on_one_cancel", series[0].pk))
    assert "This lesson and the following ones of the series" in texts(page)
    assert snapshot() == before
    response = logged_in.post(
        url("student_booking_one_on_one_cancel", series[1].pk), {"scope": "this"}, follow=True
    )
    assert "Your lesson is cancelled." in messages_of(response)
    assert [b.status for b in OneOnOneBooking.objects.order_by("starts_at")] == [
        "confirmed",
        "cancelled",
        "confirmed",
    ]


def test_cancelling_this_and_the_following_lessons(logged_in, student, availability, one_course):
    series = _series(availability, student, one_course)
    logged_in.post(url("student_booking_one_on_one_cancel", series[1].pk), {"scope": "following"})
    assert [b.status for b in OneOnOneBooking.objects.order_by("starts_at")] == [
        "confirmed",
        "cancelled",
        "cancelled",
    ]


def test_a_bad_cancel_scope_names_the_field_and_writes_nothing(
    logged_in, student, availability, one_course
):
    series = _series(availability, student, one_course)
    before = snapshot()
    response = logged_in.post(
        url("student_booking_one_on_one_cancel", series[0].pk), {"scope": "everything"}
    )
    assert list(response.context["form"].errors) == ["scope"]
    assert "What to cancel:" in texts(response)
    assert snapshot() == before


def test_someone_else_s_lesson_is_a_404_and_stays_as_it_is(
    client, student, make_user, availability, one_course
):
    series = _series(availability, student, one_course, weeks=1)
    client.force_login(make_user("stranger"))
    before = snapshot()
    target = url("student_booking_one_on_one_cancel", series[0].pk)
    assert client.get(target).status_code == 404
    assert client.post(target, {"scope": "this"}).status_code == 404
    assert snapshot() == before


# --- cost -------------------------------------------------------------------------------------


def _history(student, teacher, course, one_course, n: int) -> None:
    """``n`` seats and ``n`` lessons for ``student``, half of each past, written directly (this
    is the page's cost, not the services')."""
    from django.utils import timezone

    now = timezone.now()
    starts = [
        now + timedelta(days=1 + i) if i % 2 else now - timedelta(days=1 + i) for i in range(n)
    ]
    sessions = LiveClassSession.objects.bulk_create(
        LiveClassSession(
            course=course,
            teacher=teacher,
            title=f"S{i}",
            starts_at=s,
            ends_at=s + timedelta(hours=1),
            seats_taken=1,
            meeting_link="https://meet.example.com/s",
        )
        for i, s in enumerate(starts)
    )
    Booking.objects.bulk_create(
        Booking(session=s, student=student, status="confirmed") for s in sessions
    )
    OneOnOneBooking.objects.bulk_create(
        OneOnOneBooking(
            student=student,
            teacher=teacher,
            course=one_course,
            starts_at=s + timedelta(hours=3),
            ends_at=s + timedelta(hours=4),
            status="pending" if i % 3 else "confirmed",
            requested_at=now,
            expires_at=now + timedelta(hours=12),
            is_recurring=bool(i % 2),
        )
        for i, s in enumerate(starts)
    )


@pytest.mark.parametrize("rows", [10, 200])
def test_the_list_runs_the_same_queries_at_10_and_200_rows(
    rows, logged_in, student, teacher, course, one_course, django_assert_num_queries
):
    # What the request costs the host before the page (session, user, a profile...) is
    # measured on an empty list, so only the page's own queries are pinned.
    with CaptureQueriesContext(connection) as empty:
        logged_in.get(url("student_bookings"))
    ours = [q["sql"] for q in empty.captured_queries if "fluentory_bookings_" in q["sql"]]
    # Upcoming and past seats (with sessions and courses), upcoming and past lessons, and
    # whether the calendar feed has a link.
    assert len(ours) == 5, ours
    _history(student, teacher, course, one_course, rows)
    with django_assert_num_queries(len(empty.captured_queries)):
        response = logged_in.get(url("student_bookings"))
    half = rows // 2
    upcoming = [r.kind for r in response.context["upcoming"]]
    assert (upcoming.count("seat"), upcoming.count("lesson")) == (half, half)
    # The past is the most recent ones only, however long it is.
    earlier = [r.kind for r in response.context["earlier"]]
    assert (earlier.count("seat"), earlier.count("lesson")) == (min(half, PAST_SHOWN),) * 2


@pytest.mark.parametrize("week", ["9999-12-30", "0001-01-01"])
def test_a_week_at_the_end_of_the_calendar_names_the_field(logged_in, one_course, week):
    response = logged_in.get(url("student_book_one_on_one", one_course.pk), {"week": week})
    assert response.status_code == 200
    assert response.context["form"].errors["week"]


def test_a_bad_teacher_keeps_the_week_asked_for(logged_in, one_course, availability):
    response = logged_in.get(
        url("student_book_one_on_one", one_course.pk), {"week": "2030-01-07", "teacher": "x"}
    )
    assert response.context["form"].errors["teacher"]
    assert response.context["week_start"].isoformat() == "2030-01-07"


@pytest.mark.parametrize("sent", ["", "abc", "999999", "\u00b2", "9" * 40])
def test_an_open_availability_needs_a_real_course(logged_in, availability, sent):
    availability.course = None
    availability.save()
    before = snapshot()
    target = url("student_book_one_on_one_submit", availability.pk)
    assert logged_in.get(target, {"course": sent}).status_code == 404
    assert logged_in.post(target, {"course": sent, "weeks": 1}).status_code == 404
    assert snapshot() == before


def test_a_second_click_books_nothing_more(logged_in, student, session):
    logged_in.post(url("student_book_session", session.pk), follow=True)
    before = snapshot()
    response = logged_in.post(url("student_book_session", session.pk), follow=True)
    assert messages_of(response) == ["You have already booked this."]
    assert snapshot() == before


def test_a_lesson_that_needs_approval_says_it_is_a_request(
    logged_in, student, availability, one_course
):
    one_course.requires_booking_approval = True
    one_course.save()
    [start] = _slots(availability, 1)
    response = logged_in.post(
        url("student_book_one_on_one_submit", availability.pk),
        {"starts_at": start.isoformat(), "weeks": 1, "course": one_course.pk},
        follow=True,
    )
    assert "Your request is sent: the teacher will confirm it." in messages_of(response)
    assert OneOnOneBooking.objects.get(student=student).status == "pending"


def test_the_sessions_to_move_to_are_labelled_in_the_viewer_s_zone(
    client, student, session, make_session
):
    later = make_session(hours_from_soon=3, title="Later one")
    booking = book_group_session(session, student)
    client.force_login(student)
    client.cookies["fb_tz"] = "Asia/Tokyo"
    body = texts(client.get(url("student_booking_reschedule", booking.pk)))
    tokyo = later.starts_at.astimezone(ZoneInfo("Asia/Tokyo"))
    assert f"Later one, {tokyo:%a} {tokyo.day} {tokyo:%b %Y, %H:%M}" in body
    assert "Times are shown in Asia/Tokyo" in body


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_students_racing_for_the_last_seat_through_the_page_get_one_seat(
    make_user, enroll, course, make_session
):
    from django.test import Client

    from tests.django.conftest import race

    last = make_session(total_seats=1)
    browsers = []
    for i in range(6):
        someone = make_user(f"racer{i}")
        enroll(course, someone)
        browser = Client()
        browser.force_login(someone)
        browsers.append(browser)
    target = url("student_book_session", last.pk)
    answers = race(lambda b: b.post(target, follow=True), [(b,) for b in browsers])
    # The pages' own text: the test client's captured contexts are shared between threads.
    booked = ["Your seat is booked." in texts(a) for a in answers]
    refused = [
        "This session is full." in texts(a)
        # At REPEATABLE READ and SERIALIZABLE a racer may be told to retry instead.
        or "Many people are booking right now: please try again." in texts(a)
        for a in answers
    ]
    assert sorted(booked) == [False] * 5 + [True]
    assert refused == [not b for b in booked]
    assert Booking.objects.filter(session=last, status="confirmed").count() == 1
    last.refresh_from_db()
    assert last.seats_taken == 1


def test_the_list_interleaves_seats_and_lessons_by_time(
    logged_in, student, teacher, make_session, availability, one_course
):
    [first_lesson, second_lesson] = _slots(availability, 2)
    request_one_on_one(availability, student, first_lesson, course=one_course)
    request_one_on_one(availability, student, second_lesson, course=one_course)
    # A seat between the two lessons (on a free hour of the student's calendar).
    between = make_session(hours_from_soon=0)
    between.starts_at = first_lesson + timedelta(hours=6)
    between.ends_at = between.starts_at + timedelta(hours=1)
    between.save()
    book_group_session(between, student)
    response = logged_in.get(url("student_bookings"))
    rows = response.context["upcoming"]
    assert [r.kind for r in rows] == ["lesson", "seat", "lesson"]
    assert [r.starts_at for r in rows] == sorted(r.starts_at for r in rows)
    body = texts(response)
    assert (
        body.index(url("student_booking_one_on_one_cancel", rows[0].booking.pk))
        < body.index(url("student_booking_cancel", rows[1].booking.pk))
        < body.index(url("student_booking_one_on_one_cancel", rows[2].booking.pk))
    )
