"""Use cases: the only code that writes bookings.

Each function opens one transaction, locks what it decides on (people's schedules, then session
rows, in a fixed order), loads core values, asks ``fluentory_bookings.core`` for the decision,
writes it (seats move by conditional UPDATE) and queues signals for after the commit. Refusals
are typed :class:`~fluentory_bookings.core.errors.BookingError` subclasses, raised before anything
is written. At PostgreSQL's REPEATABLE READ and SERIALIZABLE each use case takes its locks before
its transaction and retries what the database could not serialise (:mod:`.isolation`); when it
still cannot decide, the caller gets :class:`TryAgain`.
"""

from fluentory_bookings.contrib.django.services.availability import (
    Eligibility,
    bookable_availabilities,
    check_one_on_one_eligibility,
    delete_availability,
    open_slots_for,
    open_slots_of,
    set_availability,
)
from fluentory_bookings.contrib.django.services.group import (
    book_group_session,
    cancel_group_booking,
    confirm_group_booking,
    leave_waitlist,
    mark_attendance,
    refresh_session_status,
    release_deleted_booking,
    reschedule_group_booking,
)
from fluentory_bookings.contrib.django.services.isolation import TryAgain
from fluentory_bookings.contrib.django.services.lifecycle import (
    Finished,
    finish_started_sessions,
)
from fluentory_bookings.contrib.django.services.one_on_one import (
    approve_one_on_one,
    cancel_one_on_one,
    complete_one_on_one,
    decline_one_on_one,
    expire_pending_requests,
    release_deleted_one_on_one,
    request_one_on_one,
    set_one_on_one_meeting_link,
)
from fluentory_bookings.contrib.django.services.sessions import (
    cancel_session,
    check_new_session,
    create_session,
    create_weekly_sessions,
    update_session,
)

__all__ = [
    "Eligibility",
    "Finished",
    "TryAgain",
    "approve_one_on_one",
    "book_group_session",
    "bookable_availabilities",
    "cancel_group_booking",
    "cancel_one_on_one",
    "cancel_session",
    "check_new_session",
    "check_one_on_one_eligibility",
    "complete_one_on_one",
    "confirm_group_booking",
    "create_session",
    "create_weekly_sessions",
    "decline_one_on_one",
    "delete_availability",
    "expire_pending_requests",
    "finish_started_sessions",
    "leave_waitlist",
    "mark_attendance",
    "open_slots_for",
    "open_slots_of",
    "refresh_session_status",
    "release_deleted_booking",
    "release_deleted_one_on_one",
    "request_one_on_one",
    "reschedule_group_booking",
    "set_availability",
    "set_one_on_one_meeting_link",
    "update_session",
]
