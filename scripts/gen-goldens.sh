#!/usr/bin/env bash
# gen-goldens.sh — derive the golden outputs of every example project and
# every test project under tests/spark/projects/ with the reference executor
# on real Spark 3.5 (tests/spark/goldens.py), and write them to tests/golden/.
#
#   scripts/gen-goldens.sh                      rewrite every golden
#   scripts/gen-goldens.sh --check              re-derive and diff (what CI runs)
#   scripts/gen-goldens.sh --only retail        one project (or project/pipeline)
#
# docs/testing.md explains the files and when to regenerate them.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PY=$("$root/scripts/spark-env.sh")
exec "$PY" "$root/tests/spark/goldens.py" "$@"
