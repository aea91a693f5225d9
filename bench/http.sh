#!/usr/bin/env bash
# HTTP benchmark: exammentor against the peer stacks it replaces, in one run, on 127.0.0.1.
#
#   bench/http.sh                         # DUR=10 REPS=2 CONNS="64 256", all three configs
#   DUR=5 REPS=1 bench/http.sh            # quick check
#   CONFIGS="exammentor" BENCH_LOG_LEVEL=warning DUR=5 REPS=1 bench/http.sh   # access log off
#
# Configs (CONFIGS, run in the order given):
#   exammentor  build-bench/exammentor serve on a fresh SQLite DB seeded with 100 users x 60
#               topics: GET /health and GET /api/topics?user_id=<random seeded UUID> (50 rows)
#   nginx       peers/nginx_limit: nginx `return 200` from memory, GET /health (the ceiling)
#   gunicorn    peers/fastapi_ref in gunicorn mode (UvicornWorker x (2*cores+1)), GET /health
#               and GET /api/topics?user_id=N (50 rows)
# Every measurement is peers/httpbench.py: wrk -t$THREADS -c$C -d${DUR}s --latency, plus the
# server process tree's CPU time and RSS/PSS. Output: one JSON line per run, then a table of
# medians and the target ratios, all saved under bench/results/http-<stamp>/.
# Knobs: see bench/README.md. Every server this script starts is stopped by its PID on exit.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
PEERS=${PEERS:-$repo/../shared/peers}
REPS=${REPS:-2}
DUR=${DUR:-10}
CONNS=${CONNS:-"64 256"}
THREADS=${THREADS:-2}
CONFIGS=${CONFIGS:-"exammentor nginx gunicorn"}
BENCH_LOG_LEVEL=${BENCH_LOG_LEVEL:-info}
WARMUP=${WARMUP:-2}
SEED_USERS=100
SEED_TOPICS=60
PY=/usr/bin/python3
stamp=$(date +%Y%m%d-%H%M%S)
out=${BENCH_OUT:-$here/results/http-$stamp}

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
has() { [[ " $CONFIGS " == *" $1 "* ]]; }

for c in $CONFIGS; do
  case $c in exammentor | nginx | gunicorn) ;; *) die "unknown config '$c' (use exammentor, nginx, gunicorn)" ;; esac
done
[[ $BENCH_LOG_LEVEL =~ ^(debug|info|warning|error)$ ]] || die "BENCH_LOG_LEVEL must be debug, info, warning or error"
[[ $REPS =~ ^[1-9][0-9]*$ && $DUR =~ ^[1-9][0-9]*$ && $WARMUP =~ ^[0-9]+$ ]] || die "REPS and DUR must be positive integers"

# ---------------------------------------------------------------- peers and harness
# The measuring harness is the peers' own (httpbench.py and wrk/report.lua), so
# both sides of every ratio are measured by the same code; without it there is
# nothing to compare against, and the script says so.
[[ -f $PEERS/httpbench.py && -f $PEERS/wrk/report.lua && -f $PEERS/wrk/get.lua ]] ||
  die "peers directory '$PEERS' (httpbench.py, wrk/report.lua, wrk/get.lua) not found: set PEERS=/path/to/shared/peers"
PEERS=$(cd "$PEERS" && pwd)
HARNESS=$PEERS
peer_note=""

# ---------------------------------------------------------------- installs (idempotent)
as_root() { if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi; }
need_peer_install=0
command -v wrk >/dev/null || need_peer_install=1
has nginx && ! command -v nginx >/dev/null && ! [[ -x /usr/sbin/nginx ]] && need_peer_install=1
has gunicorn && ! $PY -c 'import fastapi, uvicorn' 2>/dev/null && need_peer_install=1
if ((need_peer_install)) && [[ -x $PEERS/install.sh ]]; then
  log "installing the peer stacks and tools: $PEERS/install.sh"
  as_root "$PEERS/install.sh" >"${TMPDIR:-/tmp}/exammentor-bench-install.log" 2>&1 ||
    die "peers/install.sh failed, see ${TMPDIR:-/tmp}/exammentor-bench-install.log"
fi
missing=()
command -v wrk >/dev/null || missing+=(wrk)
command -v curl >/dev/null || missing+=(curl)
[[ -x $PY ]] || missing+=(python3)
if ((${#missing[@]})); then
  log "apt-get install ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  as_root apt-get update -qq
  as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
export PATH=$PATH:/usr/sbin

# ---------------------------------------------------------------- build
if has exammentor; then
  if [[ -z ${EM_BIN:-} ]]; then
    [[ -x $repo/scripts/deps.sh ]] && "$repo/scripts/deps.sh" run
    log "building exammentor (Release, build-bench)"
    blog=${TMPDIR:-/tmp}/exammentor-bench-build.log
    { cmake -S "$repo" -B "$repo/build-bench" -DCMAKE_BUILD_TYPE=Release -DEM_TESTS=OFF &&
      cmake --build "$repo/build-bench" -j"$(nproc)" -- --no-print-directory; } >"$blog" 2>&1 ||
      { tail -n 25 "$blog" >&2; die "the build failed (full log: $blog); or pass EM_BIN=/path/to/exammentor"; }
    EM_BIN=$repo/build-bench/exammentor
  fi
  [[ -x $EM_BIN ]] || die "EM_BIN=$EM_BIN is not an executable"
  EM_BIN=$(cd "$(dirname "$EM_BIN")" && pwd)/$(basename "$EM_BIN")
fi

# ---------------------------------------------------------------- temp dir, cleanup
tmp=$(mktemp -d "${TMPDIR:-/tmp}/exammentor-bench.XXXXXX")
export PEERS_RUN=$tmp/peers-run PEERS_RESULTS=$tmp/peers-results
mkdir -p "$PEERS_RUN" "$PEERS_RESULTS" "$tmp/wrk" "$out/raw"
jsonl=$out/runs.jsonl
logjsonl=$out/accesslog.jsonl
: >"$jsonl"
em_pid=""

# stop_pid PID: TERM, wait up to 15 s, then KILL (never by name)
stop_pid() {
  local pid=$1 i
  [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 150; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then log "pid $pid did not stop, sending KILL"; kill -KILL "$pid" 2>/dev/null || true; fi
  wait "$pid" 2>/dev/null || true
}
stop_pidfile() { [[ -f $1 ]] || return 0; stop_pid "$(cat "$1")"; rm -f "$1"; }
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  stop_pid "$em_pid"
  stop_pidfile "$PEERS_RUN/nginx.pid"
  stop_pidfile "$PEERS_RUN/fastapi_gunicorn.pid"
  for f in exammentor.err exammentor-start.log; do [[ -s $tmp/$f ]] && cp "$tmp/$f" "$out/" || true; done
  for f in fastapi_gunicorn.log nginx_error.log; do [[ -s $PEERS_RUN/$f ]] && cp "$PEERS_RUN/$f" "$out/" || true; done
  if [[ ${KEEP_TMP:-0} == 1 ]]; then log "kept $tmp"; else rm -rf "$tmp"; fi
  ((rc == 0)) || log "failed (rc=$rc); partial results in $out"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

free_port() { $PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_http() {  # URL SECONDS [PID]: poll until URL answers 2xx; fail early if PID dies
  local url=$1 t=$2 pid=${3:-} i
  for ((i = 0; i < t * 10; i++)); do
    curl -fs -o /dev/null "$url" && return 0
    [[ -n $pid ]] && ! kill -0 "$pid" 2>/dev/null && { log "server pid $pid exited"; return 1; }
    sleep 0.1
  done
  log "timeout waiting for $url"
  return 1
}

# ---------------------------------------------------------------- measurement helpers
cpu_jiffies() { awk '/^cpu /{print $2+$3+$4, $5+$6, $7+$8; exit}' /proc/stat; }  # user+nice+sys, idle+iowait, irq+softirq
measure() {  # NAME PID URL SCRIPT CONNS REP
  local name=$1 pid=$2 url=$3 script=$4 c=$5 rep=$6 b0 i0 q0 b1 i1 q1
  read -r b0 i0 q0 < <(cpu_jiffies)
  $PY "$HARNESS/httpbench.py" --name "$name" --url "$url" --script "$script" --pid "$pid" \
    -t "$THREADS" -c "$c" -d "$DUR" --raw "$out/raw/${name}_c${c}_r${rep}.txt" | tee -a "$jsonl"
  read -r b1 i1 q1 < <(cpu_jiffies)
  # whole-machine CPU during the run (process time; irq+softirq, which loopback TCP needs and no
  # process is charged for; idle): busy time beyond server + wrk is other load on the machine
  printf '{"name":"%s","conns":%s,"rep":%s,"box_busy_s":%s,"box_idle_s":%s,"box_irq_s":%s}\n' "$name" "$c" "$rep" \
    "$(awk -v a="$b0" -v b="$b1" -v t="$clk" 'BEGIN{printf "%.2f", (b-a)/t}')" \
    "$(awk -v a="$i0" -v b="$i1" -v t="$clk" 'BEGIN{printf "%.2f", (b-a)/t}')" \
    "$(awk -v a="$q0" -v b="$q1" -v t="$clk" 'BEGIN{printf "%.2f", (b-a)/t}')" >>"$boxjsonl"
}
startmem() {  # NAME PID: tree RSS/PSS 1 s after start (only the readiness probe served)
  sleep 1
  $PY "$HARNESS/httpbench.py" --name "$1" --pid "$2" --mem-only | tee -a "$jsonl"
}
warmup() {  # URL SCRIPT: $WARMUP s of load, not recorded
  ((WARMUP > 0)) || return 0
  PEERS_WRK_DIR=$(dirname "$2") wrk -t"$THREADS" -c64 -d"${WARMUP}s" -s "$2" "$1" >/dev/null
}
check_body() {  # LABEL URL PYEXPR(d): fetch once and check the decoded JSON body
  local body
  body=$(curl -fsS "$2") || { log "WARNING: $1: $2 failed"; echo "WARNING: $1 request failed" >>"$out/meta.txt"; return 0; }
  if ! $PY -c "import json,sys; d=json.loads(sys.argv[1]); sys.exit(0 if ($3) else 1)" "$body"; then
    log "WARNING: $1: unexpected body from $2: ${body:0:200}"
    echo "WARNING: $1: unexpected body from $2: ${body:0:200}" >>"$out/meta.txt"
  fi
}

clk=$(getconf CLK_TCK)
boxjsonl=$out/box.jsonl
get_lua=$HARNESS/wrk/get.lua
{
  echo "# $(date -Is) host: $(nproc) cores, $(uname -r); wrk -t$THREADS -d${DUR}s --latency conns: $CONNS; reps: $REPS; warm-up ${WARMUP}s"
  echo "# configs: $CONFIGS (all started first, then runs interleaved: rep > endpoint > conns > server); exammentor LOG_LEVEL=$BENCH_LOG_LEVEL HTTP_THREADS=${HTTP_THREADS:-default}; harness: $HARNESS"
  [[ -n $peer_note ]] && echo "# $peer_note"
  [[ -n ${EM_BIN:-} ]] && echo "# exammentor: $EM_BIN ($("$EM_BIN" --version 2>/dev/null | head -1 || true))"
  if has exammentor && command -v git >/dev/null && git -C "$repo" rev-parse --git-dir >/dev/null 2>&1; then
    # read-only: no index refresh, no locks
    dirty=$(GIT_OPTIONAL_LOCKS=0 git -C "$repo" status --porcelain --untracked-files=no -- src CMakeLists.txt 2>/dev/null | wc -l)
    echo "# source: $(git -C "$repo" rev-parse --short HEAD 2>/dev/null)$( ((dirty)) && echo " + uncommitted changes in $dirty file(s) under src/ or CMakeLists.txt")"
  fi
  echo "# $(wrk -v 2>&1 | head -1 | cut -c1-40)"
  has nginx && echo "# $(nginx -v 2>&1)"
  true
} | tee "$out/meta.txt" >&2

# Per server: root PID, base URL, wrk script for /api/topics ("" = endpoint not served)
declare -A PID BASE TOPICS LABEL=([exammentor]=exammentor [nginx]=nginx [gunicorn]=gunicorn5)
slog=$tmp/exammentor.log

# ---------------------------------------------------------------- exammentor
start_exammentor() {
  local db="sqlite://$tmp/em.db" uuid_re='^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
  mkdir -p "$tmp/data"
  em_env=(env PORT=0 HOST=127.0.0.1 DATABASE_URL="$db" DATA_DIR="$tmp/data" ENVIRONMENT=local
          EXAMMENTOR_ENV_FILE="$tmp/no.env")   # no .env is read from anywhere
  log "seeding $SEED_USERS users x $SEED_TOPICS topics into $tmp/em.db"
  (cd "$tmp" && "${em_env[@]}" LOG_LEVEL=warning "$EM_BIN" seed-data --users "$SEED_USERS" --topics "$SEED_TOPICS") \
    >"$tmp/seed.out" 2>"$tmp/seed.err" || { cat "$tmp/seed.err" >&2; die "seed-data failed"; }
  grep -E "$uuid_re" "$tmp/seed.out" >"$tmp/user_ids.txt" || true
  local n
  n=$(wc -l <"$tmp/user_ids.txt")
  ((n == SEED_USERS)) || { head -5 "$tmp/seed.out" "$tmp/seed.err" >&2; die "seed-data printed $n user ids, expected $SEED_USERS"; }
  cp "$tmp/user_ids.txt" "$out/user_ids.txt"

  # wrk script: GET /api/topics?user_id=<random seeded id>; requests pre-formatted once per thread
  local topics_lua=$tmp/wrk/exammentor_topics.lua
  ln -sf "$HARNESS/wrk/report.lua" "$tmp/wrk/report.lua"   # httpbench.py sets PEERS_WRK_DIR to the script's dir
  {
    echo "-- generated by bench/http.sh: GET /api/topics?user_id=<one of the $SEED_USERS seeded users, at random>"
    echo "-- (the counterpart of peers/wrk/topics.lua; each user has $SEED_TOPICS topics, 50 are returned)"
    echo 'dofile(os.getenv("PEERS_WRK_DIR") .. "/report.lua")'
    echo "local ids = {"
    sed 's/.*/  "&",/' "$tmp/user_ids.txt"
    echo "}"
    echo 'local reqs = {}'
    echo 'for i, id in ipairs(ids) do reqs[i] = wrk.format("GET", "/api/topics?user_id=" .. id) end'
    echo 'request = function()'
    echo '  return reqs[math.random(1, #reqs)]'
    echo 'end'
    echo 'done = report_done'
  } >"$topics_lua"
  cp "$topics_lua" "$out/"

  # serve; stdout (the JSON log, one line per request at info) goes to a file on disk
  local port=0 i
  [[ $BENCH_LOG_LEVEL == debug || $BENCH_LOG_LEVEL == info ]] || port=$(free_port)   # no "listening" line below info
  : >"$slog"
  (cd "$tmp" && exec "${em_env[@]}" PORT="$port" LOG_LEVEL="$BENCH_LOG_LEVEL" "$EM_BIN" serve >>"$slog" 2>>"$tmp/exammentor.err") &
  em_pid=$!
  if ((port == 0)); then
    for ((i = 0; i < 200; i++)); do
      port=$(grep -m1 '"msg":"listening"' "$slog" 2>/dev/null | grep -o '"port":[0-9]*' | cut -d: -f2 || true)
      [[ -n $port ]] && break
      kill -0 "$em_pid" 2>/dev/null || { cat "$slog" "$tmp/exammentor.err" >&2; die "exammentor serve exited"; }
      sleep 0.1
    done
    [[ -n $port ]] || die "no \"listening\" log line from exammentor within 20 s"
  fi
  local base=http://127.0.0.1:$port
  wait_http "$base/health" 20 "$em_pid" || { cat "$slog" "$tmp/exammentor.err" >&2; die "exammentor is not answering"; }
  head -c 4096 "$slog" >"$tmp/exammentor-start.log"
  log "exammentor pid $em_pid on $base (LOG_LEVEL=$BENCH_LOG_LEVEL)"
  check_body "exammentor /health" "$base/health" 'd.get("status") == "ok"'
  check_body "exammentor /api/topics" "$base/api/topics?user_id=$(head -1 "$tmp/user_ids.txt")" \
    'd.get("count") == 50 and len(d.get("items", [])) == 50'
  PID[exammentor]=$em_pid BASE[exammentor]=$base TOPICS[exammentor]=$topics_lua
}

# ---------------------------------------------------------------- peers
start_nginx() {
  local port
  port=$(free_port)
  "$PEERS/nginx_limit/start.sh" "$port" >&2
  PID[nginx]=$(cat "$PEERS_RUN/nginx.pid") BASE[nginx]=http://127.0.0.1:$port TOPICS[nginx]=""
}
start_gunicorn() {
  local port
  port=$(free_port)
  PEERS_FRESH_DB=1 "$PEERS/fastapi_ref/start.sh" gunicorn "$port" >&2
  PID[gunicorn]=$(cat "$PEERS_RUN/fastapi_gunicorn.pid") BASE[gunicorn]=http://127.0.0.1:$port
  TOPICS[gunicorn]=$PEERS/wrk/topics.lua
  check_body "gunicorn /api/topics" "${BASE[gunicorn]}/api/topics?user_id=1" 'len(d) == 50'
}

# ---------------------------------------------------------------- run
# 0. is the machine quiet? (other builds or tests on the same cores disturb every figure)
busy_pct() {  # whole-machine busy CPU % over 2 s
  local b0 i0 q0 b1 i1 q1
  read -r b0 i0 q0 < <(cpu_jiffies); sleep 2; read -r b1 i1 q1 < <(cpu_jiffies)
  awk -v b="$((b1 - b0 + q1 - q0))" -v i="$((i1 - i0))" 'BEGIN{printf "%d", 100 * b / (b + i + 0.001)}'
}
quiet_deadline=$((SECONDS + ${QUIET_WAIT:-0}))
while :; do
  busy=$(busy_pct)
  ((busy <= 10 || SECONDS >= quiet_deadline)) && break
  log "machine is ${busy}% busy before the start; waiting (QUIET_WAIT)"
done
if ((busy > 10)); then
  log "WARNING: the machine was ${busy}% busy before the start: other load will disturb the figures"
  echo "# WARNING: machine ${busy}% busy before the start" >>"$out/meta.txt"
else
  echo "# machine ${busy}% busy before the start" >>"$out/meta.txt"
fi
# 1. start every server, each measured 1 s after its own start (the others idle)
for cfg in $CONFIGS; do
  log "=== starting $cfg"
  "start_$cfg"
  startmem "${LABEL[$cfg]}_startup" "${PID[$cfg]}"
done
# 2. warm up every endpoint
for cfg in $CONFIGS; do
  warmup "${BASE[$cfg]}/health" "$get_lua"
  [[ -z ${TOPICS[$cfg]} ]] || warmup "${BASE[$cfg]}/api/topics" "${TOPICS[$cfg]}"
done
# 3. measured runs, interleaved so that both sides of every ratio are measured close in time
for ((r = 1; r <= REPS; r++)); do
  for ep in health topics; do
    for c in $CONNS; do
      for cfg in $CONFIGS; do
        if [[ $ep == health ]]; then url=${BASE[$cfg]}/health script=$get_lua
        else [[ -n ${TOPICS[$cfg]} ]] || continue; url=${BASE[$cfg]}/api/topics script=${TOPICS[$cfg]}; fi
        log "rep $r/$REPS $cfg $ep c=$c"
        if [[ $cfg == exammentor ]]; then
          : >"$slog"   # O_APPEND writer: truncating keeps the file to one run's log
          measure "exammentor_$ep" "${PID[$cfg]}" "$url" "$script" "$c" "$r" >/dev/null
          read -r lines bytes < <(wc -lc <"$slog")
          printf '{"name":"exammentor_%s","conns":%s,"rep":%s,"log_level":"%s","log_lines":%s,"log_bytes":%s}\n' \
            "$ep" "$c" "$r" "$BENCH_LOG_LEVEL" "$lines" "$bytes" >>"$logjsonl"
        else
          measure "${LABEL[$cfg]}_$ep" "${PID[$cfg]}" "$url" "$script" "$c" "$r" >/dev/null
        fi
      done
    done
  done
done
# 4. stop
if has exammentor; then
  tail -n 3 "$slog" >"$out/exammentor-log-tail.jsonl" || true
  : >"$slog"
  stop_pid "$em_pid"; em_pid=""
fi
if has nginx; then "$PEERS/nginx_limit/stop.sh" >&2; fi
if has gunicorn; then "$PEERS/fastapi_ref/stop.sh" gunicorn >&2; fi

cat "$jsonl"
$PY "$here/summarize_http.py" --log-level "$BENCH_LOG_LEVEL" --box "$boxjsonl" "$jsonl" "$logjsonl" "$out/ratios.json" | tee "$out/summary.txt"
log "results: $out"
