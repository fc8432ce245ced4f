"""Template tags of the booking pages' layout, for hosts' layouts too::

    {% load fluentory_bookings %}
    {% form_error_summary %}        the errors of every form on the page that failed, at the top
    {% booking_links as links %}    the booking pages this user has, the current one marked

The messages include (``fluentory_bookings/includes/messages.html``) shows the summary, so a
host layout that includes it has the summary too.
"""

from __future__ import annotations

from typing import Any

from django.forms import BaseForm
from django.template import Context, Library
from django.urls import reverse
from django.utils.translation import gettext as _

from fluentory_bookings.contrib.django.adapter import get_adapter

register = Library()

NAMESPACE = "fluentory_bookings"

__all__ = ["booking_links", "failed_forms", "form_error_summary"]


def failed_forms(context: Context) -> list[BaseForm]:
    """The bound forms with errors among the context's values, each once, in context order."""
    seen: set[int] = set()
    found = []
    for value in context.flatten().values():
        if (
            isinstance(value, BaseForm)
            and value.is_bound
            and value.errors
            and id(value) not in seen
        ):
            seen.add(id(value))
            found.append(value)
    return found


@register.inclusion_tag("fluentory_bookings/includes/form_errors.html", takes_context=True)
def form_error_summary(context: Context) -> dict[str, Any]:
    """A summary of every error of the page's failed forms: one line per error, linked to its
    field (a form-wide error has no field to link to)."""
    errors = []
    for form in failed_forms(context):
        for name, messages in form.errors.items():
            field = form.fields.get(name)
            bound = form[name] if field is not None else None
            anchor = ""
            if bound is not None and not bound.is_hidden:
                # Radio buttons and checkboxes have no one id: link to the first of them.
                anchor = bound.id_for_label or (f"{bound.auto_id}_0" if bound.auto_id else "")
            for message in messages:
                label = bound.label if bound is not None else ""
                errors.append({"anchor": anchor, "label": label, "message": message})
    return {"errors": errors}


@register.simple_tag(takes_context=True)
def booking_links(context: Context) -> list[dict[str, Any]]:
    """The booking pages for the navigation: *My bookings* for everyone signed in; *My group
    sessions*, *My availability* and *My 1:1 lessons* only for a user the adapter's
    ``get_taught_courses`` gives a course. ``current`` marks the link of the page being shown (``aria-current="page"``)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return []
    # Each link is named as its page's title is.
    pages = [("student_bookings", _("My bookings"), ("student_booking",))]
    if get_adapter().get_taught_courses(user).exists():
        pages += [
            ("teacher_schedule", _("My group sessions"), ("teacher_session", "teacher_booking")),
            ("teacher_availability", _("My availability"), ("teacher_availability",)),
            ("teacher_one_on_one_bookings", _("My 1:1 lessons"), ("teacher_one_on_one",)),
        ]
    match = getattr(request, "resolver_match", None)
    here = match.url_name if match is not None and match.namespace == NAMESPACE else ""
    return [
        {
            "url": reverse(f"{NAMESPACE}:{name}"),
            "label": label,
            # The page itself, else a page of its part of the site (a session's roster under
            # Group sessions): aria-current="page" or "true".
            "current": "page" if here == name else ("true" if here.startswith(within) else ""),
        }
        for name, label, within in pages
    ]
