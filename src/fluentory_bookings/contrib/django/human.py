"""What every door shows people: the viewer's zone, a typed refusal as one message, labels, and
a page rendered in the viewer's zone.

Not a door itself: the pages, the calendar's pages, the admin and the API share it, so that none
of them imports another.
"""

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
from fluentory_bookings.contrib.django.refusals import error_message
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


def person_name(user: Any) -> str:
    """What pages call a person: the full name when the user model gives one
    (``get_full_name()``), else the username ("Lesson with Tess Teacher", not "tess")."""
    if user is None:
        return ""
    getter = getattr(user, "get_full_name", None)
    full = str(getter() or "").strip() if callable(getter) else ""
    return full or str(user.get_username())
