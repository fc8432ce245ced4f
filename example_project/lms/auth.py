"""Loads the signed-in user with their profile and whether they teach, in Django's one query.

Every page reads the user's zone (the booking pages through the adapter) and the header asks
whether to show the teaching links: joined here, neither costs a query of its own.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db.models import Exists, OuterRef

from lms.models import CourseTeacher


class LmsBackend(ModelBackend):
    def get_user(self, user_id):
        user = (
            get_user_model()
            ._default_manager.select_related("profile")
            .annotate(teaches=Exists(CourseTeacher.objects.filter(teacher=OuterRef("pk"))))
            .filter(pk=user_id)
            .first()
        )
        return user if user is not None and self.user_can_authenticate(user) else None
