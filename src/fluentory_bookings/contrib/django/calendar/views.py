"""Calendar doors: the private feed a calendar app polls, a .ics file per booking, and the
buttons that create, regenerate and revoke a feed's link.

The feed is read with no login and no cookie: its token is the only credential. A wrong,
malformed or revoked token is the same plain 404. A feed that has not changed since the client's
copy is a 304 decided from two queries (the token, then one aggregate), without building it.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseNotAllowed,
    HttpResponseNotFound,
)
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date, url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from fluentory_bookings.contrib.django.adapter import get_adapter
from fluentory_bookings.contrib.django.calendar.builder import CalendarEvent, build_calendar
from fluentory_bookings.contrib.django.calendar.etags import feed_state
from fluentory_bookings.contrib.django.calendar.events import (
    LESSON_RELATED,
    SEAT_RELATED,
    SESSION_RELATED,
    group_booking_event,
    one_on_one_event,
    session_event,
    student_events,
    teacher_events,
)
from fluentory_bookings.contrib.django.calendar.tokens import (
    feed_kind,
    feed_url,
    feed_user,
    issue_feed_token,
    revoke_feed_token,
    webcal_url,
)
from fluentory_bookings.contrib.django.human import render_page, report
from fluentory_bookings.contrib.django.models import (
    Booking,
    FeedKind,
    LiveClassSession,
    OneOnOneBooking,
)
from fluentory_bookings.contrib.django.services import teaching
from fluentory_bookings.core.errors import BookingError, InvalidInput

__all__ = [
    "calendar_feed",
    "feed_create",
    "feed_revoke",
    "lesson_ics",
    "seat_ics",
    "session_ics",
]

CONTENT_TYPE = "text/calendar; charset=utf-8"
_HOME = {
    FeedKind.STUDENT: "fluentory_bookings:student_bookings",
    FeedKind.TEACHER: "fluentory_bookings:teacher_schedule",
}


def _feed_name(kind: FeedKind) -> str:
    return _("My bookings") if kind == FeedKind.STUDENT else _("My teaching")


def _calendar_response(body: bytes) -> HttpResponse:
    response = HttpResponse(body, content_type=CONTENT_TYPE)
    _private(response)
    return response


def _private(response: HttpResponse) -> None:
    # Private: it is one person's calendar. max-age=0: a copy is always checked first (cheaply,
    # with its ETag), never used on a guess drawn from Last-Modified.
    patch_cache_control(response, private=True, max_age=0)
    response.headers["X-Robots-Tag"] = "noindex, nofollow"


# --- the feed -----------------------------------------------------------------------------------


def _unlogged(response: HttpResponse) -> HttpResponse:
    # Django logs every 4xx with the request's path (logger django.request, WARNING), and a feed's
    # path is its secret: marked as logged already, the response is not logged again.
    response._has_been_logged = True  # type: ignore[attr-defined]
    return response


# Never writes; and a refused CSRF check would log the path, which is the secret.
@csrf_exempt
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """A user's private feed: their bookings (``student``) or their teaching (``teacher``).

    No request to it logs its URL: a method other than GET or HEAD is a 405, an unknown or
    revoked token (or a deactivated user's) a 404, both unlogged.
    """
    if request.method not in ("GET", "HEAD"):
        return _unlogged(HttpResponseNotAllowed(["GET", "HEAD"]))
    found = feed_user(token)
    if found is None:
        return _unlogged(HttpResponseNotFound())
    user, kind = found
    # Preconditions for writes (If-Match, If-Unmodified-Since) mean nothing to a read-only feed,
    # and Django logs the path of the 412 they can give.
    for header in ("HTTP_IF_MATCH", "HTTP_IF_UNMODIFIED_SINCE"):
        request.META.pop(header, None)
    now = get_adapter().now()
    # Validators first, rows second: a change committed in between gives newer rows under an
    # older ETag, which costs the app one more download later, never a stale copy kept.
    state = feed_state(user, kind, now)
    seconds = None if state.last_modified is None else int(state.last_modified.timestamp())
    response = get_conditional_response(request, etag=state.etag, last_modified=seconds)
    if response is None:
        events = (student_events if kind == FeedKind.STUDENT else teacher_events)(user, now=now)
        response = _calendar_response(build_calendar(events, name=_feed_name(kind)))
    else:
        _private(response)
    response.headers["ETag"] = state.etag
    if seconds is not None:
        response.headers["Last-Modified"] = http_date(seconds)
    return response


# --- one booking as a file ----------------------------------------------------------------------


def _download(event: CalendarEvent, filename: str) -> HttpResponse:
    response = _calendar_response(build_calendar([event], name=event.summary))
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_http_methods(["GET", "HEAD"])
def seat_ics(request: HttpRequest, booking_id: int) -> HttpResponse:
    """A student's group booking as a .ics file; anyone else gets a 404."""
    booking = get_object_or_404(
        Booking.objects.select_related(*SEAT_RELATED),
        pk=booking_id,
        student_id=request.user.pk,
    )
    return _download(group_booking_event(booking), f"session-{booking.session_id}.ics")


@login_required
@require_http_methods(["GET", "HEAD"])
def lesson_ics(request: HttpRequest, booking_id: int) -> HttpResponse:
    """A 1:1 lesson as a .ics file, for its student or its teacher; anyone else gets a 404."""
    booking = get_object_or_404(
        OneOnOneBooking.objects.select_related(*LESSON_RELATED), pk=booking_id
    )
    if booking.student_id != request.user.pk and not teaching.teaches_lesson(request.user, booking):
        raise Http404
    return _download(one_on_one_event(booking), f"lesson-{booking.pk}.ics")


@login_required
@require_http_methods(["GET", "HEAD"])
def session_ics(request: HttpRequest, session_id: int) -> HttpResponse:
    """A group session as a .ics file for a teacher of its course; else a 404."""
    session = get_object_or_404(
        LiveClassSession.objects.select_related(*SESSION_RELATED), pk=session_id
    )
    if not teaching.teaches_session(request.user, session):
        raise Http404
    return _download(session_event(session), f"session-{session.pk}.ics")


# --- the buttons on the pages -------------------------------------------------------------------


def _kind(value: str) -> FeedKind:
    try:
        return feed_kind(value)
    except InvalidInput:
        raise Http404 from None


def _next(request: HttpRequest, kind: FeedKind) -> str:
    """Where to go back to: the page the button was on, if it is on this site."""
    sent = request.POST.get("next", "")
    if sent and url_has_allowed_host_and_scheme(
        sent, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return sent
    return reverse(_HOME[kind])


@login_required
@require_POST
def feed_create(request: HttpRequest, kind: str) -> HttpResponse:
    """Make (or remake) the feed's link and show it, this once: only its digest is kept."""
    feed = _kind(kind)
    try:
        token = issue_feed_token(request.user, feed)
    except BookingError as exc:  # TryAgain: it raced another request and could not decide
        report(request, exc)
        return redirect(_next(request, feed))
    url = feed_url(request, token)
    response = render_page(
        request,
        "fluentory_bookings/calendar/feed_created.html",
        {
            "kind": feed.value,
            "feed_name": _feed_name(feed),
            "url": url,
            "webcal": webcal_url(url),
            "back": _next(request, feed),
        },
    )
    # The page holds a secret: no cache, no history copy, no Referer carrying where it came from.
    patch_cache_control(response, no_store=True)
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@login_required
@require_POST
def feed_revoke(request: HttpRequest, kind: str) -> HttpResponse:
    """Revoke the feed's link: calendar apps subscribed to it get a 404 from now on."""
    feed = _kind(kind)
    revoke_feed_token(request.user, feed)
    messages.success(request, _("Your calendar link is revoked: it no longer works."))
    return redirect(_next(request, feed))
