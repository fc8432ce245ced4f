#!/usr/bin/env bash
# The demo: the core walkthrough, then the example LMS on SQLite, seeded, on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/provision.sh demo  # Python with venv: the demo runs on SQLite, catalogs come compiled
bash scripts/bootstrap.sh
.venv/bin/python example_project/core_walkthrough.py
cd example_project
# The demo, and only the demo, runs with DEBUG: its fixed secret key, e-mails printed here and the
# one-click sign-in (settings.py). Without it the example LMS starts safe (docs/django/example-lms.md).
export DJANGO_DEBUG=1
../.venv/bin/python manage.py migrate --noinput -v0
../.venv/bin/python manage.py seed_demo
url="http://127.0.0.1:${PORT:-8000}/"
export LMS_SITE_URL="${url%/}"  # the e-mails' links (settings.py)
echo
echo "Open $url and sign in with one click: ana (a student) or tara (a teacher), among others."
echo "Passwords are the usernames; admin / admin opens ${url}admin/. Ctrl-C stops."
echo "E-mails are printed here. Reminders: in a second terminal, in example_project/,"
echo "  ../.venv/bin/python manage.py bookings_housekeeping --loop"
exec ../.venv/bin/python manage.py runserver "127.0.0.1:${PORT:-8000}"
