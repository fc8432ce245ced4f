"""Mail follows what committed: real transactions and real threads, no captured callbacks."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction

from fluentory_bookings.contrib.django.models import Booking
from fluentory_bookings.contrib.django.services import (
    TryAgain,
    book_group_session,
    create_session,
    isolation,
)
from fluentory_bookings.core.errors import SessionFull
from tests.django.conftest import race

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.concurrency]


@pytest.fixture
def rush(make_course, make_user, teacher, soon):
    """One seat, no waitlist, and eight enrolled students with addresses."""
    students = [make_user(f"rush{i}", email=f"rush{i}@example.com") for i in range(8)]
    course = make_course("group_session", teacher=teacher, students=students)
    session = create_session(
        course=course,
        teacher=teacher,
        title="Last seat",
        starts_at=soon,
        ends_at=soon + timedelta(hours=1),
        total_seats=1,
    )
    return session, students


def test_of_many_racing_for_the_last_seat_only_the_winner_is_mailed(rush, mailoutbox):
    session, students = rush
    results = race(book_group_session, [(session, s) for s in students])
    winners = [r for r in results if isinstance(r, Booking)]
    assert len(winners) == 1
    assert all(isinstance(r, SessionFull) for r in results if r not in winners)
    [message] = mailoutbox
    assert message.to == [winners[0].student.email]
    assert message.subject == "Seat confirmed: Last seat"


def test_a_booking_rolled_back_by_the_host_sends_nothing(rush, mailoutbox):
    session, students = rush

    class Abandon(Exception):
        pass

    def checkout():
        with transaction.atomic():
            book_group_session(session, students[0])
            raise Abandon  # e.g. the host's payment step failed in the same transaction

    # Under snapshot isolation a use case refuses to run inside the host's transaction at all
    # (services.isolation); either way nothing is booked and nobody hears of it.
    refused = TryAgain if isolation.is_snapshot_isolation("default") else Abandon
    with pytest.raises(refused):
        checkout()
    assert not Booking.objects.exists()
    assert mailoutbox == []
    book_group_session(session, students[1])
    assert [m.to for m in mailoutbox] == [["rush1@example.com"]]
