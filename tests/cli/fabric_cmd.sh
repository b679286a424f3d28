#!/usr/bin/env bash
# `sibyl fabric add|list|show|test|remove` and the errors of `sibyl run` and
# `sibyl submit` that come before anything runs: definitions written in
# canonical form, secrets refused, bad definitions reported with the file,
# fabric and field, credentials named by their source and never printed,
# unknown fabrics, pipelines, gems and variables, projects with errors.
# Fast: nothing here starts Spark (tests/fabric/run_cli.sh does).
set -euo pipefail
sibyl=${1:?usage: fabric_cmd.sh path/to/sibyl}
sibyl=$(cd "$(dirname "$sibyl")" && pwd)/$(basename "$sibyl")
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

# Nothing from the user's own configuration.
export HOME=$work/home XDG_CONFIG_HOME=$work/home/.config XDG_STATE_HOME=$work/home/.state
export SIBYL_FABRICS_DIR=$work/user-fabrics SIBYL_CREDENTIALS=$work/credentials.json
export DATABRICKS_CONFIG_FILE=$work/databrickscfg
unset DATABRICKS_HOST DATABRICKS_TOKEN SIBYL_DATABRICKS_TOKEN DATABRICKS_CONFIG_PROFILE
for v in $(env | sed -n 's/^\(SIBYL_FABRIC_[A-Z0-9_]*\)=.*/\1/p'); do unset "$v"; done
mkdir -p "$HOME"

passed=0
fail() { echo "FAIL: $*" >&2; [ -f out ] && sed 's/^/    out: /' out >&2; [ -f err ] && sed 's/^/    err: /' err >&2; exit 1; }
ok() { passed=$((passed + 1)); }
# expect STATUS CMD...: run CMD (stdout to out, stderr to err) and check its exit status
expect() {
    local want=$1 rc=0
    shift
    "$@" >out 2>err || rc=$?
    [ "$rc" -eq "$want" ] || fail "$* exited $rc, expected $want"
}
has() { grep -qF -- "$2" "$1" || fail "$1 does not say: $2"; }
hasnt() { ! grep -qF -- "$2" "$1" || fail "$1 should not say: $2"; }

# --- help
expect 0 "$sibyl" --help
for c in run submit fabric; do has out "   $c "; done
for c in run submit fabric; do
    expect 0 "$sibyl" help "$c"; has out "usage: sibyl $c"
    expect 0 "$sibyl" "$c" --help; has out "usage: sibyl $c"
done
expect 2 "$sibyl" fabric; has err "which subcommand?"
expect 2 "$sibyl" fabric lst; has err "did you mean 'list'?"
ok

# --- add: canonical files in the user directory
expect 0 "$sibyl" fabric add local --kind spark --master 'local[2]' \
    --conf spark.sql.shuffle.partitions=2 --conf spark.ui.enabled=false
has out "fabric local (spark, local[2]) written to $SIBYL_FABRICS_DIR/local.json"
has out "credential: none needed (auth none)"
[ "$(cat "$SIBYL_FABRICS_DIR/local.json")" = '{
  "conf": {
    "spark.sql.shuffle.partitions": "2",
    "spark.ui.enabled": "false"
  },
  "kind": "spark",
  "master": "local[2]"
}' ] || fail "local.json is not canonical: $(cat "$SIBYL_FABRICS_DIR/local.json")"
expect 0 "$sibyl" fabric add prod-livy --kind livy --url https://edge.example.com:8998 \
    --auth basic --user etl --queue etl --driver-cores 2 --start-timeout 900 \
    --staging-dir /shared/sibyl
[ "$(cat "$SIBYL_FABRICS_DIR/prod-livy.json")" = '{
  "auth": "basic",
  "driver_cores": 2,
  "kind": "livy",
  "queue": "etl",
  "staging_dir": "/shared/sibyl",
  "start_timeout": 900,
  "url": "https://edge.example.com:8998",
  "user": "etl"
}' ] || fail "prod-livy.json: $(cat "$SIBYL_FABRICS_DIR/prod-livy.json")"
has out "credential: not available: no password found for it; set SIBYL_FABRIC_PROD_LIVY_PASSWORD"
expect 0 "$sibyl" fabric add dbx --kind databricks --url https://dbc-1.cloud.databricks.com \
    --cluster-id 0101-000000-abcd0000
ok

# --- add: mistakes are refused, nothing is written
expect 1 "$sibyl" fabric add nourl --kind livy
has err 'fabric nourl: a livy fabric needs a "url" (--url)'
[ ! -e "$SIBYL_FABRICS_DIR/nourl.json" ] || fail "nourl.json written"
expect 1 "$sibyl" fabric add typo --kind sprak
has err 'unknown kind "sprak" (spark, livy or databricks) (--kind)'
expect 1 "$sibyl" fabric add cores --kind livy --url http://h:8998 --driver-cores many
has err '"driver_cores" must be a non-negative integer (--driver-cores)'
expect 1 "$sibyl" fabric add cores --kind livy --url http://h:8998 --request-timeout nan
has err '"request_timeout" must be a number of seconds (--request-timeout)'
expect 1 "$sibyl" fabric add badurl --kind livy --url edge:8998
has err '"url" must start with http:// or https:// (--url)'
expect 2 "$sibyl" fabric add sec --kind livy --url http://h:8998 --auth basic --user u --password hunter2
has err "a secret never goes on the command line"
has err "SIBYL_FABRIC_SEC_PASSWORD"
has err "$SIBYL_CREDENTIALS"
hasnt err hunter2
expect 2 "$sibyl" fabric add --token dapi123 --kind databricks sec
has err "SIBYL_FABRIC_SEC_TOKEN"
hasnt err dapi123
expect 2 "$sibyl" fabric add sec --kind spark --conf spark.hadoop.fs.s3a.secret.key=abc
has err "looks like a secret"
[ ! -e "$SIBYL_FABRICS_DIR/sec.json" ] || fail "sec.json written"
expect 1 "$sibyl" fabric add local --kind spark
has err "fabric local is already defined in $SIBYL_FABRICS_DIR/local.json"
expect 0 "$sibyl" fabric add local --kind spark --master 'local[2]' --conf spark.sql.shuffle.partitions=2 --force
expect 2 "$sibyl" fabric add 'bad name' --kind spark; has err "is not a fabric name"
expect 2 "$sibyl" fabric add x; has err "needs --kind"
expect 2 "$sibyl" fabric add x --kind spark --bogus 1; has err "unknown option '--bogus'"
expect 2 "$sibyl" fabric add x --kind; has err "--kind needs a value"
ok

# --- a project's own fabrics win over the user's
cp -r "$root/examples/retail" proj
rm -rf proj/out
expect 0 "$sibyl" fabric add local --kind spark --master 'local[1]' --project proj
has out "written to proj/fabrics/local.json"
expect 2 "$sibyl" fabric add x --kind spark --project "$work/home"; has err "is not a sibyl project"
expect 0 "$sibyl" fabric list --project proj
has out "NAME"
grep -qE '^local +spark +local\[1\] +proj/fabrics/local.json \(project; .*local.json is not used\)$' out ||
    fail "list: the project's local: $(cat out)"
grep -qE "^prod-livy +livy +https://edge.example.com:8998 +$SIBYL_FABRICS_DIR/prod-livy.json\$" out ||
    fail "list: prod-livy"
grep -qE "^dbx +databricks +https://dbc-1.cloud.databricks.com +" out || fail "list: dbx"
(cd proj && "$sibyl" fabric show local >../out 2>../err) || fail "show in the project directory"
has out "file        ./fabrics/local.json (the project's, shared through Git)"
expect 0 "$sibyl" fabric show local
has out "file        $SIBYL_FABRICS_DIR/local.json"
has out "runs on     local[2]"
ok

# --- show: where the credential comes from, never the secret
expect 0 "$sibyl" fabric show prod-livy
has out "credential  not available: no password found for it; set SIBYL_FABRIC_PROD_LIVY_PASSWORD"
SIBYL_FABRIC_PROD_LIVY_PASSWORD=hunter2 "$sibyl" fabric show prod-livy >out 2>err || fail "show with env"
has out "credential  password from the environment (SIBYL_FABRIC_PROD_LIVY_PASSWORD)"
hasnt out hunter2
printf '{"fabrics": {"prod-livy": {"password": "hunter2"}, "dbx": {"token": "dapi-xyz"}}}' >credentials.json
chmod 600 credentials.json
expect 0 "$sibyl" fabric show prod-livy
has out "credential  password from $SIBYL_CREDENTIALS (fabrics.prod-livy.password)"
hasnt out hunter2
expect 0 "$sibyl" fabric show dbx
has out "credential  token from $SIBYL_CREDENTIALS (fabrics.dbx.token)"
hasnt out dapi-xyz
has out '"cluster_id": "0101-000000-abcd0000"'
chmod 644 credentials.json
expect 0 "$sibyl" fabric show prod-livy
has out "credential  not available: the credentials file is readable by others (mode 0644); sibyl will not use it; chmod 600 $SIBYL_CREDENTIALS"
rm credentials.json
printf '[DEFAULT]\nhost = https://dbc-2.cloud.databricks.com\ntoken = dapi-cfg\n' >databrickscfg
expect 0 "$sibyl" fabric show dbx
has out "credential  token from $DATABRICKS_CONFIG_FILE [DEFAULT]"
hasnt out dapi-cfg
ok

# --- bad definitions written by hand: file, fabric and field
cat >"$SIBYL_FABRICS_DIR/broken.json" <<'EOF'
{
  "kind": "livy",
  "queu": "etl",
  "url": "http://h:8998"
}
EOF
expect 1 "$sibyl" fabric show broken
has err "$SIBYL_FABRICS_DIR/broken.json:3:11: field queu: error: fabric broken: unknown field \"queu\""
has err 'hint: did you mean "queue"?'
expect 1 "$sibyl" fabric list
grep -qE '^broken +\? +\(invalid definition\)' out || fail "list: broken"
has err 'unknown field "queu"'
cat >"$SIBYL_FABRICS_DIR/broken.json" <<'EOF'
{"kind": "livy", "url": "http://h:8998", "auth": "basic", "user": "etl", "password": "hunter2"}
EOF
expect 1 "$sibyl" fabric test broken
has err "broken.json:1:86: field password: error: fabric broken: \"password\" is a credential and never sits in a fabric definition"
has err "SIBYL_FABRIC_BROKEN_PASSWORD"
hasnt err hunter2
printf '{"kind": "spark", "start_timeout": "soon"}' >"$SIBYL_FABRICS_DIR/broken.json"
expect 1 "$sibyl" fabric show broken
has err 'field start_timeout: error: fabric broken: "start_timeout" must be a number of seconds'
printf '{"kind": "spark",' >"$SIBYL_FABRICS_DIR/broken.json"
expect 1 "$sibyl" fabric show broken
has err "$SIBYL_FABRICS_DIR/broken.json:1:1: error: unterminated object"
ok

# --- remove
expect 2 "$sibyl" fabric remove brokn; has err "did you mean broken?"
expect 0 "$sibyl" fabric remove broken; has out "fabric broken removed"
[ ! -e "$SIBYL_FABRICS_DIR/broken.json" ] || fail "broken.json still there"
(cd proj && "$sibyl" fabric remove local >../out 2>../err; echo $? >../rc) || true
[ "$(cat rc)" = 2 ] || fail "remove of a fabric defined twice: exit $(cat rc)"
has err "fabric local is defined in ./fabrics/local.json and in $SIBYL_FABRICS_DIR/local.json"
expect 0 "$sibyl" fabric remove local --project proj
[ ! -e proj/fabrics/local.json ] || fail "proj/fabrics/local.json still there"
[ -e "$SIBYL_FABRICS_DIR/local.json" ] || fail "the user's local.json went too"
ok

# --- test: one sentence saying what is wrong and how to fix it, exit 1
expect 0 "$sibyl" fabric add nopy --kind spark --python "$work/no-such-python"
expect 1 "$sibyl" fabric test nopy
[ "$(wc -l <err | tr -d ' ')" -le 3 ] || fail "fabric test nopy: more than one message"
has err "sibyl fabric test: fabric nopy: cannot start $work/no-such-python: No such file or directory; set the fabric's \"python\""
expect 0 "$sibyl" fabric add nowhere --kind livy --url http://127.0.0.1:9 --connect-timeout 2
expect 1 "$sibyl" fabric test nowhere
has err "sibyl fabric test: fabric nowhere: cannot reach Livy at http://127.0.0.1:9"
expect 2 "$sibyl" fabric test nowher; has err "did you mean nowhere?"
ok

# --- run and submit: everything that is refused before Spark starts
expect 2 "$sibyl" run proj; has err "which fabric? give --fabric NAME"
expect 2 "$sibyl" run proj --fabric lokal; has err "no fabric named lokal"; has err "did you mean local?"
expect 2 "$sibyl" run proj --fabric local --pipeline clean_order; has err "did you mean \`clean_orders\`?"
expect 2 "$sibyl" run proj --fabric local --until shape; has err "--until needs --pipeline"
expect 2 "$sibyl" run proj --fabric local --pipeline clean_orders --until shap
has err "pipeline clean_orders has no gem \`shap\`"; has err "did you mean \`shape\`?"
expect 2 "$sibyl" run proj --fabric local --conf run_dat=2024-01-01; has err "did you mean \`run_date\`?"
expect 2 "$sibyl" run proj --fabric local --conf run_date; has err "expected NAME=VALUE"
expect 2 "$sibyl" run proj --fabric local --rows many; has err "--rows takes a number"
expect 2 "$sibyl" run proj --fabric local --format yaml; has err "unknown format 'yaml'"
expect 2 "$sibyl" run proj --fabric local --config nope; has err "no configuration \`nope\`"
expect 2 "$sibyl" run proj --fabric; has err "--fabric needs a value"
expect 3 "$sibyl" run "$work/nothing" --fabric local
expect 1 "$sibyl" run "$root/tests/cli/broken/missing_column" --fabric local
has err "error: column \`nmae\` does not exist"
has err "nothing was run"
"$sibyl" run "$root/tests/cli/broken/missing_column" --fabric local --format json >out 2>err || true
python3 -c 'import json,sys; d=json.load(open("out")); assert any(x["code"]=="unknown-column" for x in d), d' ||
    fail "run --format json on a broken project: diagnostics as JSON"
expect 2 "$sibyl" submit proj --fabric local; has err "which pipeline? give --pipeline P"
expect 2 "$sibyl" submit proj --fabric local --pipeline clean_orders --no-wait
has err "--no-wait needs a livy or databricks fabric"
expect 1 "$sibyl" submit "$root/tests/cli/broken/missing_column" --fabric local --pipeline p
# A driver that cannot start: one sentence, exit 1, nothing left in TMPDIR.
mkdir tmp
TMPDIR=$work/tmp "$sibyl" run proj --fabric nopy --pipeline clean_orders >out 2>err && fail "run on nopy succeeded"
has out "retail/clean_orders on fabric nopy (spark)"
has out "lost after"
has out "cannot start $work/no-such-python"
[ -z "$(ls tmp)" ] || fail "run left files in TMPDIR: $(ls tmp)"
ok

echo "fabric_cmd: $passed groups passed"
