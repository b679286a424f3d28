#!/usr/bin/env bash
# spark-env.sh — make a local Spark 3.5 available for the scripts that ask
# real Spark for reference answers (type tables, golden outputs).
#
# Installs a Java runtime from Debian when `java` is missing, creates a cached
# virtualenv at <repo>/.venv with pyspark 3.5 from pip, and prints the path of
# the virtualenv's python on stdout (progress goes to stderr):
#
#   PY=$(scripts/spark-env.sh) && "$PY" scripts/gen-type-cases.py
#
# The virtualenv is reused while its pyspark is a 3.5 release; delete .venv to
# start over. SIBYL_VENV overrides its location.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
venv=${SIBYL_VENV:-$root/.venv}
# Tests run in parallel may all ask for the environment at once on a fresh
# clone: one creates it while the others wait.
mkdir -p "$(dirname "$venv")"
exec 9>"$venv.lock"
flock 9
log() { printf 'spark-env: %s\n' "$*" >&2; }

if ! command -v java >/dev/null 2>&1; then
    log "java not found; installing openjdk-17-jre-headless"
    if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
    $sudo apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq openjdk-17-jre-headless >&2
fi

python=${PYTHON:-python3}
have_pyspark() {
    [ -x "$venv/bin/python" ] &&
        "$venv/bin/python" -c 'import pyspark, sys; sys.exit(0 if pyspark.__version__.startswith("3.5.") else 1)' \
            >/dev/null 2>&1
}

if ! have_pyspark; then
    if [ ! -x "$venv/bin/python" ]; then
        log "creating virtualenv at $venv"
        if ! "$python" -m venv "$venv" >&2; then
            # Debian's python3 keeps venv (ensurepip) in a separate package.
            log "python venv support missing; installing python3-venv"
            rm -rf "$venv"
            if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
            $sudo apt-get update -qq >&2
            DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq python3-venv >&2
            "$python" -m venv "$venv" >&2
        fi
    fi
    log "installing pyspark 3.5 (a few minutes the first time)"
    "$venv/bin/python" -m pip install -q --disable-pip-version-check 'pyspark==3.5.*' >&2
    have_pyspark || { log "pyspark 3.5 did not install"; exit 1; }
fi

echo "$venv/bin/python"
