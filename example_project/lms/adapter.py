"""How the example LMS answers fluentory-bookings' questions: only enrolled students may book,
and times are shown in the zone on the user's profile."""

from datetime import tzinfo

from fluentory_bookings.contrib.django.adapter import DefaultBookingAdapter
from lms.models import Enrollment, UserProfile


class LmsBookingAdapter(DefaultBookingAdapter):
    def can_book(self, student, course) -> bool:
        return (
            super().can_book(student, course)
            and Enrollment.objects.filter(course=course, student=student).exists()
        )

    def get_user_timezone(self, user) -> tzinfo | None:
        # The signed-in user arrives with the profile joined (lms.auth): no query here.
        try:
            return user.profile.timezone
        except UserProfile.DoesNotExist:
            return None
