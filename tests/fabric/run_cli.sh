#!/usr/bin/env bash
# run_cli.sh — the fabric commands as a user runs them, on real Spark:
# `sibyl fabric add|list|test`, then every pipeline of every example project
# (examples/retail, clickstream, all_gems) with `sibyl run --format json`
# and `sibyl submit` on three fabrics — `spark` (local Spark), the Livy
# stand-in and the Databricks stand-in (tests/fabric/*_standin.py, real
# pyspark behind them) — compared with Spark's golden outputs
# (tests/golden/, by tests/fabric/cli_goldens.py with the harness's own
# comparisons); then the failures: a wrong Databricks token or Livy password
# (one sentence, exit 1), Ctrl-C during runs and batches (cancelled, nothing
# left running), and no process or temporary file left behind.
#
#   tests/fabric/run_cli.sh [BUILD_DIR]        (default: build)
#
# SIBYL_TEST_CLI_FABRICS picks fabrics (default "spark livy databricks");
# SIBYL_TEST_CLI_JOBS is how many batches run at once (default 2);
# SIBYL_TEST_CLI_BATCHES=first submits, on livy and databricks, only the
# first pipeline of each project (default all: every pipeline everywhere).
# Prints "N passed, N failed" and the time each part took.
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
sibyl=$build/sibyl
PY=$("$root/scripts/spark-env.sh") || exit 1
[ -x "$sibyl" ] || { echo "run_cli: $sibyl not built" >&2; exit 1; }
fabrics=${SIBYL_TEST_CLI_FABRICS:-spark livy databricks}
jobs=${SIBYL_TEST_CLI_JOBS:-2}
batches=${SIBYL_TEST_CLI_BATCHES:-all}
projects=(retail clickstream all_gems)
work=$(mktemp -d)
mkdir -p "$work/out" "$work/tmp" "$work/staging"
livy_pid= dbx_pid=
t_start=$SECONDS

cleanup() {
    for p in $livy_pid $dbx_pid; do
        kill "$p" 2>/dev/null
        wait "$p" 2>/dev/null
    done
    rm -rf "$work"
}
trap cleanup EXIT

# Nothing from the user's own configuration; Spark in UTC like the goldens.
export TZ=UTC SIBYL_PYTHON=$PY
export SIBYL_FABRICS_DIR=$work/fabrics SIBYL_CREDENTIALS=$work/credentials.json
export XDG_STATE_HOME=$work/state DATABRICKS_CONFIG_FILE=$work/databrickscfg
unset DATABRICKS_HOST DATABRICKS_TOKEN SIBYL_DATABRICKS_TOKEN DATABRICKS_CONFIG_PROFILE
for v in $(env | sed -n 's/^\(SIBYL_FABRIC_[A-Z0-9_]*\)=.*/\1/p'); do unset "$v"; done
export SIBYL_FABRIC_CI_LIVY_PASSWORD=s3cret SIBYL_FABRIC_CI_DBX_TOKEN=dapi-standin-token

passed=0 failed=0
ok() { passed=$((passed + 1)); echo "ok   $1"; }
bad() {
    local file
    failed=$((failed + 1))
    echo "FAIL $1"
    shift
    for file in "$@"; do [ -f "$file" ] && tail -25 "$file" | sed 's/^/    /'; done
}
has() { grep -qF -- "$2" "$1"; }
# sibyl (a copy: the build may be relinked meanwhile) with a private TMPDIR,
# to see that it leaves nothing there
cp "$sibyl" "$work/sibyl"
sib() { TMPDIR=$work/tmp "$work/sibyl" "$@"; }
wants() { [[ " $fabrics " == *" $1 "* ]]; }
declare -A fab=([spark]=local [livy]=ci-livy [databricks]=ci-dbx)
times=()
phase() { times+=("$1 $(($SECONDS - $2)) s"); }

descendants() { # every process below pid $1
    ps -e -o pid=,ppid= | awk -v root="$1" '
        { parent[$1] = $2 }
        END { for (p in parent) { q = p; while (q in parent && q != root && q > 1) q = parent[q];
                                  if (q == root && p != root) print p } }'
}
all_gone() { # pids...: none alive after up to 15 s
    local p left
    for _ in $(seq 1 30); do
        left=
        for p in "$@"; do kill -0 "$p" 2>/dev/null && left="$left $p"; done
        [ -z "$left" ] && return 0
        sleep 0.5
    done
    ps -o pid,ppid,cmd -p ${left// /,} 2>/dev/null | cut -c1-150 | sed 's/^/    left: /'
    return 1
}

# A copy of each example per use: runs write their Targets under base_path.
copy_projects() { # dir
    mkdir -p "$1"
    for p in "${projects[@]}"; do
        cp -r "$root/examples/$p" "$1/$p"
        rm -rf "$1/$p/out"
    done
}

# ---- the stand-ins and the fabric definitions ----------------------------------
t=$SECONDS
if wants livy; then
    "$PY" "$root/tests/fabric/livy_standin.py" --port 0 --port-file "$work/livy.port" --csrf \
        --basic etl:s3cret --local-dir-whitelist "$work/staging" 2>"$work/livy.log" &
    livy_pid=$!
fi
if wants databricks; then
    SIBYL_DBX_START_SECONDS=2 "$PY" "$root/tests/fabric/databricks_standin.py" \
        --port-file "$work/dbx.port" --state-dir "$work/dbx-state" >"$work/dbx.out" 2>"$work/dbx.log" &
    dbx_pid=$!
fi
for f in livy dbx; do
    [ -n "$(eval echo \$${f}_pid)" ] || continue
    for _ in $(seq 1 200); do [ -s "$work/$f.port" ] && break; sleep 0.1; done
done
conf=(--conf spark.sql.shuffle.partitions=2 --conf spark.sql.session.timeZone=UTC)
sib fabric add local --kind spark --master 'local[2]' "${conf[@]}" --conf spark.ui.enabled=false \
    >"$work/add" 2>&1 || bad "fabric add local" "$work/add"
if wants livy; then
    livy_url=http://127.0.0.1:$(cat "$work/livy.port")
    sib fabric add ci-livy --kind livy --url "$livy_url" --auth basic --user etl \
        --staging-dir "$work/staging" "${conf[@]}" >"$work/add" 2>&1 || bad "fabric add ci-livy" "$work/add"
fi
if wants databricks; then
    dbx_url=http://127.0.0.1:$(cat "$work/dbx.port")
    sib fabric add ci-dbx --kind databricks --url "$dbx_url" --cluster-id 0101-000000-running0 \
        >"$work/add" 2>&1 || bad "fabric add ci-dbx" "$work/add"
fi
sib fabric list >"$work/list" 2>&1
n=0
for f in $fabrics; do grep -qE "^${fab[$f]} +$f " "$work/list" && n=$((n + 1)); done
if [ "$n" = "$(wc -w <<<"$fabrics")" ]; then ok "fabric add + list: $fabrics"; else bad "fabric list" "$work/list"; fi
for f in $fabrics; do
    if sib fabric test "${fab[$f]}" >"$work/test.out" 2>"$work/test.err" &&
        grep -qE '^  Spark +3\.5\.' "$work/test.out" && grep -qE '^  Python +3\.' "$work/test.out"; then
        ok "fabric test ${fab[$f]}: $(grep -E '^  (Spark|session)' "$work/test.out" | sed 's/^ *//' | tr -s ' ' | paste -sd';')"
    else
        bad "fabric test ${fab[$f]}" "$work/test.out" "$work/test.err"
    fi
done
phase "fabrics (stand-ins, add, list, test)" $t

# ---- interactive runs: every pipeline, one warm session per fabric ------------------
edges_args=()
for f in $fabrics; do
    t=$SECONDS
    copy_projects "$work/run-$f"
    for i in "${!projects[@]}"; do
        p=${projects[$i]}
        dir=$work/run-$f/$p
        extra=()
        [ "$f" != spark ] && extra+=(--conf "base_path=$dir")
        # Livy keeps its session between processes; the last run ends it.
        [ "$f" = livy ] && [ "$i" -lt $((${#projects[@]} - 1)) ] && extra+=(--keep-warm)
        out=$work/out/run-$f-$p.jsonl err=$work/out/run-$f-$p.err
        if sib run "$dir" --fabric "${fab[$f]}" --format json "${extra[@]}" >"$out" 2>"$err"; then
            ok "run $f $p: $(wc -l <"$out") pipelines succeeded"
        else
            bad "run $f $p" "$err"
        fi
        edges_args+=(--edges "$f=$out")
    done
    # One session served every pipeline of a project (and, on Livy, every project).
    case $f in
    spark) starts=$(cat "$work"/out/run-spark-*.err | grep -c "starting a local Spark driver") want=3 ;;
    livy) starts=$(cat "$work"/out/run-livy-*.err | grep -c "starting a Livy session") want=1 ;;
    databricks) starts=$(cat "$work"/out/run-databricks-*.err | grep -c "execution context .* is ready") want=3 ;;
    esac
    if [ "$starts" = "$want" ]; then ok "run $f: $starts session start(s) for ${#projects[@]} projects"
    else bad "run $f: $starts session starts, expected $want" "$work/out/run-$f-retail.err"; fi
    phase "interactive runs on $f" $t
done
if wants livy; then
    if [ "$(curl -sf "$livy_url/_standin/processes")" = '{"pids": [], "sessions": []}' ]; then
        ok "livy: the warm session is deleted by the last run"
    else
        bad "livy: a session is left: $(curl -sf "$livy_url/_standin/processes")"
    fi
fi

# The text form, and --until: the gems upstream of a gem, nothing downstream.
t=$SECONDS
sib run "$work/run-spark/retail" --fabric local --pipeline clean_orders --until recent_orders \
    --rows 2 >"$work/until.out" 2>"$work/until.err"
if [ $? = 0 ] && grep -qE '^  orders +201 ' "$work/until.out" &&
    grep -qE '^  standardize +201 ' "$work/until.out" && grep -qE '^  recent_orders +173 ' "$work/until.out" &&
    ! grep -q dedup_orders "$work/until.out" && has "$work/until.out" "succeeded in" &&
    has "$work/until.out" "recent_orders: 173 rows, the first 2" &&
    grep -qE '^\|order_id\|customer_id\|order_date\|' "$work/until.out"; then
    ok "run --until recent_orders: text tables, nothing downstream ran"
else
    bad "run --until (text)" "$work/until.out" "$work/until.err"
fi
phase "run --until (text)" $t

# ---- batch runs: every pipeline on every fabric ------------------------------------------------
targets_args=()
for f in $fabrics; do
    t=$SECONDS
    copy_projects "$work/batch-$f"
    (
        for p in "${projects[@]}"; do
            for file in "$root/examples/$p/pipelines/"*.json; do
                pl=$(basename "$file" .json)
                if [ "$batches" = first ] && [ "$f" != spark ] &&
                    [ "$file" != "$(ls "$root/examples/$p/pipelines/"*.json | head -1)" ]; then
                    continue
                fi
                while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n; done
                dir=$work/batch-$f/$p
                extra=()
                [ "$f" != spark ] && extra+=(--conf "base_path=$dir")
                (sib submit "$dir" --fabric "${fab[$f]}" --pipeline "$pl" "${extra[@]}" --log-lines 20 \
                    >"$work/out/submit-$f-$p-$pl.out" 2>&1
                 echo $? >"$work/out/submit-$f-$p-$pl.rc") &
            done
        done
        wait
    )
    n=0 nok=0
    for rc in "$work"/out/submit-"$f"-*.rc; do
        n=$((n + 1))
        o=${rc%.rc}.out
        if [ "$(cat "$rc")" = 0 ] && grep -qE "on fabric ${fab[$f]}: succeeded in" "$o"; then
            nok=$((nok + 1))
        else
            bad "submit $f $(basename "${rc%.rc}" | sed "s/^submit-$f-//")" "$o"
        fi
    done
    [ "$nok" = "$n" ] && [ "$n" -gt 0 ] && ok "submit $f: $n batches succeeded"
    for p in "${projects[@]}"; do
        if [ "$batches" = first ] && [ "$f" != spark ]; then
            pl=$(basename "$(ls "$root/examples/$p/pipelines/"*.json | head -1)" .json)
            targets_args+=(--targets "$f-batch=$work/batch-$f/$p:$pl")
        else
            targets_args+=(--targets "$f-batch=$work/batch-$f/$p")
        fi
    done
    phase "batch runs on $f" $t
done
if wants spark; then
    # --config reaches the package: the Targets under configs/dev.json.
    t=$SECONDS
    mkdir -p "$work/config"
    cp -r "$root/examples/retail" "$work/config/retail" && rm -rf "$work/config/retail/out"
    # ... followed with --format json: one object, the batch's end in it.
    if sib submit "$work/config/retail" --fabric local --pipeline clean_orders --config dev \
        --format json --log-lines 5 >"$work/config.out" 2>"$work/config.err" &&
        python3 -c '
import json, sys
o = json.load(open(sys.argv[1]))
assert o["project"] == "retail" and o["pipeline"] == "clean_orders" and o["kind"] == "spark", o
assert o["state"] == "succeeded" and o["exit_code"] == 0 and o["followed"], o
assert len(o["log"]) == 5 and o["log_total"] >= 5, o
' "$work/config.out"; then
        ok "submit --config dev --format json"
        targets_args+=(--targets "spark-config=$work/config/retail:clean_orders:dev")
    else
        bad "submit --config dev --format json" "$work/config.out" "$work/config.err"
    fi
    phase "submit --config" $t
fi

# ---- everything against the goldens ---------------------------------------------------------
t=$SECONDS
"$PY" "$root/tests/fabric/cli_goldens.py" "${edges_args[@]}" "${targets_args[@]}" \
    >"$work/goldens.out" 2>"$work/goldens.err"
rc=$?
grep -E '^(ok|  FAIL)' "$work/goldens.out" | sed 's/^/     /'
if [ $rc = 0 ]; then ok "goldens: $(tail -1 "$work/goldens.out" | sed 's/^cli_goldens: //')"
else bad "goldens: $(grep '^cli_goldens:' "$work/goldens.out")" "$work/goldens.err"; fi
phase "golden comparison" $t

# ---- failures ------------------------------------------------------------------------------------
t=$SECONDS
if wants databricks; then
    SIBYL_FABRIC_CI_DBX_TOKEN=dapi-wrong sib fabric test ci-dbx >"$work/f.out" 2>"$work/f.err"
    rc=$?
    if [ $rc = 1 ] && [ "$(grep -c 'refused the token from the environment (SIBYL_FABRIC_CI_DBX_TOKEN)' "$work/f.err")" = 1 ] &&
        [ "$(wc -l <"$work/f.err")" = 1 ] && ! grep -q dapi-wrong "$work/f.out" "$work/f.err"; then
        ok "wrong Databricks token: fabric test says it in one sentence, exit 1"
    else
        bad "wrong Databricks token (fabric test, exit $rc)" "$work/f.out" "$work/f.err"
    fi
    SIBYL_FABRIC_CI_DBX_TOKEN=dapi-wrong sib run "$work/run-databricks/retail" --fabric ci-dbx \
        --pipeline clean_orders --conf "base_path=$work/run-databricks/retail" >"$work/f.out" 2>"$work/f.err"
    rc=$?
    if [ $rc = 1 ] && grep -qE '^lost after .*: the Databricks workspace .* refused the token from the environment \(SIBYL_FABRIC_CI_DBX_TOKEN\) \(HTTP 403' "$work/f.out" &&
        has "$work/f.out" "hint: create a personal access token" && ! grep -q dapi-wrong "$work/f.out" "$work/f.err"; then
        ok "wrong Databricks token: run fails with one sentence and a hint, exit 1"
    else
        bad "wrong Databricks token (run, exit $rc)" "$work/f.out" "$work/f.err"
    fi
fi
if wants livy; then
    SIBYL_FABRIC_CI_LIVY_PASSWORD=wrong sib fabric test ci-livy >"$work/f.out" 2>"$work/f.err"
    rc=$?
    if [ $rc = 1 ] && grep -q '^sibyl fabric test: .*refused the credentials (HTTP 401)' "$work/f.err" &&
        [ "$(grep -vc '^sibyl fabric test: starting' "$work/f.err")" = 1 ]; then
        ok "wrong Livy password: one sentence, exit 1"
    else
        bad "wrong Livy password (exit $rc)" "$work/f.out" "$work/f.err"
    fi
fi

# Ctrl-C: cancelled within seconds, and nothing the run started is left.
interrupt() { # label, file that shows the run is under way, pattern in it, local (1: the
               # run has processes here), sibyl's arguments...
    local label=$1 watch=$2 pattern=$3 here=$4
    shift 4
    # sibyl itself in the background (not a shell function), so that the
    # signal goes to it
    TMPDIR=$work/tmp "$work/sibyl" "$@" >"$work/i.out" 2>"$work/i.err" &
    local pid=$! tree=
    for _ in $(seq 1 1200); do
        grep -qE "$pattern" "$watch" 2>/dev/null && break
        kill -0 $pid 2>/dev/null || break
        sleep 0.1
    done
    sleep 1
    tree=$(descendants $pid)
    local t0=$SECONDS
    kill -INT $pid
    wait $pid
    local rc=$? took=$((SECONDS - t0))
    if [ $rc = 1 ] && { [ "$here" = 0 ] || [ -n "$tree" ]; } && all_gone $tree && [ $took -lt 60 ] &&
        grep -qE 'cancelled|killed' "$work/i.out"; then
        ok "Ctrl-C $label: stopped in $took s, exit 1${tree:+, $(wc -w <<<"$tree") local processes gone}"
        return 0
    fi
    bad "Ctrl-C $label (exit $rc after $took s, processes: $(echo $tree))" "$work/i.out" "$work/i.err"
    return 1
}
copy_projects "$work/interrupt"
if wants spark; then
    interrupt "during a local run" "$work/i.out" '^  [a-z_]+ +[0-9,]+ ' 1 \
        run "$work/interrupt/all_gems" --fabric local --rows 1
    interrupt "during a spark-submit batch" "$work/i.err" 'is running' 1 \
        submit "$work/interrupt/all_gems" --fabric local --pipeline timesheet_billing
fi
if wants livy; then
    interrupt "during a Livy run" "$work/i.out" '^  [a-z_]+ +[0-9,]+ ' 0 \
        run "$work/interrupt/retail" --fabric ci-livy --rows 1 --conf "base_path=$work/interrupt/retail"
    sleep 1
    if [ "$(curl -sf "$livy_url/_standin/processes")" = '{"pids": [], "sessions": []}' ]; then
        ok "Ctrl-C during a Livy run: the session is deleted"
    else
        bad "Ctrl-C during a Livy run: left $(curl -sf "$livy_url/_standin/processes")"
    fi
fi
if wants databricks; then
    # Databricks returns a command's output when it ends: interrupt while it runs.
    interrupt "during a Databricks run" "$work/i.err" 'execution context .* is ready' 0 \
        run "$work/interrupt/clickstream" --fabric ci-dbx --rows 1 \
        --conf "base_path=$work/interrupt/clickstream"
    live=$(curl -sf -H 'Authorization: Bearer dapi-standin-token' "$dbx_url/standin/state" |
        "$PY" -c 'import json,sys; d=json.load(sys.stdin); print(len(d["contexts"]), d["running_processes"])')
    if [ "$live" = "0 0" ]; then ok "Ctrl-C during a Databricks run: the execution context is destroyed"
    else bad "Ctrl-C during a Databricks run: contexts and processes left: $live"; fi
fi
phase "failures" $t

# ---- nothing left behind ------------------------------------------------------------------------
for v in livy_pid dbx_pid; do
    pid=${!v}
    [ -n "$pid" ] || continue
    tree=$(descendants "$pid")
    kill "$pid"
    wait "$pid" 2>/dev/null
    eval "$v="
    if all_gone $tree; then ok "${v%_pid} stand-in stopped, nothing left ($(wc -w <<<"$tree") processes)"
    else bad "${v%_pid} stand-in: processes left behind"; fi
done
left=$(ls "$work/tmp")
if [ -z "$left" ]; then ok "no temporary files left by sibyl"; else bad "left in TMPDIR: $left"; fi

echo "run_cli: times: $(printf '%s; ' "${times[@]}")total $((SECONDS - t_start)) s"
echo "run_cli: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
