"""Abstract mixins the host adds to its own models to get exactly the seed's fields.

```python
class Course(BookableCourseMixin, models.Model):
    title = models.CharField(max_length=200)
```
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from fluentory_bookings.core.policy import BookingType


class BookingTypeChoices(models.TextChoices):
    NONE = BookingType.NONE.value, _("No booking")
    GROUP_SESSION = BookingType.GROUP_SESSION.value, _("Group session (seats)")
    ONE_ON_ONE = BookingType.ONE_ON_ONE.value, _("1:1 (teacher availability)")


class BookableCourseMixin(models.Model):
    """Adds ``booking_type`` and ``requires_booking_approval`` to a course model."""

    booking_type = models.CharField(
        _("booking type"),
        max_length=20,
        choices=BookingTypeChoices.choices,
        default=BookingTypeChoices.NONE,
        help_text=_("Which kind of booking students can make for this course."),
    )
    requires_booking_approval = models.BooleanField(
        _("1:1 requests need approval"),
        null=True,
        blank=True,
        default=None,
        help_text=_(
            "Teachers must approve 1:1 requests (a teacher may override this). "
            "Empty: the platform default (FLUENTORY_BOOKINGS_REQUIRE_APPROVAL_DEFAULT)."
        ),
    )

    class Meta:
        abstract = True


class CourseTeacherBookingMixin(models.Model):
    """Adds the per-teacher approval override to a course/teacher link model.

    The model must also have ``course`` and ``teacher`` foreign keys.
    """

    requires_booking_approval = models.BooleanField(
        _("1:1 requests need approval"),
        null=True,
        blank=True,
        help_text=_("Empty: follow the course setting."),
    )

    class Meta:
        abstract = True
