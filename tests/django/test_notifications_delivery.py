"""How notifications leave: at once or through a task worker, through the host's own channel,
and never at the cost of the booking when a mail server fails."""

from __future__ import annotations

import json
import logging
import smtplib
from datetime import timedelta

import pytest
from django.core.mail.backends import locmem
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone

from fluentory_bookings.contrib.django.models import Booking, BookingReminder, LiveClassSession
from fluentory_bookings.contrib.django.notifications.dispatch import send_due_reminders
from fluentory_bookings.contrib.django.notifications.messages import (
    Notification,
    deliver_later,
    notify,
)
from fluentory_bookings.contrib.django.services import (
    book_group_session,
    cancel_group_booking,
    create_session,
    update_session,
)
from fluentory_bookings.core.errors import InvalidInput
from tests.django.conftest import ClockAdapter
from tests.django.notify_helpers import to
from tests.django.tasks_compat import DUMMY, IMMEDIATE, task_backends

pytestmark = pytest.mark.django_db

LOGGER = "fluentory_bookings.notifications"


class BrokenBackend(BaseEmailBackend):
    """A mail server that refuses every message."""

    def send_messages(self, email_messages):
        raise smtplib.SMTPException("421 service not available")


@pytest.fixture
def student(make_user):
    return make_user("student", email="student@example.com")


@pytest.fixture
def other(make_user):
    return make_user("other", email="other@example.com")


@pytest.fixture
def session(make_course, teacher, student, other, soon):
    course = make_course("group_session", teacher=teacher, students=[student, other])
    return create_session(
        course=course,
        teacher=teacher,
        title="Listening",
        starts_at=soon,
        ends_at=soon + timedelta(hours=1),
        total_seats=1,
        enable_waitlist=True,
    )


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    def call(fn, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return fn(*args, **kwargs)

    return call


def seats():
    return sorted(Booking.objects.values_list("student__username", "status"))


# --- a failing channel ------------------------------------------------------------------------


def test_a_failing_mail_server_neither_breaks_nor_rolls_back_the_booking(
    settings, caplog, run, session, student, other
):
    settings.EMAIL_BACKEND = "tests.django.test_notifications_delivery.BrokenBackend"
    with caplog.at_level(logging.ERROR, logger=LOGGER):
        seat = run(book_group_session, session, student)
        run(book_group_session, session, other)  # waitlisted
        run(cancel_group_booking, seat, student)  # promotes `other`
    assert seats() == [("other", "confirmed"), ("student", "cancelled")]
    failures = [r for r in caplog.records if r.name == LOGGER]
    assert len(failures) == 4  # confirmed, waitlisted, cancelled, promoted
    assert all(r.exc_info and r.exc_info[0] is smtplib.SMTPException for r in failures)
    assert "group_confirmed" in failures[0].getMessage()


class OneBadAddressBackend(locmem.EmailBackend):
    """Delivers like locmem, but the server refuses one recipient."""

    def send_messages(self, messages):
        if any("student@example.com" in m.to for m in messages):
            raise smtplib.SMTPRecipientsRefused({"student@example.com": (550, b"no such user")})
        return super().send_messages(messages)


def test_one_recipient_s_failure_does_not_keep_the_others_from_hearing(
    settings, caplog, run, mailoutbox, session, student, other, teacher
):
    run(update_session, session, teacher, total_seats=2)
    run(book_group_session, session, student)  # first in line for the session's news
    run(book_group_session, session, other)
    settings.EMAIL_BACKEND = "tests.django.test_notifications_delivery.OneBadAddressBackend"
    mailoutbox.clear()
    later = session.starts_at + timedelta(hours=1)
    with caplog.at_level(logging.ERROR, logger=LOGGER):
        run(update_session, session, teacher, starts_at=later, ends_at=later + timedelta(hours=1))
    assert [m.subject for m in mailoutbox] == ["Changed: Listening"]
    assert to(mailoutbox, other) == mailoutbox
    assert [r.exc_info[0] for r in caplog.records if r.name == LOGGER] == [
        smtplib.SMTPRecipientsRefused
    ]
    assert LiveClassSession.objects.get(pk=session.pk).starts_at == later


class RecordingAdapter(ClockAdapter):
    """A host that routes notifications to its own channel (an SMS gateway, say)."""

    sent: list[Notification] = []

    def send_notification(self, notification):
        self.sent.append(notification)


class FailingChannelAdapter(ClockAdapter):
    def send_notification(self, notification):
        raise ConnectionError("SMS gateway down")


def test_a_host_s_channel_gets_the_notification_and_no_e_mail_is_sent(
    settings, run, mailoutbox, session, student
):
    settings.FLUENTORY_BOOKINGS_ADAPTER = (
        "tests.django.test_notifications_delivery.RecordingAdapter"
    )
    RecordingAdapter.sent = []
    seat = run(book_group_session, session, student)
    [notification] = RecordingAdapter.sent
    assert notification.event == "group_confirmed"
    assert notification.recipient == student
    assert notification.booking.pk == seat.pk
    assert notification.session == session
    assert notification.kind == "group"
    assert mailoutbox == []


def test_a_failing_host_channel_is_logged_and_the_booking_stands(
    settings, caplog, run, session, student
):
    settings.FLUENTORY_BOOKINGS_ADAPTER = (
        "tests.django.test_notifications_delivery.FailingChannelAdapter"
    )
    with caplog.at_level(logging.ERROR, logger=LOGGER):
        run(book_group_session, session, student)
    assert seats() == [("student", "confirmed")]
    [failure] = [r for r in caplog.records if r.name == LOGGER]
    assert failure.exc_info[0] is ConnectionError


# --- through a task worker --------------------------------------------------------------------


@pytest.fixture
def dummy_tasks(settings):
    """A task backend that only records what is queued, like a worker that has not run yet."""
    settings.TASKS = {"default": {"BACKEND": DUMMY}}
    yield task_backends["default"]
    task_backends["default"].clear()


def test_with_a_worker_backend_the_mail_is_queued_with_ids_only(
    dummy_tasks, run, mailoutbox, session, student
):
    seat = run(book_group_session, session, student)
    assert mailoutbox == []
    [queued] = dummy_tasks.results
    assert queued.task.module_path == (
        "fluentory_bookings.contrib.django.notifications.messages.deliver_later"
    )
    assert queued.args == []
    assert json.loads(json.dumps(queued.kwargs)) == {
        "event": "group_confirmed",
        "kind": "group",
        "booking_id": seat.pk,
        "recipient_id": student.pk,
        "context": {},
    }
    # What the worker does with it:
    queued.task.call(*queued.args, **queued.kwargs)
    [message] = to(mailoutbox, student)
    assert message.subject == "Seat confirmed: Listening"


def test_a_queued_notification_for_a_deleted_booking_sends_nothing(
    dummy_tasks, run, mailoutbox, session, student
):
    seat = run(book_group_session, session, student)
    [queued] = dummy_tasks.results
    Booking.objects.filter(pk=seat.pk).delete()
    queued.task.call(*queued.args, **queued.kwargs)
    assert mailoutbox == []


def test_a_worker_s_failed_send_is_raised_for_the_task_backend_to_record(
    dummy_tasks, settings, run, session, student
):
    run(book_group_session, session, student)
    [queued] = dummy_tasks.results
    settings.EMAIL_BACKEND = "tests.django.test_notifications_delivery.BrokenBackend"
    with pytest.raises(smtplib.SMTPException):
        queued.task.call(*queued.args, **queued.kwargs)


def test_with_the_immediate_backend_the_mail_is_sent_at_once(
    settings, run, mailoutbox, session, student
):
    settings.TASKS = {"default": {"BACKEND": IMMEDIATE}}
    run(book_group_session, session, student)
    assert [m.subject for m in to(mailoutbox, student)] == ["Seat confirmed: Listening"]


# --- bad input --------------------------------------------------------------------------------


def test_an_unknown_event_is_refused_and_nothing_is_sent_or_queued(
    dummy_tasks, mailoutbox, session, student
):
    seat = book_group_session(session, student)
    with pytest.raises(InvalidInput) as refused:
        notify("group_exploded", seat, student)
    assert refused.value.field == "event"
    with pytest.raises(InvalidInput) as refused:
        notify("group_confirmed", session, student)
    assert refused.value.field == "booking"
    assert mailoutbox == []
    assert dummy_tasks.results == []


def test_a_context_a_worker_could_not_carry_is_refused(dummy_tasks, mailoutbox, session, student):
    seat = book_group_session(session, student)
    with pytest.raises(InvalidInput) as refused:
        notify("group_confirmed", seat, student, when=session.starts_at)
    assert refused.value.field == "context"
    assert mailoutbox == []
    assert dummy_tasks.results == []


def test_the_task_is_one_deliver_later_can_be_found_by_its_path():
    from django.utils.module_loading import import_string

    assert import_string(deliver_later.module_path) is deliver_later


def test_a_due_reminder_reaches_the_host_s_channel_too(settings, run, mailoutbox, session, student):
    settings.FLUENTORY_BOOKINGS_ADAPTER = (
        "tests.django.test_notifications_delivery.RecordingAdapter"
    )
    settings.FLUENTORY_BOOKINGS_REMINDER_OFFSETS = [timedelta(hours=1)]
    seat = run(book_group_session, session, student)
    RecordingAdapter.sent = []
    BookingReminder.objects.update(remind_at=timezone.now() - timedelta(minutes=1))
    assert send_due_reminders().sent == 1
    [notification] = RecordingAdapter.sent
    assert (notification.event, notification.recipient, notification.booking.pk) == (
        "reminder",
        student,
        seat.pk,
    )
    assert mailoutbox == []
    assert BookingReminder.objects.get().sent_at is not None
