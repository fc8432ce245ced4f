#!/usr/bin/env bash
# Runs every benchmark; each prints its comparison as its last line.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/provision.sh bench  # the PostgreSQL benchmarks start their own server (scripts/pg.sh)
bash scripts/bootstrap.sh
for b in bench/*.py; do
  echo "== $b"
  .venv/bin/python "$b"
done
