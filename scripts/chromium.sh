#!/usr/bin/env bash
# Prints the path of Debian's Chromium for the browser tests (Playwright launches it by path:
# its own browser download needs a network the CI machine does not have). Installs the
# `chromium` package with apt-get when it is missing and we are root, as scripts/pg.sh does.
set -euo pipefail

find_chromium() {
  local c
  for c in "${FLUENTORY_CHROMIUM:-}" /usr/bin/chromium /usr/bin/chromium-browser; do
    if [ -n "$c" ] && [ -x "$c" ]; then echo "$c"; return 0; fi
  done
  return 1
}

if ! find_chromium; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  fi
  find_chromium || { echo "Chromium not found (install Debian's chromium package)" >&2; exit 1; }
fi
