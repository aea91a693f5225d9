#!/usr/bin/env bash
# Ingestion benchmark: how fast study material becomes searchable in exammentor, against the
# extractors it replaces (mutool, PyPDF), and how fast it is searched, in one run, on 127.0.0.1.
#
#   bench/ingest.sh                       # REPS=5 + 1 warm-up round, 2,000 searches + wrk c=16: about 40 s after the build
#   REPS=1 WRK=0 bench/ingest.sh          # quick check, about 15 s
#   FILES=textbook_groff.pdf SEARCH_N=500 bench/ingest.sh
#   QUIET_WAIT=600 bench/ingest.sh        # before the start, each rep and the searches: wait for <= 10 % busy
#   BENCH_DATABASE_URL=postgres://... bench/ingest.sh   # the server on an empty PostgreSQL database
#
# One exammentor (build-bench, Release) `serve` on a fresh SQLite database, with its embedded
# job worker doing the extraction (EXTRACTION_THREADS: default one per core). Two accounts are
# registered through the API: one uploads, one holds the search corpus. Steps:
#   1. interleaved, per rep and file (FILES, default both of the peers' textbooks):
#      - exammentor upload to searchable: the clock starts just before `curl -F file=@FILE
#        POST /api/materials` is launched and stops when GET /api/materials/{id} (one keep-alive
#        connection, every POLL_MS ms) first answers "ready"; the worker's "material
#        extracted" log line gives the server-side extraction ms; then DELETE /api/materials/{id}
#      - `exammentor ingest FILE` (CLI, in process, no HTTP), wall time of the process, each
#        run on a fresh copy of a prepared DATA_DIR (migrated, superuser present)
#      - `mutool draw -q -F txt -o /dev/null FILE`, wall time of the process
#      - PyPDF, the peers' pdf/pypdf_extract.py: its in-process extraction time (and the wall
#        time of the whole command)
#      WARMUP unrecorded rounds of the same come first
#   2. search: SEARCH_FILE uploaded SEARCH_COPIES times by the second account (1,000 pages by
#      default), one unrecorded pass over the ~50 queries, then SEARCH_N sequential
#      GET /api/search requests over one keep-alive connection, rotating over the queries
#      (words, two-word AND, "phrases", OR, prefix*, -exclusions): p50/p95/p99/max; then
#      (WRK=1) wrk at SEARCH_CONNS connections for DUR seconds, through peers/httpbench.py
#   3. robustness: pypdf_fails_nonbmp_tounicode.pdf through the API must end "ready", and what
#      PyPDF says about the same file
#   4. the server's peak RSS (VmHWM) per step: the start (with the first superuser's password
#      hash) and the registrations, the reps, the corpus, the searches; and over the whole run
# Output: bench/results/ingest-<stamp>/ (runs.jsonl, summary.txt, ratios.json, meta.txt, ...).
# Knobs: see bench/README.md, "Ingestion benchmark". mutool and PyPDF come from
# `scripts/deps.sh test`. The server is stopped by its PID on exit, error or Ctrl-C.
set -euo pipefail

REPS=${REPS:-5}
WARMUP=${WARMUP:-1}                 # unrecorded rounds of step 1 before the measured ones
FILES=${FILES:-"textbook_reportlab.pdf textbook_groff.pdf"}
POLL_MS=${POLL_MS:-2}
READY_TIMEOUT=${READY_TIMEOUT:-120}
SEARCH_FILE=${SEARCH_FILE:-textbook_reportlab.pdf}
SEARCH_COPIES=${SEARCH_COPIES:-4}
SEARCH_N=${SEARCH_N:-2000}
SEARCH_LIMIT=${SEARCH_LIMIT:-10}
WRK=${WRK:-1}
SEARCH_CONNS=${SEARCH_CONNS:-16}
DUR=${DUR:-5}
THREADS=${THREADS:-2}
ROBUST_FILE=${ROBUST_FILE:-pypdf_fails_nonbmp_tounicode.pdf}
BENCH_LOG_LEVEL=${BENCH_LOG_LEVEL:-info}   # the worker's "material extracted" line is at info
stamp=$(date +%Y%m%d-%H%M%S)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
out=${BENCH_OUT:-$here/results/ingest-$stamp}
UPLOAD_PASSWORD='ingest bench password 4711'   # throwaway accounts on a throwaway database

bench_check_knobs
[[ $BENCH_LOG_LEVEL == info || $BENCH_LOG_LEVEL == debug ]] ||
  die "BENCH_LOG_LEVEL must be info or debug: the extraction time comes from the worker's info log line"
for k in POLL_MS READY_TIMEOUT SEARCH_COPIES SEARCH_N SEARCH_LIMIT SEARCH_CONNS; do
  [[ ${!k} =~ ^[1-9][0-9]*$ ]] || die "$k must be a positive integer"
done
[[ $WRK == 0 || $WRK == 1 ]] || die "WRK must be 0 or 1"
bench_harness
DATA=$PEERS/data
pypdf_extract=$PEERS/pdf/pypdf_extract.py
[[ -f $pypdf_extract ]] || die "$pypdf_extract not found: set PEERS=/path/to/shared/peers"
resolve() { if [[ $1 == /* ]]; then echo "$1"; else echo "$DATA/$1"; fi; }
pdfs=()
for f in $FILES; do pdfs+=("$(resolve "$f")"); done
search_pdf=$(resolve "$SEARCH_FILE")
robust_pdf=$(resolve "$ROBUST_FILE")
for f in "${pdfs[@]}" "$search_pdf" "$robust_pdf"; do [[ -f $f ]] || die "input $f not found (PEERS=$PEERS)"; done

# The references and the client tools; nothing is installed here.
missing=()
command -v mutool >/dev/null || missing+=("mutool (Debian package mupdf-tools)")
$PY -c 'import pypdf' 2>/dev/null || missing+=("PyPDF for $PY (Debian package python3-pypdf)")
command -v curl >/dev/null || missing+=("curl")
((${#missing[@]} == 0)) || die "missing: ${missing[*]}. Install them with: scripts/deps.sh test"
if ((WRK)) && ! command -v wrk >/dev/null; then log "wrk not found: the wrk search run is skipped (scripts/deps.sh test installs it)"; WRK=0; fi

bench_build
bench_setup
pages_of() { mutool info "$1" 2>/dev/null | awk '/^Pages:/ {print $2; exit}'; }

{
  echo "# $(date -Is) host: $(nproc) cores, $(uname -r); reps: $REPS (+$WARMUP warm-up round(s)); files: $FILES; poll every ${POLL_MS} ms"
  echo "# search: $SEARCH_COPIES x $SEARCH_FILE, $SEARCH_N sequential requests, limit $SEARCH_LIMIT; wrk: $( ((WRK)) && echo "c=$SEARCH_CONNS -t$THREADS -d${DUR}s" || echo off)"
  echo "# server database: ${BENCH_DATABASE_URL:+$(printf '%s' "$BENCH_DATABASE_URL" | sed -E 's#//[^@/]*@#//***@#')}${BENCH_DATABASE_URL:-a fresh SQLite file}"
  echo "# exammentor LOG_LEVEL=$BENCH_LOG_LEVEL EXTRACTION_THREADS=${EXTRACTION_THREADS:-default (one per core)} HTTP_THREADS=${HTTP_THREADS:-default} AUTH_RATE_LIMIT=$BENCH_AUTH_RATE_LIMIT"
  echo "# $(mutool -v 2>&1 | head -1); pypdf $($PY -c 'import pypdf; print(pypdf.__version__)'); $(curl --version | head -1 | cut -d' ' -f1-2); python $($PY -c 'import platform; print(platform.python_version())')"
  for f in "${pdfs[@]}" "$search_pdf" "$robust_pdf"; do
    echo "# input $(basename "$f"): $(pages_of "$f") pages, $(stat -c %s "$f") bytes"
  done | sort -u
  bench_meta_head
} | tee "$out/meta.txt" >&2
bench_quiet_check

# ---------------------------------------------------------------- the client
# Written to $tmp at run time; the same code times every side (exammentor, mutool, PyPDF).
client=$tmp/ingest_client.py
cat >"$client" <<'PYEOF'
#!/usr/bin/python3
"""bench/ingest.sh's client. Subcommands print one JSON line each:
  upload  curl upload, poll until ready, the worker's log line, DELETE (unless --keep)
  run     one timed command: wall, CPU, peak RSS (RUSAGE_CHILDREN), stdout parsed
  search  sequential GET /api/search over one keep-alive connection: latency percentiles
Each line also carries the machine's busy CPU during the measurement and the part of it that
was neither the server, this client nor its child ("others_cpu_s")."""
import argparse
import http.client
import json
import math
import os
import re
import resource
import subprocess
import sys
import time
import urllib.parse

CLK = os.sysconf("SC_CLK_TCK")


def box_busy_s():
    """Machine busy CPU seconds (user+nice+sys+irq+softirq), as bench/lib.sh counts them."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    return (v[0] + v[1] + v[2] + v[5] + v[6]) / CLK


def proc_cpu_s(pid):
    if not pid:
        return 0.0
    try:
        with open(f"/proc/{pid}/stat") as f:
            s = f.read()
        fields = s[s.rindex(")") + 2:].split()
        return (int(fields[11]) + int(fields[12])) / CLK
    except (OSError, ValueError):
        return 0.0


def own_cpu_s():
    a = resource.getrusage(resource.RUSAGE_SELF)
    b = resource.getrusage(resource.RUSAGE_CHILDREN)
    return a.ru_utime + a.ru_stime + b.ru_utime + b.ru_stime


class Cpu:
    """CPU accounting of one measurement: machine, server, this process and its children."""

    def __init__(self, pid):
        self.pid = pid
        self.b0, self.s0, self.c0 = box_busy_s(), proc_cpu_s(pid), own_cpu_s()

    def done(self):
        b, s, c = box_busy_s() - self.b0, proc_cpu_s(self.pid) - self.s0, own_cpu_s() - self.c0
        return {"box_busy_s": round(b, 3), "srv_cpu_s": round(s, 3), "client_cpu_s": round(c, 3),
                "others_cpu_s": round(max(0.0, b - s - c), 3)}


class Api:
    """One keep-alive HTTP/1.1 connection with a Bearer token; reconnects once if it was closed."""

    def __init__(self, base, token):
        u = urllib.parse.urlsplit(base)
        self.host, self.port = u.hostname, u.port
        self.headers = {"Authorization": "Bearer " + token}
        self.reconnects = 0
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)

    def req(self, method, path):
        for attempt in (0, 1):
            try:
                self.conn.request(method, path, headers=self.headers)
                r = self.conn.getresponse()
                return r.status, r.read()
            except (http.client.HTTPException, OSError):
                if attempt:
                    raise
                self.reconnects += 1
                self.conn.close()
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)


def fail(msg):
    print(f"ingest_client: {msg}", file=sys.stderr)
    sys.exit(1)


def extracted_line(log, offset, mid, wait_s):
    """The worker's "material extracted" JSON line for material mid, written after offset."""
    deadline = time.monotonic() + wait_s
    while True:
        try:
            with open(log, "rb") as f:
                f.seek(offset)
                for line in f:
                    if b'"material extracted"' in line and mid.encode() in line:
                        try:
                            return json.loads(line)
                        except ValueError:
                            pass
        except OSError:
            pass
        if time.monotonic() > deadline:
            return None
        time.sleep(0.01)


def cmd_upload(a):
    api = Api(a.base, a.token)
    st, _ = api.req("GET", "/health")  # the polling connection is open before the clock starts
    if st != 200:
        fail(f"/health answered {st}")
    offset = os.path.getsize(a.log) if a.log and os.path.exists(a.log) else 0
    cpu = Cpu(a.pid)
    t0 = time.perf_counter()
    p = subprocess.run(["curl", "-sS", "-H", "Expect:", "-H", "Authorization: Bearer " + a.token,
                        "-F", f"file=@{a.file}", "-w", "\n%{http_code} %{time_total}",
                        a.base + "/api/materials"], capture_output=True, text=True)
    t_up = time.perf_counter()
    body, _, tail = p.stdout.rpartition("\n")
    parts = tail.split()
    if p.returncode != 0 or len(parts) != 2 or parts[0] != "202":
        fail(f"upload of {a.file}: curl rc={p.returncode} {tail!r} {body[:300]!r} {p.stderr[:200]!r}")
    mid = json.loads(body)["id"]
    polls = 0
    while True:
        st, b = api.req("GET", f"/api/materials/{mid}")
        t = time.perf_counter()
        polls += 1
        if st != 200:
            fail(f"GET /api/materials/{mid} answered {st}: {b[:200]!r}")
        m = json.loads(b)
        if m["status"] in ("ready", "failed"):
            break
        if t - t0 > a.timeout:
            fail(f"{a.file}: still {m['status']} after {a.timeout} s")
        time.sleep(a.poll_ms / 1000)
    rec = {"e2e_s": round(t - t0, 6), "upload_s": round(t_up - t0, 6), "curl_total_s": float(parts[1]),
           "polls": polls, "status": m["status"], "error": m.get("error"), "page_count": m.get("page_count"),
           "chunk_count": m.get("chunk_count"), "material_id": mid}
    rec.update(cpu.done())
    ex = extracted_line(a.log, offset, mid, 5.0) if a.log else None
    rec["server_ms"] = ex.get("ms") if ex else None
    if not a.keep:
        d0 = time.perf_counter()
        st, b = api.req("DELETE", f"/api/materials/{mid}")
        if st not in (200, 204):
            fail(f"DELETE /api/materials/{mid} answered {st}: {b[:200]!r}")
        rec["delete_s"] = round(time.perf_counter() - d0, 6)
    rec["reconnects"] = api.reconnects
    return rec


def cmd_run(a):
    cpu = Cpu(None)
    t0 = time.perf_counter()
    p = subprocess.run(a.cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, errors="replace")
    wall = time.perf_counter() - t0
    rec = {"wall_s": round(wall, 6), "rc": p.returncode,
           "maxrss_mb": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1)}
    rec.update(cpu.done())
    if a.parse == "cli":
        m = re.search(r"^(\S+) (ready|failed) .*?(?:pages=(\d+).*chunks=(\d+).*seconds=([0-9.]+))?$", p.stdout, re.M)
        if m:
            rec.update({"status": m.group(2), "material_id": m.group(1)})
            if m.group(3):
                rec.update({"page_count": int(m.group(3)), "chunk_count": int(m.group(4)),
                            "cli_seconds": float(m.group(5))})
        else:
            rec["status"] = "error"
    elif a.parse == "pypdf" and p.returncode == 0:
        rec.update({k: v for k, v in json.loads(p.stdout.strip().splitlines()[-1]).items()
                    if k in ("pages", "chars", "import_s", "extract_s", "pages_per_s_inproc")})
    if p.returncode != 0:
        lines = [x for x in (p.stderr + p.stdout).splitlines() if x.strip()]
        rec["error_line"] = lines[-1][:300] if lines else ""
    return rec


def pct(sorted_vals, q):
    """Nearest-rank percentile of an ascending list."""
    return sorted_vals[max(0, min(len(sorted_vals) - 1, math.ceil(q / 100 * len(sorted_vals)) - 1))]


def cmd_search(a):
    queries = []
    with open(a.queries) as f:
        for line in f:
            if line.strip() and not line.startswith("#"):
                kind, q = line.rstrip("\n").split("\t", 1)
                queries.append((kind, q, f"/api/search?q={urllib.parse.quote(q, safe='')}&limit={a.limit}"))
    api = Api(a.base, a.token)
    hits, bad = {}, []
    for kind, q, path in queries:  # one unrecorded pass: warms up, checks each query answers
        st, b = api.req("GET", path)
        if st != 200:
            bad.append(f"{q} -> {st} {b[:120]!r}")
            continue
        hits[q] = json.loads(b)["count"]
    if bad:
        fail("queries rejected: " + "; ".join(bad))
    lat, kinds, errors = [], {}, 0
    cpu = Cpu(a.pid)
    t_all = time.perf_counter()
    for i in range(a.n):
        kind, q, path = queries[i % len(queries)]
        t0 = time.perf_counter()
        st, _ = api.req("GET", path)
        ms = (time.perf_counter() - t0) * 1000
        errors += st != 200
        lat.append(ms)
        kinds.setdefault(kind, []).append(ms)
    elapsed = time.perf_counter() - t_all
    rec = {"n": a.n, "queries": len(queries), "elapsed_s": round(elapsed, 3), "rps": round(a.n / elapsed, 1),
           "errors": errors, "reconnects": api.reconnects}
    s = sorted(lat)
    for q in (50, 90, 95, 99):
        rec[f"p{q}_ms"] = round(pct(s, q), 3)
    rec["max_ms"] = round(s[-1], 3)
    rec["mean_ms"] = round(sum(s) / len(s), 3)
    rec["by_kind"] = {k: {"n": len(v), "p50_ms": round(pct(sorted(v), 50), 3), "p99_ms": round(pct(sorted(v), 99), 3),
                          "max_ms": round(max(v), 3)} for k, v in kinds.items()}
    rec["zero_hit_queries"] = [q for q, c in hits.items() if c == 0]
    rec["hits_per_query"] = hits
    rec.update(cpu.done())
    rec["srv_cpu_us_per_req"] = round(rec["srv_cpu_s"] / a.n * 1e6, 1)
    return rec


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tag", default="{}", help="JSON object merged into the output line")
    sub = ap.add_subparsers(dest="cmd_name", required=True)
    u = sub.add_parser("upload")
    u.add_argument("--base", required=True)
    u.add_argument("--token", required=True)
    u.add_argument("--file", required=True)
    u.add_argument("--pid", type=int)
    u.add_argument("--log")
    u.add_argument("--poll-ms", type=float, default=2)
    u.add_argument("--timeout", type=float, default=120)
    u.add_argument("--keep", action="store_true")
    r = sub.add_parser("run")
    r.add_argument("--parse", choices=("none", "cli", "pypdf"), default="none")
    r.add_argument("cmd", nargs=argparse.REMAINDER)
    s = sub.add_parser("search")
    s.add_argument("--base", required=True)
    s.add_argument("--token", required=True)
    s.add_argument("--queries", required=True)
    s.add_argument("--pid", type=int)
    s.add_argument("--n", type=int, default=2000)
    s.add_argument("--limit", type=int, default=10)
    a = ap.parse_args()
    if a.cmd_name == "run" and a.cmd and a.cmd[0] == "--":
        a.cmd = a.cmd[1:]
    rec = json.loads(a.tag)
    rec.update({"upload": cmd_upload, "run": cmd_run, "search": cmd_search}[a.cmd_name](a))
    print(json.dumps(rec))


if __name__ == "__main__":
    main()
PYEOF

# ---------------------------------------------------------------- the search queries
# Words and phrases of the textbooks' prose (Python tutorial, HOWTOs, FAQ): kind<TAB>query
queries=$tmp/queries.tsv
cat >"$queries" <<'EOF'
word	python
word	function
word	string
word	module
word	exception
word	logging
word	iterator
word	dictionary
word	generator
word	unicode
word	socket
word	tuple
word	lambda
word	interpreter
word	descriptor
and	string method
and	module import
and	exception handling
and	file object
and	class instance
and	default value
and	floating point
and	virtual environment
and	logging handler
and	dictionary keys
and	loop variable
and	unicode encoding
phrase	"list comprehension"
phrase	"regular expression"
phrase	"keyword argument"
phrase	"standard library"
phrase	"virtual environment"
phrase	"floating point"
phrase	"default value"
phrase	"for loop"
phrase	"syntax error"
phrase	"command line"
or	tuple OR list
or	socket OR thread
or	decorator OR descriptor
or	encode OR decode
or	import OR module
or	lambda OR closure
or	iterator OR generator
prefix	iter*
prefix	comprehens*
prefix	decor*
prefix	excep*
prefix	unicod*
prefix	serial*
prefix	config*
exclude	python -java
exclude	string -unicode
exclude	logging -handler
EOF
cp "$queries" "$out/queries.tsv"

# ---------------------------------------------------------------- helpers
tag() {  # KEY=VALUE...: a JSON object (values that look like numbers stay numbers)
  $PY -c 'import json, sys
d = {}
for kv in sys.argv[1:]:
    k, v = kv.split("=", 1)
    try: d[k] = int(v)
    except ValueError: d[k] = v
print(json.dumps(d))' "$@"
}
register() {  # EMAIL -> access token on stdout
  local body
  body=$(curl -fsS -X POST -H 'Content-Type: application/json' \
    --data "{\"email\":\"$1\",\"password\":\"$UPLOAD_PASSWORD\",\"display_name\":\"ingest bench\"}" \
    "$EM_BASE/api/auth/register") || die "registering $1 failed"
  $PY -c 'import json, sys; print(json.loads(sys.argv[1])["access_token"])' "$body"
}
record() {  # LINE...: to runs.jsonl (recorded rounds only)
  if ((recording)); then tee -a "$jsonl" >/dev/null; else cat >/dev/null; fi
}
api_upload() {  # KIND FILE TOKEN REP [--keep]: one upload to searchable
  local kind=$1 f=$2 tok=$3 rep=$4
  shift 4
  $PY "$client" --tag "$(tag kind="$kind" file="$(basename "$f")" pages="${PAGES[$f]}" rep="$rep")" upload \
    --base "$EM_BASE" --token "$tok" --file "$f" --pid "$em_pid" --log "$slog" \
    --poll-ms "$POLL_MS" --timeout "$READY_TIMEOUT" "$@" || die "upload of $f failed"
}
timed() {  # KIND FILE REP PARSE CMD...: one timed command
  local kind=$1 f=$2 rep=$3 parse=$4
  shift 4
  $PY "$client" --tag "$(tag kind="$kind" file="$(basename "$f")" pages="${PAGES[$f]}" rep="$rep")" run \
    --parse "$parse" -- "$@" || die "timing $kind on $f failed"
}
cli_ingest() {  # FILE REP: `exammentor ingest FILE` on a fresh copy of the prepared DATA_DIR
  local f=$1 rep=$2 d=$tmp/cli-run
  rm -rf "$d" && cp -a "$tmp/cli-template" "$d"
  (cd "$tmp" && timed cli "$f" "$rep" cli "${em_env[@]}" DATA_DIR="$d/data" DATABASE_URL="sqlite://$d/em.db" \
    LOG_LEVEL=warning "$EM_BIN" ingest "$f")
}
rep_gate() {  # LABEL: with QUIET_WAIT > 0, wait up to QUIET_WAIT s for the machine to be at most 10 % busy
  ((${QUIET_WAIT:-0} > 0)) || return 0
  local busy deadline=$((SECONDS + QUIET_WAIT))
  while busy=$(busy_pct); ((busy > 10 && SECONDS < deadline)); do log "$1: the machine is ${busy}% busy; waiting (QUIET_WAIT)"; done
  echo "{\"kind\": \"busy\", \"before\": \"$1\", \"busy_pct\": $busy}" | record
}
mem_at() {  # STEP: the server's VmRSS, and its VmHWM (peak RSS) since the previous call, from /proc;
  # then resets VmHWM to the current RSS (clear_refs 5), so that each step gets its own peak
  local line
  line=$(awk -v step="$1" '/^VmHWM:/ {h=$2} /^VmRSS:/ {r=$2}
    END {printf "{\"kind\": \"memory\", \"after\": \"%s\", \"vmrss_kb\": %d, \"vmhwm_kb\": %d", step, r, h}' \
    "/proc/$em_pid/status")
  if echo 5 >"/proc/$em_pid/clear_refs" 2>/dev/null; then echo "$line, \"hwm_reset\": true}"; else echo "$line, \"hwm_reset\": false}"; fi
}
summarize() {
  $PY "$here/summarize_ingest.py" --meta "$out/meta.txt" --ratios "$out/ratios.json" "$jsonl"
}

declare -A PAGES
for f in "${pdfs[@]}" "$search_pdf" "$robust_pdf"; do
  PAGES[$f]=$(pages_of "$f")
  [[ ${PAGES[$f]} =~ ^[0-9]+$ ]] || die "mutool info cannot count the pages of $f"
done

# ---------------------------------------------------------------- start
log "=== starting exammentor"
em_env_init
# BENCH_DATABASE_URL: the server's database instead of a fresh SQLite file (an empty
# PostgreSQL database, e.g. from scripts/pg-test-server.sh); the CLI rows stay on SQLite.
[[ -n ${BENCH_DATABASE_URL:-} ]] && em_env+=(DATABASE_URL="$BENCH_DATABASE_URL")
em_serve
tok_up=$(register ingest-upload@bench.exammentor.invalid)
tok_search=$(register ingest-search@bench.exammentor.invalid)
mem_start=$(mem_at "start and 2 registrations (argon2id hashes)")

# The CLI's DATA_DIR: migrated and with its superuser (created by a first ingest of a short
# text), copied afresh before every timed `exammentor ingest`.
log "preparing the CLI's DATA_DIR"
mkdir -p "$tmp/cli-template/data"
printf '# Setup\n\nA short note so that the first superuser and the schema exist.\n' >"$tmp/setup.md"
(cd "$tmp" && "${em_env[@]}" DATA_DIR="$tmp/cli-template/data" DATABASE_URL="sqlite://$tmp/cli-template/em.db" \
  LOG_LEVEL=warning "$EM_BIN" ingest "$tmp/setup.md") >"$tmp/cli-setup.out" 2>&1 ||
  { cat "$tmp/cli-setup.out" >&2; die "exammentor ingest (setup) failed"; }

# ---------------------------------------------------------------- 1. ingestion, interleaved
round() {  # REP
  local f
  for f in "${pdfs[@]}"; do
    api_upload upload "$f" "$tok_up" "$1" | record
    cli_ingest "$f" "$1" | record
    timed mutool "$f" "$1" none mutool draw -q -F txt -o /dev/null "$f" | record
    timed pypdf "$f" "$1" pypdf "$PY" "$pypdf_extract" "$f" | record
  done
}
recording=0
for ((r = 1; r <= WARMUP; r++)); do log "=== warm-up round $r/$WARMUP"; round 0; done
recording=1
echo "$mem_start" | record
mem_at "warm-up round(s)" | record
for ((r = 1; r <= REPS; r++)); do
  rep_gate "rep $r"
  log "=== rep $r/$REPS: upload to searchable, exammentor ingest, mutool, PyPDF"
  round "$r"
done
mem_at "ingestion reps" | record

# ---------------------------------------------------------------- 2. search
log "=== search corpus: $SEARCH_COPIES x $(basename "$search_pdf") for one account"
for ((i = 1; i <= SEARCH_COPIES; i++)); do
  api_upload search_corpus "$search_pdf" "$tok_search" "$i" --keep | record
done
mem_at "search corpus" | record
rep_gate search
log "=== search: $SEARCH_N sequential requests over one keep-alive connection"
$PY "$client" --tag "$(tag kind=search pages_indexed=$((SEARCH_COPIES * PAGES[$search_pdf])))" search \
  --base "$EM_BASE" --token "$tok_search" --queries "$queries" --pid "$em_pid" --n "$SEARCH_N" \
  --limit "$SEARCH_LIMIT" | record || die "the search run failed"
if ((WRK)); then
  log "=== search: wrk c=$SEARCH_CONNS for ${DUR}s"
  search_lua=$tmp/wrk/exammentor_search.lua
  {
    echo "-- generated by bench/ingest.sh: GET /api/search rotating over queries.tsv, as the corpus owner"
    echo 'dofile(os.getenv("PEERS_WRK_DIR") .. "/report.lua")'
    echo "local token = \"$tok_search\""
    echo "local paths = {"
    $PY -c 'import sys, urllib.parse
for line in open(sys.argv[1]):
    if line.strip() and not line.startswith("#"):
        q = line.rstrip("\n").split("\t", 1)[1]
        print("  \"/api/search?q=%s&limit=%s\"," % (urllib.parse.quote(q, safe=""), sys.argv[2]))' "$queries" "$SEARCH_LIMIT"
    echo "}"
    echo 'local reqs, i = {}, 0'
    echo 'for k, p in ipairs(paths) do reqs[k] = wrk.format("GET", p, {["Authorization"] = "Bearer " .. token}) end'
    echo 'request = function()'
    echo '  i = i % #reqs + 1'
    echo '  return reqs[i]'
    echo 'end'
    echo 'done = report_done'
  } >"$search_lua"
  sed -E 's/"eyJ[^"]*"/"<access token>"/' "$search_lua" >"$out/exammentor_search.lua"
  measure exammentor_search "$em_pid" "$EM_BASE" "$search_lua" "$SEARCH_CONNS" 1 >/dev/null
fi

# ---------------------------------------------------------------- 3. robustness
log "=== robustness: $(basename "$robust_pdf")"
api_upload robust_exammentor "$robust_pdf" "$tok_up" 1 --keep | record
timed robust_pypdf "$robust_pdf" 1 pypdf "$PY" "$pypdf_extract" "$robust_pdf" | record
timed robust_mutool "$robust_pdf" 1 none mutool draw -q -F txt -o /dev/null "$robust_pdf" | record

# ---------------------------------------------------------------- 4. memory
mem_at "searches and robustness (end)" | record
grep -h '"level": *"\(warning\|error\)"' "$slog" >"$out/exammentor-warnings.jsonl" 2>/dev/null || true
[[ -s $out/exammentor-warnings.jsonl ]] || rm -f "$out/exammentor-warnings.jsonl"
em_stop

summarize | tee "$out/summary.txt"
log "results in $out"
