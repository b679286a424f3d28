#!/usr/bin/env bash
# Validation speed, side by side: sibyl checking a 200-gem pipeline, and
# Spark analysing the same pipeline (building its DataFrames without
# running them). Prints both and their ratio.
#   bench/validate.sh [GEMS]
set -euo pipefail
cd "$(dirname "$0")/.."
gems=${1:-200}
scripts/build.sh build-bench -DCMAKE_BUILD_TYPE=Release >/dev/null
PY=$(scripts/spark-env.sh)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
build-bench/bench/bench_validate --dump "$work/bench" "$gems"
sibyl_line=$(build-bench/bench/bench_validate "$gems" 300)
echo "$sibyl_line"
spark_line=$("$PY" bench/validate_vs_spark.py "$work/bench" 5 2>/dev/null)
echo "$spark_line"
s=$(sed -E 's/.*median ([0-9.]+) ms.*/\1/' <<<"$sibyl_line")
p=$(sed -E 's/.*median ([0-9.]+) ms.*/\1/' <<<"$spark_line")
python3 -c "print(f'ratio: Spark takes {float($p)/float($s):.0f}x as long as sibyl to check the pipeline')"
