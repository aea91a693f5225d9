#!/usr/bin/env bash
# Install what is missing, build, and run every test:
#   1. lint (banned functions)
#   2. build/ (Release, with GCC: the configuration users run) and build-asan/ (Debug with
#      asserts, AddressSanitizer + UBSan)
#   3. a throwaway PostgreSQL 15 and a throwaway Redis on 127.0.0.1, started here and
#      stopped on exit
#   4. ctest in both builds: unit + integration, each on SQLite and PostgreSQL
#   5. the web UI's tests (tests/web, with its vendored playwright-core and axe-core): the UI's
#      pure modules under `node --test`, and the browser journeys in headless chromium
#      against the Release build (tests/web/run.sh; screenshots in build/web-test-output)
#   6. the libFuzzer targets for FUZZ_SECONDS each (default 20) over fuzz/corpus
# Knobs: SKIP_ASAN=1, SKIP_WEB=1, SKIP_FUZZ=1, FUZZ_SECONDS=N, CTEST_ARGS="-R unit".
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
scripts/deps.sh test
scripts/lint.sh

BUILD_TYPE=Release scripts/build.sh build
[[ ${SKIP_ASAN:-0} == 1 ]] || scripts/build.sh build-asan -DEM_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug

pgdir=$(mktemp -d /tmp/exammentor-pg.XXXXXX)
redisdir=$(mktemp -d /tmp/exammentor-redis.XXXXXX)
cleanup() {
  "$root/scripts/pg-test-server.sh" stop "$pgdir" >/dev/null 2>&1 || true
  "$root/scripts/redis-test-server.sh" stop "$redisdir" >/dev/null 2>&1 || true
  rm -rf "$pgdir" "$redisdir"
}
trap cleanup EXIT
EM_TEST_PG_URL=$(scripts/pg-test-server.sh start "$pgdir")
export EM_TEST_PG_URL EM_REQUIRE_PG=1
echo "PostgreSQL for tests: $EM_TEST_PG_URL"
EM_TEST_REDIS_URL=$(scripts/redis-test-server.sh start "$redisdir")
export EM_TEST_REDIS_URL EM_REQUIRE_REDIS=1
echo "Redis for tests: $EM_TEST_REDIS_URL"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:strict_string_checks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
# shellcheck disable=SC2086
ctest --test-dir build --output-on-failure ${CTEST_ARGS:-}
if [[ ${SKIP_ASAN:-0} != 1 ]]; then
  echo "== the same suite under AddressSanitizer + UndefinedBehaviorSanitizer"
  # shellcheck disable=SC2086
  ctest --test-dir build-asan --output-on-failure ${CTEST_ARGS:-}
fi

if [[ ${SKIP_WEB:-0} != 1 ]]; then
  echo "== web UI: node unit tests and browser journeys"
  node --test tests/web/unit/*.test.mjs
  rm -rf build/web-test-output
  # The harness's own checks on the fixture bundle first (they must catch what they promise),
  # then every journey on the UI compiled into the binary. run.sh stops the server and
  # chromium however it ends.
  EM_WEB_JOURNEYS=smoke WEB_DIR=tests/fixtures/web \
    bash tests/web/run.sh build build/web-test-output/fixture
  bash tests/web/run.sh build build/web-test-output
fi

if [[ ${SKIP_FUZZ:-0} != 1 ]]; then
  echo "== fuzz targets, ${FUZZ_SECONDS:-20} s each"
  scripts/build.sh build-fuzz -DCMAKE_C_COMPILER=clang -DEM_FUZZ=ON -DCMAKE_BUILD_TYPE=Debug
  for f in build-fuzz/fuzz_*; do
    name=$(basename "$f"); corpus="fuzz/corpus/${name#fuzz_}"
    work=$(mktemp -d); cp -r "$corpus/." "$work/" 2>/dev/null || true
    log="$work.log"
    if ! "$f" -max_total_time="${FUZZ_SECONDS:-20}" -print_final_stats=1 "$work" >"$log" 2>&1; then
      tail -n 60 "$log"; echo "fuzz $name: FAILED" >&2; exit 1
    fi
    echo "fuzz $name: no crash in $(grep -oE 'number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$') runs"
    rm -rf "$work" "$log"
  done
fi
echo "all tests passed"
