#!/usr/bin/env bash
# The broken-project suite: every directory under tests/cli/broken/ is a
# project with one kind of mistake. `sibyl validate` must exit 1 (never crash,
# never succeed) and print every line of the case's `expected` file (each
# line is a fixed string that must appear in the diagnostics).
set -uo pipefail
sibyl=${1:?usage: broken.sh path/to/sibyl}
root=$(cd "$(dirname "$0")" && pwd)/broken
failures=0
count=0
for case in "$root"/*/; do
  case=${case%/}
  name=$(basename "$case")
  count=$((count + 1))
  out=$("$sibyl" validate "$case" 2>&1)
  rc=$?
  if [ "$rc" -ne 1 ]; then
    echo "FAIL $name: exit status $rc, expected 1"
    echo "$out" | sed 's/^/    /'
    failures=$((failures + 1))
    continue
  fi
  while IFS= read -r line || [ -n "$line" ]; do
    [ -z "$line" ] && continue
    if ! grep -qF -- "$line" <<<"$out"; then
      echo "FAIL $name: missing diagnostic: $line"
      echo "$out" | sed 's/^/    /'
      failures=$((failures + 1))
      break
    fi
  done <"$case/expected"
  # The JSON form carries the same diagnostics and must itself be valid JSON.
  json_out=$("$sibyl" validate --format json "$case" 2>/dev/null)
  if ! python3 -c 'import json,sys; d=json.load(sys.stdin); sys.exit(0 if d and all("message" in x for x in d) else 1)' <<<"$json_out"; then
    echo "FAIL $name: --format json did not print a non-empty JSON array of diagnostics"
    failures=$((failures + 1))
  fi
done
echo "$count broken projects, $failures failures"
[ "$failures" -eq 0 ]
