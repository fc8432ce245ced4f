"""schemathesis against the committed schema (docs/api/openapi.yaml): every operation, called by
a student and by a teacher with generated input, valid and invalid, answers without a 5xx and
as documented (status code, content type, headers, body schema).

The run is bounded and repeatable: a fixed number of examples per operation, derandomized, on
seeded data whose ids the generated requests are steered to (else nearly every id would be a
404). The app is called in-process through Django's WSGI handler, as a live server would.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import schemathesis
from django.conf import settings as django_settings
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import Client
from django.utils.crypto import get_random_string
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from fluentory_bookings.contrib.django import services
from fluentory_bookings.contrib.django.calendar.tokens import issue_feed_token
from fluentory_bookings.contrib.django.conf import get_course_model
from fluentory_bookings.contrib.django.models import (
    Booking,
    LiveClassSession,
    OneOnOneBooking,
    TeacherAvailability,
)
from tests.django.when import at, day

# Slow (generated requests by the hundred): scripts/test.sh runs it once, on PostgreSQL.
pytestmark = pytest.mark.fuzz

SCHEMA = schemathesis.openapi.from_path(
    Path(__file__).resolve().parents[2] / "docs" / "api" / "openapi.yaml"
)
OPERATIONS = [
    (path, method.upper())
    for path, item in SCHEMA.raw_schema["paths"].items()
    for method in item
    if method in {"get", "post", "put", "patch", "delete"}
]
EXAMPLES = 25
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
# Which table a path's {id} names, longest prefix first.
ID_TABLES = [
    ("/api/bookings/one-on-one/", OneOnOneBooking),
    ("/api/bookings/group/", Booking),
    ("/api/availability/", TeacherAvailability),
    ("/api/sessions/", LiveClassSession),
]


@pytest.fixture
def seeded(teacher, student, make_user, make_course, availability, session_in):
    """Something of every kind for both callers: sessions (one full), a seat and a waitlist
    place, 1:1 lessons (one a weekly series), availability, a feed link of each kind."""
    other = make_user()
    group = make_course("group_session", teacher=teacher, students=[student, other])
    roomy = session_in(group, enable_waitlist=True)
    full = session_in(group, hours=2, total_seats=1, enable_waitlist=True)
    session_in(group, hours=4)
    services.book_group_session(full, other)
    services.book_group_session(full, student)  # waitlisted
    services.book_group_session(roomy, student)
    services.request_one_on_one(availability, student, at(day(3), 10))
    services.request_one_on_one(availability, student, at(day(4), 10), weeks=2)
    issue_feed_token(student, "student")
    issue_feed_token(teacher, "teacher")
    return {"student": student, "teacher": teacher}


@pytest.fixture
def wsgi_app():
    """Django's WSGI handler, keeping the test's database connection open between requests
    (as Django's own test client does: the handler would close it when a request ends)."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield get_wsgi_application()
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


def signed_in(user: Any) -> tuple[dict[str, str], dict[str, str]]:
    """Headers and cookies: the site's session (the example's one API authentication) and a
    CSRF token, as a browser's script sends them."""
    client = Client()
    client.force_login(user)
    csrf = get_random_string(32)
    cookies = {
        django_settings.SESSION_COOKIE_NAME: client.cookies[
            django_settings.SESSION_COOKIE_NAME
        ].value,
        django_settings.CSRF_COOKIE_NAME: csrf,
    }
    return {"X-CSRFToken": csrf}, cookies


def real_values() -> dict[str, list[Any]]:
    """The seeded rows' ids, zones and dates the cases are steered to, read once before the run:
    hypothesis needs every case to draw from the same choices, and a write that succeeds adds
    rows (a reschedule makes a new booking) that would change them between cases."""
    real: dict[str, list[Any]] = {
        "session": list(LiveClassSession.objects.values_list("pk", flat=True)),
        "availability": list(TeacherAvailability.objects.values_list("pk", flat=True)),
        "course": list(get_course_model().objects.values_list("pk", flat=True)),
        "teacher": list(LiveClassSession.objects.values_list("teacher_id", flat=True)[:1]),
        "tz": ["UTC", "Europe/Berlin", "Australia/Lord_Howe"],
        "timezone": ["UTC", "Europe/Berlin"],
        "from": [day(0).isoformat(), at(day(2), 9).isoformat()],
        "to": [day(8).isoformat(), at(day(20), 9).isoformat()],
    }
    for prefix, model in ID_TABLES:
        real[prefix] = [str(pk) for pk in model.objects.order_by("pk").values_list("pk", flat=True)]
    return real


def steer(data: Any, case: Any, real: dict[str, list[Any]]) -> None:
    """Mostly swap generated ids, zones and dates for real ones (keeping the generated value
    as one choice), so that requests reach the rules instead of stopping at a 400 or 404."""

    def pick(values: list[Any], generated: Any) -> Any:
        return data.draw(st.sampled_from([*values, generated]))

    if "id" in (case.path_parameters or {}):
        prefix = next(prefix for prefix, _ in ID_TABLES if case.path.startswith(prefix))
        case.path_parameters["id"] = pick(real[prefix], case.path_parameters["id"])
    for part in (case.query, case.body):
        if isinstance(part, dict):
            for name in set(part) & set(real):
                part[name] = pick(real[name], part[name])


@pytest.mark.django_db
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=str)
@pytest.mark.parametrize("role", ["student", "teacher"])
@pytest.mark.parametrize(("path", "method"), OPERATIONS, ids=[f"{m} {p}" for p, m in OPERATIONS])
def test_operation_answers_as_documented(seeded, wsgi_app, mode, role, path, method):
    cases = SCHEMA[path][method].as_strategy(generation_mode=mode)
    headers, cookies = signed_in(seeded[role])
    # The caller is signed in, and passes the CSRF check: the cases reach the rules.
    read = SCHEMA["/api/sessions/"]["GET"].Case()
    write = SCHEMA["/api/bookings/group/"]["POST"].Case(
        body={"session": 0}, media_type="application/json"
    )
    assert read.call(app=wsgi_app, headers=headers, cookies=cookies).status_code == 200
    assert write.call(app=wsgi_app, headers=headers, cookies=cookies).status_code == 400
    real = real_values()

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(data=st.data())
    def run(data: Any) -> None:
        case = data.draw(cases)
        steer(data, case, real)
        response = case.call(app=wsgi_app, headers=headers, cookies=cookies)
        case.validate_response(response, checks=CHECKS, headers=headers)

    run()
