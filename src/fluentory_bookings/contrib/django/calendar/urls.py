"""The calendar doors' URLs, included by the app's ``urls.py`` under its namespace."""

from __future__ import annotations

from django.urls import URLPattern, path

from fluentory_bookings.contrib.django.calendar import views

__all__ = ["urlpatterns"]

urlpatterns: list[URLPattern] = [
    path("feeds/<str:token>.ics", views.calendar_feed, name="calendar_feed"),
    path("calendar/seats/<int:booking_id>.ics", views.seat_ics, name="calendar_seat_ics"),
    path("calendar/lessons/<int:booking_id>.ics", views.lesson_ics, name="calendar_lesson_ics"),
    path("calendar/sessions/<int:session_id>.ics", views.session_ics, name="calendar_session_ics"),
    path("calendar/feeds/<str:kind>/new/", views.feed_create, name="calendar_feed_create"),
    path("calendar/feeds/<str:kind>/revoke/", views.feed_revoke, name="calendar_feed_revoke"),
]
