"""Django validators that delegate to the core rules, so forms and services agree; their
messages are the pages' translated sentences, not core's English."""

from django.core.exceptions import ValidationError

from fluentory_bookings.contrib.django.refusals import error_message
from fluentory_bookings.core.errors import BookingError, InvalidTimezone
from fluentory_bookings.core.links import validate_meeting_link
from fluentory_bookings.core.zones import resolve_zone


def validate_https_meeting_link(value: str) -> None:
    try:
        validate_meeting_link(value)
    except BookingError as exc:
        raise ValidationError(error_message(exc), code=exc.code) from exc


def validate_timezone_name(value: object) -> None:
    try:
        resolve_zone(str(value))
    except InvalidTimezone as exc:
        raise ValidationError(error_message(exc), code=exc.code) from exc
