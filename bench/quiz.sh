#!/usr/bin/env bash
# Quiz benchmark, on 127.0.0.1: one exammentor server (Release, SQLite) and the FastAPI peer
# (peers/fastapi_ref, gunicorn + UvicornWorker) in the same run, then bench/fsrs.sh.
#
#   bench/quiz.sh                                      # DUR=10 CONNS=64, about 7 minutes
#   REPS=2 POOL_QUIZZES=4500 PROFILE=1 bench/quiz.sh   # as in docs/bench.md, about 8 minutes
#   DUR=5 GEN_CALLS=5 POOL_QUIZZES=1500 FSRS=0 bench/quiz.sh   # a quick check
#
# 1. Generation: a Markdown material of BIG_WORDS words (150,000, about 300 pages at 500 words a
#    page: tests/fixtures/bashref.md and tests/fixtures/qgen/unix_filesystem.md in turn, cut at
#    the line where the count is reached), uploaded and extracted, then GEN_CALLS
#    POST /api/quiz/generate count=GEN_COUNT calls one after another by one student (curl
#    time_total). The first call builds the material's index (cold cache); each later quiz
#    avoids the questions of the student's QUIZ_RECENT latest quizzes, so it draws or writes
#    others.
# 2. Submissions: POOL_STUDENTS students each upload unix_filesystem.md POOL_MATERIALS times and
#    generate quizzes of POOL_COUNT questions over them (one curl a student, keep-alive,
#    POOL_PARALLEL at once) until there are POOL_QUIZZES; each quiz's submit body answers every
#    question (a choice by its first option, others by a word). The pool is cut into one slice
#    per rep (+1 for PROFILE=1). Then, per rep, wrk -t$THREADS -c$CONNS -d${DUR}s --latency
#    against exammentor GET /health, exammentor POST /api/quiz/{id}/submit
#    (bench/quiz_submit.lua: each quiz once, 409s counted), the peer's POST /api/quiz/submit
#    (peers/wrk/quiz_submit.lua) and the peer's GET /health.
# 3. FSRS: bench/fsrs.sh on the same build (FSRS=0 skips it).
# PROFILE=1 adds a perf profile of one more submit run (profile.txt). Knobs: bench/README.md.
# Output: bench/results/quiz-<stamp>/ (summary.txt, runs.jsonl, gen_times.txt, meta.txt, raw/).
# Every server this script starts is stopped by its PID on exit, error or Ctrl-C.
set -euo pipefail

DUR=${DUR:-10}
CONNS=${CONNS:-64}
THREADS=${THREADS:-2}
REPS=${REPS:-1}
WARMUP=${WARMUP:-2}
BIG_WORDS=${BIG_WORDS:-150000}
GEN_CALLS=${GEN_CALLS:-20}
GEN_COUNT=${GEN_COUNT:-20}
POOL_STUDENTS=${POOL_STUDENTS:-20}
POOL_MATERIALS=${POOL_MATERIALS:-5}
POOL_COUNT=${POOL_COUNT:-5}
POOL_QUIZZES=${POOL_QUIZZES:-3000}
POOL_PARALLEL=${POOL_PARALLEL:-2}
FSRS=${FSRS:-1}
PROFILE=${PROFILE:-0}
READY_SECONDS=${READY_SECONDS:-900}
BENCH_LOG_LEVEL=${BENCH_LOG_LEVEL:-info}
SQLITE_SYNCHRONOUS=${SQLITE_SYNCHRONOUS:-full}   # exammentor's default; the peer runs synchronous=NORMAL
stamp=$(date +%Y%m%d-%H%M%S)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
out=${BENCH_OUT:-$here/results/quiz-$stamp}
PASSWORD='quiz bench password 4711'   # throwaway accounts on a throwaway database

for k in DUR CONNS THREADS REPS BIG_WORDS GEN_CALLS GEN_COUNT POOL_STUDENTS POOL_MATERIALS POOL_COUNT POOL_QUIZZES POOL_PARALLEL READY_SECONDS; do
  [[ ${!k} =~ ^[1-9][0-9]*$ ]] || die "$k must be a positive integer"
done
[[ $WARMUP =~ ^[0-9]+$ && $PROFILE =~ ^[01]$ ]] || die "WARMUP must be a whole number, PROFILE 0 or 1"
((PROFILE == 0)) || command -v perf >/dev/null || die "PROFILE=1 needs perf"
[[ $SQLITE_SYNCHRONOUS =~ ^(full|normal)$ ]] || die "SQLITE_SYNCHRONOUS must be full or normal"
for tool in curl jq wrk; do command -v "$tool" >/dev/null || die "$tool is missing (apt-get install $tool)"; done
bench_harness
[[ -f $PEERS/fastapi_ref/start.sh ]] || die "$PEERS/fastapi_ref not found: set PEERS=/path/to/shared/peers"
/usr/bin/python3 -c 'import fastapi, uvicorn' 2>/dev/null ||
  die "the FastAPI peer is not installed: run $PEERS/install.sh as root"
fixtures=$repo/tests/fixtures
[[ -f $fixtures/bashref.md && -f $fixtures/qgen/unix_filesystem.md ]] || die "tests/fixtures missing"
pool_material=$fixtures/qgen/unix_filesystem.md

mkdir -p "$out/raw"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/quizbench.XXXXXX")
export PEERS_RUN=$tmp/peers-run PEERS_RESULTS=$tmp/peers-results PYTHONDONTWRITEBYTECODE=1
mkdir -p "$PEERS_RUN" "$PEERS_RESULTS"
BENCH_PIDFILES=("$PEERS_RUN/fastapi_gunicorn.pid")
BENCH_KEEP=(peers-run/fastapi_gunicorn.log server.log)
bench_traps
bench_build
jsonl=$out/runs.jsonl
: >"$jsonl"
now_s() { date +%s.%N; }
ms_since() { awk -v a="$1" -v b="$(now_s)" 'BEGIN {printf "%.0f", (b - a) * 1000}'; }

# ---------------------------------------------------------------- the big material
big=$tmp/big.md
# the two fixtures in turn, cut at the line where the count reaches BIG_WORDS
n=$(((BIG_WORDS + 68940 - 1) / 68940))
for ((i = 0; i < n; i++)); do cat "$fixtures/bashref.md" "$fixtures/qgen/unix_filesystem.md"; done |
  awk -v max="$BIG_WORDS" '{ print; w += NF; if (w >= max) exit }' >"$big" || true   # cat's SIGPIPE
words=$(wc -w <"$big")
pages=$((words / 500))
log "big material: $words words (~$pages pages at 500 words a page), $(stat -c %s "$big") bytes"

{
  echo "bench/quiz.sh $stamp"
  echo "host: $(uname -srm), $(nproc) cores, $(awk '/MemTotal/ {printf "%.1f GB", $2/1048576}' /proc/meminfo)"
  echo "commit: $(git -C "$repo" rev-parse --short=12 HEAD 2>/dev/null || echo unknown) (source: $EM_SOURCE)"
  echo "database: SQLite (sqlite://, WAL, SQLITE_SYNCHRONOUS=$SQLITE_SYNCHRONOUS); exammentor LOG_LEVEL=$BENCH_LOG_LEVEL (one access-log line a request)"
  echo "generation: $GEN_CALLS x count=$GEN_COUNT from $words words (~$pages pages: bashref.md and unix_filesystem.md in turn, cut at $BIG_WORDS words)"
  echo "submit: wrk -t$THREADS -c$CONNS -d${DUR}s --latency, $REPS rep(s), warm-up ${WARMUP}s (health only); pool $POOL_QUIZZES quizzes x $POOL_COUNT questions over $POOL_STUDENTS students"
  { wrk -v 2>&1 || true; } | head -1 | cut -c1-40   # wrk -v exits 1
} >"$out/meta.txt"

# ---------------------------------------------------------------- exammentor
dir=$tmp/run
mkdir -p "$dir/data"
# the server runs as a copy named quizbench-server: other work on a shared machine that stops
# "exammentor serve" processes by name (it happened while this script was written) leaves it be
cp "$EM_BIN" "$tmp/quizbench-server"
slog=$tmp/server.log
(cd "$dir" && exec env PORT=0 HOST=127.0.0.1 DATABASE_URL="sqlite://$dir/em.db" DATA_DIR="$dir/data" \
  ENVIRONMENT=local EXAMMENTOR_ENV_FILE="$dir/no.env" LOG_LEVEL="$BENCH_LOG_LEVEL" \
  SECRET_KEY="$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')" \
  AUTH_RATE_LIMIT="$BENCH_AUTH_RATE_LIMIT" USER_RATE_LIMIT="$BENCH_USER_RATE_LIMIT" ACCESS_TOKEN_MINUTES="$BENCH_TOKEN_MINUTES" \
  SQLITE_SYNCHRONOUS="$SQLITE_SYNCHRONOUS" ARGON2_OPSLIMIT=1 ARGON2_MEMLIMIT_KB=8192 MAX_UPLOAD_MB=64 "$tmp/quizbench-server" serve >"$slog" 2>&1) &
em_pid=$!
port=""
for ((i = 0; i < 200; i++)); do
  port=$(grep -m1 '"msg":"listening"' "$slog" 2>/dev/null | grep -o '"port":[0-9]*' | cut -d: -f2 || true)
  [[ -n $port ]] && break
  kill -0 "$em_pid" 2>/dev/null || { cat "$slog" >&2; die "exammentor serve exited"; }
  sleep 0.1
done
[[ -n $port ]] || die "no \"listening\" log line from exammentor within 20 s"
base=http://127.0.0.1:$port
wait_http "$base/health" 20 "$em_pid" || die "exammentor is not answering"
log "exammentor pid $em_pid on $base"

register() {  # EMAIL: prints the access token
  curl -fsS -X POST -H 'Content-Type: application/json' \
    --data "{\"email\":\"$1\",\"password\":\"$PASSWORD\"}" "$base/api/auth/register" | jq -er .access_token ||
    die "registering $1 failed"
}
upload() {  # TOKEN FILE: prints the material id once it is ready
  local id status t
  id=$(curl -fsS -H "Authorization: Bearer $1" -F "file=@$2;type=text/markdown" "$base/api/materials" | jq -er .id) ||
    die "upload of $2 failed"
  for ((t = 0; t < READY_SECONDS * 5; t++)); do
    status=$(curl -fsS -H "Authorization: Bearer $1" "$base/api/materials/$id" | jq -r .status)
    [[ $status == ready ]] && { echo "$id"; return 0; }
    [[ $status == failed ]] && die "extraction of $2 failed"
    sleep 0.2
  done
  die "$2 not ready after $READY_SECONDS s"
}

# ---------------------------------------------------------------- 1. generation from the big material
gen_token=$(register quiz-gen@bench.exammentor.invalid)
t0=$(now_s)
big_id=$(upload "$gen_token" "$big")
log "big material ready in $(ms_since "$t0") ms: $big_id"
echo "big material: upload + extraction $(ms_since "$t0") ms" >>"$out/meta.txt"
: >"$out/gen_times.txt"
gen_errors=0
for ((i = 1; i <= GEN_CALLS; i++)); do
  res=$(curl -sS -o "$tmp/gen.json" -w '%{http_code} %{time_total}' -X POST -H "Authorization: Bearer $gen_token" \
    -H 'Content-Type: application/json' --data "{\"material_ids\":[\"$big_id\"],\"count\":$GEN_COUNT}" \
    "$base/api/quiz/generate")
  code=${res% *} secs=${res#* }
  got=$(jq '.questions | length' "$tmp/gen.json" 2>/dev/null || echo 0)
  if [[ $code != 201 ]]; then
    gen_errors=$((gen_errors + 1))
    log "generate call $i: HTTP $code: $(head -c 300 "$tmp/gen.json")"
  fi
  printf '%d %s %.1f %s\n' "$i" "$code" "$(awk -v s="$secs" 'BEGIN {print s * 1000}')" "$got" >>"$out/gen_times.txt"
done
printf '{"kind":"generate","calls":%d,"count":%d,"words":%d,"pages":%d,"errors":%d,"times_ms":[%s],"questions":[%s]}\n' \
  "$GEN_CALLS" "$GEN_COUNT" "$words" "$pages" "$gen_errors" \
  "$(awk '{printf "%s%s", (NR > 1 ? "," : ""), $3}' "$out/gen_times.txt")" \
  "$(awk '{printf "%s%s", (NR > 1 ? "," : ""), $4}' "$out/gen_times.txt")" >>"$jsonl"
log "generation: $(awk '{printf "%s ms (%s q)  ", $3, $4}' "$out/gen_times.txt")"

# ---------------------------------------------------------------- 2a. the quiz pool
# Generation slows down as a material's question bank grows (each quiz adds new questions), so
# the pool is spread over POOL_STUDENTS students x POOL_MATERIALS copies of a small material.
: >"$tmp/tokens.txt"
declare -a ptok
for ((s = 1; s <= POOL_STUDENTS; s++)); do
  ptok[s]=$(register "quiz-pool-$s@bench.exammentor.invalid")
  echo "${ptok[s]}" >>"$tmp/tokens.txt"
done
t0=$(now_s)
for ((s = 1; s <= POOL_STUDENTS; s++)); do   # upload everything first, then wait for each
  for ((m = 0; m < POOL_MATERIALS; m++)); do
    curl -fsS -H "Authorization: Bearer ${ptok[s]}" -F "file=@$pool_material;type=text/markdown" "$base/api/materials" |
      jq -er .id >>"$tmp/pool-mat-$s.txt" || die "pool upload failed"
  done
done
for ((s = 1; s <= POOL_STUDENTS; s++)); do
  while read -r id; do
    for ((t = 0; t < READY_SECONDS * 5; t++)); do
      status=$(curl -fsS -H "Authorization: Bearer ${ptok[s]}" "$base/api/materials/$id" | jq -r .status)
      [[ $status == ready ]] && break
      [[ $status == failed ]] && die "extraction of a pool material failed"
      sleep 0.2
    done
    [[ $status == ready ]] || die "pool material $id not ready after $READY_SECONDS s"
  done <"$tmp/pool-mat-$s.txt"
done
log "pool materials: $((POOL_STUDENTS * POOL_MATERIALS)) x $(basename "$pool_material") ready in $(ms_since "$t0") ms"
per=$(((POOL_QUIZZES + POOL_STUDENTS - 1) / POOL_STUDENTS))
log "pool: $POOL_STUDENTS students x $per quizzes of $POOL_COUNT questions over $POOL_MATERIALS materials each ($POOL_PARALLEL students at once)"
pool_one() {  # STUDENT: $per generate calls on one keep-alive connection, materials in turn; bodies to pool-S.json
  local s=$1 k mats
  trap - EXIT INT TERM   # a background subshell: the cleanup is the main shell's alone
  mapfile -t mats <"$tmp/pool-mat-$s.txt"
  {
    for ((k = 0; k < per; k++)); do
      echo "url = \"$base/api/quiz/generate\""
      echo "header = \"Authorization: Bearer ${ptok[s]}\""
      echo 'header = "Content-Type: application/json"'
      echo "data = \"{\\\"material_ids\\\":[\\\"${mats[k % ${#mats[@]}]}\\\"],\\\"count\\\":$POOL_COUNT}\""
      echo 'next'
    done
  } >"$tmp/pool-$s.cfg"
  curl -sS -K "$tmp/pool-$s.cfg" >"$tmp/pool-$s.json" 2>"$tmp/pool-$s.err" || true
}
t0=$(now_s)
pool_pids=()
for ((s = 1; s <= POOL_STUDENTS; s++)); do
  pool_one "$s" &
  pool_pids+=($!)
  # at most POOL_PARALLEL at once (wait for the oldest: the server is a child of this shell too)
  if ((${#pool_pids[@]} >= POOL_PARALLEL)); then wait "${pool_pids[0]}" || true; pool_pids=("${pool_pids[@]:1}"); fi
done
for p in "${pool_pids[@]}"; do wait "$p" || true; done
pool_ms=$(ms_since "$t0")
# "<token index>\t<quiz id>\t<submit body>", students interleaved so that each wrk thread's
# consecutive submissions come from different students
for ((s = 1; s <= POOL_STUDENTS; s++)); do
  jq -rc --arg s "$s" 'select(.id != null and (.questions | length) > 0) |
    "\($s)\t\(.id)\t\({answers: [.questions[] | {question_id: .id,
      answer: (if .options then .options[0] elif .type == "true_false" then "true" else "inode" end),
      seconds: 12}]} | tojson)"' "$tmp/pool-$s.json" | awk '{print NR "\t" $0}' >"$tmp/pool-$s.tsv"
  jq -c 'select(.id == null)' "$tmp/pool-$s.json" | head -3 | sed "s/^/pool student $s error: /" >&2 || true
done
sort -n -s -k1,1 "$tmp"/pool-*.tsv | cut -f2- >"$tmp/quizzes.tsv"
pool_n=$(wc -l <"$tmp/quizzes.tsv")
pool_bad=$(cat "$tmp"/pool-*.json | jq -c 'select(.id == null)' | wc -l)
pool_q=$(cat "$tmp"/pool-*.json | jq -r 'select(.id != null) | .questions | length' | awk '{s += $1} END {print s + 0}')
log "pool: $pool_n quizzes ($pool_q questions, $pool_bad failed calls) in $pool_ms ms"
echo "pool: $pool_n quizzes, $pool_q questions, $pool_bad failed generate calls, $pool_ms ms ($POOL_PARALLEL students at once)" >>"$out/meta.txt"
printf '{"kind":"pool","quizzes":%d,"questions":%d,"failed":%d,"ms":%d}\n' "$pool_n" "$pool_q" "$pool_bad" "$pool_ms" >>"$jsonl"
((pool_n > 0)) || die "no quiz in the pool"

# ---------------------------------------------------------------- 2b. the FastAPI peer
fport=""
for ((p = 18200; p < 18300; p++)); do (: >/dev/tcp/127.0.0.1/$p) 2>/dev/null || { fport=$p; break; }; done
[[ -n $fport ]] || die "no free port for the peer"
PEERS_FRESH_DB=1 "$PEERS/fastapi_ref/start.sh" gunicorn "$fport" >&2
fpid=$(cat "$PEERS_RUN/fastapi_gunicorn.pid")
fbase=http://127.0.0.1:$fport
echo "peer: $PEERS/fastapi_ref gunicorn + UvicornWorker x $((2 * $(nproc) + 1)), SQLite WAL synchronous=NORMAL, POST /api/quiz/submit (one INSERT, no authentication)" >>"$out/meta.txt"

# ---------------------------------------------------------------- measurement
tree_ticks() {  # PID: user+sys clock ticks of PID and all its descendants
  local pids=("$1") all=() p
  while ((${#pids[@]})); do
    all+=("${pids[@]}")
    mapfile -t pids < <(for p in "${pids[@]}"; do ps -o pid= --ppid "$p" 2>/dev/null; done | tr -d ' ')
  done
  for p in "${all[@]}"; do awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || true; done | awk '{s += $1} END {print s + 0}'
}
clk=$(getconf CLK_TCK)
run_wrk() {  # NAME PID URL SCRIPT REP [ENV...]: one wrk run, one JSON line to runs.jsonl
  local name=$1 pid=$2 url=$3 script=$4 rep=$5 c0 c1 raw wj qj
  shift 5
  raw=$out/raw/${name}_c${CONNS}_r${rep}.txt
  c0=$(tree_ticks "$pid")
  env PEERS_WRK_DIR="$HARNESS/wrk" QUIZ_THREADS="$THREADS" "$@" \
    wrk -t"$THREADS" -c"$CONNS" -d"${DUR}s" --latency -s "$script" "$url" >"$raw" 2>&1 || true
  c1=$(tree_ticks "$pid")
  kill -0 "$pid" 2>/dev/null || die "the server (pid $pid) is gone after the $name run: see server.log and fastapi_gunicorn.log"
  wj=$(sed -n 's/^WRKJSON //p' "$raw")
  qj=$(sed -n 's/^QUIZJSON //p' "$raw")
  [[ -n $wj ]] || { cat "$raw" >&2; die "no WRKJSON line from wrk ($name)"; }
  jq -c --arg name "$name" --argjson rep "$rep" --argjson conns "$CONNS" --argjson cpu "$((c1 - c0))" \
    --argjson clk "$clk" --argjson q "${qj:-null}" \
    '{name: $name, rep: $rep, conns: $conns} + . +
     {rps: (.requests / (.duration_us / 1e6)), srv_cpu_us_per_req: (if .requests > 0 then $cpu / $clk * 1e6 / .requests else null end)} +
     (if $q then {quiz: $q} else {} end)' <<<"$wj" | tee -a "$jsonl" >&2
}
health_lua=$HARNESS/wrk/get.lua
if ((WARMUP > 0)); then
  PEERS_WRK_DIR=$HARNESS/wrk wrk -t"$THREADS" -c"$CONNS" -d"${WARMUP}s" -s "$health_lua" "$base/health" >/dev/null
  PEERS_WRK_DIR=$HARNESS/wrk wrk -t"$THREADS" -c"$CONNS" -d"${WARMUP}s" -s "$HARNESS/wrk/quiz_submit.lua" "$fbase/api/quiz/submit" >/dev/null
fi
# each rep (and the profile) gets its own slice of the pool: a wrk thread walks its lines in
# order, so the lines a run took are not a prefix of its slice
slice=$((pool_n / (REPS + PROFILE)))
slice_of() { sed -n "$(($1 * slice + 1)),$((($1 + 1) * slice))p" "$tmp/quizzes.tsv" >"$tmp/rep.tsv"; }
for ((r = 1; r <= REPS; r++)); do
  slice_of $((r - 1))
  log "rep $r: $slice quizzes"
  run_wrk exammentor_health "$em_pid" "$base/health" "$health_lua" "$r"
  run_wrk exammentor_quiz_submit "$em_pid" "$base" "$here/quiz_submit.lua" "$r" QUIZ_LIST="$tmp/rep.tsv" QUIZ_TOKENS="$tmp/tokens.txt"
  run_wrk fastapi_quiz_submit "$fpid" "$fbase/api/quiz/submit" "$HARNESS/wrk/quiz_submit.lua" "$r"
  run_wrk fastapi_health "$fpid" "$fbase/health" "$health_lua" "$r"
done
if ((PROFILE)); then
  # a profile of the server during one more submit run on the quizzes left (not in the table)
  slice_of "$REPS"
  log "profile: perf record during ${DUR}s of submissions ($slice quizzes)"
  perf record -F 499 --call-graph dwarf,16384 -p "$em_pid" -o "$tmp/perf.data" -- sleep "$DUR" >/dev/null 2>&1 &
  perf_pid=$!
  sleep 0.5
  env PEERS_WRK_DIR="$HARNESS/wrk" QUIZ_THREADS="$THREADS" QUIZ_LIST="$tmp/rep.tsv" QUIZ_TOKENS="$tmp/tokens.txt" \
    wrk -t"$THREADS" -c"$CONNS" -d"$((DUR - 1))s" -s "$here/quiz_submit.lua" "$base" >"$out/raw/profile_wrk.txt" 2>&1 || true
  wait "$perf_pid" || true
  { echo "# perf report --no-children (self time by symbol)"
    perf report -i "$tmp/perf.data" --no-children --sort dso,symbol --stdio -g none 2>/dev/null | grep -v '^#' | grep '%' | sed -n 1,40p
    echo
    echo "# perf report --children (inclusive time by symbol)"
    perf report -i "$tmp/perf.data" --children --sort symbol --stdio -g none 2>/dev/null | grep -v '^#' | grep '%' | sed -n 1,60p
  } >"$out/profile.txt"
fi
echo "exammentor peak RSS: $(awk '/^VmHWM:/ {print $2}' "/proc/$em_pid/status") kB" >>"$out/meta.txt"
# one submitted quiz, read back, for the record
first=$(head -n1 "$tmp/quizzes.tsv" | cut -f2)
curl -fsS -H "Authorization: Bearer $(head -n1 "$tmp/tokens.txt")" "$base/api/quiz/$first" >"$out/sample_quiz.json" || true
stop_pidfile "$PEERS_RUN/fastapi_gunicorn.pid"
stop_pid "$em_pid"
em_pid=""

# ---------------------------------------------------------------- 3. FSRS
fsrs_line="(skipped: FSRS=0)"
if ((FSRS)); then
  log "FSRS: bench/fsrs.sh ${EM_BIN%/*}"
  if "$here/fsrs.sh" "${EM_BIN%/*}" >"$out/fsrs.txt" 2>&1; then
    fsrs_line=$(grep '^FSRS scheduling' "$out/fsrs.txt" || echo "(no summary line: see fsrs.txt)")
  else
    fsrs_line="(bench/fsrs.sh failed: see fsrs.txt)"
  fi
fi

# ---------------------------------------------------------------- summary
{
  echo "bench/quiz.sh $stamp ($(nproc) cores, shared: compare ratios, not absolute figures)"
  echo
  jq -r 'select(.kind == "generate") | .times_ms as $t | ($t[1:] | sort) as $r |
    def pct(a; p): a[((a | length) * p | ceil) - 1];
    "GENERATION: \(.calls) x POST /api/quiz/generate count=\(.count) from \(.words) words (~\(.pages) pages), \(.errors) errors",
    "  questions per quiz: \(.questions | map(tostring) | join(" "))",
    "  first (cold index) \($t[0] | round) ms; the other \($r | length): median \(if ($r | length) > 0 then pct($r; 0.5) | round else "-" end) ms, p90 \(if ($r | length) > 0 then pct($r; 0.9) | round else "-" end) ms, max \(if ($r | length) > 0 then $r[-1] | round else "-" end) ms"' "$jsonl"
  jq -r 'select(.kind == "pool") | "POOL: \(.quizzes) quizzes (\(.questions) questions) in \(.ms) ms, \(.failed) failed generate calls"' "$jsonl"
  echo
  echo "SUBMIT vs HEALTH (wrk -t$THREADS -c$CONNS -d${DUR}s; medians over $REPS rep(s))"
  echo "| run | rps | p50 ms | p99 ms | srv CPU us/req | errors (non-2xx, socket) | 409 | exhausted |"
  echo "|---|---|---|---|---|---|---|---|"
  jq -rs 'map(select(.name)) | group_by(.name) | .[] |
    def med(f): (map(f) | sort) as $a | ($a | length) as $n | ($a[($n - 1) / 2 | floor] + $a[$n / 2 | floor]) / 2;
    "| \(.[0].name) | \(med(.rps) | round) | \(med(.p50_us) / 1000 * 100 | round / 100) | \(med(.p99_us) / 1000 * 100 | round / 100) | \(med(.srv_cpu_us_per_req) | round) | \(map(.err_status + .err_connect + .err_read + .err_write + .err_timeout) | add) | \(if .[0].quiz then (map(.quiz.s409) | add) else "-" end) | \(if .[0].quiz then (map(.quiz.exhausted) | add) else "-" end) |"' "$jsonl"
  echo
  jq -rs '([.[] | select(.quiz) | .quiz.exhausted] | add // 0) as $ex | [.[] | select(.name)] | group_by(.name) |
    def med(f): (map(f) | sort) as $a | ($a | length) as $n | ($a[($n - 1) / 2 | floor] + $a[$n / 2 | floor]) / 2;
    map({key: .[0].name, value: {rps: med(.rps), p99: med(.p99_us)}}) | from_entries |
    .exammentor_quiz_submit as $s | .exammentor_health as $h | .fastapi_quiz_submit as $f | .fastapi_health as $fh |
    "RATIOS" + (if $ex > 0 then " (INVALID for submit: the pool ran out, \($ex) requests were GET /api/quiz/exhausted; raise POOL_QUIZZES)" else "" end),
    "  exammentor submit rps / exammentor /health rps: \($s.rps / $h.rps * 10000 | round / 10000)",
    "  exammentor submit rps / FastAPI submit rps: \($s.rps / $f.rps * 100 | round / 100)x (goal >= 10: \(if $s.rps >= 10 * $f.rps then "PASS" else "MISS" end))",
    "  exammentor submit p99: \($s.p99 / 10 | round / 100) ms (goal < 20 ms: \(if $s.p99 < 20000 then "PASS" else "MISS" end)); FastAPI submit p99: \($f.p99 / 10 | round / 100) ms",
    "  exammentor /health rps / FastAPI /health rps: \($h.rps / $fh.rps * 100 | round / 100)x"' "$jsonl"
  echo
  echo "FSRS: $fsrs_line"
} >"$out/summary.txt"
cat "$out/summary.txt"
log "results in $out"
