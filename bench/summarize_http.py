#!/usr/bin/python3
"""Table and target ratios for the JSON lines bench/http.sh writes (stdlib only).

  summarize_http.py [--log-level L] runs.jsonl [accesslog.jsonl] [ratios.json]

runs.jsonl holds peers/httpbench.py lines: one per wrk run, plus `mem_only` lines taken
1 s after each server started. Every figure in the table is the median over the runs
(reps) of that row; rps also shows [min-max]. Ratios are computed from those medians.
"""
import argparse
import json
import os
import statistics
from collections import OrderedDict

SERVERS = {"exammentor": "exammentor", "nginx": "nginx return 200", "gunicorn5": "FastAPI gunicorn+uvicorn x5"}
ENDPOINTS = {"health": "/health", "topics": "/api/topics (50 rows)"}

# (label, left row, right row, metric, kind, target, how to compare)
TARGETS = [
    ("exammentor /health rps / nginx rps", ("exammentor", "health"), ("nginx", "health"), "rps", ">=", 0.5),
    ("exammentor /health p99 / nginx p99", ("exammentor", "health"), ("nginx", "health"), "p99_ms", "<=", 2.0),
    ("exammentor topics (authenticated) rps / FastAPI topics (no auth) rps", ("exammentor", "topics"), ("gunicorn5", "topics"),
     "rps", ">=", 20.0),
]
IDLE_RSS_TARGET_MB = 15.0


def load(path):
    if not path or not os.path.exists(path):
        return []
    with open(path) as f:
        return [json.loads(line) for line in f if line.startswith("{")]


def med(vals):
    return statistics.median(vals) if vals else None


def split_name(name):
    server, _, ep = name.rpartition("_")
    return server, ep


def fnum(v, nd=1):
    if v is None:
        return "-"
    if abs(v) >= 1000:
        return f"{v:,.0f}"
    return f"{v:.{nd}f}"


def collect(rows, box_rows):
    """(mem, cells, stats) from httpbench lines and box lines: mem = {server: mem_only line},
    cells = {(server, endpoint, conns): [runs]}, stats = {same key: medians over the runs}."""
    box = {}
    for b in box_rows:
        box.setdefault((b["name"], b["conns"]), []).append(b)
    mem = OrderedDict((r["name"].rsplit("_startup", 1)[0], r) for r in rows if r.get("mem_only"))
    cells = OrderedDict()
    for r in rows:
        if not r.get("mem_only"):
            server, ep = split_name(r["name"])
            cells.setdefault((server, ep, r["conns"]), []).append(r)

    def cell_stats(rs):
        errs = {}
        for r in rs:
            for k, v in r["errors"].items():
                errs[k] = errs.get(k, 0) + v
        # wrk ran > 1 s longer than asked: the whole box (wrk included) stalled during the run
        over = sum(1 for r in rs if r["wall_s"] > r["secs"] + 1)
        if over:
            errs["overrun"] = over
        # CPU the rest of the machine used during the run (busy CPU - server - wrk): other load
        bx = {b["rep"]: b for b in box.get((rs[0]["name"], rs[0]["conns"]), [])}
        others = med([max(b["box_busy_s"] - r["srv_cpu_s"] - r["wrk_cpu_s"], 0.0)
                      for i, r in enumerate(rs, 1) if (b := bx.get(i))])
        irq = med([b["box_irq_s"] for b in bx.values() if "box_irq_s" in b])
        return {
            "runs": len(rs),
            "rps": med([r["rps"] for r in rs]), "rps_min": min(r["rps"] for r in rs), "rps_max": max(r["rps"] for r in rs),
            "p50_ms": med([r["p50_ms"] for r in rs]), "p99_ms": med([r["p99_ms"] for r in rs]),
            "cpu_us": med([r["srv_cpu_us_per_req"] for r in rs]),
            "srv_cpu_s": med([r["srv_cpu_s"] for r in rs]), "wrk_cpu_s": med([r["wrk_cpu_s"] for r in rs]),
            "rss_pre_mb": med([r["rss_idle_kb"] / 1024 for r in rs]),
            "rss_load_mb": med([r["rss_load_kb"] / 1024 for r in rs]),
            "pss_load_mb": med([r["pss_load_kb"] / 1024 for r in rs]),
            "errors": errs, "secs": rs[0]["secs"], "others_cpu_s": others, "irq_cpu_s": irq,
        }

    return mem, cells, OrderedDict((k, cell_stats(v)) for k, v in cells.items())


def print_table(stats, mem, servers=SERVERS, endpoints=ENDPOINTS):
    """The medians table, the disturbance warning and the start-up memory lines."""
    hdr = ["server", "endpoint", "conns", "runs", "rps [min-max]", "p50 ms", "p99 ms", "srv CPU us/req",
           "srv+wrk+irq CPU s", "others CPU s", "RSS start MB", "RSS pre-run MB", "RSS load MB", "PSS load MB", "errors"]
    table = []
    for (server, ep, conns), s in stats.items():
        start = mem.get(server)
        table.append([
            servers.get(server, server), endpoints.get(ep, ep), str(conns), str(s["runs"]),
            f"{fnum(s['rps'], 0)} [{fnum(s['rps_min'], 0)}-{fnum(s['rps_max'], 0)}]",
            fnum(s["p50_ms"], 2), fnum(s["p99_ms"], 2), fnum(s["cpu_us"], 1),
            f"{s['srv_cpu_s']:.1f}+{s['wrk_cpu_s']:.1f}+{fnum(s['irq_cpu_s'], 1)}/{s['secs'] * 2}", fnum(s["others_cpu_s"], 1),
            fnum(start["rss_kb"] / 1024 if start else None, 1), fnum(s["rss_pre_mb"], 1),
            fnum(s["rss_load_mb"], 1), fnum(s["pss_load_mb"], 1),
            ",".join(f"{k}={v}" for k, v in s["errors"].items()) or "0",
        ])
    widths = [max(len(h), *(len(r[i]) for r in table)) if table else len(h) for i, h in enumerate(hdr)]
    line = "| " + " | ".join(h.ljust(w) for h, w in zip(hdr, widths)) + " |"
    print(line)
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for r in table:
        print("| " + " | ".join(c.ljust(w) for c, w in zip(r, widths)) + " |")

    busy = [(k, s) for k, s in stats.items() if s["others_cpu_s"] is not None and s["others_cpu_s"] > 0.1 * s["secs"]]
    if busy:
        print()
        print(f"WARNING: other processes used more than 5% of the machine's CPU during {len(busy)} of {len(stats)} rows"
              f" (up to {max(s['others_cpu_s'] for _, s in busy):.1f} CPU-s of {busy[0][1]['secs'] * 2}): those figures are disturbed;"
              " rerun on a quiet machine")
    if mem:
        print()
        print("memory 1 s after start (only the readiness probe served), whole process tree:")
        for server, m in mem.items():
            print(f"  {servers.get(server, server):32s} procs={m['procs']:<3d} RSS {m['rss_kb'] / 1024:6.1f} MB   PSS {m['pss_kb'] / 1024:6.1f} MB")


def print_accesslog(logs, cells):
    """exammentor's stdout log volume per request, when it ran."""
    if not logs:
        return
    print()
    print("exammentor stdout log during the measured runs:")
    by = OrderedDict()
    for l in logs:
        by.setdefault((l["name"], l["conns"]), []).append(l)
    for (name, conns), ls in by.items():
        reqs = [r["requests"] for r in cells.get((split_name(name)[0], split_name(name)[1], conns), [])]
        tot_req = sum(reqs) or 1
        tot_lines = sum(l["log_lines"] for l in ls)
        tot_bytes = sum(l["log_bytes"] for l in ls)
        print(f"  {name:20s} c={conns:<4d} LOG_LEVEL={ls[0]['log_level']:8s} {tot_lines / tot_req:5.2f} lines/request"
              f"  {tot_bytes / tot_req:6.1f} bytes/request  ({tot_bytes / 1e6:.0f} MB for {tot_req:,} requests)")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--log-level", default="?")
    ap.add_argument("--box", help="box.jsonl: whole-machine CPU during each run")
    ap.add_argument("runs")
    ap.add_argument("accesslog", nargs="?")
    ap.add_argument("ratios_out", nargs="?")
    a = ap.parse_args()
    mem, cells, stats = collect(load(a.runs), load(a.box))

    print(f"median over reps; exammentor LOG_LEVEL={a.log_level}; wrk and the servers share the same cores")
    if any(k[1] == "topics" for k in stats):
        print("/api/topics: exammentor's requests carry a student's Bearer token (JWT verify + account lookup +"
              " authorization + the query); FastAPI's have no authentication at all")
    print()
    print_table(stats, mem)
    print_accesslog(load(a.accesslog), cells)

    # ratios
    print()
    print("RATIOS (from the medians above)")
    results = []
    conns_all = sorted({k[2] for k in stats})
    for label, left, right, metric, op, target in TARGETS:
        for conns in conns_all:
            l = stats.get((left[0], left[1], conns))
            r = stats.get((right[0], right[1], conns))
            if l is None or r is None:
                missing = left[0] if l is None else right[0]
                results.append({"ratio": label, "conns": conns, "value": None, "target": f"{op} {target:g}",
                                "verdict": f"n/a ({missing} not measured)"})
                continue
            v = l[metric] / r[metric] if r[metric] else float("inf")
            ok = v >= target if op == ">=" else v <= target
            results.append({"ratio": label, "conns": conns, "value": round(v, 3), "target": f"{op} {target:g}",
                            "left": l[metric], "right": r[metric], "verdict": "PASS" if ok else "MISS"})
    em = mem.get("exammentor")
    if em:
        v = em["rss_kb"] / 1024
        results.append({"ratio": "exammentor idle RSS MB (1 s after start)", "conns": None, "value": round(v, 2),
                        "target": f"< {IDLE_RSS_TARGET_MB:g}", "verdict": "PASS" if v < IDLE_RSS_TARGET_MB else "MISS"})
    else:
        results.append({"ratio": "exammentor idle RSS MB (1 s after start)", "conns": None, "value": None,
                        "target": f"< {IDLE_RSS_TARGET_MB:g}", "verdict": "n/a (exammentor not measured)"})
    w = max(len(r["ratio"]) for r in results)
    for r in results:
        c = f"c={r['conns']}" if r["conns"] else ""
        val = "-" if r["value"] is None else f"{r['value']:.2f}"
        detail = ""
        if "left" in r:
            detail = f"  ({fnum(r['left'], 2)} vs {fnum(r['right'], 2)})"
        print(f"  {r['ratio']:{w}s} {c:6s} {val:>8s}  target {r['target']:6s}  {r['verdict']}{detail}")

    # informational: CPU per request side by side
    extra = []
    for conns in conns_all:
        e, n = stats.get(("exammentor", "health", conns)), stats.get(("nginx", "health", conns))
        if e and n:
            extra.append(f"  /health srv CPU us/req c={conns}: exammentor {e['cpu_us']:.1f} vs nginx {n['cpu_us']:.1f}"
                         f" ({e['cpu_us'] / n['cpu_us']:.1f}x)")
        e, g = stats.get(("exammentor", "topics", conns)), stats.get(("gunicorn5", "topics", conns))
        if e and g:
            extra.append(f"  topics  srv CPU us/req c={conns}: exammentor {e['cpu_us']:.1f} vs FastAPI {g['cpu_us']:.1f}"
                         f" (FastAPI uses {g['cpu_us'] / e['cpu_us']:.0f}x the CPU per request)")
    if extra:
        print()
        print("server CPU per request (steadier than rps on a shared box):")
        print("\n".join(extra))

    if a.ratios_out:
        with open(a.ratios_out, "w") as f:
            json.dump({"log_level": a.log_level, "ratios": results,
                       "cells": [{"server": k[0], "endpoint": k[1], "conns": k[2], **v} for k, v in stats.items()]},
                      f, indent=1)


if __name__ == "__main__":
    main()
