#!/usr/bin/env bash
# Fabrics, per-user credentials and master-key rotation over the API: starts
# `sibyl serve` on a free port with a temporary data directory and drives it
# as a client does (tests/server/fabrics_test.py).
# Usage: tests/server/fabrics.sh path/to/sibyl
set -euo pipefail
sibyl=${1:?usage: fabrics.sh SIBYL}
here=$(cd "$(dirname "$0")" && pwd)
exec python3 "$here/fabrics_test.py" "$sibyl"
