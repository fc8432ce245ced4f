"""The app's models. Booking state is written only by ``services``; model methods that change
state are thin doors into them."""

from fluentory_bookings.contrib.django.models.availability import TeacherAvailability
from fluentory_bookings.contrib.django.models.feeds import FeedKind, FeedToken
from fluentory_bookings.contrib.django.models.idempotency import IdempotencyRecord
from fluentory_bookings.contrib.django.models.one_on_one import OneOnOneBooking
from fluentory_bookings.contrib.django.models.reminders import BookingReminder
from fluentory_bookings.contrib.django.models.sessions import Booking, LiveClassSession

__all__ = [
    "Booking",
    "BookingReminder",
    "FeedKind",
    "FeedToken",
    "IdempotencyRecord",
    "LiveClassSession",
    "OneOnOneBooking",
    "TeacherAvailability",
]
