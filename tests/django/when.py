"""Dates and instants the 1:1 tests book at, relative to today."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

BERLIN = ZoneInfo("Europe/Berlin")


def day(n: int) -> date:
    """The UTC date ``n`` days from today."""
    return (timezone.now() + timedelta(days=n)).date()


def at(d: date, hour: int, minute: int = 0, tz=UTC) -> datetime:
    """``d`` at ``hour:minute`` in ``tz`` (UTC by default)."""
    return datetime.combine(d, time(hour, minute), tzinfo=tz)
