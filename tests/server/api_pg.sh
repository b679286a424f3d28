#!/usr/bin/env bash
# The API suite (tests/server/api_test.py) on PostgreSQL: starts a throwaway
# server with scripts/pg-test.sh and runs `sibyl serve --store` against it.
# Usage: tests/server/api_pg.sh path/to/sibyl
# Exit 77 (skipped) when no PostgreSQL server is installed.
set -euo pipefail
sibyl=${1:?usage: api_pg.sh SIBYL}
here=$(cd "$(dirname "$0")" && pwd)
exec "$here/../../scripts/pg-test.sh" \
  bash -c 'exec python3 "$1" "$2" --store "$SIBYL_TEST_PG"' api_pg "$here/api_test.py" "$sibyl"
