"""Who may see and do what: the pages' rules, as querysets and DRF permission classes.

An object the caller may not see is a 404, never a 403: an id reveals nothing. What a caller
may see but not do (a student approving their own request) is left to the service, which
refuses with a typed error.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from rest_framework.permissions import IsAuthenticated

from fluentory_bookings.contrib.django.models import (
    Booking,
    FeedKind,
    OneOnOneBooking,
    TeacherAvailability,
)
from fluentory_bookings.contrib.django.services import teaching

__all__ = [
    "Authenticated",
    "feed_kinds",
    "lessons_of",
    "lessons_taught_by",
    "own_availabilities",
    "seats_of",
    "seats_visible_to",
]


class Authenticated(IsAuthenticated):
    """Every endpoint needs a user; how they log in is the host's DRF authentication."""


def seats_of(user: Any) -> QuerySet[Booking]:
    """The user's own group bookings (the student pages' rule)."""
    return Booking.objects.filter(student_id=user.pk)


def seats_visible_to(user: Any, pk: int) -> Booking | None:
    """A group booking the user holds or teaches (a roster row), else None."""
    booking = Booking.objects.select_related("session__course").filter(pk=pk).first()
    if booking is None:
        return None
    if booking.student_id == user.pk or teaching.teaches_session(user, booking.session):
        return booking
    return None


def lessons_of(user: Any) -> QuerySet[OneOnOneBooking]:
    """1:1 bookings the user takes, or gives in a course they still teach."""
    taught = teaching.lessons_taught_by(user).values("pk")
    return OneOnOneBooking.objects.filter(Q(student_id=user.pk) | Q(pk__in=taught))


def lessons_taught_by(user: Any) -> QuerySet[OneOnOneBooking]:
    """1:1 bookings the user gives: the only ones they may approve, decline or link."""
    return teaching.lessons_taught_by(user)


def own_availabilities(user: Any) -> QuerySet[TeacherAvailability]:
    """A teacher edits and lists only their own availability."""
    return TeacherAvailability.objects.filter(teacher_id=user.pk)


def feed_kinds(user: Any) -> tuple[FeedKind, ...]:
    """The calendar feeds the user may have: both, for every user, as on the pages.

    *My bookings* carries the student feed's box and the teacher pages, which every signed-in
    user may open, the teaching feed's; the buttons accept either kind from anyone signed in.
    A feed of someone with nothing in it is an empty calendar, which reveals nothing.
    """
    return (FeedKind.STUDENT, FeedKind.TEACHER)
