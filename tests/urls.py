"""The example LMS's URLs plus the REST API under ``api/``, as a host would include it."""

from django.urls import include, path

from example_project.urls import urlpatterns as site

urlpatterns = [*site, path("api/", include("fluentory_bookings.contrib.django.api.urls"))]
