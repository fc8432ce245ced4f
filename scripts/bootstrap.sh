#!/usr/bin/env bash
# Creates (or refreshes) .venv from the project's own files. Idempotent and quick when nothing changed.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/python.sh
stamp=.venv/.installed
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
if [ ! -f "$stamp" ] || [ requirements/dev.txt -nt "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  .venv/bin/python -m pip install -q uv==0.13.8
  .venv/bin/uv pip install -q --python .venv/bin/python -r requirements/dev.txt
  touch "$stamp"
fi
