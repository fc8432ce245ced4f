#!/usr/bin/env bash
# The independent iCalendar parsers tests/django/test_calendar_interop.py reads our feeds with:
# ical.js (pinned by tests/interop/package-lock.json, run by Node) and libical (Debian's
# gir1.2-ical-3.0, run by Debian's own /usr/bin/python3 through python3-gi, because the venv's
# Python cannot load Debian's GObject bindings). The system packages (gir1.2-ical-3.0,
# python3-gi, nodejs, npm) come from scripts/provision.sh; this script runs `npm ci` when the lock
# changed, then prints `FLUENTORY_NODE=...` and `FLUENTORY_LIBICAL_PYTHON=...` lines for
# scripts/test.sh to export and for the tests to read.
set -euo pipefail
cd "$(dirname "$0")/.."
interop=tests/interop
libical_python=${FLUENTORY_LIBICAL_PYTHON:-/usr/bin/python3}

missing() { echo "$1 not found: run scripts/provision.sh test-fast as root, or install $2" >&2; exit 1; }

has_libical() {
  [ -x "$libical_python" ] && "$libical_python" -c \
    'import gi; gi.require_version("ICalGLib", "3.0"); from gi.repository import ICalGLib' 2>/dev/null
}

has_libical || missing "libical's Python bindings" "gir1.2-ical-3.0 and python3-gi"

node=${FLUENTORY_NODE:-$(command -v node || true)}
[ -n "$node" ] && [ -x "$node" ] || missing "Node.js" "the nodejs package"

# npm ci installs exactly the lock; rerun it only when the lock changed since the last install.
if [ ! -f "$interop/node_modules/.package-lock.json" ] || [ "$interop/package-lock.json" -nt "$interop/node_modules/.package-lock.json" ]; then
  command -v npm >/dev/null || missing "npm" "the npm package"
  (cd "$interop" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
fi

echo "FLUENTORY_NODE=$node"
echo "FLUENTORY_LIBICAL_PYTHON=$libical_python"
