"""The API's views: parse, authorize (as the pages do), call one service, render.

A booking, lesson or availability the caller may not see is a 404, whatever the method. Times
are written in the zone of ``?tz=`` (UTC by default) with their offset.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import connections, transaction
from django.db.models import Model, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.cache import patch_cache_control
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from fluentory_bookings.contrib.django import services
from fluentory_bookings.contrib.django.adapter import get_adapter
from fluentory_bookings.contrib.django.api import filters
from fluentory_bookings.contrib.django.api import serializers as s
from fluentory_bookings.contrib.django.api.browsable import formless
from fluentory_bookings.contrib.django.api.errors import api_exception_handler
from fluentory_bookings.contrib.django.api.idempotency import IdempotentPostMixin
from fluentory_bookings.contrib.django.api.metadata import ApiMetadata
from fluentory_bookings.contrib.django.api.pagination import CursorPages
from fluentory_bookings.contrib.django.api.permissions import (
    Authenticated,
    feed_kinds,
    lessons_of,
    lessons_taught_by,
    own_availabilities,
    seats_of,
    seats_visible_to,
)
from fluentory_bookings.contrib.django.api.schema import ApiSchema
from fluentory_bookings.contrib.django.api.throttles import WriteRateThrottle
from fluentory_bookings.contrib.django.calendar.tokens import (
    feed_url,
    issue_feed_token,
    revoke_feed_token,
    webcal_url,
)
from fluentory_bookings.contrib.django.choices import OneOnOneStatusChoices
from fluentory_bookings.contrib.django.conf import get_course_model
from fluentory_bookings.contrib.django.models import (
    Booking,
    FeedKind,
    FeedToken,
    LiveClassSession,
    OneOnOneBooking,
    TeacherAvailability,
)
from fluentory_bookings.contrib.django.models.one_on_one import holds_slot
from fluentory_bookings.contrib.django.services.schedule import LIVE_SESSION
from fluentory_bookings.core.errors import InvalidInput, LimitExceeded

__all__ = [
    "AvailabilityViewSet",
    "CalendarFeedViewSet",
    "GroupBookingViewSet",
    "LessonViewSet",
    "NoSuchPath",
    "SessionViewSet",
    "SlotViewSet",
]

MAX_SLOTS = 2000
"""The most open slots one request lists; ask for a shorter range or one teacher beyond it."""
DEFAULT_SLOT_RANGE = timedelta(days=7)
DEFAULT_SESSION_RANGE = timedelta(days=90)


class Negotiation(DefaultContentNegotiation):
    """DRF's, but a ``?format=`` that no renderer writes is a 400 on ``format``, not DRF's 404:
    the path exists, and answers only as the schema says (schemathesis sent ``?format=\x9e``)."""

    def filter_renderers(self, renderers: list[Any], format: str) -> list[Any]:
        found = [r for r in renderers if r.format == format]
        if not found:
            raise InvalidInput(f"no response is written in the format {format!r}", field="format")
        return found


class ApiViewSet(IdempotentPostMixin, viewsets.GenericViewSet):
    """What every endpoint shares: a user, our error bodies, cursor pages, the ``tz`` zone,
    ``Idempotency-Key`` on every POST, a budget of writes per user."""

    schema = ApiSchema()
    metadata_class = ApiMetadata
    permission_classes = [Authenticated]
    # The host's own throttles (DRF's DEFAULT_THROTTLE_CLASSES), then the writes' budget.
    throttle_classes = [*viewsets.GenericViewSet.throttle_classes, WriteRateThrottle]
    content_negotiation_class = Negotiation
    pagination_class = CursorPages
    cursor_ordering: Sequence[str] = ("id",)
    # Ids are whole numbers: anything else is a 404 from the router, never a database error.
    lookup_value_regex = "[0-9]{1,18}"

    @classmethod
    def as_view(cls, *args: Any, **kwargs: Any) -> Any:
        # Each write is one service with its own transaction: a host's ATOMIC_REQUESTS must not
        # wrap it, or at REPEATABLE READ / SERIALIZABLE it could not lock before its snapshot.
        view = super().as_view(*args, **kwargs)
        for alias in connections:
            view = transaction.non_atomic_requests(using=alias)(view)
        return view

    def get_exception_handler(self) -> Callable[..., Response | None]:
        return api_exception_handler

    def get_renderers(self) -> list[BaseRenderer]:
        return formless(super().get_renderers())

    def dispatch(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        # Serializers write datetimes in the current zone: UTC unless ?tz= asks otherwise.
        with timezone.override(UTC):
            return super().dispatch(request, *args, **kwargs)

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        self.zone = filters.zone_param(request)
        timezone.activate(self.zone)

    def page(self, rows: QuerySet[Any], serializer: type[Any]) -> Response:
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(
            serializer(page, many=True, context=self.get_serializer_context()).data
        )

    def parsed(self, serializer: type[Any]) -> dict[str, Any]:
        """The request body, validated by ``serializer`` (a DRF ValidationError is a 400)."""
        data = serializer(data=self.request.data)
        data.is_valid(raise_exception=True)
        return dict(data.validated_data)


def _found(obj: Model | None) -> Any:
    if obj is None:
        raise Http404
    return obj


def _named(
    model: type[Model], pk: int | None, field: str, rows: QuerySet[Any] | None = None
) -> Any:
    """The row a body or query parameter names, or a 400 on that field."""
    if pk is None:
        return None
    found = (rows if rows is not None else model._default_manager.all()).filter(pk=pk).first()
    if found is None:
        raise InvalidInput(f"{field} {pk} does not exist", field=field)
    return found


# --- group sessions ------------------------------------------------------------------------------


class SessionViewSet(ApiViewSet):
    """Group sessions that take bookings, by course, teacher and time range."""

    serializer_class = s.SessionSerializer
    cursor_ordering = ("starts_at", "id")

    def list(self, request: Request) -> Response:
        """``?course=&teacher=&from=&to=``: live sessions starting in the range (90 days from now
        by default, at most 366)."""
        span = filters.range_params(
            request,
            zone=self.zone,
            now=get_adapter().now(),
            default=DEFAULT_SESSION_RANGE,
            limit=filters.SESSION_RANGE,
        )
        rows = LiveClassSession.objects.select_related("course").filter(
            status__in=LIVE_SESSION, starts_at__gte=span.start, starts_at__lt=span.end
        )
        course = filters.id_param(request, "course")
        if course is not None:
            rows = rows.filter(course_id=course)
        teacher = filters.id_param(request, "teacher")
        if teacher is not None:
            rows = rows.filter(teacher_id=teacher)
        return self.page(rows, s.SessionSerializer)

    def retrieve(self, request: Request, pk: str) -> Response:
        """One session with its seats left and whether it can be booked now."""
        session = _found(LiveClassSession.objects.select_related("course").filter(pk=pk).first())
        return Response(s.SessionSerializer(session).data)


# --- group bookings ------------------------------------------------------------------------------


class GroupBookingViewSet(ApiViewSet):
    """The caller's seats and waitlist places; a teacher may also read and cancel a seat in a
    session they teach (as on the roster page)."""

    serializer_class = s.GroupBookingSerializer
    cursor_ordering = ("-id",)

    def list(self, request: Request) -> Response:
        """The caller's own group bookings, newest first."""
        return self.page(seats_of(request.user).select_related("session"), s.GroupBookingSerializer)

    def create(self, request: Request) -> Response:
        """``{"session": id}``: a seat, or a waitlist place when it is full (201 either way)."""
        data = self.parsed(s.GroupBookingInput)
        session = _named(LiveClassSession, data["session"], "session")
        booking = services.book_group_session(session, request.user)
        return self._render(booking, status.HTTP_201_CREATED)

    def retrieve(self, request: Request, pk: str) -> Response:
        return self._render(self._visible(pk))

    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str) -> Response:
        """Give up the seat or waitlist place (the next on the waitlist gets the seat)."""
        booking = services.cancel_group_booking(self._visible(pk), request.user)
        return self._render(booking)

    @action(detail=True, methods=["post"])
    def reschedule(self, request: Request, pk: str) -> Response:
        """``{"session": id}``: move to another session of the same course, all or nothing;
        returns the new booking."""
        booking = self._own(pk)
        data = self.parsed(s.RescheduleInput)
        target = _named(LiveClassSession, data["session"], "session")
        moved = services.reschedule_group_booking(booking, target, request.user)
        return self._render(moved, status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"], url_path="leave-waitlist")
    def leave_waitlist(self, request: Request, pk: str) -> Response:
        """Give up a waitlist place; everyone behind moves up."""
        booking = services.leave_waitlist(self._own(pk), request.user)
        return self._render(booking)

    def _own(self, pk: str) -> Booking:
        return _found(seats_of(self.request.user).filter(pk=pk).first())

    def _visible(self, pk: str) -> Booking:
        return _found(seats_visible_to(self.request.user, int(pk)))

    def _render(self, booking: Booking, code: int = status.HTTP_200_OK) -> Response:
        fresh = Booking.objects.select_related("session").get(pk=booking.pk)
        return Response(s.GroupBookingSerializer(fresh).data, status=code)


# --- 1:1 bookings --------------------------------------------------------------------------------


class LessonViewSet(ApiViewSet):
    """1:1 bookings the caller takes or gives. Only their teacher approves, declines or sets
    the link of a lesson; its student or its teacher may cancel it."""

    serializer_class = s.LessonSerializer
    cursor_ordering = ("starts_at", "id")

    def list(self, request: Request) -> Response:
        """``?role=student|teacher``: the caller's lessons in time order (both roles by default);
        ``?status=``: only those in that status (``pending`` ones still hold their slot)."""
        role = request.query_params.get("role")
        if role == "student":
            rows = OneOnOneBooking.objects.filter(student_id=request.user.pk)
        elif role == "teacher":
            rows = lessons_taught_by(request.user)
        elif role in (None, ""):
            rows = lessons_of(request.user)
        else:
            raise InvalidInput(f"role must be 'student' or 'teacher', not {role!r}", field="role")
        wanted = request.query_params.get("status")
        if wanted:
            rows = rows.filter(_lessons_in(wanted, get_adapter().now()))
        return self.page(rows, s.LessonSerializer)

    def create(self, request: Request) -> Response:
        """``{"availability", "starts_at", "weeks", "course"}``: one lesson or a weekly series,
        all or nothing; ``course`` only for an availability open to every course."""
        data = self.parsed(s.LessonInput)
        availability = _named(
            TeacherAvailability,
            data["availability"],
            "availability",
            TeacherAvailability.objects.select_related("teacher", "course"),
        )
        course = availability.course or _named(get_course_model(), data.get("course"), "course")
        booked = services.request_one_on_one(
            availability, request.user, data["starts_at"], course=course, weeks=data["weeks"]
        )
        return self._render_many(booked, status.HTTP_201_CREATED)

    def retrieve(self, request: Request, pk: str) -> Response:
        return self._render(self._visible(pk))

    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str) -> Response:
        return self._render(services.approve_one_on_one(self._taught(pk), request.user))

    @action(detail=True, methods=["post"])
    def decline(self, request: Request, pk: str) -> Response:
        """``{"reason": "..."}`` (optional, at most 1000 characters): the time is open again."""
        lesson = self._taught(pk)
        data = self.parsed(s.DeclineInput)
        return self._render(services.decline_one_on_one(lesson, request.user, data["reason"]))

    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str) -> Response:
        """``{"scope": "this"}`` or ``"following"`` (this lesson and the later ones of its
        series); returns every booking cancelled."""
        lesson = self._visible(pk)
        data = self.parsed(s.LessonCancelInput)
        cancelled = services.cancel_one_on_one(lesson, request.user, scope=data["scope"])
        return self._render_many(cancelled)

    @action(detail=True, methods=["post"], url_path="meeting-link")
    def meeting_link(self, request: Request, pk: str) -> Response:
        """``{"meeting_link": "https://..."}`` (empty to remove it)."""
        lesson = self._taught(pk)
        data = self.parsed(s.MeetingLinkInput)
        return self._render(
            services.set_one_on_one_meeting_link(lesson, data["meeting_link"], request.user)
        )

    def _visible(self, pk: str) -> OneOnOneBooking:
        return _found(lessons_of(self.request.user).filter(pk=pk).first())

    def _taught(self, pk: str) -> OneOnOneBooking:
        return _found(lessons_taught_by(self.request.user).filter(pk=pk).first())

    def _render(self, booking: OneOnOneBooking) -> Response:
        return Response(s.LessonSerializer(booking, context=self.get_serializer_context()).data)

    def _render_many(
        self, bookings: Sequence[OneOnOneBooking], code: int = status.HTTP_200_OK
    ) -> Response:
        shown = s.LessonSerializer(bookings, many=True, context=self.get_serializer_context())
        return Response({"bookings": shown.data}, status=code)


def _lessons_in(wanted: str, now: datetime) -> Q:
    """The lessons whose status, as shown (see :class:`~.serializers.LessonSerializer`), is
    ``wanted``."""
    if wanted not in OneOnOneStatusChoices.values:
        raise InvalidInput(f"{wanted!r} is not a lesson status", field="status")
    pending = Q(status=OneOnOneStatusChoices.PENDING)
    if wanted == OneOnOneStatusChoices.PENDING:
        return pending & holds_slot(now)
    if wanted == OneOnOneStatusChoices.EXPIRED:
        return Q(status=wanted) | (pending & ~holds_slot(now))
    return Q(status=wanted)


# --- availability --------------------------------------------------------------------------------


class AvailabilityViewSet(ApiViewSet):
    """A teacher's own weekly and one-time availability; another teacher's is a 404."""

    serializer_class = s.AvailabilitySerializer
    cursor_ordering = ("id",)

    def list(self, request: Request) -> Response:
        return self.page(own_availabilities(request.user), s.AvailabilitySerializer)

    def create(self, request: Request) -> Response:
        row = services.set_availability(
            request.user, **self._arguments(self.parsed(s.AvailabilityInput))
        )
        return Response(s.AvailabilitySerializer(row).data, status=status.HTTP_201_CREATED)

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(s.AvailabilitySerializer(self._own(pk)).data)

    def update(self, request: Request, pk: str) -> Response:
        """PUT: every field (those left out take their defaults)."""
        row = self._own(pk)
        arguments = self._arguments(self.parsed(s.AvailabilityInput))
        row = services.set_availability(request.user, availability=row, **arguments)
        return Response(s.AvailabilitySerializer(row).data)

    def partial_update(self, request: Request, pk: str) -> Response:
        """PATCH: the fields sent; the others keep their values."""
        row = self._own(pk)
        # The serializer reads the body in whichever encoding it came (a form's values are
        # lists underneath); the row supplies the rest, as the service takes it.
        sent = s.AvailabilityInput(data=request.data, partial=True)
        sent.is_valid(raise_exception=True)
        arguments = self._arguments({**_current(row), **sent.validated_data})
        row = services.set_availability(request.user, availability=row, **arguments)
        return Response(s.AvailabilitySerializer(row).data)

    def destroy(self, request: Request, pk: str) -> Response:
        """No more slots; lessons booked through it keep their times."""
        services.delete_availability(request.user, self._own(pk))
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _own(self, pk: str) -> TeacherAvailability:
        return _found(own_availabilities(self.request.user).filter(pk=pk).first())

    def _arguments(self, data: dict[str, Any]) -> dict[str, Any]:
        taught = get_adapter().get_taught_courses(self.request.user)
        data["course"] = _named(get_course_model(), data.get("course"), "course", taught)
        return data


def _current(row: TeacherAvailability) -> dict[str, Any]:
    return {
        "course": row.course_id,
        "kind": row.kind,
        "timezone": str(row.timezone),
        "start_date": row.start_date,
        "end_date": row.end_date,
        "start_time": row.start_time,
        "end_time": row.end_time,
        "weekdays": list(row.weekdays),
        "excluded_dates": list(row.excluded_dates),
        "slot_minutes": row.slot_minutes,
        "buffer_before_minutes": row.buffer_before_minutes,
        "buffer_after_minutes": row.buffer_after_minutes,
        "is_active": row.is_active,
    }


# --- open slots ----------------------------------------------------------------------------------


class SlotViewSet(ApiViewSet):
    """Open 1:1 slots of a course or a teacher (``?course=`` and/or ``?teacher=``), for a range
    of at most 90 days (7 from now by default). As on the course's page, only slots a course
    could book: never those of a course its teacher left or that takes no 1:1 lessons."""

    serializer_class = s.SlotSerializer
    pagination_class = None

    def list(self, request: Request) -> Response:
        course_id = filters.id_param(request, "course")
        teacher_id = filters.id_param(request, "teacher")
        if course_id is None and teacher_id is None:
            raise InvalidInput("give a course or a teacher (or both)", field="course")
        span = filters.range_params(
            request,
            zone=self.zone,
            now=get_adapter().now(),
            default=DEFAULT_SLOT_RANGE,
            limit=filters.SLOT_RANGE,
        )
        course = _named(get_course_model(), course_id, "course")
        offered = services.bookable_availabilities(course, teacher_id=teacher_id)
        # One past the bound is enough to know the answer is too long: nothing further is
        # computed, however many slots the rules hold.
        found = services.open_slots_of(
            offered, start=span.start, end=span.end, course=course, limit=MAX_SLOTS + 1
        )
        slots = [
            {
                "availability": av.pk,
                "teacher": av.teacher_id,
                "course": course_id if course is not None else av.course_id,
                "start": slot.start,
                "end": slot.end,
            }
            for av, free in zip(offered, found, strict=True)
            for slot in free
        ]
        if len(slots) > MAX_SLOTS:
            raise LimitExceeded(
                f"more than {MAX_SLOTS} open slots: ask for a shorter range or one teacher",
                field="to",
                limit=MAX_SLOTS,
            )
        slots.sort(key=lambda x: (x["start"], x["teacher"], x["availability"]))
        return Response({"results": s.SlotSerializer(slots, many=True).data})


# --- calendar feeds -----------------------------------------------------------------------------


class CalendarFeedViewSet(ApiViewSet):
    """The caller's private calendar feeds, as the pages' "Calendar subscription" box: list
    them, make or remake a link (shown once), revoke one. A kind the caller may not have, or
    no kind at all, is a 404."""

    serializer_class = s.CalendarFeedSerializer
    pagination_class = None
    # A replay would have to keep the answer, and the answer is the feed's secret, which the
    # database holds only as a digest. A retry needs no replay here anyway: it makes a fresh
    # link in place of the one whose answer was lost, and the caller has exactly one link.
    replays_posts = False

    def list(self, request: Request) -> Response:
        """Each feed the caller may have: whether its link exists and since when."""
        kinds = feed_kinds(request.user)
        made = dict(
            FeedToken.objects.filter(user_id=request.user.pk, kind__in=kinds).values_list(
                "kind", "created"
            )
        )
        rows = [{"kind": k.value, "exists": k in made, "created": made.get(k)} for k in kinds]
        return Response({"results": s.CalendarFeedSerializer(rows, many=True).data})

    def create(self, request: Request, kind: str) -> Response:
        """Make the feed's link, or a new one in place of the old, which stops working at once.
        The answer is the only time the link is seen; `Idempotency-Key` is not used here: a
        retry makes a fresh link, so the answer (a secret) is never stored."""
        feed = self._kind(kind)
        token = issue_feed_token(request.user, feed)
        created = (
            FeedToken.objects.filter(user_id=request.user.pk, kind=feed)
            .values_list("created", flat=True)
            .first()
        )
        url = feed_url(request, token)
        body = {"kind": feed.value, "created": created, "url": url, "webcal_url": webcal_url(url)}
        return Response(s.IssuedCalendarFeedSerializer(body).data, status=status.HTTP_201_CREATED)

    def destroy(self, request: Request, kind: str) -> Response:
        """Revoke the link: calendar apps subscribed to it get a 404 from now on. Revoking a
        feed that has no link does nothing (204 too)."""
        revoke_feed_token(request.user, self._kind(kind))
        return Response(status=status.HTTP_204_NO_CONTENT)

    def finalize_response(
        self, request: Request, response: Response, *args: Any, **kwargs: Any
    ) -> Response:
        # A new link is a secret, and so is its replay: no cache may keep either.
        response = super().finalize_response(request, response, *args, **kwargs)
        patch_cache_control(response, no_store=True)
        return response

    def _kind(self, value: str) -> FeedKind:
        for kind in feed_kinds(self.request.user):
            if kind.value == value:
                return kind
        raise NotFound()


# --- anything else under the API's prefix --------------------------------------------------------


class NoSuchPath(APIView):
    """A path under the API's prefix that names no endpoint (``bookings/group/abc/``): the
    API's JSON 404, not the host's HTML page, so clients parse every answer the same way."""

    schema = None  # not an operation
    authentication_classes: list[Any] = []
    permission_classes: list[Any] = []

    def get_exception_handler(self) -> Callable[..., Response | None]:
        return api_exception_handler

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        raise NotFound()
