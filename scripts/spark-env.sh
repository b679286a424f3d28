#!/usr/bin/env bash
# spark-env.sh — make a local Spark available for the scripts and tests that
# run real Spark (reference answers, goldens, the fabrics' suites).
#
#   PY=$(scripts/spark-env.sh) && "$PY" scripts/gen-type-cases.py
#   PY=$(scripts/spark-env.sh --spark4) && "$PY" -c 'import pyspark; print(pyspark.__version__)'
#
# Spark 3.5 (the default; the goldens are its answers): a cached virtualenv at
# <repo>/.venv with pyspark 3.5 from pip (SIBYL_VENV overrides the location).
# --spark4: a second one at <repo>/.venv-spark4 with the newest pyspark 4, to
# check that generated code also runs on Spark 4.x, plus pytest and ruff for
# the generated packages' own checks (SIBYL_VENV4 overrides the location,
# SIBYL_PYSPARK4 the requirement, default 'pyspark==4.*').
#
# Installs Debian's openjdk-17-jre-headless when `java` is missing (or, for
# Spark 4, older than 17), and python3-venv when venv support is missing.
# Prints the path of the virtualenv's python on stdout; progress goes to
# stderr. A virtualenv is reused while its pyspark is of the right line;
# delete it to start over.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [ "${1:-}" = --spark4 ]; then
    venv=${SIBYL_VENV4:-$root/.venv-spark4}
    req=${SIBYL_PYSPARK4:-pyspark==4.*}
    line=4. min_java=17 tools=1
else
    venv=${SIBYL_VENV:-$root/.venv}
    req='pyspark==3.5.*'
    line=3.5. min_java=8 tools=0
fi
# Tests run in parallel may all ask for the environment at once on a fresh
# clone: one creates it while the others wait.
mkdir -p "$(dirname "$venv")"
exec 9>"$venv.lock"
flock 9
log() { printf 'spark-env: %s\n' "$*" >&2; }
if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
apt_install() {
    $sudo apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >&2
}

java_major() {
    # "1.8.0_392" is Java 8; "17.0.9" is 17.
    java -version 2>&1 | sed -n 's/.*version "\(1\.\)\{0,1\}\([0-9]*\).*/\2/p' | head -1
}
if ! command -v java >/dev/null 2>&1 || [ "$(java_major)" -lt "$min_java" ]; then
    log "Java $min_java or later not found; installing openjdk-17-jre-headless"
    apt_install openjdk-17-jre-headless
    if [ "$(java_major)" -lt "$min_java" ] && [ -x /usr/lib/jvm/java-17-openjdk-amd64/bin/java ]; then
        export JAVA_HOME=/usr/lib/jvm/java-17-openjdk-amd64
        log "using JAVA_HOME=$JAVA_HOME (set it when running the printed python)"
    fi
fi

python=${PYTHON:-python3}
have_pyspark() {
    [ -x "$venv/bin/python" ] &&
        "$venv/bin/python" -c "import pyspark, sys; sys.exit(0 if pyspark.__version__.startswith('$line') else 1)" \
            >/dev/null 2>&1
}

if ! have_pyspark; then
    if [ ! -x "$venv/bin/python" ]; then
        log "creating virtualenv at $venv"
        if ! "$python" -m venv "$venv" >&2; then
            # Debian's python3 keeps venv (ensurepip) in a separate package.
            log "python venv support missing; installing python3-venv"
            rm -rf "$venv"
            apt_install python3-venv
            "$python" -m venv "$venv" >&2
        fi
    fi
    log "installing $req (a few minutes the first time)"
    "$venv/bin/python" -m pip install -q --disable-pip-version-check "$req" >&2
    have_pyspark || { log "$req did not install"; exit 1; }
fi
if [ "$tools" = 1 ] && { ! "$venv/bin/python" -c 'import pytest' >/dev/null 2>&1 ||
                         ! "$venv/bin/python" -m ruff --version >/dev/null 2>&1; }; then
    log "installing pytest and ruff"
    "$venv/bin/python" -m pip install -q --disable-pip-version-check 'pytest==9.*' 'ruff==0.17.*' >&2
fi

echo "$venv/bin/python"
