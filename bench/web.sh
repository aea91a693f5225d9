#!/usr/bin/env bash
# The web UI's first load per page (/, /materials, /sessions, /quizzes, /progress) in
# headless chromium: bytes of HTML+CSS+JS as sent (gzip) and decoded, DOMContentLoaded,
# load and time to interactive, the median of REPS cold-cache loads as a signed-in student
# (bench/web.mjs says what each figure is). It runs as a journey of tests/web/run.sh, which
# starts the Release binary on a fresh SQLite database on a free loopback port and stops it,
# and chromium, on exit, error or Ctrl-C.
#
#   bench/web.sh                        # build/ (Release), the UI compiled in, REPS=5
#   WEB_DIR=web REPS=3 bench/web.sh     # web/ read from disk (no gzip: see docs/bench.md)
#   BUILD=build-release bench/web.sh
#
# Output: bench/results/web-<stamp>/ (summary.txt, web-bench.jsonl, server.log, meta.txt).
# Needs node and chromium (scripts/deps.sh test); playwright-core is in tests/web/vendor.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
build=${BUILD:-build}
if [[ ! -x $build/exammentor ]]; then
  BUILD_TYPE=Release scripts/build.sh "$build"
fi
out=$root/bench/results/web-$(date -u +%Y%m%d-%H%M%S)
mkdir -p "$out"
{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "commit: $(git rev-parse --short HEAD)$(git diff --quiet || echo ' (with uncommitted changes)')"
  echo "binary: $build/exammentor"
  echo "web: ${WEB_DIR:-compiled in}"
  echo "reps: ${REPS:-5}"
  echo "chromium: $(/usr/bin/chromium --version 2>/dev/null || echo unknown)"
  echo "cpus: $(nproc)"
} >"$out/meta.txt"
bash tests/web/run.sh "$build" "$out" "$root/bench/web.mjs"
echo "results in $out"
