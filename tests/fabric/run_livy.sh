#!/usr/bin/env bash
# run_livy.sh — the `livy` fabric through the C API (build/bench/bench_fabric)
# against the Livy stand-in (tests/fabric/livy_standin.py, real pyspark
# sessions), which is first held to a real client (the `livy` package).
#
#   tests/fabric/run_livy.sh [BUILD_DIR]        (default: build)
#
# With SIBYL_TEST_LIVY_URL set (and SIBYL_TEST_LIVY_USER/_PASSWORD for Basic
# auth, SIBYL_TEST_LIVY_STAGING for a directory the server may read), the
# same driver suite runs against that real Livy; checks that need the
# stand-in's test hooks are skipped. Prints "N passed, N failed".
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${1:-$root/build}
bench=$build/bench/bench_fabric
PY=$("$root/scripts/spark-env.sh") || exit 1
"$PY" -m pip install -q --disable-pip-version-check -r "$root/tests/fabric/requirements.txt" >&2 ||
    exit 1
[ -x "$bench" ] || { echo "run_livy: $bench not built" >&2; exit 1; }
work=$(mktemp -d)
staging=$work/staging
mkdir -p "$staging"
pkg=$root/tests/fabric/pkg
passed=0 failed=0 skipped=0
standin_pid=

cleanup() {
    if [ -n "$standin_pid" ]; then
        kill "$standin_pid" 2>/dev/null
        wait "$standin_pid" 2>/dev/null
    fi
    rm -rf "$work"
}
trap cleanup EXIT

if [ -n "${SIBYL_TEST_LIVY_URL:-}" ]; then
    url=$SIBYL_TEST_LIVY_URL
    user=${SIBYL_TEST_LIVY_USER:-}
    password=${SIBYL_TEST_LIVY_PASSWORD:-}
    staging=${SIBYL_TEST_LIVY_STAGING:-$staging}
    real=1
else
    real=0
    user=etl password=s3cret
    "$PY" "$root/tests/fabric/livy_standin.py" --port 0 --port-file "$work/port" --csrf \
        --basic "$user:$password" --local-dir-whitelist "$staging" 2>"$work/standin.log" &
    standin_pid=$!
    for _ in $(seq 1 100); do [ -s "$work/port" ] && break; sleep 0.1; done
    url=http://127.0.0.1:$(cat "$work/port")
fi
auth=(--auth none)
[ -n "$user" ] && auth=(--auth basic --user "$user" --password "$password")
fab=(--kind livy --name ci --url "$url" "${auth[@]}" --staging-dir "$staging"
     --conf spark.sql.shuffle.partitions=2)

ok() { passed=$((passed + 1)); echo "ok   $1"; }
bad() { failed=$((failed + 1)); echo "FAIL $1"; [ -f "$work/err" ] && tail -15 "$work/err" | sed 's/^/    /'; }
skip() { skipped=$((skipped + 1)); echo "skip $1"; }

check() { # name, python expression over `runs` (JSON lines of $work/out), `r` = runs[0]
    if "$PY" - "$work/out" "$2" <<'EOF'
import json, sys
runs = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
ok = eval("(" + sys.argv[2] + ")", {"runs": runs, "r": runs[0] if runs else {}})
if not ok:
    print(json.dumps(runs, indent=1)[:3000], file=sys.stderr)
sys.exit(0 if ok else 1)
EOF
    then ok "$1"; else bad "$1"; fi
}

hook() { curl -sf -X "$1" "$url/_standin/$2" -H 'X-Requested-By: test' -u "$user:$password" \
    ${3:+-d "$3"} >/dev/null; }
standin_idle() { # no session or batch process left on the stand-in
    local out
    for _ in $(seq 1 40); do
        out=$(curl -sf "$url/_standin/processes")
        [ "$out" = '{"pids": [], "sessions": []}' ] && return 0
        sleep 0.5
    done
    echo "    left: $out"
    return 1
}

# 0. The stand-in behaves like Livy for a real client.
if [ $real = 0 ]; then
    if "$PY" "$root/tests/fabric/livy_client_check.py" "$url" "$user:$password" "$staging" \
        >"$work/client" 2>&1; then
        ok "stand-in passes the livy client's checks ($(tail -1 "$work/client"))"
    else
        bad "stand-in with the livy client"; sed 's/^/    /' "$work/client" | tail -20
    fi
fi

# 1. Previews of the package, shipped in the statement; the session is reused.
"$bench" "${fab[@]}" run --package "$pkg" --module fabric_demo --rows 3 --repeat 2 \
    >"$work/out" 2>"$work/err"
check "preview: edges, counts and typed sample rows over Livy" \
    'all(x["state"] == "succeeded" for x in runs) and
     [(e["gem"], e["count"]) for e in r["edges"]] == [("numbers", 10), ("evens", 5), ("labelled", 5)] and
     r["edges"][2]["rows"] == [[0, "#0", "0.00"], [2, "#2", "0.50"], [4, "#4", "1.00"]]'
check "preview: the second run reuses the session" \
    'runs[0]["session"] == runs[1]["session"] and runs[1]["notices"] == []'
if [ $real = 0 ]; then
    if standin_idle; then ok "preview: the session is deleted on close"; else bad "preview: orphan session"; fi
fi

# 2. A code error: one sentence; earlier edges kept (the bootstrap never fails the statement).
"$bench" "${fab[@]}" run --package "$pkg" --module fabric_demo --rows 2 \
    -- --conf fail_at=labelled >"$work/out" 2>"$work/err"
check "code error: failed, earlier edges kept" \
    'r["state"] == "failed" and r["error"] == "ValueError: gem labelled failed on purpose" and
     [e["gem"] for e in r["edges"]] == ["numbers", "evens"]'

# 3. The session is kept warm between processes, and re-created when Livy expired it.
state=$work/state
"$bench" "${fab[@]}" --state-dir "$state" --keep-warm run --package "$pkg" --module fabric_demo \
    --rows 1 >"$work/out" 2>"$work/err"
check "warm: first process starts a session" 'r["state"] == "succeeded"'
sid=$(sed -n 's/.*"session":"livy session \([0-9]*\)".*/\1/p' "$work/out" | head -1)
"$bench" "${fab[@]}" --state-dir "$state" --keep-warm run --package "$pkg" --module fabric_demo \
    --rows 1 >"$work/out" 2>"$work/err"
check "warm: a second process reuses it" \
    "r['state'] == 'succeeded' and r['session'] == 'livy session $sid' and
     any('reusing the warm Livy session' in n for n in r['notices'])"
if [ $real = 0 ]; then
    hook POST "expire/$sid"
    "$bench" "${fab[@]}" --state-dir "$state" run --package "$pkg" --module fabric_demo --rows 1 \
        >"$work/out" 2>"$work/err"
    check "expired between processes: a new session, with a notice" \
        "r['state'] == 'succeeded' and r['session'] != 'livy session $sid' and
         any('is gone' in n for n in r['notices'])"
    # Expired between two runs of one process: the statement POST gets 404.
    cat >"$work/expire_first.py" <<'EOF'
import json, sys, urllib.request, base64
url, cred = sys.argv[1], base64.b64encode(sys.argv[2].encode()).decode()
hdr = {"Authorization": "Basic " + cred, "X-Requested-By": "t"}
sessions = json.load(urllib.request.urlopen(urllib.request.Request(url + "/sessions", headers=hdr)))
for s in sessions["sessions"]:
    urllib.request.urlopen(urllib.request.Request(url + "/_standin/expire/%d" % s["id"], data=b"", headers=hdr))
EOF
    cat >"$work/count.py" <<'EOF'
print("SIBYL-EDGE {\"gem\": \"g\", \"count\": %d, \"schema\": []}" % spark.range(4).count())
EOF
    "$bench" "${fab[@]}" run --code-file "$work/count.py" --repeat 2 \
        --between "$PY $work/expire_first.py $url $user:$password" >"$work/out" 2>"$work/err"
    check "expired between runs: re-created transparently, result intact" \
        'runs[0]["state"] == runs[1]["state"] == "succeeded" and runs[1]["edges"][0]["count"] == 4 and
         runs[0]["session"] != runs[1]["session"] and
         any("had expired" in n for n in runs[1]["notices"])'
    if standin_idle; then ok "expiry: nothing left running"; else bad "expiry: orphan"; fi
else
    skip "expiry checks (need the stand-in's hooks)"
fi

# 4. Wrong credentials: one sentence naming the user and where the password came from.
if [ -n "$user" ]; then
    "$bench" --kind livy --name ci --url "$url" --auth basic --user "$user" --password wrong \
        run --code-file /dev/null >"$work/out" 2>"$work/err"
    check "wrong password: refused with a clear message" \
        'r["state"] == "lost" and "refused the credentials (HTTP 401)" in r["error"] and
         "check the user" in r["hint"] and "wrong" not in r["error"] + r["hint"]'
fi
"$bench" --kind livy --name ci --url "http://127.0.0.1:9" run --code-file /dev/null \
    >"$work/out" 2>"$work/err"
check "unreachable server: one sentence" \
    'r["state"] == "lost" and r["error"].startswith("cannot reach Livy at http://127.0.0.1:9")'

# 5. A request that times out.
if [ $real = 0 ]; then
    cat >"$work/slowpoll.py" <<'EOF'
import time
time.sleep(2)
print("SIBYL-EDGE {\"gem\": \"g\", \"count\": 1, \"schema\": []}")
EOF
    "$bench" "${fab[@]}" --request-timeout 2 run --code-file "$work/slowpoll.py" --repeat 2 \
        --between true >"$work/out" 2>"$work/err" &
    bpid=$!
    # Once the session is up, make every statement poll hang for 6 s.
    for _ in $(seq 1 300); do grep -q "is ready" "$work/err" 2>/dev/null && break; sleep 0.1; done
    for _ in 1 2 3 4; do hook POST stall '{"seconds": 6, "prefix": "GET /sessions/"}'; done
    wait $bpid
    check "request timeout: timed_out, one sentence, statement cancelled" \
        'r["state"] == "timed_out" and "did not answer in time" in r["error"] and
         "cancelled" in r["error"] and "request_timeout" in r["hint"]'
    check "request timeout: the next run works" 'runs[1]["state"] == "succeeded"'
fi

# 6. Cancel, and the Spark side dying mid-run.
cat >"$work/slow.py" <<'EOF'
import time
spark.sparkContext.parallelize(range(2), 2).map(lambda x: time.sleep(60) or x).count()
EOF
"$bench" "${fab[@]}" run --code-file "$work/slow.py" --cancel-after 25 >"$work/out" 2>"$work/err"
check "cancel: cancelled in seconds, not after the 60 s job" \
    'r["state"] == "cancelled" and r["wall_ms"] < 55000'
if [ $real = 0 ]; then
    cat >"$work/die.py" <<'EOF'
import os, signal
print("SIBYL-EDGE {\"gem\": \"g\", \"count\": 1, \"schema\": []}", flush=True)
os.kill(os.getpid(), signal.SIGKILL)
EOF
    printf 'print("SIBYL-EDGE {\\"gem\\": \\"after\\", \\"count\\": 2, \\"schema\\": []}")\n' \
        >"$work/after.py"
    cp "$work/die.py" "$work/code.py"
    "$bench" "${fab[@]}" run --code-file "$work/code.py" --repeat 1 >"$work/out" 2>"$work/err"
    check "interpreter dies: lost, one clear message" \
        'r["state"] == "lost" and "interpreter of the Livy session died" in r["error"] and r["hint"]'
    if standin_idle; then ok "interpreter dies: the dead session is deleted"; else bad "dead session left"; fi
fi

# 7. Batch runs through /batches.
"$bench" "${fab[@]}" submit --package "$pkg" --module fabric_demo --wait 300 \
    -- --conf out_path="$work/batch_out" >"$work/out" 2>"$work/err"
check "batch: success, with the log" \
    'r["state"] == "succeeded" and r["log_total"] > 0 and any("config default" in l for l in r["log"])'
if [ $real = 0 ]; then
    if [ "$(cat "$work"/batch_out/part-*.json 2>/dev/null | wc -l)" = 5 ]; then
        ok "batch: wrote the rows"
    else
        bad "batch: output rows"
    fi
fi
"$bench" "${fab[@]}" submit --package "$pkg" --module fabric_demo --wait 300 \
    -- --conf fail_at=evens >"$work/out" 2>"$work/err"
check "batch failure: failed with the error line" \
    'r["state"] == "failed" and "ValueError: gem evens failed on purpose" in r["message"]'
"$bench" "${fab[@]}" submit --package "$pkg" --module fabric_demo --wait 300 --cancel-after 10 \
    -- --conf sleep=120 >"$work/out" 2>"$work/err"
check "batch cancel: killed" 'r["state"] in ("killed", "failed") and "pid" not in r["id"]'
if [ $real = 0 ]; then
    if standin_idle; then ok "batches: nothing left running"; else bad "batches: orphan"; fi
fi

echo "run_livy: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
