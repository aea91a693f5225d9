#!/usr/bin/env bash
# Install what is missing, build, and run `exammentor serve` on the embedded
# defaults (SQLite under ./data, port 8000). Configuration: environment or .env.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh run
BUILD_TYPE=Release scripts/build.sh build-release -DEM_TESTS=OFF
exec build-release/exammentor serve "$@"
