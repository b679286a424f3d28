#!/usr/bin/env bash
# Install what building and testing sibyl needs on Debian 12, from Debian's
# packages. Safe to run again: packages already present are skipped.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config   # the build
  libcmocka-dev                                   # unit tests
  libcurl4-openssl-dev                            # fabric drivers (Livy, Databricks REST)
  libsqlite3-dev libpq-dev                        # metadata store (SQLite, PostgreSQL client)
  libmicrohttpd-dev libsodium-dev                 # sibyl serve: HTTP, passwords, secrets at rest
  postgresql                                      # PostgreSQL server for the store tests
  clang libclang-rt-14-dev                        # libFuzzer targets
  python3 python3-venv                            # Spark harness and test tools
  openssl                                         # certificates for the HTTPS test
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "sibyl: installing ${missing[*]}" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
