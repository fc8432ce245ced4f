"""One home for "a change a calendar must see": only ``services/calendar_changes.py`` writes a
row's ``sequence`` (iCalendar's SEQUENCE) or a session's ``calendar_modified``. A use case that
raised either by hand would be a second home, free to forget the other half; the scan below
fails on it. What each use case does to SEQUENCE is in ``test_calendar_sequence.py``."""

from __future__ import annotations

import ast
import textwrap
from datetime import time, timedelta
from pathlib import Path

import pytest

import fluentory_bookings.contrib.django as app
from fluentory_bookings.contrib.django import signals
from fluentory_bookings.contrib.django.models import Booking, LiveClassSession, OneOnOneBooking
from fluentory_bookings.contrib.django.services import (
    book_group_session,
    create_session,
    expire_pending_requests,
    finish_started_sessions,
    request_one_on_one,
    set_availability,
    update_session,
)
from fluentory_bookings.contrib.django.services.calendar_changes import calendar_change_update
from tests.django.when import at, day

ROOT = Path(app.__file__).parent
HOME = ROOT / "services" / "calendar_changes.py"
FIELDS = {"sequence", "calendar_modified"}
# Calls that take ``sequence=`` without touching a row: the calendar builder's value object
# (calendar/events.py makes it, notifications/email.py copies it with dataclasses.replace).
NOT_ROWS = {"CalendarEvent", "replace"}


def writes(source: str) -> list[tuple[int, str]]:
    """The lines of ``source`` that write ``sequence`` or ``calendar_modified``, and how."""
    found: list[tuple[int, str]] = []

    def named(node: ast.AST | None) -> bool:
        return isinstance(node, ast.Constant) and node.value in FIELDS

    def stored(target: ast.AST) -> None:
        if isinstance(target, ast.Tuple | ast.List):
            for t in target.elts:
                stored(t)
        elif isinstance(target, ast.Attribute) and target.attr in FIELDS:
            found.append((target.lineno, f"assigns .{target.attr}"))
        elif isinstance(target, ast.Subscript) and named(target.slice):
            found.append((target.lineno, "assigns [...]"))

    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                stored(target)
        elif isinstance(node, ast.AugAssign | ast.AnnAssign):
            stored(node.target)
        elif isinstance(node, ast.Dict) and any(named(k) for k in node.keys):
            found.append((node.lineno, "a dict of values"))
        elif isinstance(node, ast.List | ast.Tuple | ast.Set) and any(named(e) for e in node.elts):
            found.append((node.lineno, "a list of fields"))
        elif isinstance(node, ast.Call):
            func = node.func
            callee = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if callee == "setattr" and len(node.args) > 1 and named(node.args[1]):
                found.append((node.lineno, "setattr"))
            if callee not in NOT_ROWS and any(k.arg in FIELDS for k in node.keywords):
                found.append((node.lineno, f"{callee}(...=)"))
    return sorted(found)


def test_only_the_helper_writes_sequence():
    modules = [p for p in ROOT.rglob("*.py") if "migrations" not in p.parts and p != HOME]
    assert len(modules) > 30
    found = {
        str(path.relative_to(ROOT)): hits
        for path in modules
        if (hits := writes(path.read_text(encoding="utf-8")))
    }
    assert found == {}, (
        "raise SEQUENCE with services.calendar_changes (calendar_change for a row being saved, "
        "calendar_change_update for a queryset), not by hand"
    )
    assert writes(HOME.read_text(encoding="utf-8")), "the scan sees the helper's own writes"


def test_the_scan_sees_every_way_of_writing_it():
    source = textwrap.dedent(
        """
        booking.sequence += 1
        session.calendar_modified = now
        a, b.sequence = 1, 2
        fields["sequence"] = current.sequence + 1
        Booking.objects.filter(pk=1).update(status="x", sequence=F("sequence") + 1)
        booking.save(update_fields=["status", "sequence"])
        LiveClassSession.objects.update(**{"calendar_modified": now})
        setattr(booking, "sequence", 3)
        OneOnOneBooking.objects.create(sequence=0)
        """
    )
    assert [line for line, _how in writes(source)] == list(range(2, 11))  # one per line
    # Reading it, and the calendar's own value objects, are not writes.
    reads = "x = booking.sequence + session.sequence\nCalendarEvent(uid=u, sequence=x)\n"
    assert writes(reads) == []


# --- the helper's two forms keep the values the use cases had -----------------------------------


@pytest.mark.django_db
def test_an_edit_of_seats_alone_moves_neither_sequence_nor_the_seat_stamp(group, teacher, soon):
    session = create_session(
        course=group,
        teacher=teacher,
        title="Seats",
        starts_at=soon,
        ends_at=soon + timedelta(hours=1),
        total_seats=2,
    )
    before = LiveClassSession.objects.get(pk=session.pk)
    update_session(session, teacher, total_seats=5)
    after = LiveClassSession.objects.get(pk=session.pk)
    assert (after.sequence, after.calendar_modified) == (before.sequence, before.calendar_modified)
    assert after.modified > before.modified  # the teacher's event shows the seat count
    update_session(session, teacher, description="Bring questions")
    again = LiveClassSession.objects.get(pk=session.pk)
    assert again.sequence == before.sequence
    assert again.calendar_modified > before.calendar_modified


@pytest.mark.django_db
def test_a_queryset_change_raises_each_row_once_and_the_copies_it_is_given(
    group, teacher, soon, make_user, enroll
):
    session = create_session(
        course=group, teacher=teacher, title="Q", starts_at=soon, ends_at=soon + timedelta(hours=1)
    )
    students = [make_user() for _ in range(2)]
    enroll(group, *students)
    rows = [book_group_session(session, s) for s in students]
    Booking.objects.filter(pk=rows[0].pk).update(sequence=4)  # rows differ: each is raised
    rows[0].sequence = 4
    stamp = soon - timedelta(days=1)
    count = calendar_change_update(Booking.objects.all(), at=stamp, mirror=rows[:1])
    assert count == 2
    assert list(Booking.objects.order_by("pk").values_list("sequence", "modified")) == [
        (5, stamp),
        (1, stamp),
    ]
    assert [r.sequence for r in rows] == [5, 0]  # only the copies given are mirrored
    calendar_change_update(LiveClassSession.objects.filter(pk=session.pk), at=stamp)
    session.refresh_from_db()
    assert (session.sequence, session.modified, session.calendar_modified) == (1, stamp, stamp)


@pytest.mark.django_db
def test_the_signals_carry_the_raised_sequence(
    group, teacher, soon, make_user, make_course, enroll, django_capture_on_commit_callbacks
):
    """The periodic use cases raise rows by UPDATE; the instances their signals carry (and the
    .ics attached to the e-mails) show the stored SEQUENCE."""
    session = create_session(
        course=group,
        teacher=teacher,
        title="Full",
        starts_at=soon,
        ends_at=soon + timedelta(hours=1),
        total_seats=1,
        enable_waitlist=True,
    )
    crowd = [make_user() for _ in range(2)]
    enroll(group, *crowd)
    for s in crowd:
        book_group_session(session, s)
    student = make_user()
    course = make_course("one_on_one", teacher=teacher, students=[student], approval=True)
    slot = set_availability(
        teacher,
        course=course,
        timezone="Europe/Berlin",
        kind="one_time",
        start_date=day(3),
        start_time=time(8),
        end_time=time(14),
    )
    [lesson] = request_one_on_one(slot, student, at(day(3), 9))
    got = []

    def record(sender, booking, **kwargs):
        got.append((type(booking), booking.pk, booking.sequence))

    for signal in (signals.group_waitlist_expired, signals.one_on_one_expired):
        signal.connect(record, weak=False, dispatch_uid="test-calendar-changes")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            finish_started_sessions(now=session.starts_at + timedelta(minutes=1))
            expire_pending_requests(now=lesson.starts_at)
    finally:
        for signal in (signals.group_waitlist_expired, signals.one_on_one_expired):
            signal.disconnect(dispatch_uid="test-calendar-changes")
    stored = [(m, pk, m.objects.get(pk=pk).sequence) for m, pk, _ in got]
    assert got == stored
    assert [(m, seq) for m, _, seq in got] == [(Booking, 1), (OneOnOneBooking, 1)]
