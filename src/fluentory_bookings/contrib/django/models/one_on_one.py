"""1:1 bookings made from a teacher's availability."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _
from model_utils.models import TimeStampedModel

from fluentory_bookings.contrib.django.choices import OneOnOneStatusChoices
from fluentory_bookings.contrib.django.conf import course_model_label
from fluentory_bookings.contrib.django.models.availability import TeacherAvailability
from fluentory_bookings.contrib.django.models.deletion import protect_upcoming_lessons
from fluentory_bookings.contrib.django.validators import validate_https_meeting_link
from fluentory_bookings.core.approvals import ACTIVE_ONE_ON_ONE_STATUSES, OneOnOneStatus
from fluentory_bookings.core.links import MeetingProvider, meeting_provider

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

ACTIVE_VALUES = sorted(s.value for s in ACTIVE_ONE_ON_ONE_STATUSES)
_PENDING = OneOnOneStatusChoices.PENDING.value
_CONFIRMED = OneOnOneStatusChoices.CONFIRMED.value


def holds_slot(now: datetime) -> Q:
    """The bookings that hold their slot at ``now``: confirmed, or pending and not yet expired.

    A pending request past its ``expires_at`` is expired whether or not the periodic command
    has written it yet, so it never blocks a slot or a decision.
    """
    return (
        Q(status=_CONFIRMED)
        | Q(status=_PENDING, expires_at__gt=now)
        | Q(status=_PENDING, expires_at__isnull=True, starts_at__gt=now)
    )


class OneOnOneBooking(TimeStampedModel):
    """A student's 1:1 lesson in one slot of a teacher's availability.

    Pending and confirmed bookings are *active*: they hold their slot. The database keeps one
    active booking per (availability, start) and, on PostgreSQL, an exclusion constraint keeps a
    teacher from having two overlapping active bookings.
    """

    # A lesson keeps its own times, teacher and course: deleting the availability it was booked
    # from stops new bookings, it does not erase (or block on) the lessons already made.
    availability_slot = models.ForeignKey(
        TeacherAvailability,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="bookings",
        verbose_name=_("availability"),
    )
    student = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="one_on_one_bookings",
        verbose_name=_("student"),
        db_index=False,  # fb_1on1_student leads with it
    )
    teacher = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=protect_upcoming_lessons,
        related_name="taught_one_on_one_bookings",
        verbose_name=_("teacher"),
        db_index=False,  # fb_1on1_teacher leads with it
    )
    course = models.ForeignKey(
        course_model_label(),
        on_delete=protect_upcoming_lessons,
        related_name="one_on_one_bookings",
        verbose_name=_("course"),
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    status = models.CharField(_("status"), max_length=20, choices=OneOnOneStatusChoices.choices)
    meeting_link = models.URLField(
        _("meeting link"), max_length=500, blank=True, validators=[validate_https_meeting_link]
    )
    is_recurring = models.BooleanField(_("part of a recurring series"), default=False)
    series_id = models.UUIDField(_("series"), null=True, blank=True)
    requested_at = models.DateTimeField(_("requested at"))
    expires_at = models.DateTimeField(_("pending request expires at"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decision_reason = models.TextField(_("reason"), blank=True)
    # What the student tells the teacher with the request ("I would like to practise
    # interviews"); bounded, as it is shown on the teacher's pages.
    student_note = models.TextField(_("note from the student"), blank=True, max_length=1000)
    google_calendar_event_id = models.CharField(
        _("Google Calendar event id"), max_length=255, blank=True
    )
    # Grows on every change a calendar shows (time, status, link): iCalendar's SEQUENCE.
    sequence = models.PositiveIntegerField(_("calendar sequence"), default=0, editable=False)

    class Meta:
        verbose_name = _("1:1 booking")
        verbose_name_plural = _("1:1 bookings")
        ordering = ["starts_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["availability_slot", "starts_at"],
                condition=Q(status__in=ACTIVE_VALUES),
                name="fb_one_on_one_one_active_per_slot",
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="fb_one_on_one_ends_after_start"
            ),
        ]
        indexes = [
            models.Index(fields=["teacher", "status", "starts_at"], name="fb_1on1_teacher"),
            models.Index(fields=["student", "status", "starts_at"], name="fb_1on1_student"),
            # Only pending rows, keyed by when they fall due: the expiry job reads the due
            # ones in order and stops, whatever the size of the table.
            models.Index(
                Coalesce("expires_at", "starts_at"),
                name="fb_1on1_pending_due",
                condition=Q(status=OneOnOneStatus.PENDING.value),
            ),
            # Most 1:1s are no series: leave their NULLs out of the index.
            models.Index(
                fields=["series_id"], name="fb_1on1_series", condition=Q(series_id__isnull=False)
            ),
            # The default ordering and the admin's date drill-down read by time alone.
            models.Index(fields=["starts_at"], name="fb_1on1_start"),
        ]

    def __str__(self) -> str:
        return _("%(student)s with %(teacher)s at %(start)s (%(status)s)") % {
            "student": self.student,
            "teacher": self.teacher,
            "start": f"{self.starts_at:%Y-%m-%d %H:%M %Z}",
            "status": self.get_status_display(),
        }

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_VALUES

    @property
    def meeting_provider(self) -> MeetingProvider:
        return meeting_provider(self.meeting_link)

    def holds_slot_at(self, now: datetime) -> bool:
        """Whether this booking holds its slot at ``now`` (see :func:`holds_slot`)."""
        if self.status == _CONFIRMED:
            return True
        return self.status == _PENDING and now < (self.expires_at or self.starts_at)

    def is_upcoming(self, now: datetime) -> bool:
        """Whether a student still expects this lesson at ``now``: it holds its slot and has
        not started."""
        return self.starts_at > now and self.holds_slot_at(now)

    def approve(self, by: AbstractBaseUser) -> OneOnOneBooking:
        from fluentory_bookings.contrib.django.services import approve_one_on_one

        return approve_one_on_one(self, by)

    def decline(self, by: AbstractBaseUser, reason: str = "") -> OneOnOneBooking:
        from fluentory_bookings.contrib.django.services import decline_one_on_one

        return decline_one_on_one(self, by, reason)

    def cancel(self, by: AbstractBaseUser, *, scope: str = "this") -> list[OneOnOneBooking]:
        from fluentory_bookings.contrib.django.services import cancel_one_on_one

        return cancel_one_on_one(self, by, scope=scope)
