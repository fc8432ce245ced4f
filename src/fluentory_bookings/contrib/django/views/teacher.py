"""Teacher pages: the schedule of group sessions, rosters, availability, 1:1 requests."""

from __future__ import annotations

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
