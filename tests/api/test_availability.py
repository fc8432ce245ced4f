"""availability/ (a teacher's own rules) and slots/ (what anyone may book)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from fluentory_bookings.contrib.django import services
from fluentory_bookings.contrib.django.models import OneOnOneBooking, TeacherAvailability
from lms.models import CourseTeacher
from tests.api.conftest import API, refused, snapshot
from tests.django.when import at, day

pytestmark = pytest.mark.django_db
URL = API + "availability/"


def rule(course, **changes):
    data = {
        "course": course.pk,
        "kind": "weekly",
        "timezone": "Europe/Berlin",
        "start_date": day(1).isoformat(),
        "start_time": "09:00",
        "end_time": "12:00",
        "weekdays": [0, 2, 4],
        "slot_minutes": 45,
    }
    return {**data, **changes}


def test_a_teacher_creates_reads_updates_and_deletes_their_rule(client_for, teacher, one_course):
    c = client_for(teacher)
    created = c.post(URL, rule(one_course), format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["timezone"] == "Europe/Berlin"
    assert body["weekdays"] == [0, 2, 4]
    assert body["start_time"] == "09:00:00"
    pk = body["id"]
    assert [r["id"] for r in c.get(URL).json()["results"]] == [pk]
    assert c.get(URL + f"{pk}/").json()["slot_minutes"] == 45
    patched = c.patch(URL + f"{pk}/", {"end_time": "13:00", "is_active": False}, format="json")
    assert patched.status_code == 200, patched.json()
    row = TeacherAvailability.objects.get(pk=pk)
    assert (row.end_time, row.is_active, row.slot_minutes) == (time(13), False, 45)
    put = c.put(URL + f"{pk}/", rule(one_course, kind="one_time", weekdays=[]), format="json")
    assert put.status_code == 200, put.json()
    assert TeacherAvailability.objects.get(pk=pk).kind == "one_time"
    assert c.delete(URL + f"{pk}/").status_code == 204
    assert not TeacherAvailability.objects.filter(pk=pk).exists()


@pytest.mark.parametrize("encoding", ["json", "form"])
def test_a_patch_changes_only_what_it_sends_in_any_encoding_the_schema_names(
    client_for, teacher, one_course, encoding
):
    """The schema offers JSON, urlencoded and multipart bodies for PATCH: a form's fields are
    single values, and every field left out keeps its value."""
    c = client_for(teacher)
    sent = rule(one_course, excluded_dates=[day(8).isoformat()], buffer_after_minutes=15)
    pk = c.post(URL, sent, format="json").json()["id"]
    if encoding == "json":
        patched = c.patch(URL + f"{pk}/", {"slot_minutes": 30}, format="json")
    else:
        patched = c.patch(
            URL + f"{pk}/", "slot_minutes=30", content_type="application/x-www-form-urlencoded"
        )
    assert patched.status_code == 200, patched.json()
    row = TeacherAvailability.objects.get(pk=pk)
    assert (row.slot_minutes, row.buffer_after_minutes, row.weekdays) == (30, 15, [0, 2, 4])
    assert (row.excluded_dates, row.course_id, row.start_time) == (
        [day(8).isoformat()],
        one_course.pk,
        time(9),
    )


def test_a_patch_that_is_not_an_object_is_a_typed_400_and_writes_nothing(
    client_for, teacher, availability
):
    before = snapshot()
    response = client_for(teacher).patch(URL + f"{availability.pk}/", [1, 2], format="json")
    refused(response, 400, "invalid_input")
    assert snapshot() == before


def test_deleting_keeps_the_lessons_booked_through_it(client_for, teacher, student, availability):
    (lesson,) = services.request_one_on_one(availability, student, at(day(3), 10))
    assert client_for(teacher).delete(URL + f"{availability.pk}/").status_code == 204
    lesson.refresh_from_db()
    assert lesson.status == "confirmed"
    assert lesson.availability_slot_id is None


def test_the_delete_service_refuses_another_teacher_s_rule(availability, make_user):
    from fluentory_bookings.core.errors import NotPermitted

    before = snapshot()
    with pytest.raises(NotPermitted):
        services.delete_availability(make_user(), availability)
    assert snapshot() == before


@pytest.mark.parametrize(
    ("changes", "code", "field"),
    [
        ({"timezone": "Berlin"}, "invalid_timezone", "timezone"),
        ({"weekdays": []}, "invalid_rule", "weekdays"),
        ({"weekdays": [7]}, "invalid_input", "weekdays"),
        ({"end_time": "09:00"}, "invalid_rule", None),
        ({"slot_minutes": 0}, "invalid_rule", "slot_minutes"),
        ({"slot_minutes": 600}, "invalid_rule", "slot_minutes"),
        ({"kind": "rrule", "rrule": "FREQ=SECONDLY"}, "invalid_input", "kind"),
        ({"start_date": "tomorrow"}, "invalid_input", "start_date"),
        ({"excluded_dates": ["2027-01-01"] * 401}, "invalid_input", "excluded_dates"),
    ],
)
def test_a_bad_rule_is_a_typed_400_and_writes_nothing(
    client_for, teacher, one_course, changes, code, field
):
    before = snapshot()
    refused(
        client_for(teacher).post(URL, rule(one_course, **changes), format="json"), 400, code, field
    )
    assert snapshot() == before


def test_only_a_course_the_teacher_teaches(client_for, teacher, make_course, make_user):
    elsewhere = make_course("one_on_one", teacher=make_user())
    group_course = make_course("group_session", teacher=teacher)
    before = snapshot()
    c = client_for(teacher)
    refused(c.post(URL, rule(elsewhere), format="json"), 400, "invalid_input", "course")
    refused(c.post(URL, rule(group_course), format="json"), 409, "booking_type")
    assert snapshot() == before


def test_another_teacher_s_availability_is_404_and_unchanged(
    client_for, availability, make_user, one_course
):
    c = client_for(make_user("other-teacher"))
    before = snapshot()
    assert c.get(URL + f"{availability.pk}/").status_code == 404
    refused(c.put(URL + f"{availability.pk}/", rule(one_course), format="json"), 404, "not_found")
    refused(
        c.patch(URL + f"{availability.pk}/", {"is_active": False}, format="json"), 404, "not_found"
    )
    refused(c.delete(URL + f"{availability.pk}/"), 404, "not_found")
    assert c.get(URL).json()["results"] == []
    assert snapshot() == before


# --- slots ----------------------------------------------------------------------------------------


def test_open_slots_of_a_course_in_the_requested_zone(
    client_for, student, availability, one_course, teacher
):
    services.request_one_on_one(availability, student, at(day(3), 10))
    start = day(3).isoformat()
    end = day(4).isoformat()
    body = client_for(student).get(
        API + f"slots/?course={one_course.pk}&from={start}&to={end}&tz=Asia/Tokyo"
    )
    assert body.status_code == 200, body.json()
    slots = body.json()["results"]
    starts = [datetime.fromisoformat(s["start"]) for s in slots]
    assert all(s.utcoffset() == timedelta(hours=9) for s in starts)
    # Midnight to midnight in Tokyo: 15:00 UTC the day before to 15:00 UTC; 10:00 UTC is taken.
    assert at(day(3), 10) not in starts
    assert at(day(3), 9) in starts
    assert {s["availability"] for s in slots} == {availability.pk}
    assert {s["teacher"] for s in slots} == {teacher.pk}
    assert {s["course"] for s in slots} == {one_course.pk}


def test_open_slots_of_a_teacher(client_for, student, availability, teacher):
    query = f"slots/?teacher={teacher.pk}&from={day(2).isoformat()}&to={day(3).isoformat()}"
    body = client_for(student).get(API + query).json()
    # 08:00 to 20:00 UTC in hour-long slots.
    assert [s["start"] for s in body["results"]] == [
        at(day(2), h).isoformat().replace("+00:00", "Z") for h in range(8, 20)
    ]


@pytest.mark.parametrize("by", ["course", "teacher"])
def test_slots_cost_the_same_queries_for_2_availabilities_as_for_20(
    client_for, student, teacher, one_course, by
):
    """The teacher's commitments are read once for all their availabilities, not once each."""

    def publish(n: int) -> None:
        for i in range(n):
            services.set_availability(
                teacher,
                course=one_course,
                timezone="UTC",
                kind="weekly",
                start_date=day(1),
                start_time=time(6 + i % 14),
                end_time=time(7 + i % 14),
                weekdays=[i % 7],
            )

    query = f"slots/?{by}={one_course.pk if by == 'course' else teacher.pk}&to={day(8)}"
    c = client_for(student)

    def count(n: int) -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = c.get(API + query)
        assert response.status_code == 200, response.json()
        assert len({s["availability"] for s in response.json()["results"]}) == n
        return len(ctx.captured_queries)

    publish(2)
    two = count(2)
    publish(18)
    assert count(20) == two


def test_slots_of_many_availabilities_are_read_in_batches_the_database_accepts(
    client_for, student, teacher, one_course
):
    """SQLite takes at most 500 terms in one compound SELECT: 200 availabilities in one
    statement of their teachers' commitments would be refused (a 500)."""
    TeacherAvailability.objects.bulk_create(
        TeacherAvailability(
            teacher=teacher,
            course=one_course,
            timezone="UTC",
            kind="one_time",
            start_date=day(2),
            start_time=time(i // 60 + 1, i % 60),
            end_time=time(i // 60 + 1, i % 60 + 1),
            slot_minutes=1,
        )
        for i in range(0, 400, 2)
    )
    response = client_for(student).get(API + f"slots/?teacher={teacher.pk}&to={day(3)}")
    assert response.status_code == 200, response.json()
    assert len({s["availability"] for s in response.json()["results"]}) == 200


@pytest.mark.parametrize("change", ["no_longer_teaches", "course_takes_group_sessions"])
def test_a_teacher_s_slots_leave_out_what_no_student_could_book(
    client_for, student, availability, teacher, one_course, make_course, change
):
    """As the course page: a slot is listed only where a course could book it. A rule for a
    course its teacher left, or that no longer takes 1:1 lessons, only leads to a refusal; a
    rule open to every course stays, since the teacher still teaches another 1:1 course."""
    make_course("one_on_one", teacher=teacher)
    open_to_all = services.set_availability(
        teacher,
        timezone="UTC",
        kind="weekly",
        start_date=day(1),
        start_time=time(21),
        end_time=time(22),
        weekdays=range(7),
    )
    if change == "no_longer_teaches":
        CourseTeacher.objects.filter(course=one_course, teacher=teacher).delete()
    else:
        one_course.booking_type = "group_session"
        one_course.save()
    query = f"slots/?teacher={teacher.pk}&from={day(2).isoformat()}&to={day(3).isoformat()}"
    body = client_for(student).get(API + query).json()
    assert [(s["availability"], s["start"]) for s in body["results"]] == [
        (open_to_all.pk, at(day(2), 21).isoformat().replace("+00:00", "Z"))
    ]
    refused(
        client_for(student).post(
            API + "bookings/one-on-one/",
            {"availability": availability.pk, "starts_at": at(day(2), 9).isoformat()},
            format="json",
        ),
        409,
        "slot_unavailable" if change == "no_longer_teaches" else "booking_type",
    )


@pytest.mark.parametrize(
    ("query", "status", "code", "field"),
    [
        ("", 400, "invalid_input", "course"),
        ("?course=COURSE&from=2027-01-01&to=2027-04-02", 400, "limit_exceeded", "to"),
        ("?course=COURSE&tz=Nowhere", 400, "invalid_timezone", "tz"),
        ("?course=999999", 400, "invalid_input", "course"),
        ("?course=GROUP", 409, "booking_type", None),
    ],
)
def test_slot_queries_are_bounded_and_checked(
    client_for, student, one_course, group, availability, query, status, code, field
):
    query = query.replace("COURSE", str(one_course.pk)).replace("GROUP", str(group.pk))
    refused(client_for(student).get(API + "slots/" + query), status, code, field)


@override_settings(FLUENTORY_BOOKINGS_MIN_SLOT_MINUTES=5)
def test_more_open_slots_than_the_bound_is_a_typed_400(client_for, student, teacher, one_course):
    from fluentory_bookings.contrib.django.api.views import MAX_SLOTS

    services.set_availability(
        teacher,
        course=one_course,
        timezone="UTC",
        kind="weekly",
        start_date=day(1),
        start_time=time(0),
        end_time=time(23, 55),
        weekdays=range(7),
        slot_minutes=5,
    )
    c = client_for(student)
    # 287 slots a day: six days fit under the bound, seven do not. From the second day on, so
    # that the minimum notice never eats into the range (near midnight it reaches tomorrow).
    six_days = c.get(API + f"slots/?course={one_course.pk}&from={day(2)}&to={day(8)}")
    assert len(six_days.json()["results"]) == 287 * 6 <= MAX_SLOTS < 287 * 7
    seven_days = c.get(API + f"slots/?teacher={teacher.pk}&from={day(2)}&to={day(9)}")
    assert refused(seven_days, 400, "limit_exceeded", "to")["limit"] == MAX_SLOTS


def test_a_booked_slot_is_no_longer_listed(client_for, student, availability, one_course):
    c = client_for(student)
    query = f"slots/?course={one_course.pk}&from={day(3).isoformat()}&to={day(4).isoformat()}"
    first = c.get(API + query).json()["results"][0]
    booked = c.post(
        API + "bookings/one-on-one/",
        {"availability": first["availability"], "starts_at": first["start"]},
        format="json",
    )
    assert booked.status_code == 201, booked.json()
    again = c.get(API + query).json()["results"]
    assert first["start"] not in [s["start"] for s in again]
    assert OneOnOneBooking.objects.count() == 1
