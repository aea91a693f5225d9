# shellcheck shell=bash
# Shell shared by bench/http.sh and bench/auth.sh (sourced, not run).
#
# The caller sets its knobs' defaults (REPS, DUR, THREADS, WARMUP, BENCH_LOG_LEVEL, ...) and
# `out` (the result folder), then sources this file and calls, in order:
#   bench_check_knobs; bench_harness; bench_install [nginx] [gunicorn]; bench_build;
#   bench_setup; bench_meta_head; bench_quiet_check; em_seed; em_serve; em_login_all; ...
# Everything listens on 127.0.0.1. Every server started here is stopped by its PID on exit,
# error or Ctrl-C (trap), never by name: em_pid, and the pid files listed in BENCH_PIDFILES.

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
PEERS=${PEERS:-$repo/../shared/peers}
PY=/usr/bin/python3
SEED_USERS=100
SEED_TOPICS=60
SEED_PASSWORD='bench password 123'          # demo students only, on a throwaway database
# Every exammentor the benchmarks start: logins are rate limited to 10/60 s per IP and per
# account by default, and the benchmarks log in from one address many times; calls that
# start work (quizzes, tutor answers, uploads) to 300/60 s per account, and the benchmarks
# make thousands from a few accounts; access tokens outlive any run.
BENCH_AUTH_RATE_LIMIT=${BENCH_AUTH_RATE_LIMIT:-100000/1}
BENCH_USER_RATE_LIMIT=${BENCH_USER_RATE_LIMIT:-100000/1}
BENCH_TOKEN_MINUTES=${BENCH_TOKEN_MINUTES:-120}
BENCH_PIDFILES=()   # pid files of other servers to stop at exit
BENCH_KEEP=()       # files of $tmp copied to $out at exit, when non-empty
em_pid=""

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
as_root() { if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi; }

bench_check_knobs() {
  [[ $BENCH_LOG_LEVEL =~ ^(debug|info|warning|error)$ ]] || die "BENCH_LOG_LEVEL must be debug, info, warning or error"
  [[ $REPS =~ ^[1-9][0-9]*$ && $DUR =~ ^[1-9][0-9]*$ && $WARMUP =~ ^[0-9]+$ ]] || die "REPS and DUR must be positive integers"
}

# The measuring harness is the peers' own (httpbench.py and wrk/report.lua), so both sides of
# every ratio are measured by the same code; without it there is nothing to compare against.
bench_harness() {
  [[ -f $PEERS/httpbench.py && -f $PEERS/wrk/report.lua && -f $PEERS/wrk/get.lua ]] ||
    die "peers directory '$PEERS' (httpbench.py, wrk/report.lua, wrk/get.lua) not found: set PEERS=/path/to/shared/peers"
  PEERS=$(cd "$PEERS" && pwd)
  HARNESS=$PEERS
  get_lua=$HARNESS/wrk/get.lua
}

# bench_install [nginx] [gunicorn]: install wrk, curl, python3 and the named peer stacks when missing
bench_install() {
  local need_peer_install=0 p missing=()
  command -v wrk >/dev/null || need_peer_install=1
  for p in "$@"; do
    case $p in
      nginx) command -v nginx >/dev/null || [[ -x /usr/sbin/nginx ]] || need_peer_install=1 ;;
      gunicorn) $PY -c 'import fastapi, uvicorn' 2>/dev/null || need_peer_install=1 ;;
    esac
  done
  if ((need_peer_install)) && [[ -x $PEERS/install.sh ]]; then
    log "installing the peer stacks and tools: $PEERS/install.sh"
    as_root "$PEERS/install.sh" >"${TMPDIR:-/tmp}/exammentor-bench-install.log" 2>&1 ||
      die "peers/install.sh failed, see ${TMPDIR:-/tmp}/exammentor-bench-install.log"
  fi
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
}

# Release build (unless EM_BIN is given); sets EM_BIN to an absolute path and EM_SOURCE (meta.txt).
#   BENCH_SOURCE=worktree (default): the working tree, in build-bench
#   BENCH_SOURCE=head: a clean export of the HEAD commit (git archive: reads the repository,
#     changes nothing), in build-bench-head/<commit>/; others' uncommitted edits are left out
bench_build() {
  local src=$repo bdir=$repo/build-bench sha
  EM_SOURCE=""
  if [[ -n ${EM_BIN:-} ]]; then
    EM_SOURCE="EM_BIN given"
  else
    case ${BENCH_SOURCE:-worktree} in
      worktree) ;;
      head)
        sha=$(git -C "$repo" rev-parse --short=12 HEAD) || die "BENCH_SOURCE=head needs a git checkout"
        src=$repo/build-bench-head/$sha/src bdir=$repo/build-bench-head/$sha/build
        if [[ ! -f $src/CMakeLists.txt ]]; then
          log "exporting HEAD ($sha) to $src"
          rm -rf "$src" && mkdir -p "$src"
          git -C "$repo" archive --format=tar HEAD | tar -x -C "$src" || die "git archive HEAD failed"
        fi
        EM_SOURCE="$sha (clean export of HEAD, working tree not used)" ;;
      *) die "BENCH_SOURCE must be worktree or head" ;;
    esac
    [[ -x $src/scripts/deps.sh ]] && "$src/scripts/deps.sh" run
    log "building exammentor (Release, ${bdir#"$repo"/})"
    local blog=${TMPDIR:-/tmp}/exammentor-bench-build.log
    { cmake -S "$src" -B "$bdir" -DCMAKE_BUILD_TYPE=Release -DEM_TESTS=OFF &&
      cmake --build "$bdir" -j"$(nproc)" -- --no-print-directory; } >"$blog" 2>&1 ||
      { tail -n 25 "$blog" >&2; die "the build failed (full log: $blog); BENCH_SOURCE=head builds the last commit, or pass EM_BIN=/path/to/exammentor"; }
    EM_BIN=$bdir/exammentor
  fi
  [[ -x $EM_BIN ]] || die "EM_BIN=$EM_BIN is not an executable"
  EM_BIN=$(cd "$(dirname "$EM_BIN")" && pwd)/$(basename "$EM_BIN")
}

# bench_build_baseline COMMIT: that commit's binary (Release, no tests), built once from a clean
# export in build-bench-head/<sha>/ (git archive: the repository is only read); sets BASELINE_SHA
# and BASELINE_BIN. For the benchmarks that compare the working tree with an earlier commit.
bench_build_baseline() {
  local sha src bdir blog=${TMPDIR:-/tmp}/exammentor-bench-baseline.log
  sha=$(git -C "$repo" rev-parse --short=12 "$1") || die "BASELINE $1 is not a commit"
  src=$repo/build-bench-head/$sha/src bdir=$repo/build-bench-head/$sha/build
  if [[ ! -x $bdir/exammentor ]]; then
    log "building the baseline $sha"
    rm -rf "$src" && mkdir -p "$src"
    git -C "$repo" archive --format=tar "$sha" | tar -x -C "$src"
    { cmake -S "$src" -B "$bdir" -DCMAKE_BUILD_TYPE=Release -DEM_TESTS=OFF &&
      cmake --build "$bdir" -j"$(nproc)" -- --no-print-directory; } >"$blog" 2>&1 ||
      { tail -n 25 "$blog" >&2; die "the baseline build failed (full log: $blog)"; }
  fi
  BASELINE_SHA=$sha BASELINE_BIN=$bdir/exammentor
}

# ---------------------------------------------------------------- temp dir, cleanup
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
bench_cleanup() {
  local rc=$? f
  trap - EXIT INT TERM
  stop_pid "${bg_pid:-}"   # a bounded background load generator, if one is running
  stop_pid "$em_pid"
  for f in "${BENCH_PIDFILES[@]}"; do stop_pidfile "$f"; done
  for f in exammentor.err exammentor-start.log "${BENCH_KEEP[@]}"; do
    [[ -s $tmp/$f ]] && cp "$tmp/$f" "$out/" || true
  done
  if [[ ${KEEP_TMP:-0} == 1 ]]; then log "kept $tmp"; else rm -rf "$tmp"; fi
  ((rc == 0)) || log "failed (rc=$rc); partial results in $out"
  exit "$rc"
}
# temp dir, result folder, traps; jsonl (httpbench lines) and boxjsonl (machine CPU per run)
bench_setup() {
  tmp=$(mktemp -d "${TMPDIR:-/tmp}/exammentor-bench.XXXXXX")
  export PEERS_RUN=$tmp/peers-run PEERS_RESULTS=$tmp/peers-results
  mkdir -p "$PEERS_RUN" "$PEERS_RESULTS" "$tmp/wrk" "$out/raw"
  ln -sf "$HARNESS/wrk/report.lua" "$tmp/wrk/report.lua"   # httpbench.py sets PEERS_WRK_DIR to the script's dir
  jsonl=$out/runs.jsonl
  boxjsonl=$out/box.jsonl
  slog=$tmp/exammentor.log
  : >"$jsonl"
  clk=$(getconf CLK_TCK)
  bench_traps
}
# bench_cleanup on exit, error or Ctrl-C (for scripts that make their own $tmp and $out)
bench_traps() {
  trap bench_cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
}

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
# measure_em NAME URL SCRIPT CONNS REP: measure exammentor, and log its stdout volume for the run
measure_em() {
  local name=$1 lines bytes
  : >"$slog"   # O_APPEND writer: truncating keeps the file to one run's log
  measure "$name" "$em_pid" "$2" "$3" "$4" "$5" >/dev/null
  read -r lines bytes < <(wc -lc <"$slog")
  printf '{"name":"%s","conns":%s,"rep":%s,"log_level":"%s","log_lines":%s,"log_bytes":%s}\n' \
    "$name" "$4" "$5" "$BENCH_LOG_LEVEL" "$lines" "$bytes" >>"$out/accesslog.jsonl"
}
startmem() {  # NAME PID: tree RSS/PSS 1 s after start (only the readiness probe served)
  sleep 1
  $PY "$HARNESS/httpbench.py" --name "$1" --pid "$2" --mem-only | tee -a "$jsonl"
}
warmup() {  # URL SCRIPT [CONNS]: $WARMUP s of load, not recorded
  ((WARMUP > 0)) || return 0
  PEERS_WRK_DIR=$(dirname "$2") wrk -t"$THREADS" -c"${3:-64}" -d"${WARMUP}s" -s "$2" "$1" >/dev/null
}
check_body() {  # LABEL URL PYEXPR(d) [CURL ARGS...]: fetch once and check the decoded JSON body
  local label=$1 url=$2 expr=$3 body
  shift 3
  body=$(curl -fsS "$@" "$url") || { log "WARNING: $label: $url failed"; echo "WARNING: $label request failed" >>"$out/meta.txt"; return 0; }
  if ! $PY -c "import json,sys; d=json.loads(sys.argv[1]); sys.exit(0 if ($expr) else 1)" "$body"; then
    log "WARNING: $label: unexpected body from $url: ${body:0:200}"
    echo "WARNING: $label: unexpected body from $url: ${body:0:200}" >>"$out/meta.txt"
  fi
}

# ---------------------------------------------------------------- meta, quiet machine
bench_meta_head() {  # common lines of meta.txt (the caller has written its own first)
  [[ -n ${EM_BIN:-} ]] && echo "# exammentor: $EM_BIN ($("$EM_BIN" --version 2>/dev/null | head -1 || true))"
  if [[ ${EM_SOURCE:-} == *"clean export"* ]]; then
    echo "# source: $EM_SOURCE"
  elif [[ -n ${EM_BIN:-} ]] && command -v git >/dev/null && git -C "$repo" rev-parse --git-dir >/dev/null 2>&1; then
    # read-only: no index refresh, no locks
    local dirty
    dirty=$(GIT_OPTIONAL_LOCKS=0 git -C "$repo" status --porcelain -- src CMakeLists.txt 2>/dev/null | wc -l)
    echo "# source: working tree at $(git -C "$repo" rev-parse --short HEAD 2>/dev/null)$( ((dirty)) && echo " + $dirty uncommitted or untracked file(s) under src/ or CMakeLists.txt")${EM_SOURCE:+ ($EM_SOURCE: the binary may not match)}"
  fi
  echo "# $(wrk -v 2>&1 | head -1 | cut -c1-40)"
  true
}
busy_pct() {  # whole-machine busy CPU % over 2 s
  local b0 i0 q0 b1 i1 q1
  read -r b0 i0 q0 < <(cpu_jiffies); sleep 2; read -r b1 i1 q1 < <(cpu_jiffies)
  awk -v b="$((b1 - b0 + q1 - q0))" -v i="$((i1 - i0))" 'BEGIN{printf "%d", 100 * b / (b + i + 0.001)}'
}
# is the machine quiet? (other builds or tests on the same cores disturb every figure)
bench_quiet_check() {
  local busy quiet_deadline=$((SECONDS + ${QUIET_WAIT:-0}))
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
}

# ---------------------------------------------------------------- exammentor
# em_env: the environment of every exammentor command (no .env is read from anywhere)
em_env_init() {
  mkdir -p "$tmp/data"
  em_env=(env PORT=0 HOST=127.0.0.1 DATABASE_URL="sqlite://$tmp/em.db" DATA_DIR="$tmp/data" ENVIRONMENT=local
          EXAMMENTOR_ENV_FILE="$tmp/no.env" SECRET_KEY="$($PY -c 'import secrets; print(secrets.token_hex(32))')"
          AUTH_RATE_LIMIT="$BENCH_AUTH_RATE_LIMIT" USER_RATE_LIMIT="$BENCH_USER_RATE_LIMIT"
          ACCESS_TOKEN_MINUTES="$BENCH_TOKEN_MINUTES")
}

# em_seed: SEED_USERS students x SEED_TOPICS topics with SEED_PASSWORD; ids in $tmp/user_ids.txt
# (line i = student-i@demo.exammentor.invalid)
em_seed() {
  local uuid_re='^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' n
  em_env_init
  log "seeding $SEED_USERS users x $SEED_TOPICS topics (password set) into $tmp/em.db"
  (cd "$tmp" && "${em_env[@]}" LOG_LEVEL=warning "$EM_BIN" seed-data --users "$SEED_USERS" --topics "$SEED_TOPICS" \
    --password "$SEED_PASSWORD") >"$tmp/seed.out" 2>"$tmp/seed.err" || { cat "$tmp/seed.err" >&2; die "seed-data failed"; }
  grep -E "$uuid_re" "$tmp/seed.out" >"$tmp/user_ids.txt" || true
  n=$(wc -l <"$tmp/user_ids.txt")
  ((n == SEED_USERS)) || { head -5 "$tmp/seed.out" "$tmp/seed.err" >&2; die "seed-data printed $n user ids, expected $SEED_USERS"; }
  cp "$tmp/user_ids.txt" "$out/user_ids.txt"
}

# em_serve: start `exammentor serve` (stdout log to $slog, a file on disk); sets em_pid and EM_BASE
em_serve() {
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
  EM_BASE=http://127.0.0.1:$port
  wait_http "$EM_BASE/health" 20 "$em_pid" || { cat "$slog" "$tmp/exammentor.err" >&2; die "exammentor is not answering"; }
  head -c 4096 "$slog" >"$tmp/exammentor-start.log"
  log "exammentor pid $em_pid on $EM_BASE (LOG_LEVEL=$BENCH_LOG_LEVEL AUTH_RATE_LIMIT=$BENCH_AUTH_RATE_LIMIT ACCESS_TOKEN_MINUTES=$BENCH_TOKEN_MINUTES)"
  check_body "exammentor /health" "$EM_BASE/health" 'd.get("status") == "ok"'
}

em_stop() {
  tail -n 3 "$slog" >"$out/exammentor-log-tail.jsonl" || true
  : >"$slog"
  stop_pid "$em_pid"
  em_pid=""
}

# em_login_all: log each seeded student in once (curl, one at a time) and write
# $tmp/tokens.tsv: "<user id>\t<access token>", in seed order. Each login's user id must be
# the id seed-data printed for that student.
em_login_all() {
  local i
  mkdir -p "$tmp/login"
  log "logging in the $SEED_USERS students (one argon2id verify each)"
  for ((i = 1; i <= SEED_USERS; i++)); do
    curl -fsS -X POST -H 'Content-Type: application/json' \
      --data "{\"email\":\"student-$i@demo.exammentor.invalid\",\"password\":\"$SEED_PASSWORD\"}" \
      -o "$tmp/login/$i.json" "$EM_BASE/api/auth/login" || die "login of student-$i failed"
  done
  $PY - "$tmp/user_ids.txt" "$tmp/login" "$tmp/tokens.tsv" <<'EOF' || die "unexpected login answers"
import json, sys
ids = [l.strip() for l in open(sys.argv[1]) if l.strip()]
with open(sys.argv[3], "w") as out:
    for i, uid in enumerate(ids, 1):
        d = json.load(open(f"{sys.argv[2]}/{i}.json"))
        if d["user"]["id"] != uid or not d.get("access_token"):
            sys.exit(f"student-{i}: login answered user {d['user'].get('id')}, seed-data printed {uid}")
        out.write(f"{uid}\t{d['access_token']}\n")
EOF
}

# em_lua_bearer FILE PATH [with_id]: a wrk script whose every request is GET PATH from one of
# the logged-in students, at random, with that student's own Bearer token; with_id appends the
# student's id to PATH (e.g. "/api/topics?user_id="). Requests are pre-formatted once per thread.
em_lua_bearer() {
  local file=$1 path=$2 with_id=${3:-}
  {
    echo "-- generated by bench/$(basename "$0"): GET $path${with_id:+<id>} as one of the $SEED_USERS logged-in students, at random,"
    echo "-- with that student's own access token (Authorization: Bearer)"
    echo 'dofile(os.getenv("PEERS_WRK_DIR") .. "/report.lua")'
    echo "local users = {"
    awk -F'\t' '{printf "  {\"%s\", \"%s\"},\n", $1, $2}' "$tmp/tokens.tsv"
    echo "}"
    echo 'local reqs = {}'
    echo 'for i, u in ipairs(users) do'
    echo "  reqs[i] = wrk.format(\"GET\", \"$path\"$([[ -n $with_id ]] && echo ' .. u[1]'), {[\"Authorization\"] = \"Bearer \" .. u[2]})"
    echo 'end'
    echo 'request = function()'
    echo '  return reqs[math.random(1, #reqs)]'
    echo 'end'
    echo 'done = report_done'
  } >"$file"
  # a copy for the result folder, without the tokens (they die with this run's SECRET_KEY anyway)
  sed -E 's/"eyJ[^"]*"/"<access token>"/' "$file" >"$out/$(basename "$file")"
}
