"""Benchmark: a busy teacher's private feed over HTTP, the 304 path against the full 200.

A teacher with 2,000 group sessions in the feed's window (and three years of history before
it) is polled by a calendar app through Django's test client, on SQLite migrated with the
app's migrations:

* ``200``: no validator sent: the token, the aggregate, the rows, the build, the bytes;
* ``304``: ``If-None-Match`` with the ETag the app got: the token and one aggregate only.

For each it prints the queries run and the best time of several repeats. Run it as a plain
script (it makes a throwaway database and removes it)::

    python bench/feed_http.py

The last line is ``feed http: 304 <t> ms in <q> queries, 200 <t> ms in <q> queries, ratio <r>``;
``ratio`` is the 200's time over the 304's: how much a poll that changed nothing is spared.
"""

from __future__ import annotations

import os
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
for path in (ROOT / "src", ROOT / "example_project", ROOT):
    sys.path.insert(0, str(path))
os.environ["DJANGO_SETTINGS_MODULE"] = "tests.settings"
os.environ["FLUENTORY_TEST_DB"] = "sqlite"

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

IN_WINDOW = 2_000
HISTORY = 3 * 365  # one session a day before the window
REPEATS = 20


def world() -> str:
    """The teacher, their sessions, and a feed token; returns the feed's path."""
    from fluentory_bookings.contrib.django.calendar.tokens import issue_feed_token
    from fluentory_bookings.contrib.django.models import LiveClassSession
    from lms.models import Course, CourseTeacher

    teacher = get_user_model().objects.create_user("busy-teacher")
    course = Course.objects.create(title="Conversation", booking_type="group_session")
    CourseTeacher.objects.create(course=course, teacher=teacher)
    now = timezone.now().replace(second=0, microsecond=0)
    starts = [now - timedelta(days=60 + d) for d in range(1, HISTORY)]
    starts += [now - timedelta(days=59) + timedelta(hours=5 * i) for i in range(IN_WINDOW)]
    LiveClassSession.objects.bulk_create(
        (
            LiveClassSession(
                course=course,
                teacher=teacher,
                title=f"Conversation {i}; level B1",
                description="Bring questions.\nSee you!",
                starts_at=start,
                ends_at=start + timedelta(hours=1),
                timezone="Europe/Berlin",
                meeting_link="https://meet.example.com/room",
            )
            for i, start in enumerate(starts)
        ),
        batch_size=1000,
    )
    token = issue_feed_token(teacher, "teacher")
    return reverse("fluentory_bookings:calendar_feed", kwargs={"token": token})


def measure(client: Client, path: str, headers: dict[str, str], status: int) -> tuple[float, int]:
    best = float("inf")
    for _ in range(REPEATS):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get(path, headers=headers)
            best = min(best, time.perf_counter() - started)
        assert response.status_code == status, response.status_code
    return best * 1000, len(queries.captured_queries)


def main() -> None:
    setup_test_environment()
    old = connection.creation.create_test_db(verbosity=0)
    try:
        path = world()
        client = Client()
        first = client.get(path)
        assert first.status_code == 200
        events = first.content.count(b"BEGIN:VEVENT")
        full_ms, full_q = measure(client, path, {}, 200)
        cached_ms, cached_q = measure(client, path, {"if-none-match": first["ETag"]}, 304)
    finally:
        connection.creation.destroy_test_db(old, verbosity=0)
    print(f"events in the feed: {events} ({len(first.content):,} bytes)")
    print(f"200: {full_ms:.1f} ms, {full_q} queries")
    print(f"304: {cached_ms:.1f} ms, {cached_q} queries")
    print(
        f"feed http: 304 {cached_ms:.1f} ms in {cached_q} queries, "
        f"200 {full_ms:.1f} ms in {full_q} queries, ratio {full_ms / cached_ms:.0f}"
    )


if __name__ == "__main__":
    main()
