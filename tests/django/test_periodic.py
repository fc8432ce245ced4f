"""One list of periodic work, whichever door runs it: the command (once or ``--enqueue``), its
deprecated names, and the task (and its deprecated name) each do every kind of work. A job added
to one door and not the others fails here."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from fluentory_bookings.contrib.django.models import (
    Booking,
    BookingReminder,
    IdempotencyRecord,
    LiveClassSession,
    OneOnOneBooking,
)
from fluentory_bookings.contrib.django.services import (
    book_group_session,
    create_session,
    request_one_on_one,
)
from tests.django.tasks_compat import IMMEDIATE
from tests.django.test_one_on_one import publish
from tests.django.when import at, day

pytestmark = pytest.mark.django_db

H1 = timedelta(hours=1)


@pytest.fixture
def work(group, teacher, make_user, make_course, enroll, settings):
    """One item of each kind of periodic work, due now; returns a check that all were done."""
    settings.FLUENTORY_BOOKINGS_REMINDER_OFFSETS = [H1]
    settings.TASKS = {"default": {"BACKEND": IMMEDIATE}}
    now = timezone.now().replace(microsecond=0)
    seated, waiting, requester = (make_user() for _ in range(3))
    # With an address: a reminder to a student without one is not sent (issue 18).
    reminded = make_user(email="reminded@example.org")
    enroll(group, seated, waiting, reminded)

    # A pending 1:1 request nobody decided in time.
    course = make_course("one_on_one", teacher=teacher, students=[requester], approval=True)
    [request] = request_one_on_one(publish(teacher, course), requester, at(day(3), 9))
    OneOnOneBooking.objects.filter(pk=request.pk).update(expires_at=now - timedelta(minutes=1))

    # A session that has ended with a student still waiting: a waitlist place to end, a
    # session to complete.
    start = now + timedelta(days=1)
    ended = create_session(
        course=group,
        teacher=teacher,
        title="Over",
        starts_at=start,
        ends_at=start + H1,
        total_seats=1,
        enable_waitlist=True,
    )
    book_group_session(ended, seated)
    place = book_group_session(ended, waiting)
    LiveClassSession.objects.filter(pk=ended.pk).update(starts_at=now - 2 * H1, ends_at=now - H1)

    # A reminder due now, of a lesson still to come.
    start = now + timedelta(days=2)
    upcoming = create_session(
        course=group, teacher=teacher, title="Next", starts_at=start, ends_at=start + H1
    )
    seat = book_group_session(upcoming, reminded)
    BookingReminder.objects.filter(group_booking=seat).update(remind_at=now - timedelta(minutes=1))

    # An API idempotency key past its time, and one still current.
    for key, expires_at in (("old", now - H1), ("new", now + H1)):
        IdempotencyRecord.objects.create(
            user=seated,
            key=key,
            fingerprint="0" * 64,
            status_code=201,
            body="{}",
            created=now - 2 * H1,
            expires_at=expires_at,
        )

    def all_done():
        assert OneOnOneBooking.objects.get(pk=request.pk).status == "expired"
        assert Booking.objects.get(pk=place.pk).status == "cancelled"
        assert LiveClassSession.objects.get(pk=ended.pk).status == "completed"
        assert BookingReminder.objects.get(group_booking=seat).sent_at is not None
        assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["new"]

    return all_done


SUMMARY = (
    "Sent 1 reminder(s), 0 to retry, 0 failed, 0 skipped; expired 1 pending 1:1 request(s); "
    "ended 1 waitlist place(s); completed 1 session(s); forgot 1 expired idempotency key(s)."
)


def test_the_command_does_all_of_it(work):
    out = io.StringIO()
    call_command("bookings_housekeeping", stdout=out)
    assert out.getvalue().strip() == SUMMARY
    work()


def test_the_command_s_enqueue_does_all_of_it(work):
    out = io.StringIO()
    call_command("bookings_housekeeping", "--enqueue", stdout=out)
    assert out.getvalue().startswith("Enqueued task ")
    work()


def test_the_task_does_all_of_it(work):
    from fluentory_bookings.contrib.django.tasks import bookings_housekeeping_task

    assert bookings_housekeeping_task.enqueue().return_value == SUMMARY
    work()


@pytest.mark.parametrize("old_name", ["send_booking_reminders", "expire_booking_requests"])
def test_an_old_command_name_says_so_and_does_all_of_it(work, old_name):
    out, err = io.StringIO(), io.StringIO()
    with pytest.warns(DeprecationWarning, match=old_name):
        call_command(old_name, stdout=out, stderr=err)
    assert "bookings_housekeeping" in err.getvalue()
    assert out.getvalue().strip() == SUMMARY
    work()


def test_the_old_task_name_says_so_and_does_all_of_it(work):
    from fluentory_bookings.contrib.django.notifications import tasks

    with pytest.warns(DeprecationWarning, match="bookings_housekeeping_task"):
        old = tasks.send_due_reminders_task
    assert old.enqueue().return_value == SUMMARY
    work()
