#!/usr/bin/env bash
# Start a throwaway PostgreSQL server from Debian's packages, for tests.
#
#   scripts/pg-test.sh                  start it, print the connection string,
#                                       and keep it up until Ctrl-C
#   scripts/pg-test.sh CMD [ARG...]     start it, run CMD with SIBYL_TEST_PG set
#                                       to the connection string, stop it, and
#                                       exit with CMD's status
#
# The cluster lives in a new temporary directory (initdb), listens only on a
# Unix socket inside that directory, trusts local connections, does not
# fsync (it holds nothing worth keeping past a machine crash; commits and
# crashes of its clients behave as on any server), and is stopped and
# deleted on exit. Run as root, the server runs as the
# `postgres` user (PostgreSQL refuses to run as root). Exit status 77: no
# PostgreSQL server installed (scripts/install-deps.sh installs it).
set -euo pipefail

bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ]; then
  echo "pg-test: no PostgreSQL server found under /usr/lib/postgresql (run scripts/install-deps.sh)" >&2
  exit 77
fi

dir=$(mktemp -d /tmp/sibyl-pg-XXXXXX)
as_server=()
if [ "$(id -u)" -eq 0 ]; then
  server_user=postgres
  if ! id "$server_user" >/dev/null 2>&1; then
    server_user=sibyl-pg
    id "$server_user" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$server_user"
  fi
  chown "$server_user" "$dir"
  as_server=(runuser -u "$server_user" --)
fi
port=5432 # the socket is private to $dir, so the port cannot collide

started=0
cleanup() {
  local status=$?
  if [ "$started" = 1 ]; then
    "${as_server[@]}" "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$dir"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if ! "${as_server[@]}" "$bindir/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 \
     --locale=C.UTF-8 >"$dir/initdb.log" 2>&1; then
  cat "$dir/initdb.log" >&2
  exit 1
fi
if ! "${as_server[@]}" "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
     -o "-c listen_addresses='' -k $dir -p $port -c fsync=off" start >/dev/null; then
  cat "$dir/server.log" >&2
  exit 1
fi
started=1

"$bindir/psql" -h "$dir" -p "$port" -U postgres -d postgres -qAt -v ON_ERROR_STOP=1 \
  -c "CREATE DATABASE sibyl" >/dev/null
# amcheck lets sb_store_check verify every index; it ships with the server.
"$bindir/psql" -h "$dir" -p "$port" -U postgres -d sibyl -qAt \
  -c "CREATE EXTENSION IF NOT EXISTS amcheck" >/dev/null 2>&1 || true

conn="host=$dir port=$port user=postgres dbname=sibyl"
if [ $# -eq 0 ]; then
  echo "$conn"
  echo "pg-test: PostgreSQL is up (log: $dir/server.log); Ctrl-C stops it" >&2
  while true; do sleep 3600; done
fi
set +e
SIBYL_TEST_PG="$conn" "$@"
exit $?
