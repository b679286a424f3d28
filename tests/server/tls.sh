#!/usr/bin/env bash
# `sibyl serve` over HTTPS with a self-signed certificate (tests/server/tls_test.py).
# Usage: tests/server/tls.sh path/to/sibyl
# Exit 77 (skipped) without openssl to make the certificate.
set -euo pipefail
sibyl=${1:?usage: tls.sh SIBYL}
here=$(cd "$(dirname "$0")" && pwd)
if ! command -v openssl >/dev/null; then
  echo "tls: openssl is not installed; skipped" >&2
  exit 77
fi
exec python3 "$here/tls_test.py" "$sibyl"
