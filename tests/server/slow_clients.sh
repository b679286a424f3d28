#!/usr/bin/env bash
# Slow clients are cut off by `sibyl serve --timeout` while others are served;
# a connection flood does not crash the server (tests/server/slow_clients_test.py).
# Usage: tests/server/slow_clients.sh path/to/sibyl
set -euo pipefail
sibyl=${1:?usage: slow_clients.sh SIBYL}
here=$(cd "$(dirname "$0")" && pwd)
exec python3 "$here/slow_clients_test.py" "$sibyl"
