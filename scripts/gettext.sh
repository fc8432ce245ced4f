#!/usr/bin/env bash
# GNU gettext (xgettext, msgmerge, msgfmt, msgattrib): Django's makemessages and compilemessages
# run it, and tests/django/test_translations.py checks the catalogs with it. Installed with
# apt-get when missing and we are root, like the other system pieces the tests need.
set -euo pipefail
if ! command -v msgfmt >/dev/null || ! command -v xgettext >/dev/null || ! command -v msgattrib >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gettext >/dev/null
  fi
fi
command -v msgfmt >/dev/null || { echo "GNU gettext not found (install the gettext package)" >&2; exit 1; }
