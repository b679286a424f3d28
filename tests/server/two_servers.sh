#!/usr/bin/env bash
# Two `sibyl serve` processes over one throwaway PostgreSQL database serve the
# same tenants consistently (tests/server/two_servers_test.py).
# Usage: tests/server/two_servers.sh path/to/sibyl
# Exit 77 (skipped) when no PostgreSQL server is installed.
set -euo pipefail
sibyl=${1:?usage: two_servers.sh SIBYL}
here=$(cd "$(dirname "$0")" && pwd)
exec "$here/../../scripts/pg-test.sh" python3 "$here/two_servers_test.py" "$sibyl"
