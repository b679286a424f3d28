#!/usr/bin/env bash
# `sibyl fmt`: canonical files stay byte-identical; scrambled files (keys
# shuffled, other indentation, escapes) come back to exactly the canonical
# bytes; --check reports without writing; bad JSON is an error.
set -euo pipefail
sibyl=${1:?usage: fmt.sh path/to/sibyl}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cp -r examples "$work/examples"
for project in "$work"/examples/*/; do
  "$sibyl" fmt --check "$project"
done

# Scramble every JSON file of the examples and format it back.
python3 - "$work/examples" <<'PY'
import json, os, random, sys
random.seed(7)
def shuffle(v):
    if isinstance(v, dict):
        items = list(v.items()); random.shuffle(items)
        return {k: shuffle(x) for k, x in items}
    if isinstance(v, list):
        return [shuffle(x) for x in v]
    return v
for root, _, files in os.walk(sys.argv[1]):
    for f in files:
        if f.endswith(".json"):
            p = os.path.join(root, f)
            with open(p) as fh: doc = json.load(fh)
            with open(p, "w") as fh: json.dump(shuffle(doc), fh, indent=random.choice([None, 1, 4]), ensure_ascii=True)
PY
if "$sibyl" fmt --check "$work/examples/retail" >/dev/null 2>&1; then
  echo "fmt --check accepted scrambled files" >&2
  exit 1
fi
for project in "$work"/examples/*/; do
  "$sibyl" fmt "$project"
done
diff -r examples "$work/examples" -x data -x out

# Formatting twice changes nothing.
before=$(cat "$work"/examples/*/pipelines/*.json | md5sum)
"$sibyl" fmt "$work"/examples/*/
after=$(cat "$work"/examples/*/pipelines/*.json | md5sum)
[ "$before" = "$after" ]

# A single file, and an invalid one.
printf '{"b": [1, 2], "a": "x"}' >"$work/one.json"
"$sibyl" fmt "$work/one.json"
[ "$(cat "$work/one.json")" = $'{\n  "a": "x",\n  "b": [1, 2]\n}' ]
printf '{"a": }' >"$work/bad.json"
if "$sibyl" fmt "$work/bad.json" 2>"$work/err"; then
  echo "fmt accepted invalid JSON" >&2
  exit 1
fi
grep -qF "bad.json:1:7: error: unexpected '}', expected a value" "$work/err"
[ "$(cat "$work/bad.json")" = '{"a": }' ] # left untouched
echo "fmt: ok"
