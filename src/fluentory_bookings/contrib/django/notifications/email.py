"""The e-mail a notification becomes: plain text and HTML from templates, with an .ics.

Templates, all overridable in the host's own template folders:

- ``fluentory_bookings/email/<event>_subject.txt``: one line (whitespace is folded);
- ``fluentory_bookings/email/<event>.txt``: the plain-text body;
- ``fluentory_bookings/email/<event>.html``: the HTML body (they extend ``email/base.html``).

They are rendered in the recipient's language (the adapter's ``get_user_language``, else
``LANGUAGE_CODE``) and time zone (the adapter's ``get_user_timezone``, else the zone the session
or availability was planned in, else ``TIME_ZONE``), so every ``date`` filter shows the
recipient's local time; ``zone_name`` names that zone. The meeting link is given
only for a confirmed booking, and only an https one. The attachment is an iCalendar invitation
from the calendar builder with the feed's UID and SEQUENCE: ``METHOD:REQUEST`` for a new or
changed booking, ``METHOD:CANCEL`` for a cancelled one.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import tzinfo
from email.utils import parseaddr
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation

from fluentory_bookings.contrib.django.adapter import get_adapter
from fluentory_bookings.contrib.django.calendar.builder import (
    CalendarEvent,
    build_calendar,
    safe_link,
)
from fluentory_bookings.contrib.django.calendar.events import (
    LESSON_RELATED,
    SEAT_RELATED,
    group_booking_event,
    one_on_one_event,
)
from fluentory_bookings.contrib.django.conf import app_settings
from fluentory_bookings.contrib.django.models import Booking, OneOnOneBooking
from fluentory_bookings.contrib.django.notifications.errors import Undeliverable
from fluentory_bookings.core.approvals import OneOnOneStatus
from fluentory_bookings.core.errors import InvalidInput
from fluentory_bookings.core.seats import SeatStatus
from fluentory_bookings.core.zones import resolve_zone

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

    from fluentory_bookings.contrib.django.notifications.messages import Notification

__all__ = ["render_email", "send_email", "site_url"]

TEMPLATES = "fluentory_bookings/email/"
_BLANK_LINES = re.compile(r"\n\s*\n")

# Which invitation each event carries (none for the others: nothing is in a calendar yet).
_REQUEST = frozenset(
    {
        "group_confirmed",
        "group_promoted",
        "group_rescheduled",
        "session_changed",
        "one_on_one_requested",  # only once confirmed: see _invitations
        "one_on_one_confirmed",
        "one_on_one_approved",
        "one_on_one_link_changed",
    }
)
_CANCEL = frozenset(
    {"group_cancelled", "group_cancelled_by_teacher", "session_cancelled", "one_on_one_cancelled"}
)
_CONFIRMED = {SeatStatus.CONFIRMED.value, OneOnOneStatus.CONFIRMED.value}


def send_email(notification: Notification) -> None:
    """Render and send the e-mail for ``notification``.

    Raises:
        Undeliverable: the recipient has no e-mail address; nothing was sent.

    Errors of the mail backend propagate too: the caller decides (see
    ``messages.deliver_safely`` and ``dispatch``).
    """
    message = render_email(notification)
    if message is None:
        raise Undeliverable("the recipient has no e-mail address")
    message.send()


def render_email(notification: Notification) -> EmailMultiAlternatives | None:
    """The e-mail for ``notification``, ready to send; ``None`` if the recipient has no address."""
    address = getattr(notification.recipient, "email", "")
    if not address:
        return None
    adapter = get_adapter()
    zone = adapter.get_user_timezone(notification.recipient) or _booking_zone(notification)
    language = adapter.get_user_language(notification.recipient) or settings.LANGUAGE_CODE
    with translation.override(language), timezone.override(zone):
        context = email_context(notification, zone)
        name = TEMPLATES + notification.event
        subject = " ".join(render_to_string(f"{name}_subject.txt", context).split())
        # Paragraphs a template left out would leave gaps: at most one empty line in a row.
        text = _BLANK_LINES.sub("\n\n", render_to_string(f"{name}.txt", context).strip()) + "\n"
        html = render_to_string(f"{name}.html", context)
        invitations = _invitations(notification, context)
    message = EmailMultiAlternatives(subject, text, to=[address])
    message.attach_alternative(html, "text/html")
    for filename, data, method in invitations:
        message.attach(filename, data, f"text/calendar; charset=utf-8; method={method}")
    return message


def email_context(notification: Notification, zone: tzinfo) -> dict[str, Any]:
    """What every e-mail template gets (see the docs page "Notifications")."""
    booking = notification.booking
    session = notification.session
    course = _related(session if session is not None else booking, "course")
    teacher = _related(session if session is not None else booking, "teacher")
    student = _related(booking, "student")
    confirmed = booking.status in _CONFIRMED
    to_teacher = getattr(notification.recipient, "pk", None) != booking.student_id
    by = notification.context.get("by")
    context: dict[str, Any] = {
        **notification.context,
        "event": notification.event,
        "notification": notification,
        "recipient": notification.recipient,
        "recipient_name": _name(notification.recipient),
        "booking": booking,
        "session": session,
        "course": course,
        "title": session.title if session is not None else str(course or ""),
        "teacher_name": _name(teacher),
        "student_name": _name(student),
        # The other person of a 1:1 lesson, or a session's teacher; the student's own name
        # is not news to them.
        "other_name": _name(student if to_teacher else teacher),
        "to_teacher": to_teacher,
        "by_you": by == ("teacher" if to_teacher else "student"),
        "start": (session or booking).starts_at,
        "end": (session or booking).ends_at,
        "zone_name": str(zone),
        "confirmed": confirmed,
        "meeting_link": safe_link((session or booking).meeting_link) if confirmed else None,
        "page_url": _page_url(notification),
        # Given with a cancellation (not stored), else a 1:1 decision's stored reason.
        "reason": notification.context.get("reason") or getattr(booking, "decision_reason", ""),
    }
    if notification.context.get("series"):
        context["lessons"] = _series(booking)
    previous = notification.context.get("previous_booking")
    if previous is not None:
        # With what its cancel.ics shows, which is built from this same row.
        context["previous"] = (
            Booking.objects.select_related("session", *SEAT_RELATED).filter(pk=previous).first()
        )
    return context


def site_url() -> str | None:
    """The site's base URL for links in e-mails: ``FLUENTORY_BOOKINGS_SITE_URL``, else
    ``https://`` and the current Site's domain when ``django.contrib.sites`` is installed."""
    if app_settings.SITE_URL:
        return str(app_settings.SITE_URL)
    if apps.is_installed("django.contrib.sites"):
        from django.contrib.sites.models import Site

        return f"https://{Site.objects.get_current().domain}"
    return None


def _page_url(notification: Notification) -> str | None:
    """An absolute link to the page where the recipient sees this booking, if it can be built."""
    base = site_url()
    if base is None:
        return None
    to_teacher = getattr(notification.recipient, "pk", None) != notification.booking.student_id
    if notification.kind == "one_on_one" and to_teacher:
        name = "teacher_one_on_one_bookings"
    elif to_teacher:
        name = "teacher_schedule"
    else:
        name = "student_bookings"
    try:
        return urljoin(base.rstrip("/") + "/", reverse(f"fluentory_bookings:{name}").lstrip("/"))
    except NoReverseMatch:  # the host did not include the app's pages
        return None


def _invitations(
    notification: Notification, context: dict[str, Any]
) -> list[tuple[str, bytes, str]]:
    """The .ics attachments: ``(filename, bytes, method)``, built from the rows the e-mail's
    ``context`` holds (the series' ``lessons``, the ``previous`` booking of a reschedule).

    None when a row the event is built from is gone (a lesson deleted with its student's
    account): the teacher is still told, without an invitation.
    """
    try:
        return _build_invitations(notification, context)
    except ObjectDoesNotExist:
        return []


def _build_invitations(
    notification: Notification, context: dict[str, Any]
) -> list[tuple[str, bytes, str]]:
    event, booking = notification.event, notification.booking
    title, previous = str(context["title"]), context.get("previous")
    # One invitation per lesson of a series: an iTIP message carries one UID.
    lessons = context.get("lessons", [booking])
    to = str(notification.recipient.email)
    found: list[tuple[str, bytes, str]] = []
    if event in _REQUEST and booking.status in _CONFIRMED:
        for n, lesson in enumerate(lessons, start=1):
            entry = _calendar_event(lesson)
            suffix = f"-{n}" if len(lessons) > 1 else ""
            if entry.status == "CANCELLED":  # changed again since: say what holds now
                found.append(
                    (f"cancel{suffix}.ics", _calendar([entry], title, "CANCEL", to), "CANCEL")
                )
            else:
                found.append(
                    (f"invite{suffix}.ics", _calendar([entry], title, "REQUEST", to), "REQUEST")
                )
    if event in _CANCEL:
        deleted = bool(notification.context.get("deleted"))
        for n, lesson in enumerate(lessons, start=1):
            entry = _cancelled(_calendar_event(lesson), deleted=deleted)
            suffix = f"-{n}" if len(lessons) > 1 else ""
            found.append((f"cancel{suffix}.ics", _calendar([entry], title, "CANCEL", to), "CANCEL"))
    if event == "group_rescheduled" and previous is not None:
        entry = _cancelled(_calendar_event(previous))
        found.append(("cancel.ics", _calendar([entry], title, "CANCEL", to), "CANCEL"))
    return found


def _series(booking: Booking | OneOnOneBooking) -> list[OneOnOneBooking]:
    """The lessons of ``booking``'s weekly series that this notification is about, in time
    order: those cancelled with it, or else those requested with it."""
    if not isinstance(booking, OneOnOneBooking) or booking.series_id is None:
        return []
    together = (
        {"status": OneOnOneStatus.CANCELLED.value, "decided_at": booking.decided_at}
        if booking.status == OneOnOneStatus.CANCELLED.value
        else {"requested_at": booking.requested_at}
    )
    return list(
        OneOnOneBooking.objects.filter(series_id=booking.series_id, **together)
        .select_related(*LESSON_RELATED)
        .order_by("starts_at", "pk")
    )


def _calendar_event(booking: Booking | OneOnOneBooking) -> CalendarEvent:
    if isinstance(booking, Booking):
        return group_booking_event(booking)
    return one_on_one_event(booking)


def _cancelled(entry: CalendarEvent, *, deleted: bool = False) -> CalendarEvent:
    """``entry`` as a cancellation: a row the services cancelled already carries a SEQUENCE
    above its last invitation's; a deleted one was never bumped, so it is bumped here."""
    if entry.status == "CANCELLED" and not deleted:
        return entry
    return replace(entry, status="CANCELLED", sequence=entry.sequence + 1)


def _calendar(entries: list[CalendarEvent], title: str, method: str, to: str) -> bytes:
    return build_calendar([_addressed(e, to) for e in entries], name=title, method=method)


def _addressed(entry: CalendarEvent, to: str) -> CalendarEvent:
    """``entry`` with the iTIP ORGANIZER (the site's sender) and ATTENDEE (``to``), or as it is
    when either is not a plain address the builder accepts: the mail still goes out."""
    organizer = parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    try:
        return replace(entry, organizer=organizer, attendee=to)
    except InvalidInput:
        return entry


def _booking_zone(notification: Notification) -> tzinfo:
    """For a recipient whose zone nobody knows: the zone the session or the availability was
    planned in (the time the teacher announced), else the site's."""
    session = notification.session
    if session is not None:
        planned = session.timezone
    else:
        slot = _related(notification.booking, "availability_slot")
        planned = slot.timezone if slot is not None else None
    return resolve_zone(str(planned) if planned else settings.TIME_ZONE)


def _related(obj: Any, name: str) -> Any:
    """``obj.<name>``, or ``None`` if that row is gone (a deleted account)."""
    try:
        return getattr(obj, name)
    except ObjectDoesNotExist:
        return None


def _name(user: AbstractBaseUser | None) -> str:
    if user is None:
        return ""
    full = getattr(user, "get_full_name", lambda: "")()
    return str(full or user.get_username())
