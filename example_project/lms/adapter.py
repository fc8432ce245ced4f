"""How the example LMS answers fluentory-bookings' questions: only enrolled students may book."""

from fluentory_bookings.contrib.django.adapter import DefaultBookingAdapter
from lms.models import Enrollment


class LmsBookingAdapter(DefaultBookingAdapter):
    def can_book(self, student, course) -> bool:
        return (
            super().can_book(student, course)
            and Enrollment.objects.filter(course=course, student=student).exists()
        )
