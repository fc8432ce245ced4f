#!/usr/bin/env bash
# Prints the path of Debian's Chromium for the browser tests (Playwright launches it by path:
# its own browser download needs a network the CI machine does not have). The `chromium`
# package is installed by scripts/provision.sh.
set -euo pipefail

find_chromium() {
  local c
  for c in "${FLUENTORY_CHROMIUM:-}" /usr/bin/chromium /usr/bin/chromium-browser; do
    if [ -n "$c" ] && [ -x "$c" ]; then echo "$c"; return 0; fi
  done
  return 1
}

find_chromium || {
  echo "Chromium not found: run scripts/provision.sh test as root, install Debian's chromium package, or set FLUENTORY_CHROMIUM" >&2
  exit 1
}
