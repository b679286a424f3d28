#!/usr/bin/env bash
# The fabrics suite (tests/server/fabrics_test.py) on PostgreSQL: starts a
# throwaway server with scripts/pg-test.sh and runs `sibyl serve --store` (and
# `sibyl key`, `sibyl user`, `sibyl token` with the same --store) against it.
# Usage: tests/server/fabrics_pg.sh path/to/sibyl
# Exit 77 (skipped) when no PostgreSQL server is installed.
set -euo pipefail
sibyl=${1:?usage: fabrics_pg.sh SIBYL}
here=$(cd "$(dirname "$0")" && pwd)
exec "$here/../../scripts/pg-test.sh" \
  bash -c 'exec python3 "$1" "$2" --store "$SIBYL_TEST_PG"' fabrics_pg "$here/fabrics_test.py" "$sibyl"
