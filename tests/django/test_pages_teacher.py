"""The teacher's pages, through the Django test client: permissions, GET that changes nothing,
bad input that writes nothing, typed refusals as one message, constant queries."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import override_settings
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
    create_weekly_sessions,
    request_one_on_one,
    set_availability,
)
from fluentory_bookings.core.errors import Conflict
from tests.django.when import at, day

BERLIN = ZoneInfo("Europe/Berlin")


def url(name, *args):
    return reverse(f"fluentory_bookings:{name}", args=args)


def snapshot():
    """Every row the pages could write."""
    return [
        list(m.objects.order_by("pk").values())
        for m in (LiveClassSession, Booking, OneOnOneBooking, TeacherAvailability)
    ]


def texts(response):
    return [str(m) for m in response.context["messages"]] if response.context else []


@pytest.fixture
def group_course(make_course, teacher, student):
    return make_course("group_session", teacher=teacher, students=[student])


@pytest.fixture
def one_course(make_course, teacher, student):
    return make_course("one_on_one", teacher=teacher, students=[student], approval=True)


@pytest.fixture
def session(group_course, teacher, soon):
    return create_session(
        course=group_course,
        teacher=teacher,
        title="Conversation",
        starts_at=soon,
        ends_at=soon + timedelta(hours=1),
        total_seats=1,
        enable_waitlist=True,
    )


@pytest.fixture
def seat(session, student):
    return book_group_session(session, student)


@pytest.fixture
def availability(teacher, one_course):
    return set_availability(
        teacher,
        course=one_course,
        timezone="UTC",
        kind="one_time",
        start_date=day(3),
        start_time=time(9),
        end_time=time(12),
    )


@pytest.fixture
def lesson(availability, student):
    return request_one_on_one(availability, student, at(day(3), 9))[0]


@pytest.fixture
def as_teacher(client, teacher):
    client.force_login(teacher)
    return client


@pytest.fixture
def other_teacher(client, make_user, make_course):
    """Someone who teaches courses of their own, none of the fixtures'."""
    other = make_user("other-teacher")
    make_course("group_session", teacher=other)
    make_course("one_on_one", teacher=other)
    client.force_login(other)
    return client


def session_form(for_course, d, **extra):
    data = {
        "course": for_course.pk,
        "title": "Grammar clinic",
        "description": "",
        "date": d.isoformat(),
        "start_time": "18:00",
        "duration_minutes": "60",
        "timezone": "Europe/Berlin",
        "total_seats": "8",
        "meeting_link": "https://meet.example.com/g",
        "weeks": "1",
    }
    data.update(extra)
    return data


# --- who may see what -------------------------------------------------------------------------


def id_views(session, seat, availability, lesson):
    return [
        ("get", url("teacher_session_edit", session.pk)),
        ("post", url("teacher_session_edit", session.pk)),
        ("post", url("teacher_session_cancel", session.pk)),
        ("get", url("teacher_session_bookings", session.pk)),
        ("post", url("teacher_booking_cancel", seat.pk)),
        ("post", url("teacher_mark_attendance", seat.pk)),
        ("get", url("teacher_availability_edit", availability.pk)),
        ("post", url("teacher_availability_edit", availability.pk)),
        ("post", url("teacher_one_on_one_approve", lesson.pk)),
        ("post", url("teacher_one_on_one_decline", lesson.pk)),
        ("post", url("teacher_one_on_one_cancel", lesson.pk)),
        ("get", url("teacher_one_on_one_meeting_link", lesson.pk)),
        ("post", url("teacher_one_on_one_meeting_link", lesson.pk)),
    ]


def test_another_teacher_gets_404_for_every_view_taking_an_id(
    other_teacher, session, seat, availability, lesson
):
    before = snapshot()
    for method, path in id_views(session, seat, availability, lesson):
        data = {"attended": "yes", "meeting_link": "https://evil.example.com", "title": "x"}
        response = getattr(other_teacher, method)(path, data)
        assert response.status_code == 404, (method, path)
    assert snapshot() == before


def test_the_student_gets_404_on_the_teacher_s_views(
    client, student, session, seat, availability, lesson
):
    client.force_login(student)
    before = snapshot()
    for method, path in id_views(session, seat, availability, lesson):
        assert getattr(client, method)(path, {"attended": "yes"}).status_code == 404, path
    assert snapshot() == before


def test_unknown_ids_are_404(as_teacher):
    for name in ("teacher_session_bookings", "teacher_availability_edit"):
        assert as_teacher.get(url(name, 999999)).status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(client, session):
    for path in (url("teacher_schedule"), url("teacher_session_bookings", session.pk)):
        response = client.get(path)
        assert response.status_code == 302
        assert "login" in response["Location"]


def test_a_co_teacher_of_the_course_manages_its_sessions(client, make_user, session):
    from lms.models import CourseTeacher

    co = make_user("co-teacher")
    CourseTeacher.objects.create(course=session.course, teacher=co)
    client.force_login(co)
    assert client.get(url("teacher_session_bookings", session.pk)).status_code == 200
    assert b"Conversation" in client.get(url("teacher_schedule")).content


def test_get_never_changes_state(as_teacher, session, seat, availability, lesson):
    before = snapshot()
    posts_only = [path for method, path in id_views(session, seat, availability, lesson)]
    posts_only.append(url("teacher_session_create"))
    for path in posts_only:
        assert as_teacher.get(path).status_code in (200, 405), path
    for name in ("teacher_schedule", "teacher_availability", "teacher_one_on_one_bookings"):
        assert as_teacher.get(url(name)).status_code == 200
    assert snapshot() == before


def test_state_changes_need_the_csrf_token(client, teacher, session):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(teacher)
    assert strict.post(url("teacher_session_cancel", session.pk)).status_code == 403
    session.refresh_from_db()
    assert session.status == "scheduled"


# --- the schedule -----------------------------------------------------------------------------


def test_the_schedule_lists_sessions_with_their_type_and_a_form(as_teacher, session, one_course):
    page = as_teacher.get(url("teacher_schedule")).content.decode()
    assert "Conversation" in page
    assert "Group session" in page
    assert "1:1 lesson" in page  # the 1:1 course, labelled
    # ... and why it takes no sessions, while the form offers only the group course
    assert "Group sessions cannot be scheduled for this course" in page
    assert f'<option value="{one_course.pk}"' not in page
    assert f'<option value="{session.course_id}"' in page
    assert "Times are shown in UTC." in page


def test_a_teacher_without_a_group_course_sees_why_instead_of_a_form(
    client, make_user, make_course
):
    lone = make_user("lone")
    make_course("one_on_one", teacher=lone)
    client.force_login(lone)
    page = client.get(url("teacher_schedule")).content.decode()
    assert "None of your courses takes group sessions" in page
    assert 'name="title"' not in page


def test_creating_a_session(as_teacher, group_course):
    d = day(5)
    response = as_teacher.post(url("teacher_session_create"), session_form(group_course, d))
    assert response.status_code == 302
    [s] = LiveClassSession.objects.all()
    assert s.starts_at == datetime.combine(d, time(18), tzinfo=BERLIN)
    assert s.ends_at - s.starts_at == timedelta(hours=1)
    assert (s.total_seats, s.meeting_link, str(s.timezone)) == (
        8,
        "https://meet.example.com/g",
        "Europe/Berlin",
    )
    assert "1 session scheduled." in texts(as_teacher.get(url("teacher_schedule")))


def test_a_weekly_run_keeps_the_local_time_across_dst(as_teacher, group_course, clock):
    clock(datetime(2027, 3, 1, tzinfo=UTC))
    response = as_teacher.post(
        url("teacher_session_create"), session_form(group_course, date(2027, 3, 22), weeks="3")
    )
    assert response.status_code == 302
    starts = [s.starts_at for s in LiveClassSession.objects.order_by("starts_at")]
    assert [s.astimezone(BERLIN).time() for s in starts] == [time(18)] * 3
    # Berlin moves to summer time on 28 March: the UTC time moves an hour earlier.
    assert [s.astimezone(UTC).hour for s in starts] == [17, 16, 16]
    assert all(
        s.ends_at - s.starts_at == timedelta(hours=1) for s in LiveClassSession.objects.all()
    )


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"title": ""}, "title"),
        ({"total_seats": "0"}, "total_seats"),
        ({"total_seats": "many"}, "total_seats"),
        ({"meeting_link": "http://meet.example.com/plain"}, "meeting_link"),
        ({"meeting_link": "javascript:alert(1)"}, "meeting_link"),
        ({"date": "2020-01-01"}, "date"),
        ({"date": "not a date"}, "date"),
        ({"duration_minutes": "0"}, "duration_minutes"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"weeks": "0"}, "weeks"),
        ({"weeks": "1000"}, "weeks"),
        ({"course": "999999"}, "course"),
    ],
)
def test_bad_session_input_names_the_field_and_writes_nothing(
    as_teacher, group_course, change, field
):
    before = snapshot()
    response = as_teacher.post(
        url("teacher_session_create"), session_form(group_course, day(5), **change)
    )
    assert response.status_code == 400
    assert response.context["form"].errors.get(field), response.context["form"].errors
    assert snapshot() == before


def test_a_course_of_another_type_or_teacher_is_refused(
    as_teacher, one_course, make_course, make_user
):
    foreign = make_course("group_session", teacher=make_user())
    before = snapshot()
    for course in (one_course, foreign):
        response = as_teacher.post(url("teacher_session_create"), session_form(course, day(5)))
        assert response.status_code == 400
        assert response.context["form"].errors["course"]
    assert snapshot() == before


def test_a_clash_in_a_later_week_writes_no_session_of_the_run(as_teacher, group_course, teacher):
    d = day(5)
    third = datetime.combine(d + timedelta(days=14), time(18), tzinfo=BERLIN)
    create_session(
        course=group_course,
        teacher=teacher,
        title="Busy",
        starts_at=third,
        ends_at=third + timedelta(minutes=30),
    )
    before = snapshot()
    response = as_teacher.post(
        url("teacher_session_create"), session_form(group_course, d, weeks="4")
    )
    assert response.status_code == 400
    assert "This clashes with something already in your calendar." in response.content.decode()
    assert snapshot() == before


def test_editing_a_session(as_teacher, session):
    page = as_teacher.get(url("teacher_session_edit", session.pk))
    assert page.status_code == 200
    data = dict(page.context["form"].initial)
    data.update(
        date=data["date"].isoformat(),
        start_time=data["start_time"].strftime("%H:%M"),
        timezone=str(data["timezone"]),
        total_seats="3",
        title="Conversation (B1)",
        enable_waitlist="on",
    )
    response = as_teacher.post(url("teacher_session_edit", session.pk), data)
    assert response.status_code == 302, response.context["form"].errors
    session.refresh_from_db()
    assert (session.title, session.total_seats) == ("Conversation (B1)", 3)


def edit_data(as_teacher, session, **change):
    data = dict(as_teacher.get(url("teacher_session_edit", session.pk)).context["form"].initial)
    data.update(
        date=data["date"].isoformat(),
        start_time=data["start_time"].strftime("%H:%M"),
        timezone=str(data["timezone"]),
        enable_waitlist="on" if data["enable_waitlist"] else "",
    )
    data.update(change)
    return data


def test_moving_a_session_into_the_past_is_an_error_on_the_date(as_teacher, session, seat):
    before = snapshot()
    data = edit_data(as_teacher, session, date="2020-01-01")
    response = as_teacher.post(url("teacher_session_edit", session.pk), data)
    assert response.status_code == 400
    assert response.context["form"].errors["date"] == ["This has already started."]
    assert snapshot() == before


def test_seats_below_the_confirmed_ones_are_an_error_on_the_seats(
    as_teacher, session, seat, make_user
):
    from fluentory_bookings.contrib.django.services import update_session
    from lms.models import Enrollment

    update_session(session, session.teacher, total_seats=2)
    other = make_user("second-seat")
    Enrollment.objects.create(course=session.course, student=other)
    book_group_session(session, other)
    before = snapshot()
    data = edit_data(as_teacher, session, total_seats="1")
    response = as_teacher.post(url("teacher_session_edit", session.pk), data)
    assert response.status_code == 400
    # Issue 18, item 10: the sentence says how many hold seats, so the teacher knows the floor.
    assert response.context["form"].errors["total_seats"] == [
        "There are 2 confirmed students; you cannot go below 2."
    ]
    assert snapshot() == before


def test_cancelling_a_session_cancels_its_seats(as_teacher, session, seat):
    response = as_teacher.post(url("teacher_session_cancel", session.pk))
    assert response.status_code == 302
    session.refresh_from_db()
    seat.refresh_from_db()
    assert (session.status, seat.status) == ("cancelled", "cancelled")


def test_a_refused_cancellation_is_one_message_and_writes_nothing(as_teacher, session, clock):
    clock(session.starts_at + timedelta(minutes=5))  # started: a teacher may not cancel it now
    before = snapshot()
    response = as_teacher.post(url("teacher_session_cancel", session.pk), follow=True)
    assert texts(response) == ["This has already started."]
    assert snapshot() == before


# --- the roster -------------------------------------------------------------------------------


def test_the_roster_shows_seats_and_the_waitlist_in_order(as_teacher, session, seat, make_user):
    first, second = make_user("wait-one"), make_user("wait-two")
    from lms.models import Enrollment

    for u in (first, second):
        Enrollment.objects.create(course=session.course, student=u)
        book_group_session(session, u)
    page = as_teacher.get(url("teacher_session_bookings", session.pk))
    assert [b.student for b in page.context["roster"]] == [seat.student]
    assert [b.student for b in page.context["waitlist"]] == [first, second]
    html = page.content.decode()
    assert html.index("wait-one") < html.index("wait-two")
    assert "place 1" in html


def test_cancelling_a_seat_promotes_the_first_in_line(as_teacher, session, seat, make_user):
    from lms.models import Enrollment

    waiting = make_user("waiting")
    Enrollment.objects.create(course=session.course, student=waiting)
    place = book_group_session(session, waiting)
    response = as_teacher.post(url("teacher_booking_cancel", seat.pk))
    assert response["Location"] == url("teacher_session_bookings", session.pk)
    place.refresh_from_db()
    assert place.status == "confirmed"


def test_attendance_only_once_the_session_started(as_teacher, session, seat, clock):
    before = snapshot()
    response = as_teacher.post(
        url("teacher_mark_attendance", seat.pk), {"attended": "yes"}, follow=True
    )
    assert texts(response) == ["This can be recorded once it has started."]
    assert snapshot() == before

    clock(session.starts_at + timedelta(minutes=10))
    as_teacher.post(url("teacher_mark_attendance", seat.pk), {"attended": "no"})
    seat.refresh_from_db()
    assert seat.status == "no_show"


def test_attendance_needs_a_choice(as_teacher, session, seat, clock):
    clock(session.starts_at + timedelta(minutes=10))
    before = snapshot()
    response = as_teacher.post(
        url("teacher_mark_attendance", seat.pk), {"attended": "maybe"}, follow=True
    )
    assert texts(response) == ["Attendance: please choose attended or no-show."]
    assert snapshot() == before


# --- availability -----------------------------------------------------------------------------


def availability_form(course, **extra):
    first = day(7)
    data = {
        "kind": "weekly",
        "course": course.pk,
        "timezone": "America/New_York",
        "start_date": first.isoformat(),
        "end_date": "",
        "start_time": "09:00",
        "end_time": "11:00",
        "weekdays": [str(first.weekday())],
        "excluded_dates": "",
        "slot_minutes": "30",
        "buffer_before_minutes": "0",
        "buffer_after_minutes": "10",
        "is_active": "on",
    }
    data.update(extra)
    return data


def test_publishing_a_weekly_availability_and_its_preview(as_teacher, one_course):
    response = as_teacher.post(url("teacher_availability"), availability_form(one_course))
    assert response.status_code == 302
    [av] = TeacherAvailability.objects.all()
    assert (av.kind, str(av.timezone), av.slot_minutes, av.buffer_after_minutes) == (
        "weekly",
        "America/New_York",
        30,
        10,
    )
    page = as_teacher.get(url("teacher_availability"))
    [item] = page.context["items"]
    assert item["slots"]
    first = item["slots"][0].start
    assert first.astimezone(ZoneInfo("America/New_York")).time() == time(9)
    assert first.astimezone(UTC).strftime("%H:%M") in page.content.decode()  # shown in UTC


def test_the_availability_page_costs_the_same_queries_for_1_rule_as_for_12(
    as_teacher, teacher, one_course, availability
):
    """Each rule's preview of open slots: the teacher's commitments are read once for all."""

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = as_teacher.get(url("teacher_availability"))
        assert response.status_code == 200
        assert all(item["slots"] for item in response.context["items"])
        return len(ctx.captured_queries)

    one = count()
    for hour in range(12, 23):
        set_availability(
            teacher,
            course=one_course,
            timezone="UTC",
            kind="one_time",
            start_date=day(3),
            start_time=time(hour),
            end_time=time(hour + 1),
        )
    assert count() == one


@override_settings(FLUENTORY_BOOKINGS_MIN_SLOT_MINUTES=1)  # a host's choice, or an old row
def test_a_rule_of_one_minute_slots_all_day_keeps_the_page_up(as_teacher, teacher, one_course):
    """A preview looks a bounded range ahead: no rule a teacher saved can make the page fail
    (a 1-minute rule over the listing's 90 days is over the core's slot bound)."""
    for start, end in ((time(0), time(23, 59)), (time(0, 30), time(23, 30))):
        set_availability(
            teacher,
            course=one_course,
            timezone="UTC",
            kind="weekly",
            start_date=day(1),
            start_time=start,
            end_time=end,
            weekdays=range(7),
            slot_minutes=1,
        )
    page = as_teacher.get(url("teacher_availability"))
    assert page.status_code == 200
    assert [len(item["slots"]) for item in page.context["items"]] == [5, 5]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"weekdays": []}, "weekdays"),
        ({"end_date": "2000-01-01"}, "end_date"),
        ({"start_time": "25:00"}, "start_time"),
        ({"slot_minutes": "500"}, "slot_minutes"),
        ({"slot_minutes": "0"}, "slot_minutes"),
        ({"timezone": "Nowhere/City"}, "timezone"),
        ({"excluded_dates": "soon"}, "excluded_dates"),
        ({"buffer_after_minutes": "-5"}, "buffer_after_minutes"),
    ],
)
def test_bad_availability_input_names_the_field_and_writes_nothing(
    as_teacher, one_course, change, field
):
    before = snapshot()
    response = as_teacher.post(url("teacher_availability"), availability_form(one_course, **change))
    assert response.status_code == 400
    assert response.context["form"].errors.get(field), response.context["form"].errors
    assert snapshot() == before


def test_a_group_course_takes_no_availability(as_teacher, group_course, one_course):
    page = as_teacher.get(url("teacher_availability")).content.decode()
    assert "Students cannot book 1:1 lessons in this course" in page
    before = snapshot()
    response = as_teacher.post(url("teacher_availability"), availability_form(group_course))
    assert response.context["form"].errors["course"]
    assert snapshot() == before


def test_changing_and_closing_an_availability(as_teacher, availability):
    page = as_teacher.get(url("teacher_availability_edit", availability.pk))
    data = availability_form(availability.course, kind="one_time", start_date=day(3).isoformat())
    data.pop("is_active")
    data.update(start_time="09:00", end_time="12:00", timezone="UTC", slot_minutes="60")
    assert page.status_code == 200
    response = as_teacher.post(url("teacher_availability_edit", availability.pk), data)
    assert response.status_code == 302
    availability.refresh_from_db()
    assert availability.is_active is False
    assert as_teacher.get(url("teacher_availability")).context["items"][0]["slots"] == []


# --- 1:1 lessons ------------------------------------------------------------------------------


def test_pending_requests_come_first_with_their_expiry(as_teacher, availability, lesson, student):
    from fluentory_bookings.contrib.django.services import approve_one_on_one

    [later] = request_one_on_one(availability, student, at(day(3), 11))
    approve_one_on_one(later, later.teacher)
    page = as_teacher.get(url("teacher_one_on_one_bookings"))
    assert page.context["pending"] == [lesson]
    assert page.context["confirmed"] == [later]
    html = page.content.decode()
    assert html.index("Waiting for your answer") < html.index("Confirmed lessons")
    assert lesson.expires_at.astimezone(UTC).strftime("%a %-d %b, %H:%M") in html


def test_approving_and_a_second_approval_refused(as_teacher, lesson):
    response = as_teacher.post(url("teacher_one_on_one_approve", lesson.pk), follow=True)
    assert texts(response) == ["The lesson is confirmed."]
    lesson.refresh_from_db()
    assert lesson.status == "confirmed"
    before = snapshot()
    response = as_teacher.post(url("teacher_one_on_one_approve", lesson.pk), follow=True)
    assert texts(response) == ["This request was already approved."]  # what happened, not "no"
    assert snapshot() == before


def test_declining_with_a_reason_frees_the_slot(as_teacher, lesson, availability):
    from fluentory_bookings.contrib.django.services import open_slots_for

    as_teacher.post(url("teacher_one_on_one_decline", lesson.pk), {"reason": "Not that day"})
    lesson.refresh_from_db()
    assert (lesson.status, lesson.decision_reason) == ("declined", "Not that day")
    assert lesson.starts_at in [s.start for s in open_slots_for(availability)]


def test_a_too_long_reason_writes_nothing(as_teacher, lesson):
    before = snapshot()
    response = as_teacher.post(
        url("teacher_one_on_one_decline", lesson.pk), {"reason": "x" * 1001}, follow=True
    )
    assert texts(response) == ["Reason: at most 1000 characters, please."]
    assert snapshot() == before


def test_cancelling_a_lesson(as_teacher, lesson):
    as_teacher.post(url("teacher_one_on_one_cancel", lesson.pk))
    lesson.refresh_from_db()
    assert lesson.status == "cancelled"


def test_setting_the_meeting_link(as_teacher, lesson):
    response = as_teacher.post(
        url("teacher_one_on_one_meeting_link", lesson.pk),
        {"meeting_link": "https://meet.example.com/l"},
    )
    assert response.status_code == 302
    lesson.refresh_from_db()
    assert lesson.meeting_link == "https://meet.example.com/l"


def test_a_bad_meeting_link_is_a_field_error(as_teacher, lesson):
    before = snapshot()
    response = as_teacher.post(
        url("teacher_one_on_one_meeting_link", lesson.pk),
        {"meeting_link": "http://plain.example.com"},
    )
    assert response.status_code == 400
    assert response.context["form"].errors["meeting_link"] == [
        "A meeting link must start with https://."
    ]
    assert snapshot() == before


# --- zones --------------------------------------------------------------------------------------


def test_times_are_shown_in_the_browser_s_zone_across_dst(as_teacher, group_course, teacher, clock):
    clock(datetime(2027, 3, 1, tzinfo=UTC))
    first = datetime(2027, 3, 21, 17, tzinfo=UTC)  # 13:00 in New York (EDT from 14 March)
    create_weekly_sessions(
        course=group_course,
        teacher=teacher,
        title="Evening",
        starts_at=first,
        ends_at=first + timedelta(hours=1),
        timezone="Europe/Berlin",
        weeks=2,
    )
    as_teacher.cookies["fb_tz"] = "America/New_York"
    html = as_teacher.get(url("teacher_schedule")).content.decode()
    assert "Times are shown in America/New_York." in html
    # 18:00 in Berlin both weeks: 13:00 in New York, then 12:00 once Berlin has moved.
    assert "Sun 21 Mar 2027, 13:00" in html
    assert "Sun 28 Mar 2027, 12:00" in html


# --- the service behind a weekly run ------------------------------------------------------------


def test_a_weekly_run_is_all_or_nothing(group_course, teacher, soon):
    create_session(
        course=group_course,
        teacher=teacher,
        title="Busy",
        starts_at=soon + timedelta(days=14),
        ends_at=soon + timedelta(days=14, hours=1),
    )
    before = snapshot()
    with pytest.raises(Conflict) as exc:
        create_weekly_sessions(
            course=group_course,
            teacher=teacher,
            title="Run",
            starts_at=soon,
            ends_at=soon + timedelta(hours=1),
            timezone="UTC",
            weeks=3,
        )
    assert len(exc.value.conflicts) == 1
    assert snapshot() == before


def test_a_weekly_run_sends_one_signal_per_session(group_course, teacher, soon, sent):
    with sent() as got:
        run = create_weekly_sessions(
            course=group_course,
            teacher=teacher,
            title="Run",
            starts_at=soon,
            ends_at=soon + timedelta(hours=1),
            timezone="UTC",
            weeks=3,
        )
    assert [s.starts_at - soon for s in run] == [timedelta(days=7 * i) for i in range(3)]
    assert got == [("session_created", s.pk, teacher) for s in run]


# --- constant queries -----------------------------------------------------------------------------


def queries(client, path):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(path).status_code == 200
    return len(ctx.captured_queries)


def many_students(n):
    User = get_user_model()
    User.objects.bulk_create([User(username=f"bulk-{i}") for i in range(n)])
    return list(User.objects.filter(username__startswith="bulk-").order_by("pk"))


def test_the_schedule_runs_constant_queries(as_teacher, group_course, teacher, soon):
    def add(n):
        LiveClassSession.objects.bulk_create(
            LiveClassSession(
                course=group_course,
                teacher=teacher,
                title=f"S{i}",
                starts_at=soon + timedelta(hours=i),
                ends_at=soon + timedelta(hours=i, minutes=30),
            )
            for i in range(LiveClassSession.objects.count(), n)
        )

    add(10)
    small = queries(as_teacher, url("teacher_schedule"))
    add(200)
    assert LiveClassSession.objects.count() == 200
    assert queries(as_teacher, url("teacher_schedule")) == small


def test_the_roster_runs_constant_queries(as_teacher, group_course, teacher, soon):
    session = LiveClassSession.objects.create(
        course=group_course,
        teacher=teacher,
        title="Big",
        starts_at=soon,
        ends_at=soon + timedelta(hours=1),
        total_seats=300,
        seats_taken=0,
    )
    students = many_students(200)

    def add(n):
        have = Booking.objects.count()
        Booking.objects.bulk_create(
            Booking(session=session, student=s, status="confirmed") for s in students[have:n]
        )
        LiveClassSession.objects.filter(pk=session.pk).update(seats_taken=n)

    add(10)
    small = queries(as_teacher, url("teacher_session_bookings", session.pk))
    add(200)
    assert queries(as_teacher, url("teacher_session_bookings", session.pk)) == small


def test_the_lessons_page_runs_constant_queries(as_teacher, one_course, teacher, soon):
    students = many_students(200)

    def add(n):
        have = OneOnOneBooking.objects.count()
        OneOnOneBooking.objects.bulk_create(
            OneOnOneBooking(
                student=s,
                teacher=teacher,
                course=one_course,
                starts_at=soon + timedelta(hours=i),
                ends_at=soon + timedelta(hours=i, minutes=30),
                status="pending" if i % 2 else "confirmed",
                requested_at=soon - timedelta(days=1),
                expires_at=soon + timedelta(hours=i) if i % 2 else None,
            )
            for i, s in enumerate(students[have:n], start=have)
        )

    add(10)
    small = queries(as_teacher, url("teacher_one_on_one_bookings"))
    add(200)
    assert queries(as_teacher, url("teacher_one_on_one_bookings")) == small


# --- paging ---------------------------------------------------------------------------------------


def test_the_schedule_pages_its_sessions(as_teacher, group_course, teacher, soon):
    from fluentory_bookings.contrib.django.views.teacher import PAGE_SIZE

    LiveClassSession.objects.bulk_create(
        LiveClassSession(
            course=group_course,
            teacher=teacher,
            title=f"S{i:03}",
            starts_at=soon + timedelta(hours=i),
            ends_at=soon + timedelta(hours=i, minutes=30),
        )
        for i in range(PAGE_SIZE + 3)
    )
    first = as_teacher.get(url("teacher_schedule"))
    assert [s.title for s in first.context["sessions"]] == [f"S{i:03}" for i in range(PAGE_SIZE)]
    assert 'href="?page=2"' in first.content.decode()
    second = as_teacher.get(url("teacher_schedule") + "?page=2")
    assert [s.title for s in second.context["sessions"]] == [
        f"S{i:03}" for i in range(PAGE_SIZE, PAGE_SIZE + 3)
    ]


def test_pending_requests_lead_even_when_they_come_later(as_teacher, one_course, teacher, soon):
    students = many_students(3)
    # A confirmed lesson first in time, then a pending request: the request is listed first.
    OneOnOneBooking.objects.bulk_create(
        OneOnOneBooking(
            student=s,
            teacher=teacher,
            course=one_course,
            starts_at=soon + timedelta(hours=i),
            ends_at=soon + timedelta(hours=i, minutes=30),
            status=status,
            requested_at=soon - timedelta(days=1),
            expires_at=soon if status == "pending" else None,
        )
        for i, (s, status) in enumerate(
            zip(students, ["confirmed", "pending", "cancelled"], strict=True)
        )
    )
    page = as_teacher.get(url("teacher_one_on_one_bookings"))
    assert [b.status for b in page.context["page"]] == ["pending", "confirmed"]


# --- the adapter's list of courses --------------------------------------------------------------


def test_taught_courses_are_those_is_teacher_accepts(teacher, make_course, make_user, settings):
    from fluentory_bookings.contrib.django.adapter import get_adapter

    mine = make_course("group_session", teacher=teacher)
    make_course("group_session", teacher=make_user())
    adapter = get_adapter()
    assert list(adapter.get_taught_courses(teacher)) == [mine]
    from django.contrib.auth.models import AnonymousUser

    assert list(adapter.get_taught_courses(AnonymousUser())) == []
    # Without a course/teacher model the example's Course has no teacher field: nobody teaches.
    settings.FLUENTORY_BOOKINGS_COURSE_TEACHER_MODEL = None
    assert not adapter.is_teacher(teacher, mine)
    assert list(adapter.get_taught_courses(teacher)) == []


def test_sessions_that_ended_lately_link_to_their_attendance(as_teacher, session, clock):
    clock(session.ends_at + timedelta(days=1))
    page = as_teacher.get(url("teacher_schedule"))
    assert list(page.context["sessions"]) == []
    assert list(page.context["recent"]) == [session]
    assert url("teacher_session_bookings", session.pk) in page.content.decode()
    clock(session.ends_at + timedelta(days=15))
    assert list(as_teacher.get(url("teacher_schedule")).context["recent"]) == []


def test_cancelling_a_series_from_one_lesson_on(as_teacher, teacher, student, one_course):
    from fluentory_bookings.contrib.django.services import approve_one_on_one

    first = day(7)
    weekly = set_availability(
        teacher,
        course=one_course,
        timezone="UTC",
        kind="weekly",
        start_date=first,
        weekdays=[first.weekday()],
        start_time=time(9),
        end_time=time(10),
    )
    series = request_one_on_one(weekly, student, at(first, 9), weeks=3)
    for b in series:
        approve_one_on_one(b, teacher)
    html = as_teacher.get(url("teacher_one_on_one_bookings")).content.decode()
    assert "Cancel this and the following lessons with student" in html
    before = snapshot()
    response = as_teacher.post(
        url("teacher_one_on_one_cancel", series[1].pk), {"scope": "everything"}, follow=True
    )
    assert texts(response) == ["Please choose this lesson, or this and the following ones."]
    assert snapshot() == before
    as_teacher.post(url("teacher_one_on_one_cancel", series[1].pk), {"scope": "following"})
    statuses = [OneOnOneBooking.objects.get(pk=b.pk).status for b in series]
    assert statuses == ["confirmed", "cancelled", "cancelled"]


def test_the_forms_start_in_the_teacher_s_own_zone(as_teacher, group_course, one_course):
    as_teacher.cookies["fb_tz"] = "Asia/Tokyo"
    for name in ("teacher_schedule", "teacher_availability"):
        page = as_teacher.get(url(name))
        assert str(page.context["form"]["timezone"].initial) == "Asia/Tokyo"
        assert '<option value="Asia/Tokyo" selected>' in page.content.decode()
