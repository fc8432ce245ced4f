"""A teacher's published availability: local wall-clock times plus an IANA zone."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from model_utils.models import TimeStampedModel
from timezone_field import TimeZoneField

from fluentory_bookings.contrib.django.choices import AvailabilityKind
from fluentory_bookings.contrib.django.conf import course_model_label
from fluentory_bookings.core.slots import SlotSpec

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

    from fluentory_bookings.core.recurrence import OneTimeRule, WeeklyRule


class TeacherAvailability(TimeStampedModel):
    """When a teacher can be booked for 1:1 lessons, cut into slots of ``slot_minutes``.

    A slot is taken by an active (pending or confirmed) booking, never by flipping a flag here:
    declining or cancelling a booking makes its slot open again by itself. ``is_active`` is the
    teacher's own on/off switch for the whole availability.
    """

    teacher = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="availabilities",
        verbose_name=_("teacher"),
        db_index=False,  # fb_avail_teacher_active leads with it
    )
    course = models.ForeignKey(
        course_model_label(),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="teacher_availabilities",
        verbose_name=_("course"),
        db_index=False,  # fb_avail_course_active leads with it
        help_text=_("Empty: bookable for every 1:1 course the teacher teaches."),
    )
    timezone = TimeZoneField(_("time zone"), use_pytz=False)
    kind = models.CharField(
        _("kind"), max_length=10, choices=AvailabilityKind.choices, default=AvailabilityKind.WEEKLY
    )
    start_date = models.DateField(_("date / valid from"))
    end_date = models.DateField(_("valid until"), null=True, blank=True)
    start_time = models.TimeField(_("start time"))
    end_time = models.TimeField(_("end time"), help_text=_("Earlier than start: ends next day."))
    weekdays = models.JSONField(
        _("weekdays"), default=list, blank=True, help_text=_("0 = Monday ... 6 = Sunday.")
    )
    excluded_dates = models.JSONField(_("excluded dates"), default=list, blank=True)
    slot_minutes = models.PositiveSmallIntegerField(_("slot length (minutes)"), default=60)
    buffer_before_minutes = models.PositiveSmallIntegerField(_("buffer before"), default=0)
    buffer_after_minutes = models.PositiveSmallIntegerField(_("buffer after"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("teacher availability")
        verbose_name_plural = _("teacher availabilities")
        ordering = ["teacher", "start_date", "start_time", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(slot_minutes__gt=0), name="fb_availability_slot_len"
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="fb_availability_dates_ordered",
            ),
        ]
        indexes = [
            models.Index(fields=["teacher", "is_active"], name="fb_avail_teacher_active"),
            models.Index(fields=["course", "is_active"], name="fb_avail_course_active"),
        ]

    def __str__(self) -> str:
        return f"{self.teacher} {self.get_kind_display()} {self.start_time:%H:%M}-{self.end_time:%H:%M} ({self.timezone})"

    # --- core values ----------------------------------------------------------------------------
    def rule(self) -> OneTimeRule | WeeklyRule:
        """The core availability rule for this row (validated: bad rows raise ``BookingError``)."""
        from fluentory_bookings.core.recurrence import OneTimeRule, WeeklyRule

        tz = str(self.timezone)
        if self.kind == AvailabilityKind.ONE_TIME:
            start = datetime.combine(self.start_date, self.start_time)
            end_day = self.start_date + timedelta(days=1 if self.end_time <= self.start_time else 0)
            return OneTimeRule(tz=tz, start=start, end=datetime.combine(end_day, self.end_time))
        return WeeklyRule(
            tz=tz,
            weekdays=frozenset(int(d) for d in self.weekdays),
            start_time=self.start_time,
            end_time=self.end_time,
            valid_from=self.start_date,
            valid_until=self.end_date,
            exdates=frozenset(_as_date(d) for d in self.excluded_dates),
        )

    def slot_spec(self) -> SlotSpec:
        """How this availability is cut into slots (length and buffers)."""
        return SlotSpec(
            length=timedelta(minutes=self.slot_minutes),
            buffer_before=timedelta(minutes=self.buffer_before_minutes),
            buffer_after=timedelta(minutes=self.buffer_after_minutes),
        )

    # --- the seed's API -------------------------------------------------------------------------
    @property
    def is_booked(self) -> bool:
        """Whether any future slot of this availability is held by a pending or confirmed booking."""
        from fluentory_bookings.contrib.django.adapter import get_adapter
        from fluentory_bookings.contrib.django.models.one_on_one import holds_slot

        now = get_adapter().now()
        return self.bookings.filter(holds_slot(now), ends_at__gt=now).exists()

    @property
    def is_available_for_booking(self) -> bool:
        """Whether at least one slot is open to book now (active, within notice and horizon)."""
        from fluentory_bookings.contrib.django.services import open_slots_for

        return self.is_active and bool(open_slots_for(self, limit=1))

    def can_be_booked(
        self, user: AbstractBaseUser, course: Any, starts_at: datetime | None = None
    ) -> Any:
        """Whether ``user`` may book this availability for ``course`` (at ``starts_at``).

        Returns a :class:`~fluentory_bookings.contrib.django.services.Eligibility`, which is
        truthy when allowed and otherwise carries the typed ``BookingError`` as ``reason``.
        """
        from fluentory_bookings.contrib.django.services import check_one_on_one_eligibility

        return check_one_on_one_eligibility(self, user, course, starts_at=starts_at)


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))
