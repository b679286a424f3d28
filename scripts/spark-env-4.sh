#!/usr/bin/env bash
# spark-env-4.sh — make a local Spark 4 available, to check that generated
# code also runs on Spark 4.x (tests/spark/run_examples.sh --spark4). The
# goldens stay Spark 3.5's (scripts/spark-env.sh).
#
# Spark 4 needs Java 17 or later: installs openjdk-17-jre-headless from Debian
# when `java` is missing or older. Creates a cached virtualenv at
# <repo>/.venv-spark4 with the newest pyspark 4 release from pip, plus pytest
# and ruff for the generated packages' own checks, and prints the path of its
# python on stdout (progress goes to stderr):
#
#   PY=$(scripts/spark-env-4.sh) && "$PY" -c 'import pyspark; print(pyspark.__version__)'
#
# The virtualenv is reused while its pyspark is a 4.x release; delete
# .venv-spark4 to start over. SIBYL_VENV4 overrides its location and
# SIBYL_PYSPARK4 the requirement (default 'pyspark==4.*').
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
venv=${SIBYL_VENV4:-$root/.venv-spark4}
# Tests run in parallel may all ask for the environment at once on a fresh
# clone: one creates it while the others wait.
mkdir -p "$(dirname "$venv")"
exec 9>"$venv.lock"
flock 9
req=${SIBYL_PYSPARK4:-pyspark==4.*}
log() { printf 'spark-env-4: %s\n' "$*" >&2; }
if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi

java_major() {
    java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1
}
if ! command -v java >/dev/null 2>&1 || [ "$(java_major)" -lt 17 ]; then
    log "Java 17 or later not found; installing openjdk-17-jre-headless"
    $sudo apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq openjdk-17-jre-headless >&2
    if [ "$(java_major)" -lt 17 ] && [ -x /usr/lib/jvm/java-17-openjdk-amd64/bin/java ]; then
        export JAVA_HOME=/usr/lib/jvm/java-17-openjdk-amd64
        log "using JAVA_HOME=$JAVA_HOME (set it when running the printed python)"
    fi
fi

python=${PYTHON:-python3}
have_pyspark() {
    [ -x "$venv/bin/python" ] &&
        "$venv/bin/python" -c 'import pyspark, sys; sys.exit(0 if pyspark.__version__.startswith("4.") else 1)' \
            >/dev/null 2>&1
}

if ! have_pyspark; then
    if [ ! -x "$venv/bin/python" ]; then
        log "creating virtualenv at $venv"
        if ! "$python" -m venv "$venv" >&2; then
            log "python venv support missing; installing python3-venv"
            rm -rf "$venv"
            $sudo apt-get update -qq >&2
            DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq python3-venv >&2
            "$python" -m venv "$venv" >&2
        fi
    fi
    log "installing $req (a few minutes the first time)"
    "$venv/bin/python" -m pip install -q --disable-pip-version-check "$req" >&2
    have_pyspark || { log "pyspark 4 did not install"; exit 1; }
fi
if ! "$venv/bin/python" -c 'import pytest' >/dev/null 2>&1 || ! "$venv/bin/python" -m ruff --version >/dev/null 2>&1; then
    log "installing pytest and ruff"
    "$venv/bin/python" -m pip install -q --disable-pip-version-check 'pytest==9.*' 'ruff==0.17.*' >&2
fi

echo "$venv/bin/python"
