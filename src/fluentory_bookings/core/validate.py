"""Checks for the plain values callers hand to the rules: one place, one error per field.

Every public entry point of the core validates its arguments with these helpers, so a wrong
type or an out-of-range value is always an :class:`~fluentory_bookings.core.errors.InvalidInput`
(or a subclass) naming the field, never a stray ``TypeError`` or ``OverflowError``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from fluentory_bookings.core.errors import InvalidInput, InvalidInterval

__all__ = [
    "MAX_DURATION",
    "require_aware",
    "require_bool",
    "require_duration",
    "require_items",
    "require_whole_number",
]

MAX_DURATION = timedelta(days=3660)
"""The longest duration any rule accepts (about ten years): far beyond any lesson, notice or
horizon, and far enough from the limits of :class:`~datetime.datetime` that adding it to any
date a booking can have never overflows."""

_ZERO = timedelta(0)
_T = TypeVar("_T")


def _error_class(error: object) -> type[InvalidInput]:
    if isinstance(error, type) and issubclass(error, InvalidInput):
        return error
    raise InvalidInput(f"error must be an InvalidInput subclass, not {error!r}", field="error")


# Instants this close to datetime.min/max cannot take a duration added or subtracted safely.
_EARLIEST = datetime(1, 1, 1, tzinfo=UTC) + 2 * MAX_DURATION
_LATEST = datetime(9999, 12, 31, tzinfo=UTC) - 2 * MAX_DURATION


def require_aware(value: object, name: str = "datetime") -> datetime:
    """Return ``value`` if it is an aware datetime within the supported range, else raise.

    Raises:
        InvalidInterval: ``value`` is not a datetime, is naive, or lies within twenty years of
            the limits of :class:`~datetime.datetime` (year 1 or 9999), where adding a lesson or
            a horizon would overflow. ``field`` is ``name``.
    """
    if not isinstance(value, datetime):
        raise InvalidInterval(f"{name} must be a datetime, not {type(value).__name__}", field=name)
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidInterval(
            f"{name} must be timezone-aware, got naive {value.isoformat()}", field=name
        )
    try:
        in_range = _EARLIEST <= value <= _LATEST
    except OverflowError:  # an offset that pushes a year-1 or year-9999 value out of range
        in_range = False
    if not in_range:
        raise InvalidInterval(
            f"{name} {value.isoformat()} is outside the supported range "
            f"({_EARLIEST.year}..{_LATEST.year})",
            field=name,
        )
    return value


def require_duration(
    value: object,
    name: str,
    *,
    allow_zero: bool = False,
    whole_seconds: bool = False,
    least: timedelta | None = None,
    error: type[InvalidInput] = InvalidInput,
) -> timedelta:
    """Return ``value`` if it is a usable duration.

    Args:
        value: What the caller passed.
        name: The field, for the error.
        allow_zero: Whether ``timedelta(0)`` is allowed; negative durations never are.
        whole_seconds: Refuse fractions of a second (iCalendar has none).
        least: A lower bound above zero, e.g. one minute for a slot grid.
        error: The :class:`InvalidInput` subclass to raise, e.g. ``InvalidRule`` for a rule.

    Raises:
        InvalidInput: not a ``timedelta``, negative, zero when not allowed, below ``least``,
            above :data:`MAX_DURATION`, or with fractions of a second when refused.
    """
    error = _error_class(error)
    if least is not None and not isinstance(least, timedelta):
        raise InvalidInput(f"least must be a timedelta or None, not {least!r}", field="least")
    if not isinstance(value, timedelta):
        raise error(f"{name} must be a timedelta, not {type(value).__name__}", field=name)
    if value < _ZERO or (value == _ZERO and not allow_zero):
        bound = "0 or more" if allow_zero else "greater than 0"
        # str() of a negative timedelta reads "-1 day, 23:55:00"; show "-0:05:00" instead.
        shown = f"-{-value}" if value < _ZERO else str(value)
        raise error(f"{name} must be {bound}, not {shown}", field=name)
    if least is not None and _ZERO < value < least:
        raise error(f"{name} must be at least {least}, not {value}", field=name)
    if value > MAX_DURATION:
        raise error(f"{name} must be at most {MAX_DURATION.days} days, not {value}", field=name)
    if whole_seconds and value.microseconds:
        raise error(f"{name} must be whole seconds, not {value}", field=name)
    return value


def require_bool(value: object, name: str, *, error: type[InvalidInput] = InvalidInput) -> bool:
    """Return ``value`` if it is a real ``bool``: ``"no"`` or ``1`` is refused, not read as true.

    Raises:
        InvalidInput: ``value`` is not ``True`` or ``False``.
    """
    error = _error_class(error)
    if not isinstance(value, bool):
        raise error(f"{name} must be True or False, not {value!r}", field=name)
    return value


def require_whole_number(
    value: object, name: str, *, least: int = 0, error: type[InvalidInput] = InvalidInput
) -> int:
    """Return ``value`` if it is an ``int`` (not a ``bool``) of at least ``least``.

    Raises:
        InvalidInput: not an ``int``, a ``bool``, or below ``least``.
    """
    error = _error_class(error)
    if isinstance(least, bool) or not isinstance(least, int):
        raise InvalidInput(f"least must be an int, not {least!r}", field="least")
    if isinstance(value, bool) or not isinstance(value, int) or value < least:
        raise error(f"{name} must be a whole number of at least {least}, not {value!r}", field=name)
    return value


def require_items(values: object, kind: type[_T], name: str) -> list[_T]:
    """Return ``values`` as a list if it is a collection of ``kind`` (a str is not one).

    Raises:
        InvalidInput: ``values`` is not iterable, is a ``str``/``bytes`` or a single ``kind``,
            or holds something else; ``field`` is ``name``.
    """
    if not isinstance(kind, type):
        raise InvalidInput(f"kind must be a class, not {kind!r}", field="kind")
    if isinstance(values, (str, bytes, kind)) or not isinstance(values, Iterable):
        raise InvalidInput(
            f"{name} must be a collection of {kind.__name__}, not {type(values).__name__}",
            field=name,
        )
    items = list(values)
    for item in items:
        if not isinstance(item, kind):
            raise InvalidInput(
                f"{name} holds a {type(item).__name__}, not a {kind.__name__}", field=name
            )
    return items
