"""Django's Tasks framework, wherever it is: ``django.tasks`` on Django 6, the ``django-tasks``
backport on 5.2, or neither (5.2 without the backport: ``task`` is ``None`` and notifications
are sent synchronously)."""

from __future__ import annotations

try:  # Django 6
    from django.tasks import task
    from django.tasks.backends.immediate import ImmediateBackend
except ImportError:  # pragma: no cover - Django 5.2: the backport, if the host installed it
    try:
        from django_tasks import task  # type: ignore[no-redef]
        from django_tasks.backends.immediate import ImmediateBackend  # type: ignore[no-redef]
    except ImportError:
        task = None  # type: ignore[assignment]
        ImmediateBackend = None  # type: ignore[assignment,misc]

__all__ = ["ImmediateBackend", "task"]
