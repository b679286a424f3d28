#!/usr/bin/env bash
# The runs suite: starts `sibyl serve` and runs pipelines through it on real
# local Spark and on the Livy and Databricks stand-ins (tests/server/runs_test.py).
# Usage: tests/server/runs.sh path/to/sibyl
# Needs Java and pyspark 3.5 (scripts/spark-env.sh sets them up); set
# SIBYL_SKIP_SPARK=1 to skip it on a machine without them.
set -euo pipefail
sibyl=${1:?usage: runs.sh SIBYL}
here=$(cd "$(dirname "$0")" && pwd)
if [ "${SIBYL_SKIP_SPARK:-}" = 1 ]; then
    echo "runs suite: skipped (SIBYL_SKIP_SPARK=1): it runs pipelines on real Spark"
    exit 77
fi
py=$("$here/../../scripts/spark-env.sh")
exec python3 "$here/runs_test.py" "$sibyl" "$py"
