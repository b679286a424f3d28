#!/usr/bin/env bash
# Configure and build sibyl into DIR (default build/), passing extra CMake flags through.
#   scripts/build.sh                       release build: build/sibyl
#   scripts/build.sh build-asan -DSIBYL_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-build}
shift || true
cmake -S . -B "$dir" -G Ninja "$@" >/dev/null
cmake --build "$dir"
