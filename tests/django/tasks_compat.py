"""Django's Tasks framework where the tests run: ``django.tasks`` on Django 6, the
``django-tasks`` backport (``django_tasks``) on 5.2, as the app itself imports it."""

from __future__ import annotations

try:
    from django.tasks import task_backends

    BACKENDS = "django.tasks.backends"
except ImportError:  # Django 5.2
    from django_tasks import task_backends  # type: ignore[no-redef]

    BACKENDS = "django_tasks.backends"

IMMEDIATE = f"{BACKENDS}.immediate.ImmediateBackend"
DUMMY = f"{BACKENDS}.dummy.DummyBackend"

__all__ = ["DUMMY", "IMMEDIATE", "task_backends"]
