"""Bounded work and quotas at the API's doors (issue 17, items 2, 3, 4 and 11): who may publish
availability without a course, how many rules a teacher keeps, the shortest lesson, how many
requests wait for one teacher, and a slot listing that stops at its bound."""

from __future__ import annotations

from datetime import time

import pytest
from django.test import override_settings

from fluentory_bookings.contrib.django import services
from fluentory_bookings.contrib.django.api.views import MAX_SLOTS
from fluentory_bookings.contrib.django.models import OneOnOneBooking, TeacherAvailability
from fluentory_bookings.contrib.django.services import availability as availability_module
from tests.api.conftest import API, refused, snapshot
from tests.django.when import at, day

URL = API + "availability/"


def open_rule(**changes):
    """A weekly rule without a course: open to every 1:1 course its teacher teaches."""
    data = {
        "kind": "weekly",
        "timezone": "UTC",
        "start_date": day(1).isoformat(),
        "start_time": "09:00",
        "end_time": "12:00",
        "weekdays": list(range(7)),
        "slot_minutes": 60,
    }
    return {**data, **changes}


# --- item 2: who may publish without a course, and how many rules -----------------------------


def test_a_user_who_teaches_nothing_cannot_publish_availability_without_a_course(
    client_for, make_user
):
    before = snapshot()
    response = client_for(make_user("nobody")).post(URL, open_rule(), format="json")
    refused(response, 403, "not_permitted")
    assert snapshot() == before


def test_a_teacher_of_group_courses_only_cannot_either(client_for, make_user, make_course):
    someone = make_user("group_only")
    make_course("group_session", teacher=someone)
    before = snapshot()
    refused(client_for(someone).post(URL, open_rule(), format="json"), 403, "not_permitted")
    assert snapshot() == before


def test_a_teacher_of_a_1_1_course_may(client_for, teacher, one_course):
    response = client_for(teacher).post(URL, open_rule(), format="json")
    assert response.status_code == 201, response.json()
    assert TeacherAvailability.objects.get().course_id is None


def test_slots_of_a_rule_nobody_can_book_are_not_listed(client_for, student, teacher, one_course):
    """A rule without a course stays in the database when its teacher leaves their last 1:1
    course, but no student could book it: the teacher's listing leaves it out."""
    services.set_availability(
        teacher,
        timezone="UTC",
        kind="weekly",
        start_date=day(1),
        start_time=time(9),
        end_time=time(12),
        weekdays=range(7),
    )
    query = API + f"slots/?teacher={teacher.pk}&from={day(2)}&to={day(3)}"
    assert len(client_for(student).get(query).json()["results"]) == 3
    one_course.booking_type = "group_session"
    one_course.save()
    assert client_for(student).get(query).json()["results"] == []


@override_settings(FLUENTORY_BOOKINGS_MAX_AVAILABILITIES_PER_TEACHER=2)
def test_rules_per_teacher_are_capped_and_the_refusal_writes_nothing(
    client_for, teacher, one_course
):
    c = client_for(teacher)
    first = c.post(URL, open_rule(), format="json")
    assert (
        c.post(URL, open_rule(start_time="13:00", end_time="14:00"), format="json").status_code
        == 201
    )
    before = snapshot()
    body = refused(
        c.post(URL, open_rule(start_time="15:00", end_time="16:00"), format="json"),
        409,
        "availability_limit",
    )
    assert body["message"].startswith("You publish as many availabilities as you may")
    assert snapshot() == before
    # Changing a rule is no new rule; deleting one makes room.
    pk = first.json()["id"]
    assert c.patch(URL + f"{pk}/", {"end_time": "11:00"}, format="json").status_code == 200
    assert c.delete(URL + f"{pk}/").status_code == 204
    assert (
        c.post(URL, open_rule(start_time="15:00", end_time="16:00"), format="json").status_code
        == 201
    )


def test_the_default_cap_is_fifty(client_for, teacher, one_course):
    TeacherAvailability.objects.bulk_create(
        TeacherAvailability(
            teacher=teacher,
            timezone="UTC",
            kind="one_time",
            start_date=day(1),
            start_time=time(9),
            end_time=time(10),
        )
        for _ in range(50)
    )
    before = snapshot()
    refused(client_for(teacher).post(URL, open_rule(), format="json"), 409, "availability_limit")
    assert snapshot() == before


# --- item 4: the shortest lesson -----------------------------------------------------------------


@pytest.mark.parametrize("minutes", [1, 5, 14])
def test_a_slot_shorter_than_the_minimum_is_refused(client_for, teacher, one_course, minutes):
    before = snapshot()
    response = client_for(teacher).post(URL, open_rule(slot_minutes=minutes), format="json")
    refused(response, 400, "invalid_rule", "slot_minutes")
    assert snapshot() == before


@override_settings(FLUENTORY_BOOKINGS_MIN_SLOT_MINUTES=5)
def test_the_minimum_is_the_host_s_to_choose(client_for, teacher, one_course):
    assert (
        client_for(teacher).post(URL, open_rule(slot_minutes=5), format="json").status_code == 201
    )


# --- item 3: a listing stops at its bound --------------------------------------------------------


@override_settings(FLUENTORY_BOOKINGS_MIN_SLOT_MINUTES=1)
def test_a_listing_over_the_bound_computes_no_more_than_the_bound(
    client_for, student, teacher, one_course, monkeypatch
):
    """Ten rules of 1-minute slots hold ~100,000 slots in a week: the refusal is decided after
    computing one slot more than the bound, not all of them."""
    for i in range(10):
        services.set_availability(
            teacher,
            course=one_course,
            timezone="UTC",
            kind="weekly",
            start_date=day(1),
            start_time=time(0, i),
            end_time=time(23, 50 + i),
            weekdays=range(7),
            slot_minutes=1,
        )
    computed = 0
    real = availability_module.iter_open_slots

    def counting(*args, **kwargs):
        nonlocal computed
        for slot in real(*args, **kwargs):
            computed += 1
            yield slot

    monkeypatch.setattr(availability_module, "iter_open_slots", counting)
    response = client_for(student).get(API + f"slots/?course={one_course.pk}&to={day(8)}")
    assert refused(response, 400, "limit_exceeded", "to")["limit"] == MAX_SLOTS
    # heapq.merge reads one slot ahead of each of the ten streams.
    assert MAX_SLOTS < computed <= MAX_SLOTS + 1 + 10


# --- item 11: requests waiting for one teacher ---------------------------------------------------


@pytest.fixture
def approving(make_course, teacher, student):
    """A course whose teacher approves every 1:1, with an hour-long rule every day 08-20."""
    course = make_course("one_on_one", teacher=teacher, students=[student], approval=True)
    rule = services.set_availability(
        teacher,
        course=course,
        timezone="UTC",
        kind="weekly",
        start_date=day(1),
        start_time=time(8),
        end_time=time(20),
        weekdays=range(7),
    )
    return course, rule


def request(client, rule, when, **extra):
    return client.post(
        API + "bookings/one-on-one/",
        {"availability": rule.pk, "starts_at": when.isoformat(), **extra},
        format="json",
    )


def test_a_student_may_keep_three_requests_waiting_for_one_teacher(client_for, student, approving):
    _, rule = approving
    c = client_for(student)
    for hour in (9, 10, 11):
        assert request(c, rule, at(day(3), hour)).status_code == 201
    before = snapshot()
    body = refused(request(c, rule, at(day(3), 12)), 409, "pending_limit")
    assert body["message"].startswith("You have as many requests waiting for this teacher")
    assert snapshot() == before
    # Once the teacher answers one, there is room again.
    waiting = OneOnOneBooking.objects.filter(status="pending").order_by("starts_at").first()
    services.decline_one_on_one(waiting, waiting.teacher)
    assert request(c, rule, at(day(3), 12)).status_code == 201


def test_a_weekly_series_counts_as_one_request(client_for, student, approving):
    _, rule = approving
    c = client_for(student)
    assert request(c, rule, at(day(3), 9), weeks=4).status_code == 201
    assert request(c, rule, at(day(3), 10), weeks=4).status_code == 201
    assert request(c, rule, at(day(3), 11)).status_code == 201
    assert OneOnOneBooking.objects.filter(status="pending").count() == 9
    refused(request(c, rule, at(day(3), 12)), 409, "pending_limit")


def test_the_limit_is_per_teacher_and_only_for_requests_that_wait(
    client_for, student, approving, make_user, make_course, availability
):
    """``availability`` (conftest) is the same teacher's rule for a course that confirms at once:
    confirmed lessons wait for nobody, so they do not count."""
    _, rule = approving
    c = client_for(student)
    for hour in (9, 10, 11):
        assert request(c, rule, at(day(3), hour)).status_code == 201
    for hour in (13, 14, 15, 16):
        assert request(c, availability, at(day(4), hour)).status_code == 201
    other = make_user("other_teacher")
    course = make_course("one_on_one", teacher=other, students=[student], approval=True)
    theirs = services.set_availability(
        other,
        course=course,
        timezone="UTC",
        kind="one_time",
        start_date=day(5),
        start_time=time(9),
        end_time=time(10),
    )
    assert request(c, theirs, at(day(5), 9)).status_code == 201


@override_settings(FLUENTORY_BOOKINGS_MAX_PENDING_PER_TEACHER=None)
def test_none_lifts_the_limit(client_for, student, approving):
    _, rule = approving
    c = client_for(student)
    for hour in range(9, 15):
        assert request(c, rule, at(day(3), hour)).status_code == 201
