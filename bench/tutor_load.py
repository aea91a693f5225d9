#!/usr/bin/env python3
"""bench/tutor_load.py: the measuring client of bench/tutor.sh (run by it, not alone).

    tutor_load.py tutor BASE TOKEN MATERIAL_ID STREAMS SECONDS OUT.jsonl
    tutor_load.py plan  BASE TOKEN MATERIAL_ID DAYS GENS REQS OUT.jsonl

tutor: STREAMS threads, each asking questions in turn through POST /api/tutor/stream (a fresh
connection per question, as a browser tab would), all at once, for SECONDS seconds. For each stream it
records the time to the first NDJSON line and to the `done` line, and checks that every line
is JSON with a `type`, that the first is `start` and the last `done`. A side thread asks
GET /health every 50 ms meanwhile. One JSON line per stream, one for /health under load and
one for /health idle (before the load) go to OUT.

plan: a study session over MATERIAL_ID with its exam DAYS days ahead; GENS plans generated
(each after changing the daily budget, so each is a cache miss), then REQS cache hits of
POST /api/plan/generate-verified interleaved with REQS GET /health on one keep-alive
connection. One JSON line per measured request kind goes to OUT.
"""
import datetime
import http.client
import json
import statistics
import sys
import threading
import time
import urllib.parse

# Questions as a learner asks them about the Python tutorial (the bench's material), and one
# it cannot answer.
QUESTIONS = [
    "how do I leave a loop early?",
    "what does the else clause of a loop do?",
    "how do I give a function default argument values?",
    "what is a list comprehension?",
    "how do I read a file line by line?",
    "what happens when an exception is not handled?",
    "how do I create a virtual environment?",
    "what is the difference between a tuple and a list?",
    "how do I format numbers in a string?",
    "what does the pass statement do?",
    "how do I import a module from a package?",
    "why use a dictionary instead of a list?",
    "what is the capital of Mongolia?",
]


def conn_for(base, timeout=600):
    u = urllib.parse.urlsplit(base)
    return http.client.HTTPConnection(u.hostname, u.port, timeout=timeout)


def call(c, method, path, token, body=None):
    headers = {"Authorization": f"Bearer {token}"}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    c.request(method, path, body=data, headers=headers)
    r = c.getresponse()
    raw = r.read()
    return r.status, raw


def pct(xs, p):
    xs = sorted(xs)
    if not xs:
        return None
    k = min(len(xs) - 1, max(0, int(round(p / 100 * (len(xs) - 1)))))
    return xs[k]


def summary(name, xs_ms, **extra):
    d = {"kind": name, "n": len(xs_ms), "p50_ms": round(pct(xs_ms, 50), 3), "p99_ms": round(pct(xs_ms, 99), 3),
         "mean_ms": round(statistics.fmean(xs_ms), 3), "max_ms": round(max(xs_ms), 3)}
    d.update(extra)
    return d


def one_stream(base, token, material_id, question):
    c = conn_for(base)
    t0 = time.perf_counter()
    body = json.dumps({"question": question, "material_ids": [material_id]}).encode()
    c.request("POST", "/api/tutor/stream", body=body,
              headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    r = c.getresponse()
    if r.status != 200:
        raise SystemExit(f"stream answered {r.status}: {r.read()[:300]!r}")
    first = None
    types = []
    done = None
    while True:
        line = r.readline()
        if not line:
            break
        if first is None:
            first = time.perf_counter()
        obj = json.loads(line)  # every line must be JSON
        t = obj.get("type")
        if t is None:
            raise SystemExit(f"a line without a type: {line[:200]!r}")
        if t == "heartbeat":
            continue
        types.append(t)
        if t == "done":
            done = time.perf_counter()
            answerable = obj.get("answerable")
    c.close()
    if not types or types[0] != "start" or types[-1] != "done":
        raise SystemExit(f"stream shape: {types[:3]} ... {types[-3:]}")
    return {"first_ms": (first - t0) * 1000, "done_ms": (done - t0) * 1000,
            "deltas": types.count("delta"), "citations": types.count("citation"), "answerable": answerable}


def health_poller(base, stop, out):
    c = conn_for(base, timeout=30)
    while not stop.is_set():
        t0 = time.perf_counter()
        c.request("GET", "/health")
        r = c.getresponse()
        r.read()
        if r.status != 200:
            raise SystemExit(f"/health answered {r.status}")
        out.append((time.perf_counter() - t0) * 1000)
        stop.wait(0.05)
    c.close()


def tutor(base, token, material_id, streams, seconds, out_path):
    rows, errors = [], []
    idle = []
    c = conn_for(base)
    for _ in range(200):
        t0 = time.perf_counter()
        c.request("GET", "/health")
        c.getresponse().read()
        idle.append((time.perf_counter() - t0) * 1000)
        time.sleep(0.005)
    c.close()
    # one warm-up question (the material's index is built by the first one)
    warm = one_stream(base, token, material_id, QUESTIONS[0])
    lock = threading.Lock()

    deadline = time.perf_counter() + seconds

    def worker(k):
        try:
            j = 0
            while time.perf_counter() < deadline:
                q = QUESTIONS[(k + j) % len(QUESTIONS)]
                j += 1
                r = one_stream(base, token, material_id, q)
                r["question"] = q
                with lock:
                    rows.append(r)
        except BaseException as e:  # noqa: BLE001 - reported below
            with lock:
                errors.append(repr(e))

    health, stop = [], threading.Event()
    hp = threading.Thread(target=health_poller, args=(base, stop, health))
    hp.start()
    threads = [threading.Thread(target=worker, args=(k,)) for k in range(streams)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    stop.set()
    hp.join()
    if errors:
        raise SystemExit(f"{len(errors)} streams failed: {errors[:3]}")
    with open(out_path, "a") as f:
        for r in rows:
            f.write(json.dumps(dict(r, kind="stream")) + "\n")
        f.write(json.dumps({"kind": "warmup", **warm}) + "\n")
        f.write(json.dumps(summary("first_line", [r["first_ms"] for r in rows])) + "\n")
        f.write(json.dumps(summary("done", [r["done_ms"] for r in rows],
                                   answers_per_s=round(len(rows) / wall, 2), streams=streams,
                                   wall_s=round(wall, 3))) + "\n")
        f.write(json.dumps(summary("health_under_load", health)) + "\n")
        f.write(json.dumps(summary("health_idle", idle)) + "\n")


def plan(base, token, material_id, days, gens, reqs, out_path):
    c = conn_for(base)
    exam = (datetime.datetime.now(datetime.timezone.utc).date() + datetime.timedelta(days=days)).isoformat()
    st, raw = call(c, "POST", "/api/sessions", token,
                   {"title": "bench", "exam_type": "final", "exam_date": exam, "daily_minutes": 120,
                    "material_ids": [material_id]})
    if st != 201:
        raise SystemExit(f"POST /api/sessions answered {st}: {raw[:300]!r}")
    sid = json.loads(raw)["id"]
    gen_ms, topics = [], None
    for i in range(gens):
        st, raw = call(c, "PATCH", f"/api/sessions/{sid}", token, {"daily_minutes": 120 + i})
        if st != 200:
            raise SystemExit(f"PATCH answered {st}: {raw[:300]!r}")
        t0 = time.perf_counter()
        st, raw = call(c, "POST", "/api/plan/generate-verified", token, {"session_id": sid})
        ms = (time.perf_counter() - t0) * 1000
        if st not in (200, 201):
            raise SystemExit(f"generate-verified answered {st}: {raw[:300]!r}")
        d = json.loads(raw)
        if d.get("cached") or not d["verification"]["ok"]:
            raise SystemExit(f"generation {i}: cached={d.get('cached')} ok={d['verification']['ok']}")
        topics = len({it["topic"] for day in d["plan"]["days"] for it in day["items"]})
        gen_ms.append(ms)
    hit_ms, health_ms = [], []
    for i in range(reqs):
        t0 = time.perf_counter()
        st, raw = call(c, "POST", "/api/plan/generate-verified", token, {"session_id": sid})
        hit_ms.append((time.perf_counter() - t0) * 1000)
        if st not in (200, 201) or not json.loads(raw).get("cached"):
            raise SystemExit(f"cache hit {i}: {st} {raw[:200]!r}")
        t0 = time.perf_counter()
        c.request("GET", "/health")
        r = c.getresponse()
        r.read()
        health_ms.append((time.perf_counter() - t0) * 1000)
    c.close()
    with open(out_path, "a") as f:
        f.write(json.dumps(summary("plan_generate", gen_ms, topics=topics, days=days)) + "\n")
        f.write(json.dumps(summary("plan_cache_hit", hit_ms, plan_bytes=len(raw))) + "\n")
        f.write(json.dumps(summary("health_same_connection", health_ms)) + "\n")


if __name__ == "__main__":
    a = sys.argv
    if len(a) == 8 and a[1] == "tutor":
        tutor(a[2], a[3], a[4], int(a[5]), int(a[6]), a[7])
    elif len(a) == 9 and a[1] == "plan":
        plan(a[2], a[3], a[4], int(a[5]), int(a[6]), int(a[7]), a[8])
    else:
        raise SystemExit(__doc__)
