#!/usr/bin/env bash
# Crash safety on PostgreSQL (tests/server/crash_test.py against a throwaway
# server from scripts/pg-test.sh). Usage: tests/server/crash_pg.sh path/to/sibyl
# Exit 77 (skipped) when no PostgreSQL server is installed.
set -euo pipefail
sibyl=${1:?usage: crash_pg.sh SIBYL}
here=$(cd "$(dirname "$0")" && pwd)
exec "$here/../../scripts/pg-test.sh" \
  bash -c 'exec python3 "$1" "$2" --store "$SIBYL_TEST_PG"' crash_pg "$here/crash_test.py" "$sibyl"
