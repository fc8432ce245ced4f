"""The periodic work as a Django task, for hosts running task workers (e.g. django-tasks-db's
``db_worker``).

Django's Tasks framework runs tasks; it does not schedule them. Something enqueues this task at
an interval (``manage.py bookings_housekeeping --enqueue`` from cron or a systemd timer), or the
command's ``--loop`` runs the same work without a task backend. The task does not enqueue itself
again: a chain that a failed enqueue or a lost worker breaks would stop the work for good,
without anyone noticing.
"""

from __future__ import annotations

from fluentory_bookings.contrib.django.notifications.framework import task
from fluentory_bookings.contrib.django.periodic import run_periodic_work

if task is None:  # pragma: no cover - Django 5.2 without the backport
    raise ImportError("the periodic task needs Django 6, or `pip install django-tasks` on 5.2")

__all__ = ["bookings_housekeeping_task"]


@task()
def bookings_housekeeping_task() -> str:
    """One pass of :func:`~fluentory_bookings.contrib.django.periodic.run_periodic_work`;
    returns its one-line summary."""
    return run_periodic_work().summary()
