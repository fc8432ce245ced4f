"""Forms of the student pages: they parse what was sent; the services decide."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from django.core.validators import MaxValueValidator
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from django import forms
from fluentory_bookings.contrib.django.adapter import get_adapter
from fluentory_bookings.contrib.django.conf import app_settings
from fluentory_bookings.contrib.django.models import LiveClassSession
from fluentory_bookings.core.errors import InvalidInterval
from fluentory_bookings.core.horizon import latest_schedulable, to_utc

__all__ = [
    "OneOnOneCancelForm",
    "OneOnOneRequestForm",
    "RescheduleForm",
    "SlotFilterForm",
    "parse_instant",
]


class SessionChoiceField(forms.ModelChoiceField):
    """Sessions labelled by title and start, in the zone active while the page renders."""

    def label_from_instance(self, obj: Any) -> str:
        start = timezone.localtime(obj.starts_at)
        left = ngettext("%(n)d seat left", "%(n)d seats left", obj.remaining_seats) % {
            "n": obj.remaining_seats
        }
        return f"{obj.title}, {date_format(start, gettext('D j M Y, H:i'))} ({left})"


_MARGIN = timedelta(days=8)


class RescheduleForm(forms.Form):
    """Which session of the same course to move to (the page offers only those)."""

    session = SessionChoiceField(
        label=_("New session"),
        queryset=LiveClassSession.objects.none(),
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={
            "required": _("Please choose a session."),
            "invalid_choice": _("Please choose one of the sessions listed."),
        },
    )

    def __init__(self, *args: Any, sessions: QuerySet[LiveClassSession], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["session"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = sessions


class InstantField(forms.CharField):
    """An aware instant in ISO 8601 with an offset, as the slot links carry it."""

    default_error_messages = {"invalid": _("Please pick a time from the list.")}

    def to_python(self, value: Any) -> datetime | None:
        text = super().to_python(value)
        if not text:
            return None
        parsed = parse_instant(text)
        if parsed is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return parsed


def parse_instant(text: str | None) -> datetime | None:
    """``text`` as an aware UTC instant, or None unless it is ISO 8601 with an offset and an
    instant ``datetime`` can hold (``9999-12-31T23:00:00-05:00`` is in year 10000 in UTC)."""
    try:
        parsed = datetime.fromisoformat(text or "")
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return None
    try:
        return to_utc(parsed, "starts_at")
    except InvalidInterval:
        return None


class OneOnOneRequestForm(forms.Form):
    """One lesson at ``starts_at``, or a weekly series of ``weeks`` lessons from it."""

    starts_at = InstantField(label=_("Start"), widget=forms.HiddenInput)
    weeks = forms.IntegerField(
        label=_("Number of weekly lessons"),
        help_text=_("1 books a single lesson; more books the same time every week."),
        initial=1,
        min_value=1,
        error_messages={"invalid": _("Please enter a whole number of weeks.")},
    )
    note = forms.CharField(
        label=_("Note for the teacher (optional)"),
        help_text=_("What you would like to work on, or anything the teacher should know."),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The limit is a setting, read when the form is built rather than at import.
        most = app_settings.MAX_SERIES_WEEKS
        field = self.fields["weeks"]
        field.widget.attrs["max"] = most
        field.validators.append(MaxValueValidator(most))


class OneOnOneCancelForm(forms.Form):
    """Cancel this lesson, or this and the following lessons of its series."""

    scope = forms.ChoiceField(
        label=_("What to cancel"),
        choices=[
            ("this", _("This lesson only")),
            ("following", _("This lesson and the following ones of the series")),
        ],
        initial="this",
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": _("Please choose what to cancel.")},
    )


class SlotFilterForm(forms.Form):
    """Which teacher and which week of open slots to show (a GET form)."""

    teacher = forms.TypedChoiceField(
        label=_("Teacher"), required=False, coerce=int, empty_value=None
    )
    week = forms.DateField(
        label=_("Week from"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": _("Please enter a date as YYYY-MM-DD.")},
    )

    # Where the previous page of a long week stopped: a start inside the week (the page's link
    # carries it; people never type it).
    after = InstantField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, teachers: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["teacher"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [("", _("Any teacher")), *teachers]

    def clean_week(self) -> date | None:
        week: date | None = self.cleaned_data.get("week")
        # Seven days from it, and the local midnights around them, must be real dates; and
        # nothing can be booked beyond the scheduling horizon, so no week there is shown.
        latest = latest_schedulable(get_adapter().now()).date()
        if week is not None and not date.min + _MARGIN <= week <= latest:
            raise forms.ValidationError(_("Please choose a nearer week."), code="out_of_range")
        return week

    def week_start(self, today: date) -> date:
        """The first day shown: the one asked for, else ``today`` (also when it is unreadable)."""
        if not self.is_bound:
            return today
        self.is_valid()  # keeps the fields that are valid, e.g. the week beside a bad teacher
        week: date | None = self.cleaned_data.get("week")
        return week or today
