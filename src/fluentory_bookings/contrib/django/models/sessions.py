"""Group sessions (seat-based) and their bookings."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone as django_timezone
from django.utils.translation import gettext_lazy as _
from model_utils.models import TimeStampedModel
from timezone_field import TimeZoneField

from fluentory_bookings.contrib.django.choices import SeatStatusChoices, SessionStatusChoices
from fluentory_bookings.contrib.django.conf import course_model_label
from fluentory_bookings.contrib.django.models.deletion import protect_upcoming_seats
from fluentory_bookings.contrib.django.validators import validate_https_meeting_link
from fluentory_bookings.core.links import MeetingProvider, meeting_provider
from fluentory_bookings.core.seats import (
    ACTIVE_SEAT_STATUSES,
    SEAT_HOLDING_STATUSES,
    SeatStatus,
    SessionStatus,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

DESCRIPTION_MAX_LENGTH = 5000
"""Characters a session's description may hold."""

ACTIVE_SEAT_VALUES = sorted(s.value for s in ACTIVE_SEAT_STATUSES)
SEAT_HOLDING_VALUES = sorted(s.value for s in SEAT_HOLDING_STATUSES)
LIVE_SESSION_VALUES = [SessionStatus.SCHEDULED.value, SessionStatus.BOOKING_CLOSED.value]


class LiveClassSession(TimeStampedModel):
    """A live group session with a fixed number of seats.

    ``seats_taken`` is a counter the services move with conditional UPDATEs; the database
    refuses any value outside ``0..total_seats``, so no code path can overbook.
    """

    course = models.ForeignKey(
        course_model_label(),
        on_delete=models.CASCADE,
        related_name="live_sessions",
        verbose_name=_("course"),
        db_index=False,  # fb_session_course_start leads with it
    )
    teacher = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="taught_live_sessions",
        verbose_name=_("teacher"),
        db_index=False,  # fb_session_teacher_start leads with it
    )
    title = models.CharField(_("title"), max_length=200)
    # Bounded: a description travels in every booked student's feed and every row of the
    # API's session list, so one huge text would be paid for many times over.
    description = models.TextField(_("description"), blank=True, max_length=DESCRIPTION_MAX_LENGTH)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    timezone = TimeZoneField(_("time zone"), default="UTC", use_pytz=False)
    total_seats = models.PositiveIntegerField(_("total seats"), default=10)
    seats_taken = models.PositiveIntegerField(_("seats taken"), default=0, editable=False)
    enable_waitlist = models.BooleanField(_("enable waitlist"), default=False)
    meeting_link = models.URLField(
        _("meeting link"), max_length=500, blank=True, validators=[validate_https_meeting_link]
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=SessionStatusChoices.choices,
        default=SessionStatusChoices.SCHEDULED,
    )
    # Grows on every change a calendar shows (time, status, link): iCalendar's SEQUENCE.
    sequence = models.PositiveIntegerField(_("calendar sequence"), default=0, editable=False)
    # When what a student's seat event shows last changed (time, status, link, title, notes,
    # zone). ``modified`` also moves with ``seats_taken``, which that event does not show: as
    # its DTSTAMP and in the feed's ETag, it would make every classmate's calendar app fetch
    # the feed again whenever anyone books or cancels.
    calendar_modified = models.DateTimeField(
        _("calendar modified"), default=django_timezone.now, editable=False
    )

    class Meta:
        verbose_name = _("live class session")
        verbose_name_plural = _("live class sessions")
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(total_seats__gt=0), name="fb_session_total_seats_positive"
            ),
            models.CheckConstraint(
                condition=Q(seats_taken__gte=0) & Q(seats_taken__lte=F("total_seats")),
                name="fb_session_seats_within_capacity",
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="fb_session_ends_after_start"
            ),
        ]
        indexes = [
            models.Index(fields=["course", "starts_at"], name="fb_session_course_start"),
            models.Index(fields=["teacher", "starts_at"], name="fb_session_teacher_start"),
            models.Index(fields=["status", "starts_at"], name="fb_session_status_start"),
            # The default ordering and the admin's date drill-down read by time alone.
            models.Index(fields=["starts_at"], name="fb_session_start"),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.starts_at:%Y-%m-%d %H:%M %Z})"

    @property
    def remaining_seats(self) -> int:
        return max(self.total_seats - self.seats_taken, 0)

    @property
    def is_full(self) -> bool:
        return self.seats_taken >= self.total_seats

    @property
    def booking_open(self) -> bool:
        """Whether a student could book now: scheduled, not started, a seat or a waitlist."""
        from fluentory_bookings.contrib.django.adapter import get_adapter

        if self.status in (SessionStatus.CANCELLED, SessionStatus.COMPLETED):
            return False
        if self.starts_at <= get_adapter().now():
            return False
        return not self.is_full or self.enable_waitlist

    @property
    def meeting_provider(self) -> MeetingProvider:
        return meeting_provider(self.meeting_link)

    def update_booking_status(self) -> SessionStatus:
        """Recompute ``status`` from the seat counter (closes when full, reopens when not)."""
        from fluentory_bookings.contrib.django.services import refresh_session_status

        return refresh_session_status(self)


class Booking(TimeStampedModel):
    """A student's seat (or waitlist place) in a group session: "Group Session Booking"."""

    session = models.ForeignKey(
        LiveClassSession,
        on_delete=protect_upcoming_seats,
        related_name="bookings",
        verbose_name=_("session"),
        db_index=False,  # fb_booking_session_status leads with it
    )
    student = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="group_bookings",
        verbose_name=_("student"),
        db_index=False,  # fb_booking_student_status leads with it
    )
    status = models.CharField(_("status"), max_length=20, choices=SeatStatusChoices.choices)
    seats_booked = models.PositiveSmallIntegerField(_("seats booked"), default=1, editable=False)
    waitlist_joined_at = models.DateTimeField(_("joined waitlist at"), null=True, blank=True)
    waitlist_position = models.PositiveIntegerField(_("waitlist position"), null=True, blank=True)
    promoted_at = models.DateTimeField(_("promoted at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("cancelled by"),
    )
    attendance_marked_at = models.DateTimeField(_("attendance marked at"), null=True, blank=True)
    # Grows on every change a calendar shows (time, status, link): iCalendar's SEQUENCE.
    sequence = models.PositiveIntegerField(_("calendar sequence"), default=0, editable=False)

    class Meta:
        verbose_name = _("Group Session Booking")
        verbose_name_plural = _("Group Session Bookings")
        # By pk, i.e. in the order they were made: ordering by "session" would join the
        # sessions table into every query only to sort.
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "student"],
                condition=Q(status__in=ACTIVE_SEAT_VALUES),
                name="fb_booking_one_active_per_student",
            ),
            models.CheckConstraint(condition=Q(seats_booked=1), name="fb_booking_one_seat"),
            models.CheckConstraint(
                condition=~Q(status=SeatStatus.WAITLISTED.value)
                | (Q(waitlist_joined_at__isnull=False) & Q(waitlist_position__isnull=False)),
                name="fb_booking_waitlist_has_place",
            ),
        ]
        indexes = [
            models.Index(fields=["session", "status"], name="fb_booking_session_status"),
            models.Index(fields=["student", "status"], name="fb_booking_student_status"),
        ]

    def __str__(self) -> str:
        return f"{self.student} - {self.session} ({self.get_status_display()})"

    @property
    def holds_seat(self) -> bool:
        return self.status in SEAT_HOLDING_VALUES

    def confirm(self) -> Booking:
        """Give this booking a seat through the service.

        An unsaved booking books its session (confirmed, or waitlisted when full); a waitlisted
        one takes a free seat if there is one (else ``SessionFull``); a confirmed one is kept.
        """
        from fluentory_bookings.contrib.django.services import confirm_group_booking

        return confirm_group_booking(self)

    def cancel(self, by: AbstractBaseUser | None = None, **kwargs: Any) -> Booking:
        """Cancel through the service: frees the seat and promotes the waitlist."""
        from fluentory_bookings.contrib.django.services import cancel_group_booking

        return cancel_group_booking(self, by if by is not None else self.student, **kwargs)
