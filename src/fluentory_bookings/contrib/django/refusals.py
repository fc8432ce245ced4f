"""Every refusal's one sentence for people: the pages, the API's ``message``, the admin and the
form validators all say the same thing for the same typed error.

A message is chosen by the error's :func:`message_key`: the policy :class:`~fluentory_bookings.
core.errors.Rule` of a ``PolicyViolation``, the :class:`~fluentory_bookings.core.errors.SlotReason`
of a ``SlotUnavailable``, else the error's ``code``. Every rule, every reason and every error class
has its own sentence (a test checks that none is missing). A host rewords any of them in its
adapter's ``refusal_message``, as django-allauth's adapter does for its messages.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from fluentory_bookings.core.errors import BookingError, PolicyViolation, SlotUnavailable

__all__ = ["default_message", "error_message", "message_key", "messages"]


def message_key(exc: BookingError) -> str:
    """``"policy_violation:<rule>"``, ``"slot_unavailable:<reason>"``, else the error's code."""
    if isinstance(exc, PolicyViolation):
        return f"{exc.code}:{exc.rule.value}"
    if isinstance(exc, SlotUnavailable) and exc.reason is not None:
        return f"{exc.code}:{exc.reason.value}"
    return exc.code


def default_message(exc: BookingError) -> str:
    """The shipped sentence for ``exc``, translated into the active language."""
    table = messages()
    return table.get(message_key(exc)) or table.get(exc.code) or table["booking_error"]


def error_message(exc: BookingError) -> str:
    """The sentence people see for ``exc``: the adapter's ``refusal_message`` (by default
    :func:`default_message`)."""
    from fluentory_bookings.contrib.django.adapter import get_adapter

    return get_adapter().refusal_message(exc)


def messages() -> dict[str, str]:
    """Every shipped sentence by key, translated into the active language."""
    return {
        # Seats and sessions.
        "session_full": _("This session is full."),
        "session_closed": _("This session takes no bookings."),
        "already_booked": _("You have already booked this."),
        "not_on_waitlist": _("This booking is not on the waitlist."),
        "seats_below_confirmed": _("There are more confirmed students than that."),
        # 1:1 slots.
        "slot_unavailable": _("This time is no longer available."),
        "slot_unavailable:taken": _("Someone has just booked this time."),
        "slot_unavailable:past": _("This time has already started."),
        "slot_unavailable:minimum_notice": _("This time is too soon to book."),
        "slot_unavailable:horizon": _("This time is too far ahead to book."),
        "slot_unavailable:outside_availability": _("The teacher is not available at this time."),
        "slot_unavailable:off_grid": _("Lessons do not start at this time."),
        "slot_unavailable:inactive": _("The teacher no longer offers this time."),
        "slot_unavailable:other_course": _("This time is offered for another course."),
        "slot_unavailable:not_taught": _("This teacher does not teach this course."),
        # Everyone's calendar and the booking's life.
        "conflict": _("This clashes with something already in your calendar."),
        "invalid_transition": _("This booking can no longer be changed that way."),
        "not_permitted": _("You may not do this."),
        "try_again": _("Many people are booking right now: please try again."),
        # Policy.
        "policy_violation": _("The course's rules do not allow this."),
        "policy_violation:booking_type": _("This course does not take this kind of booking."),
        "policy_violation:enrollment": _("You are not enrolled in this course."),
        "policy_violation:past": _("This has already started."),
        "policy_violation:minimum_notice": _("It is too late to book this."),
        "policy_violation:horizon": _("It is too early to book this."),
        "policy_violation:cancellation_cutoff": _("It is too late to cancel this."),
        "policy_violation:reschedule_cutoff": _("It is too late to reschedule this."),
        "policy_violation:not_started": _("This can be recorded once it has started."),
        "policy_violation:same_course": _("A booking can only move to a session of its course."),
        "policy_violation:availability_limit": _(
            "You publish as many availabilities as you may: change or delete one instead."
        ),
        "policy_violation:pending_limit": _(
            "You have as many requests waiting for this teacher as you may: wait for an answer "
            "or cancel one."
        ),
        # Input.
        "booking_error": _("This could not be done."),
        "invalid_input": _("Please check what you entered."),
        "invalid_interval": _("Please check the dates and times."),
        "invalid_rule": _("Please check the availability you entered."),
        "invalid_timezone": _("Please choose a time zone from the list."),
        "invalid_meeting_link": _("A meeting link must start with https://."),
        "invalid_seats": _("Please enter a whole number of seats."),
        "limit_exceeded": _("Please ask for a shorter period."),
    }
