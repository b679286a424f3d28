#!/usr/bin/env bash
# Crash safety on SQLite: `sibyl serve` is killed with SIGKILL during a burst
# of writes and restarted; every acknowledged write must be there and the
# database consistent (tests/server/crash_test.py).
# Usage: tests/server/crash.sh path/to/sibyl
set -euo pipefail
sibyl=${1:?usage: crash.sh SIBYL}
here=$(cd "$(dirname "$0")" && pwd)
exec python3 "$here/crash_test.py" "$sibyl"
