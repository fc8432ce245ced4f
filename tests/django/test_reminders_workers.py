"""Exactly once with real worker processes on the real database: several command processes at
once, two django-tasks-db ``db_worker`` processes at once, and a worker killed (SIGKILL) between
its claim and its send, recovered by another once the lease has passed."""

from __future__ import annotations

import email
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from fluentory_bookings.contrib.django.models import BookingReminder
from fluentory_bookings.contrib.django.services import (
    book_group_session,
    create_session,
    request_one_on_one,
)
from tests.django.test_one_on_one import publish
from tests.django.when import at, day

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.concurrency]

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def due(group, teacher, make_user, enroll, settings):
    """``due(n)``: n students, each with one confirmed booking whose one reminder is due now."""
    settings.FLUENTORY_BOOKINGS_REMINDER_OFFSETS = [timedelta(hours=1)]

    def make(n):
        start = timezone.now().replace(microsecond=0) + timedelta(days=2)
        session = create_session(
            course=group,
            teacher=teacher,
            title="Conversation",
            starts_at=start,
            ends_at=start + timedelta(hours=1),
            total_seats=n,
        )
        students = []
        for _ in range(n):
            s = make_user()
            s.email = f"{s.username}@example.com"
            s.save()
            enroll(group, s)
            book_group_session(session, s)
            students.append(s)
        BookingReminder.objects.update(remind_at=timezone.now() - timedelta(minutes=1))
        return students

    return make


@pytest.fixture
def worker_env(tmp_path):
    mailbox = tmp_path / "mail"
    mailbox.mkdir()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings_workers",
        "FLUENTORY_WORKER_BASE": os.environ.get("DJANGO_SETTINGS_MODULE", "tests.settings"),
        "PYTHONPATH": os.pathsep.join(
            [str(ROOT / "src"), str(ROOT / "example_project"), str(ROOT)]
        ),
        "FLUENTORY_WORKER_DB": connection.settings_dict["NAME"],
        "FLUENTORY_WORKER_MAIL": str(mailbox),
        "FLUENTORY_WORKER_BATCH": "3",
    }
    return env, mailbox


def django(env, *args, **kwargs):
    return subprocess.Popen(
        [sys.executable, "-m", "django", *args],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kwargs,
    )


def finish(*procs, timeout=240):
    outs = []
    for p in procs:
        out, err = p.communicate(timeout=timeout)
        assert p.returncode == 0, err
        outs.append(out)
    return outs


def supervise(env, procs, command, restarts=5):
    """Wait for ``procs`` as systemd's ``Restart=on-failure`` would: at SERIALIZABLE,
    django-tasks-db's own claim of a task can fail to serialize, and its worker exits (the
    claim rolled back, so the task stays for a worker). Restart such a worker; anything
    else is a failure."""
    for p in procs:
        for _ in range(restarts):
            _out, err = p.communicate(timeout=240)
            if p.returncode == 0:
                break
            assert "could not serialize access" in err, err
            p = django(env, *command)
        else:
            raise AssertionError(f"{command} kept failing: {err}")


def recipients(mailbox: Path) -> Counter[str]:
    """How many messages each address got, read from the file mail backend's files."""
    got: Counter[str] = Counter()
    for f in mailbox.iterdir():
        for chunk in f.read_text().split("-" * 79):
            if chunk.strip():
                got[email.message_from_string(chunk.strip())["To"]] += 1
    return got


def test_three_command_processes_at_once_send_each_reminder_once(
    due, worker_env, teacher, make_user, make_course, enroll
):
    students = due(24)
    # And 1:1 lessons, one hour apart in one window, each with its reminder due.
    course = make_course("one_on_one", teacher=teacher)
    window = publish(teacher, course, start=8, end=14)
    for hour in range(8, 14):
        learner = make_user(email=f"learner{hour}@example.com")
        enroll(course, learner)
        request_one_on_one(window, learner, at(day(3), hour))
        students.append(learner)
    BookingReminder.objects.update(remind_at=timezone.now() - timedelta(minutes=1))
    env, mailbox = worker_env
    procs = [django(env, "bookings_housekeeping") for _ in range(3)]
    outs = finish(*procs)
    got = recipients(mailbox)
    assert got == Counter({s.email: 1 for s in students})
    assert sum(int(o.split()[1]) for o in outs) == 30  # "Sent N reminder(s), ..."
    assert BookingReminder.objects.filter(sent_at__isnull=True).count() == 0


def test_two_db_workers_at_once_send_each_reminder_once(due, worker_env):
    students = due(18)
    env, mailbox = worker_env
    finish(django(env, "migrate", "django_tasks_database", "-v", "0"))
    # Three passes enqueued (as cron would, at each tick), run by two workers at once.
    finish(*[django(env, "bookings_housekeeping", "--enqueue") for _ in range(3)])
    command = ("db_worker", "--batch", "--no-startup-delay", "--interval", "0.1")
    supervise(env, [django(env, *command) for _ in range(2)], command)
    assert recipients(mailbox) == Counter({s.email: 1 for s in students})
    assert BookingReminder.objects.filter(sent_at__isnull=True).count() == 0


def test_a_worker_killed_after_its_claim_is_recovered_after_the_lease(due, worker_env, tmp_path):
    [student] = due(1)
    env, mailbox = worker_env
    env = {**env, "FLUENTORY_WORKER_LEASE": "3"}
    claimed = tmp_path / "claimed"
    hanging = django(
        {
            **env,
            "FLUENTORY_WORKER_ADAPTER": "tests.django.workers.HangingAdapter",
            "FLUENTORY_TEST_CLAIMED": str(claimed),
        },
        "bookings_housekeeping",
    )
    deadline = time.monotonic() + 120
    while not claimed.exists():
        assert hanging.poll() is None, hanging.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.05)
    claimed_at = time.monotonic()
    hanging.send_signal(signal.SIGKILL)
    hanging.wait()
    row = BookingReminder.objects.get()
    assert row.sent_at is None
    assert row.claimed_until is not None

    # Within the lease another worker leaves it alone...
    [out] = finish(django(env, "bookings_housekeeping"))
    if time.monotonic() - claimed_at < 3:
        assert out.startswith("Sent 0 reminder(s)"), out
    # ...and once the lease has passed, sends it.
    time.sleep(max(0.0, claimed_at + 3.5 - time.monotonic()))
    finish(django(env, "bookings_housekeeping"))
    assert recipients(mailbox) == Counter({student.email: 1})
    row.refresh_from_db()
    assert row.sent_at is not None
