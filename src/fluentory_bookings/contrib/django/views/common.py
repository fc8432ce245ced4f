"""What every page shares: the viewer's zone, plain messages for typed errors, labels."""

from __future__ import annotations

from collections.abc import Callable
from datetime import tzinfo
from typing import Any
from urllib.parse import unquote

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from fluentory_bookings.contrib.django.adapter import get_adapter
from fluentory_bookings.core.errors import BookingError, InvalidTimezone
from fluentory_bookings.core.policy import BookingType, parse_booking_type
from fluentory_bookings.core.zones import resolve_zone

__all__ = [
    "BROWSER_ZONE_COOKIE",
    "attempt",
    "booking_type_label",
    "error_message",
    "render_page",
    "report",
    "viewer_zone",
]

BROWSER_ZONE_COOKIE = "fb_tz"
"""The cookie a small script on the layout sets to the browser's IANA zone."""


def viewer_zone(request: HttpRequest) -> tzinfo:
    """The zone times are shown in: the adapter's zone for the user, else the browser's (the
    ``fb_tz`` cookie), else the site's ``TIME_ZONE``."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        zone = get_adapter().get_user_timezone(user)
        if zone is not None:
            return zone
    browser = request.COOKIES.get(BROWSER_ZONE_COOKIE)
    if browser:
        try:
            # zone.js URL-encodes the value ("America%2FNew_York"); Django hands it over raw.
            return resolve_zone(unquote(browser))
        except InvalidTimezone:
            pass
    return resolve_zone(settings.TIME_ZONE)


def booking_type_label(value: Any) -> str:
    """ "Group session", "1:1 lesson" or "No bookings", translated."""
    kind = parse_booking_type(value)
    return {
        BookingType.GROUP_SESSION: _("Group session"),
        BookingType.ONE_ON_ONE: _("1:1 lesson"),
        BookingType.NONE: _("No bookings"),
    }[kind]


def error_message(exc: BookingError) -> str:
    """One plain, translated sentence for a typed refusal (the code, rule or reason decides)."""
    detail = getattr(exc, "rule", None) or getattr(exc, "reason", None)
    key = f"{exc.code}:{detail}" if detail else exc.code
    return _MESSAGES().get(key) or _MESSAGES().get(exc.code) or _("This could not be done.")


def report(request: HttpRequest, exc: BookingError) -> None:
    """Show ``exc`` to the user as one error message."""
    messages.error(request, error_message(exc))


def attempt(request: HttpRequest, call: Callable[[], Any], success: str) -> bool:
    """Run one service call; show ``success``, or its typed refusal as one message.

    Returns whether the call succeeded.
    """
    try:
        call()
    except BookingError as exc:
        report(request, exc)
        return False
    messages.success(request, success)
    return True


def render_page(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    """Render with every datetime shown in the viewer's zone, which the page names."""
    zone = viewer_zone(request)
    with timezone.override(zone):
        return render(request, template, {"zone": zone, "zone_name": str(zone), **context})


def _MESSAGES() -> dict[str, str]:
    return {
        "session_full": _("This session is full."),
        "session_closed": _("This session takes no bookings."),
        "already_booked": _("You have already booked this."),
        "not_on_waitlist": _("This booking is not on the waitlist."),
        "slot_unavailable": _("This time is no longer available."),
        "slot_unavailable:taken": _("Someone has just booked this time."),
        "slot_unavailable:past": _("This time has already started."),
        "slot_unavailable:minimum_notice": _("This time is too soon to book."),
        "slot_unavailable:horizon": _("This time is too far ahead to book."),
        "conflict": _("This clashes with something already in your calendar."),
        "invalid_transition": _("This booking can no longer be changed that way."),
        "not_permitted": _("You may not do this."),
        "policy_violation": _("The course's rules do not allow this."),
        "policy_violation:booking_type": _("This course does not take this kind of booking."),
        "policy_violation:past": _("This has already started."),
        "policy_violation:minimum_notice": _("It is too late to book this."),
        "policy_violation:horizon": _("It is too early to book this."),
        "policy_violation:cancellation_cutoff": _("It is too late to cancel this."),
        "policy_violation:reschedule_cutoff": _("It is too late to reschedule this."),
        "policy_violation:enrollment": _("You are not enrolled in this course."),
        "policy_violation:not_started": _("This can be recorded once it has started."),
        "invalid_input": _("Please check what you entered."),
        "invalid_interval": _("Please check the dates and times."),
        "invalid_rule": _("Please check the availability you entered."),
        "invalid_timezone": _("Please choose a time zone from the list."),
        "invalid_meeting_link": _("A meeting link must start with https://."),
        "invalid_seats": _("Please enter a whole number of seats."),
        "seats_below_confirmed": _("There are more confirmed students than that."),
        "limit_exceeded": _("Please ask for a shorter period."),
        "try_again": _("Many people are booking right now: please try again."),
    }
