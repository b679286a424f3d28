#!/usr/bin/env bash
# run_databricks.sh — the `databricks` fabric against the Databricks
# stand-in (tests/fabric/databricks_standin.py: the REST APIs as Databricks
# documents them, with real pyspark behind them).
#
#   tests/fabric/run_databricks.sh [BUILD_DIR]        (default: build)
#
# 1. The stand-in is held to Databricks' own Python SDK
#    (tests/fabric/test_databricks_sdk.py, databricks-sdk from PyPI).
# 2. The C driver runs real PySpark through fabric.h against it, with the
#    failure cases (BUILD_DIR/tests/fabric_test_databricks_live).
# 3. Nothing is left running: no execution context, no job process, no
#    driver process once the stand-in is stopped.
#
# With SIBYL_TEST_DATABRICKS_URL, _TOKEN and _CLUSTER set to a real
# workspace, step 2 runs against it instead (tests that need the stand-in's
# knobs are skipped). Prints "N passed, N failed".
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${1:-$root/build}
live=$build/tests/fabric_test_databricks_live
PY=$("$root/scripts/spark-env.sh") || exit 1
"$PY" -m pip install -q --disable-pip-version-check \
    -r "$root/tests/fabric/requirements-databricks.txt" >&2 || exit 1
[ -x "$live" ] || { echo "run_databricks: $live not built" >&2; exit 1; }
work=$(mktemp -d)
passed=0 failed=0
standin_pid=

cleanup() {
    if [ -n "$standin_pid" ]; then
        kill "$standin_pid" 2>/dev/null
        wait "$standin_pid" 2>/dev/null
    fi
    rm -rf "$work"
}
trap cleanup EXIT

ok() { passed=$((passed + 1)); echo "ok   $1"; }
bad() { failed=$((failed + 1)); echo "FAIL $1"; }
count() { # name, log of a unittest or cmocka run, its exit status
    local n f
    n=$(grep -E '^test_.* \.\.\. ok$|^\[       OK \] ' "$2" | sort -u | wc -l)
    f=$(grep -E '^test_.* \.\.\. (FAIL|ERROR)$|^\[  FAILED  \] test_' "$2" | sort -u | wc -l)
    echo "     $1: $n passed, $f failed"
    if [ "$3" -eq 0 ] && [ "$n" -gt 0 ]; then ok "$1"; else bad "$1"; tail -60 "$2" | sed 's/^/    /'; fi
}

# 1. The stand-in, held to the official client.
t0=$SECONDS
"$PY" "$root/tests/fabric/test_databricks_sdk.py" >"$work/sdk.log" 2>&1
count "stand-in with databricks-sdk ($((SECONDS - t0)) s)" "$work/sdk.log" $?

# 2. The C driver.
t0=$SECONDS
if [ -n "${SIBYL_TEST_DATABRICKS_URL:-}" ]; then
    SIBYL_TEST_DATABRICKS_STANDIN=0 "$live" >"$work/live.log" 2>&1
    count "C driver against $SIBYL_TEST_DATABRICKS_URL ($((SECONDS - t0)) s)" "$work/live.log" $?
else
    SIBYL_DBX_START_SECONDS=2 SIBYL_DBX_EXPIRED_TOKENS=dapi-expired \
        "$PY" "$root/tests/fabric/databricks_standin.py" --port-file "$work/port" \
        --state-dir "$work/state" >"$work/standin.out" 2>"$work/standin.log" &
    standin_pid=$!
    for _ in $(seq 1 100); do [ -s "$work/port" ] && break; sleep 0.1; done
    url=http://127.0.0.1:$(cat "$work/port")
    (cd "$root" && SIBYL_TEST_DATABRICKS_URL=$url SIBYL_TEST_DATABRICKS_TOKEN=dapi-standin-token \
        SIBYL_TEST_DATABRICKS_CLUSTER=0101-000000-running0 SIBYL_TEST_DATABRICKS_STANDIN=1 \
        "$live") >"$work/live.log" 2>&1
    count "C driver against the stand-in ($((SECONDS - t0)) s)" "$work/live.log" $?
    grep -E '^    (first run|cold start)' "$work/live.log" | sed 's/^    /     /'

    # 3. Stopping the stand-in ends every process it started.
    descendants() { # every process below pid $1
        ps -e -o pid=,ppid= | awk -v root="$1" '
            { parent[$1] = $2 }
            END { for (p in parent) { q = p; while (q in parent && q != root && q > 1) q = parent[q];
                                      if (q == root && p != root) print p } }'
    }
    tree=$(descendants "$standin_pid")
    kill "$standin_pid"
    wait "$standin_pid" 2>/dev/null
    standin_pid=
    sleep 2
    left=
    for p in $tree; do
        if kill -0 "$p" 2>/dev/null; then left="$left $p"; fi
    done
    if [ -z "$left" ]; then
        ok "no process left behind ($(echo $tree | wc -w) stopped with the stand-in)"
    else
        bad "processes left behind:$left"
        ps -o pid,ppid,pgid,cmd -p ${left// /,} | cut -c1-160 | sed 's/^/    /'
    fi
fi

echo "run_databricks: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
