"""System checks turn a wrong configuration into a clear start-up error."""

from datetime import timedelta

import pytest
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from fluentory_bookings.contrib.django.adapter import DefaultBookingAdapter, get_adapter
from fluentory_bookings.contrib.django.conf import app_settings, course_model_label


def ids(**overrides):
    with override_settings(**overrides):
        return sorted(
            m.id
            for m in checks.run_checks(tags=["fluentory_bookings"])
            if m.id.startswith("fluentory")
        )


def test_the_example_configuration_passes():
    assert ids() == []


@pytest.mark.parametrize("value", [None, "", "lms.Nope", "nodot", "no.such.app"])
def test_unknown_course_model(value):
    assert ids(FLUENTORY_BOOKINGS_COURSE_MODEL=value) == ["fluentory_bookings.E001"]


def test_use_tz_false():
    assert ids(USE_TZ=False) == ["fluentory_bookings.E002"]


@pytest.mark.parametrize("path", ["lms.adapter.Missing", "not a path", "lms.models.Course"])
def test_bad_adapter(path):
    assert ids(FLUENTORY_BOOKINGS_ADAPTER=path) == ["fluentory_bookings.E003"]


@pytest.mark.parametrize("label", ["lms.Nope", "lms.Enrollment"])
def test_bad_course_teacher_model(label):
    assert ids(FLUENTORY_BOOKINGS_COURSE_TEACHER_MODEL=label) == ["fluentory_bookings.E004"]


@pytest.mark.parametrize(
    "overrides",
    [
        {"FLUENTORY_BOOKINGS_MINIMUM_NOTICE": 3600},
        {"FLUENTORY_BOOKINGS_CANCELLATION_CUTOFF": timedelta(hours=-1)},
        {"FLUENTORY_BOOKINGS_MAX_SERIES_WEEKS": 0},
    ],
)
def test_bad_durations(overrides):
    assert ids(**overrides) == ["fluentory_bookings.E005"]


def messages_of(**overrides):
    with override_settings(**overrides):
        return [
            m.msg for m in checks.run_checks(tags=["fluentory_bookings"]) if m.id.endswith("E005")
        ]


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        # Every later request would be too late or too early: nothing could ever be booked.
        (
            {
                "FLUENTORY_BOOKINGS_MINIMUM_NOTICE": timedelta(days=2),
                "FLUENTORY_BOOKINGS_BOOKING_HORIZON": timedelta(days=2),
            },
            "FLUENTORY_BOOKINGS_BOOKING_HORIZON",
        ),
        (
            {
                "FLUENTORY_BOOKINGS_MINIMUM_NOTICE": timedelta(days=3),
                "FLUENTORY_BOOKINGS_BOOKING_HORIZON": timedelta(days=1),
            },
            "FLUENTORY_BOOKINGS_BOOKING_HORIZON",
        ),
        # A request that expires the moment it is made.
        ({"FLUENTORY_BOOKINGS_PENDING_EXPIRY": timedelta(0)}, "FLUENTORY_BOOKINGS_PENDING_EXPIRY"),
        (
            {"FLUENTORY_BOOKINGS_BOOKING_HORIZON": timedelta(0)},
            "FLUENTORY_BOOKINGS_BOOKING_HORIZON",
        ),
        # Longer than any series core will build.
        ({"FLUENTORY_BOOKINGS_MAX_SERIES_WEEKS": 105}, "FLUENTORY_BOOKINGS_MAX_SERIES_WEEKS"),
        ({"FLUENTORY_BOOKINGS_MAX_SERIES_WEEKS": 10**6}, "FLUENTORY_BOOKINGS_MAX_SERIES_WEEKS"),
        ({"FLUENTORY_BOOKINGS_MAX_SERIES_WEEKS": True}, "FLUENTORY_BOOKINGS_MAX_SERIES_WEEKS"),
    ],
)
def test_settings_that_make_every_later_call_fail_are_refused_at_start_up(overrides, named):
    [message] = messages_of(**overrides)
    assert message.startswith(named)


def test_the_widest_accepted_limits_pass():
    assert (
        ids(
            FLUENTORY_BOOKINGS_MAX_SERIES_WEEKS=104,
            FLUENTORY_BOOKINGS_MINIMUM_NOTICE=timedelta(0),
            FLUENTORY_BOOKINGS_BOOKING_HORIZON=timedelta(minutes=1),
        )
        == []
    )


def test_nullable_limits_may_be_none():
    assert (
        ids(FLUENTORY_BOOKINGS_BOOKING_HORIZON=None, FLUENTORY_BOOKINGS_PENDING_EXPIRY=None) == []
    )


@pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")  # the check only reads it
def test_sqlite_without_immediate_mode_warns_with_the_fix():
    dbs = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
    with override_settings(DATABASES=dbs):
        messages = [
            m for m in checks.run_checks(tags=["fluentory_bookings"]) if m.id.endswith("W001")
        ]
    assert len(messages) == 1
    assert "IMMEDIATE" in messages[0].hint


def test_course_model_label_explains_a_missing_setting():
    with (
        override_settings(FLUENTORY_BOOKINGS_COURSE_MODEL=None),
        pytest.raises(ImproperlyConfigured, match="FLUENTORY_BOOKINGS_COURSE_MODEL"),
    ):
        course_model_label()


def test_settings_have_defaults_and_follow_overrides():
    assert app_settings.PENDING_EXPIRY == timedelta(hours=48)
    with override_settings(FLUENTORY_BOOKINGS_PENDING_EXPIRY=timedelta(hours=2)):
        assert app_settings.PENDING_EXPIRY == timedelta(hours=2)
    with pytest.raises(AttributeError):
        app_settings.NO_SUCH_SETTING  # noqa: B018


def test_adapter_is_the_configured_subclass():
    assert isinstance(get_adapter(), DefaultBookingAdapter)
    assert type(get_adapter()).__name__ == "LmsBookingAdapter"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("override", "course_setting", "default", "expected"),
    [
        (None, False, False, False),
        (None, True, False, True),
        (True, False, False, True),
        (False, True, True, False),
        (None, None, True, True),  # course empty: the platform default decides
        (None, None, False, False),
    ],
)
def test_approval_resolution_teacher_then_course_then_platform(
    make_course, teacher, override, course_setting, default, expected
):
    course = make_course(
        "one_on_one", teacher=teacher, approval=course_setting, teacher_override=override
    )
    with override_settings(FLUENTORY_BOOKINGS_REQUIRE_APPROVAL_DEFAULT=default):
        assert get_adapter().requires_approval(course, teacher) is expected


def postgres_at(level, **extra):
    from psycopg import IsolationLevel

    db = {"ENGINE": "django.db.backends.postgresql", "NAME": "x", **extra}
    known = isinstance(level, str) and hasattr(IsolationLevel, level)
    db["OPTIONS"] = {"isolation_level": getattr(IsolationLevel, level) if known else level}
    return {"default": db}


@pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")  # the check only reads it
@pytest.mark.parametrize("level", ["READ_COMMITTED", "REPEATABLE_READ", "SERIALIZABLE"])
def test_every_postgresql_isolation_level_is_supported(level):
    assert ids(DATABASES=postgres_at(level)) == []


@pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")
@pytest.mark.parametrize("value", ["repeatable read", 42])
def test_an_isolation_level_psycopg_does_not_know_is_an_error(value):
    assert ids(DATABASES=postgres_at(value)) == ["fluentory_bookings.E006"]


@pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")
@pytest.mark.parametrize("level", ["REPEATABLE_READ", "SERIALIZABLE"])
def test_snapshot_isolation_with_atomic_requests_warns(level):
    assert ids(DATABASES=postgres_at(level, ATOMIC_REQUESTS=True)) == ["fluentory_bookings.W002"]


@pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")
def test_read_committed_with_atomic_requests_is_fine():
    assert ids(DATABASES=postgres_at("READ_COMMITTED", ATOMIC_REQUESTS=True)) == []


def _pooled(**changes):
    db = {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "lms",
        "DISABLE_SERVER_SIDE_CURSORS": True,
        "OPTIONS": {"prepare_threshold": None},
    }
    return {"default": {**db, **changes}}


@pytest.mark.parametrize(
    "database",
    [
        _pooled(DISABLE_SERVER_SIDE_CURSORS=False),
        _pooled(OPTIONS={}),
        _pooled(OPTIONS={"prepare_threshold": 5}),
    ],
)
def test_behind_a_transaction_pooler_the_database_settings_it_needs(database):
    from fluentory_bookings.contrib.django.checks import check_transaction_pooler

    with override_settings(DATABASES=database, FLUENTORY_BOOKINGS_TRANSACTION_POOLER=True):
        assert [m.id for m in check_transaction_pooler()] == ["fluentory_bookings.E011"]
    with override_settings(DATABASES=_pooled(), FLUENTORY_BOOKINGS_TRANSACTION_POOLER=True):
        assert check_transaction_pooler() == []
    with override_settings(DATABASES=database):  # no pooler declared: nothing to ask for
        assert check_transaction_pooler() == []
