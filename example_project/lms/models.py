"""The host's own models: a course, who teaches it, who is enrolled, and a user's profile."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from timezone_field import TimeZoneField

from fluentory_bookings.contrib.django.mixins import BookableCourseMixin, CourseTeacherBookingMixin


class Course(BookableCourseMixin, models.Model):
    title = models.CharField(max_length=200)

    def __str__(self) -> str:
        return self.title


class CourseTeacher(CourseTeacherBookingMixin, models.Model):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="teachers")
    teacher = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["course", "teacher"], name="lms_one_teacher_row")
        ]

    def __str__(self) -> str:
        return f"{self.teacher} teaches {self.course}"


class Enrollment(models.Model):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="enrollments")
    student = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["course", "student"], name="lms_one_enrollment")
        ]

    def __str__(self) -> str:
        return f"{self.student} in {self.course}"


class UserProfile(models.Model):
    """What the LMS knows about a user beyond ``auth.User``: their time zone.

    fluentory-bookings shows every time in this zone (``LmsBookingAdapter.get_user_timezone``);
    left empty, pages use the browser's zone, then the site's.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    timezone = TimeZoneField(
        _("time zone"),
        blank=True,
        use_pytz=False,
        help_text=_("Times on every page are shown in this zone. Empty: your browser's zone."),
    )
    is_demo = models.BooleanField(
        _("demo user"),
        default=False,
        help_text=_("May sign in with one click on the login page while the demo login is on."),
    )

    def __str__(self) -> str:
        return f"{self.user}'s profile"
