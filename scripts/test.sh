#!/usr/bin/env bash
# The whole test suite, as `make test` runs it, each suite once per database and isolation level
# it proves something on:
#   core and docs (no Django);
#   the Django app and its API on SQLite (all but the schema fuzz);
#   the same on a real PostgreSQL server that this script starts and removes, with the fuzz;
#   the races again through a transaction-pooling PgBouncer, at READ COMMITTED, REPEATABLE READ
#   and SERIALIZABLE;
#   the pages in a headless Chromium.
# `scripts/test.sh --fast` (make test-fast) is the edit-test loop: core, docs and the Django app
# on SQLite only, without the fuzz and the browser.
#
# Each pytest spreads its tests over one process per CPU (pytest-xdist); FLUENTORY_TEST_WORKERS
# sets how many (0: all in one process). Other args go to every pytest, after ours: `-n 0` there
# also runs in one process (for --pdb, say).
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
phase() { echo; echo "== $* ($(( $(date +%s) - start ))s)"; }
fast=
if [ "${1:-}" = "--fast" ]; then fast=1; shift; fi
bash scripts/provision.sh "$([ -n "$fast" ] && echo test-fast || echo test)"
bash scripts/bootstrap.sh
# ical.js and libical, the independent parsers the calendar interop tests read our feeds with.
interop=$(bash scripts/interop.sh)
while IFS= read -r line; do export "$line"; done <<< "$interop"
workers=${FLUENTORY_TEST_WORKERS:-$(nproc 2>/dev/null || echo 1)}
[ "$workers" -gt 1 ] || workers=0
pytest() { .venv/bin/python -m pytest -n "$workers" "$@"; }

if [ -z "$fast" ]; then
  pgdir=$(mktemp -d "${TMPDIR:-/tmp}/fluentory-pg.XXXXXX")
  cleanup() { bash scripts/pgbouncer.sh stop "$pgdir/bouncer"; bash scripts/pg.sh stop "$pgdir"; }
  trap cleanup EXIT
  port=$(bash scripts/pg.sh start "$pgdir")
  export FLUENTORY_TEST_PG_HOST=127.0.0.1 FLUENTORY_TEST_PG_PORT=$port
fi

phase "core and docs (no Django needed)"
pytest tests/core tests/docs -p no:django "$@"
if [ ! -d tests/django ]; then phase "done"; exit 0; fi
# The schema fuzz (tests/api/test_schema_fuzz.py, marked `fuzz`, over 40% of a Django run) runs
# once, on PostgreSQL. It proves the API's contract for generated input (no 5xx, the documented
# statuses and bodies), which is the database's business only where the database refuses a value:
# PostgreSQL, the one production runs on, refuses what SQLite stores (out-of-range values for
# 16- and 32-bit integer columns, over-long strings, NUL characters). Every other API test still
# runs on both.
phase "Django app on SQLite"
DJANGO_SETTINGS_MODULE=tests.settings FLUENTORY_TEST_DB=sqlite \
  pytest tests/django tests/api tests/docs_django -m "not fuzz" "$@"
if [ -n "$fast" ]; then phase "done"; exit 0; fi
phase "Django app on PostgreSQL $port"
DJANGO_SETTINGS_MODULE=tests.settings FLUENTORY_TEST_DB=postgres pytest tests/django tests/api "$@"
# The races again as LMSs deploy: through a transaction-pooling PgBouncer with a small pool, at
# each isolation level a host may choose. After each run no advisory lock may be left on the
# server: a session-level one would outlive its transaction there and block the next client.
bouncer=$(bash scripts/pgbouncer.sh start "$pgdir/bouncer" "$port")
for level in read_committed repeatable_read serializable; do
  phase "concurrency through PgBouncer (transaction pooling) at ${level/_/ }"
  settings=tests.settings$([ "$level" = read_committed ] || echo "_$level")
  # --reuse-db: the pooler keeps server connections to the test database, so it is not dropped
  # (the whole server is removed at the end).
  FLUENTORY_TEST_PG_PORT=$bouncer FLUENTORY_TEST_PG_POOLER=1 DJANGO_SETTINGS_MODULE=$settings \
    FLUENTORY_TEST_DB=postgres pytest tests/django tests/api -m "concurrency or isolation" \
    --reuse-db "$@"
  left=$(bash scripts/pg.sh psql "$pgdir" -Atc "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'")
  [ "$left" = 0 ] || { echo "$left advisory locks left on the server after the run" >&2; exit 1; }
done
if [ -d tests/e2e ]; then
  # Each worker starts its own live server and Chromium.
  phase "pages in a real headless Chromium, against a live server on SQLite"
  FLUENTORY_CHROMIUM=$(bash scripts/chromium.sh) DJANGO_SETTINGS_MODULE=tests.settings FLUENTORY_TEST_DB=sqlite \
    pytest tests/e2e "$@"
fi
phase "done"
