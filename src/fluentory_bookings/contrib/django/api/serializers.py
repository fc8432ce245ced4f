"""What the API reads and writes. Output times are ISO 8601 with the offset of the requested
zone (``?tz=``, default UTC); input instants must carry an offset.

Output serializers read only the row and the relations the views ``select_related``, so a list
costs the same number of queries for 10 rows as for 200. Input serializers check shape and
bounds only: every rule is the services' (and their typed errors become the response).
"""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from fluentory_bookings.contrib.django.adapter import get_adapter
from fluentory_bookings.contrib.django.choices import AvailabilityKind
from fluentory_bookings.contrib.django.models import (
    Booking,
    FeedKind,
    LiveClassSession,
    OneOnOneBooking,
    TeacherAvailability,
)
from fluentory_bookings.contrib.django.services.one_on_one import SCOPES
from fluentory_bookings.core.policy import BookingType

__all__ = [
    "AvailabilityInput",
    "AvailabilitySerializer",
    "CalendarFeedSerializer",
    "DeclineInput",
    "GroupBookingInput",
    "GroupBookingSerializer",
    "IssuedCalendarFeedSerializer",
    "LessonCancelInput",
    "LessonInput",
    "LessonSerializer",
    "MeetingLinkInput",
    "RescheduleInput",
    "SessionSerializer",
    "SlotSerializer",
]

MAX_SERIES_INPUT = 520
"""A bound on ``weeks`` before the service's own (configurable) limit: keeps the input small."""
MAX_EXCLUDED_DATES = 400
_CONFIRMED = "confirmed"
_PENDING = "pending"
_EXPIRED = "expired"


class AwareDateTimeField(serializers.DateTimeField):
    """An instant with an explicit offset: a naive time is refused, never guessed."""

    default_error_messages = {
        "naive": "Give the offset too, e.g. 2027-03-01T09:00:00+01:00 or ...Z.",
    }

    def to_internal_value(self, value: Any) -> Any:
        if isinstance(value, str) and not _has_offset(value):
            self.fail("naive")
        return super().to_internal_value(value)


def _has_offset(text: str) -> bool:
    from datetime import datetime

    try:
        return datetime.fromisoformat(text).tzinfo is not None
    except ValueError:
        return True  # DateTimeField says what is wrong with it


# --- output ------------------------------------------------------------------------------------


class SessionSerializer(serializers.ModelSerializer[LiveClassSession]):
    """A group session as a student sees it before booking."""

    remaining_seats = serializers.IntegerField(read_only=True)
    booking_open = serializers.SerializerMethodField()

    class Meta:
        model = LiveClassSession
        fields = [
            "id",
            "course",
            "teacher",
            "title",
            "description",
            "starts_at",
            "ends_at",
            "status",
            "total_seats",
            "remaining_seats",
            "enable_waitlist",
            "booking_open",
        ]
        read_only_fields = fields

    def get_booking_open(self, session: LiveClassSession) -> bool:
        """Whether a student could book it now (as its page's Book button): not started, a
        seat or a waitlist place left, and its course still takes group sessions."""
        # The views select the course with the session: no query per row.
        kind = get_adapter().get_booking_type(session.course)
        return kind == BookingType.GROUP_SESSION and session.booking_open


class SessionSummary(serializers.ModelSerializer[LiveClassSession]):
    class Meta:
        model = LiveClassSession
        fields = ["id", "course", "title", "starts_at", "ends_at", "status"]
        read_only_fields = fields


class GroupBookingSerializer(serializers.ModelSerializer[Booking]):
    """A seat or waitlist place; the meeting link once the seat is confirmed (as on the page)."""

    session = SessionSummary(read_only=True)
    meeting_link = serializers.SerializerMethodField()

    class Meta:
        model = Booking
        fields = [
            "id",
            "session",
            "student",
            "status",
            "waitlist_position",
            "meeting_link",
            "created",
            "cancelled_at",
        ]
        read_only_fields = fields

    def get_meeting_link(self, booking: Booking) -> str | None:
        if booking.status == _CONFIRMED and booking.session.meeting_link:
            return str(booking.session.meeting_link)
        return None


class LessonSerializer(serializers.ModelSerializer[OneOnOneBooking]):
    """A 1:1 booking, for its student and its teacher alike.

    A pending request past its answer deadline is ``expired`` whether or not the periodic
    command has written that yet (as everywhere else in the app).
    """

    status = serializers.SerializerMethodField()
    meeting_link = serializers.SerializerMethodField()

    class Meta:
        model = OneOnOneBooking
        fields = [
            "id",
            "availability_slot",
            "course",
            "student",
            "teacher",
            "starts_at",
            "ends_at",
            "status",
            "is_recurring",
            "series_id",
            "requested_at",
            "expires_at",
            "decided_at",
            "decision_reason",
            "meeting_link",
        ]
        read_only_fields = fields

    def get_status(self, booking: OneOnOneBooking) -> str:
        if booking.status == _PENDING and not booking.holds_slot_at(get_adapter().now()):
            return _EXPIRED
        return str(booking.status)

    def get_meeting_link(self, booking: OneOnOneBooking) -> str | None:
        """The lesson's link once it is confirmed; its teacher sees it from the request on."""
        if not booking.meeting_link:
            return None
        # As the pages: the teacher's lists a pending request's link, the student's does not.
        request = self.context.get("request")
        viewer = getattr(getattr(request, "user", None), "pk", None)
        if booking.status == _CONFIRMED or (
            viewer == booking.teacher_id and booking.holds_slot_at(get_adapter().now())
        ):
            return str(booking.meeting_link)
        return None


class AvailabilitySerializer(serializers.ModelSerializer[TeacherAvailability]):
    """A teacher's structured rule: wall-clock times in ``timezone``, never an RRULE string."""

    timezone = serializers.CharField(read_only=True, source="timezone.key")

    class Meta:
        model = TeacherAvailability
        fields = [
            "id",
            "course",
            "kind",
            "timezone",
            "start_date",
            "end_date",
            "start_time",
            "end_time",
            "weekdays",
            "excluded_dates",
            "slot_minutes",
            "buffer_before_minutes",
            "buffer_after_minutes",
            "is_active",
        ]
        read_only_fields = fields


class SlotSerializer(serializers.Serializer[Any]):
    """One open 1:1 slot: book it with ``availability`` and ``starts_at = start``."""

    availability = serializers.IntegerField()
    teacher = serializers.IntegerField()
    course = serializers.IntegerField(allow_null=True)
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()


class CalendarFeedSerializer(serializers.Serializer[Any]):
    """One of the caller's calendar feeds: whether its link exists and since when. Never the
    token: only its digest is stored."""

    kind = serializers.ChoiceField(choices=FeedKind.values)
    exists = serializers.BooleanField()
    created = serializers.DateTimeField(allow_null=True)


class IssuedCalendarFeedSerializer(serializers.Serializer[Any]):
    """A feed's new link, shown this once: subscribe with `url` or open `webcal_url`."""

    kind = serializers.ChoiceField(choices=FeedKind.values)
    created = serializers.DateTimeField()
    url = serializers.URLField()
    webcal_url = serializers.CharField()


# --- input -------------------------------------------------------------------------------------


class GroupBookingInput(serializers.Serializer[Any]):
    session = serializers.IntegerField(min_value=1)


class RescheduleInput(serializers.Serializer[Any]):
    session = serializers.IntegerField(min_value=1)


class LessonInput(serializers.Serializer[Any]):
    """One lesson (``weeks: 1``) or a weekly series, all or nothing."""

    availability = serializers.IntegerField(min_value=1)
    starts_at = AwareDateTimeField()
    course = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    weeks = serializers.IntegerField(min_value=1, max_value=MAX_SERIES_INPUT, default=1)


class DeclineInput(serializers.Serializer[Any]):
    reason = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")


class LessonCancelInput(serializers.Serializer[Any]):
    scope = serializers.ChoiceField(choices=SCOPES, default="this")


class MeetingLinkInput(serializers.Serializer[Any]):
    meeting_link = serializers.CharField(max_length=500, allow_blank=True)


class AvailabilityInput(serializers.Serializer[Any]):
    """The keyword arguments of ``services.set_availability`` (but the teacher)."""

    course = serializers.IntegerField(min_value=1, required=False, allow_null=True, default=None)
    kind = serializers.ChoiceField(choices=AvailabilityKind.values, default="weekly")
    timezone = serializers.CharField(max_length=64)
    start_date = serializers.DateField()
    end_date = serializers.DateField(required=False, allow_null=True, default=None)
    start_time = serializers.TimeField()
    end_time = serializers.TimeField()
    weekdays = serializers.ListField(
        child=serializers.IntegerField(min_value=0, max_value=6), max_length=7, default=list
    )
    excluded_dates = serializers.ListField(
        child=serializers.DateField(), max_length=MAX_EXCLUDED_DATES, default=list
    )
    slot_minutes = serializers.IntegerField(default=60)
    buffer_before_minutes = serializers.IntegerField(default=0)
    buffer_after_minutes = serializers.IntegerField(default=0)
    is_active = serializers.BooleanField(default=True)
