#!/usr/bin/env bash
# HTTP benchmark: exammentor against the peer stacks it replaces, in one run, on 127.0.0.1.
#
#   bench/http.sh                         # DUR=10 REPS=2 CONNS="64 256", all three configs
#   DUR=5 REPS=1 bench/http.sh            # quick check
#   CONFIGS="exammentor" BENCH_LOG_LEVEL=warning DUR=5 REPS=1 bench/http.sh   # access log off
#
# Configs (CONFIGS, run in the order given):
#   exammentor  build-bench/exammentor serve on a fresh SQLite DB seeded with 100 students x 60
#               topics, each student logged in once (AUTH_RATE_LIMIT raised for that): GET /health,
#               and GET /api/topics?user_id=<id> as a random student with their own Bearer token
#               (JWT verify + account lookup + authorization + the 50-row query)
#   nginx       peers/nginx_limit: nginx `return 200` from memory, GET /health (the ceiling)
#   gunicorn    peers/fastapi_ref in gunicorn mode (UvicornWorker x (2*cores+1)), GET /health
#               and GET /api/topics?user_id=N (50 rows; no authentication at all)
# Every measurement is peers/httpbench.py: wrk -t$THREADS -c$C -d${DUR}s --latency, plus the
# server process tree's CPU time and RSS/PSS. Output: one JSON line per run, then a table of
# medians and the target ratios, all saved under bench/results/http-<stamp>/.
# Knobs: see bench/README.md. Every server this script starts is stopped by its PID on exit.
set -euo pipefail

REPS=${REPS:-2}
DUR=${DUR:-10}
CONNS=${CONNS:-"64 256"}
THREADS=${THREADS:-2}
CONFIGS=${CONFIGS:-"exammentor nginx gunicorn"}
BENCH_LOG_LEVEL=${BENCH_LOG_LEVEL:-info}
WARMUP=${WARMUP:-2}
stamp=$(date +%Y%m%d-%H%M%S)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
out=${BENCH_OUT:-$here/results/http-$stamp}

has() { [[ " $CONFIGS " == *" $1 "* ]]; }
for c in $CONFIGS; do
  case $c in exammentor | nginx | gunicorn) ;; *) die "unknown config '$c' (use exammentor, nginx, gunicorn)" ;; esac
done
bench_check_knobs
bench_harness
bench_install $(has nginx && echo nginx) $(has gunicorn && echo gunicorn)
if has exammentor; then bench_build; fi
bench_setup
BENCH_PIDFILES=("$PEERS_RUN/nginx.pid" "$PEERS_RUN/fastapi_gunicorn.pid")
BENCH_KEEP=(peers-run/fastapi_gunicorn.log peers-run/nginx_error.log)

{
  echo "# $(date -Is) host: $(nproc) cores, $(uname -r); wrk -t$THREADS -d${DUR}s --latency conns: $CONNS; reps: $REPS; warm-up ${WARMUP}s"
  echo "# configs: $CONFIGS (all started first, then runs interleaved: rep > endpoint > conns > server); exammentor LOG_LEVEL=$BENCH_LOG_LEVEL HTTP_THREADS=${HTTP_THREADS:-default} AUTH_RATE_LIMIT=$BENCH_AUTH_RATE_LIMIT ACCESS_TOKEN_MINUTES=$BENCH_TOKEN_MINUTES; harness: $HARNESS"
  echo "# exammentor topics: authenticated (random student, own Bearer token, user_id = own id); FastAPI topics: no authentication"
  has exammentor && bench_meta_head
  has exammentor || echo "# $(wrk -v 2>&1 | head -1 | cut -c1-40)"
  has nginx && echo "# $(nginx -v 2>&1)"
  true
} | tee "$out/meta.txt" >&2

# Per server: root PID, base URL, wrk script for /api/topics ("" = endpoint not served)
declare -A PID BASE TOPICS LABEL=([exammentor]=exammentor [nginx]=nginx [gunicorn]=gunicorn5)

# ---------------------------------------------------------------- exammentor
start_exammentor() {
  em_seed
  em_serve
  startmem "${LABEL[exammentor]}_startup" "$em_pid"   # before the logins: idle RSS
  em_login_all
  # wrk script: GET /api/topics?user_id=<own id> as a random student, with their own token
  local topics_lua=$tmp/wrk/exammentor_topics.lua
  em_lua_bearer "$topics_lua" "/api/topics?user_id=" with_id
  local id tok
  IFS=$'\t' read -r id tok <"$tmp/tokens.tsv"
  check_body "exammentor /api/topics" "$EM_BASE/api/topics?user_id=$id" \
    'd.get("count") == 50 and len(d.get("items", [])) == 50' -H "Authorization: Bearer $tok"
  PID[exammentor]=$em_pid BASE[exammentor]=$EM_BASE TOPICS[exammentor]=$topics_lua
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
# 0. is the machine quiet?
bench_quiet_check
# 1. start every server, each measured 1 s after its own start (the others idle)
for cfg in $CONFIGS; do
  log "=== starting $cfg"
  "start_$cfg"
  [[ $cfg == exammentor ]] || startmem "${LABEL[$cfg]}_startup" "${PID[$cfg]}"
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
          measure_em "exammentor_$ep" "$url" "$script" "$c" "$r"
        else
          measure "${LABEL[$cfg]}_$ep" "${PID[$cfg]}" "$url" "$script" "$c" "$r" >/dev/null
        fi
      done
    done
  done
done
# 4. stop
if has exammentor; then em_stop; fi
if has nginx; then "$PEERS/nginx_limit/stop.sh" >&2; fi
if has gunicorn; then "$PEERS/fastapi_ref/stop.sh" gunicorn >&2; fi

cat "$jsonl"
$PY "$here/summarize_http.py" --log-level "$BENCH_LOG_LEVEL" --box "$boxjsonl" "$jsonl" "$out/accesslog.jsonl" "$out/ratios.json" | tee "$out/summary.txt"
log "results: $out"
