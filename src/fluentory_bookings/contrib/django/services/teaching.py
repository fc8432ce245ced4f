"""Who teaches what: the one rule every page, API view, calendar view and service asks.

A teacher's powers follow the host LMS at the time of the request, through the adapter's
``is_teacher(user, course)``:

- **Group sessions** belong to their course. Every teacher of the course may manage every one of
  its sessions (roster, seats, attendance, link, time, cancelling): the session's own teacher and
  a co-teacher alike, so that a colleague can stand in.
- **1:1 lessons** belong to their teacher: only that teacher may approve, decline, cancel as the
  teacher or set the link, and only while they teach the lesson's course.
- **A teacher the LMS removed from a course** keeps no power over it from that moment, not even
  over sessions they created or lessons booked with them: its sessions and lessons leave their
  pages, their API lists and their teaching feed. Staff (the adapter's ``is_staff``) keep theirs.

Nothing here is cached between requests: a link may change at any time.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import QuerySet

from fluentory_bookings.contrib.django.adapter import get_adapter
from fluentory_bookings.contrib.django.models import LiveClassSession, OneOnOneBooking
from fluentory_bookings.core.approvals import Actor

__all__ = [
    "lesson_role",
    "lessons_taught_by",
    "seat_role",
    "sessions_taught_by",
    "teaches",
    "teaches_lesson",
    "teaches_session",
]


def _signed_in(user: Any) -> bool:
    return user is not None and bool(getattr(user, "is_authenticated", False))


def teaches(user: Any, course: Any) -> bool:
    """Whether ``user`` teaches ``course`` now (the adapter's ``is_teacher``)."""
    return _signed_in(user) and bool(get_adapter().is_teacher(user, course))


def teaches_session(user: Any, session: LiveClassSession) -> bool:
    """Whether ``user`` has a teacher's powers over a group session: they teach its course."""
    return teaches(user, session.course)


def teaches_lesson(user: Any, lesson: OneOnOneBooking) -> bool:
    """Whether ``user`` is the lesson's teacher and still teaches its course."""
    return (
        _signed_in(user)
        and lesson.teacher_id == getattr(user, "pk", None)
        and teaches(user, lesson.course)
    )


def sessions_taught_by(user: Any) -> QuerySet[LiveClassSession]:
    """The group sessions ``user`` may manage: those of the courses they teach (any status).

    One query with the adapter's ``get_taught_courses`` as a subquery, so it agrees with
    :func:`teaches_session` for every row.
    """
    if not _signed_in(user):
        return LiveClassSession.objects.none()
    courses = get_adapter().get_taught_courses(user)
    return LiveClassSession.objects.filter(course__in=courses.values("pk"))


def lessons_taught_by(user: Any) -> QuerySet[OneOnOneBooking]:
    """The 1:1 lessons ``user`` gives in a course they still teach (agrees with
    :func:`teaches_lesson`)."""
    if not _signed_in(user):
        return OneOnOneBooking.objects.none()
    courses = get_adapter().get_taught_courses(user)
    return OneOnOneBooking.objects.filter(teacher_id=user.pk, course__in=courses.values("pk"))


def seat_role(user: Any, session: LiveClassSession, *, student_id: Any = None) -> Actor | None:
    """The role ``user`` plays towards a session (or a seat of ``student_id`` in it).

    The seat's student acts as the student; a teacher of the course as the teacher; staff as
    staff; anyone else is a stranger (``None``).
    """
    return _role(user, student_id, lambda: teaches_session(user, session))


def lesson_role(user: Any, lesson: OneOnOneBooking) -> Actor | None:
    """The role ``user`` plays towards a 1:1 lesson: its student, its teacher (while they teach
    the course), staff, or a stranger (``None``)."""
    return _role(user, lesson.student_id, lambda: teaches_lesson(user, lesson))


def _role(user: Any, student_id: Any, teaches_it: Callable[[], bool]) -> Actor | None:
    # The cheap comparison first: a student acting on their own booking costs no query.
    if not _signed_in(user) or getattr(user, "pk", None) is None:
        return None
    if student_id is not None and user.pk == student_id:
        return Actor.STUDENT
    if teaches_it():
        return Actor.TEACHER
    if get_adapter().is_staff(user):
        return Actor.STAFF
    return None
