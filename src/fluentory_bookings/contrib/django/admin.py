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
from django.utils.translation import gettext, ngettext_lazy
from django.utils.translation import gettext_lazy as _

from django import forms
from fluentory_bookings.contrib.django import services
from fluentory_bookings.contrib.django.admin_lists import ScalableAdmin
from fluentory_bookings.contrib.django.models import (
    Booking,
    BookingReminder,
    FeedToken,
    LiveClassSession,
    OneOnOneBooking,
    TeacherAvailability,
)
from fluentory_bookings.contrib.django.refusals import error_message
from fluentory_bookings.contrib.django.services import isolation
from fluentory_bookings.core.errors import BookingError


def run_for_each(
    modeladmin: admin.ModelAdmin,
    request: HttpRequest,
    queryset: QuerySet[Any],
    action: Callable[[Any], Any],
    done: Any,
) -> None:
    """Apply ``action`` to every selected row; report successes once and each refusal.

    ``done`` is an ``ngettext_lazy`` sentence keyed on ``count``: a whole sentence per action,
    since languages inflect the noun and the verb with the number.
    """
    ok = 0
    for obj in queryset:
        try:
            action(obj)
        except BookingError as exc:
            modeladmin.message_user(request, f"{obj}: {staff_message(exc)}", messages.ERROR)
        else:
            ok += 1
    if ok:
        modeladmin.message_user(request, done % {"count": ok})


def staff_message(exc: BookingError) -> str:
    """The pages' translated sentence, then the engine's own (English) detail for staff."""
    return gettext("%(message)s (%(detail)s)") % {
        "message": error_message(exc),
        "detail": exc.message,
    }


class _RollBack(Exception):
    pass


def dry_run(call: Callable[[], Any]) -> BookingError | None:
    """Run a service call in a savepoint that is always rolled back; return its refusal, if any.

    Lets a form show a service's typed error next to the fields, before anything is saved.
    Signals queued with on_commit inside are discarded with the savepoint.
    """
    try:
        with isolation.predicting(), transaction.atomic():
            call()
            raise _RollBack
    except BookingError as exc:
        return exc
    except _RollBack:
        return None


def booking_error_to_form(form: forms.ModelForm, exc: BookingError) -> None:
    field = getattr(exc, "field", None)
    form.add_error(field if field in form.fields else None, staff_message(exc))


class ServiceFormAdminMixin:
    """For admins whose ``save_model`` calls a service: the service is the transaction.

    Django wraps a whole add/change POST in one transaction; a service inside it could not
    take its locks before its snapshot at REPEATABLE READ or SERIALIZABLE, so it would refuse.
    """

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> Any:
        return self._changeform_view(  # type: ignore[attr-defined]
            request, object_id, form_url, extra_context
        )


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

    def service_arguments(self) -> dict[str, Any]:
        # A change form has no course or teacher field: a session keeps both.
        data = {f: self.cleaned_data[f] for f in SESSION_FIELDS if f in self.cleaned_data}
        data["timezone"] = str(data["timezone"])
        return data

    def call_service(self, session: LiveClassSession | None) -> LiveClassSession:
        data = self.service_arguments()
        if session is None:
            return services.create_session(**data)
        changed = {f: data[f] for f in self.changed_data if f in data}
        return services.update_session(session, self.acting_user, **changed)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.errors:
            error = dry_run(self.check_service)
            if error is not None:
                booking_error_to_form(self, error)
        return data

    def check_service(self) -> None:
        """What saving would refuse, with no side effect outside the database (a new
        session's meeting link is generated once, by the real save)."""
        if self.instance.pk:
            self.call_service(self.instance)
        else:
            services.check_new_session(**self.service_arguments())


@admin.register(LiveClassSession)
class LiveClassSessionAdmin(ServiceFormAdminMixin, ScalableAdmin):
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

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # update_session cannot move a session to another course or teacher.
        fixed = ["course", "teacher"] if obj is not None else []
        return [*super().get_readonly_fields(request, obj), *fixed]

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
            self.message_user(request, staff_message(exc), messages.ERROR)
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
            ngettext_lazy("%(count)d session cancelled.", "%(count)d sessions cancelled.", "count"),
        )


class ReadOnlyBookingAdminMixin:
    """Booking rows change only through actions (services), never through a raw form.

    There is no bulk "Delete selected": cancel instead, which keeps the history. One row may
    still be deleted (from its page, or with its student's account or its session in another
    admin): deleting goes through the services' release, like cancelling.
    """

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is not None and bool(super().has_delete_permission(request, obj))


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
            ngettext_lazy("%(count)d booking cancelled.", "%(count)d bookings cancelled.", "count"),
        )

    @admin.action(description=_("Mark selected as attended"))
    def mark_attended(self, request: HttpRequest, queryset: QuerySet[Booking]) -> None:
        run_for_each(
            self,
            request,
            queryset,
            lambda b: services.mark_attendance(b, True, request.user),
            ngettext_lazy(
                "%(count)d booking marked attended.", "%(count)d bookings marked attended.", "count"
            ),
        )

    @admin.action(description=_("Mark selected as no-show"))
    def mark_no_show(self, request: HttpRequest, queryset: QuerySet[Booking]) -> None:
        run_for_each(
            self,
            request,
            queryset,
            lambda b: services.mark_attendance(b, False, request.user),
            ngettext_lazy(
                "%(count)d booking marked no-show.", "%(count)d bookings marked no-show.", "count"
            ),
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

    def call_service(self, availability: TeacherAvailability | None) -> TeacherAvailability:
        data = {f: self.cleaned_data[f] for f in AVAILABILITY_FIELDS if f != "teacher"}
        return services.set_availability(
            self.cleaned_data["teacher"], availability=availability, **data
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.errors:
            # The service is the validator: what it refuses is a form error, not a 500.
            current = self.instance if self.instance.pk else None
            error = dry_run(lambda: self.call_service(current))
            if error is not None:
                booking_error_to_form(self, error)
        return data


@admin.register(TeacherAvailability)
class TeacherAvailabilityAdmin(ServiceFormAdminMixin, ScalableAdmin):
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
        try:
            fresh = form.call_service(obj if change else None)
        except BookingError as exc:  # a race since clean(): rare, but say so
            self.message_user(request, staff_message(exc), messages.ERROR)
            return
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
            ngettext_lazy("%(count)d request approved.", "%(count)d requests approved.", "count"),
        )

    @admin.action(description=_("Decline selected requests"))
    def decline(self, request: HttpRequest, queryset: QuerySet[OneOnOneBooking]) -> None:
        run_for_each(
            self,
            request,
            queryset,
            lambda b: services.decline_one_on_one(b, request.user, str(_("Declined by staff"))),
            ngettext_lazy("%(count)d request declined.", "%(count)d requests declined.", "count"),
        )

    @admin.action(description=_("Cancel selected bookings"))
    def cancel(self, request: HttpRequest, queryset: QuerySet[OneOnOneBooking]) -> None:
        run_for_each(
            self,
            request,
            queryset,
            lambda b: services.cancel_one_on_one(b, request.user),
            ngettext_lazy("%(count)d lesson cancelled.", "%(count)d lessons cancelled.", "count"),
        )

    @admin.action(description=_("Mark selected as completed (attended)"))
    def mark_completed(self, request: HttpRequest, queryset: QuerySet[OneOnOneBooking]) -> None:
        run_for_each(
            self,
            request,
            queryset,
            lambda b: services.complete_one_on_one(b, request.user),
            ngettext_lazy(
                "%(count)d lesson marked completed.", "%(count)d lessons marked completed.", "count"
            ),
        )

    @admin.action(description=_("Mark selected as no-show"))
    def mark_no_show(self, request: HttpRequest, queryset: QuerySet[OneOnOneBooking]) -> None:
        run_for_each(
            self,
            request,
            queryset,
            lambda b: services.complete_one_on_one(b, request.user, no_show=True),
            ngettext_lazy(
                "%(count)d lesson marked no-show.", "%(count)d lessons marked no-show.", "count"
            ),
        )


class FailedFilter(admin.SimpleListFilter):
    """The reminders every attempt failed for (``failed_at`` set), or the others."""

    title = _("failed")
    parameter_name = "failed"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("yes", _("Failed")), ("no", _("Not failed"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any] | None:
        if self.value() == "yes":
            return queryset.filter(failed_at__isnull=False)
        if self.value() == "no":
            return queryset.filter(failed_at__isnull=True)
        return queryset


@admin.register(BookingReminder)
class BookingReminderAdmin(ScalableAdmin):
    list_display = [
        "remind_at",
        "sent_at",
        "attempts",
        "failed_at",
        "last_error",
        "group_booking",
        "one_on_one_booking",
    ]
    list_filter = [("sent_at", admin.EmptyFieldListFilter), FailedFilter]
    # Rows are written by the services and the dispatcher only: the admin shows what happened.
    readonly_fields = [
        "group_booking",
        "one_on_one_booking",
        "remind_at",
        "sent_at",
        "claimed_until",
        "attempts",
        "failed_at",
        "last_error",
        "created",
    ]
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

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # a reminder exists because a booking was confirmed, never by hand


@admin.register(FeedToken)
class FeedTokenAdmin(ScalableAdmin):
    """Who has a calendar feed, read-only: the token itself is never stored, only its digest,
    which is not shown either. Deleting a row revokes that feed."""

    list_display = ["user", "kind", "created"]
    list_filter = ["kind"]
    search_fields = ["user__username"]
    list_select_related = ["user"]
    fields = ["user", "kind", "created"]
    readonly_fields = fields
    ordering = ["-pk"]
    sortable_by: list[str] = []

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
