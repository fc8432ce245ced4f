"""The test settings with PostgreSQL at REPEATABLE READ: scripts/test.sh runs the concurrency tests
under it (on SQLite, which has no such level, it is tests.settings unchanged)."""

from tests.settings import *  # noqa: F403
from tests.settings import DATABASES

if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    from psycopg import IsolationLevel

    DATABASES["default"].setdefault("OPTIONS", {})["isolation_level"] = (
        IsolationLevel.REPEATABLE_READ
    )
