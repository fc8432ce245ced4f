#!/usr/bin/env bash
# A throwaway PostgreSQL server for the tests: `scripts/pg.sh start DIR` prints `PORT`,
# `scripts/pg.sh stop DIR` removes it, `scripts/pg.sh psql DIR ARGS...` runs psql against it. Runs the cluster as the `postgres` user when we are root
# (initdb refuses root), on 127.0.0.1 only, with durability off because nothing here must survive.
# The server binaries are Debian's `postgresql` package, which scripts/provision.sh installs.
set -euo pipefail
cmd=${1:?start|stop}
dir=${2:?directory}

pgbin() {
  local b
  b=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -n "$b" ] || { echo "PostgreSQL server binaries not found: run scripts/provision.sh bench (or test) as root, or install the postgresql package" >&2; exit 1; }
  echo "$b"
}

as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "$cmd" in
  start)
    bin=$(pgbin)
    mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown postgres: "$dir"
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    as_owner "$bin/initdb" -D "$dir/data" -A trust -U postgres -E UTF8 >/dev/null
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -o \
      "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
      start >/dev/null
    echo "$port" > "$dir/port"
    echo "$port"
    ;;
  stop)
    if [ -d "$dir/data" ]; then
      as_owner "$(pgbin)/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
    ;;
  psql)
    shift 2
    as_owner "$(pgbin)/psql" -h 127.0.0.1 -p "$(cat "$dir/port")" -U postgres -d postgres "$@"
    ;;
  *) echo "usage: $0 start|stop|psql DIR [psql args]" >&2; exit 2 ;;
esac
