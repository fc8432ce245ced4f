"""Dispatch in one process: due reminders sent once and marked, leases and back-off respected, a
failing mail server retried and finally recorded, the command's door."""

from __future__ import annotations

import io
import os
import signal
import threading
from datetime import UTC, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from fluentory_bookings.contrib.django.models import Booking, BookingReminder, LiveClassSession
from fluentory_bookings.contrib.django.notifications.dispatch import (
    Dispatched,
    send_due_reminders,
)
from fluentory_bookings.contrib.django.services import book_group_session, create_session
from fluentory_bookings.core.errors import InvalidInput
from tests.django.tasks_compat import IMMEDIATE
from tests.django.when import BERLIN

pytestmark = pytest.mark.django_db

H1 = timedelta(hours=1)


@pytest.fixture
def booked(group, teacher, make_user, enroll, settings):
    """``booked(n)``: n confirmed bookings of a session two days ahead, each with one
    reminder (1 h before) that the tests move to whenever they need it due."""
    settings.FLUENTORY_BOOKINGS_REMINDER_OFFSETS = [H1]
    start = timezone.now().replace(microsecond=0) + timedelta(days=2)
    session = create_session(
        course=group,
        teacher=teacher,
        title="Conversation",
        starts_at=start,
        ends_at=start + H1,
        total_seats=50,
        timezone="Europe/Berlin",
    )

    def make(n):
        out = []
        for _ in range(n):
            student = make_user()
            student.email = f"{student.username}@example.com"
            student.save()
            enroll(group, student)
            out.append(book_group_session(session, student))
        return out

    make.session = session
    make.start = start
    return make


def due_now(*bookings):
    BookingReminder.objects.filter(group_booking__in=bookings).update(
        remind_at=timezone.now() - timedelta(minutes=1)
    )


def snapshot():
    return list(
        BookingReminder.objects.order_by("pk").values_list(
            "pk", "sent_at", "claimed_until", "attempts", "last_error", "failed_at"
        )
    )


def test_a_due_reminder_is_sent_once_and_marked(booked):
    [booking] = booked(1)
    due_now(booking)
    assert send_due_reminders() == Dispatched(sent=1, retrying=0, failed=0, skipped=0)
    [message] = mail.outbox
    assert message.to == [booking.student.email]
    assert "Conversation" in message.subject
    reminder = BookingReminder.objects.get(group_booking=booking)
    assert reminder.sent_at is not None
    assert reminder.claimed_until is None
    assert send_due_reminders() == Dispatched(0, 0, 0, 0)
    assert len(mail.outbox) == 1


def test_the_mail_shows_the_start_in_the_student_s_zone(booked):
    [booking] = booked(1)
    due_now(booking)
    send_due_reminders()
    body = mail.outbox[0].body
    # The example LMS's user has no zone: the session's own (Europe/Berlin) is used, and named.
    from zoneinfo import ZoneInfo

    berlin = booked.start.astimezone(ZoneInfo("Europe/Berlin"))
    assert f"{berlin:%H:%M}" in body
    assert "Europe/Berlin" in body
    assert f"{booked.start:%H:%M}" not in body  # not UTC (Berlin is never UTC+0)


def test_reminders_not_yet_due_wait(booked):
    booked(2)
    assert send_due_reminders() == Dispatched(0, 0, 0, 0)
    assert mail.outbox == []


def test_a_reminder_another_worker_holds_is_left_alone(booked):
    [booking] = booked(1)
    due_now(booking)
    BookingReminder.objects.update(claimed_until=timezone.now() + timedelta(minutes=3))
    assert send_due_reminders() == Dispatched(0, 0, 0, 0)
    BookingReminder.objects.update(claimed_until=timezone.now() - timedelta(seconds=1))
    assert send_due_reminders().sent == 1


def test_limit_bounds_one_call(booked):
    due_now(*booked(3))
    assert send_due_reminders(limit=2).sent == 2
    assert send_due_reminders(limit=2).sent == 1
    assert len(mail.outbox) == 3


@pytest.mark.parametrize(
    ("arguments", "field"),
    [({"limit": 0}, "limit"), ({"limit": True}, "limit"), ({"lease": timedelta(0)}, "lease")],
)
def test_bad_arguments_are_refused_and_change_nothing(booked, arguments, field):
    due_now(*booked(2))
    before = snapshot()
    with pytest.raises(InvalidInput) as caught:
        send_due_reminders(**arguments)
    assert caught.value.field == field
    assert snapshot() == before
    assert mail.outbox == []


def test_a_failing_mail_server_is_retried_with_back_off_then_recorded(booked, settings):
    settings.EMAIL_BACKEND = "tests.django.workers.FailingBackend"
    settings.FLUENTORY_BOOKINGS_REMINDER_MAX_ATTEMPTS = 3
    settings.FLUENTORY_BOOKINGS_REMINDER_RETRY_DELAY = timedelta(minutes=1)
    [booking] = booked(1)
    due_now(booking)
    t = timezone.now()
    assert send_due_reminders(t) == Dispatched(0, 1, 0, 0)
    row = BookingReminder.objects.get()
    assert (row.attempts, row.claimed_until, row.failed_at) == (1, t + timedelta(minutes=1), None)
    assert "mail server down" in row.last_error
    # Within the back-off nothing is tried.
    assert send_due_reminders(t + timedelta(seconds=30)) == Dispatched(0, 0, 0, 0)
    t2 = t + timedelta(minutes=1, seconds=1)
    assert send_due_reminders(t2) == Dispatched(0, 1, 0, 0)
    row.refresh_from_db()
    assert (row.attempts, row.claimed_until) == (2, t2 + timedelta(minutes=2))  # doubled
    t3 = t2 + timedelta(minutes=2, seconds=1)
    assert send_due_reminders(t3) == Dispatched(0, 0, 1, 0)
    row.refresh_from_db()
    assert (row.attempts, row.failed_at, row.sent_at) == (3, t3, None)
    assert row.last_error == "SMTPException: mail server down"
    # Recorded for good: never tried again.
    assert send_due_reminders(t3 + timedelta(days=1)) == Dispatched(0, 0, 0, 0)


def test_a_mail_server_back_up_sends_on_the_retry(booked, settings):
    settings.EMAIL_BACKEND = "tests.django.workers.FailingBackend"
    [booking] = booked(1)
    due_now(booking)
    t = timezone.now()
    send_due_reminders(t)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert send_due_reminders(t + timedelta(hours=1)).sent == 1
    row = BookingReminder.objects.get()
    assert row.attempts == 1
    assert row.sent_at is not None
    assert row.failed_at is None


def test_reminders_of_bookings_no_longer_upcoming_are_recorded_not_sent(booked):
    a, b = booked(2)
    due_now(a, b)
    # Written around the services (no service leaves a reminder on a cancelled booking).
    Booking.objects.filter(pk=a.pk).update(status="cancelled")
    assert send_due_reminders() == Dispatched(sent=1, retrying=0, failed=0, skipped=1)
    stale = BookingReminder.objects.get(group_booking=a)
    assert stale.failed_at is not None
    assert stale.sent_at is None
    assert "no longer upcoming" in stale.last_error
    assert [m.to for m in mail.outbox] == [[b.student.email]]


def test_a_started_session_s_reminders_are_not_sent(booked):
    [booking] = booked(1)
    due_now(booking)
    LiveClassSession.objects.filter(pk=booked.session.pk).update(
        starts_at=timezone.now() - timedelta(minutes=5)
    )
    assert send_due_reminders().skipped == 1
    assert mail.outbox == []


def test_a_reminder_to_a_student_without_an_address_is_recorded_as_not_sent(booked):
    """Issue 18: it was marked sent, to nobody. Now it is skipped, with the reason, once."""
    [booking] = booked(1)
    get_user_model().objects.filter(pk=booking.student_id).update(email="")
    due_now(booking)
    assert send_due_reminders() == Dispatched(sent=0, retrying=0, failed=0, skipped=1)
    assert mail.outbox == []
    reminder = BookingReminder.objects.get(group_booking=booking)
    assert reminder.sent_at is None
    assert reminder.failed_at is not None
    assert reminder.last_error == "not sent: the recipient has no e-mail address"
    assert send_due_reminders() == Dispatched(sent=0, retrying=0, failed=0, skipped=0)


def test_a_host_channel_that_cannot_reach_the_student_is_not_retried(booked, monkeypatch):
    from fluentory_bookings.contrib.django.adapter import DefaultBookingAdapter
    from fluentory_bookings.contrib.django.notifications.errors import Undeliverable

    def no_phone(self, reminder):
        raise Undeliverable("no phone number")

    monkeypatch.setattr(DefaultBookingAdapter, "send_reminder", no_phone)
    [booking] = booked(1)
    due_now(booking)
    assert send_due_reminders().skipped == 1
    reminder = BookingReminder.objects.get(group_booking=booking)
    assert (reminder.attempts, reminder.last_error) == (0, "not sent: no phone number")


def test_the_command_runs_once_and_says_what_it_did(booked):
    due_now(*booked(2))
    out = io.StringIO()
    call_command("bookings_housekeeping", stdout=out)
    assert out.getvalue().startswith("Sent 2 reminder(s), 0 to retry, 0 failed, 0 skipped;")
    assert "expired 0 pending 1:1 request(s)" in out.getvalue()
    assert len(mail.outbox) == 2


def test_the_command_loop_stops_cleanly_on_sigterm(booked):
    due_now(*booked(1))
    out = io.StringIO()
    timer = threading.Timer(0.5, os.kill, (os.getpid(), signal.SIGTERM))
    timer.start()
    try:
        call_command("bookings_housekeeping", "--loop", "--interval", "0.1", stdout=out)
    finally:
        timer.cancel()
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("Sent 1 reminder(s)")
    assert lines[-1] == "Stopped."
    assert len(mail.outbox) == 1


def test_the_command_refuses_a_bad_interval(booked):
    from django.core.management import CommandError

    due_now(*booked(1))
    with pytest.raises(CommandError):
        call_command("bookings_housekeeping", "--loop", "--interval", "0")
    assert mail.outbox == []
    assert BookingReminder.objects.filter(sent_at__isnull=False).count() == 0


def test_the_task_runs_the_same_work(booked, settings):
    settings.TASKS = {"default": {"BACKEND": IMMEDIATE}}
    from fluentory_bookings.contrib.django.tasks import bookings_housekeeping_task

    due_now(*booked(2))
    result = bookings_housekeeping_task.enqueue()
    assert result.return_value.startswith("Sent 2 reminder(s)")
    assert len(mail.outbox) == 2


def test_the_admin_lists_failed_reminders(booked, admin_client):
    a, _b = booked(2)
    BookingReminder.objects.filter(group_booking=a).update(
        failed_at=timezone.now(), attempts=5, last_error="SMTPException: mail server down"
    )
    page = admin_client.get(
        "/admin/fluentory_bookings/bookingreminder/", {"failed": "yes"}
    ).content.decode()
    assert "SMTPException: mail server down" in page
    assert page.count('class="action-select"') == 1


def test_the_student_s_own_zone_wins_and_follows_dst(booked):
    """A session on the Sunday of the EU's autumn change (UTC 12:00): 13:00 in Berlin, but the
    New York student (still on EDT that day, UTC-4) reads 08:00 and their zone's name."""
    from datetime import datetime

    from lms.models import UserProfile

    [booking] = booked(1)
    UserProfile.objects.create(user=booking.student, timezone="America/New_York")
    start = datetime(2027, 10, 31, 12, 0, tzinfo=UTC)
    LiveClassSession.objects.filter(pk=booked.session.pk).update(
        starts_at=start, ends_at=start + H1
    )
    due_now(booking)
    assert send_due_reminders().sent == 1
    body = mail.outbox[0].body
    assert "When: Sun 31 Oct 2027, 08:00\u201309:00 (America/New_York)" in body
    assert "(America/New_York)" in mail.outbox[0].subject


def test_a_lesson_s_reminder_is_sent_in_the_availability_s_zone(
    teacher, make_user, make_course, settings
):
    settings.FLUENTORY_BOOKINGS_REMINDER_OFFSETS = [H1]
    from fluentory_bookings.contrib.django.services import request_one_on_one
    from tests.django.test_one_on_one import publish
    from tests.django.when import at, day

    student = make_user("lesson-student", email="lesson@example.com")
    course = make_course("one_on_one", teacher=teacher, students=[student])
    [lesson] = request_one_on_one(
        publish(teacher, course, tz="Europe/Berlin"), student, at(day(3), 9, tz=BERLIN)
    )
    BookingReminder.objects.filter(one_on_one_booking=lesson).update(
        remind_at=timezone.now() - timedelta(minutes=1)
    )
    assert send_due_reminders().sent == 1
    assert [m.to for m in mail.outbox] == [["lesson@example.com"]]
    assert "09:00\u201310:00 (Europe/Berlin)" in mail.outbox[0].body
    assert BookingReminder.objects.filter(sent_at__isnull=True).count() == 0


def test_the_admin_offers_no_way_to_add_a_reminder(admin_client):
    response = admin_client.get("/admin/fluentory_bookings/bookingreminder/add/")
    assert response.status_code == 403


def test_the_mail_carries_the_meeting_link(booked):
    [booking] = booked(1)
    LiveClassSession.objects.filter(pk=booked.session.pk).update(
        meeting_link="https://meet.example.com/room"
    )
    due_now(booking)
    send_due_reminders()
    assert "Meeting link: https://meet.example.com/room" in mail.outbox[0].body


def test_the_loop_survives_a_failed_pass(booked, monkeypatch):
    from fluentory_bookings.contrib.django.management.commands import bookings_housekeeping

    due_now(*booked(1))
    real = bookings_housekeeping.run_periodic_work
    calls = []

    def flaky():
        calls.append(1)
        if len(calls) == 1:
            raise ConnectionError("database restarting")
        if len(calls) == 2:
            os.kill(os.getpid(), signal.SIGTERM)
        return real()

    monkeypatch.setattr(bookings_housekeeping, "run_periodic_work", flaky)
    out, err = io.StringIO(), io.StringIO()
    call_command("bookings_housekeeping", "--loop", "--interval", "0.05", stdout=out, stderr=err)
    assert "database restarting" in err.getvalue()
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("Sent 1 reminder(s)")
    assert lines[1:] == ["Stopped."]
    assert len(mail.outbox) == 1


@pytest.mark.parametrize("n", [1, 3])
def test_a_batch_reads_its_reminders_with_everyone_their_mails_name(booked, n):
    """The e-mail names the student and the teacher: they come with the claimed batch, on any
    Django (5.2 has no fetch mode that would load them for the whole batch afterwards)."""
    rows = booked(n)
    due_now(*rows)
    users = f'FROM "{get_user_model()._meta.db_table}"'
    with CaptureQueriesContext(connection) as ctx:
        assert send_due_reminders().sent == n
    assert [q["sql"] for q in ctx.captured_queries if users in q["sql"]] == []
