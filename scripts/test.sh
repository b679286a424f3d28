#!/usr/bin/env bash
# Set up and run the whole test suite: unit, CLI, store (SQLite and
# PostgreSQL) and API tests on a release build, the same under
# AddressSanitizer + UndefinedBehaviorSanitizer (LeakSanitizer included),
# formatting of the examples, the suites that run real Spark, and a short run
# of every fuzz target.
#   FUZZ_SECONDS=600 scripts/test.sh   for longer fuzzing
#   SIBYL_SKIP_SPARK=1 scripts/test.sh skip the suites that run real Spark
# (Java and pyspark 3.5 / 4 come from scripts/spark-env.sh [--spark4].)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh

jobs=$(nproc)
echo "== release build and tests"
bash scripts/build.sh build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSIBYL_WERROR=ON
ctest --test-dir build --output-on-failure -j "$jobs"

echo "== AddressSanitizer + UndefinedBehaviorSanitizer build and tests"
bash scripts/build.sh build-asan -DCMAKE_BUILD_TYPE=Debug -DSIBYL_SANITIZE=ON -DSIBYL_WERROR=ON
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan --output-on-failure -j "$jobs"

echo "== example projects are canonical"
build/sibyl fmt --check examples/*/

if [ "${SIBYL_SKIP_SPARK:-0}" != 1 ]; then
  echo "== real Spark: goldens current, generated code against them (pyspark 3.5 and 4), function conformance"
  SPARK4=1 SIBYL=$PWD/build/sibyl bash tests/spark/run_all.sh
  echo "== real Spark: the spark, livy and databricks fabrics (stand-ins run on local Spark)"
  bash tests/fabric/run_spark.sh build
  bash tests/fabric/run_livy.sh build
  bash tests/fabric/run_databricks.sh build
  echo "== real Spark: sibyl run / submit / fabric test on every example pipeline, on each fabric"
  bash tests/fabric/run_cli.sh build
fi

echo "== fuzz targets (${FUZZ_SECONDS:=30} s each)"
CC=clang bash scripts/build.sh build-fuzz -DCMAKE_C_COMPILER=clang -DSIBYL_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo
for target in build-fuzz/fuzz/fuzz_*; do
  name=$(basename "$target")
  corpus=fuzz/corpus/${name#fuzz_}
  work=$(mktemp -d)
  seeds=()
  [ -d "$corpus" ] && seeds=("$corpus")
  echo "-- $name"
  "$target" -max_total_time="$FUZZ_SECONDS" -print_final_stats=1 -artifact_prefix="$work/" \
    "$work" "${seeds[@]}" 2>&1 | grep -E '^(stat::number_of_executed_units|==|SUMMARY)' || true
  if ls "$work"/crash-* "$work"/leak-* "$work"/timeout-* >/dev/null 2>&1; then
    echo "fuzz target $name found a failing input:" >&2
    ls "$work" >&2
    exit 1
  fi
  rm -rf "$work"
done
echo "== all tests passed"
