#!/usr/bin/env bash
# The one place that installs system packages (Debian's, with apt-get). The other scripts only
# look for what they need and, when it is missing, say to run this.
#
#   scripts/provision.sh demo       Python >= 3.11 with venv: all the demo needs (and every .venv)
#   scripts/provision.sh test-fast  demo + gettext, Node.js/npm and libical's GObject bindings
#                                   (the Django suite on SQLite: translations, calendar interop)
#   scripts/provision.sh test       test-fast + PostgreSQL's server, PgBouncer and Chromium
#                                   (make test)
#   scripts/provision.sh bench      demo + PostgreSQL's server (the benchmarks)
#
# It checks first and does nothing when everything is there (well under a second). When something
# is missing it runs one `apt-get update` and one `apt-get install` of all of it, as root only;
# otherwise it names the packages and fails. The checks honour the same overrides the tests do
# (FLUENTORY_CHROMIUM, FLUENTORY_NODE, FLUENTORY_LIBICAL_PYTHON).
set -euo pipefail
want=${1:-test}

missing=()
need() { missing+=("$@"); }

python_ok() {
  # The interpreter scripts/python.sh picks for .venv (with the PATH it sets): CPython >= 3.11
  # that can make a venv with pip (Debian splits that into python3-venv).
  (. scripts/python.sh 2>/dev/null && "$PYTHON" -c 'import venv, ensurepip' 2>/dev/null)
}
check_demo() {
  python_ok || need python3 python3-venv
}
check_postgres() {
  compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || need postgresql
  command -v python3 >/dev/null || need python3  # scripts/pg.sh picks a free port with it
}
check_pgbouncer() {
  # The race suites run again through a transaction-pooling PgBouncer (scripts/pgbouncer.sh).
  command -v pgbouncer >/dev/null || [ -x /usr/sbin/pgbouncer ] || need pgbouncer
}
check_chromium() {
  local c
  for c in "${FLUENTORY_CHROMIUM:-}" /usr/bin/chromium /usr/bin/chromium-browser; do
    [ -n "$c" ] && [ -x "$c" ] && return 0
  done
  need chromium
}
check_gettext() {
  # Django's makemessages/compilemessages and tests/django/test_translations.py.
  command -v msgfmt >/dev/null && command -v xgettext >/dev/null && command -v msgattrib >/dev/null \
    || need gettext
}
check_interop() {
  # The independent iCalendar parsers (scripts/interop.sh): libical through Debian's own Python
  # (the venv's cannot load Debian's GObject bindings), ical.js on Node.
  "${FLUENTORY_LIBICAL_PYTHON:-/usr/bin/python3}" -c \
    'import gi; gi.require_version("ICalGLib", "3.0"); from gi.repository import ICalGLib' \
    >/dev/null 2>&1 || need gir1.2-ical-3.0 python3-gi
  local node=${FLUENTORY_NODE:-$(command -v node || true)}
  [ -n "$node" ] && [ -x "$node" ] || need nodejs
  command -v npm >/dev/null || need npm  # NodeSource's nodejs has it; Debian's is a package of its own
}

cd "$(dirname "$0")/.."
case "$want" in
  demo) check_demo ;;
  test-fast) check_demo; check_gettext; check_interop ;;
  test) check_demo; check_gettext; check_interop; check_postgres; check_pgbouncer; check_chromium ;;
  bench) check_demo; check_postgres ;;
  *) echo "usage: $0 demo|test-fast|test|bench" >&2; exit 2 ;;
esac
[ ${#missing[@]} -eq 0 ] && exit 0

# Each package once, in the order first asked for.
mapfile -t missing < <(printf '%s\n' "${missing[@]}" | awk '!seen[$0]++')
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  echo "missing system packages for '$want': ${missing[*]}" >&2
  echo "install them (Debian: sudo apt-get install ${missing[*]}), or run scripts/provision.sh $want as root" >&2
  exit 1
fi
echo "provision ($want): apt-get install ${missing[*]}" >&2
apt-get update -qq >/dev/null
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
