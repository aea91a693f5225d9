#!/usr/bin/env bash
# Upload memory benchmark: the server's peak RSS while UPLOADS large files arrive at once, and
# how long they take, on 127.0.0.1.
#
#   bench/upload.sh                        # 8 concurrent uploads of a ~20 MB PDF, 3 reps per mode
#   BASELINE=7839e8a bench/upload.sh       # the same with the binary of another commit, interleaved
#   UPLOADS=16 COPIES=14 bench/upload.sh   # 16 uploads of a ~10 MB PDF
#
# The file is a real PDF: COPIES copies of the peers' textbook_reportlab.pdf merged by mutool
# (28 copies: 19.8 MB, 7,000 pages). One account is registered through the API before the
# measurement (with a fast argon2 cost: the password hash's 64 MiB would otherwise be the
# peak). Per rep and mode, on a fresh server and database:
#   - the server's VmHWM is reset (clear_refs 5) once it is idle after the registration;
#   - UPLOADS `curl -F file=@big.pdf POST /api/materials` start together; the wall time until
#     the last 202 is the upload time;
#   - then VmHWM is the peak RSS of the uploads, and every upload must have a material row whose
#     size and sha256 match the file.
# Modes (MODES):
#   no-worker  `serve --no-worker`: the HTTP path alone (spooling, multipart, storage)
#   worker     `serve` as users run it, with the embedded worker: the uploads' extraction jobs
#              start while the others still arrive (these 7,000-page files are refused by
#              MAX_PDF_PAGES=2000 after MuPDF opened them, so extraction itself stays small;
#              its memory is bench/ingest.sh's business)
# Output: bench/results/upload-<stamp>/ (runs.jsonl, summary.txt, meta.txt).
set -euo pipefail

UPLOADS=${UPLOADS:-8}
COPIES=${COPIES:-28}
REPS=${REPS:-3}
MODES=${MODES:-"no-worker worker"}
BASELINE=${BASELINE:-}
TARGET_MB=${TARGET_MB:-80}
stamp=$(date +%Y%m%d-%H%M%S)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
out=${BENCH_OUT:-$here/results/upload-$stamp}
PASSWORD='upload bench password 4711'   # a throwaway account on a throwaway database

[[ $UPLOADS =~ ^[1-9][0-9]*$ && $COPIES =~ ^[1-9][0-9]*$ && $REPS =~ ^[1-9][0-9]*$ ]] ||
  die "UPLOADS, COPIES and REPS must be positive integers"
command -v mutool >/dev/null || die "mutool is missing: scripts/deps.sh test installs it"
command -v curl >/dev/null || die "curl is missing"
source_pdf=$PEERS/data/textbook_reportlab.pdf
[[ -f $source_pdf ]] || die "$source_pdf not found: set PEERS=/path/to/shared/peers"

mkdir -p "$out"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/exammentor-upload.XXXXXX")
em_pid=""
bench_traps

# ---------------------------------------------------------------- binaries
bench_build
current_bin=$EM_BIN
bins=("current=$current_bin")
if [[ -n $BASELINE ]]; then
  bench_build_baseline "$BASELINE"
  bins+=("baseline-$BASELINE_SHA=$BASELINE_BIN")
fi

# ---------------------------------------------------------------- the file
big=$tmp/big.pdf
args=()
for ((i = 0; i < COPIES; i++)); do args+=("$source_pdf"); done
mutool merge -o "$big" "${args[@]}" >/dev/null 2>&1 || die "mutool merge failed"
big_bytes=$(stat -c %s "$big")
big_sha=$(sha256sum "$big" | cut -d' ' -f1)
big_pages=$(mutool info "$big" 2>/dev/null | awk '/^Pages:/ {print $2}')
log "upload file: $big_bytes bytes, $big_pages pages, sha256 $big_sha"

{
  echo "bench/upload.sh $stamp"
  echo "host: $(uname -srm), $(nproc) cores, $(awk '/MemTotal/ {printf "%.1f GB", $2/1048576}' /proc/meminfo)"
  echo "commit: $(git -C "$repo" rev-parse --short=12 HEAD 2>/dev/null || echo unknown) (source: $EM_SOURCE)"
  echo "uploads: $UPLOADS at once of $big_bytes bytes ($big_pages pages); reps: $REPS; modes: $MODES"
  for b in "${bins[@]}"; do echo "binary: ${b%%=*} = ${b#*=}"; done
} >"$out/meta.txt"
jsonl=$out/runs.jsonl
: >"$jsonl"

# ---------------------------------------------------------------- one run
hwm_kb() { awk '/^VmHWM:/ {print $2}' "/proc/$1/status"; }
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }

run_once() {  # LABEL BIN MODE REP
  local label=$1 bin=$2 mode=$3 rep=$4 dir=$tmp/run port="" i token t0 t1 idle_kb peak_kb ok=0
  rm -rf "$dir" && mkdir -p "$dir/data"
  local serve_args=(serve)
  [[ $mode == no-worker ]] && serve_args+=(--no-worker)
  (cd "$dir" && exec env PORT=0 HOST=127.0.0.1 DATABASE_URL="sqlite://$dir/em.db" DATA_DIR="$dir/data" \
    ENVIRONMENT=local EXAMMENTOR_ENV_FILE="$dir/no.env" LOG_LEVEL=info ARGON2_OPSLIMIT=1 ARGON2_MEMLIMIT_KB=8192 \
    HTTP_THREADS=2 MAX_UPLOAD_MB=64 "$bin" "${serve_args[@]}" >"$dir/server.log" 2>&1) &
  em_pid=$!
  for ((i = 0; i < 200; i++)); do
    port=$(grep -m1 '"msg":"listening"' "$dir/server.log" 2>/dev/null | grep -o '"port":[0-9]*' | cut -d: -f2 || true)
    [[ -n $port ]] && break
    kill -0 "$em_pid" 2>/dev/null || { cat "$dir/server.log" >&2; die "$label serve exited"; }
    sleep 0.1
  done
  [[ -n $port ]] || die "$label: no listening line"
  local base=http://127.0.0.1:$port
  wait_http "$base/health" 20 "$em_pid" || die "$label is not answering"
  token=$(curl -fsS -X POST -H 'Content-Type: application/json' \
    --data "{\"email\":\"up@example.org\",\"password\":\"$PASSWORD\"}" "$base/api/auth/register" |
    $PY -c 'import json,sys; print(json.load(sys.stdin)["access_token"])') || die "$label: register failed"
  sleep 1
  idle_kb=$(rss_kb "$em_pid")
  echo 5 >"/proc/$em_pid/clear_refs" || die "cannot reset VmHWM (clear_refs)"
  t0=$(date +%s.%N)
  local pids=()
  for ((i = 0; i < UPLOADS; i++)); do
    curl -sS -o "$dir/up-$i.json" -w '%{http_code}' -H "Authorization: Bearer $token" \
      -F "file=@$big;type=application/pdf" "$base/api/materials" >"$dir/code-$i" &
    pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p" || true; done
  t1=$(date +%s.%N)
  peak_kb=$(hwm_kb "$em_pid")
  for ((i = 0; i < UPLOADS; i++)); do [[ $(cat "$dir/code-$i") == 202 ]] && ok=$((ok + 1)); done
  ((ok == UPLOADS)) || { head -c 600 "$dir"/up-*.json >&2; die "$label: $ok of $UPLOADS uploads were accepted"; }
  # every upload stored whole: size and hash of each material row
  local bad
  bad=$(curl -fsS -H "Authorization: Bearer $token" "$base/api/materials?limit=100" | $PY -c '
import json, sys
items = json.load(sys.stdin)["items"]
print(sum(1 for m in items if m["size_bytes"] != int(sys.argv[1]) or m["sha256"] != sys.argv[2]) + max(0, int(sys.argv[3]) - len(items)))
' "$big_bytes" "$big_sha" "$UPLOADS")
  ((bad == 0)) || die "$label: $bad uploads are not stored whole"
  stop_pid "$em_pid"
  em_pid=""
  printf '{"binary": "%s", "mode": "%s", "rep": %d, "uploads": %d, "bytes": %d, "idle_rss_kb": %d, "peak_rss_kb": %d, "seconds": %s}\n' \
    "$label" "$mode" "$rep" "$UPLOADS" "$big_bytes" "$idle_kb" "$peak_kb" "$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f", b - a}')" | tee -a "$jsonl" >&2
}

# ---------------------------------------------------------------- runs, interleaved
for ((rep = 1; rep <= REPS; rep++)); do
  for mode in $MODES; do
    for b in "${bins[@]}"; do
      run_once "${b%%=*}" "${b#*=}" "$mode" "$rep"
    done
  done
done

# ---------------------------------------------------------------- summary
$PY - "$jsonl" "$TARGET_MB" "$UPLOADS" "$big_bytes" >"$out/summary.txt" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
target = float(sys.argv[2])
print(f"{sys.argv[3]} concurrent uploads of {int(sys.argv[4]) / 1e6:.1f} MB; medians [min-max] over reps")
print()
print("| binary | mode | idle RSS MB | peak RSS MB | upload s | peak <= target |")
print("|---|---|---|---|---|---|")
groups = {}
for r in rows:
    groups.setdefault((r["binary"], r["mode"]), []).append(r)
for (b, m), rs in groups.items():
    peak = [r["peak_rss_kb"] / 1024 for r in rs]
    idle = [r["idle_rss_kb"] / 1024 for r in rs]
    secs = [float(r["seconds"]) for r in rs]
    verdict = "yes" if max(peak) <= target else "NO"
    print(f"| {b} | {m} | {statistics.median(idle):.1f} | {statistics.median(peak):.1f} "
          f"[{min(peak):.1f}-{max(peak):.1f}] | {statistics.median(secs):.2f} | {verdict} (target {target:.0f} MB) |")
PY
cat "$out/summary.txt"
log "results in $out"
