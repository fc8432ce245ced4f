"""Wrong reminder settings are a system-check error at start-up, not a failed booking later."""

from datetime import timedelta

import pytest

from tests.django.test_checks import ids

P = "FLUENTORY_BOOKINGS_"


def test_the_defaults_pass():
    assert "fluentory_bookings.E008" not in ids()


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("REMINDER_OFFSETS", timedelta(hours=1)),
        ("REMINDER_OFFSETS", "24h"),
        ("REMINDER_OFFSETS", [timedelta(hours=1), timedelta(0)]),
        ("REMINDER_OFFSETS", [3600]),
        ("REMINDER_LEASE", timedelta(0)),
        ("REMINDER_LEASE", 300),
        ("REMINDER_RETRY_DELAY", -timedelta(minutes=1)),
        ("REMINDER_MAX_ATTEMPTS", 0),
        ("REMINDER_MAX_ATTEMPTS", True),
        ("REMINDER_BATCH", 2.5),
    ],
)
def test_a_wrong_reminder_setting_is_an_error(name, value):
    assert "fluentory_bookings.E008" in ids(**{P + name: value})


def test_no_reminders_at_all_is_allowed():
    assert "fluentory_bookings.E008" not in ids(**{P + "REMINDER_OFFSETS": ()})
