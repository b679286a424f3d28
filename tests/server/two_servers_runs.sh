#!/usr/bin/env bash
# Runs shared by two `sibyl serve` processes over one throwaway PostgreSQL
# database, on local Spark (tests/server/two_servers_runs_test.py): events
# relayed by the process that does not run the run, limits counted across
# both, cancel through either, and the runs of a killed process marked
# interrupted by the other.
# Usage: tests/server/two_servers_runs.sh path/to/sibyl
# Needs Java and pyspark 3.5 (scripts/spark-env.sh); exit 77 (skipped) with
# SIBYL_SKIP_SPARK=1 or when no PostgreSQL server is installed.
set -euo pipefail
sibyl=${1:?usage: two_servers_runs.sh SIBYL}
here=$(cd "$(dirname "$0")" && pwd)
if [ "${SIBYL_SKIP_SPARK:-}" = 1 ]; then
    echo "runs across two servers: skipped (SIBYL_SKIP_SPARK=1): it runs pipelines on real Spark"
    exit 77
fi
py=$("$here/../../scripts/spark-env.sh")
exec "$here/../../scripts/pg-test.sh" python3 "$here/two_servers_runs_test.py" "$sibyl" "$py"
