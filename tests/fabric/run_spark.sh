#!/usr/bin/env bash
# run_spark.sh — the `spark` fabric on real local Spark, through the C API
# (build/bench/bench_fabric): previews of a package, warm runs, failures
# (code error, the driver killed mid-run, cancel, timeout), batch runs with
# spark-submit, and no process left behind.
#
#   tests/fabric/run_spark.sh [BUILD_DIR]      (default: build)
#
# Needs Java and the .venv from scripts/spark-env.sh (created if missing).
# Prints "N passed, N failed" and exits non-zero on any failure.
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${1:-$root/build}
bench=$build/bench/bench_fabric
PY=$("$root/scripts/spark-env.sh") || exit 1
[ -x "$bench" ] || { echo "run_spark: $bench not built" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
pkg=$root/tests/fabric/pkg
passed=0 failed=0
export SIBYL_PYTHON=$PY

check() { # name, python assertion over the JSON lines in $work/out (list `runs`)
    local name=$1 expr=$2
    if "$PY" - "$work/out" "$expr" <<'EOF'
import json, sys
runs = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
ok = eval("(" + sys.argv[2] + ")", {"runs": runs, "r": runs[0] if runs else {}})
if not ok:
    print(json.dumps(runs, indent=1)[:3000], file=sys.stderr)
sys.exit(0 if ok else 1)
EOF
    then passed=$((passed + 1)); echo "ok   $name"
    else failed=$((failed + 1)); echo "FAIL $name"; sed 's/^/    /' "$work/err" | tail -20
    fi
}

fab=(--name local --conf spark.ui.enabled=false --conf spark.sql.shuffle.partitions=2)

# Driver pids in a run's output ("local Spark driver pid N"): none may outlive the run.
no_orphans() {
    local name=$1 pids
    pids=$(grep -o 'driver pid [0-9]*' "$work/out" | awk '{print $3}' | sort -u)
    for p in $pids; do
        # A JVM killed with its group may take a moment to be reaped.
        for _ in 1 2 3 4 5 6 7 8 9 10; do
            kill -0 "$p" 2>/dev/null || pgrep -g "$p" >/dev/null 2>&1 || break
            sleep 0.5
        done
        if kill -0 "$p" 2>/dev/null || pgrep -g "$p" >/dev/null 2>&1; then
            ps -o pid,pgid,stat,cmd -g "$p" | cut -c1-120 >&2
            failed=$((failed + 1)); echo "FAIL $name: process group $p still alive"; return
        fi
    done
    passed=$((passed + 1)); echo "ok   $name"
}

# 1. Previews of the package: three runs in one warm driver.
"$bench" "${fab[@]}" run --package "$pkg" --module fabric_demo --rows 3 --repeat 3 \
    >"$work/out" 2>"$work/err"
check "preview: three edges, counts, typed sample rows" \
    'all(x["state"] == "succeeded" for x in runs) and len(runs) == 3 and
     [(e["gem"], e["count"]) for e in r["edges"]] == [("numbers", 10), ("evens", 5), ("labelled", 5)] and
     r["edges"][2]["rows"] == [[0, "#0", "0.00"], [2, "#2", "0.50"], [4, "#4", "1.00"]] and
     [c["type"] for c in r["edges"][2]["schema"]] == ["int", "string", "decimal(6,2)"] and
     r["output"] == ["config default"]'
check "preview: warm runs reuse the driver and take under 10 s (a second when idle)" \
    'len({x["session"] for x in runs}) == 1 and all(x["wall_ms"] < 10000 for x in runs[1:])'
check "preview: sibyl overhead under 50 ms per warm run" \
    'all(0 <= x["overhead_ms"] < 50 for x in runs[1:])'
no_orphans "preview: the driver process group is gone after close"
cp "$work/out" "$work/preview.jsonl"

# 2. --until, --config pass through to the package.
"$bench" "${fab[@]}" run --package "$pkg" --module fabric_demo --rows 1 -- --until evens --config prod \
    >"$work/out" 2>"$work/err"
check "until: stops after the chosen gem" \
    'r["state"] == "succeeded" and [e["gem"] for e in r["edges"]] == ["numbers", "evens"] and
     r["output"] == ["config prod"]'

# 3. The code fails: one sentence, the edges before the failure kept; the next run works.
"$bench" "${fab[@]}" run --package "$pkg" --module fabric_demo --rows 2 --repeat 2 \
    -- --conf fail_at=labelled >"$work/out" 2>"$work/err"
check "code error: failed with the exception, earlier edges kept" \
    'r["state"] == "failed" and r["error"] == "ValueError: gem labelled failed on purpose" and
     [e["gem"] for e in r["edges"]] == ["numbers", "evens"] and "Traceback" in r["detail"]'

# 4. The Spark side dies mid-run.
cat >"$work/die.py" <<'EOF'
import json, os, signal
df = spark.range(3)
print("SIBYL-EDGE " + json.dumps({"gem": "first", "count": df.count(), "rows": [], "schema": [{"name": "id", "type": "bigint"}]}), flush=True)
if not os.path.exists(os.environ["DIE_ONCE"]):
    open(os.environ["DIE_ONCE"], "w").close()
    os.kill(os.getpid(), signal.SIGKILL)
print("survived")
EOF
DIE_ONCE=$work/died "$bench" "${fab[@]}" run --code-file "$work/die.py" --repeat 2 \
    >"$work/out" 2>"$work/err"
check "driver dies: lost, one clear message, the edge before the death kept" \
    'r["state"] == "lost" and "died during the run" in r["error"] and "signal 9" in r["error"] and
     [e["gem"] for e in r["edges"]] == ["first"] and r["hint"]'
check "driver dies: the next run starts a new driver and says so" \
    'runs[1]["state"] == "succeeded" and runs[1]["session"] != r["session"] and
     any("had died" in n for n in runs[1]["notices"]) and runs[1]["output"] == ["survived"]'
no_orphans "driver dies: no process left"

# 5. Cancel a long Spark job, then run again in the same driver.
cat >"$work/slow.py" <<'EOF'
import json, os, time
print("SIBYL-EDGE " + json.dumps({"gem": "started", "count": 1, "rows": [], "schema": []}), flush=True)
if not os.path.exists(os.environ["QUICK"]):
    spark.sparkContext.parallelize(range(2), 2).map(lambda x: time.sleep(60) or x).count()
print("SIBYL-EDGE " + json.dumps({"gem": "slow", "count": 1, "rows": [], "schema": []}))
EOF
QUICK=$work/quick "$bench" "${fab[@]}" run --code-file "$work/slow.py" --repeat 2 \
    --cancel-after 5 --cancel-on-edge 1 --between "touch $work/quick" >"$work/out" 2>"$work/err"
check "cancel: cancelled within seconds, not after the 60 s job; earlier edge kept" \
    'r["state"] == "cancelled" and r["error"] == "the run was cancelled" and
     r["spark_ms"] < 40000 and [e["gem"] for e in r["edges"]] == ["started"]'
check "cancel: the driver stays usable (the next run succeeds in it)" \
    'runs[1]["state"] == "succeeded" and runs[0]["session"] == runs[1]["session"] and
     [e["gem"] for e in runs[1]["edges"]] == ["started", "slow"]'
no_orphans "cancel: no process left"

# 6. A run over its time limit.
rm -f "$work/quick"
QUICK=$work/quick "$bench" "${fab[@]}" run --code-file "$work/slow.py" --timeout 14 \
    >"$work/out" 2>"$work/err"
check "timeout: timed_out with a hint" \
    'r["state"] == "timed_out" and "did not finish within 14 s" in r["error"] and r["hint"]'

# 7. Batch runs through spark-submit.
"$bench" "${fab[@]}" submit --package "$pkg" --module fabric_demo --wait 300 \
    -- --conf out_path="$work/batch_out" >"$work/out" 2>"$work/err"
check "batch: succeeded" 'r["state"] == "succeeded" and r["exit_code"] == 0 and r["log_total"] > 0'
if [ "$(cat "$work"/batch_out/part-*.json 2>/dev/null | wc -l)" = 5 ]; then
    passed=$((passed + 1)); echo "ok   batch: wrote the 5 rows of the last gem"
else
    failed=$((failed + 1)); echo "FAIL batch: output rows"
fi
"$bench" "${fab[@]}" submit --package "$pkg" --module fabric_demo --wait 300 \
    -- --conf fail_at=evens >"$work/out" 2>"$work/err"
check "batch failure: failed, the message names the error" \
    'r["state"] == "failed" and "ValueError: gem evens failed on purpose" in r["message"]'
"$bench" "${fab[@]}" submit --package "$pkg" --module fabric_demo --wait 300 --cancel-after 8 \
    -- --conf sleep=120 >"$work/out" 2>"$work/err"
check "batch cancel: killed" 'r["state"] == "killed"'
bp=$(grep -o 'spark-submit pid [0-9]*' "$work/out" | awk '{print $3}' | head -1)
for _ in 1 2 3 4 5 6 7 8 9 10; do pgrep -g "$bp" >/dev/null 2>&1 || break; sleep 0.5; done
if [ -n "$bp" ] && ! pgrep -g "$bp" >/dev/null 2>&1; then
    passed=$((passed + 1)); echo "ok   batch cancel: no process left"
else
    failed=$((failed + 1)); echo "FAIL batch cancel: process group $bp alive"
fi

# 8. A Python without pyspark: one sentence that says how to fix it.
SIBYL_PYTHON=/usr/bin/python3 "$bench" --name nopyspark --python /usr/bin/python3 run \
    --code-file "$work/die.py" >"$work/out" 2>"$work/err"
if /usr/bin/python3 -c 'import pyspark' 2>/dev/null; then
    passed=$((passed + 1)); echo "ok   no pyspark: skipped (system python has pyspark)"
else
    check "no pyspark: clear message with the pip command" \
        'r["state"] == "lost" and "ModuleNotFoundError" in r["error"] and "pip install" in r["hint"]'
fi

echo "run_spark: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
