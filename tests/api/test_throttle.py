"""The API's write throttle (issue 17, item 11): every user has a budget of writes, on by
default; past it a write is a 429 with Retry-After and does nothing. Reads are not counted, a
retry the API answers from its idempotency store is not either, and ``None`` turns it off."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.core import checks
from django.test import override_settings

from fluentory_bookings.contrib.django.api.throttles import WriteRateThrottle
from fluentory_bookings.contrib.django.models import Booking

from .conftest import API, refused, snapshot
from .test_schema import OPERATIONS

BOOK = f"{API}bookings/group/"
SCOPE = "fluentory_bookings_write"


@pytest.fixture
def session(group, session_in, student, enroll):
    enroll(group, student)
    return session_in(group, total_seats=5)


def wasted(client: Any, times: int) -> None:
    """Spend ``times`` writes of the budget on refused requests (a session that does not
    exist): a refusal is a write the server had to look at, so it counts too."""
    for _ in range(times):
        assert client.post(BOOK, {"session": 999_999}, format="json").status_code == 400


def later(monkeypatch: Any, seconds: float) -> None:
    """The throttle's clock, ``seconds`` on."""
    monkeypatch.setattr(WriteRateThrottle, "timer", staticmethod(lambda: time.time() + seconds))


def test_past_the_default_budget_a_write_is_a_429_with_retry_after_and_does_nothing(
    client_for, student, teacher, session, settings, monkeypatch
):
    del settings.FLUENTORY_BOOKINGS_API_WRITE_RATE  # the package's own default: 60 a minute
    ana = client_for(student)
    wasted(ana, 60)
    before = snapshot()

    response = ana.post(BOOK, {"session": session.pk}, format="json")

    body = refused(response, 429, "throttled")
    assert body["field"] is None
    assert 1 <= int(response["Retry-After"]) <= 60
    assert snapshot() == before
    assert not Booking.objects.exists()
    # The budget is the user's: someone else still writes.
    other = client_for(teacher).post(f"{API}calendar-feeds/student/")
    assert other.status_code == 201
    # And a minute later the student's budget has room again.
    later(monkeypatch, 61)
    assert ana.post(BOOK, {"session": session.pk}, format="json").status_code == 201


@pytest.mark.parametrize(
    ("method", "path", "data"),
    [
        ("put", "availability/1/", {}),
        ("patch", "availability/1/", {}),
        ("delete", "availability/1/", None),
        ("delete", "calendar-feeds/student/", None),
        ("post", "bookings/one-on-one/1/approve/", None),
    ],
)
def test_every_unsafe_method_is_counted(client_for, student, settings, method, path, data):
    settings.FLUENTORY_BOOKINGS_API_WRITE_RATE = "1/minute"
    ana = client_for(student)
    wasted(ana, 1)
    before = snapshot()

    response = getattr(ana, method)(f"{API}{path}", data, format="json")

    refused(response, 429, "throttled")
    assert snapshot() == before


def test_reads_are_not_counted(client_for, student, session, settings):
    settings.FLUENTORY_BOOKINGS_API_WRITE_RATE = "2/minute"
    ana = client_for(student)
    for _ in range(5):
        assert ana.get(f"{API}sessions/").status_code == 200
    wasted(ana, 2)

    refused(ana.post(BOOK, {"session": session.pk}, format="json"), 429, "throttled")
    for path in ("sessions/", f"sessions/{session.pk}/", "bookings/group/", "calendar-feeds/"):
        assert ana.get(f"{API}{path}").status_code == 200, path
        assert ana.options(f"{API}{path}").status_code == 200, path


def test_none_turns_the_throttle_off(client_for, student, session, settings):
    settings.FLUENTORY_BOOKINGS_API_WRITE_RATE = "1/minute"
    ana = client_for(student)
    wasted(ana, 1)
    refused(ana.post(BOOK, {"session": session.pk}, format="json"), 429, "throttled")

    settings.FLUENTORY_BOOKINGS_API_WRITE_RATE = None
    wasted(ana, 70)
    assert ana.post(BOOK, {"session": session.pk}, format="json").status_code == 201


def test_drf_s_rate_for_the_scope_comes_first(client_for, student, session, settings):
    settings.FLUENTORY_BOOKINGS_API_WRITE_RATE = "1/minute"
    drf = settings.REST_FRAMEWORK
    ana = client_for(student)
    settings.REST_FRAMEWORK = {**drf, "DEFAULT_THROTTLE_RATES": {SCOPE: None}}  # off, in DRF's
    wasted(ana, 3)

    settings.REST_FRAMEWORK = {**drf, "DEFAULT_THROTTLE_RATES": {SCOPE: "4/m"}}
    wasted(ana, 3)
    assert ana.post(BOOK, {"session": session.pk}, format="json").status_code == 201
    refused(ana.post(BOOK, {"session": session.pk}, format="json"), 429, "throttled")


# --- retries with an Idempotency-Key --------------------------------------------------------------


def test_a_replayed_retry_is_answered_even_with_the_budget_spent_and_costs_nothing(
    client_for, student, session, settings
):
    settings.FLUENTORY_BOOKINGS_API_WRITE_RATE = "2/minute"
    ana = client_for(student)
    key = {"Idempotency-Key": "retry-1"}
    first = ana.post(BOOK, {"session": session.pk}, format="json", headers=key)
    assert first.status_code == 201

    for _ in range(5):  # the answer was lost: the client tries again, and again
        retry = ana.post(BOOK, {"session": session.pk}, format="json", headers=key)
        assert (retry.status_code, retry["Idempotent-Replayed"]) == (201, "true")
        assert retry.json() == first.json()
    wasted(ana, 1)  # the second write of the budget: the retries took none of it
    for _ in range(2):  # spent, and a retry is still answered
        refused(ana.post(f"{API}calendar-feeds/student/"), 429, "throttled")
        retry = ana.post(BOOK, {"session": session.pk}, format="json", headers=key)
        assert (retry.status_code, retry["Idempotent-Replayed"]) == (201, "true")
    assert Booking.objects.count() == 1


def test_a_throttled_keyed_post_leaves_its_key_free_for_the_retry(
    client_for, student, session, settings, monkeypatch
):
    settings.FLUENTORY_BOOKINGS_API_WRITE_RATE = "1/minute"
    ana = client_for(student)
    key = {"Idempotency-Key": "after-a-429"}
    wasted(ana, 1)
    before = snapshot()

    throttled = ana.post(BOOK, {"session": session.pk}, format="json", headers=key)

    refused(throttled, 429, "throttled")
    assert snapshot() == before
    later(monkeypatch, int(throttled["Retry-After"]))
    done = ana.post(BOOK, {"session": session.pk}, format="json", headers=key)
    assert done.status_code == 201
    assert "Idempotent-Replayed" not in done  # done now, not the 429 replayed
    assert Booking.objects.filter(student=student, session=session).count() == 1


def test_the_same_key_with_another_body_is_no_retry_and_is_counted(
    client_for, student, session, session_in, group, settings
):
    settings.FLUENTORY_BOOKINGS_API_WRITE_RATE = "1/minute"
    ana = client_for(student)
    key = {"Idempotency-Key": "one"}
    assert ana.post(BOOK, {"session": session.pk}, format="json", headers=key).status_code == 201
    other = session_in(group, hours=3)

    refused(ana.post(BOOK, {"session": other.pk}, format="json", headers=key), 429, "throttled")


# --- the system check --------------------------------------------------------------------------


def ids(**overrides: Any) -> list[str]:
    with override_settings(**overrides):
        return sorted(
            m.id
            for m in checks.run_checks(tags=["fluentory_bookings"])
            if m.id.startswith("fluentory")
        )


@pytest.mark.parametrize("rate", [None, "60/minute", "1000/day", "5/s", "10/hours", "3/min"])
def test_the_check_takes_a_drf_rate_or_none(rate):
    assert ids(FLUENTORY_BOOKINGS_API_WRITE_RATE=rate) == []


@pytest.mark.parametrize(
    "rate", ["60", "60/fortnight", "0/minute", "-1/minute", "ten/minute", 60, "", "60/ minute"]
)
def test_the_check_reports_a_bad_rate(rate):
    assert ids(FLUENTORY_BOOKINGS_API_WRITE_RATE=rate) == ["fluentory_bookings.E010"]


def test_the_check_reads_drf_s_rate_for_the_scope_first(settings):
    drf = settings.REST_FRAMEWORK
    bad = {**drf, "DEFAULT_THROTTLE_RATES": {SCOPE: "lots"}}
    assert ids(REST_FRAMEWORK=bad) == ["fluentory_bookings.E010"]
    with override_settings(REST_FRAMEWORK=bad):
        found = checks.run_checks(tags=["fluentory_bookings"])
        (error,) = [m for m in found if m.id == "fluentory_bookings.E010"]
    assert SCOPE in error.msg
    assert "'lots'" in error.msg
    # DRF's rate decides, so a bad package rate under a good DRF one is never read.
    good = {**drf, "DEFAULT_THROTTLE_RATES": {SCOPE: None}}
    assert ids(REST_FRAMEWORK=good, FLUENTORY_BOOKINGS_API_WRITE_RATE="lots") == []


def test_a_cache_that_keeps_nothing_is_a_warning_unless_the_throttle_is_off():
    dummy = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    assert ids(CACHES=dummy) == ["fluentory_bookings.W003"]
    assert ids(CACHES=dummy, FLUENTORY_BOOKINGS_API_WRITE_RATE=None) == []


# --- the schema --------------------------------------------------------------------------------


@pytest.mark.parametrize(("path", "method", "op"), OPERATIONS, ids=lambda x: str(x)[:40])
def test_every_write_documents_the_429_and_no_read_does(path, method, op):
    if method == "get":
        assert "429" not in op["responses"]
        return
    throttled = op["responses"]["429"]
    assert throttled["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Error"
    }
    assert throttled["headers"]["Retry-After"]["schema"]["type"] == "integer"
    assert "Retry-After" in throttled["description"]
