"""Which database constraint an ``IntegrityError`` names, so a service maps only the one that
means its refusal and lets every other one through."""

from __future__ import annotations

from django.db import IntegrityError


def violates(exc: IntegrityError, constraint: str, *, table: str, columns: tuple[str, ...]) -> bool:
    """Whether ``exc`` is the violation of ``constraint``.

    PostgreSQL names the constraint; SQLite names only the table and columns of a unique one
    ("UNIQUE constraint failed: table.a, table.b").
    """
    cause = exc.__cause__
    diag = getattr(cause, "diag", None)
    if diag is not None:
        return getattr(diag, "constraint_name", None) == constraint
    text = str(exc)
    if constraint in text:
        return True
    failed = ", ".join(f"{table}.{c}" for c in columns)
    return text.startswith("UNIQUE constraint failed: ") and text.endswith(failed)
