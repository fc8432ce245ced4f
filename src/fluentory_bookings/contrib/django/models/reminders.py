"""Reminders for either kind of booking (exactly one of the two)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fluentory_bookings.contrib.django.models.one_on_one import OneOnOneBooking
from fluentory_bookings.contrib.django.models.sessions import Booking


class BookingReminder(models.Model):
    """A reminder to send at ``remind_at``; ``sent_at`` is set once, when it was sent.

    ``failed_at`` (with ``last_error``) is set instead when every attempt failed; ``attempts``
    counts the failed sends.
    """

    group_booking = models.ForeignKey(
        Booking,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="reminders",
        verbose_name=_("group session booking"),
        db_index=False,  # fb_reminder_unique_group leads with it
    )
    one_on_one_booking = models.ForeignKey(
        OneOnOneBooking,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="reminders",
        verbose_name=_("1:1 booking"),
        db_index=False,  # fb_reminder_unique_one_on_one leads with it
    )
    remind_at = models.DateTimeField(_("remind at"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    # Dispatch state (see notifications.dispatch): a worker holds a row until claimed_until;
    # after that any worker may take it again, so a worker that died never strands it.
    claimed_until = models.DateTimeField(_("claimed until"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    failed_at = models.DateTimeField(_("failed at"), null=True, blank=True)
    created = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("booking reminder")
        verbose_name_plural = _("booking reminders")
        ordering = ["remind_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(group_booking__isnull=False) & Q(one_on_one_booking__isnull=True))
                | (Q(group_booking__isnull=True) & Q(one_on_one_booking__isnull=False)),
                name="fb_reminder_exactly_one_booking",
            ),
            models.UniqueConstraint(
                fields=["group_booking", "remind_at"],
                condition=Q(group_booking__isnull=False),
                name="fb_reminder_unique_group",
            ),
            models.UniqueConstraint(
                fields=["one_on_one_booking", "remind_at"],
                condition=Q(one_on_one_booking__isnull=False),
                name="fb_reminder_unique_one_on_one",
            ),
        ]
        indexes = [models.Index(fields=["sent_at", "remind_at"], name="fb_reminder_due")]

    def __str__(self) -> str:
        target = self.group_booking or self.one_on_one_booking
        return _("Reminder at %(when)s for %(booking)s") % {
            "when": f"{self.remind_at:%Y-%m-%d %H:%M}",
            "booking": target,
        }

    @property
    def booking(self) -> Booking | OneOnOneBooking | None:
        return self.group_booking or self.one_on_one_booking
