#!/usr/bin/env bash
# The tutor's index cache, measured: the Bash reference manual (tests/fixtures/bashref.md,
# copied COPIES times into one material to stand for a long book) is uploaded to a fresh
# server, then one question is asked REPS times through POST /api/tutor/explain, with the
# cache (TUTOR_INDEX_CACHE_MB, default 64) and without it (0). Prints the first and the
# median wall time of a request (curl's time_total), the server's timings, and its RSS.
#   bench/tutor_cache.sh [BUILD_DIR]      knobs: COPIES=3 REPS=20
# Stops the server it started by its PID on exit.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
bin=${1:-$repo/build}/exammentor
COPIES=${COPIES:-3}
REPS=${REPS:-20}
tmp=$(mktemp -d /tmp/em-bench-tutor.XXXXXX)
pid=""
cleanup() { [[ -n $pid ]] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT

python3 - "$repo/tests/fixtures/bashref.md" "$COPIES" >"$tmp/upload.json" <<'PY'
import json, sys
text = open(sys.argv[1], encoding="utf-8").read()
print(json.dumps({"title": "Bash Reference Manual", "format": "markdown", "text": "\n\n".join([text] * int(sys.argv[2]))}))
PY

run() { # $1: TUTOR_INDEX_CACHE_MB
  rm -rf "$tmp/data"; mkdir -p "$tmp/data"
  env ENVIRONMENT=local DATA_DIR="$tmp/data" PORT=0 ARGON2_OPSLIMIT=1 ARGON2_MEMLIMIT_KB=8192 MAX_BODY_KB=65536 \
      TUTOR_INDEX_CACHE_MB="$1" LOG_LEVEL=info "$bin" serve >"$tmp/log" 2>&1 &
  pid=$!
  for _ in $(seq 100); do grep -q '"listening"' "$tmp/log" 2>/dev/null && break; sleep 0.1; done
  port=$(grep -o '"port":[0-9]*' "$tmp/log" | head -1 | cut -d: -f2)
  base="http://127.0.0.1:$port"
  tok=$(curl -s -H 'Content-Type: application/json' -d '{"email":"bench@example.org","password":"a long bench password 1","display_name":"B"}' \
        "$base/api/auth/register" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
  id=$(curl -s -H "Authorization: Bearer $tok" -H 'Content-Type: application/json' --data-binary @"$tmp/upload.json" \
        "$base/api/materials" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
  for _ in $(seq 600); do
    st=$(curl -s -H "Authorization: Bearer $tok" "$base/api/materials/$id" | python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])')
    [[ $st == ready || $st == failed ]] && break; sleep 0.2
  done
  chunks=$(curl -s -H "Authorization: Bearer $tok" "$base/api/materials/$id" | python3 -c 'import json,sys; j=json.load(sys.stdin); print(j.get("chunk_count"), "chunks,", j.get("page_count"), "pages")')
  : >"$tmp/times"
  for i in $(seq "$REPS"); do
    curl -s -o "$tmp/answer.json" -w '%{time_total}\n' -H "Authorization: Bearer $tok" -H 'Content-Type: application/json' \
      -d '{"question":"How do I leave a loop early?"}' "$base/api/tutor/explain" >>"$tmp/times"
  done
  rss=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
  python3 - "$tmp/times" "$tmp/answer.json" "$1" "$chunks" "$rss" <<'PY'
import json, statistics, sys
t = [float(x) * 1000 for x in open(sys.argv[1])]
a = json.load(open(sys.argv[2]))
print(f"TUTOR_INDEX_CACHE_MB={sys.argv[3]:>3}  {sys.argv[4]}: first {t[0]:.1f} ms, median of the rest {statistics.median(t[1:]):.1f} ms "
      f"(last: retrieval {a['timings']['retrieval_ms']:.1f} ms, answer {a['timings']['answer_ms']:.1f} ms), RSS {int(sys.argv[5])//1024} MB")
PY
  kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""
}
run 64
run 0
