"""The admin: lists with filters and search, and actions that go through the services.

Bookings are never added or edited as raw rows here: a seat counter or a waitlist edited by
hand is exactly the drift the services exist to prevent. Actions call a service per row and
report each typed refusal as a message, so one refused row does not undo the others.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from django.contrib import admin, messages
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from django import forms
from fluentory_bookings.contrib.django import services
from fluentory_bookings.contrib.django.admin_lists import ScalableAdmin
from fluentory_bookings.contrib.django.models import (
    Booking,
    BookingReminder,
    LiveClassSession,
    OneOnOneBooking,
    TeacherAvailability,
)
from fluentory_bookings.core.errors import BookingError


def run_for_each(
    modeladmin: admin.ModelAdmin,
    request: HttpRequest,
    queryset: QuerySet[Any],
    action: Callable[[Any], Any],
    done: str,
) -> None:
    """Apply ``action`` to every selected row; report successes once and each refusal."""
    ok = 0
    for obj in queryset:
        try:
            action(obj)
        except BookingError as exc:
            modeladmin.message_user(request, f"{obj}: {exc.message}", messages.ERROR)
        else:
            ok += 1
    if ok:
        modeladmin.message_user(
            request, ngettext("%(n)d %(what)s.", "%(n)d %(what)s.", ok) % {"n": ok, "what": done}
        )


class _RollBack(Exception):
    pass


def dry_run(call: Callable[[], Any]) -> BookingError | None:
    """Run a service call in a savepoint that is always rolled back; return its refusal, if any.

    Lets a form show a service's typed error next to the fields, before anything is saved.
    Signals queued with on_commit inside are discarded with the savepoint.
    """
    try:
        with transaction.atomic():
            call()
            raise _RollBack
    except BookingError as exc:
        return exc
    except _RollBack:
        return None


def booking_error_to_form(form: forms.ModelForm, exc: BookingError) -> None:
    form.add_error(None, exc.message)


# --- group sessions ----------------------------------------------------------------------------


# What create_session / update_session take; the admin adds read-only fields to its form.
SESSION_FIELDS = (
    "course",
    "teacher",
    "title",
    "description",
    "starts_at",
    "ends_at",
    "timezone",
    "total_seats",
    "enable_waitlist",
    "meeting_link",
)


class LiveClassSessionForm(forms.ModelForm):
    class Meta:
        model = LiveClassSession
        fields = SESSION_FIELDS
        # Links must be https anyway; also silences Django 5.2's change-of-default warning.
        field_classes = {"meeting_link": partial(forms.URLField, assume_scheme="https")}

    acting_user: Any = None

    def call_service(self, session: LiveClassSession | None) -> LiveClassSession:
        data = {f: self.cleaned_data[f] for f in SESSION_FIELDS}
        data["timezone"] = str(data["timezone"])
        if session is None:
            return services.create_session(**data)
        changed = {f: data[f] for f in self.changed_data if f in data}
        return services.update_session(session, self.acting_user, **changed)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.errors:
            session = self.instance if self.instance.pk else None
            error = dry_run(lambda: self.call_service(session))
            if error is not None:
                booking_error_to_form(self, error)
        return data


@admin.register(LiveClassSession)
class LiveClassSessionAdmin(ScalableAdmin):
    form = LiveClassSessionForm
    list_display = [
        "title",
        "course",
        "teacher",
        "starts_at",
        "status",
        "seats",
        "remaining_seats",
        "enable_waitlist",
    ]
    list_filter = ["status", "enable_waitlist", "starts_at"]
    search_fields = ["title", "teacher__username", "teacher__email"]
    list_select_related = ["course", "teacher"]
    date_hierarchy = "starts_at"
    sortable_by = ["starts_at"]  # fb_session_start; the other columns have no index to sort on
    readonly_fields = ["status", "seats_taken", "remaining_seats"]
    raw_id_fields = ["teacher"]
    actions = ["cancel_sessions"]

    @admin.display(description=_("seats taken"), ordering="seats_taken")
    def seats(self, obj: LiveClassSession) -> str:
        return f"{obj.seats_taken} / {obj.total_seats}"

    @admin.display(description=_("remaining seats"))
    def remaining_seats(self, obj: LiveClassSession) -> int:
        return obj.remaining_seats

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        form.acting_user = request.user
        return form

    def save_model(
        self, request: HttpRequest, obj: LiveClassSession, form: Any, change: bool
    ) -> None:
        try:
            fresh = form.call_service(obj if change else None)
        except BookingError as exc:  # a race since clean(): rare, but say so
            self.message_user(request, exc.message, messages.ERROR)
            return
        obj.pk = fresh.pk
        obj.refresh_from_db()

    @admin.action(description=_("Cancel selected sessions (and every booking in them)"))
    def cancel_sessions(self, request: HttpRequest, queryset: QuerySet[LiveClassSession]) -> None:
        run_for_each(
            self,
            request,
            queryset,
            lambda s: services.cancel_session(s, request.user),
            str(_("sessions cancelled")),
        )


class ReadOnlyBookingAdminMixin:
    """Booking rows change only through actions (services), never through a raw form."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Booking)
class BookingAdmin(ReadOnlyBookingAdminMixin, ScalableAdmin):
    list_display = ["student", "session", "status", "waitlist_position", "created"]
    ordering = ["-pk"]  # newest first, read backwards along the primary key
    sortable_by: list[str] = []
    list_filter = ["status", "session__course"]
    search_fields = ["student__username", "student__email", "session__title"]
    list_select_related = ["student", "session"]
    actions = ["cancel_bookings", "mark_attended", "mark_no_show"]

    @admin.action(description=_("Cancel selected bookings (promotes the waitlist)"))
    def cancel_bookings(self, request: HttpRequest, queryset: QuerySet[Booking]) -> None:
        run_for_each(
            self,
            request,
            queryset,
            lambda b: services.cancel_group_booking(b, request.user),
            str(_("bookings cancelled")),
        )

    @admin.action(description=_("Mark selected as attended"))
    def mark_attended(self, request: HttpRequest, queryset: QuerySet[Booking]) -> None:
        run_for_each(
            self,
            request,
            queryset,
            lambda b: services.mark_attendance(b, True, request.user),
            str(_("marked attended")),
        )

    @admin.action(description=_("Mark selected as no-show"))
    def mark_no_show(self, request: HttpRequest, queryset: QuerySet[Booking]) -> None:
        run_for_each(
            self,
            request,
            queryset,
            lambda b: services.mark_attendance(b, False, request.user),
            str(_("marked no-show")),
        )


# --- 1:1 ---------------------------------------------------------------------------------------


AVAILABILITY_FIELDS = (
    "teacher",
    "course",
    "timezone",
    "kind",
    "start_date",
    "end_date",
    "start_time",
    "end_time",
    "weekdays",
    "excluded_dates",
    "slot_minutes",
    "buffer_before_minutes",
    "buffer_after_minutes",
    "is_active",
)


class TeacherAvailabilityForm(forms.ModelForm):
    class Meta:
        model = TeacherAvailability
        fields = AVAILABILITY_FIELDS

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        # The core rule is the validator: what it cannot expand is not saved.
        candidate = TeacherAvailability(
            **{k: v for k, v in data.items() if k in AVAILABILITY_FIELDS}
        )
        try:
            candidate.rule()
        except BookingError as exc:
            booking_error_to_form(self, exc)
        return data


@admin.register(TeacherAvailability)
class TeacherAvailabilityAdmin(ScalableAdmin):
    form = TeacherAvailabilityForm
    list_display = [
        "teacher",
        "course",
        "kind",
        "start_date",
        "end_date",
        "start_time",
        "end_time",
        "timezone",
        "slot_minutes",
        "is_active",
    ]
    list_filter = ["kind", "is_active"]
    search_fields = ["teacher__username", "teacher__email"]
    list_select_related = ["teacher", "course"]
    raw_id_fields = ["teacher"]

    def save_model(
        self, request: HttpRequest, obj: TeacherAvailability, form: Any, change: bool
    ) -> None:
        data = {f: form.cleaned_data[f] for f in AVAILABILITY_FIELDS if f != "teacher"}
        fresh = services.set_availability(
            form.cleaned_data["teacher"], availability=obj if change else None, **data
        )
        obj.pk = fresh.pk
        obj.refresh_from_db()


@admin.register(OneOnOneBooking)
class OneOnOneBookingAdmin(ReadOnlyBookingAdminMixin, ScalableAdmin):
    list_display = ["student", "teacher", "course", "starts_at", "status", "is_recurring"]
    list_filter = ["status", "is_recurring", "course"]
    search_fields = ["student__username", "student__email", "teacher__username", "teacher__email"]
    list_select_related = ["student", "teacher", "course"]
    date_hierarchy = "starts_at"
    sortable_by = ["starts_at"]  # fb_1on1_start
    actions = ["approve", "decline", "cancel", "mark_completed", "mark_no_show"]

    @admin.action(description=_("Approve selected requests"))
    def approve(self, request: HttpRequest, queryset: QuerySet[OneOnOneBooking]) -> None:
        run_for_each(
            self,
            request,
            queryset,
            lambda b: services.approve_one_on_one(b, request.user),
            str(_("approved")),
        )

    @admin.action(description=_("Decline selected requests"))
    def decline(self, request: HttpRequest, queryset: QuerySet[OneOnOneBooking]) -> None:
        run_for_each(
            self,
            request,
            queryset,
            lambda b: services.decline_one_on_one(b, request.user, str(_("Declined by staff"))),
            str(_("declined")),
        )

    @admin.action(description=_("Cancel selected bookings"))
    def cancel(self, request: HttpRequest, queryset: QuerySet[OneOnOneBooking]) -> None:
        run_for_each(
            self,
            request,
            queryset,
            lambda b: services.cancel_one_on_one(b, request.user),
            str(_("cancelled")),
        )

    @admin.action(description=_("Mark selected as completed (attended)"))
    def mark_completed(self, request: HttpRequest, queryset: QuerySet[OneOnOneBooking]) -> None:
        run_for_each(
            self,
            request,
            queryset,
            lambda b: services.complete_one_on_one(b, request.user),
            str(_("marked completed")),
        )

    @admin.action(description=_("Mark selected as no-show"))
    def mark_no_show(self, request: HttpRequest, queryset: QuerySet[OneOnOneBooking]) -> None:
        run_for_each(
            self,
            request,
            queryset,
            lambda b: services.complete_one_on_one(b, request.user, no_show=True),
            str(_("marked no-show")),
        )


@admin.register(BookingReminder)
class BookingReminderAdmin(ScalableAdmin):
    list_display = ["remind_at", "sent_at", "group_booking", "one_on_one_booking"]
    list_filter = [("sent_at", admin.EmptyFieldListFilter)]
    list_select_related = [
        "group_booking__student",
        "group_booking__session",
        "one_on_one_booking__student",
        "one_on_one_booking__teacher",
    ]
    raw_id_fields = ["group_booking", "one_on_one_booking"]
    # Newest first along the primary key; no date drill-down, which would need a remind_at index
    # that every reminder write pays for.
    ordering = ["-pk"]
    sortable_by: list[str] = []
