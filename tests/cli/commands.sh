#!/usr/bin/env bash
# The sibyl command as a user meets it: help, version, validate on every
# example, schema output in both formats, usage errors and exit codes.
set -euo pipefail
sibyl=${1:?usage: commands.sh path/to/sibyl}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# Help in the style of git.
"$sibyl" --help | grep -q "^usage: sibyl \[--version\] \[--help\] <command> \[<args>\]" || fail "--help"
for cmd in validate schema fmt help; do
  "$sibyl" --help | grep -qE "^   $cmd " || fail "--help does not list $cmd"
  "$sibyl" help "$cmd" | grep -q "^usage: sibyl $cmd" || fail "help $cmd"
  "$sibyl" "$cmd" --help | grep -q "^usage: sibyl $cmd" || fail "$cmd --help"
done
"$sibyl" --version | grep -qE '^sibyl [0-9]+\.[0-9]+\.[0-9]+$' || fail "--version"
set +e
"$sibyl" valdate 2>"$work/err"; rc=$?
set -e
[ "$rc" -eq 2 ] || fail "unknown command exit $rc"
grep -q "The most similar command is" "$work/err" || fail "no suggestion for valdate"
set +e; "$sibyl" >/dev/null 2>&1; rc=$?; set -e
[ "$rc" -eq 2 ] || fail "no command exit $rc"
set +e; "$sibyl" validate --bogus 2>/dev/null; rc=$?; set -e
[ "$rc" -eq 2 ] || fail "bad option exit $rc"
set +e; "$sibyl" validate "$work/nowhere" 2>"$work/err"; rc=$?; set -e
[ "$rc" -eq 3 ] || fail "missing project exit $rc"
grep -q "cannot open the project: No such file or directory" "$work/err" || fail "missing project message"

# Every example validates cleanly, in text and JSON.
for project in examples/*/; do
  "$sibyl" validate "$project" 2>"$work/err" || { cat "$work/err"; fail "validate $project"; }
  grep -q ", 0 errors" "$work/err" || fail "summary line for $project"
  [ "$("$sibyl" validate --format json "$project" | python3 -c 'import json,sys; print(sum(1 for d in json.load(sys.stdin) if d["severity"]=="error"))')" = 0 ] \
    || fail "json errors in $project"
done

# Schemas: every gem of every example pipeline, text and JSON agree on the gems.
for file in examples/*/pipelines/*.json; do
  project=$(dirname "$(dirname "$file")")
  name=$(basename "$file" .json)
  "$sibyl" schema "$project" "$name" >"$work/text" || fail "schema $project $name"
  "$sibyl" schema --format json "$project" "$name" >"$work/json" || fail "schema json $project $name"
  python3 - "$work/text" "$work/json" <<'PY' || fail "schema text/json disagree for $file"
import json, sys
text = open(sys.argv[1]).read()
gems = json.load(open(sys.argv[2]))
assert gems, "no gems"
for g in gems:
    assert f'gem "{g["gem"]}" ({g["kind"]})' in text, g["gem"]
    for o in g["outputs"]:
        assert o["schema"] is not None, (g["gem"], "unknown output schema")
        for col in o["schema"]:
            assert f' |-- {col["name"]}: ' in text, (g["gem"], col["name"])
PY
  # The path form names the same pipeline.
  "$sibyl" schema "$file" >"$work/text2"
  cmp -s "$work/text" "$work/text2" || fail "schema by path differs for $file"
done
set +e; "$sibyl" schema examples/retail no_such_pipeline 2>"$work/err"; rc=$?; set -e
[ "$rc" -eq 2 ] || fail "unknown pipeline exit $rc"
grep -q "has no pipeline \`no_such_pipeline\`" "$work/err" || fail "unknown pipeline message"
echo "commands: ok"
