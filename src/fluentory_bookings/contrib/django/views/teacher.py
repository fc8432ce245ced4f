"""Teacher pages: the schedule of group sessions, rosters, availability, 1:1 requests.

Each view parses, authorizes (a session, booking or availability the teacher has nothing to do
with is a 404), calls one service and renders or redirects. Refusals are the services' typed
errors, shown as one message (or on the field they name); nothing is written then.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from fluentory_bookings.contrib.django import queries, services
from fluentory_bookings.contrib.django.adapter import get_adapter
from fluentory_bookings.contrib.django.calendar.tokens import feed_box
from fluentory_bookings.contrib.django.forms.teacher import (
    AttendanceForm,
    AvailabilityForm,
    DeclineForm,
    LessonCancelForm,
    MeetingLinkForm,
    ReasonForm,
    SessionEditForm,
    SessionForm,
    add_service_error,
    weekday_names,
)
from fluentory_bookings.contrib.django.human import (
    booking_type_label,
    person_name,
    render_page,
    viewer_zone,
)
from fluentory_bookings.contrib.django.models import (
    Booking,
    FeedKind,
    LiveClassSession,
    OneOnOneBooking,
    TeacherAvailability,
)
from fluentory_bookings.contrib.django.refusals import default_message, error_message
from fluentory_bookings.contrib.django.services import teaching
from fluentory_bookings.contrib.django.services.one_on_one import SCOPES
from fluentory_bookings.contrib.django.services.schedule import LIVE_SESSION, MAX_LENGTH
from fluentory_bookings.core.approvals import OneOnOneStatus
from fluentory_bookings.core.errors import BookingError, SeatsBelowConfirmed, SessionClosed
from fluentory_bookings.core.policy import BookingType
from fluentory_bookings.core.seats import SeatStatus, SessionStatus

_T = "fluentory_bookings/teacher/"
_S = OneOnOneStatus
PREVIEW_SLOTS = 5
"""How many of an availability's next open slots the editor previews."""
PREVIEW_RANGE = timedelta(days=28)
"""How far ahead the previews look. It bounds the work by construction: even a rule of 1-minute
slots all day has about 43,000 slots in it (with a day's window on each side), under the core's
``MAX_OPEN_SLOTS``, so no rule a teacher saved can make the page fail."""
RECENT = timedelta(days=14)
"""How far back the schedule lists sessions that have ended, for marking attendance."""
PAGE_SIZE = 50
"""Rows per page of the schedule and the lessons list: a page costs its rows, not the history."""


# --- helpers ----------------------------------------------------------------------------------


def _courses(request: HttpRequest) -> list[dict[str, Any]]:
    """The teacher's courses, each with its booking type and label (one query)."""
    adapter = get_adapter()
    out = []
    for course in adapter.get_taught_courses(request.user).order_by("pk"):
        kind = adapter.get_booking_type(course)
        out.append({"course": course, "kind": kind.value, "label": booking_type_label(kind)})
    return out


def _of_kind(courses: list[dict[str, Any]], kind: BookingType) -> list[Any]:
    return [c["course"].pk for c in courses if c["kind"] == kind.value]


def _paged(request: HttpRequest, rows: QuerySet[Any]) -> Page[Any]:
    return Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))


def _taught_session(request: HttpRequest, session_id: int) -> LiveClassSession:
    session = get_object_or_404(LiveClassSession.objects.select_related("course"), pk=session_id)
    _require_teaches(request, session)
    return session


def _taught_booking(request: HttpRequest, booking_id: int) -> Booking:
    booking = get_object_or_404(
        Booking.objects.select_related("session__course", "student"), pk=booking_id
    )
    _require_teaches(request, booking.session)
    return booking


def _require_teaches(request: HttpRequest, session: LiveClassSession) -> None:
    """404 unless the user teaches the session's course now: an id reveals nothing."""
    if not teaching.teaches_session(request.user, session):
        raise Http404


def _lesson(request: HttpRequest, booking_id: int) -> OneOnOneBooking:
    lessons = teaching.lessons_taught_by(request.user).select_related("student", "course")
    return get_object_or_404(lessons, pk=booking_id)


def _page(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    return render_page(request, _T + template, context)


def _say(exc: BookingError) -> str:
    """The refusal's sentence, told with what the teacher needs to know on these pages: how
    many students hold seats, or that the session was cancelled meanwhile. A host that reworded
    the refusal in its adapter's ``refusal_message`` keeps its own sentence."""
    said = error_message(exc)
    if said != default_message(exc):
        return said
    if isinstance(exc, SeatsBelowConfirmed):
        return ngettext(
            "There is %(count)d confirmed student; you cannot go below %(count)d.",
            "There are %(count)d confirmed students; you cannot go below %(count)d.",
            exc.confirmed,
        ) % {"count": exc.confirmed}
    if isinstance(exc, SessionClosed) and exc.status == SessionStatus.CANCELLED.value:
        return _("This session was cancelled.")
    return said


def _attempt(request: HttpRequest, call: Any, success: str, stale: Any = None) -> bool:
    """Run one service call; show ``success``, or what went wrong as one message: ``stale()``
    (what happened meanwhile, read again after the refusal) when it has something to say,
    else the refusal's sentence."""
    try:
        call()
    except BookingError as exc:
        said = stale() if stale is not None else None
        messages.error(request, said or _say(exc))
        return False
    messages.success(request, success)
    return True


# --- group sessions ---------------------------------------------------------------------------


def _schedule_page(
    request: HttpRequest, form: SessionForm | None = None, status: int = 200
) -> HttpResponse:
    adapter = get_adapter()
    courses = _courses(request)
    group = _of_kind(courses, BookingType.GROUP_SESSION)
    now = adapter.now()
    taught = teaching.sessions_taught_by(request.user).select_related("course")
    # No session lasts longer than MAX_LENGTH: the start bound keeps the read an index range.
    sessions = taught.filter(
        status__in=LIVE_SESSION, starts_at__gt=now - MAX_LENGTH, ends_at__gt=now
    ).order_by("starts_at", "pk")
    # Ended lately: where attendance is marked after the class.
    recent = (
        taught.filter(starts_at__gte=now - RECENT, ends_at__lte=now)
        .exclude(status=SessionStatus.CANCELLED.value)
        .order_by("-starts_at", "-pk")[:PAGE_SIZE]
    )
    if form is None:
        form = SessionForm(
            courses=adapter.get_taught_courses(request.user).filter(pk__in=group),
            zone=viewer_zone(request),
        )
    response = _page(
        request,
        "schedule.html",
        {
            "courses": courses,
            "sessions": _paged(request, sessions),
            "recent": recent,
            "form": form,
            "can_create": bool(group),
            "feed": feed_box(request, FeedKind.TEACHER),
        },
    )
    response.status_code = status
    return response


@login_required
def teacher_schedule(request: HttpRequest) -> HttpResponse:
    """Upcoming sessions the teacher teaches, and the form to schedule more."""
    return _schedule_page(request)


@login_required
@require_POST
def teacher_session_create(request: HttpRequest) -> HttpResponse:
    adapter = get_adapter()
    group = _of_kind(_courses(request), BookingType.GROUP_SESSION)
    form = SessionForm(
        request.POST,
        courses=adapter.get_taught_courses(request.user).filter(pk__in=group),
        zone=viewer_zone(request),
    )
    if form.is_valid():
        try:
            created = services.create_weekly_sessions(**form.arguments(request.user))
        except BookingError as exc:
            add_service_error(form, exc, _say(exc))
        else:
            count = len(created)
            messages.success(
                request,
                ngettext("%(count)d session scheduled.", "%(count)d sessions scheduled.", count)
                % {"count": count},
            )
            return redirect("fluentory_bookings:teacher_schedule")
    return _schedule_page(request, form, status=400)


@login_required
def teacher_session_edit(request: HttpRequest, session_id: int) -> HttpResponse:
    session = _taught_session(request, session_id)
    if request.method == "POST":
        form = SessionEditForm(request.POST)
        if form.is_valid():
            try:
                services.update_session(session, request.user, **form.changes())
            except BookingError as exc:
                add_service_error(form, exc, _say(exc))
            else:
                messages.success(request, _("The session was saved."))
                return redirect("fluentory_bookings:teacher_schedule")
        status = 400
    else:
        form = SessionEditForm(initial=SessionEditForm.initial_for(session))
        status = 200
    response = _page(request, "session_edit.html", {"session": session, "form": form})
    response.status_code = status
    return response


def _session_stale(session: LiveClassSession) -> str | None:
    """What happened to ``session`` meanwhile that makes an action on it moot."""
    session.refresh_from_db(fields=["status"])
    if session.status == SessionStatus.CANCELLED.value:
        return _("This session was cancelled.")
    return None


@login_required
@require_http_methods(["GET", "POST"])
def teacher_session_cancel(request: HttpRequest, session_id: int) -> HttpResponse:
    """GET: what cancelling does, and whom it tells, with a reason field. POST: cancel."""
    session = _taught_session(request, session_id)
    form = ReasonForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        stale = _session_stale(session)
        if stale:
            messages.info(request, stale)
            return redirect("fluentory_bookings:teacher_schedule")
        if form.is_valid():
            _attempt(
                request,
                lambda: services.cancel_session(session, request.user, form.cleaned_data["reason"]),
                _("The session was cancelled; its students are told."),
                stale=lambda: _session_stale(session),
            )
            return redirect("fluentory_bookings:teacher_schedule")
    rows = list(
        Booking.objects.filter(
            session_id=session.pk,
            status__in=[SeatStatus.CONFIRMED.value, SeatStatus.WAITLISTED.value],
        )
        .select_related("student")
        .order_by("waitlist_position", "pk")
    )
    booked = [b for b in rows if b.status == SeatStatus.CONFIRMED.value]
    waiting = [b for b in rows if b.status == SeatStatus.WAITLISTED.value]
    response = _page(
        request,
        "session_cancel.html",
        {
            "session": session,
            "form": form,
            "booked": [person_name(b.student) for b in booked],
            "waiting": [person_name(b.student) for b in waiting],
            "told": _told_sentence(len(booked), len(waiting)),
            "stale": _("This session was cancelled.")
            if session.status == SessionStatus.CANCELLED.value
            else None,
        },
    )
    response.status_code = 400 if form.is_bound else 200
    return response


def _told_sentence(booked: int, waiting: int) -> str:
    """ "4 booked students and 2 waiting will be told.", or that nobody will."""
    if not booked and not waiting:
        return _("Nobody has booked it: nobody will be told.")
    students = ngettext("%(count)d booked student", "%(count)d booked students", booked) % {
        "count": booked
    }
    if not waiting:
        return ngettext("%(students)s will be told.", "%(students)s will be told.", booked) % {
            "students": students
        }
    return ngettext(
        "%(students)s and %(count)d waiting will be told.",
        "%(students)s and %(count)d waiting will be told.",
        waiting,
    ) % {"students": students, "count": waiting}


@login_required
def teacher_session_bookings(request: HttpRequest, session_id: int) -> HttpResponse:
    """The roster (seats), the waitlist in its order, and cancelled places."""
    session = _taught_session(request, session_id)
    rows = list(
        Booking.objects.filter(session_id=session.pk).select_related("student").order_by("pk")
    )
    for b in rows:
        b.student_name = person_name(b.student)  # type: ignore[attr-defined]
    waiting = SeatStatus.WAITLISTED.value
    holding = {SeatStatus.CONFIRMED.value, SeatStatus.ATTENDED.value, SeatStatus.NO_SHOW.value}
    return _page(
        request,
        "session_bookings.html",
        {
            "session": session,
            "type_label": booking_type_label(get_adapter().get_booking_type(session.course)),
            "roster": [b for b in rows if b.status in holding],
            "waitlist": sorted(
                (b for b in rows if b.status == waiting), key=lambda b: b.waitlist_position or 0
            ),
            "cancelled": [b for b in rows if b.status == SeatStatus.CANCELLED.value],
            "started": session.starts_at <= get_adapter().now(),
        },
    )


def _seat_stale(booking: Booking) -> str | None:
    """What happened to a seat, or its session, meanwhile that makes cancelling it moot."""
    booking.refresh_from_db(fields=["status"])
    stale = _session_stale(booking.session)
    if stale:
        return stale
    if booking.status == SeatStatus.CANCELLED.value:
        return _("This place was already cancelled.")
    return None


@login_required
@require_http_methods(["GET", "POST"])
def teacher_booking_cancel(request: HttpRequest, booking_id: int) -> HttpResponse:
    """GET: whose seat (or waitlist place) goes, with a reason field. POST: cancel it."""
    booking = _taught_booking(request, booking_id)
    roster = redirect("fluentory_bookings:teacher_session_bookings", booking.session_id)
    form = ReasonForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        stale = _seat_stale(booking)
        if stale:
            messages.info(request, stale)
            return roster
        if form.is_valid():
            _attempt(
                request,
                lambda: services.cancel_group_booking(
                    booking, request.user, form.cleaned_data["reason"]
                ),
                _("The booking was cancelled."),
                stale=lambda: _seat_stale(booking),
            )
            return roster
    stale = None
    if booking.session.status == SessionStatus.CANCELLED.value:
        stale = _("This session was cancelled.")
    elif booking.status == SeatStatus.CANCELLED.value:
        stale = _("This place was already cancelled.")
    response = _page(
        request,
        "booking_cancel.html",
        {
            "booking": booking,
            "session": booking.session,
            "student_name": person_name(booking.student),
            "waiting": booking.status == SeatStatus.WAITLISTED.value,
            "form": form,
            "stale": stale,
        },
    )
    response.status_code = 400 if form.is_bound else 200
    return response


@login_required
@require_POST
def teacher_mark_attendance(request: HttpRequest, booking_id: int) -> HttpResponse:
    booking = _taught_booking(request, booking_id)
    form = AttendanceForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Attendance: please choose attended or no-show."))
    else:
        _attempt(
            request,
            lambda: services.mark_attendance(booking, form.cleaned_data["attended"], request.user),
            _("Attendance recorded."),
        )
    return redirect("fluentory_bookings:teacher_session_bookings", booking.session_id)


# --- availability -----------------------------------------------------------------------------


def _availability_form(request: HttpRequest, data: Any = None, **kwargs: Any) -> AvailabilityForm:
    one = _of_kind(_courses(request), BookingType.ONE_ON_ONE)
    return AvailabilityForm(
        data,
        courses=get_adapter().get_taught_courses(request.user).filter(pk__in=one),
        zone=viewer_zone(request),
        **kwargs,
    )


def _save_availability(
    request: HttpRequest, form: AvailabilityForm, availability: TeacherAvailability | None
) -> bool:
    if not form.is_valid():
        return False
    try:
        services.set_availability(request.user, availability=availability, **form.arguments())
    except BookingError as exc:
        add_service_error(form, exc, _say(exc))
        return False
    messages.success(request, _("Your availability was saved."))
    return True


def _previews(rows: list[TeacherAvailability]) -> list[list[Any]]:
    now = get_adapter().now()
    return services.open_slots_of(rows, start=now, end=now + PREVIEW_RANGE)


@login_required
def teacher_availability(request: HttpRequest) -> HttpResponse:
    """The teacher's availabilities, each with a preview of its next open slots, and a form."""
    form = _availability_form(request, request.POST if request.method == "POST" else None)
    if request.method == "POST" and _save_availability(request, form, None):
        return redirect("fluentory_bookings:teacher_availability")
    rows = list(
        TeacherAvailability.objects.filter(teacher_id=request.user.pk)
        .select_related("course")
        .order_by("pk")
    )
    items = [
        {"availability": av, "slots": slots[:PREVIEW_SLOTS], "weekdays": weekday_names(av.weekdays)}
        for av, slots in zip(rows, _previews(rows), strict=True)
    ]
    courses = _courses(request)
    response = _page(
        request,
        "availability.html",
        {
            "items": items,
            "form": form,
            "courses": courses,
            "can_create": bool(_of_kind(courses, BookingType.ONE_ON_ONE)),
        },
    )
    response.status_code = 400 if form.is_bound else 200
    return response


@login_required
def teacher_availability_edit(request: HttpRequest, availability_id: int) -> HttpResponse:
    availability = get_object_or_404(
        TeacherAvailability, pk=availability_id, teacher_id=request.user.pk
    )
    if request.method == "POST":
        form = _availability_form(request, request.POST)
        if _save_availability(request, form, availability):
            return redirect("fluentory_bookings:teacher_availability")
    else:
        form = _availability_form(request, initial=AvailabilityForm.initial_for(availability))
    response = _page(
        request, "availability_edit.html", {"availability": availability, "form": form}
    )
    response.status_code = 400 if form.is_bound else 200
    return response


# --- 1:1 lessons ------------------------------------------------------------------------------


def _lessons(request: HttpRequest) -> QuerySet[OneOnOneBooking]:
    """Requests that still hold their slot, then confirmed lessons to come; by time in each."""
    return queries.lessons_to_give(request.user).select_related("student", "course")


@login_required
def teacher_one_on_one_bookings(request: HttpRequest) -> HttpResponse:
    """Pending requests first (each with its expiry), then the confirmed lessons to come."""
    page = _paged(request, _lessons(request))
    for b in page:
        b.student_name = person_name(b.student)
    return _page(
        request,
        "one_on_one_bookings.html",
        {
            "page": page,
            "pending": [b for b in page if b.status == OneOnOneStatus.PENDING.value],
            "confirmed": [b for b in page if b.status == OneOnOneStatus.CONFIRMED.value],
            "type_label": booking_type_label(BookingType.ONE_ON_ONE),
            "feed": feed_box(request, FeedKind.TEACHER),
        },
    )


_LESSONS = "fluentory_bookings:teacher_one_on_one_bookings"


def _lesson_stale(lesson: OneOnOneBooking, *, request: bool) -> str | None:
    """What happened to a lesson (``request``: a request waiting for an answer) meanwhile that
    makes acting on it moot: withdrawn or cancelled by the student, cancelled, expired, or
    already answered."""
    lesson.refresh_from_db(fields=["status", "decided_by"])
    status = lesson.status
    if status == _S.CANCELLED.value:
        if lesson.decided_by_id == lesson.student_id:
            if request:
                return _("The student withdrew this request.")
            return _("The student cancelled this lesson.")
        return _("This lesson was already cancelled.")
    if status == _S.EXPIRED.value:
        return _("This request expired before it was answered.")
    if status == _S.DECLINED.value:
        return _("This request was already declined.")
    if request and status == _S.CONFIRMED.value:
        return _("This request was already approved.")
    return None


@login_required
@require_POST
def teacher_one_on_one_approve(request: HttpRequest, booking_id: int) -> HttpResponse:
    lesson = _lesson(request, booking_id)
    _attempt(
        request,
        lambda: services.approve_one_on_one(lesson, request.user),
        _("The lesson is confirmed."),
        stale=lambda: _lesson_stale(lesson, request=True),
    )
    return redirect(_LESSONS)


def _lesson_page(
    request: HttpRequest,
    template: str,
    lesson: OneOnOneBooking,
    form: Any,
    stale: str | None,
    **extra: Any,
) -> HttpResponse:
    response = _page(
        request,
        template,
        {
            "lesson": lesson,
            "student_name": person_name(lesson.student),
            "form": form,
            "stale": stale,
            **extra,
        },
    )
    response.status_code = 400 if form.is_bound else 200
    return response


@login_required
@require_http_methods(["GET", "POST"])
def teacher_one_on_one_decline(request: HttpRequest, booking_id: int) -> HttpResponse:
    """GET: which request, and a reason for the student. POST: decline it."""
    lesson = _lesson(request, booking_id)
    form = DeclineForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if form.is_valid():
            _attempt(
                request,
                lambda: services.decline_one_on_one(
                    lesson, request.user, form.cleaned_data["reason"]
                ),
                _("The request was declined; its time is open again."),
                stale=lambda: _lesson_stale(lesson, request=True),
            )
            return redirect(_LESSONS)
        messages.error(request, _("Reason: at most 1000 characters, please."))
    stale = None
    if lesson.status != _S.PENDING.value:
        stale = _lesson_stale(lesson, request=True)
    return _lesson_page(request, "lesson_decline.html", lesson, form, stale)


def _following(lesson: OneOnOneBooking) -> list[OneOnOneBooking]:
    """The lesson and the later active ones of its series: what "this and the following"
    cancels."""
    if lesson.series_id is None:
        return [lesson]
    later = OneOnOneBooking.objects.filter(
        series_id=lesson.series_id,
        starts_at__gt=lesson.starts_at,
        status__in=[_S.PENDING.value, _S.CONFIRMED.value],
    ).order_by("starts_at", "pk")
    return [lesson, *later]


@login_required
@require_http_methods(["GET", "POST"])
def teacher_one_on_one_cancel(request: HttpRequest, booking_id: int) -> HttpResponse:
    """GET: which lesson (``?scope=following``: and the later ones of its series), whom it
    tells, and a reason. POST: cancel."""
    lesson = _lesson(request, booking_id)
    if request.method == "POST":
        # "following": this lesson and the later ones of its series.
        scope = request.POST.get("scope", "this")
        if scope not in SCOPES:
            messages.error(request, _("Please choose this lesson, or this and the following ones."))
            return redirect(_LESSONS)
        form = LessonCancelForm({"scope": scope, "reason": request.POST.get("reason", "")})
        if form.is_valid():
            _attempt(
                request,
                lambda: services.cancel_one_on_one(
                    lesson, request.user, scope=scope, reason=form.cleaned_data["reason"]
                ),
                _("The lesson was cancelled; its time is open again.")
                if scope == "this"
                else _(
                    "The lesson and the following ones were cancelled; their times are open again."
                ),
                stale=lambda: _lesson_stale(lesson, request=False),
            )
            return redirect(_LESSONS)
        messages.error(request, _("Reason: at most 1000 characters, please."))
    else:
        scope = request.GET.get("scope", "this")
        form = LessonCancelForm(initial={"scope": scope if scope in SCOPES else "this"})
    stale = None
    if lesson.status not in (_S.PENDING.value, _S.CONFIRMED.value):
        stale = _lesson_stale(lesson, request=False)
    return _lesson_page(
        request,
        "lesson_cancel.html",
        lesson,
        form,
        stale,
        following=_following(lesson)[1:] if lesson.series_id else [],
    )


@login_required
def teacher_one_on_one_meeting_link(request: HttpRequest, booking_id: int) -> HttpResponse:
    lesson = _lesson(request, booking_id)
    if request.method == "POST":
        form = MeetingLinkForm(request.POST)
        if form.is_valid():
            try:
                services.set_one_on_one_meeting_link(
                    lesson, form.cleaned_data["meeting_link"], request.user
                )
            except BookingError as exc:
                add_service_error(form, exc, _say(exc))
            else:
                messages.success(request, _("The meeting link was saved."))
                return redirect(_LESSONS)
        status = 400
    else:
        form = MeetingLinkForm(initial={"meeting_link": lesson.meeting_link})
        status = 200
    response = _page(
        request,
        "meeting_link.html",
        {"lesson": lesson, "form": form, "student_name": person_name(lesson.student)},
    )
    response.status_code = status
    return response


urlpatterns: list[URLPattern] = [
    path("teach/sessions/", teacher_schedule, name="teacher_schedule"),
    path("teach/sessions/new/", teacher_session_create, name="teacher_session_create"),
    path(
        "teach/sessions/<int:session_id>/edit/", teacher_session_edit, name="teacher_session_edit"
    ),
    path(
        "teach/sessions/<int:session_id>/cancel/",
        teacher_session_cancel,
        name="teacher_session_cancel",
    ),
    path(
        "teach/sessions/<int:session_id>/bookings/",
        teacher_session_bookings,
        name="teacher_session_bookings",
    ),
    path(
        "teach/bookings/<int:booking_id>/cancel/",
        teacher_booking_cancel,
        name="teacher_booking_cancel",
    ),
    path(
        "teach/bookings/<int:booking_id>/attendance/",
        teacher_mark_attendance,
        name="teacher_mark_attendance",
    ),
    path("teach/availability/", teacher_availability, name="teacher_availability"),
    path(
        "teach/availability/<int:availability_id>/",
        teacher_availability_edit,
        name="teacher_availability_edit",
    ),
    path("teach/lessons/", teacher_one_on_one_bookings, name="teacher_one_on_one_bookings"),
    path(
        "teach/lessons/<int:booking_id>/approve/",
        teacher_one_on_one_approve,
        name="teacher_one_on_one_approve",
    ),
    path(
        "teach/lessons/<int:booking_id>/decline/",
        teacher_one_on_one_decline,
        name="teacher_one_on_one_decline",
    ),
    path(
        "teach/lessons/<int:booking_id>/cancel/",
        teacher_one_on_one_cancel,
        name="teacher_one_on_one_cancel",
    ),
    path(
        "teach/lessons/<int:booking_id>/meeting-link/",
        teacher_one_on_one_meeting_link,
        name="teacher_one_on_one_meeting_link",
    ),
]
