"""Shared fixtures: the example LMS's users and courses, and a way to race real threads."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import connections
from django.dispatch import Signal
from django.utils import timezone

from fluentory_bookings.contrib.django import signals
from lms.adapter import LmsBookingAdapter
from lms.models import Course, CourseTeacher, Enrollment

_names = itertools.count(1)


@pytest.fixture(autouse=True)
def empty_cache() -> None:
    """Every test starts with an empty cache: the API's write throttle counts there, and one
    test's writes must not spend the next one's budget."""
    from django.core.cache import caches

    for cache in caches.all():
        cache.clear()


@pytest.fixture
def make_user(db):
    def make(name: str | None = None, **extra: Any):
        name = name or f"user{next(_names)}"
        return get_user_model().objects.create_user(username=name, password="pw", **extra)

    return make


@pytest.fixture
def teacher(make_user):
    return make_user("teacher")


@pytest.fixture
def student(make_user):
    return make_user("student")


@pytest.fixture
def staff(make_user):
    return make_user("staff", is_staff=True)


@pytest.fixture
def make_course(db):
    def make(
        booking_type: str, *, teacher=None, students=(), approval=False, teacher_override=None
    ):
        course = Course.objects.create(
            title=f"{booking_type} course {next(_names)}",
            booking_type=booking_type,
            requires_booking_approval=approval,
        )
        if teacher is not None:
            CourseTeacher.objects.create(
                course=course, teacher=teacher, requires_booking_approval=teacher_override
            )
        for s in students:
            Enrollment.objects.create(course=course, student=s)
        return course

    return make


@pytest.fixture
def enroll(db):
    def do(course, *students):
        for s in students:
            Enrollment.objects.get_or_create(course=course, student=s)

    return do


@pytest.fixture
def soon():
    """A future instant on a whole hour, well past the default one-hour minimum notice."""
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    return now + timedelta(days=2)


def race(fn: Callable[..., Any], args: Sequence[tuple[Any, ...]]) -> list[Any]:
    """Run ``fn(*a)`` for every ``a`` in its own thread and database connection, released at once.

    Returns each call's result or the exception it raised, in the order of ``args``.
    """
    barrier = threading.Barrier(len(args))
    results: list[Any] = [None] * len(args)

    def run(i: int, a: tuple[Any, ...]) -> None:
        try:
            barrier.wait()
            results[i] = fn(*a)
        except BaseException as exc:  # the test inspects what each racer got
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(args)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    return results


def pytest_collection_modifyitems(config, items):
    """PostgreSQL-only guarantees (marked ``postgres``) run in the PostgreSQL pass of
    ``make test``; on other databases they are deselected, not reported as skipped gaps."""
    from django.conf import settings

    if "postgresql" in settings.DATABASES["default"]["ENGINE"]:
        return
    keep, drop = [], []
    for item in items:
        (drop if item.get_closest_marker("postgres") else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


class ClockAdapter(LmsBookingAdapter):
    """The example adapter with a clock the test sets: ``now()`` is frozen when asked."""

    frozen_at = None

    def now(self):
        return self.frozen_at or super().now()


@pytest.fixture
def clock(settings):
    """Move the app's clock: ``clock(instant)``; the real clock comes back after the test."""
    settings.FLUENTORY_BOOKINGS_ADAPTER = "tests.django.conftest.ClockAdapter"

    def move_to(instant):
        ClockAdapter.frozen_at = instant

    yield move_to
    ClockAdapter.frozen_at = None


@pytest.fixture
def group(make_course, teacher):
    """A group-session course taught by ``teacher``."""
    return make_course("group_session", teacher=teacher)


@pytest.fixture
def sent(django_capture_on_commit_callbacks):
    """``with sent() as got:`` collects (signal name, booking or session pk, by) for every
    signal of the app sent in the block, after its commit."""

    @contextmanager
    def run() -> Iterator[list[tuple[str, Any, Any]]]:
        got: list[tuple[str, Any, Any]] = []
        names = {s: n for n in dir(signals) if isinstance(s := getattr(signals, n), Signal)}

        def receiver(signal: Signal, sender: type, **kwargs: Any) -> None:
            obj = kwargs.get("booking") or kwargs.get("session")
            got.append((names[signal], obj.pk, kwargs.get("by")))

        for s in names:
            s.connect(receiver, weak=False, dispatch_uid="tests-sent")
        try:
            with django_capture_on_commit_callbacks(execute=True):
                yield got
        finally:
            for s in names:
                s.disconnect(dispatch_uid="tests-sent")

    return run
