#!/usr/bin/env bash
# The REST API's OpenAPI schema, docs/api/openapi.yaml, generated from the code by drf-spectacular
# (the views, their serializers and api/schema.py), with the example LMS as host.
#   scripts/openapi.sh           rewrite docs/api/openapi.yaml (commit it with the change)
#   scripts/openapi.sh --check   fail if the committed file differs from what the code generates
set -euo pipefail
cd "$(dirname "$0")/.."
py=${FLUENTORY_PYTHON:-.venv/bin/python}
committed=docs/api/openapi.yaml

generate() {
  # English descriptions whatever the host's language; warnings (an action spectacular cannot
  # read) and an invalid OpenAPI document are errors.
  PYTHONPATH="$PWD/src:$PWD/example_project:$PWD" DJANGO_SETTINGS_MODULE=tests.settings \
    "$py" -m django spectacular --lang en --validate --fail-on-warn \
    --custom-settings fluentory_bookings.contrib.django.api.schema_settings.API_SCHEMA \
    --file "$1"
}

if [ "${1:-}" = "--check" ]; then
  fresh=$(mktemp "${TMPDIR:-/tmp}/openapi.XXXXXX.yaml")
  trap 'rm -f "$fresh"' EXIT
  generate "$fresh"
  if ! diff -u "$committed" "$fresh"; then
    echo "$committed is out of date with the API's code: run scripts/openapi.sh and commit it." >&2
    exit 1
  fi
  echo "$committed is up to date."
else
  generate "$committed"
  echo "wrote $committed"
fi
