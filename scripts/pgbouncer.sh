#!/usr/bin/env bash
# A throwaway PgBouncer in transaction pooling mode (the default of most managed PostgreSQL
# offers) in front of the test server: `scripts/pgbouncer.sh start DIR PG_PORT` prints `PORT`,
# `scripts/pgbouncer.sh stop DIR` removes it. A small pool (POOL, default 4 server connections per
# database) makes clients share server connections, so anything a use case left on a server
# connection after its transaction (a session advisory lock, a session SET, a prepared
# statement) would reach another client. Debian's `pgbouncer` package, which
# scripts/provision.sh installs; run as the `postgres` user when we are root (it refuses root).
set -euo pipefail
cmd=${1:?start|stop}
dir=${2:?directory}

bouncer() {
  local b
  for b in "$(command -v pgbouncer || true)" /usr/sbin/pgbouncer; do
    if [ -n "$b" ] && [ -x "$b" ]; then echo "$b"; return 0; fi
  done
  echo "pgbouncer not found: run scripts/provision.sh test as root, or install the pgbouncer package" >&2
  exit 1
}
as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "$cmd" in
  start)
    pg_port=${3:?postgres port}
    bin=$(bouncer)
    mkdir -p "$dir"
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    cat > "$dir/pgbouncer.ini" <<INI
[databases]
* = host=127.0.0.1 port=$pg_port
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $port
unix_socket_dir = $dir
auth_type = trust
auth_file = $dir/users.txt
pool_mode = transaction
default_pool_size = ${POOL:-4}
max_client_conn = 400
max_db_connections = 0
ignore_startup_parameters = extra_float_digits,options
logfile = $dir/pgbouncer.log
pidfile = $dir/pgbouncer.pid
INI
    echo '"postgres" ""' > "$dir/users.txt"
    [ "$(id -u)" = 0 ] && chown -R postgres: "$dir"
    as_owner "$bin" -d "$dir/pgbouncer.ini"
    for _ in $(seq 50); do
      python3 -c "import socket; socket.create_connection(('127.0.0.1', $port), 0.2)" 2>/dev/null && break
      sleep 0.1
    done
    echo "$port"
    ;;
  stop)
    if [ -f "$dir/pgbouncer.pid" ]; then
      kill "$(cat "$dir/pgbouncer.pid")" 2>/dev/null || true
    fi
    rm -rf "$dir"
    ;;
  *) echo "usage: $0 start DIR PG_PORT | stop DIR" >&2; exit 2 ;;
esac
