#!/usr/bin/env bash
# Slow-client benchmark: does /health still answer from 127.0.0.1 while CONNS connections
# from one other loopback address trickle their requests a byte at a time?
#
#   bench/slowloris.sh                        # 4,200 slow connections from 127.0.0.5, 20 s of probes
#   BASELINE=d8be416 bench/slowloris.sh       # the same against another commit's binary, interleaved
#   CONNS=1000 DUR=10 bench/slowloris.sh
#
# Per rep and binary, on a fresh server (`exammentor serve` with the default configuration,
# SQLite in a temporary directory) on 127.0.0.1:
#   - bench/slowloris.py hold opens CONNS connections from SOURCE (127.0.0.5) over RAMP
#     seconds; each sends "GET /health HTTP/1.1\r\n..." and then one byte every INTERVAL
#     seconds (5 s: well inside the 30 s idle timeout), never ending its headers; a connection
#     the server closes is opened again a second later, as an attacker would;
#   - once they are open (RAMP + SETTLE seconds):
#       bench/slowloris.py probe for DUR seconds: GET /health on a new connection from
#         127.0.0.1, RATE a second, each awaited up to 5 s (p50/p99 of the answered ones;
#         failures counted);
#       then (WRK=1) wrk -t1 -c8 --latency --timeout 5s on /health for DUR seconds: closed-loop
#         load on keep-alive connections, so its latencies include sharing the cores with wrk;
#   - then the attacker's own count: connections open, refused at once, cut later.
# Only loopback addresses are used; every process started is stopped by its PID.
# Output: bench/results/slowloris-<stamp>/ (runs.jsonl, summary.txt, meta.txt).
set -euo pipefail

CONNS=${CONNS:-4200}
DUR=${DUR:-20}
RAMP=${RAMP:-5}
SETTLE=${SETTLE:-10}
INTERVAL=${INTERVAL:-5}
RATE=${RATE:-20}
SOURCE=${SOURCE:-127.0.0.5}
REPS=${REPS:-1}
BASELINE=${BASELINE:-}
WRK=${WRK:-1}
stamp=$(date +%Y%m%d-%H%M%S)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
out=${BENCH_OUT:-$here/results/slowloris-$stamp}

[[ $CONNS =~ ^[1-9][0-9]*$ && $DUR =~ ^[1-9][0-9]*$ && $REPS =~ ^[1-9][0-9]*$ ]] ||
  die "CONNS, DUR and REPS must be positive integers"
[[ $SOURCE == 127.* && $SOURCE != 127.0.0.1 ]] || die "SOURCE must be a loopback address other than 127.0.0.1"
[[ -x $PY ]] || die "$PY is missing"
((WRK == 0)) || command -v wrk >/dev/null || die "wrk is missing (or WRK=0)"
# the attacker raises its own open-file limit; the servers keep the shell's
(($(ulimit -Hn) > CONNS + 64)) || die "hard open-file limit $(ulimit -Hn) is too low for CONNS=$CONNS"

mkdir -p "$out"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/exammentor-slowloris.XXXXXX")
em_pid="" bg_pid=""
bench_traps

# ---------------------------------------------------------------- binaries
bench_build
bins=("current=$EM_BIN")
if [[ -n $BASELINE ]]; then
  bench_build_baseline "$BASELINE"
  bins+=("baseline-$BASELINE_SHA=$BASELINE_BIN")
fi

{
  echo "bench/slowloris.sh $stamp"
  echo "host: $(uname -srm), $(nproc) cores, $(awk '/MemTotal/ {printf "%.1f GB", $2/1048576}' /proc/meminfo)"
  echo "commit: $(git -C "$repo" rev-parse --short=12 HEAD 2>/dev/null || echo unknown) (source: $EM_SOURCE)"
  echo "attacker: $CONNS connections from $SOURCE, a byte every ${INTERVAL}s, reconnect after 1 s; ramp ${RAMP}s + settle ${SETTLE}s"
  echo "probes: ${RATE}/s GET /health from 127.0.0.1 on new connections for ${DUR}s (5 s timeout); then wrk -t1 -c8 for ${DUR}s: $((WRK == 1))"
  echo "open-file limit of the shell: soft $(ulimit -n), hard $(ulimit -Hn)"
  for b in "${bins[@]}"; do echo "binary: ${b%%=*} = ${b#*=}"; done
} >"$out/meta.txt"
jsonl=$out/runs.jsonl
: >"$jsonl"

# ---------------------------------------------------------------- one run
run_once() {  # LABEL BIN REP
  local label=$1 bin=$2 rep=$3 dir=$tmp/run port="" i wrk_json='null'
  rm -rf "$dir" && mkdir -p "$dir/data"
  (cd "$dir" && exec env PORT=0 HOST=127.0.0.1 DATABASE_URL="sqlite://$dir/em.db" DATA_DIR="$dir/data" \
    ENVIRONMENT=local EXAMMENTOR_ENV_FILE="$dir/no.env" LOG_LEVEL=info "$bin" serve >"$dir/server.log" 2>&1) &
  em_pid=$!
  for ((i = 0; i < 200; i++)); do
    port=$(grep -m1 '"msg":"listening"' "$dir/server.log" 2>/dev/null | grep -o '"port":[0-9]*' | cut -d: -f2 || true)
    [[ -n $port ]] && break
    kill -0 "$em_pid" 2>/dev/null || { cat "$dir/server.log" >&2; die "$label serve exited"; }
    sleep 0.1
  done
  [[ -n $port ]] || die "$label: no listening line"
  wait_http "http://127.0.0.1:$port/health" 20 "$em_pid" || die "$label is not answering"
  log "$label rep $rep: $CONNS slow connections from $SOURCE to port $port"
  $PY "$here/slowloris.py" hold --port "$port" --source "$SOURCE" --conns "$CONNS" --interval "$INTERVAL" \
    --ramp "$RAMP" --duration 600 >"$dir/hold.json" 2>"$dir/hold.err" &
  bg_pid=$!
  sleep "$((RAMP + SETTLE))"
  log "$label rep $rep: probing /health for ${DUR}s"
  $PY "$here/slowloris.py" probe --port "$port" --rate "$RATE" --duration "$DUR" >"$dir/probe.json"
  if ((WRK == 1)); then
    log "$label rep $rep: wrk on /health for ${DUR}s"
    wrk -t1 -c8 -d"${DUR}s" --timeout 5s --latency "http://127.0.0.1:$port/health" >"$dir/wrk.txt" 2>&1 || true
  fi
  # the slow clients held on throughout: stop them now (they print their count on SIGTERM)
  kill -TERM "$bg_pid" 2>/dev/null || true
  wait "$bg_pid" || { cat "$dir/hold.err" >&2; die "$label: the slow clients failed"; }
  bg_pid=""
  if ((WRK == 1)); then
    wrk_json=$($PY - "$dir/wrk.txt" <<'PY'
import json, re, sys
t = open(sys.argv[1]).read()
def ms(v, unit):
    return float(v) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
lat = {p: ms(v, u) for p, v, u in re.findall(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$", t, re.M)}
req = re.search(r"(\d+) requests in", t)
err = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", t)
non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", t)
n = int(req.group(1)) if req else 0
print(json.dumps({"requests": n, "p50_ms": lat.get("50") if n else None, "p99_ms": lat.get("99") if n else None,
                  "socket_errors": sum(map(int, err.groups())) if err else 0,
                  "non_2xx": int(non2xx.group(1)) if non2xx else 0}))
PY
)
  fi
  stop_pid "$em_pid"
  em_pid=""
  local limits
  limits=$(grep -m1 '"msg":"listening"' "$dir/server.log" | $PY -c '
import json, sys
d = json.loads(sys.stdin.read())
print(json.dumps({k: d.get(k) for k in ("connections", "per_ip", "fd_limit")}))')
  $PY - "$label" "$rep" "$dir/hold.json" "$dir/probe.json" "$wrk_json" "$limits" <<'PY' | tee -a "$jsonl" >&2
import json, sys
label, rep, hold, probe, wrk, limits = sys.argv[1:]
h = json.load(open(hold))
h.pop("open_by_second", None)
print(json.dumps({"binary": label, "rep": int(rep), "server_limits": json.loads(limits),
                  "attacker": h, "probe": json.load(open(probe)), "wrk": json.loads(wrk)}))
PY
  cp "$dir/hold.json" "$out/hold-$label-$rep.json"
}

# ---------------------------------------------------------------- runs, interleaved
for ((rep = 1; rep <= REPS; rep++)); do
  for b in "${bins[@]}"; do
    run_once "${b%%=*}" "${b#*=}" "$rep"
  done
done

# ---------------------------------------------------------------- summary
$PY - "$jsonl" <<'PY' >"$out/summary.txt"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
def f(v):
    return "-" if v is None else (f"{v:.1f}" if isinstance(v, float) else str(v))
print("| binary | rep | conn. limit / per IP | slow conns open (median) | refused | cut | "
      "/health probes ok | p50 ms | p99 ms | max ms | wrk requests | wrk p50 ms | wrk p99 ms | wrk errors |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
for r in rows:
    a, p, w, l = r["attacker"], r["probe"], r["wrk"] or {}, r["server_limits"]
    print(f"| {r['binary']} | {r['rep']} | {f(l.get('connections'))} / {f(l.get('per_ip'))} | "
          f"{f(a['open_median_after_ramp'])} | {a['refused']} | {a['cut']} | {p['ok']}/{p['probes']} | "
          f"{f(p['p50_ms'])} | {f(p['p99_ms'])} | {f(p['max_ms'])} | {f(w.get('requests'))} | "
          f"{f(w.get('p50_ms'))} | {f(w.get('p99_ms'))} | {f((w.get('socket_errors') or 0) + (w.get('non_2xx') or 0)) if w else '-'} |")
PY
cat "$out/summary.txt"
log "results in $out"
