#!/usr/bin/python3
"""Table and figures for the JSON lines bench/auth.sh writes (stdlib only).

  summarize_auth.py [--log-level L] [--box box.jsonl] [--argon2 argon2.jsonl] [--cores N] [--http-threads N]
                    runs.jsonl [accesslog.jsonl] [ratios.json]

runs.jsonl holds peers/httpbench.py lines named exammentor_login, exammentor_me and
exammentor_health (one per wrk run) and one `mem_only` line 1 s after the start. The table
is summarize_http.py's (medians over the reps); below it: the argon2id parameters in force
and their in-process time, logins per second with the server CPU per login,
/api/users/me against /health, and /health while one connection logs in (exammentor_healthmix).
"""
import argparse
import json
import sys

sys.dont_write_bytecode = True  # no __pycache__ in bench/
from summarize_http import collect, fnum, load, med, print_accesslog, print_table

ENDPOINTS = {"health": "GET /health", "me": "GET /api/users/me (Bearer)",
             "login": "POST /api/auth/login", "healthmix": "GET /health + 1 login conn"}
MIB = 1024 * 1024


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--log-level", default="?")
    ap.add_argument("--box")
    ap.add_argument("--argon2", help="argon2_time.py's JSON lines")
    ap.add_argument("--cores", type=int, help="the machine's cores")
    ap.add_argument("--raw-dir", help="the raw/ folder (the parallel logins' wrk output)")
    ap.add_argument("--http-threads", type=int, help="exammentor's HTTP worker threads")
    ap.add_argument("runs")
    ap.add_argument("accesslog", nargs="?")
    ap.add_argument("ratios_out", nargs="?")
    a = ap.parse_args()
    mem, cells, stats = collect(load(a.runs), load(a.box))
    ars = load(a.argon2)
    ar = ars[0] if ars else None
    # one verify's CPU: the mean over the in-process timings (before and after the load)
    verify_ms = sum(x["verify"]["cpu_ms_mean"] for x in ars) / len(ars) if ars else None

    print(f"median over reps; exammentor LOG_LEVEL={a.log_level}; wrk and the server share the same cores")
    print()
    print_table(stats, mem, endpoints=ENDPOINTS)
    print_accesslog(load(a.accesslog), cells)
    out = {"log_level": a.log_level, "http_threads": a.http_threads, "argon2": ars, "verify_cpu_ms": verify_ms,
           "login": [], "me_vs_health": []}

    print()
    if ar:
        print(f"ARGON2ID IN FORCE (the seeded students' stored hash): m={ar['memlimit_kb']} KiB "
              f"({ar['memlimit_kb'] * 1024 / MIB:.0f} MiB), t={ar['opslimit']}, p={ar['lanes']}, v={ar['v']}; libsodium {ar['libsodium']}")
        for x in ars:
            v, h = x["verify"], x["hash"]
            print(f"  in process, one thread, {x['n']} each{' (' + x['label'] + ' the load)' if x.get('label') else ''}:"
                  f" verify {v['wall_ms_mean']:.1f} ms ({v['wall_ms_min']:.1f}-{v['wall_ms_max']:.1f}), CPU {v['cpu_ms_mean']:.1f} ms;"
                  f" hash {h['wall_ms_mean']:.1f} ms ({h['wall_ms_min']:.1f}-{h['wall_ms_max']:.1f}), CPU {h['cpu_ms_mean']:.1f} ms")
    else:
        print("ARGON2ID: not measured (no argon2.jsonl)")

    logins = sorted((k[2], s) for k, s in stats.items() if k[0] == "exammentor" and k[1] == "login")
    if logins:
        print()
        print("LOGINS (POST /api/auth/login, valid password, rotating over the seeded students)")
        for conns, s in logins:
            ms = s["cpu_us"] / 1000
            grow = s["rss_load_mb"] - s["rss_pre_mb"]
            rel = f" = {ms / verify_ms:.2f} x one verify" if verify_ms else ""
            hashes = f" = {grow / (ar['memlimit_kb'] / 1024):.1f} x {ar['memlimit_kb'] // 1024} MiB" if ar else ""
            errs = ",".join(f"{k}={v}" for k, v in s["errors"].items()) or "no errors"
            # at most min(HTTP threads, cores) hashes run at once
            par = min(x for x in (a.http_threads, a.cores) if x) if (a.http_threads or a.cores) else None
            cap = (f" = {s['rps'] / (par * 1000 / ms):.0%} of the ceiling {par} x 1000 / {ms:.1f} ms ="
                   f" {par * 1000 / ms:.1f}/s ({par} hashes at once at most)") if par else ""
            print(f"  c={conns}: {fnum(s['rps'], 1)} logins/s [{fnum(s['rps_min'], 1)}-{fnum(s['rps_max'], 1)}]{cap},"
                  f" p50 {s['p50_ms']:.0f} ms, p99 {s['p99_ms']:.0f} ms; server CPU {ms:.1f} ms/login{rel};"
                  f" RSS {s['rss_pre_mb']:.0f} MB before, {s['rss_load_mb']:.0f} MB peak (+{grow:.0f}{hashes}); {errs}")
            # cores the server used in each run: below the possible parallelism, the connections
            # sat on fewer server threads than there are (each connection stays on the thread that
            # accepted it, and a hash blocks that thread)
            per_run = []
            for r in cells[("exammentor", "login", conns)]:
                used = r["srv_cpu_s"] / (r["wall_s"] or r["secs"])
                note = " (fewer threads busy than possible)" if par and used < 0.75 * par else ""
                per_run.append(f"{r['rps']:.1f}/s on {used:.2f} cores, p50 {r['p50_ms']:.0f} ms{note}")
            print(f"        runs: {'; '.join(per_run)}")
            out["login"].append({"conns": conns, "logins_per_s": s["rps"], "p50_ms": s["p50_ms"], "p99_ms": s["p99_ms"],
                                 "cpu_ms_per_login": round(ms, 2), "rss_pre_mb": round(s["rss_pre_mb"], 1),
                                 "rss_load_mb": round(s["rss_load_mb"], 1), "errors": s["errors"]})

    me = sorted((k[2], s) for k, s in stats.items() if k[0] == "exammentor" and k[1] == "me")
    if me:
        print()
        print("GET /api/users/me (JWT verify + account lookup) vs GET /health")
        for conns, m in me:
            h = stats.get(("exammentor", "health", conns))
            if not h:
                continue
            print(f"  c={conns}: me {fnum(m['rps'], 0)} rps, p50/p99 {m['p50_ms']:.2f}/{m['p99_ms']:.2f} ms,"
                  f" {m['cpu_us']:.1f} us/req | health {fnum(h['rps'], 0)} rps, p50/p99 {h['p50_ms']:.2f}/{h['p99_ms']:.2f} ms,"
                  f" {h['cpu_us']:.1f} us/req | me/health rps {m['rps'] / h['rps']:.2f}, CPU {m['cpu_us'] / h['cpu_us']:.1f}x"
                  f" (+{m['cpu_us'] - h['cpu_us']:.1f} us/req)")
            out["me_vs_health"].append({
                "conns": conns, "me_rps": m["rps"], "health_rps": h["rps"], "rps_ratio": round(m["rps"] / h["rps"], 3),
                "me_p50_ms": m["p50_ms"], "me_p99_ms": m["p99_ms"], "health_p50_ms": h["p50_ms"], "health_p99_ms": h["p99_ms"],
                "me_cpu_us": m["cpu_us"], "health_cpu_us": h["cpu_us"], "cpu_ratio": round(m["cpu_us"] / h["cpu_us"], 2)})

    mix = sorted((k[2], s, cells[k]) for k, s in stats.items() if k[0] == "exammentor" and k[1] == "healthmix")
    if mix:
        print()
        print("GET /health while one connection logs in back to back (from 1 s after the health connections opened;"
              " srv CPU of that row includes the logins)")
        for conns, m, rs in mix:
            h = stats.get(("exammentor", "health", conns))
            hr = cells.get(("exammentor", "health", conns), [])
            p90 = med([r["p90_ms"] for r in rs])
            mx = med([r["max_ms"] for r in rs])
            logins = []
            if a.raw_dir:
                for rep in range(1, len(rs) + 1):
                    try:
                        txt = open(f"{a.raw_dir}/exammentor_healthmix_logins_r{rep}.txt").read()
                        w = json.loads(txt.split("WRKJSON ", 1)[1].splitlines()[0])
                        logins.append((w["requests"] / (w["duration_us"] / 1e6), w["p50_us"] / 1000))
                    except (OSError, IndexError, ValueError, KeyError):
                        pass
            alone = (f" | alone: p50/p90/p99/max {h['p50_ms']:.2f}/{med([r['p90_ms'] for r in hr]):.2f}/{h['p99_ms']:.2f}/"
                     f"{med([r['max_ms'] for r in hr]):.1f} ms, {fnum(h['rps'], 0)} rps") if h else ""
            lg = (f" | logins {med([x[0] for x in logins]):.1f}/s, p50 {med([x[1] for x in logins]):.0f} ms") if logins else ""
            print(f"  c={conns}: p50/p90/p99/max {m['p50_ms']:.2f}/{p90:.2f}/{m['p99_ms']:.2f}/{mx:.1f} ms,"
                  f" {fnum(m['rps'], 0)} rps{alone}{lg}")
            out["health_with_logins"] = {"conns": conns, "p50_ms": m["p50_ms"], "p90_ms": p90, "p99_ms": m["p99_ms"],
                                         "max_ms": mx, "rps": m["rps"], "logins": logins}

    if a.ratios_out:
        with open(a.ratios_out, "w") as f:
            json.dump({**out, "cells": [{"server": k[0], "endpoint": k[1], "conns": k[2], **v} for k, v in stats.items()]},
                      f, indent=1)


if __name__ == "__main__":
    main()
