#!/usr/bin/env bash
# bench/queue.sh: throughput of exammentor's job queue (SQLite and PostgreSQL) against the
# peers' Celery + Redis and Python SQLite-table queue, in one run. See bench/README.md,
# "Queue benchmark".
#
#   bench/queue.sh                          # defaults: N=10000 REPS=3 PEER_REPS=2, about 2-3 minutes
#   REPS=1 PEER_REPS=1 bench/queue.sh       # quick check
#   BACKENDS=sqlite CONFIGS="2x1:1" SKIP_PEERS=1 WORKER_BATCH=64 bench/queue.sh
#
# Everything runs on 127.0.0.1. Every process this script starts (exammentor workers, the
# PostgreSQL cluster, the psql/sqlite3 pollers) is stopped by its PID or its data directory
# on exit, error or Ctrl-C (trap), never by name. Self-contained: it does not source
# bench/lib.sh.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
PEERS=${PEERS:-$repo/../shared/peers}
PY=/usr/bin/python3

N=${N:-10000}
REPS=${REPS:-3}
BACKENDS=${BACKENDS:-"sqlite postgres"}
# WORKERSxCONCURRENCY:PER_TRANSACTION; the first one is the headline configuration.
CONFIGS=${CONFIGS:-"2x1:1 2x2:1 2x1:100"}
PEER_REPS=${PEER_REPS:-2}          # calls of peers/bench_queue.sh (REPS=1 each), interleaved
PEER_VARIANTS=${PEER_VARIANTS:-}   # empty: the peers' default (seedstyle lean sqlite)
SKIP_PEERS=${SKIP_PEERS:-0}
PEER_RUNS=${PEER_RUNS:-}           # reuse earlier peers runs.jsonl files (space-separated) instead
QUIET_TIMEOUT=${QUIET_TIMEOUT:-1200}
# The peers' SQLite queue commits with synchronous=NORMAL and Redis keeps nothing on disk, so
# the queue is compared in the same mode; exammentor's default (full, one fsync per commit)
# is measured by bench/sync.sh.
export SQLITE_SYNCHRONOUS=${SQLITE_SYNCHRONOUS:-normal}
QUIET_PATTERN='bench/http.sh|bench/auth.sh|wrk '
DONE_TIMEOUT=${DONE_TIMEOUT:-180}
KEEP_TMP=${KEEP_TMP:-0}
stamp=$(date +%Y%m%d-%H%M%S)
out=${BENCH_OUT:-$repo/bench/results/queue-$stamp}

log() { printf '[queue %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

[[ $N =~ ^[1-9][0-9]*$ && $REPS =~ ^[1-9][0-9]*$ && $PEER_REPS =~ ^[0-9]+$ ]] ||
  die "N and REPS must be positive integers, PEER_REPS a non-negative one"
[[ -z ${WORKER_BATCH:-} || ${WORKER_BATCH} =~ ^[1-9][0-9]*$ ]] || die "WORKER_BATCH must be a positive integer"
for b in $BACKENDS; do [[ $b == sqlite || $b == postgres ]] || die "BACKENDS: sqlite and/or postgres, not '$b'"; done
for c in $CONFIGS; do [[ $c =~ ^[1-9][0-9]*x[1-9][0-9]*:[1-9][0-9]*$ ]] || die "CONFIGS entries look like 2x1:1 (WORKERSxCONCURRENCY:PER_TRANSACTION), not '$c'"; done

mkdir -p "$out"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/exammentor-queue.XXXXXX")
chmod 0755 "$tmp" # the PostgreSQL cluster runs as the unprivileged user emtest and must enter it
jsonl=$out/runs.jsonl
: >"$jsonl"
worker_pids=()
pg_dir=""
poll_pid="" poll_w="" poll_r=""

cleanup() {
  local rc=$?
  stop_workers
  poll_close
  if [[ -n $pg_dir ]]; then "$repo/scripts/pg-test-server.sh" stop "$pg_dir" >/dev/null 2>&1 || log "pg-test-server.sh stop failed"; fi
  if [[ $KEEP_TMP == 1 ]]; then log "temporary files kept in $tmp"; else rm -rf "$tmp"; fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- machine state

# Wait (10 s steps, up to QUIET_TIMEOUT) while the HTTP/auth benchmarks or wrk run: both
# benchmarks share the 2 cores. Sets `waited` (seconds) and `disturbed` (1 when we gave up).
wait_quiet() {
  waited=0 disturbed=0
  while pgrep -f "$QUIET_PATTERN" >/dev/null; do
    if ((waited == 0)); then log "another benchmark is running ($(pgrep -af "$QUIET_PATTERN" | head -1 | cut -c1-80)); waiting"; fi
    if ((waited >= QUIET_TIMEOUT)); then
      log "WARNING: still running after ${QUIET_TIMEOUT}s; measuring anyway (the row is flagged)"
      disturbed=1
      return 0
    fi
    sleep 10
    waited=$((waited + 10))
  done
  ((waited == 0)) || log "quiet after ${waited}s"
}

# CPU ticks of the whole machine: "busy total" from /proc/stat (USER_HZ, 100/s).
box_ticks() { awk '/^cpu /{b=$2+$3+$4+$7+$8+$9; print b, b+$5+$6; exit}' /proc/stat; }
# Busy fraction of the machine over 0.5 s, in percent.
busy_pct() {
  local a b
  read -r -a a <<<"$(box_ticks)"; sleep 0.5; read -r -a b <<<"$(box_ticks)"
  awk -v db=$((b[0] - a[0])) -v dt=$((b[1] - a[1])) 'BEGIN{printf "%.1f", dt ? 100*db/dt : 0}'
}
# user+sys CPU ticks of a live process (all its threads).
proc_ticks() { awk '{print $14+$15}' "/proc/$1/stat" 2>/dev/null || echo 0; }

# ---------------------------------------------------------------- build

if [[ -n ${EM_BIN:-} ]]; then
  EM=$(readlink -f "$EM_BIN"); [[ -x $EM ]] || die "EM_BIN=$EM_BIN is not executable"
  em_source="EM_BIN given"
else
  [[ -x $repo/scripts/deps.sh ]] && "$repo/scripts/deps.sh" run
  log "building exammentor (Release, build-bench-queue)"
  { cmake -S "$repo" -B "$repo/build-bench-queue" -DCMAKE_BUILD_TYPE=Release -DEM_TESTS=OFF &&
    cmake --build "$repo/build-bench-queue" -j2; } >"$tmp/build.log" 2>&1 ||
    { tail -20 "$tmp/build.log" >&2; die "the build failed (uncommitted changes in src/? EM_BIN=... measures a binary you trust)"; }
  EM=$repo/build-bench-queue/exammentor
  em_source="working tree $(git -C "$repo" rev-parse --short=12 HEAD 2>/dev/null || echo '?')$(git -C "$repo" diff --quiet HEAD -- src CMakeLists.txt 2>/dev/null || echo ' + uncommitted changes in src/')"
fi
command -v sqlite3 >/dev/null || die "sqlite3 (the CLI) is needed: apt-get install sqlite3"
if [[ " $BACKENDS " == *" postgres "* ]]; then command -v psql >/dev/null || die "psql is needed for BACKENDS=postgres"; fi

# The peers: Celery + Redis and the Python SQLite queue.
if [[ $SKIP_PEERS != 1 && -z $PEER_RUNS && $PEER_REPS -gt 0 ]]; then
  [[ -x $PEERS/bench_queue.sh ]] || die "peers directory '$PEERS' has no bench_queue.sh: set PEERS=/path/to/shared/peers or SKIP_PEERS=1"
  PEERS=$(cd "$PEERS" && pwd)
  if ! command -v redis-server >/dev/null || ! $PY -c 'import celery, redis' 2>/dev/null; then
    log "installing the peer stacks: $PEERS/install.sh"
    if [[ $(id -u) -eq 0 ]]; then "$PEERS/install.sh"; else sudo "$PEERS/install.sh"; fi >"$tmp/peers-install.log" 2>&1 ||
      die "peers/install.sh failed, see $tmp/peers-install.log"
  fi
fi

export EXAMMENTOR_ENV_FILE=/dev/null
unset WORKER_CONCURRENCY
[[ -n ${WORKER_BATCH:-} ]] && export WORKER_BATCH

# ---------------------------------------------------------------- databases

pg_base=""
if [[ " $BACKENDS " == *" postgres "* ]]; then
  pg_dir=$tmp/pg
  url=$("$repo/scripts/pg-test-server.sh" start "$pg_dir") || die "cannot start PostgreSQL (scripts/pg-test-server.sh)"
  pg_base=${url%/*}
  log "PostgreSQL at $pg_base (fsync off, synchronous_commit off: scripts/pg-test-server.sh)"
fi

dbn=0
# new_db BACKEND: a fresh, migrated database; sets db_url (and db_file for SQLite).
new_db() {
  dbn=$((dbn + 1))
  if [[ $1 == sqlite ]]; then
    db_file=$tmp/q_$dbn.db
    db_url=sqlite://$db_file
  else
    psql -qAtX "$pg_base/postgres" -c "CREATE DATABASE q_$dbn" >/dev/null || die "CREATE DATABASE q_$dbn failed"
    db_url=$pg_base/q_$dbn
  fi
  DATABASE_URL=$db_url LOG_LEVEL=warning "$EM" migrate up >/dev/null || die "migrate up failed on $db_url"
}
drop_db() {
  if [[ $1 == sqlite ]]; then rm -f "$db_file" "$db_file-wal" "$db_file-shm"
  else psql -qAtX "$pg_base/postgres" -c "DROP DATABASE IF EXISTS q_$dbn" >/dev/null || true; fi
}

# One persistent sqlite3/psql process answers the completion polls, so that polling costs
# no process start every few ms. The measured times come from the database afterwards.
poll_open() {
  rm -f "$tmp/poll.in" "$tmp/poll.out"
  mkfifo "$tmp/poll.in" "$tmp/poll.out"
  if [[ $1 == sqlite ]]; then sqlite3 -batch "$db_file" <"$tmp/poll.in" >"$tmp/poll.out" 2>/dev/null &
  else psql -qAtX "$db_url" <"$tmp/poll.in" >"$tmp/poll.out" 2>/dev/null & fi
  poll_pid=$!
  exec {poll_w}>"$tmp/poll.in" {poll_r}<"$tmp/poll.out"
}
poll_query() { # SQL -> one line
  local line=""
  echo "$1" >&"$poll_w"
  read -r -t 10 line <&"$poll_r" || true
  echo "$line"
}
poll_close() {
  [[ -n $poll_pid ]] || return 0
  [[ -n $poll_w ]] && exec {poll_w}>&-
  [[ -n $poll_r ]] && exec {poll_r}<&-
  poll_w="" poll_r=""
  kill "$poll_pid" 2>/dev/null || true
  wait "$poll_pid" 2>/dev/null || true
  poll_pid=""
}
# wait_done: poll every 5 ms until N system.noop jobs succeeded (or DONE_TIMEOUT). 0 when all done.
wait_done() {
  local deadline=$((SECONDS + DONE_TIMEOUT)) c
  while :; do
    c=$(poll_query "SELECT count(*) FROM jobs WHERE kind = 'system.noop' AND status = 'succeeded';")
    [[ $c == "$N" ]] && return 0
    ((SECONDS < deadline)) || { done_count=$c; return 1; }
    sleep 0.005
  done
}

# What the database says about the run: counts for the exactly-once checks and the
# timestamps (epoch ms) the spans are computed from. One line, |-separated:
# jobs succeeded max_attempts runs distinct_runs failed_runs min_created max_created max_finished min_run_started
metrics() {
  local ms_created ms_fin ms_cre_max ms_started q
  if [[ $1 == sqlite ]]; then
    # ISO-8601 "YYYY-MM-DDTHH:MM:SS.mmmZ" -> epoch ms, exactly
    ms() { echo "(CAST(strftime('%s', $1) AS INTEGER) * 1000 + CAST(substr($1, 21, 3) AS INTEGER))"; }
  else
    ms() { echo "(floor(extract(epoch FROM $1) * 1000))::bigint"; }
  fi
  ms_created=$(ms "min(created_at)"); ms_cre_max=$(ms "max(created_at)"); ms_fin=$(ms "max(finished_at)"); ms_started=$(ms "min(r.started_at)")
  q="SELECT (SELECT count(*) FROM jobs WHERE kind = 'system.noop'),
  (SELECT count(*) FROM jobs WHERE kind = 'system.noop' AND status = 'succeeded'),
  (SELECT coalesce(max(attempts), 0) FROM jobs WHERE kind = 'system.noop'),
  (SELECT count(*) FROM job_runs r JOIN jobs j ON j.id = r.job_id WHERE j.kind = 'system.noop'),
  (SELECT count(DISTINCT r.job_id) FROM job_runs r JOIN jobs j ON j.id = r.job_id WHERE j.kind = 'system.noop'),
  (SELECT count(*) FROM job_runs r JOIN jobs j ON j.id = r.job_id WHERE j.kind = 'system.noop' AND r.status <> 'succeeded'),
  (SELECT $ms_created FROM jobs WHERE kind = 'system.noop'),
  (SELECT $ms_cre_max FROM jobs WHERE kind = 'system.noop'),
  (SELECT $ms_fin FROM jobs WHERE kind = 'system.noop'),
  (SELECT $ms_started FROM job_runs r JOIN jobs j ON j.id = r.job_id WHERE j.kind = 'system.noop');"
  if [[ $1 == sqlite ]]; then sqlite3 -batch "$db_file" "$q"; else psql -qAtX -F '|' "$db_url" -c "$q"; fi
}

# exactly_once METRICS: "ok" or what failed
exactly_once() {
  local m jobs succ maxa runs dist failed
  IFS='|' read -r jobs succ maxa runs dist failed _ <<<"$1"
  m=""
  [[ $jobs == "$N" ]] || m+="jobs=$jobs "
  [[ $succ == "$N" ]] || m+="succeeded=$succ "
  [[ $runs == "$N" ]] || m+="job_runs=$runs "
  [[ $dist == "$N" ]] || m+="distinct_job_ids=$dist "
  [[ $maxa == 1 ]] || m+="max_attempts=$maxa "
  [[ $failed == 0 ]] || m+="failed_runs=$failed "
  echo "${m:-ok}"
}

# ---------------------------------------------------------------- workers

# start_workers W C: W processes of `exammentor worker --concurrency C` on $db_url; wait for
# each to log "worker started" unless $2 is "nowait".
start_workers() {
  local w=$1 c=$2 i
  worker_pids=()
  for ((i = 1; i <= w; i++)); do
    DATABASE_URL=$db_url LOG_LEVEL=info "$EM" worker --concurrency "$c" >"$tmp/worker-$i.log" 2>&1 &
    worker_pids+=($!)
  done
}
workers_ready() {
  local i t
  for ((i = 1; i <= ${#worker_pids[@]}; i++)); do
    for ((t = 0; t < 2000; t++)); do
      grep -q '"worker started"' "$tmp/worker-$i.log" 2>/dev/null && break
      kill -0 "${worker_pids[i - 1]}" 2>/dev/null || { cat "$tmp/worker-$i.log" >&2; die "worker $i exited at start"; }
      sleep 0.01
    done
    grep -q '"worker started"' "$tmp/worker-$i.log" || die "worker $i did not start within 20 s"
  done
}
workers_ticks() { local p s=0; for p in "${worker_pids[@]}"; do s=$((s + $(proc_ticks "$p"))); done; echo $s; }
stop_workers() {
  local p i
  ((${#worker_pids[@]})) || return 0
  for p in "${worker_pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${worker_pids[@]}"; do
    for ((i = 0; i < 150; i++)); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$p" 2>/dev/null; then log "worker $p did not stop, sending KILL"; kill -KILL "$p" 2>/dev/null || true; fi
    wait "$p" 2>/dev/null || true
  done
  worker_pids=()
}
worker_warnings() { cat "$tmp"/worker-*.log 2>/dev/null | grep -c '"level":"\(warn\|warning\|error\)"' || true; }

# ---------------------------------------------------------------- one measured cell

# run_cell BACKEND WORKERS CONC PER_TX REP: phase 1 end to end, phase 2 drain-only, each on
# a fresh database; appends one JSON line to runs.jsonl.
run_cell() {
  local be=$1 w=$2 c=$3 ptx=$4 rep=$5
  local m1 m2 chk1 chk2 b0 b1 t_launch prod_rc wt1 wt2 busy1 busy2 boxb1 boxb2 warn1 warn2 ok=true fail=""
  local p_real p_user p_sys waited1 waited2 dist1 dist2
  log "$be ${w}x$c per-tx $ptx rep $rep: end to end"

  # phase 1: workers running, the producer enqueues, clock until the N-th job finished
  wait_quiet; waited1=$waited dist1=$disturbed
  new_db "$be"
  start_workers "$w" "$c"; workers_ready
  busy1=$(busy_pct)
  read -r -a b0 <<<"$(box_ticks)"
  t_launch=$(date +%s%3N)
  local TIMEFORMAT='%3R %3U %3S'
  prod_rc=0
  { time DATABASE_URL=$db_url LOG_LEVEL=warning "$EM" jobs enqueue system.noop --count "$N" --per-transaction "$ptx" \
      >"$tmp/producer.out" 2>"$tmp/producer.err"; } 2>"$tmp/producer.time" || prod_rc=$?
  poll_open "$be"
  if ! wait_done; then ok=false fail+="e2e: timeout ($done_count/$N succeeded after ${DONE_TIMEOUT}s); "; fi
  poll_close
  read -r -a b1 <<<"$(box_ticks)"
  wt1=$(workers_ticks)
  stop_workers
  warn1=$(worker_warnings)
  ((prod_rc == 0)) || { ok=false fail+="producer exit $prod_rc: $(head -c 200 "$tmp/producer.err"); "; }
  read -r p_real p_user p_sys <"$tmp/producer.time"
  m1=$(metrics "$be")
  chk1=$(exactly_once "$m1")
  [[ $chk1 == ok ]] || { ok=false fail+="e2e: $chk1; "; }
  boxb1=$((b1[0] - b0[0]))
  drop_db "$be"

  # phase 2: all N enqueued first (one transaction), then the workers start; clock from
  # their launch to the last finish
  log "$be ${w}x$c rep $rep: drain-only"
  wait_quiet; waited2=$waited dist2=$disturbed
  new_db "$be"
  DATABASE_URL=$db_url LOG_LEVEL=warning "$EM" jobs enqueue system.noop --count "$N" >/dev/null || die "bulk enqueue failed"
  busy2=$(busy_pct)
  read -r -a b0 <<<"$(box_ticks)"
  local d_launch
  d_launch=$(date +%s%3N)
  start_workers "$w" "$c"
  poll_open "$be"
  if ! wait_done; then ok=false fail+="drain: timeout ($done_count/$N succeeded after ${DONE_TIMEOUT}s); "; fi
  poll_close
  read -r -a b1 <<<"$(box_ticks)"
  wt2=$(workers_ticks)
  stop_workers
  warn2=$(worker_warnings)
  m2=$(metrics "$be")
  chk2=$(exactly_once "$m2")
  [[ $chk2 == ok ]] || { ok=false fail+="drain: $chk2; "; }
  boxb2=$((b1[0] - b0[0]))
  drop_db "$be"

  local -a a1 a2
  IFS='|' read -r -a a1 <<<"$m1"
  IFS='|' read -r -a a2 <<<"$m2"
  # a[6] min created, a[7] max created, a[8] max finished, a[9] min run started (epoch ms)
  printf '{"system":"exammentor","backend":"%s","workers":%d,"concurrency":%d,"batch":%s,"per_tx":%d,"rep":%d,"n":%d,' \
    "$be" "$w" "$c" "${WORKER_BATCH:-16}" "$ptx" "$rep" "$N" >>"$jsonl"
  printf '"enqueue_s":%s,"enqueue_cpu_s":%s,"enqueue_db_s":%s,' \
    "$p_real" "$(awk -v u="$p_user" -v s="$p_sys" 'BEGIN{printf "%.3f", u+s}')" \
    "$(awk -v a="${a1[6]:-0}" -v b="${a1[7]:-0}" 'BEGIN{printf "%.3f", (b-a)/1000}')" >>"$jsonl"
  printf '"e2e_s":%s,"e2e_wall_s":%s,"e2e_workers_cpu_s":%s,"e2e_box_cpu_s":%s,' \
    "$(awk -v a="${a1[6]:-0}" -v b="${a1[8]:-0}" 'BEGIN{printf "%.3f", (b-a)/1000}')" \
    "$(awk -v a="$t_launch" -v b="${a1[8]:-0}" 'BEGIN{printf "%.3f", (b-a)/1000}')" \
    "$(awk -v t="$wt1" 'BEGIN{printf "%.2f", t/100}')" "$(awk -v t="$boxb1" 'BEGIN{printf "%.2f", t/100}')" >>"$jsonl"
  printf '"drain_s":%s,"drain_claim_s":%s,"drain_workers_cpu_s":%s,"drain_box_cpu_s":%s,' \
    "$(awk -v a="$d_launch" -v b="${a2[8]:-0}" 'BEGIN{printf "%.3f", (b-a)/1000}')" \
    "$(awk -v a="${a2[9]:-0}" -v b="${a2[8]:-0}" 'BEGIN{printf "%.3f", (b-a)/1000}')" \
    "$(awk -v t="$wt2" 'BEGIN{printf "%.2f", t/100}')" "$(awk -v t="$boxb2" 'BEGIN{printf "%.2f", t/100}')" >>"$jsonl"
  printf '"busy_before_pct":[%s,%s],"waited_s":[%d,%d],"disturbed":%s,"worker_warnings":[%d,%d],' \
    "$busy1" "$busy2" "$waited1" "$waited2" "$([[ $dist1$dist2 == 00 ]] && echo false || echo true)" "$warn1" "$warn2" >>"$jsonl"
  printf '"checks":{"e2e":"%s","drain":"%s"},"ok":%s,"fail":"%s"}\n' "$chk1" "$chk2" "$ok" "${fail//[$'\n\r\t\\\"']/ }" >>"$jsonl"
  $ok || log "FAILED: $fail"
  tail -1 "$jsonl" >&2
}

# ---------------------------------------------------------------- peers

peer_files=()
run_peers() { # one call of peers/bench_queue.sh with REPS=1
  log "peers/bench_queue.sh (REPS=1${PEER_VARIANTS:+ VARIANTS=$PEER_VARIANTS})"
  wait_quiet
  ((disturbed == 0)) || log "WARNING: the peers' run below shares the machine with another benchmark"
  local f
  PEERS_RESULTS=$out/peers PEERS_RUN=$tmp/peers-run N=$N WORKERS=2 REPS=1 ${PEER_VARIANTS:+VARIANTS="$PEER_VARIANTS"} \
    bash "$PEERS/bench_queue.sh" >>"$out/peers.log" 2>&1 || die "peers/bench_queue.sh failed, see $out/peers.log"
  f=$(ls -td "$out"/peers/queue_* | head -1)/runs.jsonl
  [[ -s $f ]] || die "peers/bench_queue.sh wrote no $f"
  peer_files+=("$f")
}

# ---------------------------------------------------------------- meta

{
  echo "date: $(date -Is)"
  echo "host: $(uname -srm), $(nproc) cores, $(awk -F': ' '/model name/{print $2; exit}' /proc/cpuinfo)"
  echo "exammentor: $("$EM" version 2>/dev/null) ($em_source), binary $EM"
  echo "sqlite: $(sqlite3 --version | cut -d' ' -f1) (CLI; exammentor links $(ldd "$EM" | awk '/libsqlite3/{print $3}'))"
  echo "sqlite: SQLITE_SYNCHRONOUS=$SQLITE_SYNCHRONOUS"
  [[ -n $pg_base ]] && echo "postgresql: $(psql -qAtX "$pg_base/postgres" -c 'SHOW server_version') via scripts/pg-test-server.sh: fsync=off, synchronous_commit=off, full_page_writes=off"
  echo "knobs: N=$N REPS=$REPS BACKENDS='$BACKENDS' CONFIGS='$CONFIGS' WORKER_BATCH=${WORKER_BATCH:-16 (default)} PEER_REPS=$PEER_REPS PEER_VARIANTS='${PEER_VARIANTS:-default}' SKIP_PEERS=$SKIP_PEERS"
  echo "database files: $tmp ($(df -T "$tmp" | awk 'NR==2{print $2}'))"
  echo "busy before start: $(busy_pct)%"
} >"$out/meta.txt"
cat "$out/meta.txt" >&2

# ---------------------------------------------------------------- run

peer_calls=0
if [[ -n $PEER_RUNS ]]; then
  for f in $PEER_RUNS; do [[ -s $f ]] || die "PEER_RUNS: no such file $f"; peer_files+=("$f"); done
fi
want_peers=0
[[ $SKIP_PEERS == 1 || -n $PEER_RUNS ]] || want_peers=$PEER_REPS
for ((rep = 1; rep <= REPS; rep++)); do
  for be in $BACKENDS; do
    for cfg in $CONFIGS; do
      wc=${cfg%%:*}
      run_cell "$be" "${wc%x*}" "${wc#*x}" "${cfg#*:}" "$rep"
    done
  done
  # interleave: one peers call after each exammentor rep, while any are left
  if ((peer_calls < want_peers)); then run_peers; peer_calls=$((peer_calls + 1)); fi
done
while ((peer_calls < want_peers)); do run_peers; peer_calls=$((peer_calls + 1)); done

headline=${CONFIGS%% *}
"$PY" "$here/summarize_queue.py" --headline "$headline" --ratios "$out/ratios.json" "$jsonl" "${peer_files[@]}" |
  tee "$out/summary.txt"
log "results in $out"
