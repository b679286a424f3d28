#!/usr/bin/env bash
# Property-based tests of the live API with schemathesis: every operation of
# the served OpenAPI document (src/server/openapi.json, including operations
# added later) is called with generated requests under an API token; no
# answer may be a 5xx or contradict the document, and the document's input
# schemas must be exact: what they allow is not refused with 400, what they
# forbid is not accepted (tests/server/schemathesis_run.py).
#
#   tests/server/schemathesis.sh path/to/sibyl [ST-OPTIONS...]
#
# schemathesis comes from the Python package registry into the cached
# virtualenv .venv-schemathesis (made on first use). SIBYL_ST_EXAMPLES sets
# the examples per operation (default 25), SIBYL_ST_SEED the seed (default
# 1; "random" for a new one), SIBYL_ST_CHECKS the checks to run instead of
# all of them (e.g. not_a_server_error). Exit 77 (skipped) when schemathesis
# cannot be installed.
set -euo pipefail
sibyl=${1:?usage: schemathesis.sh SIBYL [ST-OPTIONS...]}
shift
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
venv=$root/.venv-schemathesis
version=4.32.5
if ! "$venv/bin/st" --version 2>/dev/null | grep -q "version $version\$"; then
  echo "schemathesis: installing schemathesis $version into $venv" >&2
  if ! { python3 -m venv "$venv" && "$venv/bin/pip" install -q "schemathesis==$version"; } >&2; then
    echo "schemathesis: cannot install schemathesis; skipped" >&2
    exit 77
  fi
fi
seed=()
[ "${SIBYL_ST_SEED:-1}" = random ] || seed=(--seed "${SIBYL_ST_SEED:-1}")
exec "$venv/bin/python" "$here/schemathesis_run.py" "$venv/bin/st" "$sibyl" \
  --max-examples "${SIBYL_ST_EXAMPLES:-25}" "${seed[@]}" "$@"
