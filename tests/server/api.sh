#!/usr/bin/env bash
# The API suite: starts `sibyl serve` on a free port with a temporary data
# directory and drives it the way a client does (tests/server/api_test.py).
# Usage: tests/server/api.sh path/to/sibyl
set -euo pipefail
sibyl=${1:?usage: api.sh SIBYL}
here=$(cd "$(dirname "$0")" && pwd)
exec python3 "$here/api_test.py" "$sibyl"
