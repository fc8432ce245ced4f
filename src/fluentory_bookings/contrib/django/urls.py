"""The student and teacher pages. Include them under a prefix of your choice::

    path("bookings/", include("fluentory_bookings.contrib.django.urls")),

and reverse them with the app namespace, e.g. ``reverse("fluentory_bookings:student_bookings")``.
"""

from __future__ import annotations

from fluentory_bookings.contrib.django.calendar import urls as calendar
from fluentory_bookings.contrib.django.views import student, teacher

app_name = "fluentory_bookings"

urlpatterns = [*student.urlpatterns, *teacher.urlpatterns, *calendar.urlpatterns]
