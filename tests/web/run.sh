#!/usr/bin/env bash
# The browser tests: start the built binary on a fresh SQLite database in a
# temporary directory, on a free loopback port, with a known first superuser,
# run every tests/web/journeys/*.spec.mjs (lib/runner.mjs, headless chromium)
# and stop everything, chromium included, however it ends.
#
#   tests/web/run.sh BUILD_DIR OUT_DIR [JOURNEY.spec.mjs...]
#
# Serves the UI compiled into BUILD_DIR/exammentor; WEB_DIR=DIR serves DIR from
# disk instead (serve --web-dir). EM_WEB_JOURNEYS=a,b runs those journeys only.
# Screenshots and the server's log (server.log) go to OUT_DIR. Needs node,
# /usr/bin/chromium (scripts/deps.sh test) and `npm ci` run in tests/web.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:?usage: run.sh BUILD_DIR OUT_DIR [JOURNEY...]}
out=${2:?usage: run.sh BUILD_DIR OUT_DIR [JOURNEY...]}
shift 2
bin=$(cd "$build" && pwd)/exammentor
[[ -x $bin ]] || { echo "run.sh: no executable $bin (build first)" >&2; exit 1; }
command -v node >/dev/null || { echo "run.sh: node is not installed (scripts/deps.sh test)" >&2; exit 1; }
[[ -x ${CHROMIUM:-/usr/bin/chromium} ]] ||
  { echo "run.sh: no chromium at ${CHROMIUM:-/usr/bin/chromium} (scripts/deps.sh test)" >&2; exit 1; }
[[ -d $here/node_modules/playwright-core && -d $here/node_modules/axe-core ]] ||
  { echo "run.sh: run 'npm ci' in tests/web first" >&2; exit 1; }
mkdir -p "$out"
out=$(cd "$out" && pwd)
web_args=()
if [[ -n ${WEB_DIR:-} ]]; then
  web_args=(--web-dir "$(cd "$WEB_DIR" && pwd)")
fi

tmp=$(mktemp -d /tmp/exammentor-web.XXXXXX)
server=""
runner=""
cleanup() {
  # The runner closes chromium itself; its whole process group goes if it did not get to.
  if [[ -n $runner ]]; then
    kill -TERM -- "-$runner" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$runner" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$runner" 2>/dev/null || true
  fi
  if [[ -n $server ]]; then
    kill -TERM "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

admin_email=admin@example.org
admin_password="Web-tests-admin-$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')"
log=$out/server.log
: >"$log" # a log of an earlier run must not give its port
# A clean environment for the server: nothing from the caller's .env or WEB_DIR.
(cd "$tmp" && exec env -u WEB_DIR \
  ENVIRONMENT=local EXAMMENTOR_ENV_FILE="$tmp/none.env" DATA_DIR="$tmp/data" \
  DATABASE_URL="sqlite:///$tmp/exammentor.db" SECRET_KEY="web-tests-$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')" \
  FIRST_SUPERUSER="$admin_email" FIRST_SUPERUSER_PASSWORD="$admin_password" \
  AUTH_RATE_LIMIT=100000/60 ARGON2_OPSLIMIT=1 ARGON2_MEMLIMIT_KB=8192 LOG_LEVEL=info \
  "$bin" serve --host 127.0.0.1 --port 0 "${web_args[@]}" >"$log" 2>&1) &
server=$!
port=""
for _ in $(seq 1 200); do
  port=$(grep -o '"msg":"listening".*' "$log" 2>/dev/null | grep -oE '"port":[0-9]+' | head -n1 | cut -d: -f2 || true)
  [[ -n $port ]] && break
  kill -0 "$server" 2>/dev/null || break
  sleep 0.1
done
if [[ -z $port ]]; then
  echo "run.sh: the server did not start; its log:" >&2
  tail -n 30 "$log" >&2
  exit 1
fi
echo "run.sh: serving on http://127.0.0.1:$port (${WEB_DIR:+web dir $WEB_DIR, }log $log)"

export EM_WEB_BASE_URL="http://127.0.0.1:$port" EM_WEB_OUT_DIR="$out"
export EM_WEB_ADMIN_EMAIL="$admin_email" EM_WEB_ADMIN_PASSWORD="$admin_password"
# Its own process group, so that the trap can stop chromium with it.
setsid node "$here/lib/runner.mjs" "$@" &
runner=$!
status=0
wait "$runner" || status=$?
runner=""
if [[ $status != 0 ]]; then
  echo "run.sh: FAILED (screenshots and server.log in $out); the server's last lines:" >&2
  tail -n 15 "$log" >&2
fi
exit "$status"
