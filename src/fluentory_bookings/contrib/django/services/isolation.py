"""Running a use case so that it decides on fresh data at every PostgreSQL isolation level.

Under READ COMMITTED (PostgreSQL's default) and on SQLite a use case simply runs: each
statement sees every commit made before it started, so the locks taken first in the
transaction (:mod:`.locks`) make every later read fresh.

Under REPEATABLE READ and SERIALIZABLE the snapshot is taken at the transaction's first
statement and kept, so a lock taken inside the transaction would come too late. There a use
case runs in a transaction of its own whose first statement is ``SET TRANSACTION ISOLATION
LEVEL READ COMMITTED`` (:func:`read_committed`): inside it the same transaction-scoped locks
(``pg_advisory_xact_lock``, ``SELECT ... FOR UPDATE``) work exactly as at READ COMMITTED, and
they are released by the COMMIT or ROLLBACK. Nothing outlives the transaction: no session-level
lock and no session ``SET``, so the use cases hold behind a connection pooler in transaction
mode (PgBouncer's default on most managed PostgreSQL), where consecutive statements outside a
transaction may run on different server connections.

A deadlock or serialization failure the database still reports rolls everything back and the use
case runs again, at most :data:`MAX_ATTEMPTS` times in all; then the caller gets
:class:`TryAgain`. Inside a transaction the caller opened at REPEATABLE READ or SERIALIZABLE the
snapshot predates any lock and nothing can be retried, so the use cases refuse to run there
(:class:`TryAgain`, ``reason="outer_transaction"``), except inside :func:`read_committed` (the
caller's transaction is then at READ COMMITTED) or :func:`predicting` (a dry run that is rolled
back anyway may read a stale snapshot).
"""

from __future__ import annotations

import functools
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, ClassVar, ParamSpec, TypeVar

from django.db import DatabaseError, connections, router, transaction

from fluentory_bookings.core.errors import BookingError

__all__ = [
    "MAX_ATTEMPTS",
    "TryAgain",
    "is_snapshot_isolation",
    "predicting",
    "read_committed",
    "use_case",
]

MAX_ATTEMPTS = 10
"""How many times a use case may run before its caller is told to try again."""

_RETRYABLE = {"40001", "40P01"}  # serialization_failure, deadlock_detected
_SNAPSHOT_LEVELS = {"REPEATABLE_READ", "SERIALIZABLE"}

P = ParamSpec("P")
R = TypeVar("R")


class TryAgain(BookingError):
    """The database could not order this decision among concurrent ones; nothing was written.

    Attributes:
        reason: ``"contention"``: it still collided after :data:`MAX_ATTEMPTS` runs (call again
            later); ``"outer_transaction"``: under REPEATABLE READ or SERIALIZABLE a use case
            was called inside an open transaction, where it cannot decide on fresh data (call
            it outside ``transaction.atomic``; with ``ATOMIC_REQUESTS`` mark the view
            ``transaction.non_atomic_requests``).
    """

    code: ClassVar[str] = "try_again"

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


_current: ContextVar[str | None] = ContextVar("fluentory_bookings_decision", default=None)
_read_committed: ContextVar[str | None] = ContextVar("fluentory_bookings_rc", default=None)
_predicting: ContextVar[bool] = ContextVar("fluentory_bookings_predicting", default=False)


@contextmanager
def predicting() -> Iterator[None]:
    """Let use cases run inside the caller's transaction at every level, for a dry run.

    Only for calls whose writes the caller rolls back (a form asking "would this be
    refused?"): at REPEATABLE READ or SERIALIZABLE they may decide on a stale snapshot, so
    their answer is a forecast; the real call must still run outside any transaction.
    """
    token = _predicting.set(True)
    try:
        yield
    finally:
        _predicting.reset(token)


def is_snapshot_isolation(alias: str) -> bool:
    """Whether ``alias`` is PostgreSQL at REPEATABLE READ or SERIALIZABLE."""
    conn = connections[alias]
    if conn.vendor != "postgresql":
        return False
    conn.ensure_connection()  # the backend reads its isolation level when it connects
    level = getattr(conn, "isolation_level", None)
    return getattr(level, "name", None) in _SNAPSHOT_LEVELS


@contextmanager
def read_committed(using: str) -> Iterator[None]:
    """A transaction (``transaction.atomic``) at READ COMMITTED, whatever the connection's level.

    Its first statement is ``SET TRANSACTION ISOLATION LEVEL READ COMMITTED`` when the
    connection is at REPEATABLE READ or SERIALIZABLE, so the locks taken inside it make later
    reads fresh, and use cases called inside it run there (at those levels they refuse any other
    open transaction). Nested inside another transaction it is a savepoint of that one.
    """
    conn = connections[using]
    if conn.in_atomic_block:
        with transaction.atomic(using=using):
            yield
        return
    with transaction.atomic(using=using):
        if is_snapshot_isolation(using):
            with conn.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL READ COMMITTED")
        token = _read_committed.set(using)
        try:
            yield
        finally:
            _read_committed.reset(token)


def use_case(fn: Callable[P, R]) -> Callable[P, R]:
    """Run the use case ``fn`` as this module describes (a no-op wrapper at READ COMMITTED)."""

    @functools.wraps(fn)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        if _current.get() is not None or _predicting.get():
            # Called by another use case (which already runs us), or a dry run.
            return fn(*args, **kwargs)
        alias = router.db_for_write(_booking_model())
        if not is_snapshot_isolation(alias):
            return fn(*args, **kwargs)
        if connections[alias].in_atomic_block:
            if _read_committed.get() == alias:
                return fn(*args, **kwargs)
            raise TryAgain(
                "outer_transaction",
                "at REPEATABLE READ or SERIALIZABLE, bookings must be decided outside an open "
                "transaction: call this outside transaction.atomic()",
            )
        token = _current.set(alias)
        try:
            return _attempts(fn, args, kwargs, alias)
        finally:
            _current.reset(token)

    return run


def _attempts(fn: Callable[..., R], args: Any, kwargs: Any, alias: str) -> R:
    for attempt in range(MAX_ATTEMPTS):
        try:
            with read_committed(alias):
                return fn(*args, **kwargs)
        except DatabaseError as exc:
            if _sqlstate(exc) not in _RETRYABLE:
                raise
            # Jitter, so that racers who collided do not collide again in lockstep.
            time.sleep(random.uniform(0, 0.002 * (attempt + 1)))
    raise TryAgain(
        "contention",
        f"too many concurrent changes: no consistent decision after {MAX_ATTEMPTS} attempts; "
        "nothing was written, try again",
    )


@contextmanager
def contention_as_try_again() -> Iterator[None]:
    """Turn a serialization failure or deadlock into :class:`TryAgain` where we cannot retry.

    Work that runs inside a transaction the host opened (deleting rows: Django's deletion is
    one transaction) cannot be run again by us; at REPEATABLE READ or SERIALIZABLE the host
    gets a typed ``TryAgain("contention")``, its transaction rolls back, and it may run the
    deletion again.
    """
    try:
        yield
    except DatabaseError as exc:
        if _sqlstate(exc) not in _RETRYABLE:
            raise
        raise TryAgain(
            "contention", "a concurrent booking changed the same rows: run this again"
        ) from exc


def _sqlstate(exc: BaseException) -> str | None:
    cause: BaseException | None = exc
    while cause is not None:
        code = getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)
        if code:
            return str(code)
        cause = cause.__cause__
    return None


def _booking_model() -> Any:
    from fluentory_bookings.contrib.django.models import Booking

    return Booking
