"""Creating, changing and cancelling group sessions through the services."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import override_settings
from django.utils import timezone

from fluentory_bookings.contrib.django import signals
from fluentory_bookings.contrib.django.adapter import DefaultBookingAdapter
from fluentory_bookings.contrib.django.models import Booking, LiveClassSession
from fluentory_bookings.contrib.django.services import (
    book_group_session,
    cancel_group_booking,
    cancel_session,
    create_session,
    update_session,
)
from fluentory_bookings.core.errors import (
    Conflict,
    InvalidInput,
    InvalidInterval,
    InvalidMeetingLink,
    InvalidSeats,
    InvalidTimezone,
    NotPermitted,
    PolicyViolation,
    SeatsBelowConfirmed,
    SessionClosed,
)
from lms.adapter import LmsBookingAdapter

pytestmark = pytest.mark.django_db


@pytest.fixture
def course(make_course, teacher):
    return make_course("group_session", teacher=teacher)


@pytest.fixture
def new(course, teacher, soon):
    """create_session with valid defaults; pass what a test varies."""

    def make(**kwargs: Any) -> LiveClassSession:
        values: dict[str, Any] = {
            "course": course,
            "teacher": teacher,
            "title": "Grammar clinic",
            "starts_at": soon,
            "ends_at": soon + timedelta(hours=1),
        }
        values.update(kwargs)
        return create_session(**values)

    return make


@pytest.fixture
def make_students(make_user, course, enroll):
    def make(n: int):
        users = [make_user() for _ in range(n)]
        enroll(course, *users)
        return users

    return make


@pytest.fixture
def sent(django_capture_on_commit_callbacks):
    """Record the given signals sent by the block's commit."""
    from contextlib import contextmanager

    @contextmanager
    def run(*sigs):
        got: list[tuple[Any, type, dict[str, Any]]] = []

        def receiver(signal, sender, **kwargs):
            got.append((signal, sender, kwargs))

        for s in sigs:
            s.connect(receiver, weak=False, dispatch_uid="test-sessions")
        try:
            with django_capture_on_commit_callbacks(execute=True):
                yield got
        finally:
            for s in sigs:
                s.disconnect(dispatch_uid="test-sessions")

    return run


def rows() -> tuple[Any, ...]:
    return (
        tuple(LiveClassSession.objects.order_by("pk").values_list()),
        tuple(Booking.objects.order_by("pk").values_list()),
    )


# --- create -----------------------------------------------------------------------------------------


def test_create_session_with_seat_capacity(new, teacher, course, soon, sent):
    with sent(signals.session_created) as got:
        session = new(
            total_seats=12,
            enable_waitlist=True,
            meeting_link="https://zoom.us/j/123456789",
            timezone="Europe/Berlin",
            description="Past tenses",
        )
    session.refresh_from_db()
    assert (session.total_seats, session.seats_taken, session.remaining_seats) == (12, 0, 12)
    assert (session.status, session.is_full, session.booking_open) == ("scheduled", False, True)
    assert session.enable_waitlist
    assert session.meeting_provider == "zoom"
    assert session.timezone == ZoneInfo("Europe/Berlin")
    assert (session.course, session.teacher) == (course, teacher)
    assert got == [(signals.session_created, LiveClassSession, {"session": session, "by": teacher})]


def test_create_session_defaults(new):
    session = new()
    assert (session.total_seats, session.enable_waitlist, session.meeting_link) == (10, False, "")
    assert str(session.timezone) == "UTC"


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"ends_at": "start"}, InvalidInterval),
        ({"ends_at": "before"}, InvalidInterval),
        (
            {"starts_at": datetime(2030, 1, 1, 10), "ends_at": datetime(2030, 1, 1, 11)},
            InvalidInterval,
        ),
        ({"total_seats": 0}, InvalidSeats),
        ({"total_seats": -3}, InvalidSeats),
        ({"total_seats": "5"}, InvalidSeats),
        ({"total_seats": True}, InvalidSeats),
        ({"total_seats": 2.5}, InvalidSeats),
        ({"timezone": "Mars/Olympus_Mons"}, InvalidTimezone),
        ({"timezone": ""}, InvalidTimezone),
        ({"meeting_link": "http://zoom.us/j/1"}, InvalidMeetingLink),
        ({"meeting_link": "javascript:alert(1)"}, InvalidMeetingLink),
        ({"meeting_link": "zoom.us/j/1"}, InvalidMeetingLink),
    ],
    ids=lambda v: v.__name__ if isinstance(v, type) else None,
)
def test_create_session_refuses_bad_input(new, soon, change, error):
    if change.get("ends_at") == "start":
        change = {"ends_at": soon}
    elif change.get("ends_at") == "before":
        change = {"ends_at": soon - timedelta(minutes=1)}
    before = rows()
    with pytest.raises(error):
        new(**change)
    assert rows() == before


def test_create_session_in_the_past(new):
    start = timezone.now() - timedelta(minutes=5)
    before = rows()
    with pytest.raises(PolicyViolation) as exc:
        new(starts_at=start, ends_at=start + timedelta(hours=1))
    assert exc.value.rule == "past"
    assert rows() == before


@pytest.mark.parametrize("booking_type", ["none", "one_on_one"])
def test_create_session_for_a_course_without_group_sessions(
    new, make_course, teacher, booking_type
):
    course = make_course(booking_type, teacher=teacher)
    before = rows()
    with pytest.raises(PolicyViolation) as exc:
        new(course=course)
    assert exc.value.rule == "booking_type"
    assert rows() == before


def test_create_session_by_someone_who_does_not_teach_the_course(new, make_user):
    before = rows()
    with pytest.raises(NotPermitted):
        new(teacher=make_user())
    assert rows() == before


def test_create_session_over_the_teachers_own_schedule(new, soon):
    first = new()
    before = rows()
    with pytest.raises(Conflict) as exc:
        new(starts_at=soon + timedelta(minutes=30), ends_at=soon + timedelta(minutes=90))
    assert [c.ref for c in exc.value.conflicts] == [("session", first.pk)]
    assert exc.value.conflicts[0].party == "teacher"
    assert rows() == before
    # Back to back is fine.
    new(starts_at=soon + timedelta(hours=1), ends_at=soon + timedelta(hours=2))


class _LinkAdapter(LmsBookingAdapter):
    def generate_meeting_link(self, booking):
        return f"https://meet.example.com/session-{booking.pk}"


class _BadLinkAdapter(LmsBookingAdapter):
    def generate_meeting_link(self, booking):
        return "http://insecure.example.com/"


@override_settings(FLUENTORY_BOOKINGS_ADAPTER=f"{__name__}._LinkAdapter")
def test_create_session_asks_the_adapter_for_a_missing_link(new):
    session = new()
    assert session.meeting_link == f"https://meet.example.com/session-{session.pk}"
    assert LiveClassSession.objects.get(pk=session.pk).meeting_link == session.meeting_link
    # A link the teacher gives wins.
    other = new(
        starts_at=session.ends_at,
        ends_at=session.ends_at + timedelta(hours=1),
        meeting_link="https://zoom.us/j/1",
    )
    assert other.meeting_link == "https://zoom.us/j/1"


@override_settings(FLUENTORY_BOOKINGS_ADAPTER=f"{__name__}._BadLinkAdapter")
def test_a_generated_link_is_validated_too(new):
    before = rows()
    with pytest.raises(InvalidMeetingLink):
        new()
    assert rows() == before


def test_default_adapter_generates_no_link():
    assert DefaultBookingAdapter().generate_meeting_link(None) == ""  # type: ignore[arg-type]


# --- update -----------------------------------------------------------------------------------------


def test_raising_seats_promotes_the_waitlist_first_come_first_served(new, make_students, sent):
    session = new(total_seats=2, enable_waitlist=True)
    students = make_students(6)
    bookings = [book_group_session(session, s) for s in students]
    assert [b.status for b in bookings].count("waitlisted") == 4

    with sent(signals.session_updated, signals.group_booking_promoted) as got:
        updated = update_session(session, session.teacher, total_seats=4)
    assert (updated.total_seats, updated.seats_taken) == (4, 4)
    assert session.total_seats == 4  # the caller's instance follows
    statuses = dict(Booking.objects.values_list("pk", "status"))
    assert [statuses[b.pk] for b in bookings] == ["confirmed"] * 4 + ["waitlisted"] * 2
    positions = Booking.objects.filter(status="waitlisted").order_by("waitlist_position")
    assert [(b.pk, b.waitlist_position) for b in positions] == [
        (bookings[4].pk, 1),
        (bookings[5].pk, 2),
    ]
    assert [sig for sig, _, _ in got] == [
        signals.session_updated,
        signals.group_booking_promoted,
        signals.group_booking_promoted,
    ]
    assert got[0][2] == {"session": updated, "by": session.teacher, "changed": ["total_seats"]}
    assert [kw["booking"].pk for _, _, kw in got[1:]] == [bookings[2].pk, bookings[3].pk]


def test_reducing_seats_below_confirmed_is_refused(new, make_students):
    session = new(total_seats=4)
    for s in make_students(3):
        book_group_session(session, s)
    before = rows()
    with pytest.raises(SeatsBelowConfirmed) as exc:
        update_session(session, session.teacher, total_seats=2)
    assert (exc.value.total_seats, exc.value.confirmed) == (2, 3)
    with pytest.raises(InvalidSeats):
        update_session(session, session.teacher, total_seats=0)
    assert rows() == before
    # Down to exactly the confirmed seats closes a session without a waitlist.
    closed = update_session(session, session.teacher, total_seats=3)
    assert (closed.total_seats, closed.status, closed.booking_open) == (3, "booking_closed", False)


def test_toggling_the_waitlist_opens_and_closes_a_full_session(new, make_students):
    session = new(total_seats=1)
    a, b = make_students(2)
    book_group_session(session, a)
    assert LiveClassSession.objects.get(pk=session.pk).status == "booking_closed"
    opened = update_session(session, session.teacher, enable_waitlist=True)
    assert (opened.status, opened.booking_open) == ("scheduled", True)
    waiting = book_group_session(session, b)
    closed = update_session(session, session.teacher, enable_waitlist=False)
    assert closed.status == "booking_closed"
    # Nobody is dropped from the line when the waitlist is switched off...
    assert Booking.objects.get(pk=waiting.pk).status == "waitlisted"
    # ...and the first in line still gets the next free seat.
    cancel_group_booking(Booking.objects.get(student=a), a)
    assert Booking.objects.get(pk=waiting.pk).status == "confirmed"


def test_update_plain_fields(new, staff):
    session = new()
    updated = update_session(
        session,
        staff,
        title="New title",
        description="Bring a notebook",
        meeting_link="https://meet.google.com/xyz",
        timezone="Asia/Tokyo",
    )
    assert (updated.title, updated.description) == ("New title", "Bring a notebook")
    assert updated.meeting_provider == "google_meet"
    assert updated.timezone == ZoneInfo("Asia/Tokyo")


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"meeting_link": "javascript:alert(1)"}, InvalidMeetingLink),
        ({"timezone": "Nowhere/Town"}, InvalidTimezone),
        ({"total_seats": -1}, InvalidSeats),
    ],
)
def test_update_refuses_bad_values(new, change, error):
    session = new()
    before = rows()
    with pytest.raises(error):
        update_session(session, session.teacher, **change)
    assert rows() == before


def test_update_refuses_unknown_fields_and_strangers(new, make_user, make_students):
    session = new()
    (student,) = make_students(1)
    before = rows()
    with pytest.raises(InvalidInput) as info:
        update_session(session, session.teacher, seats_taken=5)
    assert info.value.field == "seats_taken"
    with pytest.raises(InvalidInput) as info:
        update_session(session, session.teacher, teacher=make_user())
    assert info.value.field == "teacher"
    for who in (student, make_user(), None):
        with pytest.raises(NotPermitted):
            update_session(session, who, title="Hijacked")
    assert rows() == before


def test_another_teacher_of_the_course_may_update(new, course, make_user):
    from lms.models import CourseTeacher

    colleague = make_user()
    CourseTeacher.objects.create(course=course, teacher=colleague)
    assert update_session(new(), colleague, title="Covered").title == "Covered"


def test_moving_a_session_revalidates_the_time(new, soon, sent):
    session = new()
    other = new(starts_at=soon + timedelta(hours=3), ends_at=soon + timedelta(hours=4))
    before = rows()
    with pytest.raises(InvalidInterval):
        update_session(session, session.teacher, ends_at=soon)
    with pytest.raises(InvalidInterval):
        update_session(session, session.teacher, starts_at=soon.replace(tzinfo=None))
    with pytest.raises(PolicyViolation) as past:
        update_session(
            session,
            session.teacher,
            starts_at=timezone.now() - timedelta(hours=1),
            ends_at=timezone.now(),
        )
    assert past.value.rule == "past"
    with pytest.raises(Conflict) as clash:
        update_session(session, session.teacher, ends_at=soon + timedelta(hours=3, minutes=30))
    assert [c.ref for c in clash.value.conflicts] == [("session", other.pk)]
    assert rows() == before

    # A move that overlaps only its own old time is no conflict.
    with sent(signals.session_updated) as got:
        moved = update_session(
            session,
            session.teacher,
            starts_at=soon + timedelta(minutes=30),
            ends_at=soon + timedelta(minutes=90),
        )
    assert moved.starts_at == soon + timedelta(minutes=30)
    assert len(got) == 1


def test_a_started_session_cannot_be_moved(new, soon):
    session = new()
    start = timezone.now() - timedelta(minutes=10)
    LiveClassSession.objects.filter(pk=session.pk).update(
        starts_at=start, ends_at=start + timedelta(hours=1)
    )
    with pytest.raises(PolicyViolation) as exc:
        update_session(session, session.teacher, starts_at=soon, ends_at=soon + timedelta(hours=1))
    assert exc.value.rule == "past"


def test_an_update_that_changes_nothing_sends_nothing(new, sent):
    session = new(total_seats=5, timezone="Europe/Paris")
    with sent(signals.session_updated) as got:
        same = update_session(
            session,
            session.teacher,
            total_seats=5,
            title=session.title,
            timezone="Europe/Paris",
            starts_at=session.starts_at.astimezone(ZoneInfo("Asia/Tokyo")),
        )
    assert got == []
    assert same.modified == LiveClassSession.objects.get(pk=session.pk).modified


# --- cancel -----------------------------------------------------------------------------------------


def test_cancel_session_cancels_every_booking(new, make_students, sent):
    session = new(total_seats=2, enable_waitlist=True)
    students = make_students(3)
    bookings = [book_group_session(session, s) for s in students]
    with sent(signals.session_cancelled, signals.group_booking_cancelled) as got:
        cancelled = cancel_session(session, session.teacher)
    assert (cancelled.status, cancelled.seats_taken, cancelled.booking_open) == (
        "cancelled",
        0,
        False,
    )
    assert session.status == "cancelled"
    assert set(Booking.objects.values_list("status", flat=True)) == {"cancelled"}
    assert set(Booking.objects.values_list("waitlist_position", flat=True)) == {None}
    assert set(Booking.objects.values_list("cancelled_by", flat=True)) == {session.teacher.pk}
    assert got[0] == (
        signals.session_cancelled,
        LiveClassSession,
        {"session": cancelled, "by": session.teacher},
    )
    assert [(sig, kw["booking"].pk) for sig, _, kw in got[1:]] == [
        (signals.group_booking_cancelled, b.pk) for b in bookings
    ]

    # Again: nothing to do, nothing sent.
    with sent(signals.session_cancelled) as again:
        cancel_session(session, session.teacher)
    assert again == []


def test_cancel_session_permissions_and_timing(new, make_students, make_user, staff):
    session = new()
    (student,) = make_students(1)
    book_group_session(session, student)
    before = rows()
    for who in (student, make_user(), None):
        with pytest.raises(NotPermitted):
            cancel_session(session, who)
    start = timezone.now() - timedelta(minutes=10)
    LiveClassSession.objects.filter(pk=session.pk).update(
        starts_at=start, ends_at=start + timedelta(hours=1)
    )
    before = rows()
    with pytest.raises(PolicyViolation) as exc:
        cancel_session(session, session.teacher)
    assert exc.value.rule == "past"
    assert rows() == before
    # Staff clean up at any time.
    assert cancel_session(session, staff).status == "cancelled"
    assert Booking.objects.get().status == "cancelled"


def test_a_completed_session_cannot_be_cancelled(new, staff):
    session = new()
    LiveClassSession.objects.filter(pk=session.pk).update(status="completed")
    with pytest.raises(SessionClosed):
        cancel_session(session, staff)


def test_times_are_stored_as_instants(new, course, teacher):
    berlin = ZoneInfo("Europe/Berlin")
    start = (timezone.now() + timedelta(days=3)).astimezone(berlin).replace(microsecond=0)
    session = new(starts_at=start, ends_at=start + timedelta(hours=1), timezone="Europe/Berlin")
    stored = LiveClassSession.objects.get(pk=session.pk)
    assert stored.starts_at == start.astimezone(UTC)


def test_session_updated_names_only_the_fields_the_caller_changed(
    new, django_capture_on_commit_callbacks
):
    """``changed`` is what a receiver tells students about: not the calendar bookkeeping the
    service writes with it (the sequence, the seat events' change time)."""
    session = new()
    got: list[list[str]] = []

    def receiver(sender: type, changed: list[str], **kwargs: Any) -> None:
        got.append(changed)

    signals.session_updated.connect(receiver, weak=False, dispatch_uid="tests-changed")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            update_session(session, session.teacher, meeting_link="https://meet.example.com/new")
        with django_capture_on_commit_callbacks(execute=True):
            update_session(session, session.teacher, title="Renamed", description="Notes")
    finally:
        signals.session_updated.disconnect(dispatch_uid="tests-changed")
    assert got == [["meeting_link"], ["description", "title"]]
