"""The task path for real: a booking made in one process queues its notification in the
django-tasks-db table, and a ``db_worker`` process sends it (file mail backend)."""

from __future__ import annotations

import email
from datetime import timedelta
from email import policy

import pytest

from fluentory_bookings.contrib.django.services import create_session
from tests.django.test_reminders_workers import django, finish, worker_env  # noqa: F401

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.concurrency]


def messages(mailbox):
    """Every message the file mail backend wrote, parsed."""
    found = []
    for f in sorted(mailbox.iterdir()):
        for chunk in f.read_text().split("-" * 79):
            if chunk.strip():
                found.append(email.message_from_string(chunk.strip(), policy=policy.default))
    return found


def test_a_booking_s_mail_waits_for_the_worker_and_the_worker_sends_it(
    worker_env,  # noqa: F811
    group,
    teacher,
    make_user,
    enroll,
    soon,
):
    env, mailbox = worker_env
    student = make_user("queued", email="queued@example.com")
    enroll(group, student)
    session = create_session(
        course=group,
        teacher=teacher,
        title="Queued",
        starts_at=soon,
        ends_at=soon + timedelta(hours=1),
    )
    finish(django(env, "migrate", "django_tasks_database", "-v", "0"))
    book = (
        "from django.contrib.auth import get_user_model; "
        "from fluentory_bookings.contrib.django.models import LiveClassSession; "
        "from fluentory_bookings.contrib.django.services import book_group_session; "
        f"book_group_session(LiveClassSession.objects.get(pk={session.pk}), "
        f"get_user_model().objects.get(pk={student.pk}))"
    )
    finish(django(env, "shell", "-c", book))
    assert messages(mailbox) == []  # queued, not sent: the request did not wait for SMTP

    finish(django(env, "db_worker", "--batch", "--no-startup-delay", "--interval", "0.1"))

    [sent] = messages(mailbox)
    assert sent["To"] == "queued@example.com"
    assert sent["Subject"] == "Seat confirmed: Queued"
    kinds = [part.get_content_type() for part in sent.walk()]
    assert "text/plain" in kinds
    assert "text/html" in kinds
    assert "text/calendar" in kinds
