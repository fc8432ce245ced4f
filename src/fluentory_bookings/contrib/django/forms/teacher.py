"""Forms of the teacher's pages. They parse what was typed into the services' arguments; the
services decide, and their typed refusals come back as errors on the field they name."""

from __future__ import annotations

from datetime import date, datetime, timedelta, tzinfo
from typing import Any

from django.utils.translation import gettext_lazy as _
from timezone_field import TimeZoneFormField

from django import forms
from fluentory_bookings.contrib.django.adapter import get_adapter
from fluentory_bookings.contrib.django.choices import AvailabilityKind
from fluentory_bookings.contrib.django.models.sessions import DESCRIPTION_MAX_LENGTH
from fluentory_bookings.contrib.django.refusals import error_message
from fluentory_bookings.contrib.django.services.inputs import MAX_REASON, shortest_slot_minutes
from fluentory_bookings.core.conflicts import MAX_SERIES_WEEKS
from fluentory_bookings.core.errors import BookingError, SeatsBelowConfirmed
from fluentory_bookings.core.horizon import local_date_in_range, require_within_horizon
from fluentory_bookings.core.zones import wall_clock_to_utc

__all__ = [
    "AttendanceForm",
    "AvailabilityForm",
    "DeclineForm",
    "LessonCancelForm",
    "MeetingLinkForm",
    "ReasonForm",
    "SessionEditForm",
    "SessionForm",
    "add_service_error",
    "weekday_names",
]

_DAY_MINUTES = 24 * 60
WEEKDAYS = [
    (0, _("Monday")),
    (1, _("Tuesday")),
    (2, _("Wednesday")),
    (3, _("Thursday")),
    (4, _("Friday")),
    (5, _("Saturday")),
    (6, _("Sunday")),
]

# Service argument -> the form field a refusal about it belongs to.
_FIELDS = {"starts_at": "start_time", "ends_at": "duration_minutes", "tz": "timezone"}


def add_service_error(form: forms.Form, exc: BookingError, message: str) -> None:
    """Show a service's refusal on the field it names (else on the whole form)."""
    field = getattr(exc, "field", None)
    if field is None and getattr(exc, "rule", None) == "past":
        field = "date"  # a start in the past: the day is what to change
    if isinstance(exc, SeatsBelowConfirmed):
        field = "total_seats"
    field = _FIELDS.get(field, field) if isinstance(field, str) else None
    form.add_error(field if field in form.fields else None, message)


class _Timed(forms.Form):
    """A start given as a local date and time in a zone, and a length in minutes."""

    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    start_time = forms.TimeField(
        label=_("Start time"), widget=forms.TimeInput(attrs={"type": "time"})
    )
    duration_minutes = forms.IntegerField(
        label=_("Length (minutes)"), min_value=1, max_value=_DAY_MINUTES, initial=60
    )
    timezone = TimeZoneFormField(label=_("Time zone"), use_pytz=False)

    def clean(self) -> dict[str, Any]:
        """Refuse, on the date, a start that no zone conversion or schedule can take: one at
        the edge of the calendar (9999-12-31 23:00 at UTC-12 is in year 10000 in UTC) or beyond
        the scheduling horizon. The service checks the horizon again; this puts it on the day."""
        data = super().clean() or {}
        if {"date", "start_time", "duration_minutes", "timezone"} <= data.keys():
            try:
                start, end = self.interval()
                for value in (start, end):
                    require_within_horizon(value, now=get_adapter().now(), field="date")
            except BookingError as exc:
                self.add_error("date", error_message(exc))
        return data

    def interval(self) -> tuple[datetime, datetime]:
        """The start read in the chosen zone (RFC 5545 at DST edges) and an exact real end.

        Raises:
            InvalidInterval: the date is at the edge of the calendar (``field="date"``).
        """
        data = self.cleaned_data
        wall = datetime.combine(local_date_in_range(data["date"], "date"), data["start_time"])
        start = wall_clock_to_utc(wall, data["timezone"], field="date")
        return start, start + timedelta(minutes=data["duration_minutes"])


class SessionForm(_Timed):
    """A new group session, or a weekly run of them."""

    # Our own empty choice: Django's ("- Select an option -") is not in every catalog.
    course = forms.ModelChoiceField(
        queryset=None,  # type: ignore[arg-type]
        label=_("Course"),
        empty_label=_("Choose a course"),
    )
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        widget=forms.Textarea,
        max_length=DESCRIPTION_MAX_LENGTH,
    )
    total_seats = forms.IntegerField(label=_("Seats"), min_value=1, initial=10)
    enable_waitlist = forms.BooleanField(label=_("Waitlist when full"), required=False)
    meeting_link = forms.CharField(
        label=_("Meeting link"), required=False, max_length=500, help_text=_("https:// only")
    )
    weeks = forms.IntegerField(
        label=_("Weeks"),
        min_value=1,
        max_value=MAX_SERIES_WEEKS,
        initial=1,
        help_text=_("More than 1: the same local time every week."),
    )

    field_order = ["course", "title", "description", "date", "start_time", "duration_minutes"]

    def __init__(self, *args: Any, courses: Any, zone: tzinfo, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["course"].queryset = courses  # type: ignore[attr-defined]
        self.fields["timezone"].initial = zone

    def arguments(self, teacher: Any) -> dict[str, Any]:
        """The keyword arguments of ``services.create_weekly_sessions``."""
        data = self.cleaned_data
        starts_at, ends_at = self.interval()
        return {
            "course": data["course"],
            "teacher": teacher,
            "title": data["title"],
            "description": data["description"],
            "starts_at": starts_at,
            "ends_at": ends_at,
            "total_seats": data["total_seats"],
            "enable_waitlist": data["enable_waitlist"],
            "meeting_link": data["meeting_link"],
            "timezone": data["timezone"],
            "weeks": data["weeks"],
        }


class SessionEditForm(_Timed):
    """The changeable fields of a session (its course and teacher stay)."""

    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        widget=forms.Textarea,
        max_length=DESCRIPTION_MAX_LENGTH,
    )
    total_seats = forms.IntegerField(label=_("Seats"), min_value=1)
    enable_waitlist = forms.BooleanField(label=_("Waitlist when full"), required=False)
    meeting_link = forms.CharField(
        label=_("Meeting link"), required=False, max_length=500, help_text=_("https:// only")
    )

    field_order = ["title", "description", "date", "start_time", "duration_minutes"]

    @classmethod
    def initial_for(cls, session: Any) -> dict[str, Any]:
        local = session.starts_at.astimezone(session.timezone)
        return {
            "title": session.title,
            "description": session.description,
            "date": local.date(),
            "start_time": local.time().replace(tzinfo=None),
            "duration_minutes": int((session.ends_at - session.starts_at).total_seconds() // 60),
            "timezone": session.timezone,
            "total_seats": session.total_seats,
            "enable_waitlist": session.enable_waitlist,
            "meeting_link": session.meeting_link,
        }

    def changes(self) -> dict[str, Any]:
        """The keyword arguments of ``services.update_session``."""
        data = self.cleaned_data
        starts_at, ends_at = self.interval()
        return {
            "title": data["title"],
            "description": data["description"],
            "starts_at": starts_at,
            "ends_at": ends_at,
            "timezone": data["timezone"],
            "total_seats": data["total_seats"],
            "enable_waitlist": data["enable_waitlist"],
            "meeting_link": data["meeting_link"],
        }


class AttendanceForm(forms.Form):
    attended = forms.TypedChoiceField(
        label=_("Attendance"),
        choices=[("yes", _("Attended")), ("no", _("No-show"))],
        coerce=lambda v: v == "yes",
    )


class ReasonForm(forms.Form):
    """The optional reason a teacher gives when cancelling or declining: the people it
    concerns read it in their e-mail."""

    reason = forms.CharField(
        label=_("Reason (optional)"),
        required=False,
        max_length=MAX_REASON,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Told to the students in their e-mail."),
    )


DeclineForm = ReasonForm
"""Declining a 1:1 request takes the same optional reason."""


class LessonCancelForm(ReasonForm):
    """Cancel one 1:1 lesson, or it and the later ones of its weekly series, with a reason."""

    scope = forms.ChoiceField(
        label=_("What to cancel"),
        choices=[
            ("this", _("This lesson only")),
            ("following", _("This lesson and the following ones of the series")),
        ],
        initial="this",
        widget=forms.RadioSelect,
    )


class MeetingLinkForm(forms.Form):
    meeting_link = forms.CharField(
        label=_("Meeting link"), required=False, max_length=500, help_text=_("https:// only")
    )


def weekday_names(numbers: Any) -> str:
    """The weekdays of ``numbers`` (0 = Monday) by name in the active language, in week order."""
    chosen = {int(n) for n in numbers or ()}
    return ", ".join(str(label) for number, label in WEEKDAYS if number in chosen)


class AvailabilityForm(forms.Form):
    """A weekly rule or a one-time window, in the teacher's own zone."""

    kind = forms.ChoiceField(label=_("Kind"), choices=AvailabilityKind.choices)
    course = forms.ModelChoiceField(
        queryset=None,  # type: ignore[arg-type]
        label=_("Course"),
        required=False,
        empty_label=_("Every 1:1 course I teach"),
    )
    timezone = TimeZoneFormField(label=_("Time zone"), use_pytz=False)
    start_date = forms.DateField(
        label=_("Date (one time) or first day (weekly)"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    end_date = forms.DateField(
        label=_("Last day (weekly, optional)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    start_time = forms.TimeField(label=_("From"), widget=forms.TimeInput(attrs={"type": "time"}))
    end_time = forms.TimeField(label=_("Until"), widget=forms.TimeInput(attrs={"type": "time"}))
    weekdays = forms.TypedMultipleChoiceField(
        label=_("Weekdays (weekly)"),
        choices=WEEKDAYS,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    excluded_dates = forms.CharField(
        label=_("Excluded dates (weekly)"),
        required=False,
        help_text=_("Dates without lessons, as YYYY-MM-DD, separated by commas."),
    )
    slot_minutes = forms.IntegerField(
        label=_("Lesson length (minutes)"), min_value=1, max_value=_DAY_MINUTES, initial=60
    )
    buffer_before_minutes = forms.IntegerField(
        label=_("Free minutes before"), min_value=0, max_value=_DAY_MINUTES, initial=0
    )
    buffer_after_minutes = forms.IntegerField(
        label=_("Free minutes after"), min_value=0, max_value=_DAY_MINUTES, initial=0
    )
    is_active = forms.BooleanField(label=_("Open for bookings"), required=False, initial=True)

    def __init__(self, *args: Any, courses: Any, zone: tzinfo, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["course"].queryset = courses  # type: ignore[attr-defined]
        self.fields["timezone"].initial = zone
        self.fields["slot_minutes"].widget.attrs["min"] = shortest_slot_minutes()

    GROUPS = (
        (
            _("What and when"),
            ("kind", "course", "timezone", "start_date", "start_time", "end_time"),
        ),
        (_("Weekly only"), ("weekdays", "end_date", "excluded_dates")),
        (
            _("Lessons"),
            ("slot_minutes", "buffer_before_minutes", "buffer_after_minutes", "is_active"),
        ),
    )
    """The fields in fieldsets, each with its legend: the fields that only a weekly rule reads
    are grouped apart, so a one-time window is not mixed with them."""

    def fieldsets(self) -> list[tuple[str, list[forms.BoundField]]]:
        """``(legend, bound fields)`` for each of :attr:`GROUPS`."""
        return [(str(legend), [self[name] for name in names]) for legend, names in self.GROUPS]

    def clean_slot_minutes(self) -> int:
        minutes: int = self.cleaned_data["slot_minutes"]
        least = shortest_slot_minutes()
        if minutes < least:
            raise forms.ValidationError(
                _("A lesson lasts at least %(minutes)s minutes."),
                code="min_value",
                params={"minutes": least},
            )
        return minutes

    @classmethod
    def initial_for(cls, availability: Any) -> dict[str, Any]:
        return {
            "kind": availability.kind,
            "course": availability.course_id,
            "timezone": availability.timezone,
            "start_date": availability.start_date,
            "end_date": availability.end_date,
            "start_time": availability.start_time,
            "end_time": availability.end_time,
            "weekdays": availability.weekdays,
            "excluded_dates": ", ".join(str(d) for d in availability.excluded_dates),
            "slot_minutes": availability.slot_minutes,
            "buffer_before_minutes": availability.buffer_before_minutes,
            "buffer_after_minutes": availability.buffer_after_minutes,
            "is_active": availability.is_active,
        }

    def clean_excluded_dates(self) -> list[date]:
        out = []
        for part in self.cleaned_data["excluded_dates"].replace(";", ",").split(","):
            if part.strip():
                try:
                    out.append(date.fromisoformat(part.strip()))
                except ValueError:
                    raise forms.ValidationError(
                        _("“%(value)s” is not a date like 2027-03-28."), params={"value": part}
                    ) from None
        return out

    def arguments(self) -> dict[str, Any]:
        """The keyword arguments of ``services.set_availability`` (but the teacher)."""
        return dict(self.cleaned_data)
