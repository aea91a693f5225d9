#!/usr/bin/env bash
# Tutor and planner benchmark, on 127.0.0.1, one exammentor server with the built-in engine.
#
#   bench/tutor.sh                               # 32 streams for 20 s over a 1,000-page PDF
#   STREAMS=8 DUR=5 COPIES=1 bench/tutor.sh      # a quick check over 250 pages
#
# Material: COPIES copies of the peers' textbook_reportlab.pdf (the Python 3.11 tutorial,
# 250 pages) merged by mutool (4 copies: 1,000 pages), uploaded through the API and extracted
# by the embedded worker before anything is measured; and a Markdown file of PLAN_TOPICS
# headed sections of 80 to 400 words for the planner.
#
# Tutor: STREAMS clients at once, each asking learner questions in turn for DUR seconds through
# POST /api/tutor/stream (bench/tutor_load.py): time to the first NDJSON line and to `done`,
# p50/p99, answers per second, and GET /health every 50 ms during the load against /health idle.
# Planner: a session with its exam PLAN_DAYS days ahead over the PLAN_TOPICS material;
# PLAN_GENS generations (each after a budget change, so each misses the cache), then PLAN_REQS
# cache hits interleaved with as many GET /health on the same keep-alive connection: the
# ratio of the two is what a cached plan costs over the cheapest request the server answers.
# Output: bench/results/tutor-<stamp>/ (runs.jsonl, summary.txt, meta.txt).
set -euo pipefail

STREAMS=${STREAMS:-32}
DUR=${DUR:-20}
COPIES=${COPIES:-4}
PLAN_TOPICS=${PLAN_TOPICS:-200}
PLAN_DAYS=${PLAN_DAYS:-120}
PLAN_GENS=${PLAN_GENS:-20}
PLAN_REQS=${PLAN_REQS:-500}
READY_SECONDS=${READY_SECONDS:-900}
stamp=$(date +%Y%m%d-%H%M%S)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
out=${BENCH_OUT:-$here/results/tutor-$stamp}
PASSWORD='tutor bench password 4711'   # a throwaway account on a throwaway database

for k in STREAMS DUR COPIES PLAN_TOPICS PLAN_DAYS PLAN_GENS PLAN_REQS READY_SECONDS; do
  [[ ${!k} =~ ^[1-9][0-9]*$ ]] || die "$k must be a positive integer"
done
command -v mutool >/dev/null || die "mutool is missing: scripts/deps.sh test installs it"
command -v curl >/dev/null || die "curl is missing"
source_pdf=$PEERS/data/textbook_reportlab.pdf
[[ -f $source_pdf ]] || die "$source_pdf not found: set PEERS=/path/to/shared/peers"

mkdir -p "$out"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/exammentor-tutor.XXXXXX")
em_pid=""
bench_traps
bench_build

# ---------------------------------------------------------------- the materials
big=$tmp/textbook.pdf
args=()
for ((i = 0; i < COPIES; i++)); do args+=("$source_pdf"); done
mutool merge -o "$big" "${args[@]}" >/dev/null 2>&1 || die "mutool merge failed"
pages=$(mutool info "$big" 2>/dev/null | awk '/^Pages:/ {print $2}')
awk -v n="$PLAN_TOPICS" 'BEGIN {
  srand(11)
  split("review the definition and the worked example then practise the steps until the method is clear and the reasons behind each rule are known", w, " ")
  for (i = 1; i <= n; i++) {
    printf "# Topic %d\n\n", i
    words = 80 + int(rand() * 320)
    for (k = 1; k <= words; k++) printf "%s%s", w[1 + (k * 7 + i) % length(w)], (k % 16 ? " " : ".\n")
    printf ".\n\n"
  }
}' >"$tmp/plan.md"
log "materials: $pages-page PDF ($(stat -c %s "$big") bytes); $PLAN_TOPICS-section Markdown"

{
  echo "bench/tutor.sh $stamp"
  echo "host: $(uname -srm), $(nproc) cores, $(awk '/MemTotal/ {printf "%.1f GB", $2/1048576}' /proc/meminfo)"
  echo "commit: $(git -C "$repo" rev-parse --short=12 HEAD 2>/dev/null || echo unknown) (source: $EM_SOURCE)"
  echo "tutor: $STREAMS streams for $DUR s over a $pages-page PDF"
  echo "planner: $PLAN_TOPICS topics, exam in $PLAN_DAYS days, $PLAN_GENS generations, $PLAN_REQS cache hits"
} >"$out/meta.txt"
jsonl=$out/runs.jsonl
: >"$jsonl"

# ---------------------------------------------------------------- the server
dir=$tmp/run
mkdir -p "$dir/data"
(cd "$dir" && exec env PORT=0 HOST=127.0.0.1 DATABASE_URL="sqlite://$dir/em.db" DATA_DIR="$dir/data" \
  ENVIRONMENT=local EXAMMENTOR_ENV_FILE="$dir/no.env" LOG_LEVEL=info ARGON2_OPSLIMIT=1 ARGON2_MEMLIMIT_KB=8192 \
  MAX_UPLOAD_MB=64 TUTOR_STREAMS_PER_USER=100000 USER_RATE_LIMIT="$BENCH_USER_RATE_LIMIT" "$EM_BIN" serve >"$dir/server.log" 2>&1) &
em_pid=$!
port=""
for ((i = 0; i < 200; i++)); do
  port=$(grep -m1 '"msg":"listening"' "$dir/server.log" 2>/dev/null | grep -o '"port":[0-9]*' | cut -d: -f2 || true)
  [[ -n $port ]] && break
  kill -0 "$em_pid" 2>/dev/null || { cat "$dir/server.log" >&2; die "serve exited"; }
  sleep 0.1
done
[[ -n $port ]] || die "no listening line"
base=http://127.0.0.1:$port
wait_http "$base/health" 20 "$em_pid" || die "exammentor is not answering"
token=$(curl -fsS -X POST -H 'Content-Type: application/json' \
  --data "{\"email\":\"tutor-bench@example.org\",\"password\":\"$PASSWORD\"}" "$base/api/auth/register" |
  $PY -c 'import json,sys; print(json.load(sys.stdin)["access_token"])') || die "register failed"

upload() {  # FILE TYPE: prints the material id once it is ready
  local id status t
  id=$(curl -fsS -H "Authorization: Bearer $token" -F "file=@$1;type=$2" "$base/api/materials" |
    $PY -c 'import json,sys; print(json.load(sys.stdin)["id"])') || die "upload of $1 failed"
  for ((t = 0; t < READY_SECONDS * 2; t++)); do
    status=$(curl -fsS -H "Authorization: Bearer $token" "$base/api/materials/$id" |
      $PY -c 'import json,sys; print(json.load(sys.stdin)["status"])')
    [[ $status == ready ]] && { echo "$id"; return 0; }
    [[ $status == failed ]] && die "extraction of $1 failed"
    sleep 0.5
  done
  die "$1 not ready after $READY_SECONDS s"
}
t0=$(date +%s.%N)
book=$(upload "$big" application/pdf)
log "textbook ready in $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1f", b - a}') s: $book"
planmat=$(upload "$tmp/plan.md" text/markdown)

# ---------------------------------------------------------------- measure
log "tutor: $STREAMS streams for $DUR s"
$PY "$here/tutor_load.py" tutor "$base" "$token" "$book" "$STREAMS" "$DUR" "$jsonl" || die "tutor load failed"
log "planner: $PLAN_TOPICS topics over $PLAN_DAYS days"
$PY "$here/tutor_load.py" plan "$base" "$token" "$planmat" "$PLAN_DAYS" "$PLAN_GENS" "$PLAN_REQS" "$jsonl" ||
  die "planner load failed"
echo "server peak RSS: $(awk '/^VmHWM:/ {print $2}' "/proc/$em_pid/status") kB" >>"$out/meta.txt"

# ---------------------------------------------------------------- summary
$PY - "$jsonl" >"$out/summary.txt" <<'PY'
import json, sys
rows = {r["kind"]: r for r in (json.loads(l) for l in open(sys.argv[1]) if l.strip()) if r["kind"] != "stream"}
streams = [json.loads(l) for l in open(sys.argv[1]) if '"kind": "stream"' in l]
print("| measure | n | p50 ms | p99 ms | ratio p50 / /health p50 |")
print("|---|---|---|---|---|")
for kind, ref in (("first_line", "health_idle"), ("done", "health_idle"), ("health_under_load", "health_idle"),
                  ("health_idle", None), ("plan_generate", "health_same_connection"),
                  ("plan_cache_hit", "health_same_connection"), ("health_same_connection", None)):
    r = rows[kind]
    ratio = f"{r['p50_ms'] / rows[ref]['p50_ms']:.1f}" if ref else ""
    print(f"| {kind} | {r['n']} | {r['p50_ms']:.2f} | {r['p99_ms']:.2f} | {ratio} |")
d = rows["done"]
print()
print(f"answers per second: {d['answers_per_s']} ({d['streams']} concurrent streams, {d['n']} answers in {d['wall_s']} s)")
print(f"answerable: {sum(1 for s in streams if s['answerable'])} of {len(streams)}; "
      f"citations per answer: {sum(s['citations'] for s in streams) / max(1, len(streams)):.1f}")
print(f"first question (index built): {rows['warmup']['done_ms']:.0f} ms to done")
print(f"plan: {rows['plan_generate']['topics']} topics over {rows['plan_generate']['days']} days; "
      f"cached plan {rows['plan_cache_hit']['plan_bytes']} bytes")
PY
cat "$out/summary.txt"
log "results in $out"
