#!/usr/bin/env bash
# Run the store suite against a throwaway PostgreSQL server (the SQLite half
# is store/test_store). Usage: tests/store/run_pg.sh PATH/TO/store_test_store
# ctest runs it as store/run_pg; exit 77 (skipped) when no server is installed.
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
SIBYL_TEST_PG_ONLY=1 exec "$here/scripts/pg-test.sh" "$1"
