#!/usr/bin/env bash
# Set everything up and run the main job on the sample projects: build sibyl,
# check every example project, and show the schema flowing through a pipeline.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh build -DCMAKE_BUILD_TYPE=Release

for project in examples/*/; do
  project=${project%/}
  echo "== sibyl validate $project"
  build/sibyl validate "$project"
done

echo
echo "== sibyl schema examples/retail customer_revenue (every gem's output schema)"
build/sibyl schema examples/retail customer_revenue
