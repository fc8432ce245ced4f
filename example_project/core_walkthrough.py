"""A five-minute tour of ``fluentory_bookings.core``, with no Django: run it with any Python.

1. A Berlin teacher's weekly availability, cut into open slots across the March DST change.
2. A three-seat group session filling up, waitlisting, and promoting when a seat frees.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from fluentory_bookings.core import (
    Interval,
    SeatState,
    SessionFull,
    SessionStatus,
    SlotSpec,
    WaitlistEntry,
    WeeklyRule,
    decide_book,
    decide_release,
    open_slots,
)

BERLIN = ZoneInfo("Europe/Berlin")


def slots_across_dst() -> None:
    print("1. Open slots of a teacher in Europe/Berlin, Fridays and Mondays 09:00-11:00")
    rule = WeeklyRule(
        tz="Europe/Berlin",
        weekdays=frozenset({0, 4}),
        start_time=time(9, 0),
        end_time=time(11, 0),
        valid_from=date(2027, 3, 1),
    )
    now = datetime(2027, 3, 24, 12, tzinfo=UTC)
    window = Interval(now, now + timedelta(days=8))
    windows = rule.occurrences(window)
    # A lesson already booked on Monday 29 March at 09:00 local.
    busy = [Interval(datetime(2027, 3, 29, 7, tzinfo=UTC), datetime(2027, 3, 29, 8, tzinfo=UTC))]
    spec = SlotSpec(length=timedelta(minutes=60), buffer_after=timedelta(minutes=0))
    for slot in open_slots(windows, busy, spec, now=now):
        local = slot.start.astimezone(BERLIN)
        print(f"   {local:%a %d %b %H:%M %Z}  =  {slot.start:%H:%M} UTC")
    print("   The clocks went forward on Sunday 28 March: local times stay 09:00 and 10:00,")
    print("   the UTC instants move by an hour, and the booked 09:00 slot is gone.\n")


def group_session_with_waitlist() -> None:
    print("2. A group session with 3 seats and a waitlist")
    now = datetime(2027, 1, 4, 9, tzinfo=UTC)
    state = SeatState(
        session_id="conversation-club",
        total_seats=3,
        seats_taken=0,
        enable_waitlist=True,
        status=SessionStatus.SCHEDULED,
        starts_at=now + timedelta(days=2),
    )
    waitlist: list[WaitlistEntry] = []
    for i, student in enumerate(["ana", "ben", "chen", "dara", "eli"]):
        decision = decide_book(state, already_booked=False, now=now, student_id=student)
        state = replace(state, seats_taken=decision.seats_taken, status=decision.status)
        if decision.outcome == "waitlisted":
            waitlist.append(WaitlistEntry(student, student, now + timedelta(minutes=i)))
        print(
            f"   {student:5} -> {decision.outcome:10} seats {state.seats_taken}/{state.total_seats}"
        )
    print(f"   waitlist: {[e.student_id for e in waitlist]}")

    print("   ben cancels ->", end=" ")
    release = decide_release(state, waitlist, freed=1)
    promoted = [e.student_id for e in release.promote]
    print(f"promoted {promoted}, still waiting {[(e.student_id, p) for e, p in release.waitlist]}")

    closed = replace(
        state, session_id="no-waitlist", total_seats=1, seats_taken=1, enable_waitlist=False
    )
    try:
        decide_book(closed, already_booked=False, now=now)
    except SessionFull as exc:
        print(f"   without a waitlist a full session refuses: {exc.code}: {exc}")


if __name__ == "__main__":
    slots_across_dst()
    group_session_with_waitlist()
