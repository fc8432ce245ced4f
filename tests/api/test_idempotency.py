"""``Idempotency-Key``: retries of a POST get its first result, and exactly one booking is made,
also when the retries race each other in real threads (SQLite and PostgreSQL)."""

from __future__ import annotations

import itertools
import json
from datetime import timedelta
from typing import Any

import pytest
from rest_framework.test import APIClient

from fluentory_bookings.contrib.django.models import (
    Booking,
    IdempotencyRecord,
    LiveClassSession,
    TeacherAvailability,
)
from fluentory_bookings.contrib.django.services import create_session
from tests.django.conftest import race
from tests.django.when import day

URL = "/api/bookings/group/"


@pytest.fixture
def session(make_course, make_user, teacher, soon):
    hours = itertools.count()

    def make(*students: Any, seats: int = 5) -> LiveClassSession:
        course = make_course("group_session", teacher=teacher, students=students)
        start = soon + timedelta(hours=next(hours))  # the teacher's sessions never overlap
        return create_session(
            course=course,
            teacher=teacher,
            title="Retry me",
            starts_at=start,
            ends_at=start + timedelta(hours=1),
            total_seats=seats,
        )

    return make


def client_for(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def post(user: Any, body: dict[str, Any], key: str | None = None, url: str = URL) -> Any:
    headers = {} if key is None else {"Idempotency-Key": key}
    return client_for(user).post(url, body, format="json", headers=headers)


def answer(response: Any) -> tuple[int, Any]:
    return response.status_code, json.loads(response.content)


@pytest.mark.isolation  # at snapshot levels, the advisory-lock path
@pytest.mark.django_db(transaction=True)
def test_a_retry_gets_the_first_result_and_books_once(session, make_user):
    student = make_user()
    s = session(student)
    first = post(student, {"session": s.pk}, key="k-1")
    retry = post(student, {"session": s.pk}, key="k-1")

    assert first.status_code == 201
    assert answer(retry) == answer(first)
    assert retry["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert Booking.objects.filter(session=s, student=student).count() == 1


@pytest.mark.django_db
def test_a_retried_action_on_a_booking_is_answered_once(session, make_user):
    student = make_user()
    s = session(student)
    booking = post(student, {"session": s.pk}).json()["id"]
    cancel = f"{URL}{booking}/cancel/"
    first = post(student, {}, key="cancel-1", url=cancel)
    retry = post(student, {}, key="cancel-1", url=cancel)
    assert first.status_code == 200
    assert first.json()["status"] == "cancelled"
    assert answer(retry) == answer(first)
    assert retry["Idempotent-Replayed"] == "true"


@pytest.mark.django_db
def test_without_a_key_a_repeat_is_refused_by_the_rules(session, make_user):
    """What the key saves the client from: the second POST is a 409, not the booking."""
    student = make_user()
    s = session(student)
    assert post(student, {"session": s.pk}).status_code == 201
    again = post(student, {"session": s.pk})
    assert again.status_code == 409
    assert again.json()["code"] == "already_booked"


@pytest.mark.django_db
def test_key_order_and_spacing_of_the_body_do_not_matter(session, make_user):
    student = make_user()
    s = session(student)
    first = post(student, {"session": s.pk, "note": "x"}, key="k")
    raw = json.dumps({"note": "x", "session": s.pk}, indent=2)
    retry = client_for(student).post(
        URL, raw, content_type="application/json", headers={"Idempotency-Key": "k"}
    )
    assert answer(retry) == answer(first)


@pytest.mark.isolation
@pytest.mark.django_db(transaction=True)
def test_the_same_key_with_another_body_is_refused_and_changes_nothing(session, make_user):
    student = make_user()
    s1, s2 = session(student), session(student)
    post(student, {"session": s1.pk}, key="k")
    before = list(Booking.objects.values_list("pk", "session_id", "status"))
    records = list(IdempotencyRecord.objects.values())

    reused = post(student, {"session": s2.pk}, key="k")

    assert reused.status_code == 422
    assert reused.json()["code"] == "idempotency_key_reused"
    assert reused.json()["message"]
    assert list(Booking.objects.values_list("pk", "session_id", "status")) == before
    assert list(IdempotencyRecord.objects.values()) == records


@pytest.mark.django_db
def test_the_same_key_on_another_path_is_refused(session, make_user):
    student = make_user()
    s = session(student)
    post(student, {"session": s.pk}, key="k")
    reused = post(student, {"session": s.pk}, key="k", url=URL + "?again=1")
    assert reused.status_code == 422
    assert reused.json()["code"] == "idempotency_key_reused"


@pytest.mark.django_db
@pytest.mark.parametrize("key", ["", " ", "a b", "ключ", "x" * 256, "tab\there"])
def test_a_bad_key_is_a_400_and_changes_nothing(session, make_user, key):
    student = make_user()
    s = session(student)
    response = post(student, {"session": s.pk}, key=key)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_idempotency_key"
    assert not Booking.objects.exists()
    assert not IdempotencyRecord.objects.exists()


@pytest.mark.django_db
def test_the_longest_key_is_accepted(session, make_user):
    student = make_user()
    s = session(student)
    assert post(student, {"session": s.pk}, key="~" * 255).status_code == 201


@pytest.mark.django_db
def test_keys_belong_to_their_user(session, make_user):
    alice, bob = make_user(), make_user()
    s = session(alice, bob)
    a = post(alice, {"session": s.pk}, key="shared")
    b = post(bob, {"session": s.pk}, key="shared")
    assert a.status_code == b.status_code == 201
    assert a.json()["id"] != b.json()["id"]
    assert set(Booking.objects.values_list("student_id", flat=True)) == {alice.pk, bob.pk}


@pytest.mark.isolation
@pytest.mark.django_db(transaction=True)
def test_a_refusal_is_not_stored_so_the_key_can_be_retried(session, make_user):
    student, other = make_user(), make_user()
    s = session(student, other, seats=1)
    post(other, {"session": s.pk})  # takes the only seat; no waitlist
    refused = post(student, {"session": s.pk}, key="k")
    assert refused.status_code == 409
    assert not IdempotencyRecord.objects.exists()

    Booking.objects.get(student=other).cancel()  # the seat is free again
    retried = post(student, {"session": s.pk}, key="k")
    assert retried.status_code == 201
    assert "Idempotent-Replayed" not in retried


@pytest.mark.django_db
def test_an_expired_key_starts_afresh(session, make_user, settings):
    settings.FLUENTORY_BOOKINGS_IDEMPOTENCY_TTL = timedelta(0)
    student = make_user()
    s = session(student)
    post(student, {"session": s.pk}, key="k")
    again = post(student, {"session": s.pk}, key="k")
    # Not replayed: the rules answer the repeat.
    assert again.status_code == 409
    assert again.json()["code"] == "already_booked"
    assert "Idempotent-Replayed" not in again


@pytest.mark.django_db
def test_housekeeping_purges_expired_records(session, make_user, settings):
    from django.core.management import call_command

    student = make_user()
    s = session(student)
    settings.FLUENTORY_BOOKINGS_IDEMPOTENCY_TTL = timedelta(0)
    post(student, {"session": s.pk}, key="old")
    settings.FLUENTORY_BOOKINGS_IDEMPOTENCY_TTL = timedelta(hours=1)
    other = session(student)
    post(student, {"session": other.pk}, key="new")

    call_command("bookings_housekeeping", verbosity=0)

    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["new"]


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("racers", [2, 6])
def test_racing_retries_make_one_booking_and_get_the_same_answer(session, make_user, racers):
    student = make_user()
    s = session(student)

    got = race(lambda: answer(post(student, {"session": s.pk}, key="race")), [()] * racers)

    assert not [g for g in got if isinstance(g, BaseException)], got
    assert Booking.objects.filter(session=s, student=student).count() == 1
    assert len(set(map(repr, got))) == 1, got
    assert got[0][0] == 201
    assert IdempotencyRecord.objects.count() == 1


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_racing_users_with_the_same_key_each_get_their_own_booking(session, make_user):
    students = [make_user() for _ in range(4)]
    s = session(*students)

    got = race(lambda u: answer(post(u, {"session": s.pk}, key="same")), [(u,) for u in students])

    assert [g[0] for g in got] == [201] * 4, got
    assert Booking.objects.filter(session=s).count() == 4
    assert IdempotencyRecord.objects.count() == 4


# --- a write the rules would happily do twice ---------------------------------------------------

RULES = "/api/availability/"


def weekly_rule(course: Any) -> dict[str, Any]:
    return {
        "course": course.pk,
        "kind": "weekly",
        "timezone": "Europe/Berlin",
        "start_date": day(1).isoformat(),
        "start_time": "09:00",
        "end_time": "12:00",
        "weekdays": [0, 2, 4],
    }


@pytest.mark.django_db
def test_without_a_key_a_repeated_rule_is_a_second_rule(teacher, one_course):
    """Why the key matters most here: nothing in the rules refuses an identical availability."""
    post(teacher, weekly_rule(one_course), url=RULES)
    post(teacher, weekly_rule(one_course), url=RULES)
    assert TeacherAvailability.objects.filter(teacher=teacher).count() == 2


@pytest.mark.django_db
def test_a_retried_rule_is_made_once(teacher, one_course):
    first = post(teacher, weekly_rule(one_course), key="rule-1", url=RULES)
    retry = post(teacher, weekly_rule(one_course), key="rule-1", url=RULES)
    assert first.status_code == 201
    assert answer(retry) == answer(first)
    assert TeacherAvailability.objects.filter(teacher=teacher).count() == 1


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_racing_retries_of_a_rule_make_one_rule(teacher, one_course):
    got = race(
        lambda: answer(post(teacher, weekly_rule(one_course), key="rule-race", url=RULES)),
        [()] * 5,
    )
    assert not [g for g in got if isinstance(g, BaseException)], got
    assert TeacherAvailability.objects.filter(teacher=teacher).count() == 1
    assert len(set(map(repr, got))) == 1, got
    assert got[0][0] == 201


@pytest.mark.parametrize("ttl", [24, "24h", timedelta(hours=-1), None])
def test_a_wrong_ttl_is_a_start_up_error(settings, ttl):
    from django.core import checks

    settings.FLUENTORY_BOOKINGS_IDEMPOTENCY_TTL = ttl
    found = [m for m in checks.run_checks(tags=["fluentory_bookings"]) if "IDEMPOTENCY" in m.msg]
    assert [m.id for m in found] == ["fluentory_bookings.E005"]


def test_the_default_ttl_passes_the_checks():
    from django.core import checks

    assert not [m for m in checks.run_checks(tags=["fluentory_bookings"]) if "IDEMPOTENCY" in m.msg]
