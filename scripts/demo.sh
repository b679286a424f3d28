#!/usr/bin/env bash
# Set everything up and run the main job on the sample projects: build sibyl,
# check every example project, show the schemas flowing through a pipeline,
# generate PySpark, run a pipeline on local Spark with a preview on every
# edge, and serve the projects over the HTTP API.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh build -DCMAKE_BUILD_TYPE=Release

for project in examples/*/; do
  project=${project%/}
  echo "== sibyl validate $project"
  build/sibyl validate "$project"
done

echo
echo "== sibyl schema examples/retail customer_revenue (every gem's output schema)"
build/sibyl schema examples/retail customer_revenue

echo
echo "== sibyl gen examples/retail  (plain PySpark packages in build/generated/retail)"
build/sibyl gen examples/retail --out build/generated/retail

echo
echo "== run clean_orders on local Spark (pyspark 3.5) with a preview on every edge"
PY=$(bash scripts/spark-env.sh)
build/sibyl gen examples/retail --pipeline clean_orders --instrumented \
  --out build/generated/retail-instrumented >/dev/null
(cd examples/retail &&
  PYTHONPATH=../../build/generated/retail-instrumented/clean_orders/src \
    "$PY" -m clean_orders --conf sibyl_sample_rows=3 2>../../build/clean_orders.log) |
  python3 scripts/show-edges.py
echo "(outputs written under examples/retail/out/; Spark's log in build/clean_orders.log)"

# The server, with the sample projects loaded through its API. It runs in the
# foreground until Ctrl-C; SIBYL_DEMO_SERVE=0 skips it.
[ "${SIBYL_DEMO_SERVE:-1}" = 0 ] && exit 0
listen=${SIBYL_DEMO_LISTEN:-127.0.0.1:8080}
data=${SIBYL_DEMO_DATA:-.sibyl-demo}
export SIBYL_ADMIN_PASSWORD=${SIBYL_ADMIN_PASSWORD:-sibyl-demo-password}
echo
echo "== sibyl serve --data $data --listen $listen"
build/sibyl serve --data "$data" --listen "$listen" --insecure-cookies --no-access-log &
server=$!
trap 'kill -TERM $server 2>/dev/null; wait $server' INT TERM
for _ in $(seq 50); do
  python3 -c "import urllib.request,sys; urllib.request.urlopen(sys.argv[1], timeout=1)" \
    "http://$listen/readyz" >/dev/null 2>&1 && break
  sleep 0.1
done
python3 scripts/load-examples.py "http://$listen" admin "$SIBYL_ADMIN_PASSWORD" examples/*/
cat <<MSG

sibyl is serving on http://$listen (data in $data).
  sign in:  curl -c jar -H 'Content-Type: application/json' \\
              -d '{"tenant":"default","login":"admin","password":"$SIBYL_ADMIN_PASSWORD"}' \\
              http://$listen/api/v1/auth/login
  API:      http://$listen/api/v1/openapi.json   (docs/api.md)
Press Ctrl-C to stop.
MSG
wait $server
