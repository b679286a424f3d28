#!/usr/bin/env bash
# The runs suite (tests/server/runs_test.py) on PostgreSQL: starts a
# throwaway server with scripts/pg-test.sh and runs `sibyl serve --store`
# against it, kept short with SIBYL_RUNS_QUICK=1: the main run on local Spark
# with its events, failures, limits and cancel, roles and tenant isolation,
# and the runs on the Livy and Databricks stand-ins (SIBYL_RUNS_QUICK=0: all).
# Usage: tests/server/runs_pg.sh path/to/sibyl
# Needs Java and pyspark 3.5 (scripts/spark-env.sh); exit 77 (skipped) with
# SIBYL_SKIP_SPARK=1 or when no PostgreSQL server is installed.
set -euo pipefail
sibyl=${1:?usage: runs_pg.sh SIBYL}
here=$(cd "$(dirname "$0")" && pwd)
if [ "${SIBYL_SKIP_SPARK:-}" = 1 ]; then
    echo "runs suite on PostgreSQL: skipped (SIBYL_SKIP_SPARK=1): it runs pipelines on real Spark"
    exit 77
fi
py=$("$here/../../scripts/spark-env.sh")
export SIBYL_RUNS_QUICK=${SIBYL_RUNS_QUICK:-1}
exec "$here/../../scripts/pg-test.sh" \
  bash -c 'exec python3 "$1" "$2" "$3" --store "$SIBYL_TEST_PG"' runs_pg "$here/runs_test.py" "$sibyl" "$py"
