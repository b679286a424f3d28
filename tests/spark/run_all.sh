#!/usr/bin/env bash
# run_all.sh — the whole real-Spark test suite, independent of ctest (what
# scripts/test.sh runs):
#
#   0. the harness's own unit tests (tests/spark/test_harness.py)
#   1. the goldens are current: scripts/gen-goldens.sh --check
#   2. the comparison runner's own self-test (the reference posing as
#      generated code must match its goldens; a corrupted copy must not)
#   3. sibyl's schemas and generated PySpark against the goldens
#      (tests/spark/run_examples.sh; skipped with a message while `sibyl gen`
#      does not exist)
#   4. the function conformance table: expected.tsv is Spark's answer, and
#      the generated code gives the same answers (check_codegen.py)
#
# Uses $SIBYL, else build/sibyl, else builds build-spark/sibyl.
#   SPARK4=1 tests/spark/run_all.sh     also runs step 3 on the examples under pyspark 4
#                                       (SPARK4=all: every project)
#   QUICK=1 tests/spark/run_all.sh      skips step 2
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
start=$(date +%s)
step() { printf '\n== %s (%ss)\n' "$*" "$(( $(date +%s) - start ))"; }
# Every step runs even when an earlier one fails; the failures are listed at the end.
failed=()
check() { local name=$1; shift; "$@" || failed+=("$name"); }

if [ -z "${SIBYL:-}" ]; then
    if [ -x build/sibyl ]; then
        SIBYL=$root/build/sibyl
    else
        step "building sibyl in build-spark"
        cmake -S . -B build-spark -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
        cmake --build build-spark --target sibyl
        SIBYL=$root/build-spark/sibyl
    fi
fi
export SIBYL
PY=$(scripts/spark-env.sh)
if ! "$PY" -c 'import pytest' >/dev/null 2>&1 || ! "$PY" -m ruff --version >/dev/null 2>&1; then
    "$PY" -m pip install -q --disable-pip-version-check 'pytest==9.*' 'ruff==0.17.*' >&2
fi

step "harness unit tests"
check "harness unit tests" "$PY" -m pytest -q -p no:cacheprovider tests/spark/test_harness.py

step "goldens are current"
check "goldens --check" "$PY" tests/spark/goldens.py --check

if [ -z "${QUICK:-}" ]; then
    step "comparison runner self-test"
    check "runner self-test" "$PY" tests/spark/run_examples.py --self-test --no-configs \
        --only retail --only all_gems/staffing_gaps
fi

step "generated code against the goldens"
check "run_examples" tests/spark/run_examples.sh --sibyl "$SIBYL"
if [ -n "${SPARK4:-}" ]; then
    step "generated code against the goldens on pyspark 4"
    # The example projects; SPARK4=all also runs the edge-case projects.
    only=(--only retail --only clickstream --only all_gems)
    [ "${SPARK4}" = all ] && only=()
    check "run_examples --spark4" tests/spark/run_examples.sh --spark4 --sibyl "$SIBYL" --no-schema "${only[@]}"
fi

step "function conformance"
check "functions expected.tsv --check" "$PY" tests/spark/functions/gen.py --check
check "functions check_codegen" "$PY" tests/spark/functions/check_codegen.py --sibyl "$SIBYL"

if [ ${#failed[@]} -gt 0 ]; then
    step "FAILED: ${failed[*]}"
    exit 1
fi
step "all Spark tests passed"
