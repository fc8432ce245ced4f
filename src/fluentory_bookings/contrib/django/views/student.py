"""Student pages: book and leave group sessions, book and cancel 1:1 lessons, one list of both.

Each view parses, finds the object (a booking that is not the viewer's is a 404), calls one
service and renders; a typed refusal becomes one message and nothing is written.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from itertools import groupby
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from fluentory_bookings.contrib.django import queries
from fluentory_bookings.contrib.django.adapter import get_adapter
from fluentory_bookings.contrib.django.calendar.tokens import feed_box
from fluentory_bookings.contrib.django.conf import get_course_model
from fluentory_bookings.contrib.django.forms.student import (
    OneOnOneCancelForm,
    OneOnOneRequestForm,
    RescheduleForm,
    SlotFilterForm,
    parse_instant,
)
from fluentory_bookings.contrib.django.human import (
    attempt,
    booking_type_label,
    error_message,
    person_name,
    render_page,
    report,
    viewer_zone,
)
from fluentory_bookings.contrib.django.models import (
    Booking,
    FeedKind,
    LiveClassSession,
    OneOnOneBooking,
    TeacherAvailability,
)
from fluentory_bookings.contrib.django.services import (
    book_group_session,
    bookable_availabilities,
    cancel_group_booking,
    cancel_one_on_one,
    leave_waitlist,
    open_slots_of,
    request_one_on_one,
    reschedule_group_booking,
)
from fluentory_bookings.contrib.django.services.schedule import LIVE_SESSION
from fluentory_bookings.core.errors import BookingError, Conflict, SlotReason, SlotUnavailable
from fluentory_bookings.core.policy import BookingType, pending_expires_at

__all__ = ["urlpatterns"]

PAST_SHOWN = 50
"""How many past or cancelled bookings of each kind the list shows (the most recent)."""

PICKER_PAGE = 200
"""How many open slots one page of the 1:1 picker shows; a longer week continues on a next page
("More times this week"), so no rule, however fine its slots, makes the page unbounded."""

MY_BOOKINGS = "fluentory_bookings:student_bookings"


# --- shared -------------------------------------------------------------------------------------


def _page(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    return render_page(request, f"fluentory_bookings/student/{template}", context)


def _course_kind(course: Any) -> BookingType:
    return get_adapter().get_booking_type(course)


def _refusal(course: Any, wanted: BookingType) -> str:
    """Why ``course`` shows no form for ``wanted``; empty when it takes that kind."""
    kind = _course_kind(course)
    if kind == wanted:
        return ""
    if kind == BookingType.NONE:
        return _("This course takes no bookings.")
    if wanted == BookingType.GROUP_SESSION:
        return _("This course is taught in 1:1 lessons, not group sessions.")
    return _("This course is taught in group sessions, not 1:1 lessons.")


def _course_context(course: Any, wanted: BookingType) -> dict[str, Any]:
    return {
        "course": course,
        "booking_type": booking_type_label(_course_kind(course)),
        "refusal": _refusal(course, wanted),
    }


# --- group sessions -----------------------------------------------------------------------------


@login_required
def student_sessions(request: HttpRequest, course_id: int) -> HttpResponse:
    """A group course's upcoming sessions with the seats left and how many wait, each with the
    viewer's own booking and the actions that apply to it (else Book or Join the waitlist)."""
    course = get_object_or_404(get_course_model(), pk=course_id)
    context = _course_context(course, BookingType.GROUP_SESSION)
    rows: list[dict[str, Any]] = []
    if not context["refusal"]:
        sessions = list(
            LiveClassSession.objects.filter(
                course=course, status__in=LIVE_SESSION, starts_at__gt=get_adapter().now()
            )
            .annotate(waiting=queries.waiting_count())
            .order_by("starts_at", "pk")[:200]
        )
        # The viewer's own bookings of every listed session: one statement for the page.
        mine = queries.viewer_seats(request.user, (s.pk for s in sessions))
        rows = [{"session": s, "mine": mine.get(s.pk)} for s in sessions]
    return _page(request, "sessions.html", {**context, "rows": rows})


@login_required
@require_http_methods(["GET", "POST"])
def student_book_session(request: HttpRequest, session_id: int) -> HttpResponse:
    """GET: the session and a Book button. POST: a seat, or a waitlist place when full."""
    session = get_object_or_404(
        LiveClassSession.objects.select_related("course").annotate(waiting=queries.waiting_count()),
        pk=session_id,
    )
    context = _course_context(session.course, BookingType.GROUP_SESSION)
    if request.method == "POST" and not context["refusal"]:
        try:
            booking = book_group_session(session, request.user)
        except BookingError as exc:
            report(request, exc)
            return redirect("fluentory_bookings:student_book_session", session_id=session.pk)
        if booking.status == "waitlisted":
            done = _("The session is full: you are number %(n)d on the waitlist.") % {
                "n": booking.waitlist_position
            }
        else:
            done = _("Your seat is booked.")
        messages.success(request, done)
        return redirect(MY_BOOKINGS)
    mine = queries.viewer_seats(request.user, [session.pk]).get(session.pk)
    return _page(request, "book_session.html", {**context, "session": session, "mine": mine})


def _own_group_booking(request: HttpRequest, booking_id: int) -> Booking:
    return get_object_or_404(
        Booking.objects.select_related("session", "session__course"),
        pk=booking_id,
        student=request.user,
    )


@login_required
@require_http_methods(["GET", "POST"])
def student_booking_cancel(request: HttpRequest, booking_id: int) -> HttpResponse:
    """GET: what will be cancelled. POST: cancel the seat (or waitlist place)."""
    booking = _own_group_booking(request, booking_id)
    if request.method == "POST":
        if attempt(
            request,
            lambda: cancel_group_booking(booking, request.user),
            _("Your booking is cancelled."),
        ):
            return redirect(MY_BOOKINGS)
        return redirect("fluentory_bookings:student_booking_cancel", booking_id=booking.pk)
    return _page(request, "booking_cancel.html", {"booking": booking})


@login_required
@require_POST
def student_leave_waitlist(request: HttpRequest, booking_id: int) -> HttpResponse:
    """Give up a waitlist place; everyone behind moves up."""
    booking = _own_group_booking(request, booking_id)
    attempt(
        request,
        lambda: leave_waitlist(booking, request.user),
        _("You have left the waitlist."),
    )
    return redirect(MY_BOOKINGS)


@login_required
@require_http_methods(["GET", "POST"])
def student_booking_reschedule(request: HttpRequest, booking_id: int) -> HttpResponse:
    """Pick another upcoming session of the same course; the old seat is kept until the new
    one is held."""
    booking = _own_group_booking(request, booking_id)
    # Offered: only the sessions the move can succeed to (a free seat, not one already held).
    offered = queries.move_targets(booking)
    if request.method == "POST":
        # Any other session of the course is the service's to decide (it may have filled up
        # since the page was shown): its refusal is then said, and the page lists afresh.
        others = LiveClassSession.objects.filter(course_id=booking.session.course_id).exclude(
            pk=booking.session_id
        )
        form = RescheduleForm(request.POST, sessions=others)
        if form.is_valid():
            target = form.cleaned_data["session"]
            if attempt(
                request,
                lambda: reschedule_group_booking(booking, target, request.user),
                _("Your booking is moved."),
            ):
                return redirect(MY_BOOKINGS)
            form = RescheduleForm(sessions=offered)  # refused: the choices as they are now
        else:
            form = RescheduleForm(request.POST, sessions=offered)
            form.is_valid()
    else:
        form = RescheduleForm(sessions=offered)
    return _page(request, "reschedule.html", {"booking": booking, "form": form})


# --- the list -----------------------------------------------------------------------------------


@login_required
def student_bookings(request: HttpRequest) -> HttpResponse:
    """Both kinds of booking, upcoming first (soonest first), then past and cancelled ones."""
    now = get_adapter().now()
    seats = Booking.objects.filter(student=request.user).select_related(
        "session", "session__course"
    )
    upcoming_seats = (
        queries.upcoming_group_bookings(request.user, now=now)
        .select_related("session__course")
        .annotate(waiting=queries.waiting_count("session_id"))
    )
    earlier_seats = seats.exclude(pk__in=upcoming_seats.values("pk")).order_by(
        "-session__starts_at", "-pk"
    )[:PAST_SHOWN]
    lessons = OneOnOneBooking.objects.filter(student=request.user).select_related(
        "course", "teacher"
    )
    upcoming_lessons = queries.upcoming_lessons(request.user, now=now).select_related(
        "course", "teacher"
    )
    earlier_lessons = lessons.exclude(pk__in=upcoming_lessons.values("pk")).order_by(
        "-starts_at", "-pk"
    )[:PAST_SHOWN]
    return _page(
        request,
        "bookings.html",
        {
            "upcoming": _by_start(upcoming_seats, upcoming_lessons),
            "earlier": _by_start(earlier_seats, earlier_lessons, latest_first=True),
            "feed": feed_box(request, FeedKind.STUDENT),
        },
    )


@dataclass(frozen=True, slots=True)
class Row:
    """One line of the list: a seat (``kind="seat"``) or a lesson (``kind="lesson"``)."""

    kind: str
    booking: Booking | OneOnOneBooking
    starts_at: datetime
    teacher_name: str = ""


def _by_start(
    seats: Iterable[Booking], lessons: Iterable[OneOnOneBooking], *, latest_first: bool = False
) -> list[Row]:
    """Both kinds in one list, in time order."""
    rows = [Row("seat", b, b.session.starts_at) for b in seats]
    rows += [Row("lesson", b, b.starts_at, person_name(b.teacher)) for b in lessons]
    return sorted(rows, key=lambda r: r.starts_at, reverse=latest_first)


# --- 1:1 lessons --------------------------------------------------------------------------------


@login_required
def student_book_one_on_one(request: HttpRequest, course_id: int) -> HttpResponse:
    """Seven days of open slots from today (or the ``week`` asked for), grouped by day in the
    viewer's zone, optionally for one teacher."""
    course = get_object_or_404(get_course_model(), pk=course_id)
    context = _course_context(course, BookingType.ONE_ON_ONE)
    if context["refusal"]:
        return _page(request, "one_on_one.html", context)
    zone = viewer_zone(request)
    offered = bookable_availabilities(course)
    teachers = sorted(
        {av.teacher_id: person_name(av.teacher) for av in offered}.items(), key=lambda t: t[1]
    )
    names = dict(teachers)
    form = SlotFilterForm(request.GET or None, teachers=teachers)
    today = get_adapter().now().astimezone(zone).date()
    first = form.week_start(today)
    start = _local_midnight(first, zone)
    end = _local_midnight(first + timedelta(days=7), zone)
    chosen = form.cleaned_data.get("teacher") if form.is_bound else None
    after = form.cleaned_data.get("after") if form.is_bound else None
    shown = [av for av in offered if chosen is None or av.teacher_id == chosen]
    # Only the page's slots (and the one after it) are computed, however many the rules hold.
    found = open_slots_of(
        shown,
        start=after if after is not None and start <= after < end else start,
        end=end,
        course=course,
        limit=PICKER_PAGE + 1,
    )
    slots = [
        (slot.start, slot.end, av) for av, free in zip(shown, found, strict=True) for slot in free
    ]
    slots.sort(key=lambda s: (s[0], s[2].teacher_id, s[2].pk))
    slots, more = _page_of(slots)
    days = [
        (
            day,
            [
                {"start": s, "end": e, "availability": av, "teacher_name": names[av.teacher_id]}
                for s, e, av in group
            ],
        )
        for day, group in groupby(slots, key=lambda s: s[0].astimezone(zone).date())
    ]
    # The viewer's own lessons of this week (a slot they hold is no longer open, so the slots
    # alone would not show it): pending or confirmed, with the way to cancel.
    mine = [
        {"booking": b, "teacher_name": person_name(b.teacher)}
        for b in queries.viewer_lessons(request.user, course, start, end)
    ]
    return _page(
        request,
        "one_on_one.html",
        {
            **context,
            "form": form,
            "mine": mine,
            "days": days,
            "week_start": first,
            "week_end": first + timedelta(days=6),
            # No way back before today: there is nothing left to book there.
            "previous_week": (first - timedelta(days=7)).isoformat() if first > today else "",
            "next_week": (first + timedelta(days=7)).isoformat(),
            "teacher_param": "" if chosen is None else str(chosen),
            "more_after": "" if more is None else more.isoformat(),
        },
    )


def _page_of(
    slots: list[tuple[datetime, datetime, TeacherAvailability]],
) -> tuple[list[tuple[datetime, datetime, TeacherAvailability]], datetime | None]:
    """The first :data:`PICKER_PAGE` of ``slots`` and where the next page starts (or None).

    A page ends before a start time it cannot show whole, so that the next page, which begins
    at that time, repeats nothing and leaves nothing out.
    """
    if len(slots) <= PICKER_PAGE:
        return slots, None
    cut = slots[PICKER_PAGE][0]
    page = [s for s in slots[:PICKER_PAGE] if s[0] < cut]
    if not page:  # more teachers free at one instant than a page holds: show a page of them
        return slots[:PICKER_PAGE], cut + timedelta(microseconds=1)
    return page, cut


@login_required
@require_http_methods(["GET", "POST"])
def student_book_one_on_one_submit(request: HttpRequest, availability_id: int) -> HttpResponse:
    """GET: the chosen slot and how many weeks. POST: request it, all weeks or none."""
    availability = get_object_or_404(
        TeacherAvailability.objects.select_related("teacher", "course"), pk=availability_id
    )
    course = availability.course or _course_named(request)
    context = _course_context(course, BookingType.ONE_ON_ONE)
    if request.method == "POST":
        form = OneOnOneRequestForm(request.POST)
        sent = request.POST.get("starts_at")
    else:  # a GET only fills the form in from the slot's link
        sent = request.GET.get("start")
        form = OneOnOneRequestForm(initial={"starts_at": sent, "weeks": 1})
    starts_at = parse_instant(sent)
    clashes: list[dict[str, Any]] = []
    if request.method == "POST" and not context["refusal"] and form.is_valid():
        try:
            booked = request_one_on_one(
                availability,
                request.user,
                form.cleaned_data["starts_at"],
                course=course,
                weeks=form.cleaned_data["weeks"],
                note=form.cleaned_data["note"],
            )
        except (Conflict, SlotUnavailable) as exc:
            if _just_taken(exc, form.cleaned_data["weeks"]):
                return _back_to_fresh_slots(request, course, availability, exc)
            report(request, exc)
            clashes = _clashes(exc) if isinstance(exc, Conflict) else []
            field = getattr(exc, "field", None)
            if field in form.fields:
                form.add_error(field, error_message(exc))
        except BookingError as exc:
            report(request, exc)
            field = getattr(exc, "field", None)
            if field in form.fields:
                form.add_error(field, error_message(exc))
        else:
            messages.success(
                request,
                _("Your request is sent: the teacher will confirm it.")
                if booked[0].status == "pending"
                else _("Your lesson is booked."),
            )
            return redirect(MY_BOOKINGS)
    return _page(
        request,
        "one_on_one_submit.html",
        {
            **context,
            "availability": availability,
            "teacher_name": person_name(availability.teacher),
            "form": form,
            "starts_at": starts_at,
            "clashes": clashes,
            **_approval(course, availability, starts_at, context["refusal"]),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def student_booking_one_on_one_cancel(request: HttpRequest, booking_id: int) -> HttpResponse:
    """GET: which lesson, and for a series whether the following ones go too. POST: cancel."""
    booking = get_object_or_404(
        OneOnOneBooking.objects.select_related("course", "teacher"),
        pk=booking_id,
        student=request.user,
    )
    form = OneOnOneCancelForm(_sent(request))
    if request.method == "POST" and form.is_valid():
        scope = form.cleaned_data["scope"]
        if attempt(
            request,
            lambda: cancel_one_on_one(booking, request.user, scope=scope),
            _("Your lesson is cancelled.")
            if scope == "this"
            else _("Your lesson and the following ones are cancelled."),
        ):
            return redirect(MY_BOOKINGS)
    return _page(
        request,
        "one_on_one_cancel.html",
        {"booking": booking, "form": form, "teacher_name": person_name(booking.teacher)},
    )


# --- helpers ------------------------------------------------------------------------------------


def _course_named(request: HttpRequest) -> Any:
    """The course a slot of an availability open to every course is booked for, or a 404."""
    sent = request.POST.get("course") if request.method == "POST" else request.GET.get("course")
    if not sent or not (sent.isascii() and sent.isdigit()):
        raise Http404
    return get_object_or_404(get_course_model(), pk=int(sent))


def _sent(request: HttpRequest) -> Any:
    """What a POST sent (even nothing at all), so the form validates it; None for a GET."""
    return request.POST if request.method == "POST" else None


def _local_midnight(day: date, zone: tzinfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone)


def _approval(
    course: Any, availability: TeacherAvailability, starts_at: datetime | None, refusal: str
) -> dict[str, Any]:
    """Whether the teacher must approve a request, and by when they answer (were it sent now),
    so the confirm page says it before the student submits."""
    if refusal or starts_at is None:
        return {"needs_approval": False, "answer_by": None}
    adapter = get_adapter()
    if not adapter.requires_approval(course, availability.teacher):
        return {"needs_approval": False, "answer_by": None}
    answer_by = pending_expires_at(
        requested_at=adapter.now(), starts_at=starts_at, deadlines=adapter.get_deadlines(course)
    )
    return {"needs_approval": True, "answer_by": answer_by}


def _just_taken(exc: Conflict | SlotUnavailable, weeks: int) -> bool:
    """Whether a single lesson's time went to someone else since the picker showed it: the slot
    is refused as taken, or the only clashes are with the teacher's calendar. (A series' clashes
    are listed lesson by lesson instead.)"""
    if isinstance(exc, SlotUnavailable):
        return exc.reason is SlotReason.TAKEN
    return weeks == 1 and all(c.party == "teacher" for c in exc.conflicts)


def _back_to_fresh_slots(
    request: HttpRequest, course: Any, availability: TeacherAvailability, exc: BookingError
) -> HttpResponse:
    """Say the time was just taken and send the student back to the picker's week of that time,
    with the same teacher, where the open slots are computed afresh."""
    taken = SlotUnavailable(str(exc), reason=SlotReason.TAKEN)
    messages.error(
        request,
        _("%(refusal)s Please choose another of the times still open.")
        % {"refusal": error_message(taken)},
    )
    week = get_adapter().now().astimezone(viewer_zone(request)).date()
    starts_at = parse_instant(request.POST.get("starts_at"))
    if starts_at is not None:
        week = max(week, starts_at.astimezone(viewer_zone(request)).date())
    picker = reverse("fluentory_bookings:student_book_one_on_one", args=[course.pk])
    return redirect(f"{picker}?week={week.isoformat()}&teacher={availability.teacher_id}")


def _clashes(exc: Conflict) -> list[dict[str, Any]]:
    """Each colliding occurrence once, with whose calendar it meets (the student's or the
    teacher's)."""
    seen: dict[datetime, dict[str, Any]] = {}
    for c in exc.conflicts:
        entry = seen.setdefault(
            c.candidate.start, {"start": c.candidate.start, "end": c.candidate.end, "yours": False}
        )
        if c.party == "student":
            entry["yours"] = True
    return sorted(seen.values(), key=lambda e: e["start"])


urlpatterns: list[URLPattern] = [
    path("my/", student_bookings, name="student_bookings"),
    path("courses/<int:course_id>/sessions/", student_sessions, name="student_sessions"),
    path("sessions/<int:session_id>/book/", student_book_session, name="student_book_session"),
    path(
        "my/seats/<int:booking_id>/cancel/", student_booking_cancel, name="student_booking_cancel"
    ),
    path(
        "my/seats/<int:booking_id>/reschedule/",
        student_booking_reschedule,
        name="student_booking_reschedule",
    ),
    path(
        "my/seats/<int:booking_id>/leave-waitlist/",
        student_leave_waitlist,
        name="student_leave_waitlist",
    ),
    path(
        "courses/<int:course_id>/lessons/",
        student_book_one_on_one,
        name="student_book_one_on_one",
    ),
    path(
        "availability/<int:availability_id>/book/",
        student_book_one_on_one_submit,
        name="student_book_one_on_one_submit",
    ),
    path(
        "my/lessons/<int:booking_id>/cancel/",
        student_booking_one_on_one_cancel,
        name="student_booking_one_on_one_cancel",
    ),
]
