#!/usr/bin/env bash
# What durable commits cost: SQLite with SQLITE_SYNCHRONOUS=full (the default: an acknowledged
# commit is on disk) against normal (WAL's fast mode: a power cut may lose the last commits),
# on two write paths, interleaved, on the disk that holds TMPDIR (default /tmp):
#
#   bench/sync.sh                      # REPS=3, COUNT=2000, DUR=5
#
#   1. `exammentor jobs enqueue system.noop --count COUNT --per-transaction 1`: one commit per
#      job, in process, no HTTP: commits per second;
#   2. `POST /api/topics` through `exammentor serve` (one commit per request, with the token
#      check and the account lookup around it), wrk -t2 -c16 for DUR seconds: requests per second.
# Output: bench/results/sync-<stamp>/ (runs.jsonl, summary.txt, meta.txt).
set -euo pipefail

REPS=${REPS:-3}
COUNT=${COUNT:-2000}
DUR=${DUR:-5}
CONNS=${CONNS:-16}
stamp=$(date +%Y%m%d-%H%M%S)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
out=${BENCH_OUT:-$here/results/sync-$stamp}
PASSWORD='sync bench password 4711'

[[ $REPS =~ ^[1-9][0-9]*$ && $COUNT =~ ^[1-9][0-9]*$ && $DUR =~ ^[1-9][0-9]*$ ]] || die "REPS, COUNT, DUR: positive integers"
command -v wrk >/dev/null || die "wrk is missing: scripts/deps.sh test installs it"
mkdir -p "$out"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/exammentor-sync.XXXXXX")
em_pid=""
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  stop_pid "$em_pid"
  rm -rf "$tmp"
  ((rc == 0)) || log "failed (rc=$rc)"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

bench_build
{
  echo "bench/sync.sh $stamp"
  echo "host: $(uname -srm), $(nproc) cores; disk of $tmp: $(df -T "$tmp" | awk 'NR == 2 {print $2, $1}')"
  echo "commit: $(git -C "$repo" rev-parse --short=12 HEAD 2>/dev/null || echo unknown) (source: $EM_SOURCE)"
  echo "reps: $REPS, enqueue count: $COUNT, wrk: -t2 -c$CONNS -d${DUR}s"
} >"$out/meta.txt"
jsonl=$out/runs.jsonl
: >"$jsonl"

env_for() {  # MODE DIR
  echo "ENVIRONMENT=local HOST=127.0.0.1 PORT=0 DATABASE_URL=sqlite://$2/em.db DATA_DIR=$2/data EXAMMENTOR_ENV_FILE=$2/no.env"
  echo "SQLITE_SYNCHRONOUS=$1 LOG_LEVEL=warning ARGON2_OPSLIMIT=1 ARGON2_MEMLIMIT_KB=8192 AUTH_RATE_LIMIT=100000/1"
}

enqueue_run() {  # MODE REP
  local mode=$1 rep=$2 dir=$tmp/enq t0 t1
  rm -rf "$dir" && mkdir -p "$dir/data"
  # shellcheck disable=SC2046
  env $(env_for "$mode" "$dir") "$EM_BIN" migrate up >/dev/null 2>&1 || die "migrate failed"
  t0=$(date +%s.%N)
  # shellcheck disable=SC2046
  env $(env_for "$mode" "$dir") "$EM_BIN" jobs enqueue system.noop --count "$COUNT" --per-transaction 1 >/dev/null ||
    die "enqueue failed"
  t1=$(date +%s.%N)
  printf '{"path": "enqueue", "mode": "%s", "rep": %d, "commits": %d, "seconds": %s}\n' "$mode" "$rep" "$COUNT" \
    "$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f", b - a}')" | tee -a "$jsonl" >&2
}

http_run() {  # MODE REP
  local mode=$1 rep=$2 dir=$tmp/http port="" i token
  rm -rf "$dir" && mkdir -p "$dir/data"
  # shellcheck disable=SC2046
  (cd "$dir" && exec env $(env_for "$mode" "$dir") LOG_LEVEL=info "$EM_BIN" serve --no-worker >"$dir/log" 2>&1) &
  em_pid=$!
  for ((i = 0; i < 200; i++)); do
    port=$(grep -m1 '"msg":"listening"' "$dir/log" 2>/dev/null | grep -o '"port":[0-9]*' | cut -d: -f2 || true)
    [[ -n $port ]] && break
    sleep 0.1
  done
  [[ -n $port ]] || die "no listening line"
  token=$(curl -fsS -X POST -H 'Content-Type: application/json' \
    --data "{\"email\":\"sync@example.org\",\"password\":\"$PASSWORD\"}" "http://127.0.0.1:$port/api/auth/register" |
    $PY -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
  cat >"$dir/post.lua" <<LUA
wrk.method = "POST"
wrk.body = '{"name":"a topic","mastery":0.5}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $token"
LUA
  local rps
  rps=$(wrk -t2 -c"$CONNS" -d"${DUR}s" -s "$dir/post.lua" "http://127.0.0.1:$port/api/topics" 2>&1 |
    awk '/Requests\/sec/ {print $2}')
  local created
  created=$(curl -fsS -H "Authorization: Bearer $token" "http://127.0.0.1:$port/api/topics?limit=1" >/dev/null && echo ok)
  stop_pid "$em_pid"
  em_pid=""
  [[ $created == ok && -n $rps ]] || die "the HTTP write run failed"
  printf '{"path": "http", "mode": "%s", "rep": %d, "rps": %s}\n' "$mode" "$rep" "$rps" | tee -a "$jsonl" >&2
}

for ((rep = 1; rep <= REPS; rep++)); do
  for mode in full normal; do enqueue_run "$mode" "$rep"; done
  for mode in normal full; do http_run "$mode" "$rep"; done
done

$PY - "$jsonl" >"$out/summary.txt" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
def med(path, mode, f):
    return statistics.median(f(r) for r in rows if r["path"] == path and r["mode"] == mode)
enq = {m: med("enqueue", m, lambda r: r["commits"] / float(r["seconds"])) for m in ("full", "normal")}
http = {m: med("http", m, lambda r: float(r["rps"])) for m in ("full", "normal")}
print("medians over reps; full = SQLITE_SYNCHRONOUS=full (the default), normal = SQLITE_SYNCHRONOUS=normal")
print()
print("| write path | full | normal | full / normal |")
print("|---|---|---|---|")
print(f"| jobs enqueue, commits/s (one per job) | {enq['full']:.0f} | {enq['normal']:.0f} | {enq['full'] / enq['normal']:.2f} |")
print(f"| POST /api/topics, requests/s | {http['full']:.0f} | {http['normal']:.0f} | {http['full'] / http['normal']:.2f} |")
PY
cat "$out/summary.txt"
log "results in $out"
