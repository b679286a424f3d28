#!/usr/bin/env bash
# Malformed and unusual requests get well-formed errors (tests/server/malformed_test.py).
# Usage: tests/server/malformed.sh path/to/sibyl
set -euo pipefail
sibyl=${1:?usage: malformed.sh SIBYL}
here=$(cd "$(dirname "$0")" && pwd)
exec python3 "$here/malformed_test.py" "$sibyl"
