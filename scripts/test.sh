#!/usr/bin/env bash
# The whole test suite, as `make test` runs it: core and docs, then the Django app on SQLite and
# on a real PostgreSQL server that this script starts and removes, then the pages in a headless
# Chromium. Extra args go to every pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/provision.sh test  # PostgreSQL, Chromium, gettext, Node.js, libical: what is missing
bash scripts/bootstrap.sh
# ical.js and libical, the independent parsers the calendar interop tests read our feeds with.
interop=$(bash scripts/interop.sh)
while IFS= read -r line; do export "$line"; done <<< "$interop"
py=.venv/bin/python

pgdir=$(mktemp -d "${TMPDIR:-/tmp}/fluentory-pg.XXXXXX")
cleanup() { bash scripts/pg.sh stop "$pgdir"; }
trap cleanup EXIT
port=$(bash scripts/pg.sh start "$pgdir")
export FLUENTORY_TEST_PG_HOST=127.0.0.1 FLUENTORY_TEST_PG_PORT=$port

echo "== core and docs (no Django needed)"
$py -m pytest tests/core tests/docs -p no:django "$@"
if [ -d tests/django ]; then
  echo "== Django app on SQLite"
  DJANGO_SETTINGS_MODULE=tests.settings FLUENTORY_TEST_DB=sqlite $py -m pytest tests/django tests/api tests/docs_django "$@"
  echo "== Django app on PostgreSQL $(cat "$pgdir/port")"
  DJANGO_SETTINGS_MODULE=tests.settings FLUENTORY_TEST_DB=postgres $py -m pytest tests/django tests/api "$@"
  # The races again at the snapshot isolation levels hosts may choose (READ COMMITTED ran above).
  for level in repeatable_read serializable; do
    echo "== concurrency on PostgreSQL at ${level/_/ }"
    DJANGO_SETTINGS_MODULE=tests.settings_$level FLUENTORY_TEST_DB=postgres \
      $py -m pytest tests/django tests/api -m "concurrency or isolation" "$@"
  done
fi
if [ -d tests/e2e ]; then
  echo "== pages in a real headless Chromium, against a live server on SQLite"
  FLUENTORY_CHROMIUM=$(bash scripts/chromium.sh) DJANGO_SETTINGS_MODULE=tests.settings FLUENTORY_TEST_DB=sqlite \
    $py -m pytest tests/e2e "$@"
fi
