"""The API's URLs. Include them under a prefix of your choice::

    path("api/", include("fluentory_bookings.contrib.django.api.urls")),

and reverse them with the namespace, e.g. ``reverse("fluentory_bookings_api:group-booking-list")``.
"""

from __future__ import annotations

from django.urls import path, re_path
from rest_framework.routers import SimpleRouter

from fluentory_bookings.contrib.django.api import views

app_name = "fluentory_bookings_api"

router = SimpleRouter()
router.register("sessions", views.SessionViewSet, basename="session")
router.register("bookings/group", views.GroupBookingViewSet, basename="group-booking")
router.register("bookings/one-on-one", views.LessonViewSet, basename="one-on-one-booking")
router.register("availability", views.AvailabilityViewSet, basename="availability")
router.register("slots", views.SlotViewSet, basename="slot")

feeds = views.CalendarFeedViewSet

urlpatterns = [
    *router.urls,
    # One feed per kind, named by its kind rather than an id: routes of their own.
    path("calendar-feeds/", feeds.as_view({"get": "list"}), name="calendar-feed-list"),
    path(
        "calendar-feeds/<str:kind>/",
        feeds.as_view({"post": "create", "delete": "destroy"}),
        name="calendar-feed-detail",
    ),
    re_path(r"", views.NoSuchPath.as_view()),
]
