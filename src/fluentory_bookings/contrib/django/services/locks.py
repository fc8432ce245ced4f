"""Serialising the decisions that read before they write.

Seat counts are protected by a conditional UPDATE and a CheckConstraint. Questions like "is this
teacher free at 10:00?" span many rows, so every use case that answers one first takes a lock
per *person* whose schedule it reads, always in the same (sorted) order so that two use cases
never wait on each other in a cycle.

- PostgreSQL: transaction-scoped advisory locks (``pg_advisory_xact_lock``), released at commit
  or rollback; no table of the host is touched (pretix does the same).
- SQLite: a write transaction in ``transaction_mode = "IMMEDIATE"`` already holds the database's
  single write lock from its first statement, so every writer is serialised (the system check
  ``fluentory_bookings.W001`` asks for that mode).

At PostgreSQL's REPEATABLE READ and SERIALIZABLE :func:`~.isolation.use_case` runs the use case
in a transaction set to READ COMMITTED, so the same locks work the same way at every level. Every
lock here is transaction-scoped: nothing is left held, even behind a transaction-pooling
PgBouncer.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

from django.db import connections, router

from fluentory_bookings.contrib.django.models import LiveClassSession


def _key(name: str) -> int:
    # A stable signed 64-bit key: Python's hash() differs between processes.
    return int.from_bytes(
        hashlib.blake2b(name.encode(), digest_size=8).digest(), "big", signed=True
    )


def lock_users(*users: Any, using: str | None = None) -> None:
    """Hold a lock on each user's schedule until the current transaction ends."""
    alias = using or router.db_for_write(LiveClassSession)
    conn = connections[alias]
    if conn.vendor != "postgresql":
        return
    keys = {_key(f"fluentory_bookings:user:{_pk(u)}") for u in users if u is not None}
    with conn.cursor() as cursor:
        for key in sorted(keys):
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])


def lock_sessions(session_ids: Iterable[int]) -> dict[int, LiveClassSession]:
    """Lock session rows (ascending pk, the fixed order) and return them fresh from the database."""
    ids = sorted(set(session_ids))
    rows = LiveClassSession.objects.select_for_update().filter(pk__in=ids).order_by("pk")
    found = {s.pk: s for s in rows}
    missing = [i for i in ids if i not in found]
    if missing:
        raise LiveClassSession.DoesNotExist(f"no session with id {missing[0]}")
    return found


def _pk(user: Any) -> Any:
    return getattr(user, "pk", user)
