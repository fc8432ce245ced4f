"""Settings for worker processes the reminder tests start: the test database of the pytest
process that started them, a file mail box, and django-tasks-db as the task backend."""

import importlib
import os
from datetime import timedelta

# The settings of the pytest process that starts the workers (its isolation level included).
_base = importlib.import_module(os.environ.get("FLUENTORY_WORKER_BASE", "tests.settings"))
globals().update({k: v for k, v in vars(_base).items() if k.isupper()})
DATABASES = _base.DATABASES
INSTALLED_APPS = _base.INSTALLED_APPS

DATABASES["default"]["NAME"] = os.environ["FLUENTORY_WORKER_DB"]
INSTALLED_APPS = [*INSTALLED_APPS, "django_tasks_db"]
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
EMAIL_FILE_PATH = os.environ["FLUENTORY_WORKER_MAIL"]
FLUENTORY_BOOKINGS_REMINDER_LEASE = timedelta(
    seconds=float(os.environ.get("FLUENTORY_WORKER_LEASE", "300"))
)
FLUENTORY_BOOKINGS_REMINDER_BATCH = int(os.environ.get("FLUENTORY_WORKER_BATCH", "5"))
if "FLUENTORY_WORKER_ADAPTER" in os.environ:
    FLUENTORY_BOOKINGS_ADAPTER = os.environ["FLUENTORY_WORKER_ADAPTER"]
