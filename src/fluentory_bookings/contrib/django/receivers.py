"""Django's deletion signals routed into the services, so that removing rows (one at a time, a
queryset, or a cascade from a deleted user) keeps seat counters, waitlists and signals right.

What may not be deleted at all is refused earlier, by the ``on_delete`` handlers of
:mod:`~fluentory_bookings.contrib.django.models.deletion`.
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import pre_delete
from django.dispatch import receiver

from fluentory_bookings.contrib.django import services
from fluentory_bookings.contrib.django.models import Booking, OneOnOneBooking
from fluentory_bookings.contrib.django.models.deletion import GOES_WITH_SESSION
from fluentory_bookings.contrib.django.services.isolation import contention_as_try_again
from fluentory_bookings.core.seats import SeatStatus


@receiver(pre_delete, sender=Booking, dispatch_uid="fluentory_bookings.release_group_booking")
def release_group_booking(sender: type, instance: Booking, **kwargs: Any) -> None:
    # Cancelled is final, and a booking deleted with its session has nothing left to give back.
    if instance.status == SeatStatus.CANCELLED.value or getattr(instance, GOES_WITH_SESSION, False):
        return
    with contention_as_try_again():
        services.release_deleted_booking(instance)


@receiver(pre_delete, sender=OneOnOneBooking, dispatch_uid="fluentory_bookings.release_one_on_one")
def release_one_on_one(sender: type, instance: OneOnOneBooking, **kwargs: Any) -> None:
    with contention_as_try_again():
        services.release_deleted_one_on_one(instance)
