#!/usr/bin/env bash
# The independent iCalendar parsers tests/django/test_calendar_interop.py reads our feeds with:
# ical.js (pinned by tests/interop/package-lock.json, run by Node) and libical (Debian's
# gir1.2-ical-3.0, run by Debian's own /usr/bin/python3 through python3-gi, because the venv's
# Python cannot load Debian's GObject bindings). Installs what is missing, as scripts/pg.sh does
# for PostgreSQL, then prints `FLUENTORY_NODE=...` and `FLUENTORY_LIBICAL_PYTHON=...` lines for
# scripts/test.sh to export and for the tests to read.
set -euo pipefail
cd "$(dirname "$0")/.."
interop=tests/interop
libical_python=${FLUENTORY_LIBICAL_PYTHON:-/usr/bin/python3}

apt_install() {
  [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null || return 0
  # A fresh image may have no package lists yet: update only when the plain install fails.
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null 2>&1 \
    || { apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null; }
}

has_libical() {
  [ -x "$libical_python" ] && "$libical_python" -c \
    'import gi; gi.require_version("ICalGLib", "3.0"); from gi.repository import ICalGLib' 2>/dev/null
}

if ! has_libical; then
  apt_install gir1.2-ical-3.0 python3-gi
  has_libical || { echo "libical's Python bindings not found (install gir1.2-ical-3.0 and python3-gi)" >&2; exit 1; }
fi

node=${FLUENTORY_NODE:-$(command -v node || true)}
if [ -z "$node" ]; then
  apt_install nodejs npm
  node=$(command -v node || true)
fi
[ -n "$node" ] && [ -x "$node" ] || { echo "Node.js not found (install the nodejs and npm packages)" >&2; exit 1; }

# npm ci installs exactly the lock; rerun it only when the lock changed since the last install.
if [ ! -f "$interop/node_modules/.package-lock.json" ] || [ "$interop/package-lock.json" -nt "$interop/node_modules/.package-lock.json" ]; then
  command -v npm >/dev/null || { echo "npm not found (install the npm package)" >&2; exit 1; }
  (cd "$interop" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
fi

echo "FLUENTORY_NODE=$node"
echo "FLUENTORY_LIBICAL_PYTHON=$libical_python"
