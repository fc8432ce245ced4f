"""Student pages: book and leave group sessions, book and cancel 1:1 lessons, one list of both."""

from __future__ import annotations

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
