"""The one door between fluentory-bookings and the host LMS.

Everything the library must ask the host goes through an adapter: who teaches a course, who may
book it, which booking type and approval rule apply, the user's time zone, meeting links and
notifications. Subclass :class:`DefaultBookingAdapter`, override what differs in your LMS, and
name your class in ``FLUENTORY_BOOKINGS_ADAPTER``. Never monkeypatch.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timedelta, tzinfo
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.utils import timezone
from django.utils.module_loading import import_string

from fluentory_bookings.contrib.django.conf import app_settings
from fluentory_bookings.core.errors import BookingError, InvalidTimezone
from fluentory_bookings.core.policy import (
    BookingType,
    CoursePolicy,
    Deadlines,
    parse_booking_type,
    resolve_requires_approval,
)
from fluentory_bookings.core.zones import resolve_zone

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser
    from django.db.models import Model, QuerySet

    from fluentory_bookings.contrib.django.models import (
        BookingReminder,
        LiveClassSession,
        OneOnOneBooking,
    )
    from fluentory_bookings.contrib.django.notifications.messages import Notification


class DefaultBookingAdapter:
    """Reads the fields of the shipped mixins; override any method to fit your LMS.

    The default expects the course model to have the fields of
    :class:`~fluentory_bookings.contrib.django.mixins.BookableCourseMixin` and, when
    ``FLUENTORY_BOOKINGS_COURSE_TEACHER_MODEL`` is set, a course/teacher model with ``course``,
    ``teacher`` and ``requires_booking_approval`` (see ``CourseTeacherBookingMixin``).
    """

    # --- time ---------------------------------------------------------------------------------
    def now(self) -> datetime:
        """The current instant (aware). Override to freeze time in your own tests."""
        return timezone.now()

    def get_user_timezone(self, user: AbstractBaseUser) -> tzinfo | None:
        """The user's own zone: ``user.profile.timezone`` or ``user.timezone`` if present."""
        for holder in (getattr(user, "profile", None), user):
            value = getattr(holder, "timezone", None) if holder is not None else None
            if value:
                try:
                    return resolve_zone(value if isinstance(value, str) else str(value))
                except InvalidTimezone:
                    return None
        return None

    # --- course policy ------------------------------------------------------------------------
    def get_booking_type(self, course: Model) -> BookingType:
        return parse_booking_type(getattr(course, "booking_type", BookingType.NONE))

    def get_deadlines(self, course: Model) -> Deadlines:
        """Deadlines for a course; the default takes them from settings for every course."""
        return Deadlines(
            minimum_notice=app_settings.MINIMUM_NOTICE,
            booking_horizon=app_settings.BOOKING_HORIZON,
            cancellation_cutoff=app_settings.CANCELLATION_CUTOFF,
            reschedule_cutoff=app_settings.RESCHEDULE_CUTOFF,
            pending_expiry=app_settings.PENDING_EXPIRY,
        )

    def get_course_policy(self, course: Model) -> CoursePolicy:
        return CoursePolicy(
            booking_type=self.get_booking_type(course),
            requires_booking_approval=getattr(course, "requires_booking_approval", None),
            deadlines=self.get_deadlines(course),
        )

    def get_teacher_approval_override(
        self, course: Model, teacher: AbstractBaseUser
    ) -> bool | None:
        if _course_teacher_model() is None:
            return None
        link = _course_teacher_link(course, teacher)
        return link[0] if link else None

    def requires_approval(self, course: Model, teacher: AbstractBaseUser) -> bool:
        """Teacher override, else the course setting, else the platform default."""
        return resolve_requires_approval(
            teacher_override=self.get_teacher_approval_override(course, teacher),
            course_setting=getattr(course, "requires_booking_approval", None),
            platform_default=app_settings.REQUIRE_APPROVAL_DEFAULT,
        )

    # --- people -------------------------------------------------------------------------------
    def is_staff(self, user: AbstractBaseUser) -> bool:
        return bool(getattr(user, "is_staff", False))

    def is_teacher(self, user: AbstractBaseUser, course: Model) -> bool:
        """Whether ``user`` teaches ``course``: a course/teacher row, else ``course.teacher``."""
        if user is None or not getattr(user, "is_authenticated", False):
            return False
        if _course_teacher_model() is not None:
            return _course_teacher_link(course, user) is not None
        return bool(getattr(course, "teacher_id", None) == user.pk)

    def get_taught_courses(self, user: AbstractBaseUser) -> QuerySet[Any]:
        """The courses ``user`` teaches, for the teacher's pages (agree with ``is_teacher``):
        the course/teacher rows, else ``course.teacher``."""
        from fluentory_bookings.contrib.django.conf import get_course_model

        courses = get_course_model()._default_manager.all()
        if user is None or not getattr(user, "is_authenticated", False):
            return courses.none()
        link = _course_teacher_model()
        if link is not None:
            return courses.filter(
                pk__in=link._default_manager.filter(teacher=user).values("course")
            )
        if any(f.name == "teacher" for f in courses.model._meta.get_fields()):
            return courses.filter(teacher=user)
        return courses.none()

    def can_offer_one_on_one(self, user: AbstractBaseUser) -> bool:
        """Whether ``user`` may publish availability open to every 1:1 course they teach
        (``course`` left empty), and whether such availability is listed.

        The default: they teach at least one course that takes 1:1 lessons, so every slot they
        publish can be booked somewhere. A user who teaches nothing publishes nothing.
        """
        return any(
            self.get_booking_type(course) == BookingType.ONE_ON_ONE
            for course in self.get_taught_courses(user).iterator()
        )

    def can_book(self, student: AbstractBaseUser, course: Model) -> bool:
        """Whether ``student`` may book ``course`` (enrolment). The default: any active user."""
        return bool(getattr(student, "is_active", False))

    # --- hooks --------------------------------------------------------------------------------
    def generate_meeting_link(self, booking: OneOnOneBooking | LiveClassSession) -> str:
        """A meeting link for a new booking; the default reuses none (the teacher sets it)."""
        return ""

    def get_external_busy(
        self, teacher: AbstractBaseUser, start: datetime, end: datetime
    ) -> list[tuple[datetime, datetime]]:
        """The teacher's busy time outside this app (e.g. a synced calendar) in [start, end)."""
        return []

    # --- words ------------------------------------------------------------------------------
    def refusal_message(self, exc: BookingError) -> str:
        """The one sentence people see when a use case refuses with ``exc`` (pages, API
        ``message``, admin, form errors).

        The default is the shipped, translated sentence for the error's rule, reason or code
        (``fluentory_bookings.contrib.django.refusals``). Override to reword some, e.g.
        ``if exc.code == "policy_violation" and exc.rule is Rule.ENROLLMENT: return _("...")``,
        and return ``super().refusal_message(exc)`` for the rest.
        """
        from fluentory_bookings.contrib.django.refusals import default_message

        return default_message(exc)

    # --- notifications ------------------------------------------------------------------------
    def get_user_language(self, user: AbstractBaseUser) -> str | None:
        """The language to write to ``user`` in: ``user.profile.language`` or ``user.language``
        if present, else ``None`` (the site's ``LANGUAGE_CODE``)."""
        for holder in (getattr(user, "profile", None), user):
            value = getattr(holder, "language", None) if holder is not None else None
            if value:
                return str(value)
        return None

    def send_notification(self, notification: Notification) -> None:
        """Deliver one notification of a booking event (see ``notifications.messages``).

        The default e-mails it (plain text and HTML from the ``fluentory_bookings/email/``
        templates, with an .ics invitation). Override to route some or all notifications to
        another channel (SMS, push, in-app); raise to report a failure.
        """
        from fluentory_bookings.contrib.django.notifications.email import send_email

        send_email(notification)

    # --- reminders ----------------------------------------------------------------------------
    def get_reminder_offsets(self, course: Model) -> Sequence[timedelta]:
        """How long before a confirmed booking of ``course`` starts each reminder is due.

        The default: ``FLUENTORY_BOOKINGS_REMINDER_OFFSETS`` for every course. Return ``()``
        for a course whose students get no reminders.
        """
        return tuple(app_settings.REMINDER_OFFSETS)

    def send_reminder(self, reminder: BookingReminder) -> None:
        """Deliver one due reminder; raise to have it retried (see ``notifications.dispatch``).

        The default makes it the ``reminder`` notification to the student, which reaches
        :meth:`send_notification` (an e-mail from the ``fluentory_bookings/email/reminder``
        templates, unless you route it elsewhere there). Override to treat reminders alone
        differently.
        """
        from fluentory_bookings.contrib.django.notifications.messages import build, deliver

        booking = reminder.booking
        if booking is not None:  # the database guarantees one of the two
            deliver(build("reminder", booking, booking.student))


@lru_cache(maxsize=8)
def _load_adapter(path: str) -> DefaultBookingAdapter:
    cls = import_string(path)
    return cls()


def get_adapter() -> DefaultBookingAdapter:
    """The adapter instance named by ``FLUENTORY_BOOKINGS_ADAPTER``."""
    return _load_adapter(app_settings.ADAPTER)


def _course_teacher_model() -> Any:
    label = app_settings.COURSE_TEACHER_MODEL
    return apps.get_model(label) if label else None


_links: ContextVar[dict[tuple[Any, Any], tuple[bool | None] | None] | None] = ContextVar(
    "fluentory_bookings_course_teacher_links", default=None
)


@contextmanager
def course_teacher_links_read_once() -> Iterator[None]:
    """Within the block, the default adapter reads each course/teacher link once.

    A use case that asks both ``is_teacher`` and ``requires_approval`` about the same pair
    (a 1:1 request) then costs one round trip for the link instead of two. Only for the length
    of one use case: a link may change between calls.
    """
    token = _links.set({})
    try:
        yield
    finally:
        _links.reset(token)


def _course_teacher_link(course: Any, teacher: Any) -> tuple[bool | None] | None:
    """``(requires_booking_approval,)`` of the course/teacher row, or None if there is none."""
    memo = _links.get()
    key = (getattr(course, "pk", course), getattr(teacher, "pk", teacher))
    if memo is not None and key in memo:
        return memo[key]
    found = list(
        _course_teacher_model()
        ._default_manager.filter(course=course, teacher=teacher)
        .values_list("requires_booking_approval")[:1]
    )
    link = found[0] if found else None
    if memo is not None:
        memo[key] = link
    return link
