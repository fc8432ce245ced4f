"""The host's own models: a course, who teaches it, who is enrolled."""

from django.conf import settings
from django.db import models

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
