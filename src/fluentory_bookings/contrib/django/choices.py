"""Django choices mirroring the core enums, so the database stores the core values."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from fluentory_bookings.core.approvals import OneOnOneStatus
from fluentory_bookings.core.seats import SeatStatus, SessionStatus


class SessionStatusChoices(models.TextChoices):
    SCHEDULED = SessionStatus.SCHEDULED.value, _("Scheduled")
    BOOKING_CLOSED = SessionStatus.BOOKING_CLOSED.value, _("Booking closed")
    CANCELLED = SessionStatus.CANCELLED.value, _("Cancelled")
    COMPLETED = SessionStatus.COMPLETED.value, _("Completed")


class SeatStatusChoices(models.TextChoices):
    CONFIRMED = SeatStatus.CONFIRMED.value, _("Confirmed")
    WAITLISTED = SeatStatus.WAITLISTED.value, _("Waitlisted")
    CANCELLED = SeatStatus.CANCELLED.value, _("Cancelled")
    ATTENDED = SeatStatus.ATTENDED.value, _("Attended")
    NO_SHOW = SeatStatus.NO_SHOW.value, _("No-show")


class OneOnOneStatusChoices(models.TextChoices):
    PENDING = OneOnOneStatus.PENDING.value, _("Pending approval")
    CONFIRMED = OneOnOneStatus.CONFIRMED.value, _("Confirmed")
    DECLINED = OneOnOneStatus.DECLINED.value, _("Declined")
    CANCELLED = OneOnOneStatus.CANCELLED.value, _("Cancelled")
    EXPIRED = OneOnOneStatus.EXPIRED.value, _("Expired")
    COMPLETED = OneOnOneStatus.COMPLETED.value, _("Completed")
    NO_SHOW = OneOnOneStatus.NO_SHOW.value, _("No-show")


class AvailabilityKind(models.TextChoices):
    ONE_TIME = "one_time", _("One time")
    WEEKLY = "weekly", _("Weekly")
