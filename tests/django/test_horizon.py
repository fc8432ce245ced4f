"""Dates beyond the scheduling horizon, or at the edge of the calendar, are refused wherever they
enter (services, pages, admin) with nothing written, and never crash a page (issue 17, items 6
and 8)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from fluentory_bookings.contrib.django import services
from fluentory_bookings.contrib.django.models import (
    Booking,
    BookingReminder,
    LiveClassSession,
    OneOnOneBooking,
    TeacherAvailability,
)
from fluentory_bookings.core import MAX_SCHEDULE_AHEAD, InvalidInput, LimitExceeded
from tests.django.when import at, day

pytestmark = pytest.mark.django_db

BEYOND = MAX_SCHEDULE_AHEAD + timedelta(days=2)
FAR = datetime(9979, 1, 5, 9, tzinfo=UTC)  # the session that made the admin run 7,960 queries
EDGE = "9999-12-31T23:00:00-05:00"  # an instant of year 10000 once in UTC


def snapshot() -> list[list[tuple[Any, ...]]]:
    """Every row a refused request could have written."""
    return [
        sorted(m.objects.values_list())
        for m in (LiveClassSession, Booking, OneOnOneBooking, TeacherAvailability, BookingReminder)
    ]


def url(name: str, *args: Any) -> str:
    return reverse(f"fluentory_bookings:{name}", args=args)


def whole_hour(instant: datetime) -> datetime:
    return instant.replace(minute=0, second=0, microsecond=0)


@pytest.fixture
def session(group, teacher, soon):
    return services.create_session(
        course=group,
        teacher=teacher,
        title="Conversation",
        starts_at=soon,
        ends_at=soon + timedelta(hours=1),
        timezone="Europe/Berlin",
    )


@pytest.fixture
def one_course(make_course, teacher, student):
    return make_course("one_on_one", teacher=teacher, students=[student])


@pytest.fixture
def availability(teacher, one_course):
    """Every day from today, 08:00-20:00 UTC, hour-long slots, with no last day."""
    return services.set_availability(
        teacher,
        course=one_course,
        timezone="UTC",
        start_date=day(0),
        start_time=time(8),
        end_time=time(20),
        weekdays=range(7),
    )


def session_args(group, teacher, start, **extra):
    return {
        "course": group,
        "teacher": teacher,
        "title": "Far away",
        "starts_at": start,
        "ends_at": start + timedelta(hours=1),
        **extra,
    }


# --- services -------------------------------------------------------------------------------------


def test_a_session_within_the_horizon_is_created(group, teacher):
    start = whole_hour(timezone.now() + MAX_SCHEDULE_AHEAD - timedelta(days=2))
    session = services.create_session(**session_args(group, teacher, start))
    assert session.starts_at == start


@pytest.mark.parametrize(
    "start", [whole_hour(timezone.now() + BEYOND), FAR], ids=["beyond-horizon", "year-9979"]
)
def test_a_session_beyond_the_horizon_is_refused(group, teacher, start):
    before = snapshot()
    with pytest.raises(LimitExceeded) as info:
        services.create_session(**session_args(group, teacher, start))
    assert (info.value.field, info.value.limit) == ("starts_at", MAX_SCHEDULE_AHEAD.days)
    with pytest.raises(LimitExceeded):
        services.check_new_session(**session_args(group, teacher, start))
    assert snapshot() == before


def test_a_weekly_run_that_ends_beyond_the_horizon_writes_nothing(group, teacher):
    first = whole_hour(timezone.now() + MAX_SCHEDULE_AHEAD - timedelta(days=10))
    before = snapshot()
    with pytest.raises(LimitExceeded):
        services.create_weekly_sessions(weeks=3, **session_args(group, teacher, first))
    assert snapshot() == before


@pytest.mark.parametrize("start", [whole_hour(timezone.now() + BEYOND), FAR])
def test_a_session_moved_beyond_the_horizon_is_refused(session, teacher, start):
    before = snapshot()
    with pytest.raises(LimitExceeded) as info:
        services.update_session(
            session, teacher, starts_at=start, ends_at=start + timedelta(hours=1)
        )
    assert info.value.field == "starts_at"
    assert snapshot() == before


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("start_date", day(MAX_SCHEDULE_AHEAD.days + 2)),
        ("end_date", day(MAX_SCHEDULE_AHEAD.days + 2)),
        ("excluded_dates", [day(3), day(MAX_SCHEDULE_AHEAD.days + 2)]),
        ("start_date", date(9979, 1, 5)),
        ("end_date", date(9999, 12, 31)),
        ("excluded_dates", [date(9999, 12, 31)]),
    ],
)
def test_availability_dates_beyond_the_horizon_are_refused(teacher, one_course, field, value):
    arguments = {
        "course": one_course,
        "timezone": "Etc/GMT+12",
        "start_date": day(1),
        "start_time": time(9),
        "end_time": time(12),
        "weekdays": range(7),
        field: value,
    }
    before = snapshot()
    with pytest.raises(InvalidInput) as info:
        services.set_availability(teacher, **arguments)
    assert info.value.field == field
    assert snapshot() == before


def test_an_availability_changed_to_end_beyond_the_horizon_stays_as_it_was(teacher, availability):
    before = snapshot()
    with pytest.raises(LimitExceeded):
        services.set_availability(
            teacher,
            availability=availability,
            course=availability.course,
            timezone="UTC",
            start_date=availability.start_date,
            end_date=date(9979, 1, 5),
            start_time=time(8),
            end_time=time(20),
            weekdays=range(7),
        )
    assert snapshot() == before


def test_a_lesson_beyond_the_horizon_is_refused_even_without_a_booking_horizon(
    settings, availability, student
):
    settings.FLUENTORY_BOOKINGS_BOOKING_HORIZON = None
    before = snapshot()
    with pytest.raises(LimitExceeded) as info:
        services.request_one_on_one(availability, student, at(day(MAX_SCHEDULE_AHEAD.days + 2), 9))
    assert info.value.field == "starts_at"
    assert snapshot() == before


def test_a_series_that_runs_past_the_horizon_is_refused(settings, availability, student):
    settings.FLUENTORY_BOOKINGS_BOOKING_HORIZON = None
    before = snapshot()
    with pytest.raises(LimitExceeded) as info:
        services.request_one_on_one(
            availability, student, at(day(MAX_SCHEDULE_AHEAD.days - 7), 9), weeks=4
        )
    assert info.value.field == "weeks"
    assert snapshot() == before


def test_slots_are_never_listed_beyond_the_horizon(settings, availability):
    settings.FLUENTORY_BOOKINGS_BOOKING_HORIZON = None
    last = timezone.now() + MAX_SCHEDULE_AHEAD
    found = services.open_slots_for(
        availability, start=last - timedelta(days=1), end=last + timedelta(days=5)
    )
    assert found
    assert all(s.start <= last for s in found)


# --- the student's pages ------------------------------------------------------------------------


@pytest.fixture
def as_student(client, student):
    client.force_login(student)
    return client


@pytest.fixture
def as_teacher(client, teacher):
    client.force_login(teacher)
    return client


@pytest.mark.parametrize("sent", [EDGE, "0001-01-01T00:30:00+05:00", FAR.isoformat()])
def test_the_lesson_page_shows_an_edge_start_without_crashing(as_student, availability, sent):
    page = url("student_book_one_on_one_submit", availability.pk)
    before = snapshot()
    assert as_student.get(page, {"start": sent}).status_code == 200
    response = as_student.post(page, {"starts_at": sent, "weeks": "1"})
    assert response.status_code == 200
    assert response.context["form"].errors or list(response.context["messages"])
    assert snapshot() == before


def test_the_slot_picker_does_not_go_beyond_the_horizon(as_student, one_course, availability):
    far_week = day(MAX_SCHEDULE_AHEAD.days + 7)
    response = as_student.get(url("student_book_one_on_one", one_course.pk), {"week": far_week})
    assert response.status_code == 200
    assert response.context["form"].errors["week"]
    assert response.context["week_start"] == timezone.now().astimezone(UTC).date()


# --- the teacher's pages ------------------------------------------------------------------------


def session_form(course, d: str, t: str = "18:00", zone: str = "Europe/Berlin", **extra):
    return {
        "course": course.pk,
        "title": "Grammar clinic",
        "description": "",
        "date": d,
        "start_time": t,
        "duration_minutes": "60",
        "timezone": zone,
        "total_seats": "8",
        "meeting_link": "https://meet.example.com/g",
        "weeks": "1",
        **extra,
    }


EDGE_FORM = {"d": "9999-12-31", "t": "23:00", "zone": "Etc/GMT+12"}
FAR_FORM = {"d": "9979-01-05", "t": "09:00", "zone": "UTC"}
BEYOND_FORM = {"d": day(MAX_SCHEDULE_AHEAD.days + 2).isoformat(), "t": "09:00", "zone": "UTC"}


@pytest.mark.parametrize("when", [EDGE_FORM, FAR_FORM, BEYOND_FORM], ids=["edge", "far", "beyond"])
def test_the_session_create_form_refuses_far_dates_on_the_date(as_teacher, group, when):
    before = snapshot()
    response = as_teacher.post(url("teacher_session_create"), session_form(group, **when))
    assert response.status_code == 400  # the form again, with its errors
    assert response.context["form"].errors["date"]
    assert snapshot() == before


@pytest.mark.parametrize("when", [EDGE_FORM, FAR_FORM, BEYOND_FORM], ids=["edge", "far", "beyond"])
def test_the_session_edit_form_refuses_far_dates_on_the_date(as_teacher, session, when):
    data = session_form(session.course, **when)
    before = snapshot()
    response = as_teacher.post(url("teacher_session_edit", session.pk), data)
    assert response.status_code == 400  # the form again, with its errors
    assert response.context["form"].errors["date"]
    assert snapshot() == before


def availability_form(course, **extra):
    return {
        "kind": "weekly",
        "course": course.pk,
        "timezone": "Etc/GMT+12",
        "start_date": day(1).isoformat(),
        "end_date": "",
        "start_time": "09:00",
        "end_time": "12:00",
        "weekdays": ["0", "2"],
        "excluded_dates": "",
        "slot_minutes": "60",
        "buffer_before_minutes": "0",
        "buffer_after_minutes": "0",
        "is_active": "on",
        **extra,
    }


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("start_date", "9999-12-31"),
        ("end_date", "9999-12-31"),
        ("end_date", "9979-01-05"),
        ("excluded_dates", "9999-12-31"),
    ],
)
def test_the_availability_form_refuses_far_dates(as_teacher, one_course, field, value):
    before = snapshot()
    response = as_teacher.post(
        url("teacher_availability"), availability_form(one_course, **{field: value})
    )
    assert response.status_code == 400  # the form again, with its errors
    assert response.context["form"].errors[field]
    assert snapshot() == before


# --- the admin ----------------------------------------------------------------------------------


@pytest.fixture
def as_admin(client, make_user):
    client.force_login(make_user("root", is_staff=True, is_superuser=True))
    return client


def admin_session_form(course, teacher, start: datetime, **extra):
    end = start + timedelta(hours=1)
    return {
        "course": course.pk,
        "teacher": teacher.pk,
        "title": "Conversation",
        "description": "",
        "starts_at_0": f"{start.year:04d}-{start.month:02d}-{start.day:02d}",
        "starts_at_1": start.strftime("%H:%M:%S"),
        "ends_at_0": f"{end.year:04d}-{end.month:02d}-{end.day:02d}",
        "ends_at_1": end.strftime("%H:%M:%S"),
        "timezone": "Europe/Berlin",
        "total_seats": "8",
        "meeting_link": "",
        **extra,
    }


@pytest.mark.parametrize(
    "start",
    [FAR, whole_hour(timezone.now() + BEYOND), datetime(9999, 12, 30, 22)],
    ids=["year-9979", "beyond", "edge"],
)
def test_the_admin_refuses_a_far_session_on_add_and_change(
    as_admin, group, teacher, session, start
):
    before = snapshot()
    add = reverse("admin:fluentory_bookings_liveclasssession_add")
    response = as_admin.post(add, admin_session_form(group, teacher, start))
    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    change = reverse("admin:fluentory_bookings_liveclasssession_change", args=[session.pk])
    response = as_admin.post(change, admin_session_form(group, teacher, start))
    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    assert snapshot() == before


def test_the_admin_refuses_an_availability_ending_far_away(as_admin, teacher, one_course):
    data = {
        "teacher": teacher.pk,
        "course": one_course.pk,
        "timezone": "Europe/Berlin",
        "kind": "weekly",
        "start_date": day(3).isoformat(),
        "end_date": "9979-01-05",
        "start_time": "09:00",
        "end_time": "11:00",
        "weekdays": "[0, 2]",
        "excluded_dates": "[]",
        "slot_minutes": "60",
        "buffer_before_minutes": "0",
        "buffer_after_minutes": "0",
        "is_active": "on",
    }
    before = snapshot()
    response = as_admin.post(reverse("admin:fluentory_bookings_teacheravailability_add"), data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    assert snapshot() == before


def test_a_far_session_already_stored_costs_the_changelist_a_few_queries(as_admin, session):
    """A row written before the horizon existed (or by hand) must not make the date drill-down
    probe every year in between."""
    LiveClassSession.objects.filter(pk=session.pk).update(
        starts_at=FAR, ends_at=FAR + timedelta(hours=1)
    )
    services.create_session(
        course=session.course,
        teacher=session.teacher,
        title="Soon",
        starts_at=whole_hour(timezone.now() + timedelta(days=3)),
        ends_at=whole_hour(timezone.now() + timedelta(days=3)) + timedelta(hours=1),
    )
    changelist = reverse("admin:fluentory_bookings_liveclasssession_changelist")
    with CaptureQueriesContext(connection) as ctx:
        response = as_admin.get(changelist)
    assert response.status_code == 200
    assert len(ctx.captured_queries) < 30, len(ctx.captured_queries)
    years = [y.year for y in response.context["cl"].queryset.datetimes("starts_at", "year")]
    assert years == sorted({timezone.now().year, (timezone.now() + timedelta(days=3)).year, 9979})
