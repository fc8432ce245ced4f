"""Settings for the Django test suite: the example LMS as host, on SQLite or PostgreSQL.

FLUENTORY_TEST_DB=sqlite (default) uses a file database so threads get real, separate
connections; FLUENTORY_TEST_DB=postgres uses the server scripts/test.sh starts.
"""

import os
import tempfile

# The example refuses to start without a secret key unless DEBUG is on (its safe default).
os.environ.setdefault("DJANGO_SECRET_KEY", "tests-only-not-a-secret")

from example_project.settings import *  # noqa: F403

ALLOWED_HOSTS = ["*"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

if os.environ.get("FLUENTORY_TEST_DB", "sqlite") == "postgres":
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.postgresql",
            "HOST": os.environ.get("FLUENTORY_TEST_PG_HOST", "127.0.0.1"),
            "PORT": os.environ["FLUENTORY_TEST_PG_PORT"],
            "USER": "postgres",
            "NAME": "fluentory",
            "TEST": {"NAME": f"test_fluentory_{os.getpid()}"},
        }
    }
    if os.environ.get("FLUENTORY_TEST_PG_POOLER"):
        # Through scripts/pgbouncer.sh (transaction pooling): what the docs tell hosts to set.
        DATABASES["default"]["OPTIONS"] = {"prepare_threshold": None}
        DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
        FLUENTORY_BOOKINGS_TRANSACTION_POOLER = True
else:
    _dir = tempfile.mkdtemp(prefix="fluentory-sqlite-")
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.path.join(_dir, "main.sqlite3"),
            "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": 30},
            "TEST": {"NAME": os.path.join(_dir, "test.sqlite3")},
        }
    }

# The REST API's OpenAPI schema (scripts/openapi.sh runs drf-spectacular's `spectacular`
# command); the example site installs DRF itself and serves the API under `api/`.
INSTALLED_APPS = [*INSTALLED_APPS, "drf_spectacular"]  # noqa: F405

# Tests swap the mail backend through EMAIL_BACKEND, as Django's test runner does (locmem), which
# Django 6.1 refuses beside MAILERS: drop the demo's console mailer.
globals().pop("MAILERS", None)

# The API's write throttle counts in the default cache: one per process (each pytest-xdist
# worker its own), emptied before every test by the suites' conftest.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
