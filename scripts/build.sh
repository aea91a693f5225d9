#!/usr/bin/env bash
# Configure and build one build directory with CMake.
#   scripts/build.sh [DIR] [extra cmake args...]   (DIR defaults to build)
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-build}; shift || true
cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=${BUILD_TYPE:-RelWithDebInfo} "$@" >/dev/null
cmake --build "$dir" -j"$(nproc)" -- --no-print-directory
