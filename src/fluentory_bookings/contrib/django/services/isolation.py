"""Running a use case so that it decides on fresh data at every PostgreSQL isolation level.

Under READ COMMITTED (PostgreSQL's default) and on SQLite a use case simply runs: each
statement sees every commit made before it started, so the locks taken first in the
transaction (:mod:`.locks`) make every later read fresh.

Under REPEATABLE READ and SERIALIZABLE the snapshot is taken at the transaction's first
statement and kept. A lock taken *inside* the transaction cannot help: the snapshot predates the
wait, so everything read after it is stale. Here, therefore, the locks are taken *before* the
transaction, as session-level advisory locks on the same keys:

1. the use case runs; the first lock it asks for that is not held yet stops it
   (:class:`NeedLocks`) and its transaction rolls back, having written nothing;
2. every key asked for so far is then taken, in one fixed (sorted) order, outside any
   transaction, after letting go of those already held, so that no two callers wait in a cycle;
3. the use case runs again in a new transaction whose snapshot is taken after the locks: it
   reads what every earlier holder committed;
4. the locks are released when the use case returns or fails.

A serialization failure or a deadlock the database still reports (two workers expiring the
same rows, SERIALIZABLE's predicate checks) rolls everything back and the use case runs again,
at most :data:`MAX_ATTEMPTS` times in all; then the caller gets :class:`TryAgain`. Inside a
transaction the caller opened, no lock can be taken before the snapshot and nothing can be
retried, so at these levels the use cases refuse to run there (:class:`TryAgain`,
``reason="outer_transaction"``), except inside :func:`predicting`: a dry run that is rolled
back anyway may read a stale snapshot.
"""

from __future__ import annotations

import functools
import random
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, ClassVar, ParamSpec, TypeVar

from django.db import DatabaseError, connections, router

from fluentory_bookings.core.errors import BookingError

__all__ = [
    "MAX_ATTEMPTS",
    "TryAgain",
    "held_keys",
    "is_snapshot_isolation",
    "predicting",
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


class NeedLocks(Exception):
    """Raised inside a use case to have :func:`use_case` take these keys before the snapshot."""

    def __init__(self, keys: Iterable[int]) -> None:
        super().__init__("locks must be taken before the transaction")
        self.keys = frozenset(keys)


@dataclass
class _Run:
    alias: str
    held: set[int] = field(default_factory=set)


_current: ContextVar[_Run | None] = ContextVar("fluentory_bookings_decision", default=None)
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


def held_keys(alias: str) -> set[int] | None:
    """The advisory keys this use case holds outside its transaction, or ``None`` when the
    locks belong inside it (READ COMMITTED, SQLite, or no use case running)."""
    run = _current.get()
    if run is None or run.alias != alias:
        return None
    return run.held


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
        conn = connections[alias]
        if conn.in_atomic_block:
            raise TryAgain(
                "outer_transaction",
                "at REPEATABLE READ or SERIALIZABLE, bookings must be decided outside an open "
                "transaction: call this outside transaction.atomic()",
            )
        state = _Run(alias)
        token = _current.set(state)
        try:
            return _attempts(fn, args, kwargs, state)
        finally:
            _current.reset(token)
            _release(alias, state.held)

    return run


def _attempts(fn: Callable[..., R], args: Any, kwargs: Any, state: _Run) -> R:
    wanted: set[int] = set()
    for attempt in range(MAX_ATTEMPTS):
        try:
            if not wanted <= state.held:
                # Let go first, then take all in one order: nobody waits holding a key out of it.
                _release(state.alias, state.held)
                state.held.clear()
                _acquire(state.alias, wanted, state.held)
            return fn(*args, **kwargs)
        except NeedLocks as need:
            wanted |= need.keys
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


def _acquire(alias: str, keys: Iterable[int], held: set[int]) -> None:
    """Take ``keys`` in sorted order, recording each in ``held`` as soon as it is ours."""
    with connections[alias].cursor() as cursor:
        for key in sorted(keys):
            cursor.execute("SELECT pg_advisory_lock(%s)", [key])
            held.add(key)


def _release(alias: str, keys: Iterable[int]) -> None:
    conn = connections[alias]
    if conn.connection is None:  # closed: the server let go of its locks
        return
    with conn.cursor() as cursor:
        for key in sorted(keys):
            cursor.execute("SELECT pg_advisory_unlock(%s)", [key])


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
