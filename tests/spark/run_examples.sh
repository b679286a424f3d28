#!/usr/bin/env bash
# run_examples.sh — generate PySpark with `sibyl gen` for every project that
# has goldens, run it on local Spark and compare with the goldens
# (tests/spark/run_examples.py has the details and options).
#
#   tests/spark/run_examples.sh                  Spark 3.5 (scripts/spark-env.sh)
#   tests/spark/run_examples.sh --spark4         the generated code on pyspark 4
#   tests/spark/run_examples.sh --self-test      the comparisons, against the reference
#   tests/spark/run_examples.sh --only retail/clean_orders --keep
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
spark4=0
for a in "$@"; do [ "$a" = "--spark4" ] && spark4=1; done
if [ "$spark4" = 1 ]; then
    PY=$("$root/scripts/spark-env.sh" --spark4)
else
    PY=$("$root/scripts/spark-env.sh")
    # The generated packages' own tests and lint.
    if ! "$PY" -c 'import pytest' >/dev/null 2>&1 || ! "$PY" -m ruff --version >/dev/null 2>&1; then
        echo "run_examples: installing pytest and ruff into $(dirname "$(dirname "$PY")")" >&2
        "$PY" -m pip install -q --disable-pip-version-check 'pytest==9.*' 'ruff==0.17.*' >&2
    fi
fi
exec "$PY" "$root/tests/spark/run_examples.py" "$@"
