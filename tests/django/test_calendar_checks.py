"""The calendar settings are checked at start-up: a bad window or UID domain is a clear error."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import checks
from django.test import override_settings


def ids(**overrides):
    with override_settings(**overrides):
        return [m.id for m in checks.run_checks(tags=["fluentory_bookings"])]


def test_the_defaults_pass():
    assert "fluentory_bookings.E007" not in ids()


@pytest.mark.parametrize(
    "overrides",
    [
        {"FLUENTORY_BOOKINGS_FEED_PAST": -timedelta(days=1)},
        {"FLUENTORY_BOOKINGS_FEED_PAST": 60},
        {"FLUENTORY_BOOKINGS_FEED_FUTURE": timedelta(0)},
        {"FLUENTORY_BOOKINGS_FEED_FUTURE": None},
        {"FLUENTORY_BOOKINGS_CALENDAR_UID_DOMAIN": "lms example"},
        {"FLUENTORY_BOOKINGS_CALENDAR_UID_DOMAIN": "lms.example.org\r\nX-EVIL:1"},
        {"FLUENTORY_BOOKINGS_CALENDAR_UID_DOMAIN": "a@b.example"},
        {"FLUENTORY_BOOKINGS_CALENDAR_UID_DOMAIN": ""},
        {"FLUENTORY_BOOKINGS_CALENDAR_UID_DOMAIN": 42},
    ],
)
def test_bad_calendar_settings(overrides):
    assert ids(**overrides).count("fluentory_bookings.E007") == 1


@pytest.mark.parametrize("domain", ["lms.example.org", "localhost", "xn--bcher-kva.example"])
def test_good_uid_domains(domain):
    assert "fluentory_bookings.E007" not in ids(FLUENTORY_BOOKINGS_CALENDAR_UID_DOMAIN=domain)
